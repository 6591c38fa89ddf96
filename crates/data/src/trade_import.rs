//! Converters from the two shipped raw trade datasets into the tidy trade layout
//! (`data/trade/LAYOUT.md`): `flows`, `sectors`, `tariffs`, `value_added`, `io` and, where the
//! source has it, `final`, plus counterfactual tariff tables under `counterfactuals/`.
//!
//! * [`RawLayout::Dlopt`]: the DL-opt setting, 7 economies x 44 sectors, 2017 (CSV files with
//!   headers: `TradeFlow2017.csv`, `tariff_prewar2017.csv`, `cal_elasticities.csv`,
//!   `vashare.csv`, `IOshare.csv`, `finalshare.csv`, `tariff_Trump.csv`, `tariff_China.csv`).
//! * [`RawLayout::Cp2015`]: the Caliendo & Parro (2015) replication data, 31 countries x 40
//!   sectors, 1993 (headerless whitespace matrices: `xbilat1993.txt`, `tariffs1993.txt`,
//!   `tariffs2005.txt`, `GO.txt`, `B.txt`, `IO.txt`, `T.txt`).
//!
//! Every adjustment made to the raw numbers (renormalised shares, clamped cells, derived
//! domestic flows) is listed in the [`ImportReport`]; every malformed raw file is a
//! [`DataError`] naming the file, the row, the column and the value.
//!
//! ```no_run
//! use std::path::Path;
//! use walras_data::trade_import::{import, RawLayout};
//! let report = import(
//!     "cp2015".parse::<RawLayout>().unwrap(),
//!     Path::new("../shared/data/cp2015_31x40_1993"),
//!     Path::new("/tmp/cp2015_tidy"),
//! )
//! .unwrap();
//! println!("{report}");
//! ```

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;

use crate::error::DataError;
use crate::table::{load_table_from_bytes, read_matrix, Check, Matrix, Schema, Table};
use crate::write::write_table;

/// The raw datasets [`import`] understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RawLayout {
    /// DL-opt, 7 economies x 44 sectors, 2017 (`dlopt_7x44_2017/`).
    Dlopt,
    /// Caliendo & Parro (2015), 31 countries x 40 sectors, 1993 (`cp2015_31x40_1993/`).
    Cp2015,
}

impl RawLayout {
    /// Every layout, in the order they are documented.
    pub const ALL: [RawLayout; 2] = [RawLayout::Dlopt, RawLayout::Cp2015];

    /// The name accepted by [`FromStr`] (`dlopt`, `cp2015`).
    pub fn name(self) -> &'static str {
        match self {
            RawLayout::Dlopt => "dlopt",
            RawLayout::Cp2015 => "cp2015",
        }
    }

    /// A one-line description of the dataset.
    pub fn description(self) -> &'static str {
        match self {
            RawLayout::Dlopt => "DL-opt: 7 economies x 44 sectors, 2017 (CSV with headers)",
            RawLayout::Cp2015 => {
                "Caliendo & Parro (2015): 31 countries x 40 sectors, 1993 (whitespace matrices)"
            }
        }
    }
}

impl fmt::Display for RawLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A layout name that is neither `dlopt` nor `cp2015`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseLayoutError(pub String);

impl fmt::Display for ParseLayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown raw trade-data layout `{}`: expected `dlopt` ({}) or `cp2015` ({})",
            self.0,
            RawLayout::Dlopt.description(),
            RawLayout::Cp2015.description()
        )
    }
}

impl std::error::Error for ParseLayoutError {}

impl FromStr for RawLayout {
    type Err = ParseLayoutError;

    /// `dlopt` or `cp2015`, ignoring case and surrounding spaces.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dlopt" => Ok(RawLayout::Dlopt),
            "cp2015" => Ok(RawLayout::Cp2015),
            _ => Err(ParseLayoutError(s.to_string())),
        }
    }
}

/// What [`import`] did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportReport {
    /// The raw layout read.
    pub layout: RawLayout,
    /// The raw-data directory.
    pub source: PathBuf,
    /// The tidy directory written.
    pub target: PathBuf,
    /// Country identifiers, in the order of the raw data.
    pub countries: Vec<String>,
    /// Sector identifiers, in the order of the raw data.
    pub sectors: Vec<String>,
    /// Every file written (tables, then counterfactual tariff tables).
    pub files: Vec<PathBuf>,
    /// Adjustments made to the raw numbers (renormalised shares, clamped cells, ...) and data
    /// inconsistencies that were left in place (e.g. negative implied final demand).
    pub warnings: Vec<String>,
    /// Conventions applied (units, derived quantities, placeholders) and summary diagnostics.
    pub notes: Vec<String>,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "imported {} ({} countries x {} sectors) from {} into {}",
            self.layout,
            self.countries.len(),
            self.sectors.len(),
            self.source.display(),
            self.target.display()
        )?;
        writeln!(f, "files written:")?;
        for file in &self.files {
            writeln!(f, "  {}", file.display())?;
        }
        if !self.notes.is_empty() {
            writeln!(f, "notes:")?;
            for n in &self.notes {
                writeln!(f, "  - {n}")?;
            }
        }
        if !self.warnings.is_empty() {
            writeln!(f, "warnings ({}):", self.warnings.len())?;
            for w in &self.warnings {
                writeln!(f, "  - {w}")?;
            }
        }
        Ok(())
    }
}

/// Read the raw dataset of `layout` from the directory `from` and write the tidy tables as CSV
/// into the directory `to` (created if needed; every file is written atomically). Fails, before
/// writing anything, if `to` already holds a tidy table this import would not overwrite (another
/// format of a table it writes, or a table it does not write), since the directory would then
/// not describe one economy.
pub fn import(layout: RawLayout, from: &Path, to: &Path) -> Result<ImportReport, DataError> {
    if !from.is_dir() {
        return Err(DataError::Io {
            path: from.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("raw {layout} data directory not found"),
            ),
        });
    }
    let mut log = Log::default();
    let tidy = match layout {
        RawLayout::Dlopt => dlopt::read(from, &mut log)?,
        RawLayout::Cp2015 => cp2015::read(from, &mut log)?,
    };
    diagnostics(&tidy, &mut log);
    check_target(to, &tidy)?;
    let files = write_tidy(&tidy, to)?;
    Ok(ImportReport {
        layout,
        source: from.to_path_buf(),
        target: to.to_path_buf(),
        countries: tidy.countries,
        sectors: tidy.sectors,
        files,
        warnings: log.warnings,
        notes: log.notes,
    })
}

// ---------------------------------------------------------------------------------------------
// The tidy economy in memory.

#[derive(Default)]
struct Log {
    warnings: Vec<String>,
    notes: Vec<String>,
}

impl Log {
    fn warn(&mut self, s: impl Into<String>) {
        self.warnings.push(s.into());
    }
    fn note(&mut self, s: impl Into<String>) {
        self.notes.push(s.into());
    }
}

/// A tidy economy, dense: `flows` and tariffs are indexed `[(exporter * N + importer) * S +
/// sector]`, `value_added` and `final_shares` `[country * S + sector]`, `io`
/// `[(country * S + input) * S + output]` (share of the input in the output's TOTAL cost).
struct Tidy {
    countries: Vec<String>,
    sectors: Vec<String>,
    flows: Vec<f64>,
    tariffs: Vec<f64>,
    theta: Vec<f64>,
    psi: Vec<f64>,
    tariffable: Vec<bool>,
    value_added: Vec<f64>,
    io: Vec<f64>,
    final_shares: Option<Vec<f64>>,
    /// (file name under `counterfactuals/`, complete tariff grid).
    counterfactuals: Vec<(&'static str, Vec<f64>)>,
}

impl Tidy {
    fn n(&self) -> usize {
        self.countries.len()
    }
    fn s(&self) -> usize {
        self.sectors.len()
    }
}

const TABLES: [&str; 7] = [
    "flows",
    "sectors",
    "tariffs",
    "value_added",
    "io",
    "final",
    "countries",
];

/// The table name a file in a tidy directory stands for, if any.
fn table_stem(name: &str) -> Option<&str> {
    let lower = name.to_ascii_lowercase();
    [".csv.gz", ".csv", ".parquet", ".pq"]
        .iter()
        .find(|ext| lower.ends_with(*ext))
        .map(|ext| &name[..name.len() - ext.len()])
}

fn tables_written(tidy: &Tidy) -> Vec<&'static str> {
    let mut t = vec!["flows", "sectors", "tariffs", "value_added", "io"];
    if tidy.final_shares.is_some() {
        t.push("final");
    }
    t
}

fn check_target(to: &Path, tidy: &Tidy) -> Result<(), DataError> {
    let Ok(entries) = std::fs::read_dir(to) else {
        return Ok(()); // absent: created on writing (other failures surface there)
    };
    let written = tables_written(tidy);
    for entry in entries {
        let entry = entry.map_err(|e| DataError::io(to, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = table_stem(&name) else {
            continue;
        };
        if !TABLES.contains(&stem) {
            continue;
        }
        let ours = written.contains(&stem) && name == format!("{stem}.csv");
        if !ours {
            return Err(DataError::Shape {
                path: entry.path(),
                message: format!(
                    "the target directory already holds table `{stem}`, which this import would \
                     not overwrite (it writes {} as CSV), so the directory would mix two \
                     economies; remove the file or import into an empty directory",
                    written.join(", ")
                ),
            });
        }
    }
    Ok(())
}

/// A table with one key column per axis, a row for every combination (the first axis varies
/// slowest, matching the row-major order of `values`), and the value column `value`.
fn grid_table(axes: &[(&str, &[String])], value: &str, values: &[f64]) -> Result<Table, DataError> {
    let rows: usize = axes.iter().map(|(_, names)| names.len()).product();
    let mut table = Table::new();
    let mut stride = rows;
    for (column, names) in axes {
        stride /= names.len();
        let cells = (0..rows)
            .map(|r| names[(r / stride) % names.len()].clone())
            .collect();
        table = table.with_str(column, cells)?;
    }
    table.with_f64(value, values.to_vec())
}

/// A tariff table (exporter, importer, sector, tariff) of a bilateral grid.
fn tariff_table(tidy: &Tidy, grid: &[f64]) -> Result<Table, DataError> {
    let (c, s) = (&tidy.countries, &tidy.sectors);
    grid_table(
        &[("exporter", c), ("importer", c), ("sector", s)],
        "tariff",
        grid,
    )
}

fn write_tidy(tidy: &Tidy, to: &Path) -> Result<Vec<PathBuf>, DataError> {
    std::fs::create_dir_all(to).map_err(|e| DataError::io(to, e))?;
    let mut files = Vec::new();
    let mut put = |name: &str, table: Table| -> Result<(), DataError> {
        let path = to.join(name);
        write_table(&path, &table)?;
        files.push(path);
        Ok(())
    };

    let (c, sec) = (&tidy.countries, &tidy.sectors);
    let flows = grid_table(
        &[("exporter", c), ("importer", c), ("sector", sec)],
        "value",
        &tidy.flows,
    )?;
    put("flows.csv", flows)?;

    let sectors = Table::new()
        .with_str("sector", tidy.sectors.clone())?
        .with_f64("theta", tidy.theta.clone())?
        .with_f64("psi", tidy.psi.clone())?
        .with_str(
            "tariffable",
            tidy.tariffable.iter().map(|b| b.to_string()).collect(),
        )?;
    put("sectors.csv", sectors)?;

    put("tariffs.csv", tariff_table(tidy, &tidy.tariffs)?)?;

    let country_sector =
        |values: &[f64]| grid_table(&[("country", c), ("sector", sec)], "share", values);
    put("value_added.csv", country_sector(&tidy.value_added)?)?;

    let io = grid_table(
        &[
            ("country", c),
            ("input_sector", sec),
            ("output_sector", sec),
        ],
        "share",
        &tidy.io,
    )?;
    put("io.csv", io)?;

    if let Some(alpha) = &tidy.final_shares {
        put("final.csv", country_sector(alpha)?)?;
    }
    for (name, grid) in &tidy.counterfactuals {
        put(
            &format!("counterfactuals/{name}"),
            tariff_table(tidy, grid)?,
        )?;
    }
    Ok(files)
}

/// Diagnostics common to both layouts: implied final demand and trade balances.
fn diagnostics(t: &Tidy, log: &mut Log) {
    let (n, s) = (t.n(), t.s());
    let at = |i: usize, m: usize, j: usize| (i * n + m) * s + j;
    // Gross output at producer prices: sales net of the importers' tariffs.
    let mut output = vec![0.0; n * s];
    let mut absorption = vec![0.0; n * s];
    let mut exports = vec![0.0; n];
    let mut imports = vec![0.0; n];
    for i in 0..n {
        for m in 0..n {
            for j in 0..s {
                let x = t.flows[at(i, m, j)];
                output[i * s + j] += x / (1.0 + t.tariffs[at(i, m, j)]);
                absorption[m * s + j] += x;
                if i != m {
                    exports[i] += x;
                    imports[m] += x;
                }
            }
        }
    }
    // Final demand implied by the flows and the io shares: absorption minus intermediate use.
    let mut implied = vec![0.0; n * s];
    let mut negative = Vec::new();
    for c in 0..n {
        for k in 0..s {
            let intermediate: f64 = (0..s)
                .map(|j| t.io[(c * s + k) * s + j] * output[c * s + j])
                .sum();
            let f = absorption[c * s + k] - intermediate;
            implied[c * s + k] = f;
            if f < 0.0 {
                negative.push((f, c, k));
            }
        }
    }
    if negative.is_empty() {
        log.note("final demand implied by flows and io shares (absorption minus intermediate use) is non-negative in every country-sector cell");
    } else {
        negative.sort_by(|a, b| a.0.total_cmp(&b.0));
        let worst: Vec<String> = negative
            .iter()
            .take(5)
            .map(|(f, c, k)| format!("{}/{} {:.1}", t.countries[*c], t.sectors[*k], f))
            .collect();
        log.warn(format!(
            "final demand implied by flows and io shares (absorption minus intermediate use) is \
             negative in {} of {} country-sector cells (left as is; most negative: {}); the \
             flows, io and value-added tables are not an exact input-output equilibrium",
            negative.len(),
            n * s,
            worst.join(", ")
        ));
    }
    if let Some(alpha) = &t.final_shares {
        let mut dist: Vec<(f64, usize)> = (0..n)
            .map(|c| {
                let total: f64 = implied[c * s..(c + 1) * s].iter().sum();
                let d: f64 = (0..s)
                    .map(|k| (alpha[c * s + k] - implied[c * s + k] / total).abs())
                    .sum();
                (d, c)
            })
            .collect();
        dist.sort_by(|a, b| a.0.total_cmp(&b.0));
        let list: Vec<String> = dist
            .iter()
            .map(|(d, c)| format!("{} {:.1}%", t.countries[*c], 100.0 * d))
            .collect();
        log.warn(format!(
            "the final-demand shares of the `final` table differ from those the flows and io \
             shares imply (sum over sectors of |alpha - implied alpha|): {}",
            list.join(", ")
        ));
    }
    let balances: Vec<String> = (0..n)
        .map(|c| format!("{} {:.0}", t.countries[c], exports[c] - imports[c]))
        .collect();
    log.note(format!(
        "net exports implied by the flows (exports minus imports, both at destination prices \
         including tariffs, millions USD; trade is not balanced and the deficits are implied, \
         no `countries` table is written): {}",
        balances.join(", ")
    ));
}

// ---------------------------------------------------------------------------------------------
// Raw-file helpers.

/// A column name as written by spreadsheet and LaTeX-minded tools, normalised: byte-order mark,
/// surrounding spaces and quotes, and leading backslashes removed, lower case
/// (`\u{feff}\theta ` -> `theta`).
fn normalise_header(name: &str) -> String {
    name.trim_start_matches('\u{feff}')
        .trim()
        .trim_matches('"')
        .trim()
        .trim_start_matches('\\')
        .to_lowercase()
}

/// Load a raw CSV file after normalising its header names (see [`normalise_header`]); returns
/// the table (checked against `schema`, whose names must be normalised) and the normalised
/// header.
fn load_raw_csv(path: &Path, schema: &Schema) -> Result<(Table, Vec<String>), DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    let text = String::from_utf8(bytes).map_err(|e| DataError::Parse {
        path: path.into(),
        message: format!("not UTF-8 text: {e}"),
    })?;
    let text = text.trim_start_matches('\u{feff}');
    let (header, rest) = text.split_once('\n').unwrap_or((text, ""));
    let names: Vec<String> = header
        .trim_end_matches('\r')
        .split(',')
        .map(normalise_header)
        .collect();
    let normalised = format!("{}\n{rest}", names.join(","));
    let table = load_table_from_bytes(&path.to_string_lossy(), normalised.as_bytes(), schema)?;
    Ok((table, names))
}

fn bad(
    path: &Path,
    row: usize,
    column: &str,
    value: impl fmt::Display,
    reason: String,
) -> DataError {
    DataError::BadValue {
        path: path.into(),
        row,
        key: None,
        column: column.into(),
        value: value.to_string(),
        reason,
    }
}

fn str_col<'a>(t: &'a Table, name: &str) -> Result<&'a [String], DataError> {
    t.str(name)
        .ok_or_else(|| DataError::InvalidTable(format!("text column `{name}` not loaded")))
}

fn f64_col<'a>(t: &'a Table, name: &str) -> Result<&'a [f64], DataError> {
    t.f64(name)
        .ok_or_else(|| DataError::InvalidTable(format!("numeric column `{name}` not loaded")))
}

/// A sector code as a canonical integer string (`"01"`, `"1.0"` -> `"1"`).
fn canonical_sector(s: &str) -> Option<String> {
    let s = s.trim();
    if let Ok(v) = s.parse::<u64>() {
        return Some(v.to_string());
    }
    let v: f64 = s.parse().ok()?;
    (v.fract() == 0.0 && (0.0..1e15).contains(&v)).then(|| format!("{}", v as u64))
}

#[derive(Clone, Copy)]
enum Dim {
    Country,
    Sector,
}

/// The countries and sectors of an economy, with lookups that turn unknown codes into errors.
struct Keys {
    countries: Vec<String>,
    sectors: Vec<String>,
    country_index: HashMap<String, usize>,
    sector_index: HashMap<String, usize>,
    /// The file that defined them, for messages.
    origin: String,
}

impl Keys {
    fn new(countries: Vec<String>, sectors: Vec<String>, origin: &str) -> Self {
        let country_index = countries
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), i))
            .collect();
        let sector_index = sectors
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), i))
            .collect();
        Self {
            countries,
            sectors,
            country_index,
            sector_index,
            origin: origin.into(),
        }
    }

    fn size(&self, dim: Dim) -> usize {
        match dim {
            Dim::Country => self.countries.len(),
            Dim::Sector => self.sectors.len(),
        }
    }

    fn label(&self, dim: Dim, i: usize) -> &str {
        match dim {
            Dim::Country => &self.countries[i],
            Dim::Sector => &self.sectors[i],
        }
    }

    fn lookup(
        &self,
        dim: Dim,
        path: &Path,
        row: usize,
        column: &str,
        value: &str,
    ) -> Result<usize, DataError> {
        match dim {
            Dim::Country => self.country_index.get(value).copied().ok_or_else(|| {
                bad(
                    path,
                    row,
                    column,
                    value,
                    format!(
                        "is not a country of {} ({})",
                        self.origin,
                        self.countries.join(", ")
                    ),
                )
            }),
            Dim::Sector => {
                let code = canonical_sector(value).ok_or_else(|| {
                    bad(
                        path,
                        row,
                        column,
                        value,
                        "is not a sector code (a non-negative integer)".into(),
                    )
                })?;
                self.sector_index.get(&code).copied().ok_or_else(|| {
                    bad(
                        path,
                        row,
                        column,
                        value,
                        format!(
                            "is not a sector of {} ({}..{})",
                            self.origin,
                            self.sectors.first().map_or("", String::as_str),
                            self.sectors.last().map_or("", String::as_str)
                        ),
                    )
                })
            }
        }
    }
}

/// Fill a dense grid from a long table: `keys` are (column, dimension) pairs, row-major in that
/// order. Duplicate keys are errors; missing cells are `fill` if given, otherwise an error
/// naming the first missing key. Returns the grid and the number of cells filled by default.
fn load_grid(
    path: &Path,
    table: &Table,
    key_columns: &[(&str, Dim)],
    value_column: &str,
    keys: &Keys,
    fill: Option<f64>,
) -> Result<(Vec<f64>, usize), DataError> {
    let dims: Vec<usize> = key_columns.iter().map(|(_, d)| keys.size(*d)).collect();
    let cells: usize = dims.iter().product();
    let mut values = vec![f64::NAN; cells];
    let mut first_row = vec![0usize; cells];
    let columns: Vec<&[String]> = key_columns
        .iter()
        .map(|(c, _)| str_col(table, c))
        .collect::<Result<_, _>>()?;
    let v = f64_col(table, value_column)?;
    for r in 0..table.n_rows() {
        let mut flat = 0;
        for (pos, ((name, dim), col)) in key_columns.iter().zip(&columns).enumerate() {
            flat = flat * dims[pos] + keys.lookup(*dim, path, r + 1, name, &col[r])?;
        }
        if first_row[flat] != 0 {
            let key = key_columns
                .iter()
                .zip(&columns)
                .map(|((name, _), col)| format!("{name}={}", col[r]))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(DataError::DuplicateKey {
                path: path.into(),
                key,
                first_row: first_row[flat],
                row: r + 1,
            });
        }
        first_row[flat] = r + 1;
        values[flat] = v[r];
    }
    let mut filled = 0;
    for flat in 0..cells {
        if first_row[flat] != 0 {
            continue;
        }
        match fill {
            Some(x) => {
                values[flat] = x;
                filled += 1;
            }
            None => {
                // Decode the first missing key.
                let mut rest = flat;
                let mut parts = vec![String::new(); dims.len()];
                for pos in (0..dims.len()).rev() {
                    let idx = rest % dims[pos];
                    rest /= dims[pos];
                    parts[pos] = format!(
                        "{}={}",
                        key_columns[pos].0,
                        keys.label(key_columns[pos].1, idx)
                    );
                }
                return Err(DataError::Shape {
                    path: path.into(),
                    message: format!(
                        "no row for ({}): every combination of the countries and sectors of {} \
                         must appear ({} rows expected, {} found)",
                        parts.join(", "),
                        keys.origin,
                        cells,
                        table.n_rows()
                    ),
                });
            }
        }
    }
    Ok((values, filled))
}

fn fmt_g(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x.abs() >= 1e-3 && x.abs() < 1e6 {
        format!("{x:.6}")
    } else {
        format!("{x:.3e}")
    }
}

/// Tolerance on raw share sums before renormalising: beyond it the file is an error.
const SHARE_TOLERANCE: f64 = 1e-2;

// ---------------------------------------------------------------------------------------------
// DL-opt.

mod dlopt {
    use super::*;

    /// Goods (tariffable) sectors are 1..=GOODS; services follow.
    pub(super) const GOODS: u64 = 22;

    fn countries_and_sectors(path: &Path, t: &Table) -> Result<Keys, DataError> {
        let mut countries: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for col in ["iso_o", "iso_d"] {
            for c in str_col(t, col)? {
                if seen.insert(c.clone()) {
                    countries.push(c.clone());
                }
            }
        }
        let codes = str_col(t, "indcode")?;
        let mut sectors: Vec<u64> = Vec::new();
        for (r, code) in codes.iter().enumerate() {
            let s = canonical_sector(code).ok_or_else(|| {
                bad(
                    path,
                    r + 1,
                    "indcode",
                    code,
                    "is not a sector code (a non-negative integer)".into(),
                )
            })?;
            let v: u64 = s.parse().unwrap_or(0);
            if v == 0 {
                return Err(bad(
                    path,
                    r + 1,
                    "indcode",
                    code,
                    "sector codes start at 1".into(),
                ));
            }
            sectors.push(v);
        }
        sectors.sort_unstable();
        sectors.dedup();
        Ok(Keys::new(
            countries,
            sectors.iter().map(u64::to_string).collect(),
            "TradeFlow2017.csv",
        ))
    }

    pub(super) fn read(from: &Path, log: &mut Log) -> Result<Tidy, DataError> {
        // Flows define the countries and sectors.
        let path = from.join("TradeFlow2017.csv");
        let schema = Schema::new()
            .str("iso_o")
            .str("iso_d")
            .str("indcode")
            .float("tradevalue", Check::NonNegative);
        let (t, _) = load_raw_csv(&path, &schema)?;
        let keys = countries_and_sectors(&path, &t)?;
        let (n, s) = (keys.countries.len(), keys.sectors.len());
        let flow_keys = [
            ("iso_o", Dim::Country),
            ("iso_d", Dim::Country),
            ("indcode", Dim::Sector),
        ];
        let (flows, _) = load_grid(&path, &t, &flow_keys, "tradevalue", &keys, None)?;
        let zeros = flows.iter().filter(|v| **v == 0.0).count();
        log.note(format!(
            "flows: TradeFlow2017.csv as is (iso_o -> exporter, iso_d -> importer, indcode -> \
             sector; millions USD at destination prices including tariffs, domestic flows \
             included); {} rows, {} zero, smallest {}",
            flows.len(),
            zeros,
            fmt_g(flows.iter().copied().fold(f64::INFINITY, f64::min))
        ));

        // Applied tariffs.
        let path = from.join("tariff_prewar2017.csv");
        let schema = Schema::new()
            .str("iso_o")
            .str("iso_d")
            .str("indcode")
            .float("ahs_simple", Check::Any)
            .min_rows(0);
        let (t, _) = load_raw_csv(&path, &schema)?;
        let (tariffs, missing) = load_grid(&path, &t, &flow_keys, "ahs_simple", &keys, Some(0.0))?;
        check_tariffs(&path, &t, "ahs_simple")?;
        if missing > 0 {
            log.note(format!(
                "tariffs: {missing} (origin, destination, sector) rows absent from \
                 tariff_prewar2017.csv are 0"
            ));
        }
        let service_tariffs = (0..n * n * s)
            .filter(|&x| tariffs[x] != 0.0 && sector_code(&keys, x % s) > GOODS)
            .count();
        if service_tariffs > 0 {
            log.warn(format!(
                "tariffs: {service_tariffs} non-zero applied tariffs on service sectors \
                 (> {GOODS}, not tariffable) kept as applied tariffs"
            ));
        }
        log.note(format!(
            "tariffs: AHS_simple of tariff_prewar2017.csv (fraction, imposed by iso_d on \
             iso_o); {}",
            largest_tariff(&keys, &tariffs)
        ));

        // Elasticities.
        let path = from.join("cal_elasticities.csv");
        let schema = Schema::new()
            .str("industry")
            .float("theta", Check::Positive)
            .float("psi", Check::NonNegative);
        let (t, _) = load_raw_csv(&path, &schema)?;
        let sector_key = [("industry", Dim::Sector)];
        let (theta, _) = load_grid(&path, &t, &sector_key, "theta", &keys, None)?;
        let (psi, _) = load_grid(&path, &t, &sector_key, "psi", &keys, None)?;
        let (th, ps) = (f64_col(&t, "theta")?, f64_col(&t, "psi")?);
        let mut worst = (0.0, 0);
        for r in 0..t.n_rows() {
            let tp = th[r] * ps[r];
            if tp >= 1.0 {
                return Err(bad(
                    &path,
                    r + 1,
                    "psi",
                    ps[r],
                    format!(
                        "gives theta * psi = {tp} with theta = {}; must be < 1",
                        th[r]
                    ),
                ));
            }
            if tp > worst.0 {
                worst = (tp, r);
            }
        }
        let tariffable: Vec<bool> = (0..s).map(|j| sector_code(&keys, j) <= GOODS).collect();
        log.note(format!(
            "sectors: theta and psi from cal_elasticities.csv (header `\\theta`, `\\psi`, \
             byte-order mark); sectors 1-{GOODS} are goods (tariffable), the rest services (not \
             tariffable); largest theta * psi = {:.4} (sector {})",
            worst.0,
            str_col(&t, "industry")?[worst.1]
        ));

        // Value added.
        let path = from.join("vashare.csv");
        let schema = Schema::new()
            .str("iso_o")
            .str("indcode")
            .float("vashare", Check::Fraction);
        let (t, _) = load_raw_csv(&path, &schema)?;
        let cs_keys = [("iso_o", Dim::Country), ("indcode", Dim::Sector)];
        let (va, _) = load_grid(&path, &t, &cs_keys, "vashare", &keys, None)?;
        for (r, v) in f64_col(&t, "vashare")?.iter().enumerate() {
            if *v <= 0.0 {
                return Err(bad(
                    &path,
                    r + 1,
                    "vashare",
                    v,
                    "must be > 0 (a value-added share in (0, 1])".into(),
                ));
            }
        }

        // Input-output: shares of intermediate cost -> shares of total cost.
        let path = from.join("IOshare.csv");
        let schema = Schema::new()
            .str("iso_o")
            .str("input_ind")
            .str("output_ind")
            .float("valueshare", Check::Fraction);
        let (t, _) = load_raw_csv(&path, &schema)?;
        let io_keys = [
            ("iso_o", Dim::Country),
            ("input_ind", Dim::Sector),
            ("output_ind", Dim::Sector),
        ];
        let (raw_io, _) = load_grid(&path, &t, &io_keys, "valueshare", &keys, None)?;
        let mut io = vec![0.0; n * s * s];
        let mut max_dev = (0.0f64, 0, 0);
        for c in 0..n {
            for j in 0..s {
                let sum: f64 = (0..s).map(|k| raw_io[(c * s + k) * s + j]).sum();
                let dev = (sum - 1.0).abs();
                if sum == 0.0 && va[c * s + j] == 1.0 {
                    continue; // no intermediate inputs at all
                }
                if sum == 0.0 || dev > SHARE_TOLERANCE {
                    return Err(DataError::BadValue {
                        path: path.clone(),
                        row: first_row_of(&t, &keys, c, j)?,
                        key: None,
                        column: "valueshare".into(),
                        value: sum.to_string(),
                        reason: format!(
                            "is the sum of the input shares of iso_o={}, output_ind={}; shares \
                             of intermediate cost must sum to 1 (tolerance {SHARE_TOLERANCE})",
                            keys.countries[c], keys.sectors[j]
                        ),
                    });
                }
                if dev > max_dev.0 {
                    max_dev = (dev, c, j);
                }
                let gamma = 1.0 - va[c * s + j];
                for k in 0..s {
                    io[(c * s + k) * s + j] = raw_io[(c * s + k) * s + j] / sum * gamma;
                }
            }
        }
        log.warn(format!(
            "IOshare.csv: input shares renormalised to sum to exactly 1 for every (country, \
             output sector); largest |sum - 1| = {:.3e} ({}, sector {})",
            max_dev.0, keys.countries[max_dev.1], keys.sectors[max_dev.2]
        ));
        log.note(
            "io: share of input k in the TOTAL cost of output j = valueshare (share of \
             intermediate cost, renormalised) * (1 - vashare of j)",
        );

        // Final-demand shares.
        let path = from.join("finalshare.csv");
        let schema = Schema::new()
            .str("iso_o")
            .str("input_ind")
            .float("finalshare", Check::Fraction);
        let (t, _) = load_raw_csv(&path, &schema)?;
        let (mut alpha, _) = load_grid(
            &path,
            &t,
            &[("iso_o", Dim::Country), ("input_ind", Dim::Sector)],
            "finalshare",
            &keys,
            None,
        )?;
        let mut max_dev = (0.0f64, 0);
        for c in 0..n {
            let sum: f64 = alpha[c * s..(c + 1) * s].iter().sum();
            let dev = (sum - 1.0).abs();
            if sum == 0.0 || dev > SHARE_TOLERANCE {
                let row = str_col(&t, "iso_o")?
                    .iter()
                    .position(|x| *x == keys.countries[c])
                    .map_or(1, |r| r + 1);
                return Err(bad(
                    &path,
                    row,
                    "finalshare",
                    sum,
                    format!(
                        "is the sum of the final-demand shares of iso_o={}; they must sum to 1 \
                         (tolerance {SHARE_TOLERANCE})",
                        keys.countries[c]
                    ),
                ));
            }
            if dev > max_dev.0 {
                max_dev = (dev, c);
            }
            for a in &mut alpha[c * s..(c + 1) * s] {
                *a /= sum;
            }
        }
        log.warn(format!(
            "finalshare.csv: final-demand shares renormalised to sum to exactly 1 per country; \
             largest |sum - 1| = {:.3e} ({})",
            max_dev.0, keys.countries[max_dev.1]
        ));

        // Counterfactual: the 2018-19 US-China tariff war, wave 5.
        let flows_path = from.join("TradeFlow2017.csv");
        let usa = country(&flows_path, &keys, "USA", "the US-China counterfactual")?;
        let chn = country(&flows_path, &keys, "CHN", "the US-China counterfactual")?;
        let mut wave5 = tariffs.clone();
        for (file, exporter, importer, who) in [
            ("tariff_Trump.csv", chn, usa, "US on China"),
            ("tariff_China.csv", usa, chn, "China on US"),
        ] {
            let path = from.join(file);
            let increase = wave5_increase(&path, &keys)?;
            let mut raised = 0;
            let mut total = 0.0;
            for (j, inc) in increase.iter().enumerate() {
                if let Some(inc) = inc {
                    let x = (exporter * n + importer) * s + j;
                    wave5[x] = tariffs[x] + inc;
                    raised += 1;
                    total += inc;
                }
            }
            let goods = tariffable.iter().filter(|t| **t).count();
            log.note(format!(
                "counterfactuals/us_china_wave5.csv: {who} ({} -> {}): applied 2017 tariff + \
                 {file} increase in {raised} of {goods} goods sectors (mean increase {:.4}){}",
                keys.countries[exporter],
                keys.countries[importer],
                if raised > 0 {
                    total / raised as f64
                } else {
                    0.0
                },
                if raised < goods {
                    "; the other goods sectors keep their applied tariff"
                } else {
                    ""
                }
            ));
        }
        log.note(
            "counterfactuals/us_china_wave5.csv is a complete tariff table (same layout as \
             `tariffs`): every other tariff is the applied 2017 one",
        );

        Ok(Tidy {
            countries: keys.countries.clone(),
            sectors: keys.sectors.clone(),
            flows,
            tariffs,
            theta,
            psi,
            tariffable,
            value_added: va,
            io,
            final_shares: Some(alpha),
            counterfactuals: vec![("us_china_wave5.csv", wave5)],
        })
    }

    fn sector_code(keys: &Keys, j: usize) -> u64 {
        keys.sectors[j].parse().unwrap_or(u64::MAX)
    }

    fn country(path: &Path, keys: &Keys, code: &str, purpose: &str) -> Result<usize, DataError> {
        keys.country_index
            .get(code)
            .copied()
            .ok_or_else(|| DataError::Shape {
                path: path.into(),
                message: format!(
                    "has no country `{code}`, needed for {purpose} (countries: {})",
                    keys.countries.join(", ")
                ),
            })
    }

    /// The 1-based row of IOshare.csv for (country c, output j), first input.
    fn first_row_of(t: &Table, keys: &Keys, c: usize, j: usize) -> Result<usize, DataError> {
        let (iso, out) = (str_col(t, "iso_o")?, str_col(t, "output_ind")?);
        Ok((0..t.n_rows())
            .find(|&r| {
                iso[r] == keys.countries[c]
                    && canonical_sector(&out[r]).as_deref() == Some(keys.sectors[j].as_str())
            })
            .map_or(1, |r| r + 1))
    }

    /// Tariff increases by sector from a wave-5 file (`indcode`, `*_wave5`); None for sectors
    /// the file does not list.
    fn wave5_increase(path: &Path, keys: &Keys) -> Result<Vec<Option<f64>>, DataError> {
        // Find the value column from the header first.
        let header_only = Schema::new().str("indcode").min_rows(0);
        let (_, names) = load_raw_csv(path, &header_only)?;
        let others: Vec<&String> = names.iter().filter(|c| *c != "indcode").collect();
        let column = others
            .iter()
            .find(|c| c.contains("wave5"))
            .or(if others.len() == 1 {
                others.first()
            } else {
                None
            })
            .map(|c| c.to_string())
            .ok_or_else(|| DataError::MissingColumn {
                path: path.into(),
                column: "*_wave5 (the tariff increase)".into(),
                found: names.clone(),
            })?;
        let schema = Schema::new()
            .str("indcode")
            .float(&column, Check::Any)
            .key(&["indcode"]);
        let (t, _) = load_raw_csv(path, &schema)?;
        let codes = str_col(&t, "indcode")?;
        let values = f64_col(&t, &column)?;
        let mut out = vec![None; keys.sectors.len()];
        for r in 0..t.n_rows() {
            let j = keys.lookup(Dim::Sector, path, r + 1, "indcode", &codes[r])?;
            if sector_code(keys, j) > GOODS {
                return Err(bad(
                    path,
                    r + 1,
                    "indcode",
                    &codes[r],
                    format!("is a service sector; tariff increases apply to goods sectors 1-{GOODS} only"),
                ));
            }
            if values[r] <= -1.0 {
                return Err(bad(
                    path,
                    r + 1,
                    &column,
                    values[r],
                    "is not a tariff change (a fraction > -1)".into(),
                ));
            }
            out[j] = Some(values[r]);
        }
        Ok(out)
    }
}

/// Applied tariffs must exceed -1 and be 0 on domestic flows.
fn check_tariffs(path: &Path, t: &Table, column: &str) -> Result<(), DataError> {
    let (o, d, v) = (
        str_col(t, "iso_o")?,
        str_col(t, "iso_d")?,
        f64_col(t, column)?,
    );
    for r in 0..t.n_rows() {
        if v[r] <= -1.0 {
            return Err(bad(
                path,
                r + 1,
                column,
                v[r],
                "is not a tariff (a fraction > -1)".into(),
            ));
        }
        if o[r] == d[r] && v[r] != 0.0 {
            return Err(bad(
                path,
                r + 1,
                column,
                v[r],
                format!("is a domestic tariff ({} on itself); must be 0", o[r]),
            ));
        }
    }
    Ok(())
}

fn largest_tariff(keys: &Keys, grid: &[f64]) -> String {
    let (n, s) = (keys.countries.len(), keys.sectors.len());
    let Some((x, v)) = grid
        .iter()
        .copied()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))
    else {
        return "no tariffs".into();
    };
    let (i, m, j) = (x / (n * s), (x / s) % n, x % s);
    let foreign: Vec<f64> = (0..grid.len())
        .filter(|x| (x / (n * s)) != (x / s) % n)
        .map(|x| grid[x])
        .collect();
    let mean = foreign.iter().sum::<f64>() / foreign.len().max(1) as f64;
    format!(
        "largest {} (imposed by {} on {}, sector {}); mean over all foreign (exporter, \
         importer, sector) cells {mean:.4}",
        fmt_g(v),
        keys.countries[m],
        keys.countries[i],
        keys.sectors[j],
    )
}

// ---------------------------------------------------------------------------------------------
// Caliendo & Parro (2015).

mod cp2015 {
    use super::*;

    /// Country order of the replication files.
    pub(super) const COUNTRIES: [&str; 31] = [
        "ARG", "AUS", "AUT", "BRA", "CAN", "CHL", "CHN", "DNK", "FIN", "FRA", "DEU", "GRC", "HUN",
        "IND", "IDN", "IRL", "ITA", "JPN", "KOR", "MEX", "NLD", "NZL", "NOR", "PRT", "ZAF", "ESP",
        "SWE", "TUR", "GBR", "USA", "ROW",
    ];
    /// Sectors 1..=TRADABLE are tradable, the rest (up to SECTORS) are not.
    pub(super) const TRADABLE: usize = 20;
    pub(super) const SECTORS: usize = 40;
    /// Placeholder elasticity of the non-tradable sectors (irrelevant: they are not traded).
    pub(super) const NONTRADABLE_THETA: f64 = 10.0;
    const NAFTA: [&str; 3] = ["MEX", "CAN", "USA"];

    fn field(c: usize) -> String {
        format!("field {}", c + 1)
    }

    /// Check every entry of a matrix with `ok`; the error names row (line) and field.
    fn check_all(
        path: &Path,
        m: &Matrix,
        ok: impl Fn(usize, usize, f64) -> Option<String>,
    ) -> Result<(), DataError> {
        for r in 0..m.rows {
            for c in 0..m.cols {
                let v = m.get(r, c);
                if let Some(reason) = ok(r, c, v) {
                    return Err(bad(path, r + 1, &field(c), v, reason));
                }
            }
        }
        Ok(())
    }

    /// Read a tariff matrix in percent (rows: sector blocks of importers; columns: exporters).
    fn tariffs_percent(path: &Path, n: usize) -> Result<Matrix, DataError> {
        let m = read_matrix(path, Some((TRADABLE * n, n)))?;
        check_all(path, &m, |r, c, v| {
            if v <= -100.0 {
                Some("is not a tariff in percent (must be > -100)".into())
            } else if r % n == c && v != 0.0 {
                Some(format!(
                    "is a domestic tariff ({} on itself, sector {}); must be 0",
                    COUNTRIES[c],
                    r / n + 1
                ))
            } else {
                None
            }
        })?;
        Ok(m)
    }

    pub(super) fn read(from: &Path, log: &mut Log) -> Result<Tidy, DataError> {
        let n = COUNTRIES.len();
        let s = SECTORS;
        let countries: Vec<String> = COUNTRIES.iter().map(|c| c.to_string()).collect();
        let sectors: Vec<String> = (1..=s).map(|j| j.to_string()).collect();
        let keys = Keys::new(countries.clone(), sectors.clone(), "the cp2015 layout");
        let at = |i: usize, m: usize, j: usize| (i * n + m) * s + j;

        let x_path = from.join("xbilat1993.txt");
        let xbilat = read_matrix(&x_path, Some((TRADABLE * n, n)))?;
        check_all(&x_path, &xbilat, |r, c, v| {
            if v < 0.0 {
                Some("is a negative import value".into())
            } else if r % n == c && v != 0.0 {
                Some(format!(
                    "is on the diagonal ({} importing from itself, sector {}); domestic sales \
                     are derived from GO.txt, so the diagonal must be 0",
                    COUNTRIES[c],
                    r / n + 1
                ))
            } else {
                None
            }
        })?;
        let t_path = from.join("tariffs1993.txt");
        let tau93 = tariffs_percent(&t_path, n)?;
        let t05_path = from.join("tariffs2005.txt");
        let tau05 = tariffs_percent(&t05_path, n)?;

        let go_path = from.join("GO.txt");
        let go = read_matrix(&go_path, Some((s, n)))?;
        check_all(&go_path, &go, |_, _, v| {
            (v < 0.0).then(|| "is a negative gross output".into())
        })?;
        let b_path = from.join("B.txt");
        let b = read_matrix(&b_path, Some((s, n)))?;
        check_all(&b_path, &b, |_, _, v| {
            (v <= 0.0 || v > 1.0).then(|| "is not a value-added share in (0, 1]".into())
        })?;
        let io_path = from.join("IO.txt");
        let raw_io = read_matrix(&io_path, Some((n * s, s)))?;
        let th_path = from.join("T.txt");
        let th = read_matrix(&th_path, None)?;
        if th.values.len() != TRADABLE || (th.rows != 1 && th.cols != 1) {
            return Err(DataError::Shape {
                path: th_path,
                message: format!(
                    "is {} x {}, expected {TRADABLE} values (one per tradable sector) in one \
                     column or one row",
                    th.rows, th.cols
                ),
            });
        }
        for (j, v) in th.values.iter().enumerate() {
            if *v <= 0.0 {
                let (r, c) = if th.cols == 1 { (j, 0) } else { (0, j) };
                return Err(bad(
                    &th_path,
                    r + 1,
                    &field(c),
                    v,
                    "is not a trade elasticity (must be > 0)".into(),
                ));
            }
        }

        // Tariffs (fractions; imposed by the row importer on the column exporter).
        let mut tariffs = vec![0.0; n * n * s];
        let mut nafta = vec![0.0; n * n * s];
        let nafta_idx: Vec<usize> = NAFTA
            .iter()
            .map(|c| COUNTRIES.iter().position(|x| x == c).unwrap_or(usize::MAX))
            .collect();
        for j in 0..TRADABLE {
            for m in 0..n {
                for i in 0..n {
                    let t93 = tau93.get(j * n + m, i) / 100.0;
                    tariffs[at(i, m, j)] = t93;
                    nafta[at(i, m, j)] =
                        if i != m && nafta_idx.contains(&i) && nafta_idx.contains(&m) {
                            tau05.get(j * n + m, i) / 100.0
                        } else {
                            t93
                        };
                }
            }
        }
        log.note(format!(
            "tariffs: tariffs1993.txt in PERCENT divided by 100 (imposed by the row importer on \
             the column exporter; 0 for the non-tradable sectors {}-{s}); {}",
            TRADABLE + 1,
            largest_tariff(&keys, &tariffs)
        ));
        let big = tariffs.iter().filter(|t| **t > 1.0).count();
        if big > 0 {
            log.warn(format!(
                "tariffs: {big} applied 1993 tariffs exceed 100% (kept as is)"
            ));
        }
        log.note(
            "counterfactuals/nafta_2005.csv: a complete tariff table with the tariffs among MEX, \
             CAN and USA at their 2005 levels (tariffs2005.txt) and every other tariff at its \
             1993 level",
        );

        // Flows, millions USD. xbilat is in thousands of USD at pre-tariff (CIF) prices, GO in
        // USD: X_in^j = xbilat * (1 + tariff) / 1e3, domestic = (GO / 1e6) - exports / 1e3.
        let mut flows = vec![0.0; n * n * s];
        let mut clamped = 0;
        for j in 0..s {
            for i in 0..n {
                let gross_output = go.get(j, i) / 1e6;
                if j >= TRADABLE {
                    flows[at(i, i, j)] = gross_output;
                    continue;
                }
                let mut exports = 0.0;
                for m in 0..n {
                    if m != i {
                        let x = xbilat.get(j * n + m, i) / 1e3;
                        exports += x;
                        flows[at(i, m, j)] = x * (1.0 + tariffs[at(i, m, j)]);
                    }
                }
                let domestic = gross_output - exports;
                if domestic < 0.0 {
                    clamped += 1;
                    log.warn(format!(
                        "{} sector {}: exports {} exceed gross output {} (millions USD; GO.txt \
                         row {}, field {}); derived domestic sales {} clamped to 0",
                        COUNTRIES[i],
                        j + 1,
                        fmt_g(exports),
                        fmt_g(gross_output),
                        j + 1,
                        i + 1,
                        fmt_g(domestic)
                    ));
                }
                flows[at(i, i, j)] = domestic.max(0.0);
            }
        }
        log.note(format!(
            "flows: millions USD. Imports = xbilat1993.txt (thousands USD, before tariffs) / 1e3 \
             * (1 + 1993 tariff), i.e. at the importer's prices as in Caliendo & Parro's script; \
             domestic sales of tradable sector j in country n derived as GO.txt (USD) / 1e6 \
             minus n's exports of j (before tariffs, / 1e3); non-tradable sectors {}-{s}: \
             domestic flow = gross output, no trade",
            TRADABLE + 1
        ));
        log.note(format!(
            "xbilat/GO consistency: exports exceed gross output in {clamped} of {} tradable \
             country-sector cells; derived domestic sales clamped to 0 there (Caliendo & Parro's \
             script does the same: GO = max(GO, exports))",
            TRADABLE * n
        ));
        if clamped > 0 {
            log.warn(format!(
                "{clamped} derived domestic flows were negative and clamped to 0 (listed above)"
            ));
        }
        let placeholders: Vec<String> = (0..s)
            .flat_map(|j| (0..n).map(move |i| (j, i)))
            .filter(|&(j, i)| go.get(j, i) > 0.0 && go.get(j, i) <= 1.0)
            .map(|(j, i)| format!("{}/{}", COUNTRIES[i], j + 1))
            .collect();
        if !placeholders.is_empty() {
            log.note(format!(
                "GO.txt: {} cells hold a gross output of 1 USD or less, a placeholder for no \
                 output (kept; their domestic flow is at most 1e-6 millions): {}",
                placeholders.len(),
                placeholders.join(", ")
            ));
        }

        // Value added and input-output.
        let mut va = vec![0.0; n * s];
        for c in 0..n {
            for j in 0..s {
                va[c * s + j] = b.get(j, c);
            }
        }
        let mut io = vec![0.0; n * s * s];
        let mut max_dev = (0.0f64, 0, 0);
        let mut no_inputs: Vec<(usize, usize)> = Vec::new();
        for c in 0..n {
            for j in 0..s {
                let mut col: Vec<f64> = (0..s).map(|k| raw_io.get(c * s + k, j)).collect();
                for (k, v) in col.iter_mut().enumerate() {
                    if *v < 0.0 {
                        if *v < -SHARE_TOLERANCE {
                            return Err(bad(
                                &io_path,
                                c * s + k + 1,
                                &field(j),
                                *v,
                                format!(
                                    "is a negative input share ({}, input {} of sector {}) \
                                     beyond the tolerance {SHARE_TOLERANCE}",
                                    COUNTRIES[c],
                                    k + 1,
                                    j + 1
                                ),
                            ));
                        }
                        log.warn(format!(
                            "IO.txt row {}, field {}: negative input share {} ({}, input {} of \
                             sector {}) set to 0 before renormalising",
                            c * s + k + 1,
                            j + 1,
                            v,
                            COUNTRIES[c],
                            k + 1,
                            j + 1
                        ));
                        *v = 0.0;
                    }
                }
                let sum: f64 = col.iter().sum();
                let gamma = 1.0 - va[c * s + j];
                if sum == 0.0 && gamma == 0.0 {
                    no_inputs.push((c, j));
                    continue;
                }
                if sum == 0.0 || (sum - 1.0).abs() > SHARE_TOLERANCE {
                    return Err(bad(
                        &io_path,
                        c * s + 1,
                        &field(j),
                        sum,
                        format!(
                            "is the sum of column {} over {}'s block (rows {}-{}): the shares \
                             of intermediate cost of sector {} must sum to 1 (tolerance \
                             {SHARE_TOLERANCE}) since its value-added share in B.txt is {} < 1",
                            j + 1,
                            COUNTRIES[c],
                            c * s + 1,
                            (c + 1) * s,
                            j + 1,
                            va[c * s + j]
                        ),
                    ));
                }
                let dev = (sum - 1.0).abs();
                if dev > max_dev.0 {
                    max_dev = (dev, c, j);
                }
                for k in 0..s {
                    io[(c * s + k) * s + j] = col[k] / sum * gamma;
                }
            }
        }
        log.warn(format!(
            "IO.txt: input shares renormalised to sum to exactly 1 for every (country, sector) \
             with intermediate inputs; largest |sum - 1| = {:.3e} ({}, sector {})",
            max_dev.0,
            COUNTRIES[max_dev.1],
            max_dev.2 + 1
        ));
        if !no_inputs.is_empty() {
            let mut by_sector: Vec<(usize, Vec<&str>)> = Vec::new();
            for (c, j) in &no_inputs {
                match by_sector.iter_mut().find(|(s, _)| s == j) {
                    Some((_, list)) => list.push(COUNTRIES[*c]),
                    None => by_sector.push((*j, vec![COUNTRIES[*c]])),
                }
            }
            let text: Vec<String> = by_sector
                .iter()
                .map(|(j, list)| {
                    if list.len() > 5 {
                        format!("sector {} in {} countries", j + 1, list.len())
                    } else {
                        format!("sector {} in {}", j + 1, list.join(", "))
                    }
                })
                .collect();
            log.note(format!(
                "IO.txt: {} (country, sector) pairs have value-added share 1 in B.txt and an \
                 all-zero input column (no intermediate inputs; io shares 0): {}",
                no_inputs.len(),
                text.join("; ")
            ));
        }
        log.note(
            "value_added: B.txt (sector rows, country columns); io: share of input k in the \
             TOTAL cost of sector j = IO.txt (share of intermediate cost, renormalised) * \
             (1 - B)",
        );

        // Sectors.
        let theta: Vec<f64> = (0..s)
            .map(|j| {
                if j < TRADABLE {
                    th.values[j]
                } else {
                    NONTRADABLE_THETA
                }
            })
            .collect();
        log.note(format!(
            "sectors: theta of sectors 1-{TRADABLE} from T.txt (tradable, tariffable); sectors \
             {}-{s} are non-tradable (not tariffable) with the placeholder theta = \
             {NONTRADABLE_THETA} (irrelevant: they are never traded; Caliendo & Parro's script \
             uses 8.22); psi = 0 everywhere (no scale economies in the model)",
            TRADABLE + 1
        ));
        log.note("no `final` table (final-demand shares are implied by the flows) and no `countries` table (deficits implied)");

        Ok(Tidy {
            countries,
            sectors,
            flows,
            tariffs,
            theta,
            psi: vec![0.0; s],
            tariffable: (0..s).map(|j| j < TRADABLE).collect(),
            value_added: va,
            io,
            final_shares: None,
            counterfactuals: vec![("nafta_2005.csv", nafta)],
        })
    }
}
