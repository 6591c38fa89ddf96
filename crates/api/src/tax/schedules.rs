//! The economy in which whole schedules are evaluated (`tax compare`, `tax evaluate`), and the
//! named schedules: free market, US federal and Saez.

use anyhow::{Context, Result};
use serde_json::{json, Value};
use walras_data::tax::IncomeSample;
use walras_data::tax_population::IncomeUnits;
use walras_data::SkillSource;
use walras_tax::{
    aie_binned_saez, check_saez_rates, check_saez_sample, CheckedSaezRates, Evaluation,
    SaezWeights, Swf, TaxEconomy, Utility,
};

use super::inputs::{check_income_scale, cutoffs, income_units, population};
use super::{finite, null_reasons};
use crate::argument::ensure;
use crate::{ArgumentError, Provenance};

/// What defines the economy: the command line's strings and numbers.
pub(crate) struct EconomySpec<'a> {
    pub skills: &'a str,
    pub elasticity: f64,
    pub swf: &'a str,
    pub cutoffs: &'a str,
    pub agents: usize,
    pub rate_max: f64,
    pub income_units: Option<&'a str>,
}

/// The economy, the incomes the Saez estimator reads, and how they were read.
pub(crate) struct ScheduleEconomy {
    pub economy: TaxEconomy,
    pub sample: IncomeSample,
    pub skills: String,
    pub units: IncomeUnits,
    pub cutoffs: Vec<f64>,
    /// The cutoffs' name (`aie-us-federal`, `us-federal-2018` or a path).
    pub cutoffs_name: String,
    pub elasticity: f64,
    pub swf: String,
    pub rate_max: f64,
}

/// Checks the arguments and builds the economy; files read and warnings go into `provenance`.
pub(crate) fn schedule_economy(
    spec: &EconomySpec<'_>,
    provenance: &mut Provenance,
) -> Result<ScheduleEconomy> {
    let swf: Swf = spec
        .swf
        .parse()
        .map_err(|e| ArgumentError::from_error("swf", &e))?;
    let utility = Utility::QuasiLinear {
        elasticity: spec.elasticity,
    };
    utility
        .validate()
        .map_err(|e| ArgumentError::from_error("elasticity", &e))?;
    ensure(
        spec.rate_max > 0.0 && spec.rate_max <= 1.0,
        "rate-max",
        || format!("must lie in (0, 1], got {}", spec.rate_max),
    )?;
    let cutoff_set = cutoffs(spec.cutoffs, &mut provenance.inputs)?;
    let units = income_units(
        spec.income_units,
        matches!(SkillSource::parse(spec.skills), Ok(SkillSource::Cps)),
        cutoff_set.unit,
    )?;
    let loaded = population(
        spec.skills,
        spec.agents,
        spec.elasticity,
        units,
        &mut provenance.inputs,
    )?;
    if let Some(e) = &loaded.earnings {
        check_income_scale(
            (&e.source, &e.incomes, e.weights.as_deref()),
            &cutoff_set,
            units,
            spec.income_units,
            &mut provenance.warnings,
        )?;
    }
    let sample = loaded.saez_incomes(utility.elasticity().unwrap_or(1.0));
    check_saez_sample(&sample.incomes, sample.weights.as_deref())
        .with_context(|| format!("the Saez estimator's incomes ({})", sample.source))?;
    let economy = TaxEconomy::new(loaded.population, utility, swf, cutoff_set.cutoffs.clone())?
        .with_rate_bounds(0.0, spec.rate_max)?;
    Ok(ScheduleEconomy {
        economy,
        sample,
        skills: loaded.description,
        units,
        cutoffs: cutoff_set.cutoffs,
        cutoffs_name: cutoff_set.name,
        elasticity: spec.elasticity,
        swf: spec.swf.to_string(),
        rate_max: spec.rate_max,
    })
}

impl ScheduleEconomy {
    /// The US federal 2018 rates on these cutoffs (0.37 beyond the seventh bracket), with the
    /// label that says how the cutoffs are scaled.
    pub fn us_federal(&self) -> (&'static str, Vec<f64>) {
        let label = if self.cutoffs_name == "aie-us-federal" {
            "US federal (AI Economist scaling)"
        } else {
            "US federal 2018 rates"
        };
        let rates = (0..self.cutoffs.len())
            .map(|b| walras_tax::US_FEDERAL_RATES.get(b).copied().unwrap_or(0.37))
            .collect();
        (label, rates)
    }

    /// The AI Economist's binned Saez rates on the estimator's incomes; a bracket without
    /// incomes keeps the estimator's interpolated rate (so that the schedule can be evaluated),
    /// with a warning in `warnings`.
    pub fn saez(&self, warnings: &mut Vec<String>) -> Result<(Vec<f64>, CheckedSaezRates)> {
        let weights = self.sample.weights.as_deref();
        let saez = aie_binned_saez(
            &self.sample.incomes,
            weights,
            &self.cutoffs,
            self.elasticity,
            SaezWeights::InverseIncome,
            0.0,
            self.rate_max,
        )?;
        let checked = check_saez_rates(&saez.rates, &self.sample.incomes, weights, &self.cutoffs);
        for note in checked.notes.iter().flatten() {
            warnings.push(format!(
                "Saez (binned): {note}; the schedule uses the estimator's interpolated rate there"
            ));
        }
        Ok((saez.rates, checked))
    }

    /// The `economy` object of the JSON record.
    pub fn record(&self) -> Value {
        json!({"skills": self.skills, "agents": self.economy.population().len(), "elasticity": self.elasticity,
               "swf": self.swf, "saez_incomes": self.sample.source,
               "income_units": self.units.data.name(), "model_units": self.units.model.name()})
    }
}

/// One schedule's JSON record; a Saez schedule also names its empty brackets.
pub(crate) fn schedule_record(e: &Evaluation, saez: Option<&CheckedSaezRates>) -> Value {
    let mut rec = json!({"label": e.label, "cutoffs": e.cutoffs, "rates": e.rates, "transfer": finite(e.transfer), "swf": finite(e.swf),
           "gini": finite(e.gini), "equality": finite(e.equality), "productivity": finite(e.productivity),
           "equality_times_productivity": finite(e.equality_times_productivity), "bunched_share": finite(e.bunched_share),
           "revenue": finite(e.transfer), "solve_report": e.report, "null_reasons": null_reasons(e)});
    if let Some(checked) = saez {
        rec["empty_brackets"] = json!(checked
            .empty_brackets
            .iter()
            .map(|b| b + 1)
            .collect::<Vec<_>>());
        rec["rate_notes"] = json!(checked
            .notes
            .iter()
            .map(|n| n
                .as_ref()
                .map(|n| format!("{n}; the estimator's interpolated rate is used")))
            .collect::<Vec<_>>());
    }
    rec
}
