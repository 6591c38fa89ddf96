//! Converters from the two shipped raw trade datasets into the tidy trade layout.
//!
//! The layout (`data/trade/LAYOUT.md`) has `flows`, `sectors`, `tariffs`, `value_added`, `io`
//! and, where the source has it, `final`, plus counterfactual tariff tables under
//! `counterfactuals/`.
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
use crate::table::{load_table_from_bytes, Schema, Table};

mod cp2015;
pub use cp2015::GravityData;
mod dlopt;
mod tidy;

use tidy::{check_target, diagnostics, write_tidy};

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

/// An error unless `from` is a directory.
fn require_dir(layout: RawLayout, from: &Path) -> Result<(), DataError> {
    if from.is_dir() {
        return Ok(());
    }
    Err(DataError::Io {
        path: from.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("raw {layout} data directory not found"),
        ),
    })
}

/// The bilateral imports, tariffs and the dataset's own trade elasticities of `layout` (only
/// `cp2015` ships all three by sector) from the directory `from`, checked as [`import`] checks
/// them.
pub fn gravity_data(layout: RawLayout, from: &Path) -> Result<GravityData, DataError> {
    require_dir(layout, from)?;
    match layout {
        RawLayout::Cp2015 => cp2015::gravity(from),
        RawLayout::Dlopt => Err(DataError::InvalidTable(format!(
            "the {layout} layout has no bilateral flows and tariffs for every country triple              by sector to estimate elasticities from; use the cp2015 layout"
        ))),
    }
}

/// Read the raw dataset of `layout` from the directory `from` and write the tidy tables as CSV
/// into the directory `to` (created if needed; every file is written atomically). Fails, before
/// writing anything, if `to` already holds a tidy table this import would not overwrite (another
/// format of a table it writes, or a table it does not write), since the directory would then
/// not describe one economy.
pub fn import(layout: RawLayout, from: &Path, to: &Path) -> Result<ImportReport, DataError> {
    require_dir(layout, from)?;
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
