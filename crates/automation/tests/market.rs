//! The static market as a core economy: at zero subsidies it is the market equilibrium; the
//! core verifies its own solve; exact (dual-number) implicit derivatives of output and of the
//! planner's static Hamiltonian in the subsidies match central differences of full re-solves;
//! the Hamiltonian's gradient vanishes at the planner's decentralising subsidies.

use std::path::Path;

use walras_automation::market::Market;
use walras_automation::planner::{hamiltonian_gradient, PlannerUtility};
use walras_automation::scenario::Scenario;
use walras_automation::{equilibrium, Economy, Network};
use walras_core::{adjoint_gradients, solve, Equilibrium, SolveMethod, SolverOptions, Welfare};

fn no_files(_: &Path, _: usize) -> Result<Network, String> {
    Err("no files here".into())
}

/// Eight tasks with uneven masses and labour productivities, chi = 0.5, no spillovers.
fn economy(sigma: f64) -> Economy {
    economy_with(sigma, 0.5, "kind = \"identity\"")
}

/// The same tasks with `chi` and the network `network` (TOML keys).
fn economy_with(sigma: f64, chi: f64, network: &str) -> Economy {
    let text = format!(
        "name = \"market\"\ntasks = 8\nsigma = {sigma}\ntheta = 0.5\nchi = {chi}\nlabor = 1.0\n\
         capital = 1.0\nai_productivity = 1.0\ninitial_data = 1.0\nverifiability = 0.5\n\
         task_mass = [0.05, 0.1, 0.15, 0.2, 0.1, 0.15, 0.15, 0.1]\n\
         labor_productivity = [1.0, 1.3, 0.8, 1.1, 0.9, 1.2, 1.0, 0.7]\n\
         horizon = 10.0\ndelta_data = 0.05\n[network]\n{network}\n"
    );
    Scenario::parse(&text, "market test")
        .unwrap()
        .resolve(None, &no_files)
        .unwrap()
        .economy
}

fn ln_ai() -> Vec<f64> {
    (0..8).map(|i| -1.2 + 0.35 * i as f64).collect()
}

/// Capital stocks at which the zero-subsidy market has a split task, and at which it has none.
fn capitals(e: &Economy) -> (f64, f64) {
    let grid: Vec<f64> = (1..200).map(|k| 0.01 * k as f64).collect();
    let split = |k: f64| !equilibrium(e, &ln_ai(), k).unwrap().splits.is_empty();
    let with = *grid.iter().find(|&&k| split(k)).expect("a split regime");
    let without = *grid
        .iter()
        .find(|&&k| !split(k) && equilibrium(e, &ln_ai(), k).unwrap().automated_mass(e) > 0.2)
        .expect("a regime without a split task");
    (with, without)
}

fn subsidies() -> Vec<f64> {
    (0..8).map(|i| 0.01 * (1 + i % 3) as f64).collect()
}

/// The equilibrium of a full re-solve at subsidies `s` (the market's own structured solver).
fn resolved(market: &Market, s: &[f64]) -> Vec<f64> {
    market
        .structured_solve(&market.policy(s), None)
        .unwrap()
        .unwrap()
}

/// Central differences of objective `k` over full re-solves, against the adjoint gradient.
fn check_gradient(market: &Market, s: &[f64], k: usize, label: &str) -> f64 {
    let x = resolved(market, s);
    let all: Vec<usize> = (0..s.len()).collect();
    let exact = adjoint_gradients(market, &x, &market.policy(s), &[k], &all)
        .unwrap()
        .gradients;
    let h = 1e-5;
    let mut worst: f64 = 0.0;
    for j in 0..s.len() {
        let value = |sign: f64| {
            let mut p = s.to_vec();
            p[j] += sign * h;
            market.objective(k, &resolved(market, &p), &market.policy(&p))
        };
        let fd = (value(1.0) - value(-1.0)) / (2.0 * h);
        let scale = exact.row(0).iter().fold(1e-3_f64, |m, g| m.max(g.abs()));
        let err = (exact[(0, j)] - fd).abs() / scale;
        worst = worst.max(err);
        assert!(
            err <= 1e-6,
            "{label}: d objective {k} / d s[{j}]: exact {:.12e}, central differences {fd:.12e} (relative error {err:.1e})",
            exact[(0, j)]
        );
    }
    worst
}

#[test]
fn at_zero_subsidies_the_market_is_the_equilibrium() {
    for sigma in [0.5, 1.0, 2.0] {
        let e = economy(sigma);
        let (with, without) = capitals(&e);
        for capital in [with, without, 0.37, 1.5] {
            let eq = equilibrium(&e, &ln_ai(), capital).unwrap();
            let (market, x) = Market::new(&e, &ln_ai(), capital, &[0.0; 8]).unwrap();
            let rel = |a: f64, b: f64| (a - b).abs() / b.abs();
            assert!(
                rel(x[0].exp(), eq.output) < 1e-12,
                "sigma {sigma}, K {capital}"
            );
            assert!(
                rel(x[1].exp(), eq.wage) < 1e-12,
                "sigma {sigma}, K {capital}"
            );
            assert!(
                rel(x[2].exp(), eq.rental) < 1e-12,
                "sigma {sigma}, K {capital}"
            );
            assert_eq!(
                market.split_task(),
                eq.splits.first().copied(),
                "sigma {sigma}, K {capital}"
            );
            for i in 0..8 {
                assert_eq!(
                    market.uses_ai(i),
                    eq.status[i] != walras_automation::TaskStatus::Labor
                );
            }
        }
    }
}

#[test]
fn the_core_verifies_the_market_s_own_solve() {
    let e = economy(0.5);
    let (with, _) = capitals(&e);
    let (market, x) = Market::new(&e, &ln_ai(), with, &subsidies()).unwrap();
    let sol = solve(
        &market,
        &market.policy(&subsidies()),
        None,
        &SolverOptions::default(),
    )
    .unwrap();
    assert_eq!(sol.report.method, SolveMethod::Structured);
    assert!(
        sol.report.residual_inf_norm <= sol.report.tolerance,
        "{:?}",
        sol.report
    );
    assert!(x.iter().zip(&sol.x).all(|(a, b)| (a - b).abs() < 1e-12));
    // A policy that moves a task across the frontier is an error that says so: raise the
    // subsidy of each labour task until some task changes technique (every policy before
    // that is verified).
    let mut flipped = None;
    'search: for j in (0..8).filter(|&i| !market.uses_ai(i)) {
        for step in 1..=40 {
            let mut s = subsidies();
            s[j] += 0.1 * step as f64;
            match solve(&market, &market.policy(&s), None, &SolverOptions::default()) {
                Ok(sol) => assert!(sol.report.residual_inf_norm <= sol.report.tolerance),
                Err(e) => {
                    flipped = Some((j, s[j], e.to_string()));
                    break 'search;
                }
            }
        }
    }
    let (j, subsidy, err) = flipped.expect("a subsidy that moves the frontier");
    assert!(
        err.contains("changes technique") && err.contains("build it again"),
        "subsidy {subsidy} on task {j}: {err}"
    );
}

#[test]
fn output_derivatives_in_the_subsidies_match_differences_of_resolves() {
    for sigma in [0.5, 1.0, 2.0] {
        let e = economy(sigma);
        let (with, without) = capitals(&e);
        for (capital, regime) in [(with, "split"), (without, "no split")] {
            let (market, _) = Market::new(&e, &ln_ai(), capital, &subsidies()).unwrap();
            let err = check_gradient(
                &market,
                &subsidies(),
                0,
                &format!("sigma {sigma}, {regime}"),
            );
            eprintln!("sigma {sigma}, {regime} (K = {capital}): d ln Y / d s, worst relative error {err:.1e}");
        }
    }
}

#[test]
fn the_hamiltonian_is_stationary_at_the_decentralising_subsidies() {
    for sigma in [0.5, 1.0, 2.0] {
        let e = economy(sigma);
        let (_, capital) = capitals(&e);
        let values: Vec<f64> = (0..8).map(|i| 0.02 + 0.01 * i as f64).collect();
        let star = Market::decentralising_subsidies(&e, &ln_ai(), capital, &values).unwrap();
        let (market, x) = Market::new(&e, &ln_ai(), capital, &star).unwrap();
        let market = market.with_data_value(values.clone()).unwrap();
        let all: Vec<usize> = (0..8).collect();
        let g = adjoint_gradients(&market, &x, &market.policy(&star), &[1], &all)
            .unwrap()
            .gradients;
        let away: Vec<f64> = star.iter().map(|s| s * 1.05 + 1e-3).collect();
        let x_away = resolved(&market, &away);
        let g_away = adjoint_gradients(&market, &x_away, &market.policy(&away), &[1], &all)
            .unwrap()
            .gradients;
        let scale = g_away.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let at_star = g.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        eprintln!("sigma {sigma}: |grad H| {at_star:.1e} at s*, {scale:.1e} 5% away");
        assert!(scale > 1e-4, "the Hamiltonian should move away from s*");
        assert!(at_star <= 1e-8 * scale.max(1.0), "sigma {sigma}: {g}");
        check_gradient(
            &market,
            &away,
            1,
            &format!("sigma {sigma}, Hamiltonian away from s*"),
        );
    }
}

#[test]
fn the_planner_s_costate_forcing_is_the_core_adjoint_of_the_hamiltonian() {
    // The sweep's backward pass needs dH/dD_j (envelope theorem, written by hand in the
    // planner); the same number is the core's adjoint derivative of the market's Hamiltonian
    // in ln A at the decentralising subsidies, chained through A_i = Abar_i g(Dtilde_i).
    for sigma in [0.5, 1.0, 2.0] {
        let e = economy_with(sigma, 1.0, "kind = \"uniform\"\nweight = 0.2");
        let n = e.tasks();
        let data: Vec<f64> = (0..n).map(|i| 0.5 + 0.3 * i as f64).collect();
        let costate: Vec<f64> = (0..n).map(|i| 0.05 + 0.02 * i as f64).collect();
        let capital = 0.6;
        let by_hand =
            hamiltonian_gradient(&e, &data, capital, &costate, PlannerUtility::Log).unwrap();
        let ln_ai = e.ln_ai_productivity(&data);
        let values: Vec<f64> = (0..n)
            .map(|i| costate[i] * e.verifiability[i] / e.mass[i])
            .collect();
        let star = Market::decentralising_subsidies(&e, &ln_ai, capital, &values).unwrap();
        let (market, x) = Market::new(&e, &ln_ai, capital, &star).unwrap();
        let market = market.with_data_value(values).unwrap();
        let ln_a: Vec<usize> = (n..2 * n).collect();
        let d_ln_a = adjoint_gradients(&market, &x, &market.policy(&star), &[1], &ln_a)
            .unwrap()
            .gradients;
        let effective = &e.spill * nalgebra::DVector::from_column_slice(&data);
        let scale = by_hand.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let mut worst: f64 = 0.0;
        for j in 0..n {
            let through_core: f64 = (0..n)
                .map(|i| {
                    d_ln_a[(0, i)] * e.technology.elasticity(effective[i]) / effective[i]
                        * e.spill[(i, j)]
                })
                .sum::<f64>()
                - e.delta_data * costate[j];
            let err = (through_core - by_hand[j]).abs() / scale;
            worst = worst.max(err);
            assert!(
                err < 1e-9,
                "sigma {sigma}, task {j}: core {through_core:.12e}, planner {:.12e} ({err:.1e})",
                by_hand[j]
            );
        }
        eprintln!("sigma {sigma}: dH/dD through the core vs the planner, worst relative difference {worst:.1e}");
    }
}
