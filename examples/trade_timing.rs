//! Where a dlopt 7x44 solve spends its time: the inner-solve reports of a cold solve, a warm
//! solve from the baseline (all tariffs +0.01), and the phases of one Newton iteration; also the
//! analytic Jacobian against dual numbers and the conditioning of the Newton system.
//! `WALRAS_DATA_DIR=../shared/data cargo run --release --example trade_timing`

use std::sync::Arc;
use std::time::Instant;

use walras::core::{solve, SolverOptions};
use walras::trade::{Baseline, FinalShares, InstrumentSet, TradeModel};

fn main() {
    let data = std::path::PathBuf::from(
        std::env::var("WALRAS_DATA_DIR").expect("set WALRAS_DATA_DIR to the shared data folder"),
    );
    let tmp = tempfile::tempdir().expect("temp dir");
    walras::data::trade_import::import(
        "dlopt".parse().expect("layout"),
        &data.join("dlopt_7x44_2017"),
        tmp.path(),
    )
    .expect("import dlopt");
    let loaded = walras::data::trade::load_trade_dir(tmp.path()).expect("load");
    let options = SolverOptions::default();
    let t = Instant::now();
    let base = Arc::new(
        Baseline::calibrate(loaded.data, FinalShares::Table)
            .expect("calibrate")
            .purge(&options)
            .expect("purge"),
    );
    println!(
        "calibrate + purge: {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let model = TradeModel::new(base, InstrumentSet::default()).expect("model");
    let p0 = model.baseline_policy();
    let t = Instant::now();
    let x0 = solve(&model, &p0, None, &options).expect("baseline").x;
    println!(
        "cold solve at the baseline: {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let p1: Vec<f64> = p0.iter().map(|v| v + 0.01).collect();
    compare(&model, &x0, &p1);
    for _ in 0..3 {
        let sol = solve(&model, &p1, Some(&x0), &options).expect("solve");
        let r = &sol.report;
        println!(
            "warm solve: {:.1} ms, {} Newton iterations, {} Jacobians, {} residuals",
            r.wall_time.as_secs_f64() * 1e3,
            r.newton_iterations,
            r.jacobian_evals,
            r.residual_evals
        );
    }
    let warm = walras::core::WarmStart::new(&model, x0.clone(), &p0).expect("factorise");
    for _ in 0..3 {
        let sol = warm.solve(&model, &p1, &options).expect("solve");
        let r = &sol.report;
        println!(
            "warm solve with the kept factorisation: {:.1} ms, {}, {} iterations, residual {:.1e}",
            r.wall_time.as_secs_f64() * 1e3,
            r.method,
            r.iterations,
            r.residual_inf_norm
        );
    }
    let reps = 5;
    let t = Instant::now();
    for _ in 0..reps {
        std::hint::black_box(walras::core::autodiff::residual(&model, &x0, &p1));
    }
    println!(
        "residual: {:.3} ms",
        t.elapsed().as_secs_f64() * 1e3 / reps as f64
    );
    let t = Instant::now();
    let mut jac = None;
    for _ in 0..reps {
        jac = Some(walras::core::autodiff::residual_and_jacobian_x(&model, &x0, &p1).1);
    }
    println!(
        "analytic Jacobian: {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3 / reps as f64
    );
    let jac = jac.expect("jacobian");
    let t = Instant::now();
    for _ in 0..reps {
        std::hint::black_box(jac.clone().lu());
    }
    println!(
        "nalgebra LU ({}): {:.1} ms",
        jac.nrows(),
        t.elapsed().as_secs_f64() * 1e3 / reps as f64
    );
}

fn compare(model: &TradeModel, x: &[f64], p: &[f64]) {
    use walras::core::Equilibrium;
    let exact = model.jacobian_x(x, p).expect("analytic");
    let n = model.n_unknowns();
    let d = walras::core::autodiff::residual_and_objectives_all(model, &[], x, p, &[]);
    let mut worst = (0.0, 0, 0);
    for r in 0..n {
        for c in 0..n {
            let e = (exact[(r, c)] - d.f_x[(r, c)]).abs();
            if e > worst.0 {
                worst = (e, r, c);
            }
        }
    }
    let f = walras::core::autodiff::residual(model, x, p);
    let rhs = nalgebra::DMatrix::from_column_slice(n, 1, &f);
    let lu = exact.clone().lu();
    let step = lu.solve(&rhs).expect("solve");
    let back = &exact * &step - &rhs;
    let sv = exact.clone().svd(false, false).singular_values;
    println!(
        "|F| = {:e}, |J s - F| = {:e}, |s| = {:e}, singular values {:e} .. {:e}",
        rhs.amax(),
        back.amax(),
        step.amax(),
        sv.max(),
        sv.min()
    );
    let row_max: Vec<f64> = (0..n).map(|r| exact.row(r).amax()).collect();
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|a, b| row_max[*a].partial_cmp(&row_max[*b]).unwrap());
    for &r in idx.iter().take(5) {
        println!("small row {} max {:e}", model.unknown_name(r), row_max[r]);
    }
    println!(
        "max |analytic - dual| = {:e} at ({}, {})",
        worst.0,
        model.unknown_name(worst.1),
        model.unknown_name(worst.2)
    );
}
