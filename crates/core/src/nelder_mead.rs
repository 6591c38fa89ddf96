//! Derivative-free minimisation: argmin's Nelder-Mead simplex search behind validated options
//! and a report, for objectives whose gradients say nothing about optimality (e.g. a planner's
//! welfare when agents choose integer hours, which jumps whenever one of them switches).

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

use argmin::core::{CostFunction, Error as ArgminError, Executor, State, TerminationReason};
use argmin::solver::neldermead::NelderMead;
use serde::Serialize;

use crate::check;
use crate::error::{check_finite, check_option, invalid, EngineError, Result};
use crate::optimize::into_nfxp;

/// Options of [`nelder_mead`].
///
/// ```
/// use walras_core::NelderMeadOptions;
/// assert!(NelderMeadOptions::default().validate().is_ok());
/// assert!(NelderMeadOptions { max_iter: 0, ..Default::default() }.validate().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct NelderMeadOptions {
    /// Stop once the sample standard deviation of the cost over the simplex's vertices is below
    /// this (finite, >= 0; default 1e-12).
    pub sd_tol: f64,
    /// Maximum iterations (>= 1; default 5,000). Running out is not an error: the report says
    /// the search did not converge.
    pub max_iter: u64,
}

impl Default for NelderMeadOptions {
    fn default() -> Self {
        Self {
            sd_tol: 1e-12,
            max_iter: 5_000,
        }
    }
}

impl NelderMeadOptions {
    /// Check every field; the error names the first bad one.
    pub fn validate(&self) -> Result<()> {
        check_option("sd_tol", self.sd_tol, check::non_negative)?;
        if self.max_iter == 0 {
            return Err(invalid("max_iter", 0, "must be >= 1"));
        }
        Ok(())
    }
}

/// The best point a Nelder-Mead search found, and what it took.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NelderMeadReport {
    /// The best vertex of the final simplex.
    #[serde(skip)]
    pub x: Vec<f64>,
    /// The cost there (the minimum found).
    pub value: f64,
    /// Iterations (simplex transformations).
    pub iterations: u64,
    /// Evaluations of the cost, the initial simplex's included.
    pub evaluations: usize,
    /// True if the simplex's costs agreed to `sd_tol`; false if the budget ran out.
    pub converged: bool,
    /// Why the search stopped (argmin's wording).
    pub termination: String,
    /// Wall time in seconds.
    #[serde(
        rename = "wall_time_s",
        serialize_with = "crate::error::serialize_secs"
    )]
    pub wall_time: Duration,
}

/// The initial simplex around `start` in the box [`lower`, `upper`]: `start` itself and, for
/// each coordinate i, `start` moved by `fraction` of the box's width in coordinate i (up, or
/// down where up would leave the box).
///
/// ```
/// let s = walras_core::simplex_in_box(&[0.0, 1.0], &[0.0, 0.0], &[1.0, 1.0], 0.05);
/// assert_eq!(s, vec![vec![0.0, 1.0], vec![0.05, 1.0], vec![0.0, 0.95]]);
/// ```
pub fn simplex_in_box(start: &[f64], lower: &[f64], upper: &[f64], fraction: f64) -> Vec<Vec<f64>> {
    let mut simplex = vec![start.to_vec()];
    for i in 0..start.len() {
        let mut v = start.to_vec();
        let (lo, hi) = (lower[i], upper[i]);
        v[i] = if v[i] + fraction * (hi - lo) <= hi {
            v[i] + fraction * (hi - lo)
        } else {
            v[i] - fraction * (hi - lo)
        };
        simplex.push(v);
    }
    simplex
}

/// The cost as argmin sees it: a mutable closure behind a `RefCell`, with an evaluation count.
struct Objective<F> {
    f: RefCell<F>,
    evaluations: Cell<usize>,
}

impl<F: FnMut(&[f64]) -> f64> CostFunction for Objective<F> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, x: &Vec<f64>) -> std::result::Result<f64, ArgminError> {
        self.evaluations.set(self.evaluations.get() + 1);
        let v = (self.f.borrow_mut())(x);
        // NaN would break the simplex's ordering: treat it as a point to avoid.
        Ok(if v.is_nan() { f64::INFINITY } else { v })
    }
}

/// Minimise `f` by argmin's Nelder-Mead method (reflection 1, expansion 2, contraction 0.5,
/// shrink 0.5) from `simplex`, n + 1 finite points in n >= 1 dimensions (see
/// [`simplex_in_box`]). `f` may return +infinity where it is undefined (an infeasible point);
/// NaN counts as +infinity. Bounds are the caller's business (e.g. project inside `f`).
///
/// Errors: invalid options or simplex (naming what is wrong); an internal failure of argmin as
/// [`EngineError::OptimizerFailed`]. Running out of iterations is not an error (see
/// [`NelderMeadReport::converged`]).
///
/// ```
/// use walras_core::{nelder_mead, simplex_in_box, NelderMeadOptions};
/// let f = |x: &[f64]| (x[0] - 0.3).powi(2) + 2.0 * (x[1] + 0.1).powi(2);
/// let simplex = simplex_in_box(&[0.0, 0.0], &[-1.0, -1.0], &[1.0, 1.0], 0.1);
/// let best = nelder_mead(f, simplex, &NelderMeadOptions::default()).unwrap();
/// assert!(best.converged && (best.x[0] - 0.3).abs() < 1e-5 && (best.x[1] + 0.1).abs() < 1e-5);
/// ```
pub fn nelder_mead(
    f: impl FnMut(&[f64]) -> f64,
    simplex: Vec<Vec<f64>>,
    options: &NelderMeadOptions,
) -> Result<NelderMeadReport> {
    options.validate()?;
    let n = simplex.first().map_or(0, Vec::len);
    if n == 0 {
        return Err(invalid(
            "simplex",
            "empty",
            "need n + 1 points in n >= 1 dimensions",
        ));
    }
    if simplex.len() != n + 1 || simplex.iter().any(|v| v.len() != n) {
        return Err(EngineError::DimensionMismatch {
            what: "Nelder-Mead simplex (points of the first point's dimension, plus one)".into(),
            expected: n + 1,
            found: simplex.len(),
        });
    }
    for v in &simplex {
        check_finite("Nelder-Mead simplex", v)?;
    }
    let t0 = Instant::now();
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(options.sd_tol)
        .map_err(into_nfxp)?;
    let objective = Objective {
        f: RefCell::new(f),
        evaluations: Cell::new(0),
    };
    let max_iter = options.max_iter;
    let result = Executor::new(objective, solver)
        .configure(|s| s.max_iters(max_iter))
        .run()
        .map_err(into_nfxp)?;
    let state = result.state();
    let x = state
        .get_best_param()
        .cloned()
        .expect("Nelder-Mead keeps a best point");
    let evaluations = result
        .problem
        .problem
        .as_ref()
        .map_or(0, |p| p.evaluations.get());
    Ok(NelderMeadReport {
        x,
        value: state.get_best_cost(),
        iterations: state.get_iter(),
        evaluations,
        converged: matches!(
            state.get_termination_reason(),
            Some(TerminationReason::SolverConverged)
        ),
        termination: state
            .get_termination_reason()
            .map_or("unknown", |r| r.text())
            .to_string(),
        wall_time: t0.elapsed(),
    })
}
