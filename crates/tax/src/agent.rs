//! The exact agent problem under a piecewise-linear tax: the optimum is interior to a bracket
//! or bunched at a cutoff (or zero labour); each segment's interior optimum and every kink are
//! compared, with no grid search. Integer hours are solved by enumeration.

use serde::Serialize;
use walras_core::Scalar;

use crate::schedule::bracket_tax;
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
/// to the transfer, rates and cutoffs are exact on the chosen branch).
pub fn outcome<D: Scalar>(
    utility: &Utility,
    choice: Choice,
    skill: f64,
    transfer: D,
    cutoffs: &[D],
    rates: &[D],
) -> Outcome<D> {
    let (labor, income) = match choice {
        Choice::Zero => (D::zero(), D::zero()),
        Choice::Hours(h) => (D::from(h as f64), D::from(skill * h as f64)),
        Choice::Kink(b) => (cutoffs[b] / skill, cutoffs[b]),
        Choice::Interior(b) => {
            let net_wage = (-rates[b] + 1.0) * skill;
            let virtual_income =
                transfer + rates[b] * cutoffs[b] - bracket_tax(cutoffs[b], cutoffs, rates);
            let l = utility
                .interior_labor(net_wage, virtual_income)
                .unwrap_or(D::zero());
            (l, l * skill)
        }
    };
    let tax = bracket_tax(income, cutoffs, rates);
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
    let mut best = (Choice::Zero, f64::NEG_INFINITY);
    let mut consider = |choice: Choice| {
        let u = outcome(utility, choice, skill, transfer, cutoffs, rates).utility;
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
                let virtual_income =
                    transfer + rates[b] * cutoffs[b] - bracket_tax(cutoffs[b], cutoffs, rates);
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
