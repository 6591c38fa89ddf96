//! Parameter uncertainty carried to policies: seeded multivariate-normal draws, delta-method
//! standard deviations J Sigma J', and quantiles.

use nalgebra::DMatrix;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::error::{invalid, Result};

/// z-value of a two-sided 90% band of the normal distribution.
pub const Z90: f64 = 1.644_853_626_951_472_2;

/// `n` draws from N(`mean`, `covariance`); draw d depends only on (`seed`, d), so any subset
/// can be reproduced alone. The covariance must be symmetric positive semi-definite (its
/// smallest eigenvalue at least -1e-10 times its largest; smaller negatives are rounding and
/// count as 0).
pub fn normal_draws(
    mean: &[f64],
    covariance: &DMatrix<f64>,
    n: usize,
    seed: u64,
) -> Result<Vec<Vec<f64>>> {
    let k = mean.len();
    if covariance.shape() != (k, k) {
        return Err(invalid(
            "covariance",
            format!("{}x{}", covariance.nrows(), covariance.ncols()),
            "must be square with one row per parameter",
        ));
    }
    let eigen = covariance.clone().symmetric_eigen();
    let largest = eigen.eigenvalues.amax();
    let smallest = eigen.eigenvalues.min();
    if !largest.is_finite() || smallest < -1e-10 * largest.max(f64::MIN_POSITIVE) {
        return Err(invalid(
            "covariance",
            format!("smallest eigenvalue {smallest:e} (largest {largest:e})"),
            "is not positive semi-definite",
        ));
    }
    let roots = eigen.eigenvalues.map(|v| v.max(0.0).sqrt());
    let factor = &eigen.eigenvectors * DMatrix::from_diagonal(&roots);
    Ok((0..n)
        .map(|d| {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(
                seed ^ (d as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            let z = nalgebra::DVector::from_fn(k, |_, _| standard_normal(&mut rng));
            let shock = &factor * z;
            mean.iter().zip(shock.iter()).map(|(m, s)| m + s).collect()
        })
        .collect())
}

fn standard_normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// Delta-method standard deviations of y = f(theta) with Jacobian `jacobian` (rows: outputs):
/// the square roots of the diagonal of J Sigma J'.
pub fn delta_std(jacobian: &DMatrix<f64>, covariance: &DMatrix<f64>) -> Vec<f64> {
    let js = jacobian * covariance;
    (0..jacobian.nrows())
        .map(|i| js.row(i).dot(&jacobian.row(i)).max(0.0).sqrt())
        .collect()
}

/// The `q` quantile (in [0, 1]) of `values` by linear interpolation; NaN if empty.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut v: Vec<f64> = values.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_have_the_covariance_asked_for_and_are_reproducible() {
        let cov = DMatrix::from_row_slice(2, 2, &[4.0, 1.2, 1.2, 1.0]);
        let draws = normal_draws(&[1.0, -2.0], &cov, 20_000, 7).unwrap();
        assert_eq!(
            draws[123],
            normal_draws(&[1.0, -2.0], &cov, 124, 7).unwrap()[123]
        );
        let n = draws.len() as f64;
        let mean: Vec<f64> = (0..2)
            .map(|k| draws.iter().map(|d| d[k]).sum::<f64>() / n)
            .collect();
        assert!((mean[0] - 1.0).abs() < 0.05 && (mean[1] + 2.0).abs() < 0.03);
        let c = |a: usize, b: usize| {
            draws
                .iter()
                .map(|d| (d[a] - mean[a]) * (d[b] - mean[b]))
                .sum::<f64>()
                / n
        };
        assert!((c(0, 0) - 4.0).abs() < 0.15 && (c(0, 1) - 1.2).abs() < 0.06);
        assert!((c(1, 1) - 1.0).abs() < 0.04);
    }

    #[test]
    fn a_covariance_that_is_not_psd_is_refused() {
        let cov = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 1.0]);
        let e = normal_draws(&[0.0, 0.0], &cov, 1, 0)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("positive semi-definite") && e.contains("-1"),
            "{e}"
        );
    }

    #[test]
    fn delta_method_and_quantiles() {
        let j = DMatrix::from_row_slice(1, 2, &[2.0, -1.0]);
        let cov = DMatrix::from_row_slice(2, 2, &[1.0, 0.5, 0.5, 4.0]);
        // 4 * 1 + 1 * 4 - 2 * 2 * 0.5 = 6.
        assert!((delta_std(&j, &cov)[0] - 6f64.sqrt()).abs() < 1e-14);
        assert_eq!(quantile(&[3.0, 1.0, 2.0], 0.5), 2.0);
        assert_eq!(quantile(&[1.0, 2.0], 0.25), 1.25);
        assert!(quantile(&[], 0.5).is_nan());
    }
}
