//! The inner loop: solve F(x, p) = 0 for x by Newton's method with a backtracking line search,
//! falling back to an Anderson-accelerated damped fixed-point iteration when Newton stalls.

use std::fmt;
use std::time::{Duration, Instant};

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use crate::autodiff::{residual, residual_and_jacobian_x};
use crate::error::{check_finite, check_len, invalid, NfxpError, Result};
use crate::model::Equilibrium;

/// Which inner algorithm(s) to use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Newton first; the fixed-point fallback when Newton stalls (default).
    #[default]
    NewtonWithFallback,
    /// Newton only: a stall is an error.
    NewtonOnly,
    /// The Anderson-accelerated fixed-point iteration only.
    FixedPointOnly,
}

/// Options of the inner solver: a plain `Copy` struct with sensible defaults.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SolverOptions {
    /// Convergence when the residual's infinity norm is at most this.
    pub tol: f64,
    /// Maximum Newton iterations.
    pub max_newton_iter: usize,
    /// Maximum fixed-point iterations of the fallback.
    pub max_fixed_point_iter: usize,
    /// Armijo constant of the line search on 0.5 |F|^2.
    pub armijo: f64,
    /// Newton counts as stalled once the line search needs a step below this.
    pub min_step: f64,
    /// Number of past iterates Anderson acceleration mixes (0 = plain damped iteration).
    pub anderson_memory: usize,
    /// Damping of the fixed-point step, in (0, 1].
    pub damping: f64,
    /// Which algorithm(s) to use.
    pub strategy: Strategy,
}

impl Default for SolverOptions {
    fn default() -> Self {
        Self {
            tol: 1e-10,
            max_newton_iter: 50,
            max_fixed_point_iter: 5_000,
            armijo: 1e-4,
            min_step: 1e-10,
            anderson_memory: 5,
            damping: 0.5,
            strategy: Strategy::default(),
        }
    }
}

impl SolverOptions {
    /// Check every field; the error names the first bad one.
    pub fn validate(&self) -> Result<()> {
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(invalid("tol", self.tol, "must be finite and > 0"));
        }
        if self.max_newton_iter == 0 && self.strategy == Strategy::NewtonOnly {
            return Err(invalid(
                "max_newton_iter",
                0,
                "must be >= 1 with strategy newton-only",
            ));
        }
        if self.max_fixed_point_iter == 0 && self.strategy == Strategy::FixedPointOnly {
            return Err(invalid(
                "max_fixed_point_iter",
                0,
                "must be >= 1 with strategy fixed-point-only",
            ));
        }
        if self.max_newton_iter == 0 && self.max_fixed_point_iter == 0 {
            return Err(invalid(
                "max_newton_iter",
                0,
                "no iterations allowed at all",
            ));
        }
        if !(self.armijo > 0.0 && self.armijo < 0.5) {
            return Err(invalid("armijo", self.armijo, "must lie in (0, 0.5)"));
        }
        if !(self.min_step > 0.0 && self.min_step < 1.0) {
            return Err(invalid("min_step", self.min_step, "must lie in (0, 1)"));
        }
        if !(self.damping > 0.0 && self.damping <= 1.0) {
            return Err(invalid("damping", self.damping, "must lie in (0, 1]"));
        }
        if self.anderson_memory > 100 {
            return Err(invalid(
                "anderson_memory",
                self.anderson_memory,
                "must be at most 100",
            ));
        }
        Ok(())
    }
}

/// Which algorithm produced the solution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SolveMethod {
    /// The starting point already satisfied the tolerance.
    InitialGuess,
    /// Newton's method.
    Newton,
    /// The Anderson-accelerated fixed-point iteration.
    FixedPoint,
    /// Newton stalled; the fixed-point fallback finished (possibly polished by Newton).
    NewtonThenFixedPoint,
}

impl fmt::Display for SolveMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SolveMethod::InitialGuess => "initial guess",
            SolveMethod::Newton => "newton",
            SolveMethod::FixedPoint => "fixed point",
            SolveMethod::NewtonThenFixedPoint => "newton then fixed point",
        })
    }
}

/// What an inner solve did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SolveReport {
    /// Algorithm that finished (or was running when the solve gave up).
    pub method: SolveMethod,
    /// Total iterations (Newton + fixed point).
    pub iterations: usize,
    /// Newton iterations.
    pub newton_iterations: usize,
    /// Fixed-point iterations.
    pub fixed_point_iterations: usize,
    /// Infinity norm of F at the returned point.
    pub residual_inf_norm: f64,
    /// The tolerance that was asked for.
    pub tolerance: f64,
    /// Residual (or fixed-point map) evaluations, dual-number passes excluded.
    pub residual_evals: usize,
    /// Jacobian evaluations.
    pub jacobian_evals: usize,
    /// Wall time in seconds.
    #[serde(
        rename = "wall_time_s",
        serialize_with = "crate::error::serialize_secs"
    )]
    pub wall_time: Duration,
    /// Name of the unknown with the largest residual at the returned point.
    pub worst_unknown: Option<String>,
}

/// A converged equilibrium.
#[derive(Clone, Debug)]
pub struct Solution {
    /// The unknowns x with F(x, p) = 0.
    pub x: Vec<f64>,
    /// How it was found.
    pub report: SolveReport,
}

fn inf_norm(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, a| m.max(a.abs()))
}

fn sq_norm(v: &[f64]) -> f64 {
    v.iter().map(|a| a * a).sum()
}

fn is_finite(v: &[f64]) -> bool {
    v.iter().all(|a| a.is_finite())
}

struct Progress {
    x: Vec<f64>,
    f: Vec<f64>,
    newton_iterations: usize,
    fixed_point_iterations: usize,
    residual_evals: usize,
    jacobian_evals: usize,
    used_newton: bool,
    used_fixed_point: bool,
}

/// Solve F(x, p) = 0 at `policy`, starting from `warm_start` if given, else the model's
/// initial guess.
///
/// ```
/// use walras_core::{solve, fixtures::ExchangeEconomy, SolverOptions};
/// let economy = ExchangeEconomy::default();
/// let sol = solve(&economy, &[0.0], None, &SolverOptions::default()).unwrap();
/// let closed_form = economy.closed_form_price(0.0);
/// assert!((sol.x[0].exp() - closed_form).abs() < 1e-10);
/// ```
pub fn solve<M: Equilibrium + ?Sized>(
    model: &M,
    policy: &[f64],
    warm_start: Option<&[f64]>,
    options: &SolverOptions,
) -> Result<Solution> {
    options.validate()?;
    let n = model.n_unknowns();
    model.policy_space().check(policy)?;
    let x0 = match warm_start {
        Some(x) => x.to_vec(),
        None => model.initial_guess(policy),
    };
    check_len("starting point", n, x0.len())?;
    check_finite("starting point", &x0)?;

    let start = Instant::now();
    let f0 = residual(model, &x0, policy);
    check_finite("residual at the starting point", &f0)?;
    let mut st = Progress {
        x: x0,
        f: f0,
        newton_iterations: 0,
        fixed_point_iterations: 0,
        residual_evals: 1,
        jacobian_evals: 0,
        used_newton: false,
        used_fixed_point: false,
    };

    let converged = |st: &Progress| inf_norm(&st.f) <= options.tol;
    if !converged(&st) {
        match options.strategy {
            Strategy::NewtonOnly => {
                newton(model, policy, options, &mut st);
            }
            Strategy::FixedPointOnly => {
                fixed_point(model, policy, options, &mut st);
            }
            Strategy::NewtonWithFallback => {
                if !newton(model, policy, options, &mut st) {
                    fixed_point(model, policy, options, &mut st);
                    // Polish: Newton converges quadratically from wherever the fallback got to.
                    if !converged(&st) {
                        newton(model, policy, options, &mut st);
                    }
                }
            }
        }
    }

    let method = match (st.used_newton, st.used_fixed_point) {
        (false, false) => SolveMethod::InitialGuess,
        (true, false) => SolveMethod::Newton,
        (false, true) => SolveMethod::FixedPoint,
        (true, true) => SolveMethod::NewtonThenFixedPoint,
    };
    let worst =
        st.f.iter()
            .enumerate()
            .fold((0, -1.0), |(bi, bv), (i, v)| {
                if v.abs() > bv {
                    (i, v.abs())
                } else {
                    (bi, bv)
                }
            })
            .0;
    let report = SolveReport {
        method,
        iterations: st.newton_iterations + st.fixed_point_iterations,
        newton_iterations: st.newton_iterations,
        fixed_point_iterations: st.fixed_point_iterations,
        residual_inf_norm: inf_norm(&st.f),
        tolerance: options.tol,
        residual_evals: st.residual_evals,
        jacobian_evals: st.jacobian_evals,
        wall_time: start.elapsed(),
        worst_unknown: (n > 0).then(|| model.unknown_name(worst)),
    };
    if converged(&st) {
        Ok(Solution { x: st.x, report })
    } else {
        Err(NfxpError::NotConverged(Box::new(report)))
    }
}

/// Newton with backtracking on 0.5 |F|^2. Returns true on convergence, false on a stall or the
/// iteration limit.
fn newton<M: Equilibrium + ?Sized>(
    model: &M,
    policy: &[f64],
    options: &SolverOptions,
    st: &mut Progress,
) -> bool {
    let mut trial = vec![0.0; st.x.len()];
    for _ in 0..options.max_newton_iter {
        if inf_norm(&st.f) <= options.tol {
            return true;
        }
        st.used_newton = true;
        st.newton_iterations += 1;
        let (_, jac) = residual_and_jacobian_x(model, &st.x, policy);
        st.jacobian_evals += 1;
        let Some(factor) = crate::linalg::Factorization::new(&jac) else {
            return false;
        };
        let rhs = DMatrix::from_column_slice(st.f.len(), 1, &st.f);
        let Some(step) = factor.solve(&rhs, false) else {
            return false;
        };
        let merit = sq_norm(&st.f);
        let mut alpha = 1.0;
        loop {
            for ((t, xi), si) in trial.iter_mut().zip(&st.x).zip(step.iter()) {
                *t = xi - alpha * si;
            }
            let f_trial = residual(model, &trial, policy);
            st.residual_evals += 1;
            if is_finite(&f_trial)
                && sq_norm(&f_trial) <= (1.0 - 2.0 * options.armijo * alpha) * merit
            {
                st.x.copy_from_slice(&trial);
                st.f = f_trial;
                break;
            }
            alpha *= 0.5;
            if alpha < options.min_step {
                return false;
            }
        }
        // Chord steps with the same factorisation while they contract fast (each costs one
        // residual and two triangular solves instead of a Jacobian and a factorisation).
        for _ in 0..CHORD_STEPS {
            // Chord steps go on below the tolerance (they are cheap), so that the solution is
            // as accurate as Newton's quadratic last step would have made it.
            if inf_norm(&st.f) <= CHORD_POLISH * options.tol {
                return true;
            }
            let rhs = DMatrix::from_column_slice(st.f.len(), 1, &st.f);
            let Some(step) = factor.solve(&rhs, false) else {
                break;
            };
            for ((t, xi), si) in trial.iter_mut().zip(&st.x).zip(step.iter()) {
                *t = xi - si;
            }
            let f_trial = residual(model, &trial, policy);
            st.residual_evals += 1;
            if !(is_finite(&f_trial) && inf_norm(&f_trial) <= CHORD_CONTRACTION * inf_norm(&st.f)) {
                break;
            }
            st.newton_iterations += 1;
            st.x.copy_from_slice(&trial);
            st.f = f_trial;
        }
    }
    inf_norm(&st.f) <= options.tol
}

/// Most chord steps after each full Newton step...
const CHORD_STEPS: usize = 8;
/// ...each of which must cut the residual's infinity norm at least by this factor...
const CHORD_CONTRACTION: f64 = 0.25;
/// ...until it is this fraction of the tolerance.
const CHORD_POLISH: f64 = 1e-3;

/// Anderson-accelerated (type II) damped fixed-point iteration on the model's map G.
/// Returns true on convergence.
fn fixed_point<M: Equilibrium + ?Sized>(
    model: &M,
    policy: &[f64],
    options: &SolverOptions,
    st: &mut Progress,
) -> bool {
    let n = st.x.len();
    let m = options.anderson_memory;
    let beta = options.damping;
    let mut g = vec![0.0; n];
    // History of differences of iterates and of fixed-point residuals g(x) = G(x) - x.
    let mut dx_hist: Vec<Vec<f64>> = Vec::new();
    let mut dg_hist: Vec<Vec<f64>> = Vec::new();
    let mut prev: Option<(Vec<f64>, Vec<f64>)> = None;
    for _ in 0..options.max_fixed_point_iter {
        if inf_norm(&st.f) <= options.tol {
            return true;
        }
        st.used_fixed_point = true;
        st.fixed_point_iterations += 1;
        model.fixed_point_map(&st.x, policy, &mut g);
        st.residual_evals += 1;
        for (gi, xi) in g.iter_mut().zip(&st.x) {
            *gi -= xi;
        }
        if !is_finite(&g) {
            return false;
        }
        if let Some((px, pg)) = prev.take() {
            dx_hist.push(st.x.iter().zip(&px).map(|(a, b)| a - b).collect());
            dg_hist.push(g.iter().zip(&pg).map(|(a, b)| a - b).collect());
            if dx_hist.len() > m {
                dx_hist.remove(0);
                dg_hist.remove(0);
            }
        }
        // Plain damped step, then the Anderson correction if the history allows one.
        let mut next: Vec<f64> = st.x.iter().zip(&g).map(|(x, gi)| x + beta * gi).collect();
        if m > 0 && !dg_hist.is_empty() {
            let k = dg_hist.len();
            let dg = DMatrix::from_fn(n, k, |i, j| dg_hist[j][i]);
            if let Ok(gamma) = dg
                .svd(true, true)
                .solve(&DVector::from_column_slice(&g), 1e-12)
            {
                for (j, gj) in gamma.iter().enumerate() {
                    for i in 0..n {
                        next[i] -= gj * (dx_hist[j][i] + beta * dg_hist[j][i]);
                    }
                }
            }
        }
        let mut f_next = residual(model, &next, policy);
        st.residual_evals += 1;
        if !is_finite(&next) || !is_finite(&f_next) {
            // The extrapolation left the domain: restart from a plain damped step.
            dx_hist.clear();
            dg_hist.clear();
            next = st.x.iter().zip(&g).map(|(x, gi)| x + beta * gi).collect();
            f_next = residual(model, &next, policy);
            st.residual_evals += 1;
            if !is_finite(&f_next) {
                return false;
            }
        }
        prev = Some((std::mem::replace(&mut st.x, next), g.clone()));
        st.f = f_next;
    }
    inf_norm(&st.f) <= options.tol
}

/// Chord Newton: x <- x - A^{-1} F(x) with a fixed factorisation A of dF/dx at a nearby point
/// (from the previous policy's adjoint). Converges linearly at a rate set by how far the
/// Jacobian has moved; gives up (None) after `max_iter` steps or as soon as the residual
/// stops shrinking by a factor 2 per step. Returns the solution and the residual evaluations.
pub(crate) fn chord_solve<M: Equilibrium + ?Sized>(
    model: &M,
    policy: &[f64],
    x0: &[f64],
    factor: &crate::linalg::Factorization,
    tol: f64,
    max_iter: usize,
) -> Option<(Vec<f64>, usize)> {
    let n = x0.len();
    let mut x = x0.to_vec();
    let mut f = vec![0.0; n];
    model.residual(&x, policy, &mut f);
    let mut norm = inf_norm(&f);
    let mut trial = x.clone();
    for evals in 1..=max_iter {
        if !norm.is_finite() {
            return None;
        }
        // Polished below the tolerance, as in Newton's chord steps.
        if norm <= CHORD_POLISH * tol {
            return Some((x, evals));
        }
        let step = factor.solve(&DMatrix::from_column_slice(n, 1, &f), false)?;
        for ((t, xi), s) in trial.iter_mut().zip(&x).zip(step.iter()) {
            *t = xi - s;
        }
        model.residual(&trial, policy, &mut f);
        let next = inf_norm(&f);
        if next.is_nan() || next >= 0.5 * norm {
            // No longer contracting: done if already within the tolerance.
            return (norm <= tol).then_some((x, evals));
        }
        std::mem::swap(&mut x, &mut trial);
        norm = next;
    }
    (norm <= tol).then_some((x, max_iter))
}
