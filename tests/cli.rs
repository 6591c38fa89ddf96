//! End-to-end tests of the `walras` binary.

mod common;

use common::{json_of, stderr, stdout, walras};

use std::path::Path;

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
    // theta = 4, tau = 1.5: Nash tariff 0.265231 (the Armington oracle of docs/results.md).
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
fn unknown_subcommand_is_a_usage_error() {
    let o = walras(&["automation", "compare", "--foo"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("compare"), "{}", stderr(&o));
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

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn oracle(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/tax/tests/data")
        .join(name)
}

#[test]
fn tax_saez_matches_the_ai_economist_through_the_cli() {
    // The AI Economist's own numbers (crates/tax/tests/data/README.md), run 0: inverse-income
    // weights, e = 0.5, rates clipped to [0, 1].
    for case in ["pareto_a2_zmin20", "lognormal_mixed", "tiny_gaps"] {
        let incomes = oracle(&format!("saez_case_{case}_incomes.csv"));
        let o = walras(&[
            "tax",
            "saez",
            "--incomes",
            incomes.to_str().unwrap(),
            "--elasticity",
            "0.5",
            "--weights",
            "inverse-income",
            "--cutoffs",
            "aie-us-federal",
            "--format",
            "json",
        ]);
        let v = json_of(&o);
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(oracle(&format!("saez_case_{case}_expected.json"))).unwrap(),
        )
        .unwrap();
        let want = floats(&expected["runs"][0]["rates"]);
        for (g, w) in floats(&v["estimator_rates"]).iter().zip(&want) {
            assert!((g - w).abs() <= 1e-9, "{case}: {g} vs {w}");
        }
        assert_eq!(floats(&v["cutoffs"]), floats(&expected["cutoffs"]));
    }
}

#[test]
fn tax_saez_default_runs_on_the_embedded_cps_sample_and_writes_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let o = walras(&[
        "tax",
        "saez",
        "--quiet",
        "--out",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v = json_of(&o);
    assert_eq!(v["n_incomes"], 146_758);
    assert_eq!(v["sample_weighted"], true);
    assert_eq!(floats(&v["cutoffs"])[1], 9_525.0);
    for f in [
        "saez.json",
        "saez_rates.csv",
        "saez_bins.csv",
        "manifest.json",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
    assert!(is_png(&dir.path().join("saez_rates.png")));
    let o = walras(&["tax", "saez", "--estimator", "smooth", "--format", "json"]);
    let v = json_of(&o);
    let rates = floats(&v["rates"]);
    assert_eq!(rates.len(), 7);
    assert!(rates.iter().all(|r| (0.0..=1.0).contains(r)), "{rates:?}");
}

#[test]
fn tax_optimize_recovers_the_rawlsian_rate() {
    // Quasi-linear e = 1, Pareto(4, 1), Rawls: every bracket at (1 + e)/(1 + e + e alpha) = 1/3.
    let o = walras(&[
        "tax",
        "optimize",
        "--skills",
        "pareto:alpha=4,min=1",
        "--elasticity",
        "1",
        "--swf",
        "rawls",
        "--brackets",
        "5",
        "--format",
        "json",
    ]);
    let v = json_of(&o);
    for key in ["cutoffs", "rates", "transfer", "swf"] {
        assert!(!v[key].is_null(), "missing {key}");
    }
    let rates = floats(&v["rates"]);
    assert_eq!(rates.len(), 5);
    assert!(
        rates.iter().all(|r| (r - 1.0 / 3.0).abs() < 0.01),
        "{rates:?}"
    );
    let o = walras(&[
        "tax",
        "optimize",
        "--skills",
        "pareto:alpha=4,min=1",
        "--elasticity",
        "1",
        "--swf",
        "rawls",
        "--brackets",
        "3",
        "--agents",
        "2000",
        "--optimize-cutoffs",
        "--format",
        "json",
    ]);
    let v = json_of(&o);
    let cutoffs = floats(&v["cutoffs"]);
    assert!(cutoffs.windows(2).all(|w| w[1] > w[0]), "{cutoffs:?}");
}

#[test]
fn tax_mirrlees_prints_an_inverted_u_schedule() {
    let o = walras(&[
        "tax",
        "mirrlees",
        "--skills",
        "lognormal:mu=0,sigma=0.5",
        "--truncate",
        "0.001,0.999",
        "--elasticity",
        "0.5",
        "--swf",
        "log",
        "--format",
        "json",
    ]);
    let v = json_of(&o);
    let (skill, rate) = (floats(&v["skill"]), floats(&v["marginal_rate"]));
    assert_eq!(skill.len(), floats(&v["income"]).len());
    assert_eq!(skill.len(), floats(&v["tax"]).len());
    let peak = rate.iter().copied().fold(0.0, f64::max);
    assert!(
        rate[0] < 0.05 && *rate.last().unwrap() < 0.05 && peak > 0.2,
        "{peak}"
    );
}

#[test]
fn tax_bad_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad_cutoffs = dir.path().join("cutoffs.csv");
    std::fs::write(&bad_cutoffs, "cutoff\n0\n40\n10\n").unwrap();
    let empty = dir.path().join("incomes.csv");
    std::fs::write(&empty, "income\n").unwrap();
    for (args, needle) in [
        (vec!["tax", "saez", "--elasticity", "0"], "elasticity"),
        (vec!["tax", "saez", "--weights", "median"], "median"),
        (
            vec!["tax", "saez", "--cutoffs", bad_cutoffs.to_str().unwrap()],
            "strictly increasing",
        ),
        (
            vec!["tax", "saez", "--incomes", empty.to_str().unwrap()],
            "0 data rows",
        ),
        (
            vec!["tax", "optimize", "--skills", "pareto:alpha=4"],
            "missing parameter `min`",
        ),
        (vec!["tax", "optimize", "--swf", "atkinson"], "eps"),
        (vec!["tax", "optimize", "--elasticity", "-1"], "elasticity"),
        (vec!["tax", "mirrlees", "--truncate", "0.9,0.1"], "truncate"),
    ] {
        let o = walras(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{args:?}");
    }
}

#[test]
fn tax_compare_on_the_embedded_cps_sample() {
    let dir = tempfile::tempdir().unwrap();
    let o = walras(&[
        "tax",
        "compare",
        "--quiet",
        "--out",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v = json_of(&o);
    let schedules = v["schedules"].as_array().unwrap();
    let labels: Vec<&str> = schedules
        .iter()
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "free market",
            "US federal 2018 rates",
            "Saez (binned)",
            "optimal brackets"
        ]
    );
    // The optimiser starts from the best of the other schedules, so it ends above all of them.
    for s in &schedules[..3] {
        assert!(
            schedules[3]["swf"].as_f64().unwrap() >= s["swf"].as_f64().unwrap(),
            "{}",
            s["label"]
        );
    }
    assert!(v["optimal_vs_saez_pct"]["swf"].as_f64().unwrap() >= 0.0);
    // Free market: no transfer, and the least equal consumption.
    assert_eq!(schedules[0]["transfer"].as_f64().unwrap(), 0.0);
    assert!(schedules
        .iter()
        .all(|s| s["gini"].as_f64().unwrap() <= schedules[0]["gini"].as_f64().unwrap() + 1e-12));
    for fig in [
        "compare_rates",
        "compare_tradeoff",
        "compare_eq_x_prod",
        "compare_swf",
    ] {
        assert!(is_png(&dir.path().join(format!("{fig}.png"))), "{fig}");
    }
    let manifest = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
    assert!(manifest.contains("compare_swf.svg"));
}

#[test]
fn tax_optimize_with_ai_economist_agents_and_integer_hours() {
    let dir = tempfile::tempdir().unwrap();
    let o = walras(&[
        "tax",
        "optimize",
        "--skills",
        "aie:agents=10,seed=1",
        "--utility",
        "coin-minus-labor:kappa=0.05,power=2",
        "--hours",
        "1,100",
        "--cutoffs",
        "aie-us-federal",
        "--swf",
        "eq-times-prod:aie=1",
        "--quiet",
        "--out",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v = json_of(&o);
    assert_eq!(v["agents"], 10);
    let rates = floats(&v["rates"]);
    assert_eq!(rates.len(), 7);
    assert!(rates.iter().all(|r| (0.0..=0.99).contains(r)), "{rates:?}");
    let agents = std::fs::read_to_string(dir.path().join("agents.csv")).unwrap();
    assert_eq!(agents.lines().count(), 11);
    assert!(
        agents.lines().skip(1).all(|l| l.contains("Hours(")),
        "{agents}"
    );
    let o = walras(&[
        "tax",
        "optimize",
        "--skills",
        "cps",
        "--utility",
        "isoelastic:eta=0.5,kappa=1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("quasi-linear"), "{}", stderr(&o));
}

#[test]
fn tax_compare_utilitarian_optimum_is_the_free_market() {
    // Quasi-linear utility: any tax is pure deadweight loss for a utilitarian planner.
    let o = walras(&[
        "tax",
        "compare",
        "--swf",
        "utilitarian",
        "--quiet",
        "--format",
        "json",
    ]);
    let v = json_of(&o);
    let optimal = &v["schedules"][3];
    assert!(
        floats(&optimal["rates"]).iter().all(|r| *r < 1e-6),
        "{}",
        optimal["rates"]
    );
    assert!(optimal["swf"].as_f64().unwrap() >= v["schedules"][0]["swf"].as_f64().unwrap());
}
