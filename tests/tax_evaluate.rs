//! `walras tax evaluate`: one schedule in equilibrium, the same numbers as the schedule in
//! `tax compare`, custom rates, and clear refusals.

mod common;

use common::{json_of, stderr, walras};

const ECONOMY: &[&str] = &[
    "--skills",
    "lognormal:mu=3.5,sigma=0.7",
    "--agents",
    "400",
    "--cutoffs",
    "aie-us-federal",
    "--format",
    "json",
    "--quiet",
];

fn run(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["tax", "evaluate"];
    all.extend_from_slice(args);
    all.extend_from_slice(ECONOMY);
    json_of(&walras(&all))
}

const STATISTICS: [&str; 6] = [
    "transfer",
    "swf",
    "gini",
    "equality",
    "productivity",
    "equality_times_productivity",
];

#[test]
fn each_named_schedule_equals_its_row_of_compare() {
    let mut args = vec!["tax", "compare"];
    args.extend_from_slice(ECONOMY);
    let compare = json_of(&walras(&args));
    for (i, name) in ["free-market", "us-federal", "saez"]
        .into_iter()
        .enumerate()
    {
        let one = run(&["--schedule", name]);
        let row = &compare["schedules"][i];
        assert_eq!(one["schedule"], name);
        assert_eq!(one["label"], row["label"], "{name}");
        assert_eq!(one["rates"], row["rates"], "{name}");
        assert_eq!(one["cutoffs"], row["cutoffs"], "{name}");
        for k in STATISTICS {
            let (a, b) = (one[k].as_f64().unwrap(), row[k].as_f64().unwrap());
            assert!(
                (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                "{name} {k}: {a} vs {b}"
            );
        }
        assert_eq!(one["economy"], compare["economy"], "{name}");
    }
}

#[test]
fn custom_rates_reproduce_a_named_schedule_and_balance_the_budget() {
    let us = run(&["--schedule", "us-federal"]);
    let rates: Vec<String> = us["rates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_f64().unwrap().to_string())
        .collect();
    let custom = run(&["--rates", &rates.join(",")]);
    assert_eq!(custom["schedule"], "custom");
    assert_eq!(custom["label"], "custom rates");
    for k in STATISTICS {
        assert_eq!(custom[k], us[k], "{k}");
    }
    // The free market raises nothing to hand back; a flat tax hands back what it raises: with
    // quasi-linear utility and a flat rate t, transfer = t x mean income (the productivity).
    let free = run(&["--schedule", "free-market"]);
    assert_eq!(free["transfer"].as_f64().unwrap(), 0.0);
    let flat = run(&["--rates", "0.3,0.3,0.3,0.3,0.3,0.3,0.3"]);
    let (transfer, productivity) = (
        flat["transfer"].as_f64().unwrap(),
        flat["productivity"].as_f64().unwrap(),
    );
    assert!(
        (transfer - 0.3 * productivity).abs() <= 1e-8 * productivity,
        "{transfer} vs 0.3 x {productivity}"
    );
    // Higher flat rates mean less work: productivity falls below the free market's.
    assert!(productivity < free["productivity"].as_f64().unwrap());
}

#[test]
fn bad_schedules_are_refused_naming_the_flag_and_value() {
    for (args, needles) in [
        (
            vec!["--schedule", "flat"],
            vec!["--schedule", "flat", "free-market"],
        ),
        (
            vec!["--rates", "0.1,0.2"],
            vec!["--rates", "2 rates", "7 brackets"],
        ),
        (
            vec!["--rates", "10,12,22,24,32,35,37"],
            vec!["--rates", "bracket 1", "10", "fraction"],
        ),
        (
            vec!["--rates", "0.1,0.1,0.1,NaN,0.1,0.1,0.1"],
            vec!["--rates", "bracket 4", "NaN"],
        ),
        (
            vec!["--schedule", "saez", "--rates", "0.1"],
            vec!["--schedule", "--rates"],
        ),
    ] {
        let mut all = vec!["tax", "evaluate"];
        all.extend_from_slice(&args);
        all.extend_from_slice(ECONOMY);
        let o = walras(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        for n in needles {
            assert!(err.contains(n), "{args:?}: {n:?} not in {err}");
        }
    }
}

#[test]
fn out_folder_holds_the_schedule_table_and_figure() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut all = vec!["tax", "evaluate", "--schedule", "saez", "--out"];
    let out_text = out.to_str().unwrap().to_string();
    all.push(&out_text);
    all.extend_from_slice(ECONOMY);
    let j = json_of(&walras(&all));
    for name in [
        "evaluate.json",
        "schedule.csv",
        "schedule.tex",
        "agents.csv",
        "schedule_rates.svg",
        "schedule_rates.png",
        "tables.tex",
        "manifest.json",
    ] {
        assert!(out.join(name).is_file(), "{name} missing");
    }
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("evaluate.json")).unwrap()).unwrap();
    assert_eq!(written["rates"], j["rates"]);
    let csv = std::fs::read_to_string(out.join("schedule.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 7, "{csv}");
}
