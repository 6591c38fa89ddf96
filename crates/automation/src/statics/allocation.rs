//! The allocation at one instant: prices, factor use per task and aggregates, the same type for
//! the market equilibrium and the planner's allocation.

use crate::economy::{Economy, ModelError};

/// How a task is produced in equilibrium.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    /// Only labour.
    Labor,
    /// Both labour and AI (at most one task, at the threshold).
    Split,
    /// Only AI capital.
    Automated,
}

/// The market allocation of the static equilibrium: prices, allocation (per unit of task mass)
/// and aggregates.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    /// Final output Y (the price index is the numeraire).
    pub output: f64,
    /// Wage w (with no labour: the wage one unit of labour would earn in its best task).
    pub wage: f64,
    /// Rental rate of AI capital R (with no capital: its shadow rental rate).
    pub rental: f64,
    /// `ln(R / w)`: tasks with `ln(A_i / gamma_i)` above it are automated.
    pub ln_threshold: f64,
    /// `ln(A_i / gamma_i)` per task.
    pub ln_ratio: Vec<f64>,
    /// Task prices p_i.
    pub price: Vec<f64>,
    /// Task output y_i per unit mass.
    pub task_output: Vec<f64>,
    /// Labour l_i per unit mass.
    pub labor: Vec<f64>,
    /// AI capital k_i per unit mass.
    pub capital: Vec<f64>,
    /// Share of task i's output made by labour (1 labour, 0 automated).
    pub labor_fraction: Vec<f64>,
    /// Status per task.
    pub status: Vec<TaskStatus>,
    /// The tasks produced with both factors: at most one in the market (and in the planner's
    /// allocation when `chi = 1`); with `chi < 1` and positive costates two subsidised
    /// indifference lines can cross, and then two tasks are split.
    pub splits: Vec<usize>,
    /// Labour task share m = sum a_i (labour fraction of task i).
    pub labor_task_share: f64,
    /// Labour income share wL / Y.
    pub labor_income_share: f64,
}

impl Allocation {
    /// Mass of tasks that use any AI (automated or split).
    pub fn automated_mass(&self, economy: &Economy) -> f64 {
        self.status
            .iter()
            .zip(&economy.mass)
            .filter(|(s, _)| **s != TaskStatus::Labor)
            .map(|(_, a)| a)
            .sum()
    }

    /// A continuous "position" of task i on the automation frontier: negative while done by
    /// labour (the log distance of its ratio below the threshold), in [0, 1] while split (the
    /// AI share of its output), above 1 once automated. Automation switches are its crossings
    /// of 0 and 1.
    pub fn position(&self, i: usize) -> f64 {
        match self.status[i] {
            TaskStatus::Labor => (self.ln_ratio[i] - self.ln_threshold).min(0.0),
            TaskStatus::Split => 1.0 - self.labor_fraction[i],
            TaskStatus::Automated => 1.0 + (self.ln_ratio[i] - self.ln_threshold).max(0.0),
        }
    }
}

/// `ln(e^a + e^b)` with `-inf` as the empty sum.
pub(crate) fn ln_add(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    let m = a.max(b);
    m + ((a - m).exp() + (b - m).exp()).ln()
}

/// Whether sigma is treated as Cobb-Douglas.
pub(crate) fn is_cobb_douglas(sigma: f64) -> bool {
    (sigma - 1.0).abs() < 1e-9
}

/// Per-task primitives and factor prices behind an allocation assembled from factor use.
pub(crate) struct FactorUse<'a> {
    pub(crate) mass: &'a [f64],
    pub(crate) gamma: &'a [f64],
    pub(crate) ai: &'a [f64],
    pub(crate) labor_endowment: f64,
    pub(crate) output: f64,
    pub(crate) wage: f64,
    pub(crate) rental: f64,
    pub(crate) price: Vec<f64>,
    pub(crate) task_output: Vec<f64>,
    pub(crate) labor: Vec<f64>,
    pub(crate) capital: Vec<f64>,
}

impl Allocation {
    /// The allocation with the given factor use: a task is split when it uses both factors,
    /// automated when it uses only AI capital (or nothing but is priced by AI), labour
    /// otherwise.
    pub(crate) fn from_factor_use(f: FactorUse<'_>) -> Self {
        let n = f.mass.len();
        let ln_threshold = (f.rental / f.wage).ln();
        let ln_ratio: Vec<f64> = (0..n).map(|i| (f.ai[i] / f.gamma[i]).ln()).collect();
        let mut status = vec![TaskStatus::Labor; n];
        let mut labor_fraction = vec![0.0; n];
        let mut splits = Vec::new();
        for i in 0..n {
            let (by_labor, by_ai) = (f.gamma[i] * f.labor[i], f.ai[i] * f.capital[i]);
            status[i] = match (by_labor > 0.0, by_ai > 0.0) {
                (true, true) => {
                    splits.push(i);
                    TaskStatus::Split
                }
                (false, true) => TaskStatus::Automated,
                (true, false) => TaskStatus::Labor,
                (false, false) if ln_ratio[i] > ln_threshold => TaskStatus::Automated,
                (false, false) => TaskStatus::Labor,
            };
            labor_fraction[i] = match status[i] {
                TaskStatus::Labor => 1.0,
                TaskStatus::Automated => 0.0,
                TaskStatus::Split => by_labor / (by_labor + by_ai),
            };
        }
        let labor_task_share = f.mass.iter().zip(&labor_fraction).map(|(a, s)| a * s).sum();
        Allocation {
            labor_income_share: f.wage * f.labor_endowment / f.output,
            output: f.output,
            wage: f.wage,
            rental: f.rental,
            ln_threshold,
            ln_ratio,
            price: f.price,
            task_output: f.task_output,
            labor: f.labor,
            capital: f.capital,
            labor_fraction,
            status,
            splits,
            labor_task_share,
        }
    }
}

/// Relative tolerance within which every reported allocation clears both factor markets
/// (`sum a_i l_i = L`, `sum a_i k_i = K`) and has a unit price index (`|ln P|`).
pub const CLEARING_TOL: f64 = 1e-8;

/// The largest of the relative clearing residuals of labour and capital (factor use
/// `used = (sum a_i l_i, sum a_i k_i)` against the endowments; absolute where an endowment is
/// zero) and `|ln_price_index|`; NaN if any is not finite.
pub(crate) fn clearing_residual(
    used: (f64, f64),
    endowments: (f64, f64),
    ln_price_index: f64,
) -> f64 {
    let relative = |used: f64, endowment: f64| {
        if endowment > 0.0 {
            (used - endowment).abs() / endowment
        } else {
            used.abs()
        }
    };
    let r = relative(used.0, endowments.0)
        .max(relative(used.1, endowments.1))
        .max(ln_price_index.abs());
    if r.is_finite() {
        r
    } else {
        f64::NAN
    }
}

/// Factor use `(sum a_i l_i, sum a_i k_i)`.
pub(crate) fn factor_use(mass: &[f64], labor: &[f64], capital: &[f64]) -> (f64, f64) {
    let (mut l, mut k) = (0.0, 0.0);
    for i in 0..mass.len() {
        l += mass[i] * labor[i];
        k += mass[i] * capital[i];
    }
    (l, k)
}

/// Checks [`clearing_residual`] against [`CLEARING_TOL`]: a failure is
/// [`ModelError::NoConvergence`] naming `what` with the residual.
pub(crate) fn verify_clearing(what: &str, residual: f64) -> Result<(), ModelError> {
    if residual.is_nan() || residual > CLEARING_TOL {
        return Err(ModelError::NoConvergence {
            what: format!(
                "{what}: the allocation fails verification (factor markets clear and price \
                 index 1 to {CLEARING_TOL:e} relative)"
            ),
            iterations: 1,
            residual,
        });
    }
    Ok(())
}

/// `ln P` of task prices given in logs, with weights `a`: `sum a_i ln p_i` (Cobb-Douglas),
/// else `ln(sum a_i p_i^(1 - sigma)) / (1 - sigma)`, summed through `expm1` near sigma = 1 so
/// that rounding is not amplified by `1 / (1 - sigma)`.
pub(crate) fn ln_price_index(a: &[f64], ln_p: impl Fn(usize) -> f64, sigma: f64) -> f64 {
    let n = a.len();
    if is_cobb_douglas(sigma) {
        return (0..n).map(|i| a[i] * ln_p(i)).sum();
    }
    let s = 1.0 - sigma;
    let top = (0..n)
        .map(|i| s * ln_p(i))
        .fold(f64::NEG_INFINITY, f64::max);
    if s.abs() < 0.1 && top < 700.0 {
        let mass: f64 = a.iter().sum();
        let excess: f64 = (mass - 1.0) + (0..n).map(|i| a[i] * (s * ln_p(i)).exp_m1()).sum::<f64>();
        return excess.ln_1p() / s;
    }
    let sum: f64 = (0..n).map(|i| a[i] * (s * ln_p(i) - top).exp()).sum();
    (top + sum.ln()) / s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statics::StaticSolver;

    /// Equilibria pass the verification; the same allocation with labour or prices off by
    /// more than the tolerance fails it.
    #[test]
    fn verification_accepts_equilibria_and_catches_perturbed_ones() {
        for sigma in [0.5, 0.97, 1.0, 1.0 + 1e-6, 3.0] {
            let mut e = Economy::symmetric(5, sigma);
            e.mass = vec![0.1, 0.2, 0.3, 0.15, 0.25];
            let ln_ai = [2.0, -1.0, 0.5, 40.0, -30.0];
            let eq = StaticSolver::market(&e).equilibrium(&ln_ai, 1.3).unwrap();
            let ln_p = |i: usize| eq.price[i].ln();
            let ln_index = ln_price_index(&e.mass, ln_p, sigma);
            let used = factor_use(&e.mass, &eq.labor, &eq.capital);
            let r = clearing_residual(used, (1.0, 1.3), ln_index);
            assert!(r <= CLEARING_TOL, "sigma {sigma}: residual {r}");
            let mut labor = eq.labor.clone();
            let i = (0..5).find(|&i| labor[i] > 0.0).unwrap();
            labor[i] *= 1.0 + 1e-6 / (e.mass[i] * labor[i]);
            let r = clearing_residual(
                factor_use(&e.mass, &labor, &eq.capital),
                (1.0, 1.3),
                ln_index,
            );
            assert!(verify_clearing("test", r).is_err(), "sigma {sigma}: {r}");
            let shifted = ln_price_index(&e.mass, |i| ln_p(i) + 1e-6, sigma);
            let r = clearing_residual(used, (1.0, 1.3), shifted);
            let err = verify_clearing("test", r).unwrap_err();
            assert!(
                matches!(err, ModelError::NoConvergence { residual, .. } if residual > 9e-7),
                "{err}"
            );
        }
        assert!(verify_clearing("test", f64::NAN).is_err());
    }
}
