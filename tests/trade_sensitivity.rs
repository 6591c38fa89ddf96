//! `walras trade sensitivity`: the exact comparative statics of trade policies in the
//! elasticities, against central differences of full re-solves of the war.

mod common;

use std::path::{Path, PathBuf};

use common::{json_of, numbers, stderr, strings, walras};

/// The columns of `key` in a sensitivity record, as rows.
fn matrix(j: &serde_json::Value, key: &str) -> Vec<Vec<f64>> {
    j[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        })
        .collect()
}

#[test]
fn the_record_names_parameters_and_policies_and_writes_a_heatmap() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let j = json_of(&walras(&[
        "trade",
        "sensitivity",
        "--tariff-structure",
        "sector",
        "--format",
        "json",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]));
    let parameters = j["parameters"].as_array().unwrap();
    let policies = j["policies"].as_array().unwrap();
    // The embedded example: 3 countries, 4 sectors (3 tariffable), scale economies.
    assert_eq!(parameters.len(), 8);
    assert_eq!(parameters[0], "theta:food");
    assert_eq!(parameters[4], "psi:food");
    assert_eq!(policies.len(), 9);
    assert_eq!(policies[0], "tariff:North:food");
    let jac = matrix(&j, "jacobian");
    assert_eq!((jac.len(), jac[0].len()), (9, 8));
    let welfare = matrix(&j, "welfare_jacobian");
    assert_eq!((welfare.len(), welfare[0].len()), (3, 8));
    assert!(jac
        .iter()
        .flatten()
        .chain(welfare.iter().flatten())
        .all(|v| v.is_finite()));
    assert!(j["condition_number"].as_f64().unwrap() >= 1.0);
    assert_eq!(j["converged"], true);
    assert!(j["envelope_gap_pct"].as_f64().unwrap() < 1e-4);
    for f in [
        "sensitivity.json",
        "jacobian.csv",
        "welfare_jacobian.csv",
        "sensitivity_heatmap.svg",
        "manifest.json",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
}

#[test]
fn an_optimum_needs_its_country_and_a_bad_exercise_is_refused() {
    let o = walras(&["trade", "sensitivity", "--exercise", "optimal", "--quiet"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--country"), "{}", stderr(&o));
    let o = walras(&["trade", "sensitivity", "--exercise", "war", "--quiet"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("war"), "{}", stderr(&o));
    let j = json_of(&walras(&[
        "trade",
        "sensitivity",
        "--exercise",
        "optimal",
        "--country",
        "South",
        "--tariff-structure",
        "sector",
        "--format",
        "json",
        "--quiet",
    ]));
    let policies = j["policies"].as_array().unwrap();
    assert_eq!(policies.len(), 3);
    assert!(policies
        .iter()
        .all(|p| p.as_str().unwrap().starts_with("tariff:South:")));
}

fn data_dir() -> PathBuf {
    walras::data::shared_data_dir().unwrap_or_else(|e| panic!("{e}"))
}

/// A copy of the tidy directory `src` with sector `k`'s theta (0-based row of sectors.csv)
/// multiplied by `factor`.
fn with_theta_scaled(src: &Path, dst: &Path, k: usize, factor: f64) {
    with_sector_value_scaled(src, dst, k, "theta", factor)
}

/// A copy of the tidy directory `src` with sector `k`'s `field` (theta or psi) multiplied by
/// `factor`.
fn with_sector_value_scaled(src: &Path, dst: &Path, k: usize, field: &str, factor: f64) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        if name != "sectors.csv" && path.is_file() {
            std::fs::copy(&path, dst.join(name)).unwrap();
        }
    }
    let text = std::fs::read_to_string(src.join("sectors.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    assert!(lines[0].ends_with("theta,psi,tariffable"), "{}", lines[0]);
    let row = &mut lines[k + 1];
    // theta and psi are the third and second fields from the right (names may hold quoted
    // commas).
    let (head, tail) = row.rsplit_once(',').unwrap();
    let (head, psi) = head.rsplit_once(',').unwrap();
    let (head, theta) = head.rsplit_once(',').unwrap();
    let (theta, psi): (f64, f64) = (theta.parse().unwrap(), psi.parse().unwrap());
    *row = match field {
        "theta" => format!("{head},{:e},{psi:e},{tail}", theta * factor),
        _ => format!("{head},{theta:e},{:e},{tail}", psi * factor),
    };
    std::fs::write(dst.join("sectors.csv"), lines.join("\n") + "\n").unwrap();
}

const TIGHT: [&str; 4] = ["--tol", "1e-11", "--solver-tol", "1e-13"];

#[test]
#[ignore = "needs WALRAS_DATA_DIR (real data)"]
fn wiod_uniform_war_statics_match_re_solved_wars_to_1e_4() {
    let wiod = data_dir().join("wiod2014_44x16");
    let run = |data: &Path, command: &str| {
        let mut args = vec![
            "trade",
            command,
            "--data",
            data.to_str().unwrap(),
            "--tariff-structure",
            "uniform",
            "--format",
            "json",
            "--quiet",
        ];
        args.extend(TIGHT);
        json_of(&walras(&args))
    };
    let s = run(&wiod, "sensitivity");
    let jac = matrix(&s, "jacobian");
    let welfare = matrix(&s, "welfare_jacobian");
    let thetas = numbers(&s, "parameter_values");
    assert_eq!((jac.len(), thetas.len()), (44, 16));
    let interior: Vec<bool> = s["bound"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.is_null())
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let countries = strings(&s, "countries");
    // A by-country record of `trade nash`, in the order of the sensitivity's countries.
    let column = |j: &serde_json::Value, key: &str| -> Vec<f64> {
        countries
            .iter()
            .map(|c| j[key][c].as_f64().unwrap())
            .collect()
    };
    let mut worst: f64 = 0.0;
    let rel = 1e-3;
    for (k, theta) in thetas.iter().enumerate() {
        let h = rel * theta;
        let up = tmp.path().join(format!("up{k}"));
        let down = tmp.path().join(format!("down{k}"));
        with_theta_scaled(&wiod, &up, k, 1.0 + rel);
        with_theta_scaled(&wiod, &down, k, 1.0 - rel);
        let (a, b) = (run(&up, "nash"), run(&down, "nash"));
        let (ta, tb) = (column(&a, "mean_tariff"), column(&b, "mean_tariff"));
        let (wa, wb) = (
            column(&a, "welfare_change_pct"),
            column(&b, "welfare_change_pct"),
        );
        let scale = jac.iter().map(|r| r[k].abs()).fold(0.0, f64::max);
        let w_scale = welfare.iter().map(|r| r[k].abs()).fold(0.0, f64::max);
        for i in 0..44 {
            let fd = (ta[i] - tb[i]) / (2.0 * h);
            if interior[i] {
                worst = worst.max((jac[i][k] - fd).abs() / scale);
            } else {
                assert_eq!(jac[i][k], 0.0);
            }
            let fd = (wa[i] - wb[i]) / (2.0 * h);
            worst = worst.max((welfare[i][k] - fd).abs() / w_scale);
        }
    }
    eprintln!("WIOD uniform war: largest error relative to its column's largest entry {worst:e}");
    assert!(worst <= 1e-4, "{worst:e}");
}

#[test]
#[ignore = "needs WALRAS_DATA_DIR (real data); about 4 minutes"]
fn dlopt_partner_sector_war_statics_match_re_solved_wars_to_1e_4() {
    let tmp = tempfile::tempdir().unwrap();
    let tidy = tmp.path().join("tidy");
    let from = data_dir().join("dlopt_7x44_2017");
    let o = walras(&[
        "trade",
        "import",
        "--layout",
        "dlopt",
        "--from",
        from.to_str().unwrap(),
        "--to",
        tidy.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The war is ill-conditioned (condition number about 2e7): a natural residual of 1e-11
    // leaves policies uncertain to about 2e-5, as large as the differences of 1e-3 steps. So
    // every war is solved to 1e-13 from the base war's tariffs (the branch the derivatives
    // describe), and the steps are 1e-2 (central differences' own error about 4e-5).
    let base = tmp.path().join("base");
    let args = |data: &Path, start: bool| -> Vec<String> {
        let mut a: Vec<String> = ["--data", data.to_str().unwrap()]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.extend(
            [
                "--tariff-structure",
                "partner-sector",
                "--quiet",
                "--tol",
                "1e-13",
                "--solver-tol",
                "1e-14",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        if start {
            a.extend([
                "--start".into(),
                base.join("policies.csv").to_str().unwrap().to_string(),
            ]);
        }
        a
    };
    let mut cmd: Vec<String> = vec!["trade".into(), "nash".into()];
    cmd.extend(args(&tidy, false));
    cmd.extend(["--out".into(), base.to_str().unwrap().into()]);
    let o = walras(&cmd.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", stderr(&o));
    let mut cmd: Vec<String> = vec!["trade".into(), "sensitivity".into()];
    cmd.extend(args(&tidy, true));
    cmd.extend(["--format".into(), "json".into()]);
    let s = json_of(&walras(&cmd.iter().map(String::as_str).collect::<Vec<_>>()));
    let jac = matrix(&s, "jacobian");
    let names = strings(&s, "parameters");
    let values = numbers(&s, "parameter_values");
    let policies = strings(&s, "policies");
    assert_eq!((policies.len(), names.len()), (924, 88));
    let interior: Vec<bool> = s["bound"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.is_null())
        .collect();
    // The war's tariffs by label, from `trade nash --out`'s policies.csv.
    let war = |data: &Path, out: &Path| -> std::collections::HashMap<String, f64> {
        let mut cmd: Vec<String> = vec!["trade".into(), "nash".into()];
        cmd.extend(args(data, true));
        cmd.extend([
            "--out".into(),
            out.to_str().unwrap().into(),
            "--overwrite".into(),
        ]);
        let o = walras(&cmd.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "{}", stderr(&o));
        let text = std::fs::read_to_string(out.join("policies.csv")).unwrap();
        text.lines()
            .skip(1)
            .filter_map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f[3] == "tariff").then(|| {
                    (
                        format!("tariff:{}:{}:{}", f[0], f[1], f[2]),
                        f[4].parse().unwrap(),
                    )
                })
            })
            .collect()
    };
    // Central differences at steps h and h/2 combined by Richardson extrapolation,
    // (4 D(h/2) - D(h)) / 3: their O(h^2) error cancels.
    let rel = 1e-2;
    let mut worst: f64 = 0.0;
    let central = |sector: usize, field: &str, step: f64, h: f64| -> Vec<f64> {
        let (up, down) = (tmp.path().join("up"), tmp.path().join("down"));
        for d in [&up, &down] {
            let _ = std::fs::remove_dir_all(d);
        }
        with_sector_value_scaled(&tidy, &up, sector, field, 1.0 + step);
        with_sector_value_scaled(&tidy, &down, sector, field, 1.0 - step);
        let a = war(&up, &tmp.path().join("war_up"));
        let b = war(&down, &tmp.path().join("war_down"));
        policies.iter().map(|p| (a[p] - b[p]) / (2.0 * h)).collect()
    };
    // theta and psi of every fourth sector.
    for sector in (0..44).step_by(4) {
        for (field, column) in [("theta", sector), ("psi", 44 + sector)] {
            assert_eq!(names[column], format!("{field}:{}", sector + 1));
            if values[column] == 0.0 {
                // psi = 0 (no scale economies): no step stays in the model's range both ways.
                continue;
            }
            let h = rel * values[column];
            let coarse = central(sector, field, rel, h);
            let fine = central(sector, field, rel / 2.0, h / 2.0);
            // Relative to the column's largest entry, at least 1e-3 (a tenth of a tariff
            // point per unit of the parameter): a sector that barely moves the war has
            // differences at the re-solves' precision.
            let scale = jac.iter().map(|r| r[column].abs()).fold(1e-3, f64::max);
            let mut column_worst: f64 = 0.0;
            for i in 0..policies.len() {
                let fd = (4.0 * fine[i] - coarse[i]) / 3.0;
                if interior[i] {
                    column_worst = column_worst.max((jac[i][column] - fd).abs() / scale);
                } else {
                    assert_eq!(jac[i][column], 0.0);
                }
            }
            eprintln!("{}: {column_worst:.1e}", names[column]);
            worst = worst.max(column_worst);
        }
    }
    eprintln!("dlopt partner x sector war: largest error relative to its column's largest entry {worst:e}");
    assert!(worst <= 1e-4, "{worst:e}");
}

fn uncertainty(extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "trade",
        "uncertainty",
        "--tariff-structure",
        "sector",
        "--format",
        "json",
        "--quiet",
    ];
    args.extend(extra);
    json_of(&walras(&args))
}

#[test]
fn the_predictor_is_first_order_exact_and_bands_reproduce() {
    // The re-solved war differs from p* + J dtheta by O(dtheta^2): doubling the spread of the
    // draws multiplies the median distance by about 4 (it would be about 2 with a wrong J).
    let a = uncertainty(&["--se-rel", "0.01", "--draws", "16", "--seed", "5"]);
    let b = uncertainty(&["--se-rel", "0.02", "--draws", "16", "--seed", "5"]);
    assert_eq!(a["converged_draws"], 16);
    let median = |j: &serde_json::Value| j["prediction_distance"]["median"].as_f64().unwrap();
    let ratio = median(&b) / median(&a);
    assert!((3.3..4.7).contains(&ratio), "distance ratio {ratio}");
    // Same seed, same bands.
    let again = uncertainty(&["--se-rel", "0.01", "--draws", "16", "--seed", "5"]);
    assert_eq!(a["policies"], again["policies"]);
    assert_eq!(a["welfare"], again["welfare"]);
    // Delta-method bands are centred on the solution; the re-solved draws' band holds it.
    for p in a["policies"].as_array().unwrap() {
        let v = p["value"].as_f64().unwrap();
        let (lo, hi) = (
            p["delta_p05"].as_f64().unwrap(),
            p["delta_p95"].as_f64().unwrap(),
        );
        assert!(((v - lo) - (hi - v)).abs() < 1e-12 && hi > lo);
        let mc = &p["monte_carlo"];
        assert!(mc["p05"].as_f64().unwrap() < v && v < mc["p95"].as_f64().unwrap());
    }
}

#[test]
fn the_draws_written_are_read_back_and_re_solve_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let a = uncertainty(&[
        "--se-rel",
        "0.02",
        "--draws",
        "4",
        "--seed",
        "9",
        "--out",
        out.to_str().unwrap(),
    ]);
    let file = out.join("parameter_draws.csv");
    let text = std::fs::read_to_string(&file).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let names: Vec<&str> = a["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(header, names);
    assert_eq!(text.lines().count(), 5, "a header and a row per draw");
    let b = uncertainty(&["--draws-file", file.to_str().unwrap()]);
    assert_eq!(b["converged_draws"], 4);
    for d in 0..4 {
        assert_eq!(
            a["draw_records"][d]["welfare_change_pct"], b["draw_records"][d]["welfare_change_pct"],
            "draw {d}"
        );
    }
}

#[test]
fn bands_around_an_optimum_and_the_cooperative_optimum() {
    for (extra, prefix) in [
        (
            &["--exercise", "optimal", "--country", "North"][..],
            "tariff:North:",
        ),
        (&["--exercise", "cooperate"][..], "tariff:"),
    ] {
        let mut args = vec!["--se-rel", "0.01", "--draws", "6", "--seed", "2"];
        args.extend(extra);
        let j = uncertainty(&args);
        assert_eq!(j["exercise"], extra[1]);
        assert_eq!(j["converged_draws"], 6, "{extra:?}");
        let policies = j["policies"].as_array().unwrap();
        assert!(policies
            .iter()
            .all(|p| p["policy"].as_str().unwrap().starts_with(prefix)));
        // One-percent standard errors: the first-order prediction is close to the re-solve.
        let gap = j["prediction_distance"]["max"].as_f64().unwrap();
        assert!(gap < 2e-3, "{extra:?}: prediction gap {gap}");
    }
}

#[test]
fn bad_parameter_files_are_refused_with_file_and_name() {
    let dir = tempfile::tempdir().unwrap();
    let cov = dir.path().join("cov.csv");
    std::fs::write(
        &cov,
        "parameter,theta:food,theta:machinery\ntheta:food,1,2\ntheta:machinery,2,1\n",
    )
    .unwrap();
    let o = walras(&[
        "trade",
        "uncertainty",
        "--covariance",
        cov.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("positive semi-definite"),
        "{}",
        stderr(&o)
    );
    let draws = dir.path().join("draws.csv");
    std::fs::write(&draws, "theta:food,theta:steel\n4,5\n").unwrap();
    let o = walras(&[
        "trade",
        "uncertainty",
        "--draws-file",
        draws.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("draws.csv") && e.contains("theta:steel"), "{e}");
    let o = walras(&["trade", "uncertainty", "--quiet"]);
    assert!(!o.status.success(), "a source of uncertainty is required");
    // A draw outside the model's range is a failed draw, reported, not a crash.
    std::fs::write(&draws, "theta:food\n4\n-1\n").unwrap();
    let j = uncertainty(&["--draws-file", draws.to_str().unwrap()]);
    assert_eq!(
        (j["draws"].as_u64(), j["failed_draws"].as_u64()),
        (Some(2), Some(1))
    );
    let failed = &j["draw_records"][1];
    assert_eq!(failed["converged"], false);
    assert!(failed["error"]
        .as_str()
        .unwrap()
        .contains("theta:food = -1"));
}

#[test]
#[ignore = "needs WALRAS_DATA_DIR (real data)"]
fn wiod_elasticity_sets_are_re_solved_beside_their_prediction() {
    let wiod = data_dir().join("wiod2014_44x16");
    let j = json_of(&walras(&[
        "trade",
        "uncertainty",
        "--data",
        wiod.to_str().unwrap(),
        "--tariff-structure",
        "uniform",
        "--elasticity-sets",
        "--format",
        "json",
        "--quiet",
    ]));
    assert_eq!(j["draws"], 8);
    assert_eq!(j["converged_draws"], 8);
    // The data's default theta is the IS set: its prediction is the war itself.
    let is = j["draw_records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["draw"] == "IS")
        .unwrap();
    assert!(is["prediction_distance"].as_f64().unwrap() < 1e-6);
    assert_eq!(is["welfare_change_pct"].as_array().unwrap().len(), 44);
}
