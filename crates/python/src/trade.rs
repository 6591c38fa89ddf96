//! `walras.trade`: load an economy, then Nash wars, optima, counterfactuals, comparisons.

use std::path::PathBuf;

use numpy::PyArray1;
use pyo3::prelude::*;
use walras_api::trade::{
    compare, cooperate, counterfactual, estimate_elasticities, load, nash, optimal, sensitivity,
    uncertainty, CompareRequest, CooperateRequest, Economy, EconomyRequest, EstimateRequest,
    Instruments, NashRequest, OptimalRequest, ParameterSource, PolicyRun, SensitivityRequest,
    UncertaintyRequest,
};
use walras_api::ArgumentError;
use walras_data::trade_import::{import, RawLayout};

use crate::errors::to_py_err;
use crate::run::{detached, Run};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<TradeEconomy>()?;
    m.add_function(wrap_pyfunction!(trade_load, m)?)?;
    m.add_function(wrap_pyfunction!(trade_nash, m)?)?;
    m.add_function(wrap_pyfunction!(trade_cooperate, m)?)?;
    m.add_function(wrap_pyfunction!(trade_optimal, m)?)?;
    m.add_function(wrap_pyfunction!(trade_counterfactual, m)?)?;
    m.add_function(wrap_pyfunction!(trade_compare, m)?)?;
    m.add_function(wrap_pyfunction!(trade_import, m)?)?;
    m.add_function(wrap_pyfunction!(trade_estimate_elasticities, m)?)?;
    m.add_function(wrap_pyfunction!(trade_sensitivity, m)?)?;
    m.add_function(wrap_pyfunction!(trade_uncertainty, m)?)?;
    Ok(())
}

/// A calibrated economy (baseline and its re-basing), shared by the computations on it.
#[pyclass(frozen, module = "walras._walras")]
pub struct TradeEconomy(Economy);

#[pymethods]
impl TradeEconomy {
    /// Country codes, in the data's order.
    fn countries(&self) -> Vec<String> {
        self.0.baseline.countries.clone()
    }

    /// Sector names, in the data's order.
    fn sectors(&self) -> Vec<String> {
        self.0
            .baseline
            .sectors
            .iter()
            .map(|s| s.name.clone())
            .collect()
    }

    /// Trade elasticity theta by sector.
    fn theta<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_iter(py, self.0.baseline.sectors.iter().map(|s| s.theta))
    }

    /// Scale elasticity psi by sector.
    fn psi<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_iter(py, self.0.baseline.sectors.iter().map(|s| s.psi))
    }

    /// How results name the baseline.
    fn label(&self) -> String {
        self.0.label.clone()
    }

    /// Notes on the data (deficits purged, shares implied, ...).
    fn notes(&self) -> Vec<String> {
        self.0.notes.clone()
    }

    /// Files read.
    fn inputs(&self) -> Vec<PathBuf> {
        self.0.inputs.clone()
    }
}

/// Load an economy (`--data` and its options of `walras trade ...`).
#[pyfunction]
#[pyo3(signature = (data, elasticities, final_shares, keep_deficits, tariff_units, solver_tol, progress))]
#[allow(clippy::too_many_arguments)]
fn trade_load(
    py: Python<'_>,
    data: Option<PathBuf>,
    elasticities: Option<String>,
    final_shares: String,
    keep_deficits: bool,
    tariff_units: String,
    solver_tol: f64,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<TradeEconomy> {
    let tariff_units = tariff_units
        .parse()
        .map_err(|e: String| to_py_err(py, ArgumentError::new("tariff-units", e).into()))?;
    let economy = detached(py, progress.as_ref(), |observer| {
        load(&EconomyRequest {
            data,
            elasticities,
            final_shares,
            keep_deficits,
            tariff_units,
            solver_tol,
            observer,
        })
    })?;
    Ok(TradeEconomy(economy))
}

/// The instruments of a request.
fn instruments(
    instruments: String,
    tariff_structure: String,
    tariff_bounds: (f64, f64),
    subsidy_bounds: (f64, f64),
) -> Instruments {
    Instruments {
        instruments,
        tariff_structure,
        tariff_bounds,
        subsidy_bounds,
    }
}

fn into_run(run: PolicyRun, call: String) -> Run {
    Run::new(run.output, run.provenance, call)
}

/// The Nash equilibrium (`walras trade nash`).
#[pyfunction]
#[pyo3(signature = (economy, instruments_, tariff_structure, tariff_bounds, subsidy_bounds, method, schedule, damping, tol, start, second_order, progress, call))]
#[allow(clippy::too_many_arguments)]
fn trade_nash(
    py: Python<'_>,
    economy: &TradeEconomy,
    instruments_: String,
    tariff_structure: String,
    tariff_bounds: (f64, f64),
    subsidy_bounds: (f64, f64),
    method: String,
    schedule: String,
    damping: f64,
    tol: f64,
    start: Option<PathBuf>,
    second_order: bool,
    progress: Option<Bound<'_, PyAny>>,
    call: String,
) -> PyResult<Run> {
    let instruments = instruments(
        instruments_,
        tariff_structure,
        tariff_bounds,
        subsidy_bounds,
    );
    let run = detached(py, progress.as_ref(), |observer| {
        nash(
            &economy.0,
            &NashRequest {
                instruments,
                method,
                schedule,
                damping,
                tol,
                start,
                second_order,
                observer,
            },
        )
    })?;
    Ok(into_run(run, call))
}

/// The cooperative optimum (`walras trade cooperate`).
#[pyfunction]
#[pyo3(signature = (economy, instruments_, tariff_structure, tariff_bounds, subsidy_bounds, aggregation, tol, start, progress, call))]
#[allow(clippy::too_many_arguments)]
fn trade_cooperate(
    py: Python<'_>,
    economy: &TradeEconomy,
    instruments_: String,
    tariff_structure: String,
    tariff_bounds: (f64, f64),
    subsidy_bounds: (f64, f64),
    aggregation: String,
    tol: f64,
    start: Option<PathBuf>,
    progress: Option<Bound<'_, PyAny>>,
    call: String,
) -> PyResult<Run> {
    let instruments = instruments(
        instruments_,
        tariff_structure,
        tariff_bounds,
        subsidy_bounds,
    );
    let run = detached(py, progress.as_ref(), |observer| {
        cooperate(
            &economy.0,
            &CooperateRequest {
                instruments,
                aggregation,
                tol,
                start,
                observer,
            },
        )
    })?;
    Ok(into_run(run, call))
}

/// A country's unilateral optimum (`walras trade optimal`).
#[pyfunction]
#[pyo3(signature = (economy, country, instruments_, tariff_structure, tariff_bounds, subsidy_bounds, tol, progress, call))]
#[allow(clippy::too_many_arguments)]
fn trade_optimal(
    py: Python<'_>,
    economy: &TradeEconomy,
    country: String,
    instruments_: String,
    tariff_structure: String,
    tariff_bounds: (f64, f64),
    subsidy_bounds: (f64, f64),
    tol: f64,
    progress: Option<Bound<'_, PyAny>>,
    call: String,
) -> PyResult<Run> {
    let instruments = instruments(
        instruments_,
        tariff_structure,
        tariff_bounds,
        subsidy_bounds,
    );
    let run = detached(py, progress.as_ref(), |observer| {
        optimal(
            &economy.0,
            &OptimalRequest {
                country,
                instruments,
                tol,
                observer,
            },
        )
    })?;
    Ok(into_run(run, call))
}

/// The equilibrium after the tariff changes of a table (`walras trade counterfactual`).
#[pyfunction]
fn trade_counterfactual(
    py: Python<'_>,
    economy: &TradeEconomy,
    tariffs: PathBuf,
    call: String,
) -> PyResult<Run> {
    let run = detached(py, None, |_| counterfactual(&economy.0, &tariffs))?;
    Ok(into_run(run, call))
}

/// War, dual competition and cooperation side by side (`walras trade compare`).
#[pyfunction]
fn trade_compare(
    py: Python<'_>,
    economy: &TradeEconomy,
    tariff_structure: String,
    tol: f64,
    progress: Option<Bound<'_, PyAny>>,
    call: String,
) -> PyResult<Run> {
    let run = detached(py, progress.as_ref(), |observer| {
        compare(
            &economy.0,
            &CompareRequest {
                tariff_structure,
                tol,
                observer,
            },
        )
    })?;
    Ok(Run::new(run.output, run.provenance, call))
}

/// The game settings shared by `sensitivity` and `uncertainty`.
struct Game {
    instruments: Instruments,
    method: String,
    schedule: String,
    damping: f64,
    tol: f64,
    start: Option<PathBuf>,
}

impl Game {
    fn request(self, observer: std::sync::Arc<dyn walras_core::Observer>) -> NashRequest {
        NashRequest {
            instruments: self.instruments,
            method: self.method,
            schedule: self.schedule,
            damping: self.damping,
            tol: self.tol,
            start: self.start,
            second_order: false,
            observer,
        }
    }
}

/// Comparative statics in the elasticities (`walras trade sensitivity`).
#[pyfunction]
#[pyo3(signature = (economy, instruments_, tariff_structure, tariff_bounds, subsidy_bounds, method, schedule, damping, tol, start, exercise, country, aggregation, progress, call))]
#[allow(clippy::too_many_arguments)]
fn trade_sensitivity(
    py: Python<'_>,
    economy: &TradeEconomy,
    instruments_: String,
    tariff_structure: String,
    tariff_bounds: (f64, f64),
    subsidy_bounds: (f64, f64),
    method: String,
    schedule: String,
    damping: f64,
    tol: f64,
    start: Option<PathBuf>,
    exercise: String,
    country: Option<String>,
    aggregation: String,
    progress: Option<Bound<'_, PyAny>>,
    call: String,
) -> PyResult<Run> {
    let game = Game {
        instruments: instruments(
            instruments_,
            tariff_structure,
            tariff_bounds,
            subsidy_bounds,
        ),
        method,
        schedule,
        damping,
        tol,
        start,
    };
    let run = detached(py, progress.as_ref(), |observer| {
        sensitivity(
            &economy.0,
            &SensitivityRequest {
                exercise,
                nash: game.request(observer),
                country,
                aggregation,
            },
        )
    })?;
    Ok(Run::new(run.output, run.provenance, call))
}

/// Bands around the Nash war or an optimum (`walras trade uncertainty`); exactly one of `se_rel`,
/// `covariance`, `draws_file`, `elasticity_sets` (checked by the Python layer).
#[pyfunction]
#[pyo3(signature = (economy, exercise, country, instruments_, tariff_structure, tariff_bounds, subsidy_bounds, method, tol, draws, seed, se_rel, covariance, draws_file, elasticity_sets, progress, call))]
#[allow(clippy::too_many_arguments)]
fn trade_uncertainty(
    py: Python<'_>,
    economy: &TradeEconomy,
    exercise: String,
    country: Option<String>,
    instruments_: String,
    tariff_structure: String,
    tariff_bounds: (f64, f64),
    subsidy_bounds: (f64, f64),
    method: String,
    tol: f64,
    draws: usize,
    seed: u64,
    se_rel: Option<f64>,
    covariance: Option<PathBuf>,
    draws_file: Option<PathBuf>,
    elasticity_sets: bool,
    progress: Option<Bound<'_, PyAny>>,
    call: String,
) -> PyResult<Run> {
    let source = match (se_rel, covariance, draws_file, elasticity_sets) {
        (Some(x), None, None, false) => ParameterSource::RelativeStdErr(x),
        (None, Some(f), None, false) => ParameterSource::Covariance(f),
        (None, None, Some(f), false) => ParameterSource::DrawsFile(f),
        (None, None, None, true) => ParameterSource::ElasticitySets,
        _ => {
            return Err(to_py_err(
                py,
                ArgumentError::new(
                    "se_rel",
                    "give exactly one of se_rel, covariance, draws_file, elasticity_sets=True",
                )
                .into(),
            ))
        }
    };
    let game = Game {
        instruments: instruments(
            instruments_,
            tariff_structure,
            tariff_bounds,
            subsidy_bounds,
        ),
        method,
        schedule: "jacobi".into(),
        damping: 0.7,
        tol,
        start: None,
    };
    let run = detached(py, progress.as_ref(), |observer| {
        uncertainty(
            &economy.0,
            &UncertaintyRequest {
                sensitivity: SensitivityRequest {
                    exercise,
                    nash: game.request(observer),
                    country,
                    aggregation: "sum-of-logs".into(),
                },
                draws,
                seed,
                source,
                on_draw: std::sync::Arc::new(|_, _| {}),
            },
        )
    })?;
    Ok(Run::new(run.output, run.provenance, call))
}

/// Trade elasticities by sector from the data (`walras trade estimate-elasticities`).
#[pyfunction]
#[pyo3(signature = (layout, source, trim, call))]
fn trade_estimate_elasticities(
    py: Python<'_>,
    layout: String,
    source: PathBuf,
    trim: f64,
    call: String,
) -> PyResult<Run> {
    let run = detached(py, None, |_| {
        estimate_elasticities(&EstimateRequest {
            layout,
            from: source,
            trim,
        })
    })?;
    Ok(Run::new(run.output, run.provenance, call))
}

/// Convert a raw dataset into the tidy layout (`walras trade import`); the report as JSON.
#[pyfunction]
fn trade_import(
    py: Python<'_>,
    layout: String,
    source: PathBuf,
    target: PathBuf,
) -> PyResult<String> {
    let report = detached(py, None, |_| {
        let layout: RawLayout = layout
            .parse()
            .map_err(|e| ArgumentError::new("layout", format!("{layout}: {e}")))?;
        let report = import(layout, &source, &target).map_err(|e| {
            anyhow::Error::new(e).context(format!(
                "importing {} from {}",
                layout_name(layout),
                source.display()
            ))
        })?;
        Ok(serde_json::to_string(&report)?)
    })?;
    Ok(report)
}

fn layout_name(layout: RawLayout) -> String {
    format!("{layout:?}").to_lowercase()
}
