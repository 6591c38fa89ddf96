//! Wall time of the P4 growth path (power-law preset) for a few task counts:
//! `cargo run --release -p walras-automation --example path_timing [N...]`.

use std::path::Path;
use std::time::Instant;

use walras_automation::scenario::{PerTask, Scenario};
use walras_automation::{simulate, Network};

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![250, 1000, 4000]
    } else {
        sizes
    };
    let no_files = |_: &Path, _: usize| -> Result<Network, String> { Err("no files".into()) };
    for n in sizes {
        let mut s = Scenario::preset("power-law").expect("preset");
        s.tasks = n;
        s.initial_data = PerTask::Scalar(0.0);
        let m = s.resolve(None, &no_files).expect("scenario");
        let start = Instant::now();
        let path = simulate(&m.economy, &m.initial_data, &m.path).expect("path");
        println!(
            "N = {n:5}: {:8.3} s, {} steps ({} rejected), {} switches, final t = {:.1}, m = {:.4}",
            start.elapsed().as_secs_f64(),
            path.steps,
            path.rejected_steps,
            path.switches,
            path.final_time(),
            path.final_equilibrium.labor_task_share
        );
    }
}
