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
