//! End-to-end tests of the `walras` binary.

use std::path::Path;
use std::process::{Command, Output};

fn walras(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_walras"))
        .args(args)
        .output()
        .expect("walras runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn version_and_help() {
    let v = walras(&["--version"]);
    assert!(v.status.success());
    assert_eq!(
        stdout(&v).trim(),
        format!("walras {}", env!("CARGO_PKG_VERSION"))
    );
    let h = walras(&["--help"]);
    assert!(h.status.success());
    for word in [
        "examples",
        "tax",
        "trade",
        "automation",
        "completions",
        "--out",
        "--format",
        "--quiet",
    ] {
        assert!(stdout(&h).contains(word), "help lacks {word}");
    }
}

#[test]
fn examples_json_matches_closed_forms() {
    let o = walras(&["examples", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(stdout(&o).trim()).expect("one JSON object on stdout");
    assert!(v["max_abs_error"].as_f64().unwrap() < 1e-7, "{v}");
    // theta = 4, tau = 1.5: Nash tariff 0.265231 (foundation issue's oracle).
    let t = v["armington"]["nash_tariff"][0].as_f64().unwrap();
    assert!((t - 0.265231).abs() < 1e-6, "{t}");
    assert_eq!(v["armington"]["converged"], true);
    assert!(v["rows"].as_array().unwrap().len() >= 8);
    assert!(
        stderr(&o).is_empty(),
        "no progress output when not a terminal: {}",
        stderr(&o)
    );
}

#[test]
fn examples_table_and_csv() {
    let o = walras(&["examples"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(
        text.contains("Nash tariff, Home") && text.contains("abs_error"),
        "{text}"
    );
    let o = walras(&[
        "examples", "--format", "csv", "--theta", "5", "--tau", "1.2",
    ]);
    assert!(o.status.success());
    let csv = stdout(&o);
    assert!(
        csv.starts_with("economy,quantity,unit,walras,reference,abs_error\n"),
        "{csv}"
    );
}

fn is_png(path: &Path) -> bool {
    std::fs::read(path)
        .map(|b| b.starts_with(b"\x89PNG\r\n\x1a\n"))
        .unwrap_or(false)
}

#[test]
fn examples_out_writes_results_figures_and_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = walras(&["examples", "--quiet", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("examples.csv")).unwrap();
    assert!(csv.lines().count() >= 9);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["walras_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(manifest["command_line"][1], "examples");
    assert!(manifest["solve_reports"].as_array().unwrap().len() >= 2);
    assert!(manifest["parameters"]["armington"]["theta"].as_f64() == Some(4.0));
    for fig in ["armington_convergence", "armington_welfare"] {
        assert!(is_png(&out.join(format!("{fig}.png"))), "{fig}.png");
        let svg = std::fs::read_to_string(out.join(format!("{fig}.svg"))).unwrap();
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}

#[test]
fn pending_groups_name_their_issue_and_exit_2() {
    for (group, issue) in [("tax", "#3"), ("trade", "#4"), ("automation", "#5")] {
        let o = walras(&[group, "compare", "--foo"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(issue), "{}", stderr(&o));
    }
}

#[test]
fn bad_arguments_are_clear_errors_with_status_2() {
    for (args, needle) in [
        (vec!["examples", "--theta", "-1"], "--theta"),
        (vec!["examples", "--tau", "0.5"], "--tau"),
        (
            vec!["examples", "--cournot-costs", "1,12"],
            "marginal costs",
        ),
        (vec!["examples", "--cournot-costs", "1,6"], "would produce"),
        (vec!["examples", "--format", "xml"], "xml"),
        (vec!["frobnicate"], "frobnicate"),
    ] {
        let o = walras(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn completions_for_bash() {
    let o = walras(&["completions", "bash"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("walras"));
}
