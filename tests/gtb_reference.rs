//! `walras tax gtb replay` against the AI Economist itself (ai-economist 1.7.1): for random
//! valid action sequences the reference records its state and action masks (and, on shorter
//! runs, every observation) after every step, the replay reproduces them from the same seed
//! and actions with the numpy-legacy generator.
//!
//! US federal taxes, planner-set rates and the free market: bit for bit, 20 sequences of 1000
//! steps each for the first two. Saez, two runs of 14 episodes back to back: bit for bit while
//! the rates are random (the buffer fills over twelve and a half episodes and persists across
//! resets), and then every call of the estimator, given the reference's buffer, within 1e-9.
//! The estimator's last bits depend on BLAS and LAPACK (its least squares and matrix inverse),
//! and the reference drops incomes that are not positive, so an income of exactly 0 there and
//! of 1e-14 here can send the two trajectories apart after the estimator takes over.
//!
//! Needs the reference's Python (`WALRAS_AIE_PYTHON`, set by `tests/all.sh` from
//! `tests/aie_reference.sh`); without it the tests say so and pass, except under `CI=true`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn reference_python() -> Option<PathBuf> {
    match std::env::var_os("WALRAS_AIE_PYTHON") {
        Some(p) => Some(PathBuf::from(p)),
        None if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("WALRAS_AIE_PYTHON is not set: run tests/aie_reference.sh (tests/all.sh does)")
        }
        None => {
            eprintln!("skipped: WALRAS_AIE_PYTHON is not set (tests/aie_reference.sh creates the reference's environment)");
            None
        }
    }
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/gtb/tests/reference")
        .join(name)
}

/// One side-by-side run; returns the comparison's summary line. `lines`: compare only the
/// first lines, bit for bit; `saez_log`: where the reference logs its Saez estimates;
/// `extra`: flags for both sides (e.g. `--observations`).
fn side_by_side(
    python: &Path,
    tax: &str,
    seed: u32,
    (steps, episodes): (usize, usize),
    lines: Option<usize>,
    saez_log: Option<&Path>,
    extra: &[&str],
) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (actions, reference, ours) = (
        dir.path().join("actions.json"),
        dir.path().join("reference.jsonl"),
        dir.path().join("ours.jsonl"),
    );
    let mut record = Command::new(python);
    record
        .arg(script("gtb_reference.py"))
        .args(["record", "--seed", &seed.to_string(), "--tax", tax])
        .args([
            "--steps",
            &steps.to_string(),
            "--episodes",
            &episodes.to_string(),
        ])
        .args(["--action-seed", &(1000 + seed).to_string(), "--masks"])
        .arg("--actions-out")
        .arg(&actions)
        .arg("--states-out")
        .arg(&reference);
    if let Some(log) = saez_log {
        record.arg("--saez-log").arg(log);
    }
    record.args(extra);
    let recorded = record.output().expect("the reference runs");
    assert!(
        recorded.status.success(),
        "reference {tax} seed {seed}: {}",
        String::from_utf8_lossy(&recorded.stderr)
    );
    let replayed = Command::new(env!("CARGO_BIN_EXE_walras"))
        .args([
            "tax",
            "gtb",
            "replay",
            "--rng",
            "numpy-legacy",
            "--masks",
            "--tax",
            tax,
        ])
        .args([
            "--seed",
            &seed.to_string(),
            "--episode-length",
            &steps.to_string(),
        ])
        .arg("--actions")
        .arg(&actions)
        .args(extra)
        .stdout(std::fs::File::create(&ours).unwrap())
        .output()
        .expect("walras runs");
    assert!(
        replayed.status.success(),
        "replay {tax} seed {seed}: {}",
        String::from_utf8_lossy(&replayed.stderr)
    );
    let mut compare = Command::new(python);
    compare
        .arg(script("compare_states.py"))
        .arg(&reference)
        .arg(&ours);
    if let Some(n) = lines {
        compare.args(["--lines", &n.to_string()]);
    }
    let compared = compare.output().expect("the comparison runs");
    let summary = String::from_utf8_lossy(&compared.stdout).into_owned();
    assert!(
        compared.status.success(),
        "{tax} seed {seed}: the replay differs from the reference: {summary}"
    );
    summary
}

/// Runs `seeds` side by side, one episode of 1000 steps each, on two threads.
fn many(python: &Path, tax: &str, seeds: std::ops::RangeInclusive<u32>) {
    let seeds: Vec<u32> = seeds.collect();
    std::thread::scope(|s| {
        for half in seeds.chunks(seeds.len().div_ceil(2)) {
            s.spawn(move || {
                for &seed in half {
                    side_by_side(python, tax, seed, (1000, 1), None, None, &[]);
                }
            });
        }
    });
}

#[test]
fn us_federal_trajectories_are_the_reference_bit_for_bit() {
    if let Some(python) = reference_python() {
        many(&python, "us-federal", 1..=20);
    }
}

#[test]
fn planner_trajectories_are_the_reference_bit_for_bit() {
    if let Some(python) = reference_python() {
        many(&python, "planner", 1..=20);
    }
}

#[test]
fn free_market_trajectories_are_the_reference_bit_for_bit() {
    if let Some(python) = reference_python() {
        many(&python, "none", 1..=4);
    }
}

#[test]
fn observations_are_the_reference_bit_for_bit() {
    let Some(python) = reference_python() else {
        return;
    };
    // Two tax periods of every model: each agent's flat entries, view of the map and of
    // owners and agents, and the planner's.
    std::thread::scope(|s| {
        for (k, tax) in ["us-federal", "planner", "none", "saez"]
            .into_iter()
            .enumerate()
        {
            let python = &python;
            s.spawn(move || {
                side_by_side(
                    python,
                    tax,
                    40 + k as u32,
                    (200, 1),
                    None,
                    None,
                    &["--observations"],
                )
            });
        }
    });
}

/// Relative difference against max(1, |reference|).
fn rel(ours: f64, reference: f64) -> f64 {
    (ours - reference).abs() / reference.abs().max(1.0)
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn saez_random_rates_are_the_reference_bit_for_bit_and_its_estimates_within_1e_9() {
    let Some(python) = reference_python() else {
        return;
    };
    // Lines up to step 500 of episode 12 (0-based): the last period of random rates.
    let random_periods = 12 * 1001 + 501;
    std::thread::scope(|s| {
        for seed in [3, 11] {
            let python = &python;
            s.spawn(move || {
                let dir = tempfile::tempdir().unwrap();
                let log = dir.path().join("saez.jsonl");
                side_by_side(
                    python,
                    "saez",
                    seed,
                    (1000, 14),
                    Some(random_periods),
                    Some(&log),
                    &[],
                );
                let calls: Vec<serde_json::Value> = std::fs::read_to_string(&log)
                    .unwrap()
                    .lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect();
                // Five periods of episode 12 and ten of episode 13 use the formula.
                assert_eq!(calls.len(), 15, "seed {seed}");
                for (k, call) in calls.iter().enumerate() {
                    let buffer = call["buffer"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()));
                    let before = floats(&call["running_avg_before"]);
                    let mut saez = walras::gtb::tax::SaezState::resume(
                        buffer,
                        call["elasticity"].as_f64().unwrap(),
                        call["log_z0"].as_f64().unwrap(),
                        std::array::from_fn(|b| before[b]),
                    );
                    assert!(saez.ready());
                    let rates = saez.rates(1.0);
                    let expected = floats(&call["rates"]);
                    let after = floats(&call["running_avg"]);
                    for b in 0..7 {
                        assert!(
                            rel(rates[b], expected[b]) <= 1e-9,
                            "seed {seed} call {k} bracket {b}: {} vs {}",
                            rates[b],
                            expected[b]
                        );
                        assert!(
                            rel(saez.running_avg[b], after[b]) <= 1e-9,
                            "seed {seed} call {k}"
                        );
                    }
                    let elasticity = call["elasticity_after"].as_f64().unwrap();
                    assert!(
                        rel(saez.elasticity, elasticity) <= 1e-9,
                        "seed {seed} call {k}: elasticity {} vs {elasticity}",
                        saez.elasticity
                    );
                    let log_z0 = call["log_z0_after"].as_f64().unwrap();
                    assert!(
                        rel(saez.log_z0(), log_z0) <= 1e-9,
                        "seed {seed} call {k}: log z0 {} vs {log_z0}",
                        saez.log_z0()
                    );
                }
            });
        }
    });
}
