//! Skill distributions, populations of agents, and the parsing of `--skills` specifications.

use serde::Serialize;
use walras_core::check;
use walras_core::Scalar;

use crate::error::{invalid, Result, TaxError};

/// Agents: skills n_i > 0 (wage per unit of labour) and population weights w_i >= 0.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Population {
    skills: Vec<f64>,
    weights: Vec<f64>,
}

impl Population {
    /// A validated population (at least one agent, finite positive skills, finite
    /// non-negative weights with a positive sum); errors name the agent and value.
    pub fn new(skills: Vec<f64>, weights: Vec<f64>) -> Result<Self> {
        if skills.is_empty() {
            return Err(TaxError::EmptySample("the population has no agents".into()));
        }
        if skills.len() != weights.len() {
            return Err(invalid(
                "weights",
                format!("{} weights for {} skills", weights.len(), skills.len()),
                "need one weight per agent",
            ));
        }
        if let Some((i, n)) = skills
            .iter()
            .enumerate()
            .find(|(_, n)| !(n.is_finite() && **n > 0.0))
        {
            return Err(invalid(
                &format!("skill of agent {i}"),
                n,
                "skills must be finite and > 0",
            ));
        }
        if let Some((i, w)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return Err(invalid(
                &format!("weight of agent {i}"),
                w,
                "weights must be finite and >= 0",
            ));
        }
        if weights.iter().sum::<f64>() <= 0.0 {
            return Err(TaxError::EmptySample(
                "all population weights are zero".into(),
            ));
        }
        Ok(Self { skills, weights })
    }

    /// Equally weighted agents.
    pub fn equal_weights(skills: Vec<f64>) -> Result<Self> {
        let weights = vec![1.0; skills.len()];
        Self::new(skills, weights)
    }

    /// Skills.
    pub fn skills(&self) -> &[f64] {
        &self.skills
    }

    /// Weights.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Laissez-faire pre-tax incomes n^(1 + e) of quasi-linear agents with labour elasticity
    /// `e` (hours n^e at wage n, no taxes), one per agent.
    pub fn laissez_faire_incomes(&self, elasticity: f64) -> Vec<f64> {
        self.skills()
            .iter()
            .map(|n| n.powf(1.0 + elasticity))
            .collect()
    }

    /// Number of agents.
    pub fn len(&self) -> usize {
        self.skills.len()
    }

    /// Never true for a validated population.
    pub fn is_empty(&self) -> bool {
        self.skills.is_empty()
    }

    /// Sum of weights.
    pub fn total_weight(&self) -> f64 {
        self.weights.iter().sum()
    }
}

/// A parametric skill distribution.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SkillDistribution {
    /// Pareto: F(n) = 1 - (n_min / n)^alpha, n >= n_min.
    Pareto {
        /// Tail index alpha > 1 (finite mean).
        alpha: f64,
        /// Lower bound n_min > 0.
        min: f64,
    },
    /// Lognormal: ln n ~ N(mu, sigma^2).
    Lognormal {
        /// Mean of ln n.
        mu: f64,
        /// Standard deviation of ln n, > 0.
        sigma: f64,
    },
    /// Lognormal body with a Pareto tail above the quantile `tail`.
    LognormalPareto {
        /// Mean of ln n in the body.
        mu: f64,
        /// Standard deviation of ln n in the body.
        sigma: f64,
        /// Tail index of the Pareto tail.
        alpha: f64,
        /// Quantile where the tail starts, in (0, 1).
        tail: f64,
    },
}

/// The standard normal quantile function (Acklam's rational approximation refined by two
/// Halley steps on erfc; accurate to about 1e-15).
pub fn normal_quantile(q: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    if q <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if q >= 1.0 {
        return f64::INFINITY;
    }
    let tail = |r: f64| {
        let s = (-2.0 * r.ln()).sqrt();
        (((((C[0] * s + C[1]) * s + C[2]) * s + C[3]) * s + C[4]) * s + C[5])
            / ((((D[0] * s + D[1]) * s + D[2]) * s + D[3]) * s + 1.0)
    };
    let mut x = if q < 0.02425 {
        tail(q)
    } else if q > 1.0 - 0.02425 {
        -tail(1.0 - q)
    } else {
        let r = q - 0.5;
        let s = r * r;
        (((((A[0] * s + A[1]) * s + A[2]) * s + A[3]) * s + A[4]) * s + A[5]) * r
            / (((((B[0] * s + B[1]) * s + B[2]) * s + B[3]) * s + B[4]) * s + 1.0)
    };
    for _ in 0..2 {
        let e = 0.5 * libm::erfc(-x / std::f64::consts::SQRT_2) - q;
        let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
        x -= u / (1.0 + x * u / 2.0);
    }
    x
}

/// The standard normal CDF.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

impl SkillDistribution {
    /// Check the parameters, naming the bad one.
    pub fn validate(&self) -> Result<()> {
        let positive = |name: &str, v: f64| -> Result<()> {
            check::positive(name, v)?;
            Ok(())
        };
        match *self {
            SkillDistribution::Pareto { alpha, min } => {
                finite_mean_tail(alpha)?;
                positive("min", min)
            }
            SkillDistribution::Lognormal { mu, sigma } => {
                check::finite("mu", mu)?;
                positive("sigma", sigma)
            }
            SkillDistribution::LognormalPareto {
                mu,
                sigma,
                alpha,
                tail,
            } => {
                check::finite("mu", mu)?;
                positive("sigma", sigma)?;
                finite_mean_tail(alpha)?;
                if !(tail > 0.0 && tail < 1.0) {
                    return Err(invalid("tail", tail, "must lie in (0, 1)"));
                }
                Ok(())
            }
        }
    }

    /// The quantile function F^-1(q), q in (0, 1).
    pub fn quantile(&self, q: f64) -> f64 {
        match *self {
            SkillDistribution::Pareto { alpha, min } => min * (1.0 - q).powf(-1.0 / alpha),
            SkillDistribution::Lognormal { mu, sigma } => (mu + sigma * normal_quantile(q)).exp(),
            SkillDistribution::LognormalPareto {
                mu,
                sigma,
                alpha,
                tail,
            } => {
                if q <= tail {
                    (mu + sigma * normal_quantile(q)).exp()
                } else {
                    let start = tail_start(mu, sigma, tail);
                    start * ((1.0 - q) / (1.0 - tail)).powf(-1.0 / alpha)
                }
            }
        }
    }

    /// The CDF F(n).
    pub fn cdf(&self, n: f64) -> f64 {
        match *self {
            SkillDistribution::Pareto { alpha, min } => {
                if n <= min {
                    0.0
                } else {
                    1.0 - (min / n).powf(alpha)
                }
            }
            SkillDistribution::Lognormal { mu, sigma } => lognormal_cdf(n, mu, sigma),
            SkillDistribution::LognormalPareto {
                mu,
                sigma,
                alpha,
                tail,
            } => {
                let start = tail_start(mu, sigma, tail);
                if n <= start {
                    lognormal_cdf(n, mu, sigma)
                } else {
                    1.0 - (1.0 - tail) * (start / n).powf(alpha)
                }
            }
        }
    }

    /// The density f(n).
    pub fn pdf(&self, n: f64) -> f64 {
        match *self {
            SkillDistribution::Pareto { alpha, min } => {
                if n < min {
                    0.0
                } else {
                    alpha * min.powf(alpha) / n.powf(alpha + 1.0)
                }
            }
            SkillDistribution::Lognormal { mu, sigma } => lognormal_pdf(n, mu, sigma),
            SkillDistribution::LognormalPareto {
                mu,
                sigma,
                alpha,
                tail,
            } => {
                let start = tail_start(mu, sigma, tail);
                if n <= start {
                    lognormal_pdf(n, mu, sigma)
                } else {
                    (1.0 - tail) * alpha * start.powf(alpha) / n.powf(alpha + 1.0)
                }
            }
        }
    }

    /// `m` equally weighted agents at the quantile midpoints (i + 1/2)/m.
    pub fn population(&self, m: usize) -> Result<Population> {
        self.validate()?;
        if m == 0 {
            return Err(invalid("agents", 0, "need at least one agent"));
        }
        Population::equal_weights(
            (0..m)
                .map(|i| self.quantile((i as f64 + 0.5) / m as f64))
                .collect(),
        )
    }
}

impl SkillDistribution {
    /// The parameters comparative statics may vary, with their values: Pareto `alpha`, `min`;
    /// lognormal `mu`, `sigma`; lognormal-Pareto `mu`, `sigma`, `alpha` (the tail's quantile
    /// is part of the specification, not a parameter).
    pub fn parameters(&self) -> Vec<(&'static str, f64)> {
        match *self {
            SkillDistribution::Pareto { alpha, min } => vec![("alpha", alpha), ("min", min)],
            SkillDistribution::Lognormal { mu, sigma } => vec![("mu", mu), ("sigma", sigma)],
            SkillDistribution::LognormalPareto {
                mu, sigma, alpha, ..
            } => vec![("mu", mu), ("sigma", sigma), ("alpha", alpha)],
        }
    }

    /// The distribution with [`SkillDistribution::parameters`] set to `values`, checked.
    pub fn with_parameters(&self, values: &[f64]) -> Result<Self> {
        let d = match (*self, values) {
            (SkillDistribution::Pareto { .. }, &[alpha, min]) => {
                SkillDistribution::Pareto { alpha, min }
            }
            (SkillDistribution::Lognormal { .. }, &[mu, sigma]) => {
                SkillDistribution::Lognormal { mu, sigma }
            }
            (SkillDistribution::LognormalPareto { tail, .. }, &[mu, sigma, alpha]) => {
                SkillDistribution::LognormalPareto {
                    mu,
                    sigma,
                    alpha,
                    tail,
                }
            }
            _ => {
                return Err(invalid(
                    "skill parameters",
                    format!("{values:?}"),
                    &format!("need {} values", self.parameters().len()),
                ))
            }
        };
        d.validate()?;
        Ok(d)
    }

    /// [`SkillDistribution::quantile`] with the parameters `values` in any scalar.
    pub(crate) fn quantile_with<D: Scalar>(&self, values: &[D], q: f64) -> D {
        let pareto = |start: D, alpha: D, q: f64| start * D::from(q).powd(-alpha.recip());
        match *self {
            SkillDistribution::Pareto { .. } => pareto(values[1], values[0], 1.0 - q),
            SkillDistribution::Lognormal { .. } => {
                (values[0] + values[1] * normal_quantile(q)).exp()
            }
            SkillDistribution::LognormalPareto { tail, .. } => {
                let (mu, sigma) = (values[0], values[1]);
                if q <= tail {
                    (mu + sigma * normal_quantile(q)).exp()
                } else {
                    let start = (mu + sigma * normal_quantile(tail)).exp();
                    pareto(start, values[2], (1.0 - q) / (1.0 - tail))
                }
            }
        }
    }
}

/// A Pareto tail index must exceed 1: at alpha <= 1 the mean skill (and every aggregate of
/// the economy) is infinite.
fn finite_mean_tail(alpha: f64) -> Result<()> {
    if !(alpha.is_finite() && alpha > 1.0) {
        return Err(invalid(
            "alpha",
            alpha,
            "must be finite and > 1 (at alpha <= 1 the Pareto mean is infinite)",
        ));
    }
    Ok(())
}

/// Where the Pareto tail of a lognormal-Pareto distribution starts: the body's `tail` quantile.
fn tail_start(mu: f64, sigma: f64, tail: f64) -> f64 {
    (mu + sigma * normal_quantile(tail)).exp()
}

fn lognormal_cdf(n: f64, mu: f64, sigma: f64) -> f64 {
    if n <= 0.0 {
        0.0
    } else {
        normal_cdf((n.ln() - mu) / sigma)
    }
}

fn lognormal_pdf(n: f64, mu: f64, sigma: f64) -> f64 {
    if n <= 0.0 {
        return 0.0;
    }
    let z = (n.ln() - mu) / sigma;
    (-0.5 * z * z).exp() / (n * sigma * (2.0 * std::f64::consts::PI).sqrt())
}

/// Split `name:key=value,key=value` into the name (lower case) and its numeric parameters
/// (the core's one spec parser, [`walras_core::spec`]).
pub fn parse_spec(what: &'static str, input: &str) -> Result<(String, Vec<(String, f64)>)> {
    let bad = |e: walras_core::spec::SpecError| TaxError::BadSpec {
        what,
        input: input.into(),
        reason: e.to_string(),
    };
    let spec = walras_core::spec::Spec::parse(input).map_err(bad)?;
    Ok((
        spec.name.to_lowercase(),
        spec.numeric_params().map_err(bad)?,
    ))
}

/// Take the named parameters (in order) from `params`, rejecting unknown or missing keys.
pub fn take_params<const N: usize>(
    what: &'static str,
    input: &str,
    params: &[(String, f64)],
    keys: [&str; N],
) -> Result<[f64; N]> {
    walras_core::spec::take_numbers(params, keys).map_err(|e| TaxError::BadSpec {
        what,
        input: input.into(),
        reason: e.to_string(),
    })
}

impl std::str::FromStr for SkillDistribution {
    type Err = TaxError;

    /// `pareto:alpha=4,min=1`, `lognormal:mu=0,sigma=0.5`,
    /// `lognormal-pareto:mu=0,sigma=0.5,alpha=2,tail=0.9`.
    fn from_str(s: &str) -> Result<Self> {
        const WHAT: &str = "skill distribution";
        let (name, params) = parse_spec(WHAT, s)?;
        let dist = match name.as_str() {
            "pareto" => {
                let [alpha, min] = take_params(WHAT, s, &params, ["alpha", "min"])?;
                SkillDistribution::Pareto { alpha, min }
            }
            "lognormal" => {
                let [mu, sigma] = take_params(WHAT, s, &params, ["mu", "sigma"])?;
                SkillDistribution::Lognormal { mu, sigma }
            }
            "lognormal-pareto" => {
                let [mu, sigma, alpha, tail] = take_params(WHAT, s, &params, ["mu", "sigma", "alpha", "tail"])?;
                SkillDistribution::LognormalPareto { mu, sigma, alpha, tail }
            }
            other => {
                return Err(TaxError::BadSpec {
                    what: WHAT,
                    input: s.into(),
                    reason: format!("unknown distribution `{other}` (expected pareto, lognormal or lognormal-pareto)"),
                })
            }
        };
        dist.validate()?;
        Ok(dist)
    }
}
