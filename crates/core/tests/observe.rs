//! The observer interface: work counts equal to the former process-wide counters, progress
//! events, and cancellation of long runs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use walras_core::fixtures::ArmingtonWorld;
use walras_core::{
    cooperate, players_from_blocks, solve_observed, Aggregation, BestResponse, Cancel, EngineError,
    Equilibrium, Event, Observer, PolicyOptimizer, SolverOptions, StackedFoc, WorkCounter,
    WorkCounts,
};

/// (inner_solves, jacobians, factorizations, gradients, refinements, refinement_steps,
/// derivatives)
fn counts(w: &WorkCounts) -> [f64; 7] {
    [
        w.inner_solves,
        w.jacobians,
        w.factorizations,
        w.gradients,
        w.refinements,
        w.refinement_steps,
        w.derivatives,
    ]
}

/// The expected counts were recorded with the former process-wide counters
/// (`walras_core::work::snapshot()` differences around each computation, in a process running
/// nothing else) on the commit before the observer interface replaced them, by running
/// exactly these computations; they were the same on repeated runs.
#[test]
fn work_counts_equal_the_former_global_counters() {
    let world = ArmingtonWorld::seeded(6, 5.0, 1);
    let players = players_from_blocks(world.policy_space());
    let start = vec![0.1; world.policy_space().len()];

    // One observed inner solve.
    let work = WorkCounter::new();
    solve_observed(&world, &start, None, &SolverOptions::default(), &work).unwrap();
    assert_eq!(counts(&work.snapshot())[..3], [1.0, 2.0, 2.0]);

    // Best-response dynamics (Jacobi, players in parallel: one counter from every thread).
    let work = Arc::new(WorkCounter::new());
    let nash = BestResponse::new()
        .with_observer(work.clone())
        .solve(&world, &players, &start, |_| {})
        .unwrap();
    assert_eq!((nash.rounds, nash.inner_solves), (6, 153));
    assert_eq!(
        counts(&work.snapshot()),
        [153.0, 8.0, 160.0, 152.0, 0.0, 0.0, 152.0]
    );

    // The stacked first-order conditions.
    let work = Arc::new(WorkCounter::new());
    let stacked = StackedFoc::new()
        .with_observer(work.clone())
        .solve(&world, &players, &start, |_| {})
        .unwrap();
    assert_eq!((stacked.rounds, stacked.inner_solves), (11, 12));
    assert_eq!(
        counts(&work.snapshot()),
        [12.0, 2.0, 26.0, 19.0, 0.0, 0.0, 20.0]
    );

    // Cooperation: the optimiser's solves and gradients.
    let work = Arc::new(WorkCounter::new());
    let optimizer = PolicyOptimizer::new().with_observer(work.clone());
    let weights = vec![1.0; players.len()];
    let coop = cooperate(
        &world,
        &players,
        &weights,
        Aggregation::WeightedSum,
        &start,
        &optimizer,
    )
    .unwrap();
    assert_eq!(coop.report.inner_solves, 11);
    assert_eq!(
        counts(&work.snapshot()),
        [11.0, 2.0, 13.0, 11.0, 0.0, 0.0, 11.0]
    );

    // A large game, where adjoints reuse factorisations by refinement.
    let big = ArmingtonWorld::seeded(60, 5.0, 3);
    let players = players_from_blocks(big.policy_space());
    let start = vec![0.1; big.policy_space().len()];
    let work = Arc::new(WorkCounter::new());
    let stacked = StackedFoc::new()
        .with_observer(work.clone())
        .solve(&big, &players, &start, |_| {})
        .unwrap();
    assert_eq!((stacked.rounds, stacked.inner_solves), (10, 11));
    let done = work.snapshot();
    assert_eq!(counts(&done), [11.0, 2.0, 14.0, 72.0, 10.0, 130.0, 73.0]);
    assert!(done.inner_solve_s > 0.0 && done.gradient_s > 0.0 && done.refinement_s > 0.0);
    assert!(done.factorization_s > 0.0 && done.derivative_s > 0.0);
}

/// Records rounds and optimiser iterations.
#[derive(Default)]
struct Recorder {
    rounds: Mutex<Vec<usize>>,
    iterations: AtomicUsize,
    solves_with_report: AtomicUsize,
}

impl Observer for Recorder {
    fn on_event(&self, event: &Event<'_>) {
        match event {
            Event::Round(r) => self.rounds.lock().unwrap().push(r.round),
            Event::OptimizerIteration { .. } => {
                self.iterations.fetch_add(1, Ordering::Relaxed);
            }
            Event::InnerSolve {
                report: Some(_), ..
            } => {
                self.solves_with_report.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

#[test]
fn rounds_and_iterations_reach_the_observer_like_the_callbacks() {
    let world = ArmingtonWorld::seeded(4, 5.0, 2);
    let players = players_from_blocks(world.policy_space());
    let start = vec![0.1; world.policy_space().len()];
    let rec = Arc::new(Recorder::default());
    let mut seen = Vec::new();
    let nash = BestResponse::new()
        .with_observer(rec.clone())
        .solve(&world, &players, &start, |r| seen.push(r.round))
        .unwrap();
    assert_eq!(*rec.rounds.lock().unwrap(), seen);
    assert_eq!(seen.len(), nash.rounds);
    // Every best response is an optimiser run: its iterations are reported too.
    assert!(rec.iterations.load(Ordering::Relaxed) >= nash.rounds);
    assert!(rec.solves_with_report.load(Ordering::Relaxed) >= 1);
}

/// Cancels after `after` inner solves.
struct CancelAfter {
    after: usize,
    solves: AtomicUsize,
}

impl Observer for CancelAfter {
    fn on_event(&self, event: &Event<'_>) {
        if let Event::InnerSolve { .. } = event {
            self.solves.fetch_add(1, Ordering::Relaxed);
        }
    }
    fn cancelled(&self) -> bool {
        self.solves.load(Ordering::Relaxed) >= self.after
    }
}

#[test]
fn every_driver_stops_with_cancelled_after_k_events() {
    let world = ArmingtonWorld::seeded(6, 5.0, 1);
    let players = players_from_blocks(world.policy_space());
    let start = vec![0.1; world.policy_space().len()];
    let observer = || {
        Arc::new(CancelAfter {
            after: 5,
            solves: AtomicUsize::new(0),
        })
    };
    let cancelled = |r: walras_core::Result<_>| matches!(r, Err(EngineError::Cancelled));
    let o = observer();
    let r = BestResponse::new()
        .with_observer(o.clone())
        .solve(&world, &players, &start, |_| {});
    assert!(cancelled(r.map(|_| ())));
    // The solves already running finish (one per parallel best response at most).
    assert!(o.solves.load(Ordering::Relaxed) <= 5 + players.len());
    let r = StackedFoc::new()
        .with_observer(observer())
        .solve(&world, &players, &start, |_| {});
    assert!(cancelled(r.map(|_| ())));
    let weights = vec![1.0; players.len()];
    let optimizer = PolicyOptimizer::new().with_observer(observer());
    let r = cooperate(
        &world,
        &players,
        &weights,
        Aggregation::WeightedSum,
        &start,
        &optimizer,
    );
    assert!(cancelled(r.map(|_| ())));
    let r = PolicyOptimizer::new()
        .polished()
        .with_observer(observer())
        .maximize(
            &world,
            &walras_core::Criterion::Single(0),
            &start,
            None,
            None,
        );
    assert!(cancelled(r.map(|_| ())));
    // A cancelled token stops a plain solve before it starts.
    let token = Cancel::new();
    token.cancel();
    let r = solve_observed(&world, &start, None, &SolverOptions::default(), &token);
    assert!(cancelled(r.map(|_| ())));
    assert!(EngineError::Cancelled.to_string().contains("cancelled"));
}

#[test]
fn a_game_cancelled_from_another_thread_returns_within_a_second() {
    // A 40-country world: best responses take far longer than the 300 ms before the cancel.
    let world = ArmingtonWorld::seeded(40, 5.0, 5);
    let players = players_from_blocks(world.policy_space());
    let start = vec![0.05; world.policy_space().len()];
    let token = Cancel::new();
    let work = Arc::new(WorkCounter::new());
    let observer: Arc<dyn Observer> = Arc::new((work.clone(), token.clone()));
    let canceller = {
        let token = token.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            token.cancel();
            Instant::now()
        })
    };
    let result = BestResponse::new()
        .with_tol(1e-12)
        .unwrap()
        .with_observer(observer)
        .solve(&world, &players, &start, |_| {});
    let returned = Instant::now();
    let cancelled_at = canceller.join().unwrap();
    let latency = returned.saturating_duration_since(cancelled_at);
    assert!(
        matches!(result, Err(EngineError::Cancelled)),
        "{:?}",
        result.map(|n| n.rounds)
    );
    eprintln!(
        "cancellation latency: {:.1} ms",
        latency.as_secs_f64() * 1e3
    );
    assert!(latency < Duration::from_secs(1), "{latency:?}");
    assert!(work.snapshot().inner_solves >= 1.0);
}
