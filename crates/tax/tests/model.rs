//! Tests of the tax model against statutory tables, brute force and the theory's optima.

use walras_core::{adjoint_gradients, solve, tangent, PolicyOptimizer, SolverOptions};
use walras_tax::{
    choose, outcome, taxes_at_cutoffs, BracketSchedule, Choice, LaborSupply, Population,
    PowerChoices, SkillDistribution, Swf, TaxEconomy, TaxError, Utility,
};

fn tight() -> SolverOptions {
    SolverOptions {
        tol: 1e-13,
        ..SolverOptions::default()
    }
}

#[test]
fn us_federal_2018_tax_owed_at_a_table_of_incomes() {
    // Tax at each threshold from the 2018 single-filer rate schedule (IRS Rev. Proc. 2018-18).
    let us = BracketSchedule::us_federal_2018();
    for (income, owed) in [
        (0.0, 0.0),
        (-5_000.0, 0.0),
        (5_000.0, 500.0),
        (9_525.0, 952.50),
        (38_700.0, 4_453.50),
        (82_500.0, 14_089.50),
        (157_500.0, 32_089.50),
        (200_000.0, 45_689.50),
        (500_000.0, 150_689.50),
        (1_000_000.0, 335_689.50),
    ] {
        assert!(
            (us.tax(income) - owed).abs() < 1e-9,
            "{income}: {} vs {owed}",
            us.tax(income)
        );
    }
    assert_eq!(
        us.marginal_rate(9_525.0),
        0.12,
        "a cutoff belongs to the upper bracket"
    );
    assert_eq!(us.marginal_rate(9_524.99), 0.10);
    // The AI Economist's scaling: 2019 thresholds / 1000 (Rev. Proc. 2018-57: 970 USD at 9,700).
    assert!((BracketSchedule::aie_us_federal().tax(9.7) - 0.97).abs() < 1e-12);
}

#[test]
fn malformed_schedules_are_rejected_naming_the_value() {
    let cases = [
        (vec![0.0, 10.0, 5.0], vec![0.1, 0.2, 0.3], "cutoff 2 = 5"),
        (
            vec![0.0, 10.0, 10.0],
            vec![0.1, 0.2, 0.3],
            "strictly increasing",
        ),
        (vec![1.0, 10.0], vec![0.1, 0.2], "first cutoff must be 0"),
        (vec![0.0, 10.0], vec![0.1, 1.2], "1.2"),
        (vec![0.0, 10.0], vec![-0.1, 0.2], "-0.1"),
        (vec![0.0, f64::NAN], vec![0.1, 0.2], "NaN"),
        (vec![0.0, 10.0], vec![0.1], "2 cutoffs but 1 rates"),
    ];
    for (cutoffs, rates, needle) in cases {
        let err = BracketSchedule::new("x", cutoffs, rates).unwrap_err();
        assert!(matches!(err, TaxError::InvalidSchedule(_)));
        assert!(err.to_string().contains(needle), "{err}");
    }
}

/// Best utility over a fine labour grid, for comparison with the exact solver.
fn brute_force(utility: &Utility, n: f64, g: f64, cutoffs: &[f64], rates: &[f64]) -> f64 {
    let s = BracketSchedule::new("x", cutoffs.to_vec(), rates.to_vec()).unwrap();
    (0..=400_000)
        .map(|i| {
            let l = i as f64 * 2.5e-5;
            let z = n * l;
            utility.value(z - s.tax(z) + g, l)
        })
        .fold(f64::NEG_INFINITY, f64::max)
}

#[test]
fn exact_agent_choice_beats_a_fine_grid_and_bunches_at_kinks() {
    let cutoffs = [0.0, 1.0, 2.0];
    let rates = [0.1, 0.6, 0.3]; // a non-convex budget set: the top bracket is cheaper
    for utility in [
        Utility::QuasiLinear { elasticity: 0.5 },
        Utility::CoinMinusLabor {
            kappa: 0.5,
            power: 2.5,
        },
        Utility::Isoelastic {
            eta: 0.5,
            kappa: 0.8,
        },
        Utility::Isoelastic {
            eta: 1.0,
            kappa: 0.8,
        },
    ] {
        for n in [0.3, 0.9, 1.2, 1.6, 2.5, 4.0] {
            let g = 0.2;
            let choice = choose(&utility, LaborSupply::Continuous, n, g, &cutoffs, &rates);
            let exact = outcome(
                &utility,
                choice,
                n,
                g,
                &cutoffs,
                &rates,
                &taxes_at_cutoffs(&cutoffs, &rates),
            )
            .utility;
            let grid = brute_force(&utility, n, g, &cutoffs, &rates);
            assert!(
                exact >= grid - 1e-9,
                "{utility:?}, n = {n}: exact {exact} < grid {grid}"
            );
            assert!(
                exact - grid < 1e-4,
                "{utility:?}, n = {n}: exact {exact} vs grid {grid}"
            );
        }
    }
    // Quasi-linear, e = 1: z = (1 - tau) n^2 in bracket 0 would be 0.9 * 1.1^2 = 1.089 > 1, and
    // 0.4 * 1.21 = 0.484 < 1 in bracket 1: the agent bunches at the cutoff.
    let ql = Utility::QuasiLinear { elasticity: 1.0 };
    assert_eq!(
        choose(
            &ql,
            LaborSupply::Continuous,
            1.1,
            0.0,
            &[0.0, 1.0],
            &[0.1, 0.6]
        ),
        Choice::Kink(1)
    );
    assert_eq!(
        choose(
            &ql,
            LaborSupply::Continuous,
            0.5,
            0.0,
            &[0.0, 1.0],
            &[0.1, 0.6]
        ),
        Choice::Interior(0)
    );
}

#[test]
fn integer_hours_match_enumeration() {
    let utility = Utility::CoinMinusLabor {
        kappa: 0.05,
        power: 2.0,
    };
    let s = BracketSchedule::aie_us_federal();
    for n in [1.0, 2.0, 3.0] {
        let choice = choose(
            &utility,
            LaborSupply::IntegerHours { min: 1, max: 100 },
            n,
            1.0,
            s.cutoffs(),
            s.rates(),
        );
        let Choice::Hours(h) = choice else {
            panic!("{choice:?}")
        };
        let u = |h: u32| {
            let z = n * h as f64;
            utility.value(z - s.tax(z) + 1.0, h as f64)
        };
        assert!(
            (1..=100).all(|k| u(h) >= u(k)),
            "n = {n}: {h} hours is not the best"
        );
    }
}

fn pareto_economy(m: usize, swf: Swf, cutoffs: Vec<f64>) -> TaxEconomy {
    let pop = SkillDistribution::Pareto {
        alpha: 4.0,
        min: 1.0,
    }
    .population(m)
    .unwrap();
    TaxEconomy::new(pop, Utility::QuasiLinear { elasticity: 1.0 }, swf, cutoffs).unwrap()
}

#[test]
fn utilitarian_optimum_has_zero_rates() {
    // Quasi-linear utility: redistribution is worthless and every rate only distorts.
    // Every bracket holds agents (incomes start at n_min^2 = 1), so no rate is a pure lump sum.
    let economy = pareto_economy(2_000, Swf::Utilitarian, vec![0.0, 1.5, 2.5, 4.0, 8.0]);
    let (best, report) = economy
        .optimize(&[0.2; 5], &PolicyOptimizer::new())
        .unwrap();
    assert!(best.rates.iter().all(|r| *r < 1e-9), "{:?}", best.rates);
    assert!(best.transfer.abs() < 1e-9);
    assert!(report.projected_gradient_norm <= 1e-9);
}

#[test]
fn rawlsian_optimum_is_flat_at_the_theory_rate() {
    // Quasi-linear e = 1, Pareto alpha = 4: T' = (1 + e)/(1 + e + e alpha) = 1/3 and
    // G = tau (1 - tau) E[n^2] = 4/9 (spec section 6).
    let economy = pareto_economy(20_000, Swf::Rawls, vec![0.0, 1.0, 1.5, 2.5, 4.0]);
    let (best, _) = economy
        .optimize(&[0.2; 5], &PolicyOptimizer::new())
        .unwrap();
    for r in &best.rates {
        assert!((r - 1.0 / 3.0).abs() < 0.005, "{:?}", best.rates);
    }
    assert!(
        (best.transfer - 4.0 / 9.0).abs() < 0.01,
        "{}",
        best.transfer
    );
}

#[test]
fn implicit_gradients_match_finite_differences_of_resolves() {
    let pop = Population::new(
        (0..150).map(|i| 0.5 + 0.03 * i as f64).collect(),
        (0..150).map(|i| 1.0 + (i % 3) as f64).collect(),
    )
    .unwrap();
    for (utility, swf) in [
        (Utility::QuasiLinear { elasticity: 0.7 }, Swf::InverseIncome),
        (
            Utility::Isoelastic {
                eta: 0.6,
                kappa: 0.5,
            },
            Swf::Utilitarian,
        ),
        (
            Utility::CoinMinusLabor {
                kappa: 0.4,
                power: 2.2,
            },
            Swf::EqualityTimesProductivity {
                aie_correction: false,
            },
        ),
    ] {
        let economy = TaxEconomy::new(pop.clone(), utility, swf, vec![0.0, 1.3, 2.5])
            .unwrap()
            .with_optimized_cutoffs(true)
            .unwrap();
        let p = economy.policy_from_rates(&[0.15, 0.3, 0.4]);
        let sol = solve(&economy, &p, None, &tight()).unwrap();
        let all: Vec<usize> = (0..p.len()).collect();
        let grad = adjoint_gradients(&economy, &sol.x, &p, &[0], &all).unwrap();
        let dg = tangent(&economy, &sol.x, &p, &all).unwrap();
        let h = 1e-6;
        for j in 0..p.len() {
            let eval = |v: f64| {
                let mut q = p.clone();
                q[j] = v;
                let s = solve(&economy, &q, None, &tight()).unwrap();
                (
                    walras_core::autodiff::objective_values(&economy, &[0], &s.x, &q)[0],
                    s.x[0],
                )
            };
            let (wu, gu) = eval(p[j] + h);
            let (wd, gd) = eval(p[j] - h);
            let fd = (wu - wd) / (2.0 * h);
            let ad = grad.gradients[(0, j)];
            assert!(
                (ad - fd).abs() <= 1e-6 * fd.abs().max(1e-2),
                "{utility:?} {swf:?} dW/dp{j}: {ad} vs {fd}"
            );
            let fd_g = (gu - gd) / (2.0 * h);
            assert!(
                (dg[(0, j)] - fd_g).abs() <= 1e-6 * fd_g.abs().max(1e-2),
                "dG/dp{j}: {} vs {fd_g}",
                dg[(0, j)]
            );
        }
    }
}

#[test]
fn income_effects_make_the_transfer_a_genuine_fixed_point() {
    let pop = SkillDistribution::Lognormal {
        mu: 0.0,
        sigma: 0.5,
    }
    .population(500)
    .unwrap();
    let economy = TaxEconomy::new(
        pop,
        Utility::Isoelastic {
            eta: 0.8,
            kappa: 0.6,
        },
        Swf::Utilitarian,
        vec![0.0, 1.0, 2.0],
    )
    .unwrap();
    let e = economy
        .evaluate("test", &[0.2, 0.3, 0.4], &tight())
        .unwrap();
    let revenue: f64 = e.agents.iter().map(|a| a.tax * a.weight).sum::<f64>()
        / economy.population().total_weight();
    assert!((e.transfer - revenue).abs() < 1e-12, "budget balance");
    assert!(e.transfer > 0.0);
    // Adding up: mean consumption = mean income (revenue is rebated).
    let mean_c: f64 = e.agents.iter().map(|a| a.consumption).sum::<f64>() / 500.0;
    assert!((mean_c - e.productivity).abs() < 1e-12);
}

#[test]
fn bad_parameters_and_specs_are_clear_errors() {
    assert!("pareto:alpha=4,min=1".parse::<SkillDistribution>().is_ok());
    for (spec, needle) in [
        ("pareto:alpha=4", "missing parameter `min`"),
        ("pareto:alpha=-1,min=1", "alpha"),
        ("pareto:alpha=x,min=1", "`x` is not a number"),
        ("gamma:k=1", "unknown distribution `gamma`"),
        (
            "lognormal:mu=0,sigma=0.5,beta=1",
            "unknown parameter `beta`",
        ),
        ("pareto:alpha", "not key=value"),
    ] {
        let err = spec.parse::<SkillDistribution>().unwrap_err();
        assert!(err.to_string().contains(needle), "{spec}: {err}");
    }
    for (spec, needle) in [
        ("atkinson", "missing parameter `eps`"),
        ("power:k=-1", "k"),
        ("maxmin", "unknown SWF"),
        ("rawls:x=1", "no parameters"),
    ] {
        let err = spec.parse::<Swf>().unwrap_err();
        assert!(err.to_string().contains(needle), "{spec}: {err}");
    }
    assert!(Utility::QuasiLinear { elasticity: 0.0 }.validate().is_err());
    assert!(Utility::QuasiLinear {
        elasticity: f64::NAN
    }
    .validate()
    .is_err());
    assert!(Population::new(vec![1.0, -2.0], vec![1.0, 1.0])
        .unwrap_err()
        .to_string()
        .contains("agent 1"));
    assert!(Population::new(vec![1.0, 2.0], vec![1.0, f64::NAN])
        .unwrap_err()
        .to_string()
        .contains("NaN"));
    assert!(matches!(
        Population::new(vec![], vec![]),
        Err(TaxError::EmptySample(_))
    ));
    let pop = Population::equal_weights(vec![1.0, 2.0]).unwrap();
    assert!(TaxEconomy::new(
        pop,
        Utility::QuasiLinear { elasticity: 1.0 },
        Swf::Utilitarian,
        vec![0.0, 2.0, 1.0]
    )
    .is_err());
}

#[test]
fn normal_quantile_inverts_the_cdf() {
    for q in [1e-10, 1e-4, 0.01, 0.02425, 0.3, 0.5, 0.77, 0.99, 1.0 - 1e-9] {
        let x = walras_tax::normal_quantile(q);
        assert!(
            (walras_tax::normal_cdf(x) - q).abs() < 1e-14 * q.max(1e-3) + 1e-16,
            "q = {q}"
        );
    }
    assert!((walras_tax::normal_quantile(0.975) - 1.959963984540054).abs() < 1e-13);
}

#[test]
fn distributions_quantile_cdf_and_pdf_agree() {
    for dist in [
        SkillDistribution::Pareto {
            alpha: 4.0,
            min: 1.0,
        },
        SkillDistribution::Lognormal {
            mu: 0.2,
            sigma: 0.6,
        },
        SkillDistribution::LognormalPareto {
            mu: 0.0,
            sigma: 0.5,
            alpha: 2.5,
            tail: 0.9,
        },
    ] {
        for q in [0.01, 0.3, 0.5, 0.89, 0.95, 0.999] {
            let n = dist.quantile(q);
            assert!((dist.cdf(n) - q).abs() < 1e-12, "{dist:?} q = {q}");
            // The density is the derivative of the CDF.
            let h = 1e-6 * n;
            let fd = (dist.cdf(n + h) - dist.cdf(n - h)) / (2.0 * h);
            assert!(
                (dist.pdf(n) - fd).abs() < 1e-6 * fd.max(1.0),
                "{dist:?} pdf at {n}: {} vs {fd}",
                dist.pdf(n)
            );
        }
    }
}

#[test]
fn power_weight_optimum_follows_the_closed_form_at_bracket_midpoints() {
    // Quasi-linear e = 1, Pareto alpha = 4, weights ((alpha + k)/alpha) n^-k with k = 1:
    // T'/(1 - T') = ((1 + e)/(e alpha)) (1 - n^-k) (spec section 6).
    let (e, alpha, k) = (1.0, 4.0, 1.0);
    let formula = |n: f64| {
        let x = (1.0 + e) / (e * alpha) * (1.0 - n.powf(-k));
        x / (1.0 + x)
    };
    // The spec's values at n = 1, 1.5, 2, 4.
    for (n, tau) in [(1.0, 0.0), (1.5, 0.1429), (2.0, 0.2), (4.0, 0.2727)] {
        assert!((formula(n) - tau).abs() < 1e-4);
    }
    let cutoffs = vec![0.0, 1.2, 1.6, 2.2, 3.2, 5.0, 9.0];
    let economy = pareto_economy(50_000, Swf::PowerWeights { k }, cutoffs.clone());
    let (best, _) = economy.optimize(&[0.2; 7], &economy.optimizer()).unwrap();
    let in_bracket = |b: usize| -> Vec<f64> {
        best.agents
            .iter()
            .map(|a| a.income)
            .filter(|&z| z >= cutoffs[b] && cutoffs.get(b + 1).is_none_or(|&m| z < m))
            .collect()
    };
    for b in 0..7 {
        let incomes = in_bracket(b);
        if (incomes.len() as f64) < 0.01 * best.agents.len() as f64 {
            continue; // a nearly empty bracket is not pinned down
        }
        // The midpoint of the part of the bracket that agents occupy.
        let lo = incomes.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = incomes.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let z_mid = 0.5 * (lo + hi);
        // The skill whose interior choice is z_mid: z = n^(1+e) (1 - tau)^e.
        let n = (z_mid / (1.0 - best.rates[b]).powf(e)).powf(1.0 / (1.0 + e));
        assert!(
            (best.rates[b] - formula(n)).abs() < 0.01,
            "bracket {b}: rate {} vs formula {} at n = {n} (rates {:?})",
            best.rates[b],
            formula(n),
            best.rates
        );
    }
}

#[test]
fn fast_power_choices_equal_the_generic_solver() {
    let cutoffs = [0.0, 0.7, 1.5, 2.0, 4.0];
    for rates in [
        [0.1, 0.6, 0.3, 0.45, 0.2],
        [0.0, 0.0, 0.0, 0.0, 0.0],
        [0.3, 0.3, 0.3, 0.3, 0.3],
        [0.05, 0.2, 0.35, 0.5, 0.65],
    ] {
        for utility in [
            Utility::QuasiLinear { elasticity: 0.7 },
            Utility::CoinMinusLabor {
                kappa: 0.3,
                power: 2.5,
            },
        ] {
            let (kappa, p) = utility.power_form().unwrap();
            let taxes = taxes_at_cutoffs(&cutoffs, &rates);
            let fast = PowerChoices::new(kappa, p, 0.25, &cutoffs, &rates, &taxes);
            for i in 0..2_000 {
                let n = 0.2 + 0.003 * i as f64;
                let generic = choose(&utility, LaborSupply::Continuous, n, 0.25, &cutoffs, &rates);
                let quick = fast.choose(n.powf(p / (p - 1.0)), n.powf(-p));
                if generic != quick {
                    // Only an exact tie may differ; then both give the same utility.
                    let u = |c| outcome(&utility, c, n, 0.25, &cutoffs, &rates, &taxes).utility;
                    assert!(
                        (u(generic) - u(quick)).abs() < 1e-12,
                        "{utility:?} {rates:?} n = {n}: {generic:?} vs {quick:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn skills_inverted_from_earnings_reproduce_the_earnings() {
    // Earnings observed under US 2018; recover skills, then let the agents choose under the
    // same schedule with no transfer: they earn what they earned (away from kinks).
    let us = BracketSchedule::us_federal_2018();
    let incomes = [
        0.0, -500.0, 5_000.0, 20_000.0, 60_000.0, 120_000.0, 300_000.0, 800_000.0,
    ];
    let (pop, floored) = walras_tax::skills_from_earnings(&incomes, None, 0.5, &us).unwrap();
    assert_eq!(floored, 2);
    let ql = Utility::QuasiLinear { elasticity: 0.5 };
    let taxes = taxes_at_cutoffs(us.cutoffs(), us.rates());
    for (i, &z) in incomes.iter().enumerate().skip(2) {
        let n = pop.skills()[i];
        let c = choose(
            &ql,
            LaborSupply::Continuous,
            n,
            0.0,
            us.cutoffs(),
            us.rates(),
        );
        let got = outcome(&ql, c, n, 0.0, us.cutoffs(), us.rates(), &taxes).income;
        assert!((got - z).abs() < 1e-6 * z, "{z}: {got}");
    }
    assert!(pop.skills()[0] < 1e-2 * pop.skills()[2]);
    assert!(walras_tax::skills_from_earnings(&[-1.0, 0.0], None, 0.5, &us).is_err());
}

#[test]
fn aie_one_step_skills_are_sorted_bounded_and_reproducible() {
    let a = walras_tax::aie_one_step_skills(10, 1_000, 7).unwrap();
    let b = walras_tax::aie_one_step_skills(10, 1_000, 7).unwrap();
    assert_eq!(a, b);
    let s = a.skills();
    assert!(s.windows(2).all(|w| w[0] <= w[1]));
    assert!(s[0] >= 1.0 && s[9] <= 3.0);
    assert!(walras_tax::aie_one_step_skills(0, 10, 1).is_err());
}

#[test]
fn quantile_cutoffs_split_the_population_evenly() {
    let pop = SkillDistribution::Pareto {
        alpha: 4.0,
        min: 1.0,
    }
    .population(1_000)
    .unwrap();
    let c =
        walras_tax::quantile_cutoffs(&pop, &Utility::QuasiLinear { elasticity: 1.0 }, 4).unwrap();
    assert_eq!(c.len(), 4);
    // Laissez-faire income n^2: the quartiles of Pareto(4) skills squared.
    for (k, m) in c.iter().enumerate().skip(1) {
        let q = k as f64 / 4.0;
        let want = (1.0 - q).powf(-0.5);
        assert!((m - want).abs() < 0.01 * want, "cutoff {k}: {m} vs {want}");
    }
}

#[test]
fn integer_hours_optimum_improves_on_its_start_and_the_free_market() {
    // The objective jumps when an agent changes hours, so the economy switches to a
    // derivative-free search; it must still never end below where it started.
    let pop = walras_tax::aie_one_step_skills(10, 1_000, 3).unwrap();
    let utility = Utility::parse("coin-minus-labor:kappa=0.05,power=2", 1.0).unwrap();
    let economy = TaxEconomy::new(
        pop,
        utility,
        Swf::EqualityTimesProductivity {
            aie_correction: true,
        },
        BracketSchedule::aie_us_federal().cutoffs().to_vec(),
    )
    .unwrap()
    .with_labor(LaborSupply::IntegerHours { min: 1, max: 100 })
    .unwrap();
    let start = [0.1; 7];
    let (best, report) = economy.optimize(&start, &economy.optimizer()).unwrap();
    let at_start = economy.evaluate("start", &start, &tight()).unwrap();
    let free = economy.evaluate("free", &[0.0; 7], &tight()).unwrap();
    assert!(
        best.swf >= at_start.swf && best.swf >= free.swf,
        "{} vs {} / {}",
        best.swf,
        at_start.swf,
        free.swf
    );
    assert!(
        report.projected_gradient_norm.is_nan() && report.termination.starts_with("Nelder-Mead")
    );
    assert!(best
        .agents
        .iter()
        .all(|a| matches!(a.choice, Choice::Hours(1..=100))));
    assert!(Utility::parse("cobb-douglas", 1.0).is_err());
    assert!(Utility::parse("isoelastic:eta=2,kappa=1", 1.0).is_err());
}

#[test]
fn aggregation_by_regime_equals_visiting_every_agent() {
    // Unsorted skills, unequal weights, schedules with rising and falling rates and optimised
    // cutoffs: revenue, every SWF and its implicit gradient agree with the per-agent path, and
    // second derivatives (hyper-dual numbers) too.
    use walras_core::num_dual::HyperDual64;
    use walras_core::{Equilibrium, Welfare};
    let m = 3_000;
    let skills: Vec<f64> = (0..m)
        .map(|i| 0.4 + 4.0 * ((i * 7_919) % m) as f64 / m as f64)
        .collect();
    let weights: Vec<f64> = (0..m).map(|i| 0.5 + (i % 5) as f64).collect();
    let pop = Population::new(skills, weights).unwrap();
    let swfs = [
        Swf::Utilitarian,
        Swf::Rawls,
        Swf::PowerWeights { k: 1.5 },
        Swf::Atkinson { epsilon: 1.0 },
        Swf::Atkinson { epsilon: 2.0 },
        Swf::InverseIncome,
        Swf::EqualityTimesProductivity {
            aie_correction: true,
        },
    ];
    let utilities = [
        Utility::QuasiLinear { elasticity: 0.5 },
        Utility::CoinMinusLabor {
            kappa: 0.3,
            power: 2.5,
        },
    ];
    let schedules = [
        [0.1, 0.25, 0.35, 0.45],
        [0.5, 0.2, 0.4, 0.1],
        [0.0, 0.0, 0.9, 0.3],
    ];
    for utility in utilities {
        for swf in swfs {
            let fast = TaxEconomy::new(pop.clone(), utility, swf, vec![0.0, 0.8, 2.0, 5.0])
                .unwrap()
                .with_optimized_cutoffs(true)
                .unwrap();
            let slow = fast.clone().with_aggregation(false);
            for rates in schedules {
                let p = fast.policy_from_rates(&rates);
                let sol = solve(&slow, &p, None, &tight()).unwrap();
                let x = sol.x.clone();
                let (mut rf, mut rs) = ([0.0], [0.0]);
                fast.residual(&x, &p, &mut rf);
                slow.residual(&x, &p, &mut rs);
                assert!(
                    (rf[0] - rs[0]).abs() < 1e-10,
                    "{swf:?} residual {rf:?} vs {rs:?}"
                );
                let (wf, ws) = (fast.objective(0, &x, &p), slow.objective(0, &x, &p));
                assert!(
                    (wf - ws).abs() <= 1e-10 * ws.abs().max(1.0),
                    "{utility:?} {swf:?} {rates:?}: W {wf} vs {ws}"
                );
                let all: Vec<usize> = (0..p.len()).collect();
                let gf = adjoint_gradients(&fast, &x, &p, &[0], &all).unwrap();
                let gs = adjoint_gradients(&slow, &x, &p, &[0], &all).unwrap();
                for j in 0..p.len() {
                    let (a, b) = (gf.gradients[(0, j)], gs.gradients[(0, j)]);
                    assert!(
                        (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                        "{utility:?} {swf:?} {rates:?}: dW/dp{j} {a} vs {b}"
                    );
                }
                // d2W/dtau_1 dtau_3 at fixed transfer.
                let hyper = |e: &TaxEconomy| {
                    let mut q: Vec<HyperDual64> = p.iter().map(|&v| HyperDual64::from(v)).collect();
                    q[0] = HyperDual64::new(p[0], 1.0, 0.0, 0.0);
                    q[2] = HyperDual64::new(p[2], 0.0, 1.0, 0.0);
                    e.objective(0, &[HyperDual64::from(x[0])], &q)
                };
                let (hf, hs) = (hyper(&fast), hyper(&slow));
                assert!(
                    (hf.re - hs.re).abs() <= 1e-10 * hs.re.abs().max(1.0)
                        && (hf.eps1eps2 - hs.eps1eps2).abs() <= 1e-8 * hs.eps1eps2.abs().max(1.0),
                    "{utility:?} {swf:?} {rates:?}: hyper-dual {hf:?} vs {hs:?}"
                );
            }
        }
    }
}
