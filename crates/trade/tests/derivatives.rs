//! The model's analytic derivatives (dF/dx, dF/dp, dW/dx, dW/dp) against dual numbers, on
//! every block of unknowns and every instrument class, away from equilibrium.

mod common;

use common::{calibrate, io_economy, structural};
use walras_core::autodiff::residual_and_objectives_all;
use walras_core::{Equilibrium, Welfare};
use walras_trade::{Deficits, InstrumentSet, Numeraire, Structure, TradeModel};

/// A deterministic pseudo-random number in [-1, 1).
fn wobble(k: usize) -> f64 {
    let mut z = (k as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z ^= z >> 31;
    z = z.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^= z >> 29;
    (z % 2_000_001) as f64 / 1_000_000.0 - 1.0
}

fn check(model: &TradeModel, label: &str) {
    let n = model.n_unknowns();
    let space = model.policy_space();
    let policy: Vec<f64> = model
        .baseline_policy()
        .iter()
        .enumerate()
        .map(|(i, &v)| (v + 0.05 + 0.04 * wobble(i)).clamp(space.lower()[i], space.upper()[i]))
        .collect();
    let x: Vec<f64> = model
        .initial_guess(&policy)
        .iter()
        .enumerate()
        .map(|(k, &v)| v + 0.03 * wobble(1000 + k))
        .collect();
    let objectives: Vec<usize> = (0..model.n_objectives()).collect();
    let wrt: Vec<usize> = (0..policy.len()).collect();
    let exact = model
        .analytic_derivatives(&x, &policy, &objectives, &wrt)
        .expect("the trade model has analytic derivatives");
    let dual = residual_and_objectives_all(model, &objectives, &x, &policy, &wrt);
    let compare = |what: &str, a: &nalgebra::DMatrix<f64>, d: &nalgebra::DMatrix<f64>| {
        assert_eq!(a.shape(), d.shape(), "{label}: {what} shape");
        let scale = d.amax().max(1.0);
        for r in 0..a.nrows() {
            for c in 0..a.ncols() {
                let (va, vd) = (a[(r, c)], d[(r, c)]);
                assert!(
                    (va - vd).abs() <= 1e-10 * scale,
                    "{label}: {what}[{r},{c}] analytic {va} vs dual {vd} (row {}, column {})",
                    if r < n {
                        model.unknown_name(r)
                    } else {
                        format!("W{}", r - n)
                    },
                    if c < n && what.ends_with("x") {
                        model.unknown_name(c)
                    } else {
                        c.to_string()
                    },
                );
            }
        }
    };
    compare("dF/dx", &exact.f_x, &dual.f_x);
    compare("dF/dp", &exact.f_p, &dual.f_p);
    compare("dW/dx", &exact.w_x, &dual.w_x);
    compare("dW/dp", &exact.w_p, &dual.w_p);
    for (a, d) in exact.values.iter().zip(&dual.values) {
        assert!((a - d).abs() < 1e-12, "{label}: welfare {a} vs {d}");
    }
    let jac = model.jacobian_x(&x, &policy).expect("analytic dF/dx");
    compare("jacobian_x", &jac, &dual.f_x);
    // The adjoint combination [dW/dx - V^T dF/dx, dW/dp - V^T dF/dp], for a V with an
    // objective subset in a shuffled order, against the dual-number derivatives.
    let some: Vec<usize> = objectives.iter().rev().step_by(2).copied().collect();
    let v = nalgebra::DMatrix::from_fn(n, some.len(), |i, r| wobble(5000 + 31 * i + r));
    let operator = model
        .adjoint_operator(&x, &policy, &some, &wrt)
        .expect("the trade model applies its derivatives");
    compare("operator dF/dx", &operator.jacobian_x(), &dual.f_x);
    for (a, &k) in operator.values().iter().zip(&some) {
        assert!((a - dual.values[k]).abs() < 1e-12, "{label}: welfare {a}");
    }
    let rows = operator.adjoint_rows(&v);
    let pick = |m: &nalgebra::DMatrix<f64>| m.select_rows(&some);
    let expected_x = pick(&dual.w_x) - v.transpose() * &dual.f_x;
    let expected_p = pick(&dual.w_p) - v.transpose() * &dual.f_p;
    compare(
        "adjoint rows, x",
        &rows.columns(0, n).into_owned(),
        &expected_x,
    );
    compare(
        "adjoint rows, p",
        &rows.columns(n, wrt.len()).into_owned(),
        &expected_p,
    );
}

fn all_instruments(structure: Structure) -> InstrumentSet {
    InstrumentSet {
        tariffs: Some(structure),
        subsidies: Some(Structure::Sector),
        export_taxes: Some(structure),
        ..InstrumentSet::default()
    }
}

#[test]
fn analytic_derivatives_match_dual_numbers_with_io_links_and_scale_economies() {
    let base = calibrate(io_economy());
    for structure in [
        Structure::PartnerSector,
        Structure::Partner,
        Structure::Sector,
        Structure::Uniform,
    ] {
        for deficits in [Deficits::Keep, Deficits::Zero] {
            let model = TradeModel::new(base.clone(), all_instruments(structure))
                .unwrap()
                .with_deficits(deficits);
            check(&model, &format!("io {structure:?} {deficits:?}"));
        }
    }
    let model = TradeModel::new(base.clone(), InstrumentSet::default())
        .unwrap()
        .with_numeraire(Numeraire::Wage(1))
        .unwrap();
    check(&model, "io, wage numeraire");
}

#[test]
fn analytic_derivatives_match_dual_numbers_without_io_links() {
    // Scale economies in one sector, none in the other; then none at all.
    for psi in [0.1, 0.0] {
        let base = calibrate(structural(
            &[1.0, 2.0, 3.0],
            &[vec![1.0, 2.0], vec![1.5, 1.0], vec![1.2, 1.1]],
            1.7,
            &[(4.0, psi), (6.0, 0.0)],
            &[0.6, 0.4],
        ));
        for structure in [Structure::PartnerSector, Structure::Uniform] {
            let model = TradeModel::new(base.clone(), all_instruments(structure)).unwrap();
            check(&model, &format!("psi {psi} {structure:?}"));
        }
        let tariffs_only = TradeModel::new(base.clone(), InstrumentSet::default())
            .unwrap()
            .with_numeraire(Numeraire::Wage(0))
            .unwrap();
        check(&tariffs_only, &format!("psi {psi} tariffs, wage numeraire"));
    }
}

#[test]
fn a_criterion_of_countries_welfare_has_matching_analytic_and_dual_derivatives() {
    use walras_core::{Criterion, CriterionModel};
    let model =
        TradeModel::new(calibrate(io_economy()), all_instruments(Structure::Sector)).unwrap();
    let p = model.baseline_policy();
    let x = walras_core::solve(&model, &p, None, &walras_core::SolverOptions::default())
        .unwrap()
        .x;
    let wrt: Vec<usize> = (0..p.len()).collect();
    for criterion in [
        Criterion::SumOfLogs(vec![(0, 1.0), (1, 2.0), (2, 0.5)]),
        Criterion::Weighted(vec![(0, 1.0), (2, 3.0)]),
    ] {
        let world = CriterionModel::new(&model, criterion.clone()).unwrap();
        let exact = world.analytic_derivatives(&x, &p, &[0], &wrt).unwrap();
        let dual = residual_and_objectives_all(&world, &[0], &x, &p, &wrt);
        assert!((exact.values[0] - dual.values[0]).abs() < 1e-12);
        let gap = (&exact.w_x - &dual.w_x).amax() + (&exact.w_p - &dual.w_p).amax();
        assert!(gap < 1e-10, "{criterion:?}: {gap}");
    }
}

#[test]
fn second_derivatives_by_hyper_duals_match_differences_of_analytic_gradients() {
    use walras_core::{
        differenced_gradient_jacobian, exact_gradient_jacobian, players_from_blocks, solve,
        SolverOptions,
    };
    // Two independent routes to the stacked Newton model of a dual-competition game at an
    // equilibrium: hyper-dual numbers through the generic residual and welfare, and forward
    // differences of adjoint gradients through the hand-written derivatives.
    let base = calibrate(io_economy());
    let set = InstrumentSet {
        tariffs: Some(Structure::Sector),
        subsidies: Some(Structure::Sector),
        ..InstrumentSet::default()
    };
    let model = TradeModel::new(base, set).unwrap();
    let space = model.policy_space();
    let policy: Vec<f64> = model
        .baseline_policy()
        .iter()
        .enumerate()
        .map(|(i, &v)| (v + 0.1 + 0.05 * wobble(i)).clamp(space.lower()[i], space.upper()[i]))
        .collect();
    let options = SolverOptions {
        tol: 1e-13,
        ..SolverOptions::default()
    };
    let x = solve(&model, &policy, None, &options).unwrap().x;
    let players = players_from_blocks(space);
    // Rows and columns: the players' instruments in order.
    let owner: Vec<usize> = players
        .iter()
        .enumerate()
        .flat_map(|(r, p)| std::iter::repeat_n(r, p.indices.len()))
        .collect();
    let m = owner.len();
    assert!(m > 8, "more instruments than one hyper-dual pass: {m}");
    let exact = exact_gradient_jacobian(&model, &players, &policy, &x).unwrap();
    let error = |h: f64| {
        let d = differenced_gradient_jacobian(&model, &players, &policy, &x, h).unwrap();
        (&d - &exact).amax() / exact.amax()
    };
    let (coarse, fine) = (error(1e-4), error(1e-5));
    assert!(fine < 1e-4, "relative error at h = 1e-5: {fine:e}");
    assert!(
        coarse / fine > 5.0,
        "first order in h: {coarse:e} at 1e-4, {fine:e} at 1e-5"
    );
    // Cross-effects between governments are present (a tariff moves others' first-order
    // conditions), so the comparison covers the equilibrium response, not only own terms.
    let cross = (0..m)
        .flat_map(|i| (0..m).map(move |k| (i, k)))
        .filter(|&(i, k)| owner[i] != owner[k])
        .map(|(i, k)| exact[(i, k)].abs())
        .fold(0.0, f64::max);
    assert!(cross > 1e-3 * exact.amax(), "largest cross entry {cross:e}");
    // The second-order check (`--second-order`): each government's own Hessian by central
    // differences, against the eigenvalues of the exact own block (all instruments interior).
    let curvature = walras_core::own_curvature(&model, &players, &policy, &x).unwrap();
    for (r, c) in curvature.iter().enumerate() {
        let own: Vec<usize> = (0..m).filter(|&i| owner[i] == r).collect();
        assert_eq!(c.interior, own.len(), "{}", c.player);
        let block =
            nalgebra::DMatrix::from_fn(own.len(), own.len(), |a, b| exact[(own[a], own[b])]);
        let eigenvalues = ((&block + block.transpose()) * 0.5).symmetric_eigenvalues();
        let scale = eigenvalues.amax();
        for (found, expected) in [
            (c.max_eigenvalue, eigenvalues.max()),
            (c.min_eigenvalue, eigenvalues.min()),
        ] {
            assert!(
                (found - expected).abs() <= 1e-6 * scale,
                "{}: {found} vs exact {expected}",
                c.player
            );
        }
    }
}

/// `data` with every flow from `country` in `sector` removed (domestic sales too): a producer
/// that sells nothing, like LUX's sector 7 on WIOD 2014, whose subsidy is still an instrument.
fn without_producer(
    mut data: walras_trade::TradeData,
    country: usize,
    sector: usize,
) -> walras_trade::TradeData {
    let (nc, nj) = (data.n_countries(), data.sectors.len());
    for dest in 0..nc {
        let f = (country * nc + dest) * nj + sector;
        data.flows[f] = 0.0;
        data.tariffs[f] = 0.0;
    }
    data
}

#[test]
fn a_sector_that_sells_nothing_has_subsidy_derivatives_matching_dual_numbers() {
    // The subsidy of a country-sector with no active flow used to have no column in its
    // sector's block of d sales, and indexing it panicked ("Matrix index out of bounds" at
    // derivatives.rs, `trade compare --tariff-structure uniform` on WIOD 2014).
    let io = calibrate(without_producer(io_economy(), 2, 0));
    let plain = calibrate(without_producer(
        structural(
            &[1.0, 2.0, 3.0],
            &[vec![1.0, 2.0], vec![1.5, 1.0], vec![1.2, 1.1]],
            1.7,
            &[(4.0, 0.1), (6.0, 0.0)],
            &[0.6, 0.4],
        ),
        1,
        0,
    ));
    for (name, base) in [("io", io), ("no io", plain)] {
        for structure in [Structure::Uniform, Structure::PartnerSector] {
            let dual_competition = InstrumentSet {
                tariffs: Some(structure),
                subsidies: Some(Structure::Sector),
                ..InstrumentSet::default()
            };
            for (set, what) in [
                (dual_competition, "tariffs and subsidies"),
                (all_instruments(structure), "all instruments"),
            ] {
                let model = TradeModel::new(base.clone(), set).unwrap();
                check(
                    &model,
                    &format!("{name}, dead producer, {structure:?} {what}"),
                );
            }
        }
    }
}

#[test]
fn a_sector_that_sells_nothing_has_welfare_gradients_matching_central_differences() {
    use walras_core::{adjoint_gradients, solve, SolverOptions};
    let base = calibrate(without_producer(io_economy(), 2, 0));
    let set = InstrumentSet {
        tariffs: Some(Structure::Uniform),
        subsidies: Some(Structure::Sector),
        ..InstrumentSet::default()
    };
    let model = TradeModel::new(base, set).unwrap();
    let names = model.policy_space().names().to_vec();
    assert!(
        names.iter().any(|n| n == "subsidy[C,goods1]"),
        "the dead producer's subsidy is an instrument: {names:?}"
    );
    let tight = SolverOptions {
        tol: 1e-13,
        ..SolverOptions::default()
    };
    let p: Vec<f64> = model
        .baseline_policy()
        .iter()
        .enumerate()
        .map(|(k, &v)| v + 0.02 * (k % 4) as f64)
        .collect();
    let sol = solve(&model, &p, None, &tight).unwrap();
    let all: Vec<usize> = (0..p.len()).collect();
    let grads = adjoint_gradients(&model, &sol.x, &p, &[0, 1, 2], &all).unwrap();
    let h = 1e-6;
    for j in 0..p.len() {
        let welfare_at = |v: f64| {
            let mut q = p.clone();
            q[j] = v;
            let s = solve(&model, &q, Some(&sol.x), &tight).unwrap();
            (0..3)
                .map(|k| model.objective(k, &s.x, &q))
                .collect::<Vec<f64>>()
        };
        let (up, down) = (welfare_at(p[j] + h), welfare_at(p[j] - h));
        for k in 0..3 {
            let fd = (up[k] - down[k]) / (2.0 * h);
            let ad = grads.gradients[(k, j)];
            assert!(
                (ad - fd).abs() <= 1e-6 * fd.abs().max(1e-3),
                "dW{k}/d{}: {ad} vs central difference {fd}",
                names[j]
            );
        }
        if names[j] == "subsidy[C,goods1]" {
            // Nothing is produced there: the subsidy changes nothing.
            for k in 0..3 {
                assert!(grads.gradients[(k, j)].abs() < 1e-12, "dW{k}/d{}", names[j]);
            }
        }
    }
}
