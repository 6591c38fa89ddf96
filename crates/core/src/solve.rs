//! The inner loop: solve F(x, p) = 0 for x by Newton's method with a backtracking line search,
//! falling back to an Anderson-accelerated damped fixed-point iteration when Newton stalls.

use std::fmt;
use std::time::{Duration, Instant};

use nalgebra::DMatrix;
use serde::Serialize;

use crate::autodiff::{residual, residual_and_jacobian_x};
use crate::check;
use crate::error::{
    check_finite, check_fixed_point_settings, check_len, check_option, invalid, EngineError, Result,
};
use crate::fixed_point::AndersonMixer;
use crate::model::Equilibrium;
use crate::observe::{self, Event, NoObserver, Observer, Timed};

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

/// The loosest residual tolerance [`SolverOptions`] accepts.
pub const MAX_TOLERANCE: f64 = 1e-6;

/// The tightest residual tolerance [`SolverOptions`] accepts: below it the residual of a scaled
/// model is rounding error and no solver can meet it.
pub const MIN_TOLERANCE: f64 = 1e-14;

/// Options of the inner solver: a plain `Copy` struct with sensible defaults.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SolverOptions {
    /// Convergence when the residual's infinity norm is at most this; in [`MIN_TOLERANCE`,
    /// `MAX_TOLERANCE`] (a looser tolerance is refused: such a point is not an equilibrium).
    pub tol: f64,
    /// Tolerance of the identities checked at every returned point
    /// ([`Equilibrium::identities`](crate::Equilibrium::identities), e.g. Walras's law), relative
    /// in the model's own scale; the check uses the larger of this and `tol`.
    pub identity_tol: f64,
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
            identity_tol: 1e-8,
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
        check_option("tol", self.tol, check::positive)?;
        if self.tol > MAX_TOLERANCE {
            return Err(invalid(
                "tol",
                self.tol,
                "must be at most 1e-6 (MAX_TOLERANCE): a point with a larger residual is not an equilibrium",
            ));
        }
        if self.tol < MIN_TOLERANCE {
            return Err(invalid(
                "tol",
                self.tol,
                "must be at least 1e-14 (MIN_TOLERANCE): a smaller residual is below rounding error",
            ));
        }
        check_option("identity_tol", self.identity_tol, check::positive)?;
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
        check_fixed_point_settings(self.damping, self.anderson_memory)
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
    /// Broyden steps on a kept factorisation of a nearby Jacobian ([`WarmStart`]).
    Broyden,
    /// The model's own solver ([`Equilibrium::structured_solve`]), verified by the residual.
    Structured,
}

impl fmt::Display for SolveMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SolveMethod::InitialGuess => "initial guess",
            SolveMethod::Newton => "newton",
            SolveMethod::FixedPoint => "fixed point",
            SolveMethod::NewtonThenFixedPoint => "newton then fixed point",
            SolveMethod::Broyden => "broyden on a kept factorisation",
            SolveMethod::Structured => "the model's own solver",
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
    /// The observer asked to stop.
    cancelled: bool,
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
    solve_observed(model, policy, warm_start, options, &NoObserver)
}

/// [`solve`] reporting to `observer` (an [`Event::InnerSolve`] with the report, and the
/// Jacobians and factorisations it makes) and stopping with
/// [`EngineError::Cancelled`] once the observer asks to (checked before every Newton and
/// fixed-point iteration).
pub fn solve_observed<M: Equilibrium + ?Sized>(
    model: &M,
    policy: &[f64],
    warm_start: Option<&[f64]>,
    options: &SolverOptions,
    observer: &dyn Observer,
) -> Result<Solution> {
    options.validate()?;
    observe::check(observer)?;
    let n = model.n_unknowns();
    model.policy_space().check(policy)?;
    let structured = model.structured_solve(policy, warm_start);
    let used_structured = structured.is_some();
    let x0 = match (structured, warm_start) {
        (Some(own), _) => own.map_err(EngineError::ModelSolve)?,
        (None, Some(x)) => x.to_vec(),
        (None, None) => model.initial_guess(policy),
    };
    check_len("starting point", n, x0.len())?;
    check_finite("starting point", &x0)?;

    let start = Instant::now();
    let measure = observe::measure(observer, Timed::InnerSolve);
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
        cancelled: false,
    };

    let converged = |st: &Progress| inf_norm(&st.f) <= options.tol;
    if !converged(&st) {
        match options.strategy {
            Strategy::NewtonOnly => {
                newton(model, policy, options, &mut st, observer);
            }
            Strategy::FixedPointOnly => {
                fixed_point(model, policy, options, &mut st, observer);
            }
            Strategy::NewtonWithFallback => {
                if !newton(model, policy, options, &mut st, observer) && !st.cancelled {
                    fixed_point(model, policy, options, &mut st, observer);
                    // Polish: Newton converges quadratically from wherever the fallback got to.
                    if !converged(&st) && !st.cancelled {
                        newton(model, policy, options, &mut st, observer);
                    }
                }
            }
        }
    }
    if st.cancelled {
        return Err(EngineError::Cancelled);
    }

    let method = match (st.used_newton, st.used_fixed_point) {
        (false, false) if used_structured => SolveMethod::Structured,
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
    measure.finish_solve(&report);
    if converged(&st) {
        verified(model, policy, options, Solution { x: st.x, report })
    } else {
        Err(EngineError::NotConverged(Box::new(report)))
    }
}

/// `solution` if it satisfies the model's identities ([`Equilibrium::identities`]) to
/// `max(identity_tol, tol)`, else [`EngineError::NotAnEquilibrium`] naming the worst one.
fn verified<M: Equilibrium + ?Sized>(
    model: &M,
    policy: &[f64],
    options: &SolverOptions,
    solution: Solution,
) -> Result<Solution> {
    let tolerance = options.identity_tol.max(options.tol);
    let worst = model
        .identities(&solution.x, policy)
        .into_iter()
        .filter(|(_, v)| v.is_nan() || v.abs() > tolerance)
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()));
    match worst {
        None => Ok(solution),
        Some((identity, value)) => Err(EngineError::NotAnEquilibrium {
            identity,
            value,
            tolerance,
            report: Box::new(solution.report),
        }),
    }
}

/// Newton with backtracking on 0.5 |F|^2. Returns true on convergence, false on a stall or the
/// iteration limit.
fn newton<M: Equilibrium + ?Sized>(
    model: &M,
    policy: &[f64],
    options: &SolverOptions,
    st: &mut Progress,
    observer: &dyn Observer,
) -> bool {
    let mut trial = vec![0.0; st.x.len()];
    let mut norms = Vec::new();
    for _ in 0..options.max_newton_iter {
        if inf_norm(&st.f) <= options.tol {
            return true;
        }
        if observer.cancelled() {
            st.cancelled = true;
            return false;
        }
        // A stall: the line search keeps accepting steps that barely move the residual (each
        // iteration still costs a Jacobian and a factorisation).
        norms.push(inf_norm(&st.f));
        if norms.len() > NEWTON_STALL_WINDOW
            && norms[norms.len() - 1]
                > NEWTON_STALL_FACTOR * norms[norms.len() - 1 - NEWTON_STALL_WINDOW]
        {
            return false;
        }
        st.used_newton = true;
        st.newton_iterations += 1;
        let (_, jac) = residual_and_jacobian_x(model, &st.x, policy);
        st.jacobian_evals += 1;
        observer.on_event(&Event::Jacobian);
        let Some(factor) = crate::linalg::Factorization::new(&jac, observer) else {
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

/// Newton counts as stalled when NEWTON_STALL_WINDOW iterations cut the residual's infinity norm
/// by less than a factor NEWTON_STALL_FACTOR.
const NEWTON_STALL_WINDOW: usize = 5;
const NEWTON_STALL_FACTOR: f64 = 0.9;

/// Most chord steps after each full Newton step...
const CHORD_STEPS: usize = 8;
/// ...each of which must cut the residual's infinity norm at least by this factor...
const CHORD_CONTRACTION: f64 = 0.25;
/// ...until it is this fraction of the tolerance.
const CHORD_POLISH: f64 = 1e-3;

/// Anderson-accelerated (type II) damped fixed-point iteration on the model's map G (the
/// mixing is [`fixed_point`](crate::fixed_point)'s); converged on the residual F, not on
/// G(x) - x. Returns true on convergence.
fn fixed_point<M: Equilibrium + ?Sized>(
    model: &M,
    policy: &[f64],
    options: &SolverOptions,
    st: &mut Progress,
    observer: &dyn Observer,
) -> bool {
    let n = st.x.len();
    let mut mixer = AndersonMixer::new(options.anderson_memory, options.damping);
    let mut g = vec![0.0; n];
    for _ in 0..options.max_fixed_point_iter {
        if inf_norm(&st.f) <= options.tol {
            return true;
        }
        if observer.cancelled() {
            st.cancelled = true;
            return false;
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
        // Plain damped step, then the Anderson correction if the history allows one.
        let (mut next, _) = mixer.step(&st.x, &g);
        let mut f_next = residual(model, &next, policy);
        st.residual_evals += 1;
        if !is_finite(&next) || !is_finite(&f_next) {
            // The extrapolation left the domain: restart from a plain damped step.
            mixer.clear_history();
            next = mixer.damped(&st.x, &g);
            f_next = residual(model, &next, policy);
            st.residual_evals += 1;
            if !is_finite(&f_next) {
                return false;
            }
        }
        mixer.accept(std::mem::replace(&mut st.x, next), g.clone());
        st.f = f_next;
    }
    inf_norm(&st.f) <= options.tol
}

/// A solved equilibrium with its factorised Jacobian dF/dx: the warm start for solves at
/// nearby policies, as in an optimiser's or a game's steps. Such a solve takes Broyden steps
/// on the kept factorisation (a residual and two triangular-solve pairs each, no new
/// Jacobian) and falls back to Newton from the kept equilibrium if they do not converge fast.
///
/// ```
/// use walras_core::{fixtures::ArmingtonWorld, solve, SolveMethod, SolverOptions, WarmStart};
/// let world = ArmingtonWorld::seeded(10, 5.0, 1);
/// let options = SolverOptions::default();
/// let x0 = solve(&world, &[0.1; 10], None, &options).unwrap().x;
/// let warm = WarmStart::new(&world, x0, &[0.1; 10]).unwrap();
/// let near = warm.solve(&world, &[0.11; 10], &options).unwrap();
/// assert_eq!(near.report.method, SolveMethod::Broyden);
/// assert_eq!(near.report.jacobian_evals, 0);
/// ```
#[derive(Clone)]
pub struct WarmStart {
    x: Vec<f64>,
    factor: std::sync::Arc<crate::linalg::Factorization>,
}

impl fmt::Debug for WarmStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WarmStart")
            .field("unknowns", &self.x.len())
            .finish_non_exhaustive()
    }
}

/// Most Broyden steps of a warm solve before Newton takes over.
pub(crate) const BROYDEN_STEPS: usize = 30;

impl WarmStart {
    /// Factorise dF/dx at the equilibrium `x` of `policy`.
    pub fn new<M: Equilibrium + ?Sized>(model: &M, x: Vec<f64>, policy: &[f64]) -> Result<Self> {
        Self::new_observed(model, x, policy, &NoObserver)
    }

    /// [`new`](Self::new) reporting its Jacobian and factorisation to `observer`.
    pub fn new_observed<M: Equilibrium + ?Sized>(
        model: &M,
        x: Vec<f64>,
        policy: &[f64],
        observer: &dyn Observer,
    ) -> Result<Self> {
        check_len("equilibrium x", model.n_unknowns(), x.len())?;
        model.policy_space().check(policy)?;
        let (_, jac) = residual_and_jacobian_x(model, &x, policy);
        observer.on_event(&Event::Jacobian);
        let factor = crate::linalg::Factorization::new(&jac, observer).ok_or_else(|| {
            invalid(
                "warm start",
                "dF/dx",
                "is singular or not finite at this point",
            )
        })?;
        Ok(Self {
            x,
            factor: std::sync::Arc::new(factor),
        })
    }

    /// The kept equilibrium.
    pub fn x(&self) -> &[f64] {
        &self.x
    }

    /// Solve at `policy`: Broyden steps on the kept factorisation, Newton (with the usual
    /// fallback) from the kept equilibrium if they fail.
    pub fn solve<M: Equilibrium + ?Sized>(
        &self,
        model: &M,
        policy: &[f64],
        options: &SolverOptions,
    ) -> Result<Solution> {
        self.solve_observed(model, policy, options, &NoObserver)
    }

    /// [`solve`](Self::solve) reporting to `observer` and stopping when it asks to.
    pub fn solve_observed<M: Equilibrium + ?Sized>(
        &self,
        model: &M,
        policy: &[f64],
        options: &SolverOptions,
        observer: &dyn Observer,
    ) -> Result<Solution> {
        options.validate()?;
        observe::check(observer)?;
        model.policy_space().check(policy)?;
        check_len("warm start", model.n_unknowns(), self.x.len())?;
        let start = Instant::now();
        let Some((x, evals, residual_inf_norm)) = broyden_solve(
            model,
            policy,
            &self.x,
            &self.factor,
            options.tol,
            BROYDEN_STEPS,
            observer,
        ) else {
            return solve_observed(model, policy, Some(&self.x), options, observer);
        };
        let report = SolveReport {
            method: SolveMethod::Broyden,
            iterations: evals,
            newton_iterations: 0,
            fixed_point_iterations: 0,
            residual_inf_norm,
            tolerance: options.tol,
            residual_evals: evals,
            jacobian_evals: 0,
            wall_time: start.elapsed(),
            worst_unknown: None,
        };
        verified(model, policy, options, Solution { x, report })
    }
}

/// Broyden's ("good") method on top of a fixed factorisation B0 of dF/dx at a nearby point:
/// x <- x - H F(x), where H = B0^-1 plus one rank-one correction per step (Sherman-Morrison
/// form of B <- B + (y - B s) s^T / s^T s). Converges superlinearly where the chord iteration
/// with B0 alone is linear and slow (a large policy change moves the Jacobian). Each step
/// costs one residual and two triangular-solve pairs. Gives up (None) after `max_iter` steps
/// or when the residual grows twice in a row. Returns the solution, the residual evaluations
/// and the residual's infinity norm there.
pub(crate) fn broyden_solve<M: Equilibrium + ?Sized>(
    model: &M,
    policy: &[f64],
    x0: &[f64],
    factor: &crate::linalg::Factorization,
    tol: f64,
    max_iter: usize,
    observer: &dyn Observer,
) -> Option<(Vec<f64>, usize, f64)> {
    let _measure = observe::measure(observer, Timed::InnerSolve);
    let n = x0.len();
    let apply0 = |v: &[f64], transpose: bool| -> Option<Vec<f64>> {
        let s = factor.solve(&DMatrix::from_column_slice(n, 1, v), transpose)?;
        Some(s.as_slice().to_vec())
    };
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    // H = H0 + Sum_j u_j v_j^T.
    let mut us: Vec<Vec<f64>> = Vec::new();
    let mut vs: Vec<Vec<f64>> = Vec::new();
    let apply = |us: &[Vec<f64>], vs: &[Vec<f64>], r: &[f64]| -> Option<Vec<f64>> {
        let mut out = apply0(r, false)?;
        for (u, v) in us.iter().zip(vs) {
            let c = dot(v, r);
            for (o, ui) in out.iter_mut().zip(u) {
                *o += c * ui;
            }
        }
        Some(out)
    };
    let mut x = x0.to_vec();
    let mut f = vec![0.0; n];
    model.residual(&x, policy, &mut f);
    let mut norm = inf_norm(&f);
    // s = -H F.
    let mut step: Vec<f64> = apply(&us, &vs, &f)?.iter().map(|v| -v).collect();
    let mut growth = 0;
    for evals in 1..=max_iter {
        // Cancelled: give up, and let the caller's fallback solve report it.
        if !norm.is_finite() || observer.cancelled() {
            return None;
        }
        if norm <= CHORD_POLISH * tol {
            return Some((x, evals, norm));
        }
        let trial: Vec<f64> = x.iter().zip(&step).map(|(a, s)| a + s).collect();
        let mut f_new = vec![0.0; n];
        model.residual(&trial, policy, &mut f_new);
        let next = inf_norm(&f_new);
        if !next.is_finite() {
            return (norm <= tol).then_some((x, evals, norm));
        }
        growth = if next > norm { growth + 1 } else { 0 };
        if growth >= 2 {
            return (norm <= tol).then_some((x, evals, norm));
        }
        // Update: H_new = H + (s - H y) s^T H / (s^T H y), with H y = H F_new + s (full step).
        let h_f_new = apply(&us, &vs, &f_new)?;
        let h_y: Vec<f64> = h_f_new.iter().zip(&step).map(|(a, s)| a + s).collect();
        let denom = dot(&step, &h_y);
        x = trial;
        f = f_new;
        norm = next;
        if denom.abs() > 1e-12 * dot(&step, &step).sqrt() * dot(&h_y, &h_y).sqrt() {
            // v = H^T s = H0^T s + Sum_j v_j (u_j . s).
            let mut v = apply0(&step, true)?;
            for (uj, vj) in us.iter().zip(&vs) {
                let c = dot(uj, &step);
                for (o, vi) in v.iter_mut().zip(vj) {
                    *o += c * vi;
                }
            }
            let u: Vec<f64> = step
                .iter()
                .zip(&h_y)
                .map(|(s, hy)| (s - hy) / denom)
                .collect();
            // The next step -H_new F: -(H F + u (v . F)).
            let c = dot(&v, &f);
            step = h_f_new
                .iter()
                .zip(&u)
                .map(|(a, ui)| -(a + c * ui))
                .collect();
            us.push(u);
            vs.push(v);
        } else {
            step = h_f_new.iter().map(|a| -a).collect();
        }
    }
    (norm <= tol).then_some((x, max_iter, norm))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autodiff::residual_and_jacobian_x;
    use crate::fixtures::ArmingtonWorld;
    use crate::linalg::Factorization;

    #[test]
    fn broyden_on_a_stale_factorisation_reaches_the_newton_solution() {
        let world = ArmingtonWorld::seeded(40, 5.0, 7);
        let options = SolverOptions::default();
        let p0 = vec![0.05; 40];
        let x0 = solve(&world, &p0, None, &options).unwrap().x;
        let factor =
            Factorization::new(&residual_and_jacobian_x(&world, &x0, &p0).1, &NoObserver).unwrap();
        // A large move of every tariff: the Jacobian at the new equilibrium is far from B0.
        let p1: Vec<f64> = (0..40).map(|i| 0.05 + 0.4 * (i % 3) as f64).collect();
        let newton = solve(&world, &p1, Some(&x0), &options).unwrap().x;
        let (x, evals, norm) =
            broyden_solve(&world, &p1, &x0, &factor, 1e-10, 60, &NoObserver).expect("converges");
        let diff = x
            .iter()
            .zip(&newton)
            .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(diff < 1e-9, "{diff}");
        let check = inf_norm(&crate::autodiff::residual(&world, &x, &p1));
        assert!(check <= 1e-10 && check == norm, "{check} vs {norm}");
        assert!(evals < 60);
        // Garbage in: a factorisation of an unrelated matrix makes it give up, not return.
        let n = x0.len();
        let unrelated = DMatrix::from_fn(n, n, |i, j| if i == j { -3.0 } else { 0.0 });
        let far = Factorization::new(&unrelated, &NoObserver).unwrap();
        assert!(broyden_solve(&world, &p1, &x0, &far, 1e-10, 30, &NoObserver).is_none());
    }
}
