//! `walras tax` on hostile inputs: wrong units, huge incomes, samples without spread,
//! degenerate parameters and optimisers that stop early.

mod common;

use common::{json_of, stderr, stdout, walras};

use std::path::{Path, PathBuf};

fn cps_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/tax/cps_earnings.csv.gz")
}

fn oracle(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/tax/tests/data")
        .join(name)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// An error with exit status 2, a message containing every needle, and no panic.
fn assert_error(args: &[&str], needles: &[&str]) {
    let o = walras(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: `{n}` not in {err}");
    }
    assert!(!err.contains("panicked"), "{args:?}: {err}");
}

/// Case 1: the README's `tax saez --incomes FILE --cutoffs aie-us-federal` on the shipped CPS
/// file (USD) against cutoffs in thousands of USD.
#[test]
fn unit_trap_is_refused_and_income_units_converts() {
    let cps = cps_file();
    let cps = cps.to_str().unwrap();
    assert_error(
        &[
            "tax",
            "saez",
            "--incomes",
            cps,
            "--cutoffs",
            "aie-us-federal",
        ],
        &["thousand-usd", "times the top cutoff", "--income-units usd"],
    );
    let json = |extra: &[&str]| {
        let mut args = vec![
            "tax",
            "saez",
            "--cutoffs",
            "aie-us-federal",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        json_of(&walras(&args))
    };
    let file = json(&["--incomes", cps, "--income-units", "usd"]);
    assert_eq!(file["income_units"], "usd");
    assert_eq!(file["cutoff_units"], "thousand-usd");
    assert_eq!(file["income_conversion_factor"], 0.001);
    let rates = floats(&file["rates"]);
    assert_eq!(rates.len(), 7);
    assert!(rates.iter().all(|r| (0.2..0.95).contains(r)), "{rates:?}");
    // The embedded sample is known to be in USD and is converted without the flag.
    let embedded = json(&[]);
    assert_eq!(floats(&embedded["rates"]), rates);
    // ... and declaring another unit for it is an error.
    assert_error(
        &["tax", "saez", "--income-units", "thousand-usd"],
        &["embedded CPS sample is in usd"],
    );
    // The reverse trap: thousands against USD cutoffs.
    let dir = tempfile::tempdir().unwrap();
    let thousands = write(dir.path(), "k.csv", "income\n12\n25\n31\n48\n70\n150\n");
    assert_error(
        &[
            "tax",
            "saez",
            "--incomes",
            &thousands,
            "--cutoffs",
            "us-federal-2018",
        ],
        &["usd", "first cutoff 9525", "--income-units thousand-usd"],
    );
    let ok = json_of(&walras(&[
        "tax",
        "saez",
        "--incomes",
        &thousands,
        "--income-units",
        "thousand-usd",
        "--format",
        "json",
    ]));
    assert_eq!(ok["income_conversion_factor"], 1000.0);
    // A milder mismatch (median between the top cutoff and 10 times it) is a warning.
    let high = write(
        dir.path(),
        "high.csv",
        "income\n600\n800\n1200\n2000\n3000\n",
    );
    let o = walras(&[
        "tax",
        "saez",
        "--incomes",
        &high,
        "--cutoffs",
        "aie-us-federal",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning") && stderr(&o).contains("times the top cutoff"));
    // compare and optimize convert too.
    let v = json_of(&walras(&[
        "tax",
        "compare",
        "--cutoffs",
        "aie-us-federal",
        "--quiet",
        "--format",
        "json",
    ]));
    assert_eq!(v["economy"]["model_units"], "thousand-usd");
    let saez = floats(&v["schedules"][2]["rates"]);
    assert!(saez.iter().all(|r| *r < 0.95), "{saez:?}");
}

/// Case 2: one income of 1e308 in an income file.
#[test]
fn a_huge_income_is_refused_and_statistics_are_never_nan() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("income\n");
    for k in 0..200 {
        text.push_str(&format!("{}\n", 8_000.0 + 750.0 * k as f64));
    }
    let ok = write(dir.path(), "ok.csv", &format!("{text}1e12\n"));
    let huge = write(dir.path(), "huge.csv", &format!("{text}1e308\n"));
    assert_error(
        &["tax", "compare", "--skills", &huge, "--quiet"],
        &["row 201", "`income`", "1e308", "1e12"],
    );
    assert_error(&["tax", "saez", "--incomes", &huge], &["row 201", "1e308"]);
    // The largest accepted income: every statistic is a finite number.
    let o = walras(&[
        "tax", "compare", "--skills", &ok, "--quiet", "--format", "json",
    ]);
    let v = json_of(&o);
    for s in v["schedules"].as_array().unwrap() {
        for key in [
            "gini",
            "equality",
            "productivity",
            "equality_times_productivity",
            "swf",
            "transfer",
        ] {
            assert!(
                s[key].as_f64().is_some_and(f64::is_finite),
                "{} {key}: {}",
                s["label"],
                s[key]
            );
        }
        assert_eq!(s["null_reasons"], serde_json::json!({}));
    }
    let o = walras(&["tax", "compare", "--skills", &ok, "--quiet"]);
    assert!(o.status.success());
    assert!(
        !stdout(&o).contains("NaN") && !stdout(&o).contains(" inf"),
        "{}",
        stdout(&o)
    );
}

/// Case 3: Saez rates from samples without spread, and brackets without incomes.
#[test]
fn saez_without_spread_is_an_error_and_empty_brackets_are_null() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("zero.csv", "income\n0\n0\n0\n"),
        ("negative.csv", "income\n-5\n-3\n"),
        ("single.csv", "income\n25\n"),
        ("same.csv", "income\n30\n30\n30\n"),
    ] {
        let path = write(dir.path(), name, text);
        assert_error(
            &[
                "tax",
                "saez",
                "--incomes",
                &path,
                "--cutoffs",
                "aie-us-federal",
            ],
            &[name, "two distinct positive incomes"],
        );
    }
    // Brackets 1 and 4 of the AI Economist's cutoffs hold no income in this oracle case.
    let incomes = oracle("saez_case_tiny_gaps_incomes.csv");
    let o = walras(&[
        "tax",
        "saez",
        "--incomes",
        incomes.to_str().unwrap(),
        "--cutoffs",
        "aie-us-federal",
        "--format",
        "json",
    ]);
    let v = json_of(&o);
    let rates = v["rates"].as_array().unwrap();
    assert_eq!(v["empty_brackets"], serde_json::json!([1, 4]));
    for b in 0..7 {
        let empty = b == 0 || b == 3;
        assert_eq!(rates[b].is_null(), empty, "bracket {}", b + 1);
        assert_eq!(v["rate_notes"][b].is_string(), empty, "bracket {}", b + 1);
    }
    assert!(
        stderr(&o).contains("no incomes in bracket 4"),
        "{}",
        stderr(&o)
    );
    // The estimator's own numbers still reproduce the AI Economist's.
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(oracle("saez_case_tiny_gaps_expected.json")).unwrap(),
    )
    .unwrap();
    let want = floats(&expected["runs"][0]["rates"]);
    let got = floats(&v["estimator_rates"]);
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() <= 1e-9, "{g} vs {w}");
    }
    // The smooth estimator leaves empty brackets without a rate too.
    let o = walras(&[
        "tax",
        "saez",
        "--incomes",
        incomes.to_str().unwrap(),
        "--cutoffs",
        "aie-us-federal",
        "--estimator",
        "smooth",
        "--format",
        "json",
    ]);
    let v = json_of(&o);
    assert!(
        v["rates"][0].is_null() && v["rates"][3].is_null(),
        "{}",
        v["rates"]
    );
}

/// Case 4: degenerate optimisation problems.
#[test]
fn degenerate_optimize_problems_are_errors_naming_the_parameter() {
    assert_error(
        &["tax", "optimize", "--elasticity", "1e308"],
        &["elasticity", "1e308", "[0.001, 10]"],
    );
    assert_error(
        &["tax", "compare", "--elasticity", "1e308"],
        &["elasticity", "[0.001, 10]"],
    );
    assert_error(
        &["tax", "saez", "--elasticity", "1e308"],
        &["elasticity", "[0.001, 10]"],
    );
    assert_error(
        &["tax", "optimize", "--skills", "pareto:alpha=0.5,min=1"],
        &["alpha", "0.5", "infinite"],
    );
    assert_error(
        &[
            "tax",
            "mirrlees",
            "--skills",
            "pareto:alpha=1,min=1",
            "--truncate",
            "0,0.99",
        ],
        &["alpha", "infinite"],
    );
    assert_error(
        &[
            "tax",
            "optimize",
            "--skills",
            "aie:agents=10,seed=1",
            "--utility",
            "coin-minus-labor:kappa=0.05,power=2",
            "--cutoffs",
            "aie-us-federal",
            "--hours",
            "0,0",
        ],
        &["--hours", "max >= 1"],
    );
}

/// Case 5: `tax compare` on the CPS sample stops on a stalled line search; the output says so.
#[test]
fn an_early_stop_is_reported_as_not_converged() {
    let o = walras(&["tax", "compare", "--quiet", "--format", "json"]);
    let v = json_of(&o);
    let opt = &v["optimizer"];
    assert_eq!(opt["converged"], false, "{opt}");
    let reason = opt["stop_reason"].as_str().unwrap();
    assert!(reason.contains("line search found no decrease"), "{reason}");
    assert!(reason.contains("projected-gradient norm"), "{reason}");
    assert!(
        stderr(&o).contains("stopped before convergence"),
        "{}",
        stderr(&o)
    );
    let text = stdout(&walras(&["tax", "compare", "--quiet"]));
    assert!(text.contains("NOT CONVERGED"), "{text}");
    // A run that meets its tolerance says so, without a warning.
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
        "500",
        "--format",
        "json",
    ]);
    let v = json_of(&o);
    let converged = v["converged"].as_bool().unwrap();
    assert_eq!(
        converged,
        !stderr(&o).contains("stopped before convergence"),
        "{}",
        stderr(&o)
    );
    assert!(v["stop_reason"].is_string());
}
