//! `walras trade` on inputs that cannot yield a trustworthy equilibrium: each is refused with a
//! message that names the input, never reported as converged.

mod common;

use common::{json_of, stderr, walras};

use std::path::{Path, PathBuf};

/// A writable copy of the example economy in `dir`.
fn example_copy(dir: &Path) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/trade/example");
    let to = dir.join("economy");
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
    to
}

fn fails_with(args: &[&str], needles: &[&str]) {
    let out = walras(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?} should fail: {err}");
    assert!(out.stdout.is_empty(), "{args:?} printed a result");
    for needle in needles {
        assert!(err.contains(needle), "{args:?}: `{needle}` not in: {err}");
    }
}

/// Rewrites the `tariff` column of `file` with `f(old)`.
fn map_tariffs(file: &Path, f: impl Fn(f64) -> f64) {
    let text = std::fs::read_to_string(file).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for line in lines {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        let t: f64 = cells[3].parse().unwrap();
        cells[3] = format!("{}", f(t));
        out += &format!("{}\n", cells.join(","));
    }
    std::fs::write(file, out).unwrap();
}

#[test]
fn deficits_that_do_not_sum_to_zero_are_refused_with_their_sum() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = example_copy(tmp.path());
    let data = dir.to_str().unwrap();
    for (deficits, sum) in [("100,100,100", "300"), ("1000000,0,0", "1000000")] {
        let d: Vec<&str> = deficits.split(',').collect();
        std::fs::write(
            dir.join("countries.csv"),
            format!(
                "country,deficit\nNorth,{}\nSouth,{}\nEast,{}\n",
                d[0], d[1], d[2]
            ),
        )
        .unwrap();
        for command in ["counterfactual", "nash"] {
            let mut args = vec!["trade", command, "--data", data, "--keep-deficits"];
            if command == "counterfactual" {
                args.extend(["--tariffs", "tariffs.csv"]);
            }
            let tariffs = dir.join("tariffs.csv");
            let tariffs = tariffs.to_str().unwrap();
            if command == "counterfactual" {
                *args.last_mut().unwrap() = tariffs;
            }
            fails_with(&args, &[&format!("deficits sum to {sum}"), "countries"]);
        }
    }
}

#[test]
fn loose_tolerances_are_refused() {
    fails_with(
        &["trade", "nash", "--solver-tol", "1"],
        &["--solver-tol 1", "at most 1e-6"],
    );
    fails_with(
        &["trade", "nash", "--tol", "1e-3"],
        &["--tol 0.001", "1e-6"],
    );
    // Optima (a projected gradient) accept up to 1e-5: flat problems need it.
    fails_with(
        &["trade", "optimal", "--country", "North", "--tol", "1e-4"],
        &["--tol 0.0001", "1e-5"],
    );
    fails_with(
        &["trade", "cooperate", "--tol", "0.1"],
        &["--tol 0.1", "1e-5"],
    );
}

#[test]
fn tariffs_in_percent_are_refused_unless_declared() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = example_copy(tmp.path());
    map_tariffs(&dir.join("tariffs.csv"), |t| t * 100.0);
    let data = dir.to_str().unwrap();
    fails_with(
        &["trade", "nash", "--data", data],
        &["tariffs.csv", "above 1 (100%)", "--tariff-units percent"],
    );
    let declared = json_of(&walras(&[
        "trade",
        "nash",
        "--data",
        data,
        "--tariff-units",
        "percent",
        "--format",
        "json",
        "--quiet",
    ]));
    let fractions = json_of(&walras(&["trade", "nash", "--format", "json", "--quiet"]));
    assert_eq!(declared["converged"], true);
    for (country, w) in fractions["welfare_change_pct"].as_object().unwrap() {
        let p = declared["welfare_change_pct"][country].as_f64().unwrap();
        assert!(
            (p - w.as_f64().unwrap()).abs() < 1e-9,
            "{country}: {p} vs {w}"
        );
    }
    // A counterfactual table in percent, too.
    let cf = tmp.path().join("cf.csv");
    std::fs::write(
        &cf,
        "exporter,importer,sector,tariff\nNorth,South,food,5\nSouth,North,food,8\n",
    )
    .unwrap();
    fails_with(
        &["trade", "counterfactual", "--tariffs", cf.to_str().unwrap()],
        &["cf.csv", "--tariff-units percent"],
    );
}

#[test]
fn a_huge_tariff_is_refused_naming_its_row() {
    let tmp = tempfile::tempdir().unwrap();
    let cf = tmp.path().join("cf.csv");
    std::fs::write(
        &cf,
        "exporter,importer,sector,tariff\nNorth,South,food,0.05\nSouth,North,food,1e9\n",
    )
    .unwrap();
    fails_with(
        &["trade", "counterfactual", "--tariffs", cf.to_str().unwrap()],
        &["cf.csv", "row 2", "1000000000", "--tariff-units percent"],
    );
}

#[test]
fn a_vanishing_elasticity_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = example_copy(tmp.path());
    let sectors = dir.join("sectors.csv");
    let text = std::fs::read_to_string(&sectors).unwrap();
    std::fs::write(&sectors, text.replacen(",4,0.2,", ",1e-15,0.2,", 1)).unwrap();
    fails_with(
        &["trade", "nash", "--data", dir.to_str().unwrap()],
        &["food", "theta = 0.000000000000001", "1e-6"],
    );
}
