//! The log-linear planner's closed form (spec P11), shared by the planner tests: the costate
//! `lambda_j = theta (Omega^T a)_j (1 - e^{-rho tau}) / rho` at remaining horizon tau, and the
//! planner's capital `k_j = 1 / (xi - b_j)`, `b_j = lambda_j nu_j / a_j`, `sum a_j k_j = K`.

use nalgebra::{DMatrix, DVector};
use walras_automation::planner::LogLinearEconomy;

/// Four tasks with an asymmetric spillover network.
pub fn log_linear_economy() -> LogLinearEconomy {
    LogLinearEconomy {
        mass: vec![0.4, 0.3, 0.2, 0.1],
        theta: 0.5,
        verifiability: vec![0.2, 0.5, 0.3, 0.1],
        spill: DMatrix::from_row_slice(
            4,
            4,
            &[
                1.0, 0.2, 0.0, 0.3, 0.1, 1.0, 0.4, 0.0, 0.0, 0.6, 1.0, 0.1, 0.5, 0.0, 0.2, 1.0,
            ],
        ),
    }
}

/// `(1 - e^{-rho tau}) / rho`, or `1 / rho` for an infinite remaining horizon.
pub fn discount_factor(rho: f64, tau: f64) -> f64 {
    if tau.is_infinite() {
        1.0 / rho
    } else {
        (1.0 - (-rho * tau).exp()) / rho
    }
}

/// The costate and the planner's capital allocation with `tau` of the horizon left.
pub fn oracle(e: &LogLinearEconomy, rho: f64, capital: f64, tau: f64) -> (Vec<f64>, Vec<f64>) {
    let n = e.mass.len();
    let omega_t_a = e.spill.transpose() * DVector::from_column_slice(&e.mass);
    let factor = discount_factor(rho, tau);
    let lam: Vec<f64> = (0..n).map(|j| e.theta * omega_t_a[j] * factor).collect();
    let b: Vec<f64> = (0..n)
        .map(|j| lam[j] * e.verifiability[j] / e.mass[j])
        .collect();
    // xi > max b with sum a_j / (xi - b_j) = K, by bisection
    let bmax = b.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let excess = |xi: f64| (0..n).map(|j| e.mass[j] / (xi - b[j])).sum::<f64>() - capital;
    let (mut lo, mut hi) = (bmax, bmax + 1.0);
    while excess(hi) > 0.0 {
        hi = bmax + 2.0 * (hi - bmax);
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if excess(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let xi = 0.5 * (lo + hi);
    (lam, (0..n).map(|j| 1.0 / (xi - b[j])).collect())
}
