//! Tests of the NFXP engine on the canonical fixtures: inner solvers, implicit gradients against
//! finite differences of full re-solves, the optimiser, Nash and cooperative equilibria, errors.

use walras_core::autodiff::{objective_values, residual_and_jacobian_x};
use walras_core::fixtures::{symmetric_nash_tariff, ArmingtonTariffGame, Cournot, ExchangeEconomy};
use walras_core::{
    adjoint_gradients, cooperate, criterion_gradient, differenced_gradient_jacobian,
    exact_gradient_jacobian, own_curvature, players_from_blocks, solve, tangent, Aggregation,
    BestResponse, Criterion, EngineError, Equilibrium, PolicyOptimizer, PolicySpace, Scalar,
    SolveMethod, SolverOptions, StackedFoc, Strategy, UpdateOrder, Welfare,
};

fn tight() -> SolverOptions {
    SolverOptions {
        tol: 1e-13,
        ..SolverOptions::default()
    }
}

/// Objective values after a full re-solve at `policy`.
fn resolve_objectives<M: Welfare>(model: &M, policy: &[f64]) -> Vec<f64> {
    let sol = solve(model, policy, None, &tight()).unwrap();
    let all: Vec<usize> = (0..model.n_objectives()).collect();
    objective_values(model, &all, &sol.x, policy)
}

fn rel_err(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-2)
}

/// Every objective's adjoint gradient and the tangent dx/dp against central differences of
/// full re-solves.
fn check_gradients<M: Welfare>(model: &M, policy: &[f64]) {
    let m = policy.len();
    let sol = solve(model, policy, None, &tight()).unwrap();
    let objectives: Vec<usize> = (0..model.n_objectives()).collect();
    let wrt: Vec<usize> = (0..m).collect();
    let adj = adjoint_gradients(model, &sol.x, policy, &objectives, &wrt).unwrap();
    let dxdp = tangent(model, &sol.x, policy, &wrt).unwrap();
    let h = 1e-5;
    for j in 0..m {
        let (mut up, mut down) = (policy.to_vec(), policy.to_vec());
        up[j] += h;
        down[j] -= h;
        let (w_up, w_down) = (
            resolve_objectives(model, &up),
            resolve_objectives(model, &down),
        );
        for k in &objectives {
            let fd = (w_up[*k] - w_down[*k]) / (2.0 * h);
            let ad = adj.gradients[(*k, j)];
            assert!(
                rel_err(ad, fd) <= 1e-6,
                "dW{k}/dp{j}: adjoint {ad} vs finite difference {fd}"
            );
        }
        let x_up = solve(model, &up, None, &tight()).unwrap().x;
        let x_down = solve(model, &down, None, &tight()).unwrap().x;
        for i in 0..model.n_unknowns() {
            let fd = (x_up[i] - x_down[i]) / (2.0 * h);
            assert!(
                rel_err(dxdp[(i, j)], fd) <= 1e-6,
                "dx{i}/dp{j}: tangent {} vs {fd}",
                dxdp[(i, j)]
            );
        }
    }
}

#[test]
fn exchange_economy_price_matches_closed_form() {
    let e = ExchangeEconomy::default();
    for t in [-0.5, 0.0, 0.7, 1.5] {
        let sol = solve(&e, &[t], None, &SolverOptions::default()).unwrap();
        assert!(
            (sol.x[0].exp() - e.closed_form_price(t)).abs() < 1e-9,
            "t = {t}"
        );
        assert_eq!(sol.report.method, SolveMethod::Newton);
        assert!(sol.report.residual_inf_norm <= 1e-10);
    }
}

#[test]
fn exchange_price_is_homogeneous_of_degree_zero_in_endowment_scale() {
    let base = ExchangeEconomy::default();
    let scaled = ExchangeEconomy::new(base.alpha, [[4.0, 2.0], [2.0, 6.0]]);
    let a = solve(&base, &[0.0], None, &tight()).unwrap().x[0];
    let b = solve(&scaled, &[0.0], None, &tight()).unwrap().x[0];
    assert!((a - b).abs() < 1e-12);
}

#[test]
fn armington_free_trade_is_symmetric_and_balanced() {
    let g = ArmingtonTariffGame::symmetric(4.0, 1.5);
    let sol = solve(&g, &[0.0, 0.0], None, &tight()).unwrap();
    for (got, want) in sol.x.iter().zip([1.0, 1.0, 1.0]) {
        assert!((got - want).abs() < 1e-12);
    }
    // A tariff raises the imposing country's terms of trade: Foreign's relative wage falls.
    let sol = solve(&g, &[0.2, 0.0], None, &tight()).unwrap();
    assert!(sol.x[0] < 1.0);
    // Adding up: world income = labour income + tariff revenue, and every residual is zero.
    let (f, _) = residual_and_jacobian_x(&g, &sol.x, &[0.2, 0.0]);
    assert!(f.iter().all(|r| r.abs() < 1e-12));
}

#[test]
fn cournot_price_clears_the_market() {
    let c = Cournot::new(10.0, 1.0, vec![1.0, 2.0]).unwrap();
    let sol = solve(&c, &[2.0, 3.0], None, &SolverOptions::default()).unwrap();
    assert!((sol.x[0] - 5.0).abs() < 1e-12);
}

#[test]
fn fixed_point_fallback_alone_solves_every_fixture() {
    let fp = SolverOptions {
        strategy: Strategy::FixedPointOnly,
        tol: 1e-11,
        ..SolverOptions::default()
    };
    let e = ExchangeEconomy::default();
    let a = solve(&e, &[0.3], None, &fp).unwrap();
    assert_eq!(a.report.method, SolveMethod::FixedPoint);
    assert_eq!(a.report.newton_iterations, 0);
    assert!((a.x[0].exp() - e.closed_form_price(0.3)).abs() < 1e-9);

    let g = ArmingtonTariffGame::symmetric(4.0, 1.5);
    let newton = solve(&g, &[0.3, 0.1], None, &tight()).unwrap();
    let fixed = solve(&g, &[0.3, 0.1], None, &fp).unwrap();
    assert_eq!(fixed.report.method, SolveMethod::FixedPoint);
    for (a, b) in newton.x.iter().zip(&fixed.x) {
        assert!((a - b).abs() < 1e-9);
    }

    let c = Cournot::new(10.0, 1.0, vec![1.0, 2.0]).unwrap();
    let s = solve(&c, &[2.0, 3.0], None, &fp).unwrap();
    assert!((s.x[0] - 5.0).abs() < 1e-12);
}

#[test]
fn warm_start_at_the_solution_needs_no_iterations() {
    let g = ArmingtonTariffGame::symmetric(4.0, 1.5);
    let sol = solve(&g, &[0.3, 0.1], None, &tight()).unwrap();
    let again = solve(&g, &[0.3, 0.1], Some(&sol.x), &SolverOptions::default()).unwrap();
    assert_eq!(again.report.method, SolveMethod::InitialGuess);
    assert_eq!(again.report.iterations, 0);
}

/// F(x) = x^3 - 2x + 2: Newton from 0 with a line search stalls at the local minimum of |F|
/// near x = 0.816 (where F' = 0); the fixed-point map x = cbrt(2x - 2) is a contraction at the
/// root x = -1.7693.
struct StallingCubic(PolicySpace);

impl Equilibrium for StallingCubic {
    fn n_unknowns(&self) -> usize {
        1
    }
    fn policy_space(&self) -> &PolicySpace {
        &self.0
    }
    fn initial_guess(&self, _p: &[f64]) -> Vec<f64> {
        vec![0.0]
    }
    fn residual<D: Scalar>(&self, x: &[D], _p: &[D], out: &mut [D]) {
        out[0] = x[0].powi(3) - x[0] * 2.0 + 2.0;
    }
    fn fixed_point_map(&self, x: &[f64], _p: &[f64], out: &mut [f64]) {
        out[0] = (2.0 * x[0] - 2.0).cbrt();
    }
}

#[test]
fn newton_stall_falls_back_to_fixed_point() {
    let model = StallingCubic(PolicySpace::new());
    let newton_only = SolverOptions {
        strategy: Strategy::NewtonOnly,
        ..SolverOptions::default()
    };
    match solve(&model, &[], None, &newton_only) {
        Err(EngineError::NotConverged(report)) => {
            assert_eq!(report.method, SolveMethod::Newton);
            assert!(report.residual_inf_norm > 0.5, "stalled away from the root");
            // It gives up once 5 iterations cut the residual by less than 10%, instead of
            // crawling at the minimum until the line search fails (10 Jacobians and
            // factorisations here; up to 50 in larger models).
            assert!(report.jacobian_evals <= 7, "{report:?}");
        }
        other => panic!("expected a stall, got {other:?}"),
    }
    let sol = solve(&model, &[], None, &SolverOptions::default()).unwrap();
    assert_eq!(sol.report.method, SolveMethod::NewtonThenFixedPoint);
    assert!(sol.report.fixed_point_iterations > 0);
    assert!((sol.x[0] + 1.769_292_354_238_631).abs() < 1e-9);
}

/// x^2 + 1 = 0 has no real root.
struct NoRoot(PolicySpace);

impl Equilibrium for NoRoot {
    fn n_unknowns(&self) -> usize {
        1
    }
    fn policy_space(&self) -> &PolicySpace {
        &self.0
    }
    fn initial_guess(&self, _p: &[f64]) -> Vec<f64> {
        vec![3.0]
    }
    fn residual<D: Scalar>(&self, x: &[D], _p: &[D], out: &mut [D]) {
        out[0] = x[0] * x[0] + 1.0;
    }
}

#[test]
fn non_convergence_is_an_error_carrying_the_report() {
    let opts = SolverOptions {
        max_fixed_point_iter: 50,
        ..SolverOptions::default()
    };
    let err = solve(&NoRoot(PolicySpace::new()), &[], None, &opts).unwrap_err();
    let EngineError::NotConverged(report) = &err else {
        panic!("unexpected {err:?}")
    };
    assert!(report.residual_inf_norm >= 1.0);
    assert!(report.iterations > 0 && report.residual_evals > 0);
    let msg = err.to_string();
    assert!(
        msg.contains("did not converge") && msg.contains("iterations"),
        "{msg}"
    );
}

#[test]
fn bad_options_are_rejected_by_name() {
    let e = ExchangeEconomy::default();
    let cases = [
        (
            SolverOptions {
                tol: 0.0,
                ..Default::default()
            },
            "tol",
        ),
        (
            SolverOptions {
                tol: f64::NAN,
                ..Default::default()
            },
            "tol",
        ),
        (
            SolverOptions {
                damping: 1.5,
                ..Default::default()
            },
            "damping",
        ),
        (
            SolverOptions {
                damping: 0.0,
                ..Default::default()
            },
            "damping",
        ),
        (
            SolverOptions {
                armijo: 0.7,
                ..Default::default()
            },
            "armijo",
        ),
        (
            SolverOptions {
                min_step: 0.0,
                ..Default::default()
            },
            "min_step",
        ),
        (
            SolverOptions {
                anderson_memory: 1000,
                ..Default::default()
            },
            "anderson_memory",
        ),
        (
            SolverOptions {
                max_newton_iter: 0,
                max_fixed_point_iter: 0,
                ..Default::default()
            },
            "max_newton_iter",
        ),
    ];
    for (opts, field) in cases {
        match solve(&e, &[0.0], None, &opts) {
            Err(EngineError::InvalidOption { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: expected InvalidOption, got {other:?}"),
        }
    }
    assert!(PolicyOptimizer::new().with_max_iter(0).is_err());
    assert!(PolicyOptimizer::new().with_memory(0).is_err());
    assert!(BestResponse::new().with_damping(0.0).is_err());
    assert!(BestResponse::new().with_tol(f64::INFINITY).is_err());
    assert!(BestResponse::new().with_max_rounds(0).is_err());
}

#[test]
fn bad_policies_and_shapes_are_rejected() {
    let g = ArmingtonTariffGame::symmetric(4.0, 1.5);
    let err = solve(&g, &[-0.1, 0.0], None, &SolverOptions::default()).unwrap_err();
    assert!(err.to_string().contains("tariff_Home"), "{err}");
    let err = solve(&g, &[f64::NAN, 0.0], None, &SolverOptions::default()).unwrap_err();
    assert!(matches!(err, EngineError::PolicyOutOfBounds { .. }));
    let err = solve(&g, &[0.0], None, &SolverOptions::default()).unwrap_err();
    assert!(matches!(
        err,
        EngineError::DimensionMismatch {
            expected: 2,
            found: 1,
            ..
        }
    ));
    let err = solve(&g, &[0.0, 0.0], Some(&[1.0]), &SolverOptions::default()).unwrap_err();
    assert!(matches!(err, EngineError::DimensionMismatch { .. }));
    let err = solve(
        &g,
        &[0.0, 0.0],
        Some(&[1.0, f64::NAN, 1.0]),
        &SolverOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, EngineError::NonFinite { index: 1, .. }));
    let sol = solve(&g, &[0.0, 0.0], None, &tight()).unwrap();
    assert!(matches!(
        adjoint_gradients(&g, &sol.x, &[0.0, 0.0], &[2], &[0]),
        Err(EngineError::UnknownObjective { index: 2, count: 2 })
    ));
}

#[test]
fn policy_space_rejects_inconsistent_declarations() {
    let mut s = PolicySpace::new();
    assert!(s.push("a", 1.0, 0.0).is_err());
    assert!(s.push("a", f64::NAN, 0.0).is_err());
    s.push("a", 0.0, 1.0).unwrap();
    assert!(s.push("a", 0.0, 1.0).is_err(), "duplicate name");
    s.add_block("p1", vec![0]).unwrap();
    assert!(s.add_block("p2", vec![0]).is_err(), "overlapping blocks");
    assert!(s.add_block("p2", vec![5]).is_err(), "out of range");
    assert!(s.add_block("p2", vec![]).is_err(), "empty");
}

#[test]
fn adjoint_and_tangent_match_finite_differences_of_resolves() {
    check_gradients(&ExchangeEconomy::default(), &[0.4]);
    check_gradients(&ArmingtonTariffGame::symmetric(4.0, 1.5), &[0.3, 0.1]);
    check_gradients(
        &ArmingtonTariffGame::new(3.0, 1.2, [1.0, 2.5]),
        &[0.05, 0.4],
    );
    check_gradients(
        &Cournot::new(10.0, 0.5, vec![1.0, 2.0, 0.5]).unwrap(),
        &[3.0, 2.5, 4.0],
    );
}

#[test]
fn exchange_gradient_matches_closed_form_derivative() {
    let e = ExchangeEconomy::default();
    let t = 0.4;
    let sol = solve(&e, &[t], None, &tight()).unwrap();
    let g = adjoint_gradients(&e, &sol.x, &[t], &[0, 1], &[0]).unwrap();
    let h = 1e-6;
    for k in 0..2 {
        let fd = (e.closed_form_utility(k, t + h) - e.closed_form_utility(k, t - h)) / (2.0 * h);
        assert!(rel_err(g.gradients[(k, 0)], fd) < 1e-7);
        assert!((g.values[k] - e.closed_form_utility(k, t)).abs() < 1e-12);
    }
}

#[test]
fn criterion_gradients_combine_objective_gradients() {
    let g = ArmingtonTariffGame::symmetric(4.0, 1.5);
    let p = [0.2, 0.1];
    let sol = solve(&g, &p, None, &tight()).unwrap();
    let each = adjoint_gradients(&g, &sol.x, &p, &[0, 1], &[0, 1]).unwrap();
    let (v, grad) = criterion_gradient(
        &g,
        &Criterion::Weighted(vec![(0, 2.0), (1, 0.5)]),
        &sol.x,
        &p,
        &[0, 1],
    )
    .unwrap();
    assert!((v - (2.0 * each.values[0] + 0.5 * each.values[1])).abs() < 1e-14);
    for (j, g) in grad.iter().enumerate() {
        let want = 2.0 * each.gradients[(0, j)] + 0.5 * each.gradients[(1, j)];
        assert!((g - want).abs() < 1e-12);
    }
    // Subsets of policy indices give the same columns.
    let (_, only_second) = criterion_gradient(&g, &Criterion::Single(1), &sol.x, &p, &[1]).unwrap();
    assert!((only_second[0] - each.gradients[(1, 1)]).abs() < 1e-14);
}

/// A tridiagonal system declaring its sparsity: x_i - 0.3 sin(x_{i-1}) - 0.2 x_{i+1}^2 = p_i.
struct Chain {
    space: PolicySpace,
    declare_sparsity: bool,
}

impl Chain {
    fn new(n: usize, declare_sparsity: bool) -> Self {
        let mut space = PolicySpace::new();
        for i in 0..n {
            space.push(format!("p{i}"), -1.0, 1.0).unwrap();
        }
        Self {
            space,
            declare_sparsity,
        }
    }
}

impl Equilibrium for Chain {
    fn n_unknowns(&self) -> usize {
        self.space.len()
    }
    fn policy_space(&self) -> &PolicySpace {
        &self.space
    }
    fn initial_guess(&self, _p: &[f64]) -> Vec<f64> {
        vec![0.0; self.n_unknowns()]
    }
    fn residual<D: Scalar>(&self, x: &[D], p: &[D], out: &mut [D]) {
        let n = x.len();
        for i in 0..n {
            let mut r = x[i] - p[i];
            if i > 0 {
                r -= x[i - 1].sin() * 0.3;
            }
            if i + 1 < n {
                r -= x[i + 1].powi(2) * 0.2;
            }
            out[i] = r;
        }
    }
    fn jacobian_sparsity(&self) -> Option<Vec<(usize, usize)>> {
        let n = self.n_unknowns();
        self.declare_sparsity.then(|| {
            (0..n)
                .flat_map(|i| {
                    [i.wrapping_sub(1), i, i + 1]
                        .into_iter()
                        .filter(move |&j| j < n)
                        .map(move |j| (i, j))
                })
                .collect()
        })
    }
}

#[test]
fn coloured_sparse_jacobian_equals_dense() {
    let n = 37;
    let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
    let p = vec![0.1; n];
    let (_, dense) = residual_and_jacobian_x(&Chain::new(n, false), &x, &p);
    let (_, sparse) = residual_and_jacobian_x(&Chain::new(n, true), &x, &p);
    assert!((dense - sparse).abs().max() < 1e-15);
    assert_eq!(
        walras_core::autodiff::colour_columns(n, &Chain::new(n, true).jacobian_sparsity().unwrap())
            .len(),
        3
    );
    let sol = solve(&Chain::new(n, true), &p, None, &tight()).unwrap();
    assert!(sol.report.residual_inf_norm < 1e-13);
}

#[test]
fn optimiser_finds_interior_and_corner_optima() {
    let e = ExchangeEconomy::default();
    let opt = PolicyOptimizer::new();
    // Agent 1 alone: take everything the bounds allow.
    let corner = opt
        .maximize(&e, &Criterion::Single(1), &[0.0], None, None)
        .unwrap();
    assert_eq!(corner.policy[0], e.policy_space().upper()[0]);
    // Equal weights: an interior optimum where the closed-form utilities have zero slope.
    let interior = opt
        .maximize(&e, &Criterion::utilitarian(2), &[0.0], None, None)
        .unwrap();
    let t = interior.policy[0];
    let h = 1e-5;
    let slope = |t: f64| e.closed_form_utility(0, t) + e.closed_form_utility(1, t);
    assert!(((slope(t + h) - slope(t - h)) / (2.0 * h)).abs() < 1e-7);
    assert!(interior.report.projected_gradient_norm <= 1e-9);
    assert!(interior.report.inner_solves >= interior.report.iterations as usize);

    // A monopolist: q = (a - c) / (2b).
    let mono = Cournot::new(10.0, 0.5, vec![2.0]).unwrap();
    let best = opt
        .maximize(&mono, &Criterion::Single(0), &[1.0], None, None)
        .unwrap();
    assert!((best.policy[0] - 8.0).abs() < 1e-8);
}

fn assert_cournot_nash(c: &Cournot, br: BestResponse) {
    let players = players_from_blocks(c.policy_space());
    let want = c.nash_quantities();
    let mut seen = 0;
    let nash = br
        .solve(c, &players, &vec![1.0; c.n_firms()], |_| seen += 1)
        .unwrap();
    assert_eq!(seen, nash.rounds);
    assert_eq!(nash.history.len(), nash.rounds);
    for (q, w) in nash.policy.iter().zip(&want) {
        assert!((q - w).abs() < 1e-8, "{br:?}: {q} vs {w}");
    }
    let last = nash.history.last().unwrap();
    assert!(last.max_policy_change <= 1e-8 && last.max_projected_gradient() <= 1e-8);
}

#[test]
fn cournot_nash_matches_closed_form_under_every_schedule() {
    // Duopoly: best responses have slope -1/2, so plain Jacobi contracts.
    let duopoly = Cournot::new(12.0, 0.8, vec![1.0, 2.0]).unwrap();
    assert_cournot_nash(&duopoly, BestResponse::new());
    assert_cournot_nash(&duopoly, BestResponse::new().with_parallel(false));
    // Four firms: undamped Jacobi oscillates (the summed best-response slope is -3/2), as the
    // theory says; Gauss-Seidel and damped Jacobi (eigenvalues 1 - 2.5d, 1 - 0.5d) converge.
    let four = Cournot::new(12.0, 0.8, vec![1.0, 2.0, 1.5, 0.5]).unwrap();
    assert_cournot_nash(
        &four,
        BestResponse::new().with_update_order(UpdateOrder::GaussSeidel),
    );
    assert_cournot_nash(&four, BestResponse::new().with_damping(0.5).unwrap());
    let undamped = BestResponse::new().with_max_rounds(50).unwrap();
    let players = players_from_blocks(four.policy_space());
    assert!(matches!(
        undamped.solve(&four, &players, &[1.0; 4], |_| {}),
        Err(EngineError::GameNotConverged { rounds: 50, .. })
    ));
}

#[test]
fn armington_nash_tariff_matches_the_formula() {
    // theta = 4, tau = 1.5 gives t = 0.265231 (the Armington oracle of docs/results.md).
    let t = symmetric_nash_tariff(4.0, 1.5);
    assert!((t - 0.265231).abs() < 5e-7);
    let g = ArmingtonTariffGame::symmetric(4.0, 1.5);
    let players = players_from_blocks(g.policy_space());
    for br in [
        BestResponse::new(),
        BestResponse::new().with_update_order(UpdateOrder::GaussSeidel),
    ] {
        let nash = br.solve(&g, &players, &[0.0, 0.0], |_| {}).unwrap();
        assert!(
            (nash.policy[0] - t).abs() < 1e-8 && (nash.policy[1] - t).abs() < 1e-8,
            "{:?}",
            nash.policy
        );
        assert!(nash.inner_solves > nash.rounds);
    }
    for (theta, tau) in [(2.0, 1.0), (6.0, 2.0)] {
        let g = ArmingtonTariffGame::symmetric(theta, tau);
        let nash = BestResponse::new()
            .solve(&g, &players, &[0.1, 0.1], |_| {})
            .unwrap();
        let t = symmetric_nash_tariff(theta, tau);
        assert!(
            (nash.policy[0] - t).abs() < 1e-8,
            "theta {theta} tau {tau}: {} vs {t}",
            nash.policy[0]
        );
    }
}

#[test]
fn cooperation_beats_the_tariff_war() {
    let g = ArmingtonTariffGame::symmetric(4.0, 1.5);
    let players = players_from_blocks(g.policy_space());
    let opt = PolicyOptimizer::new();
    let coop = cooperate(
        &g,
        &players,
        &[1.0, 1.0],
        Aggregation::WeightedSum,
        &[0.3, 0.2],
        &opt,
    )
    .unwrap();
    // Symmetric world welfare is maximised by free trade.
    assert!(
        coop.policy.iter().all(|t| t.abs() < 1e-9),
        "{:?}",
        coop.policy
    );
    let nash = BestResponse::new()
        .solve(&g, &players, &[0.0, 0.0], |_| {})
        .unwrap();
    assert!(coop.value > nash.welfare.iter().sum::<f64>());

    // Collusion in a symmetric Cournot market: industry output (a - c) / (2b).
    let c = Cournot::new(10.0, 1.0, vec![1.0, 1.0, 1.0]).unwrap();
    let cartel = players_from_blocks(c.policy_space());
    for agg in [Aggregation::WeightedSum, Aggregation::SumOfLogs] {
        let coop = cooperate(&c, &cartel, &[1.0; 3], agg, &[2.0; 3], &opt).unwrap();
        let total: f64 = coop.policy.iter().sum();
        assert!(
            (total - c.collusive_output(1.0)).abs() < 1e-7,
            "{agg:?}: {total}"
        );
    }
}

#[test]
fn unfinished_games_are_errors() {
    let c = Cournot::new(12.0, 0.8, vec![1.0, 2.0]).unwrap();
    let players = players_from_blocks(c.policy_space());
    let err = BestResponse::new()
        .with_max_rounds(1)
        .unwrap()
        .solve(&c, &players, &[0.0, 0.0], |_| {})
        .unwrap_err();
    let EngineError::GameNotConverged {
        rounds: 1,
        last,
        residual_history,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(last.max_policy_change > 1e-8);
    let text = err.to_string();
    assert!(
        text.contains("best-response dynamics did not converge in 1 rounds")
            && text.contains("max FOC residual by round: "),
        "{text}"
    );
    assert_eq!(residual_history, &vec![last.max_projected_gradient()]);

    // Where to resume: the round with the smallest residual, for both Nash solvers.
    let damped = BestResponse::new()
        .with_max_rounds(4)
        .unwrap()
        .with_damping(0.3)
        .unwrap()
        .solve(&c, &players, &[0.0, 0.0], |_| {})
        .unwrap_err();
    let stacked = StackedFoc::new()
        .with_max_iter(2)
        .unwrap()
        .solve(&c, &players, &[0.0, 0.0], |_| {})
        .unwrap_err();
    for err in [damped, stacked] {
        let EngineError::GameNotConverged {
            best,
            residual_history,
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        let smallest = residual_history
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        assert_eq!(best.max_projected_gradient(), smallest, "{err}");
    }
}

/// The exchange economy with a hand-written dF/dx that counts its calls.
struct AnalyticExchange {
    inner: ExchangeEconomy,
    calls: std::sync::atomic::AtomicUsize,
}

impl Equilibrium for AnalyticExchange {
    fn n_unknowns(&self) -> usize {
        1
    }
    fn policy_space(&self) -> &PolicySpace {
        self.inner.policy_space()
    }
    fn initial_guess(&self, p: &[f64]) -> Vec<f64> {
        self.inner.initial_guess(p)
    }
    fn residual<D: Scalar>(&self, x: &[D], p: &[D], out: &mut [D]) {
        self.inner.residual(x, p, out)
    }
    fn jacobian_x(&self, x: &[f64], p: &[f64]) -> Option<nalgebra::DMatrix<f64>> {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // d/dx of (sum_h (1 - a_h)(e_h1' + e^x e_h2) e^-x - E2) / E2 = -sum_h (1 - a_h) e_h1' e^-x / E2.
        let e = &self.inner.endowment;
        let a = &self.inner.alpha;
        let e1 = [e[0][0] - p[0], e[1][0] + p[0]];
        let supply = e[0][1] + e[1][1];
        let d = -((1.0 - a[0]) * e1[0] + (1.0 - a[1]) * e1[1]) * (-x[0]).exp() / supply;
        Some(nalgebra::DMatrix::from_element(1, 1, d))
    }
}

#[test]
fn analytic_jacobians_are_used_and_agree_with_dual_numbers() {
    let model = AnalyticExchange {
        inner: ExchangeEconomy::default(),
        calls: Default::default(),
    };
    let sol = solve(&model, &[0.2], None, &tight()).unwrap();
    assert!(model.calls.load(std::sync::atomic::Ordering::Relaxed) >= sol.report.jacobian_evals);
    assert!(sol.report.jacobian_evals > 0);
    let (_, analytic) = residual_and_jacobian_x(&model, &sol.x, &[0.2]);
    let (_, dual) = residual_and_jacobian_x(&model.inner, &sol.x, &[0.2]);
    assert!((analytic[(0, 0)] - dual[(0, 0)]).abs() < 1e-14);
}

#[test]
fn two_country_world_reproduces_the_two_country_game() {
    use walras_core::fixtures::ArmingtonWorld;
    let pair = ArmingtonTariffGame::new(4.0, 1.5, [1.0, 2.0]);
    let world = ArmingtonWorld::new(4.0, vec![1.0, 2.0], vec![vec![1.0, 1.5], vec![1.5, 1.0]]);
    let p = [0.2, 0.35];
    let a = solve(&pair, &p, None, &tight()).unwrap();
    let b = solve(&world, &p, None, &tight()).unwrap();
    for (u, v) in a.x.iter().zip(&b.x) {
        assert!((u - v).abs() < 1e-11, "{:?} vs {:?}", a.x, b.x);
    }
    let ga = adjoint_gradients(&pair, &a.x, &p, &[0, 1], &[0, 1]).unwrap();
    let gb = adjoint_gradients(&world, &b.x, &p, &[0, 1], &[0, 1]).unwrap();
    assert!((ga.gradients - gb.gradients).abs().max() < 1e-10);
}

#[test]
fn many_country_world_gradients_and_symmetric_nash() {
    use walras_core::fixtures::ArmingtonWorld;
    let world = ArmingtonWorld::seeded(5, 5.0, 7);
    let t = [0.1, 0.3, 0.02, 0.2, 0.05];
    check_gradients(&world, &t);
    // Walras' law: the numeraire country's labour market (not among the equations) clears too.
    let sol = solve(&world, &t, None, &tight()).unwrap();
    let theta = 5.0;
    let wage = |i: usize| if i == 0 { 1.0 } else { sol.x[i - 1] };
    let income = &sol.x[4..];
    let mut sales_of_c1 = 0.0;
    for m in 0..5 {
        let price = |i: usize| {
            if i == m {
                wage(i)
            } else {
                wage(i) * world.trade_cost(i, m) * (1.0 + t[m])
            }
        };
        let denom: f64 = (0..5).map(|i| price(i).powf(-theta)).sum();
        let spent = price(0).powf(-theta) / denom * income[m];
        sales_of_c1 += if m == 0 { spent } else { spent / (1.0 + t[m]) };
    }
    assert!(
        (sales_of_c1 - world.labor()[0]).abs() < 1e-10,
        "{sales_of_c1}"
    );
    let n = 4;
    let symmetric = ArmingtonWorld::new(
        4.0,
        vec![1.0; n],
        (0..n)
            .map(|i| (0..n).map(|k| if i == k { 1.0 } else { 1.5 }).collect())
            .collect(),
    );
    let players = players_from_blocks(symmetric.policy_space());
    let nash = BestResponse::new()
        .solve(&symmetric, &players, &vec![0.0; n], |_| {})
        .unwrap();
    for t in &nash.policy {
        assert!((t - nash.policy[0]).abs() < 1e-8, "{:?}", nash.policy);
    }
    // With more trading partners each country's import share is larger, so its tariff
    // differs from the two-country value; it must still be positive and below 1.
    assert!(nash.policy[0] > 0.0 && nash.policy[0] < 1.0);
}

#[test]
fn stall_tolerance_must_not_undercut_the_gradient_tolerance() {
    let opt = PolicyOptimizer::new().with_pg_tol(1e-6).unwrap();
    assert!(opt.clone().with_stall_tol(1e-7).is_err());
    assert!(opt.with_stall_tol(1e-4).is_ok());
}

/// An exhausted iteration budget is an error under the strict default, and accepted when the
/// projected gradient is within the stall tolerance.
#[test]
fn exhausted_budget_is_accepted_only_within_the_stall_tolerance() {
    let e = ExchangeEconomy::default();
    let strict = PolicyOptimizer::new().with_max_iter(1).unwrap();
    let err = strict
        .maximize(&e, &Criterion::utilitarian(2), &[0.0], None, None)
        .unwrap_err();
    assert!(matches!(err, EngineError::OptimizerFailed { .. }), "{err}");
    let EngineError::OptimizerFailed { report, .. } = err else {
        unreachable!()
    };
    let pg = report.projected_gradient_norm;
    assert!(pg > 1e-9, "one iteration should not converge: {pg}");
    let lenient = strict.clone().with_stall_tol(2.0 * pg).unwrap();
    let best = lenient
        .maximize(&e, &Criterion::utilitarian(2), &[0.0], None, None)
        .unwrap();
    assert!(best.report.projected_gradient_norm <= 2.0 * pg);
    let tighter = strict.with_stall_tol(0.5 * pg).unwrap();
    assert!(tighter
        .maximize(&e, &Criterion::utilitarian(2), &[0.0], None, None)
        .is_err());
}

#[test]
fn best_responses_can_stop_on_the_first_order_conditions_alone_and_resume_warm() {
    // A tariff war, damped Gauss-Seidel: welfare is flat near the best response, so the
    // policies still move by more than the FOC residual; a policy tolerance of infinity
    // stops earlier.
    let g = ArmingtonTariffGame::symmetric(4.0, 1.5);
    let players = players_from_blocks(g.policy_space());
    let br = BestResponse::new()
        .with_update_order(UpdateOrder::GaussSeidel)
        .with_damping(0.5)
        .unwrap()
        .with_tol(1e-3)
        .unwrap();
    let both = br.solve(&g, &players, &[0.0; 2], |_| {}).unwrap();
    let foc_only = br
        .clone()
        .with_policy_tol(f64::INFINITY)
        .unwrap()
        .solve(&g, &players, &[0.0; 2], |_| {})
        .unwrap();
    let last = foc_only.history.last().unwrap();
    assert!(last.max_projected_gradient() <= 1e-3);
    assert!(last.max_policy_change > 1e-3, "{}", last.max_policy_change);
    assert!(foc_only.rounds < both.rounds);
    assert!(br.clone().with_policy_tol(0.0).is_err());
    // Resuming from where it stopped, warm, to a tight tolerance: the Nash equilibrium.
    let resumed = br
        .with_tol(1e-9)
        .unwrap()
        .solve_from(&g, &players, &foc_only.policy, Some(&foc_only.x), |_| {})
        .unwrap();
    let t = symmetric_nash_tariff(4.0, 1.5);
    for p in &resumed.policy {
        assert!((p - t).abs() < 1e-7, "{p} vs {t}");
    }
}

#[test]
fn the_work_counter_counts_solves_factorisations_and_gradients() {
    let g = ArmingtonTariffGame::symmetric(4.0, 1.5);
    let work = walras_core::WorkCounter::new();
    let x = walras_core::solve_observed(&g, &[0.1, 0.1], None, &SolverOptions::default(), &work)
        .unwrap()
        .x;
    // The public adjoint_gradients reports to no one: an observed Nash run counts gradients.
    adjoint_gradients(&g, &x, &[0.1, 0.1], &[0], &[0, 1]).unwrap();
    let done = work.snapshot();
    assert_eq!(done.inner_solves, 1.0, "{done:?}");
    assert!(
        done.jacobians >= 1.0 && done.factorizations >= 1.0,
        "{done:?}"
    );
    assert_eq!(done.gradients, 0.0, "{done:?}");
    assert!(done.inner_solve_s > 0.0);
}

#[test]
fn best_responses_that_no_longer_move_stop_early_as_stuck() {
    // A tolerance no residual can reach: once the responses sit at the equilibrium (to the
    // optimiser's accuracy) they return the policies unchanged, and the dynamics stop after a
    // few frozen rounds instead of running to the round limit.
    let duopoly = Cournot::new(12.0, 0.8, vec![1.0, 2.0]).unwrap();
    let players = players_from_blocks(duopoly.policy_space());
    let unreachable = BestResponse::new().with_tol(1e-300).unwrap();
    match unreachable.solve(&duopoly, &players, &[1.0, 1.0], |_| {}) {
        Err(EngineError::GameNotConverged { rounds, last, .. }) => {
            assert!(rounds < 100, "stopped after {rounds} rounds");
            assert_eq!(last.max_policy_change, 0.0);
        }
        other => panic!("expected a stuck game, got {other:?}"),
    }
}

#[test]
fn exact_gradient_jacobian_is_cournot_s_closed_form() {
    // Profit (a - b Q - c_i) q_i: d/dq_k of dpi_i/dq_i = a - b Q - c_i - b q_i is -2b on the
    // diagonal and -b off it, at any quantities.
    let (a, b) = (10.0, 0.5);
    let market = Cournot::new(a, b, vec![1.0, 1.5, 2.0]).unwrap();
    let players = players_from_blocks(market.policy_space());
    let q = [3.0, 2.5, 4.0];
    let price = a - b * q.iter().sum::<f64>();
    let jac = exact_gradient_jacobian(&market, &players, &q, &[price]).unwrap();
    for i in 0..3 {
        for k in 0..3 {
            let expected = if i == k { -2.0 * b } else { -b };
            assert!((jac[(i, k)] - expected).abs() < 1e-13, "({i}, {k}): {jac}");
        }
    }
    // Players and shapes are checked.
    let mut twice = players.clone();
    twice[1].indices = vec![0];
    assert!(exact_gradient_jacobian(&market, &twice, &q, &[price]).is_err());
    assert!(exact_gradient_jacobian(&market, &players, &q[..2], &[price]).is_err());
    assert!(exact_gradient_jacobian(&market, &players, &q, &[price, 1.0]).is_err());
    assert!(differenced_gradient_jacobian(&market, &players, &q, &[price], 0.0).is_err());
}

#[test]
fn exact_gradient_jacobian_matches_differences_of_resolved_gradients_and_own_curvature() {
    use walras_core::fixtures::ArmingtonWorld;
    // Nonlinear in x and p: a five-country Armington world away from any symmetry; more
    // indices (5) than one hyper-dual pass carries would need, so passes are also padded.
    let world = ArmingtonWorld::seeded(5, 5.0, 7);
    let t = [0.1, 0.3, 0.02, 0.2, 0.05];
    let players = players_from_blocks(world.policy_space());
    let sol = solve(&world, &t, None, &tight()).unwrap();
    let jac = exact_gradient_jacobian(&world, &players, &t, &sol.x).unwrap();
    // One instrument per player here: row/column i is player i's tariff.
    let objectives: Vec<usize> = players.iter().map(|p| p.objective).collect();
    let wrt: Vec<usize> = players.iter().map(|p| p.indices[0]).collect();
    let owner: Vec<usize> = (0..players.len()).collect();
    // Column k: central differences, in p_k, of every owner's adjoint gradient at full
    // re-solves.
    let own_gradients = |policy: &[f64]| -> Vec<f64> {
        let x = solve(&world, policy, None, &tight()).unwrap().x;
        let g = adjoint_gradients(&world, &x, policy, &objectives, &wrt).unwrap();
        (0..wrt.len()).map(|i| g.gradients[(owner[i], i)]).collect()
    };
    let h = 1e-5;
    for k in 0..wrt.len() {
        let (mut up, mut down) = (t.to_vec(), t.to_vec());
        up[wrt[k]] += h;
        down[wrt[k]] -= h;
        let (g_up, g_down) = (own_gradients(&up), own_gradients(&down));
        for i in 0..wrt.len() {
            let fd = (g_up[i] - g_down[i]) / (2.0 * h);
            assert!(
                (jac[(i, k)] - fd).abs() <= 1e-6 * fd.abs().max(1e-2),
                "({i}, {k}): exact {} vs resolved differences {fd}",
                jac[(i, k)]
            );
        }
    }
    // The off-diagonal entries are not trivially zero (the test would not see a missing
    // equilibrium response otherwise).
    assert!(jac[(0, 1)].abs() > 1e-3, "{jac}");
    // The stacked solver's forward-difference model approaches it at the rate of its step:
    // its error is the probes' truncation, O(h).
    let error = |h: f64| {
        let d = differenced_gradient_jacobian(&world, &players, &t, &sol.x, h).unwrap();
        (&d - &jac).amax() / jac.amax()
    };
    let (coarse, fine) = (error(1e-4), error(1e-5));
    assert!(coarse < 1e-3, "relative error at h = 1e-4: {coarse:e}");
    assert!(
        coarse / fine > 5.0 && coarse / fine < 20.0,
        "first order in h: {coarse:e} at 1e-4, {fine:e} at 1e-5"
    );
    // Each player's own block is the Hessian that own_curvature differences (one instrument
    // each here: the diagonal) by central differences, whose error is of order h^2.
    let curvature = own_curvature(&world, &players, &t, &sol.x).unwrap();
    for (i, c) in curvature.iter().enumerate() {
        assert!(
            (c.max_eigenvalue - jac[(i, i)]).abs() <= 1e-7 * jac[(i, i)].abs(),
            "{}: own_curvature {} vs exact {}",
            c.player,
            c.max_eigenvalue,
            jac[(i, i)]
        );
    }
}

/// The exchange economy with an identity that fails by `gap` (a market F leaves out that does
/// not clear): what inconsistent data look like to the engine.
struct Leaky {
    economy: ExchangeEconomy,
    gap: f64,
}

impl Equilibrium for Leaky {
    fn n_unknowns(&self) -> usize {
        self.economy.n_unknowns()
    }
    fn policy_space(&self) -> &PolicySpace {
        self.economy.policy_space()
    }
    fn initial_guess(&self, policy: &[f64]) -> Vec<f64> {
        self.economy.initial_guess(policy)
    }
    fn residual<D: Scalar>(&self, x: &[D], policy: &[D], out: &mut [D]) {
        self.economy.residual(x, policy, out)
    }
    fn identities(&self, x: &[f64], policy: &[f64]) -> Vec<(String, f64)> {
        let mut all = self.economy.identities(x, policy);
        all.push(("leaky market".into(), self.gap));
        all
    }
}

#[test]
fn a_converged_point_satisfies_the_identities_or_is_an_error() {
    let economy = ExchangeEconomy::default();
    let sol = solve(&economy, &[0.2], None, &tight()).unwrap();
    let walras_law = economy.identities(&sol.x, &[0.2]);
    assert_eq!(walras_law.len(), 1);
    assert!(walras_law[0].1.abs() < 1e-12, "{walras_law:?}");
    // An identity off by 1e-9 passes the default 1e-8; off by 1e-3 it is an error, carrying
    // the residual and iterations of the solve.
    let slightly = Leaky {
        economy: economy.clone(),
        gap: 1e-9,
    };
    assert!(solve(&slightly, &[0.2], None, &SolverOptions::default()).is_ok());
    let leaky = Leaky { economy, gap: 1e-3 };
    match solve(&leaky, &[0.2], None, &SolverOptions::default()) {
        Err(EngineError::NotAnEquilibrium {
            identity,
            value,
            tolerance,
            report,
        }) => {
            assert_eq!(identity, "leaky market");
            assert_eq!(value, 1e-3);
            assert_eq!(tolerance, 1e-8);
            assert!(report.residual_inf_norm <= 1e-10);
            let message = EngineError::NotAnEquilibrium {
                identity,
                value,
                tolerance,
                report,
            }
            .to_string();
            assert!(
                message.contains("leaky market is off by 1.000e-3"),
                "{message}"
            );
        }
        other => panic!("expected NotAnEquilibrium, got {other:?}"),
    }
}

#[test]
fn a_tolerance_looser_than_1e_6_is_refused() {
    let economy = ExchangeEconomy::default();
    for tol in [1e-5, 1.0] {
        let options = SolverOptions {
            tol,
            ..SolverOptions::default()
        };
        let err = solve(&economy, &[0.0], None, &options).unwrap_err();
        assert!(
            matches!(err, EngineError::InvalidOption { field: "tol", .. }),
            "{err}"
        );
        assert!(err.to_string().contains("at most 1e-6"), "{err}");
    }
    let at_limit = SolverOptions {
        tol: walras_core::MAX_TOLERANCE,
        ..SolverOptions::default()
    };
    assert!(solve(&economy, &[0.0], None, &at_limit).is_ok());
}
