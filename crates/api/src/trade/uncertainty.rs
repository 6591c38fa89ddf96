//! Bands around a Nash war, a unilateral optimum or the cooperative optimum (`walras trade
//! uncertainty`): elasticities drawn from their uncertainty, each draw re-solved from the
//! first-order prediction p* + J dtheta (predictor-corrector), beside the delta-method bands
//! J Sigma J'.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use walras_core::{Equilibrium, SolverOptions};
use walras_data::DeficitTreatment;
use walras_trade::{cooperate, policy_optimizer, unilateral, Baseline, TradeModel, THETA_RANGE};

use super::continuation::{war_near, BaseWar};
use super::economy::Economy;
use super::policies::parse_aggregation;
use super::sensitivity::{sensitivity, SensitivityRequest};
use crate::bands::{
    parameter_draws, re_solve_draws, uncertainty_run, Linearisation, ParameterDraws,
    ParameterSource, RecordContext, UncertaintyRun,
};
use crate::{ArgumentError, Provenance};

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

/// Draw the parameters, re-solve the war for each, and summarise.
pub fn uncertainty(eco: &Economy, request: &UncertaintyRequest) -> Result<UncertaintyRun> {
    let r = request;
    let t0 = Instant::now();
    let base = sensitivity(eco, &r.sensitivity)?;
    let cold_s = t0.elapsed().as_secs_f64();
    let s = &base.sensitivity;
    let theta0 = s.parameter_values.clone();
    let mut inputs = base.provenance.inputs.clone();
    let sampled = match &r.source {
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
        parameter_values: theta0,
        policies: s.policies.clone(),
        policy_values: s.policy_values.clone(),
        jacobian: s.jacobian.clone(),
        objective_keys: ("country", "welfare_change_pct"),
        objectives: s.countries.clone(),
        objective_values: s.welfare.iter().map(|w| 100.0 * (w - 1.0)).collect(),
        objective_jacobian: &s.welfare_jacobian * 100.0,
    };
    let covariance = sampled.covariance.clone();
    let label = sampled.label.clone();
    let base_rebasing = base_rebasing(eco)?;
    let war = BaseWar {
        model: &base.run.model,
        statics: s,
        policy: &base.run.result.policy,
        x: &base.run.result.x,
        tol: r.sensitivity.nash.tol,
        inner: eco.inner,
    };
    let (draws, draws_s) = re_solve_draws(&lin, sampled, &*r.on_draw, |theta, prediction| {
        // The prediction p* + J dtheta in the full policy vector, projected onto the bounds.
        let mut full = base.run.result.policy.clone();
        for (k, &i) in s.policy_indices.iter().enumerate() {
            full[i] = prediction[k];
        }
        let full = base.run.model.policy_space().project(&full);
        let rows = |p: &[f64]| -> Vec<f64> { s.policy_indices.iter().map(|&i| p[i]).collect() };
        let solved = re_solve(eco, &war, &base_rebasing, theta, &full, r)
            .map(|(p, w)| (rows(&p), w))
            .map_err(|e| format!("{e:#}"));
        (rows(&full), solved)
    });
    uncertainty_run(
        &lin,
        draws,
        covariance.as_ref(),
        RecordContext {
            exercise: r.sensitivity.exercise.clone(),
            units: ("fractions (0.1 is 10%)", "percent change from the baseline"),
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

/// The base data's re-basing equilibrium, where every draw's re-basing starts.
pub(super) fn base_rebasing(eco: &Economy) -> Result<Vec<f64>> {
    let (_, x) = eco
        .calibrated
        .rebased_from(
            matches!(eco.deficits, DeficitTreatment::Keep),
            &eco.inner,
            None,
        )
        .context("re-basing the data at the estimated elasticities")?;
    Ok(x)
}

/// The model of the data with parameters `theta`, re-based as the economy was (from the base
/// re-basing's equilibrium `base_rebasing`: nearer than the model's default guess, from which
/// some draws' re-basing does not converge), with `model`'s instruments.
pub(super) fn model_at(
    eco: &Economy,
    model: &TradeModel,
    theta: &[f64],
    base_rebasing: &[f64],
) -> Result<TradeModel> {
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
    let (rebased, _) = data
        .rebased_from(
            matches!(eco.deficits, DeficitTreatment::Keep),
            &eco.inner,
            Some(base_rebasing),
        )
        .with_context(|| {
            format!(
                "re-basing the data at the drawn elasticities{}",
                uniqueness_note(&data)
            )
        })?;
    Ok(TradeModel::new(Arc::new(rebased), model.policy_map().set)?)
}

/// theta psi at or above this in some sector is near the bound 1 of the equilibrium's
/// uniqueness (see `docs/trade.md`).
const NEAR_UNIQUENESS_BOUND: f64 = 0.95;

/// The sectors whose theta psi is near or past the uniqueness bound 1 (at most five, largest
/// first), in words for an error.
fn uniqueness_note(data: &Baseline) -> String {
    let mut near: Vec<(f64, &str)> = data
        .sectors
        .iter()
        .map(|s| (s.theta * s.psi, s.name.as_str()))
        .filter(|(p, _)| *p >= NEAR_UNIQUENESS_BOUND)
        .collect();
    if near.is_empty() {
        return String::new();
    }
    near.sort_by(|a, b| b.0.total_cmp(&a.0));
    let listed: Vec<String> = near
        .iter()
        .take(5)
        .map(|(p, name)| format!("{p:.3} in sector {name}"))
        .collect();
    format!(
        " (theta x psi near or past 1, where scale economies leave the equilibrium no longer unique: {})",
        listed.join(", ")
    )
}

/// The exercise on the data with parameters `theta`, started from `start` (the first-order
/// prediction); a war is continued from the base war `base` (see [`war_near`]): (policy,
/// welfare change in percent).
fn re_solve(
    eco: &Economy,
    base: &BaseWar,
    base_rebasing: &[f64],
    theta: &[f64],
    start: &[f64],
    r: &UncertaintyRequest,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let m = model_at(eco, base.model, theta, base_rebasing)?;
    let inner: SolverOptions = eco.inner;
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
        _ => war_near(base, &m, theta, |t| {
            model_at(eco, base.model, t, base_rebasing)
        })?,
    };
    Ok((res.policy, res.outcome.welfare_change_pct))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_re_basing_names_the_sector_near_the_uniqueness_bound() {
        let eco = super::super::load(&super::super::EconomyRequest::default()).unwrap();
        let mut data: Baseline = (*eco.calibrated).clone();
        assert_eq!(
            uniqueness_note(&data),
            "",
            "the example is far from the bound"
        );
        data.sectors[1].theta = 5.0;
        data.sectors[1].psi = 0.2;
        let note = uniqueness_note(&data);
        let name = &data.sectors[1].name;
        assert!(
            note.contains(&format!("1.000 in sector {name}")) && note.contains("theta x psi"),
            "{note}"
        );
    }
}
