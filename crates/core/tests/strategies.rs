//! The core's optimiser strategies shared by the model crates, on problems with closed-form
//! answers: the polished optimiser (L-BFGS then Newton on the first-order conditions), the
//! derivative-free Nelder-Mead search and the Anderson-accelerated fixed-point iteration.

use walras_core::fixtures::{Cournot, ExchangeEconomy};
use walras_core::{
    fixed_point, nelder_mead, simplex_in_box, try_fixed_point, Criterion, EngineError, Equilibrium,
    FixedPointOptions, NelderMeadOptions, PolicyOptimizer, PolishedOptimizer,
};

// ---- the polished optimiser ----

#[test]
fn polished_optimizer_reaches_the_exchange_planners_closed_form_optimum() {
    let e = ExchangeEconomy::default();
    let want = e.closed_form_planner_transfer();
    let closed = |t: f64| e.closed_form_utility(0, t) + e.closed_form_utility(1, t);
    let best = PolicyOptimizer::new()
        .polished()
        .maximize(&e, &Criterion::utilitarian(2), &[0.0], None, None)
        .unwrap();
    println!(
        "planner: t = {:.12} (closed form {want:.12}), {} iterations, polished {}",
        best.policy[0], best.iterations, best.polished
    );
    // The default tolerance (1e-9) is below the switch point (1e-4): Newton finishes.
    assert!(best.polished);
    assert!((best.policy[0] - want).abs() < 1e-7, "{}", best.policy[0]);
    assert!((best.value - closed(best.policy[0])).abs() < 1e-10);
    assert!((best.x[0].exp() - e.closed_form_price(best.policy[0])).abs() < 1e-9);
    // The same optimum as the plain L-BFGS run, to the tolerance.
    let plain = PolicyOptimizer::new()
        .maximize(&e, &Criterion::utilitarian(2), &[0.0], None, None)
        .unwrap();
    assert!((plain.policy[0] - best.policy[0]).abs() < 1e-7);
}

#[test]
fn polished_optimizer_finds_the_monopoly_output_and_respects_bounds() {
    // A monopolist: q = (a - c) / (2b) = 8, profit (a - c)^2 / (4b) = 32.
    let mono = Cournot::new(10.0, 0.5, vec![2.0]).unwrap();
    let polished = PolishedOptimizer::new(PolicyOptimizer::new());
    let best = polished
        .maximize(&mono, &Criterion::Single(0), &[1.0], Some(&[0]), None)
        .unwrap();
    assert!((best.policy[0] - 8.0).abs() < 1e-8, "{}", best.policy[0]);
    assert!((best.value - 32.0).abs() < 1e-8, "{}", best.value);
    // Agent 1 alone in the exchange economy: a corner, where L-BFGS meets the tolerance.
    let e = ExchangeEconomy::default();
    let corner = polished
        .maximize(&e, &Criterion::Single(1), &[0.0], None, None)
        .unwrap();
    assert_eq!(corner.policy[0], e.policy_space().upper()[0]);
    // A tolerance at the switch point: the plain optimiser, no polish.
    let loose = PolicyOptimizer::new()
        .with_pg_tol(1e-3)
        .unwrap()
        .polished()
        .maximize(&mono, &Criterion::Single(0), &[1.0], None, None)
        .unwrap();
    assert!(!loose.polished && (loose.policy[0] - 8.0).abs() < 1e-2);
}

#[test]
fn polished_optimizer_validates_its_settings() {
    let p = PolicyOptimizer::new().polished();
    assert!(p.clone().with_polish_from(0.0).is_err());
    assert!(p.clone().with_polish_from(f64::NAN).is_err());
    assert!(p.clone().with_near_enough(-1.0).is_err());
    assert!(p.clone().with_polish_max_iter(0).is_err());
    let custom = p
        .with_polish_from(1e-3)
        .unwrap()
        .with_near_enough(1e-1)
        .unwrap()
        .with_polish_max_iter(10)
        .unwrap();
    assert_eq!(custom.optimizer().pg_tol(), 1e-9);
}

// ---- Nelder-Mead ----

fn rosenbrock(x: &[f64]) -> f64 {
    (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2)
}

#[test]
fn nelder_mead_finds_the_rosenbrock_minimum() {
    let simplex = simplex_in_box(&[-1.2, 1.0], &[-2.0, -2.0], &[2.0, 2.0], 0.05);
    let best = nelder_mead(rosenbrock, simplex, &NelderMeadOptions::default()).unwrap();
    println!(
        "Rosenbrock: {:?}, f = {:.2e}, {} iterations, {} evaluations, {}",
        best.x, best.value, best.iterations, best.evaluations, best.termination
    );
    assert!(best.converged);
    assert!((best.x[0] - 1.0).abs() < 1e-4 && (best.x[1] - 1.0).abs() < 1e-4);
    assert!(best.value < 1e-10 && best.value == rosenbrock(&best.x));
    assert!(best.evaluations as u64 > best.iterations);
}

#[test]
fn nelder_mead_avoids_infeasible_points_and_reports_an_exhausted_budget() {
    // min (x - 2)^2 + (y - 1)^2 subject to x <= 1 (infinite cost beyond): (1, 1).
    let f = |x: &[f64]| {
        if x[0] > 1.0 {
            f64::INFINITY
        } else {
            (x[0] - 2.0).powi(2) + (x[1] - 1.0).powi(2)
        }
    };
    let simplex = simplex_in_box(&[0.0, 0.0], &[-1.0, -1.0], &[1.0, 2.0], 0.1);
    let best = nelder_mead(f, simplex.clone(), &NelderMeadOptions::default()).unwrap();
    assert!((best.x[0] - 1.0).abs() < 1e-4 && (best.x[1] - 1.0).abs() < 1e-4);
    // NaN counts as +infinity.
    let g = |x: &[f64]| if x[0] > 1.0 { f64::NAN } else { f(x) };
    let same = nelder_mead(g, simplex.clone(), &NelderMeadOptions::default()).unwrap();
    assert_eq!(same.x, best.x);
    let short = NelderMeadOptions {
        max_iter: 3,
        ..NelderMeadOptions::default()
    };
    let early = nelder_mead(f, simplex, &short).unwrap();
    assert!(!early.converged && early.iterations == 3, "{early:?}");
}

#[test]
fn nelder_mead_rejects_bad_options_and_simplices() {
    let ok = NelderMeadOptions::default();
    let simplex = || vec![vec![0.0, 0.0], vec![1.0, 0.0], vec![0.0, 1.0]];
    for bad in [
        NelderMeadOptions { max_iter: 0, ..ok },
        NelderMeadOptions { sd_tol: -1.0, ..ok },
        NelderMeadOptions {
            sd_tol: f64::NAN,
            ..ok
        },
    ] {
        assert!(matches!(
            nelder_mead(rosenbrock, simplex(), &bad),
            Err(EngineError::InvalidOption { .. })
        ));
    }
    let too_few = vec![vec![0.0, 0.0], vec![1.0, 0.0]];
    assert!(matches!(
        nelder_mead(rosenbrock, too_few, &ok),
        Err(EngineError::DimensionMismatch { .. })
    ));
    assert!(nelder_mead(rosenbrock, Vec::new(), &ok).is_err());
    let mut nan = simplex();
    nan[1][0] = f64::NAN;
    assert!(matches!(
        nelder_mead(rosenbrock, nan, &ok),
        Err(EngineError::NonFinite { .. })
    ));
}

// ---- fixed points ----

#[test]
fn fixed_point_of_the_exchange_economy_is_the_closed_form_price() {
    let e = ExchangeEconomy::default();
    for t in [0.0, 0.5, -0.4] {
        let policy = [t];
        let o = FixedPointOptions {
            tol: 1e-13,
            ..FixedPointOptions::default()
        };
        let fast = fixed_point(
            |x, out| e.fixed_point_map(x, &policy, out),
            &e.initial_guess(&policy),
            &o,
        )
        .unwrap();
        let plain = fixed_point(
            |x, out| e.fixed_point_map(x, &policy, out),
            &e.initial_guess(&policy),
            &FixedPointOptions {
                anderson_memory: 0,
                ..o
            },
        )
        .unwrap();
        let want = e.closed_form_price(t);
        assert!((fast.x[0].exp() - want).abs() < 1e-11, "{t}: {}", fast.x[0]);
        assert!(
            (plain.x[0].exp() - want).abs() < 1e-11,
            "{t}: {}",
            plain.x[0]
        );
        assert!(fast.residual < 1e-13 && fast.iterations <= plain.iterations);
        assert_eq!(fast.restarts, 0);
    }
}

#[test]
fn fixed_point_solves_a_linear_contraction_in_closed_form() {
    // x = A x + b with the solution (I - A)^-1 b = (2, -1), A slowly contracting (spectral
    // radius 0.98), where the plain damped iteration crawls.
    let a = [[0.9, 0.08], [-0.05, 0.95]];
    let want = [2.0, -1.0];
    let b = [
        want[0] - a[0][0] * want[0] - a[0][1] * want[1],
        want[1] - a[1][0] * want[0] - a[1][1] * want[1],
    ];
    let map = |x: &[f64], out: &mut [f64]| {
        for i in 0..2 {
            out[i] = a[i][0] * x[0] + a[i][1] * x[1] + b[i];
        }
    };
    let o = FixedPointOptions {
        tol: 1e-12,
        max_iter: 100_000,
        ..FixedPointOptions::default()
    };
    let fast = fixed_point(map, &[0.0, 0.0], &o).unwrap();
    let plain = fixed_point(
        map,
        &[0.0, 0.0],
        &FixedPointOptions {
            anderson_memory: 0,
            ..o
        },
    )
    .unwrap();
    println!(
        "linear: Anderson {} iterations, plain {}",
        fast.iterations, plain.iterations
    );
    for (x, w) in fast.x.iter().zip(want) {
        assert!((x - w).abs() < 1e-9, "{x} vs {w}");
    }
    assert!(fast.iterations < 20 && plain.iterations > 200);
}

#[test]
fn fixed_point_non_convergence_carries_the_residual_and_iterations() {
    // x = x + 1 has no fixed point.
    let o = FixedPointOptions {
        max_iter: 25,
        ..FixedPointOptions::default()
    };
    let err = fixed_point(|x, out| out[0] = x[0] + 1.0, &[0.0], &o).unwrap_err();
    let EngineError::NotConverged(report) = &err else {
        panic!("{err}")
    };
    assert_eq!(report.iterations, 25);
    assert_eq!(report.residual_inf_norm, 1.0);
    assert!(err.to_string().contains("after 25 iterations"), "{err}");
    // Bad options and a non-finite start are named.
    for bad in [
        FixedPointOptions { tol: 0.0, ..o },
        FixedPointOptions { max_iter: 0, ..o },
        FixedPointOptions { damping: 1.5, ..o },
        FixedPointOptions {
            anderson_memory: 101,
            ..o
        },
    ] {
        assert!(matches!(
            fixed_point(|x, out| out[0] = x[0], &[0.0], &bad),
            Err(EngineError::InvalidOption { .. })
        ));
    }
    assert!(matches!(
        fixed_point(|x, out| out[0] = x[0], &[f64::NAN], &o),
        Err(EngineError::NonFinite { .. })
    ));
}

#[derive(Debug)]
enum MapError {
    Domain(f64),
    Engine(EngineError),
}

impl From<EngineError> for MapError {
    fn from(e: EngineError) -> Self {
        MapError::Engine(e)
    }
}

#[test]
fn try_fixed_point_passes_the_maps_errors_through_and_restarts_extrapolations() {
    // x = sqrt(x + 2) (fixed point 2), defined for x >= -2 only.
    let map = |x: &[f64], out: &mut [f64]| -> Result<(), MapError> {
        if x[0] < -2.0 {
            return Err(MapError::Domain(x[0]));
        }
        out[0] = (x[0] + 2.0).sqrt();
        Ok(())
    };
    let o = FixedPointOptions {
        tol: 1e-12,
        ..FixedPointOptions::default()
    };
    let sol = try_fixed_point(map, &[7.0], &o).unwrap();
    assert!((sol.x[0] - 2.0).abs() < 1e-11);
    // An error at the start (not an extrapolation) is the caller's error, untouched.
    assert!(matches!(
        try_fixed_point(map, &[-3.0], &o),
        Err(MapError::Domain(v)) if v == -3.0
    ));
    // The engine's own errors arrive converted.
    assert!(matches!(
        try_fixed_point(map, &[1.0], &FixedPointOptions { max_iter: 0, ..o }),
        Err(MapError::Engine(EngineError::InvalidOption { .. }))
    ));
    // A map that fails at the first Anderson extrapolation (its third evaluation: the start,
    // the plain damped step, then the first mixed one): the iteration restarts from the plain
    // damped step and still converges.
    let mut calls = 0;
    let flaky = |x: &[f64], out: &mut [f64]| -> Result<(), MapError> {
        calls += 1;
        if calls == 3 {
            return Err(MapError::Domain(x[0]));
        }
        out[0] = 0.1 + 0.9 * x[0];
        Ok(())
    };
    let sol = try_fixed_point(flaky, &[0.0], &o).unwrap();
    assert!((sol.x[0] - 1.0).abs() < 1e-10, "{sol:?}");
    assert_eq!(sol.restarts, 1);
    assert!(sol.iterations < 10, "{sol:?}");
}
