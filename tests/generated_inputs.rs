//! Generated inputs for every file and specification surface: valid inputs with random edits
//! (nasty tokens spliced in, spans cut, numbers replaced by extreme values). Properties: no
//! panic and no case slower than its time budget; an accepted input gives finite results that
//! pass the model's equilibrium check; a rejection names the file, table or field.
//!
//! Cases per surface: `WALRAS_FUZZ_CASES` (default 10,000; the long run in benches/README.md
//! uses 1,000,000). A failing case is saved under `tests/generated_inputs.proptest-regressions`
//! and replayed first on every later run.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use walras::automation::scenario::Scenario;
use walras::automation::{simulate, PathOptions};
use walras::core::spec::Spec;
use walras::data::automation::load_network_file;
use walras::data::tax::{load_cutoffs, load_incomes};
use walras::data::trade::{load_policy_rows, load_tariff_changes, TariffUnits};
use walras::data::trade_import::import;
use walras::data::{ScenarioOptions, SkillSource, TradeScenario};
use walras::tax::{
    aie_binned_saez, check_saez_rates, check_saez_sample, SaezWeights, SkillDistribution, Swf,
    Utility, AIE_US_FEDERAL_CUTOFFS,
};
use walras::trade::{InstrumentSet, TradeModel};

/// Cases per surface.
fn cases() -> u32 {
    std::env::var("WALRAS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        failure_persistence: Some(Box::new(FileFailurePersistence::SourceParallel(
            "proptest-regressions",
        ))),
        max_shrink_iters: 2_000,
        // A slow failing case is shrunk for at most a minute.
        max_shrink_time: 60_000,
        ..ProptestConfig::default()
    }
}

/// The longest any one case may take (a guard against hangs and blow-ups in size).
const BUDGET: Duration = Duration::from_secs(5);

/// Mutated automation scenarios with at most this many tasks are simulated too.
const SIMULATED_TASKS: usize = 200;

/// Tokens that break parsers and numerics.
const NASTY: [&str; 24] = [
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
    "1e9",
    "1e-15",
    "100",
    "-0.999999",
];

/// A valid text with up to four edits: a span replaced by a nasty token, or cut.
fn mutated(valid: String) -> impl Strategy<Value = String> {
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

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/trade/example")
}

/// The example economy's tables (and a balanced `countries` table), by file name.
fn example_tables() -> Vec<(String, String)> {
    let mut tables: Vec<(String, String)> = std::fs::read_dir(example_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    tables.push((
        "countries.csv".into(),
        "country,deficit\nNorth,10\nSouth,-4\nEast,-6\n".into(),
    ));
    tables.sort();
    tables
}

/// A table of the example (by index) with its edits.
fn trade_table_case() -> impl Strategy<Value = (String, String)> {
    let tables = example_tables();
    (0..tables.len()).prop_flat_map(move |k| {
        let (name, text) = tables[k].clone();
        mutated(text).prop_map(move |t| (name.clone(), t))
    })
}

/// The error's whole cause chain as one line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text += &format!(": {c}");
        cause = c.source();
    }
    text
}

/// A working copy of the example economy, one per test thread, restored after each case.
struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in example_tables() {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        Workdir { dir }
    }

    /// Runs `f` on the economy with `name` replaced by `text`, then puts the original back.
    fn with<T>(&self, name: &str, text: &str, f: impl FnOnce(&Path) -> T) -> T {
        let path = self.dir.path().join(name);
        let original = std::fs::read(&path).unwrap();
        std::fs::write(&path, text).unwrap();
        let out = f(self.dir.path());
        std::fs::write(&path, original).unwrap();
        out
    }
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

fn all_finite(v: &[f64]) -> bool {
    v.iter().all(|x| x.is_finite())
}

thread_local! {
    static TRADE: Workdir = Workdir::new();
}

proptest! {
    #![proptest_config(config())]

    /// The tidy trade layout, every table: a loaded scenario is a verified equilibrium with
    /// finite levels, and a counterfactual at its own policies changes nothing; a rejection
    /// names the table.
    #[test]
    fn trade_tables((name, text) in trade_table_case(), keep in any::<bool>()) {
        let options = ScenarioOptions {
            deficits: if keep {
                walras::data::DeficitTreatment::Keep
            } else {
                walras::data::DeficitTreatment::Purge
            },
            ..ScenarioOptions::default()
        };
        let (result, took) = TRADE.with(|w| {
            w.with(&name, &text, |dir| timed(|| TradeScenario::load(Some(dir), &options)))
        });
        prop_assert!(took < BUDGET, "{name}: {took:?}");
        match result {
            Ok(scenario) => {
                let b = &scenario.baseline;
                for (what, v) in [
                    ("income", &b.income),
                    ("wage bill", &b.wage_bill),
                    ("lambda", &b.lambda),
                    ("spending", &b.spending),
                    ("deficit", &b.deficit),
                ] {
                    prop_assert!(all_finite(v), "{name}: {what} not finite");
                }
                // Bounds wide enough for every tariff the data may hold (import subsidies too).
                let set = InstrumentSet {
                    tariff_bounds: (-0.99, walras::trade::MAX_TARIFF),
                    ..InstrumentSet::default()
                };
                let model = TradeModel::new(b.clone(), set).unwrap();
                let policy = model.baseline_policy();
                let r = walras::trade::counterfactual(&model, &policy, &scenario.inner);
                let r = r.map_err(|e| TestCaseError::fail(format!("{name}: {e}")))?;
                for w in &r.outcome.welfare_change_pct {
                    prop_assert!(w.abs() < 1e-6, "{name}: welfare change {w}% at the baseline");
                }
            }
            Err(e) => {
                // The table edited, or the one a cross-table check compares it with.
                let text = chain(&e);
                let names_a_table = walras::data::trade::TABLES.iter().any(|t| text.contains(t));
                prop_assert!(
                    names_a_table || text.contains("equilibrium") || text.contains("converge"),
                    "{name}: the error names neither a table nor the solve: {text}"
                );
            }
        }
    }

    /// Income files: an accepted sample has finite incomes and weights; if it has the spread
    /// to estimate from, the Saez rates are finite or empty with a reason, never invented.
    #[test]
    fn income_files(text in mutated("income,weight\n10.5,1\n25.5,2\n0,1\n-3,0.5\n120,1\n48,3\n260,1\n600,0.5\n".into())) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("incomes.csv");
        std::fs::write(&path, &text).unwrap();
        let (result, took) = timed(|| load_incomes(&path));
        prop_assert!(took < BUDGET);
        match result {
            Ok(sample) => {
                prop_assert!(all_finite(&sample.incomes));
                let weights = sample.weights.as_deref();
                prop_assert!(weights.is_none_or(|w| w.iter().all(|v| v.is_finite() && *v >= 0.0)));
                if check_saez_sample(&sample.incomes, weights).is_ok() {
                    let cutoffs = AIE_US_FEDERAL_CUTOFFS.to_vec();
                    let est = aie_binned_saez(&sample.incomes, weights, &cutoffs, 0.5, SaezWeights::InverseIncome, 0.0, 1.0)
                        .map_err(|e| TestCaseError::fail(format!("{e}")))?;
                    let checked = check_saez_rates(&est.rates, &sample.incomes, weights, &cutoffs);
                    for (b, (rate, note)) in checked.rates.iter().zip(&checked.notes).enumerate() {
                        match rate {
                            Some(r) => prop_assert!(r.is_finite() && (0.0..=1.0).contains(r), "bracket {b}: {r}"),
                            None => prop_assert!(note.is_some() || !est.rates[b].is_finite(), "bracket {b}: no rate, no reason"),
                        }
                    }
                }
            }
            Err(e) => prop_assert!(e.to_string().contains("incomes.csv"), "{e}"),
        }
    }

    /// Cutoff files: accepted cutoffs are finite and rising.
    #[test]
    fn cutoff_files(text in mutated("cutoff\n0\n9.7\n39.475\n84.2\n160.725\n204.1\n510.3\n".into())) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cutoffs.csv");
        std::fs::write(&path, &text).unwrap();
        match load_cutoffs(&path) {
            Ok(cutoffs) => {
                prop_assert!(all_finite(&cutoffs));
                prop_assert!(cutoffs.windows(2).all(|w| w[0] < w[1]), "{cutoffs:?}");
            }
            Err(e) => prop_assert!(e.to_string().contains("cutoffs.csv"), "{e}"),
        }
    }

    /// Counterfactual tariff tables and `--start` policy files against the example.
    #[test]
    fn tariff_and_policy_files(
        tariffs in mutated("exporter,importer,sector,tariff\nNorth,South,food,0.1\nSouth,East,machinery,0.25\n".into()),
        policies in mutated("country,partner,sector,instrument,value\nNorth,South,food,tariff,0.1\nSouth,North,machinery,tariff,0.2\n".into()),
    ) {
        let example = TradeScenario::load(None, &ScenarioOptions::default()).unwrap();
        let b = &example.baseline;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("changes.csv");
        std::fs::write(&path, &tariffs).unwrap();
        match load_tariff_changes(&path, &b.countries, &b.sectors, TariffUnits::Fraction) {
            Ok(rows) => {
                for r in &rows {
                    prop_assert!(r.3.is_finite() && r.3 > -1.0 && r.3 <= walras::trade::MAX_TARIFF, "{r:?}");
                }
            }
            Err(e) => prop_assert!(e.to_string().contains("changes.csv"), "{e}"),
        }
        let path = dir.path().join("policies.csv");
        std::fs::write(&path, &policies).unwrap();
        match load_policy_rows(&path) {
            Ok(rows) => {
                let model = TradeModel::new(b.clone(), InstrumentSet::default()).unwrap();
                if let Ok(policy) = model.policy_from_rows(&rows, "policies.csv") {
                    prop_assert!(all_finite(&policy));
                    prop_assert!(model.policy_map().space.check(&policy).is_ok());
                }
            }
            Err(e) => prop_assert!(e.to_string().contains("policies.csv"), "{e}"),
        }
    }

    /// The raw-data importers: small raw files are never a valid dataset; the error names
    /// the folder or a file.
    #[test]
    fn importers(text in mutated("iso_o,iso_d,indcode,tradevalue\nBRA,CHN,1,5.5\nCHN,BRA,1,2\n".into())) {
        for (layout, names) in [
            ("dlopt", &["TradeFlow2017.csv", "tariff_prewar2017.csv", "cal_elasticities.csv", "vashare.csv", "IOshare.csv", "finalshare.csv"][..]),
            ("cp2015", &["xbilat1993.txt", "tariffs1993.txt", "tariffs2005.txt", "GO.txt", "B.txt", "IO.txt", "T.txt"][..]),
        ] {
            let from = tempfile::tempdir().unwrap();
            for name in names {
                std::fs::write(from.path().join(name), &text).unwrap();
            }
            let to = tempfile::tempdir().unwrap();
            let (result, took) = timed(|| import(layout.parse().unwrap(), from.path(), &to.path().join("out")));
            prop_assert!(took < BUDGET);
            let e = result.expect_err("not a dataset");
            let text = e.to_string();
            prop_assert!(
                names.iter().any(|n| text.contains(n)) || text.contains(&from.path().display().to_string()),
                "{layout}: {text}"
            );
        }
    }

    /// Automation scenario files: a resolved scenario simulates (over a short horizon) to a
    /// finite path; a rejection names the key.
    #[test]
    fn automation_scenarios(text in mutated(include_str!("../data/automation/core-periphery.toml").into())) {
        let (result, took) = timed(|| {
            Scenario::parse(&text, "mutated.toml").and_then(|s| {
                s.resolve(None, &|_: &Path, _: usize| Err("no files here".to_string()))
            })
        });
        prop_assert!(took < BUDGET, "{took:?}");
        // A mutation can make the scenario large (`tasks = 3000`): legitimate work, not a
        // hang, whose simulation takes seconds. Paths are simulated up to SIMULATED_TASKS.
        if let Some(model) = result.ok().filter(|m| m.economy.tasks() <= SIMULATED_TASKS) {
            let options = PathOptions { horizon: model.path.horizon.min(2.0), ..model.path };
            let (path, took) = timed(|| simulate(&model.economy, &model.initial_data, &options));
            prop_assert!(took < BUDGET, "{took:?}");
            if let Ok(path) = path {
                for p in &path.points {
                    prop_assert!(p.output.is_finite() && p.labor_task_share.is_finite());
                }
            }
        }
    }

    /// Network files (matrix and edge-list layouts).
    #[test]
    fn network_files(
        matrix in mutated("task,t0,t1,t2\nt0,1,0.5,0\nt1,0,1,0.5\nt2,0.5,0,1\n".into()),
        edges in mutated("receiver,sender,weight\n0,1,0.5\n1,2,0.5\n2,0,0.25\n".into()),
    ) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [("matrix.csv", &matrix), ("edges.csv", &edges)] {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let (result, took) = timed(|| load_network_file(&path, 3));
            prop_assert!(took < BUDGET);
            match result {
                Ok(network) => prop_assert!(network.omega().iter().all(|w| w.is_finite() && *w >= 0.0)),
                Err(e) => prop_assert!(e.to_string().contains(name), "{e}"),
            }
        }
    }

    /// Every `name:key=value` specification parser.
    #[test]
    fn specifications(text in spec_text()) {
        if let Ok(spec) = Spec::parse(&text) {
            let _ = spec.numbers(["alpha", "min"]);
        }
        let _ = text.parse::<SkillDistribution>();
        let _ = text.parse::<Swf>();
        let _ = Utility::parse(&text, 1.0);
        let _ = SkillSource::parse(&text);
        let (_, took) = timed(|| walras::data::TaxPopulation::load(&text, 50, 1.0));
        prop_assert!(took < BUDGET);
    }
}
