//! Agents' utility functions and their labour-supply first-order conditions.

use serde::Serialize;
use walras_core::check;
use walras_core::Scalar;

use crate::error::{invalid, Result};

/// Largest accepted labour elasticity: ten times the highest empirical estimates; beyond it
/// incomes n^(1+e) overflow for ordinary skill spreads.
pub const MAX_ELASTICITY: f64 = 10.0;

/// Smallest accepted labour elasticity: a hundredth of the lowest empirical estimates; below
/// it the schedule's formulas divide rounding error by rounding error.
pub const MIN_ELASTICITY: f64 = 1e-3;

/// Check a labour elasticity: finite and in [[`MIN_ELASTICITY`], [`MAX_ELASTICITY`]].
pub fn check_elasticity(name: &str, e: f64) -> Result<()> {
    if !(MIN_ELASTICITY..=MAX_ELASTICITY).contains(&e) {
        return Err(invalid(
            name,
            if e.abs() >= 1e6 {
                format!("{e:e}")
            } else {
                e.to_string()
            },
            &format!("must lie in [{MIN_ELASTICITY}, {MAX_ELASTICITY}]"),
        ));
    }
    Ok(())
}

/// An agent's utility over consumption c and labour l.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Utility {
    /// u = c - l^(1 + 1/e) / (1 + 1/e): labour elasticity e, no income effects.
    QuasiLinear {
        /// Labour (and income) elasticity e > 0.
        elasticity: f64,
    },
    /// The AI Economist's "coin minus labour cost": u = c - kappa l^p, p > 1 (elasticity 1/(p-1)).
    CoinMinusLabor {
        /// Labour cost scale kappa > 0.
        kappa: f64,
        /// Curvature p > 1.
        power: f64,
    },
    /// The AI Economist's isoelastic utility: u = (c^(1-eta) - 1)/(1 - eta) - kappa l
    /// (log c at eta = 1): income effects when eta > 0.
    Isoelastic {
        /// Curvature of consumption utility, eta in [0, 1].
        eta: f64,
        /// Labour cost per unit kappa > 0.
        kappa: f64,
    },
}

impl Utility {
    /// Check the parameters, naming the bad one.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Utility::QuasiLinear { elasticity } => check_elasticity("elasticity", elasticity),
            Utility::CoinMinusLabor { kappa, power } => {
                check::positive("kappa", kappa)?;
                let min = 1.0 + 1.0 / MAX_ELASTICITY;
                if !(power.is_finite() && power >= min) {
                    Err(invalid(
                        "power",
                        power,
                        &format!("must be finite and >= {min} (labour elasticity 1/(power - 1) <= {MAX_ELASTICITY})"),
                    ))
                } else {
                    Ok(())
                }
            }
            Utility::Isoelastic { eta, kappa } => {
                if !(0.0..=1.0).contains(&eta) {
                    return Err(invalid("eta", eta, "must lie in [0, 1]"));
                }
                check::positive("kappa", kappa)?;
                Ok(())
            }
        }
    }

    /// The labour elasticity of the Frisch supply, where it is a constant (None for isoelastic).
    pub fn elasticity(&self) -> Option<f64> {
        match *self {
            Utility::QuasiLinear { elasticity } => Some(elasticity),
            Utility::CoinMinusLabor { power, .. } => Some(1.0 / (power - 1.0)),
            Utility::Isoelastic { .. } => None,
        }
    }

    /// (kappa, p) if the utility is c - kappa l^p (quasi-linear: kappa = 1/p, p = 1 + 1/e):
    /// then choices admit a fast closed form with per-agent constants.
    pub fn power_form(&self) -> Option<(f64, f64)> {
        match *self {
            Utility::QuasiLinear { elasticity } => {
                let p = 1.0 + 1.0 / elasticity;
                Some((1.0 / p, p))
            }
            Utility::CoinMinusLabor { kappa, power } => Some((kappa, power)),
            Utility::Isoelastic { .. } => None,
        }
    }

    /// True if labour supply depends on unearned income (the transfer).
    pub fn has_income_effects(&self) -> bool {
        matches!(self, Utility::Isoelastic { eta, .. } if *eta > 0.0)
    }

    /// u(c, l); -infinity where undefined (c <= 0 with consumption curvature).
    pub fn value<D: Scalar>(&self, c: D, l: D) -> D {
        match *self {
            Utility::QuasiLinear { elasticity } => {
                let a = 1.0 + 1.0 / elasticity;
                c - l.powf(a) / a
            }
            Utility::CoinMinusLabor { kappa, power } => c - l.powf(power) * kappa,
            Utility::Isoelastic { eta, kappa } => {
                let cu = if eta == 0.0 {
                    c - 1.0
                } else if c.re() <= 0.0 {
                    return D::from(f64::NEG_INFINITY);
                } else if (eta - 1.0).abs() < 1e-12 {
                    c.ln()
                } else {
                    (c.powf(1.0 - eta) - 1.0) / (1.0 - eta)
                };
                cu - l * kappa
            }
        }
    }

    /// Interior labour on a budget segment c = w l + y with net wage w = (1 - tau) n > 0 and
    /// virtual income y, from the first-order condition; None if the segment has no interior
    /// critical point (linear utility).
    pub fn interior_labor<D: Scalar>(&self, net_wage: D, virtual_income: D) -> Option<D> {
        if net_wage.re() <= 0.0 {
            return None;
        }
        match *self {
            // l^(1/e) = w.
            Utility::QuasiLinear { elasticity } => Some(net_wage.powf(elasticity)),
            // kappa p l^(p-1) = w.
            Utility::CoinMinusLabor { kappa, power } => {
                Some((net_wage / (kappa * power)).powf(1.0 / (power - 1.0)))
            }
            // c^-eta w = kappa, so c* = (w / kappa)^(1/eta) and l = (c* - y) / w.
            Utility::Isoelastic { eta, kappa } if eta > 0.0 => {
                let c_star = (net_wage / kappa).powf(1.0 / eta);
                Some((c_star - virtual_income) / net_wage)
            }
            Utility::Isoelastic { .. } => None,
        }
    }
}

impl Utility {
    /// Parse `ql` (quasi-linear with the given elasticity), `coin-minus-labor:kappa=..,power=..`
    /// or `isoelastic:eta=..,kappa=..`; the result is validated.
    pub fn parse(spec: &str, elasticity: f64) -> Result<Self> {
        const WHAT: &str = "utility";
        let (name, params) = crate::skills::parse_spec(WHAT, spec)?;
        let utility = match name.as_str() {
            "ql" | "quasi-linear" if params.is_empty() => Utility::QuasiLinear { elasticity },
            "coin-minus-labor" => {
                let [kappa, power] =
                    crate::skills::take_params(WHAT, spec, &params, ["kappa", "power"])?;
                Utility::CoinMinusLabor { kappa, power }
            }
            "isoelastic" => {
                let [eta, kappa] =
                    crate::skills::take_params(WHAT, spec, &params, ["eta", "kappa"])?;
                Utility::Isoelastic { eta, kappa }
            }
            _ => return Err(crate::error::TaxError::BadSpec {
                what: WHAT,
                input: spec.into(),
                reason:
                    "expected ql, coin-minus-labor:kappa=..,power=.. or isoelastic:eta=..,kappa=.."
                        .into(),
            }),
        };
        utility.validate()?;
        Ok(utility)
    }
}
