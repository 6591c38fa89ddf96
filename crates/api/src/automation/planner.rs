//! The social planner against the market (`walras automation planner`).

use std::sync::Arc;

use anyhow::{bail, Context, Result};
use serde_json::json;
use walras_automation::planner::{solve_planner_observed, PlannerOptions, PlannerUtility};
use walras_automation::{ModelError, PlannerResult};
use walras_core::{NoObserver, Observer};
use walras_data::Table;

use super::figures::planner_figures;
use super::scenario::{build_from, load, ScenarioSource};
use crate::{ArgumentError, NamedTable, Output, Provenance};

/// The request setting behind a planner option the engine refuses.
fn setting(key: &str) -> Option<&'static str> {
    match key {
        "discount" => Some("discount"),
        "eta" | "utility.eta" => Some("eta"),
        "horizon" => Some("horizon"),
        "grid" => Some("grid"),
        _ => None,
    }
}

/// What `walras automation planner` computes; the defaults are the command line's.
#[derive(Clone)]
pub struct PlannerRequest {
    /// The scenario (without capital accumulation: the planner keeps capital fixed).
    pub source: ScenarioSource,
    /// Discount rate rho > 0.
    pub discount: f64,
    /// CRRA coefficient of u(Y) (1 = log utility).
    pub eta: f64,
    /// Planning horizon (default: the scenario's horizon, at most 200).
    pub horizon: Option<f64>,
    /// Time grid points.
    pub grid: usize,
    /// Sees the sweeps and may cancel them.
    pub observer: Arc<dyn Observer>,
}

impl Default for PlannerRequest {
    fn default() -> Self {
        PlannerRequest {
            source: ScenarioSource::default(),
            discount: 0.05,
            eta: 1.0,
            horizon: None,
            grid: 400,
            observer: Arc::new(NoObserver),
        }
    }
}

/// The planner's path against the market's.
pub struct PlannerRun {
    /// The scenario's name.
    pub scenario: String,
    /// The horizon used.
    pub horizon: f64,
    /// Paths, subsidies and welfare.
    pub result: PlannerResult,
    /// JSON record (`summary.json`), the table `planner_paths.csv` and figures.
    pub output: Output,
    /// Inputs and parameters.
    pub provenance: Provenance,
}

/// Solve the planner's problem on the request's scenario and compare it with the market.
pub fn planner(request: &PlannerRequest) -> Result<PlannerRun> {
    let loaded = load(&request.source)?;
    let model = build_from(&loaded, &request.source)?;
    let s = &loaded.scenario;
    if model.path.accumulation.is_some() {
        bail!("scenario {}: the planner keeps capital fixed; remove [capital_accumulation] (or use `walras automation simulate`)", s.name);
    }
    let utility = if (request.eta - 1.0).abs() < 1e-12 {
        PlannerUtility::Log
    } else {
        PlannerUtility::Crra { eta: request.eta }
    };
    let options = PlannerOptions {
        horizon: request.horizon.unwrap_or(s.horizon.min(200.0)),
        discount: request.discount,
        utility,
        capital: model.path.capital,
        grid: request.grid,
        ..PlannerOptions::default()
    };
    let parameters = json!({"scenario": s, "discount": request.discount, "eta": request.eta, "horizon": options.horizon, "grid": request.grid});
    let r = solve_planner_observed(
        &model.economy,
        &model.initial_data,
        &options,
        &*request.observer,
    )
    .map_err(|e| match &e {
        ModelError::InvalidParameter { key, .. } => match setting(key) {
            Some(name) => anyhow::Error::new(ArgumentError::from_error(name, &e)),
            None => anyhow::Error::new(e),
        },
        _ => anyhow::Error::new(e),
    })
    .with_context(|| {
        format!(
            "planner for {} (--horizon {} --grid {} --discount {} --eta {})",
            s.name, options.horizon, request.grid, request.discount, request.eta
        )
    })?;
    let n = model.economy.tasks();
    let mean_subsidy: Vec<f64> = (0..n)
        .map(|i| r.subsidy.iter().map(|row| row[i]).sum::<f64>() / r.subsidy.len() as f64)
        .collect();
    let j = json!({
        "scenario": s.name,
        "horizon": options.horizon,
        "discount": request.discount,
        "planner_welfare": r.planner_welfare,
        "market_welfare": r.market_welfare,
        "welfare_gap_pct": r.welfare_gap_pct,
        "iterations": r.iterations,
        "converged": true,
        "last_change": r.last_change,
        "initial_subsidy": r.subsidy.first(),
        "mean_subsidy": mean_subsidy,
        "units": "welfare = integral of e^{-rho t} u(Y); gap = consumption-equivalent % of market output; subsidy per unit of AI output, in units of the final good",
    });
    let mut table = Table::new()
        .with_f64("t", r.times.clone())?
        .with_f64("planner_output", r.planner_output.clone())?
        .with_f64("market_output", r.market_output.clone())?;
    for i in 0..n {
        table = table
            .with_f64(
                &format!("planner_capital_{i}"),
                r.planner_capital.iter().map(|row| row[i]).collect(),
            )?
            .with_f64(
                &format!("market_capital_{i}"),
                r.market_capital.iter().map(|row| row[i]).collect(),
            )?
            .with_f64(
                &format!("subsidy_{i}"),
                r.subsidy.iter().map(|row| row[i]).collect(),
            )?;
    }
    let figures = planner_figures(&r);
    Ok(PlannerRun {
        scenario: s.name.clone(),
        horizon: options.horizon,
        output: Output {
            json_name: "summary.json",
            json: j,
            tables: vec![NamedTable::new("planner_paths.csv", table)],
            figures,
        },
        provenance: Provenance {
            inputs: loaded.inputs.clone(),
            parameters,
            ..Provenance::default()
        },
        result: r,
    })
}
