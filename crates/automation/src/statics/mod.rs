//! The allocation at one instant (spec s.2 and s.4), by one solver: [`StaticSolver`].
//!
//! The problem: given AI productivities `A_i`, labour `L`, AI capital `K` and the planner's
//! costates `lambda_i` (zero for the market), choose `l_i, k_i >= 0` (per unit of task mass)
//! with `sum a_i l_i = L`, `sum a_i k_i = K` to maximise
//! `u(Y) + sum_i lambda_i nu_i (A_i k_i + chi gamma_i l_i)`. With zero costates the maximiser is
//! the market equilibrium ([`equilibrium()`]); with costates it is the planner's allocation,
//! decentralised by subsidies.
//!
//! # Two methods, one problem
//!
//! - *Zero costates* ([`StaticSolver::equilibrium`], `threshold_rule`): task prices are
//!   `p_i = min(w / gamma_i, R / A_i)`, so the automated tasks are those with the highest
//!   `A_i / gamma_i`; the closed form is evaluated in logs (data and output may span hundreds of
//!   orders of magnitude) in O(N) along a path. Growth paths and the market use it.
//! - *Costates* (`dual`): the subsidised unit costs no longer rank the tasks once and for all,
//!   so the concave problem is solved through its dual. With utility-valued factor prices
//!   `m = (m_L, m_K) = u'(Y) (w, R)` and utility-valued subsidies `sk_i = lambda_i nu_i / a_i`
//!   (per unit of AI output) and `sl_i = chi sk_i` (per unit of labour output), task i's unit
//!   cost is `q_i = min(m_K / A_i - sk_i, m_L / gamma_i - sl_i)`, the CES cost index is
//!   `Q = (sum a_i q_i^{1-sigma})^{1/(1-sigma)}` (Cobb-Douglas: `exp sum a_i ln q_i`), output
//!   is `Y = u'^{-1}(Q)` and the dual function `g(m) = max_Y [u(Y) - Q(m) Y] + m_L L + m_K K`
//!   is convex, with gradient = the excess supplies of labour and capital and an analytic
//!   Hessian. In output units `p_i = q_i / Q` and the decentralising subsidy is
//!   `s_i = sk_i / Q = lambda_i nu_i / (a_i u'(Y))`, so `p_i = min(R/A_i - s_i, w/gamma_i -
//!   chi s_i)`. With zero costates the dual reproduces the threshold rule (tested).
//!
//! The dual is solved in two stages:
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
//!    Newton in `ln(m_K - max_i A_i sk_i)`). Ties are broken by task index, as in the
//!    threshold rule. The outer problem in `m_L` is then a monotone root of the labour excess
//!    supply (the derivative of the convex partial minimum), solved by safeguarded Newton in
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
//! Both methods verify what they return, in O(N): both factor markets clear and the price
//! index is 1, to [`CLEARING_TOL`] (1e-8) relative; otherwise the solve fails with
//! [`ModelError::NoConvergence`] and the residual.

mod allocation;
pub(crate) mod dual;
mod threshold_rule;

pub(crate) use allocation::FactorUse;
pub use allocation::{Allocation, TaskStatus, CLEARING_TOL};
pub(crate) use dual::{StaticSolution, Warm};

use crate::economy::{Economy, ModelError};
use threshold_rule::ThresholdRule;

/// Solves the market equilibrium for log AI productivities `ln_ai` (see
/// [`Economy::ln_ai_productivity`]) and AI capital `capital >= 0`.
pub fn equilibrium(
    economy: &Economy,
    ln_ai: &[f64],
    capital: f64,
) -> Result<Allocation, ModelError> {
    StaticSolver::market(economy).equilibrium(ln_ai, capital)
}

/// The static solver: keeps the primitives' logs, the last task order and the last dual
/// solution, so that along a path each solve starts where the previous one ended.
#[derive(Debug, Clone)]
pub struct StaticSolver {
    n: usize,
    /// Task masses and their logs.
    a: Vec<f64>,
    ln_a: Vec<f64>,
    /// Labour productivities gamma_i.
    gamma: Vec<f64>,
    sigma: f64,
    cd: bool,
    /// Curvature of the planner's utility (1: log).
    eta: f64,
    labor: f64,
    capital: f64,
    rule: ThresholdRule,
    // inputs of one dual solve
    pub(crate) ai: Vec<f64>,
    pub(crate) sk: Vec<f64>,
    pub(crate) sl: Vec<f64>,
    pole: f64,
    ml_min: f64,
    // the dual's scratch
    q: Vec<f64>,
    share: Vec<f64>,
    tech: Vec<bool>,
    thr: Vec<f64>,
    order: Vec<usize>,
    rank: Vec<usize>,
    assign: Vec<bool>,
    sorted_once: bool,
    pub(crate) warm: Option<Warm>,
    fast_solves: usize,
    robust_solves: usize,
    evaluations: usize,
}

impl StaticSolver {
    /// A solver for the market of `economy` (log utility; capital is given per solve).
    pub fn market(economy: &Economy) -> Self {
        Self::new(
            &economy.mass,
            &economy.labor_productivity,
            economy.sigma,
            1.0,
            economy.labor,
            0.0,
        )
    }

    /// A solver for task masses `mass` (rescaled to sum to one when they miss by more than
    /// 1e-12: validation allows 1e-9, which log prices of hundreds would amplify past the
    /// verification's tolerance),
    /// labour productivities `gamma`, elasticity `sigma`, utility curvature `eta`, labour
    /// `labor` and AI capital `capital`.
    pub(crate) fn new(
        mass: &[f64],
        gamma: &[f64],
        sigma: f64,
        eta: f64,
        labor: f64,
        capital: f64,
    ) -> Self {
        let n = mass.len();
        let total: f64 = mass.iter().sum();
        let mass: Vec<f64> = if (total - 1.0).abs() <= 1e-12 {
            mass.to_vec()
        } else {
            mass.iter().map(|m| m / total).collect()
        };
        let mass = &mass[..];
        StaticSolver {
            n,
            a: mass.to_vec(),
            ln_a: mass.iter().map(|a| a.ln()).collect(),
            gamma: gamma.to_vec(),
            sigma,
            cd: allocation::is_cobb_douglas(sigma),
            eta,
            labor,
            capital,
            rule: ThresholdRule::new(mass, gamma, sigma),
            ai: vec![1.0; n],
            sk: vec![0.0; n],
            sl: vec![0.0; n],
            pole: 0.0,
            ml_min: 0.0,
            q: vec![0.0; n],
            share: vec![0.0; n],
            tech: vec![false; n],
            thr: vec![0.0; n],
            order: (0..n).collect(),
            rank: (0..n).collect(),
            assign: vec![false; n],
            sorted_once: false,
            warm: None,
            fast_solves: 0,
            robust_solves: 0,
            evaluations: 0,
        }
    }
}
