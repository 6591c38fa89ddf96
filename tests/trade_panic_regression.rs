//! `walras trade compare --tariff-structure uniform` on WIOD 2014 panicked in dual competition
//! (tariffs and subsidies): LUX's sector 7 sells nothing, and its subsidy's column was missing
//! from the sector's block of derivatives ("Matrix index out of bounds" in
//! crates/trade/src/derivatives.rs). The synthetic regression tests are in
//! crates/trade/tests/derivatives.rs; this one runs the reported command on the real data in
//! `$WALRAS_DATA_DIR` (ignored by default, like tests/trade_real_data.rs; about a minute).

mod common;

use common::{json_of, walras};

#[test]
#[ignore = "needs WALRAS_DATA_DIR (real data)"]
fn uniform_compare_on_wiod_2014_runs_every_scenario_to_convergence() {
    let wiod = walras::data::shared_data_dir()
        .unwrap_or_else(|e| panic!("{e}"))
        .join("wiod2014_44x16");
    let j = json_of(&walras(&[
        "trade",
        "compare",
        "--data",
        wiod.to_str().unwrap(),
        "--tariff-structure",
        "uniform",
        "--format",
        "json",
        "--quiet",
    ]));
    for scenario in ["tariff war", "dual competition", "cooperation"] {
        let s = &j["scenarios"][scenario];
        assert_eq!(s["converged"], true, "{scenario}: {s}");
        assert!(
            s["walras_law_residual"].as_f64().unwrap().abs() < 1e-8,
            "{scenario}"
        );
    }
}
