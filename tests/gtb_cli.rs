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
