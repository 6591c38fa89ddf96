//! `walras_data::trade_import`: converting the raw DL-opt and Caliendo-Parro datasets into the
//! tidy trade layout.
//!
//! The `#[ignore]`d tests need the real data: run them with
//! `WALRAS_DATA_DIR=/path/to/shared/data cargo test --release -p walras-data -- --ignored`.
//! They fail (never pass silently) when the variable is unset or the folder is missing. The
//! other tests use tiny synthetic raw files written to a temporary directory.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use walras_data::trade_import::{import, ImportReport, RawLayout};
use walras_data::{load_table, Check, DataError, Schema, Table};

// ---------------------------------------------------------------------------------------------
// Reading the tidy output back.

fn flows_schema() -> Schema {
    Schema::new()
        .str("exporter")
        .str("importer")
        .str("sector")
        .float("value", Check::NonNegative)
        .key(&["exporter", "importer", "sector"])
}

fn tariffs_schema() -> Schema {
    Schema::new()
        .str("exporter")
        .str("importer")
        .str("sector")
        .float("tariff", Check::Any)
        .key(&["exporter", "importer", "sector"])
}

fn sectors_schema() -> Schema {
    Schema::new()
        .str("sector")
        .float("theta", Check::Positive)
        .float("psi", Check::NonNegative)
        .str("tariffable")
        .key(&["sector"])
}

fn country_sector_schema() -> Schema {
    Schema::new()
        .str("country")
        .str("sector")
        .float("share", Check::Fraction)
        .key(&["country", "sector"])
}

fn io_schema() -> Schema {
    Schema::new()
        .str("country")
        .str("input_sector")
        .str("output_sector")
        .float("share", Check::Fraction)
        .key(&["country", "input_sector", "output_sector"])
}

/// (exporter, importer, sector) -> value of a flows or tariffs table.
fn by_trade_key(t: &Table, value: &str) -> HashMap<(String, String, String), f64> {
    let (e, i, s) = (
        t.str("exporter").unwrap(),
        t.str("importer").unwrap(),
        t.str("sector").unwrap(),
    );
    let v = t.f64(value).unwrap();
    (0..t.n_rows())
        .map(|r| ((e[r].clone(), i[r].clone(), s[r].clone()), v[r]))
        .collect()
}

fn key(e: &str, i: &str, s: &str) -> (String, String, String) {
    (e.into(), i.into(), s.into())
}

/// value_added + sum of io inputs, per (country, output sector).
fn cost_share_sums(dir: &Path) -> HashMap<(String, String), f64> {
    let va = load_table(&dir.join("value_added.csv"), &country_sector_schema()).unwrap();
    let io = load_table(&dir.join("io.csv"), &io_schema()).unwrap();
    let mut sums: HashMap<(String, String), f64> = HashMap::new();
    let (c, s, v) = (
        va.str("country").unwrap(),
        va.str("sector").unwrap(),
        va.f64("share").unwrap(),
    );
    for r in 0..va.n_rows() {
        *sums.entry((c[r].clone(), s[r].clone())).or_default() += v[r];
    }
    let (c, out, v) = (
        io.str("country").unwrap(),
        io.str("output_sector").unwrap(),
        io.f64("share").unwrap(),
    );
    for r in 0..io.n_rows() {
        let e = sums
            .get_mut(&(c[r].clone(), out[r].clone()))
            .unwrap_or_else(|| panic!("io row {} has no value_added row", r + 1));
        *e += v[r];
    }
    sums
}

fn assert_cost_shares_sum_to_one(dir: &Path, expected_cells: usize) {
    let sums = cost_share_sums(dir);
    assert_eq!(sums.len(), expected_cells);
    for ((c, s), sum) in &sums {
        assert!(
            (sum - 1.0).abs() < 1e-9,
            "value added + io inputs of {c}/{s} sum to {sum}"
        );
    }
}

fn assert_tariffs_in_range(t: &Table) {
    let (e, i, v) = (
        t.str("exporter").unwrap(),
        t.str("importer").unwrap(),
        t.f64("tariff").unwrap(),
    );
    for r in 0..t.n_rows() {
        assert!(
            (0.0..=3.0).contains(&v[r]),
            "tariff row {}: {} not a fraction in [0, 3]",
            r + 1,
            v[r]
        );
        if e[r] == i[r] {
            assert_eq!(v[r], 0.0, "domestic tariff in row {}", r + 1);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The real data (ignored by default).

/// The shared data folder from `WALRAS_DATA_DIR`; panics with a clear message if it is unset or
/// the dataset folder is missing, so that these tests never pass without the data.
fn real_data(folder: &str) -> PathBuf {
    let root = walras_data::shared_data_dir().unwrap_or_else(|e| panic!("{e}"));
    let dir = root.join(folder);
    assert!(
        dir.is_dir(),
        "{} does not exist: WALRAS_DATA_DIR must point at the shared data folder holding {folder}/",
        dir.display()
    );
    dir
}

#[test]
#[ignore = "needs the real data: set WALRAS_DATA_DIR and run with --ignored"]
fn dlopt_real_data_imports_into_the_tidy_layout() {
    let from = real_data("dlopt_7x44_2017");
    let out = tempfile::tempdir().unwrap();
    let report = import(RawLayout::Dlopt, &from, out.path()).unwrap();
    println!("{report}");
    assert_eq!(
        report.countries,
        ["BRA", "CHN", "EU", "IND", "JPN", "ROW", "USA"]
    );
    assert_eq!(report.sectors.len(), 44);
    assert_eq!(report.files.len(), 7);
    for f in &report.files {
        assert!(f.is_file(), "{} not written", f.display());
    }

    let dir = out.path();
    let flows = load_table(&dir.join("flows.csv"), &flows_schema()).unwrap();
    assert_eq!(flows.n_rows(), 7 * 7 * 44);
    assert!(flows.f64("value").unwrap().iter().all(|v| *v > 0.0));
    // The first row of TradeFlow2017.csv and a foreign flow with its tariff.
    let f = by_trade_key(&flows, "value");
    assert_eq!(f[&key("BRA", "BRA", "1")], 126975.685291);
    assert_eq!(f[&key("CHN", "BRA", "1")], 141.028187);

    let tariffs = load_table(&dir.join("tariffs.csv"), &tariffs_schema()).unwrap();
    assert_eq!(tariffs.n_rows(), 7 * 7 * 44);
    assert_tariffs_in_range(&tariffs);
    let t = by_trade_key(&tariffs, "tariff");
    assert_eq!(t[&key("BRA", "BRA", "1")], 0.0);
    assert_eq!(t[&key("CHN", "BRA", "1")], 0.078569233);
    assert_eq!(t[&key("CHN", "USA", "1")], 0.019535115);
    assert!(
        t.iter()
            .all(|((_, _, s), v)| s.parse::<u32>().unwrap() <= 22 || *v == 0.0),
        "services are untaxed"
    );

    let sectors = load_table(&dir.join("sectors.csv"), &sectors_schema()).unwrap();
    assert_eq!(sectors.n_rows(), 44);
    let (id, theta, psi, tariffable) = (
        sectors.str("sector").unwrap(),
        sectors.f64("theta").unwrap(),
        sectors.f64("psi").unwrap(),
        sectors.str("tariffable").unwrap(),
    );
    assert_eq!((id[0].as_str(), theta[0], psi[0]), ("1", 6.23, 0.14));
    assert_eq!((id[9].as_str(), theta[9], psi[9]), ("10", 0.64, 1.22));
    assert_eq!((id[43].as_str(), theta[43], psi[43]), ("44", 10.0, 0.0));
    for j in 0..44 {
        assert_eq!(tariffable[j], if j < 22 { "true" } else { "false" });
        assert!(theta[j] * psi[j] < 1.0);
    }

    assert_cost_shares_sum_to_one(dir, 7 * 44);
    let fin = load_table(&dir.join("final.csv"), &country_sector_schema()).unwrap();
    assert_eq!(fin.n_rows(), 7 * 44);
    let mut per_country: HashMap<&str, f64> = HashMap::new();
    for (c, v) in fin
        .str("country")
        .unwrap()
        .iter()
        .zip(fin.f64("share").unwrap())
    {
        *per_country.entry(c).or_default() += v;
    }
    assert!(per_country.values().all(|s| (s - 1.0).abs() < 1e-12));

    // Wave 5: applied + increase on CHN -> USA and USA -> CHN goods, everything else applied.
    let cf = dir.join("counterfactuals/us_china_wave5.csv");
    let cf = load_table(&cf, &tariffs_schema()).unwrap();
    assert_eq!(cf.n_rows(), 7 * 7 * 44);
    let w = by_trade_key(&cf, "tariff");
    assert!((w[&key("CHN", "USA", "1")] - (0.019535115 + 0.156031746)).abs() < 1e-12);
    assert!((w[&key("CHN", "USA", "22")] - (0.029837735 + 0.222352786)).abs() < 1e-12);
    assert!(w[&key("USA", "CHN", "1")] - t[&key("USA", "CHN", "1")] - 0.120175143 < 1e-12);
    assert_eq!(w[&key("CHN", "USA", "23")], 0.0);
    assert_eq!(w[&key("CHN", "BRA", "1")], t[&key("CHN", "BRA", "1")]);
    let changed = w.iter().filter(|(k, v)| t[*k] != **v).count();
    assert_eq!(changed, 44, "22 goods sectors in each direction");

    // The documented quirks are reported.
    let all = report.warnings.join("\n");
    assert!(
        all.contains("IOshare.csv: input shares renormalised"),
        "{all}"
    );
    assert!(all.contains("finalshare.csv"), "{all}");
    assert!(all.contains("negative in 20 of 308"), "{all}");
}

#[test]
#[ignore = "needs the real data: set WALRAS_DATA_DIR and run with --ignored"]
fn cp2015_real_data_imports_into_the_tidy_layout() {
    let from = real_data("cp2015_31x40_1993");
    let out = tempfile::tempdir().unwrap();
    let report = import(RawLayout::Cp2015, &from, out.path()).unwrap();
    println!("{report}");
    assert_eq!(report.countries.len(), 31);
    assert_eq!(report.countries[0], "ARG");
    assert_eq!(report.countries[30], "ROW");
    assert_eq!(report.sectors.len(), 40);
    assert_eq!(report.files.len(), 6);
    let dir = out.path();
    assert!(!dir.join("final.csv").exists() && !dir.join("countries.csv").exists());

    let flows = load_table(&dir.join("flows.csv"), &flows_schema()).unwrap();
    assert_eq!(flows.n_rows(), 31 * 31 * 40);
    let f = by_trade_key(&flows, "value");
    assert!(f.values().all(|v| *v >= 0.0 && v.is_finite()));
    // ARG's sector-1 imports from AUS: 2190.315 thousand USD, tariff 4.166667%.
    let x = f[&key("AUS", "ARG", "1")];
    assert!((x - 2190.315e-3 * 1.04166667).abs() < 1e-9, "{x}");
    // Non-tradables: no trade; domestic = GO / 1e6 (ARG sector 21 from GO.txt row 21).
    for ((e, i, s), v) in &f {
        if s.parse::<u32>().unwrap() > 20 && e != i {
            assert_eq!(*v, 0.0, "{e} -> {i} sector {s}");
        }
    }
    // Clamped cells are zero: CHL sector 14 has a 1-USD gross output placeholder.
    assert_eq!(f[&key("CHL", "CHL", "14")], 0.0);
    let clamped = report
        .warnings
        .iter()
        .filter(|w| w.contains("clamped to 0") && w.contains("exports"))
        .count();
    assert_eq!(clamped, 26, "{:#?}", report.warnings);

    let tariffs = load_table(&dir.join("tariffs.csv"), &tariffs_schema()).unwrap();
    assert_eq!(tariffs.n_rows(), 31 * 31 * 40);
    assert_tariffs_in_range(&tariffs);
    let t = by_trade_key(&tariffs, "tariff");
    // tariffs1993.txt row 1 (sector 1, importer ARG), field 2 (exporter AUS): 4.166667 %.
    assert!((t[&key("AUS", "ARG", "1")] - 0.04166667).abs() < 1e-15);
    // Row 2 (sector 1, importer AUS), field 1 (exporter ARG): 3.71 %.
    assert!((t[&key("ARG", "AUS", "1")] - 0.0371).abs() < 1e-15);
    // The largest: 270% imposed by IND on PRT in sector 3.
    assert!((t[&key("PRT", "IND", "3")] - 2.7).abs() < 1e-12);

    let nafta = load_table(
        &dir.join("counterfactuals/nafta_2005.csv"),
        &tariffs_schema(),
    )
    .unwrap();
    assert_eq!(nafta.n_rows(), 31 * 31 * 40);
    let nf = by_trade_key(&nafta, "tariff");
    let trio = ["MEX", "CAN", "USA"];
    let mut changed = 0;
    for (k, v) in &nf {
        let inside = trio.contains(&k.0.as_str()) && trio.contains(&k.1.as_str());
        if !inside {
            assert_eq!(*v, t[k], "{k:?} must keep its 1993 tariff");
        } else if *v != t[k] {
            changed += 1;
        }
    }
    assert!(changed > 50, "only {changed} NAFTA tariffs changed");

    let sectors = load_table(&dir.join("sectors.csv"), &sectors_schema()).unwrap();
    let (theta, psi, tariffable) = (
        sectors.f64("theta").unwrap(),
        sectors.f64("psi").unwrap(),
        sectors.str("tariffable").unwrap(),
    );
    assert_eq!(theta[0], 9.11);
    assert_eq!(theta[6], 64.85);
    assert_eq!(theta[20], 10.0);
    assert!(psi.iter().all(|p| *p == 0.0));
    assert!((0..40).all(|j| tariffable[j] == if j < 20 { "true" } else { "false" }));

    assert_cost_shares_sum_to_one(dir, 31 * 40);
    let all = report.warnings.join("\n");
    assert!(
        all.contains("IO.txt row 180, field 11: negative input share"),
        "{all}"
    );
}

// ---------------------------------------------------------------------------------------------
// Synthetic raw files.

fn write(dir: &Path, name: &str, contents: &str) {
    std::fs::write(dir.join(name), contents).unwrap();
}

/// A tiny DL-opt-style dataset: CHN, USA, EU; sectors 1, 2 (goods) and 23 (a service).
fn tiny_dlopt(dir: &Path) {
    let countries = ["CHN", "USA", "EU"];
    let sectors = [1, 2, 23];
    let mut flows = String::from("iso_o,iso_d,indcode,tradevalue\n");
    let mut tariffs = String::from("iso_o,iso_d,indcode,AHS_simple\n");
    for s in sectors {
        for d in countries {
            for o in countries {
                let v = if o == d { 100.0 } else { 5.0 + s as f64 };
                writeln!(flows, "{o},{d},{s},{v}").unwrap();
                let t = if o == d || s > 22 { 0.0 } else { 0.05 };
                writeln!(tariffs, "{o},{d},{s},{t}").unwrap();
            }
        }
    }
    write(dir, "TradeFlow2017.csv", &flows);
    write(dir, "tariff_prewar2017.csv", &tariffs);
    // BOM, LaTeX-ish names and padded values, as in the real file.
    write(
        dir,
        "cal_elasticities.csv",
        "\u{feff}industry,\\theta,\\psi\r\n1,4.00 ,0.20 \r\n2,6.00 ,0.10 \r\n23,10.00 ,0.00 \r\n",
    );
    let mut va = String::from("iso_o,indcode,vashare\n");
    let mut io = String::from("iso_o,input_ind,output_ind,valueshare\n");
    let mut fin = String::from("iso_o,input_ind,finalshare\n");
    for c in countries {
        for s in sectors {
            writeln!(va, "{c},{s},0.5").unwrap();
            writeln!(fin, "{c},{s},{}", 1.0 / 3.0 + 1e-8).unwrap();
            for k in sectors {
                // Shares of intermediate cost summing to 1 + 3e-8 (like the real file).
                writeln!(io, "{c},{k},{s},{}", 1.0 / 3.0 + 1e-8).unwrap();
            }
        }
    }
    write(dir, "vashare.csv", &va);
    write(dir, "IOshare.csv", &io);
    write(dir, "finalshare.csv", &fin);
    write(
        dir,
        "tariff_Trump.csv",
        "indcode,trump_tariff_wave5\n1,0.25\n",
    );
    write(
        dir,
        "tariff_China.csv",
        "indcode,China_tariff_wave5\n1,0.1\n2,0.2\n",
    );
}

fn import_err(layout: RawLayout, from: &Path) -> DataError {
    let out = tempfile::tempdir().unwrap();
    let err = import(layout, from, out.path()).unwrap_err();
    assert!(
        !out.path().join("flows.csv").exists(),
        "nothing is written when the raw data is malformed"
    );
    err
}

#[test]
fn layout_names_parse_and_unknown_names_are_explained() {
    assert_eq!("dlopt".parse::<RawLayout>().unwrap(), RawLayout::Dlopt);
    assert_eq!(" CP2015 ".parse::<RawLayout>().unwrap(), RawLayout::Cp2015);
    for l in RawLayout::ALL {
        assert_eq!(l.to_string().parse::<RawLayout>().unwrap(), l);
    }
    let err = "wiod".parse::<RawLayout>().unwrap_err().to_string();
    assert!(
        err.contains("`wiod`") && err.contains("dlopt") && err.contains("cp2015"),
        "{err}"
    );
}

#[test]
fn tiny_dlopt_imports_with_bom_header_and_renormalised_shares() {
    let raw = tempfile::tempdir().unwrap();
    tiny_dlopt(raw.path());
    let out = tempfile::tempdir().unwrap();
    let to = out.path().join("tidy");
    let report: ImportReport = import(RawLayout::Dlopt, raw.path(), &to).unwrap();
    assert_eq!(report.countries, ["CHN", "USA", "EU"]);
    assert_eq!(report.sectors, ["1", "2", "23"]);
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains("\"layout\":\"dlopt\""), "{json}");

    let sectors = load_table(&to.join("sectors.csv"), &sectors_schema()).unwrap();
    assert_eq!(sectors.f64("theta").unwrap(), &[4.0, 6.0, 10.0]);
    assert_eq!(sectors.f64("psi").unwrap(), &[0.2, 0.1, 0.0]);
    assert_eq!(
        sectors.str("tariffable").unwrap(),
        &["true", "true", "false"]
    );

    let flows = load_table(&to.join("flows.csv"), &flows_schema()).unwrap();
    assert_eq!(flows.n_rows(), 27);
    assert_eq!(by_trade_key(&flows, "value")[&key("CHN", "USA", "2")], 7.0);

    // io = valueshare / (sum over inputs) * (1 - vashare): 1/3 * 0.5.
    let io = load_table(&to.join("io.csv"), &io_schema()).unwrap();
    for v in io.f64("share").unwrap() {
        assert!((v - 0.5 / 3.0).abs() < 1e-15, "{v}");
    }
    assert_cost_shares_sum_to_one(&to, 9);
    let fin = load_table(&to.join("final.csv"), &country_sector_schema()).unwrap();
    let chn: f64 = fin.f64("share").unwrap()[..3].iter().sum();
    assert!((chn - 1.0).abs() < 1e-15);
    let warnings = report.warnings.join("\n");
    assert!(
        warnings.contains("largest |sum - 1| = 3.000e-8"),
        "{warnings}"
    );

    // Wave 5: sector 2 is absent from tariff_Trump.csv and keeps its applied tariff.
    let cf = load_table(
        &to.join("counterfactuals/us_china_wave5.csv"),
        &tariffs_schema(),
    )
    .unwrap();
    let w = by_trade_key(&cf, "tariff");
    assert!((w[&key("CHN", "USA", "1")] - 0.30).abs() < 1e-15);
    assert_eq!(w[&key("CHN", "USA", "2")], 0.05);
    assert!((w[&key("USA", "CHN", "2")] - 0.25).abs() < 1e-15);
    assert_eq!(w[&key("EU", "CHN", "1")], 0.05);
    assert_eq!(w[&key("USA", "CHN", "23")], 0.0);
    assert!(report
        .notes
        .join("\n")
        .contains("increase in 1 of 2 goods sectors"));

    // Re-importing over the same directory is fine.
    import(RawLayout::Dlopt, raw.path(), &to).unwrap();
}

#[test]
fn dlopt_errors_name_the_file_row_column_and_value() {
    let raw = tempfile::tempdir().unwrap();
    tiny_dlopt(raw.path());
    let dir = raw.path();

    // A theta * psi >= 1 elasticity pair.
    write(
        dir,
        "cal_elasticities.csv",
        "\u{feff}industry,\\theta,\\psi\n1,4,0.2\n2,6,0.1\n23,10,0.5\n",
    );
    let err = import_err(RawLayout::Dlopt, dir).to_string();
    assert!(
        err.contains("cal_elasticities.csv")
            && err.contains("row 3")
            && err.contains("`psi`")
            && err.contains("0.5"),
        "{err}"
    );

    // A missing elasticity column (names normalised: BOM and backslash gone).
    write(
        dir,
        "cal_elasticities.csv",
        "\u{feff}industry,\\theta\n1,4\n2,6\n23,10\n",
    );
    let err = import_err(RawLayout::Dlopt, dir);
    assert!(
        matches!(err, DataError::MissingColumn { ref column, .. } if column == "psi"),
        "{err}"
    );
    tiny_dlopt(dir);

    // A flow row missing (every origin, destination and sector must appear).
    let flows = std::fs::read_to_string(dir.join("TradeFlow2017.csv")).unwrap();
    let without: String = flows
        .lines()
        .filter(|l| !l.starts_with("USA,EU,2,"))
        .map(|l| format!("{l}\n"))
        .collect();
    write(dir, "TradeFlow2017.csv", &without);
    let err = import_err(RawLayout::Dlopt, dir).to_string();
    assert!(
        err.contains("TradeFlow2017.csv") && err.contains("iso_o=USA, iso_d=EU, indcode=2"),
        "{err}"
    );
    tiny_dlopt(dir);

    // A negative flow.
    write(dir, "TradeFlow2017.csv", &flows.replacen("100", "-100", 1));
    let err = import_err(RawLayout::Dlopt, dir).to_string();
    assert!(
        err.contains("row 1") && err.contains("`tradevalue`") && err.contains("-100"),
        "{err}"
    );
    tiny_dlopt(dir);

    // A tariff on an unknown country.
    let t = std::fs::read_to_string(dir.join("tariff_prewar2017.csv")).unwrap();
    write(dir, "tariff_prewar2017.csv", &format!("{t}XXX,USA,1,0.1\n"));
    let err = import_err(RawLayout::Dlopt, dir).to_string();
    assert!(
        err.contains("tariff_prewar2017.csv") && err.contains("row 28") && err.contains("`XXX`"),
        "{err}"
    );
    tiny_dlopt(dir);

    // A domestic tariff.
    write(
        dir,
        "tariff_prewar2017.csv",
        &t.replacen("CHN,CHN,1,0", "CHN,CHN,1,0.1", 1),
    );
    let err = import_err(RawLayout::Dlopt, dir).to_string();
    assert!(
        err.contains("domestic tariff") && err.contains("row 1"),
        "{err}"
    );
    tiny_dlopt(dir);

    // Input shares far from summing to 1.
    let io = std::fs::read_to_string(dir.join("IOshare.csv")).unwrap();
    let mut lines: Vec<&str> = io.lines().collect();
    assert!(lines[1].starts_with("CHN,1,1,"));
    lines[1] = "CHN,1,1,0.9";
    write(dir, "IOshare.csv", &lines.join("\n"));
    let err = import_err(RawLayout::Dlopt, dir).to_string();
    assert!(
        err.contains("IOshare.csv") && err.contains("iso_o=CHN, output_ind=1"),
        "{err}"
    );
    tiny_dlopt(dir);

    // A wave-5 increase on a service sector.
    write(
        dir,
        "tariff_China.csv",
        "indcode,China_tariff_wave5\n23,0.1\n",
    );
    let err = import_err(RawLayout::Dlopt, dir).to_string();
    assert!(
        err.contains("tariff_China.csv") && err.contains("service sector"),
        "{err}"
    );
    tiny_dlopt(dir);

    // A missing file.
    std::fs::remove_file(dir.join("vashare.csv")).unwrap();
    let err = import_err(RawLayout::Dlopt, dir);
    assert!(
        matches!(err, DataError::Io { ref path, .. } if path.ends_with("vashare.csv")),
        "{err}"
    );
}

#[test]
fn existing_tables_of_another_economy_block_the_import() {
    let raw = tempfile::tempdir().unwrap();
    tiny_dlopt(raw.path());
    let out = tempfile::tempdir().unwrap();
    write(out.path(), "countries.csv", "country,deficit\nCHN,1\n");
    let err = import(RawLayout::Dlopt, raw.path(), out.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("countries.csv") && err.contains("would not overwrite"),
        "{err}"
    );
    assert!(!out.path().join("flows.csv").exists());
    std::fs::remove_file(out.path().join("countries.csv")).unwrap();
    write(out.path(), "flows.parquet", "x");
    let err = import(RawLayout::Dlopt, raw.path(), out.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("flows.parquet"), "{err}");
}

#[test]
fn a_missing_raw_directory_is_an_error() {
    let out = tempfile::tempdir().unwrap();
    let err = import(RawLayout::Cp2015, &out.path().join("nope"), out.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("nope") && err.contains("not found"), "{err}");
}

// Caliendo-Parro: 31 countries, 40 sectors (20 tradable), whitespace matrices.

const N: usize = 31;
const S: usize = 40;
const T: usize = 20;

fn matrix(rows: usize, cols: usize, f: impl Fn(usize, usize) -> f64) -> String {
    let mut s = String::new();
    for r in 0..rows {
        let line: Vec<String> = (0..cols).map(|c| f(r, c).to_string()).collect();
        writeln!(s, "{}", line.join("\t")).unwrap();
    }
    s
}

/// Every country imports 1000 (thousand USD) from each partner in every tradable sector, at a
/// 5% tariff (2.5% in 2005); gross output 1e9 USD, except ARG sector 1 (1e6 USD: exports of
/// 30 millions exceed it, so domestic sales are clamped).
fn tiny_cp2015(dir: &Path) {
    write(
        dir,
        "xbilat1993.txt",
        &matrix(T * N, N, |r, c| if r % N == c { 0.0 } else { 1000.0 }),
    );
    write(
        dir,
        "tariffs1993.txt",
        &matrix(T * N, N, |r, c| if r % N == c { 0.0 } else { 5.0 }),
    );
    write(
        dir,
        "tariffs2005.txt",
        &matrix(T * N, N, |r, c| if r % N == c { 0.0 } else { 2.5 }),
    );
    write(
        dir,
        "GO.txt",
        &matrix(S, N, |j, i| if (j, i) == (0, 0) { 1e6 } else { 1e9 }),
    );
    write(
        dir,
        "B.txt",
        &matrix(S, N, |j, _| if j == 39 { 1.0 } else { 0.4 }),
    );
    // Inputs split equally over the 40 sectors; sector 40 has none.
    write(
        dir,
        "IO.txt",
        &matrix(N * S, S, |_, j| if j == 39 { 0.0 } else { 1.0 / 40.0 }),
    );
    write(dir, "T.txt", &matrix(T, 1, |j, _| 2.0 + j as f64));
}

#[test]
fn tiny_cp2015_converts_percent_tariffs_and_derives_domestic_flows() {
    let raw = tempfile::tempdir().unwrap();
    tiny_cp2015(raw.path());
    let out = tempfile::tempdir().unwrap();
    let report = import(RawLayout::Cp2015, raw.path(), out.path()).unwrap();
    let dir = out.path();

    let tariffs = load_table(&dir.join("tariffs.csv"), &tariffs_schema()).unwrap();
    let t = by_trade_key(&tariffs, "tariff");
    assert_eq!(t[&key("ARG", "AUS", "1")], 0.05);
    assert_eq!(t[&key("ARG", "AUS", "21")], 0.0);
    assert_eq!(t[&key("ARG", "ARG", "1")], 0.0);

    let flows = load_table(&dir.join("flows.csv"), &flows_schema()).unwrap();
    assert_eq!(flows.n_rows(), N * N * S);
    let f = by_trade_key(&flows, "value");
    // Imports: 1000 thousand USD = 1 million, at the importer's prices (x 1.05).
    assert!((f[&key("ARG", "AUS", "1")] - 1.05).abs() < 1e-12);
    // Domestic: 1e9 USD = 1000 millions minus 30 partners x 1 million of exports.
    assert_eq!(f[&key("AUS", "AUS", "1")], 970.0);
    // ARG sector 1: 1 million of output, 30 of exports: clamped to 0 and reported.
    assert_eq!(f[&key("ARG", "ARG", "1")], 0.0);
    assert_eq!(
        report
            .warnings
            .iter()
            .filter(|w| w.contains("clamped to 0"))
            .count(),
        2,
        "one line for the cell, one summary: {:#?}",
        report.warnings
    );
    assert!(
        report.warnings[0].contains("ARG sector 1: exports 30.000000 exceed gross output 1.000000"),
        "{:#?}",
        report.warnings
    );
    // Non-tradables: domestic = gross output, no trade.
    assert_eq!(f[&key("ARG", "ARG", "21")], 1000.0);
    assert_eq!(f[&key("ARG", "AUS", "21")], 0.0);

    let nafta = load_table(
        &dir.join("counterfactuals/nafta_2005.csv"),
        &tariffs_schema(),
    )
    .unwrap();
    let nf = by_trade_key(&nafta, "tariff");
    assert_eq!(nf[&key("MEX", "USA", "3")], 0.025);
    assert_eq!(nf[&key("USA", "CAN", "20")], 0.025);
    assert_eq!(nf[&key("MEX", "ARG", "3")], 0.05);
    assert_eq!(nf[&key("USA", "USA", "3")], 0.0);

    let sectors = load_table(&dir.join("sectors.csv"), &sectors_schema()).unwrap();
    assert_eq!(sectors.f64("theta").unwrap()[19], 21.0);
    assert_eq!(sectors.f64("theta").unwrap()[20], 10.0);
    assert_cost_shares_sum_to_one(dir, N * S);
    let io = load_table(&dir.join("io.csv"), &io_schema()).unwrap();
    assert!((io.f64("share").unwrap()[0] - 0.6 / 40.0).abs() < 1e-15);
    assert!(report
        .notes
        .join("\n")
        .contains("sector 40 in 31 countries"));
}

#[test]
fn cp2015_malformed_matrices_give_named_errors() {
    let raw = tempfile::tempdir().unwrap();
    let dir = raw.path();
    tiny_cp2015(dir);

    // A ragged line.
    let go = std::fs::read_to_string(dir.join("GO.txt")).unwrap();
    let mut lines: Vec<&str> = go.lines().collect();
    lines[4] = "1 2 3";
    write(dir, "GO.txt", &lines.join("\n"));
    let err = import_err(RawLayout::Cp2015, dir);
    let msg = err.to_string();
    assert!(matches!(err, DataError::Shape { .. }), "{msg}");
    assert!(msg.contains("GO.txt") && msg.contains("line 5"), "{msg}");
    tiny_cp2015(dir);

    // Wrong dimensions.
    write(dir, "B.txt", &matrix(S, N - 1, |_, _| 0.5));
    let msg = import_err(RawLayout::Cp2015, dir).to_string();
    assert!(
        msg.contains("B.txt") && msg.contains("40 x 30, expected 40 x 31"),
        "{msg}"
    );
    tiny_cp2015(dir);

    // A non-number.
    write(
        dir,
        "tariffs1993.txt",
        &matrix(T * N, N, |r, c| if r % N == c { 0.0 } else { 5.0 }).replacen(
            "\t5\t",
            "\tfive%\t",
            1,
        ),
    );
    let msg = import_err(RawLayout::Cp2015, dir).to_string();
    assert!(
        msg.contains("tariffs1993.txt") && msg.contains("row 1") && msg.contains("five%"),
        "{msg}"
    );
    tiny_cp2015(dir);

    // A domestic import value.
    write(
        dir,
        "xbilat1993.txt",
        &matrix(T * N, N, |r, c| {
            if (r, c) == (32, 1) {
                7.0
            } else if r % N == c {
                0.0
            } else {
                1000.0
            }
        }),
    );
    let msg = import_err(RawLayout::Cp2015, dir).to_string();
    assert!(
        msg.contains("xbilat1993.txt")
            && msg.contains("row 33")
            && msg.contains("field 2")
            && msg.contains("diagonal"),
        "{msg}"
    );
    tiny_cp2015(dir);

    // A value-added share of 0.
    write(
        dir,
        "B.txt",
        &matrix(S, N, |j, i| if (j, i) == (2, 3) { 0.0 } else { 0.4 }),
    );
    let msg = import_err(RawLayout::Cp2015, dir).to_string();
    assert!(
        msg.contains("B.txt") && msg.contains("row 3") && msg.contains("field 4"),
        "{msg}"
    );
    tiny_cp2015(dir);

    // An input column that does not sum to 1.
    write(
        dir,
        "IO.txt",
        &matrix(N * S, S, |_, j| if j == 39 { 0.0 } else { 1.0 / 80.0 }),
    );
    let msg = import_err(RawLayout::Cp2015, dir).to_string();
    assert!(
        msg.contains("IO.txt") && msg.contains("rows 1-40") && msg.contains("0.5"),
        "{msg}"
    );
    tiny_cp2015(dir);

    // Too few elasticities.
    write(dir, "T.txt", "4\n5\n");
    let msg = import_err(RawLayout::Cp2015, dir).to_string();
    assert!(
        msg.contains("T.txt") && msg.contains("expected 20 values"),
        "{msg}"
    );
}

// ---------------------------------------------------------------------------------------------
// The shipped synthetic example (data/trade/example, written by data/trade/make_example.py).

#[test]
fn shipped_example_follows_the_tidy_layout() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/trade/example");
    let flows = load_table(&dir.join("flows.csv"), &flows_schema()).unwrap();
    assert_eq!(flows.n_rows(), 3 * 3 * 4);
    let f = by_trade_key(&flows, "value");
    let countries = ["North", "South", "East"];
    let sectors = ["food", "machinery", "materials", "services"];
    for n in countries {
        for j in sectors {
            let domestic = f[&key(n, n, j)];
            let imports: f64 = countries
                .iter()
                .filter(|i| **i != n)
                .map(|i| f[&key(i, n, j)])
                .sum();
            assert!(imports > 0.0 && domestic > imports, "{n}/{j}");
        }
    }
    let s = load_table(&dir.join("sectors.csv"), &sectors_schema()).unwrap();
    assert_eq!(s.str("sector").unwrap(), &sectors);
    assert_eq!(s.f64("theta").unwrap(), &[4.0, 6.0, 5.0, 8.0]);
    assert_eq!(s.f64("psi").unwrap(), &[0.2, 0.1, 0.0, 0.0]);
    assert_eq!(
        s.str("tariffable").unwrap(),
        &["true", "true", "true", "false"]
    );
    let tariffs = load_table(&dir.join("tariffs.csv"), &tariffs_schema()).unwrap();
    assert_eq!(tariffs.n_rows(), 18);
    assert!(tariffs
        .f64("tariff")
        .unwrap()
        .iter()
        .all(|t| (0.02..=0.08).contains(t)));
    assert_tariffs_in_range(&tariffs);
    assert!(tariffs
        .str("sector")
        .unwrap()
        .iter()
        .all(|s| s != "services"));
    assert_cost_shares_sum_to_one(&dir, 12);
    let fin = load_table(&dir.join("final.csv"), &country_sector_schema()).unwrap();
    for (c, chunk) in fin.f64("share").unwrap().chunks(4).enumerate() {
        assert!(
            (chunk.iter().sum::<f64>() - 1.0).abs() < 1e-12,
            "{}",
            countries[c]
        );
    }
    assert!(!dir.join("countries.csv").exists());
}
