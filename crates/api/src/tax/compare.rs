//! The free market, US federal, Saez and optimal schedules compared in general equilibrium
//! (`walras tax compare`, the main job).

use std::sync::Arc;

use anyhow::{Context, Result};
use serde_json::json;
use walras_core::{Event, NoObserver, Observer};
use walras_tax::{Evaluation, TaxOptimum};

use super::figures::{compare_figures, unit_words};
use super::schedules::{schedule_economy, schedule_record, EconomySpec};
use super::{finite, optimizer_status};
use crate::{NamedTable, Output, Provenance};

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
    let mut provenance = Provenance::default();
    let setup = schedule_economy(
        &EconomySpec {
            skills: &r.skills,
            elasticity: r.elasticity,
            swf: &r.swf,
            cutoffs: &r.cutoffs,
            agents: r.agents,
            rate_max: r.rate_max,
            income_units: r.income_units.as_deref(),
        },
        &mut provenance,
    )?;
    let (economy, cutoffs) = (&setup.economy, setup.cutoffs.clone());
    provenance.parameters = json!({"skills": r.skills, "elasticity": r.elasticity, "swf": r.swf, "cutoffs": cutoffs, "rate_max": r.rate_max, "income_units": setup.units.data.name(), "model_units": setup.units.model.name()});
    let inner = walras_core::SolverOptions::default();
    let stage = |done: u64| {
        r.observer.on_event(&Event::Progress {
            what: "schedule",
            done,
            total: Some(4),
        })
    };

    stage(0);
    let (us_label, us_rates) = setup.us_federal();
    let free = economy.evaluate("free market", &vec![0.0; cutoffs.len()], &inner)?;
    stage(1);
    let us = economy.evaluate(us_label, &us_rates, &inner)?;
    stage(2);
    let (saez_rates, saez_checked) = setup.saez(&mut provenance.warnings)?;
    let saez_eval = economy.evaluate("Saez (binned)", &saez_rates, &inner)?;
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
    let record =
        |e: &Evaluation| schedule_record(e, std::ptr::eq(e, &saez_eval).then_some(&saez_checked));
    let mut pct_reasons = serde_json::Map::new();
    if let Some(why) = why_swf {
        pct_reasons.insert("swf".into(), why.into());
    }
    if let Some(why) = why_eqp {
        pct_reasons.insert("equality_times_productivity".into(), why.into());
    }
    let json = json!({
        "economy": setup.record(),
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
        setup.units.model.name(),
    );
    let table = comparison_table(&schedules, setup.units.model.name())?;
    let best = best.clone();
    Ok(Comparison {
        schedules: vec![free, us, saez_eval, best],
        optimum,
        optimal_vs_saez_pct: (improvement_swf, improvement_eqp),
        skills: setup.skills.clone(),
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
