//! How the planner's optimum moves with its parameters: the envelope theorem against
//! differences of re-solved planners, the P11 closed form's derivatives against the same
//! differences, and CRRA utility continuous through log (eta = 1).

mod p11;

use nalgebra::DMatrix;
use walras_automation::planner::{
    solve_log_linear_planner, solve_planner, LogLinearEconomy, PlannerOptions, PlannerUtility,
};
use walras_automation::Economy;
use walras_core::finite_difference::{richardson_column, Domain};

fn three_task_economy() -> Economy {
    let mut e = Economy::symmetric(3, 0.8);
    e.mass = vec![0.5, 0.3, 0.2];
    e.chi = 0.5;
    e.labor_productivity = vec![1.0, 1.2, 0.8];
    e.ai_productivity = vec![1.0, 0.7, 1.3];
    e.verifiability = vec![0.9, 0.5, 0.2];
    e.spill = DMatrix::from_row_slice(3, 3, &[1.0, 0.3, 0.1, 0.2, 1.0, 0.4, 0.5, 0.1, 1.0]);
    e
}

const DATA3: [f64; 3] = [1.0, 0.5, 0.2];

fn tight(utility: PlannerUtility) -> PlannerOptions {
    PlannerOptions {
        utility,
        tolerance: 1e-12,
        ..PlannerOptions::default()
    }
}

/// dW*/drho, dW*/dK and dW*/dL by the envelope theorem (the path held) equal the differences
/// of fully re-solved planners, for log and CRRA utility.
#[test]
fn envelope_derivatives_match_re_solved_planners() {
    for utility in [PlannerUtility::Log, PlannerUtility::Crra { eta: 2.0 }] {
        let e = three_task_economy();
        let o = tight(utility);
        let base = solve_planner(&e, &DATA3, &o).unwrap();
        let welfare = |e: &Economy, o: &PlannerOptions| -> Result<Vec<f64>, String> {
            solve_planner(e, &DATA3, o)
                .map(|r| vec![r.planner_welfare])
                .map_err(|err| err.to_string())
        };
        let w0 = [base.planner_welfare];
        let by_discount = richardson_column(
            |x| {
                welfare(
                    &e,
                    &PlannerOptions {
                        discount: x,
                        ..o.clone()
                    },
                )
            },
            &w0,
            o.discount,
            0.002,
            Domain::POSITIVE,
        )
        .unwrap();
        let by_capital = richardson_column(
            |x| {
                welfare(
                    &e,
                    &PlannerOptions {
                        capital: x,
                        ..o.clone()
                    },
                )
            },
            &w0,
            o.capital,
            0.02,
            Domain::NON_NEGATIVE,
        )
        .unwrap();
        let by_labor = richardson_column(
            |x| {
                let mut shifted = e.clone();
                shifted.labor = x;
                welfare(&shifted, &o)
            },
            &w0,
            e.labor,
            0.02,
            Domain::NON_NEGATIVE,
        )
        .unwrap();
        for (what, re_solved, envelope) in [
            (
                "discount",
                by_discount.derivative[0],
                base.envelope.discount,
            ),
            ("capital", by_capital.derivative[0], base.envelope.capital),
            ("labor", by_labor.derivative[0], base.envelope.labor),
        ] {
            let gap = (re_solved - envelope).abs() / envelope.abs();
            assert!(
                gap < 2e-5,
                "{utility:?} {what}: re-solved {re_solved} vs envelope {envelope} (relative gap {gap:.2e})"
            );
        }
    }
}

/// The derivatives of P11's t = 0 capital allocation (finite horizon T) in (theta, rho, K), by
/// implicit differentiation of `k_j = 1 / (xi - b_j)`, `sum a_j k_j = K`: the allocation and
/// one column per parameter.
fn p11_allocation_and_derivatives(
    e: &LogLinearEconomy,
    rho: f64,
    capital: f64,
    horizon: f64,
) -> (Vec<f64>, DMatrix<f64>) {
    let n = e.mass.len();
    let (lam, k) = p11::oracle(e, rho, capital, horizon);
    let b: Vec<f64> = (0..n)
        .map(|j| lam[j] * e.verifiability[j] / e.mass[j])
        .collect();
    let factor = p11::discount_factor(rho, horizon);
    let dfactor = horizon * (-rho * horizon).exp() / rho - factor / rho;
    // dk_j = -k_j^2 (dxi - db_j), sum a_j dk_j = dK
    let s: f64 = (0..n).map(|j| e.mass[j] * k[j] * k[j]).sum();
    let mut d = DMatrix::zeros(n, 3);
    let db: [Vec<f64>; 3] = [
        b.iter().map(|b| b / e.theta).collect(),
        b.iter().map(|b| b * dfactor / factor).collect(),
        vec![0.0; n],
    ];
    for (c, dbc) in db.iter().enumerate() {
        let dk = if c == 2 { 1.0 } else { 0.0 };
        let dxi = ((0..n)
            .map(|j| e.mass[j] * k[j] * k[j] * dbc[j])
            .sum::<f64>()
            - dk)
            / s;
        for j in 0..n {
            d[(j, c)] = -k[j] * k[j] * (dxi - dbc[j]);
        }
    }
    (k, d)
}

/// Differences of re-solved log-linear planners (Richardson, 2% steps) reproduce the P11
/// closed form's derivatives of the t = 0 capital allocation in theta, rho and K.
#[test]
fn re_solved_differences_match_the_p11_closed_form_derivatives() {
    let e = p11::log_linear_economy();
    let (rho, capital, horizon) = (0.05, 1.3, 50.0);
    let x0 = [0.0, 0.5, -0.2, 1.0];
    let (k, oracle) = p11_allocation_and_derivatives(&e, rho, capital, horizon);
    let solve = |theta: f64, rho: f64, capital: f64| -> Result<Vec<f64>, String> {
        let o = PlannerOptions {
            horizon,
            discount: rho,
            capital,
            tolerance: 1e-12,
            ..PlannerOptions::default()
        };
        let shifted = LogLinearEconomy { theta, ..e.clone() };
        solve_log_linear_planner(&shifted, &x0, &o)
            .map(|r| r.planner_capital[0].clone())
            .map_err(|err| err.to_string())
    };
    let base = solve(e.theta, rho, capital).unwrap();
    for j in 0..4 {
        assert!(
            (base[j] - k[j]).abs() < 1e-9,
            "k[{j}] {} vs {}",
            base[j],
            k[j]
        );
    }
    let columns = [
        richardson_column(
            |x| solve(x, rho, capital),
            &base,
            e.theta,
            0.01,
            Domain::POSITIVE,
        ),
        richardson_column(
            |x| solve(e.theta, x, capital),
            &base,
            rho,
            0.001,
            Domain::POSITIVE,
        ),
        richardson_column(
            |x| solve(e.theta, rho, x),
            &base,
            capital,
            0.026,
            Domain::POSITIVE,
        ),
    ];
    for (c, (name, column)) in ["theta", "rho", "K"].iter().zip(columns).enumerate() {
        let column = column.unwrap();
        let scale = (0..4).map(|j| oracle[(j, c)].abs()).fold(0.0, f64::max);
        for j in 0..4 {
            let err = (column.derivative[j] - oracle[(j, c)]).abs() / scale;
            assert!(
                err < 1e-6,
                "dk[{j}]/d{name}: re-solved {} vs closed form {} (error {err:.1e} of the column)",
                column.derivative[j],
                oracle[(j, c)]
            );
        }
    }
}

/// CRRA welfare is continuous through log utility: the sweep converges tightly at eta = 1 +-
/// 0.005 (the constant 1 / (1 - eta) of u no longer swamps the line search), and the
/// consumption-equivalent gap at eta = 1 is the mean of its neighbours' to second order.
#[test]
fn crra_near_log_converges_and_is_continuous_in_eta() {
    let e = three_task_economy();
    let gap = |utility| {
        let r = solve_planner(&e, &DATA3, &tight(utility)).unwrap();
        assert!(r.last_change < 1e-12, "{utility:?}: {}", r.last_change);
        r.welfare_gap_pct
    };
    let log = gap(PlannerUtility::Log);
    let above = gap(PlannerUtility::Crra { eta: 1.005 });
    let below = gap(PlannerUtility::Crra { eta: 0.995 });
    assert!(log > 0.1, "gap {log}");
    assert!(
        (0.5 * (above + below) - log).abs() < 1e-4 * log,
        "eta 0.995: {below}, log: {log}, eta 1.005: {above}"
    );
    assert!(
        (above - below).abs() > 1e-7,
        "eta must matter: {above} {below}"
    );
}
