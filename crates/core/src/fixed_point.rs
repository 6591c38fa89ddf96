//! Fixed-point iteration x = G(x), damped and Anderson-accelerated: the engine behind the inner
//! solver's fallback ([`solve`](crate::solve)) and a reusable strategy for any map, such as a
//! model's own outer fixed point (e.g. the Mirrlees ABC iteration of the tax crate).
//!
//! One step from x with fixed-point residual g = G(x) - x is the damped step x + beta g,
//! corrected by Anderson (type II) mixing of the last `m` iterates: with the differences
//! dX, dG of the last m + 1 iterates and residuals, gamma = argmin |g - dG gamma| (least
//! squares by SVD) and the step becomes x + beta g - (dX + beta dG) gamma. Memory 0 is the
//! plain damped iteration.

use std::time::Instant;

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use crate::check;
use crate::error::{
    check_finite, check_fixed_point_settings, check_option, invalid, EngineError, Result,
};
use crate::solve::{SolveMethod, SolveReport};

/// The Anderson mixing state: the last `memory` differences of iterates and of fixed-point
/// residuals, and the previous (iterate, residual) pair.
pub(crate) struct AndersonMixer {
    memory: usize,
    damping: f64,
    dx_hist: Vec<Vec<f64>>,
    dg_hist: Vec<Vec<f64>>,
    prev: Option<(Vec<f64>, Vec<f64>)>,
}

impl AndersonMixer {
    /// Mix `memory` past iterates (0 = plain damped iteration) with damping `damping`.
    pub(crate) fn new(memory: usize, damping: f64) -> Self {
        Self {
            memory,
            damping,
            dx_hist: Vec::new(),
            dg_hist: Vec::new(),
            prev: None,
        }
    }

    /// The plain damped step x + beta g.
    pub(crate) fn damped(&self, x: &[f64], g: &[f64]) -> Vec<f64> {
        x.iter()
            .zip(g)
            .map(|(x, gi)| x + self.damping * gi)
            .collect()
    }

    /// The next iterate from `x` with fixed-point residual `g = G(x) - x`: records the
    /// differences to the previous accepted pair, then takes the damped step with the Anderson
    /// correction if the history allows one. Returns the step and whether it was corrected
    /// (extrapolated) rather than plain.
    pub(crate) fn step(&mut self, x: &[f64], g: &[f64]) -> (Vec<f64>, bool) {
        let n = x.len();
        let beta = self.damping;
        if let Some((px, pg)) = self.prev.take() {
            self.dx_hist
                .push(x.iter().zip(&px).map(|(a, b)| a - b).collect());
            self.dg_hist
                .push(g.iter().zip(&pg).map(|(a, b)| a - b).collect());
            if self.dx_hist.len() > self.memory {
                self.dx_hist.remove(0);
                self.dg_hist.remove(0);
            }
        }
        let mut next = self.damped(x, g);
        let mut mixed = false;
        if self.memory > 0 && !self.dg_hist.is_empty() {
            let k = self.dg_hist.len();
            let dg = DMatrix::from_fn(n, k, |i, j| self.dg_hist[j][i]);
            if let Ok(gamma) = dg
                .svd(true, true)
                .solve(&DVector::from_column_slice(g), 1e-12)
            {
                for ((gj, dx), dg) in gamma.iter().zip(&self.dx_hist).zip(&self.dg_hist) {
                    for ((ni, dxi), dgi) in next.iter_mut().zip(dx).zip(dg) {
                        *ni -= gj * (dxi + beta * dgi);
                    }
                }
                mixed = true;
            }
        }
        (next, mixed)
    }

    /// Forget the differences (after an extrapolation left the map's domain); the previous
    /// pair is kept.
    pub(crate) fn clear_history(&mut self) {
        self.dx_hist.clear();
        self.dg_hist.clear();
    }

    /// Accept `(x, g)` as the pair the next step's differences are taken from.
    pub(crate) fn accept(&mut self, x: Vec<f64>, g: Vec<f64>) {
        self.prev = Some((x, g));
    }
}

/// Options of [`fixed_point`]: a plain `Copy` struct with the inner solver's defaults.
///
/// ```
/// use walras_core::FixedPointOptions;
/// let plain = FixedPointOptions { anderson_memory: 0, ..FixedPointOptions::default() };
/// assert!(plain.validate().is_ok());
/// assert!(FixedPointOptions { damping: 0.0, ..plain }.validate().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct FixedPointOptions {
    /// Converged once max_i |G(x)_i - x_i| < tol (> 0; default 1e-10).
    pub tol: f64,
    /// Maximum evaluations of the map (>= 1; default 5,000).
    pub max_iter: usize,
    /// Damping beta in (0, 1] of the step x + beta (G(x) - x) (default 0.5).
    pub damping: f64,
    /// Past iterates Anderson acceleration mixes, at most 100 (0 = plain damped iteration;
    /// default 5).
    pub anderson_memory: usize,
}

impl Default for FixedPointOptions {
    fn default() -> Self {
        Self {
            tol: 1e-10,
            max_iter: 5_000,
            damping: 0.5,
            anderson_memory: 5,
        }
    }
}

impl FixedPointOptions {
    /// Check every field; the error names the first bad one.
    pub fn validate(&self) -> Result<()> {
        check_option("tol", self.tol, check::positive)?;
        if self.max_iter == 0 {
            return Err(invalid("max_iter", 0, "must be >= 1"));
        }
        check_fixed_point_settings(self.damping, self.anderson_memory)
    }
}

/// A converged fixed point.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FixedPoint {
    /// The point x with max |G(x) - x| = `residual` < tol.
    pub x: Vec<f64>,
    /// G(x), the map's value at `x` (its last evaluation). Where G contracts, G(x) or the
    /// damped step x + beta (G(x) - x) is nearer the fixed point than `x`, at no extra cost.
    pub image: Vec<f64>,
    /// max_i |G(x)_i - x_i| at `x`.
    pub residual: f64,
    /// Evaluations of the map, the last one (at `x`) included.
    pub iterations: usize,
    /// Times an Anderson extrapolation left the map's domain (an error or a non-finite value)
    /// and the iteration restarted from the plain damped step.
    pub restarts: usize,
}

/// Solve x = G(x) from `x0` by the damped, Anderson-accelerated iteration (see the module
/// documentation). `map(x, out)` writes G(x) into `out`.
///
/// Errors: invalid options or a non-finite `x0`; [`EngineError::NonFinite`] if G is not finite
/// at a plain damped iterate (at an Anderson extrapolation the iteration instead restarts from
/// the plain step); [`EngineError::NotConverged`] after `max_iter` evaluations, whose report
/// carries the iterations and the last residual max |G(x) - x|.
///
/// ```
/// use walras_core::{fixed_point, FixedPointOptions};
/// // x = cos(x): the Dottie number.
/// let sol = fixed_point(|x, out| out[0] = x[0].cos(), &[1.0], &FixedPointOptions::default())
///     .unwrap();
/// assert!((sol.x[0] - 0.739_085_133_215_160_6).abs() < 1e-9 && sol.residual < 1e-10);
/// ```
pub fn fixed_point(
    mut map: impl FnMut(&[f64], &mut [f64]),
    x0: &[f64],
    options: &FixedPointOptions,
) -> Result<FixedPoint> {
    try_fixed_point(
        |x: &[f64], out: &mut [f64]| -> Result<()> {
            map(x, out);
            Ok(())
        },
        x0,
        options,
    )
}

/// [`fixed_point`] for a fallible map: `map(x, out)` may fail (e.g. outside its domain) with
/// the caller's error type `E`, which also carries the engine's errors. An error at an Anderson
/// extrapolation restarts the iteration from the plain damped step; an error at a plain damped
/// iterate (or at `x0`) is returned as it is.
pub fn try_fixed_point<E: From<EngineError>>(
    mut map: impl FnMut(&[f64], &mut [f64]) -> std::result::Result<(), E>,
    x0: &[f64],
    options: &FixedPointOptions,
) -> std::result::Result<FixedPoint, E> {
    options.validate()?;
    check_finite("fixed-point starting point", x0)?;
    let t0 = Instant::now();
    let n = x0.len();
    let mut mixer = AndersonMixer::new(options.anderson_memory, options.damping);
    let mut x = x0.to_vec();
    let mut image = vec![0.0; n];
    // The plain damped step to fall back to if `x` is an extrapolation G cannot evaluate.
    let mut fallback: Option<Vec<f64>> = None;
    let mut residual = f64::INFINITY;
    let (mut iterations, mut restarts) = (0, 0);
    while iterations < options.max_iter {
        iterations += 1;
        let evaluated = map(&x, &mut image);
        let bad = match evaluated {
            Ok(()) => image.iter().position(|v| !v.is_finite()),
            Err(e) => match fallback.take() {
                Some(plain) => {
                    mixer.clear_history();
                    x = plain;
                    restarts += 1;
                    continue;
                }
                None => return Err(e),
            },
        };
        if let Some(index) = bad {
            if let Some(plain) = fallback.take() {
                mixer.clear_history();
                x = plain;
                restarts += 1;
                continue;
            }
            return Err(EngineError::NonFinite {
                what: "fixed-point map",
                index,
                value: image[index],
            }
            .into());
        }
        let g: Vec<f64> = image.iter().zip(&x).map(|(a, b)| a - b).collect();
        residual = g.iter().fold(0.0, |m, v| m.max(v.abs()));
        if residual < options.tol {
            return Ok(FixedPoint {
                x,
                image,
                residual,
                iterations,
                restarts,
            });
        }
        let (next, mixed) = mixer.step(&x, &g);
        fallback = mixed.then(|| mixer.damped(&x, &g));
        mixer.accept(std::mem::replace(&mut x, next), g);
    }
    Err(EngineError::NotConverged(Box::new(SolveReport {
        method: SolveMethod::FixedPoint,
        iterations,
        newton_iterations: 0,
        fixed_point_iterations: iterations,
        residual_inf_norm: residual,
        tolerance: options.tol,
        residual_evals: iterations,
        jacobian_evals: 0,
        wall_time: t0.elapsed(),
        worst_unknown: None,
    }))
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_zero_is_the_plain_damped_iteration() {
        // G(x) = 0.5 x + 1: the damped iteration contracts by 1 - beta/2 = 0.75 per step.
        let o = FixedPointOptions {
            anderson_memory: 0,
            tol: 1e-12,
            ..FixedPointOptions::default()
        };
        let mut x = 0.0;
        let mut steps = 0;
        loop {
            steps += 1;
            let g: f64 = 0.5 * x + 1.0 - x;
            if g.abs() < o.tol {
                break;
            }
            x += 0.5 * g;
        }
        let sol = fixed_point(|x, out| out[0] = 0.5 * x[0] + 1.0, &[0.0], &o).unwrap();
        assert_eq!(sol.iterations, steps);
        assert_eq!(sol.x[0], x);
    }

    #[test]
    fn anderson_solves_an_affine_map_in_few_steps() {
        // A linear contraction in 3 dimensions: Anderson with memory >= 3 is exact (up to
        // rounding) once the history spans the space.
        let a = [[0.9, 0.05, 0.0], [0.0, 0.8, 0.1], [0.05, 0.0, 0.95]];
        let b = [1.0, -2.0, 0.5];
        let map = |x: &[f64], out: &mut [f64]| {
            for i in 0..3 {
                out[i] = b[i] + (0..3).map(|j| a[i][j] * x[j]).sum::<f64>();
            }
        };
        let o = FixedPointOptions {
            tol: 1e-12,
            ..FixedPointOptions::default()
        };
        let fast = fixed_point(map, &[0.0; 3], &o).unwrap();
        let slow = fixed_point(
            map,
            &[0.0; 3],
            &FixedPointOptions {
                anderson_memory: 0,
                ..o
            },
        )
        .unwrap();
        assert!(fast.iterations < 15, "{}", fast.iterations);
        assert!(slow.iterations > 100, "{}", slow.iterations);
        for i in 0..3 {
            assert!((fast.x[i] - slow.x[i]).abs() < 1e-9);
        }
    }
}
