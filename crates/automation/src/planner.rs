//! The social planner of DDA-1 (spec s.4): the allocation that internalises the data
//! externality, solved by a forward-backward sweep, with the decentralising subsidies and the
//! welfare gap against the myopic market.
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

use crate::economy::{check_per_task, Economy, ModelError};
use nalgebra::DMatrix;

/// Period utility of output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Utility {
    /// `u(Y) = ln Y`.
    Log,
    /// `u(Y) = Y^{1-eta} / (1 - eta)`, `eta > 0` (`eta = 1` is treated as log).
    Crra {
        /// Curvature (inverse elasticity of intertemporal substitution).
        eta: f64,
    },
}

impl Utility {
    /// The curvature eta (1 for log).
    pub fn eta(&self) -> f64 {
        match *self {
            Utility::Log => 1.0,
            Utility::Crra { eta } => eta,
        }
    }

    fn is_log(&self) -> bool {
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

    /// `u'(Y)`.
    pub fn marginal(&self, y: f64) -> f64 {
        if self.is_log() {
            1.0 / y
        } else {
            y.powf(-self.eta())
        }
    }

    fn validate(&self) -> Result<(), ModelError> {
        let eta = self.eta();
        if !(eta.is_finite() && eta > 0.0) {
            return Err(ModelError::invalid(
                "utility.eta",
                eta,
                "must be finite and > 0",
            ));
        }
        Ok(())
    }
}

/// Settings of the planner problem and its solver.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannerOptions {
    /// Horizon T > 0 (transversality `lambda(T) = 0`).
    pub horizon: f64,
    /// Discount rate rho > 0.
    pub discount: f64,
    /// Period utility.
    pub utility: Utility,
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
            utility: Utility::Log,
            capital: 1.0,
            grid: 401,
            grid_power: 2.0,
            tolerance: 1e-8,
            max_iterations: 500,
            relaxation: 0.7,
        }
    }
}

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

/// The planner's static allocation at one instant (see [`planner_allocation`]).
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

/// The log-linear planner variant of spec P11: `A_i = exp(theta (Omega x)_i)`, `x' = nu k`,
/// no labour, Cobb-Douglas tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLinearEconomy {
    /// Task masses a_i > 0, summing to one.
    pub mass: Vec<f64>,
    /// Elasticity theta > 0.
    pub theta: f64,
    /// Data per unit of capital nu_i >= 0.
    pub verifiability: Vec<f64>,
    /// Omega (row = receiver), entries >= 0.
    pub spill: DMatrix<f64>,
}

// ---------------------------------------------------------------------------------------------
// The static sub-problem.

/// Clearing tolerance of the root searches (relative to the endowment).
const ROOT_TOL: f64 = 1e-13;
/// Clearing accuracy a precision-limited solution must reach (relative). The dual can be
/// ill-conditioned: when the subsidy nearly covers the cost of capital in some task (its data
/// is worth almost as much as the capital), the clearing conditions move by ~1e-9 per ulp of
/// the factor prices. Split tasks absorb the residual exactly (see `assemble`).
const ACCEPT_TOL: f64 = 1e-7;
/// Fast-path clearing tolerance (relative).
const FAST_TOL: f64 = 1e-12;
/// Relative slack on the technique choice when certifying a fast-path solution.
const VERIFY_TOL: f64 = 1e-12;
const FAST_ITERATIONS: usize = 12;
/// Technique corrections the fast path tries before the nested search.
const ACTIVE_SET_ROUNDS: usize = 4;
/// Slack (relative to the endowments) on the split bounds when certifying.
const SPLIT_SLACK: f64 = 1e-10;
const MAX_ROOT_ITERATIONS: usize = 300;

/// Which tasks use AI in an evaluation.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// Tasks of rank below j in the threshold order.
    Ranked(usize),
    /// The stored assignment.
    Stored,
    /// Every task (no labour).
    AllAi,
    /// No task (no capital).
    AllLabor,
}

/// The dual at one point with a given technique assignment.
#[derive(Debug, Clone, Copy)]
struct Eval {
    /// ln Q = ln u'(Y).
    ln_q: f64,
    /// Y.
    output: f64,
    /// dQ/dm_L and dQ/dm_K.
    ql: f64,
    qk: f64,
    /// sum over labour (AI) tasks of Q_i / (q_i gamma_i^2) (Q_i / (q_i A_i^2)).
    sl2: f64,
    sk2: f64,
    /// Excess supplies of labour and capital.
    el: f64,
    ek: f64,
}

impl Eval {
    /// `Y / Q (1/eta - sigma)`: the weight of the rank-one part of the Hessian.
    fn kappa(&self, sigma: f64, eta: f64) -> f64 {
        (self.output.ln() - self.ln_q).exp() * (1.0 / eta - sigma)
    }

    /// The Hessian of the dual `(H_LL, H_LK, H_KK)`.
    fn hessian(&self, sigma: f64, eta: f64) -> (f64, f64, f64) {
        let kappa = self.kappa(sigma, eta);
        let y = self.output;
        (
            kappa * self.ql * self.ql + sigma * y * self.sl2,
            kappa * self.ql * self.qk,
            kappa * self.qk * self.qk + sigma * y * self.sk2,
        )
    }

    /// Second derivative of the dual along `(1, r)`.
    fn along(&self, r: f64, sigma: f64, eta: f64) -> f64 {
        let g = self.ql + r * self.qk;
        self.kappa(sigma, eta) * g * g + sigma * self.output * (self.sl2 + r * r * self.sk2)
    }
}

/// A warm start: the previous solution.
#[derive(Debug, Clone)]
struct Warm {
    m_l: f64,
    m_k: f64,
    /// Technique per task (true = AI; split tasks are stored as labour).
    assign: Vec<bool>,
    splits: Vec<usize>,
    j: usize,
}

/// The solution of the static sub-problem (utility-valued duals, per-unit-mass allocation).
#[derive(Debug, Clone)]
struct StaticSolution {
    m_l: f64,
    m_k: f64,
    ln_q: f64,
    output: f64,
    q: Vec<f64>,
    y: Vec<f64>,
    l: Vec<f64>,
    k: Vec<f64>,
    splits: Vec<usize>,
}

/// The inner solution for fixed `m_L`.
#[derive(Debug, Clone, Copy)]
struct Inner {
    m_k: f64,
    j: usize,
    split: Option<usize>,
    el: f64,
    slope: f64,
}

struct StaticSolver {
    n: usize,
    a: Vec<f64>,
    ln_a: Vec<f64>,
    gamma: Vec<f64>,
    sigma: f64,
    cd: bool,
    eta: f64,
    labor: f64,
    capital: f64,
    // inputs of one solve
    ai: Vec<f64>,
    sk: Vec<f64>,
    sl: Vec<f64>,
    pole: f64,
    ml_min: f64,
    // scratch
    q: Vec<f64>,
    share: Vec<f64>,
    tech: Vec<bool>,
    thr: Vec<f64>,
    order: Vec<usize>,
    rank: Vec<usize>,
    assign: Vec<bool>,
    sorted_once: bool,
    warm: Option<Warm>,
    fast_solves: usize,
    robust_solves: usize,
    evaluations: usize,
}

/// A market-clearing root is accepted when its residual `v` is within `ACCEPT_TOL` of the
/// endowment `scale`.
fn accept_root(v: f64, scale: f64, what: &str) -> Result<(), ModelError> {
    if v.is_nan() || v.abs() > ACCEPT_TOL * scale {
        return Err(ModelError::NoConvergence {
            what: what.into(),
            iterations: MAX_ROOT_ITERATIONS,
            residual: v,
        });
    }
    Ok(())
}

/// Finds a zero of an increasing function by safeguarded Newton (bisection when Newton leaves
/// the bracket or stalls). `f` returns the value and slope, or `None` below its domain (taken
/// as minus infinity). Returns the last point evaluated and its value.
fn increasing_root(
    f: &mut dyn FnMut(f64) -> Result<Option<(f64, f64)>, ModelError>,
    x0: f64,
    mut lo: Option<f64>,
    mut hi: Option<f64>,
    tol: f64,
    what: &str,
) -> Result<(f64, f64), ModelError> {
    let mut x = x0;
    match (lo, hi) {
        (Some(a), Some(b)) if !(x > a && x < b) => x = 0.5 * (a + b),
        (Some(a), None) if x.is_nan() || x <= a => x = a + 1.0,
        (None, Some(b)) if x.is_nan() || x >= b => x = b - 1.0,
        _ => {}
    }
    let mut step = 1.0f64;
    let mut width_mark = f64::INFINITY;
    let mut since_mark = 0usize;
    let mut finish = false;
    let mut last = (x, f64::NAN);
    for _ in 0..MAX_ROOT_ITERATIONS {
        let (v, d) = f(x)?.unwrap_or((f64::NEG_INFINITY, f64::NAN));
        if v.is_nan() {
            return Err(ModelError::NoConvergence {
                what: format!("{what} (NaN at {x})"),
                iterations: 0,
                residual: f64::NAN,
            });
        }
        last = (x, v);
        if finish || v.abs() <= tol {
            return Ok(last);
        }
        if v < 0.0 {
            lo = Some(x);
        } else {
            hi = Some(x);
        }
        let newton = (v.is_finite() && d.is_finite() && d > 0.0).then(|| x - v / d);
        let next = match (lo, hi) {
            (Some(a), Some(b)) => {
                let width = b - a;
                if width <= 4.0 * f64::EPSILON * a.abs().max(b.abs()).max(1.0) {
                    return Ok(last);
                }
                since_mark += 1;
                let stalled = since_mark >= 3 && width > 0.5 * width_mark;
                if since_mark >= 3 {
                    width_mark = width;
                    since_mark = 0;
                }
                match newton {
                    Some(xn) if xn > a && xn < b && !stalled => xn,
                    _ => 0.5 * (a + b),
                }
            }
            (Some(a), None) => {
                let xn = newton
                    .filter(|xn| *xn > a)
                    .map_or(a + step, |xn| xn.min(a + step));
                step *= 2.0;
                xn
            }
            (None, Some(b)) => {
                let xn = newton
                    .filter(|xn| *xn < b)
                    .map_or(b - step, |xn| xn.max(b - step));
                step *= 2.0;
                xn
            }
            (None, None) => unreachable!(),
        };
        if (next - x).abs() <= 2.0 * f64::EPSILON * x.abs().max(1.0) {
            finish = true;
        }
        x = next;
    }
    Err(ModelError::NoConvergence {
        what: what.to_string(),
        iterations: MAX_ROOT_ITERATIONS,
        residual: last.1,
    })
}

impl StaticSolver {
    fn new(mass: &[f64], gamma: &[f64], sigma: f64, eta: f64, labor: f64, capital: f64) -> Self {
        let n = mass.len();
        StaticSolver {
            n,
            a: mass.to_vec(),
            ln_a: mass.iter().map(|a| a.ln()).collect(),
            gamma: gamma.to_vec(),
            sigma,
            cd: (sigma - 1.0).abs() < 1e-9,
            eta,
            labor,
            capital,
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

    fn is_ai(&self, i: usize, mode: Mode) -> bool {
        match mode {
            Mode::Ranked(j) => self.rank[i] < j,
            Mode::Stored => self.assign[i],
            Mode::AllAi => true,
            Mode::AllLabor => false,
        }
    }

    /// The dual's value pieces at `(m_l, m_k)`; `None` outside its domain (some `q_i <= 0`).
    /// Leaves `q`, `share` (cost shares) and `tech` in the scratch buffers.
    fn evaluate(&mut self, m_l: f64, m_k: f64, mode: Mode) -> Option<Eval> {
        self.evaluations += 1;
        let n = self.n;
        let sigma = self.sigma;
        let mut ln_q_cd = 0.0;
        let mut reference = f64::NEG_INFINITY;
        for i in 0..n {
            let ai = self.is_ai(i, mode);
            let q = if ai {
                m_k / self.ai[i] - self.sk[i]
            } else {
                m_l / self.gamma[i] - self.sl[i]
            };
            if !(q > 0.0 && q.is_finite()) {
                return None;
            }
            self.q[i] = q;
            self.tech[i] = ai;
            let lq = q.ln();
            if self.cd {
                ln_q_cd += self.a[i] * lq;
            } else {
                let t = self.ln_a[i] + (1.0 - sigma) * lq;
                self.share[i] = t;
                reference = reference.max(t);
            }
        }
        let ln_q = if self.cd {
            self.share.copy_from_slice(&self.a);
            ln_q_cd
        } else {
            let mut s = 0.0;
            for v in self.share.iter_mut() {
                *v = (*v - reference).exp();
                s += *v;
            }
            for v in self.share.iter_mut() {
                *v /= s;
            }
            (reference + s.ln()) / (1.0 - sigma)
        };
        let ln_y = -ln_q / self.eta;
        let output = ln_y.exp();
        // a_i y_i = Y Q_i with Q_i = dQ/dq_i = share_i Q / q_i.
        let yq = (ln_y + ln_q).exp();
        let big_q = ln_q.exp();
        let (mut ql, mut qk, mut sl2, mut sk2) = (0.0, 0.0, 0.0, 0.0);
        for i in 0..n {
            let qi = self.share[i] * big_q / self.q[i];
            if self.tech[i] {
                let x = qi / self.ai[i];
                qk += x;
                sk2 += x / (self.q[i] * self.ai[i]);
            } else {
                let x = qi / self.gamma[i];
                ql += x;
                sl2 += x / (self.q[i] * self.gamma[i]);
            }
        }
        let el = self.labor - yq * ql / big_q;
        let ek = self.capital - yq * qk / big_q;
        let e = Eval {
            ln_q,
            output,
            ql,
            qk,
            sl2,
            sk2,
            el,
            ek,
        };
        (output.is_finite() && output > 0.0 && el.is_finite() && ek.is_finite()).then_some(e)
    }

    /// Sorts tasks by falling threshold (ties by index) and fills the ranks.
    fn sort_thresholds(&mut self) {
        let thr = &self.thr;
        let before = |i: usize, j: usize| thr[i] > thr[j] || (thr[i] == thr[j] && i < j);
        let order = &mut self.order;
        let mut done = false;
        if self.sorted_once {
            let budget = 4 * order.len() + 32;
            let mut moves = 0usize;
            done = true;
            'outer: for k in 1..order.len() {
                let mut j = k;
                while j > 0 && before(order[j], order[j - 1]) {
                    order.swap(j, j - 1);
                    j -= 1;
                    moves += 1;
                    if moves > budget {
                        done = false;
                        break 'outer;
                    }
                }
            }
        }
        if !done {
            order.sort_by(|&i, &j| thr[j].total_cmp(&thr[i]).then(i.cmp(&j)));
            self.sorted_once = true;
        }
        for (r, &i) in self.order.iter().enumerate() {
            self.rank[i] = r;
        }
    }

    /// Task i's threshold: it uses AI iff `m_K <= t_i`.
    fn threshold(&self, i: usize, m_l: f64) -> f64 {
        self.ai[i] * (m_l / self.gamma[i] - self.sl[i] + self.sk[i])
    }

    /// Solves the sub-problem for the inputs in `ai`, `sk`, `sl`.
    fn solve(&mut self) -> Result<StaticSolution, ModelError> {
        let n = self.n;
        for i in 0..n {
            let (a, s, l) = (self.ai[i], self.sk[i], self.sl[i]);
            if !(a.is_finite() && a > 0.0) {
                return Err(ModelError::invalid(
                    format!("A[{i}]"),
                    a,
                    "AI productivity must be finite and > 0",
                ));
            }
            if !(s.is_finite() && s >= 0.0 && l.is_finite() && l >= 0.0) {
                return Err(ModelError::invalid(
                    format!("costate[{i}]"),
                    s,
                    "data values must be finite and >= 0",
                ));
            }
        }
        self.pole = (0..n).map(|i| self.ai[i] * self.sk[i]).fold(0.0, f64::max);
        self.ml_min = (0..n)
            .map(|i| self.gamma[i] * self.sl[i])
            .fold(0.0, f64::max);
        let warm = self.warm.take();
        let (e, m_l, m_k, splits, j) = if self.labor > 0.0 && self.capital > 0.0 {
            match warm.as_ref().and_then(|w| self.fast(w)) {
                Some((e, m_l, m_k, splits)) => {
                    self.fast_solves += 1;
                    (e, m_l, m_k, splits, warm.as_ref().map_or(1, |w| w.j))
                }
                None => {
                    self.robust_solves += 1;
                    self.robust(warm.as_ref())?
                }
            }
        } else if self.labor > 0.0 || self.capital > 0.0 {
            self.robust_solves += 1;
            self.one_factor(warm.as_ref())?
        } else {
            return Err(ModelError::invalid(
                "labor",
                0,
                "an economy with neither labour nor capital produces nothing",
            ));
        };
        let solution = self.assemble(&e, m_l, m_k, &splits)?;
        self.warm = Some(Warm {
            m_l,
            m_k,
            assign: self.tech.clone(),
            splits,
            j,
        });
        Ok(solution)
    }

    /// Newton on the clearing conditions with the warm start's techniques frozen (along the
    /// split task's line if it had one; directly at the vertex if it had two); `None` if it
    /// fails or the result is not a certified optimum.
    fn fast(&mut self, w: &Warm) -> Option<(Eval, f64, f64, Vec<usize>)> {
        if w.assign.len() != self.n || !(w.m_l.is_finite() && w.m_k.is_finite()) {
            return None;
        }
        if w.splits.len() >= 2 {
            if let Some(found) = self.solve_vertex(w.splits[0], w.splits[1]) {
                return Some(found);
            }
        }
        self.assign.copy_from_slice(&w.assign);
        let mut split = (w.splits.len() == 1).then(|| w.splits[0]);
        let (mut m_l, mut m_k) = (w.m_l, w.m_k);
        for _ in 0..ACTIVE_SET_ROUNDS {
            if let Some(s) = split {
                self.assign[s] = false;
            }
            let e = self.newton(split, &mut m_l, &mut m_k)?;
            // The worst technique violation among the other tasks.
            let mut worst: Option<(usize, f64)> = None;
            for i in 0..self.n {
                if Some(i) == split {
                    continue;
                }
                let t = self.threshold(i, m_l);
                let violation = if self.tech[i] {
                    (m_k - t) / t
                } else {
                    (t - m_k) / t
                };
                if violation > VERIFY_TOL && worst.is_none_or(|(_, v)| violation > v) {
                    worst = Some((i, violation));
                }
            }
            let split_ok =
                split.is_none_or(|s| self.split_capital(&e, &[s], SPLIT_SLACK).is_some());
            match (worst, split) {
                (None, _) if split_ok => return Some((e, m_l, m_k, split.into_iter().collect())),
                (_, Some(s)) if !split_ok => {
                    // The split task leaves its line: it becomes pure.
                    self.assign[s] = e.ek > 0.0;
                    split = None;
                }
                (Some((v, _)), None) => split = Some(v),
                (Some((v, _)), Some(s)) => {
                    if let Some(found) = self.solve_vertex(s, v) {
                        return Some(found);
                    }
                    self.assign[s] = self.threshold(s, m_l) > m_k;
                    split = Some(v);
                }
                (None, _) => return None,
            }
        }
        None
    }

    /// Newton on the clearing conditions with the stored techniques (along the split task's
    /// line if any) from `(m_l, m_k)`; the converged evaluation, or `None`.
    fn newton(&mut self, split: Option<usize>, m_l: &mut f64, m_k: &mut f64) -> Option<Eval> {
        let (sigma, eta) = (self.sigma, self.eta);
        // Start inside the domain of the stored techniques (the poles move with the inputs).
        let (mut floor_l, mut floor_k) = (0.0f64, 0.0f64);
        for i in 0..self.n {
            if Some(i) == split || !self.assign[i] {
                floor_l = floor_l.max(self.gamma[i] * self.sl[i]);
            }
            if Some(i) == split || self.assign[i] {
                floor_k = floor_k.max(self.ai[i] * self.sk[i]);
            }
        }
        if let Some(s) = split {
            // On the line m_K = t_s(m_L): m_K above its floor needs m_L above this.
            let need = self.gamma[s] * (floor_k / self.ai[s] + self.sl[s] - self.sk[s]);
            floor_l = floor_l.max(need);
        }
        if *m_l <= floor_l {
            *m_l = floor_l
                + (floor_l - *m_l)
                    .abs()
                    .max(1e-3 * floor_l)
                    .max(f64::MIN_POSITIVE);
        }
        if *m_k <= floor_k {
            *m_k = floor_k
                + (floor_k - *m_k)
                    .abs()
                    .max(1e-3 * floor_k)
                    .max(f64::MIN_POSITIVE);
        }
        let (tol_l, tol_k) = (FAST_TOL * self.labor, FAST_TOL * self.capital);
        let mut stalled = false;
        for _ in 0..FAST_ITERATIONS {
            match split {
                None => {
                    let e = self.evaluate(*m_l, *m_k, Mode::Stored)?;
                    let done = e.el.abs() <= tol_l && e.ek.abs() <= tol_k;
                    let settled = stalled
                        && e.el.abs() <= ACCEPT_TOL * self.labor
                        && e.ek.abs() <= ACCEPT_TOL * self.capital;
                    if done || settled {
                        return Some(e);
                    }
                    let (hll, hlk, hkk) = e.hessian(sigma, eta);
                    let det = hll * hkk - hlk * hlk;
                    if !(det > 0.0 && det.is_finite()) {
                        return None;
                    }
                    let dl = -(hkk * e.el - hlk * e.ek) / det;
                    let dk = -(hll * e.ek - hlk * e.el) / det;
                    let alpha = self.max_step(dl, dk);
                    *m_l += alpha * dl;
                    *m_k += alpha * dk;
                    stalled = (alpha * dl).abs() <= 1e-14 * m_l.abs()
                        && (alpha * dk).abs() <= 1e-14 * m_k.abs();
                }
                Some(s) => {
                    let r = self.ai[s] / self.gamma[s];
                    *m_k = self.threshold(s, *m_l);
                    let e = self.evaluate(*m_l, *m_k, Mode::Stored)?;
                    let f = e.el + r * e.ek;
                    let done = f.abs() <= tol_l + r * tol_k;
                    let settled =
                        stalled && f.abs() <= ACCEPT_TOL * (self.labor + r * self.capital);
                    if done || settled {
                        return Some(e);
                    }
                    let slope = e.along(r, sigma, eta);
                    if !(slope > 0.0 && slope.is_finite()) {
                        return None;
                    }
                    let dl = -f / slope;
                    let alpha = self.max_step(dl, r * dl);
                    *m_l += alpha * dl;
                    stalled = (alpha * dl).abs() <= 1e-14 * m_l.abs();
                }
            }
        }
        None
    }

    /// The largest step fraction (at most 1) that keeps every unit cost of the last
    /// evaluation positive, with a margin.
    fn max_step(&self, dl: f64, dk: f64) -> f64 {
        let mut alpha: f64 = 1.0;
        for i in 0..self.n {
            let dq = if self.tech[i] {
                dk / self.ai[i]
            } else {
                dl / self.gamma[i]
            };
            if dq < 0.0 {
                alpha = alpha.min(-0.9 * self.q[i] / dq);
            }
        }
        alpha
    }

    /// y_i of the last evaluation.
    fn task_output(&self, e: &Eval, i: usize) -> f64 {
        let yq = (e.output.ln() + e.ln_q).exp();
        yq * self.share[i] / (self.a[i] * self.q[i])
    }

    /// Capital `X_i = a_i k_i` of each split task (the last evaluation has them on labour)
    /// such that both markets clear: `sum X_i = E_K`, `sum (A_i / gamma_i) X_i = -E_L`,
    /// `0 <= X_i <= a_i y_i / A_i`. One split task takes `E_K` (its line already clears
    /// labour); with more, the convex combination of the two greedy extremes (filling by
    /// falling or rising `A_i / gamma_i`, ties by index) that clears labour. `None` if
    /// infeasible by more than `slack` (relative to the endowments).
    fn split_capital(&self, e: &Eval, splits: &[usize], slack: f64) -> Option<Vec<f64>> {
        let caps: Vec<f64> = splits
            .iter()
            .map(|&i| self.a[i] * self.task_output(e, i) / self.ai[i])
            .collect();
        let total: f64 = caps.iter().sum();
        let (tk, tl) = (slack * self.capital, slack * self.labor);
        if e.ek < -tk || e.ek > total + tk {
            return None;
        }
        let need = e.ek.clamp(0.0, total);
        if splits.len() == 1 {
            return Some(vec![need]);
        }
        let ratio: Vec<f64> = splits.iter().map(|&i| self.ai[i] / self.gamma[i]).collect();
        let greedy = |descending: bool| -> Vec<f64> {
            let mut idx: Vec<usize> = (0..splits.len()).collect();
            idx.sort_by(|&p, &q| {
                let c = ratio[p].total_cmp(&ratio[q]);
                (if descending { c.reverse() } else { c }).then(splits[p].cmp(&splits[q]))
            });
            let mut x = vec![0.0; splits.len()];
            let mut left = need;
            for &p in &idx {
                let take = left.min(caps[p]);
                x[p] = take;
                left -= take;
            }
            x
        };
        let (hi, lo) = (greedy(true), greedy(false));
        let freed = |x: &[f64]| x.iter().zip(&ratio).map(|(x, r)| x * r).sum::<f64>();
        let (b_hi, b_lo) = (freed(&hi), freed(&lo));
        let target = -e.el;
        if target < b_lo - tl || target > b_hi + tl {
            return None;
        }
        let w = if b_hi > b_lo {
            ((target - b_lo) / (b_hi - b_lo)).clamp(0.0, 1.0)
        } else {
            1.0
        };
        Some(
            hi.iter()
                .zip(&lo)
                .map(|(h, l)| w * h + (1.0 - w) * l)
                .collect(),
        )
    }

    /// The intersection of the indifference lines of tasks i and j inside the dual domain.
    fn vertex(&self, i: usize, j: usize) -> Option<(f64, f64)> {
        // m_K / A - m_L / gamma = sk - sl on both lines.
        let (a11, a12, c1) = (
            1.0 / self.ai[i],
            -1.0 / self.gamma[i],
            self.sk[i] - self.sl[i],
        );
        let (a21, a22, c2) = (
            1.0 / self.ai[j],
            -1.0 / self.gamma[j],
            self.sk[j] - self.sl[j],
        );
        let det = a11 * a22 - a12 * a21;
        if det.is_nan() || det.abs() <= 1e-12 * (a11 * a22).abs().max((a12 * a21).abs()) {
            return None;
        }
        let m_k = (c1 * a22 - a12 * c2) / det;
        let m_l = (a11 * c2 - a21 * c1) / det;
        (m_l.is_finite() && m_k.is_finite() && m_l > self.ml_min && m_k > self.pole)
            .then_some((m_l, m_k))
    }

    /// The solution at the vertex of the lines of tasks i and j: every task on a line through
    /// the vertex is split, the others use their cheaper technique (so only the split needs
    /// checking). `None` if the split is infeasible.
    fn solve_vertex(&mut self, i: usize, j: usize) -> Option<(Eval, f64, f64, Vec<usize>)> {
        let (m_l, m_k) = self.vertex(i, j)?;
        let mut free = Vec::new();
        for p in 0..self.n {
            let t = self.threshold(p, m_l);
            if p == i || p == j || (t - m_k).abs() <= VERIFY_TOL * m_k {
                free.push(p);
                self.assign[p] = false;
            } else {
                self.assign[p] = t > m_k;
            }
        }
        let e = self.evaluate(m_l, m_k, Mode::Stored)?;
        self.split_capital(&e, &free, SPLIT_SLACK)?;
        Some((e, m_l, m_k, free))
    }

    /// Nested search (see the module docs); returns the final evaluation (split tasks on
    /// labour), the duals, the split tasks and the inner rank hint.
    fn robust(
        &mut self,
        hint: Option<&Warm>,
    ) -> Result<(Eval, f64, f64, Vec<usize>, usize), ModelError> {
        let tol_l = ROOT_TOL * self.labor;
        let x0 = hint
            .map(|w| w.m_l - self.ml_min)
            .filter(|d| *d > 0.0 && d.is_finite())
            .map_or(0.0, f64::ln);
        let mut inner_hint = (hint.map_or(1, |w| w.j), hint.map_or(f64::NAN, |w| w.m_k));
        let mut last: Option<(f64, Inner)> = None;
        let (_, v) = {
            let mut f = |x: f64| -> Result<Option<(f64, f64)>, ModelError> {
                if x > 700.0 {
                    return Err(ModelError::NoConvergence {
                        what: "planner static problem (wage outside floating-point range)".into(),
                        iterations: 0,
                        residual: f64::NAN,
                    });
                }
                let gap = x.exp();
                let m_l = self.ml_min + gap;
                let inner = self.inner(m_l, &mut inner_hint)?;
                last = Some((m_l, inner));
                Ok(Some((inner.el, inner.slope * gap)))
            };
            increasing_root(
                &mut f,
                x0,
                None,
                None,
                tol_l,
                "planner static problem (labour market)",
            )?
        };
        let Some((m_l, inner)) = last else {
            unreachable!()
        };
        if v.is_nan() || v.abs() > ACCEPT_TOL * self.labor {
            // The labour excess supply jumps across zero: the optimum is a vertex where two
            // indifference lines cross (two split tasks). The lines nearest the point found.
            let m_k = inner.m_k;
            let mut near: Vec<usize> = (0..self.n).collect();
            let dist: Vec<f64> = (0..self.n).map(|p| (self.thr[p] - m_k).abs()).collect();
            near.sort_by(|&p, &q| dist[p].total_cmp(&dist[q]));
            let first = inner.split.unwrap_or(near[0]);
            for &other in near.iter().filter(|&&p| p != first).take(6) {
                if let Some((e, ml, mk, free)) = self.solve_vertex(first, other) {
                    return Ok((e, ml, mk, free, inner.j));
                }
            }
            return Err(ModelError::NoConvergence {
                what: "planner static problem (labour market)".into(),
                iterations: MAX_ROOT_ITERATIONS,
                residual: v,
            });
        }
        for i in 0..self.n {
            self.assign[i] = self.rank[i] < inner.j;
        }
        if let Some(s) = inner.split {
            self.assign[s] = false;
        }
        let e = self.evaluate(m_l, inner.m_k, Mode::Stored).ok_or_else(|| {
            ModelError::NoConvergence {
                what: "planner static problem (final evaluation)".into(),
                iterations: 0,
                residual: f64::NAN,
            }
        })?;
        Ok((
            e,
            m_l,
            inner.m_k,
            inner.split.into_iter().collect(),
            inner.j,
        ))
    }

    /// For fixed `m_L`, the capital price that clears the capital market (or the split task).
    fn inner(&mut self, m_l: f64, hint: &mut (usize, f64)) -> Result<Inner, ModelError> {
        let n = self.n;
        for i in 0..n {
            self.thr[i] = self.ai[i] * (m_l / self.gamma[i] - self.sl[i] + self.sk[i]);
        }
        self.sort_thresholds();
        let pole = self.pole;
        let big_j = self
            .order
            .iter()
            .take_while(|&&i| self.thr[i] > pole)
            .count();
        if big_j == 0 {
            return Err(ModelError::NoConvergence {
                what: "planner static problem (no task can absorb capital)".into(),
                iterations: 0,
                residual: f64::NAN,
            });
        }
        let capital = self.capital;
        let range_error = || ModelError::NoConvergence {
            what: "planner static problem (evaluation outside the dual domain)".into(),
            iterations: 0,
            residual: f64::NAN,
        };
        // Capital excess supply just above threshold j (1-based), task order[j-1] on labour.
        let e_plus = |s: &mut Self, j: usize| -> f64 {
            if j == 1 {
                return capital;
            }
            let m_k = s.thr[s.order[j - 1]];
            s.evaluate(m_l, m_k, Mode::Ranked(j - 1))
                .map_or(f64::NEG_INFINITY, |e| e.ek)
        };
        // j* = max { j in 1..=J : e_plus(j) >= 0 }; invariant e_plus(lo) >= 0 > e_plus(hi).
        let (mut lo, mut hi) = (1usize, big_j + 1);
        let h = hint.0.clamp(1, big_j);
        if h > 1 {
            if e_plus(self, h) >= 0.0 {
                lo = h;
            } else {
                hi = h;
                let mut step = 1;
                while hi > lo + 1 {
                    let c = hi.saturating_sub(step).max(lo + 1);
                    if e_plus(self, c) >= 0.0 {
                        lo = c;
                        break;
                    }
                    hi = c;
                    step *= 2;
                }
            }
        }
        let mut step = 1;
        while lo + step < hi {
            let c = lo + step;
            if e_plus(self, c) >= 0.0 {
                lo = c;
                step *= 2;
            } else {
                hi = c;
                break;
            }
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if e_plus(self, mid) >= 0.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let j = lo;
        let s = self.order[j - 1];
        let t_j = self.thr[s];
        let e_minus = self
            .evaluate(m_l, t_j, Mode::Ranked(j))
            .ok_or_else(range_error)?;
        let (sigma, eta) = (self.sigma, self.eta);
        hint.0 = j;
        if e_minus.ek <= 0.0 {
            // Task s is split: it takes the capital the others leave.
            let ys = self.task_output(&e_minus, s);
            let ak = e_minus.ek + self.a[s] * ys / self.ai[s];
            let al = (self.a[s] * ys - self.ai[s] * ak) / self.gamma[s];
            let r = self.ai[s] / self.gamma[s];
            hint.1 = t_j;
            return Ok(Inner {
                m_k: t_j,
                j,
                split: Some(s),
                el: e_minus.el - al,
                slope: e_minus.along(r, sigma, eta),
            });
        }
        // Root in (t_{j+1}, t_j) with the first j tasks on AI, in z = ln(m_K - pole).
        let z_hi = (t_j - pole).ln();
        let z_lo = (j < big_j).then(|| (self.thr[self.order[j]] - pole).ln());
        let z0 = if hint.1 > pole && hint.1 < t_j && z_lo.is_none_or(|z| (hint.1 - pole).ln() > z) {
            (hint.1 - pole).ln()
        } else {
            z_lo.map_or(z_hi - 1.0, |z| 0.5 * (z + z_hi))
        };
        let mut last: Option<Eval> = None;
        let (z, v) = {
            let mut f = |z: f64| -> Result<Option<(f64, f64)>, ModelError> {
                let gap = z.exp();
                let Some(e) = self.evaluate(m_l, pole + gap, Mode::Ranked(j)) else {
                    return Ok(None);
                };
                last = Some(e);
                let (_, _, hkk) = e.hessian(sigma, eta);
                Ok(Some((e.ek, hkk * gap)))
            };
            increasing_root(
                &mut f,
                z0,
                z_lo,
                Some(z_hi),
                ROOT_TOL * capital,
                "planner static problem (capital market)",
            )?
        };
        let e = last.ok_or_else(range_error)?;
        accept_root(v, capital, "planner static problem (capital market)")?;
        let m_k = pole + z.exp();
        hint.1 = m_k;
        let (hll, hlk, hkk) = e.hessian(sigma, eta);
        Ok(Inner {
            m_k,
            j,
            split: None,
            el: e.el,
            slope: hll - hlk * hlk / hkk,
        })
    }

    /// Only one factor: every task uses it; a monotone root in its price.
    fn one_factor(
        &mut self,
        hint: Option<&Warm>,
    ) -> Result<(Eval, f64, f64, Vec<usize>, usize), ModelError> {
        let (sigma, eta) = (self.sigma, self.eta);
        let ai_only = self.labor == 0.0;
        let floor = if ai_only { self.pole } else { self.ml_min };
        let x0 = hint
            .map(|w| if ai_only { w.m_k } else { w.m_l } - floor)
            .filter(|d| *d > 0.0 && d.is_finite())
            .map_or(0.0, f64::ln);
        let mut last: Option<Eval> = None;
        let endowment = if ai_only { self.capital } else { self.labor };
        let (x, v) = {
            let mut f = |x: f64| -> Result<Option<(f64, f64)>, ModelError> {
                let gap = x.exp();
                let m = floor + gap;
                let e = if ai_only {
                    self.evaluate(f64::NAN, m, Mode::AllAi)
                } else {
                    self.evaluate(m, f64::NAN, Mode::AllLabor)
                };
                let Some(e) = e else { return Ok(None) };
                last = Some(e);
                let (hll, _, hkk) = e.hessian(sigma, eta);
                Ok(Some(if ai_only {
                    (e.ek, hkk * gap)
                } else {
                    (e.el, hll * gap)
                }))
            };
            increasing_root(
                &mut f,
                x0,
                None,
                None,
                ROOT_TOL * endowment,
                "planner static problem (single factor)",
            )?
        };
        let e = last.ok_or_else(|| ModelError::NoConvergence {
            what: "planner static problem".into(),
            iterations: 0,
            residual: f64::NAN,
        })?;
        accept_root(v, endowment, "planner static problem (single factor)")?;
        let m = floor + x.exp();
        Ok(if ai_only {
            (e, f64::NAN, m, Vec::new(), 1)
        } else {
            (e, m, f64::NAN, Vec::new(), 1)
        })
    }

    /// The allocation from the final evaluation (scratch buffers hold it; split tasks are on
    /// labour there and take the capital that clears both markets).
    fn assemble(
        &self,
        e: &Eval,
        m_l: f64,
        m_k: f64,
        splits: &[usize],
    ) -> Result<StaticSolution, ModelError> {
        let n = self.n;
        let mut y = vec![0.0; n];
        let mut l = vec![0.0; n];
        let mut k = vec![0.0; n];
        for i in 0..n {
            y[i] = self.task_output(e, i);
            if self.tech[i] {
                k[i] = y[i] / self.ai[i];
            } else {
                l[i] = y[i] / self.gamma[i];
            }
        }
        if let [s] = *splits {
            // The split task takes exactly what the other tasks leave of both factors.
            k[s] = (e.ek / self.a[s]).max(0.0);
            l[s] = ((e.el + self.a[s] * y[s] / self.gamma[s]) / self.a[s]).max(0.0);
            y[s] = self.gamma[s] * l[s] + self.ai[s] * k[s];
        } else if !splits.is_empty() {
            let x = self
                .split_capital(e, splits, f64::INFINITY)
                .unwrap_or_default();
            for (&s, x) in splits.iter().zip(x) {
                k[s] = x / self.a[s];
                l[s] = ((y[s] - self.ai[s] * k[s]) / self.gamma[s]).max(0.0);
            }
        }
        let residual = |used: f64, endowment: f64| {
            if endowment > 0.0 {
                (used - endowment).abs() / endowment
            } else {
                used.abs()
            }
        };
        let res = residual((0..n).map(|i| self.a[i] * l[i]).sum(), self.labor).max(residual(
            (0..n).map(|i| self.a[i] * k[i]).sum(),
            self.capital,
        ));
        if res.is_nan() || res > 10.0 * ACCEPT_TOL {
            return Err(ModelError::NoConvergence {
                what: "planner static problem (factor markets do not clear)".into(),
                iterations: 0,
                residual: res,
            });
        }
        let splits = splits
            .iter()
            .copied()
            .filter(|&s| k[s] > 0.0 && l[s] > 0.0)
            .collect();
        Ok(StaticSolution {
            m_l,
            m_k,
            ln_q: e.ln_q,
            output: e.output,
            q: self.q.clone(),
            y,
            l,
            k,
            splits,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Models: DDA-1 and the log-linear variant, behind one interface for the sweep.

enum Kind<'a> {
    Dda1(&'a Economy),
    LogLinear(&'a LogLinearEconomy),
}

/// Technology at a state: A_i, data per unit of AI / labour output, dA_i/dDtilde_i, and the
/// data flow's derivative in A_i per unit of AI capital.
struct Tech {
    ai: Vec<f64>,
    ek: Vec<f64>,
    el: Vec<f64>,
    da: Vec<f64>,
    fa: Vec<f64>,
}

struct Model<'a> {
    kind: Kind<'a>,
    n: usize,
    mass: Vec<f64>,
    gamma: Vec<f64>,
    sigma: f64,
    labor: f64,
    delta: f64,
    /// Per receiver i: (sender j, spill_ij) for the nonzero entries.
    rows: Vec<Vec<(usize, f64)>>,
    ln_abar: Vec<f64>,
    utility: Utility,
}

/// One point of a path: allocation, output, state derivative and costate coefficients.
#[derive(Debug, Clone)]
struct Point {
    output: f64,
    l: Vec<f64>,
    k: Vec<f64>,
    deriv: Vec<f64>,
    /// Data per unit of AI output (for the subsidy).
    ek: Vec<f64>,
    /// Costate coefficients: c_i = dA_i/dDtilde_i k_i, v_i = u'(Y) a_i p_i, fa_i.
    c: Vec<f64>,
    v: Vec<f64>,
    fa: Vec<f64>,
}

/// A path on the grid: states and points at the nodes and (Hermite-interpolated states) at
/// the half steps.
#[derive(Debug, Clone)]
struct Path {
    states: Vec<Vec<f64>>,
    mid_states: Vec<Vec<f64>>,
    nodes: Vec<Point>,
    mids: Vec<Point>,
}

/// An allocation per unit mass: (labour, capital).
type Alloc = (Vec<f64>, Vec<f64>);

fn sparse_rows(m: &DMatrix<f64>) -> Vec<Vec<(usize, f64)>> {
    (0..m.nrows())
        .map(|i| {
            (0..m.ncols())
                .filter(|&j| m[(i, j)] != 0.0)
                .map(|j| (j, m[(i, j)]))
                .collect()
        })
        .collect()
}

impl<'a> Model<'a> {
    fn dda1(e: &'a Economy, utility: Utility) -> Self {
        Model {
            kind: Kind::Dda1(e),
            n: e.tasks(),
            mass: e.mass.clone(),
            gamma: e.labor_productivity.clone(),
            sigma: e.sigma,
            labor: e.labor,
            delta: e.delta_data,
            rows: sparse_rows(&e.spill),
            ln_abar: e.ai_productivity.iter().map(|a| a.ln()).collect(),
            utility,
        }
    }

    fn log_linear(e: &'a LogLinearEconomy, utility: Utility) -> Self {
        let n = e.mass.len();
        Model {
            kind: Kind::LogLinear(e),
            n,
            mass: e.mass.clone(),
            gamma: vec![1.0; n],
            sigma: 1.0,
            labor: 0.0,
            delta: 0.0,
            rows: sparse_rows(&e.spill),
            ln_abar: vec![0.0; n],
            utility,
        }
    }

    fn solver(&self, capital: f64) -> StaticSolver {
        StaticSolver::new(
            &self.mass,
            &self.gamma,
            self.sigma,
            self.utility.eta(),
            self.labor,
            capital,
        )
    }

    fn tech(&self, state: &[f64]) -> Result<Tech, ModelError> {
        let n = self.n;
        let mut t = Tech {
            ai: vec![0.0; n],
            ek: vec![0.0; n],
            el: vec![0.0; n],
            da: vec![0.0; n],
            fa: vec![0.0; n],
        };
        match self.kind {
            Kind::Dda1(e) => {
                for i in 0..n {
                    let dt: f64 = self.rows[i].iter().map(|&(j, w)| w * state[j]).sum();
                    let dt = dt.max(f64::MIN_POSITIVE);
                    let ln_a = self.ln_abar[i] + e.technology.ln_g(dt);
                    t.ai[i] = ln_a.exp();
                    let eps = e.technology.elasticity(dt);
                    t.da[i] = t.ai[i] * eps / dt;
                    t.ek[i] = e.verifiability[i];
                    t.el[i] = e.chi * e.verifiability[i];
                    t.fa[i] = e.verifiability[i];
                }
            }
            Kind::LogLinear(e) => {
                for i in 0..n {
                    let ln_a: f64 =
                        e.theta * self.rows[i].iter().map(|&(j, w)| w * state[j]).sum::<f64>();
                    t.ai[i] = ln_a.exp();
                    t.da[i] = e.theta * t.ai[i];
                    t.ek[i] = e.verifiability[i] / t.ai[i];
                }
            }
        }
        if let Some(i) = (0..n).find(|&i| !(t.ai[i].is_finite() && t.ai[i] > 0.0)) {
            return Err(ModelError::invalid(
                format!("A[{i}]"),
                t.ai[i],
                "AI productivity left the floating-point range",
            ));
        }
        Ok(t)
    }

    /// Solves the static sub-problem at a state and costates.
    fn solve_static(
        &self,
        solver: &mut StaticSolver,
        state: &[f64],
        lam: &[f64],
    ) -> Result<(Tech, StaticSolution), ModelError> {
        let t = self.tech(state)?;
        for i in 0..self.n {
            let l = lam[i].max(0.0);
            solver.ai[i] = t.ai[i];
            solver.sk[i] = l * t.ek[i] / self.mass[i];
            solver.sl[i] = l * t.el[i] / self.mass[i];
        }
        let s = solver.solve()?;
        Ok((t, s))
    }

    fn point(
        &self,
        solver: &mut StaticSolver,
        state: &[f64],
        lam: &[f64],
    ) -> Result<Point, ModelError> {
        let n = self.n;
        let (t, s) = self.solve_static(solver, state, lam)?;
        let mut deriv = vec![0.0; n];
        let mut c = vec![0.0; n];
        let mut v = vec![0.0; n];
        for i in 0..n {
            let flow = t.ek[i] * t.ai[i] * s.k[i] + t.el[i] * self.gamma[i] * s.l[i];
            deriv[i] = flow - self.delta * state[i];
            c[i] = if s.k[i] > 0.0 { t.da[i] * s.k[i] } else { 0.0 };
            // u'(Y) a_i p_i = a_i q_i
            v[i] = self.mass[i] * s.q[i];
        }
        if let Some(i) = (0..n).find(|&i| !deriv[i].is_finite()) {
            return Err(ModelError::invalid(
                format!("growth of state {i}"),
                deriv[i],
                "the data law overflowed",
            ));
        }
        Ok(Point {
            output: s.output,
            l: s.l,
            k: s.k,
            deriv,
            ek: t.ek,
            c,
            v,
            fa: t.fa,
        })
    }

    /// A point with a given allocation (open loop).
    fn open_point(&self, state: &[f64], alloc: &Alloc) -> Result<Point, ModelError> {
        let n = self.n;
        let t = self.tech(state)?;
        let (l, k) = alloc;
        let sigma = self.sigma;
        let ln_y: Vec<f64> = (0..n)
            .map(|i| (self.gamma[i] * l[i] + t.ai[i] * k[i]).ln())
            .collect();
        // ln Y = sigma/(sigma-1) ln sum a_i y_i^{(sigma-1)/sigma} (Cobb-Douglas: sum a_i ln y_i)
        let ln_big_y = if (sigma - 1.0).abs() < 1e-9 {
            (0..n).map(|i| self.mass[i] * ln_y[i]).sum::<f64>()
        } else {
            let r = (sigma - 1.0) / sigma;
            let terms: Vec<f64> = (0..n).map(|i| self.mass[i].ln() + r * ln_y[i]).collect();
            let m = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            (m + terms.iter().map(|x| (x - m).exp()).sum::<f64>().ln()) / r
        };
        let output = ln_big_y.exp();
        if !(output.is_finite() && output > 0.0) {
            return Err(ModelError::invalid(
                "output",
                output,
                "left the floating-point range on the planner path",
            ));
        }
        let ln_mu = self.utility.marginal(output).ln();
        let mut deriv = vec![0.0; n];
        let mut c = vec![0.0; n];
        let mut v = vec![0.0; n];
        for i in 0..n {
            let flow = t.ek[i] * t.ai[i] * k[i] + t.el[i] * self.gamma[i] * l[i];
            deriv[i] = flow - self.delta * state[i];
            c[i] = if k[i] > 0.0 { t.da[i] * k[i] } else { 0.0 };
            v[i] = (ln_mu + self.mass[i].ln() + (ln_big_y - ln_y[i]) / sigma).exp();
        }
        if let Some(i) = (0..n).find(|&i| !deriv[i].is_finite()) {
            return Err(ModelError::invalid(
                format!("growth of state {i}"),
                deriv[i],
                "the data law overflowed",
            ));
        }
        Ok(Point {
            output,
            l: l.clone(),
            k: k.clone(),
            deriv,
            ek: t.ek,
            c,
            v,
            fa: t.fa,
        })
    }

    /// The state derivative with a given allocation (the data flow does not need Y).
    fn open_deriv(&self, state: &[f64], alloc: &Alloc) -> Result<Vec<f64>, ModelError> {
        let t = self.tech(state)?;
        let (l, k) = alloc;
        let deriv: Vec<f64> = (0..self.n)
            .map(|i| {
                t.ek[i] * t.ai[i] * k[i] + t.el[i] * self.gamma[i] * l[i] - self.delta * state[i]
            })
            .collect();
        match deriv.iter().position(|d| !d.is_finite()) {
            Some(i) => Err(ModelError::invalid(
                format!("growth of state {i}"),
                deriv[i],
                "the data law overflowed",
            )),
            None => Ok(deriv),
        }
    }

    /// RK4 forward pass with given allocations at the slots (node k = slot 2k, half step
    /// k = slot 2k + 1).
    fn forward_open(&self, x0: &[f64], ctrl: &[Alloc], times: &[f64]) -> Result<Path, ModelError> {
        let steps = (ctrl.len() - 1) / 2;
        let mut path = Path {
            states: Vec::with_capacity(steps + 1),
            mid_states: Vec::with_capacity(steps),
            nodes: Vec::with_capacity(steps + 1),
            mids: Vec::with_capacity(steps),
        };
        let mut x = x0.to_vec();
        let mut node = self.open_point(&x, &ctrl[0])?;
        let axpy = |x: &[f64], a: f64, f: &[f64]| -> Vec<f64> {
            x.iter().zip(f).map(|(x, f)| x + a * f).collect()
        };
        for k in 0..steps {
            let h = times[k + 1] - times[k];
            let f1 = &node.deriv;
            let f2 = self.open_deriv(&axpy(&x, 0.5 * h, f1), &ctrl[2 * k + 1])?;
            let f3 = self.open_deriv(&axpy(&x, 0.5 * h, &f2), &ctrl[2 * k + 1])?;
            let f4 = self.open_deriv(&axpy(&x, h, &f3), &ctrl[2 * k + 2])?;
            let x_next: Vec<f64> = (0..self.n)
                .map(|i| x[i] + h / 6.0 * (f1[i] + 2.0 * f2[i] + 2.0 * f3[i] + f4[i]))
                .collect();
            let next = self.open_point(&x_next, &ctrl[2 * k + 2])?;
            let x_mid = hermite_mid(&x, f1, &x_next, &next.deriv, h);
            path.mids.push(self.open_point(&x_mid, &ctrl[2 * k + 1])?);
            path.mid_states.push(x_mid);
            path.states.push(x);
            path.nodes.push(node);
            x = x_next;
            node = next;
        }
        path.states.push(x);
        path.nodes.push(node);
        Ok(path)
    }

    /// The Hamiltonian-maximising allocation at every slot of `path` given its costates, and
    /// the consumption-equivalent Hamiltonian gap `int e^{-rho t} (H(best) - H(current)) dt /
    /// int e^{-rho t} u'(Y) Y dt` (>= 0; zero iff the path satisfies the maximum principle).
    #[allow(clippy::too_many_arguments)]
    fn best_response(
        &self,
        solver: &mut StaticSolver,
        path: &Path,
        lam: &[Vec<f64>],
        dlam: &[Vec<f64>],
        times: &[f64],
        rho: f64,
        warm: &mut [Option<Warm>],
    ) -> Result<(Vec<Alloc>, f64), ModelError> {
        let steps = path.mids.len();
        let mut best = Vec::with_capacity(2 * steps + 1);
        let (mut gap, mut norm) = (0.0, 0.0);
        for slot in 0..=2 * steps {
            let k = slot / 2;
            let h = if k < steps {
                times[k + 1] - times[k]
            } else {
                0.0
            };
            let (state, point, lam_s) = if slot % 2 == 0 {
                (&path.states[k], &path.nodes[k], lam[k].clone())
            } else {
                (
                    &path.mid_states[k],
                    &path.mids[k],
                    hermite_mid(&lam[k], &dlam[k], &lam[k + 1], &dlam[k + 1], h),
                )
            };
            if warm[slot].is_some() {
                solver.warm = warm[slot].take();
            }
            let (t, s) = self.solve_static(solver, state, &lam_s)?;
            warm[slot].clone_from(&solver.warm);
            let mut h_best = self.utility.value(s.output);
            let mut h_now = self.utility.value(point.output);
            for i in 0..self.n {
                let flow = t.ek[i] * t.ai[i] * s.k[i] + t.el[i] * self.gamma[i] * s.l[i];
                h_best += lam_s[i] * (flow - self.delta * state[i]);
                h_now += lam_s[i] * point.deriv[i];
            }
            let weight = slot_weight(times, slot) * (-rho * slot_time(times, slot)).exp();
            gap += weight * (h_best - h_now);
            norm += weight * self.utility.marginal(point.output) * point.output;
            best.push((s.l, s.k));
        }
        Ok((best, gap.max(0.0) / norm))
    }

    /// `dH/dD` (holding the allocation) at a point with costates `lam`.
    fn hamiltonian_gradient(&self, p: &Point, lam: &[f64], out: &mut [f64]) {
        for (j, o) in out.iter_mut().enumerate() {
            *o = -self.delta * lam[j];
        }
        for i in 0..self.n {
            let r = p.c[i] * (p.v[i] + p.fa[i] * lam[i]);
            if r != 0.0 {
                for &(j, w) in &self.rows[i] {
                    out[j] += w * r;
                }
            }
        }
    }

    /// Costate derivative `rho lambda - dH/dD`.
    fn costate_rhs(&self, p: &Point, lam: &[f64], rho: f64, out: &mut [f64]) {
        self.hamiltonian_gradient(p, lam, out);
        for j in 0..self.n {
            out[j] = rho * lam[j] - out[j];
        }
    }

    /// RK4 forward pass with the given costates at the nodes (and their derivatives).
    fn forward(
        &self,
        solver: &mut StaticSolver,
        x0: &[f64],
        lam: &[Vec<f64>],
        dlam: &[Vec<f64>],
        times: &[f64],
    ) -> Result<Path, ModelError> {
        let steps = lam.len() - 1;
        let mut states = Vec::with_capacity(steps + 1);
        let mut nodes = Vec::with_capacity(steps + 1);
        let mut mids = Vec::with_capacity(steps);
        let mut mid_states = Vec::with_capacity(steps);
        let mut x = x0.to_vec();
        let mut node = self.point(solver, &x, &lam[0])?;
        let axpy = |x: &[f64], a: f64, f: &[f64]| -> Vec<f64> {
            x.iter().zip(f).map(|(x, f)| x + a * f).collect()
        };
        for k in 0..steps {
            let h = times[k + 1] - times[k];
            let lam_mid = hermite_mid(&lam[k], &dlam[k], &lam[k + 1], &dlam[k + 1], h);
            let f1 = &node.deriv;
            let f2 = self.point(solver, &axpy(&x, 0.5 * h, f1), &lam_mid)?.deriv;
            let f3 = self.point(solver, &axpy(&x, 0.5 * h, &f2), &lam_mid)?.deriv;
            let f4 = self.point(solver, &axpy(&x, h, &f3), &lam[k + 1])?.deriv;
            let x_next: Vec<f64> = (0..self.n)
                .map(|i| x[i] + h / 6.0 * (f1[i] + 2.0 * f2[i] + 2.0 * f3[i] + f4[i]))
                .collect();
            let next = self.point(solver, &x_next, &lam[k + 1])?;
            let x_mid = hermite_mid(&x, f1, &x_next, &next.deriv, h);
            let mid = self.point(solver, &x_mid, &lam_mid)?;
            mid_states.push(x_mid);
            states.push(x);
            nodes.push(node);
            mids.push(mid);
            x = x_next;
            node = next;
        }
        states.push(x);
        nodes.push(node);
        Ok(Path {
            states,
            mid_states,
            nodes,
            mids,
        })
    }

    /// RK4 backward pass of the (linear) costate equation with the path's allocations.
    fn backward(&self, path: &Path, times: &[f64], rho: f64) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let n = self.n;
        let steps = path.mids.len();
        let mut lam = vec![vec![0.0; n]; steps + 1];
        let mut dlam = vec![vec![0.0; n]; steps + 1];
        let (mut k1, mut k2, mut k3, mut k4) =
            (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let mut tmp = vec![0.0; n];
        self.costate_rhs(&path.nodes[steps], &lam[steps], rho, &mut dlam[steps]);
        for k in (0..steps).rev() {
            let h = times[k + 1] - times[k];
            let l1 = lam[k + 1].clone();
            k1.copy_from_slice(&dlam[k + 1]);
            for i in 0..n {
                tmp[i] = l1[i] - 0.5 * h * k1[i];
            }
            self.costate_rhs(&path.mids[k], &tmp, rho, &mut k2);
            for i in 0..n {
                tmp[i] = l1[i] - 0.5 * h * k2[i];
            }
            self.costate_rhs(&path.mids[k], &tmp, rho, &mut k3);
            for i in 0..n {
                tmp[i] = l1[i] - h * k3[i];
            }
            self.costate_rhs(&path.nodes[k], &tmp, rho, &mut k4);
            for i in 0..n {
                lam[k][i] =
                    (l1[i] - h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])).max(0.0);
            }
            self.costate_rhs(&path.nodes[k], &lam[k], rho, &mut tmp);
            dlam[k].copy_from_slice(&tmp);
        }
        (lam, dlam)
    }
}

/// The cubic Hermite interpolant at the middle of a step.
fn hermite_mid(x0: &[f64], f0: &[f64], x1: &[f64], f1: &[f64], h: f64) -> Vec<f64> {
    (0..x0.len())
        .map(|i| 0.5 * (x0[i] + x1[i]) + h / 8.0 * (f0[i] - f1[i]))
        .collect()
}

/// Time of slot s (node k = slot 2k, half step k = slot 2k + 1).
fn slot_time(times: &[f64], slot: usize) -> f64 {
    let k = slot / 2;
    if slot % 2 == 0 {
        times[k]
    } else {
        0.5 * (times[k] + times[k + 1])
    }
}

/// Simpson weight of slot s (composite over the intervals).
fn slot_weight(times: &[f64], slot: usize) -> f64 {
    let k = slot / 2;
    let steps = times.len() - 1;
    if slot % 2 == 1 {
        4.0 * (times[k + 1] - times[k]) / 6.0
    } else {
        let left = if k > 0 { times[k] - times[k - 1] } else { 0.0 };
        let right = if k < steps {
            times[k + 1] - times[k]
        } else {
            0.0
        };
        (left + right) / 6.0
    }
}

/// `int_0^T e^{-rho t} u'(Y) Y dt` (Simpson): the utility value of the output stream, which
/// turns utility gaps into consumption equivalents.
fn value_scale(path: &Path, times: &[f64], rho: f64, utility: Utility) -> f64 {
    let mut v = 0.0;
    for slot in 0..times.len() * 2 - 1 {
        let k = slot / 2;
        let output = if slot % 2 == 0 {
            path.nodes[k].output
        } else {
            path.mids[k].output
        };
        v += slot_weight(times, slot)
            * (-rho * slot_time(times, slot)).exp()
            * utility.marginal(output)
            * output;
    }
    v
}

/// `int_0^T e^{-rho t} u(Y) dt` by Simpson on nodes and half steps, and the same of `e^{-rho t}`.
fn welfare(path: &Path, times: &[f64], rho: f64, utility: Utility) -> (f64, f64) {
    let (mut w, mut d) = (0.0, 0.0);
    for slot in 0..times.len() * 2 - 1 {
        let k = slot / 2;
        let output = if slot % 2 == 0 {
            path.nodes[k].output
        } else {
            path.mids[k].output
        };
        let weight = slot_weight(times, slot) * (-rho * slot_time(times, slot)).exp();
        w += weight * utility.value(output);
        d += weight;
    }
    (w, d)
}

fn check_options(o: &PlannerOptions) -> Result<(), ModelError> {
    if !(o.horizon.is_finite() && o.horizon > 0.0) {
        return Err(ModelError::invalid(
            "horizon",
            o.horizon,
            "must be finite and > 0",
        ));
    }
    if !(o.discount.is_finite() && o.discount > 0.0) {
        return Err(ModelError::invalid(
            "discount",
            o.discount,
            "must be finite and > 0",
        ));
    }
    o.utility.validate()?;
    if !(o.capital.is_finite() && o.capital >= 0.0) {
        return Err(ModelError::invalid(
            "capital",
            o.capital,
            "must be finite and >= 0",
        ));
    }
    if o.grid < 3 {
        return Err(ModelError::invalid(
            "grid",
            o.grid,
            "needs at least 3 points",
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
    if !(o.relaxation > 0.0 && o.relaxation <= 1.0) {
        return Err(ModelError::invalid(
            "relaxation",
            o.relaxation,
            "must be in (0, 1]",
        ));
    }
    Ok(())
}

/// The forward-backward sweep shared by both models (see the module docs).
fn sweep(model: &Model, x0: &[f64], options: &PlannerOptions) -> Result<PlannerResult, ModelError> {
    check_options(options)?;
    let n = model.n;
    let steps = options.grid - 1;
    let times: Vec<f64> = (0..=steps)
        .map(|k| options.horizon * (k as f64 / steps as f64).powf(options.grid_power))
        .collect();
    let h_max = times.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max);
    if model.delta * h_max >= 1.0 {
        return Err(ModelError::invalid(
            "grid",
            options.grid,
            "too coarse: delta_data times the longest step must be < 1",
        ));
    }
    let rho = options.discount;
    let utility = options.utility;
    let zeros = vec![vec![0.0; n]; steps + 1];
    let mut solver = model.solver(options.capital);
    // The market: the myopic (zero-costate) allocation, closed loop.
    let market = model.forward(&mut solver, x0, &zeros, &zeros, &times)?;
    // The planner starts from the market's allocations, open loop.
    let mut controls = market_controls(&market);
    let mut path = model.forward_open(x0, &controls, &times)?;
    let mut welfare_now = welfare(&path, &times, rho, utility).0;
    let mut step = options.relaxation;
    let mut iterations = 0;
    let mut slot_warm: Vec<Option<Warm>> = vec![None; 2 * steps + 1];
    let (lam, last_change) = loop {
        iterations += 1;
        let (lam, dlam) = model.backward(&path, &times, rho);
        let (best, change) =
            model.best_response(&mut solver, &path, &lam, &dlam, &times, rho, &mut slot_warm)?;
        if change < options.tolerance {
            // Report the best response to these costates (the allocation the subsidies
            // decentralise) unless that loses more welfare than the tolerance allows.
            if let Ok(p) = model.forward_open(x0, &best, &times) {
                let scale = value_scale(&path, &times, rho, utility);
                if welfare(&p, &times, rho, utility).0 >= welfare_now - options.tolerance * scale {
                    path = p;
                }
            }
            break (lam, change);
        }
        if iterations >= options.max_iterations {
            return Err(ModelError::NoConvergence {
                what: "planner forward-backward sweep".into(),
                iterations,
                residual: change,
            });
        }
        // Line search on welfare along the step toward the best response. The first-order
        // gain of the full step is at least the Hamiltonian gap (H is concave in the
        // allocation); the slack absorbs rounding in the welfare sum.
        let gain = change * value_scale(&path, &times, rho, utility);
        let slack = 1e-12 * (1.0 + welfare_now.abs());
        let mut w = step;
        loop {
            let trial: Vec<Alloc> = controls
                .iter()
                .zip(&best)
                .map(|((l, k), (bl, bk))| {
                    (
                        l.iter().zip(bl).map(|(a, b)| a + w * (b - a)).collect(),
                        k.iter().zip(bk).map(|(a, b)| a + w * (b - a)).collect(),
                    )
                })
                .collect();
            if let Ok(p) = model.forward_open(x0, &trial, &times) {
                let value = welfare(&p, &times, rho, utility).0;
                if value >= welfare_now + 1e-4 * w * gain - slack {
                    path = p;
                    controls = trial;
                    welfare_now = value;
                    break;
                }
            }
            w *= 0.5;
            if w < 1e-12 {
                return Err(ModelError::NoConvergence {
                    what: "planner forward-backward sweep (line search)".into(),
                    iterations,
                    residual: change,
                });
            }
        }
        step = (2.0 * w).min(options.relaxation);
    };
    let (planner_welfare, discount_mass) = welfare(&path, &times, rho, utility);
    let (market_welfare, _) = welfare(&market, &times, rho, utility);
    let factor = if utility.is_log() {
        ((planner_welfare - market_welfare) / discount_mass).exp()
    } else {
        (planner_welfare / market_welfare).powf(1.0 / (1.0 - utility.eta()))
    };
    let subsidy = path
        .nodes
        .iter()
        .zip(&lam)
        .map(|(p, l)| {
            let mu = utility.marginal(p.output);
            (0..n)
                .map(|i| l[i] * p.ek[i] / (model.mass[i] * mu))
                .collect()
        })
        .collect();
    Ok(PlannerResult {
        times,
        planner_output: path.nodes.iter().map(|p| p.output).collect(),
        market_output: market.nodes.iter().map(|p| p.output).collect(),
        planner_capital: path.nodes.iter().map(|p| p.k.clone()).collect(),
        market_capital: market.nodes.iter().map(|p| p.k.clone()).collect(),
        planner_data: path.states,
        market_data: market.states,
        subsidy,
        costate: lam,
        planner_welfare,
        market_welfare,
        welfare_gap_pct: 100.0 * (factor - 1.0),
        iterations,
        last_change,
    })
}

/// The allocations of a path at its slots.
fn market_controls(p: &Path) -> Vec<Alloc> {
    let mut c = Vec::with_capacity(2 * p.mids.len() + 1);
    for k in 0..p.mids.len() {
        c.push((p.nodes[k].l.clone(), p.nodes[k].k.clone()));
        c.push((p.mids[k].l.clone(), p.mids[k].k.clone()));
    }
    let last = p.nodes.last().expect("a path has nodes");
    c.push((last.l.clone(), last.k.clone()));
    c
}

/// Solves the DDA-1 planner from initial data `data0` (>= 0; a task with no data and no
/// spillover starts with `A ~ 0`) and compares it with the market path on the same grid.
/// Errors on invalid inputs, and with [`ModelError::NoConvergence`] (residual: the last
/// consumption-equivalent Hamiltonian gap) if the sweep misses the tolerance.
pub fn solve_planner(
    economy: &Economy,
    data0: &[f64],
    options: &PlannerOptions,
) -> Result<PlannerResult, ModelError> {
    economy.validate()?;
    check_per_task("initial_data", data0, economy.tasks(), true)?;
    sweep(&Model::dda1(economy, options.utility), data0, options)
}

/// Solves the log-linear variant (spec P11) from the initial state `x0` (any real), with the
/// same sweep; needs `K > 0`.
pub fn solve_log_linear_planner(
    economy: &LogLinearEconomy,
    x0: &[f64],
    options: &PlannerOptions,
) -> Result<PlannerResult, ModelError> {
    validate_log_linear(economy)?;
    check_per_task("initial_state", x0, economy.mass.len(), false)?;
    if options.capital <= 0.0 {
        return Err(ModelError::invalid(
            "capital",
            options.capital,
            "the log-linear variant needs K > 0",
        ));
    }
    sweep(&Model::log_linear(economy, options.utility), x0, options)
}

fn validate_log_linear(e: &LogLinearEconomy) -> Result<(), ModelError> {
    let n = e.mass.len();
    if n == 0 {
        return Err(ModelError::invalid(
            "tasks",
            0,
            "an economy needs at least one task",
        ));
    }
    if !(e.theta.is_finite() && e.theta > 0.0) {
        return Err(ModelError::invalid("theta", e.theta, "must be > 0"));
    }
    if let Some((i, a)) = e
        .mass
        .iter()
        .enumerate()
        .find(|(_, a)| !(a.is_finite() && **a > 0.0))
    {
        return Err(ModelError::invalid(
            format!("task_mass[{i}]"),
            a,
            "must be > 0",
        ));
    }
    let total: f64 = e.mass.iter().sum();
    if (total - 1.0).abs() > 1e-9 {
        return Err(ModelError::invalid(
            "task_mass",
            total,
            "task masses must sum to 1 (this is their sum)",
        ));
    }
    check_per_task("verifiability", &e.verifiability, n, true)?;
    if e.spill.nrows() != n || e.spill.ncols() != n {
        return Err(ModelError::Shape {
            key: "network".into(),
            expected: format!("{n} x {n}"),
            found: format!("{} x {}", e.spill.nrows(), e.spill.ncols()),
        });
    }
    if let Some(v) = e.spill.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
        return Err(ModelError::invalid(
            "network",
            v,
            "spillover weights must be finite and >= 0",
        ));
    }
    Ok(())
}

fn check_static_inputs(
    economy: &Economy,
    data: &[f64],
    capital: f64,
    costate: &[f64],
) -> Result<(), ModelError> {
    economy.validate()?;
    let n = economy.tasks();
    check_per_task("data", data, n, true)?;
    check_per_task("costate", costate, n, true)?;
    if !(capital.is_finite() && capital >= 0.0) {
        return Err(ModelError::invalid(
            "capital",
            capital,
            "must be finite and >= 0",
        ));
    }
    Ok(())
}

/// The planner's static allocation at data `data`, capital `capital` and costates `costate`
/// (>= 0): the maximiser of `u(Y) + sum_i lambda_i nu_i (A_i k_i + chi gamma_i l_i)` over the
/// resources. With zero costates it is the market equilibrium.
pub fn planner_allocation(
    economy: &Economy,
    data: &[f64],
    capital: f64,
    costate: &[f64],
    utility: Utility,
) -> Result<PlannerAllocation, ModelError> {
    check_static_inputs(economy, data, capital, costate)?;
    utility.validate()?;
    let model = Model::dda1(economy, utility);
    let mut solver = model.solver(capital);
    let (t, s) = model.solve_static(&mut solver, data, costate)?;
    let n = model.n;
    let big_q = s.ln_q.exp();
    let price: Vec<f64> = s.q.iter().map(|q| q / big_q).collect();
    let subsidy: Vec<f64> = solver.sk.iter().map(|v| v / big_q).collect();
    let labor_subsidy: Vec<f64> = solver.sl.iter().map(|v| v / big_q).collect();
    let wage = if economy.labor > 0.0 {
        s.m_l / big_q
    } else {
        (0..n)
            .map(|i| model.gamma[i] * (price[i] + labor_subsidy[i]))
            .fold(0.0, f64::max)
    };
    let rental = if capital > 0.0 {
        s.m_k / big_q
    } else {
        (0..n)
            .map(|i| t.ai[i] * (price[i] + subsidy[i]))
            .fold(0.0, f64::max)
    };
    let mut hamiltonian = utility.value(s.output);
    for i in 0..n {
        let flow = t.ek[i] * t.ai[i] * s.k[i] + t.el[i] * model.gamma[i] * s.l[i];
        hamiltonian += costate[i] * (flow - model.delta * data[i]);
    }
    Ok(PlannerAllocation {
        output: s.output,
        wage,
        rental,
        price,
        task_output: s.y,
        labor: s.l,
        capital: s.k,
        subsidy,
        splits: s.splits,
        hamiltonian,
    })
}

/// `dH/dD_j` at the planner's static allocation (envelope theorem: the allocation held fixed):
/// `sum_i spill_ij A_i'(Dtilde_i) k_i (u'(Y) a_i p_i + lambda_i nu_i) - delta lambda_j`.
pub fn hamiltonian_gradient(
    economy: &Economy,
    data: &[f64],
    capital: f64,
    costate: &[f64],
    utility: Utility,
) -> Result<Vec<f64>, ModelError> {
    check_static_inputs(economy, data, capital, costate)?;
    utility.validate()?;
    let model = Model::dda1(economy, utility);
    let mut solver = model.solver(capital);
    let p = model.point(&mut solver, data, costate)?;
    let mut out = vec![0.0; model.n];
    model.hamiltonian_gradient(&p, costate, &mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn three_tasks() -> Economy {
        let mut e = Economy::symmetric(3, 0.8);
        e.mass = vec![0.5, 0.3, 0.2];
        e.chi = 0.5;
        e.labor_productivity = vec![1.0, 1.2, 0.8];
        e.ai_productivity = vec![1.0, 0.7, 1.3];
        e.verifiability = vec![0.9, 0.5, 0.2];
        e.spill = DMatrix::from_row_slice(3, 3, &[1.0, 0.3, 0.1, 0.2, 1.0, 0.4, 0.5, 0.1, 1.0]);
        e
    }

    /// The augmented objective `u(Y) + sum_i a_i (sk_i A_i k_i + sl_i gamma_i l_i)` of the
    /// solver's inputs at an allocation.
    fn augmented(s: &StaticSolver, l: &[f64], k: &[f64]) -> f64 {
        let n = s.n;
        let y: Vec<f64> = (0..n).map(|i| s.gamma[i] * l[i] + s.ai[i] * k[i]).collect();
        let big_y = if s.cd {
            (0..n).map(|i| s.a[i] * y[i].ln()).sum::<f64>().exp()
        } else {
            let r = (s.sigma - 1.0) / s.sigma;
            (0..n)
                .map(|i| s.a[i] * y[i].powf(r))
                .sum::<f64>()
                .powf(1.0 / r)
        };
        let u = if (s.eta - 1.0).abs() < 1e-12 {
            big_y.ln()
        } else {
            big_y.powf(1.0 - s.eta) / (1.0 - s.eta)
        };
        u + (0..n)
            .map(|i| s.a[i] * (s.sk[i] * s.ai[i] * k[i] + s.sl[i] * s.gamma[i] * l[i]))
            .sum::<f64>()
    }

    fn assert_static_optimum(s: &StaticSolver, sol: &StaticSolution) {
        let n = s.n;
        let used_l: f64 = (0..n).map(|i| s.a[i] * sol.l[i]).sum();
        let used_k: f64 = (0..n).map(|i| s.a[i] * sol.k[i]).sum();
        assert!(
            (used_l - s.labor).abs() < 1e-9 && (used_k - s.capital).abs() < 1e-9,
            "clearing {used_l} {used_k}"
        );
        let j0 = augmented(s, &sol.l, &sol.k);
        let h = 1e-6;
        for i in 0..n {
            for j in 0..n {
                if i == j {
                    continue;
                }
                for factor in 0..2 {
                    let (mut l, mut k) = (sol.l.clone(), sol.k.clone());
                    let v = if factor == 0 { &mut l } else { &mut k };
                    if v[i] < h / s.a[i] {
                        continue;
                    }
                    v[i] -= h / s.a[i];
                    v[j] += h / s.a[j];
                    let j1 = augmented(s, &l, &k);
                    assert!(
                        j1 <= j0 + 1e-13 * j0.abs().max(1.0),
                        "moving factor {factor} from {i} to {j}: {j1} > {j0}"
                    );
                }
            }
        }
    }

    /// With chi < 1 the subsidised indifference lines cross: a robust case where two tasks
    /// are split (found on a planner path; the nested search's labour excess supply jumps
    /// across zero here).
    #[test]
    fn two_split_tasks_at_a_vertex() {
        let mut s = StaticSolver::new(&[0.5, 0.3, 0.2], &[1.0, 1.2, 0.8], 0.8, 2.0, 1.0, 1.0);
        s.ai = vec![1.0816653826391966, 0.6182232606429492, 1.1258330249197703];
        s.sk = vec![0.2584836235301446, 0.06892535122954423, 0.06343782738351895];
        s.sl = s.sk.iter().map(|v| 0.5 * v).collect();
        let cold = s.solve().unwrap();
        assert_eq!(cold.splits, vec![0, 2]);
        assert_static_optimum(&s, &cold);
        // the fast path from this solution lands on the same vertex
        let warm = s.solve().unwrap();
        assert_eq!(warm.splits, vec![0, 2]);
        for i in 0..3 {
            assert!((warm.k[i] - cold.k[i]).abs() < 1e-12 && (warm.l[i] - cold.l[i]).abs() < 1e-12);
        }
    }

    /// Along a path of inputs, warm-started solves (fast path with active-set corrections)
    /// agree with cold nested searches, and most are fast.
    #[test]
    fn fast_path_agrees_with_the_nested_search() {
        for &(sigma, chi, eta) in &[
            (0.5, 0.0, 1.0),
            (0.8, 0.5, 2.0),
            (1.0, 1.0, 1.0),
            (2.0, 0.3, 0.5),
        ] {
            let n = 12;
            let a: Vec<f64> = (0..n)
                .map(|i| (1.0 + i as f64) / (n * (n + 1) / 2) as f64)
                .collect();
            let gamma: Vec<f64> = (0..n).map(|i| 0.7 + 0.05 * i as f64).collect();
            let mut warm = StaticSolver::new(&a, &gamma, sigma, eta, 1.0, 1.5);
            let mut cold = StaticSolver::new(&a, &gamma, sigma, eta, 1.0, 1.5);
            for step in 0..200 {
                let t = step as f64 / 20.0;
                let ai: Vec<f64> = (0..n)
                    .map(|i| (0.3 * t * (1.0 + 0.1 * i as f64)).exp() * (0.5 + 0.07 * i as f64))
                    .collect();
                let sk: Vec<f64> = (0..n)
                    .map(|i| 0.2 * (0.5 + 0.5 * ((i as f64) + t).sin()) / (1.0 + t))
                    .collect();
                let sl: Vec<f64> = sk.iter().map(|v| chi * v).collect();
                for solver in [&mut warm, &mut cold] {
                    solver.ai.clone_from(&ai);
                    solver.sk.clone_from(&sk);
                    solver.sl.clone_from(&sl);
                }
                cold.warm = None;
                let (x, y) = (warm.solve().unwrap(), cold.solve().unwrap());
                assert!(
                    (x.output / y.output - 1.0).abs() < 1e-10,
                    "sigma {sigma} step {step}: Y {} vs {}",
                    x.output,
                    y.output
                );
                for i in 0..n {
                    assert!(
                        (x.k[i] - y.k[i]).abs() < 1e-7 * (1.0 + y.k[i]),
                        "sigma {sigma} step {step}: k[{i}] {} vs {}",
                        x.k[i],
                        y.k[i]
                    );
                    assert!(
                        (x.l[i] - y.l[i]).abs() < 1e-7 * (1.0 + y.l[i]),
                        "sigma {sigma} step {step}: l[{i}] {} vs {}",
                        x.l[i],
                        y.l[i]
                    );
                }
                assert_static_optimum(&warm, &x);
            }
            assert!(
                warm.fast_solves > 150,
                "sigma {sigma}: only {} of 200 solves on the fast path",
                warm.fast_solves
            );
        }
    }

    /// The planner's path is optimal among paths generated by other costate schedules: the
    /// closed-loop path with the costates scaled, shifted in time or zeroed (the market) never
    /// has higher welfare.
    #[test]
    fn planner_welfare_beats_perturbed_costate_schedules() {
        let e = three_tasks();
        let data0 = [1.0, 0.5, 0.2];
        let options = PlannerOptions::default();
        let r = solve_planner(&e, &data0, &options).unwrap();
        let model = Model::dda1(&e, options.utility);
        let mut solver = model.solver(options.capital);
        let times = &r.times;
        let rho = options.discount;
        let n = r.costate.len();
        let welfare_with = |solver: &mut StaticSolver, lam: &[Vec<f64>]| -> f64 {
            // costate derivatives by differences (only used for half-step interpolation)
            let dlam: Vec<Vec<f64>> = (0..n)
                .map(|k| {
                    let (a, b) = (k.saturating_sub(1), (k + 1).min(n - 1));
                    (0..3)
                        .map(|i| (lam[b][i] - lam[a][i]) / (times[b] - times[a]))
                        .collect()
                })
                .collect();
            let path = model.forward(solver, &data0, lam, &dlam, times).unwrap();
            welfare(&path, times, rho, options.utility).0
        };
        let best = welfare_with(&mut solver, &r.costate);
        assert!(
            (best - r.planner_welfare).abs() < 1e-6 * best.abs(),
            "closed loop {best} vs {}",
            r.planner_welfare
        );
        for scale in [0.0, 0.5, 0.8, 0.95, 1.05, 1.25, 2.0] {
            let lam: Vec<Vec<f64>> = r
                .costate
                .iter()
                .map(|l| l.iter().map(|v| scale * v).collect())
                .collect();
            let w = welfare_with(&mut solver, &lam);
            assert!(
                w <= r.planner_welfare + 1e-7 * best.abs(),
                "scale {scale}: {w} > {}",
                r.planner_welfare
            );
        }
        for (shift, task) in [(20usize, 0usize), (40, 1), (60, 2)] {
            let lam: Vec<Vec<f64>> = (0..n)
                .map(|k| {
                    let mut v = r.costate[(k + shift).min(n - 1)].clone();
                    v[task] *= 1.1;
                    v
                })
                .collect();
            let w = welfare_with(&mut solver, &lam);
            assert!(
                w <= r.planner_welfare + 1e-7 * best.abs(),
                "shift {shift}: {w} > {}",
                r.planner_welfare
            );
        }
        assert!(r.market_welfare < r.planner_welfare);
    }
}
