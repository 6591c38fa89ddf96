//! Saez bracket rates from a sample of incomes (`walras tax saez`).

use std::str::FromStr;

use anyhow::{Context, Result};
use serde_json::json;
use walras_data::tax::IncomeUnit;
use walras_data::Table;
use walras_plot::{LineChart, Series};
use walras_tax::{
    aie_binned_saez, bracket_counts, check_elasticity, check_saez_rates_counted, check_saez_sample,
    SaezWeights,
};

use super::figures::{rate_steps_checked, unit_words};
use super::inputs::{check_income_scale, cutoffs, income_units, Incomes};
use super::tables::{bracket_csv_checked, finite_or_blank};
use crate::argument::ensure;
use crate::{ArgumentError, Figure, NamedTable, Output, Provenance};

/// Which Saez estimator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SaezEstimator {
    /// The AI Economist's binned estimator (reproduces its numbers).
    #[default]
    Binned,
    /// Kernel density and the exact G from the sample, for real data.
    Smooth,
}

impl SaezEstimator {
    /// The name used on the command line and in outputs.
    pub fn name(self) -> &'static str {
        match self {
            SaezEstimator::Binned => "binned",
            SaezEstimator::Smooth => "smooth",
        }
    }
}

impl FromStr for SaezEstimator {
    type Err = ArgumentError;
    fn from_str(s: &str) -> Result<Self, ArgumentError> {
        match s {
            "binned" => Ok(SaezEstimator::Binned),
            "smooth" => Ok(SaezEstimator::Smooth),
            _ => Err(ArgumentError::new(
                "estimator",
                format!("must be binned or smooth, got {s:?}"),
            )),
        }
    }
}

/// What `walras tax saez` computes; the defaults are the command line's.
#[derive(Clone, Debug)]
pub struct SaezRequest<'a> {
    /// The incomes.
    pub incomes: Incomes<'a>,
    /// Labour (income) elasticity e in [0.001, 10].
    pub elasticity: f64,
    /// Social welfare weights: inverse-income or uniform.
    pub weights: String,
    /// Bracket cutoffs: aie-us-federal, us-federal-2018, or a file with a column `cutoff`.
    pub cutoffs: String,
    /// Lowest allowed rate.
    pub rate_min: f64,
    /// Highest allowed rate.
    pub rate_max: f64,
    /// The estimator.
    pub estimator: SaezEstimator,
    /// Unit of the incomes (usd or thousand-usd); default: the cutoffs' unit.
    pub income_units: Option<String>,
}

impl Default for SaezRequest<'_> {
    fn default() -> Self {
        SaezRequest {
            incomes: Incomes::Embedded,
            elasticity: 0.5,
            weights: "inverse-income".into(),
            cutoffs: "us-federal-2018".into(),
            rate_min: 0.0,
            rate_max: 1.0,
            estimator: SaezEstimator::Binned,
            income_units: None,
        }
    }
}

/// Saez rates by bracket.
#[derive(Clone, Debug)]
pub struct SaezRun {
    /// Bracket cutoffs (lower bounds), in the model's income unit.
    pub cutoffs: Vec<f64>,
    /// The rate of each bracket; None for a bracket without incomes.
    pub rates: Vec<Option<f64>>,
    /// Why a rate is None.
    pub rate_notes: Vec<Option<String>>,
    /// The estimator's rates, also where a bracket has no incomes (interpolated).
    pub estimator_rates: Vec<f64>,
    /// Weighted number of incomes per bracket.
    pub bracket_counts: Vec<f64>,
    /// How the incomes are named.
    pub source: String,
    /// Number of incomes.
    pub n_incomes: usize,
    /// The model's income unit (`usd`, `thousand-usd`).
    pub model_units: &'static str,
    /// JSON record, tables and figures.
    pub output: Output,
    /// Inputs, parameters and warnings.
    pub provenance: Provenance,
}

/// Saez rates for the brackets of `request.cutoffs` (see [`SaezRequest`]).
pub fn saez(request: &SaezRequest<'_>) -> Result<SaezRun> {
    let r = request;
    let weights: SaezWeights = r
        .weights
        .parse()
        .map_err(|e| ArgumentError::from_error("weights", &e))?;
    check_elasticity("elasticity", r.elasticity)
        .map_err(|e| ArgumentError::from_error("elasticity", &e))?;
    let mut provenance = Provenance::default();
    let cutoff_set = cutoffs(&r.cutoffs, &mut provenance.inputs)?;
    let units = income_units(
        r.income_units.as_deref(),
        matches!(r.incomes, Incomes::Embedded),
        cutoff_set.unit,
    )?;
    let sample = r.incomes.load(units.factor(), &mut provenance.inputs)?;
    ensure(
        r.rate_min.is_finite() && r.rate_max.is_finite() && r.rate_min <= r.rate_max,
        "rate-min",
        || {
            format!(
                "{} and --rate-max {}: need finite bounds with min <= max",
                r.rate_min, r.rate_max
            )
        },
    )?;
    let sw = sample.weights.as_deref();
    check_saez_sample(&sample.incomes, sw).with_context(|| r.incomes.describe())?;
    check_income_scale(
        (&sample.source, &sample.incomes, sw),
        &cutoff_set,
        units,
        r.income_units.as_deref(),
        &mut provenance.warnings,
    )?;
    let cutoffs = cutoff_set.cutoffs.clone();
    let estimator = r.estimator.name();
    provenance.parameters = json!({"estimator": estimator, "elasticity": r.elasticity, "weights": r.weights, "cutoffs": r.cutoffs, "incomes": sample.source, "income_units": units.data.name(), "model_units": units.model.name(), "rate_min": r.rate_min, "rate_max": r.rate_max});
    let mut json = json!({
        "estimator": estimator,
        "elasticity": r.elasticity,
        "weights": r.weights,
        "incomes": sample.source,
        "n_incomes": sample.incomes.len(),
        "sample_weighted": sample.weights.is_some(),
        "income_units": units.data.name(),
        "cutoff_units": cutoff_set.unit.map(IncomeUnit::name),
        "income_conversion_factor": units.factor(),
    });
    let top = *cutoffs.last().expect("cutoffs");
    let counts = bracket_counts(&sample.incomes, sw, &cutoffs);
    let (rates, tables, curve) = match r.estimator {
        SaezEstimator::Smooth => {
            let est = walras_tax::smooth_saez(
                &sample.incomes,
                sw,
                &cutoffs,
                r.elasticity,
                weights,
                200,
                (r.rate_min, r.rate_max),
            )
            .context("smooth Saez estimator")?;
            json["bandwidth_log_income"] = json!(est.bandwidth);
            json["grid"] = json!({"income": est.income, "tau": est.tau, "g": est.g, "a": est.a});
            let grid = Table::new()
                .with_f64("income", est.income.clone())?
                .with_f64("g", est.g.clone())?
                .with_str("a", finite_or_blank(&est.a))?
                .with_f64("tau", est.tau.clone())?;
            let curve = Series::new("tau(z)", est.income.clone(), est.tau.clone());
            (
                est.rates,
                vec![NamedTable::new("saez_grid.csv", grid)],
                curve,
            )
        }
        SaezEstimator::Binned => {
            let est = aie_binned_saez(
                &sample.incomes,
                sw,
                &cutoffs,
                r.elasticity,
                weights,
                r.rate_min,
                r.rate_max,
            )
            .context("Saez estimator")?;
            let unclipped =
                check_saez_rates_counted(&est.rates_unclipped, counts.clone(), &cutoffs);
            json["rates_unclipped"] = json!(unclipped.rates);
            let bins = Table::new()
                .with_f64("lower", est.bin_edges[..100].to_vec())?
                .with_f64("upper", est.bin_edges[1..].to_vec())?
                .with_f64("count", est.counts.clone())?
                .with_f64("g", est.bin_g[..100].to_vec())?
                .with_str("a", finite_or_blank(&est.bin_a[..100]))?
                .with_f64("tau", est.bin_tau[..100].to_vec())?;
            let mids: Vec<f64> = est
                .bin_edges
                .windows(2)
                .map(|w| 0.5 * (w[0] + w[1]))
                .collect();
            let curve = Series::new("bin rate", mids, est.bin_tau[..100].to_vec());
            (
                est.rates,
                vec![NamedTable::new("saez_bins.csv", bins)],
                curve,
            )
        }
    };
    let checked = check_saez_rates_counted(&rates, counts, &cutoffs);
    for note in checked.notes.iter().flatten() {
        provenance
            .warnings
            .push(format!("Saez rates: {note}; its rate is null"));
    }
    json["cutoffs"] = json!(cutoffs);
    json["rates"] = json!(checked.rates);
    json["rate_notes"] = json!(checked.notes);
    json["empty_brackets"] = json!(checked
        .empty_brackets
        .iter()
        .map(|b| b + 1)
        .collect::<Vec<_>>());
    json["bracket_counts"] = json!(checked.counts);
    json["estimator_rates"] = json!(rates);

    let chart = LineChart {
        title: format!("Saez marginal rates ({estimator} estimator)"),
        x_label: format!("income ({})", unit_words(units.model.name())),
        y_label: "marginal tax rate".into(),
        series: vec![
            curve,
            rate_steps_checked("bracket rate", &cutoffs, &checked.rates, top),
        ],
        log_x: false,
        log_y: false,
    };
    let unit = unit_words(units.model.name());
    let mut all_tables = vec![NamedTable::new(
        "saez_rates.csv",
        bracket_csv_checked(&cutoffs, &checked.rates, &checked.notes)?,
    )
    .caption(&format!(
        "Saez marginal rates by bracket ({estimator} estimator, elasticity {})",
        r.elasticity
    ))
    .unit("lower", unit)
    .unit("upper", unit)
    .unit("rate", "fraction")];
    all_tables.extend(tables);
    Ok(SaezRun {
        cutoffs,
        rates: checked.rates,
        rate_notes: checked.notes,
        estimator_rates: rates,
        bracket_counts: checked.counts,
        source: sample.source.clone(),
        n_incomes: sample.incomes.len(),
        model_units: units.model.name(),
        output: Output {
            json_name: "saez.json",
            json,
            tables: all_tables,
            figures: vec![("saez_rates".into(), Figure::Line(chart))],
        },
        provenance,
    })
}
