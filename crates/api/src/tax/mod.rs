//! Income taxes: Saez rates, the planner's optimal brackets, the Mirrlees schedule, one
//! schedule in equilibrium and the comparison of schedules (the command line's `walras tax ...`).

mod compare;
mod evaluate;
pub(crate) mod figures;
mod inputs;
mod mirrlees;
mod optimize;
mod saez;
mod schedules;
mod sensitivity;
mod tables;
mod uncertainty;

pub use crate::bands::{Draw, ParameterSource, UncertaintyRun};
pub use compare::{compare, CompareRequest, Comparison};
pub use evaluate::{evaluate, EvaluateRequest, EvaluationRun, SCHEDULES};
pub use figures::{rate_steps, rate_steps_checked};
pub use inputs::Incomes;
pub use mirrlees::{mirrlees, MirrleesRequest, MirrleesRun};
pub use optimize::{optimize, OptimizeRequest, OptimumRun};
pub use saez::{saez, SaezEstimator, SaezRequest, SaezRun};
pub use sensitivity::{sensitivity, SensitivityRequest, SensitivityRun};
pub use uncertainty::{uncertainty, UncertaintyRequest};

use walras_tax::{Evaluation, TaxOptimum};

/// A finite number or nothing (null in JSON, blank in tables).
pub fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// The optimiser's stop for JSON, and the warning when it did not converge.
fn optimizer_status(opt: &TaxOptimum, warnings: &mut Vec<String>) -> serde_json::Value {
    if !opt.converged {
        warnings.push(format!(
            "the optimiser stopped before convergence ({}); the result is labelled converged: false",
            opt.stop_reason
        ));
    }
    serde_json::json!({"converged": opt.converged, "stop_reason": opt.stop_reason, "termination": opt.report.termination})
}

/// `null_reasons` of an evaluation: the statistics reported as null, with why.
fn null_reasons(e: &Evaluation) -> serde_json::Value {
    e.undefined_statistics()
        .into_iter()
        .map(|(k, why)| (k.to_string(), serde_json::Value::String(why)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}
