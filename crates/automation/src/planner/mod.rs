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
//! # The static sub-problem and its solver
//!
//! Given the costates, each instant maximises `u(Y(y)) + sum_i lambda_i nu_i (A_i k_i +
//! chi gamma_i l_i)` subject to the resources: a concave problem. Its dual is solved. With
//! utility-valued factor prices `m = (m_L, m_K) = u'(Y) (w, R)` and utility-valued subsidies
//! `sk_i = lambda_i nu_i / a_i` (per unit of AI output) and `sl_i = chi sk_i` (per unit of labour
//! output), task i's unit cost is `q_i = min(m_K / A_i - sk_i, m_L / gamma_i - sl_i)`, the CES
//! cost index is `Q = (sum a_i q_i^{1-sigma})^{1/(1-sigma)}` (Cobb-Douglas: `exp sum a_i ln q_i`),
//! output is `Y = u'^{-1}(Q)` and the dual function `g(m) = max_Y [u(Y) - Q(m) Y] + m_L L + m_K K`
//! is convex, with gradient = the excess supplies of labour and capital and an analytic Hessian.
//! In output units `p_i = q_i / Q` and the decentralising subsidy is `s_i = sk_i / Q =
//! lambda_i nu_i / (a_i u'(Y))`, so `p_i = min(R/A_i - s_i, w/gamma_i - chi s_i)`.
//!
//! The solver (exact up to rounding, so with zero costates it reproduces
//! [`crate::equilibrium()`]):
//! 1. *Fast path* (warm start along a path): Newton on the two clearing conditions with the
//!    technique of every task frozen at the previous solution (or, if that one had a split
//!    task, one-dimensional Newton along that task's indifference line
//!    `m_K / A_s - sk_s = m_L / gamma_s - sl_s`), with up to four active-set corrections (the
//!    worst technique violator becomes the split task, a split task out of bounds becomes
//!    pure, a split task plus a violator move to the vertex of their lines). A result is
//!    accepted only if the KKT conditions hold (every task uses its cheapest technique, the
//!    split is within its bounds, both markets clear), which by convexity certifies it.
//! 2. *Robust nested search* otherwise. For fixed `m_L` a task uses AI iff `m_K <= t_i =
//!    A_i (m_L / gamma_i - sl_i + sk_i)`; sorting the thresholds `t_i`, capital excess supply
//!    is increasing in `m_K` with upward jumps at the thresholds, so a galloping binary search
//!    over thresholds finds either the jump containing zero (that task is split, with the
//!    capital that clears the market) or the smooth interval with the root (safeguarded
//!    Newton in `ln(m_K - max_i A_i sk_i)`). Ties are broken by task index, as in the market
//!    solver. The outer problem in `m_L` is then a monotone root of the labour excess supply
//!    (the derivative of the convex partial minimum), solved by safeguarded Newton in
//!    `ln(m_L - max_i gamma_i sl_i)` with the analytic Schur-complement slope.
//!
//! With zero costates, or `chi = 1`, the indifference lines are rays through the origin and at
//! most one task is split, as in the market. With `chi < 1` and positive costates they are
//! affine and the optimum can sit where two of them cross: then two tasks are split (the
//! labour excess supply jumps across zero in the nested search, and the solver moves to the
//! vertex of the two nearest lines and splits both so that both markets clear).
//!
//! Near a corner (the subsidy almost covers the cost of capital in some task, whose data is
//! then worth nearly as much as the capital) the dual is ill-conditioned and clearing is
//! accurate to about 1e-9 relative; split tasks absorb the residual exactly.
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
pub(crate) mod static_solver;

pub use dda1::{hamiltonian_gradient, planner_allocation, solve_planner, solve_planner_observed};
pub use log_linear::{solve_log_linear_planner, LogLinearEconomy};
pub use options::{PlannerOptions, PlannerUtility};
pub use results::{PlannerAllocation, PlannerResult};
