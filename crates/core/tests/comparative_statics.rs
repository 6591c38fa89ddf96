//! Comparative statics of Nash and optimal policies against closed forms and re-solves.

use walras_core::fixtures::{symmetric_nash_tariff, ArmingtonTariffGame, Cournot};
use walras_core::{
    comparative_statics, objective_response, players_from_blocks, solve, Bound, Parametric, Player,
    SolverOptions, StaticsOptions, WithParameters,
};

fn statics_at<M: Parametric>(
    model: &M,
    players: &[Player],
    policy: &[f64],
) -> (
    walras_core::ComparativeStatics,
    walras_core::ObjectiveResponse,
) {
    let x = solve(model, policy, None, &SolverOptions::default())
        .unwrap()
        .x;
    let aug = WithParameters::new(model).unwrap();
    let p = aug.extend(policy);
    let s = comparative_statics(
        &aug,
        players,
        &p,
        &x,
        &aug.parameter_indices(),
        &StaticsOptions::default(),
    )
    .unwrap();
    let objectives: Vec<usize> = (0..model.n_objectives()).collect();
    let w = objective_response(&aug, &p, &x, &objectives, &s).unwrap();
    (s, w)
}

#[test]
fn cournot_nash_quantities_respond_to_demand_as_the_closed_form_says() {
    // q_i = (a - (n+1) c_i + sum c) / ((n+1) b): dq_i/da = 1 / ((n+1) b), dq_i/db = -q_i / b;
    // profit_i = b q_i^2, so dprofit_i/da = 2 q_i / (n+1) and dprofit_i/db = -q_i^2.
    let (a, b) = (10.0, 2.0);
    let market = Cournot::new(a, b, vec![1.0, 2.0, 1.5]).unwrap();
    let q = market.nash_quantities();
    let players = players_from_blocks(walras_core::Equilibrium::policy_space(&market));
    let (s, w) = statics_at(&market, &players, &q);
    let n = 3.0;
    for (i, qi) in q.iter().enumerate() {
        assert!((s.jacobian[(i, 0)] - 1.0 / ((n + 1.0) * b)).abs() < 1e-10);
        assert!((s.jacobian[(i, 1)] + qi / b).abs() < 1e-10);
        assert!((w.total[(i, 0)] - 2.0 * qi / (n + 1.0)).abs() < 1e-9);
        assert!((w.total[(i, 1)] + qi * qi).abs() < 1e-9);
        // Envelope theorem: a firm's own quantity contributes nothing.
        let own: Vec<bool> = (0..3).map(|k| k == i).collect();
        let envelope = w.envelope(&s, i, &own);
        assert!((envelope[0] - w.total[(i, 0)]).abs() < 1e-9);
        assert!((envelope[1] - w.total[(i, 1)]).abs() < 1e-9);
    }
    assert!(s.bound.iter().all(Option::is_none) && s.flat_directions.is_empty());
    assert!(s.condition_number.is_finite() && s.condition_number >= 1.0);
}

#[test]
fn a_firm_at_its_bound_is_held_there_and_flagged() {
    // Firm 3's cost is so high that its Nash quantity is 0 (a corner): its derivative is 0, the
    // others play the two-firm game, whose closed form gives dq/da = 1 / (3 b).
    let market = Cournot::new(10.0, 1.0, vec![1.0, 1.0, 9.5]).unwrap();
    let two = Cournot::new(10.0, 1.0, vec![1.0, 1.0]).unwrap();
    let mut q = two.nash_quantities();
    q.push(0.0);
    let players = players_from_blocks(walras_core::Equilibrium::policy_space(&market));
    let (s, _) = statics_at(&market, &players, &q);
    assert_eq!(s.bound, vec![None, None, Some(Bound::Lower)]);
    assert!(
        !s.switching[2],
        "firm 3 strictly prefers 0: its bound is strongly active"
    );
    assert_eq!(s.jacobian[(2, 0)], 0.0);
    assert!((s.jacobian[(0, 0)] - 1.0 / 3.0).abs() < 1e-10);
    // At a cost where the corner is just reached (a - 3 c3 + sum c = 0 with n = 3), the
    // bound's multiplier is 0: weakly active, flagged as switching.
    let edge = Cournot::new(10.0, 1.0, vec![1.0, 1.0, 4.0]).unwrap();
    let mut q = Cournot::new(10.0, 1.0, vec![1.0, 1.0])
        .unwrap()
        .nash_quantities();
    q.push(0.0);
    let (s, _) = statics_at(&edge, &players, &q);
    assert_eq!(s.bound[2], Some(Bound::Lower));
    assert!(s.switching[2]);
}

#[test]
fn the_symmetric_nash_tariff_moves_with_theta_as_its_closed_form() {
    // Central differences of the closed-form root (bisection to machine precision).
    let (theta, tau) = (4.0, 1.5);
    let game = ArmingtonTariffGame::symmetric(theta, tau);
    let t = symmetric_nash_tariff(theta, tau);
    let players = players_from_blocks(walras_core::Equilibrium::policy_space(&game));
    let (s, w) = statics_at(&game, &players, &[t, t]);
    let h = 1e-5;
    let fd =
        (symmetric_nash_tariff(theta + h, tau) - symmetric_nash_tariff(theta - h, tau)) / (2.0 * h);
    assert!(fd < 0.0, "a larger elasticity lowers the Nash tariff");
    for i in 0..2 {
        assert!(
            (s.jacobian[(i, 0)] - fd).abs() <= 1e-6 * fd.abs(),
            "{} vs {fd}",
            s.jacobian[(i, 0)]
        );
    }
    // Welfare: central differences of full re-solves at the closed-form Nash tariffs.
    let welfare = |theta: f64| {
        let g = ArmingtonTariffGame::symmetric(theta, tau);
        let t = symmetric_nash_tariff(theta, tau);
        let x = solve(&g, &[t, t], None, &SolverOptions::default())
            .unwrap()
            .x;
        walras_core::Welfare::objective(&g, 0, &x, &[t, t])
    };
    let fd = (welfare(theta + h) - welfare(theta - h)) / (2.0 * h);
    assert!((w.total[(0, 0)] - fd).abs() <= 1e-6 * fd.abs().max(1e-3));
    let envelope = w.envelope(&s, 0, &[true, false]);
    assert!((envelope[0] - w.total[(0, 0)]).abs() <= 1e-8);
}

#[test]
fn a_unilateral_optimum_has_one_player_and_the_envelope_theorem_holds() {
    // Home's optimal tariff given Foreign's at 0.1; the response to theta against central
    // differences of full re-optimisations.
    let (theta, tau) = (4.0, 1.5);
    let optimum = |theta: f64| {
        let g = ArmingtonTariffGame::symmetric(theta, tau);
        let players =
            vec![players_from_blocks(walras_core::Equilibrium::policy_space(&g)).remove(0)];
        walras_core::BestResponse::new()
            .with_tol(1e-10)
            .unwrap()
            .solve(&g, &players, &[0.2, 0.1], |_| {})
            .unwrap()
            .policy
    };
    let game = ArmingtonTariffGame::symmetric(theta, tau);
    let home = vec![players_from_blocks(walras_core::Equilibrium::policy_space(&game)).remove(0)];
    let p = optimum(theta);
    let (s, w) = statics_at(&game, &home, &p);
    assert_eq!(s.instruments, vec![0]);
    let h = 1e-4;
    let fd = (optimum(theta + h)[0] - optimum(theta - h)[0]) / (2.0 * h);
    assert!(
        (s.jacobian[(0, 0)] - fd).abs() <= 1e-4 * fd.abs(),
        "{} vs {fd}",
        s.jacobian[(0, 0)]
    );
    let envelope = w.envelope(&s, 0, &[true]);
    assert!((envelope[0] - w.direct[(0, 0)]).abs() < 1e-15);
    assert!((envelope[0] - w.total[(0, 0)]).abs() < 1e-8);
}

#[test]
fn a_flat_direction_is_reported_not_inverted() {
    // Two identical firms maximising joint profit: only total output is pinned down, so the
    // stacked conditions of one joint player are singular along (1, -1).
    let market = Cournot::new(10.0, 1.0, vec![1.0, 1.0]).unwrap();
    let q = market.collusive_output(1.0) / 2.0;
    let x = solve(&market, &[q, q], None, &SolverOptions::default())
        .unwrap()
        .x;
    let aug = WithParameters::new(&market).unwrap();
    let joint_aug = walras_core::CriterionModel::new(
        &aug,
        walras_core::Criterion::Weighted(vec![(0, 1.0), (1, 1.0)]),
    )
    .unwrap();
    let players = vec![Player {
        name: "cartel".into(),
        indices: vec![0, 1],
        objective: 0,
    }];
    let p = aug.extend(&[q, q]);
    let s = comparative_statics(
        &joint_aug,
        &players,
        &p,
        &x,
        &aug.parameter_indices(),
        &StaticsOptions::default(),
    )
    .unwrap();
    assert_eq!(s.flat_directions.len(), 1);
    let d = &s.flat_directions[0];
    assert!((d[0] + d[1]).abs() < 1e-12 && (d[0].abs() - 0.5f64.sqrt()).abs() < 1e-12);
    // The identified combination, total output Q = (a - c) / (2 b), has dQ/da = 1 / (2 b).
    assert!((s.jacobian[(0, 0)] + s.jacobian[(1, 0)] - 0.5).abs() < 1e-10);
}

/// The first-order conditions' Jacobian the statics keep is Cournot's closed form,
/// dg_i/dq_k = -b (1 + [i = k]) for g_i = a - b Q - b q_i - c_i; started from it, the stacked
/// solver finds the equilibrium of a shifted market (demand intercept +5%).
#[test]
fn the_statics_keep_the_closed_form_foc_jacobian_and_a_nearby_war_starts_from_it() {
    let (a, b) = (10.0, 2.0);
    let market = Cournot::new(a, b, vec![1.0, 2.0, 1.5]).unwrap();
    let q = market.nash_quantities();
    let players = players_from_blocks(walras_core::Equilibrium::policy_space(&market));
    let (s, _) = statics_at(&market, &players, &q);
    for i in 0..3 {
        for k in 0..3 {
            let closed = -b * if i == k { 2.0 } else { 1.0 };
            assert!(
                (s.foc_jacobian[(i, k)] - closed).abs() < 1e-10,
                "dg_{i}/dq_{k} = {} vs {closed}",
                s.foc_jacobian[(i, k)]
            );
        }
    }
    let shifted = Cournot::new(1.05 * a, b, vec![1.0, 2.0, 1.5]).unwrap();
    let nash = walras_core::StackedFoc::new()
        .with_tol(1e-12)
        .unwrap()
        .with_initial_jacobian(s.instruments.clone(), s.foc_jacobian.clone())
        .unwrap()
        .solve(&shifted, &players, &q, |_| {})
        .unwrap();
    for (got, want) in nash.policy.iter().zip(shifted.nash_quantities()) {
        assert!((got - want).abs() < 1e-10, "{got} vs {want}");
    }
    // Linear first-order conditions and their exact Jacobian: one Newton step.
    assert!(nash.rounds <= 2, "{} rounds", nash.rounds);
    let wrong = walras_core::StackedFoc::new()
        .with_initial_jacobian(vec![0, 1], s.foc_jacobian.clone())
        .unwrap_err();
    assert!(wrong.to_string().contains("initial_jacobian"), "{wrong}");
}
