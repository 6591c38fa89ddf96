//! What the planner returns: the optimal path against the market, and the static allocation.

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
}

/// The planner's static allocation at one instant (see
/// [`planner_allocation`](super::planner_allocation)).
#[derive(Debug, Clone, PartialEq)]
pub struct PlannerAllocation {
    /// Output Y.
    pub output: f64,
    /// Shadow wage w in output units (with no labour: the value of a unit in its best task).
    pub wage: f64,
    /// Shadow rental rate R in output units (with no capital: likewise).
    pub rental: f64,
    /// Task prices p_i = (Y / y_i)^{1/sigma}.
    pub price: Vec<f64>,
    /// Task output y_i per unit mass.
    pub task_output: Vec<f64>,
    /// Labour l_i per unit mass.
    pub labor: Vec<f64>,
    /// AI capital k_i per unit mass.
    pub capital: Vec<f64>,
    /// Decentralising subsidy per unit of AI output (output units).
    pub subsidy: Vec<f64>,
    /// The tasks produced with both factors: at most one when `chi = 1` or the costates are
    /// zero; with `chi < 1` the subsidised indifference lines are affine and the optimum can
    /// sit where two cross, so two tasks can be split.
    pub splits: Vec<usize>,
    /// The Hamiltonian `u(Y) + sum_i lambda_i dD_i/dt` at the allocation.
    pub hamiltonian: f64,
}
