//! Degenerate and hostile inputs: wrong units, huge incomes, samples without spread, absurd
//! parameters and optimisers that stop early.

use walras_core::{PolicyOptimizer, SolverOptions};
use walras_tax::{
    aie_binned_saez, check_saez_rates, check_saez_sample, skills_from_earnings, BracketSchedule,
    LaborSupply, Population, SaezWeights, SkillDistribution, Swf, TaxEconomy, TaxError, Utility,
    AIE_US_FEDERAL_CUTOFFS, US_FEDERAL_2018_CUTOFFS,
};

fn err_text<T: std::fmt::Debug>(r: Result<T, TaxError>) -> String {
    r.expect_err("an error").to_string()
}

/// Case 1 (units): converting incomes and the inversion schedule to thousands of USD is the
/// same economy in another unit: skills scale by 1000^(-1/(1+e)), so the agents' choices and
/// every bracket they fall in are unchanged.
#[test]
fn incomes_in_thousands_with_cutoffs_in_thousands_is_the_same_economy() {
    let e = 0.5;
    let incomes = [
        0.0, 4_000.0, 12_000.0, 30_000.0, 95_000.0, 250_000.0, 900_000.0,
    ];
    let usd = BracketSchedule::us_federal_2018();
    let thousands = BracketSchedule::new(
        "US 2018 in thousands",
        US_FEDERAL_2018_CUTOFFS
            .iter()
            .map(|m| m / 1_000.0)
            .collect(),
        usd.rates().to_vec(),
    )
    .unwrap();
    let scaled: Vec<f64> = incomes.iter().map(|z| z / 1_000.0).collect();
    let (a, _) = skills_from_earnings(&incomes, None, e, &usd).unwrap();
    let (b, _) = skills_from_earnings(&scaled, None, e, &thousands).unwrap();
    let k = 1_000f64.powf(-1.0 / (1.0 + e));
    for (i, (na, nb)) in a.skills().iter().zip(b.skills()).enumerate().skip(1) {
        assert!(
            (nb / (na * k) - 1.0).abs() < 1e-12,
            "agent {i}: {na} vs {nb}"
        );
    }
    // The same rates on both economies: incomes scale by exactly 1/1000.
    let rates = usd.rates().to_vec();
    let ea = TaxEconomy::new(
        a,
        Utility::QuasiLinear { elasticity: e },
        Swf::Utilitarian,
        usd.cutoffs().to_vec(),
    )
    .unwrap();
    let eb = TaxEconomy::new(
        b,
        Utility::QuasiLinear { elasticity: e },
        Swf::Utilitarian,
        thousands.cutoffs().to_vec(),
    )
    .unwrap();
    let (va, vb) = (
        ea.evaluate("usd", &rates, &SolverOptions::default())
            .unwrap(),
        eb.evaluate("k", &rates, &SolverOptions::default()).unwrap(),
    );
    assert!((vb.productivity * 1_000.0 / va.productivity - 1.0).abs() < 1e-9);
    assert!(
        (vb.gini - va.gini).abs() < 1e-9,
        "{} vs {}",
        vb.gini,
        va.gini
    );
}

/// Case 2 (huge incomes): statistics stay finite for the largest incomes the loaders accept
/// (1e12), and a statistic that cannot be computed is reported with a reason.
#[test]
fn huge_incomes_give_finite_statistics_and_undefined_ones_carry_a_reason() {
    let incomes = [5_000.0, 20_000.0, 40_000.0, 1e12];
    let (pop, _) =
        skills_from_earnings(&incomes, None, 0.5, &BracketSchedule::us_federal_2018()).unwrap();
    let economy = TaxEconomy::new(
        pop,
        Utility::QuasiLinear { elasticity: 0.5 },
        Swf::InverseIncome,
        US_FEDERAL_2018_CUTOFFS.to_vec(),
    )
    .unwrap();
    let e = economy
        .evaluate(
            "us",
            BracketSchedule::us_federal_2018().rates(),
            &SolverOptions::default(),
        )
        .unwrap();
    for (k, v) in [
        ("gini", e.gini),
        ("equality", e.equality),
        ("eq x prod", e.equality_times_productivity),
        ("productivity", e.productivity),
        ("swf", e.swf),
        ("transfer", e.transfer),
    ] {
        assert!(v.is_finite(), "{k} = {v}");
    }
    assert!(e.undefined_statistics().is_empty());
    let mut broken = e.clone();
    broken.productivity = 0.0;
    broken.gini = f64::NAN;
    broken.equality = f64::NAN;
    broken.equality_times_productivity = f64::NAN;
    let undefined = broken.undefined_statistics();
    let keys: Vec<&str> = undefined.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, ["gini", "equality", "equality_times_productivity"]);
    assert!(
        undefined[0].1.contains("mean consumption is zero"),
        "{undefined:?}"
    );
}

/// Case 3 (no spread): all-zero, all-negative, single-row and identical samples are refused;
/// brackets without incomes get no rate, while the AI Economist port keeps its numbers.
#[test]
fn saez_samples_without_spread_are_refused_and_empty_brackets_get_no_rate() {
    for (name, incomes) in [
        ("all zero", vec![0.0, 0.0, 0.0]),
        ("all negative", vec![-5.0, -3.0]),
        ("single row", vec![42.0]),
        ("identical", vec![30.0, 30.0, 30.0, 30.0]),
    ] {
        let text = err_text(check_saez_sample(&incomes, None));
        assert!(
            text.contains("two distinct positive incomes"),
            "{name}: {text}"
        );
    }
    // Positive weight matters: a second income with weight 0 adds no spread.
    assert!(check_saez_sample(&[10.0, 20.0], Some(&[1.0, 0.0])).is_err());
    assert!(check_saez_sample(&[10.0, 20.0, -1.0], None).is_ok());

    // Incomes only in brackets 2 and 3 of the AI Economist's cutoffs.
    let incomes = [12.0, 20.0, 25.0, 41.0, 60.0, 80.0];
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
    // The reference estimator makes up a top rate of ~1 with no income above the top cutoff.
    assert!(est.rates[6] > 0.999, "{:?}", est.rates);
    let checked = check_saez_rates(&est.rates, &incomes, None, &AIE_US_FEDERAL_CUTOFFS);
    assert_eq!(checked.empty_brackets, [0, 3, 4, 5, 6]);
    assert_eq!(checked.rates[1], Some(est.rates[1]));
    assert_eq!(checked.rates[2], Some(est.rates[2]));
    for b in [0, 3, 4, 5, 6] {
        assert_eq!(checked.rates[b], None, "bracket {b}");
        assert!(checked.notes[b].as_ref().unwrap().contains("no incomes"));
    }
    assert_eq!(checked.counts, [0.0, 3.0, 3.0, 0.0, 0.0, 0.0, 0.0]);
}

/// Case 4 (degenerate problems): absurd elasticities, infinite-mean skills and zero hours are
/// errors naming the parameter.
#[test]
fn degenerate_parameters_are_errors_naming_the_parameter() {
    for e in [1e308, 10.5, 0.0, -1.0, f64::NAN, f64::INFINITY] {
        let text = err_text(Utility::QuasiLinear { elasticity: e }.validate());
        assert!(
            text.contains("elasticity") && text.contains("[0.001, 10]"),
            "{e}: {text}"
        );
    }
    assert!(Utility::QuasiLinear { elasticity: 10.0 }.validate().is_ok());
    let text = err_text(Utility::parse("coin-minus-labor:kappa=1,power=1.0001", 1.0));
    assert!(text.contains("power"), "{text}");
    for spec in [
        "pareto:alpha=0.5,min=1",
        "pareto:alpha=1,min=1",
        "lognormal-pareto:mu=0,sigma=0.5,alpha=1,tail=0.9",
    ] {
        let text = err_text(spec.parse::<SkillDistribution>());
        assert!(
            text.contains("alpha") && text.contains("infinite"),
            "{spec}: {text}"
        );
    }
    let pop = SkillDistribution::Pareto {
        alpha: 4.0,
        min: 1.0,
    }
    .population(20)
    .unwrap();
    let economy = TaxEconomy::new(
        pop,
        Utility::CoinMinusLabor {
            kappa: 0.05,
            power: 2.0,
        },
        Swf::Utilitarian,
        vec![0.0, 10.0],
    )
    .unwrap();
    for (min, max) in [(0, 0), (5, 2)] {
        let text = err_text(
            economy
                .clone()
                .with_labor(LaborSupply::IntegerHours { min, max }),
        );
        assert!(
            text.contains("hours") && text.contains("max >= 1"),
            "{text}"
        );
    }
    assert!(economy
        .with_labor(LaborSupply::IntegerHours { min: 0, max: 1 })
        .is_ok());
    // A population cannot carry non-finite skills either.
    assert!(Population::equal_weights(vec![1.0, f64::INFINITY]).is_err());
}

/// Case 5 (early stop): an optimiser that runs out of iterations says so and is labelled not
/// converged; one that meets its tolerance is labelled converged.
#[test]
fn an_optimiser_that_stops_early_is_labelled_not_converged() {
    let pop = SkillDistribution::Pareto {
        alpha: 4.0,
        min: 1.0,
    }
    .population(500)
    .unwrap();
    let economy = TaxEconomy::new(
        pop,
        Utility::QuasiLinear { elasticity: 1.0 },
        Swf::Rawls,
        vec![0.0, 1.5, 3.0],
    )
    .unwrap();
    let start = economy.policy_from_rates(&[0.05, 0.05, 0.05]);
    let strict = PolicyOptimizer::new()
        .with_pg_tol(1e-12)
        .unwrap()
        .with_stall_tol(1e3)
        .unwrap()
        .with_max_iter(1)
        .unwrap();
    let early = economy.optimize_checked(&start, &strict).unwrap();
    assert!(!early.converged);
    assert!(
        early.stop_reason.contains("Maximum number of iterations")
            && early.stop_reason.contains("projected-gradient norm"),
        "{}",
        early.stop_reason
    );
    let full = economy
        .optimize_checked(&start, &economy.optimizer())
        .unwrap();
    assert!(full
        .evaluation
        .rates
        .iter()
        .all(|r| (0.0..=1.0).contains(r)));
    assert_eq!(
        full.converged,
        full.report.projected_gradient_norm <= economy.optimizer().pg_tol()
            || full.report.termination == "Solver converged",
        "{:?}",
        full.report
    );
    assert!(!full.stop_reason.is_empty());
}
