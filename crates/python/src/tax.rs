//! `walras.tax`: Saez rates, optimal brackets, the Mirrlees schedule, the comparison.

use std::path::PathBuf;
use std::sync::Arc;

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use walras_api::tax::{
    compare, evaluate, mirrlees, optimize, saez, sensitivity, uncertainty, CompareRequest,
    EvaluateRequest, Incomes, MirrleesRequest, OptimizeRequest, ParameterSource, SaezRequest,
    SensitivityRequest, UncertaintyRequest,
};
use walras_api::ArgumentError;

use crate::errors::to_py_err;
use crate::run::{detached, Run};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(tax_saez, m)?)?;
    m.add_function(wrap_pyfunction!(tax_compare, m)?)?;
    m.add_function(wrap_pyfunction!(tax_evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(tax_optimize, m)?)?;
    m.add_function(wrap_pyfunction!(tax_mirrlees, m)?)?;
    m.add_function(wrap_pyfunction!(tax_sensitivity, m)?)?;
    m.add_function(wrap_pyfunction!(tax_uncertainty, m)?)?;
    m.add_function(wrap_pyfunction!(tax_cps_sample, m)?)?;
    Ok(())
}

/// Saez rates (`walras tax saez`): incomes from an array (borrowed, not copied), a file, or
/// the embedded CPS sample when both are None.
#[pyfunction]
#[pyo3(signature = (incomes, incomes_file, sample_weights, elasticity, weights, cutoffs, rate_min, rate_max, estimator, income_units, call))]
#[allow(clippy::too_many_arguments)]
fn tax_saez(
    py: Python<'_>,
    incomes: Option<PyReadonlyArray1<'_, f64>>,
    incomes_file: Option<PathBuf>,
    sample_weights: Option<PyReadonlyArray1<'_, f64>>,
    elasticity: f64,
    weights: String,
    cutoffs: String,
    rate_min: f64,
    rate_max: f64,
    estimator: String,
    income_units: Option<String>,
    call: String,
) -> PyResult<Run> {
    let estimator = estimator
        .parse()
        .map_err(|e| to_py_err(py, anyhow::Error::new(e)))?;
    let values = incomes.as_ref().map(|a| a.as_slice()).transpose()?;
    let sample_weights = sample_weights.as_ref().map(|a| a.as_slice()).transpose()?;
    let source = match (&values, &incomes_file) {
        (Some(v), _) => Incomes::Values {
            incomes: v,
            weights: sample_weights,
            source: format!("an array of {} incomes", v.len()),
        },
        (None, Some(p)) => Incomes::File(p.clone()),
        (None, None) => Incomes::Embedded,
    };
    let request = SaezRequest {
        incomes: source,
        elasticity,
        weights,
        cutoffs,
        rate_min,
        rate_max,
        estimator,
        income_units,
    };
    let run = detached(py, None, |_| saez(&request))?;
    Ok(Run::new(run.output, run.provenance, call))
}

/// The comparison of schedules (`walras tax compare`).
#[pyfunction]
#[pyo3(signature = (skills, elasticity, swf, cutoffs, agents, rate_max, income_units, progress, call))]
#[allow(clippy::too_many_arguments)]
fn tax_compare(
    py: Python<'_>,
    skills: String,
    elasticity: f64,
    swf: String,
    cutoffs: String,
    agents: usize,
    rate_max: f64,
    income_units: Option<String>,
    progress: Option<Bound<'_, PyAny>>,
    call: String,
) -> PyResult<Run> {
    let run = detached(py, progress.as_ref(), |observer| {
        compare(&CompareRequest {
            skills,
            elasticity,
            swf,
            cutoffs,
            agents,
            rate_max,
            income_units,
            observer,
        })
    })?;
    Ok(Run::new(run.output, run.provenance, call))
}

/// One schedule in equilibrium (`walras tax evaluate`): a named one, or `rates` when given.
#[pyfunction]
#[pyo3(signature = (schedule, rates, skills, elasticity, swf, cutoffs, agents, rate_max, income_units, progress, call))]
#[allow(clippy::too_many_arguments)]
fn tax_evaluate(
    py: Python<'_>,
    schedule: String,
    rates: Option<PyReadonlyArray1<'_, f64>>,
    skills: String,
    elasticity: f64,
    swf: String,
    cutoffs: String,
    agents: usize,
    rate_max: f64,
    income_units: Option<String>,
    progress: Option<Bound<'_, PyAny>>,
    call: String,
) -> PyResult<Run> {
    let rates = rates.map(|r| r.as_array().to_vec());
    let run = detached(py, progress.as_ref(), |observer| {
        evaluate(&EvaluateRequest {
            schedule,
            rates,
            skills,
            elasticity,
            swf,
            cutoffs,
            agents,
            rate_max,
            income_units,
            observer,
        })
    })?;
    Ok(Run::new(run.output, run.provenance, call))
}

/// The economy and planner of `walras tax optimize` (and sensitivity, uncertainty).
#[derive(Clone, FromPyObject)]
#[pyo3(from_item_all)]
pub struct Planner {
    skills: String,
    elasticity: f64,
    swf: String,
    brackets: usize,
    cutoffs: Option<String>,
    agents: usize,
    optimize_cutoffs: bool,
    rate_max: f64,
    utility: String,
    hours: Option<(u32, u32)>,
    income_units: Option<String>,
}

impl Planner {
    fn request(self, observer: Arc<dyn walras_core::Observer>) -> OptimizeRequest {
        OptimizeRequest {
            skills: self.skills,
            elasticity: self.elasticity,
            swf: self.swf,
            brackets: self.brackets,
            cutoffs: self.cutoffs,
            agents: self.agents,
            optimize_cutoffs: self.optimize_cutoffs,
            rate_max: self.rate_max,
            utility: self.utility,
            hours: self.hours,
            income_units: self.income_units,
            observer,
        }
    }
}

/// The planner's optimal brackets (`walras tax optimize`).
#[pyfunction]
#[pyo3(signature = (planner, progress, call))]
fn tax_optimize(
    py: Python<'_>,
    planner: Planner,
    progress: Option<Bound<'_, PyAny>>,
    call: String,
) -> PyResult<Run> {
    let run = detached(py, progress.as_ref(), |observer| {
        optimize(&planner.request(Arc::clone(&observer)))
    })?;
    Ok(Run::new(run.output, run.provenance, call))
}

/// The optimal brackets' comparative statics (`walras tax sensitivity`).
#[pyfunction]
#[pyo3(signature = (planner, progress, call))]
fn tax_sensitivity(
    py: Python<'_>,
    planner: Planner,
    progress: Option<Bound<'_, PyAny>>,
    call: String,
) -> PyResult<Run> {
    let run = detached(py, progress.as_ref(), |observer| {
        sensitivity(&SensitivityRequest {
            optimize: planner.request(Arc::clone(&observer)),
        })
    })?;
    Ok(Run::new(run.output, run.provenance, call))
}

/// Bands around the optimal brackets (`walras tax uncertainty`); exactly one of `se_rel`,
/// `covariance`, `draws_file`.
#[pyfunction]
#[pyo3(signature = (planner, draws, seed, se_rel, covariance, draws_file, progress, call))]
#[allow(clippy::too_many_arguments)]
fn tax_uncertainty(
    py: Python<'_>,
    planner: Planner,
    draws: usize,
    seed: u64,
    se_rel: Option<f64>,
    covariance: Option<PathBuf>,
    draws_file: Option<PathBuf>,
    progress: Option<Bound<'_, PyAny>>,
    call: String,
) -> PyResult<Run> {
    let source = draw_source(py, se_rel, covariance, draws_file)?;
    let run = detached(py, progress.as_ref(), |observer| {
        uncertainty(&UncertaintyRequest {
            sensitivity: SensitivityRequest {
                optimize: planner.request(Arc::clone(&observer)),
            },
            draws,
            seed,
            source,
            on_draw: Arc::new(|_, _| {}),
        })
    })?;
    Ok(Run::new(run.output, run.provenance, call))
}

/// The parameter source of exactly one of `se_rel`, `covariance`, `draws_file`.
pub(crate) fn draw_source(
    py: Python<'_>,
    se_rel: Option<f64>,
    covariance: Option<PathBuf>,
    draws_file: Option<PathBuf>,
) -> PyResult<ParameterSource> {
    match (se_rel, covariance, draws_file) {
        (Some(x), None, None) => Ok(ParameterSource::RelativeStdErr(x)),
        (None, Some(f), None) => Ok(ParameterSource::Covariance(f)),
        (None, None, Some(f)) => Ok(ParameterSource::DrawsFile(f)),
        _ => Err(to_py_err(
            py,
            ArgumentError::new(
                "se_rel",
                "give exactly one of se_rel, covariance, draws_file",
            )
            .into(),
        )),
    }
}

/// The optimal nonlinear schedule (`walras tax mirrlees`).
#[pyfunction]
#[pyo3(signature = (skills, truncate, elasticity, swf, grid, call))]
fn tax_mirrlees(
    py: Python<'_>,
    skills: String,
    truncate: (f64, f64),
    elasticity: f64,
    swf: String,
    grid: usize,
    call: String,
) -> PyResult<Run> {
    let request = MirrleesRequest {
        skills,
        truncate,
        elasticity,
        swf,
        grid,
    };
    let run = detached(py, None, |_| mirrlees(&request))?;
    Ok(Run::new(run.output, run.provenance, call))
}

/// Two arrays of the same length.
type ArrayPair<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

/// The embedded CPS sample: incomes (USD per year) and population weights.
#[pyfunction]
fn tax_cps_sample(py: Python<'_>) -> PyResult<ArrayPair<'_>> {
    let s = walras_data::tax::cps_sample().map_err(|e| to_py_err(py, anyhow::Error::new(e)))?;
    let weights = s.weights.unwrap_or_else(|| vec![1.0; s.incomes.len()]);
    Ok((
        PyArray1::from_vec(py, s.incomes),
        PyArray1::from_vec(py, weights),
    ))
}
