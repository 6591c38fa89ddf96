//! Bad or oversized input fails fast with a clear error; repeated keys are refused; every
//! reported equilibrium clears its markets.

use std::path::Path;
use std::time::{Duration, Instant};

use walras_automation::limits::{check_dense, dense_bytes, total_memory, DENSE_MATRICES};
use walras_automation::monte_carlo::{monte_carlo, phase_diagram, Range};
use walras_automation::planner::{solve_planner, PlannerOptions};
use walras_automation::scenario::Scenario;
use walras_automation::{simulate, Economy, Network, NetworkSpec, StaticSolver, TaskStatus};

fn no_files(_: &Path, _: usize) -> Result<Network, String> {
    Err("no files here".into())
}

/// Runs `f` and asserts it returns within two seconds.
fn fast<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{what} took {:?}",
        start.elapsed()
    );
    out
}

fn scenario(tasks: usize, network: &str) -> Scenario {
    let text = format!(
        "name = \"t\"\ntasks = {tasks}\nsigma = 0.8\ntheta = 0.5\nhorizon = 50.0\n\
         verifiability = 0.5\ninitial_data = 1.0\n{network}"
    );
    Scenario::parse(&text, "test").unwrap()
}

#[test]
fn a_billion_tasks_is_refused_up_front_with_the_estimate() {
    let s = scenario(1_000_000_000, "");
    let err = fast("resolve", || s.resolve(None, &no_files)).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("tasks = 1000000000 is invalid: needs about 1.6e19 bytes")
            && text.contains("GiB"),
        "{text}"
    );
}

#[test]
fn an_oversized_ring_is_refused_before_allocating() {
    let spec = NetworkSpec::from_pairs("kind=ring,neighbors=2,weight=0.5").unwrap();
    // Ten million tasks need 1.6e15 bytes: more than any machine.
    let err = fast("build", || Network::build(&spec, 10_000_000, 0)).unwrap_err();
    assert!(
        err.to_string()
            .contains("tasks = 10000000 needs about 1.6e15 bytes"),
        "{err}"
    );
    // The 100,000-task ring of the report: refused on any machine with less than 149 GiB.
    let need = dense_bytes(100_000, DENSE_MATRICES);
    assert!(check_dense(100_000, DENSE_MATRICES, 24 << 30).is_err());
    if need > total_memory() as f64 {
        let err = fast("build", || Network::build(&spec, 100_000, 0)).unwrap_err();
        assert!(
            err.to_string().contains("needs about 1.6e11 bytes"),
            "{err}"
        );
    }
}

#[test]
fn a_dense_network_grows_without_cubic_cost_and_verifies() {
    // 300 tasks on a complete network: was ~5 s (O(N^2) per evaluation); now well under.
    let s = scenario(300, "[network]\nkind = \"complete\"\nweight = 0.01\n");
    let m = s.resolve(None, &no_files).unwrap();
    let start = Instant::now();
    let path = simulate(&m.economy, &m.initial_data, &m.path).unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert!(path.steps > 10);
    assert_clears(&m.economy, &path.final_equilibrium, m.path.capital);
}

#[test]
fn repeated_keys_are_refused_naming_the_key() {
    let s = Scenario::preset("core-periphery").unwrap();
    let ranges = [
        Range::parse("sigma=0.5:0.9").unwrap(),
        Range::parse("sigma=0.6:1.0").unwrap(),
    ];
    let err = monte_carlo(&s, &ranges, 4, 1, 11, &no_files).unwrap_err();
    assert!(
        err.to_string().contains("the key sigma is given twice"),
        "{err}"
    );
    let values = [0.5, 0.9];
    let err = phase_diagram(&s, ("theta", &values), ("theta", &values), &no_files).unwrap_err();
    assert!(
        err.to_string().contains("the key theta is given twice"),
        "{err}"
    );
    let err = NetworkSpec::from_pairs("kind=ring,neighbors=2,neighbors=3,weight=0.5").unwrap_err();
    assert!(err.to_string().contains("neighbors"), "{err}");
}

/// Labour and capital clear and the price index is 1, to 1e-8 relative.
fn assert_clears(e: &Economy, eq: &walras_automation::Allocation, capital: f64) {
    let n = e.tasks();
    let labor: f64 = (0..n).map(|i| e.mass[i] * eq.labor[i]).sum();
    let used: f64 = (0..n).map(|i| e.mass[i] * eq.capital[i]).sum();
    assert!((labor - e.labor).abs() <= 1e-8 * e.labor, "labour {labor}");
    assert!((used - capital).abs() <= 1e-8 * capital, "capital {used}");
    let sigma = e.sigma;
    let ln_p = if (sigma - 1.0).abs() < 1e-9 {
        (0..n).map(|i| e.mass[i] * eq.price[i].ln()).sum::<f64>()
    } else {
        let s: f64 = (0..n)
            .map(|i| e.mass[i] * eq.price[i].powf(1.0 - sigma))
            .sum();
        s.ln() / (1.0 - sigma)
    };
    assert!(ln_p.abs() <= 1e-8, "ln P = {ln_p}");
}

#[test]
fn every_market_equilibrium_clears_its_markets() {
    let n = 40;
    for sigma in [0.3, 0.8, 0.95, 1.0, 1.05, 2.5] {
        for spread in [0.1, 5.0, 60.0] {
            let mut e = Economy::symmetric(n, sigma);
            let w: Vec<f64> = (0..n).map(|i| 1.0 + (i % 7) as f64).collect();
            let total: f64 = w.iter().sum();
            e.mass = w.iter().map(|v| v / total).collect();
            e.validate().unwrap();
            e.labor_productivity = (0..n).map(|i| 0.5 + (i % 3) as f64 * 0.4).collect();
            let ln_ai: Vec<f64> = (0..n)
                .map(|i| spread * (((i * 13) % n) as f64 / n as f64 - 0.5))
                .collect();
            let mut solver = StaticSolver::market(&e);
            for capital in [1e-3, 1.0, 40.0] {
                let eq = solver.equilibrium(&ln_ai, capital).unwrap_or_else(|err| {
                    panic!("sigma {sigma}, spread {spread}, K {capital}: {err}")
                });
                assert_clears(&e, &eq, capital);
                assert!(
                    eq.status
                        .iter()
                        .filter(|s| **s == TaskStatus::Split)
                        .count()
                        <= 1
                );
            }
        }
    }
}

#[test]
fn planner_allocations_are_verified() {
    let s = Scenario::preset("core-periphery").unwrap();
    let m = s.resolve(None, &no_files).unwrap();
    let options = PlannerOptions {
        horizon: 20.0,
        grid: 60,
        capital: m.path.capital,
        ..PlannerOptions::default()
    };
    let r = solve_planner(&m.economy, &m.initial_data, &options).unwrap();
    for row in &r.planner_capital {
        let used: f64 = row.iter().zip(&m.economy.mass).map(|(k, a)| k * a).sum();
        assert!(
            (used - options.capital).abs() <= 1e-8 * options.capital,
            "capital used {used}"
        );
    }
}

#[test]
fn masses_within_the_validation_tolerance_verify_at_extreme_productivities() {
    for sigma in [1.0, 0.98, 0.5, 2.0] {
        let mut e = Economy::symmetric(3, sigma);
        e.mass = vec![0.3 + 9e-10, 0.3, 0.4];
        e.validate().unwrap();
        let mut solver = StaticSolver::market(&e);
        for ln_ai in [
            [300.0, -300.0, 0.0],
            [-250.0, 200.0, 5.0],
            [600.0, 550.0, -600.0],
        ] {
            for capital in [1e-6, 1.0, 1e6] {
                solver
                    .equilibrium(&ln_ai, capital)
                    .unwrap_or_else(|err| panic!("sigma {sigma}, {ln_ai:?}, K {capital}: {err}"));
            }
        }
    }
}

#[test]
fn sweeps_too_large_to_hold_are_refused_up_front() {
    let s = Scenario::preset("core-periphery").unwrap();
    let ranges = [Range::parse("theta=0.3:0.6").unwrap()];
    let err = fast("monte carlo", || {
        monte_carlo(&s, &ranges, 1_000_000_000_000, 1, 11, &no_files)
    })
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("draws = 1000000000000 is invalid"),
        "{err}"
    );
    let err =
        walras_automation::monte_carlo::GridAxis::parse("theta=0.3:0.6:1000000000").unwrap_err();
    assert!(err.to_string().contains("at most 10000 points"), "{err}");
    let values: Vec<f64> = (0..10_000).map(|i| 0.3 + 3e-5 * i as f64).collect();
    let err = fast("phase diagram", || {
        phase_diagram(&s, ("theta", &values), ("sigma", &values), &no_files)
    })
    .unwrap_err();
    assert!(
        err.to_string().starts_with("grid = 100000000 is invalid"),
        "{err}"
    );
}

#[test]
fn cobb_douglas_task_output_survives_an_underflowing_price() {
    // Tiny output, a price below the floating-point range, a representable task output.
    let mut e = Economy::symmetric(2, 1.0);
    e.labor = 1e-30;
    let eq = StaticSolver::market(&e)
        .equilibrium(&[760.0, -10.0], 1e-40)
        .unwrap();
    assert!(
        eq.task_output.iter().all(|y| y.is_finite() && *y > 0.0),
        "{:?}",
        eq.task_output
    );
}
