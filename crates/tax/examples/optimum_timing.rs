//! Wall time and optimiser counts of the optimal 7-bracket rates with 100,000 Pareto agents
//! for every SWF (a quick look; the criterion bench `cargo bench --bench tax` is the measure).
//!
//!     cargo run --release -p walras-tax --example optimum_timing

use std::time::Instant;

use walras_tax::{SkillDistribution, Swf, TaxEconomy, Utility};

fn main() {
    let pop = SkillDistribution::Pareto {
        alpha: 4.0,
        min: 1.0,
    }
    .population(100_000)
    .expect("valid distribution");
    let cutoffs = vec![0.0, 1.2, 1.6, 2.2, 3.2, 5.0, 9.0];
    for (name, swf) in [
        ("utilitarian", Swf::Utilitarian),
        ("rawls", Swf::Rawls),
        ("power k=1", Swf::PowerWeights { k: 1.0 }),
        ("log", Swf::Atkinson { epsilon: 1.0 }),
        ("atkinson eps=2", Swf::Atkinson { epsilon: 2.0 }),
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
        .expect("valid economy");
        let t0 = Instant::now();
        let optimizer = economy.optimizer();
        let (eval, report) = economy.optimize(&[0.2; 7], &optimizer).expect("optimum");
        println!(
            "{name:>16}: {:>7.1} ms  iters {:>3}  solves {:>3}  grads {:>3}  pg {:.1e}  {}  rates {:.4?}",
            t0.elapsed().as_secs_f64() * 1e3,
            report.iterations,
            report.inner_solves,
            report.gradient_evals,
            report.projected_gradient_norm,
            report.termination,
            eval.rates
        );
    }
}
