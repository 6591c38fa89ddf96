//! Time `walras_api::tax::saez` (the computation behind `walras tax saez` and the Python
//! package's `walras.tax.saez_rates`: checks, unit rules, estimator, record and tables) on a
//! raw little-endian f64 income file, for a side-by-side comparison with the Python call on
//! the same array (`benches/python_saez.py`).
//!
//! `cargo run --release -p walras-api --example saez_request_timing -- FILE [REPS]`

use std::time::Instant;

use walras_api::tax::{saez, Incomes, SaezRequest};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: saez_request_timing FILE [REPS]")?;
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
    let request = SaezRequest {
        incomes: Incomes::Values {
            incomes: &incomes,
            weights: None,
            source: "timing".into(),
        },
        cutoffs: "aie-us-federal".into(),
        ..SaezRequest::default()
    };
    let mut times = Vec::with_capacity(reps);
    let mut rates = Vec::new();
    for _ in 0..reps {
        let t0 = Instant::now();
        let run = saez(&request).map_err(|e| format!("{e:#}"))?;
        times.push(t0.elapsed().as_secs_f64());
        rates = run.estimator_rates;
    }
    times.sort_by(f64::total_cmp);
    println!(
        "walras-api: {} incomes, median {:.4} s over {reps} runs (min {:.4}, max {:.4})",
        incomes.len(),
        times[reps / 2],
        times[0],
        times[reps - 1]
    );
    let shown: Vec<String> = rates.iter().map(|r| format!("{r:.17e}")).collect();
    println!("rates: {}", shown.join(" "));
    Ok(())
}
