//! `walras automation sensitivity` and `walras automation uncertainty`: the planner's
//! subsidies and welfare differentiated in a scenario's parameters, and bands around them.
//! (The differencing itself is checked against the envelope theorem and the P11 closed form in
//! the automation crate's tests.)

mod common;

use common::{json_of, stderr, strings, walras};

const SCENARIO: [&str; 2] = ["--preset", "core-periphery"];

fn planner_subsidy(set: &str) -> f64 {
    let mut args = vec!["automation", "planner", "--format", "json", "--quiet"];
    args.extend(SCENARIO);
    args.extend(["--tolerance", "1e-12", "--set", set]);
    json_of(&walras(&args))["initial_subsidy"][0]
        .as_f64()
        .unwrap()
}

#[test]
fn the_record_names_parameters_checks_the_envelope_and_predicts_re_solves() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let mut args = vec![
        "automation",
        "sensitivity",
        "--format",
        "json",
        "--quiet",
        "--parameters",
        "capital,labor,discount,network.pc,eta",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(SCENARIO);
    let j = json_of(&walras(&args));
    assert_eq!(
        strings(&j, "parameters"),
        ["capital", "labor", "discount", "network.pc", "eta"]
    );
    assert_eq!(
        strings(&j, "objectives"),
        ["planner_welfare", "market_welfare", "welfare_gap_pct"]
    );
    let policies = strings(&j, "policies");
    assert_eq!(policies.len(), 60);
    assert_eq!(policies[0], "initial_subsidy:0");
    assert_eq!(policies[30], "mean_subsidy:0");
    assert_eq!(j["schemes"][0], "central");
    // The re-solved welfare derivative against the envelope theorem, for capital, labour and
    // the discount rate.
    let checks = j["envelope"].as_array().unwrap();
    assert_eq!(checks.len(), 3);
    for c in checks {
        let gap = c["relative_gap"].as_f64().unwrap();
        assert!(gap < 1e-4, "{c}");
    }
    // Welfare in eta changes u's units: null; the gap's derivative is a number.
    assert!(j["welfare_jacobian"][0][4].is_null());
    assert!(j["welfare_jacobian"][2][4].as_f64().is_some());
    // The capital column is the Richardson combination of planners re-solved by `walras
    // automation planner` at capital 1 +- 5% and +- 2.5% (the default step).
    let slope = j["jacobian"][0][0].as_f64().unwrap();
    let secant = |h: f64| {
        (planner_subsidy(&format!("capital={}", 1.0 + h))
            - planner_subsidy(&format!("capital={}", 1.0 - h)))
            / (2.0 * h)
    };
    let richardson = (4.0 * secant(0.025) - secant(0.05)) / 3.0;
    assert!(
        (richardson - slope).abs() < 1e-9,
        "re-solved {richardson} vs the record's {slope}"
    );
    assert!(slope.abs() > 1e-3, "slope {slope}");
    for f in ["sensitivity.json", "jacobian.csv", "welfare_jacobian.csv"] {
        assert!(out.join(f).exists(), "{f}");
    }
}

#[test]
fn bands_re_solve_every_draw_beside_the_delta_method() {
    let mut args = vec![
        "automation",
        "uncertainty",
        "--format",
        "json",
        "--quiet",
        "--parameters",
        "sigma,capital",
        "--se-rel",
        "0.02",
        "--draws",
        "6",
        "--seed",
        "3",
    ];
    args.extend(SCENARIO);
    let j = json_of(&walras(&args));
    assert_eq!(j["draws"], 6);
    assert_eq!(j["converged_draws"], 6);
    assert_eq!(j["exercise"], "planner");
    let first = &j["policies"][0];
    let (lo, hi) = (
        first["delta_p05"].as_f64().unwrap(),
        first["delta_p95"].as_f64().unwrap(),
    );
    let value = first["value"].as_f64().unwrap();
    assert!(lo < value && value < hi, "{first}");
    let mc = &first["monte_carlo"];
    assert!(mc["p05"].as_f64().unwrap() <= mc["p95"].as_f64().unwrap());
    // 2% standard errors: the first-order prediction is close to the re-solve.
    let median = j["prediction_distance"]["median"].as_f64().unwrap();
    assert!(median < 0.02 * value, "median distance {median}");
    assert_eq!(j["welfare"].as_array().unwrap().len(), 3);
}

#[test]
fn unknown_parameters_draws_and_steps_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut base = vec!["automation", "sensitivity", "--quiet"];
    base.extend(SCENARIO);
    let mut args = base.clone();
    args.extend(["--parameters", "verifiability"]);
    let e = stderr(&walras(&args));
    assert!(
        e.contains("--parameters") && e.contains("verifiability") && e.contains("network.pc"),
        "{e}"
    );
    let mut args = base.clone();
    args.extend(["--step", "0.7"]);
    let e = stderr(&walras(&args));
    assert!(e.contains("--step") && e.contains("0.7"), "{e}");
    let f = dir.path().join("draws.csv");
    std::fs::write(&f, "sigma,gamma\n0.8,1.0\n").unwrap();
    let mut args = vec![
        "automation",
        "uncertainty",
        "--quiet",
        "--parameters",
        "sigma",
        "--draws-file",
        f.to_str().unwrap(),
    ];
    args.extend(SCENARIO);
    let o = walras(&args);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("gamma") && e.contains("draws.csv"), "{e}");
}
