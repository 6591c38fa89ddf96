//! `walras.automation`: growth paths, the planner, Monte Carlo and phase diagrams, networks.

use std::path::PathBuf;

use numpy::PyArray1;
use pyo3::prelude::*;
use std::sync::Arc;

use walras_api::automation::{
    network, planner, presets, sensitivity, simulate, sweep, uncertainty, NetworkRequest,
    PlannerRequest, ScenarioSource, SensitivityRequest, SimulateRequest, SweepRequest, SweepRun,
    UncertaintyRequest,
};

use crate::run::{detached, Run};
use crate::tax::draw_source;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(automation_presets, m)?)?;
    m.add_function(wrap_pyfunction!(automation_simulate, m)?)?;
    m.add_function(wrap_pyfunction!(automation_planner, m)?)?;
    m.add_function(wrap_pyfunction!(automation_sensitivity, m)?)?;
    m.add_function(wrap_pyfunction!(automation_uncertainty, m)?)?;
    m.add_function(wrap_pyfunction!(automation_sweep, m)?)?;
    m.add_function(wrap_pyfunction!(automation_network, m)?)?;
    Ok(())
}

/// Named columns as numpy arrays.
type Columns<'py> = Vec<(String, Bound<'py, PyArray1<f64>>)>;

fn columns<'py, S: Into<String>>(py: Python<'py>, cols: Vec<(S, Vec<f64>)>) -> Columns<'py> {
    cols.into_iter()
        .map(|(name, values)| (name.into(), PyArray1::from_vec(py, values)))
        .collect()
}

fn source(scenario: Option<PathBuf>, preset: Option<String>, set: Vec<String>) -> ScenarioSource {
    ScenarioSource {
        scenario,
        preset,
        set,
    }
}

/// The shipped presets: (name, description).
#[pyfunction]
fn automation_presets() -> Vec<(String, String)> {
    presets()
}

/// A growth path (`walras automation simulate`): the run, the path's columns and the tasks'.
#[pyfunction]
#[pyo3(signature = (scenario, preset, set, progress, call))]
fn automation_simulate<'py>(
    py: Python<'py>,
    scenario: Option<PathBuf>,
    preset: Option<String>,
    set: Vec<String>,
    progress: Option<Bound<'py, PyAny>>,
    call: String,
) -> PyResult<(Run, Columns<'py>, Columns<'py>)> {
    let source = source(scenario, preset, set);
    let run = detached(py, progress.as_ref(), |observer| {
        simulate(&SimulateRequest { source, observer })
    })?;
    let paths = columns(py, run.path_columns());
    let tasks = columns(py, run.task_columns());
    let network = run.model.network.clone();
    Ok((
        Run::new(run.output, run.provenance, call).with_network(network),
        paths,
        tasks,
    ))
}

/// Per-time rows of per-task values.
type Matrices = Vec<(String, Vec<Vec<f64>>)>;

/// The planner against the market (`walras automation planner`): the run, the paths over
/// time, and the per-task matrices (time by task).
#[pyfunction]
#[pyo3(signature = (scenario, preset, set, discount, eta, horizon, grid, progress, call))]
#[allow(clippy::too_many_arguments)]
fn automation_planner<'py>(
    py: Python<'py>,
    scenario: Option<PathBuf>,
    preset: Option<String>,
    set: Vec<String>,
    discount: f64,
    eta: f64,
    horizon: Option<f64>,
    grid: usize,
    progress: Option<Bound<'py, PyAny>>,
    call: String,
) -> PyResult<(Run, Columns<'py>, Matrices)> {
    let source = source(scenario, preset, set);
    let run = detached(py, progress.as_ref(), |observer| {
        planner(&PlannerRequest {
            source,
            discount,
            eta,
            horizon,
            grid,
            observer,
            ..PlannerRequest::default()
        })
    })?;
    let r = run.result;
    let paths = columns(
        py,
        vec![
            ("t", r.times),
            ("planner_output", r.planner_output),
            ("market_output", r.market_output),
        ],
    );
    let matrices = vec![
        ("planner_capital".to_string(), r.planner_capital),
        ("market_capital".to_string(), r.market_capital),
        ("subsidy".to_string(), r.subsidy),
    ];
    Ok((Run::new(run.output, run.provenance, call), paths, matrices))
}

/// A sweep (`walras automation sweep`): the run, its kind (`monte_carlo` or
/// `phase_diagram`), and for a Monte Carlo the draws' columns and regimes.
#[pyfunction]
#[pyo3(signature = (scenario, preset, set, range, draws, grid, seed, progress, call))]
#[allow(clippy::too_many_arguments)]
fn automation_sweep<'py>(
    py: Python<'py>,
    scenario: Option<PathBuf>,
    preset: Option<String>,
    set: Vec<String>,
    range: Vec<String>,
    draws: usize,
    grid: Vec<String>,
    seed: Option<u64>,
    progress: Option<Bound<'py, PyAny>>,
    call: String,
) -> PyResult<(Run, String, Columns<'py>, Vec<String>)> {
    let source = source(scenario, preset, set);
    let run = detached(py, progress.as_ref(), |observer| {
        sweep(&SweepRequest {
            source,
            range,
            draws,
            grid,
            seed,
            observer,
        })
    })?;
    Ok(match run {
        SweepRun::MonteCarlo(m) => {
            let cols = columns(py, m.draw_columns());
            let regimes = m.regimes();
            (
                Run::new(m.output, m.provenance, call),
                "monte_carlo".into(),
                cols,
                regimes,
            )
        }
        SweepRun::PhaseDiagram(p) => (
            Run::new(p.output, p.provenance, call),
            "phase_diagram".into(),
            Vec::new(),
            Vec::new(),
        ),
    })
}

/// A network and its statistics (`walras automation network`), its edges exported to
/// `export` when given.
#[pyfunction]
#[pyo3(signature = (scenario, preset, set, spec, tasks, seed, export, call))]
#[allow(clippy::too_many_arguments)]
fn automation_network(
    py: Python<'_>,
    scenario: Option<PathBuf>,
    preset: Option<String>,
    set: Vec<String>,
    spec: Option<String>,
    tasks: usize,
    seed: u64,
    export: Option<PathBuf>,
    call: String,
) -> PyResult<Run> {
    let source = source(scenario, preset, set);
    let run = detached(py, None, |observer| {
        network(&NetworkRequest {
            source,
            spec,
            tasks,
            seed,
            export,
            observer,
        })
    })?;
    Ok(Run::new(run.output, run.provenance, call))
}

/// The planner problem and what is differentiated, as the dict the Python layer builds.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct Statics {
    scenario: Option<PathBuf>,
    preset: Option<String>,
    set: Vec<String>,
    discount: f64,
    eta: f64,
    horizon: Option<f64>,
    grid: usize,
    tolerance: f64,
    parameters: Option<Vec<String>>,
    step: f64,
}

impl Statics {
    fn request(self) -> SensitivityRequest {
        SensitivityRequest {
            planner: PlannerRequest {
                source: source(self.scenario, self.preset, self.set),
                discount: self.discount,
                eta: self.eta,
                horizon: self.horizon,
                grid: self.grid,
                tolerance: self.tolerance,
                ..PlannerRequest::default()
            },
            parameters: self.parameters,
            step: self.step,
            on_solve: Arc::new(|_, _| {}),
        }
    }
}

/// The planner's subsidies and welfare differentiated in the scenario's parameters
/// (`walras automation sensitivity`).
#[pyfunction]
#[pyo3(signature = (statics, progress, call))]
fn automation_sensitivity(
    py: Python<'_>,
    statics: Statics,
    progress: Option<Bound<'_, PyAny>>,
    call: String,
) -> PyResult<Run> {
    let request = statics.request();
    let run = detached(py, progress.as_ref(), |_| sensitivity(&request))?;
    Ok(Run::new(run.output, run.provenance, call))
}

/// Bands around the planner's subsidies and welfare (`walras automation uncertainty`);
/// exactly one of `se_rel`, `covariance`, `draws_file`.
#[pyfunction]
#[pyo3(signature = (statics, draws, seed, se_rel, covariance, draws_file, progress, call))]
#[allow(clippy::too_many_arguments)]
fn automation_uncertainty(
    py: Python<'_>,
    statics: Statics,
    draws: usize,
    seed: u64,
    se_rel: Option<f64>,
    covariance: Option<PathBuf>,
    draws_file: Option<PathBuf>,
    progress: Option<Bound<'_, PyAny>>,
    call: String,
) -> PyResult<Run> {
    let source = draw_source(py, se_rel, covariance, draws_file)?;
    let request = UncertaintyRequest {
        sensitivity: statics.request(),
        draws,
        seed,
        source,
        on_draw: Arc::new(|_, _| {}),
    };
    let run = detached(py, progress.as_ref(), |_| uncertainty(&request))?;
    Ok(Run::new(run.output, run.provenance, call))
}
