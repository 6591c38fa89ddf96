//! Time `walras_api::trade::nash` (the computation behind `walras trade nash` and the Python
//! package's `Economy.nash`) on a data directory, for the side-by-side comparison with the
//! Python call (`benches/python_overhead.py`).
//!
//! `cargo run --release -p walras-api --example nash_request_timing -- DATA_DIR [REPS]`

use std::time::Instant;

use walras_api::trade::{load, nash, EconomyRequest, NashRequest};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let data = args
        .next()
        .ok_or("usage: nash_request_timing DATA_DIR [REPS]")?;
    let reps: usize = args.next().map_or(Ok(3), |r| r.parse())?;
    let economy = load(&EconomyRequest {
        data: Some(data.into()),
        ..EconomyRequest::default()
    })
    .map_err(|e| format!("{e:#}"))?;
    let mut times = Vec::with_capacity(reps);
    let mut welfare = 0.0;
    for _ in 0..reps {
        let t0 = Instant::now();
        let run = nash(&economy, &NashRequest::default()).map_err(|e| format!("{e:#}"))?;
        times.push(t0.elapsed().as_secs_f64());
        welfare = run.result.outcome.welfare_change_pct.iter().sum::<f64>();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "walras-api nash: median {:.4} s over {reps} runs (min {:.4}, max {:.4})",
        times[reps / 2],
        times[0],
        times[reps - 1]
    );
    println!("sum of welfare changes: {welfare:.12e}");
    Ok(())
}
