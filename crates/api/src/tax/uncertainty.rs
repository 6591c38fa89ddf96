//! Bands around the optimal brackets (`walras tax uncertainty`): the economy's parameters
//! drawn from their uncertainty, each draw's optimum re-found from the first-order prediction
//! p* + J dtheta, beside the delta-method bands J Sigma J'.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use rayon::prelude::*;
use serde_json::json;
use walras_core::{Equilibrium, Welfare};

use super::sensitivity::{polish, sensitivity, SensitivityRequest};
use crate::bands::{parameter_draws, summarise, Draw, Linearisation, ParameterSource};
use crate::{Output, Provenance};

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

/// The bands and every draw.
pub struct UncertaintyRun {
    /// The draws in order.
    pub draws: Vec<Draw>,
    /// JSON record (`uncertainty.json`), tables and a figure.
    pub output: Output,
    /// Inputs, parameters, timings and warnings.
    pub provenance: Provenance,
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
    let n_draws = sampled.draws.len();
    let done = AtomicUsize::new(0);
    let t1 = Instant::now();
    let draws: Vec<Draw> = sampled
        .draws
        .into_par_iter()
        .enumerate()
        .map(|(d, theta)| {
            let (predicted, predicted_welfare) = lin.predict(&theta);
            let predicted_policy = economy.policy_space().project(&predicted);
            let t = Instant::now();
            let solved = re_optimise(economy, &theta, &predicted_policy);
            let seconds = t.elapsed().as_secs_f64();
            (r.on_draw)(done.fetch_add(1, Ordering::Relaxed) + 1, n_draws);
            Draw {
                name: format!("{d}"),
                parameters: theta,
                predicted_policy,
                predicted_welfare,
                solved,
                seconds,
            }
        })
        .collect();
    let draws_s = t1.elapsed().as_secs_f64();
    let bands = summarise(&lin, &draws, sampled.covariance.as_ref(), "SWF units")?;
    let mean_draw_s = draws.iter().map(|d| d.seconds).sum::<f64>() / n_draws.max(1) as f64;
    let mut warnings = base.provenance.warnings.clone();
    warnings.extend(bands.warning.clone());
    let mut json = json!({
        "exercise": "optimum",
        "source": sampled.label,
        "seed": r.seed,
        "units": {"policies": "rates (fractions) and bracket widths (income units)", "welfare": "SWF units", "bands": "90%: 5th and 95th percentiles (Monte Carlo), +-1.645 standard deviations (delta method)"},
        "timing": {"cold_solve_and_statics_s": cold_s, "draws_s": draws_s, "mean_draw_s": mean_draw_s},
        "sensitivity": base.output.json,
        "warnings": warnings,
    });
    json.as_object_mut().expect("an object").extend(bands.json);
    let mut provenance = base.provenance.clone();
    provenance.inputs = inputs;
    provenance.parameters["draws"] = json!(n_draws);
    provenance.parameters["seed"] = json!(r.seed);
    provenance.parameters["source"] = json!(sampled.label);
    provenance.warnings = warnings;
    Ok(UncertaintyRun {
        draws,
        output: Output {
            json_name: "uncertainty.json",
            json,
            tables: bands.tables,
            figures: vec![("prediction_vs_resolve".into(), bands.figure)],
        },
        provenance,
    })
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
