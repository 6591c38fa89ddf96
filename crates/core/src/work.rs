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
    inner_solves: "Inner solves (Newton, Broyden on a kept factorisation, or fixed point).",
    inner_solve_s: "Seconds in inner solves (Jacobians and factorisations included).",
    jacobians: "Jacobians dF/dx for Newton steps.",
    factorizations: "LU factorisations of dF/dx.",
    factorization_s: "Seconds in LU factorisations.",
    gradients: "Adjoint gradient evaluations.",
    gradient_s: "Seconds in adjoint gradients (derivatives, solves and refinement).",
    refinement_steps: "Iterative-refinement steps of adjoints with a reused factorisation.",
}

fn scale(name: &str) -> f64 {
    if name.ends_with("_s") {
        1e9
    } else {
        1.0
    }
}

pub(crate) enum Counter {
    InnerSolves,
    Jacobians,
    Factorizations,
    Gradients,
    RefinementSteps,
}

pub(crate) fn count(c: Counter) {
    let a = match c {
        Counter::InnerSolves => &COUNTERS.inner_solves,
        Counter::Jacobians => &COUNTERS.jacobians,
        Counter::Factorizations => &COUNTERS.factorizations,
        Counter::Gradients => &COUNTERS.gradients,
        Counter::RefinementSteps => &COUNTERS.refinement_steps,
    };
    a.fetch_add(1, Ordering::Relaxed);
}

pub(crate) enum Timer {
    InnerSolve,
    Factorization,
    Gradient,
}

/// Adds the time since `start` to a timer.
pub(crate) fn add_time(t: Timer, start: Instant) {
    let a = match t {
        Timer::InnerSolve => &COUNTERS.inner_solve_s,
        Timer::Factorization => &COUNTERS.factorization_s,
        Timer::Gradient => &COUNTERS.gradient_s,
    };
    a.fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
}
