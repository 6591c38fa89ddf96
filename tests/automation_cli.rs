//! End-to-end tests of `walras automation`: every preset through `simulate`, the output files,
//! the planner, sweeps, network tools, and bad input.

mod common;

use common::{json_of, stderr, walras};

const PRESETS: [&str; 6] = [
    "no-spillovers",
    "directed-chain",
    "core-periphery",
    "power-law",
    "capital-accumulation",
    "ai-only",
];

#[test]
fn every_preset_simulates_with_the_documented_summary() {
    for preset in PRESETS {
        let j = json_of(&walras(&[
            "automation",
            "simulate",
            "--preset",
            preset,
            "--format",
            "json",
            "--quiet",
        ]));
        for key in [
            "final_time",
            "labor_task_share",
            "labor_income_share",
            "automation_time",
            "blowup_time",
        ] {
            assert!(j.get(key).is_some(), "{preset}: missing {key} in {j}");
        }
        let m = j["labor_task_share"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&m), "{preset}: m = {m}");
        let times = j["automation_time"].as_array().unwrap();
        assert_eq!(times.len() as u64, j["tasks"].as_u64().unwrap());
        assert!(times
            .iter()
            .all(|t| t.is_null() || t.as_f64().unwrap() >= 0.0));
        match preset {
            "capital-accumulation" => {
                let t_star = j["blowup_time"].as_f64().expect("blow-up reported");
                assert!(t_star >= j["final_time"].as_f64().unwrap());
            }
            "ai-only" => {
                assert_eq!(m, 0.0);
                assert_eq!(j["labor_income_share"].as_f64().unwrap(), 0.0);
                assert!(j["blowup_time"].is_null());
            }
            "power-law" | "directed-chain" | "core-periphery" => {
                assert!(m < 0.01, "{preset}: m = {m}")
            }
            _ => {}
        }
    }
}

#[test]
fn simulate_out_writes_paths_tasks_manifest_and_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = walras(&[
        "automation",
        "simulate",
        "--preset",
        "core-periphery",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let paths = std::fs::read_to_string(out.join("paths.csv")).unwrap();
    let header = paths.lines().next().unwrap();
    for col in [
        "t",
        "output",
        "capital",
        "wage",
        "rental",
        "labor_task_share",
        "labor_income_share",
    ] {
        assert!(
            header.split(',').any(|c| c == col),
            "paths.csv lacks {col}: {header}"
        );
    }
    let tasks = std::fs::read_to_string(out.join("tasks.csv")).unwrap();
    assert_eq!(tasks.lines().count(), 31);
    for col in ["task", "automation_time", "verifiability", "centrality"] {
        assert!(
            tasks.lines().next().unwrap().split(',').any(|c| c == col),
            "tasks.csv lacks {col}"
        );
    }
    for f in [
        "manifest.json",
        "summary.json",
        "network.csv",
        "time_paths.svg",
        "shares.png",
        "automation_raster.svg",
        "omega_heatmap.svg",
        "automation_vs_centrality.svg",
        "labor_share_loglog.svg",
        "growth.svg",
    ] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
}

#[test]
fn scenario_files_overrides_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(&good, "tasks = 4\nsigma = 0.6\nverifiability = [0.2, 0.4, 0.6, 0.8]\nhorizon = 50.0\n[network]\nkind = \"ring\"\nneighbors = 1\nweight = 0.2\n").unwrap();
    let j = json_of(&walras(&[
        "automation",
        "simulate",
        "--scenario",
        good.to_str().unwrap(),
        "--set",
        "theta=0.3",
        "--format",
        "json",
        "--quiet",
    ]));
    assert_eq!(j["tasks"], 4);
    let cases = [
        ("tasks = 4\nsigma = 0.6\nspeed = 2\n", "speed"),
        ("tasks = 4\nsigma = 0.0\n", "sigma"),
        (
            "tasks = 3\nsigma = 0.6\ntask_mass = [0.5, -0.1, 0.6]\n",
            "task_mass[1]",
        ),
        ("tasks = 3\nsigma = 0.6\ntheta = -1.0\n", "theta"),
        (
            "tasks = 3\nsigma = 0.6\n[network]\nkind = \"file\"\npath = \"omega.csv\"\n",
            "omega.csv",
        ),
    ];
    for (k, (text, needle)) in cases.iter().enumerate() {
        let p = dir.path().join(format!("bad{k}.toml"));
        std::fs::write(&p, text).unwrap();
        let o = walras(&[
            "automation",
            "simulate",
            "--scenario",
            p.to_str().unwrap(),
            "--quiet",
        ]);
        assert_eq!(o.status.code(), Some(2), "{text}");
        assert!(stderr(&o).contains(needle), "{needle}: {}", stderr(&o));
    }
    // A user matrix of the wrong shape and one with a negative entry.
    let m = dir.path().join("omega.csv");
    std::fs::write(&m, "a,b\n1,0.5\n0.2,1\n").unwrap();
    let p = dir.path().join("with_file.toml");
    std::fs::write(
        &p,
        "tasks = 3\nsigma = 0.6\n[network]\nkind = \"file\"\npath = \"omega.csv\"\n",
    )
    .unwrap();
    let o = walras(&[
        "automation",
        "simulate",
        "--scenario",
        p.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("omega.csv") && stderr(&o).contains('3'),
        "{}",
        stderr(&o)
    );
    std::fs::write(&m, "a,b,c\n1,0.5,0\n-0.2,1,0\n0,0,1\n").unwrap();
    let o = walras(&[
        "automation",
        "simulate",
        "--scenario",
        p.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("-0.2"), "{}", stderr(&o));
    // A well-formed file works.
    std::fs::write(&m, "a,b,c\n1,0.5,0\n0.2,1,0\n0,0.1,1\n").unwrap();
    let j = json_of(&walras(&[
        "automation",
        "simulate",
        "--scenario",
        p.to_str().unwrap(),
        "--format",
        "json",
        "--quiet",
    ]));
    assert_eq!(j["network"]["edges"], 3);
    let o = walras(&["automation", "simulate", "--preset", "nope", "--quiet"]);
    assert!(
        stderr(&o).contains("nope") && stderr(&o).contains("power-law"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn network_build_inspect_export() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("star.csv");
    let j = json_of(&walras(&[
        "automation",
        "network",
        "--spec",
        "kind=star,center=0,weight=0.3",
        "--tasks",
        "6",
        "--export",
        file.to_str().unwrap(),
        "--format",
        "json",
        "--quiet",
    ]));
    assert_eq!(j["edges"], 5);
    assert_eq!(j["out_degree"][0], 5);
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .starts_with("receiver,sender,weight"));
    let j = json_of(&walras(&[
        "automation",
        "network",
        "--preset",
        "directed-chain",
        "--format",
        "json",
        "--quiet",
    ]));
    assert_eq!(j["reachable_share"], 1.0);
    let o = walras(&[
        "automation",
        "network",
        "--spec",
        "kind=ring,neighbors=9,weight=0.3",
        "--tasks",
        "6",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("neighbors"), "{}", stderr(&o));
}

#[test]
fn sweeps_are_reproducible_and_write_fans_and_phase_diagrams() {
    let dir = tempfile::tempdir().unwrap();
    let args = |out: &str| {
        vec![
            "automation",
            "sweep",
            "--preset",
            "core-periphery",
            "--set",
            "horizon=100",
            "--range",
            "theta=0.3:0.6",
            "--range",
            "network.pc=0:0.2",
            "--draws",
            "16",
            "--seed",
            "3",
            "--format",
            "json",
            "--quiet",
            "--out",
            out,
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };
    let out_a = dir.path().join("a");
    let out_b = dir.path().join("b");
    let a_args = args(out_a.to_str().unwrap());
    let b_args = args(out_b.to_str().unwrap());
    let a = json_of(&walras(
        &a_args.iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    let b = json_of(&walras(
        &b_args.iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    assert_eq!(a["labor_task_share_fan"], b["labor_task_share_fan"]);
    assert_eq!(
        std::fs::read_to_string(out_a.join("draws.csv")).unwrap(),
        std::fs::read_to_string(out_b.join("draws.csv")).unwrap()
    );
    for f in ["fan_labor_share.svg", "fan_output.png", "manifest.json"] {
        assert!(out_a.join(f).is_file(), "missing {f}");
    }
    let out = dir.path().join("phase");
    let j = json_of(&walras(&[
        "automation",
        "sweep",
        "--preset",
        "capital-accumulation",
        "--set",
        "horizon=100",
        "--grid",
        "theta=0.1:0.7:3",
        "--grid",
        "saving=0.05:0.3:2",
        "--format",
        "json",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert_eq!(j["regime"].as_array().unwrap().len(), 2);
    assert!(out.join("phase_diagram.svg").is_file());
    let o = walras(&[
        "automation",
        "sweep",
        "--preset",
        "ai-only",
        "--range",
        "colour=0:1",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("colour"));
}

#[test]
fn planner_beats_the_market_and_writes_its_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("planner");
    let j = json_of(&walras(&[
        "automation",
        "planner",
        "--preset",
        "core-periphery",
        "--horizon",
        "40",
        "--grid",
        "120",
        "--format",
        "json",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]));
    let gap = j["welfare_gap_pct"].as_f64().unwrap();
    assert!(gap > 0.0, "welfare gap {gap}");
    assert!(j["planner_welfare"].as_f64().unwrap() > j["market_welfare"].as_f64().unwrap());
    for f in [
        "planner_paths.csv",
        "planner_vs_market.svg",
        "allocation_tilt.svg",
        "manifest.json",
    ] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    let o = walras(&[
        "automation",
        "planner",
        "--preset",
        "capital-accumulation",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("capital"));
}
