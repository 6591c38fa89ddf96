//! `walras tax sensitivity` and `walras tax uncertainty`: the optimal brackets' derivatives
//! in the economy's parameters and bands around them (the derivatives are checked against
//! re-optimised economies in the tax crate's tests).

mod common;

use common::{json_of, numbers, stderr, walras};

const ECONOMY: [&str; 8] = [
    "--agents",
    "2000",
    "--brackets",
    "4",
    "--swf",
    "power:k=1",
    "--skills",
    "pareto:alpha=3,min=1",
];

#[test]
fn the_record_names_parameters_and_policies_and_writes_a_heatmap() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let mut args = vec![
        "tax",
        "sensitivity",
        "--format",
        "json",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(ECONOMY);
    let j = json_of(&walras(&args));
    assert_eq!(
        j["parameters"],
        serde_json::json!(["elasticity", "swf:k", "skills:alpha", "skills:min"])
    );
    assert_eq!(
        j["policies"],
        serde_json::json!(["rate:1", "rate:2", "rate:3", "rate:4"])
    );
    assert_eq!(j["converged"], true);
    // dW*/dtheta with the rates following equals the direct effect (envelope theorem).
    let scale = numbers(&j, "welfare_jacobian")
        .iter()
        .fold(0.0_f64, |a, v| a.max(v.abs()));
    assert!(j["envelope_gap"].as_f64().unwrap() < 1e-4 * scale);
    for f in ["sensitivity.json", "jacobian.csv", "welfare_jacobian.csv"] {
        assert!(out.join(f).exists(), "{f}");
    }
    assert!(std::fs::read_dir(&out).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with("sensitivity_heatmap")));
    // The statics are taken at the optimum `tax optimize` finds (polished if it stalled).
    let rates = numbers(&j["solution"], "rates");
    let values = numbers(&j, "policy_values");
    for (r, v) in rates.iter().zip(&values) {
        assert!((r - v).abs() < 1e-4, "{rates:?} vs {values:?}");
    }
}

#[test]
fn bands_are_reproducible_and_every_draw_is_re_optimised() {
    let run = || {
        let mut args = vec![
            "tax",
            "uncertainty",
            "--se-rel",
            "0.02",
            "--draws",
            "6",
            "--seed",
            "3",
            "--format",
            "json",
            "--quiet",
        ];
        args.extend(ECONOMY);
        json_of(&walras(&args))
    };
    let (a, b) = (run(), run());
    assert_eq!(a["policies"], b["policies"]);
    assert_eq!(a["converged_draws"], 6);
    let p = &a["policies"][3];
    assert_eq!(p["policy"], "rate:4");
    let (lo, hi) = (
        p["delta_p05"].as_f64().unwrap(),
        p["delta_p95"].as_f64().unwrap(),
    );
    assert!(lo < p["value"].as_f64().unwrap() && p["value"].as_f64().unwrap() < hi);
    assert!(a["prediction_distance"]["max"]
        .as_f64()
        .unwrap()
        .is_finite());
    assert_eq!(a["welfare"][0]["objective"], "social welfare");
}

#[test]
fn a_draws_file_with_an_unknown_parameter_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("draws.csv");
    std::fs::write(&f, "elasticity,theta:food\n1.0,4.0\n").unwrap();
    let mut args = vec![
        "tax",
        "uncertainty",
        "--draws-file",
        f.to_str().unwrap(),
        "--quiet",
    ];
    args.extend(ECONOMY);
    let o = walras(&args);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("theta:food") && e.contains("draws.csv") && e.contains("skills:alpha"),
        "{e}"
    );
}

#[test]
fn whole_hours_are_refused_with_the_reason() {
    let o = walras(&[
        "tax",
        "sensitivity",
        "--hours",
        "0,40",
        "--agents",
        "50",
        "--brackets",
        "2",
        "--quiet",
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("continuous labour"), "{}", stderr(&o));
}
