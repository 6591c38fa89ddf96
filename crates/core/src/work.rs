//! Process-wide counters of the engine's expensive operations (inner solves, Jacobians, LU
//! factorisations, adjoint gradients), so that a long run can report where its time went.
//! Relaxed atomics: cheap enough to stay on always.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use serde::Serialize;

macro_rules! counters {
    ($($name:ident: $doc:literal),* $(,)?) => {
        struct Counters { $($name: AtomicU64,)* }
        static COUNTERS: Counters = Counters { $($name: AtomicU64::new(0),)* };

        /// A snapshot of the counters (counts, and seconds where named `_s`).
        #[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
        pub struct WorkCounts { $(#[doc = $doc] pub $name: f64,)* }

        /// The counters now.
        pub fn snapshot() -> WorkCounts {
            WorkCounts { $($name: COUNTERS.$name.load(Ordering::Relaxed) as f64 / scale(stringify!($name)),)* }
        }

        impl WorkCounts {
            /// The work done between `earlier` and this snapshot.
            pub fn since(&self, earlier: &WorkCounts) -> WorkCounts {
                WorkCounts { $($name: self.$name - earlier.$name,)* }
            }
        }
    };
}

counters! {
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

/// Operations that are only counted.
pub(crate) enum Counter {
    Jacobians,
    RefinementSteps,
}

pub(crate) fn count(c: Counter) {
    let a = match c {
        Counter::Jacobians => &COUNTERS.jacobians,
        Counter::RefinementSteps => &COUNTERS.refinement_steps,
    };
    a.fetch_add(1, Ordering::Relaxed);
}

/// Operations that are counted and timed.
#[derive(Clone, Copy)]
pub(crate) enum Timed {
    InnerSolve,
    Factorization,
    Gradient,
    Derivatives,
    Refinement,
}

/// Counts one `Timed` operation now and adds its time when dropped (however it ends).
pub(crate) struct Measure {
    what: Timed,
    start: Instant,
}

pub(crate) fn measure(what: Timed) -> Measure {
    counter(what).fetch_add(1, Ordering::Relaxed);
    Measure {
        what,
        start: Instant::now(),
    }
}

/// Runs `f` as one `Timed` operation if it returns something (a `None` is neither counted nor
/// timed: the operation was not available).
pub(crate) fn measure_some<T>(what: Timed, f: impl FnOnce() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    let out = f()?;
    drop(Measure { what, start });
    counter(what).fetch_add(1, Ordering::Relaxed);
    Some(out)
}

fn counter(what: Timed) -> &'static AtomicU64 {
    match what {
        Timed::InnerSolve => &COUNTERS.inner_solves,
        Timed::Factorization => &COUNTERS.factorizations,
        Timed::Gradient => &COUNTERS.gradients,
        Timed::Derivatives => &COUNTERS.derivatives,
        Timed::Refinement => &COUNTERS.refinements,
    }
}

impl Drop for Measure {
    fn drop(&mut self) {
        let seconds = match self.what {
            Timed::InnerSolve => &COUNTERS.inner_solve_s,
            Timed::Factorization => &COUNTERS.factorization_s,
            Timed::Gradient => &COUNTERS.gradient_s,
            Timed::Derivatives => &COUNTERS.derivative_s,
            Timed::Refinement => &COUNTERS.refinement_s,
        };
        seconds.fetch_add(self.start.elapsed().as_nanos() as u64, Ordering::Relaxed);
    }
}
