//! The log-linear planner variant (spec P11): its economy, validation and entry point.
//!
//! It shares the static solver and the forward-backward sweep with DDA-1.

use nalgebra::DMatrix;

use super::options::PlannerOptions;
use super::path::{forward_backward_sweep, Model};
use super::results::PlannerResult;
use crate::economy::{check_per_task, ModelError};
use walras_core::check;

/// The log-linear planner variant of spec P11: `A_i = exp(theta (Omega x)_i)`, `x' = nu k`,
/// no labour, Cobb-Douglas tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLinearEconomy {
    /// Task masses a_i > 0, summing to one.
    pub mass: Vec<f64>,
    /// Elasticity theta > 0.
    pub theta: f64,
    /// Data per unit of capital nu_i >= 0.
    pub verifiability: Vec<f64>,
    /// Omega (row = receiver), entries >= 0.
    pub spill: DMatrix<f64>,
}

/// Solves the log-linear variant (spec P11) from the initial state `x0` (any real), with the
/// same sweep; needs `K > 0`.
pub fn solve_log_linear_planner(
    economy: &LogLinearEconomy,
    x0: &[f64],
    options: &PlannerOptions,
) -> Result<PlannerResult, ModelError> {
    validate_log_linear(economy)?;
    check_per_task("initial_state", x0, economy.mass.len(), false)?;
    if options.capital <= 0.0 {
        return Err(ModelError::invalid(
            "capital",
            options.capital,
            "the log-linear variant needs K > 0",
        ));
    }
    forward_backward_sweep(
        &Model::log_linear(economy, options.utility),
        x0,
        options,
        &walras_core::NoObserver,
    )
}

fn validate_log_linear(e: &LogLinearEconomy) -> Result<(), ModelError> {
    let n = e.mass.len();
    if n == 0 {
        return Err(ModelError::invalid(
            "tasks",
            0,
            "an economy needs at least one task",
        ));
    }
    check::positive("theta", e.theta)?;
    check::each("task_mass", &e.mass, check::positive)?;
    let total: f64 = e.mass.iter().sum();
    if (total - 1.0).abs() > 1e-9 {
        return Err(ModelError::invalid(
            "task_mass",
            total,
            "task masses must sum to 1 (this is their sum)",
        ));
    }
    check_per_task("verifiability", &e.verifiability, n, true)?;
    if e.spill.nrows() != n || e.spill.ncols() != n {
        return Err(ModelError::Shape {
            key: "network".into(),
            expected: format!("{n} x {n}"),
            found: format!("{} x {}", e.spill.nrows(), e.spill.ncols()),
        });
    }
    if let Some(v) = e.spill.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
        return Err(ModelError::invalid(
            "network",
            v,
            "spillover weights must be finite and >= 0",
        ));
    }
    Ok(())
}
