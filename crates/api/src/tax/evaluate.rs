//! One schedule in general equilibrium (`walras tax evaluate`): the free market, US federal,
//! Saez, or any bracket rates on any cutoffs.

use std::sync::Arc;

use anyhow::Result;
use serde_json::json;
use walras_core::{NoObserver, Observer};
use walras_plot::LineChart;
use walras_tax::Evaluation;

use super::figures::{rate_steps, unit_words};
use super::schedules::{schedule_economy, schedule_record, EconomySpec};
use super::tables::{agents_table, bracket_csv};
use crate::{ArgumentError, Figure, NamedTable, Output, Provenance};

/// The named schedules [`evaluate`] knows.
pub const SCHEDULES: [&str; 3] = ["free-market", "us-federal", "saez"];

/// What `walras tax evaluate` computes; the defaults are the command line's.
#[derive(Clone)]
pub struct EvaluateRequest {
    /// A named schedule (one of [`SCHEDULES`]); ignored when `rates` are given.
    pub schedule: String,
    /// Custom marginal rates in [0, 1], one per bracket of `cutoffs`.
    pub rates: Option<Vec<f64>>,
    /// Skills: cps (the embedded earnings sample), an income file, or a parametric
    /// distribution.
    pub skills: String,
    /// Labour elasticity e in [0.001, 10]; also the Saez formula's elasticity.
    pub elasticity: f64,
    /// The planner's social welfare function (the welfare reported).
    pub swf: String,
    /// Bracket cutoffs: us-federal-2018 (USD), aie-us-federal (thousands of USD) or a file.
    pub cutoffs: String,
    /// Agents for a parametric skill distribution.
    pub agents: usize,
    /// Highest rate the Saez estimator may set.
    pub rate_max: f64,
    /// Unit of the incomes in an income file.
    pub income_units: Option<String>,
    /// May cancel the solve.
    pub observer: Arc<dyn Observer>,
}

impl Default for EvaluateRequest {
    fn default() -> Self {
        EvaluateRequest {
            schedule: "us-federal".into(),
            rates: None,
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

/// A schedule evaluated in equilibrium.
pub struct EvaluationRun {
    /// Transfer, welfare, inequality, productivity and each agent's choice.
    pub evaluation: Evaluation,
    /// The skills, in words.
    pub skills: String,
    /// JSON record, tables and figures.
    pub output: Output,
    /// Inputs, parameters, reports and warnings.
    pub provenance: Provenance,
}

/// Evaluate the schedule of `request` (see [`EvaluationRun`]).
pub fn evaluate(request: &EvaluateRequest) -> Result<EvaluationRun> {
    let r = request;
    let named = r.rates.is_none();
    if named && !SCHEDULES.contains(&r.schedule.as_str()) {
        return Err(ArgumentError::new(
            "schedule",
            format!(
                "unknown schedule {:?}; use {} or give the rates",
                r.schedule,
                SCHEDULES.join(", ")
            ),
        )
        .into());
    }
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
    let n = setup.cutoffs.len();
    let mut saez = None;
    let (label, rates) = match (&r.rates, r.schedule.as_str()) {
        (Some(rates), _) => ("custom rates".to_string(), checked_rates(rates, n)?),
        (None, "free-market") => ("free market".to_string(), vec![0.0; n]),
        (None, "us-federal") => {
            let (label, rates) = setup.us_federal();
            (label.to_string(), rates)
        }
        (None, _) => {
            let (rates, checked) = setup.saez(&mut provenance.warnings)?;
            saez = Some(checked);
            ("Saez (binned)".to_string(), rates)
        }
    };
    let schedule = if named { r.schedule.as_str() } else { "custom" };
    let units = setup.units;
    provenance.parameters = json!({"schedule": schedule, "rates": rates, "skills": r.skills, "elasticity": r.elasticity, "swf": r.swf,
        "cutoffs": setup.cutoffs, "rate_max": r.rate_max, "income_units": units.data.name(), "model_units": units.model.name()});
    let inner = walras_core::SolverOptions::default();
    let evaluation = setup.economy.evaluate(&label, &rates, &inner)?;
    provenance.reports.push((
        "equilibrium".into(),
        serde_json::to_value(&evaluation.report)?,
    ));

    let mut json = schedule_record(&evaluation, saez.as_ref());
    json["schedule"] = json!(schedule);
    json["economy"] = setup.record();
    let unit = unit_words(units.model.name());
    let top = 1.5 * evaluation.cutoffs.last().copied().unwrap_or(1.0).max(1e-9);
    let chart = LineChart {
        title: format!("Marginal tax rates: {label}"),
        x_label: format!("income ({unit})"),
        y_label: "marginal tax rate".into(),
        series: vec![rate_steps(
            &label,
            &evaluation.cutoffs,
            &evaluation.rates,
            top,
        )],
        log_x: false,
        log_y: false,
    };
    let tables = vec![
        NamedTable::new(
            "schedule.csv",
            bracket_csv(&evaluation.cutoffs, &evaluation.rates)?,
        )
        .caption(&format!("Bracket rates: {label} ({})", setup.skills))
        .unit("lower", unit)
        .unit("upper", unit)
        .unit("rate", "fraction"),
        NamedTable::new("agents.csv", agents_table(&evaluation)?),
    ];
    Ok(EvaluationRun {
        evaluation,
        skills: setup.skills.clone(),
        output: Output {
            json_name: "evaluate.json",
            json,
            tables,
            figures: vec![("schedule_rates".into(), Figure::Line(chart))],
        },
        provenance,
    })
}

/// Custom rates: one per bracket, each a fraction in [0, 1].
fn checked_rates(rates: &[f64], brackets: usize) -> Result<Vec<f64>> {
    if rates.len() != brackets {
        return Err(ArgumentError::new(
            "rates",
            format!(
                "{} rates given for {brackets} brackets: give one rate per bracket of the cutoffs",
                rates.len()
            ),
        )
        .into());
    }
    if let Some((b, r)) = rates
        .iter()
        .enumerate()
        .find(|(_, r)| !(r.is_finite() && (0.0..=1.0).contains(*r)))
    {
        return Err(ArgumentError::new(
            "rates",
            format!(
                "bracket {}: rate {r} is not a fraction in [0, 1] (rates are fractions: 0.22, not 22)",
                b + 1
            ),
        )
        .into());
    }
    Ok(rates.to_vec())
}
