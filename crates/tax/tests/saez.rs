//! The AI Economist's binned Saez estimator, against test vectors produced by that code
//! (ai-economist 1.7.1, `PeriodicBracketTax`; see tests/data/README.md), and the Saez formula
//! against theory on large Pareto samples.

use std::path::PathBuf;

use walras_tax::{aie_binned_saez, saez_top_rate, SaezWeights, AIE_US_FEDERAL_CUTOFFS};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

fn assert_close(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let ok = (g.is_nan() && w.is_nan()) || (g - w).abs() <= tol;
        assert!(ok, "{what}[{i}]: {g} vs {w}");
    }
}

#[test]
fn binned_saez_reproduces_the_ai_economist_to_1e9() {
    let cases = [
        "pareto_a2_zmin20",
        "lognormal_mixed",
        "tiny_gaps",
        "no_above",
        "bin_edges_exact",
        "all_negative",
        "only_above",
        "single_income",
    ];
    for case in cases {
        let text = std::fs::read_to_string(data(&format!("saez_case_{case}_incomes.csv"))).unwrap();
        let incomes: Vec<f64> = text
            .lines()
            .skip(1)
            .map(|l| l.trim().parse().unwrap())
            .collect();
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(data(&format!("saez_case_{case}_expected.json"))).unwrap(),
        )
        .unwrap();
        assert_close(
            &format!("{case} cutoffs"),
            &AIE_US_FEDERAL_CUTOFFS,
            &floats(&expected["cutoffs"]),
            0.0,
        );
        for run in expected["runs"].as_array().unwrap() {
            let weights = match run["weights"].as_str().unwrap() {
                "inverse_income" => SaezWeights::InverseIncome,
                "uniform" => SaezWeights::Uniform,
                other => panic!("unknown weights {other}"),
            };
            let e = run["elasticity"].as_f64().unwrap();
            let (lo, hi) = (
                run["rate_min"].as_f64().unwrap(),
                run["rate_max"].as_f64().unwrap(),
            );
            let got = aie_binned_saez(&incomes, None, &AIE_US_FEDERAL_CUTOFFS, e, weights, lo, hi)
                .unwrap();
            let tag = format!("{case} {weights:?} e={e} [{lo}, {hi}]");
            assert_close(
                &format!("{tag} edges"),
                &got.bin_edges,
                &floats(&expected["bin_edges"]),
                0.0,
            );
            assert_close(
                &format!("{tag} counts"),
                &got.counts,
                &floats(&expected["counts"]),
                0.0,
            );
            assert_eq!(got.n_below, expected["n_below"].as_f64().unwrap(), "{tag}");
            assert_eq!(got.n_above, expected["n_above"].as_f64().unwrap(), "{tag}");
            assert_close(
                &format!("{tag} G"),
                &got.bin_g,
                &floats(&run["bin_g"]),
                1e-9,
            );
            assert_close(
                &format!("{tag} A"),
                &got.bin_a,
                &floats(&run["bin_a"]),
                1e-9 * 1e3,
            );
            assert_close(
                &format!("{tag} tau"),
                &got.bin_tau,
                &floats(&run["bin_tau"]),
                1e-9,
            );
            assert_close(
                &format!("{tag} unclipped"),
                &got.rates_unclipped,
                &floats(&run["rates_unclipped"]),
                1e-9,
            );
            assert_close(
                &format!("{tag} rates"),
                &got.rates,
                &floats(&run["rates"]),
                1e-9,
            );
        }
    }
}

#[test]
fn saez_top_rate_formula_matches_the_spec() {
    // Spec section 6: a = 2, e = 0.5, g = 0 gives 0.5; a = 1.5, e = 0.25 gives 0.727.
    assert!((saez_top_rate(2.0, 0.5, 0.0) - 0.5).abs() < 1e-15);
    assert!((saez_top_rate(1.5, 0.25, 0.0) - 0.727).abs() < 5e-4);
}

/// Deterministic Pareto(a, zmin) sample by inverse CDF on a scrambled uniform grid.
fn pareto_sample(n: usize, a: f64, zmin: f64) -> Vec<f64> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let u = ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
            zmin * (1.0 - u).powf(-1.0 / a)
        })
        .collect()
}

#[test]
fn binned_saez_converges_to_theory_on_large_pareto_samples() {
    // z ~ Pareto(a = 2, z_min = 20), inverse-income weights, e = 0.5: with G(z) = 20 / z (the
    // share of welfare weight above z), tau(z) = (1 - 20/z) / (2 - 20/z) (spec section 6).
    let theory = |z: f64| (1.0 - 20.0 / z) / (2.0 - 20.0 / z);
    let mut errors = Vec::new();
    for n in [10_000, 1_000_000] {
        let incomes = pareto_sample(n, 2.0, 20.0);
        let est = aie_binned_saez(
            &incomes,
            None,
            &AIE_US_FEDERAL_CUTOFFS,
            0.5,
            SaezWeights::InverseIncome,
            0.0,
            1.0,
        )
        .unwrap();
        // Compare bin taus in the well-populated range 25..200.
        let err = (0..100)
            .filter(|&k| est.bin_edges[k] > 25.0 && est.bin_edges[k + 1] < 200.0)
            .map(|k| {
                (est.bin_tau[k] - theory(0.5 * (est.bin_edges[k] + est.bin_edges[k + 1]))).abs()
            })
            .fold(0.0, f64::max);
        errors.push(err);
    }
    assert!(
        errors[1] < errors[0],
        "error must shrink with the sample: {errors:?}"
    );
    assert!(errors[1] < 0.03, "{errors:?}");
}

#[test]
fn bad_saez_inputs_are_errors() {
    let c = AIE_US_FEDERAL_CUTOFFS;
    assert!(aie_binned_saez(&[], None, &c, 0.5, SaezWeights::Uniform, 0.0, 1.0).is_err());
    assert!(aie_binned_saez(&[f64::NAN], None, &c, 0.5, SaezWeights::Uniform, 0.0, 1.0).is_err());
    assert!(
        aie_binned_saez(&[1.0], None, &c, 0.0, SaezWeights::Uniform, 0.0, 1.0)
            .unwrap_err()
            .to_string()
            .contains("elasticity")
    );
    assert!(aie_binned_saez(
        &[1.0, f64::INFINITY],
        None,
        &c,
        0.5,
        SaezWeights::Uniform,
        0.0,
        1.0
    )
    .is_err());
    assert!(aie_binned_saez(
        &[1.0],
        None,
        &[0.0, 5.0, 3.0],
        0.5,
        SaezWeights::Uniform,
        0.0,
        1.0
    )
    .is_err());
    assert!("median".parse::<SaezWeights>().is_err());
}

#[test]
fn integer_sample_weights_equal_repeated_incomes() {
    let incomes = [3.0, 50.0, 50.0, 120.0, 700.0, -2.0, 20.0];
    let weights = [2.0, 1.0, 3.0, 1.0, 2.0, 1.0, 4.0];
    let repeated: Vec<f64> = incomes
        .iter()
        .zip(&weights)
        .flat_map(|(z, w)| std::iter::repeat_n(*z, *w as usize))
        .collect();
    let a = aie_binned_saez(
        &incomes,
        Some(&weights),
        &AIE_US_FEDERAL_CUTOFFS,
        0.5,
        SaezWeights::InverseIncome,
        0.0,
        1.0,
    )
    .unwrap();
    let b = aie_binned_saez(
        &repeated,
        None,
        &AIE_US_FEDERAL_CUTOFFS,
        0.5,
        SaezWeights::InverseIncome,
        0.0,
        1.0,
    )
    .unwrap();
    assert_close("weighted vs repeated", &a.rates, &b.rates, 1e-12);
    assert!(aie_binned_saez(
        &incomes,
        Some(&weights[..3]),
        &AIE_US_FEDERAL_CUTOFFS,
        0.5,
        SaezWeights::Uniform,
        0.0,
        1.0
    )
    .is_err());
    assert!(aie_binned_saez(
        &[1.0],
        Some(&[f64::NAN]),
        &AIE_US_FEDERAL_CUTOFFS,
        0.5,
        SaezWeights::Uniform,
        0.0,
        1.0
    )
    .is_err());
}

#[test]
fn smooth_saez_tracks_theory_on_a_pareto_sample() {
    // Same oracle as the binned estimator: tau(z) = (1 - 20/z)/(2 - 20/z).
    let incomes = pareto_sample(200_000, 2.0, 20.0);
    let est = walras_tax::smooth_saez(
        &incomes,
        None,
        &AIE_US_FEDERAL_CUTOFFS,
        0.5,
        SaezWeights::InverseIncome,
        200,
        (0.0, 1.0),
    )
    .unwrap();
    let theory = |z: f64| (1.0 - 20.0 / z) / (2.0 - 20.0 / z);
    let worst = est
        .income
        .iter()
        .zip(&est.tau)
        .filter(|(z, _)| **z > 30.0 && **z < 300.0)
        .map(|(z, t)| (t - theory(*z)).abs())
        .fold(0.0, f64::max);
    assert!(worst < 0.03, "max |tau - theory| on 30..300 = {worst}");
    // Bracket rates are averages of tau: between its min and max, and rising here.
    assert!(
        est.rates.windows(2).skip(2).all(|w| w[1] >= w[0] - 0.02),
        "{:?}",
        est.rates
    );
    // Uniform weights: G = 1 everywhere, so no redistribution motive and tau = 0.
    let flat = walras_tax::smooth_saez(
        &incomes,
        None,
        &AIE_US_FEDERAL_CUTOFFS,
        0.5,
        SaezWeights::Uniform,
        50,
        (0.0, 1.0),
    )
    .unwrap();
    assert!(flat.tau.iter().all(|t| t.abs() < 1e-9));
    assert!(walras_tax::smooth_saez(
        &[1.0],
        None,
        &AIE_US_FEDERAL_CUTOFFS,
        0.5,
        SaezWeights::Uniform,
        50,
        (0.0, 1.0)
    )
    .is_err());
}
