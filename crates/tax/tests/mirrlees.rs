//! Tests of the optimal nonlinear (Mirrlees) income tax against the theory's closed forms, the
//! ABC formula recomputed independently, budget balance, flat-tax benchmarks and grid refinement.

use walras_tax::{
    solve_mirrlees, MirrleesOptions, MirrleesSchedule, SkillDistribution, Swf, TaxError,
};

const LOGNORMAL: SkillDistribution = SkillDistribution::Lognormal {
    mu: 0.0,
    sigma: 0.5,
};
const PARETO4: SkillDistribution = SkillDistribution::Pareto {
    alpha: 4.0,
    min: 1.0,
};
const LOG: Swf = Swf::Atkinson { epsilon: 1.0 };

fn truncated(lo: f64, hi: f64) -> MirrleesOptions {
    MirrleesOptions {
        truncate: (lo, hi),
        ..MirrleesOptions::default()
    }
}

/// The quantile of grid point i under the options.
fn quantile(o: &MirrleesOptions, i: usize) -> f64 {
    let (lo, hi) = o.truncate;
    lo + (hi - lo) * i as f64 / (o.grid - 1) as f64
}

fn mean(s: &MirrleesSchedule, x: &[f64]) -> f64 {
    s.density.iter().zip(x).map(|(w, v)| w * v).sum()
}

fn argmax(x: &[f64]) -> usize {
    (0..x.len()).fold(0, |b, i| if x[i] > x[b] { i } else { b })
}

#[test]
fn utilitarian_welfare_taxes_nothing() {
    for (dist, e, swf) in [
        (LOGNORMAL, 0.5, Swf::Utilitarian),
        (PARETO4, 1.0, Swf::Utilitarian),
        (PARETO4, 2.0, Swf::Atkinson { epsilon: 0.0 }),
    ] {
        let s = solve_mirrlees(&dist, e, &swf, &MirrleesOptions::default()).unwrap();
        assert_eq!(s.marginal_rate.len(), 400);
        for i in 0..400 {
            assert!(
                s.marginal_rate[i].abs() < 1e-12,
                "{dist:?} {i}: T' = {}",
                s.marginal_rate[i]
            );
            assert!(s.tax[i].abs() < 1e-12, "{dist:?} {i}: tax = {}", s.tax[i]);
            // Untaxed: z = n^(1+e), u = z/(1+e).
            let z = s.skill[i].powf(1.0 + e);
            assert!((s.income[i] - z).abs() < 1e-12 * z.max(1.0));
            assert!((s.utility[i] - z / (1.0 + e)).abs() < 1e-12 * z.max(1.0));
        }
        assert!(s.transfer.abs() < 1e-12);
        assert_eq!(s.iterations, 1);
    }
}

#[test]
fn log_welfare_with_lognormal_skills_gives_an_inverted_u() {
    let o = MirrleesOptions::default();
    let t0 = std::time::Instant::now();
    let s = solve_mirrlees(&LOGNORMAL, 0.5, &LOG, &o).unwrap();
    let elapsed = t0.elapsed();
    let t = &s.marginal_rate;
    let m = t.len();
    let peak = argmax(t);
    println!(
        "log/lognormal(0, 0.5)/e = 0.5: max T' = {:.5} at n = {:.4} (quantile {:.4}); T' = {:.2e}, {:.4} .. {:.4}, {:.2e} at the ends; \
         G = {:.5}, SWF = {:.6}; {} iterations, change {:.1e}, {elapsed:?}",
        t[peak],
        s.skill[peak],
        quantile(&o, peak),
        t[0],
        t[1],
        t[m - 2],
        t[m - 1],
        s.transfer,
        s.swf,
        s.iterations,
        s.max_change
    );
    assert!(s.max_change < o.tol);
    // Positive inside, zero at both ends of the truncated support.
    assert!(t[1..m - 1].iter().all(|&x| x > 0.05), "{t:?}");
    assert!(
        t[0].abs() < 0.05 && t[m - 1].abs() < 0.05,
        "{} {}",
        t[0],
        t[m - 1]
    );
    assert!(t[0].abs() < 0.1 * t[peak] && t[m - 1].abs() < 0.1 * t[peak]);
    // Single-peaked, near the median skill, in a plausible range.
    for i in 1..=peak {
        assert!(
            t[i] >= t[i - 1] - 1e-9,
            "not increasing below the peak at {i}"
        );
    }
    for i in peak + 1..m {
        assert!(
            t[i] <= t[i - 1] + 1e-9,
            "not decreasing above the peak at {i}"
        );
    }
    assert!((0.3..0.4).contains(&t[peak]), "max T' = {}", t[peak]);
    assert!(
        (0.9..1.1).contains(&s.skill[peak]),
        "peak at n = {}",
        s.skill[peak]
    );
    // It raises log welfare above the best flat tax with lump-sum rebate (same quadrature).
    let e = 0.5;
    let p = 1.0 + 1.0 / e;
    let flat = |rate: f64| {
        let z: Vec<f64> = s
            .skill
            .iter()
            .map(|n| ((1.0 - rate) * n).powf(e) * n)
            .collect();
        let g = rate * mean(&s, &z);
        let lnu: Vec<f64> = s
            .skill
            .iter()
            .zip(&z)
            .map(|(n, z)| ((1.0 - rate) * z + g - (z / n).powf(p) / p).ln())
            .collect();
        mean(&s, &lnu)
    };
    let best_flat = (0..80)
        .map(|k| flat(k as f64 / 100.0))
        .fold(f64::NEG_INFINITY, f64::max);
    println!(
        "log welfare: Mirrlees {:.6} > best flat {best_flat:.6}",
        s.swf
    );
    assert!(s.swf > best_flat + 1e-4, "{} vs {best_flat}", s.swf);
    assert!(
        (s.swf - mean(&s, &s.utility.iter().map(|u| u.ln()).collect::<Vec<_>>())).abs() < 1e-14
    );
}

#[test]
fn the_solution_satisfies_the_abc_formula_recomputed_independently() {
    let o = MirrleesOptions::default();
    let e = 0.5;
    let s = solve_mirrlees(&LOGNORMAL, e, &LOG, &o).unwrap();
    let m = s.skill.len();
    let (lo, hi) = o.truncate;
    // g = (1/u) / mean(1/u); C(n)(1 - F_t(n)) = integral over [n, top] of (1 - g) dF_t.
    let psi: Vec<f64> = s.utility.iter().map(|u| 1.0 / u).collect();
    let norm = mean(&s, &psi);
    let one_minus_g: Vec<f64> = psi.iter().map(|p| 1.0 - p / norm).collect();
    for i in 0..m {
        let own = match i {
            0 => s.density[0],
            i if i == m - 1 => 0.0,
            _ => 0.5 * s.density[i],
        };
        let tail: f64 = own * one_minus_g[i]
            + (i + 1..m)
                .map(|j| s.density[j] * one_minus_g[j])
                .sum::<f64>();
        let n = s.skill[i];
        let ratio = (1.0 + 1.0 / e) * tail / (n * LOGNORMAL.pdf(n) / (hi - lo));
        let expected = ratio / (1.0 + ratio);
        assert!(
            (s.marginal_rate[i] - expected).abs() < 1e-7,
            "{i}: {} vs {expected}",
            s.marginal_rate[i]
        );
        // The agents' first-order condition.
        assert!((s.labor[i] - ((1.0 - s.marginal_rate[i]) * n).powf(e)).abs() < 1e-12);
    }
    // Envelope condition u'(n) = l^(1+1/e)/n, to the quadrature's accuracy.
    let phi: Vec<f64> = (0..m)
        .map(|i| s.labor[i].powf(1.0 + 1.0 / e) / s.skill[i])
        .collect();
    let mut worst: f64 = 0.0;
    for i in 1..m {
        let du = s.utility[i] - s.utility[i - 1];
        let trapezoid = 0.5 * (phi[i] + phi[i - 1]) * (s.skill[i] - s.skill[i - 1]);
        worst = worst.max((du - trapezoid).abs() / trapezoid);
    }
    assert!(worst < 0.02, "envelope condition off by {worst}");
    // The net tax is the integral of the marginal rates.
    for i in 1..m {
        let dt = s.tax[i] - s.tax[i - 1];
        let integral =
            0.5 * (s.marginal_rate[i] + s.marginal_rate[i - 1]) * (s.income[i] - s.income[i - 1]);
        assert!((dt - integral).abs() < 1e-12, "{i}: {dt} vs {integral}");
    }
}

#[test]
fn rawls_with_pareto_skills_is_flat_at_the_closed_form() {
    let o = truncated(0.0, 0.999);
    let (e, alpha) = (1.0, 4.0);
    let s = solve_mirrlees(&PARETO4, e, &Swf::Rawls, &o).unwrap();
    let closed = (1.0 + e) / (1.0 + e + e * alpha);
    let m = s.skill.len();
    let mut worst: f64 = 0.0;
    for i in 0..m {
        let q = quantile(&o, i);
        let t = s.marginal_rate[i];
        if q <= 0.9 {
            worst = worst.max((t - closed).abs());
            assert!((t - closed).abs() < 0.01, "q = {q}: T' = {t}");
        }
        // Exactly the truncated formula: (1 - F_t)/(n f_t) = (q_hi - q)/(alpha (1 - q)).
        let ratio = (1.0 + 1.0 / e) * (0.999 - q) / (alpha * (1.0 - q));
        assert!((t - ratio / (1.0 + ratio)).abs() < 1e-8, "q = {q}: {t}");
    }
    println!(
        "Rawls/Pareto(4)/e = 1: max |T' - 1/3| = {worst:.2e} for q <= 0.9; T' = {:.5} at the bottom, {:.5} at q = 0.99, \
         {:.5} one point below the top, {} at the top; G = {:.5} (4/9 untruncated); min u = {:.5}; {} iterations",
        s.marginal_rate[0],
        s.marginal_rate[(0.99 / 0.999 * (m - 1) as f64).round() as usize],
        s.marginal_rate[m - 2],
        s.marginal_rate[m - 1],
        s.transfer,
        s.swf,
        s.iterations
    );
    // The bottom takes the limit from above (no artificial zero there).
    assert!((s.marginal_rate[0] - closed).abs() < 0.001);
    // Near the top the truncated support (no mass above q_hi) pulls T' to 0.
    assert_eq!(s.marginal_rate[m - 1], 0.0);
    assert!(s.marginal_rate[m - 2] < closed - 0.05);
    // The lump-sum transfer: t (1 - t) E[n^2] = 4/9 untruncated; the truncation removes the top.
    assert!((s.transfer - 4.0 / 9.0).abs() < 0.02, "G = {}", s.transfer);
    assert!(
        (s.swf - s.utility[0]).abs() < 1e-14,
        "Rawls SWF is the bottom utility"
    );
}

#[test]
fn power_weights_with_pareto_skills_follow_the_closed_form() {
    let o = truncated(0.0, 0.9999);
    let (e, alpha, k) = (1.0, 4.0, 1.0);
    let s = solve_mirrlees(&PARETO4, e, &Swf::PowerWeights { k }, &o).unwrap();
    let mut worst: f64 = 0.0;
    for i in 0..s.skill.len() {
        let q = quantile(&o, i);
        if (0.05..=0.95).contains(&q) {
            let t = s.marginal_rate[i];
            let formula = (1.0 + e) / (e * alpha) * (1.0 - s.skill[i].powf(-k));
            worst = worst.max((t / (1.0 - t) - formula).abs());
            assert!(
                (t / (1.0 - t) - formula).abs() < 0.01,
                "q = {q}: {} vs {formula}",
                t / (1.0 - t)
            );
        }
    }
    // The spec's table: tau = 0.1429, 0.2000, 0.2727 at n = 1.5, 2, 4 (interpolated in n).
    let at = |n: f64| {
        let j = s.skill.iter().position(|&x| x >= n).unwrap();
        let w = (n - s.skill[j - 1]) / (s.skill[j] - s.skill[j - 1]);
        s.marginal_rate[j - 1] * (1.0 - w) + s.marginal_rate[j] * w
    };
    println!(
        "power k = 1/Pareto(4)/e = 1: max |T'/(1-T') - formula| = {worst:.2e} for q in [0.05, 0.95]; \
         T'(1.5) = {:.4}, T'(2) = {:.4}, T'(4) = {:.4}; {} iterations",
        at(1.5),
        at(2.0),
        at(4.0),
        s.iterations
    );
    assert!((at(1.5) - 0.1429).abs() < 0.001);
    assert!((at(2.0) - 0.2000).abs() < 0.001);
    assert!((at(4.0) - 0.2727).abs() < 0.01);
}

#[test]
fn every_supported_swf_balances_the_budget() {
    let cases = [
        (LOGNORMAL, 0.5, LOG, truncated(0.001, 0.999)),
        (
            LOGNORMAL,
            1.0,
            Swf::Atkinson { epsilon: 2.0 },
            truncated(0.001, 0.999),
        ),
        (PARETO4, 1.0, Swf::Rawls, truncated(0.0, 0.999)),
        (
            PARETO4,
            1.0,
            Swf::PowerWeights { k: 1.0 },
            truncated(0.0, 0.9999),
        ),
        (PARETO4, 0.5, Swf::InverseIncome, truncated(0.0, 0.999)),
        (
            SkillDistribution::LognormalPareto {
                mu: 0.0,
                sigma: 0.5,
                alpha: 2.0,
                tail: 0.9,
            },
            0.5,
            LOG,
            truncated(0.001, 0.999),
        ),
    ];
    for (dist, e, swf, o) in cases {
        let s = solve_mirrlees(&dist, e, &swf, &o).unwrap();
        assert!((s.density.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let mean_tax = mean(&s, &s.tax);
        assert!(mean_tax.abs() < 1e-10, "{swf:?}: mean tax {mean_tax}");
        let (c, z) = (mean(&s, &s.consumption), mean(&s, &s.income));
        assert!((c - z).abs() < 1e-10, "{swf:?}: mean c {c} vs mean z {z}");
        // Redistribution: a positive transfer, the bottom receives, the top pays.
        assert!(
            s.transfer > 0.0 && s.tax[0] < 0.0 && s.tax[s.tax.len() - 1] > 0.0,
            "{swf:?}"
        );
        // G is the mean of the gross tax tax + G, which vanishes at zero income.
        assert!((s.transfer - (s.marginal_rate[0] * s.income[0] - s.tax[0])).abs() < 1e-14);
        assert!(
            s.marginal_rate.iter().all(|t| (0.0..1.0).contains(t)),
            "{swf:?}"
        );
        // Income rises with skill, except where the lognormal-Pareto density jumps (below).
        if !matches!(dist, SkillDistribution::LognormalPareto { .. }) {
            assert!(
                s.non_monotone_income().is_empty(),
                "{swf:?}: income must rise with skill"
            );
        }
        assert!(s.iterations < 100, "{swf:?}: {} iterations", s.iterations);
    }
}

#[test]
fn bunching_is_flagged_where_income_falls_with_skill() {
    // Strong redistribution with the support cut at q = 0.01: T' climbs from 0 so steeply that
    // income falls with skill just above the bottom (the optimum would bunch these types).
    let s = solve_mirrlees(
        &LOGNORMAL,
        1.0,
        &Swf::Atkinson { epsilon: 2.0 },
        &truncated(0.01, 0.99),
    )
    .unwrap();
    let flagged = s.non_monotone_income();
    println!("Atkinson(2)/lognormal/e = 1/(0.01, 0.99): income falls at grid points {flagged:?}");
    assert!(
        !flagged.is_empty() && flagged.iter().all(|&i| i < 10),
        "{flagged:?}"
    );
    assert!(s.income[1] < s.income[0]);
    // The lognormal-Pareto density jumps down where the tail starts (q = 0.9): so does
    // (1 - F)/(n f) in the ABC formula, T' jumps up and income falls there.
    let dist = SkillDistribution::LognormalPareto {
        mu: 0.0,
        sigma: 0.5,
        alpha: 2.0,
        tail: 0.9,
    };
    let o = MirrleesOptions::default();
    let s = solve_mirrlees(&dist, 0.5, &LOG, &o).unwrap();
    let flagged = s.non_monotone_income();
    println!("log/lognormal-Pareto: income falls at grid points {flagged:?}");
    assert_eq!(flagged.len(), 1);
    let i = flagged[0];
    assert!(quantile(&o, i - 1) < 0.9 && quantile(&o, i) > 0.9);
    assert!(s.marginal_rate[i] > s.marginal_rate[i - 1] + 0.1);
    // The default log case is implementable as reported.
    let s = solve_mirrlees(&LOGNORMAL, 0.5, &LOG, &MirrleesOptions::default()).unwrap();
    assert!(s.non_monotone_income().is_empty());
}

#[test]
fn refining_the_grid_barely_moves_the_peak_rate() {
    let peak = |grid: usize| {
        let o = MirrleesOptions {
            grid,
            ..MirrleesOptions::default()
        };
        let s = solve_mirrlees(&LOGNORMAL, 0.5, &LOG, &o).unwrap();
        (s.marginal_rate[argmax(&s.marginal_rate)], s.swf)
    };
    let (t400, w400) = peak(400);
    let (t800, w800) = peak(800);
    println!("max T': {t400:.6} (400 points), {t800:.6} (800 points); SWF {w400:.6}, {w800:.6}");
    assert!((t400 - t800).abs() < 1e-4);
    assert!((w400 - w800).abs() < 1e-3);
}

fn message(r: Result<MirrleesSchedule, TaxError>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_inputs_are_rejected_naming_the_field() {
    let ok = MirrleesOptions::default();
    assert!(ok.validate().is_ok());
    let bad = [
        (MirrleesOptions { grid: 9, ..ok }, "grid = 9"),
        (
            MirrleesOptions {
                truncate: (0.5, 0.4),
                ..ok
            },
            "truncate = (0.5, 0.4)",
        ),
        (
            MirrleesOptions {
                truncate: (0.0, 1.0),
                ..ok
            },
            "truncate = (0, 1)",
        ),
        (
            MirrleesOptions {
                truncate: (-0.1, 0.9),
                ..ok
            },
            "truncate = (-0.1, 0.9)",
        ),
        (
            MirrleesOptions {
                truncate: (f64::NAN, 0.9),
                ..ok
            },
            "truncate = (NaN, 0.9)",
        ),
        (MirrleesOptions { damping: 0.0, ..ok }, "damping = 0"),
        (MirrleesOptions { damping: 1.5, ..ok }, "damping = 1.5"),
        (MirrleesOptions { tol: 0.0, ..ok }, "tol = 0"),
        (
            MirrleesOptions {
                tol: f64::NAN,
                ..ok
            },
            "tol = NaN",
        ),
        (MirrleesOptions { max_iter: 0, ..ok }, "max_iter = 0"),
    ];
    for (o, want) in bad {
        let err = o.validate().unwrap_err().to_string();
        assert!(err.contains(want), "{err}");
        let err = message(solve_mirrlees(&LOGNORMAL, 0.5, &LOG, &o));
        assert!(err.contains(want), "{err}");
    }
    for e in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let err = message(solve_mirrlees(&LOGNORMAL, e, &LOG, &ok));
        assert!(err.contains(&format!("elasticity = {e}")), "{err}");
    }
    // A lognormal truncated at q_lo = 0 would put a skill at 0.
    let err = message(solve_mirrlees(&LOGNORMAL, 0.5, &LOG, &truncated(0.0, 0.99)));
    assert!(err.contains("truncate") && err.contains("skill 0"), "{err}");
    // ... while Pareto is bounded below.
    assert!(solve_mirrlees(&PARETO4, 0.5, &LOG, &truncated(0.0, 0.99)).is_ok());
    let err = message(solve_mirrlees(
        &LOGNORMAL,
        0.5,
        &Swf::EqualityTimesProductivity {
            aie_correction: false,
        },
        &ok,
    ));
    assert!(err.contains("not of the form mean Psi(u)"), "{err}");
    let err = message(solve_mirrlees(
        &LOGNORMAL,
        0.5,
        &Swf::Atkinson { epsilon: -1.0 },
        &ok,
    ));
    assert!(err.contains("eps = -1"), "{err}");
    // Non-convergence carries the iteration count and the last change.
    let err = message(solve_mirrlees(
        &LOGNORMAL,
        0.5,
        &LOG,
        &MirrleesOptions { max_iter: 3, ..ok },
    ));
    assert!(
        err.contains("after 3 iterations") && err.contains("did not converge"),
        "{err}"
    );
}

#[test]
fn no_bracket_schedule_beats_the_mirrlees_optimum() {
    use walras_tax::{Population, TaxEconomy, Utility};
    // The same truncated lognormal economy: the unrestricted optimum bounds every bracket
    // schedule from above (up to quadrature error), and brackets beat a flat tax.
    let dist = SkillDistribution::Lognormal {
        mu: 0.0,
        sigma: 0.5,
    };
    let swf = Swf::Atkinson { epsilon: 1.0 };
    let (lo, hi) = (0.001, 0.999);
    let nonlinear = solve_mirrlees(&dist, 0.5, &swf, &MirrleesOptions::default()).unwrap();
    let m = 20_000;
    let skills = (0..m)
        .map(|i| dist.quantile(lo + (hi - lo) * (i as f64 + 0.5) / m as f64))
        .collect();
    let pop = Population::equal_weights(skills).unwrap();
    let utility = Utility::QuasiLinear { elasticity: 0.5 };
    let flat_economy = TaxEconomy::new(pop.clone(), utility, swf, vec![0.0]).unwrap();
    let (flat, _) = flat_economy
        .optimize(&[0.2], &flat_economy.optimizer())
        .unwrap();
    let cutoffs = walras_tax::quantile_cutoffs(&pop, &utility, 5).unwrap();
    let economy = TaxEconomy::new(pop, utility, swf, cutoffs).unwrap();
    let (brackets, _) = economy.optimize(&[0.2; 5], &economy.optimizer()).unwrap();
    assert!(
        brackets.swf >= flat.swf - 1e-9,
        "brackets {} < flat {}",
        brackets.swf,
        flat.swf
    );
    assert!(
        brackets.swf <= nonlinear.swf + 1e-4,
        "brackets {} beat Mirrlees {}",
        brackets.swf,
        nonlinear.swf
    );
}
