//! The power-law tail of the labour task share (spec P4): when a scenario is in the setting
//! where theory predicts `m(t) ~ t^{-1/(q-1)}`, and a least-squares fit of a path's log-log tail.

use crate::economy::{DataTechnology, Economy};

/// `(theta, kappa)` when `economy` is in the P4 setting (Cobb-Douglas, chi = 1, no
/// spillovers, power data technology, verifiability `nu_i = ((i - 1/2)/N)^{1/kappa}`, N >= 3),
/// else None. The oracle is [`crate::dynamics::power_law_oracle_time`].
pub fn power_law_setting(economy: &Economy) -> Option<(f64, f64)> {
    let e = economy;
    let n = e.tasks();
    let identity =
        (0..n).all(|i| (0..n).all(|j| e.spill[(i, j)] == if i == j { 1.0 } else { 0.0 }));
    let power = matches!(e.technology, DataTechnology::Power { .. });
    if (e.sigma - 1.0).abs() > 1e-9 || e.chi != 1.0 || !identity || !power || n < 3 {
        return None;
    }
    // nu_i = ((i - 1/2)/N)^{1/kappa}: recover kappa from the last quantile and check the rest.
    let q = |i: usize| (i as f64 + 0.5) / n as f64;
    let inv_kappa = e.verifiability[n - 1].ln() / q(n - 1).ln();
    let fits = (0..n).all(|i| (e.verifiability[i] - q(i).powf(inv_kappa)).abs() < 1e-9);
    (fits && inv_kappa > 0.0).then(|| (e.theta(), 1.0 / inv_kappa))
}

/// The least-squares line `ln y = intercept + slope ln x`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogLogFit {
    /// The slope (the power-law exponent).
    pub slope: f64,
    /// The intercept.
    pub intercept: f64,
}

impl LogLogFit {
    /// Fits positive `(x, y)` pairs; None with fewer than two points or no spread in x.
    pub fn fit(x: &[f64], y: &[f64]) -> Option<Self> {
        let lx: Vec<f64> = x.iter().map(|v| v.ln()).collect();
        let ly: Vec<f64> = y.iter().map(|v| v.ln()).collect();
        let n = lx.len() as f64;
        if lx.len() < 2 || lx.len() != ly.len() {
            return None;
        }
        let (mx, my) = (lx.iter().sum::<f64>() / n, ly.iter().sum::<f64>() / n);
        let sxy: f64 = lx.iter().zip(&ly).map(|(a, b)| (a - mx) * (b - my)).sum();
        let sxx: f64 = lx.iter().map(|a| (a - mx) * (a - mx)).sum();
        let slope = sxy / sxx;
        slope.is_finite().then_some(LogLogFit {
            slope,
            intercept: my - slope * mx,
        })
    }

    /// The fitted `y` at `x`.
    pub fn predict(&self, x: f64) -> f64 {
        (self.intercept + self.slope * x.ln()).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_recovers_an_exact_power_law() {
        let x = [1.0, 10.0, 100.0, 1000.0];
        let y: Vec<f64> = x.iter().map(|t: &f64| 3.0 * t.powf(-0.75)).collect();
        let f = LogLogFit::fit(&x, &y).unwrap();
        assert!((f.slope + 0.75).abs() < 1e-12 && (f.intercept - 3f64.ln()).abs() < 1e-12);
        assert!((f.predict(50.0) - 3.0 * 50f64.powf(-0.75)).abs() < 1e-12);
        assert_eq!(LogLogFit::fit(&[2.0, 2.0], &[1.0, 3.0]), None);
    }
}
