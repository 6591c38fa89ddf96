//! A war at drawn elasticities, solved near the base war (predictor-corrector continuation):
//! the corrector (the stacked first-order conditions started from the base war's exact
//! Jacobian) at the first-order prediction p* + J dtheta; if it fails, along the segment from
//! the base elasticities to the drawn ones, in steps halved on failure and doubled on success,
//! each predicted from the last solved point; and only then the cold Nash method.
//!
//! On the dlopt partner x sector war, the corrector fails where it stalls near the root (FOC
//! residual about 1e-7) along near-flat directions (one country's tariffs on a sector's
//! imports from different partners); shorter steps converge for some of those draws, faster
//! than the cold method.

use anyhow::{Context, Result};
use walras_core::{Equilibrium, SolverOptions};
use walras_trade::{
    nash_near, nash_with, NashMethod, PolicyResult, ResponseDynamics, Sensitivity, TradeModel,
};

/// The shortest step along the segment (a fraction of it) before the continuation gives up.
const MIN_STEP: f64 = 1.0 / 16.0;

/// The solved war the draws start from.
pub(super) struct BaseWar<'a> {
    /// Its model (the policy space).
    pub model: &'a TradeModel,
    /// Its comparative statics: J, dG/dp, the parameters' values.
    pub statics: &'a Sensitivity,
    /// Its policy.
    pub policy: &'a [f64],
    /// Its equilibrium.
    pub x: &'a [f64],
    /// The Nash tolerance of every draw.
    pub tol: f64,
    /// The inner solver's settings.
    pub inner: SolverOptions,
}

impl BaseWar<'_> {
    /// The first-order prediction at `to` from a war solved at parameters `from` with policy
    /// `policy`, projected onto the bounds.
    pub fn predict(&self, policy: &[f64], from: &[f64], to: &[f64]) -> Vec<f64> {
        let s = self.statics;
        let mut full = policy.to_vec();
        for (k, &i) in s.policy_indices.iter().enumerate() {
            full[i] += (0..to.len())
                .map(|c| s.jacobian[(k, c)] * (to[c] - from[c]))
                .sum::<f64>();
        }
        self.model.policy_space().project(&full)
    }

    /// The corrector: the war of `model` from `start`, the stacked conditions started from the
    /// base war's Jacobian and the first equilibrium solve from `warm`.
    fn correct(&self, model: &TradeModel, start: &[f64], warm: &[f64]) -> Result<PolicyResult> {
        let s = self.statics;
        Ok(nash_near(
            model,
            self.tol,
            start,
            self.inner,
            &s.policy_indices,
            &s.foc_jacobian,
            Some(warm),
        )?)
    }
}

/// The war of `target` (the model at parameters `theta`), near `base`; `model_at` builds the
/// model at other parameters on the segment.
pub(super) fn war_near(
    base: &BaseWar,
    target: &TradeModel,
    theta: &[f64],
    model_at: impl Fn(&[f64]) -> Result<TradeModel>,
) -> Result<PolicyResult> {
    let prediction = base.predict(base.policy, &base.statics.parameter_values, theta);
    let first = match base.correct(target, &prediction, base.x) {
        Ok(r) => return Ok(r),
        Err(e) => e,
    };
    if let Ok(r) = along_segment(base, target, theta, model_at) {
        return Ok(r);
    }
    nash_with(
        target,
        NashMethod::Auto,
        base.tol,
        &prediction,
        base.inner,
        ResponseDynamics::default(),
        |_| {},
    )
    .map(|(result, ..)| result)
    .with_context(|| format!("after the corrector at the prediction failed ({first:#})"))
}

/// The war of `target` by corrected steps along the segment from the base parameters to
/// `theta` (halved on failure down to [`MIN_STEP`], doubled on success).
fn along_segment(
    base: &BaseWar,
    target: &TradeModel,
    theta: &[f64],
    model_at: impl Fn(&[f64]) -> Result<TradeModel>,
) -> Result<PolicyResult> {
    let theta0 = &base.statics.parameter_values;
    // The last solved war: (position, policy, equilibrium, parameters).
    let (mut at, mut policy, mut x, mut theta_at) =
        (0.0, base.policy.to_vec(), base.x.to_vec(), theta0.clone());
    let mut step: f64 = 0.5;
    loop {
        let next = (at + step).min(1.0);
        let theta_next: Vec<f64> = theta0
            .iter()
            .zip(theta)
            .map(|(a, b)| a + next * (b - a))
            .collect();
        let start = base.predict(&policy, &theta_at, &theta_next);
        let solved = if next < 1.0 {
            model_at(&theta_next).and_then(|m| base.correct(&m, &start, &x))
        } else {
            base.correct(target, &start, &x)
        };
        match solved {
            Ok(r) if next >= 1.0 => return Ok(r),
            Ok(r) => {
                (at, policy, x, theta_at) = (next, r.policy, r.x, theta_next);
                step *= 2.0;
            }
            Err(e) if step * 0.5 < MIN_STEP => {
                return Err(e.context(format!(
                    "continuation from the base elasticities stopped at {at} of the way"
                )))
            }
            Err(_) => step *= 0.5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trade::uncertainty::{base_rebasing, model_at};
    use crate::trade::{load, sensitivity, EconomyRequest, SensitivityRequest};

    /// On the example economy, trade elasticities 30% below the base (scale elasticities
    /// held, so theta psi stays far below 1): the war along the segment, and the war near the
    /// base (whichever path it takes), are the cold war.
    #[test]
    fn continued_wars_are_the_cold_war() {
        let eco = load(&EconomyRequest::default()).unwrap();
        let request = SensitivityRequest::default();
        let solved = sensitivity(&eco, &request).unwrap();
        let rebasing = base_rebasing(&eco).unwrap();
        let base = BaseWar {
            model: &solved.run.model,
            statics: &solved.sensitivity,
            policy: &solved.run.result.policy,
            x: &solved.run.result.x,
            tol: request.nash.tol,
            inner: eco.inner,
        };
        let theta: Vec<f64> = solved
            .sensitivity
            .parameter_values
            .iter()
            .zip(&solved.sensitivity.parameters)
            .map(|(v, name)| {
                if name.starts_with("theta:") {
                    0.7 * v
                } else {
                    *v
                }
            })
            .collect();
        let at = |t: &[f64]| model_at(&eco, base.model, t, &rebasing);
        let target = at(&theta).unwrap();
        let (cold, ..) = nash_with(
            &target,
            NashMethod::Auto,
            base.tol,
            base.policy,
            base.inner,
            ResponseDynamics::default(),
            |_| {},
        )
        .unwrap();
        let segment = along_segment(&base, &target, &theta, at).unwrap();
        let near = war_near(&base, &target, &theta, at).unwrap();
        let moved = cold
            .policy
            .iter()
            .zip(base.policy)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(moved > 0.01, "the war moved by {moved} only");
        for (name, r) in [("segment", &segment), ("near", &near)] {
            for (a, b) in r.policy.iter().zip(&cold.policy) {
                assert!((a - b).abs() < 1e-7, "{name}: {a} vs cold {b}");
            }
        }
    }

    /// The prediction is p* + J dtheta, projected onto the bounds.
    #[test]
    fn the_prediction_is_the_first_order_expansion() {
        let eco = load(&EconomyRequest::default()).unwrap();
        let request = SensitivityRequest::default();
        let solved = sensitivity(&eco, &request).unwrap();
        let s = &solved.sensitivity;
        let base = BaseWar {
            model: &solved.run.model,
            statics: s,
            policy: &solved.run.result.policy,
            x: &solved.run.result.x,
            tol: request.nash.tol,
            inner: eco.inner,
        };
        let mut theta = s.parameter_values.clone();
        theta[0] += 0.1;
        let p = base.predict(base.policy, &s.parameter_values, &theta);
        for (k, &i) in s.policy_indices.iter().enumerate() {
            let expected = (base.policy[i] + 0.1 * s.jacobian[(k, 0)]).clamp(
                base.model.policy_space().lower()[i],
                base.model.policy_space().upper()[i],
            );
            assert!((p[i] - expected).abs() < 1e-15, "{} vs {expected}", p[i]);
        }
    }
}
