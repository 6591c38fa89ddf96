//! `walras trade` on the real datasets in `$WALRAS_DATA_DIR` (../shared/data in CI). Ignored by
//! default; `.ci/run` runs them with `-- --ignored`. Without the data they fail loudly.

use std::path::PathBuf;
use std::process::{Command, Output};

fn data_dir() -> PathBuf {
    let dir = std::env::var("WALRAS_DATA_DIR")
        .expect("set WALRAS_DATA_DIR to the shared data folder (e.g. ../shared/data) to run the real-data tests");
    let dir = PathBuf::from(dir);
    assert!(
        dir.is_dir(),
        "WALRAS_DATA_DIR={} is not a directory",
        dir.display()
    );
    dir
}

fn walras(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_walras"))
        .args(args)
        .output()
        .expect("walras runs")
}

fn json_of(o: &Output) -> serde_json::Value {
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("one JSON object")
}

#[test]
#[ignore = "needs WALRAS_DATA_DIR (real data)"]
fn lashkaripour_2021_uniform_tariff_war_on_wiod_2014() {
    // Lashkaripour (2021, JIE), baseline: WIOD 2014, 44 economies x 16 sectors, no IO links,
    // deficits purged at the applied tariffs, one uniform tariff per importer. His paper
    // reports an average Nash tariff of 40.5% and an average real-income change of -2.42%
    // (with slightly different tariff data). Walras solves the exact game.
    let wiod = data_dir().join("wiod2014_44x16");
    let j = json_of(&walras(&[
        "trade",
        "nash",
        "--data",
        wiod.to_str().unwrap(),
        "--tariff-structure",
        "uniform",
        "--format",
        "json",
        "--quiet",
    ]));
    assert_eq!(j["converged"], true);
    assert_eq!(j["countries"].as_array().unwrap().len(), 44);
    let tariff = j["world_mean_tariff"].as_f64().unwrap();
    let welfare = j["world_mean_welfare_change_pct"].as_f64().unwrap();
    eprintln!(
        "WIOD uniform Nash: mean tariff {tariff:.4}, mean welfare change {welfare:.3}%, rounds {}",
        j["rounds"]
    );
    assert!((tariff - 0.405).abs() < 0.03, "mean Nash tariff {tariff}");
    assert!(
        (welfare + 2.42).abs() < 0.3,
        "mean welfare change {welfare}"
    );
    assert!(j["walras_law_residual"].as_f64().unwrap().abs() < 1e-8);
}

#[test]
#[ignore = "needs WALRAS_DATA_DIR (real data)"]
fn dlopt_import_calibrate_and_us_china_wave5_counterfactual() {
    let tmp = tempfile::tempdir().unwrap();
    let tidy = tmp.path().join("dlopt");
    let raw = data_dir().join("dlopt_7x44_2017");
    let o = walras(&[
        "trade",
        "import",
        "--layout",
        "dlopt",
        "--from",
        raw.to_str().unwrap(),
        "--to",
        tidy.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let wave5 = tidy.join("counterfactuals/us_china_wave5.csv");
    let j = json_of(&walras(&[
        "trade",
        "counterfactual",
        "--data",
        tidy.to_str().unwrap(),
        "--tariffs",
        wave5.to_str().unwrap(),
        "--format",
        "json",
        "--quiet",
    ]));
    let w = &j["welfare_change_pct"];
    eprintln!("US-China wave 5 (purged 7x44 baseline): {w}");
    // Both sides lose from the 2018-19 wave; China far more than the US.
    let (chn, usa) = (w["CHN"].as_f64().unwrap(), w["USA"].as_f64().unwrap());
    assert!(chn < 0.0 && usa < 0.0 && chn < usa, "{w}");
    assert!(j["walras_law_residual"].as_f64().unwrap().abs() < 1e-8);
}

#[test]
#[ignore = "needs WALRAS_DATA_DIR (real data)"]
fn caliendo_parro_nafta_counterfactual_on_cp2015() {
    let tmp = tempfile::tempdir().unwrap();
    let tidy = tmp.path().join("cp");
    let raw = data_dir().join("cp2015_31x40_1993");
    let o = walras(&[
        "trade",
        "import",
        "--layout",
        "cp2015",
        "--from",
        raw.to_str().unwrap(),
        "--to",
        tidy.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let nafta = tidy.join("counterfactuals/nafta_2005.csv");
    let j = json_of(&walras(&[
        "trade",
        "counterfactual",
        "--data",
        tidy.to_str().unwrap(),
        "--tariffs",
        nafta.to_str().unwrap(),
        "--keep-deficits",
        "--format",
        "json",
        "--quiet",
    ]));
    let w = &j["welfare_change_pct"];
    eprintln!("NAFTA (1993 -> 2005 tariffs among MEX, CAN, USA; deficits as in the data): MEX {}, CAN {}, USA {}", w["MEX"], w["CAN"], w["USA"]);
    // Caliendo & Parro (2015) report MEX +1.31%, CAN -0.06%, USA +0.08%; the signs match here
    // (the size for Mexico does not: see the closing note of issue #4).
    assert!(
        w["MEX"].as_f64().unwrap() > 0.0
            && w["USA"].as_f64().unwrap() > 0.0
            && w["CAN"].as_f64().unwrap() < 0.0,
        "{w}"
    );
}
