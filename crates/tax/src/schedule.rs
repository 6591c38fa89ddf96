//! Piecewise-linear bracket tax schedules.

use serde::Serialize;
use walras_core::Scalar;

use crate::error::{Result, TaxError};

/// A bracket schedule: cutoffs 0 = m_0 < m_1 < ... < m_{B-1} and marginal rates tau_b, with
/// T(z) = sum_b tau_b clamp(z - m_b, 0, m_{b+1} - m_b) (top bracket unbounded), T(z) = 0 for
/// z <= 0. A cutoff belongs to the upper bracket for the marginal rate.
///
/// ```
/// use walras_tax::BracketSchedule;
/// let us = BracketSchedule::us_federal_2018();
/// // 10% of 9,525 + 12% of (38,700 - 9,525) + 22% of (50,000 - 38,700).
/// assert!((us.tax(50_000.0) - 6_939.5).abs() < 1e-9);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BracketSchedule {
    /// What the schedule is.
    pub label: String,
    cutoffs: Vec<f64>,
    rates: Vec<f64>,
}

/// US federal income tax 2018, single filer: cutoffs in USD (IRS Rev. Proc. 2018-18).
pub const US_FEDERAL_2018_CUTOFFS: [f64; 7] = [
    0.0, 9_525.0, 38_700.0, 82_500.0, 157_500.0, 200_000.0, 500_000.0,
];
/// US federal marginal rates 2018 and 2019.
pub const US_FEDERAL_RATES: [f64; 7] = [0.10, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37];
/// The AI Economist code's "US federal" cutoffs: the 2019 single-filer thresholds
/// (IRS Rev. Proc. 2018-57) divided by 1,000.
pub const AIE_US_FEDERAL_CUTOFFS: [f64; 7] =
    [0.0, 9.700, 39.475, 84.200, 160.725, 204.100, 510.300];

/// Check cutoffs (start at 0, strictly increasing, finite) and rates (one per bracket, in [0, 1]).
pub fn validate_brackets(cutoffs: &[f64], rates: &[f64]) -> Result<()> {
    if cutoffs.is_empty() {
        return Err(TaxError::InvalidSchedule("no brackets".into()));
    }
    if cutoffs[0] != 0.0 {
        return Err(TaxError::InvalidSchedule(format!(
            "the first cutoff must be 0, got {}",
            cutoffs[0]
        )));
    }
    for (b, w) in cutoffs.windows(2).enumerate() {
        if !(w[1].is_finite() && w[1] > w[0]) {
            return Err(TaxError::InvalidSchedule(format!(
                "cutoffs must be finite and strictly increasing: cutoff {} = {} follows {}",
                b + 1,
                w[1],
                w[0]
            )));
        }
    }
    if rates.len() != cutoffs.len() {
        return Err(TaxError::InvalidSchedule(format!(
            "{} cutoffs but {} rates",
            cutoffs.len(),
            rates.len()
        )));
    }
    if let Some((b, r)) = rates
        .iter()
        .enumerate()
        .find(|(_, r)| !(0.0..=1.0).contains(*r))
    {
        return Err(TaxError::InvalidSchedule(format!(
            "rate of bracket {} is {r}; rates must lie in [0, 1]",
            b + 1
        )));
    }
    Ok(())
}

impl BracketSchedule {
    /// A validated schedule.
    pub fn new(label: impl Into<String>, cutoffs: Vec<f64>, rates: Vec<f64>) -> Result<Self> {
        validate_brackets(&cutoffs, &rates)?;
        Ok(Self {
            label: label.into(),
            cutoffs,
            rates,
        })
    }

    /// No taxes.
    pub fn free_market() -> Self {
        Self {
            label: "free market".into(),
            cutoffs: vec![0.0],
            rates: vec![0.0],
        }
    }

    /// US federal 2018, single filer, incomes in USD.
    pub fn us_federal_2018() -> Self {
        Self {
            label: "US federal 2018 (single filer)".into(),
            cutoffs: US_FEDERAL_2018_CUTOFFS.to_vec(),
            rates: US_FEDERAL_RATES.to_vec(),
        }
    }

    /// The AI Economist's scaled US schedule: 2019 single-filer thresholds / 1,000, 2018-19 rates.
    pub fn aie_us_federal() -> Self {
        Self {
            label: "US federal, AI Economist scaling (2019 thresholds / 1000)".into(),
            cutoffs: AIE_US_FEDERAL_CUTOFFS.to_vec(),
            rates: US_FEDERAL_RATES.to_vec(),
        }
    }

    /// Cutoffs m_b.
    pub fn cutoffs(&self) -> &[f64] {
        &self.cutoffs
    }

    /// Marginal rates tau_b.
    pub fn rates(&self) -> &[f64] {
        &self.rates
    }

    /// Number of brackets.
    pub fn n_brackets(&self) -> usize {
        self.rates.len()
    }

    /// Tax owed at income z.
    pub fn tax(&self, z: f64) -> f64 {
        bracket_tax(z, &self.cutoffs, &self.rates)
    }

    /// Marginal rate at income z (a cutoff belongs to the upper bracket; 0 for z < 0).
    pub fn marginal_rate(&self, z: f64) -> f64 {
        if z < 0.0 {
            return 0.0;
        }
        self.rates[bracket_of(z, &self.cutoffs)]
    }
}

/// Index of the bracket containing z >= 0 (a cutoff belongs to the upper bracket).
pub fn bracket_of(z: f64, cutoffs: &[f64]) -> usize {
    cutoffs.partition_point(|&m| m <= z).saturating_sub(1)
}

/// T(z) for cutoffs and rates in any scalar (so derivatives with respect to both are exact).
pub fn bracket_tax<D: Scalar>(z: D, cutoffs: &[D], rates: &[D]) -> D {
    let mut tax = D::zero();
    if z.re() <= 0.0 {
        return tax;
    }
    for b in 0..rates.len() {
        let lo = cutoffs[b];
        if z.re() <= lo.re() {
            break;
        }
        let top = if b + 1 < cutoffs.len() && z.re() > cutoffs[b + 1].re() {
            cutoffs[b + 1]
        } else {
            z
        };
        tax += rates[b] * (top - lo);
    }
    tax
}

/// T(m_b) at every cutoff, in any scalar (one pass over the brackets).
pub fn taxes_at_cutoffs<D: Scalar>(cutoffs: &[D], rates: &[D]) -> Vec<D> {
    let mut out = Vec::with_capacity(cutoffs.len());
    let mut acc = D::zero();
    out.push(acc);
    for b in 1..cutoffs.len() {
        acc += rates[b - 1] * (cutoffs[b] - cutoffs[b - 1]);
        out.push(acc);
    }
    out
}
