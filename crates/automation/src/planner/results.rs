//! What the planner returns: the optimal path against the market, and the static allocation.

use crate::statics::Allocation;

/// The planner's optimum against the market path, on one time grid.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannerResult {
    /// Grid times.
    pub times: Vec<f64>,
    /// Planner output Y at each time.
    pub planner_output: Vec<f64>,
    /// Market (myopic) output Y at each time.
    pub market_output: Vec<f64>,
    /// Planner AI capital per unit mass, `[time][task]`.
    pub planner_capital: Vec<Vec<f64>>,
    /// Market AI capital per unit mass, `[time][task]`.
    pub market_capital: Vec<Vec<f64>>,
    /// Planner state (data D; x for the log-linear variant), `[time][task]`.
    pub planner_data: Vec<Vec<f64>>,
    /// Market state, `[time][task]`.
    pub market_data: Vec<Vec<f64>>,
    /// Decentralising subsidy per unit of AI output, in output units, `[time][task]`
    /// (`chi` times it per unit of labour output).
    pub subsidy: Vec<Vec<f64>>,
    /// Costates (utility value of one unit of task data), `[time][task]`.
    pub costate: Vec<Vec<f64>>,
    /// Planner welfare `int_0^T e^{-rho t} u(Y) dt` (Simpson on the grid and half steps).
    pub planner_welfare: f64,
    /// Market welfare, same grid and quadrature.
    pub market_welfare: f64,
    /// Consumption equivalent: the % increase of market output at every date that gives the
    /// planner's welfare (closed form for log and CRRA).
    pub welfare_gap_pct: f64,
    /// Forward-backward sweeps performed (costate solves, including the final check).
    pub iterations: usize,
    /// The consumption-equivalent Hamiltonian gap at the end (below the tolerance).
    pub last_change: f64,
    /// Derivatives of the planner's welfare by the envelope theorem.
    pub envelope: Envelope,
}

/// Derivatives of the planner's optimal welfare by the envelope theorem: the path held at the
/// optimum, only the parameter's direct effect counts. They check a re-solved derivative
/// (the planner's welfare, differenced) against the optimality of the path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Envelope {
    /// `dW*/drho = -int_0^T t e^{-rho t} u(Y) dt`.
    pub discount: f64,
    /// `dW*/dK = int_0^T e^{-rho t} dH*/dK dt`, the discounted shadow value of capital.
    pub capital: f64,
    /// `dW*/dL = int_0^T e^{-rho t} dH*/dL dt`, the discounted shadow value of labour.
    pub labor: f64,
}

/// The planner's static allocation at one instant (see
/// [`planner_allocation`](super::planner_allocation)): an [`Allocation`] in output units (its
/// fields are reachable directly through `Deref`), with the subsidies that decentralise it and
/// the Hamiltonian's value.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannerAllocation {
    /// Prices, factor use and aggregates. Wage and rental are the shadow prices (with no
    /// labour or no capital: the value of a unit in its best task).
    pub allocation: Allocation,
    /// Decentralising subsidy per unit of AI output (output units).
    pub subsidy: Vec<f64>,
    /// The Hamiltonian `u(Y) + sum_i lambda_i dD_i/dt` at the allocation.
    pub hamiltonian: f64,
}

impl std::ops::Deref for PlannerAllocation {
    type Target = Allocation;

    fn deref(&self) -> &Allocation {
        &self.allocation
    }
}
