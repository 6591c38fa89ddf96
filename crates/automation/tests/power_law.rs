//! P4: under full automation with Cobb-Douglas tasks the labour task share decays as a power
//! law, and with N = 4,000 tasks the simulation matches the quadrature oracle t(m).

use walras_automation::dynamics::power_law_oracle_time as oracle_time;
use walras_automation::{simulate, Economy, PathOptions, StopReason};

fn power_law_economy(n: usize, kappa: f64) -> Economy {
    let mut e = Economy::symmetric(n, 1.0);
    e.chi = 1.0;
    e.verifiability = (0..n)
        .map(|i| ((i as f64 + 0.5) / n as f64).powf(1.0 / kappa))
        .collect();
    e
}

#[test]
fn labour_task_share_follows_the_power_law_oracle() {
    let (theta, kappa, n) = (0.5, 1.0, 4000);
    let e = power_law_economy(n, kappa);
    let options = PathOptions {
        horizon: 1e9,
        capital: 1.0,
        stop_labor_share: Some(0.009),
        ..Default::default()
    };
    let start = std::time::Instant::now();
    let path = simulate(&e, &vec![0.0; n], &options).unwrap();
    eprintln!(
        "N = {n}: {} steps, {} rejected, {} switches, {:?}",
        path.steps,
        path.rejected_steps,
        path.switches,
        start.elapsed()
    );
    assert_eq!(path.stop, StopReason::LaborShare);
    for &m in &[0.9, 0.7, 0.5, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01] {
        let k = path
            .points
            .iter()
            .position(|p| p.labor_task_share <= m)
            .unwrap();
        let (p0, p1) = (&path.points[k - 1], &path.points[k]);
        let s = (p0.labor_task_share - m) / (p0.labor_task_share - p1.labor_task_share);
        let t_sim = p0.t + s * (p1.t - p0.t);
        let t_oracle = oracle_time(m, theta, kappa);
        eprintln!("m = {m}: t = {t_sim:.5} vs oracle {t_oracle:.5}");
        assert!(
            (t_sim / t_oracle - 1.0).abs() < 0.03,
            "m = {m}: t = {t_sim} vs oracle {t_oracle}"
        );
    }
}
