//! Observing and cancelling long solves: every driver of the engine (inner solves, the
//! optimiser, best responses, the stacked first-order conditions) reports what it does to an
//! [`Observer`] as [`Event`]s, and stops with [`EngineError::Cancelled`] once the observer's
//! [`cancelled`](Observer::cancelled) says so. There is no process-wide state: an observer is
//! handed to a driver with its `with_observer` builder method (or to
//! [`solve_observed`](crate::solve_observed)), and reaches the inner solves and gradients the
//! driver runs, on every thread (observers are `Send + Sync`).
//!
//! Ready-made observers: [`WorkCounter`] tallies the expensive operations ([`WorkCounts`]),
//! [`Cancel`] is a cancellation token, [`NoObserver`] ignores everything, and a pair
//! `(A, B)` of observers is one observer that reports to both (and is cancelled if either is).
//!
//! ```
//! use std::sync::Arc;
//! use walras_core::fixtures::ArmingtonTariffGame;
//! use walras_core::{players_from_blocks, BestResponse, Equilibrium, WorkCounter};
//!
//! let game = ArmingtonTariffGame::symmetric(4.0, 1.5);
//! let players = players_from_blocks(game.policy_space());
//! let work = Arc::new(WorkCounter::new());
//! let nash = BestResponse::new()
//!     .with_observer(work.clone())
//!     .solve(&game, &players, &[0.0, 0.0], |_| {})
//!     .unwrap();
//! let counts = work.snapshot();
//! assert!(counts.inner_solves >= nash.rounds as f64 && counts.gradients >= 1.0);
//! ```

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::{EngineError, Result};
use crate::game::RoundRecord;
use crate::solve::SolveReport;

/// Receives the engine's progress and work events and may ask it to stop.
///
/// Both methods have defaults (ignore events, never cancel). They are called from the engine's
/// worker threads, often: keep them cheap (an atomic add, a flag load).
pub trait Observer: Send + Sync {
    /// Called for every [`Event`].
    fn on_event(&self, _event: &Event<'_>) {}

    /// True once the engine should stop: the running loops (Newton and fixed-point
    /// iterations, optimiser iterations, rounds) then return [`EngineError::Cancelled`].
    fn cancelled(&self) -> bool {
        false
    }
}

/// What the engine did.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A round of best-response dynamics, or an iteration of the stacked first-order
    /// conditions (what their `on_round` / `on_iter` callbacks see).
    Round(&'a RoundRecord),
    /// An accepted iteration of the policy optimiser (projected L-BFGS).
    OptimizerIteration {
        /// Iteration number, from 1.
        iteration: u64,
        /// The criterion's value (maximised) at the new point.
        value: f64,
        /// Infinity norm of the projected gradient there.
        projected_gradient_norm: f64,
    },
    /// An inner-solve run ended (Newton, or Broyden on a kept factorisation; a Broyden run
    /// that gives up and the Newton solve after it are two).
    InnerSolve {
        /// Its wall time (Jacobians and factorisations included).
        duration: Duration,
        /// The solve's report, where it made one (solves through
        /// [`solve`](crate::solve), converged or not); `None` for Broyden runs inside the
        /// drivers and for solves that stopped early.
        report: Option<&'a SolveReport>,
    },
    /// A Jacobian dF/dx for a Newton step (or a warm start) was evaluated.
    Jacobian,
    /// An LU factorisation of dF/dx (or of a Newton model) ended.
    Factorization {
        /// Its wall time.
        duration: Duration,
    },
    /// An adjoint gradient evaluation ended (derivatives, solves and refinement).
    Gradient {
        /// Its wall time.
        duration: Duration,
    },
    /// An evaluation of the derivatives dF/dx, dF/dp, dW/dx, dW/dp for adjoints ended.
    Derivatives {
        /// Its wall time.
        duration: Duration,
    },
    /// An adjoint solve by iterative refinement with a reused factorisation ended
    /// (successful or not).
    Refinement {
        /// Its wall time.
        duration: Duration,
    },
    /// One iterative-refinement step of an adjoint.
    RefinementStep,
    /// A step of a long model-specific run (a Monte Carlo draw, a sweep iteration).
    Progress {
        /// What is counted, e.g. `draw`.
        what: &'a str,
        /// How many are done.
        done: u64,
        /// How many there will be, if known.
        total: Option<u64>,
    },
}

/// The observer that ignores everything and never cancels.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoObserver;

impl Observer for NoObserver {}

impl<T: Observer + ?Sized> Observer for Arc<T> {
    fn on_event(&self, event: &Event<'_>) {
        (**self).on_event(event)
    }
    fn cancelled(&self) -> bool {
        (**self).cancelled()
    }
}

impl<T: Observer + ?Sized> Observer for &T {
    fn on_event(&self, event: &Event<'_>) {
        (**self).on_event(event)
    }
    fn cancelled(&self) -> bool {
        (**self).cancelled()
    }
}

impl<A: Observer, B: Observer> Observer for (A, B) {
    fn on_event(&self, event: &Event<'_>) {
        self.0.on_event(event);
        self.1.on_event(event);
    }
    fn cancelled(&self) -> bool {
        self.0.cancelled() || self.1.cancelled()
    }
}

/// A cancellation token: clones share one flag; [`cancel`](Cancel::cancel) it from any
/// thread and every run observed by it stops with [`EngineError::Cancelled`]. As an
/// observer it ignores events (pair it with another, `(counter, cancel)`, to see them too).
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Ask every run observed by this token (or a clone) to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// True once [`cancel`](Cancel::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl Observer for Cancel {
    fn cancelled(&self) -> bool {
        self.is_cancelled()
    }
}

macro_rules! work_counts {
    ($($name:ident: $doc:literal),* $(,)?) => {
        /// Counts of the engine's expensive operations (counts, and seconds where named `_s`),
        /// as tallied by a [`WorkCounter`].
        #[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
        pub struct WorkCounts { $(#[doc = $doc] pub $name: f64,)* }

        /// An observer that tallies the engine's expensive operations (inner solves,
        /// Jacobians, LU factorisations, adjoint gradients), so that a long run can report
        /// where its time went. Relaxed atomics: cheap enough to stay on always; one counter
        /// may observe parallel and successive runs.
        #[derive(Debug, Default)]
        pub struct WorkCounter { $($name: AtomicU64,)* }

        impl WorkCounter {
            /// The counts so far.
            pub fn snapshot(&self) -> WorkCounts {
                WorkCounts {
                    $($name: self.$name.load(Ordering::Relaxed) as f64 / scale(stringify!($name)),)*
                }
            }
        }

        impl WorkCounts {
            /// The work done between `earlier` and this snapshot.
            pub fn since(&self, earlier: &WorkCounts) -> WorkCounts {
                WorkCounts { $($name: self.$name - earlier.$name,)* }
            }

            /// The work of this snapshot and `other` together.
            pub fn plus(&self, other: &WorkCounts) -> WorkCounts {
                WorkCounts { $($name: self.$name + other.$name,)* }
            }
        }
    };
}

work_counts! {
    inner_solves: "Inner-solve runs (Newton, or Broyden on a kept factorisation; a Broyden run that gives up and the Newton solve after it are two).",
    inner_solve_s: "Seconds in inner solves (Jacobians and factorisations included).",
    jacobians: "Jacobians dF/dx for Newton steps.",
    factorizations: "LU factorisations of dF/dx.",
    factorization_s: "Seconds in LU factorisations.",
    gradients: "Adjoint gradient evaluations.",
    gradient_s: "Seconds in adjoint gradients (derivatives, solves and refinement).",
    refinement_steps: "Iterative-refinement steps of adjoints with a reused factorisation.",
    refinements: "Adjoint solves by refinement with a reused factorisation (successful or not).",
    derivatives: "Evaluations of the derivatives dF/dx, dF/dp, dW/dx, dW/dp for adjoints.",
    derivative_s: "Seconds in those derivative evaluations.",
    refinement_s: "Seconds in iterative refinement of adjoints.",
}

fn scale(name: &str) -> f64 {
    if name.ends_with("_s") {
        1e9
    } else {
        1.0
    }
}

impl WorkCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    fn add(count: &AtomicU64, seconds: &AtomicU64, duration: Duration) {
        count.fetch_add(1, Ordering::Relaxed);
        seconds.fetch_add(duration.as_nanos() as u64, Ordering::Relaxed);
    }
}

impl Observer for WorkCounter {
    fn on_event(&self, event: &Event<'_>) {
        match *event {
            Event::InnerSolve { duration, .. } => {
                Self::add(&self.inner_solves, &self.inner_solve_s, duration)
            }
            Event::Jacobian => {
                self.jacobians.fetch_add(1, Ordering::Relaxed);
            }
            Event::Factorization { duration } => {
                Self::add(&self.factorizations, &self.factorization_s, duration)
            }
            Event::Gradient { duration } => Self::add(&self.gradients, &self.gradient_s, duration),
            Event::Derivatives { duration } => {
                Self::add(&self.derivatives, &self.derivative_s, duration)
            }
            Event::Refinement { duration } => {
                Self::add(&self.refinements, &self.refinement_s, duration)
            }
            Event::RefinementStep => {
                self.refinement_steps.fetch_add(1, Ordering::Relaxed);
            }
            Event::Round(_) | Event::OptimizerIteration { .. } | Event::Progress { .. } => {}
        }
    }
}

/// An optional shared observer, as kept by the drivers' settings (`with_observer`): none by
/// default. Two are equal when they hold the same observer (or none), so settings keep their
/// `PartialEq`.
#[derive(Clone, Default)]
pub struct SharedObserver(Option<Arc<dyn Observer>>);

impl SharedObserver {
    /// Holding `observer`.
    pub fn new(observer: Arc<dyn Observer>) -> Self {
        SharedObserver(Some(observer))
    }

    /// True if it holds an observer.
    pub fn is_some(&self) -> bool {
        self.0.is_some()
    }

    /// The observer, or [`NoObserver`].
    pub fn get(&self) -> &dyn Observer {
        static NONE: NoObserver = NoObserver;
        match &self.0 {
            Some(o) => o.as_ref(),
            None => &NONE,
        }
    }

    /// This one if it holds an observer, else `other`.
    pub fn or(&self, other: &SharedObserver) -> SharedObserver {
        if self.is_some() {
            self.clone()
        } else {
            other.clone()
        }
    }
}

impl From<Arc<dyn Observer>> for SharedObserver {
    fn from(observer: Arc<dyn Observer>) -> Self {
        SharedObserver::new(observer)
    }
}

impl fmt::Debug for SharedObserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "SharedObserver(Some(..))"
        } else {
            "SharedObserver(None)"
        })
    }
}

impl PartialEq for SharedObserver {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => std::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(b)),
            _ => false,
        }
    }
}

/// `Err(Cancelled)` once the observer asks to stop.
pub(crate) fn check(observer: &dyn Observer) -> Result<()> {
    if observer.cancelled() {
        Err(EngineError::Cancelled)
    } else {
        Ok(())
    }
}

/// Operations that are timed (and counted) through their events.
#[derive(Clone, Copy)]
pub(crate) enum Timed {
    InnerSolve,
    Factorization,
    Gradient,
    Derivatives,
    Refinement,
}

impl Timed {
    fn event(self, duration: Duration) -> Event<'static> {
        match self {
            Timed::InnerSolve => Event::InnerSolve {
                duration,
                report: None,
            },
            Timed::Factorization => Event::Factorization { duration },
            Timed::Gradient => Event::Gradient { duration },
            Timed::Derivatives => Event::Derivatives { duration },
            Timed::Refinement => Event::Refinement { duration },
        }
    }
}

/// Reports one `Timed` operation with its duration when dropped (however it ends), or when
/// finished with a solve report.
pub(crate) struct Measure<'o> {
    observer: &'o dyn Observer,
    what: Timed,
    start: Instant,
    done: bool,
}

pub(crate) fn measure(observer: &dyn Observer, what: Timed) -> Measure<'_> {
    Measure {
        observer,
        what,
        start: Instant::now(),
        done: false,
    }
}

impl Measure<'_> {
    /// Report the inner solve now, with its report.
    pub(crate) fn finish_solve(mut self, report: &SolveReport) {
        self.done = true;
        self.observer.on_event(&Event::InnerSolve {
            duration: self.start.elapsed(),
            report: Some(report),
        });
    }
}

impl Drop for Measure<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.observer
                .on_event(&self.what.event(self.start.elapsed()));
        }
    }
}

/// Runs `f` as one `Timed` operation if it returns something (a `None` is neither counted nor
/// timed: the operation was not available).
pub(crate) fn measure_some<T>(
    observer: &dyn Observer,
    what: Timed,
    f: impl FnOnce() -> Option<T>,
) -> Option<T> {
    let start = Instant::now();
    let out = f()?;
    observer.on_event(&what.event(start.elapsed()));
    Some(out)
}
