//! The exact agent problem under a piecewise-linear tax: the optimum is interior to a bracket
//! or bunched at a cutoff (or zero labour); each segment's interior optimum and every kink are
//! compared, with no grid search. Integer hours are solved by enumeration.

use serde::Serialize;
use walras_core::Scalar;

use crate::schedule::{bracket_tax, taxes_at_cutoffs};
use crate::utility::Utility;

/// Labour choice set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum LaborSupply {
    /// Any l >= 0 (default).
    #[default]
    Continuous,
    /// Whole hours min..=max (the AI Economist's one-step economy uses 1..=100).
    IntegerHours {
        /// Fewest hours.
        min: u32,
        /// Most hours.
        max: u32,
    },
}

/// Where an agent ends up on the budget set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "index", rename_all = "kebab-case")]
pub enum Choice {
    /// No work.
    Zero,
    /// Interior to bracket b.
    Interior(usize),
    /// Bunched at cutoff m_b (b >= 1).
    Kink(usize),
    /// A whole number of hours.
    Hours(u32),
}

/// An agent's outcome in any scalar.
#[derive(Clone, Copy, Debug)]
pub struct Outcome<D> {
    /// Labour l.
    pub labor: D,
    /// Pre-tax income z = n l.
    pub income: D,
    /// Tax paid T(z).
    pub tax: D,
    /// Consumption c = z - T(z) + G.
    pub consumption: D,
    /// Utility u(c, l).
    pub utility: D,
}

/// The agent's outcome for a given choice, in any scalar (so that derivatives with respect
/// to the transfer, rates and cutoffs are exact on the chosen branch). `tax_at_cutoff` is
/// [`taxes_at_cutoffs`] of the schedule.
pub fn outcome<D: Scalar>(
    utility: &Utility,
    choice: Choice,
    skill: f64,
    transfer: D,
    cutoffs: &[D],
    rates: &[D],
    tax_at_cutoff: &[D],
) -> Outcome<D> {
    let (labor, income, tax) = match choice {
        Choice::Zero => (D::zero(), D::zero(), D::zero()),
        Choice::Hours(h) => {
            let z = D::from(skill * h as f64);
            (D::from(h as f64), z, bracket_tax(z, cutoffs, rates))
        }
        Choice::Kink(b) => (cutoffs[b] / skill, cutoffs[b], tax_at_cutoff[b]),
        Choice::Interior(b) => {
            let net_wage = (-rates[b] + 1.0) * skill;
            let virtual_income = transfer + rates[b] * cutoffs[b] - tax_at_cutoff[b];
            let l = utility
                .interior_labor(net_wage, virtual_income)
                .unwrap_or(D::zero());
            let z = l * skill;
            (l, z, tax_at_cutoff[b] + rates[b] * (z - cutoffs[b]))
        }
    };
    let consumption = income - tax + transfer;
    Outcome {
        labor,
        income,
        tax,
        consumption,
        utility: utility.value(consumption, labor),
    }
}

/// The agent's optimal choice (f64): compares zero labour, each bracket's interior optimum
/// (if it lies strictly inside the bracket) and each kink. Ties go to the first candidate.
pub fn choose(
    utility: &Utility,
    labor: LaborSupply,
    skill: f64,
    transfer: f64,
    cutoffs: &[f64],
    rates: &[f64],
) -> Choice {
    let taxes = taxes_at_cutoffs(cutoffs, rates);
    choose_with(utility, labor, skill, transfer, cutoffs, rates, &taxes)
}

/// [`choose`] with the taxes at the cutoffs ([`taxes_at_cutoffs`]) precomputed.
pub fn choose_with(
    utility: &Utility,
    labor: LaborSupply,
    skill: f64,
    transfer: f64,
    cutoffs: &[f64],
    rates: &[f64],
    tax_at_cutoff: &[f64],
) -> Choice {
    let mut best = (Choice::Zero, f64::NEG_INFINITY);
    let mut consider = |choice: Choice| {
        let u = outcome(
            utility,
            choice,
            skill,
            transfer,
            cutoffs,
            rates,
            tax_at_cutoff,
        )
        .utility;
        if u > best.1 {
            best = (choice, u);
        }
    };
    match labor {
        LaborSupply::IntegerHours { min, max } => {
            for h in min..=max {
                consider(Choice::Hours(h));
            }
        }
        LaborSupply::Continuous => {
            consider(Choice::Zero);
            for b in 0..rates.len() {
                let upper = cutoffs.get(b + 1).copied().unwrap_or(f64::INFINITY);
                let net_wage = (1.0 - rates[b]) * skill;
                let virtual_income = transfer + rates[b] * cutoffs[b] - tax_at_cutoff[b];
                if let Some(l) = utility.interior_labor(net_wage, virtual_income) {
                    let z = l * skill;
                    if z > cutoffs[b] && z < upper {
                        consider(Choice::Interior(b));
                    }
                }
                if b >= 1 {
                    consider(Choice::Kink(b));
                }
            }
        }
    }
    best.0
}

/// Choices for utilities c - kappa l^p without powf in the agent loop: with per-agent constants
/// n^(p/(p-1)) and n^-p, an interior income in bracket b is z = n^(p/(p-1)) beta_b with
/// beta_b = ((1 - tau_b)/(kappa p))^(1/(p-1)), its utility (1 - tau_b) z (1 - 1/p) + y_b, and
/// bunching at m_b gives m_b - T(m_b) + G - kappa m_b^p n^-p.
#[derive(Clone, Debug)]
pub struct PowerChoices {
    lower: Vec<f64>,
    upper: Vec<f64>,
    beta: Vec<f64>,
    slope: Vec<f64>,
    virtual_income: Vec<f64>,
    kink_value: Vec<f64>,
    kink_cost: Vec<f64>,
    transfer: f64,
}

impl PowerChoices {
    /// Per-bracket constants for one schedule and transfer.
    pub fn new(
        kappa: f64,
        p: f64,
        transfer: f64,
        cutoffs: &[f64],
        rates: &[f64],
        tax_at_cutoff: &[f64],
    ) -> Self {
        let b = rates.len();
        Self {
            lower: cutoffs.to_vec(),
            upper: (0..b)
                .map(|i| cutoffs.get(i + 1).copied().unwrap_or(f64::INFINITY))
                .collect(),
            beta: rates
                .iter()
                .map(|t| {
                    if *t < 1.0 {
                        ((1.0 - t) / (kappa * p)).powf(1.0 / (p - 1.0))
                    } else {
                        0.0
                    }
                })
                .collect(),
            slope: rates.iter().map(|t| (1.0 - t) * (1.0 - 1.0 / p)).collect(),
            virtual_income: (0..b)
                .map(|i| transfer + rates[i] * cutoffs[i] - tax_at_cutoff[i])
                .collect(),
            kink_value: (0..b)
                .map(|i| cutoffs[i] - tax_at_cutoff[i] + transfer)
                .collect(),
            kink_cost: cutoffs.iter().map(|m| kappa * m.powf(p)).collect(),
            transfer,
        }
    }

    /// The choice of an agent with constants `z_scale` = n^(p/(p-1)) and `inv_np` = n^-p
    /// (the same comparison as [`choose`], ties to the first candidate).
    pub fn choose(&self, z_scale: f64, inv_np: f64) -> Choice {
        let mut best = (Choice::Zero, self.transfer);
        for b in 0..self.beta.len() {
            let z = z_scale * self.beta[b];
            if z > self.lower[b] && z < self.upper[b] {
                let u = self.slope[b] * z + self.virtual_income[b];
                if u > best.1 {
                    best = (Choice::Interior(b), u);
                }
            }
            if b >= 1 {
                let u = self.kink_value[b] - self.kink_cost[b] * inv_np;
                if u > best.1 {
                    best = (Choice::Kink(b), u);
                }
            }
        }
        best.0
    }
}
