//! Trade elasticities from bilateral flows and tariffs: Caliendo and Parro's (2015) triple
//! difference. For a sector and countries n, i, h,
//!
//! ln(X_ni X_ih X_hn / (X_in X_hi X_nh)) = -theta ln(t_ni t_ih t_hn / (t_in t_hi t_nh)) + e,
//!
//! X_ni being n's imports from i and t_ni one plus n's tariff on them: everything specific to
//! an exporter, an importer or a pair that is the same in both directions cancels. OLS without
//! a constant over the unordered triples, with heteroskedasticity-robust (HC1) standard errors.

use serde::Serialize;

use crate::TradeError;

/// One sector's estimate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ThetaEstimate {
    /// The trade elasticity.
    pub theta: f64,
    /// Its heteroskedasticity-robust (HC1) standard error.
    pub std_err: f64,
    /// Country triples in the regression.
    pub n_obs: usize,
    /// Uncentred R^2 (the regression has no constant).
    pub r2: f64,
    /// Triples left out because one of their six flows is zero.
    pub zero_flow_triples: usize,
    /// Triples left out by the trimming of small flows.
    pub trimmed_triples: usize,
}

/// One triple's two log ratios and its smallest flow.
struct Triple {
    flows: f64,
    tariffs: f64,
    smallest: f64,
}

/// The triple difference for one sector of `n` countries: `imports[importer * n + exporter]`
/// (any positive unit), `tariffs` as fractions indexed alike. `trim` in [0, 0.5) leaves out
/// that fraction of the triples (rounded down): those whose smallest flow is smallest.
pub fn triple_difference(
    n: usize,
    imports: &[f64],
    tariffs: &[f64],
    trim: f64,
) -> Result<ThetaEstimate, TradeError> {
    if imports.len() != n * n || tariffs.len() != n * n {
        return Err(TradeError::InvalidParameter {
            name: "imports and tariffs".into(),
            value: format!("{} and {} entries", imports.len(), tariffs.len()),
            reason: format!("{n} countries need {} each", n * n),
        });
    }
    if !(0.0..0.5).contains(&trim) {
        return Err(TradeError::InvalidParameter {
            name: "trim".into(),
            value: trim.to_string(),
            reason: "must lie in [0, 0.5) (a fraction of the triples)".into(),
        });
    }
    for (k, (&x, &t)) in imports.iter().zip(tariffs).enumerate() {
        if !(x.is_finite() && x >= 0.0 && t.is_finite() && t > -1.0) {
            return Err(TradeError::Data {
                table: "flows and tariffs".into(),
                key: format!("importer {} from exporter {}", k / n, k % n),
                message: format!(
                    "flow {x}, tariff {t}: flows must be finite and non-negative, tariffs \
                     finite fractions above -1"
                ),
            });
        }
    }
    let x = |a: usize, b: usize| imports[a * n + b];
    let t = |a: usize, b: usize| (1.0 + tariffs[a * n + b]).ln();
    let mut triples = Vec::new();
    let mut zero = 0;
    for a in 0..n {
        for b in a + 1..n {
            for c in b + 1..n {
                let six = [x(a, b), x(b, c), x(c, a), x(b, a), x(c, b), x(a, c)];
                if six.iter().any(|&f| f <= 0.0) {
                    zero += 1;
                    continue;
                }
                triples.push(Triple {
                    flows: (six[0].ln() + six[1].ln() + six[2].ln())
                        - (six[3].ln() + six[4].ln() + six[5].ln()),
                    tariffs: (t(a, b) + t(b, c) + t(c, a)) - (t(b, a) + t(c, b) + t(a, c)),
                    smallest: six.iter().copied().fold(f64::INFINITY, f64::min),
                });
            }
        }
    }
    let before = triples.len();
    if trim > 0.0 {
        // The floor(trim x triples) triples with the smallest flows (ties in enumeration order).
        triples.sort_by(|a, b| a.smallest.total_cmp(&b.smallest));
        let drop = (trim * before as f64).floor() as usize;
        triples.drain(..drop);
    }
    let m = triples.len();
    let sxx: f64 = triples.iter().map(|t| t.tariffs * t.tariffs).sum();
    if m < 2 || sxx <= 0.0 {
        return Err(TradeError::Data {
            table: "flows and tariffs".into(),
            key: "country triples".into(),
            message: format!(
                "{m} usable triples (need 2 or more, with tariffs that differ by direction; \
                 {zero} have a zero flow): theta is not identified"
            ),
        });
    }
    let sxy: f64 = triples.iter().map(|t| t.tariffs * t.flows).sum();
    let beta = sxy / sxx;
    let (mut see, mut syy, mut meat) = (0.0, 0.0, 0.0);
    for tr in &triples {
        let e = tr.flows - beta * tr.tariffs;
        see += e * e;
        syy += tr.flows * tr.flows;
        meat += tr.tariffs * tr.tariffs * e * e;
    }
    let hc1 = m as f64 / (m as f64 - 1.0);
    Ok(ThetaEstimate {
        theta: -beta,
        std_err: (hc1 * meat).sqrt() / sxx,
        n_obs: m,
        r2: if syy > 0.0 { 1.0 - see / syy } else { 0.0 },
        zero_flow_triples: zero,
        trimmed_triples: before - m,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Flows from a gravity model with exporter, importer and symmetric pair terms, and
    /// tariffs with elasticity `theta`: X_ni = E_i M_n D_ni t_ni^-theta.
    fn gravity(n: usize, theta: f64, noise: f64) -> (Vec<f64>, Vec<f64>) {
        let mut imports = vec![0.0; n * n];
        let mut tariffs = vec![0.0; n * n];
        let mut state = 12345u64;
        let mut uniform = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let e: Vec<f64> = (0..n).map(|_| 1.0 + 9.0 * uniform()).collect();
        let mm: Vec<f64> = (0..n).map(|_| 1.0 + 9.0 * uniform()).collect();
        let mut d = vec![0.0; n * n];
        for a in 0..n {
            for b in a + 1..n {
                let v = 0.1 + uniform();
                d[a * n + b] = v;
                d[b * n + a] = v;
            }
        }
        for a in 0..n {
            for b in 0..n {
                if a != b {
                    tariffs[a * n + b] = 0.3 * uniform();
                    let shock = (noise * (uniform() - 0.5)).exp();
                    imports[a * n + b] = e[b]
                        * mm[a]
                        * d[a * n + b]
                        * (1.0 + tariffs[a * n + b]).powf(-theta)
                        * shock;
                }
            }
        }
        (imports, tariffs)
    }

    #[test]
    fn exact_gravity_gives_theta_exactly() {
        let (imports, tariffs) = gravity(12, 6.5, 0.0);
        let est = triple_difference(12, &imports, &tariffs, 0.0).unwrap();
        assert!((est.theta - 6.5).abs() < 1e-9, "{est:?}");
        assert!(est.std_err < 1e-9 && (est.r2 - 1.0).abs() < 1e-12);
        assert_eq!(est.n_obs, 12 * 11 * 10 / 6);
    }

    #[test]
    fn noisy_gravity_covers_theta_and_trimming_drops_small_flows() {
        let (mut imports, tariffs) = gravity(20, 4.0, 0.5);
        let est = triple_difference(20, &imports, &tariffs, 0.0).unwrap();
        assert!((est.theta - 4.0).abs() < 4.0 * est.std_err, "{est:?}");
        assert!(est.std_err > 0.0 && est.r2 < 1.0);
        imports[1] = 0.0; // importer 0 from exporter 1: every triple with both drops out
        let est = triple_difference(20, &imports, &tariffs, 0.1).unwrap();
        assert_eq!(est.zero_flow_triples, 18);
        assert_eq!(est.n_obs + est.trimmed_triples, 1140 - 18);
        assert_eq!(est.trimmed_triples, 112);
    }

    #[test]
    fn bad_inputs_are_refused() {
        let (imports, tariffs) = gravity(5, 4.0, 0.0);
        assert!(triple_difference(4, &imports, &tariffs, 0.0).is_err());
        assert!(triple_difference(5, &imports, &tariffs, 0.5).is_err());
        let mut nan = imports.clone();
        nan[3] = f64::NAN;
        let err = triple_difference(5, &nan, &tariffs, 0.0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("importer 0 from exporter 3"), "{err}");
        let flat = vec![0.1; 25];
        assert!(triple_difference(5, &imports, &flat, 0.0)
            .unwrap_err()
            .to_string()
            .contains("not identified"));
    }
}
