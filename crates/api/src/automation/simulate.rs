//! A growth path: the market equilibrium at every instant (`walras automation simulate`).

use std::sync::Arc;

use anyhow::{Context, Result};
use serde_json::{json, Value};
use walras_automation::scenario::{Model, Scenario};
use walras_automation::{simulate_observed, NetworkStats, PathPoint, SimulationResult, TaskStatus};
use walras_core::{NoObserver, Observer};
use walras_data::Table;

use super::figures::simulation_figures;
use super::scenario::{build_from, load, ScenarioSource};
use crate::{NamedTable, Output, Provenance};

/// What `walras automation simulate` computes; the defaults are the command line's.
#[derive(Clone)]
pub struct SimulateRequest {
    /// The scenario.
    pub source: ScenarioSource,
    /// Sees the path's progress and may cancel it.
    pub observer: Arc<dyn Observer>,
}

impl Default for SimulateRequest {
    fn default() -> Self {
        SimulateRequest {
            source: ScenarioSource::default(),
            observer: Arc::new(NoObserver),
        }
    }
}

/// A simulated growth path.
pub struct SimulationRun {
    /// The scenario, overrides applied.
    pub scenario: Scenario,
    /// Its model.
    pub model: Model,
    /// The path.
    pub path: SimulationResult,
    /// Statistics of the spillover network (reachability from the tasks automated at t = 0).
    pub stats: NetworkStats,
    /// Tasks using AI at the end.
    pub tasks_automated: usize,
    /// JSON record (`summary.json`), tables (`paths.csv`, `tasks.csv`) and figures; the
    /// network's edge list (`network.csv`) is written by [`SimulationRun::write_network`].
    pub output: Output,
    /// Inputs and parameters.
    pub provenance: Provenance,
}

fn opt(v: Option<f64>) -> Value {
    v.map_or(Value::Null, |x| json!(x))
}

/// Tasks automated at t = 0 (the seeds of network reachability).
fn initially_automated(path: &SimulationResult) -> Vec<usize> {
    path.automation_time
        .iter()
        .enumerate()
        .filter(|(_, t)| **t == Some(0.0))
        .map(|(i, _)| i)
        .collect()
}

impl SimulationRun {
    /// The columns of `paths.csv`: one value per point of the path.
    pub fn path_columns(&self) -> Vec<(&'static str, Vec<f64>)> {
        let pts = &self.path.points;
        let col = |f: fn(&PathPoint) -> f64| pts.iter().map(f).collect::<Vec<f64>>();
        vec![
            ("t", col(|p| p.t)),
            ("output", col(|p| p.output)),
            ("capital", col(|p| p.capital)),
            ("wage", col(|p| p.wage)),
            ("rental", col(|p| p.rental)),
            ("labor_task_share", col(|p| p.labor_task_share)),
            ("labor_income_share", col(|p| p.labor_income_share)),
            ("automated_share", col(|p| p.automated_share)),
            ("output_growth", col(|p| p.output_growth)),
        ]
    }

    /// The columns of `tasks.csv`: one value per task (NaN for a task never automated).
    pub fn task_columns(&self) -> Vec<(&'static str, Vec<f64>)> {
        let (model, path, stats) = (&self.model, &self.path, &self.stats);
        let n = model.economy.tasks();
        let nan = |t: &Option<f64>| t.unwrap_or(f64::NAN);
        vec![
            ("task", (0..n).map(|i| i as f64).collect()),
            (
                "automation_time",
                path.automation_time.iter().map(nan).collect(),
            ),
            (
                "full_automation_time",
                path.full_automation_time.iter().map(nan).collect(),
            ),
            ("verifiability", model.economy.verifiability.clone()),
            ("centrality", stats.katz_centrality.clone()),
            (
                "eigenvector_centrality",
                stats.eigenvector_centrality.clone(),
            ),
            ("in_strength", stats.in_strength.clone()),
            ("out_strength", stats.out_strength.clone()),
            ("mass", model.economy.mass.clone()),
            (
                "labor_productivity",
                model.economy.labor_productivity.clone(),
            ),
            ("ai_productivity", model.economy.ai_productivity.clone()),
            ("initial_data", model.initial_data.clone()),
            ("final_data", path.final_data.clone()),
        ]
    }

    /// Write the network's edge list as `DIR/network.csv` (the file beside the output
    /// folder's tables), returning its path.
    pub fn write_network(&self, dir: &std::path::Path) -> Result<std::path::PathBuf> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join("network.csv");
        walras_data::automation::write_network_csv(&path, &self.model.network)?;
        Ok(path)
    }
}

fn table(columns: Vec<(&'static str, Vec<f64>)>) -> Result<Table> {
    let mut table = Table::new();
    for (name, values) in columns {
        table = table.with_f64(name, values)?;
    }
    Ok(table)
}

/// Simulate the growth path of the request's scenario.
pub fn simulate(request: &SimulateRequest) -> Result<SimulationRun> {
    let loaded = load(&request.source)?;
    let model = build_from(&loaded, &request.source)?;
    let inputs = loaded.inputs.clone();
    let s = loaded.scenario;
    let parameters = serde_json::to_value(&s)?;
    let path = simulate_observed(
        &model.economy,
        &model.initial_data,
        &model.path,
        &*request.observer,
    )
    .with_context(|| format!("simulating {}{}", s.name, request.source.overrides_note()))?;
    let stats = model.network.stats(&initially_automated(&path));
    let eq = &path.final_equilibrium;
    let automated = eq
        .status
        .iter()
        .filter(|st| **st != TaskStatus::Labor)
        .count();
    let j = json!({
        "scenario": s.name,
        "tasks": model.economy.tasks(),
        "final_time": path.final_time(),
        "stop_reason": path.stop,
        "labor_task_share": eq.labor_task_share,
        "labor_income_share": eq.labor_income_share,
        "output": eq.output,
        "wage": eq.wage,
        "rental": eq.rental,
        "capital": path.points.last().map(|p| p.capital),
        "tasks_automated": automated,
        "automation_time": path.automation_time.iter().map(|t| opt(*t)).collect::<Vec<_>>(),
        "full_automation_time": path.full_automation_time.iter().map(|t| opt(*t)).collect::<Vec<_>>(),
        "blowup_time": opt(path.blowup_time),
        "steps": path.steps,
        "switches": path.switches,
        "network": {"edges": stats.edges, "density": stats.density, "spectral_radius": stats.spectral_radius, "reachable_share": stats.reachable_share, "symmetric": stats.symmetric},
        "units": "time in model units; output and wage in units of the final good (price index = 1)",
    });
    let figures = simulation_figures(&model, &path, &stats);
    let mut run = SimulationRun {
        scenario: s,
        model,
        path,
        stats,
        tasks_automated: automated,
        output: Output {
            json_name: "summary.json",
            json: j,
            tables: Vec::new(),
            figures,
        },
        provenance: Provenance {
            inputs,
            parameters,
            ..Provenance::default()
        },
    };
    run.output.tables = vec![
        NamedTable::new("paths.csv", table(run.path_columns())?),
        NamedTable::new("tasks.csv", table(run.task_columns())?),
    ];
    Ok(run)
}
