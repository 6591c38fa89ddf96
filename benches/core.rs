//! Criterion benchmarks of the NFXP engine on the canonical fixtures: inner solves (cold and
//! warm), one adjoint gradient, and Nash equilibria by best responses.
//!
//! Run: `cargo bench --bench core` (add `-- --quick` for a fast pass). The headline ratio is
//! adjoint gradient / warm inner solve (target <= 3).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use walras::core::fixtures::{ArmingtonTariffGame, ArmingtonWorld, Cournot, ExchangeEconomy};
use walras::core::{
    adjoint_gradients, players_from_blocks, solve, BestResponse, Equilibrium, SolverOptions,
    UpdateOrder,
};

fn inner_and_gradient(c: &mut Criterion) {
    let opts = SolverOptions::default();
    let game = ArmingtonTariffGame::symmetric(4.0, 1.5);
    let policy = [0.25, 0.2];
    // A warm start is the equilibrium at a nearby policy, as in an outer optimisation step.
    let nearby = solve(&game, &[0.24, 0.21], None, &opts).unwrap().x;
    let at = solve(&game, &policy, None, &opts).unwrap().x;

    let mut g = c.benchmark_group("armington");
    g.bench_function("inner solve, cold", |b| {
        b.iter(|| solve(&game, black_box(&policy), None, &opts).unwrap())
    });
    g.bench_function("inner solve, warm", |b| {
        b.iter(|| solve(&game, black_box(&policy), Some(&nearby), &opts).unwrap())
    });
    g.bench_function("adjoint gradient, one objective", |b| {
        b.iter(|| adjoint_gradients(&game, black_box(&at), &policy, &[0], &[0, 1]).unwrap())
    });
    g.finish();

    let exchange = ExchangeEconomy::default();
    let x_near = solve(&exchange, &[0.31], None, &opts).unwrap().x;
    let x_at = solve(&exchange, &[0.3], None, &opts).unwrap().x;
    let mut g = c.benchmark_group("exchange");
    g.bench_function("inner solve, warm", |b| {
        b.iter(|| solve(&exchange, black_box(&[0.3]), Some(&x_near), &opts).unwrap())
    });
    g.bench_function("adjoint gradient, one objective", |b| {
        b.iter(|| adjoint_gradients(&exchange, black_box(&x_at), &[0.3], &[0], &[0]).unwrap())
    });
    g.finish();
}

/// The N-country world: how the gradient/solve ratio holds up as the system grows.
fn world(c: &mut Criterion) {
    let opts = SolverOptions::default();
    let mut g = c.benchmark_group("world");
    for n in [10, 40] {
        let world = ArmingtonWorld::seeded(n, 5.0, 42);
        let policy: Vec<f64> = (0..n).map(|i| 0.1 + 0.01 * i as f64).collect();
        let nearby: Vec<f64> = policy.iter().map(|t| t + 0.005).collect();
        let x_near = solve(&world, &nearby, None, &opts).unwrap().x;
        let x_at = solve(&world, &policy, None, &opts).unwrap().x;
        let all: Vec<usize> = (0..n).collect();
        g.bench_function(format!("N={n}: inner solve, warm"), |b| {
            b.iter(|| solve(&world, black_box(&policy), Some(&x_near), &opts).unwrap())
        });
        g.bench_function(
            format!("N={n}: adjoint gradient, one objective, all tariffs"),
            |b| {
                b.iter(|| adjoint_gradients(&world, black_box(&x_at), &policy, &[0], &all).unwrap())
            },
        );
    }
    let world = ArmingtonWorld::seeded(10, 5.0, 42);
    let countries = players_from_blocks(world.policy_space());
    g.sample_size(10);
    g.bench_function("N=10: Nash tariff war, jacobi", |b| {
        b.iter(|| {
            BestResponse::new()
                .solve(&world, &countries, black_box(&[0.0; 10]), |_| {})
                .unwrap()
        })
    });
    g.finish();
}

fn nash(c: &mut Criterion) {
    let game = ArmingtonTariffGame::symmetric(4.0, 1.5);
    let countries = players_from_blocks(game.policy_space());
    let cournot = Cournot::new(10.0, 1.0, vec![1.0, 2.0, 1.5, 0.5]).unwrap();
    let firms = players_from_blocks(cournot.policy_space());
    let mut g = c.benchmark_group("nash");
    g.bench_function("armington tariff war, jacobi", |b| {
        b.iter(|| {
            BestResponse::new()
                .solve(&game, &countries, black_box(&[0.0, 0.0]), |_| {})
                .unwrap()
        })
    });
    g.bench_function("cournot 4 firms, gauss-seidel", |b| {
        b.iter(|| {
            BestResponse::new()
                .with_update_order(UpdateOrder::GaussSeidel)
                .solve(&cournot, &firms, black_box(&[1.0; 4]), |_| {})
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, inner_and_gradient, world, nash);
criterion_main!(benches);
