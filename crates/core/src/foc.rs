//! Nash equilibria as the root of all players' stacked first-order conditions.
//!
//! With box bounds the conditions are the natural residual r(p) = p - proj(p + g(p)), where
//! g stacks each player's exact (adjoint) gradient of its own objective with respect to its
//! own instruments: r = 0 exactly at a Nash equilibrium's KKT point. One evaluation of r costs
//! one warm inner solve and one adjoint pass for all players together (one factorisation), so
//! a step is far cheaper than a round of best responses. r is driven to zero by a
//! quasi-Newton (Broyden) iteration started from a diagonal secant estimate, with
//! backtracking on |r|; the Jacobian is only an approximation for convergence speed, the
//! root is exact.

use std::time::Instant;

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use crate::check;
use crate::error::{check_option, invalid, EngineError, Result};
use crate::game::{best_round, stacked_layout, validate_players, NashOutcome, Player, RoundRecord};
use crate::implicit::{adjoint_gradients_factored, Probes};
use crate::linalg::Factorization;
use crate::model::Welfare;
use crate::observe::{self, Event, NoObserver, Observer, SharedObserver};
use crate::solve::{broyden_solve, solve_observed, SolverOptions, BROYDEN_STEPS};

/// The iteration counts as stagnating if the residual is not below STALL_FACTOR times its
/// value STALL_WINDOW iterations earlier.
const STALL_WINDOW: usize = 10;
const STALL_FACTOR: f64 = 0.5;
/// A secant model at least this many iterations old that has not halved the residual over as
/// many iterations is rebuilt (with linearised probes a rebuild costs a few iterations' work;
/// on the dlopt partner x sector war, windows of 5 and 3 took 10.0-11.0 s against 10.9-12.2 s
/// with STALL_WINDOW)...
const CRAWL_WINDOW: usize = 5;
/// ...at most this many times; then a crawl over STALL_WINDOW iterations counts as a stall.
const CRAWL_REBUILDS: usize = 4;

/// Over twice STALL_WINDOW iterations the residual must halve, even when failed line searches
/// keep rebuilding the model (which resets the staleness clock): otherwise the iteration is
/// cycling between two points.
const CYCLE_WINDOW: usize = 2 * STALL_WINDOW;

/// Up to this many instruments the initial Jacobian is built by finite differences (with
/// linearised probes, 1,225 columns on the 7 x 44 data take about 2 s).
const FD_COLUMNS: usize = 2048;

/// Settings of the stacked-FOC Nash solver.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StackedFoc {
    tol: f64,
    max_iter: usize,
    step: f64,
    max_step: f64,
    secant_above: f64,
    inner: SolverOptions,
    #[serde(skip)]
    observer: SharedObserver,
    /// dG/dp at (or near) the start, over the policy indices given: the first quasi-Newton
    /// model instead of finite-difference probes.
    #[serde(skip)]
    initial_jacobian: Option<std::sync::Arc<(Vec<usize>, DMatrix<f64>)>>,
}

impl Default for StackedFoc {
    fn default() -> Self {
        Self {
            tol: 1e-8,
            max_iter: 200,
            step: 1e-4,
            max_step: 0.5,
            secant_above: f64::INFINITY,
            inner: SolverOptions::default(),
            observer: SharedObserver::default(),
            initial_jacobian: None,
        }
    }
}

struct Point {
    policy: Vec<f64>,
    x: Vec<f64>,
    residual: Vec<f64>,
    welfare: Vec<f64>,
    projected: Vec<f64>,
    /// Instruments pushed against a bound: z + g outside the box, or within `tol` of its edge
    /// (an instrument at a bound with a vanishing gradient stays there).
    active: Vec<bool>,
}

impl StackedFoc {
    /// Tolerance 1e-8 on the natural residual, at most 200 iterations.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stop when every entry of the natural residual is at most `tol` (> 0).
    pub fn with_tol(mut self, tol: f64) -> Result<Self> {
        check_option("tol", tol, check::positive)?;
        self.tol = tol;
        Ok(self)
    }

    /// At most this many quasi-Newton iterations (>= 1).
    pub fn with_max_iter(mut self, n: usize) -> Result<Self> {
        if n == 0 {
            return Err(invalid("max_iter", n, "must be >= 1"));
        }
        self.max_iter = n;
        Ok(self)
    }

    /// Largest change of any instrument in one iteration (> 0; default 0.5): the box within
    /// which Newton steps are truncated (see [`box_truncated`]).
    pub fn with_max_step(mut self, max_step: f64) -> Result<Self> {
        check_option("max_step", max_step, check::positive)?;
        self.max_step = max_step;
        Ok(self)
    }

    /// Far from the root, start from a diagonal secant Jacobian (one probe) instead of finite
    /// differences (one probe per instrument) while the residual is above `residual` (> 0) and
    /// no line search has failed; the finite-difference Jacobian is built once the residual
    /// first falls to `residual`. Far away, steps are long and hit the trust region, so a full
    /// Jacobian is outdated within a few steps; near the root it gives fast convergence. By
    /// default (infinity) the finite-difference Jacobian is built at the start.
    pub fn with_secant_start_above(mut self, residual: f64) -> Result<Self> {
        if residual.is_nan() || residual <= 0.0 {
            return Err(invalid("secant_above", residual, "must be > 0"));
        }
        self.secant_above = residual;
        Ok(self)
    }

    /// Inner solver settings.
    pub fn with_inner(mut self, inner: SolverOptions) -> Result<Self> {
        inner.validate()?;
        self.inner = inner;
        Ok(self)
    }

    /// Report to `observer` (every iteration as [`Event::Round`], and the inner solves' and
    /// gradients' events, from every thread) and stop with [`EngineError::Cancelled`] when it
    /// asks to.
    pub fn with_observer(mut self, observer: std::sync::Arc<dyn Observer>) -> Self {
        self.observer = SharedObserver::new(observer);
        self
    }

    /// Report to this shared observer (none: report nothing).
    pub fn with_shared_observer(mut self, observer: SharedObserver) -> Self {
        self.observer = observer;
        self
    }

    /// Solve from `start` (projected onto the bounds); `on_iter` sees every iteration.
    pub fn solve<M: Welfare + ?Sized>(
        &self,
        model: &M,
        players: &[Player],
        start: &[f64],
        on_iter: impl FnMut(&RoundRecord),
    ) -> Result<NashOutcome> {
        self.solve_from(model, players, start, None, on_iter)
    }

    /// Start from `jacobian`, the first-order conditions' Jacobian dG/dp (each instrument's
    /// own gradient differentiated in every instrument) over the policy indices
    /// `instruments` (rows and columns), known at or near the start (the comparative statics
    /// of a nearby solution): the first step then needs no finite-difference probes. Ignored
    /// if `instruments` are not the players' instruments.
    pub fn with_initial_jacobian(
        mut self,
        instruments: Vec<usize>,
        jacobian: DMatrix<f64>,
    ) -> Result<Self> {
        let m = instruments.len();
        if jacobian.shape() != (m, m) || jacobian.iter().any(|v| !v.is_finite()) {
            return Err(invalid(
                "initial_jacobian",
                format!("{} x {}", jacobian.nrows(), jacobian.ncols()),
                "must be a finite square matrix, one row and column per instrument",
            ));
        }
        self.initial_jacobian = Some(std::sync::Arc::new((instruments, jacobian)));
        Ok(self)
    }

    /// The initial Jacobian in the order `indices`, if it covers exactly those instruments.
    fn initial_in(&self, indices: &[usize]) -> Option<DMatrix<f64>> {
        let (given, j) = self.initial_jacobian.as_deref()?;
        if given.len() != indices.len() {
            return None;
        }
        let at: Vec<usize> = indices
            .iter()
            .map(|i| given.iter().position(|g| g == i))
            .collect::<Option<_>>()?;
        Some(DMatrix::from_fn(indices.len(), indices.len(), |r, c| {
            j[(at[r], at[c])]
        }))
    }

    /// [`solve`](Self::solve) with the equilibrium `warm_x` at (or near) `start` as the first
    /// inner solve's starting point (policies far from the baseline may not be reachable from
    /// the model's initial guess).
    pub fn solve_from<M: Welfare + ?Sized>(
        &self,
        model: &M,
        players: &[Player],
        start: &[f64],
        warm_x: Option<&[f64]>,
        mut on_iter: impl FnMut(&RoundRecord),
    ) -> Result<NashOutcome> {
        let t0 = Instant::now();
        let observer = self.observer.get();
        observe::check(observer)?;
        validate_players(model, players)?;
        let space = model.policy_space();
        // The player (objective row) who controls each instrument.
        let (objectives, indices, owner) = stacked_layout(players);
        let m = indices.len();
        let inner_solves = std::sync::atomic::AtomicUsize::new(0);
        let lower: Vec<f64> = indices.iter().map(|&i| space.lower()[i]).collect();
        let upper: Vec<f64> = indices.iter().map(|&i| space.upper()[i]).collect();
        // The last Jacobian factorisation made: warm solves at nearby policies take Broyden steps
        // on it (a few residual evaluations) before falling back to Newton, and the adjoint
        // reuses it by iterative refinement while that contracts.
        let last_factor: std::sync::Mutex<Option<std::sync::Arc<Factorization>>> =
            std::sync::Mutex::new(None);
        let kept = || {
            last_factor
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
        };
        // The conditions at (x, policy): x the equilibrium, or its first-order prediction.
        let conditions = |policy: Vec<f64>, x: Vec<f64>| -> Result<Point> {
            let factor = kept();
            let (grads, made) = adjoint_gradients_factored(
                model,
                &x,
                &policy,
                &objectives,
                &indices,
                factor.as_deref(),
                observer,
            )?;
            if let Some(factor) = made {
                *last_factor.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some(std::sync::Arc::new(factor));
            }
            let mut residual = Vec::with_capacity(m);
            let mut active = Vec::with_capacity(m);
            let mut projected = Vec::with_capacity(players.len());
            let mut col = 0;
            for (r, pl) in players.iter().enumerate() {
                let mut worst: f64 = 0.0;
                for _ in &pl.indices {
                    let z = policy[indices[col]];
                    let free = z + grads.gradients[(r, col)];
                    active.push(free <= lower[col] + self.tol || free >= upper[col] - self.tol);
                    let stepped = free.clamp(lower[col], upper[col]);
                    residual.push(z - stepped);
                    worst = worst.max((z - stepped).abs());
                    col += 1;
                }
                projected.push(worst);
            }
            Ok(Point {
                policy,
                x,
                residual,
                welfare: grads.values,
                projected,
                active,
            })
        };
        let evaluate = |policy: Vec<f64>, warm: Option<&[f64]>| -> Result<Point> {
            let quasi_newton = match (warm, kept()) {
                (Some(w), Some(f)) => broyden_solve(
                    model,
                    &policy,
                    w,
                    &f,
                    self.inner.tol,
                    BROYDEN_STEPS,
                    observer,
                ),
                _ => None,
            };
            let x = match quasi_newton {
                Some((x, ..)) => x,
                None => solve_observed(model, &policy, warm, &self.inner, observer)?.x,
            };
            inner_solves.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            conditions(policy, x)
        };
        let norm = |r: &[f64]| r.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
        let with = |base: &[f64], z: &[f64]| {
            let mut p = base.to_vec();
            for (k, &i) in indices.iter().enumerate() {
                p[i] = z[k].clamp(lower[k], upper[k]);
            }
            p
        };
        let mut point = evaluate(space.project(start), warm_x)?;
        let mut history = Vec::new();
        // A given Jacobian of the gradients, as the natural residual's model on the start's
        // active set (see the probes below).
        let mut jac: Option<DMatrix<f64>> = self.initial_in(&indices).map(|g| {
            DMatrix::from_fn(m, m, |i, k| match (point.active[i], i == k) {
                (true, true) => 1.0,
                (true, false) => 0.0,
                (false, _) => -g[(i, k)],
            })
        });
        let mut failures = 0;
        // The iteration whose Jacobian was last rebuilt, and how many crawls have been met by a
        // rebuild (CRAWL_REBUILDS at most) rather than an error.
        let mut rebuilt_at = usize::from(jac.is_some());
        let mut crawl_rebuilds = 0;
        for iter in 1..=self.max_iter {
            observe::check(observer)?;
            let z: Vec<f64> = indices.iter().map(|&i| point.policy[i]).collect();
            let r = DVector::from_column_slice(&point.residual);
            // Jacobian (initially, and after a failed line search): forward differences, column
            // by column in parallel, for up to FD_COLUMNS instruments, unless the iteration is
            // still far from the root (see `with_secant_start_above`); otherwise a diagonal
            // secant from one joint perturbation. (Steps go inward at bounds.)
            let b = match jac.take() {
                Some(b) => b,
                None => {
                    rebuilt_at = iter;
                    let h: Vec<f64> = (0..m)
                        .map(|k| {
                            if z[k] + self.step <= upper[k] {
                                self.step
                            } else {
                                -self.step
                            }
                        })
                        .collect();
                    let far = failures == 0 && norm(&point.residual) > self.secant_above;
                    if m <= FD_COLUMNS && !far {
                        // Each probe's equilibrium is the tangent prediction x + h dx*/dp_k
                        // (an error of order h^2, below the differences' own error of order h),
                        // and its gradients are linearised to the same order: no inner solve,
                        // and one shared factorisation (kept for later steps).
                        let probes = Probes::new(
                            model,
                            &point.x,
                            &point.policy,
                            &objectives,
                            &indices,
                            &owner,
                            observer,
                        )?;
                        let (gradients, base) = (probes.gradients(&h)?, probes.base());
                        *last_factor.lock().unwrap_or_else(|e| e.into_inner()) =
                            Some(std::sync::Arc::new(probes.into_factor()));
                        // The natural residual's Jacobian on the current active set (a
                        // semismooth Newton model): rows of instruments pushed against a bound
                        // are those of r = z - bound, the others are -dg/dz, differenced from
                        // the point's own linearised gradients (not from r itself, whose
                        // differences straddle the kinks at the bounds).
                        DMatrix::from_fn(m, m, |i, k| match (point.active[i], i == k) {
                            (true, true) => 1.0,
                            (true, false) => 0.0,
                            (false, _) => -(gradients[(i, k)] - base[i]) / h[k],
                        })
                    } else {
                        let zp: Vec<f64> = z.iter().zip(&h).map(|(a, b)| a + b).collect();
                        let probe = evaluate(with(&point.policy, &zp), Some(&point.x))?;
                        let diag: Vec<f64> = (0..m)
                            .map(|k| {
                                let d = (probe.residual[k] - point.residual[k]) / h[k];
                                if d.abs() > 1e-8 {
                                    d
                                } else {
                                    1.0
                                }
                            })
                            .collect();
                        DMatrix::from_diagonal(&DVector::from_vec(diag))
                    }
                }
            };
            let b_step = uphill(&b);
            let b_step = b_step.as_ref().unwrap_or(&b);
            let mut step = match crate::linalg::lu_solve(
                b_step,
                &DMatrix::from_column_slice(m, 1, (-&r).as_slice()),
                observer,
            ) {
                Some(s) => DVector::from_column_slice(s.as_slice()),
                // A singular model: instruments with no effect (zero rows and columns) or
                // near-flat combinations. A regularised (Levenberg-Marquardt) step within the
                // trust region leaves those alone and solves the rest; the plain residual step
                // (what this fell back to before) crawled.
                None => regularized_step(b_step, &r, self.max_step).unwrap_or_else(|| -&r),
            };
            // No instrument moves more than `max_step` at once. Near-flat directions (tariffs on
            // negligible flows) have huge Newton components: they are held at the box's edge
            // while the other instruments keep solving their own rows of the model. (Scaling
            // the whole step down instead left the others a few percent of their Newton step;
            // clipping components, a direction the model no longer predicted to descend.)
            if step.amax() > self.max_step {
                step = box_truncated(b_step, &r, step, self.max_step, observer);
            }
            // Backtrack on |r|: up to 8 halvings; a trial whose inner solve fails counts as
            // worse. The last feasible trial is accepted (Broyden learns from it).
            // With one player (an optimisation, e.g. the polish of an optimum) the objective
            // is the merit: a trial is better if it raises the objective, or cuts |r| without
            // lowering it (beyond rounding). Steps go uphill where the objective is locally
            // convex, which raises that instrument's |r|: on |r| alone the dlopt partner x
            // sector cooperation failed every line search from 8.5e-5.
            let mut t = 1.0;
            let better = |trial: &Point| {
                let (now, before) = (norm(&trial.residual), norm(&point.residual));
                if players.len() == 1 {
                    let (w, w0) = (trial.welfare[0], point.welfare[0]);
                    let noise = 1e-12 * w0.abs().max(1.0);
                    w > w0 + noise || (now < before && w >= w0 - noise)
                } else {
                    now < before
                }
            };
            let mut next: Option<Point> = None;
            let mut improved = false;
            for _ in 0..8 {
                let zt = DVector::from_column_slice(&z) + &step * t;
                match evaluate(with(&point.policy, zt.as_slice()), Some(&point.x)) {
                    Ok(trial) => {
                        improved = better(&trial);
                        next = Some(trial);
                        if improved {
                            break;
                        }
                    }
                    Err(EngineError::NotConverged(_)) => {}
                    Err(e) => return Err(e),
                }
                t *= 0.5;
            }
            let Some(next) = next else {
                return Err(not_converged(
                    iter,
                    RoundRecord {
                        round: iter,
                        max_policy_change: 0.0,
                        projected_gradients: point.projected.clone(),
                        welfare: point.welfare.clone(),
                        policy: point.policy.clone(),
                    },
                    &history,
                ));
            };
            let dz = DVector::from_iterator(
                m,
                indices
                    .iter()
                    .enumerate()
                    .map(|(k, &i)| next.policy[i] - z[k]),
            );
            let dr = DVector::from_column_slice(&next.residual) - &r;
            let (b, released) = secant_update(b, &dz, &dr, &point.active, &next.active);
            // A failed line search means the secant model is stale: rebuild it at the new point.
            jac = (improved && !released).then_some(b);
            // Arrived near the root: replace the secant model by finite differences.
            if norm(&point.residual) > self.secant_above
                && norm(&next.residual) <= self.secant_above
            {
                jac = None;
            }
            failures = if improved { 0 } else { failures + 1 };
            let record = RoundRecord {
                round: iter,
                max_policy_change: norm(dz.as_slice()),
                projected_gradients: next.projected.clone(),
                welfare: next.welfare.clone(),
                policy: next.policy.clone(),
            };
            on_iter(&record);
            observer.on_event(&Event::Round(&record));
            let done = norm(&next.residual) <= self.tol;
            history.push(record);
            // Stagnation: three line searches in a row found no decrease even with fresh
            // Jacobians; the quasi-Newton model does not describe this game here.
            // Or the residual did not even halve over the last STALL_WINDOW iterations.
            // A crawl on a secant model at least CRAWL_WINDOW iterations old is first met by a
            // rebuilt Jacobian: the secant updates along near-flat directions may have worn the
            // model out. No halving over CYCLE_WINDOW iterations is a stall whatever the model's
            // age.
            let crawled = |window: usize| {
                history.len() > window && {
                    let then = history[history.len() - 1 - window].max_projected_gradient();
                    norm(&next.residual) > STALL_FACTOR * then
                }
            };
            let crawling = crawled(STALL_WINDOW);
            let stale = iter - rebuilt_at >= STALL_WINDOW;
            let rebuild = crawled(CRAWL_WINDOW) && iter - rebuilt_at >= CRAWL_WINDOW;
            if !done && failures < 3 && rebuild && crawl_rebuilds < CRAWL_REBUILDS {
                crawl_rebuilds += 1;
                jac = None;
            } else if !done && (failures >= 3 || (crawling && stale) || crawled(CYCLE_WINDOW)) {
                let last = history.pop().expect("just pushed");
                return Err(not_converged(iter, last, &history));
            }
            point = next;
            if done {
                return Ok(NashOutcome {
                    players: players.iter().map(|p| p.name.clone()).collect(),
                    policy: point.policy,
                    x: point.x,
                    welfare: point.welfare,
                    rounds: iter,
                    converged: true,
                    history,
                    inner_solves: inner_solves.load(std::sync::atomic::Ordering::Relaxed),
                    wall_time: t0.elapsed(),
                });
            }
        }
        let last = history.pop().expect("at least one iteration");
        Err(not_converged(self.max_iter, last, &history))
    }
}

/// The second-order conditions of one player at a point: the eigenvalues of its own Hessian
/// (its objective's second derivatives in its own instruments, symmetrised) over the
/// instruments strictly inside their bounds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OwnCurvature {
    /// The player.
    pub player: String,
    /// Instruments the Hessian is taken over (strictly inside their bounds).
    pub interior: usize,
    /// Largest eigenvalue: positive means the objective is locally convex along some
    /// direction, so the point is no local best response.
    pub max_eigenvalue: f64,
    /// Smallest eigenvalue (the strongest concavity).
    pub min_eigenvalue: f64,
    /// Eigenvalues above [`CONVEX_TOL`] times the largest magnitude: directions along which
    /// the objective is locally convex beyond the differences' accuracy.
    pub convex_directions: usize,
}

/// Eigenvalues above this fraction of a player's largest eigenvalue magnitude count as
/// convex directions (the central differences' relative error is about 1e-8; see
/// [`own_curvature`]).
pub const CONVEX_TOL: f64 = 1e-6;

/// The second-order check of a Nash point (or of an optimum, with one player): each player's
/// own Hessian at (`policy`, its equilibrium `x`), by central differences of exact gradients
/// at linearised probes (two applications of the derivatives per instrument, one
/// factorisation; an error of order 1e-8 of the Hessian's scale with the step 1e-4, against
/// 1e-4 for forward differences; exact second derivatives are in
/// [`exact_gradient_jacobian`](crate::exact_gradient_jacobian), at a cost growing with the
/// square of the number of instruments). A local best response needs every eigenvalue <= 0.
pub fn own_curvature<M: Welfare + ?Sized>(
    model: &M,
    players: &[Player],
    policy: &[f64],
    x: &[f64],
) -> Result<Vec<OwnCurvature>> {
    validate_players(model, players)?;
    let space = model.policy_space();
    let (lower, upper) = (space.lower(), space.upper());
    let h = StackedFoc::default().step;
    let interior = |i: usize| policy[i] > lower[i] + h && policy[i] < upper[i] - h;
    let mut indices = Vec::new();
    let mut owner = Vec::new();
    for (r, p) in players.iter().enumerate() {
        for &i in p.indices.iter().filter(|&&i| interior(i)) {
            indices.push(i);
            owner.push(r);
        }
    }
    let objectives: Vec<usize> = players.iter().map(|p| p.objective).collect();
    let jacobian = if indices.is_empty() {
        None
    } else {
        Some(central_gradient_jacobian(
            model,
            x,
            policy,
            &objectives,
            &indices,
            &owner,
            h,
        )?)
    };
    Ok(players
        .iter()
        .enumerate()
        .map(|(r, p)| {
            let own: Vec<usize> = (0..indices.len()).filter(|&k| owner[k] == r).collect();
            let n = own.len();
            let eigenvalues = jacobian.as_ref().filter(|_| n > 0).map(|jacobian| {
                let hessian = DMatrix::from_fn(n, n, |a, b| jacobian[(own[a], own[b])]);
                let symmetric = (&hessian + hessian.transpose()) * 0.5;
                nalgebra::SymmetricEigen::new(symmetric).eigenvalues
            });
            let (max, min, convex) = eigenvalues.map_or((0.0, 0.0, 0), |e| {
                let scale = e.amax();
                (
                    e.max(),
                    e.min(),
                    e.iter().filter(|&&v| v > CONVEX_TOL * scale).count(),
                )
            });
            OwnCurvature {
                player: p.name.clone(),
                interior: n,
                max_eigenvalue: max,
                min_eigenvalue: min,
                convex_directions: convex,
            }
        })
        .collect())
}

/// The forward-difference Jacobian of players' own gradients that [`StackedFoc`] builds as its
/// Newton model, at (`policy`, its equilibrium `x`): rows and columns are the players'
/// instruments in order (player by player), and entry (i, k) approximates the derivative in
/// instrument k of the gradient of instrument i's owner in instrument i, along the
/// equilibrium. From exact gradients at linearised probes (step `h` on each instrument; one
/// application of the derivatives per instrument, one factorisation). Its error is of order
/// `h`; [`exact_gradient_jacobian`](crate::exact_gradient_jacobian) has none, at m^2/8
/// hyper-dual model evaluations for m instruments.
pub fn differenced_gradient_jacobian<M: Welfare + ?Sized>(
    model: &M,
    players: &[Player],
    policy: &[f64],
    x: &[f64],
    h: f64,
) -> Result<DMatrix<f64>> {
    validate_players(model, players)?;
    check_option("h", h, check::positive)?;
    let (objectives, wrt, owner) = stacked_layout(players);
    let probes = Probes::new(model, x, policy, &objectives, &wrt, &owner, &NoObserver)?;
    let (gradients, base) = (probes.gradients(&vec![h; wrt.len()])?, probes.base());
    Ok(DMatrix::from_fn(wrt.len(), wrt.len(), |i, k| {
        (gradients[(i, k)] - base[i]) / h
    }))
}

/// The Jacobian of [`differenced_gradient_jacobian`] over the indices `wrt` (owned by
/// `owner`, rows of `objectives`) by central differences: probes at +h and -h on every
/// index (twice the work, one factorisation). The probes' second-order errors are the same on
/// both sides and cancel, so the error is of order h^2.
fn central_gradient_jacobian<M: Welfare + ?Sized>(
    model: &M,
    x: &[f64],
    policy: &[f64],
    objectives: &[usize],
    wrt: &[usize],
    owner: &[usize],
    h: f64,
) -> Result<DMatrix<f64>> {
    let probes = Probes::new(model, x, policy, objectives, wrt, owner, &NoObserver)?;
    let steps = |step: f64| vec![step; wrt.len()];
    Ok((probes.gradients(&steps(h))? - probes.gradients(&steps(-h))?) / (2.0 * h))
}

/// The model with its wrong-signed diagonal entries flipped, if it has any (None if not).
///
/// At an interior instrument the diagonal entry of dr/dz is minus its owner's second derivative
/// of welfare in it, positive at a maximum. A negative entry means the owner's welfare is
/// locally convex along that instrument (in practice: a tariff on a negligible flow), and a
/// Newton step would head for the minimum, a stationary point that is no best response; with
/// the entry's magnitude the step goes uphill instead. (At a bound r = z - bound, whose entry
/// is 1.)
fn uphill(b: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    if !(0..b.nrows()).any(|k| b[(k, k)] < 0.0) {
        return None;
    }
    let mut flipped = b.clone();
    for k in 0..b.nrows() {
        flipped[(k, k)] = flipped[(k, k)].abs();
    }
    Some(flipped)
}

/// Broyden's update of the natural residual's model B after a step dz that changed the
/// residual by dr, on the rows of instruments free (not pushed against a bound) before and
/// after; rows of instruments active after the step are their exact z - bound rows e_i. Also
/// says whether an instrument was released from a bound: its row is then e_i, not -dg/dz, and
/// the model should be rebuilt.
///
/// A secant update across a kink at a bound mixes the two regimes' rows: on the dlopt
/// partner x sector dual the iteration stalled at 1e-5 on tariffs at zero whose updated rows
/// predicted the opposite of what they did.
fn secant_update(
    mut b: DMatrix<f64>,
    dz: &DVector<f64>,
    dr: &DVector<f64>,
    active_before: &[bool],
    active_after: &[bool],
) -> (DMatrix<f64>, bool) {
    let denom = dz.dot(dz);
    if denom > 0.0 {
        let mut u = dr - &b * dz;
        for (i, u) in u.iter_mut().enumerate() {
            if active_before[i] || active_after[i] {
                *u = 0.0;
            }
        }
        b += u * dz.transpose() / denom;
    }
    let mut released = false;
    for (i, (&before, &after)) in active_before.iter().zip(active_after).enumerate() {
        if after {
            b.row_mut(i).fill(0.0);
            b[(i, i)] = 1.0;
        }
        released |= before && !after;
    }
    (b, released)
}

/// The Newton step `newton` of the model B d = -r truncated to the box |d_k| <= `radius`:
/// instruments whose move would leave the box are held at its edge (in their Newton direction)
/// and the others solve their own rows of the model given those moves, repeated while more
/// leave the box (at most BOX_PASSES times; then, or if a reduced model is singular, the rest
/// is clipped).
fn box_truncated(
    b: &DMatrix<f64>,
    r: &DVector<f64>,
    newton: DVector<f64>,
    radius: f64,
    observer: &dyn Observer,
) -> DVector<f64> {
    let m = r.len();
    let mut d = newton;
    let mut held = vec![false; m];
    for _ in 0..BOX_PASSES {
        let mut more = false;
        for k in 0..m {
            if !held[k] && d[k].abs() > radius {
                held[k] = true;
                d[k] = radius.copysign(d[k]);
                more = true;
            }
        }
        let free: Vec<usize> = (0..m).filter(|&k| !held[k]).collect();
        if !more || free.is_empty() {
            break;
        }
        // B_FF d_F = -(r_F + B_FH d_H): the held moves enter the free rows' right-hand side.
        let moved = b * DVector::from_iterator(m, (0..m).map(|k| if held[k] { d[k] } else { 0.0 }));
        let reduced = DMatrix::from_fn(free.len(), free.len(), |i, j| b[(free[i], free[j])]);
        let rhs = DMatrix::from_fn(free.len(), 1, |i, _| -(r[free[i]] + moved[free[i]]));
        let Some(solved) = crate::linalg::lu_solve(&reduced, &rhs, observer) else {
            break;
        };
        for (i, &k) in free.iter().enumerate() {
            d[k] = solved[(i, 0)];
        }
    }
    d.map(|v| v.clamp(-radius, radius))
}

/// At most this many passes of [`box_truncated`] (each one LU of the free instruments' block).
const BOX_PASSES: usize = 6;

/// Singular values below this fraction of the largest count as zero in a regularised step.
const RCOND: f64 = 1e-8;

/// For a singular model B: the Levenberg-Marquardt step d = -(B'B + mu I)^-1 B' r with the
/// smallest mu >= 0 whose step stays within `radius` (Euclidean norm), from the SVD of B, with
/// singular values below RCOND times the largest dropped. Directions B cannot see (instruments
/// with no effect, near-flat combinations) are left alone instead of blowing the step up.
/// None if the SVD fails or the step is not finite.
fn regularized_step(b: &DMatrix<f64>, r: &DVector<f64>, radius: f64) -> Option<DVector<f64>> {
    let svd = b.clone().svd(true, true);
    let (u, v_t) = (svd.u.as_ref()?, svd.v_t.as_ref()?);
    let sigma = &svd.singular_values;
    let cutoff = RCOND * sigma.max();
    let coeff: Vec<f64> = (0..sigma.len()).map(|i| -u.column(i).dot(r)).collect();
    let step = |mu: f64| {
        let mut d = DVector::zeros(b.ncols());
        for (i, &c) in coeff.iter().enumerate() {
            let s = sigma[i];
            if s > cutoff {
                d += v_t.row(i).transpose() * (c * s / (s * s + mu));
            }
        }
        d
    };
    let mut d = step(0.0);
    if d.norm() > radius {
        // The step's norm falls as mu grows: bisect on log mu.
        let (mut lo, mut hi) = (cutoff * cutoff, sigma.max().powi(2) * 1e8);
        for _ in 0..60 {
            let mid = (lo * hi).sqrt();
            if step(mid).norm() > radius {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        d = step(hi);
    }
    d.iter().all(|v| v.is_finite()).then_some(d)
}

fn not_converged(rounds: usize, last: RoundRecord, history: &[RoundRecord]) -> EngineError {
    let residual_history = history
        .iter()
        .chain(std::iter::once(&last))
        .map(RoundRecord::max_projected_gradient)
        .collect();
    let best = best_round(history.iter().chain(std::iter::once(&last)));
    EngineError::GameNotConverged {
        method: "the stacked first-order conditions (quasi-Newton)",
        rounds,
        last: Box::new(last),
        best,
        residual_history,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_go_uphill_where_an_owner_s_welfare_is_convex() {
        // Instrument 0: welfare concave (r = -g, dr/dz = 0.5 > 0); instrument 1: convex
        // (dr/dz = -0.5), with g = 0.1 > 0, so welfare rises with it. Newton on the plain model
        // heads down to the stationary point (a minimum); on the flipped one it goes up.
        let b = DMatrix::from_row_slice(2, 2, &[0.5, 0.01, 0.0, -0.5]);
        let r = DMatrix::from_column_slice(2, 1, &[0.05, -0.1]);
        let plain = crate::linalg::lu_solve(&b, &(-&r), &NoObserver).unwrap();
        assert!(plain[1] < 0.0, "{plain}");
        let flipped = uphill(&b).expect("a negative diagonal entry");
        let step = crate::linalg::lu_solve(&flipped, &(-&r), &NoObserver).unwrap();
        assert!(step[1] > 0.0, "uphill: {step}");
        assert!((step[1] - 0.2).abs() < 1e-12);
        assert!(
            step[0] < 0.0,
            "the concave instrument keeps its Newton direction: {step}"
        );
        // Nothing to flip: no copy.
        assert!(uphill(&DMatrix::identity(2, 2)).is_none());
    }

    #[test]
    fn own_curvature_is_cournot_s_closed_form_and_flags_a_saddle() {
        use crate::fixtures::Cournot;
        // Profit (a - b Q - c_i) q_i: own second derivative -2b, exactly (quadratic, so the
        // differences of exact gradients carry rounding only).
        let (a, b) = (10.0, 0.5);
        let market = Cournot::new(a, b, vec![1.0, 1.5, 2.0]).unwrap();
        let q = market.nash_quantities();
        let price = a - b * q.iter().sum::<f64>();
        let players = crate::players_from_blocks(crate::model::Equilibrium::policy_space(&market));
        let curvature = own_curvature(&market, &players, &q, &[price]).unwrap();
        assert_eq!(curvature.len(), 3);
        for c in &curvature {
            assert_eq!(c.interior, 1);
            assert!((c.max_eigenvalue + 2.0 * b).abs() < 1e-6, "{c:?}");
            assert_eq!(c.convex_directions, 0);
        }
        // A player choosing firms 0 and 1's quantities for firm 0's profit: Hessian
        // [[-2b, -b], [-b, 0]], eigenvalues b(-1 +- sqrt 2): a saddle, no best response.
        let saddle = vec![Player {
            name: "firm 0 owns firm 1".into(),
            indices: vec![0, 1],
            objective: 0,
        }];
        let c = &own_curvature(&market, &saddle, &q, &[price]).unwrap()[0];
        assert_eq!(c.interior, 2);
        assert!(
            (c.max_eigenvalue - b * (2f64.sqrt() - 1.0)).abs() < 1e-6,
            "{c:?}"
        );
        assert!(
            (c.min_eigenvalue + b * (2f64.sqrt() + 1.0)).abs() < 1e-6,
            "{c:?}"
        );
        assert_eq!(c.convex_directions, 1);
        // At a bound an instrument is not interior: no Hessian, nothing flagged.
        let mut at_zero = q.clone();
        at_zero[2] = 0.0;
        let price = a - b * at_zero.iter().sum::<f64>();
        let c = own_curvature(&market, &players, &at_zero, &[price]).unwrap();
        assert_eq!((c[2].interior, c[2].convex_directions), (0, 0));
    }

    #[test]
    fn box_truncated_steps_hold_long_moves_at_the_edge_and_solve_the_other_rows() {
        // Instrument 2 is near-flat: its Newton move is huge and would drag the others along if
        // the step were scaled as a whole.
        let b = DMatrix::from_row_slice(3, 3, &[2.0, 0.3, 0.1, 0.2, 1.0, 0.05, 0.0, 0.01, 1e-4]);
        let r = DVector::from_vec(vec![0.1, -0.05, 1e-3]);
        let newton = DVector::from_column_slice(
            crate::linalg::lu_solve(
                &b,
                &DMatrix::from_column_slice(3, 1, (-&r).as_slice()),
                &NoObserver,
            )
            .unwrap()
            .as_slice(),
        );
        assert!(newton[2].abs() > 1.0, "{newton}");
        let d = box_truncated(&b, &r, newton.clone(), 0.5, &NoObserver);
        assert_eq!(d[2], 0.5_f64.copysign(newton[2]), "held at the edge: {d}");
        assert!(d.amax() <= 0.5);
        // The free instruments' rows of the model hold exactly given the held move.
        let model = &r + &b * &d;
        assert!(model[0].abs() < 1e-14 && model[1].abs() < 1e-14, "{model}");
        // Within the box: the Newton step itself.
        assert_eq!(
            box_truncated(&b, &r, newton.clone(), 1e3, &NoObserver),
            newton
        );
    }

    #[test]
    fn secant_updates_keep_exact_rows_at_bounds_and_flag_released_instruments() {
        let b = DMatrix::from_row_slice(3, 3, &[1.0, 0.2, 0.0, 0.0, 1.0, 0.0, 0.1, 0.0, 0.5]);
        let dz = DVector::from_vec(vec![0.1, -0.2, 0.05]);
        let dr = DVector::from_vec(vec![0.3, 0.1, -0.2]);
        // Instrument 1 at a bound before and after, instrument 2 pushed against one by the step.
        let (updated, released) = secant_update(
            b.clone(),
            &dz,
            &dr,
            &[false, true, false],
            &[false, true, true],
        );
        assert!(!released);
        for i in 1..3 {
            for k in 0..3 {
                assert_eq!(updated[(i, k)], f64::from(u8::from(i == k)), "row {i}");
            }
        }
        // The free row satisfies the secant condition.
        assert!(((updated.row(0) * &dz)[0] - dr[0]).abs() < 1e-14);
        // An instrument leaving its bound: flagged for a rebuilt model.
        let (_, released) =
            secant_update(b, &dz, &dr, &[false, true, false], &[false, false, false]);
        assert!(released);
    }

    #[test]
    fn regularized_step_solves_the_visible_part_and_leaves_dead_instruments_alone() {
        // Instrument 2 has no effect (zero row and column); instrument 1 is near-flat.
        let b = DMatrix::from_row_slice(3, 3, &[2.0, 0.0, 0.0, 0.0, 1e-12, 0.0, 0.0, 0.0, 0.0]);
        let r = DVector::from_vec(vec![0.4, 1e-14, 0.0]);
        assert!(crate::linalg::lu_solve(
            &b,
            &DMatrix::from_column_slice(3, 1, &[1.0; 3]),
            &NoObserver
        )
        .is_none());
        let d = regularized_step(&b, &r, 1.0).unwrap();
        assert!((d[0] + 0.2).abs() < 1e-12, "{d}");
        assert_eq!(d[1], 0.0, "below RCOND: left alone");
        assert_eq!(d[2], 0.0);
        // A trust region smaller than the Newton step: the step is damped to its radius, along
        // the same direction.
        let d = regularized_step(&b, &r, 0.05).unwrap();
        assert!(d.norm() <= 0.05 + 1e-12 && d.norm() > 0.049, "{d}");
        assert!(d[0] < 0.0);
    }
}
