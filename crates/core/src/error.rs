//! Typed errors of the NFXP engine.

use crate::game::RoundRecord;
use crate::optimize::OptimumReport;
use crate::solve::SolveReport;

/// Everything that can go wrong inside the engine.
///
/// Non-convergence is never silent: the inner solver's error carries its [`SolveReport`]
/// (residual and iteration count), the optimiser's its [`OptimumReport`], and the game drivers'
/// the last round of best-response dynamics.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// An option or setting is out of its allowed range.
    #[error("invalid option `{field}` = {value}: {reason}")]
    InvalidOption {
        /// Name of the option.
        field: &'static str,
        /// The offending value, formatted.
        value: String,
        /// What the option must satisfy.
        reason: &'static str,
    },
    /// A vector has the wrong length.
    #[error("{what} has length {found}, expected {expected}")]
    DimensionMismatch {
        /// Which vector.
        what: String,
        /// Length the model or policy space requires.
        expected: usize,
        /// Length that was passed.
        found: usize,
    },
    /// A policy lies outside its box or is not finite.
    #[error("policy `{name}` = {value} is outside its bounds [{lower}, {upper}]")]
    PolicyOutOfBounds {
        /// Name of the policy parameter.
        name: String,
        /// The offending value.
        value: f64,
        /// Lower bound.
        lower: f64,
        /// Upper bound.
        upper: f64,
    },
    /// A policy space was declared inconsistently (bad bounds, duplicate names, overlapping blocks).
    #[error("invalid policy space: {0}")]
    InvalidPolicySpace(String),
    /// The model produced a NaN or infinity where a finite number was required.
    #[error("{what} is not finite at index {index} (value {value})")]
    NonFinite {
        /// What was being evaluated.
        what: &'static str,
        /// Index of the first non-finite entry.
        index: usize,
        /// The value.
        value: f64,
    },
    /// The inner equilibrium solver did not reach its tolerance.
    #[error(
        "equilibrium did not converge: residual {:.3e} (tolerance {:.1e}) after {} iterations ({})",
        .0.residual_inf_norm, .0.tolerance, .0.iterations, .0.method
    )]
    NotConverged(Box<SolveReport>),
    /// The solver met its tolerance but the point fails an identity every equilibrium satisfies
    /// ([`Equilibrium::identities`](crate::Equilibrium::identities)): inconsistent inputs, or a
    /// residual that is small only because the model is badly scaled.
    #[error(
        "not an equilibrium: {identity} is off by {value:.3e} (tolerance {tolerance:.1e}) at the point the solver returned (residual {:.3e} after {} iterations, {})",
        .report.residual_inf_norm, .report.iterations, .report.method
    )]
    NotAnEquilibrium {
        /// The identity that fails.
        identity: String,
        /// Its residual.
        value: f64,
        /// The tolerance it was checked against.
        tolerance: f64,
        /// The solve that produced the point.
        report: Box<SolveReport>,
    },
    /// The Jacobian dF/dx at the equilibrium is singular, so implicit derivatives do not exist.
    #[error("singular equilibrium Jacobian dF/dx at the solution: implicit derivatives are undefined (the equilibrium is not locally unique){detail}")]
    SingularJacobian {
        /// What makes it singular, where that can be named (e.g. an unknown with no effect).
        detail: String,
    },
    /// The outer optimiser failed or stopped before reaching its tolerance.
    #[error("policy optimisation did not converge: {reason}; projected-gradient norm {:.3e} after {} iterations", .report.projected_gradient_norm, .report.iterations)]
    OptimizerFailed {
        /// Why it stopped.
        reason: String,
        /// What it achieved.
        report: Box<OptimumReport>,
    },
    /// A Nash solver (best-response dynamics or the stacked first-order conditions) did not
    /// settle within the allowed rounds, or stagnated.
    #[error("{method} did not converge in {rounds} rounds: max policy change {:.3e}, max projected gradient {:.3e}; max FOC residual by round: {}", .last.max_policy_change, .last.max_projected_gradient(), format_history(.residual_history))]
    GameNotConverged {
        /// Which solver: "best-response dynamics" or "stacked first-order conditions".
        method: &'static str,
        /// Rounds played.
        rounds: usize,
        /// The last round's record.
        last: Box<RoundRecord>,
        /// The record of the round with the smallest residual (where to resume from).
        best: Box<RoundRecord>,
        /// The largest first-order-condition residual (projected gradient) of every round.
        residual_history: Vec<f64>,
    },
    /// The model's own solver ([`Equilibrium::structured_solve`](crate::Equilibrium::structured_solve)) failed.
    #[error("the model's own solver failed: {0}")]
    ModelSolve(String),
    /// The run was cancelled by its observer ([`Observer::cancelled`](crate::Observer::cancelled),
    /// e.g. a [`Cancel`](crate::Cancel) token).
    #[error("cancelled: the observer asked the engine to stop before the run finished")]
    Cancelled,
    /// An objective index does not exist in the model.
    #[error("objective {index} does not exist (the model has {count} objectives)")]
    UnknownObjective {
        /// Requested index.
        index: usize,
        /// Number of objectives in the model.
        count: usize,
    },
}

/// The former name of [`EngineError`].
#[deprecated(note = "renamed to EngineError")]
pub type NfxpError = EngineError;

/// Result alias for the engine.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// Fail with [`EngineError::DimensionMismatch`] unless `found == expected`.
pub(crate) fn check_len(what: &str, expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(EngineError::DimensionMismatch {
            what: what.to_string(),
            expected,
            found,
        })
    }
}

/// Fail with [`EngineError::NonFinite`] at the first NaN or infinity.
pub(crate) fn check_finite(what: &'static str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(index) => Err(EngineError::NonFinite {
            what,
            index,
            value: values[index],
        }),
    }
}

/// [`EngineError::InvalidOption`] for option `field` with `value`.
pub(crate) fn invalid(
    field: &'static str,
    value: impl std::fmt::Display,
    reason: &'static str,
) -> EngineError {
    EngineError::InvalidOption {
        field,
        value: value.to_string(),
        reason,
    }
}

/// A shared [`check`](crate::check) of option `field`, failing as [`EngineError::InvalidOption`].
pub(crate) fn check_option(
    field: &'static str,
    value: f64,
    check: fn(&str, f64) -> std::result::Result<f64, crate::check::Invalid>,
) -> Result<f64> {
    check(field, value).map_err(|e| EngineError::InvalidOption {
        field,
        value: e.value,
        reason: match e.rule {
            std::borrow::Cow::Borrowed(rule) => rule,
            std::borrow::Cow::Owned(_) => "is out of range",
        },
    })
}

/// The damping, in (0, 1], and Anderson memory, at most 100, of a fixed-point iteration.
pub(crate) fn check_fixed_point_settings(damping: f64, anderson_memory: usize) -> Result<()> {
    check_option("damping", damping, crate::check::step_fraction)?;
    if anderson_memory > 100 {
        return Err(invalid(
            "anderson_memory",
            anderson_memory,
            "must be at most 100",
        ));
    }
    Ok(())
}

/// Serialise a duration as seconds (reports' `wall_time_s`).
pub(crate) fn serialize_secs<S: serde::Serializer>(
    d: &std::time::Duration,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// A residual history for an error message: every value if there are at most 12, else the
/// first 6 and the last 6.
fn format_history(h: &[f64]) -> String {
    let fmt = |v: &[f64]| {
        v.iter()
            .map(|r| format!("{r:.2e}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if h.len() <= 12 {
        fmt(h)
    } else {
        format!("{}, ..., {}", fmt(&h[..6]), fmt(&h[h.len() - 6..]))
    }
}
