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
use walras_automation::scenario::Model;
use walras_data::AutomationScenario;

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
    /// The sweep stops when the consumption-equivalent Hamiltonian gap is below this.
    pub tolerance: f64,
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
            tolerance: PlannerOptions::default().tolerance,
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

/// A planner problem ready to solve: the scenario (overrides applied), its model and the
/// sweep's options.
#[derive(Clone)]
pub(crate) struct PlannerProblem {
    /// The scenario as loaded.
    pub loaded: AutomationScenario,
    /// Its model.
    pub model: Model,
    /// The sweep's options.
    pub options: PlannerOptions,
}

/// The problem `request` describes; a scenario with capital accumulation is refused.
pub(crate) fn planner_problem(request: &PlannerRequest) -> Result<PlannerProblem> {
    let loaded = load(&request.source)?;
    let model = build_from(&loaded, &request.source)?;
    let s = &loaded.scenario;
    if model.path.accumulation.is_some() {
        bail!("scenario {}: the planner keeps capital fixed; remove [capital_accumulation] (or use `walras automation simulate`)", s.name);
    }
    let options = PlannerOptions {
        horizon: request.horizon.unwrap_or(s.horizon.min(200.0)),
        discount: request.discount,
        utility: utility(request.eta),
        capital: model.path.capital,
        grid: request.grid,
        tolerance: request.tolerance,
        ..PlannerOptions::default()
    };
    Ok(PlannerProblem {
        loaded,
        model,
        options,
    })
}

/// Log utility at eta = 1, CRRA otherwise.
pub(crate) fn utility(eta: f64) -> PlannerUtility {
    if (eta - 1.0).abs() < 1e-12 {
        PlannerUtility::Log
    } else {
        PlannerUtility::Crra { eta }
    }
}

/// Solve `problem`, an option the engine refuses being an [`ArgumentError`] of its setting.
pub(crate) fn solve_problem(
    problem: &PlannerProblem,
    observer: &dyn Observer,
) -> Result<PlannerResult> {
    let o = &problem.options;
    solve_planner_observed(
        &problem.model.economy,
        &problem.model.initial_data,
        o,
        observer,
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
            problem.loaded.scenario.name,
            o.horizon,
            o.grid,
            o.discount,
            o.utility.eta()
        )
    })
}

/// Solve the planner's problem on the request's scenario and compare it with the market.
pub fn planner(request: &PlannerRequest) -> Result<PlannerRun> {
    let problem = planner_problem(request)?;
    let r = solve_problem(&problem, &*request.observer)?;
    let PlannerProblem {
        loaded,
        model,
        options,
    } = problem;
    let s = &loaded.scenario;
    let parameters = json!({"scenario": s, "discount": request.discount, "eta": request.eta, "horizon": options.horizon, "grid": request.grid, "tolerance": request.tolerance});
    let n = model.economy.tasks();
    let mean_subsidy = mean_subsidy(&r);
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

/// Each task's subsidy averaged over the grid's nodes.
pub(crate) fn mean_subsidy(r: &PlannerResult) -> Vec<f64> {
    let n = r.subsidy.first().map_or(0, |row| row.len());
    (0..n)
        .map(|i| r.subsidy.iter().map(|row| row[i]).sum::<f64>() / r.subsidy.len() as f64)
        .collect()
}
