//! Criterion benchmarks of the Gather-Trade-Build world: one 1000-step episode with US federal
//! taxes and random valid actions (the masks computed every step), with numpy's legacy
//! generator (the reference's draws, 1,250 uniforms a step) and the fast one; and 8 episodes on
//! 1 and 2 threads (the parallel scaling).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use walras::gtb::simulate::{run_episode, simulate, Policy};
use walras::gtb::{GtbConfig, RngKind};

fn episode(c: &mut Criterion) {
    let cfg = GtbConfig::default();
    let mut group = c.benchmark_group("gtb_episode_1000_steps");
    for (name, rng) in [
        ("numpy_legacy", RngKind::NumpyLegacy),
        ("fast", RngKind::Fast),
    ] {
        let mut seed = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                seed += 1;
                black_box(run_episode(&cfg, rng, seed, 0, Policy::Random).unwrap())
            })
        });
    }
    group.finish();
}

fn parallel(c: &mut Criterion) {
    let cfg = GtbConfig::default();
    let mut group = c.benchmark_group("gtb_8_episodes");
    group.sample_size(20);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        group.bench_function(format!("{threads}_threads"), |b| {
            b.iter(|| {
                pool.install(|| {
                    black_box(
                        simulate(&cfg, RngKind::Fast, 1, 8, Policy::Random, &|| Ok(())).unwrap(),
                    )
                })
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = episode, parallel
}
criterion_main!(benches);
