//! The planner's settings: the period utility and the solver options, validated.

use crate::economy::ModelError;
use walras_core::check;

/// Period utility of output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PlannerUtility {
    /// `u(Y) = ln Y`.
    Log,
    /// `u(Y) = Y^{1-eta} / (1 - eta)`, `eta > 0` (`eta = 1` is treated as log).
    Crra {
        /// Curvature (inverse elasticity of intertemporal substitution).
        eta: f64,
    },
}

impl PlannerUtility {
    /// The curvature eta (1 for log).
    pub fn eta(&self) -> f64 {
        match *self {
            PlannerUtility::Log => 1.0,
            PlannerUtility::Crra { eta } => eta,
        }
    }

    pub(super) fn is_log(&self) -> bool {
        (self.eta() - 1.0).abs() < 1e-12
    }

    /// `u(Y)`.
    pub fn value(&self, y: f64) -> f64 {
        if self.is_log() {
            y.ln()
        } else {
            let eta = self.eta();
            y.powf(1.0 - eta) / (1.0 - eta)
        }
    }

    /// `u(Y) - u(1)` for CRRA (`ln Y` for log): the same differences as [`Self::value`]
    /// without the constant `1 / (1 - eta)`, which near `eta = 1` is large enough to swamp
    /// them in rounding.
    pub(super) fn value_normalised(&self, y: f64) -> f64 {
        if self.is_log() {
            y.ln()
        } else {
            let r = 1.0 - self.eta();
            (r * y.ln()).exp_m1() / r
        }
    }

    /// `u(1)`: 0 for log, `1 / (1 - eta)` for CRRA.
    pub(super) fn value_at_one(&self) -> f64 {
        if self.is_log() {
            0.0
        } else {
            1.0 / (1.0 - self.eta())
        }
    }

    /// `u'(Y)`.
    pub fn marginal(&self, y: f64) -> f64 {
        if self.is_log() {
            1.0 / y
        } else {
            y.powf(-self.eta())
        }
    }

    pub(super) fn validate(&self) -> Result<(), ModelError> {
        let (low, high) = ETA_RANGE;
        check::in_range("utility.eta", self.eta(), low, high)?;
        Ok(())
    }
}

/// The utility curvatures the planner accepts: towards 0 marginal utility is nearly flat and
/// output `u'^{-1}(Q)` leaves the floating-point range; far above 10 the dual is too
/// ill-conditioned for its root searches.
pub const ETA_RANGE: (f64, f64) = (0.01, 20.0);

/// The most time-grid points the planner accepts (each holds the state, costates and the
/// static solution of every task).
pub const MAX_GRID: usize = 100_000;

/// Settings of the planner problem and its solver.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannerOptions {
    /// Horizon T > 0 (transversality `lambda(T) = 0`).
    pub horizon: f64,
    /// Discount rate rho > 0.
    pub discount: f64,
    /// Period utility.
    pub utility: PlannerUtility,
    /// AI capital K >= 0 (fixed).
    pub capital: f64,
    /// Number of grid points (including both ends), >= 3.
    pub grid: usize,
    /// Grid grading: `t_k = T (k / (grid - 1))^p`; 1 is uniform, above 1 refines the start,
    /// where the planner's data transients are fastest.
    pub grid_power: f64,
    /// Stop when the consumption-equivalent Hamiltonian gap (see the module docs) is below
    /// this.
    pub tolerance: f64,
    /// Maximum forward-backward sweeps.
    pub max_iterations: usize,
    /// Largest step w in (0, 1] of the allocation toward the Hamiltonian-maximising one
    /// (the line search may take smaller ones).
    pub relaxation: f64,
}

impl Default for PlannerOptions {
    fn default() -> Self {
        PlannerOptions {
            horizon: 50.0,
            discount: 0.05,
            utility: PlannerUtility::Log,
            capital: 1.0,
            grid: 401,
            grid_power: 2.0,
            tolerance: 1e-8,
            max_iterations: 500,
            relaxation: 0.7,
        }
    }
}

pub(super) fn check_options(o: &PlannerOptions) -> Result<(), ModelError> {
    check::positive("horizon", o.horizon)?;
    check::positive("discount", o.discount)?;
    o.utility.validate()?;
    check::non_negative("capital", o.capital)?;
    if o.grid < 3 || o.grid > MAX_GRID {
        return Err(ModelError::invalid(
            "grid",
            o.grid,
            format!("needs 3 to {MAX_GRID} points"),
        ));
    }
    if !(o.grid_power.is_finite() && o.grid_power >= 1.0) {
        return Err(ModelError::invalid(
            "grid_power",
            o.grid_power,
            "must be finite and >= 1",
        ));
    }
    if !(o.tolerance > 0.0 && o.tolerance < 1.0) {
        return Err(ModelError::invalid(
            "tolerance",
            o.tolerance,
            "must be in (0, 1)",
        ));
    }
    if o.max_iterations == 0 {
        return Err(ModelError::invalid("max_iterations", 0, "must be >= 1"));
    }
    check::step_fraction("relaxation", o.relaxation)?;
    Ok(())
}
