//! The fast generator gives the same economy as numpy's (and so as the reference's): per-episode
//! totals over 200 seeded episodes per side agree in distribution (two-sample
//! Kolmogorov-Smirnov p > 0.01) and in mean (within 3 standard errors), for random valid actions
//! and for a scripted policy.

use walras_gtb::simulate::{simulate, EpisodeSummary, Policy};
use walras_gtb::{GtbConfig, RngKind};

const EPISODES: usize = 200;

/// Asymptotic p-value of the two-sample Kolmogorov-Smirnov statistic (with the small-sample
/// correction of Stephens, as in Numerical Recipes' `kstwo`).
fn ks_p_value(a: &[f64], b: &[f64]) -> f64 {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (n, m) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / n - j as f64 / m).abs());
    }
    let en = (n * m / (n + m)).sqrt();
    let lambda = (en + 0.12 + 0.11 / en) * d;
    let mut p = 0.0;
    let mut sign = 1.0;
    for k in 1..=100 {
        let term = sign * 2.0 * (-2.0 * (k as f64).powi(2) * lambda * lambda).exp();
        p += term;
        if term.abs() < 1e-12 {
            break;
        }
        sign = -sign;
    }
    p.clamp(0.0, 1.0)
}

fn mean_and_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

fn totals(e: &EpisodeSummary) -> [(&'static str, f64); 7] {
    [
        ("wood gathered", e.wood_gathered),
        ("stone gathered", e.stone_gathered),
        ("houses", e.houses as f64),
        ("trades", e.trades as f64),
        ("total coin", e.productivity),
        ("gini", e.gini),
        ("equality x productivity", e.equality_times_productivity),
    ]
}

fn same_economy(policy: Policy) {
    let cfg = GtbConfig::default();
    // Different seeds on the two sides: the comparison is between distributions.
    let numpy = simulate(&cfg, RngKind::NumpyLegacy, 1, EPISODES, policy, &|| Ok(())).unwrap();
    let fast = simulate(&cfg, RngKind::Fast, 100_000, EPISODES, policy, &|| Ok(())).unwrap();
    for k in 0..7 {
        let name = totals(&numpy[0])[k].0;
        let a: Vec<f64> = numpy.iter().map(|e| totals(e)[k].1).collect();
        let b: Vec<f64> = fast.iter().map(|e| totals(e)[k].1).collect();
        let p = ks_p_value(&a, &b);
        let ((ma, sa), (mb, sb)) = (mean_and_se(&a), mean_and_se(&b));
        let z = (ma - mb).abs() / (sa * sa + sb * sb).sqrt();
        eprintln!("{policy:?} {name}: numpy {ma:.3} fast {mb:.3}, KS p {p:.3}, z {z:.2}");
        assert!(p > 0.01, "{policy:?} {name}: KS p {p}");
        assert!(z < 3.0, "{policy:?} {name}: means {ma} vs {mb}, z {z}");
    }
}

#[test]
fn random_actions_give_the_same_distribution_with_either_generator() {
    same_economy(Policy::Random);
}

#[test]
fn a_scripted_policy_gives_the_same_distribution_with_either_generator() {
    same_economy(Policy::Scripted);
}

#[test]
fn the_kolmogorov_smirnov_test_tells_different_distributions_apart() {
    let a: Vec<f64> = (0..200).map(|i| i as f64 / 200.0).collect();
    let shifted: Vec<f64> = a.iter().map(|x| x + 0.2).collect();
    assert!(ks_p_value(&a, &shifted) < 1e-3);
    let interleaved: Vec<f64> = a.iter().map(|x| x + 0.0025).collect();
    assert!(ks_p_value(&a, &interleaved) > 0.5);
}
