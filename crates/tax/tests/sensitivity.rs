//! Comparative statics of the planner's optimum, against central differences of full
//! re-optimisations with every parameter shifted.

use walras_core::{Criterion, Parametric, PolicyOptimizer, StaticsOptions};
use walras_tax::{sensitivity, LaborSupply, SkillDistribution, Swf, TaxEconomy, Utility};

/// Three brackets, power-weighted SWF, Pareto skills on a quantile grid.
fn economy(rate_max: f64) -> TaxEconomy {
    let skills = SkillDistribution::Pareto {
        alpha: 3.0,
        min: 1.0,
    };
    let pop = skills.population(200).unwrap();
    TaxEconomy::new(
        pop,
        Utility::QuasiLinear { elasticity: 0.5 },
        Swf::PowerWeights { k: 1.0 },
        vec![0.0, 0.8, 1.6],
    )
    .unwrap()
    .with_rate_bounds(0.0, rate_max)
    .unwrap()
    .with_skill_distribution(skills)
    .unwrap()
}

/// The optimum to a tight tolerance: (policy, transfer, welfare).
fn optimum(e: &TaxEconomy, start: &[f64]) -> (Vec<f64>, f64, f64) {
    let best = PolicyOptimizer::new()
        .with_pg_tol(1e-12)
        .unwrap()
        .polished()
        .maximize(e, &Criterion::Single(0), start, None, None)
        .unwrap();
    (best.policy, best.x[0], best.value)
}

/// Checks the statics of `e`'s optimum (from `start`) against central differences of
/// re-optimised economies: the largest relative error of the policies' derivatives.
fn check_against_reoptimisations(e: &TaxEconomy, start: &[f64]) -> f64 {
    let (p, g, w) = optimum(e, start);
    let s = sensitivity(e, &p, g, &StaticsOptions::default()).unwrap();
    assert!(
        s.bound.iter().all(Option::is_none),
        "{:?} at {p:?}",
        s.bound
    );
    assert!((s.welfare - w).abs() < 1e-9 * w.abs().max(1.0));
    let theta = e.parameter_values();
    let mut worst: f64 = 0.0;
    for k in 0..theta.len() {
        let h = 1e-4 * theta[k].abs().max(1.0);
        let shifted = |sign: f64| {
            let mut t = theta.clone();
            t[k] += sign * h;
            optimum(&e.with_parameter_values(&t).unwrap(), &p)
        };
        let (up, down) = (shifted(1.0), shifted(-1.0));
        // Derivatives below a hundredth of the column's largest are compared on that scale.
        let fds: Vec<f64> = (0..p.len())
            .map(|i| (up.0[i] - down.0[i]) / (2.0 * h))
            .collect();
        let scale = 1e-2 * fds.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
        for (i, fd) in fds.iter().enumerate() {
            let err = (s.jacobian[(i, k)] - fd).abs() / fd.abs().max(scale).max(1e-12);
            worst = worst.max(err);
            assert!(
                err < 1e-4,
                "d {}/d {}: {} vs finite differences {fd}",
                s.policies[i],
                s.parameters[k],
                s.jacobian[(i, k)]
            );
        }
        if s.parameters[k] == "swf:eps" {
            // Atkinson welfare changes units with eps: no derivative is reported.
            assert!(s.welfare_jacobian[k].is_nan());
            continue;
        }
        let fd_w = (up.2 - down.2) / (2.0 * h);
        let err_w = (s.welfare_jacobian[k] - fd_w).abs() / fd_w.abs().max(1e-6);
        assert!(
            err_w < 1e-5,
            "dW/d {}: {} vs {fd_w}",
            s.parameters[k],
            s.welfare_jacobian[k]
        );
    }
    // The envelope theorem: at an interior optimum the policy's response adds nothing.
    assert!(s.envelope_gap < 1e-7, "envelope gap {}", s.envelope_gap);
    worst
}

#[test]
fn optimal_rates_and_welfare_match_reoptimised_economies() {
    let e = economy(0.99);
    let theta = e.parameter_values();
    assert_eq!(
        (0..theta.len())
            .map(|k| e.parameter_name(k))
            .collect::<Vec<_>>(),
        ["elasticity", "swf:k", "skills:alpha", "skills:min"]
    );
    let worst = check_against_reoptimisations(&e, &[0.2, 0.2, 0.2]);
    eprintln!("power weights, Pareto skills: largest relative error {worst:.2e}");
}

#[test]
fn log_welfare_coin_minus_labour_and_lognormal_skills() {
    let skills = SkillDistribution::Lognormal {
        mu: 0.0,
        sigma: 0.6,
    };
    let e = TaxEconomy::new(
        skills.population(150).unwrap(),
        Utility::CoinMinusLabor {
            kappa: 0.5,
            power: 2.5,
        },
        Swf::Atkinson { epsilon: 1.0 },
        vec![0.0, 0.7, 1.5],
    )
    .unwrap()
    .with_skill_distribution(skills)
    .unwrap();
    let s_names: Vec<String> = (0..e.n_parameters()).map(|k| e.parameter_name(k)).collect();
    assert_eq!(
        s_names,
        ["elasticity", "swf:eps", "skills:mu", "skills:sigma"]
    );
    let worst = check_against_reoptimisations(&e, &[0.2, 0.3, 0.3]);
    eprintln!("log SWF, lognormal skills: largest relative error {worst:.2e}");
}

#[test]
fn inverse_income_weights_with_a_pareto_tail() {
    let skills = SkillDistribution::LognormalPareto {
        mu: 0.0,
        sigma: 0.5,
        alpha: 2.5,
        tail: 0.9,
    };
    let e = TaxEconomy::new(
        skills.population(200).unwrap(),
        Utility::QuasiLinear { elasticity: 0.3 },
        Swf::InverseIncome,
        vec![0.0, 1.0, 2.0, 4.0],
    )
    .unwrap()
    .with_skill_distribution(skills)
    .unwrap();
    let worst = check_against_reoptimisations(&e, &[0.2; 4]);
    eprintln!("inverse-income SWF, lognormal-Pareto skills: largest relative error {worst:.2e}");
}

#[test]
fn a_binding_rate_cap_has_derivative_zero_and_is_flagged() {
    let e = economy(0.3);
    let (p, g, _) = optimum(&e, &[0.2, 0.2, 0.2]);
    let s = sensitivity(&e, &p, g, &StaticsOptions::default()).unwrap();
    let capped: Vec<usize> = (0..p.len()).filter(|&i| s.bound[i].is_some()).collect();
    assert!(!capped.is_empty(), "no rate at the cap 0.3: {p:?}");
    for &i in &capped {
        assert!((p[i] - 0.3).abs() < 1e-9);
        assert!(s.jacobian.row(i).iter().all(|v| *v == 0.0));
    }
}

#[test]
fn the_same_values_rebuild_the_same_economy_and_bad_values_are_errors() {
    let e = economy(0.99);
    let same = e.with_parameter_values(&e.parameter_values()).unwrap();
    let policy = [0.1, 0.3, 0.4];
    let a = e.evaluate("a", &policy, &Default::default()).unwrap();
    let b = same.evaluate("b", &policy, &Default::default()).unwrap();
    assert!((a.swf - b.swf).abs() < 1e-12 && (a.transfer - b.transfer).abs() < 1e-12);
    // A Pareto tail index at or below 1 has an infinite mean.
    let err = e
        .with_parameter_values(&[0.5, 1.0, 0.9, 1.0])
        .unwrap_err()
        .to_string();
    assert!(err.contains("alpha"), "{err}");
    let err = e.with_parameter_values(&[0.5]).unwrap_err().to_string();
    assert!(err.contains("need 4 values"), "{err}");
}

#[test]
fn whole_hours_and_income_effects_are_clear_errors() {
    let hours = economy(0.99)
        .with_labor(LaborSupply::IntegerHours { min: 0, max: 40 })
        .unwrap();
    let err = sensitivity(&hours, &[0.1, 0.2, 0.3], 0.0, &StaticsOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("continuous labour"), "{err}");
    let pop = SkillDistribution::Pareto {
        alpha: 3.0,
        min: 1.0,
    }
    .population(50)
    .unwrap();
    let iso = TaxEconomy::new(
        pop,
        Utility::Isoelastic {
            eta: 0.5,
            kappa: 0.1,
        },
        Swf::Utilitarian,
        vec![0.0, 1.0],
    )
    .unwrap();
    let err = sensitivity(&iso, &[0.1, 0.2], 1.0, &StaticsOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("c - kappa l^p"), "{err}");
}

#[test]
fn skills_that_are_not_the_grid_are_refused() {
    let pop = SkillDistribution::Pareto {
        alpha: 3.0,
        min: 1.0,
    }
    .population(50)
    .unwrap();
    let e = TaxEconomy::new(
        pop,
        Utility::QuasiLinear { elasticity: 0.5 },
        Swf::Utilitarian,
        vec![0.0, 1.0],
    )
    .unwrap();
    let other = SkillDistribution::Lognormal {
        mu: 0.0,
        sigma: 0.5,
    };
    let err = e.with_skill_distribution(other).unwrap_err().to_string();
    assert!(err.contains("quantile grid"), "{err}");
}
