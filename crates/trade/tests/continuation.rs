//! Policies far from the baseline: equilibria reached by continuation from the baseline's.

mod common;

use common::{calibrate, io_economy};
use walras_core::{solve, Equilibrium, SolverOptions, Strategy};
use walras_trade::{continued_equilibrium, InstrumentSet, Structure, TradeError, TradeModel};

fn model() -> TradeModel {
    let instruments = InstrumentSet {
        tariffs: Some(Structure::PartnerSector),
        subsidies: Some(Structure::Sector),
        ..InstrumentSet::default()
    };
    TradeModel::new(calibrate(io_economy()), instruments).unwrap()
}

/// Every instrument `shift` above its baseline value.
fn shifted(model: &TradeModel, shift: f64) -> Vec<f64> {
    model.baseline_policy().iter().map(|p| p + shift).collect()
}

#[test]
fn far_policies_are_reached_by_continuation_from_the_baseline() {
    let model = model();
    // A solver budget too small to get there from the initial guess...
    let short = SolverOptions {
        max_newton_iter: 3,
        strategy: Strategy::NewtonOnly,
        ..SolverOptions::default()
    };
    let far = shifted(&model, 2.0);
    assert!(
        solve(&model, &far, None, &short).is_err(),
        "the test needs a policy out of the short budget's direct reach"
    );
    // ...suffices along the path from the baseline, and lands on the same equilibrium as a
    // full-budget solve.
    let x = continued_equilibrium(&model, &far, &short).unwrap();
    let direct = solve(&model, &far, None, &SolverOptions::default())
        .unwrap()
        .x;
    let gap = x
        .iter()
        .zip(&direct)
        .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(gap < 1e-8, "continued vs direct: {gap}");
    let mut residual = vec![0.0; x.len()];
    model.residual(&x, &far, &mut residual);
    assert!(residual.iter().all(|r| r.abs() < 1e-9), "{residual:?}");
}

#[test]
fn an_unreachable_policy_is_an_infeasibility_error_saying_how_far_it_got() {
    let model = model();
    // One fixed-point iteration per solve: the baseline (the initial guess) holds as it is,
    // but no step along the path converges, down to the smallest.
    let hopeless = SolverOptions {
        max_fixed_point_iter: 1,
        strategy: Strategy::FixedPointOnly,
        ..SolverOptions::default()
    };
    match continued_equilibrium(&model, &shifted(&model, 2.0), &hopeless) {
        Err(TradeError::Infeasible(msg)) => {
            assert!(msg.contains("fails 0% of the way there"), "{msg}");
        }
        other => panic!("expected an infeasibility error, got {other:?}"),
    }
}
