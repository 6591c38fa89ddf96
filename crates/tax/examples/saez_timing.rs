//! Time the AI Economist binned Saez estimator on a raw little-endian f64 income file (as
//! written by `benches/saez_vs_numpy.py`) and print the bracket rates, for a side-by-side
//! comparison with the AI Economist's numpy code on the same array.
//!
//! `cargo run --release -p walras-tax --example saez_timing -- FILE [REPS]`

use std::time::Instant;

use walras_tax::{aie_binned_saez, SaezWeights, AIE_US_FEDERAL_CUTOFFS};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: saez_timing FILE [REPS]")?;
    let reps: usize = args.next().map_or(Ok(7), |r| r.parse())?;
    let bytes = std::fs::read(&path)?;
    if bytes.len() % 8 != 0 {
        return Err(format!(
            "{path}: {} bytes is not a whole number of f64 values",
            bytes.len()
        )
        .into());
    }
    let incomes: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    let mut times = Vec::with_capacity(reps);
    let mut rates = Vec::new();
    for _ in 0..reps {
        let t0 = Instant::now();
        let est = aie_binned_saez(
            &incomes,
            None,
            &AIE_US_FEDERAL_CUTOFFS,
            0.5,
            SaezWeights::InverseIncome,
            0.0,
            1.0,
        )?;
        times.push(t0.elapsed().as_secs_f64());
        rates = est.rates;
    }
    times.sort_by(f64::total_cmp);
    println!(
        "walras: {} incomes, median {:.4} s over {reps} runs (min {:.4}, max {:.4})",
        incomes.len(),
        times[reps / 2],
        times[0],
        times[reps - 1]
    );
    println!(
        "walras rates: {}",
        rates
            .iter()
            .map(|r| format!("{r:.12}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    Ok(())
}
