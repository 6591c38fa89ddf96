//! Spec properties P3, P5 (chain order), P6, P7 (explosiveness), N-invariance, and the shipped
//! presets' qualitative behaviour.

use std::path::Path;

use walras_automation::scenario::{Scenario, PRESETS};
use walras_automation::{simulate, Network, StopReason};

fn no_files(_: &Path, _: usize) -> Result<Network, String> {
    Err("no files here".into())
}

fn run_preset(
    name: &str,
) -> (
    walras_automation::scenario::Model,
    walras_automation::SimulationResult,
) {
    let model = Scenario::preset(name)
        .unwrap()
        .resolve(None, &no_files)
        .unwrap();
    let path = simulate(&model.economy, &model.initial_data, &model.path).unwrap();
    (model, path)
}

#[test]
fn presets_behave_as_documented() {
    for (name, _) in PRESETS {
        let (_, path) = run_preset(name);
        eprintln!(
            "{name}: stop {:?} at t = {:.4}, m = {:.4}, s_L = {:.4}, steps {}, switches {}, T* {:?}",
            path.stop,
            path.final_time(),
            path.final_equilibrium.labor_task_share,
            path.final_equilibrium.labor_income_share,
            path.steps,
            path.switches,
            path.blowup_time
        );
    }
    // Directed chain: automation times are ordered down the chain.
    let (_, chain) = run_preset("directed-chain");
    let times: Vec<f64> = chain
        .automation_time
        .iter()
        .map(|t| t.expect("every task automates"))
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    // Core-periphery: every core task automates before any periphery task.
    let (_, cp) = run_preset("core-periphery");
    let last_core = cp.automation_time[..6]
        .iter()
        .map(|t| t.unwrap())
        .fold(0.0, f64::max);
    let first_periphery = cp.automation_time[6..]
        .iter()
        .map(|t| t.unwrap_or(f64::INFINITY))
        .fold(f64::INFINITY, f64::min);
    assert!(
        last_core < first_periphery,
        "core {last_core} vs periphery {first_periphery}"
    );
    // Capital accumulation blows up and reports T*.
    let (_, cap) = run_preset("capital-accumulation");
    assert_eq!(cap.stop, StopReason::Blowup);
    assert!(cap.blowup_time.unwrap() >= cap.final_time());
    // AI-only economy: no labour income, every task automated throughout.
    let (_, ai) = run_preset("ai-only");
    assert!(ai
        .points
        .iter()
        .all(|p| p.labor_task_share == 0.0 && p.labor_income_share == 0.0));
}

use nalgebra::DMatrix;
use walras_automation::{Economy, PathOptions, TaskStatus};

/// A 5-task economy without spillovers, with task 0 automated at t = 0.
fn p3_economy(sigma: f64) -> (Economy, Vec<f64>) {
    let mut e = Economy::symmetric(5, sigma);
    e.ai_productivity = vec![2.0, 0.3, 0.25, 0.2, 0.15];
    (e, vec![1.0; 5])
}

fn initially_pure_labour(e: &Economy, d0: &[f64]) -> Vec<usize> {
    let eq = walras_automation::equilibrium(e, &e.ln_ai_productivity(d0), 1.0).unwrap();
    assert_eq!(eq.status[0], TaskStatus::Automated);
    (0..e.tasks())
        .filter(|&i| eq.status[i] == TaskStatus::Labor)
        .collect()
}

/// P3: without spillovers and chi = 0, sigma < 1 automates every task eventually, while with
/// sigma >= 1 no task that starts with labour only ever uses AI.
#[test]
fn complementarity_decides_full_vs_partial_automation() {
    let (e, d0) = p3_economy(0.5);
    let labour = initially_pure_labour(&e, &d0);
    assert!(labour.len() >= 2);
    let options = PathOptions {
        horizon: 1e7,
        capital: 1.0,
        stop_labor_share: Some(1e-3),
        ..Default::default()
    };
    let path = simulate(&e, &d0, &options).unwrap();
    assert_eq!(
        path.stop,
        StopReason::LaborShare,
        "m = {}",
        path.final_equilibrium.labor_task_share
    );
    assert!(
        path.automation_time.iter().all(|t| t.is_some()),
        "{:?}",
        path.automation_time
    );
    for sigma in [1.0, 1.5, 3.0] {
        let (e, d0) = p3_economy(sigma);
        let labour = initially_pure_labour(&e, &d0);
        let path = simulate(
            &e,
            &d0,
            &PathOptions {
                horizon: 1e4,
                capital: 1.0,
                ..Default::default()
            },
        )
        .unwrap();
        for &i in &labour {
            assert_eq!(
                path.automation_time[i], None,
                "sigma = {sigma}: task {i} was automated"
            );
        }
    }
}

/// P6: the gap between core and periphery automation shrinks as omega_pc grows; with
/// omega_pc = 0, no periphery data (D0 = 0) and nu_p = 0, the periphery is never automated.
#[test]
fn core_periphery_gap_shrinks_with_core_to_periphery_spillovers() {
    let gap = |pc: f64| {
        let mut s = Scenario::preset("core-periphery").unwrap();
        walras_automation::monte_carlo::set_parameter(&mut s, "network.pc", pc).unwrap();
        let m = s.resolve(None, &no_files).unwrap();
        let path = simulate(&m.economy, &m.initial_data, &m.path).unwrap();
        let mean = |r: std::ops::Range<usize>| {
            let v: Vec<f64> = path.automation_time[r]
                .iter()
                .map(|t| t.unwrap_or(m.path.horizon))
                .collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        mean(6..30) - mean(0..6)
    };
    let gaps: Vec<f64> = [0.05, 0.1, 0.2, 0.4].iter().map(|&pc| gap(pc)).collect();
    assert!(gaps.windows(2).all(|w| w[1] < w[0]), "gaps {gaps:?}");
    let mut s = Scenario::preset("core-periphery").unwrap();
    s.network.as_mut().unwrap().spec = walras_automation::NetworkSpec::CorePeriphery {
        core: 6,
        cc: 0.5,
        pc: 0.0,
        cp: 0.05,
        pp: 0.01,
    };
    s.verifiability = walras_automation::scenario::Verifiability::Values(
        walras_automation::scenario::PerTask::List([vec![0.9; 6], vec![0.0; 24]].concat()),
    );
    s.initial_data =
        walras_automation::scenario::PerTask::List([vec![1.0; 6], vec![0.0; 24]].concat());
    s.stop_labor_share = None;
    let m = s.resolve(None, &no_files).unwrap();
    let path = simulate(&m.economy, &m.initial_data, &m.path).unwrap();
    assert!(path.automation_time[..6].iter().all(|t| t.is_some()));
    assert!(
        path.automation_time[6..].iter().all(|t| t.is_none()),
        "{:?}",
        path.automation_time
    );
}

/// N-invariance along a path: splitting a task into two identical halves (each receiving what
/// the whole received, each sending half of what it sent, not exchanging with each other)
/// changes no aggregate and no other task's automation time.
#[test]
fn splitting_a_task_changes_no_path() {
    let mut e = Economy::symmetric(3, 0.7);
    e.mass = vec![0.5, 0.3, 0.2];
    e.chi = 0.3;
    e.verifiability = vec![0.6, 0.9, 0.4];
    e.ai_productivity = vec![1.0, 0.4, 0.3];
    e.spill = DMatrix::from_row_slice(3, 3, &[1.0, 0.2, 0.1, 0.3, 1.0, 0.0, 0.1, 0.4, 1.0]);
    let d0 = vec![1.0, 0.5, 0.2];
    let mut s = e.clone();
    s.mass = vec![0.25, 0.25, 0.3, 0.2];
    s.labor_productivity = vec![1.0; 4];
    s.verifiability = vec![0.6, 0.6, 0.9, 0.4];
    s.ai_productivity = vec![1.0, 1.0, 0.4, 0.3];
    s.spill = DMatrix::from_row_slice(
        4,
        4,
        &[
            1.0, 0.0, 0.2, 0.1, 0.0, 1.0, 0.2, 0.1, 0.15, 0.15, 1.0, 0.0, 0.05, 0.05, 0.4, 1.0,
        ],
    );
    let options = PathOptions {
        horizon: 300.0,
        capital: 1.0,
        ..Default::default()
    };
    let a = simulate(&e, &d0, &options).unwrap();
    let b = simulate(&s, &[1.0, 1.0, 0.5, 0.2], &options).unwrap();
    let (ea, eb) = (&a.final_equilibrium, &b.final_equilibrium);
    assert!(
        (ea.output / eb.output - 1.0).abs() < 1e-6,
        "{} vs {}",
        ea.output,
        eb.output
    );
    assert!((ea.wage / eb.wage - 1.0).abs() < 1e-6);
    assert!((ea.labor_task_share - eb.labor_task_share).abs() < 1e-6);
    for (i, j) in [(1, 2), (2, 3)] {
        match (a.automation_time[i], b.automation_time[j]) {
            (Some(x), Some(y)) => assert!((x - y).abs() < 1e-4 * (1.0 + x), "task {i}: {x} vs {y}"),
            (x, y) => assert_eq!(x, y),
        }
    }
}
