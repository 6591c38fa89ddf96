//! Bands around the planner's subsidies and welfare (`walras automation uncertainty`): the
//! scenario's parameters drawn from their uncertainty, each draw's planner re-solved, beside
//! the delta-method bands J Sigma J' of the re-solved derivatives.
//!
//! The forward-backward sweep starts from the market path, so a draw cannot start at the
//! first-order prediction p* + J dtheta; the prediction is reported beside each re-solve.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;

use super::sensitivity::{sensitivity, Parametrised, SensitivityRequest};
use crate::bands::{
    parameter_draws, re_solve_draws, uncertainty_run, Linearisation, ParameterSource,
    RecordContext, UncertaintyRun,
};
use crate::Provenance;

/// `walras automation uncertainty`; the defaults are the command line's.
#[derive(Clone)]
pub struct UncertaintyRequest {
    /// The planner and the parameters drawn.
    pub sensitivity: SensitivityRequest,
    /// Number of normal draws (ignored for a draws file).
    pub draws: usize,
    /// Seed of the normal draws.
    pub seed: u64,
    /// The parameters' uncertainty (elasticity sets are trade data's: an error here).
    pub source: ParameterSource,
    /// Called with (finished, total) after each draw.
    pub on_draw: Arc<dyn Fn(usize, usize) + Send + Sync>,
}

/// Draw the parameters, re-solve the planner for each, and summarise.
pub fn uncertainty(request: &UncertaintyRequest) -> Result<UncertaintyRun> {
    let r = request;
    let t0 = Instant::now();
    let base = sensitivity(&r.sensitivity)?;
    let cold_s = t0.elapsed().as_secs_f64();
    let s = &base.sensitivity;
    let mut inputs = base.provenance.inputs.clone();
    let sampled = parameter_draws(
        &r.source,
        &s.parameters,
        &s.parameter_values,
        r.draws,
        r.seed,
        &mut inputs,
    )?;
    let lin = Linearisation {
        parameters: s.parameters.clone(),
        parameter_values: s.parameter_values.clone(),
        policies: s.policies.clone(),
        policy_values: s.policy_values.clone(),
        jacobian: s.jacobian.clone(),
        objective_keys: ("objective", "value"),
        objectives: s.objectives.clone(),
        objective_values: s.objective_values.clone(),
        objective_jacobian: s.welfare_jacobian.clone(),
    };
    let problem = Parametrised::new(&r.sensitivity.planner, Some(s.parameters.as_slice()))?;
    let covariance = sampled.covariance.clone();
    let label = sampled.label.clone();
    let (draws, draws_s) = re_solve_draws(&lin, sampled, &*r.on_draw, |theta, prediction| {
        (prediction.to_vec(), problem.outcomes(theta))
    });
    uncertainty_run(
        &lin,
        draws,
        covariance.as_ref(),
        RecordContext {
            exercise: "planner".into(),
            units: (
                "subsidy per unit of AI output, in units of the final good",
                "utility (integral of e^{-rho t} u(Y)); the gap in consumption-equivalent %",
            ),
            seed: r.seed,
            label,
            cold_s,
            draws_s,
            sensitivity: base.output.json.clone(),
            provenance: Provenance {
                inputs,
                ..base.provenance.clone()
            },
        },
    )
}
