//! Comparative statics of trade policies in the elasticities against central differences of
//! full re-solves.

mod common;

use std::sync::Arc;

use common::{calibrate, io_economy};
use walras_core::{Equilibrium, Parametric, SolverOptions, StaticsOptions, Welfare};
use walras_trade::{
    nash_near, nash_with, sensitivity, Baseline, Exercise, InstrumentSet, NashMethod,
    ResponseDynamics, Structure, TradeModel,
};

fn tight() -> SolverOptions {
    SolverOptions {
        tol: 1e-13,
        ..SolverOptions::default()
    }
}

fn sector_tariffs() -> InstrumentSet {
    InstrumentSet {
        tariffs: Some(Structure::Sector),
        ..InstrumentSet::default()
    }
}

/// The Nash war's policy and welfare on `base`, started from `start`.
fn war(base: Arc<Baseline>, start: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let model = TradeModel::new(base, sector_tariffs()).unwrap();
    let (r, ..) = nash_with(
        &model,
        NashMethod::Stacked,
        1e-12,
        start,
        tight(),
        ResponseDynamics::default(),
        |_| {},
    )
    .unwrap();
    let welfare = (0..model.n_objectives())
        .map(|n| model.objective(n, &r.x, &r.policy))
        .collect();
    (r.policy, welfare)
}

/// The baseline with parameter k (theta by sector, then psi by sector) shifted by `h`.
fn shifted(base: &Baseline, k: usize, h: f64) -> Arc<Baseline> {
    let mut b = base.clone();
    let nj = b.sectors.len();
    if k < nj {
        b.sectors[k].theta += h;
    } else {
        b.sectors[k - nj].psi += h;
    }
    Arc::new(b)
}

#[test]
fn the_residual_with_the_baselines_parameters_is_the_residual() {
    let model = TradeModel::new(calibrate(io_economy()), sector_tariffs()).unwrap();
    let p: Vec<f64> = model.baseline_policy().iter().map(|v| v + 0.05).collect();
    let x = walras_core::solve(&model, &p, None, &tight()).unwrap().x;
    let x: Vec<f64> = x.iter().map(|v| v * 1.01).collect();
    let theta = model.parameter_values();
    assert_eq!(theta.len(), 6, "theta and psi for 3 sectors");
    let (mut plain, mut with) = (vec![0.0; x.len()], vec![0.0; x.len()]);
    model.residual(&x, &p, &mut plain);
    model.residual_with(&x, &p, &theta, &mut with);
    for (a, b) in plain.iter().zip(&with) {
        assert!((a - b).abs() <= 1e-13 * (1.0 + a.abs()), "{a} vs {b}");
    }
    assert_eq!(model.parameter_name(0), "theta:goods1");
    assert_eq!(model.parameter_name(5), "psi:services");
}

#[test]
fn nash_tariffs_and_welfare_respond_to_elasticities_as_re_solved_wars_do() {
    let base = calibrate(io_economy());
    let model = TradeModel::new(base.clone(), sector_tariffs()).unwrap();
    let start = vec![0.2; model.policy_space().len()];
    let (policy, _) = war(base.clone(), &start);
    let x = walras_core::solve(&model, &policy, None, &tight())
        .unwrap()
        .x;
    let s = sensitivity(
        &model,
        &Exercise::Nash,
        &policy,
        &x,
        None,
        &StaticsOptions::default(),
    )
    .unwrap();
    assert_eq!(s.policies[0], "tariff:A:goods1");
    assert_eq!(s.jacobian.shape(), (6, 6));
    assert_eq!(s.welfare_jacobian.shape(), (3, 6));
    assert!(s.bound.iter().all(Option::is_none), "an interior war");
    assert!(
        s.envelope_gap < 1e-8,
        "envelope theorem: {}",
        s.envelope_gap
    );
    // psi of services is 0 (no scale economies there): skip nothing, it is a parameter too.
    let mut worst: f64 = 0.0;
    for k in 0..6 {
        let h = 1e-4 * model.parameter_values()[k].max(1.0);
        let (up, w_up) = war(shifted(&base, k, h), &policy);
        let (down, w_down) = war(shifted(&base, k, -h), &policy);
        let scale = s.jacobian.column(k).amax().max(1e-3);
        for i in 0..6 {
            let fd = (up[i] - down[i]) / (2.0 * h);
            worst = worst.max((s.jacobian[(i, k)] - fd).abs() / scale);
        }
        let w_scale = s.welfare_jacobian.column(k).amax().max(1e-6);
        for n in 0..3 {
            let fd = (w_up[n] - w_down[n]) / (2.0 * h);
            worst = worst.max((s.welfare_jacobian[(n, k)] - fd).abs() / w_scale);
        }
    }
    assert!(worst <= 1e-4, "largest relative error {worst:e}");
}

#[test]
fn a_unilateral_optimum_and_a_cooperative_optimum_have_statics_too() {
    let base = calibrate(io_economy());
    let model = TradeModel::new(base, sector_tariffs()).unwrap();
    let policy = model.baseline_policy();
    let x = walras_core::solve(&model, &policy, None, &tight())
        .unwrap()
        .x;
    // At the baseline (not an optimum) the statics still solve the linear system: only the
    // shapes and names are checked here; the re-solve comparison is in the test above.
    let s = sensitivity(
        &model,
        &Exercise::Optimal { country: 1 },
        &policy,
        &x,
        None,
        &StaticsOptions::default(),
    )
    .unwrap();
    assert_eq!(s.policies, vec!["tariff:B:goods1", "tariff:B:goods2"]);
    let s = sensitivity(
        &model,
        &Exercise::Cooperate(walras_core::Aggregation::SumOfLogs),
        &policy,
        &x,
        None,
        &StaticsOptions::default(),
    )
    .unwrap();
    assert_eq!(s.policies.len(), 6);
}

/// A war on shifted elasticities, started from the first-order prediction with the base war's
/// exact first-order Jacobian (what `walras trade uncertainty` does for each draw), is the war
/// a cold solve finds.
#[test]
fn a_war_near_a_solved_one_starts_from_its_statics_and_is_the_cold_war() {
    let base = calibrate(io_economy());
    let model = TradeModel::new(base.clone(), sector_tariffs()).unwrap();
    let start = vec![0.2; model.policy_space().len()];
    let (policy, _) = war(base.clone(), &start);
    let x = walras_core::solve(&model, &policy, None, &tight())
        .unwrap()
        .x;
    let s = sensitivity(
        &model,
        &Exercise::Nash,
        &policy,
        &x,
        None,
        &StaticsOptions::default(),
    )
    .unwrap();
    assert_eq!(s.foc_jacobian.shape(), (6, 6));
    for k in [0, 2] {
        let h = 0.05 * model.parameter_values()[k];
        let shifted_base = shifted(&base, k, h);
        let mut prediction = policy.clone();
        for (r, &i) in s.policy_indices.iter().enumerate() {
            prediction[i] += s.jacobian[(r, k)] * h;
        }
        let near_model = TradeModel::new(shifted_base.clone(), sector_tariffs()).unwrap();
        let near = nash_near(
            &near_model,
            1e-12,
            &prediction,
            tight(),
            &s.policy_indices,
            &s.foc_jacobian,
            Some(&x),
        )
        .unwrap();
        let (cold, _) = war(shifted_base, &start);
        for (a, b) in near.policy.iter().zip(&cold) {
            assert!((a - b).abs() < 1e-8, "parameter {k}: {a} vs cold {b}");
        }
    }
}
