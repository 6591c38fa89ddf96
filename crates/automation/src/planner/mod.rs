//! The social planner of DDA-1 (spec s.4), solved by a forward-backward sweep.
//!
//! The planner's allocation internalises the data externality; it comes with the decentralising
//! subsidies and the welfare gap against the myopic market.
//!
//! # Problem
//!
//! `max int_0^T e^{-rho t} u(Y_t) dt` over `l_i(t), k_i(t) >= 0` (per unit of task mass) with
//! `sum a_i l_i = L`, `sum a_i k_i = K` (K fixed: no capital accumulation in the planner), subject
//! to the data law `dD_i/dt = nu_i (A_i k_i + chi gamma_i l_i) - delta D_i`,
//! `A_i = Abar_i g(Dtilde_i)`, `Dtilde = spill D`. With the current-value Hamiltonian
//! `H = u(Y) + sum_i lambda_i dD_i/dt`, the costates solve `lambda' = rho lambda - dH/dD`,
//! `lambda(T) = 0`, where (envelope theorem, allocation held at its optimum)
//!
//! `dH/dD_j = sum_i spill_ij A_i'(Dtilde_i) k_i (u'(Y) a_i p_i + lambda_i nu_i) - delta lambda_j`.
//!
//! (`D_i` is task i's data, not per unit mass; `k_i` is per unit mass and `dY/dy_i = a_i p_i`.)
//!
//! # The static sub-problem
//!
//! Given the costates, each instant maximises `u(Y(y)) + sum_i lambda_i nu_i (A_i k_i +
//! chi gamma_i l_i)` subject to the resources: a concave problem, solved through its dual by
//! the same [`StaticSolver`](crate::statics::StaticSolver) that solves the market (method in
//! [`crate::statics`]).
//!
//! # The sweep
//!
//! Time grid: [`PlannerOptions::grid`] points `t_k = T (k / (grid - 1))^p`, `p =`
//! [`PlannerOptions::grid_power`] (default 2: steps grow linearly from about `2 T / grid^2`,
//! because the planner's optimum can start by concentrating capital in the most valuable
//! data tasks, whose data then grows on a time scale far below `T / grid`). The state (data `D`,
//! integrated directly: the data law gives `dD/dt >= -delta D`, so RK4 stages stay positive
//! when `delta h < 1`, which is checked) is integrated by classical RK4; allocations live on
//! "slots", the nodes and half steps (the half-step state is the cubic Hermite interpolant),
//! and welfare is Simpson's rule on the slots. The costates are integrated backward by RK4 on
//! the linear costate equation with the allocations at the slots (4th order overall).
//!
//! The market is the forward pass with zero costates, closed loop (the myopic static
//! equilibrium at every RK4 stage). The planner starts from the market's slot allocations and
//! iterates: costates of the current path (backward pass); at every slot the allocation that
//! maximises the Hamiltonian given those costates (the static sub-problem, "best response");
//! then the allocation moves toward the best response by a step `w <= `
//! [`PlannerOptions::relaxation`] chosen by a welfare line search (halving until welfare rises
//! by at least `1e-4 w` times the Hamiltonian gap, which bounds the first-order gain from
//! below because `H` is concave in the allocation; the next step starts from `2 w`). With a
//! full step this is the textbook sweep. Relaxing the costates instead (`lambda <- (1 - w)
//! lambda + w lambda_new`) was tried first and oscillates on sparse networks: the best
//! response swings between pouring all capital into the most verifiable task and a balanced
//! allocation. The sweep stops when the consumption-equivalent Hamiltonian gap
//! `int e^{-rho t} (max_a H - H(a_t)) dt / int e^{-rho t} u'(Y) Y dt` (zero iff the path
//! satisfies the maximum principle) is below [`PlannerOptions::tolerance`]; the reported
//! path is then the one with the best response to the final costates (the allocation the
//! reported subsidies decentralise), whose own costates differ from those by about the square
//! root of the tolerance (the gap is quadratic in the allocation's distance from the best
//! response).
//!
//! The problem is not concave (data raise the productivity of the capital that makes data),
//! so the result is a path that satisfies the maximum principle and improves on the market
//! (each accepted step raises welfare), not necessarily the global optimum; on sparse networks
//! different step sizes can end at stationary paths whose welfare differs by ~1e-5.
//!
//! # The log-linear variant (spec P11)
//!
//! `A_i = exp(theta (Omega x)_i)`, `x' = nu k`, `L = 0`, `sigma = 1`: [`solve_log_linear_planner`]
//! shares the static solver and the sweep (its data flow is per unit of capital, i.e.
//! `nu_i / A_i` per unit of AI output, and does not depend on `A`).

mod dda1;
mod log_linear;
mod options;
mod path;
mod results;

pub use dda1::{hamiltonian_gradient, planner_allocation, solve_planner, solve_planner_observed};
pub use log_linear::{solve_log_linear_planner, LogLinearEconomy};
pub use options::{PlannerOptions, PlannerUtility, ETA_RANGE};
pub use results::{Envelope, PlannerAllocation, PlannerResult};
