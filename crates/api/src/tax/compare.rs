//! The free market, US federal, Saez and optimal schedules compared in general equilibrium
//! (`walras tax compare`, the main job).

use std::sync::Arc;

use anyhow::{Context, Result};
use serde_json::json;
use walras_core::{Event, NoObserver, Observer};
use walras_data::SkillSource;
use walras_tax::{
    aie_binned_saez, check_saez_rates, check_saez_sample, Evaluation, SaezWeights, Swf, TaxEconomy,
    TaxOptimum, Utility,
};

use super::figures::{compare_figures, unit_words};
use super::inputs::{check_income_scale, cutoffs, income_units, population};
use super::{finite, null_reasons, optimizer_status};
use crate::argument::ensure;
use crate::{ArgumentError, NamedTable, Output, Provenance};

/// What `walras tax compare` computes; the defaults are the command line's.
#[derive(Clone)]
pub struct CompareRequest {
    /// Skills: cps (the embedded earnings sample), an income file, or a parametric
    /// distribution.
    pub skills: String,
    /// Labour elasticity e in [0.001, 10]; also the Saez formula's elasticity.
    pub elasticity: f64,
    /// The planner's social welfare function.
    pub swf: String,
    /// Bracket cutoffs shared by all schedules.
    pub cutoffs: String,
    /// Agents for a parametric skill distribution.
    pub agents: usize,
    /// Highest allowed marginal rate for the optimum.
    pub rate_max: f64,
    /// Unit of the incomes in an income file.
    pub income_units: Option<String>,
    /// Sees the stages (as [`Event::Progress`] of `schedule`) and the optimiser's iterations,
    /// and may cancel them.
    pub observer: Arc<dyn Observer>,
}

impl Default for CompareRequest {
    fn default() -> Self {
        CompareRequest {
            skills: "cps".into(),
            elasticity: 0.5,
            swf: "inverse-income".into(),
            cutoffs: "us-federal-2018".into(),
            agents: 10_000,
            rate_max: 0.99,
            income_units: None,
            observer: Arc::new(NoObserver),
        }
    }
}

/// Four schedules in equilibrium: free market, US federal, Saez and the optimum.
pub struct Comparison {
    /// The schedules, in that order (the last is the optimum's evaluation).
    pub schedules: Vec<Evaluation>,
    /// The optimum and how its optimiser stopped.
    pub optimum: TaxOptimum,
    /// The optimum's gains over Saez in percent: SWF and equality x productivity (None:
    /// undefined).
    pub optimal_vs_saez_pct: (Option<f64>, Option<f64>),
    /// The skills, in words.
    pub skills: String,
    /// JSON record, tables and figures.
    pub output: Output,
    /// Inputs, parameters, reports and warnings.
    pub provenance: Provenance,
}

/// Compare the schedules for `request` (see [`Comparison`]).
pub fn compare(request: &CompareRequest) -> Result<Comparison> {
    let r = request;
    let swf: Swf = r
        .swf
        .parse()
        .map_err(|e| ArgumentError::from_error("swf", &e))?;
    let utility = Utility::QuasiLinear {
        elasticity: r.elasticity,
    };
    utility
        .validate()
        .map_err(|e| ArgumentError::from_error("elasticity", &e))?;
    ensure(r.rate_max > 0.0 && r.rate_max <= 1.0, "rate-max", || {
        format!("must lie in (0, 1], got {}", r.rate_max)
    })?;
    let mut provenance = Provenance::default();
    let cutoff_set = cutoffs(&r.cutoffs, &mut provenance.inputs)?;
    let units = income_units(
        r.income_units.as_deref(),
        matches!(SkillSource::parse(&r.skills), Ok(SkillSource::Cps)),
        cutoff_set.unit,
    )?;
    let cutoffs = cutoff_set.cutoffs.clone();
    let loaded = population(
        &r.skills,
        r.agents,
        r.elasticity,
        units,
        &mut provenance.inputs,
    )?;
    if let Some(e) = &loaded.earnings {
        check_income_scale(
            (&e.source, &e.incomes, e.weights.as_deref()),
            &cutoff_set,
            units,
            r.income_units.as_deref(),
            &mut provenance.warnings,
        )?;
    }
    provenance.parameters = json!({"skills": r.skills, "elasticity": r.elasticity, "swf": r.swf, "cutoffs": cutoffs, "rate_max": r.rate_max, "income_units": units.data.name(), "model_units": units.model.name()});
    let sample = loaded.saez_incomes(utility.elasticity().unwrap_or(1.0));
    check_saez_sample(&sample.incomes, sample.weights.as_deref())
        .with_context(|| format!("the Saez estimator's incomes ({})", sample.source))?;
    let (pop, skills) = (loaded.population, loaded.description);
    let economy =
        TaxEconomy::new(pop, utility, swf, cutoffs.clone())?.with_rate_bounds(0.0, r.rate_max)?;
    let inner = walras_core::SolverOptions::default();
    let stage = |done: u64| {
        r.observer.on_event(&Event::Progress {
            what: "schedule",
            done,
            total: Some(4),
        })
    };

    stage(0);
    let us_label = if r.cutoffs == "aie-us-federal" {
        "US federal (AI Economist scaling)"
    } else {
        "US federal 2018 rates"
    };
    let n = cutoffs.len();
    let us_rates: Vec<f64> = (0..n)
        .map(|b| walras_tax::US_FEDERAL_RATES.get(b).copied().unwrap_or(0.37))
        .collect();
    let free = economy.evaluate("free market", &vec![0.0; n], &inner)?;
    stage(1);
    let us = economy.evaluate(us_label, &us_rates, &inner)?;
    stage(2);
    let saez = aie_binned_saez(
        &sample.incomes,
        sample.weights.as_deref(),
        &cutoffs,
        r.elasticity,
        SaezWeights::InverseIncome,
        0.0,
        r.rate_max,
    )?;
    // A bracket without incomes keeps the estimator's interpolated rate so that the schedule
    // can be evaluated; the record says so.
    let saez_checked = check_saez_rates(
        &saez.rates,
        &sample.incomes,
        sample.weights.as_deref(),
        &cutoffs,
    );
    for note in saez_checked.notes.iter().flatten() {
        provenance.warnings.push(format!(
            "Saez (binned): {note}; the schedule uses the estimator's interpolated rate there"
        ));
    }
    let saez_eval = economy.evaluate("Saez (binned)", &saez.rates, &inner)?;
    stage(3);
    // Start from the best schedule evaluated so far: the optimiser only accepts improvements,
    // so the optimum can be no worse than any schedule in the comparison.
    let start = [&free, &us, &saez_eval]
        .into_iter()
        .max_by(|a, b| a.swf.total_cmp(&b.swf))
        .map(|e| e.rates.clone())
        .expect("three schedules");
    let mut optimum = economy
        .optimize_checked(
            &start,
            &economy.optimizer().with_observer(r.observer.clone()),
        )
        .context("optimal brackets")?;
    optimum.evaluation.label = "optimal brackets".into();
    stage(4);
    let status = optimizer_status(&optimum, &mut provenance.warnings);
    let (best, report) = (&optimum.evaluation, &optimum.report);
    provenance
        .reports
        .push(("optimizer".into(), serde_json::to_value(report)?));

    let schedules = [&free, &us, &saez_eval, best];
    // Percent change, or None (with the reason) where it is undefined.
    let pct = |a: f64, b: f64| -> (Option<f64>, Option<String>) {
        let v = 100.0 * (a - b) / b.abs();
        if v.is_finite() {
            (Some(v), None)
        } else if b == 0.0 {
            (None, Some("the Saez value is zero".into()))
        } else {
            (None, Some(format!("undefined: optimum {a}, Saez {b}")))
        }
    };
    let (improvement_swf, why_swf) = pct(best.swf, saez_eval.swf);
    let (improvement_eqp, why_eqp) = pct(
        best.equality_times_productivity,
        saez_eval.equality_times_productivity,
    );
    let record = |e: &Evaluation| {
        let mut rec = json!({"label": e.label, "cutoffs": e.cutoffs, "rates": e.rates, "transfer": finite(e.transfer), "swf": finite(e.swf),
               "gini": finite(e.gini), "equality": finite(e.equality), "productivity": finite(e.productivity),
               "equality_times_productivity": finite(e.equality_times_productivity), "bunched_share": finite(e.bunched_share),
               "revenue": finite(e.transfer), "solve_report": e.report, "null_reasons": null_reasons(e)});
        if std::ptr::eq(e, &saez_eval) {
            rec["empty_brackets"] = json!(saez_checked
                .empty_brackets
                .iter()
                .map(|b| b + 1)
                .collect::<Vec<_>>());
            rec["rate_notes"] = json!(saez_checked
                .notes
                .iter()
                .map(|n| n
                    .as_ref()
                    .map(|n| format!("{n}; the estimator's interpolated rate is used")))
                .collect::<Vec<_>>());
        }
        rec
    };
    let mut pct_reasons = serde_json::Map::new();
    if let Some(why) = why_swf {
        pct_reasons.insert("swf".into(), why.into());
    }
    if let Some(why) = why_eqp {
        pct_reasons.insert("equality_times_productivity".into(), why.into());
    }
    let json = json!({
        "economy": {"skills": skills, "agents": economy.population().len(), "elasticity": r.elasticity, "swf": r.swf, "saez_incomes": sample.source,
                    "income_units": units.data.name(), "model_units": units.model.name()},
        "schedules": schedules.iter().map(|e| record(e)).collect::<Vec<_>>(),
        "optimal_vs_saez_pct": {"swf": improvement_swf, "equality_times_productivity": improvement_eqp, "null_reasons": pct_reasons},
        "optimizer": {"iterations": report.iterations, "projected_gradient_norm": finite(report.projected_gradient_norm), "inner_solves": report.inner_solves,
                      "converged": status["converged"], "stop_reason": status["stop_reason"], "termination": status["termination"]},
    });
    let figures = compare_figures(
        &schedules,
        &cutoffs,
        &r.swf,
        (improvement_swf, improvement_eqp),
        units.model.name(),
    );
    let table = comparison_table(&schedules, units.model.name())?;
    let best = best.clone();
    Ok(Comparison {
        schedules: vec![free, us, saez_eval, best],
        optimum,
        optimal_vs_saez_pct: (improvement_swf, improvement_eqp),
        skills,
        output: Output {
            json_name: "compare.json",
            json,
            tables: vec![table],
            figures,
        },
        provenance,
    })
}

/// One row per schedule: transfer, welfare, inequality and productivity (`compare.csv`).
fn comparison_table(schedules: &[&Evaluation], unit: &str) -> Result<NamedTable> {
    let col = |f: fn(&Evaluation) -> f64| schedules.iter().map(|e| f(e)).collect::<Vec<f64>>();
    let table = walras_data::Table::new()
        .with_str(
            "schedule",
            schedules.iter().map(|e| e.label.clone()).collect(),
        )?
        .with_f64("transfer", col(|e| e.transfer))?
        .with_f64("swf", col(|e| e.swf))?
        .with_f64("gini", col(|e| e.gini))?
        .with_f64("productivity", col(|e| e.productivity))?
        .with_f64(
            "equality_times_productivity",
            col(|e| e.equality_times_productivity),
        )?;
    let unit = unit_words(unit);
    Ok(NamedTable::new("compare.csv", table)
        .caption("Tax schedules in general equilibrium")
        .unit("transfer", unit)
        .unit("productivity", unit)
        .unit("equality_times_productivity", unit))
}
