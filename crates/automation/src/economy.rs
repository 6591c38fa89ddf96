//! The primitives of a DDA-1 economy, resolved per task and validated.

use nalgebra::{DMatrix, DVector};
use walras_core::check;

/// Errors from building or solving a DDA-1 economy. Messages name the parameter and value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// A parameter is outside its allowed range.
    #[error("{key} = {value} is invalid: {reason}")]
    InvalidParameter {
        /// The parameter (scenario key), with the task index when per task.
        key: String,
        /// The offending value as written.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A per-task list or matrix has the wrong length or shape.
    #[error("{key}: expected {expected}, found {found}")]
    Shape {
        /// The parameter.
        key: String,
        /// The expected shape.
        expected: String,
        /// The shape found.
        found: String,
    },
    /// The run was cancelled by its observer.
    #[error("{what} cancelled after {done} of {total}")]
    Cancelled {
        /// What was running.
        what: String,
        /// Steps finished.
        done: usize,
        /// Steps planned.
        total: usize,
    },
    /// A numerical method did not converge.
    #[error("{what} did not converge after {iterations} iterations (residual {residual:.3e})")]
    NoConvergence {
        /// Which solver.
        what: String,
        /// Iterations used.
        iterations: usize,
        /// The last residual.
        residual: f64,
    },
}

impl ModelError {
    /// An [`ModelError::InvalidParameter`] from its parts.
    pub fn invalid(
        key: impl Into<String>,
        value: impl ToString,
        reason: impl Into<String>,
    ) -> Self {
        ModelError::InvalidParameter {
            key: key.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

impl From<walras_core::check::Invalid> for ModelError {
    /// A failed shared check as [`ModelError::InvalidParameter`] (key = field, reason = rule).
    fn from(e: walras_core::check::Invalid) -> Self {
        ModelError::InvalidParameter {
            key: e.field,
            value: e.value,
            reason: e.rule.into_owned(),
        }
    }
}

/// Checks a per-task state or parameter: `n` values, all finite (and >= 0 if `nonnegative`);
/// errors name `key[i]` and the value.
pub(crate) fn check_per_task(
    key: &str,
    values: &[f64],
    n: usize,
    nonnegative: bool,
) -> Result<(), ModelError> {
    if values.len() != n {
        return Err(ModelError::Shape {
            key: key.into(),
            expected: format!("{n} values (one per task)"),
            found: values.len().to_string(),
        });
    }
    let rule = if nonnegative {
        check::non_negative
    } else {
        check::finite
    };
    check::each(key, values, rule)?;
    Ok(())
}

/// How effective data raises AI productivity: `A_i = Abar_i g(Dtilde_i)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DataTechnology {
    /// `g(D) = D^theta`, theta in (0, 1) (theta >= 1 allowed for the blow-up oracles).
    Power {
        /// Elasticity of AI productivity to effective data.
        theta: f64,
    },
    /// Bounded, logistic in log data: `g(D) = 1 / (1 + (half / D)^theta)`, so `g -> 1` as
    /// `D -> infinity` and `g = 1/2` at `D = half`.
    Logistic {
        /// Slope in log data.
        theta: f64,
        /// Effective data at which `g = 1/2`.
        half: f64,
    },
}

impl DataTechnology {
    /// The elasticity parameter theta.
    pub fn theta(&self) -> f64 {
        match *self {
            DataTechnology::Power { theta } | DataTechnology::Logistic { theta, .. } => theta,
        }
    }

    /// `ln g(D)` for `D > 0`.
    pub fn ln_g(&self, d: f64) -> f64 {
        match *self {
            DataTechnology::Power { theta } => theta * d.ln(),
            DataTechnology::Logistic { theta, half } => {
                // ln g = -ln(1 + exp(theta (ln half - ln D))), computed without overflow.
                let z = theta * (half.ln() - d.ln());
                -(if z > 0.0 {
                    z + (-z).exp().ln_1p()
                } else {
                    z.exp().ln_1p()
                })
            }
        }
    }

    /// The elasticity `d ln g / d ln D` at `D > 0`.
    pub fn elasticity(&self, d: f64) -> f64 {
        match *self {
            DataTechnology::Power { theta } => theta,
            DataTechnology::Logistic { theta, .. } => {
                // theta (half/D)^theta / (1 + (half/D)^theta) = theta (1 - g)
                theta * (1.0 - self.ln_g(d).exp())
            }
        }
    }
}

/// A DDA-1 economy: the per-task primitives (everything except the state: data and capital).
#[derive(Debug, Clone, PartialEq)]
pub struct Economy {
    /// Elasticity of substitution across tasks, sigma > 0 (1 = Cobb-Douglas).
    pub sigma: f64,
    /// How effective data maps into AI productivity.
    pub technology: DataTechnology,
    /// Share of labour-made output that also generates data, in [0, 1].
    pub chi: f64,
    /// Depreciation rate of data, >= 0.
    pub delta_data: f64,
    /// Labour endowment L >= 0.
    pub labor: f64,
    /// Task masses a_i > 0, summing to one.
    pub mass: Vec<f64>,
    /// Labour productivity gamma_i > 0.
    pub labor_productivity: Vec<f64>,
    /// AI productivity scale Abar_i > 0.
    pub ai_productivity: Vec<f64>,
    /// Verifiability nu_i in [0, 1]: the usable fraction of by-product data.
    pub verifiability: Vec<f64>,
    /// Effective-data matrix (row = receiver): `Dtilde = spill D`. Omega, or the multi-hop
    /// `(I - beta W)^{-1}`.
    pub spill: DMatrix<f64>,
}

/// Tolerance within which task masses must sum to one.
const MASS_TOLERANCE: f64 = 1e-9;

impl Economy {
    /// Number of tasks.
    pub fn tasks(&self) -> usize {
        self.mass.len()
    }

    /// The elasticity theta of the data technology.
    pub fn theta(&self) -> f64 {
        self.technology.theta()
    }

    /// Checks every parameter; errors name the key (and task) and value.
    pub fn validate(&self) -> Result<(), ModelError> {
        let n = self.mass.len();
        if n == 0 {
            return Err(ModelError::invalid(
                "tasks",
                0,
                "an economy needs at least one task",
            ));
        }
        check::positive("sigma", self.sigma)?;
        let theta = self.theta();
        if !(theta.is_finite() && theta > 0.0) {
            return Err(ModelError::invalid(
                "theta",
                theta,
                "must be > 0 (below 1 for bounded growth)",
            ));
        }
        if let DataTechnology::Logistic { half, .. } = self.technology {
            check::positive("data_half", half)?;
        }
        check::fraction("chi", self.chi)?;
        check::non_negative("delta_data", self.delta_data)?;
        check::non_negative("labor", self.labor)?;
        for (key, values, fraction) in [
            ("task_mass", &self.mass, false),
            ("labor_productivity", &self.labor_productivity, false),
            ("ai_productivity", &self.ai_productivity, false),
            ("verifiability", &self.verifiability, true),
        ] {
            if values.len() != n {
                return Err(ModelError::Shape {
                    key: key.into(),
                    expected: format!("{n} values (one per task)"),
                    found: format!("{}", values.len()),
                });
            }
            let rule = if fraction {
                check::fraction
            } else {
                check::positive
            };
            check::each(key, values, rule)?;
        }
        let total: f64 = self.mass.iter().sum();
        if (total - 1.0).abs() > MASS_TOLERANCE {
            return Err(ModelError::invalid(
                "task_mass",
                total,
                "task masses must sum to 1 (this is their sum)",
            ));
        }
        if self.spill.nrows() != n || self.spill.ncols() != n {
            return Err(ModelError::Shape {
                key: "network".into(),
                expected: format!("{n} x {n}"),
                found: format!("{} x {}", self.spill.nrows(), self.spill.ncols()),
            });
        }
        for i in 0..n {
            for j in 0..n {
                let v = self.spill[(i, j)];
                if !(v.is_finite() && v >= 0.0) {
                    return Err(ModelError::invalid(
                        format!("network[{i}, {j}]"),
                        v,
                        "spillover weights must be finite and >= 0",
                    ));
                }
            }
        }
        Ok(())
    }

    /// A symmetric default economy with `n` equal tasks and no spillovers (the spec's test
    /// defaults: gamma = Abar = 1, theta = 0.5, delta = 0, L = 1, chi = 0, nu = 1).
    pub fn symmetric(n: usize, sigma: f64) -> Self {
        let n = n.max(1);
        Economy {
            sigma,
            technology: DataTechnology::Power { theta: 0.5 },
            chi: 0.0,
            delta_data: 0.0,
            labor: 1.0,
            mass: vec![1.0 / n as f64; n],
            labor_productivity: vec![1.0; n],
            ai_productivity: vec![1.0; n],
            verifiability: vec![1.0; n],
            spill: DMatrix::identity(n, n),
        }
    }

    /// Effective data `Dtilde = spill D`.
    pub fn effective_data(&self, data: &[f64]) -> Vec<f64> {
        let d = DVector::from_column_slice(data);
        (&self.spill * d).iter().copied().collect()
    }

    /// Log AI productivity `ln A_i = ln Abar_i + ln g(Dtilde_i)` for every task.
    pub fn ln_ai_productivity(&self, data: &[f64]) -> Vec<f64> {
        self.effective_data(data)
            .iter()
            .zip(&self.ai_productivity)
            .map(|(&dt, &abar)| abar.ln() + self.technology.ln_g(dt.max(f64::MIN_POSITIVE)))
            .collect()
    }
}
