//! Criterion benchmarks of the trade model against its performance targets, on the real data in
//! `$WALRAS_DATA_DIR` (../shared/data; skipped with a message without it):
//! a warm equilibrium solve of the 7x44 economy with IO links and scale economies (target
//! <= 20 ms), the adjoint gradient of one country's welfare w.r.t. all its 132 tariffs
//! (target <= 3 solves), the US's unilateral optimal tariffs (+ subsidies) (target <= 2 s), and
//! `walras trade nash` on WIOD 2014 with uniform tariffs, the whole process (target <= 0.25 s;
//! Lashkaripour's package: about 2.5 s under Octave).

use std::hint::black_box;

// The binary's allocator, so that the benches time what `walras` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use walras::core::{adjoint_gradients, solve, SolverOptions, WarmStart};
use walras::trade::{InstrumentSet, TradeModel};

fn data_dir() -> Option<PathBuf> {
    walras::data::shared_data_dir().ok()
}

fn dlopt(c: &mut Criterion) {
    let Some(data) = data_dir() else {
        eprintln!("trade benches skipped: set WALRAS_DATA_DIR to the shared data folder");
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    walras::data::trade_import::import(
        "dlopt".parse().expect("layout"),
        &data.join("dlopt_7x44_2017"),
        tmp.path(),
    )
    .expect("import dlopt");
    let scenario = walras::data::TradeScenario::load(Some(tmp.path()), &Default::default())
        .expect("calibrated, purged dlopt baseline");
    let options = scenario.inner;
    let base = scenario.baseline;
    let model = TradeModel::new(base, InstrumentSet::default()).expect("model");
    let p0 = model.baseline_policy();
    let x0 = solve(&model, &p0, None, &options).expect("baseline").x;
    let mut p1 = p0.clone();
    for v in p1.iter_mut() {
        *v += 0.01;
    }
    let x1 = solve(&model, &p1, Some(&x0), &options).expect("solve").x;
    let usa = model.baseline().country("USA").expect("USA");
    let own = model.policy_map().block(usa).to_vec();
    let mut g = c.benchmark_group("trade");
    g.sample_size(10);
    g.bench_function(
        "dlopt 7x44 (IO + scale): warm solve, all tariffs +0.01",
        |b| b.iter(|| solve(&model, black_box(&p1), Some(&x0), &options).expect("solve")),
    );
    // As in an optimiser's or a game's steps: the previous equilibrium with its factorised
    // Jacobian (Broyden steps on it, no new Jacobian).
    let warm = WarmStart::new(&model, x0.clone(), &p0).expect("factorise");
    g.bench_function(
        "dlopt 7x44 (IO + scale): warm solve with the kept factorisation, all tariffs +0.01",
        |b| b.iter(|| warm.solve(&model, black_box(&p1), &options).expect("solve")),
    );
    g.bench_function(
        "dlopt 7x44: adjoint gradient of US welfare, 132 US tariffs",
        |b| {
            b.iter(|| {
                adjoint_gradients(&model, &x1, black_box(&p1), &[usa], &own).expect("gradient")
            })
        },
    );
    // A unilateral optimum: L-BFGS to 1e-4, then Newton-type steps on the first-order
    // conditions (the path `walras trade optimal` takes).
    let optimizer = walras::core::PolicyOptimizer::new()
        .with_pg_tol(1e-8)
        .expect("tol")
        .with_stall_tol(1e-6)
        .expect("tol");
    let by_sector = InstrumentSet {
        tariffs: Some(walras::trade::Structure::Sector),
        subsidies: Some(walras::trade::Structure::Sector),
        ..InstrumentSet::default()
    };
    let both = TradeModel::new(model.baseline().clone().into(), by_sector).expect("model");
    let start = both.baseline_policy();
    g.bench_function(
        "dlopt 7x44: US unilateral optimal tariffs + subsidies (22 + 43, by sector)",
        |b| {
            b.iter(|| {
                walras::trade::unilateral(&both, usa, black_box(&start), &optimizer)
                    .expect("optimum")
            })
        },
    );
    let start = model.baseline_policy();
    g.bench_function(
        "dlopt 7x44: US unilateral optimal tariffs (132, by partner and sector)",
        |b| {
            b.iter(|| {
                walras::trade::unilateral(&model, usa, black_box(&start), &optimizer)
                    .expect("optimum")
            })
        },
    );
    g.finish();
    stacked_jacobians(c, &model);
}

/// The stacked Nash solver's Newton model (every government's own gradients differentiated in
/// all instruments) at the baseline equilibrium: forward differences of adjoint gradients at
/// linearised probes (what `StackedFoc` builds), against exact second derivatives from
/// hyper-dual numbers.
fn stacked_jacobians(c: &mut Criterion, tariffs_by_partner_and_sector: &TradeModel) {
    use walras::core::{
        differenced_gradient_jacobian, exact_gradient_jacobian, players_from_blocks, Equilibrium,
    };
    let options = SolverOptions::default();
    let mut g = c.benchmark_group("trade");
    g.sample_size(10);
    for (label, structure) in [
        ("7 uniform tariffs", walras::trade::Structure::Uniform),
        ("42 tariffs by partner", walras::trade::Structure::Partner),
    ] {
        let set = InstrumentSet {
            tariffs: Some(structure),
            ..InstrumentSet::default()
        };
        let model = TradeModel::new(tariffs_by_partner_and_sector.baseline().clone().into(), set)
            .expect("model");
        let p = model.baseline_policy();
        let x = solve(&model, &p, None, &options).expect("baseline").x;
        let players = players_from_blocks(model.policy_space());
        g.bench_function(
            format!("dlopt 7x44: stacked Nash Jacobian, {label}, forward differences"),
            |b| {
                b.iter(|| {
                    differenced_gradient_jacobian(&model, &players, black_box(&p), &x, 1e-4)
                        .expect("jacobian")
                })
            },
        );
        g.bench_function(
            format!("dlopt 7x44: stacked Nash Jacobian, {label}, exact (hyper-dual)"),
            |b| {
                b.iter(|| {
                    exact_gradient_jacobian(&model, &players, black_box(&p), &x).expect("jacobian")
                })
            },
        );
    }
    g.finish();
}

fn wiod_nash(c: &mut Criterion) {
    let Some(data) = data_dir() else {
        return;
    };
    let wiod = data.join("wiod2014_44x16");
    let mut g = c.benchmark_group("trade");
    g.sample_size(10);
    g.bench_function(
        "walras trade nash, WIOD 44x16 uniform tariffs, end to end",
        |b| {
            b.iter(|| {
                let o = std::process::Command::new(env!("CARGO_BIN_EXE_walras"))
                    .args([
                        "trade",
                        "nash",
                        "--data",
                        wiod.to_str().expect("utf-8 path"),
                        "--tariff-structure",
                        "uniform",
                        "--quiet",
                        "--format",
                        "json",
                    ])
                    .output()
                    .expect("walras runs");
                assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            })
        },
    );
    g.finish();
}

criterion_group!(benches, dlopt, wiod_nash);
criterion_main!(benches);
