//! Social welfare functions of the planner, written once over any scalar.

use serde::Serialize;
use walras_core::check;
use walras_core::Scalar;

use crate::agent::Outcome;
use crate::error::{Result, TaxError};
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
            Swf::Atkinson { epsilon } => check::non_negative("eps", epsilon).map(drop)?,
            Swf::PowerWeights { k } => check::non_negative("k", k).map(drop)?,
            _ => {}
        }
        Ok(())
    }

    /// The SWF's value for agents' outcomes (NaN if an Atkinson SWF meets a utility <= 0).
    pub fn value<D: Scalar>(&self, outcomes: &[Outcome<D>], population: &Population) -> D {
        let w = population.weights();
        if let Swf::EqualityTimesProductivity { aie_correction } = *self {
            let c: Vec<D> = outcomes.iter().map(|o| o.consumption).collect();
            return equality_times_productivity(&c, w, aie_correction);
        }
        let exogenous = self.exogenous_weights(population);
        let mut acc = SwfSum::new();
        for (i, o) in outcomes.iter().enumerate() {
            let g = exogenous.as_ref().map_or(1.0, |g| g[i]);
            self.add(&mut acc, o.income, o.utility, w[i], g);
        }
        self.finish(acc)
    }

    /// True if the SWF is not a sum of per-agent terms (it needs every consumption level).
    pub(crate) fn needs_all_agents(&self) -> bool {
        matches!(self, Swf::EqualityTimesProductivity { .. })
    }

    /// Exogenous per-agent weights (power weights n^-k normalised to weighted mean one).
    pub(crate) fn exogenous_weights(&self, population: &Population) -> Option<Vec<f64>> {
        let Swf::PowerWeights { k } = *self else {
            return None;
        };
        let s = population.skills();
        let w = population.weights();
        let norm =
            s.iter().zip(w).map(|(n, wi)| n.powf(-k) * wi).sum::<f64>() / population.total_weight();
        Some(s.iter().map(|n| n.powf(-k) / norm).collect())
    }

    /// Add one agent (pre-tax income, utility, population weight `weight`, exogenous weight
    /// `exogenous`) to the sums.
    pub(crate) fn add<D: Scalar>(
        &self,
        acc: &mut SwfSum<D>,
        income: D,
        u: D,
        weight: f64,
        exogenous: f64,
    ) {
        match *self {
            Swf::Utilitarian => {
                acc.num += u * weight;
                acc.den += D::from(weight);
            }
            Swf::PowerWeights { .. } => {
                acc.num += u * (weight * exogenous);
                acc.den += D::from(weight);
            }
            Swf::InverseIncome => {
                let omega = if income.re() > 1.0 {
                    income.recip()
                } else {
                    D::one()
                };
                acc.num += omega * u * weight;
                acc.den += omega * weight;
            }
            Swf::Atkinson { epsilon } => {
                if u.re() <= 0.0 {
                    acc.undefined = true;
                } else if (epsilon - 1.0).abs() < 1e-12 {
                    acc.num += u.ln() * weight;
                } else {
                    acc.num += u.powf(1.0 - epsilon) / (1.0 - epsilon) * weight;
                }
                acc.den += D::from(weight);
            }
            Swf::Rawls => {
                if acc.min.is_none_or(|m| u.re() < m.re()) {
                    acc.min = Some(u);
                }
            }
            Swf::EqualityTimesProductivity { .. } => unreachable!("not a sum of agent terms"),
        }
    }

    /// The value from the accumulated sums.
    pub(crate) fn finish<D: Scalar>(&self, acc: SwfSum<D>) -> D {
        match self {
            _ if acc.undefined => D::from(f64::NAN),
            Swf::Rawls => acc.min.unwrap_or(D::zero()),
            _ => acc.num / acc.den,
        }
    }
}

impl Swf {
    /// The SWF's own parameter, if it has one: (`eps`, epsilon) for Atkinson, (`k`, k) for
    /// power weights.
    pub fn parameter(&self) -> Option<(&'static str, f64)> {
        match *self {
            Swf::Atkinson { epsilon } => Some(("eps", epsilon)),
            Swf::PowerWeights { k } => Some(("k", k)),
            _ => None,
        }
    }

    /// [`Swf::value`] with everything that may vary in any scalar: the SWF's own parameter
    /// (`parameter`, in place of the SWF's value; see [`Swf::parameter`]) and the agents'
    /// `skills`, on which power weights depend.
    pub(crate) fn value_with<D: Scalar>(
        &self,
        parameter: Option<D>,
        outcomes: &[Outcome<D>],
        skills: &[D],
        w: &[f64],
    ) -> D {
        let total: f64 = w.iter().sum();
        let mean = |term: &dyn Fn(usize) -> D| {
            (0..outcomes.len()).map(|i| term(i) * w[i]).sum::<D>() / total
        };
        match *self {
            Swf::EqualityTimesProductivity { aie_correction } => {
                let c: Vec<D> = outcomes.iter().map(|o| o.consumption).collect();
                equality_times_productivity(&c, w, aie_correction)
            }
            Swf::Utilitarian => mean(&|i| outcomes[i].utility),
            Swf::Rawls => outcomes
                .iter()
                .map(|o| o.utility)
                .min_by(|a, b| a.re().total_cmp(&b.re()))
                .unwrap_or(D::zero()),
            Swf::InverseIncome => {
                let omega = |i: usize| {
                    let z = outcomes[i].income;
                    if z.re() > 1.0 {
                        z.recip()
                    } else {
                        D::one()
                    }
                };
                mean(&|i| omega(i) * outcomes[i].utility) / mean(&omega)
            }
            Swf::PowerWeights { k } => {
                let k = parameter.unwrap_or(D::from(k));
                let g = |i: usize| skills[i].powd(-k);
                mean(&|i| g(i) * outcomes[i].utility) / mean(&g)
            }
            Swf::Atkinson { epsilon } => {
                if outcomes.iter().any(|o| o.utility.re() <= 0.0) {
                    return D::from(f64::NAN);
                }
                let eps = parameter.unwrap_or(D::from(epsilon));
                if (epsilon - 1.0).abs() < 1e-12 {
                    // ln u, continued in eps - 1 = -s as (u^s - 1)/s (which differs from
                    // u^s/s by a constant in u, so the optimal policy is the same): exact
                    // derivatives of every order the statics use.
                    let s = -eps + 1.0;
                    mean(&|i| {
                        let l = outcomes[i].utility.ln();
                        l + s * l * l / 2.0 + s * s * l * l * l / 6.0
                    })
                } else {
                    let s = -eps + 1.0;
                    mean(&|i| outcomes[i].utility.powd(s) / s)
                }
            }
        }
    }
}

/// Running sums of a per-agent SWF; mergeable, for parallel reduction.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SwfSum<D> {
    num: D,
    den: D,
    min: Option<D>,
    undefined: bool,
}

impl<D: Scalar> SwfSum<D> {
    pub(crate) fn new() -> Self {
        Self {
            num: D::zero(),
            den: D::zero(),
            min: None,
            undefined: false,
        }
    }

    pub(crate) fn merge(mut self, other: Self) -> Self {
        self.num += other.num;
        self.den += other.den;
        if let Some(m) = other.min {
            if self.min.is_none_or(|s| m.re() < s.re()) {
                self.min = Some(m);
            }
        }
        self.undefined |= other.undefined;
        self
    }

    /// The same sums in another scalar.
    pub(crate) fn map<E>(self, f: impl Fn(D) -> E) -> SwfSum<E> {
        SwfSum {
            num: f(self.num),
            den: f(self.den),
            min: self.min.map(&f),
            undefined: self.undefined,
        }
    }
}

/// The Gini's small-sample factor: N/(N - 1), or the AI Economist code's N/(N + 1) for N >= 30.
pub(crate) fn gini_factor(n: usize, aie_correction: bool) -> f64 {
    let n = n as f64;
    if n < 2.0 {
        1.0
    } else if aie_correction && n >= 30.0 {
        n / (n + 1.0)
    } else {
        n / (n - 1.0)
    }
}

/// (1 - Gini(c) N/(N - 1)) x mean(c), or the AI Economist's N/(N + 1) factor for N >= 30.
pub(crate) fn equality_times_productivity<D: Scalar>(
    c: &[D],
    w: &[f64],
    aie_correction: bool,
) -> D {
    let factor = gini_factor(c.len(), aie_correction);
    let total: f64 = w.iter().sum();
    let mean = c.iter().zip(w).map(|(ci, wi)| *ci * *wi).sum::<D>() / total;
    (-gini(c, w) * factor + 1.0) * mean
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
