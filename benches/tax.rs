//! Criterion benchmarks of the tax model against its performance targets:
//! optimal 7-bracket rates with 100,000 agents (target <= 0.2 s) and the AI Economist's binned
//! Saez estimator on 10,000,000 incomes (its numpy code: about 0.10 s on this machine class),
//! `walras tax compare` end to end (target <= 2 s), and the Mirrlees ABC fixed point with
//! and without Anderson acceleration.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use walras::tax::{
    aie_binned_saez, solve_mirrlees, MirrleesOptions, SaezWeights, SkillDistribution, Swf,
    TaxEconomy, Utility, AIE_US_FEDERAL_CUTOFFS,
};

fn optimal_brackets(c: &mut Criterion) {
    let pop = SkillDistribution::Pareto {
        alpha: 4.0,
        min: 1.0,
    }
    .population(100_000)
    .unwrap();
    let cutoffs = vec![0.0, 1.2, 1.6, 2.2, 3.2, 5.0, 9.0];
    let mut g = c.benchmark_group("tax");
    g.sample_size(10);
    for (name, swf) in [
        ("utilitarian", Swf::Utilitarian),
        ("rawls", Swf::Rawls),
        ("power k=1", Swf::PowerWeights { k: 1.0 }),
        ("log", Swf::Atkinson { epsilon: 1.0 }),
        ("inverse-income", Swf::InverseIncome),
        (
            "eq-times-prod",
            Swf::EqualityTimesProductivity {
                aie_correction: false,
            },
        ),
    ] {
        let economy = TaxEconomy::new(
            pop.clone(),
            Utility::QuasiLinear { elasticity: 1.0 },
            swf,
            cutoffs.clone(),
        )
        .unwrap();
        g.bench_function(
            format!("optimal 7-bracket rates, 100k agents, {name}"),
            |b| {
                b.iter(|| {
                    economy
                        .optimize(black_box(&[0.2; 7]), &economy.optimizer())
                        .unwrap()
                })
            },
        );
    }
    g.finish();
}

fn saez(c: &mut Criterion) {
    // 10M lognormal incomes (median 60, sigma 1) from a fixed xorshift stream.
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let incomes: Vec<f64> = (0..10_000_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let u = ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
            60.0 * walras::tax::normal_quantile(u).exp()
        })
        .collect();
    let mut g = c.benchmark_group("tax");
    g.sample_size(10);
    g.bench_function("AIE binned Saez, 10M incomes", |b| {
        b.iter(|| {
            aie_binned_saez(
                black_box(&incomes),
                None,
                &AIE_US_FEDERAL_CUTOFFS,
                0.5,
                SaezWeights::InverseIncome,
                0.0,
                1.0,
            )
            .unwrap()
        })
    });
    g.finish();
}

/// `walras tax compare` on the embedded CPS sample, end to end (process start to exit).
fn compare_end_to_end(c: &mut Criterion) {
    let mut g = c.benchmark_group("tax");
    g.sample_size(10);
    g.bench_function("walras tax compare (CPS sample), end to end", |b| {
        b.iter(|| {
            let status = std::process::Command::new(env!("CARGO_BIN_EXE_walras"))
                .args(["tax", "compare", "--quiet", "--format", "json"])
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
        })
    });
    g.finish();
}

fn mirrlees(c: &mut Criterion) {
    // The default problem of `walras tax mirrlees`: log welfare, lognormal(0, 0.5) skills,
    // e = 0.5, 400 grid points; Anderson memory 5 (default) against the plain damped iteration.
    let dist = SkillDistribution::Lognormal {
        mu: 0.0,
        sigma: 0.5,
    };
    let swf = Swf::Atkinson { epsilon: 1.0 };
    let mut g = c.benchmark_group("tax");
    for memory in [5, 0] {
        let options = MirrleesOptions {
            anderson_memory: memory,
            ..MirrleesOptions::default()
        };
        g.bench_function(
            format!("Mirrlees ABC fixed point, 400 points, Anderson memory {memory}"),
            |b| b.iter(|| solve_mirrlees(black_box(&dist), 0.5, &swf, &options).unwrap()),
        );
    }
    g.finish();
}

criterion_group!(
    benches,
    optimal_brackets,
    saez,
    compare_end_to_end,
    mirrlees
);
criterion_main!(benches);
