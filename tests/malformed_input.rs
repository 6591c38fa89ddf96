//! Generated malformed input for every loader and every spec parser: each must return a value or
//! an error, never panic. Inputs are valid files and specs with random edits (nasty tokens
//! spliced in, bytes cut), so most cases get past the first line and exercise the checks behind it.

use std::path::Path;

use proptest::prelude::*;
use walras::automation::scenario::Scenario;
use walras::core::spec::Spec;
use walras::data::tax::{load_cutoffs, load_incomes};
use walras::data::trade::{load_policy_rows, load_tariff_changes, load_trade_dir, TariffUnits};
use walras::data::trade_import::import;
use walras::data::{ScenarioOptions, SkillSource, TradeScenario};
use walras::tax::{SkillDistribution, Swf, Utility};

/// Tokens that break parsers and numerics.
const NASTY: [&str; 20] = [
    "",
    ",",
    "\n",
    "\"",
    "=",
    ":",
    "NaN",
    "inf",
    "-inf",
    "1e309",
    "-1",
    "0",
    "-0",
    "1e-320",
    "x",
    "\u{feff}",
    "  ",
    "999999999999999999999",
    "[",
    "#",
];

/// A valid text with up to four edits: a span replaced by a nasty token, or cut.
fn mutated(valid: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            0usize..12,
            0usize..NASTY.len(),
        ),
        1..5,
    )
    .prop_map(move |edits| {
        let mut text = valid.as_bytes().to_vec();
        for (at, len, token) in edits {
            let start = at.index(text.len() + 1);
            let end = (start + len).min(text.len());
            text.splice(start..end, NASTY[token].bytes());
        }
        String::from_utf8_lossy(&text).into_owned()
    })
}

/// Free-form spec text: names, keys, separators and nasty values.
fn spec_text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "pareto",
        "lognormal",
        "lognormal-pareto",
        "aie",
        "cps",
        "atkinson",
        "rawls",
        "power",
        "ql",
        "iso",
        "alpha",
        "min",
        "mu",
        "sigma",
        "eps",
        "k",
        "agents",
        "seed",
        ":",
        ",",
        "=",
        "1",
        "4",
        "0.5",
        "-2",
        "NaN",
        "inf",
        "1e309",
        " ",
        "x",
    ]);
    prop::collection::vec(piece, 0..10).prop_map(|p| p.concat())
}

const FLOWS: &str = include_str!("../data/trade/example/flows.csv");
const SECTORS: &str = include_str!("../data/trade/example/sectors.csv");
const TARIFFS: &str = include_str!("../data/trade/example/tariffs.csv");
const PRESET: &str = include_str!("../data/automation/core-periphery.toml");
const INCOMES: &str = "income,weight\n10,1\n25.5,2\n0,1\n-3,0.5\n120000,1\n";
const CUTOFFS: &str = "cutoff\n0\n9.7\n39.475\n84.2\n";
const POLICIES: &str = "country,partner,sector,instrument,value\nA,B,s1,tariff,0.1\n";

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The embedded example economy's tables, with `name` replaced by `text`.
fn example_dir_with(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/trade/example");
    for entry in std::fs::read_dir(example).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    write(dir.path(), name, text);
    dir
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn spec_parsers_never_panic(text in spec_text()) {
        if let Ok(spec) = Spec::parse(&text) {
            let _ = spec.numbers(["alpha", "min"]);
        }
        let _ = text.parse::<SkillDistribution>();
        let _ = text.parse::<Swf>();
        let _ = Utility::parse(&text, 1.0);
        let _ = SkillSource::parse(&text);
        let _ = walras::data::TaxPopulation::load(&text, 50, 1.0);
    }

    #[test]
    fn trade_tables_never_panic(flows in mutated(FLOWS), sectors in mutated(SECTORS), tariffs in mutated(TARIFFS)) {
        for (name, text) in [("flows.csv", &flows), ("sectors.csv", &sectors), ("tariffs.csv", &tariffs)] {
            let dir = example_dir_with(name, text);
            let _ = load_trade_dir(dir.path());
            let _ = TradeScenario::load(Some(dir.path()), &ScenarioOptions::default());
        }
        let example = TradeScenario::load(None, &ScenarioOptions::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "changes.csv", &tariffs);
        let b = &example.baseline;
        let _ = load_tariff_changes(&path, &b.countries, &b.sectors, TariffUnits::Fraction);
    }

    #[test]
    fn tax_and_policy_files_never_panic(incomes in mutated(INCOMES), cutoffs in mutated(CUTOFFS), policies in mutated(POLICIES)) {
        let dir = tempfile::tempdir().unwrap();
        let _ = load_incomes(&write(dir.path(), "incomes.csv", &incomes));
        let _ = load_cutoffs(&write(dir.path(), "cutoffs.csv", &cutoffs));
        let _ = load_policy_rows(&write(dir.path(), "policies.csv", &policies));
    }

    #[test]
    fn automation_scenarios_never_panic(text in mutated(PRESET)) {
        if let Ok(scenario) = Scenario::parse(&text, "mutated.toml") {
            let _ = scenario.resolve(None, &|_: &Path, _: usize| Err("no files here".to_string()));
        }
    }

    #[test]
    fn importers_never_panic(text in mutated("iso_o,iso_d,indcode,tradevalue\nBRA,CHN,1,5.5\nCHN,BRA,1,2\n")) {
        for (layout, names) in [
            ("dlopt", &["TradeFlow2017.csv", "tariff_prewar2017.csv", "cal_elasticities.csv", "vashare.csv", "IOshare.csv", "finalshare.csv"][..]),
            ("cp2015", &["xbilat1993.txt", "tariffs1993.txt", "tariffs2005.txt", "GO.txt", "B.txt", "IO.txt", "T.txt"][..]),
        ] {
            let from = tempfile::tempdir().unwrap();
            for name in names {
                write(from.path(), name, &text);
            }
            let to = tempfile::tempdir().unwrap();
            prop_assert!(import(layout.parse().unwrap(), from.path(), &to.path().join("out")).is_err());
        }
    }
}
