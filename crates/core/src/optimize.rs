//! The outer loop: maximise a criterion of equilibrium objectives over a box of policies.
//!
//! The optimiser is a projected L-BFGS method written as an argmin [`Solver`] and run by
//! argmin's [`Executor`]: L-BFGS directions on the variables not held at a bound, a projected
//! Armijo backtracking search, and a stop on the projected-gradient norm. Every cost is an inner
//! equilibrium solve (warm-started from the previous one) and every gradient an adjoint solve.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argmin::core::{
    CostFunction, Error as ArgminError, Executor, Gradient, IterState, Problem, Solver, State,
    TerminationReason, TerminationStatus, KV,
};
use serde::Serialize;

use crate::autodiff::objective_values;
use crate::check;
use crate::error::{check_option, invalid, EngineError, Result};
use crate::implicit::{criterion_gradient_factored, Criterion};
use crate::model::Welfare;
use crate::observe::{self, Event, Observer, SharedObserver};
use crate::solve::{broyden_solve, solve_observed, SolverOptions, Strategy, BROYDEN_STEPS};

/// Settings of the outer optimiser, built argmin-style with validated `with_*` setters.
///
/// ```
/// use walras_core::PolicyOptimizer;
/// let opt = PolicyOptimizer::new().with_pg_tol(1e-9).unwrap().with_max_iter(500).unwrap();
/// assert!(PolicyOptimizer::new().with_pg_tol(-1.0).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyOptimizer {
    max_iter: u64,
    pg_tol: f64,
    stall_tol: f64,
    memory: usize,
    inner: SolverOptions,
    #[serde(skip)]
    observer: SharedObserver,
}

impl Default for PolicyOptimizer {
    fn default() -> Self {
        Self {
            max_iter: 500,
            pg_tol: 1e-9,
            stall_tol: 1e-9,
            memory: 10,
            inner: SolverOptions::default(),
            observer: SharedObserver::default(),
        }
    }
}

/// What an outer optimisation did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OptimumReport {
    /// Optimiser iterations.
    pub iterations: u64,
    /// Infinity norm of the projected gradient at the returned policy.
    pub projected_gradient_norm: f64,
    /// Inner equilibrium solves performed.
    pub inner_solves: usize,
    /// Inner iterations summed over all solves.
    pub inner_iterations: usize,
    /// Adjoint gradient evaluations.
    pub gradient_evals: usize,
    /// Why the optimiser stopped.
    pub termination: String,
    /// Wall time in seconds.
    #[serde(
        rename = "wall_time_s",
        serialize_with = "crate::error::serialize_secs"
    )]
    pub wall_time: Duration,
}

/// An optimal policy and the equilibrium it induces.
#[derive(Clone, Debug)]
pub struct Optimum {
    /// The full policy vector (free entries optimised, the rest as given).
    pub policy: Vec<f64>,
    /// The equilibrium at that policy.
    pub x: Vec<f64>,
    /// The criterion's value there.
    pub value: f64,
    /// What it took.
    pub report: OptimumReport,
}

impl PolicyOptimizer {
    /// Default settings: projected-gradient tolerance 1e-9, memory 10, at most 500 iterations.
    pub fn new() -> Self {
        Self::default()
    }

    /// Maximum optimiser iterations (>= 1).
    pub fn with_max_iter(mut self, max_iter: u64) -> Result<Self> {
        if max_iter == 0 {
            return Err(invalid("max_iter", max_iter, "must be >= 1"));
        }
        self.max_iter = max_iter;
        Ok(self)
    }

    /// Stop once the projected gradient's infinity norm is at most `tol` (> 0).
    pub fn with_pg_tol(mut self, tol: f64) -> Result<Self> {
        check_option("pg_tol", tol, check::positive)?;
        self.pg_tol = tol;
        self.stall_tol = self.stall_tol.max(tol);
        Ok(self)
    }

    /// For objectives that are only piecewise smooth (agents switching between regimes): when
    /// the line search finds no decrease (or the iteration budget runs out), accept the point
    /// if its projected gradient is at most `tol` (>= the pg tolerance). The default equals the
    /// pg tolerance, i.e. strict.
    pub fn with_stall_tol(mut self, tol: f64) -> Result<Self> {
        if !(tol.is_finite() && tol >= self.pg_tol) {
            return Err(invalid("stall_tol", tol, "must be finite and >= pg_tol"));
        }
        self.stall_tol = tol;
        Ok(self)
    }

    /// Number of L-BFGS correction pairs (1..=100).
    pub fn with_memory(mut self, memory: usize) -> Result<Self> {
        if !(1..=100).contains(&memory) {
            return Err(invalid("memory", memory, "must lie in 1..=100"));
        }
        self.memory = memory;
        Ok(self)
    }

    /// Options of the inner equilibrium solves.
    pub fn with_inner(mut self, inner: SolverOptions) -> Result<Self> {
        inner.validate()?;
        self.inner = inner;
        Ok(self)
    }

    /// Report to `observer` (optimiser iterations, the inner solves and gradients) and stop
    /// with [`EngineError::Cancelled`] when it asks to.
    pub fn with_observer(mut self, observer: std::sync::Arc<dyn Observer>) -> Self {
        self.observer = SharedObserver::new(observer);
        self
    }

    /// Report to this shared observer (none: report nothing).
    pub fn with_shared_observer(mut self, observer: SharedObserver) -> Self {
        self.observer = observer;
        self
    }

    /// The observer runs report to.
    pub fn observer(&self) -> &SharedObserver {
        &self.observer
    }

    /// The projected-gradient tolerance.
    pub fn pg_tol(&self) -> f64 {
        self.pg_tol
    }

    /// The inner solver options.
    pub fn inner(&self) -> &SolverOptions {
        &self.inner
    }

    /// Maximise `criterion` over the policy entries `free` (all entries if `None`), holding the
    /// others at their values in `start`. `warm_x` warm-starts the first inner solve.
    pub fn maximize<M: Welfare + ?Sized>(
        &self,
        model: &M,
        criterion: &Criterion,
        start: &[f64],
        free: Option<&[usize]>,
        warm_x: Option<&[f64]>,
    ) -> Result<Optimum> {
        let t0 = Instant::now();
        let observer = self.observer.get();
        observe::check(observer)?;
        criterion.validate(model.n_objectives())?;
        let space = model.policy_space();
        let all: Vec<usize> = (0..space.len()).collect();
        let free = free.unwrap_or(&all).to_vec();
        if let Some(&bad) = free.iter().find(|&&i| i >= space.len()) {
            return Err(EngineError::DimensionMismatch {
                what: format!("free policy index {bad}"),
                expected: space.len(),
                found: bad + 1,
            });
        }
        let start = space.project(start);
        space.check(&start)?;
        let problem = PolicyProblem {
            model,
            criterion,
            inner: self.inner,
            free: free.clone(),
            observer,
            state: Mutex::new(EvalState {
                base: start.clone(),
                x: warm_x
                    .map(<[f64]>::to_vec)
                    .unwrap_or_else(|| model.initial_guess(&start)),
                anchor: None,
                anchor_factor: None,
                at: None,
                value: f64::NAN,
                gradient: None,
                inner_solves: 0,
                inner_iterations: 0,
                gradient_evals: 0,
            }),
        };
        let solver = ProjectedLbfgs {
            lower: free.iter().map(|&i| space.lower()[i]).collect(),
            upper: free.iter().map(|&i| space.upper()[i]).collect(),
            memory: self.memory,
            pg_tol: self.pg_tol,
            armijo: 1e-4,
            history: VecDeque::new(),
            observer,
        };
        let z0: Vec<f64> = free.iter().map(|&i| start[i]).collect();
        let max_iter = self.max_iter;
        let mut result = Executor::new(problem, solver)
            .configure(|s| s.param(z0).max_iters(max_iter))
            .run()
            .map_err(into_nfxp)?;
        let problem = result
            .problem
            .problem
            .take()
            .expect("argmin returns the problem");
        let state = result.state();
        let termination = state
            .get_termination_reason()
            .map(|r| r.text().to_string())
            .unwrap_or_else(|| "unknown".into());
        let converged = matches!(
            state.get_termination_reason(),
            Some(TerminationReason::SolverConverged)
        );
        // A line-search stall, or an exhausted iteration budget, is accepted within the stall
        // tolerance (the accuracy the inner solve allows).
        let stalled = matches!(
            state.get_termination_reason(),
            Some(TerminationReason::SolverExit(_)) | Some(TerminationReason::MaxItersReached)
        );
        let iterations = state.get_iter();
        let eval = problem
            .state
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        let z = state.get_param().cloned().unwrap_or_default();
        let g = state.get_gradient().cloned().unwrap_or_default();
        let lower: Vec<f64> = free.iter().map(|&i| space.lower()[i]).collect();
        let upper: Vec<f64> = free.iter().map(|&i| space.upper()[i]).collect();
        let pg = projected_norm(&z, &g, &lower, &upper);
        let policy = with_free(&eval.base, &free, &z);
        let report = OptimumReport {
            iterations,
            projected_gradient_norm: pg,
            inner_solves: eval.inner_solves,
            inner_iterations: eval.inner_iterations,
            gradient_evals: eval.gradient_evals,
            termination,
            wall_time: t0.elapsed(),
        };
        if !(converged || pg <= self.pg_tol || (stalled && pg <= self.stall_tol)) {
            return Err(EngineError::OptimizerFailed {
                reason: report.termination.clone(),
                report: Box::new(report),
            });
        }
        // The cache holds the equilibrium at the last evaluated point, which is the accepted one.
        debug_assert_eq!(eval.at.as_deref(), Some(&z[..]));
        Ok(Optimum {
            policy,
            x: eval.x,
            value: -state.get_cost(),
            report,
        })
    }
}

/// |P(z - g) - z|_inf for a MINIMISATION gradient g.
fn projected_norm(z: &[f64], g: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
    z.iter()
        .zip(g)
        .enumerate()
        .map(|(i, (&zi, &gi))| ((zi - gi).clamp(lo[i], hi[i]) - zi).abs())
        .fold(0.0, f64::max)
}

/// An argmin error as the engine's: its own errors unwrapped, anything else an optimiser
/// failure.
pub(crate) fn into_nfxp(e: ArgminError) -> EngineError {
    match e.downcast::<EngineError>() {
        Ok(err) => err,
        Err(other) => EngineError::OptimizerFailed {
            reason: format!("{other:#}"),
            report: Box::new(OptimumReport {
                iterations: 0,
                projected_gradient_norm: f64::NAN,
                inner_solves: 0,
                inner_iterations: 0,
                gradient_evals: 0,
                termination: "error".into(),
                wall_time: Duration::ZERO,
            }),
        },
    }
}

struct EvalState {
    base: Vec<f64>,
    x: Vec<f64>,
    /// The equilibrium at the last point whose gradient was taken (an accepted iterate).
    /// Trial points warm-start from it, not from the last trial, so that a rejected far
    /// trial cannot carry later solves onto another equilibrium branch.
    anchor: Option<Vec<f64>>,
    /// The factorised dF/dx at the anchor: trial solves first take Broyden steps on it.
    anchor_factor: Option<crate::linalg::Factorization>,
    at: Option<Vec<f64>>,
    value: f64,
    gradient: Option<Vec<f64>>,
    inner_solves: usize,
    inner_iterations: usize,
    gradient_evals: usize,
}

/// The reduced problem z -> -criterion(x*(p(z)), p(z)) that argmin sees, with a one-point
/// cache so that a cost and a gradient at the same point share one inner solve.
struct PolicyProblem<'a, M: ?Sized> {
    model: &'a M,
    criterion: &'a Criterion,
    inner: SolverOptions,
    free: Vec<usize>,
    observer: &'a dyn Observer,
    state: Mutex<EvalState>,
}

impl<M: Welfare + ?Sized> PolicyProblem<'_, M> {
    fn evaluate(&self, z: &[f64], with_gradient: bool) -> Result<(f64, Option<Vec<f64>>)> {
        observe::check(self.observer)?;
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.at.as_deref() != Some(z) {
            let policy = with_free(&st.base, &self.free, z);
            let warm = st.anchor.clone().unwrap_or_else(|| st.x.clone());
            let quasi_newton = st.anchor_factor.as_ref().and_then(|factor| {
                broyden_solve(
                    self.model,
                    &policy,
                    &warm,
                    factor,
                    self.inner.tol,
                    BROYDEN_STEPS,
                    self.observer,
                )
            });
            let x = match quasi_newton {
                Some((x, evals, _)) => {
                    st.inner_iterations += evals;
                    x
                }
                None => {
                    // Once there is an anchor, every point is a line-search trial near an
                    // accepted iterate: if Newton cannot reach it, the step is cut back (the
                    // slow fixed-point fallback is kept for the starting point).
                    let mut inner = self.inner;
                    if st.anchor.is_some() && inner.strategy == Strategy::NewtonWithFallback {
                        inner.strategy = Strategy::NewtonOnly;
                    }
                    let sol =
                        solve_observed(self.model, &policy, Some(&warm), &inner, self.observer)?;
                    st.inner_iterations += sol.report.iterations;
                    sol.x
                }
            };
            st.inner_solves += 1;
            let values = objective_values(self.model, &self.criterion.objectives(), &x, &policy);
            let (value, _) = self.criterion.combine(&values)?;
            st.x = x;
            st.at = Some(z.to_vec());
            st.value = value;
            st.gradient = None;
        }
        if with_gradient && st.gradient.is_none() {
            let policy = with_free(&st.base, &self.free, z);
            let (_, grad, factor) = criterion_gradient_factored(
                self.model,
                self.criterion,
                &st.x,
                &policy,
                &self.free,
                st.anchor_factor.as_ref(),
                self.observer,
            )?;
            st.gradient_evals += 1;
            st.gradient = Some(grad);
            st.anchor = Some(st.x.clone());
            if factor.is_some() {
                st.anchor_factor = factor;
            }
        }
        Ok((st.value, st.gradient.clone()))
    }
}

impl<M: Welfare + ?Sized> CostFunction for PolicyProblem<'_, M> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, z: &Vec<f64>) -> std::result::Result<f64, ArgminError> {
        Ok(-self.evaluate(z, false)?.0)
    }
}

impl<M: Welfare + ?Sized> Gradient for PolicyProblem<'_, M> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, z: &Vec<f64>) -> std::result::Result<Vec<f64>, ArgminError> {
        let grad = self.evaluate(z, true)?.1.expect("gradient requested");
        Ok(grad.into_iter().map(|g| -g).collect())
    }
}

type LbfgsState = IterState<Vec<f64>, Vec<f64>, (), (), (), f64>;

/// Projected L-BFGS for box-constrained minimisation, as an argmin solver.
struct ProjectedLbfgs<'a> {
    lower: Vec<f64>,
    upper: Vec<f64>,
    memory: usize,
    pg_tol: f64,
    armijo: f64,
    history: VecDeque<(Vec<f64>, Vec<f64>)>,
    /// Sees every accepted iteration.
    observer: &'a dyn Observer,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl ProjectedLbfgs<'_> {
    fn project(&self, z: &mut [f64]) {
        for (i, zi) in z.iter_mut().enumerate() {
            *zi = zi.clamp(self.lower[i], self.upper[i]);
        }
    }

    /// Variables held at a bound by the gradient (minimisation).
    fn free_mask(&self, z: &[f64], g: &[f64]) -> Vec<bool> {
        (0..z.len())
            .map(|i| {
                !((z[i] <= self.lower[i] && g[i] > 0.0) || (z[i] >= self.upper[i] && g[i] < 0.0))
            })
            .collect()
    }

    /// -H g by the two-loop recursion, restricted to the free variables.
    fn direction(&self, g: &[f64], free: &[bool]) -> Vec<f64> {
        let mask = |v: &mut Vec<f64>| {
            for (vi, &f) in v.iter_mut().zip(free) {
                if !f {
                    *vi = 0.0;
                }
            }
        };
        let mut q = g.to_vec();
        mask(&mut q);
        let mut alphas = Vec::with_capacity(self.history.len());
        for (s, y) in self.history.iter().rev() {
            let rho = 1.0 / dot(y, s);
            let a = rho * dot(s, &q);
            for (qi, yi) in q.iter_mut().zip(y) {
                *qi -= a * yi;
            }
            alphas.push((a, rho));
        }
        if let Some((s, y)) = self.history.back() {
            let gamma = dot(s, y) / dot(y, y);
            q.iter_mut().for_each(|qi| *qi *= gamma);
        }
        for ((s, y), (a, rho)) in self.history.iter().zip(alphas.into_iter().rev()) {
            let b = rho * dot(y, &q);
            for (qi, si) in q.iter_mut().zip(s) {
                *qi += (a - b) * si;
            }
        }
        mask(&mut q);
        q.iter_mut().for_each(|qi| *qi = -*qi);
        q
    }
}

/// True if an evaluation error means "this trial point is infeasible", so the line search
/// should shorten the step rather than abort.
fn is_trial_failure(e: &ArgminError) -> bool {
    matches!(
        e.downcast_ref::<EngineError>(),
        Some(
            EngineError::NotConverged(_)
                | EngineError::SingularJacobian { .. }
                | EngineError::NonFinite { .. }
                | EngineError::InvalidOption {
                    field: "criterion",
                    ..
                }
        )
    )
}

impl<O> Solver<O, LbfgsState> for ProjectedLbfgs<'_>
where
    O: CostFunction<Param = Vec<f64>, Output = f64>
        + Gradient<Param = Vec<f64>, Gradient = Vec<f64>>,
{
    fn name(&self) -> &str {
        "projected L-BFGS"
    }

    fn init(
        &mut self,
        problem: &mut Problem<O>,
        state: LbfgsState,
    ) -> std::result::Result<(LbfgsState, Option<KV>), ArgminError> {
        let mut z = state.get_param().cloned().unwrap_or_default();
        self.project(&mut z);
        let cost = problem.cost(&z)?;
        let grad = problem.gradient(&z)?;
        Ok((state.param(z).cost(cost).gradient(grad), None))
    }

    fn next_iter(
        &mut self,
        problem: &mut Problem<O>,
        state: LbfgsState,
    ) -> std::result::Result<(LbfgsState, Option<KV>), ArgminError> {
        let z = state.get_param().cloned().unwrap_or_default();
        let g = state.get_gradient().cloned().unwrap_or_default();
        let f = state.get_cost();
        let free = self.free_mask(&z, &g);
        for attempt in 0..2 {
            let mut d = self.direction(&g, &free);
            if attempt == 1 || dot(&d, &g) >= 0.0 {
                self.history.clear();
                d = self.direction(&g, &free);
            }
            let d_norm = d.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            if d_norm == 0.0 {
                return Ok((
                    state.terminate_with(TerminationReason::SolverConverged),
                    None,
                ));
            }
            // Without curvature information, cap the first step at 0.1 per variable.
            let mut alpha = if self.history.is_empty() {
                (0.1 / d_norm).min(1.0)
            } else {
                1.0
            };
            for _ in 0..50 {
                let mut trial: Vec<f64> =
                    z.iter().zip(&d).map(|(zi, di)| zi + alpha * di).collect();
                self.project(&mut trial);
                let step: Vec<f64> = trial.iter().zip(&z).map(|(a, b)| a - b).collect();
                // Steps this small cannot change the policy meaningfully: give up on this
                // direction rather than re-solving the economy for nothing.
                // (A step below 1e-3 of the gradient tolerance, or at rounding level, is one.)
                let negligible =
                    |s: f64, zi: f64| s.abs() <= (1e-12 * (1.0 + zi.abs())).max(1e-3 * self.pg_tol);
                if step.iter().zip(&z).all(|(s, zi)| negligible(*s, *zi)) {
                    break;
                }
                // Near an optimum the predicted decrease falls below rounding error in f; then
                // accept any step that does not worsen f beyond that noise, so the quasi-Newton
                // steps can keep shrinking the gradient.
                let predicted = dot(&g, &step);
                let noise = 1e-12 * (1.0 + f.abs());
                match problem.cost(&trial) {
                    Ok(f_trial)
                        if f_trial <= f + self.armijo * predicted
                            || (-predicted <= noise && f_trial <= f + noise) =>
                    {
                        // A trial whose equilibrium is degenerate (singular dF/dx: e.g. a sector
                        // that collapses under scale economies) has no gradient: shorten the step.
                        let g_trial = match problem.gradient(&trial) {
                            Ok(g) => g,
                            Err(e) if is_trial_failure(&e) => {
                                alpha *= 0.5;
                                continue;
                            }
                            Err(e) => return Err(e),
                        };
                        let y: Vec<f64> = g_trial.iter().zip(&g).map(|(a, b)| a - b).collect();
                        let sy = dot(&step, &y);
                        if sy > 1e-12 * dot(&step, &step).sqrt() * dot(&y, &y).sqrt() {
                            self.history.push_back((step, y));
                            if self.history.len() > self.memory {
                                self.history.pop_front();
                            }
                        }
                        self.observer.on_event(&Event::OptimizerIteration {
                            iteration: state.get_iter() + 1,
                            value: -f_trial,
                            projected_gradient_norm: projected_norm(
                                &trial,
                                &g_trial,
                                &self.lower,
                                &self.upper,
                            ),
                        });
                        return Ok((state.param(trial).cost(f_trial).gradient(g_trial), None));
                    }
                    // Once even the predicted decrease is lost in rounding noise, shorter steps
                    // cannot do better: stop searching along this direction.
                    Ok(_) if -predicted <= noise => break,
                    Ok(_) => {}
                    Err(e) if is_trial_failure(&e) => {}
                    Err(e) => return Err(e),
                }
                alpha *= 0.5;
            }
        }
        Ok((
            state.terminate_with(TerminationReason::SolverExit(
                "line search found no decrease".into(),
            )),
            None,
        ))
    }

    fn terminate(&mut self, state: &LbfgsState) -> TerminationStatus {
        let (Some(z), Some(g)) = (state.get_param(), state.get_gradient()) else {
            return TerminationStatus::NotTerminated;
        };
        if projected_norm(z, g, &self.lower, &self.upper) <= self.pg_tol {
            TerminationStatus::Terminated(TerminationReason::SolverConverged)
        } else {
            TerminationStatus::NotTerminated
        }
    }
}

/// `base` with the entries at `free` replaced by `z`.
fn with_free(base: &[f64], free: &[usize], z: &[f64]) -> Vec<f64> {
    let mut policy = base.to_vec();
    for (&i, &v) in free.iter().zip(z) {
        policy[i] = v;
    }
    policy
}
