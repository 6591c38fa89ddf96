//! The allocation at one instant: prices, factor use per task and aggregates, the same type for
//! the market equilibrium and the planner's allocation.

use crate::economy::Economy;

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
