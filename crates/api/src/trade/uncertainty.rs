//! Bands around a Nash war, a unilateral optimum or the cooperative optimum (`walras trade
//! uncertainty`): elasticities drawn from their uncertainty, each draw re-solved from the
//! first-order prediction p* + J dtheta (predictor-corrector), beside the delta-method bands
//! J Sigma J'.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use rayon::prelude::*;
use serde_json::json;
use walras_core::{Equilibrium, SolverOptions};
use walras_data::DeficitTreatment;
use walras_trade::{
    cooperate, nash_with, policy_optimizer, unilateral, Baseline, NashMethod, ResponseDynamics,
    TradeModel, THETA_RANGE,
};

use super::economy::Economy;
use super::policies::parse_aggregation;
use super::sensitivity::{sensitivity, SensitivityRequest};
use crate::bands::{
    parameter_draws, summarise, Draw, Linearisation, ParameterDraws, ParameterSource,
};
use crate::{ArgumentError, Output, Provenance};

/// `walras trade uncertainty`; the defaults are the command line's.
#[derive(Clone)]
pub struct UncertaintyRequest {
    /// The exercise (nash, optimal or cooperate) and its settings.
    pub sensitivity: SensitivityRequest,
    /// Number of normal draws (ignored for draws files and elasticity sets).
    pub draws: usize,
    /// Seed of the normal draws.
    pub seed: u64,
    /// The parameters' uncertainty.
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

/// Draw the parameters, re-solve the war for each, and summarise.
pub fn uncertainty(eco: &Economy, request: &UncertaintyRequest) -> Result<UncertaintyRun> {
    let r = request;
    let t0 = Instant::now();
    let base = sensitivity(eco, &r.sensitivity)?;
    let cold_s = t0.elapsed().as_secs_f64();
    let s = &base.sensitivity;
    let theta0 = s.parameter_values.clone();
    let mut inputs = base.provenance.inputs.clone();
    let ParameterDraws {
        covariance,
        draws,
        names,
        label,
    } = match &r.source {
        ParameterSource::ElasticitySets => {
            let data = eco_dir(eco)?;
            let (path, sets) = walras_data::trade::read_elasticity_sets(
                &data,
                &eco.baseline
                    .sectors
                    .iter()
                    .map(|s| s.name.clone())
                    .collect::<Vec<_>>(),
            )?;
            inputs.push(path.clone());
            let nj = eco.baseline.sectors.len();
            let draws = sets
                .iter()
                .map(|(_, thetas)| {
                    let mut d = theta0.clone();
                    d[..nj].copy_from_slice(thetas);
                    d
                })
                .collect();
            ParameterDraws {
                covariance: None,
                draws,
                names: Some(sets.into_iter().map(|(n, _)| n).collect()),
                label: format!("the elasticity sets of {}", path.display()),
            }
        }
        source => parameter_draws(source, &s.parameters, &theta0, r.draws, r.seed, &mut inputs)?,
    };
    let lin = Linearisation {
        parameters: s.parameters.clone(),
        parameter_values: theta0.clone(),
        policies: s.policies.clone(),
        policy_values: s.policy_values.clone(),
        jacobian: s.jacobian.clone(),
        objective_keys: ("country", "welfare_change_pct"),
        objectives: s.countries.clone(),
        objective_values: s.welfare.iter().map(|w| 100.0 * (w - 1.0)).collect(),
        objective_jacobian: &s.welfare_jacobian * 100.0,
    };
    let n_draws = draws.len();
    let done = AtomicUsize::new(0);
    let t1 = Instant::now();
    let results: Vec<Draw> = draws
        .into_par_iter()
        .enumerate()
        .map(|(d, theta)| {
            let (shifted, predicted_welfare) = lin.predict(&theta);
            // The prediction p* + J dtheta, projected onto the bounds.
            let mut full = base.run.result.policy.clone();
            for (k, &i) in s.policy_indices.iter().enumerate() {
                full[i] = shifted[k];
            }
            let full = base.run.model.policy_space().project(&full);
            let predicted_policy = s.policy_indices.iter().map(|&i| full[i]).collect();
            let t = Instant::now();
            let solved = re_solve(eco, &base.run.model, &theta, &full, r)
                .map(|(p, w)| (s.policy_indices.iter().map(|&i| p[i]).collect(), w))
                .map_err(|e| format!("{e:#}"));
            let seconds = t.elapsed().as_secs_f64();
            let k = done.fetch_add(1, Ordering::Relaxed) + 1;
            (r.on_draw)(k, n_draws);
            Draw {
                name: names.as_ref().map_or(format!("{d}"), |n| n[d].clone()),
                parameters: theta,
                predicted_policy,
                predicted_welfare,
                solved,
                seconds,
            }
        })
        .collect();
    let draws_s = t1.elapsed().as_secs_f64();
    record(
        base, &lin, results, covariance, label, inputs, cold_s, draws_s, r,
    )
}

/// The data directory of the economy (elasticity sets live there).
fn eco_dir(eco: &Economy) -> Result<PathBuf> {
    eco.data.clone().ok_or_else(|| {
        ArgumentError::new(
            "elasticity-sets",
            "needs --data (a directory with an elasticity_sets table)",
        )
        .into()
    })
}

/// The war on the data with parameters `theta`, re-based as the economy was, started from
/// `start`: (policy, welfare change in percent).
fn re_solve(
    eco: &Economy,
    model: &TradeModel,
    theta: &[f64],
    start: &[f64],
    r: &UncertaintyRequest,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let mut data: Baseline = (*eco.calibrated).clone();
    let nj = data.sectors.len();
    for (k, &v) in theta.iter().enumerate() {
        let (kind, sector) = if k < nj {
            ("theta", k)
        } else {
            ("psi", k - nj)
        };
        let ok = if kind == "theta" {
            (THETA_RANGE.0..=THETA_RANGE.1).contains(&v)
        } else {
            v.is_finite() && v >= 0.0
        };
        if !ok {
            anyhow::bail!(
                "{kind}:{} = {v} is outside the model's range",
                data.sectors[sector].name
            );
        }
        if kind == "theta" {
            data.sectors[sector].theta = v;
        } else {
            data.sectors[sector].psi = v;
        }
    }
    let inner: SolverOptions = eco.inner;
    let rebased = match eco.deficits {
        DeficitTreatment::Purge => data.purge(&inner)?,
        DeficitTreatment::Keep => data.settle(&inner)?,
    };
    let m = TradeModel::new(Arc::new(rebased), model.policy_map().set)?;
    let tol = r.sensitivity.nash.tol;
    let res = match r.sensitivity.exercise.as_str() {
        "optimal" => {
            let name = r.sensitivity.country.as_deref().unwrap_or_default();
            let country = m.baseline().country(name)?;
            unilateral(&m, country, start, &policy_optimizer(tol, inner)?)?
        }
        "cooperate" => {
            let aggregation = parse_aggregation(&r.sensitivity.aggregation)?;
            cooperate(&m, aggregation, start, &policy_optimizer(tol, inner)?)?
        }
        _ => {
            nash_with(
                &m,
                NashMethod::Auto,
                tol,
                start,
                inner,
                ResponseDynamics::default(),
                |_| {},
            )?
            .0
        }
    };
    Ok((res.policy, res.outcome.welfare_change_pct))
}

/// The record: the bands, the draws and the timings.
#[allow(clippy::too_many_arguments)]
fn record(
    base: super::sensitivity::SensitivityRun,
    lin: &Linearisation,
    draws: Vec<Draw>,
    covariance: Option<nalgebra::DMatrix<f64>>,
    label: String,
    inputs: Vec<PathBuf>,
    cold_s: f64,
    draws_s: f64,
    r: &UncertaintyRequest,
) -> Result<UncertaintyRun> {
    let bands = summarise(
        lin,
        &draws,
        covariance.as_ref(),
        "percent change from the baseline",
    )?;
    let mean_draw_s = draws.iter().map(|d| d.seconds).sum::<f64>() / draws.len().max(1) as f64;
    let mut warnings = base.provenance.warnings.clone();
    warnings.extend(bands.warning.clone());
    let mut json = json!({
        "exercise": r.sensitivity.exercise,
        "source": label,
        "seed": r.seed,
        "units": {"policies": "fractions (0.1 is 10%)", "welfare": "percent change from the baseline", "bands": "90%: 5th and 95th percentiles (Monte Carlo), +-1.645 standard deviations (delta method)"},
        "timing": {"cold_solve_and_statics_s": cold_s, "draws_s": draws_s, "mean_draw_s": mean_draw_s},
        "sensitivity": base.output.json,
        "warnings": warnings,
    });
    json.as_object_mut().expect("an object").extend(bands.json);
    let mut provenance = base.provenance.clone();
    provenance.inputs = inputs;
    provenance.parameters["draws"] = json!(draws.len());
    provenance.parameters["seed"] = json!(r.seed);
    provenance.parameters["source"] = json!(label);
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
