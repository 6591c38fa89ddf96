//! End-to-end tests of `walras trade` on the embedded synthetic economy (and a copy of it on
//! disk for bad-input cases).

mod common;

use common::{json_of, stderr, walras};

use std::path::{Path, PathBuf};

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/trade/example")
}

/// A writable copy of the example economy.
fn copy_example(dir: &Path) -> PathBuf {
    let to = dir.join("economy");
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(example_dir()).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
    to
}

fn by_country(v: &serde_json::Value) -> Vec<f64> {
    v.as_object()
        .unwrap()
        .values()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn nash_json_has_the_documented_keys_and_both_methods_agree() {
    let stacked = json_of(&walras(&["trade", "nash", "--format", "json", "--quiet"]));
    for key in [
        "countries",
        "mean_tariff",
        "welfare_change_pct",
        "rounds",
        "converged",
    ] {
        assert!(!stacked[key].is_null(), "missing {key}");
    }
    assert_eq!(stacked["converged"], true);
    assert_eq!(stacked["countries"].as_array().unwrap().len(), 3);
    // Where the engine's time went: a game takes at least one solve and gradient per round.
    let work = &stacked["engine_work"];
    let rounds = stacked["rounds"].as_f64().unwrap();
    assert!(work["inner_solves"].as_f64().unwrap() >= rounds, "{work}");
    assert!(work["gradients"].as_f64().unwrap() >= rounds, "{work}");
    assert!(work["gradient_s"].as_f64().unwrap() > 0.0, "{work}");
    assert!(stacked["baseline"].as_str().unwrap().contains("purged"));
    // Trade changes by country: every tariff rises from the baseline, so imports fall.
    for v in by_country(&stacked["imports_change_pct"]) {
        assert!(v < 0.0, "imports change {v}%");
    }
    assert_eq!(by_country(&stacked["exports_change_pct"]).len(), 3);
    let br = json_of(&walras(&[
        "trade",
        "nash",
        "--method",
        "best-response",
        "--tol",
        "1e-7",
        "--format",
        "json",
        "--quiet",
    ]));
    for c in ["North", "South", "East"] {
        let (a, b) = (
            stacked["mean_tariff"][c].as_f64().unwrap(),
            br["mean_tariff"][c].as_f64().unwrap(),
        );
        assert!(a > 0.05 && (a - b).abs() < 1e-5, "{c}: {a} vs {b}");
        let (a, b) = (
            stacked["welfare_change_pct"][c].as_f64().unwrap(),
            br["welfare_change_pct"][c].as_f64().unwrap(),
        );
        assert!((a - b).abs() < 1e-5, "{c}: {a} vs {b}");
    }
    // Damped Gauss-Seidel best responses reach the same equilibrium.
    let gs = json_of(&walras(&[
        "trade",
        "nash",
        "--method",
        "best-response",
        "--schedule",
        "gauss-seidel",
        "--damping",
        "0.6",
        "--tol",
        "1e-7",
        "--format",
        "json",
        "--quiet",
    ]));
    for c in ["North", "South", "East"] {
        let (a, b) = (
            stacked["mean_tariff"][c].as_f64().unwrap(),
            gs["mean_tariff"][c].as_f64().unwrap(),
        );
        assert!((a - b).abs() < 1e-5, "{c}: {a} vs {b}");
    }
    let o = walras(&[
        "trade",
        "nash",
        "--method",
        "best-response",
        "--damping",
        "1.5",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("damping"), "{}", stderr(&o));
}

#[test]
fn nash_out_writes_policies_welfare_manifest_and_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("war");
    let o = walras(&[
        "trade",
        "nash",
        "--tariff-structure",
        "sector",
        "--instruments",
        "tariffs,subsidies",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let policies = std::fs::read_to_string(out.join("policies.csv")).unwrap();
    assert!(
        policies.starts_with("country,partner,sector,instrument,value"),
        "{policies}"
    );
    assert!(policies.contains(",subsidy,") && policies.contains(",tariff,"));
    let welfare = std::fs::read_to_string(out.join("welfare.csv")).unwrap();
    assert!(welfare.starts_with("country,welfare_change_pct"));
    assert_eq!(welfare.lines().count(), 4);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["command_line"][1], "trade");
    for fig in [
        "welfare",
        "tariffs_vs_theta",
        "subsidies_vs_psi",
        "convergence",
    ] {
        for ext in ["svg", "png"] {
            assert!(out.join(format!("{fig}.{ext}")).is_file(), "{fig}.{ext}");
        }
    }
}

#[test]
fn dual_competition_cooperation_and_unilateral_optimum_run() {
    let war = json_of(&walras(&["trade", "nash", "--format", "json", "--quiet"]));
    let dual = json_of(&walras(&[
        "trade",
        "nash",
        "--instruments",
        "tariffs,subsidies",
        "--format",
        "json",
        "--quiet",
    ]));
    assert!(!dual["mean_subsidy"].is_null());
    // On this economy (as DL-opt reports for theirs) dual competition has lower tariffs and
    // higher welfare than a pure tariff war.
    let mean = |v: &serde_json::Value| by_country(v).iter().sum::<f64>() / 3.0;
    assert!(mean(&dual["mean_tariff"]) < mean(&war["mean_tariff"]));
    assert!(mean(&dual["welfare_change_pct"]) > mean(&war["welfare_change_pct"]));
    let coop = json_of(&walras(&[
        "trade",
        "cooperate",
        "--format",
        "json",
        "--quiet",
    ]));
    assert!(mean(&coop["welfare_change_pct"]) > mean(&war["welfare_change_pct"]));
    assert!(mean(&coop["mean_tariff"]) < 0.5 * mean(&war["mean_tariff"]));
    let opt = json_of(&walras(&[
        "trade",
        "optimal",
        "--country",
        "North",
        "--format",
        "json",
        "--quiet",
    ]));
    assert_eq!(opt["country"], "North");
    // The unilateral optimum beats the baseline for the country that sets it.
    assert!(opt["welfare_change_pct"]["North"].as_f64().unwrap() > 0.0);
}

#[test]
fn counterfactual_applies_listed_tariffs_and_zero_change_is_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let same = tmp.path().join("same.csv");
    std::fs::copy(example_dir().join("tariffs.csv"), &same).unwrap();
    // Final shares that do not match the flows' implied final demand: the raw data are then no
    // equilibrium of the model, and `--keep-deficits` re-solves the baseline before measuring.
    let shifted = copy_example(&tmp.path().join("shifted"));
    let final_shares = std::fs::read_to_string(shifted.join("final.csv")).unwrap();
    std::fs::write(
        shifted.join("final.csv"),
        final_shares
            .replace("North,food,0.12", "North,food,0.20")
            .replace("North,services,0.58", "North,services,0.50"),
    )
    .unwrap();
    // From the purged baseline, from the raw data with implied final shares (an exact
    // equilibrium) and from the re-solved raw data, unchanged tariffs change nothing.
    for extra in [
        vec![],
        vec!["--keep-deficits", "--final-shares", "implied"],
        vec!["--keep-deficits"],
        vec!["--keep-deficits", "--data", shifted.to_str().unwrap()],
    ] {
        let mut args = vec![
            "trade",
            "counterfactual",
            "--tariffs",
            same.to_str().unwrap(),
            "--format",
            "json",
            "--quiet",
        ];
        args.extend(extra);
        let zero = json_of(&walras(&args));
        for w in by_country(&zero["welfare_change_pct"]) {
            assert!(w.abs() < 1e-8, "{w}");
        }
        // engine_work counts the baseline's re-solve as well as the counterfactual's.
        let solves = zero["engine_work"]["inner_solves"].as_f64().unwrap();
        assert_eq!(solves, 2.0, "{}", zero["engine_work"]);
    }
    let hike = tmp.path().join("hike.csv");
    std::fs::write(
        &hike,
        "exporter,importer,sector,tariff\nSouth,North,food,0.5\nEast,North,food,0.5\n",
    )
    .unwrap();
    let cf = json_of(&walras(&[
        "trade",
        "counterfactual",
        "--tariffs",
        hike.to_str().unwrap(),
        "--format",
        "json",
        "--quiet",
    ]));
    let w = &cf["welfare_change_pct"];
    assert!(
        w["South"].as_f64().unwrap() < 0.0 && w["East"].as_f64().unwrap() < 0.0,
        "{w}"
    );
}

#[test]
fn bad_trade_inputs_are_clear_errors_with_status_2() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_example(tmp.path());
    let flows = std::fs::read_to_string(dir.join("flows.csv")).unwrap();
    let mut lines: Vec<String> = flows.lines().map(String::from).collect();
    let cells: Vec<String> = lines[1].split(',').map(String::from).collect();
    lines[1] = format!("{},{},{},-5", cells[0], cells[1], cells[2]);
    let bad_flows = tmp.path().join("negflows");
    std::fs::create_dir_all(&bad_flows).unwrap();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, bad_flows.join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(bad_flows.join("flows.csv"), lines.join("\n")).unwrap();
    let sectors = std::fs::read_to_string(dir.join("sectors.csv")).unwrap();
    let bad_theta = tmp.path().join("theta");
    std::fs::create_dir_all(&bad_theta).unwrap();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, bad_theta.join(p.file_name().unwrap())).unwrap();
    }
    let mut s: Vec<String> = sectors.lines().map(String::from).collect();
    let header: Vec<&str> = s[0].split(',').collect();
    let theta_col = header.iter().position(|h| *h == "theta").unwrap();
    let mut row: Vec<String> = s[1].split(',').map(String::from).collect();
    row[theta_col] = "0".into();
    s[1] = row.join(",");
    std::fs::write(bad_theta.join("sectors.csv"), s.join("\n")).unwrap();
    let unknown = tmp.path().join("unknown.csv");
    std::fs::write(
        &unknown,
        "exporter,importer,sector,tariff\nMars,North,food,0.1\n",
    )
    .unwrap();
    let missing = tmp.path().join("nothing-here");
    for (args, needle) in [
        (
            vec!["trade", "nash", "--data", bad_flows.to_str().unwrap()],
            "value",
        ),
        (
            vec!["trade", "nash", "--data", bad_theta.to_str().unwrap()],
            "theta",
        ),
        (
            vec!["trade", "nash", "--data", missing.to_str().unwrap()],
            "nothing-here",
        ),
        (
            vec![
                "trade",
                "counterfactual",
                "--tariffs",
                unknown.to_str().unwrap(),
            ],
            "Mars",
        ),
        (
            vec!["trade", "nash", "--tariff-structure", "bogus"],
            "bogus",
        ),
        (vec!["trade", "nash", "--instruments", "quotas"], "quotas"),
        (
            vec!["trade", "optimal", "--country", "Atlantis"],
            "Atlantis",
        ),
        (
            vec![
                "trade", "import", "--layout", "gtap", "--from", "x", "--to", "y",
            ],
            "gtap",
        ),
        // A tolerance below what the problem allows: the error says where it stalled and
        // what tolerance to ask for.
        (
            vec!["trade", "cooperate", "--tol", "1e-30"],
            "may be all this problem allows",
        ),
        (
            vec!["trade", "optimal", "--country", "North", "--tol", "1e-30"],
            "may be all this problem allows",
        ),
    ] {
        let o = walras(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(
            !stderr(&o).contains("internal error"),
            "{args:?} panicked: {}",
            stderr(&o)
        );
    }
}

/// A copy of the example economy with `line` (1-based, the header is line 0) of `table`
/// replaced by `with`, or appended if `line` is past the end.
fn with_line(tmp: &Path, name: &str, table: &str, line: usize, with: &str) -> PathBuf {
    let dir = copy_example(&tmp.join(name));
    let path = dir.join(table);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    if line < lines.len() {
        lines[line] = with.to_string();
    } else {
        lines.push(with.to_string());
    }
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    dir
}

#[test]
fn bad_values_name_the_table_key_and_value_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    for (dir, needles) in [
        (
            with_line(t, "neg", "flows.csv", 1, "North,North,food,-12.5"),
            vec![
                "flows.csv",
                "exporter=North, importer=North, sector=food",
                "-12.5",
                "negative",
            ],
        ),
        (
            with_line(t, "nan", "flows.csv", 2, "North,North,machinery,NaN"),
            vec![
                "flows.csv",
                "exporter=North, importer=North, sector=machinery",
                "NaN",
                "not finite",
            ],
        ),
        (
            with_line(t, "tariff", "tariffs.csv", 1, "North,South,food,-1"),
            vec![
                "tariffs.csv",
                "exporter=North, importer=South, sector=food",
                "`-1`",
                "must be > -1",
            ],
        ),
        (
            with_line(t, "theta", "sectors.csv", 1, "food,Food,-4,0.2,true"),
            vec!["sectors.csv", "sector=food", "theta", "must be > 0"],
        ),
        (
            with_line(t, "share", "io.csv", 1, "North,food,food,0.5"),
            vec!["io", "North", "food", "sum to"],
        ),
        (
            with_line(t, "extra", "value_added.csv", 10_000, "Mars,food,0.4"),
            vec![
                "value_added.csv",
                "Mars",
                "not a country of the flows table",
            ],
        ),
    ] {
        let out = t.join(format!(
            "out-{}",
            dir.parent().unwrap().file_name().unwrap().to_str().unwrap()
        ));
        let args = [
            "trade",
            "nash",
            "--data",
            dir.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--format",
            "json",
        ];
        let o = walras(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        for needle in needles {
            assert!(err.contains(needle), "{args:?}: `{needle}` not in: {err}");
        }
        assert!(!out.exists(), "{args:?}: partial output left in {out:?}");
    }
}

#[test]
fn elasticity_sets_replace_theta_and_are_named_in_the_notes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_example(tmp.path());
    // Set `same` repeats the sectors table's theta; `high` raises it (theta psi stays < 1).
    std::fs::write(
        dir.join("elasticity_sets.csv"),
        "sector,theta_same,theta_high\nfood,4,4.4\nmachinery,6,7\nmaterials,5,6\nservices,8,9\n",
    )
    .unwrap();
    let nash = |set: Option<&str>| {
        let mut args = vec!["trade", "nash", "--data", dir.to_str().unwrap()];
        args.extend([
            "--tariff-structure",
            "sector",
            "--format",
            "json",
            "--quiet",
        ]);
        if let Some(set) = set {
            args.extend(["--elasticities", set]);
        }
        json_of(&walras(&args))
    };
    let (plain, same, high) = (nash(None), nash(Some("same")), nash(Some("high")));
    assert_eq!(plain["mean_tariff"], same["mean_tariff"]);
    let notes = high["notes"].to_string();
    assert!(notes.contains("theta_high"), "{notes}");
    // More elastic imports: lower optimal tariffs everywhere.
    for (h, p) in by_country(&high["mean_tariff"])
        .iter()
        .zip(by_country(&plain["mean_tariff"]))
    {
        assert!(*h < p, "theta raised: {h} against {p}");
    }
    let o = walras(&[
        "trade",
        "nash",
        "--data",
        dir.to_str().unwrap(),
        "--elasticities",
        "XX",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("theta_same"), "{}", stderr(&o));
}

#[test]
fn compare_shows_war_dual_and_cooperation_with_a_figure() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cmp");
    let j = json_of(&walras(&[
        "trade",
        "compare",
        "--format",
        "json",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]));
    let w = &j["world_mean_welfare_change_pct"];
    let (war, dual, coop) = (
        w["tariff war"].as_f64().unwrap(),
        w["dual competition"].as_f64().unwrap(),
        w["cooperation"].as_f64().unwrap(),
    );
    assert!(war < dual && war < coop, "{w}");
    assert_eq!(
        j["scenarios"]["tariff war"]["countries"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    for scenario in ["tariff war", "dual competition", "cooperation"] {
        let s = &j["scenarios"][scenario];
        assert_eq!(s["converged"], true, "{scenario}");
        assert!(s["rounds"].as_u64().unwrap() >= 1, "{scenario}");
    }
    for ext in ["svg", "png"] {
        assert!(out.join(format!("welfare_by_scenario.{ext}")).is_file());
    }
    assert!(out.join("manifest.json").is_file());
}

#[test]
fn hybrid_method_and_start_from_an_earlier_result() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("war");
    let stacked = json_of(&walras(&["trade", "nash", "--format", "json", "--quiet"]));
    let hybrid = json_of(&walras(&[
        "trade",
        "nash",
        "--method",
        "best-response-then-stacked",
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
        "--quiet",
    ]));
    assert_eq!(hybrid["method"], "best-response-then-stacked");
    assert_eq!(hybrid["converged"], true);
    let rounds = hybrid["rounds"].as_u64().unwrap() as usize;
    let history = hybrid["history"].as_array().unwrap();
    assert_eq!(history.len(), rounds);
    // Rounds are numbered on across the hand-over.
    for (k, h) in history.iter().enumerate() {
        assert_eq!(h["round"].as_u64().unwrap() as usize, k + 1);
    }
    for c in ["North", "South", "East"] {
        let (a, b) = (
            stacked["mean_tariff"][c].as_f64().unwrap(),
            hybrid["mean_tariff"][c].as_f64().unwrap(),
        );
        assert!((a - b).abs() < 1e-6, "{c}: {a} vs {b}");
    }
    // Restarting from the equilibrium's own policy table: already there.
    let policies = out.join("policies.csv");
    let again = json_of(&walras(&[
        "trade",
        "nash",
        "--start",
        policies.to_str().unwrap(),
        "--format",
        "json",
        "--quiet",
    ]));
    assert!(
        again["rounds"].as_u64().unwrap() <= 2,
        "{}",
        again["rounds"]
    );
    assert!(
        (again["mean_tariff"]["East"].as_f64().unwrap()
            - stacked["mean_tariff"]["East"].as_f64().unwrap())
        .abs()
            < 1e-6
    );
    // Sector statistics: partner-sector tariffs vary by sector (three tariffable sectors).
    let r = &stacked["rank_correlations"];
    assert!(r["tariff_theta"].as_f64().unwrap().abs() <= 1.0, "{r}");
    assert!(
        r["subsidy_psi"].is_null(),
        "no subsidies in a tariff war: {r}"
    );
    assert!(stacked["sector_mean_tariff"]["services"].is_null());
    // A table from another structure names instruments this run does not have.
    let o = walras(&[
        "trade",
        "nash",
        "--tariff-structure",
        "uniform",
        "--start",
        policies.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("--start") && e.contains("row 1"), "{e}");
    // A value outside the instrument's bounds, named with its row.
    let table = std::fs::read_to_string(&policies).unwrap();
    let mut lines: Vec<String> = table.lines().map(String::from).collect();
    let last = lines.len() - 1;
    let cut = lines[last].rfind(',').unwrap();
    lines[last] = format!("{},9.5", &lines[last][..cut]);
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let o = walras(&["trade", "nash", "--start", bad.to_str().unwrap(), "--quiet"]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains(&format!("row {last}: value 9.5")) && e.contains("must lie in [0, 5]"),
        "{e}"
    );
}

#[test]
fn second_order_check_reports_each_government_s_own_curvature() {
    let plain = json_of(&walras(&["trade", "nash", "--format", "json", "--quiet"]));
    assert!(plain["second_order"].is_null(), "only on request");
    let j = json_of(&walras(&[
        "trade",
        "nash",
        "--instruments",
        "tariffs,subsidies",
        "--second-order",
        "--format",
        "json",
        "--quiet",
    ]));
    let check = &j["second_order"];
    assert_eq!(check["local_best_responses"], true, "{check}");
    let players = check["players"].as_array().unwrap();
    assert_eq!(players.len(), 3);
    for p in players {
        // 6 tariffs and 4 subsidies per country on the synthetic example, all interior.
        assert!(p["interior"].as_u64().unwrap() > 0, "{p}");
        let (max, min) = (
            p["max_eigenvalue"].as_f64().unwrap(),
            p["min_eigenvalue"].as_f64().unwrap(),
        );
        assert!(min <= max && max < 0.0, "{p}");
        assert_eq!(p["convex_directions"], 0, "{p}");
    }
}
