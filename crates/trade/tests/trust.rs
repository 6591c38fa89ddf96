//! What the trade model refuses to call an equilibrium: inconsistent deficits, elasticities
//! and tariffs outside their documented ranges, tables that look like percent; and Walras's law
//! at every solution it returns.

mod common;

use std::sync::Arc;

use walras_core::{EngineError, Equilibrium, SolverOptions};
use walras_trade::{
    counterfactual, percent_like, Baseline, FinalShares, InstrumentSet, TradeError, TradeModel,
    DEFICIT_TOLERANCE, MAX_TARIFF, THETA_RANGE,
};

fn calibrate_err(data: walras_trade::TradeData) -> String {
    Baseline::calibrate(data, FinalShares::Implied)
        .unwrap_err()
        .to_string()
}

#[test]
fn walras_law_holds_at_every_solution_returned() {
    let base = common::calibrate(common::io_economy())
        .purge(&SolverOptions::default())
        .unwrap();
    let model = TradeModel::new(Arc::new(base), InstrumentSet::default()).unwrap();
    let mut policy = model.baseline_policy();
    for t in policy.iter_mut() {
        *t += 0.1;
    }
    let r = counterfactual(&model, &policy, &SolverOptions::default()).unwrap();
    let law = model.identities(&r.x, &policy);
    assert_eq!(law.len(), 1);
    assert!(law[0].0.contains("Walras's law"), "{law:?}");
    assert!(law[0].1.abs() < 1e-10, "{law:?}");
}

#[test]
fn deficits_that_do_not_sum_to_zero_are_not_an_equilibrium() {
    // Data: refused before solving, with the sum in the message.
    let mut data = common::io_economy();
    data.deficits = Some(vec![100.0, 100.0, 100.0]);
    let message = calibrate_err(data);
    assert!(message.contains("deficits sum to 300"), "{message}");
    // Rounding-sized gaps are spread evenly and noted.
    let mut data = common::io_economy();
    let world: f64 = data.flows.iter().sum();
    data.deficits = Some(vec![5.0, -3.0, -2.0 + 0.1 * DEFICIT_TOLERANCE * world]);
    let base = Baseline::calibrate(data, FinalShares::Implied).unwrap();
    assert!(base.deficit.iter().sum::<f64>().abs() < 1e-12 * world);
    assert!(
        base.notes.iter().any(|n| n.contains("spread evenly")),
        "{:?}",
        base.notes
    );
    // A baseline altered after calibration: the solver meets its tolerance, but Walras's law
    // fails, so the settle is an error rather than a converged equilibrium.
    let mut base = Baseline::calibrate(common::io_economy(), FinalShares::Implied).unwrap();
    base.deficit[0] += 0.3 * base.income[0];
    match base.settle(&SolverOptions::default()) {
        Err(TradeError::Engine(EngineError::NotAnEquilibrium {
            identity, value, ..
        })) => {
            assert!(identity.contains("Walras's law"), "{identity}");
            assert!(value.abs() > 1e-3, "{value}");
        }
        other => panic!("expected NotAnEquilibrium, got {other:?}"),
    }
}

#[test]
fn elasticities_outside_the_documented_range_are_refused() {
    for theta in [1e-15, 0.5 * THETA_RANGE.0, 2.0 * THETA_RANGE.1] {
        let mut data = common::io_economy();
        data.sectors[0].psi = 0.0;
        data.sectors[0].theta = theta;
        let message = calibrate_err(data);
        assert!(
            message.contains("goods1") && message.contains(&format!("theta = {theta}")),
            "{message}"
        );
    }
    let mut data = common::io_economy();
    data.sectors[0].theta = THETA_RANGE.0;
    data.sectors[0].psi = 0.0;
    assert!(Baseline::calibrate(data, FinalShares::Implied).is_ok());
}

#[test]
fn tariffs_above_the_limit_or_in_percent_are_refused() {
    let mut data = common::io_economy();
    let f = data.flow(0, 1, 0);
    data.tariffs[f] = 1e9;
    let message = calibrate_err(data);
    assert!(message.contains("tariff = 1000000000"), "{message}");
    assert!(message.contains("--tariff-units percent"), "{message}");
    let mut data = common::io_economy();
    data.tariffs[f] = MAX_TARIFF;
    assert!(Baseline::calibrate(data, FinalShares::Implied).is_ok());
    // The same tariffs written in percent.
    let mut data = common::io_economy();
    for t in data.tariffs.iter_mut() {
        *t *= 100.0;
    }
    let message = calibrate_err(data);
    assert!(
        message.contains("look") || message.contains("above 1 (100%)"),
        "{message}"
    );
    assert!(percent_like(&[0.0, 0.05, 0.1, 2.0]).is_none());
    assert!(percent_like(&[0.0, 5.0, 10.0, 0.2]).is_some());
}
