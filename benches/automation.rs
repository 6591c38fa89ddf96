//! Criterion benchmarks of the automation model against its performance targets (2 cores):
//! a growth path with N = 1,000 tasks until the labour task share falls below 0.01 in the P4
//! power-law setting (target <= 1 s), the planner with N = 100 tasks (target <= 10 s), and a
//! Monte Carlo of 1,000 draws of a 100-task economy (target <= 30 s).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use walras::automation::monte_carlo::{monte_carlo, Range};
use walras::automation::planner::{solve_planner, PlannerOptions};
use walras::automation::scenario::Scenario;
use walras::automation::{simulate, Network};

fn no_files(_: &Path, _: usize) -> Result<Network, String> {
    Err("benchmarks use no network files".into())
}

/// The 100-task economy of the planner and Monte Carlo benchmarks: a ring of spillovers,
/// complementary tasks, verifiability spread over (0, 1).
const ECONOMY_100: &str = r#"
tasks = 100
sigma = 0.8
theta = 0.5
chi = 0.5
labor = 1.0
capital = 1.0
initial_data = 1.0
verifiability = "uniform:low=0.05,high=1.0"
horizon = 50.0
[network]
kind = "ring"
neighbors = 2
weight = 0.1
"#;

fn growth_path(c: &mut Criterion) {
    let model = Scenario::preset("power-law")
        .unwrap()
        .resolve(None, &no_files)
        .unwrap();
    assert_eq!(model.economy.tasks(), 1000);
    let mut g = c.benchmark_group("automation");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("growth path N=1000 until m<0.01 (P4)", |b| {
        b.iter(|| black_box(simulate(&model.economy, &model.initial_data, &model.path).unwrap()))
    });
    let scenario = Scenario::parse(ECONOMY_100, "economy-100").unwrap();
    let model = scenario.resolve(None, &no_files).unwrap();
    let options = PlannerOptions {
        horizon: 50.0,
        discount: 0.05,
        capital: 1.0,
        ..PlannerOptions::default()
    };
    g.bench_function("planner N=100", |b| {
        b.iter(|| black_box(solve_planner(&model.economy, &model.initial_data, &options).unwrap()))
    });
    let ranges = [
        Range {
            key: "theta".into(),
            low: 0.3,
            high: 0.7,
        },
        Range {
            key: "network.weight".into(),
            low: 0.0,
            high: 0.3,
        },
    ];
    g.measurement_time(Duration::from_secs(60));
    g.bench_function("Monte Carlo 1000 draws x 100 tasks", |b| {
        b.iter(|| black_box(monte_carlo(&scenario, &ranges, 1000, 1, 101, &no_files).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, growth_path);
criterion_main!(benches);
