//! Monte Carlo over parameter ranges and phase diagrams over a two-parameter grid
//! (`walras automation sweep`).

use std::sync::Arc;

use anyhow::Result;
use serde_json::json;
use walras_automation::monte_carlo::{
    monte_carlo_observed, phase_diagram_observed, GridAxis, MonteCarlo, PhaseDiagram, Range,
};
use walras_automation::NetworkSpec;
use walras_core::{NoObserver, Observer};
use walras_data::automation_scenario::network_file_loader;
use walras_data::{AutomationScenario, Table};

use super::figures::{monte_carlo_figures, phase_diagram_figures};
use super::scenario::{load, named, unique_keys, ScenarioSource};
use crate::{ArgumentError, NamedTable, Output, Provenance};

/// What `walras automation sweep` computes: a Monte Carlo over `range`s, or with two `grid`
/// axes a phase diagram; the defaults are the command line's.
#[derive(Clone)]
pub struct SweepRequest {
    /// The base scenario.
    pub source: ScenarioSource,
    /// Monte Carlo: parameter ranges `KEY=LOW:HIGH`.
    pub range: Vec<String>,
    /// Monte Carlo draws.
    pub draws: usize,
    /// Phase diagram: exactly two axes `KEY=LOW:HIGH:N`.
    pub grid: Vec<String>,
    /// Seed of the draws (default: the scenario's seed).
    pub seed: Option<u64>,
    /// Sees the draws or grid points and may cancel them.
    pub observer: Arc<dyn Observer>,
}

impl Default for SweepRequest {
    fn default() -> Self {
        SweepRequest {
            source: ScenarioSource::default(),
            range: Vec::new(),
            draws: 200,
            grid: Vec::new(),
            seed: None,
            observer: Arc::new(NoObserver),
        }
    }
}

/// A Monte Carlo request (a [`SweepRequest`] with ranges).
pub type MonteCarloRequest = SweepRequest;
/// A phase-diagram request (a [`SweepRequest`] with two grid axes).
pub type PhaseDiagramRequest = SweepRequest;

/// Monte Carlo draws and their fans.
pub struct MonteCarloRun {
    /// The scenario's name.
    pub scenario: String,
    /// The seed used.
    pub seed: u64,
    /// The ranges drawn from.
    pub ranges: Vec<Range>,
    /// Draws, fans and regime shares.
    pub result: MonteCarlo,
    /// JSON record (`monte_carlo.json`), the table `draws.csv` and the fans.
    pub output: Output,
    /// Inputs and parameters.
    pub provenance: Provenance,
}

impl MonteCarloRun {
    /// The numeric columns of `draws.csv` (the regime, a word, is in [`MonteCarloRun::regimes`]).
    pub fn draw_columns(&self) -> Vec<(String, Vec<f64>)> {
        let draws = &self.result.draws;
        let mut columns = vec![(
            "draw".to_string(),
            draws.iter().map(|d| d.index as f64).collect(),
        )];
        for (k, r) in self.ranges.iter().enumerate() {
            columns.push((r.key.clone(), draws.iter().map(|d| d.values[k]).collect()));
        }
        columns.extend([
            (
                "final_labor_task_share".to_string(),
                draws.iter().map(|d| d.final_labor_task_share).collect(),
            ),
            (
                "final_time".to_string(),
                draws.iter().map(|d| d.final_time).collect(),
            ),
            (
                "blowup_time".to_string(),
                draws
                    .iter()
                    .map(|d| d.blowup_time.unwrap_or(f64::NAN))
                    .collect(),
            ),
        ]);
        columns
    }

    /// The regime of every draw: full, partial or explosive.
    pub fn regimes(&self) -> Vec<String> {
        self.result
            .draws
            .iter()
            .map(|d| format!("{:?}", d.regime).to_lowercase())
            .collect()
    }
}

/// The regime at every point of a two-parameter grid.
pub struct PhaseDiagramRun {
    /// The scenario's name.
    pub scenario: String,
    /// Axes, regimes and final labour task shares.
    pub result: PhaseDiagram,
    /// JSON record (`phase_diagram.json`) and the heatmap.
    pub output: Output,
    /// Inputs and parameters.
    pub provenance: Provenance,
}

/// A sweep's result: Monte Carlo or phase diagram.
pub enum SweepRun {
    /// Draws over ranges.
    MonteCarlo(MonteCarloRun),
    /// Regimes over a grid.
    PhaseDiagram(PhaseDiagramRun),
}

impl SweepRun {
    /// The JSON record, tables and figures.
    pub fn output(&self) -> &Output {
        match self {
            SweepRun::MonteCarlo(r) => &r.output,
            SweepRun::PhaseDiagram(r) => &r.output,
        }
    }

    /// Inputs and parameters.
    pub fn provenance(&self) -> &Provenance {
        match self {
            SweepRun::MonteCarlo(r) => &r.provenance,
            SweepRun::PhaseDiagram(r) => &r.provenance,
        }
    }
}

/// A Monte Carlo (with `range`s) or a phase diagram (with two `grid` axes).
pub fn sweep(request: &SweepRequest) -> Result<SweepRun> {
    let loaded = load(&request.source)?;
    if loaded.base.is_some()
        && loaded
            .scenario
            .network
            .as_ref()
            .is_some_and(|n| matches!(n.spec, NetworkSpec::File { .. }))
    {
        anyhow::bail!("sweeps over scenarios with a network file are not supported yet: export a built network or use a topology");
    }
    unique_keys("grid", &request.grid)?;
    unique_keys("range", &request.range)?;
    if !request.grid.is_empty() {
        if request.grid.len() != 2 || !request.range.is_empty() {
            return Err(named(
                "grid",
                "a phase diagram takes exactly two --grid KEY=LOW:HIGH:N (and no --range)".into(),
            ));
        }
        return phase(loaded, request).map(SweepRun::PhaseDiagram);
    }
    if request.range.is_empty() {
        return Err(named(
            "range",
            "give --range KEY=LOW:HIGH (Monte Carlo) or two --grid KEY=LOW:HIGH:N (phase diagram)"
                .into(),
        ));
    }
    draws(loaded, request).map(SweepRun::MonteCarlo)
}

/// A Monte Carlo over the request's `range`s (none of `grid`).
pub fn monte_carlo(request: &SweepRequest) -> Result<MonteCarloRun> {
    match sweep(request)? {
        SweepRun::MonteCarlo(r) => Ok(r),
        SweepRun::PhaseDiagram(_) => Err(named(
            "grid",
            "a Monte Carlo takes --range, not --grid".into(),
        )),
    }
}

/// A phase diagram over the request's two `grid` axes.
pub fn phase_diagram(request: &SweepRequest) -> Result<PhaseDiagramRun> {
    if request.grid.is_empty() {
        return Err(named(
            "grid",
            "a phase diagram takes exactly two --grid KEY=LOW:HIGH:N (and no --range)".into(),
        ));
    }
    match sweep(request)? {
        SweepRun::PhaseDiagram(r) => Ok(r),
        SweepRun::MonteCarlo(_) => unreachable!("a request with a grid is a phase diagram"),
    }
}

fn phase(loaded: AutomationScenario, request: &SweepRequest) -> Result<PhaseDiagramRun> {
    let s = loaded.scenario;
    let axes: Vec<GridAxis> = request
        .grid
        .iter()
        .map(|g| {
            GridAxis::parse(g).map_err(|e| {
                anyhow::Error::new(ArgumentError::from_error("grid", &e))
                    .context(format!("--grid {g}"))
            })
        })
        .collect::<Result<_>>()?;
    let parameters = json!({"scenario": s, "grid": request.grid});
    let d = phase_diagram_observed(
        &s,
        (&axes[0].key, &axes[0].values),
        (&axes[1].key, &axes[1].values),
        &network_file_loader,
        &*request.observer,
    )?;
    let j = serde_json::to_value(&d)?;
    let figures = phase_diagram_figures(&d);
    Ok(PhaseDiagramRun {
        scenario: s.name.clone(),
        result: d,
        output: Output {
            json_name: "phase_diagram.json",
            json: j,
            tables: Vec::new(),
            figures,
        },
        provenance: Provenance {
            inputs: loaded.inputs,
            parameters,
            ..Provenance::default()
        },
    })
}

fn draws(loaded: AutomationScenario, request: &SweepRequest) -> Result<MonteCarloRun> {
    let s = loaded.scenario;
    let seed = request.seed.unwrap_or(s.seed);
    let ranges: Vec<Range> = request
        .range
        .iter()
        .map(|r| {
            Range::parse(r).map_err(|e| {
                anyhow::Error::new(ArgumentError::from_error("range", &e))
                    .context(format!("--range {r}"))
            })
        })
        .collect::<Result<_>>()?;
    let draws = request.draws;
    let parameters = json!({"scenario": s, "ranges": ranges, "draws": draws, "seed": seed});
    let mc = monte_carlo_observed(
        &s,
        &ranges,
        draws,
        seed,
        101,
        &network_file_loader,
        &*request.observer,
    )?;
    let j = json!({
        "scenario": s.name,
        "draws": draws,
        "seed": seed,
        "regime_shares": {"full": mc.regime_shares[0], "partial": mc.regime_shares[1], "explosive": mc.regime_shares[2]},
        "final_labor_task_share": {"p5": mc.labor_task_share.last().map(|q| q[0]), "p50": mc.labor_task_share.last().map(|q| q[1]), "p95": mc.labor_task_share.last().map(|q| q[2])},
        "times": mc.times,
        "labor_task_share_fan": mc.labor_task_share,
        "ln_output_fan": mc.ln_output,
    });
    let figures = monte_carlo_figures(&mc.times, &mc.labor_task_share, &mc.ln_output);
    let mut run = MonteCarloRun {
        scenario: s.name.clone(),
        seed,
        ranges,
        result: mc,
        output: Output {
            json_name: "monte_carlo.json",
            json: j,
            tables: Vec::new(),
            figures,
        },
        provenance: Provenance {
            inputs: loaded.inputs,
            parameters,
            ..Provenance::default()
        },
    };
    // draws.csv: draw, the drawn parameters, regime, then the outcomes.
    let columns = run.draw_columns();
    let k = 1 + run.ranges.len();
    let mut table = Table::new();
    for (name, values) in columns[..k].iter().cloned() {
        table = table.with_f64(&name, values)?;
    }
    table = table.with_str("regime", run.regimes())?;
    for (name, values) in columns[k..].iter().cloned() {
        table = table.with_f64(&name, values)?;
    }
    run.output.tables = vec![NamedTable::new("draws.csv", table)];
    Ok(run)
}
