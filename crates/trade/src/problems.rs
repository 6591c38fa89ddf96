//! The policy problems on a trade economy: counterfactuals, a country's unilateral optimum,
//! Nash wars (stacked first-order conditions or best responses) and cooperation, each with
//! the outcome and a policy summary.

use serde::Serialize;
use walras_core::{
    players_from_blocks, solve_observed, Aggregation, BestResponse, Criterion, EngineError,
    Equilibrium, NashOutcome, NoObserver, Observer, PolicyOptimizer, RoundRecord, SharedObserver,
    SolveReport, SolverOptions, StackedFoc, UpdateOrder,
};

use crate::error::{invalid, Result, TradeError};
use crate::model::{Outcome, TradeModel};
use crate::report::PolicySummary;

/// How a Nash equilibrium is computed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NashMethod {
    /// Stacked first-order conditions first, for games with at most 100 instruments
    /// (from the start); for larger games, or if that fails, `BestResponseThenStacked` (the
    /// default).
    #[default]
    Auto,
    /// Root of all governments' stacked first-order conditions (quasi-Newton).
    Stacked,
    /// Best-response dynamics (Jacobi, players in parallel).
    BestResponse,
    /// Best responses until the first-order conditions hold to 5e-2, then the stacked
    /// conditions from there; if those stall, best responses again, from the best point, to a
    /// 5x tighter handover (four times at most), then to the tolerance (what `Auto` falls back
    /// to).
    BestResponseThenStacked,
}

/// The hybrid hands over from best responses to the stacked conditions at this FOC residual
/// (on the dlopt 7x44 games the stacked iteration converges from here; with linearised probes
/// its Jacobian costs less than a round of best responses: dual competition 30 s at 2e-2,
/// 24 s here, 21 s at 1e-1, 39 s at 2e-1)...
const HANDOVER_TOL: f64 = 5e-2;
/// With more than LARGE_GAME instruments the handover is at LARGE_GAME_HANDOVER instead, each
/// response still solved to 1e-2 HANDOVER_TOL. The stacked stage's Jacobian costs one probe
/// per instrument, and from 1e-2 its model is soon stale: on the dlopt partner x sector war
/// (924 tariffs) the stacked stage took 9 Jacobians and 15 s from 1.3e-2, against 2.4 s from
/// 1e-3 after two more rounds (whole run 10.1-13.7 s -> 6.8-8.5 s, same equilibrium); the
/// partner x sector dual (1,225 instruments) takes 22-27 s either way.
const LARGE_GAME: usize = 800;
const LARGE_GAME_HANDOVER: f64 = 1e-3;
/// ...and tries again, to a tighter handover, at most this many times after a stall...
const HYBRID_ATTEMPTS: usize = 4;
/// ...namely this fraction of the lower of the residuals where the responses handed over and
/// where the stacked iteration did best. (Partner x sector dual competition on dlopt, which
/// failed with 2 attempts at 1/20: 150 s at 1/20, 97 s at 1/5, 131 s at 1/2.)
const HANDOVER_CUT: f64 = 0.2;
/// Started from the baseline, the stacked iteration takes secant steps until its residual is
/// below this, and only then builds its finite-difference Jacobian (one adjoint gradient per
/// instrument). On the WIOD uniform wars (all eight elasticity sets) this cuts the evaluations
/// from 66-117 to 56-64: a Jacobian built at the baseline is stale after a few long steps,
/// and the secant phase then crawls until a failed line search forces a second one.
const SECANT_START_ABOVE: f64 = 1e-2;
/// `auto` tries the stacked conditions from the start only up to this many instruments (a
/// failed attempt still builds a finite-difference Jacobian, one adjoint gradient per
/// instrument, once its residual reaches SECANT_START_ABOVE: with more instruments, that costs
/// as much as a round or two of best responses, and the dlopt sector war stalls from there).
const FIRST_TRY_MAX_INSTRUMENTS: usize = 100;

impl std::str::FromStr for NashMethod {
    type Err = TradeError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Self::Auto),
            "stacked" | "stacked-foc" => Ok(Self::Stacked),
            "best-response" | "br" => Ok(Self::BestResponse),
            "best-response-then-stacked" => Ok(Self::BestResponseThenStacked),
            other => Err(invalid(
                "method",
                other,
                "expected auto, stacked, best-response or best-response-then-stacked",
            )),
        }
    }
}

/// The equilibrium at a `start` other than the baseline, for the solvers to start from: solved
/// from the model's initial guess or, for policies the inner solver cannot reach from there
/// (far from the baseline, e.g. an earlier run's, given with `--start`), by
/// [`continued_equilibrium`]. None at the baseline (the solvers start from the initial guess).
fn reachable_equilibrium(
    model: &TradeModel,
    start: &[f64],
    inner: &SolverOptions,
    observer: &dyn Observer,
) -> Result<Option<Vec<f64>>> {
    if start == model.baseline_policy().as_slice() {
        return Ok(None);
    }
    match solve_observed(model, start, None, inner, observer) {
        Ok(sol) => Ok(Some(sol.x)),
        Err(walras_core::EngineError::NotConverged(_)) => {
            continued_observed(model, start, inner, observer).map(Some)
        }
        Err(e) => Err(e.into()),
    }
}

/// The equilibrium at `policy` continued from the baseline's along the straight path of
/// policies, each solve warm-started from the last, with steps halved on failure (down to
/// MIN_CONTINUATION_STEP of the way) and doubled on success. For policies the inner solver
/// cannot reach from the model's initial guess; an `Infeasible` error says how far it got.
pub fn continued_equilibrium(
    model: &TradeModel,
    policy: &[f64],
    inner: &SolverOptions,
) -> Result<Vec<f64>> {
    continued_observed(model, policy, inner, &NoObserver)
}

/// [`continued_equilibrium`] reporting its solves to `observer` (and cancelled by it).
fn continued_observed(
    model: &TradeModel,
    policy: &[f64],
    inner: &SolverOptions,
    observer: &dyn Observer,
) -> Result<Vec<f64>> {
    let baseline = model.baseline_policy();
    let target = walras_core::Equilibrium::policy_space(model).project(policy);
    let along = |t: f64| -> Vec<f64> {
        baseline
            .iter()
            .zip(&target)
            .map(|(b, s)| b + t * (s - b))
            .collect()
    };
    let mut x = solve_observed(model, &baseline, None, inner, observer)?.x;
    let (mut t, mut dt) = (0.0_f64, 0.25_f64);
    while t < 1.0 {
        let next = (t + dt).min(1.0);
        match solve_observed(model, &along(next), Some(&x), inner, observer) {
            Ok(sol) => {
                x = sol.x;
                t = next;
                dt *= 2.0;
            }
            Err(walras_core::EngineError::NotConverged(report)) => {
                dt *= 0.5;
                if dt < MIN_CONTINUATION_STEP {
                    return Err(TradeError::Infeasible(format!(
                        "no equilibrium reached at the start policies: continued from the \
                         baseline, the inner solve fails {:.0}% of the way there (residual \
                         {:.1e} after {} iterations); the policies may have no equilibrium",
                        100.0 * t,
                        report.residual_inf_norm,
                        report.iterations
                    )));
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(x)
}

/// Continuation steps (fractions of the way from the baseline) are halved down to this.
const MIN_CONTINUATION_STEP: f64 = 1.0 / 256.0;

/// A solved policy problem: the policy, the equilibrium's outcomes and a summary.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyResult {
    /// The full policy vector.
    #[serde(skip)]
    pub policy: Vec<f64>,
    /// The equilibrium unknowns.
    #[serde(skip)]
    pub x: Vec<f64>,
    /// Outcomes by country.
    pub outcome: Outcome,
    /// Mean tariffs and subsidies by country.
    pub summary: PolicySummary,
    /// Iterations (optimiser) or rounds (games).
    pub iterations: usize,
    /// Per-round records of a game (empty otherwise).
    #[serde(skip)]
    pub history: Vec<RoundRecord>,
    /// The final inner solve.
    pub solve_report: Option<SolveReport>,
    /// Wall time of the whole problem, seconds.
    pub wall_time_s: f64,
}

fn finish(
    model: &TradeModel,
    policy: Vec<f64>,
    x: Vec<f64>,
    iterations: usize,
    history: Vec<RoundRecord>,
    t0: std::time::Instant,
    report: Option<SolveReport>,
) -> Result<PolicyResult> {
    let outcome = model.outcome(&x, &policy);
    if let Some((n, y)) = outcome.income.iter().enumerate().find(|(_, y)| **y <= 0.0) {
        return Err(TradeError::Infeasible(format!(
            "income of {} would be {y}",
            outcome.countries[n]
        )));
    }
    Ok(PolicyResult {
        summary: model.policy_summary(&policy),
        outcome,
        policy,
        x,
        iterations,
        history,
        solve_report: report,
        wall_time_s: t0.elapsed().as_secs_f64(),
    })
}

/// The policy optimiser of unilateral optima and cooperation: L-BFGS to a projected gradient
/// of `tol`, accepting a line-search stall below 100 `tol` (the inner solve's accuracy bounds
/// the gradient), inner solves with `inner`.
pub fn policy_optimizer(tol: f64, inner: SolverOptions) -> Result<walras_core::PolicyOptimizer> {
    Ok(walras_core::PolicyOptimizer::new()
        .with_pg_tol(tol)?
        .with_stall_tol(tol * 1e2)?
        .with_inner(inner)?)
}

/// The equilibrium at `policy`.
pub fn counterfactual(
    model: &TradeModel,
    policy: &[f64],
    options: &SolverOptions,
) -> Result<PolicyResult> {
    counterfactual_observed(model, policy, options, &NoObserver)
}

/// [`counterfactual`] reporting its inner solve to `observer` (and cancelled by it).
pub fn counterfactual_observed(
    model: &TradeModel,
    policy: &[f64],
    options: &SolverOptions,
    observer: &dyn Observer,
) -> Result<PolicyResult> {
    let t0 = std::time::Instant::now();
    let sol = solve_observed(model, policy, None, options, observer)?;
    finish(
        model,
        policy.to_vec(),
        sol.x,
        sol.report.iterations,
        Vec::new(),
        t0,
        Some(sol.report),
    )
}

/// Country `country`'s optimal instruments, others at `start`. The `optimizer`'s observer
/// ([`PolicyOptimizer::with_observer`]) sees the whole run and can cancel it.
pub fn unilateral(
    model: &TradeModel,
    country: usize,
    start: &[f64],
    optimizer: &PolicyOptimizer,
) -> Result<PolicyResult> {
    let t0 = std::time::Instant::now();
    let free = model.policy_map().block(country).to_vec();
    if free.is_empty() {
        return Err(invalid(
            "country",
            &model.baseline().countries[country],
            "has no instruments",
        ));
    }
    let (policy, x, iterations) =
        maximize_polished(model, Criterion::Single(country), &free, start, optimizer)?;
    finish(model, policy, x, iterations, Vec::new(), t0, None)
}

/// Maximise `criterion` over the `free` instruments with the core's
/// [`PolishedOptimizer`](walras_core::PolishedOptimizer): L-BFGS to the neighbourhood of the
/// optimum, then Newton-type steps on the first-order conditions, which converge fast where
/// L-BFGS crawls on these ill-conditioned problems (switching at a projected gradient of 1e-4,
/// or 1e-2 after a stall). The first inner solve starts from the equilibrium reachable at
/// `start` ([`continued_equilibrium`] if needed). Returns the policy, the equilibrium and the
/// iterations of both stages.
fn maximize_polished(
    model: &TradeModel,
    criterion: Criterion,
    free: &[usize],
    start: &[f64],
    optimizer: &PolicyOptimizer,
) -> Result<(Vec<f64>, Vec<f64>, usize)> {
    let warm_x =
        reachable_equilibrium(model, start, optimizer.inner(), optimizer.observer().get())?;
    let best = optimizer.clone().polished().maximize(
        model,
        &criterion,
        start,
        Some(free),
        warm_x.as_deref(),
    )?;
    Ok((best.policy, best.x, best.iterations))
}

/// How best-response rounds are run: who responds to what, and how far each round moves;
/// and who watches the game.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseDynamics {
    /// Jacobi (all respond to last round, in parallel) or Gauss-Seidel (in turn).
    pub order: UpdateOrder,
    /// Each round moves this fraction of the way to the best responses (1 = undamped).
    pub damping: f64,
    /// Sees every round and iteration, inner solve and gradient of the game (of whichever
    /// method runs), and can cancel it (none by default).
    pub observer: SharedObserver,
}

impl Default for ResponseDynamics {
    fn default() -> Self {
        ResponseDynamics {
            order: UpdateOrder::Jacobi,
            damping: 1.0,
            observer: SharedObserver::default(),
        }
    }
}

/// The Nash equilibrium among all governments, from `start` (undamped Jacobi best responses
/// when they are used; see [`nash_with`]).
pub fn nash(
    model: &TradeModel,
    method: NashMethod,
    tol: f64,
    start: &[f64],
    inner: SolverOptions,
    on_round: impl FnMut(&RoundRecord),
) -> Result<(PolicyResult, NashOutcome, NashMethod)> {
    nash_with(
        model,
        method,
        tol,
        start,
        inner,
        ResponseDynamics::default(),
        on_round,
    )
}

/// [`nash`] with a choice of best-response dynamics (schedule and damping) and an observer
/// ([`ResponseDynamics::observer`]: progress, work counts, cancellation).
pub fn nash_with(
    model: &TradeModel,
    method: NashMethod,
    tol: f64,
    start: &[f64],
    inner: SolverOptions,
    dynamics: ResponseDynamics,
    mut on_round: impl FnMut(&RoundRecord),
) -> Result<(PolicyResult, NashOutcome, NashMethod)> {
    let t0 = std::time::Instant::now();
    let players = players_from_blocks(model.policy_space());
    let instruments: usize = players.iter().map(|p| p.indices.len()).sum();
    let observer = dynamics.observer.clone();
    let start_x = reachable_equilibrium(model, start, &inner, observer.get())?;
    // From the start, the stacked iteration runs on a diagonal secant model until the
    // conditions hold to SECANT_START_ABOVE; after best responses (at HANDOVER_TOL) it builds
    // the finite-difference Jacobian at once.
    let stacked = |max_iter: usize,
                   start: &[f64],
                   warm_x: Option<&[f64]>,
                   after_responses: bool,
                   on_round: &mut dyn FnMut(&RoundRecord)| {
        let secant_above = if after_responses {
            f64::INFINITY
        } else {
            SECANT_START_ABOVE
        };
        StackedFoc::new()
            .with_tol(tol)?
            .with_max_iter(max_iter)?
            .with_secant_start_above(secant_above)?
            .with_inner(inner)?
            .with_shared_observer(observer.clone())
            .solve_from(model, &players, start, warm_x, on_round)
    };
    let best_response = |tol: f64,
                         policy_tol: f64,
                         accuracy: f64,
                         start: &[f64],
                         warm_x: Option<&[f64]>,
                         on_round: &mut dyn FnMut(&RoundRecord)|
     -> walras_core::Result<NashOutcome> {
        // Best responses are L-BFGS runs whose attainable gradient is bounded by the inner
        // solve's accuracy: rounds stop at max(tol, 1e-6); each response stops at 1e-2 of
        // `accuracy` (at least tol), or on a line-search stall below 10x that.
        let tol = tol.max(1e-6);
        let accuracy = accuracy.max(tol);
        let optimizer = PolicyOptimizer::new()
            .with_pg_tol(accuracy * 1e-2)?
            .with_stall_tol(accuracy * 10.0)?
            .with_inner(inner)?;
        BestResponse::new()
            .with_tol(tol)?
            .with_policy_tol(policy_tol.max(tol))?
            .with_update_order(dynamics.order)
            .with_damping(dynamics.damping)?
            .with_optimizer(optimizer)
            .with_shared_observer(observer.clone())
            .solve_from(model, &players, start, warm_x, on_round)
    };
    // Best responses then the stacked conditions: responses bring the policies near the
    // equilibrium, where the quasi-Newton iteration converges fast. If it stalls, best
    // responses take over again from the better of the two points (the stacked iteration's
    // best, not its last), to a handover 5x tighter than the lower residual; after
    // HYBRID_ATTEMPTS such failures, best responses go on to the tolerance.
    let hybrid = |start: &[f64],
                  on_round: &mut dyn FnMut(&RoundRecord)|
     -> walras_core::Result<(NashOutcome, NashMethod)> {
        // The FOC residual where a run stopped.
        let residual = |n: &NashOutcome| {
            n.history
                .last()
                .map_or(f64::INFINITY, RoundRecord::max_projected_gradient)
        };
        let mut handover = if instruments > LARGE_GAME {
            LARGE_GAME_HANDOVER
        } else {
            HANDOVER_TOL
        };
        // Where the next responses start (policies, warm equilibrium), best first.
        let mut from: Vec<(Vec<f64>, Option<Vec<f64>>)> = vec![(start.to_vec(), start_x.clone())];
        let mut so_far: Option<NashOutcome> = None;
        for attempt in 0..=HYBRID_ATTEMPTS {
            let last_attempt = attempt == HYBRID_ATTEMPTS;
            // The handover looks at the first-order conditions only: policies may still move
            // (damped responses oscillate) where the stacked iteration already converges.
            let (goal, policy_goal) = if last_attempt {
                (tol, tol)
            } else {
                (handover.max(tol), f64::INFINITY)
            };
            // Each response is solved to 1e-2 of this: in the first attempt, of HANDOVER_TOL
            // even when handing over at LARGE_GAME_HANDOVER; later, of the goal.
            let accuracy = if attempt == 0 { HANDOVER_TOL } else { goal };
            let mut failure = None;
            let mut outcome = None;
            for (policy, warm) in &from {
                match best_response(
                    goal,
                    policy_goal,
                    accuracy,
                    policy,
                    warm.as_deref(),
                    on_round,
                ) {
                    Ok(n) => {
                        outcome = Some(n);
                        break;
                    }
                    Err(EngineError::Cancelled) => return Err(EngineError::Cancelled),
                    Err(e) => {
                        failure.get_or_insert(e);
                    }
                }
            }
            let Some(near) = outcome else {
                return Err(failure.expect("at least one start"));
            };
            let near = match so_far.take() {
                Some(before) => before.then(near),
                None => near,
            };
            if residual(&near) <= tol || last_attempt {
                return Ok((near, NashMethod::BestResponse));
            }
            match stacked(60, &near.policy, Some(&near.x), true, on_round) {
                Ok(last) => return Ok((near.then(last), NashMethod::BestResponseThenStacked)),
                Err(walras_core::EngineError::GameNotConverged { best, .. }) => {
                    let reached = best.max_projected_gradient();
                    let here = residual(&near);
                    handover = reached.min(here) * HANDOVER_CUT;
                    // Resume where the residual is lower (warm-started from the responses'
                    // equilibrium: the stacked iteration's own is not returned), or, if the
                    // inner solve fails there, where the responses stopped.
                    from = vec![(near.policy.clone(), Some(near.x.clone()))];
                    if reached < here {
                        from.insert(0, (best.policy.clone(), Some(near.x.clone())));
                    }
                    so_far = Some(near);
                }
                Err(e) => return Err(e),
            }
        }
        unreachable!("the last attempt returns")
    };
    let (nash, used) = match method {
        NashMethod::Stacked => (
            stacked(200, start, start_x.as_deref(), false, &mut on_round)?,
            NashMethod::Stacked,
        ),
        NashMethod::BestResponse => (
            best_response(tol, tol, tol, start, start_x.as_deref(), &mut on_round)?,
            NashMethod::BestResponse,
        ),
        NashMethod::BestResponseThenStacked => hybrid(start, &mut on_round)?,
        NashMethod::Auto if instruments > FIRST_TRY_MAX_INSTRUMENTS => {
            hybrid(start, &mut on_round)?
        }
        NashMethod::Auto => match stacked(60, start, start_x.as_deref(), false, &mut on_round) {
            Ok(n) => (n, NashMethod::Stacked),
            Err(EngineError::Cancelled) => return Err(EngineError::Cancelled.into()),
            Err(_) => hybrid(start, &mut on_round)?,
        },
    };
    let result = finish(
        model,
        nash.policy.clone(),
        nash.x.clone(),
        nash.rounds,
        nash.history.clone(),
        t0,
        None,
    )?;
    Ok((result, nash, used))
}

/// The Nash equilibrium near `start` (a first-order prediction, say), by the stacked
/// first-order conditions started from `jacobian`, their Jacobian dG/dp over the policy
/// indices `instruments` at a nearby equilibrium (see
/// [`Sensitivity::foc_jacobian`](crate::Sensitivity::foc_jacobian)): no finite-difference
/// probes unless a line search fails; `warm_x`, the nearby equilibrium, starts the first
/// equilibrium solve. If that iteration does not converge within 60 iterations, the error
/// says so, and a caller may start nearer (see the draws of `walras trade uncertainty`) or
/// fall back to [`nash_with`]. Converged means the same as for [`nash_with`].
pub fn nash_near(
    model: &TradeModel,
    tol: f64,
    start: &[f64],
    inner: SolverOptions,
    instruments: &[usize],
    jacobian: &nalgebra::DMatrix<f64>,
    warm_x: Option<&[f64]>,
) -> Result<PolicyResult> {
    let t0 = std::time::Instant::now();
    let players = players_from_blocks(model.policy_space());
    // The start's equilibrium from `warm_x` (the nearby solution's), else as `nash_with`.
    let warm = warm_x.and_then(|w| {
        solve_observed(model, start, Some(w), &inner, &NoObserver)
            .ok()
            .map(|s| s.x)
    });
    let start_x = match warm {
        Some(x) => Some(x),
        None => reachable_equilibrium(model, start, &inner, &NoObserver)?,
    };
    let near = StackedFoc::new()
        .with_tol(tol)?
        .with_max_iter(60)?
        .with_inner(inner)?
        .with_initial_jacobian(instruments.to_vec(), jacobian.clone())?
        .solve_from(model, &players, start, start_x.as_deref(), |_| {});
    let n = near?;
    finish(model, n.policy, n.x, n.rounds, n.history, t0, None)
}

/// The cooperative optimum: all instruments chosen to maximise world welfare (sum of log
/// welfare changes by default). The `optimizer`'s observer sees the run and can cancel it.
pub fn cooperate(
    model: &TradeModel,
    aggregation: Aggregation,
    start: &[f64],
    optimizer: &PolicyOptimizer,
) -> Result<PolicyResult> {
    let t0 = std::time::Instant::now();
    let players = players_from_blocks(model.policy_space());
    let criterion = aggregation.criterion(&players, &vec![1.0; players.len()]);
    let free: Vec<usize> = players
        .iter()
        .flat_map(|p| p.indices.iter().copied())
        .collect();
    let (policy, x, iterations) = maximize_polished(model, criterion, &free, start, optimizer)?;
    finish(model, policy, x, iterations, Vec::new(), t0, None)
}
