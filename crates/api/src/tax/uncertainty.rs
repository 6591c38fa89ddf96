//! Bands around the optimal brackets (`walras tax uncertainty`): the economy's parameters
//! drawn from their uncertainty, each draw's optimum re-found from the first-order prediction
//! p* + J dtheta, beside the delta-method bands J Sigma J'.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use walras_core::{Equilibrium, Welfare};

use super::sensitivity::{polish, sensitivity, SensitivityRequest};
use crate::bands::{
    parameter_draws, re_solve_draws, uncertainty_run, Linearisation, ParameterSource,
    RecordContext, UncertaintyRun,
};
use crate::Provenance;

/// `walras tax uncertainty`; the defaults are the command line's.
#[derive(Clone)]
pub struct UncertaintyRequest {
    /// The economy and the planner.
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

/// Draw the parameters, re-optimise the brackets for each, and summarise.
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
        objective_keys: ("objective", "swf"),
        objectives: vec!["social welfare".into()],
        objective_values: vec![s.welfare],
        objective_jacobian: nalgebra::DMatrix::from_row_slice(
            1,
            s.welfare_jacobian.len(),
            &s.welfare_jacobian,
        ),
    };
    let economy = &base.run.economy;
    let covariance = sampled.covariance.clone();
    let label = sampled.label.clone();
    let (draws, draws_s) = re_solve_draws(&lin, sampled, &*r.on_draw, |theta, prediction| {
        let start = economy.policy_space().project(prediction);
        let solved = re_optimise(economy, theta, &start);
        (start, solved)
    });
    uncertainty_run(
        &lin,
        draws,
        covariance.as_ref(),
        RecordContext {
            exercise: "optimum".into(),
            units: (
                "rates (fractions) and bracket widths (income units)",
                "SWF units",
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

/// The optimum of the economy with parameters `theta`, started at `start`: (policy, [SWF]),
/// or why there is none (parameters out of range, an optimiser that did not converge).
fn re_optimise(
    economy: &walras_tax::TaxEconomy,
    theta: &[f64],
    start: &[f64],
) -> std::result::Result<(Vec<f64>, Vec<f64>), String> {
    let e = economy
        .with_parameter_values(theta)
        .map_err(|e| e.to_string())?;
    let opt = e
        .optimize_checked(start, &e.optimizer())
        .map_err(|e| e.to_string())?;
    let best = &opt.evaluation;
    let mut policy = best.rates.clone();
    if policy.len() < start.len() {
        policy.extend(best.cutoffs.windows(2).map(|w| w[1] - w[0]));
    }
    if opt.converged {
        return Ok((policy, vec![best.swf]));
    }
    // A stalled line search is finished by Newton steps, as at the base optimum.
    let (policy, transfer) = polish(&e, &policy, best.transfer).ok_or_else(|| {
        format!(
            "the optimiser did not converge, nor did a Newton polish: {}",
            opt.stop_reason
        )
    })?;
    let swf = e.objective(0, &[transfer], &policy);
    Ok((policy, vec![swf]))
}
