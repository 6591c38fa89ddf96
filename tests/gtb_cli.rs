//! `walras tax gtb` from the command line: replay output, reproducible simulations, output
//! folders, and clear refusals of bad actions files, maps and settings.

mod common;

use common::{json_of, stderr, stdout, walras};
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn replay_prints_the_reset_and_every_step() {
    let dir = tempfile::tempdir().unwrap();
    let actions = write(
        dir.path(),
        "a.json",
        r#"{"agents": [[0,0,0,0],[49,47,0,1],[0,0,0,0]]}"#,
    );
    let o = walras(&["tax", "gtb", "replay", "--actions", &actions, "--seed", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    for (t, line) in lines.iter().enumerate() {
        assert_eq!(line["t"], t);
        assert_eq!(line["rates"][6], 0.37);
    }
    assert_eq!(
        lines[0]["coin"],
        serde_json::json!([10.0, 10.0, 10.0, 10.0])
    );
    // The four fixed corners, in some order.
    let mut corners: Vec<String> = lines[0]["loc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.to_string())
        .collect();
    corners.sort();
    assert_eq!(corners, ["[0,0]", "[0,24]", "[24,0]", "[24,24]"]);
    // Each agent on a source tile collects at step 1 whatever it does.
    let gathered = |l: &serde_json::Value| {
        l["wood"]
            .as_array()
            .unwrap()
            .iter()
            .chain(l["stone"].as_array().unwrap())
            .map(|v| v.as_f64().unwrap())
            .sum::<f64>()
    };
    assert!(gathered(&lines[1]) >= 2.0);
    let again = walras(&["tax", "gtb", "replay", "--actions", &actions, "--seed", "1"]);
    assert_eq!(
        o.stdout, again.stdout,
        "the same seed and actions give the same states"
    );
}

#[test]
fn bad_replays_are_refused_naming_file_step_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
        (
            vec![write(d, "1.json", "not json")],
            vec!["1.json", "not JSON"],
        ),
        (
            vec![write(d, "2.json", r#"{"planner": []}"#)],
            vec!["2.json", "agents"],
        ),
        (
            vec![write(d, "3.json", r#"{"agents": [[0,0,0,0],[0,0,0]]}"#)],
            vec!["3.json", "step 2", "3 entries", "4"],
        ),
        (
            vec![write(d, "4.json", r#"{"agents": [[0,50,0,0]]}"#)],
            vec!["4.json", "step 1", "entry 1", "50", "0..50"],
        ),
        (
            vec![write(d, "5.json", r#"{"agents": [[0,-1,0,0]]}"#)],
            vec!["5.json", "-1"],
        ),
        (
            vec![
                write(d, "6.json", r#"{"agents": [[0,0,0,0]]}"#),
                "--tax".into(),
                "planner".into(),
            ],
            vec!["6.json", "planner"],
        ),
        (
            vec![write(
                d,
                "7.json",
                r#"{"agents": [[0,0,0,0]], "planner": [[0,0,0,0,0,0,0]]}"#,
            )],
            vec!["7.json", "--tax planner"],
        ),
        (
            vec![
                write(
                    d,
                    "8.json",
                    r#"{"agents": [[0,0,0,0]], "planner": [[0,0,0,22,0,0,0]]}"#,
                ),
                "--tax".into(),
                "planner".into(),
            ],
            vec!["8.json", "entry 3", "22"],
        ),
        (
            vec![
                write(d, "9.json", r#"{"agents": [[0,0,0,0]]}"#),
                "--seed".into(),
                "4294967296".into(),
            ],
            vec!["--seed", "4294967296"],
        ),
        (
            vec![
                write(d, "10.json", r#"{"agents": [[0,0,0,0]]}"#),
                "--tax".into(),
                "flat".into(),
            ],
            vec!["--tax", "flat"],
        ),
        (
            vec![
                write(d, "11.json", r#"{"agents": [[0,0,0,0]]}"#),
                "--rng".into(),
                "mt".into(),
            ],
            vec!["--rng", "mt"],
        ),
        (
            vec![
                write(d, "12.json", r#"{"agents": [[0,0,0,0]]}"#),
                "--episode-length".into(),
                "0".into(),
            ],
            vec!["--episode-length", "0"],
        ),
        (
            vec![
                write(d, "13.json", r#"{"agents": [[0,0,0,0]]}"#),
                "--map".into(),
                write(d, "m1.txt", "WW;W;"),
            ],
            vec!["m1.txt", "row 1"],
        ),
        (
            vec![
                write(d, "14.json", r#"{"agents": [[0,0,0,0]]}"#),
                "--map".into(),
                write(d, "m2.txt", "WX;  ;"),
            ],
            vec!["m2.txt", "row 0", "'X'"],
        ),
        (
            vec![
                write(d, "15.json", r#"{"agents": [[0,0,0,0]]}"#),
                "--map".into(),
                write(d, "m3.txt", "@@;@@;"),
            ],
            vec!["agents", "4"],
        ),
        (
            vec![
                write(d, "16.json", r#"{"agents": [[0,0,0,0]]}"#),
                "--out".into(),
                d.join("out").display().to_string(),
            ],
            vec!["--out"],
        ),
        (
            vec![d.join("missing.json").display().to_string()],
            vec!["missing.json"],
        ),
    ];
    for (extra, needles) in cases {
        let mut args = vec!["tax", "gtb", "replay", "--actions"];
        args.extend(extra.iter().map(String::as_str));
        let o = walras(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{err}");
        for n in needles {
            assert!(err.contains(n), "{extra:?}: {n:?} not in {err}");
        }
        assert!(
            stdout(&o).is_empty() || extra.iter().any(|e| e.contains("16.json")),
            "{extra:?}"
        );
    }
}

#[test]
fn simulations_are_reproducible_across_threads_and_write_an_output_folder() {
    let args = [
        "tax",
        "gtb",
        "simulate",
        "--episodes",
        "6",
        "--seed",
        "3",
        "--format",
        "json",
        "--quiet",
    ];
    let one = json_of(&walras(&[&args[..], &["--threads", "1"]].concat()));
    let two = json_of(&walras(&[&args[..], &["--threads", "2"]].concat()));
    assert_eq!(one["episode_outcomes"], two["episode_outcomes"]);
    assert_eq!(one["summary"], two["summary"]);
    assert_eq!(one["episode_outcomes"].as_array().unwrap().len(), 6);
    let s = &one["summary"]["equality"];
    assert!(
        s["ci95_low"].as_f64() <= s["mean"].as_f64()
            && s["mean"].as_f64() <= s["ci95_high"].as_f64()
    );
    for e in one["episode_outcomes"].as_array().unwrap() {
        // Coin comes from houses only: 4 x 10 at the start, plus payments of 11.3 to 22.2.
        let (coin, houses) = (
            e["productivity"].as_f64().unwrap(),
            e["houses"].as_f64().unwrap(),
        );
        assert!(
            coin >= 40.0 + 11.33 * houses - 1e-9 && coin <= 40.0 + 22.25 * houses + 1e-9,
            "{e}"
        );
    }
    let fast = json_of(&walras(&[&args[..], &["--rng", "fast"]].concat()));
    assert_ne!(fast["episode_outcomes"], one["episode_outcomes"]);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    let o = walras(&[
        "tax",
        "gtb",
        "simulate",
        "--episodes",
        "2",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for name in [
        "simulate.json",
        "episodes.csv",
        "episodes.tex",
        "manifest.json",
    ] {
        assert!(out.join(name).is_file(), "{name}");
    }
    let csv = std::fs::read_to_string(out.join("episodes.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3);
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .starts_with("episode,seed,wood_gathered"));
}

#[test]
fn bad_simulations_are_refused() {
    for (extra, needle) in [
        (vec!["--episodes", "0"], "--episodes"),
        (vec!["--threads", "0"], "--threads"),
        (vec!["--policy", "greedy"], "--policy"),
        (vec!["--seed", "4294967295", "--episodes", "2"], "--seed"),
    ] {
        let mut args = vec!["tax", "gtb", "simulate"];
        args.extend(extra.iter());
        let o = walras(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        assert!(stderr(&o).contains(needle), "{extra:?}: {}", stderr(&o));
    }
}

/// Small settings for the best-response commands (the defaults take a minute or more).
const QUICK: [&str; 12] = [
    "--episodes",
    "8",
    "--rounds",
    "1",
    "--iterations",
    "2",
    "--pairs",
    "2",
    "--objective-episodes",
    "4",
    "--episode-length",
    "200",
];

#[test]
fn compare_reports_every_planner_with_intervals_and_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cmp");
    let mut args = vec!["tax", "gtb", "compare", "--seed", "3", "--format", "json"];
    args.extend(QUICK);
    let o = walras(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let j = json_of(&o);
    for p in ["free_market", "us_federal", "saez", "optimized"] {
        for m in ["equality", "productivity", "equality_times_productivity"] {
            let s = &j["planners"][p][m];
            let (mean, low, high) = (
                s["mean"].as_f64().unwrap(),
                s["ci95_low"].as_f64().unwrap(),
                s["ci95_high"].as_f64().unwrap(),
            );
            assert!(low <= mean && mean <= high, "{p} {m}: {s}");
        }
        let eq = j["planners"][p]["equality"]["mean"].as_f64().unwrap();
        let prod = j["planners"][p]["productivity"]["mean"].as_f64().unwrap();
        assert!(
            (0.0..=1.0).contains(&eq) && prod >= 40.0 - 1e-9,
            "{p}: {eq} {prod}"
        );
        assert_eq!(j["planners"][p]["agents"].as_array().unwrap().len(), 4);
        assert_eq!(
            j["planners"][p]["exploitability"].as_array().unwrap().len(),
            4
        );
    }
    assert_eq!(j["planners"]["free_market"]["taxes"]["mean"], 0.0);
    assert_eq!(
        j["planners"]["us_federal"]["rates"],
        serde_json::json!([0.10, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37])
    );
    assert_eq!(j["ranking"].as_array().unwrap().len(), 4);
    assert_eq!(j["paper"]["gain_over_saez_pct"], 16.0);
    // The same seed gives the same numbers, on any number of threads, and the folder holds
    // the tables and figures.
    let mut again = args.clone();
    again.extend(["--threads", "1", "--out", out.to_str().unwrap()]);
    let o2 = walras(&again);
    assert!(o2.status.success(), "{}", stderr(&o2));
    assert_eq!(json_of(&o2)["planners"], j["planners"]);
    for f in [
        "compare.json",
        "planners.csv",
        "agents.csv",
        "candidates.csv",
        "map.svg",
        "coin_over_time.svg",
        "labor_over_time.svg",
        "equality_productivity.svg",
        "schedules.png",
        "manifest.json",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
}

#[test]
fn equilibrium_and_optimize_report_agents_and_rates() {
    let mut args = vec![
        "tax",
        "gtb",
        "equilibrium",
        "--tax",
        "planner",
        "--rates",
        "0.1,0.1,0.2,0.25,0.3,0.35,0.35",
        "--format",
        "json",
    ];
    args.extend(QUICK);
    let o = walras(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let j = json_of(&o);
    // Level k is the rate k x 0.05, as the reference computes it.
    let rates: Vec<f64> = j["outcome"]["rates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_f64().unwrap())
        .collect();
    for (r, want) in rates.iter().zip([0.1, 0.1, 0.2, 0.25, 0.3, 0.35, 0.35]) {
        assert!((r - want).abs() < 1e-15, "{rates:?}");
    }
    let payments: Vec<f64> = j["outcome"]["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["build_payment"].as_f64().unwrap())
        .collect();
    assert!(payments.windows(2).all(|w| w[0] < w[1]), "{payments:?}");
    let mut args = vec!["tax", "gtb", "optimize", "--format", "json"];
    args.extend(QUICK);
    let o = walras(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let j = json_of(&o);
    let rates = j["rates"].as_array().unwrap();
    assert_eq!(rates.len(), 7);
    assert_eq!(j["outcome"]["rates"], j["rates"]);
    assert!(!j["optimization"]["candidates"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn bad_game_settings_are_refused() {
    let run = |extra: &[&str]| {
        let mut args = vec!["tax", "gtb", "equilibrium"];
        args.extend(extra);
        args.extend(QUICK);
        let o = walras(&args);
        assert!(!o.status.success(), "{extra:?} accepted");
        stderr(&o)
    };
    let e = run(&["--tax", "planner"]);
    assert!(e.contains("--rates"), "{e}");
    let e = run(&["--tax", "planner", "--rates", "0.1,0.2"]);
    assert!(e.contains("7 rates"), "{e}");
    let e = run(&["--tax", "planner", "--rates", "10,12,22,24,32,35,37"]);
    assert!(e.contains("bracket 1") && e.contains("percent"), "{e}");
    let e = run(&[
        "--tax",
        "planner",
        "--rates",
        "0.1,0.12,0.2,0.25,0.3,0.35,0.35",
    ]);
    assert!(e.contains("bracket 2") && e.contains("0.12"), "{e}");
    let e = run(&["--tax", "saez", "--rates", "0.1,0.1,0.2,0.25,0.3,0.35,0.35"]);
    assert!(e.contains("only with --tax planner"), "{e}");
    let e = run(&["--tax", "planner", "--rates", "NaN,0,0,0,0,0,0"]);
    assert!(e.contains("bracket 1"), "{e}");
    let e = run(&["--tax", "flat"]);
    assert!(e.contains("tax"), "{e}");
    for (flag, value, says) in [
        ("--pairs", "0", "pairs"),
        ("--rounds", "0", "rounds"),
        ("--episodes", "1", "episodes"),
        ("--threads", "0", "threads"),
    ] {
        let mut args = vec!["tax", "gtb", "equilibrium"];
        args.extend(QUICK);
        args.extend([flag, value]);
        let o = walras(&args);
        assert!(!o.status.success(), "{flag} {value} accepted");
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
    }
}

#[test]
fn random_skills_are_drawn_anew_each_episode() {
    let fixed = [
        11.331640623590097,
        13.267112338979295,
        16.472372947006132,
        22.249614304395735,
    ];
    let payments = |extra: &[&str]| -> Vec<Vec<f64>> {
        let mut args = vec![
            "tax",
            "gtb",
            "simulate",
            "--episodes",
            "6",
            "--episode-length",
            "50",
            "--format",
            "json",
        ];
        args.extend(extra);
        let o = walras(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        json_of(&o)["episode_outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let mut p: Vec<f64> = e["build_payment"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap())
                    .collect();
                p.sort_by(f64::total_cmp);
                p
            })
            .collect()
    };
    assert!(payments(&[]).iter().all(|p| p == &fixed));
    let drawn = payments(&["--random-skills"]);
    assert!(drawn.iter().all(|p| p != &fixed));
    assert_ne!(drawn[0], drawn[1]);
    // Payments lie between the base payment and its skill cap (10 and 30 coin).
    assert!(drawn.iter().flatten().all(|&x| (10.0..=30.0).contains(&x)));
}
