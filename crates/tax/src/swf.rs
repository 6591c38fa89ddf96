//! Social welfare functions of the planner, written once over any scalar.

use serde::Serialize;
use walras_core::Scalar;

use crate::agent::Outcome;
use crate::error::{invalid, Result, TaxError};
use crate::skills::{parse_spec, take_params, Population};

/// The planner's objective.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Swf {
    /// Population-weighted mean utility.
    Utilitarian,
    /// The AI Economist's inverse-income-weighted utility: weights 1/max(z, 1) on pre-tax
    /// income z, normalised to sum to one.
    InverseIncome,
    /// The AI Economist's equality x productivity: (1 - Gini(c) N/(N - 1)) x mean(c); with
    /// `aie_correction` the code's N/(N + 1) factor for N >= 30.
    EqualityTimesProductivity {
        /// Use the AI Economist code's Gini correction.
        aie_correction: bool,
    },
    /// Max-min: the utility of the worst-off agent.
    Rawls,
    /// Atkinson over utilities: mean of u^(1-eps)/(1-eps), ln u at eps = 1 ("log").
    Atkinson {
        /// Inequality aversion eps >= 0.
        epsilon: f64,
    },
    /// Exogenous weights proportional to n^-k (normalised to mean one) on utilities.
    PowerWeights {
        /// Decay k >= 0.
        k: f64,
    },
}

impl Swf {
    /// Check the parameters.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Swf::Atkinson { epsilon } if !(epsilon.is_finite() && epsilon >= 0.0) => {
                Err(invalid("eps", epsilon, "must be finite and >= 0"))
            }
            Swf::PowerWeights { k } if !(k.is_finite() && k >= 0.0) => {
                Err(invalid("k", k, "must be finite and >= 0"))
            }
            _ => Ok(()),
        }
    }

    /// The SWF's value for agents' outcomes (NaN if an Atkinson SWF meets a utility <= 0).
    pub fn value<D: Scalar>(&self, outcomes: &[Outcome<D>], population: &Population) -> D {
        let w = population.weights();
        let total = population.total_weight();
        let weighted_mean = |f: &dyn Fn(usize) -> D| -> D {
            (0..outcomes.len()).map(|i| f(i) * w[i]).sum::<D>() / total
        };
        match *self {
            Swf::Utilitarian => weighted_mean(&|i| outcomes[i].utility),
            Swf::InverseIncome => {
                let omega: Vec<D> = outcomes
                    .iter()
                    .map(|o| {
                        if o.income.re() > 1.0 {
                            o.income.recip()
                        } else {
                            D::one()
                        }
                    })
                    .collect();
                let norm: D = (0..outcomes.len()).map(|i| omega[i] * w[i]).sum();
                (0..outcomes.len())
                    .map(|i| omega[i] * w[i] * outcomes[i].utility)
                    .sum::<D>()
                    / norm
            }
            Swf::EqualityTimesProductivity { aie_correction } => {
                let c: Vec<D> = outcomes.iter().map(|o| o.consumption).collect();
                let n = c.len() as f64;
                let factor = if n < 2.0 {
                    1.0
                } else if aie_correction && n >= 30.0 {
                    n / (n + 1.0)
                } else {
                    n / (n - 1.0)
                };
                let equality = -gini(&c, w) * factor + 1.0;
                equality * weighted_mean(&|i| c[i])
            }
            Swf::Rawls => outcomes
                .iter()
                .map(|o| o.utility)
                .fold(None, |m: Option<D>, u| match m {
                    Some(m) if m.re() <= u.re() => Some(m),
                    _ => Some(u),
                })
                .unwrap_or(D::zero()),
            Swf::Atkinson { epsilon } => {
                if outcomes.iter().any(|o| o.utility.re() <= 0.0) {
                    return D::from(f64::NAN);
                }
                if (epsilon - 1.0).abs() < 1e-12 {
                    weighted_mean(&|i| outcomes[i].utility.ln())
                } else {
                    weighted_mean(&|i| outcomes[i].utility.powf(1.0 - epsilon) / (1.0 - epsilon))
                }
            }
            Swf::PowerWeights { k } => {
                let s = population.skills();
                let norm: f64 = s.iter().zip(w).map(|(n, wi)| n.powf(-k) * wi).sum::<f64>() / total;
                weighted_mean(&|i| outcomes[i].utility * (s[i].powf(-k) / norm))
            }
        }
    }
}

/// Weighted Gini coefficient of `x` (sum over pairs of w_i w_j |x_i - x_j| / (2 W^2 mean)),
/// in any scalar; O(N log N).
pub fn gini<D: Scalar>(x: &[D], w: &[f64]) -> D {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].re().total_cmp(&x[b].re()));
    let total: f64 = w.iter().sum();
    let mean: D = x.iter().zip(w).map(|(xi, wi)| *xi * *wi).sum::<D>() / total;
    let mut below = 0.0;
    let mut acc = D::zero();
    for &i in &order {
        let above = total - below - w[i];
        acc += x[i] * (w[i] * (below - above));
        below += w[i];
    }
    acc / (mean * total * total)
}

impl std::str::FromStr for Swf {
    type Err = TaxError;

    /// `utilitarian`, `inverse-income`, `eq-times-prod` (or `eq-times-prod:aie=1`), `rawls`,
    /// `log`, `atkinson:eps=..`, `power:k=..`.
    fn from_str(s: &str) -> Result<Self> {
        const WHAT: &str = "social welfare function";
        let (name, params) = parse_spec(WHAT, s)?;
        let none = |swf: Swf| {
            if params.is_empty() {
                Ok(swf)
            } else {
                Err(TaxError::BadSpec {
                    what: WHAT,
                    input: s.into(),
                    reason: format!("`{name}` takes no parameters"),
                })
            }
        };
        let swf = match name.as_str() {
            "utilitarian" => none(Swf::Utilitarian)?,
            "inverse-income" => none(Swf::InverseIncome)?,
            "rawls" => none(Swf::Rawls)?,
            "log" => none(Swf::Atkinson { epsilon: 1.0 })?,
            "eq-times-prod" if params.is_empty() => Swf::EqualityTimesProductivity { aie_correction: false },
            "eq-times-prod" => {
                let [aie] = take_params(WHAT, s, &params, ["aie"])?;
                Swf::EqualityTimesProductivity { aie_correction: aie != 0.0 }
            }
            "atkinson" => {
                let [epsilon] = take_params(WHAT, s, &params, ["eps"])?;
                Swf::Atkinson { epsilon }
            }
            "power" => {
                let [k] = take_params(WHAT, s, &params, ["k"])?;
                Swf::PowerWeights { k }
            }
            other => {
                return Err(TaxError::BadSpec {
                    what: WHAT,
                    input: s.into(),
                    reason: format!(
                        "unknown SWF `{other}` (expected utilitarian, inverse-income, eq-times-prod, rawls, log, atkinson:eps=.., power:k=..)"
                    ),
                })
            }
        };
        swf.validate()?;
        Ok(swf)
    }
}
