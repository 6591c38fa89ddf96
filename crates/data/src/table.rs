//! Tables: a polars-free in-memory representation, schemas, and validated loading from CSV,
//! gzip CSV and Parquet (through polars).

use foldhash::HashMap;
use std::fs::File;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use polars::prelude::{CsvReadOptions, DataFrame, DataType, ParquetReader, SerReader, Series};

use crate::error::DataError;

/// The values of one column.
#[derive(Clone, Debug, PartialEq)]
pub enum ColumnData {
    /// Text (names, codes).
    Str(Vec<String>),
    /// Numbers.
    Float(Vec<f64>),
}

impl ColumnData {
    fn len(&self) -> usize {
        match self {
            ColumnData::Str(v) => v.len(),
            ColumnData::Float(v) => v.len(),
        }
    }
}

/// A rectangular table of named, typed columns. Model crates read it without depending on
/// polars.
///
/// ```
/// use walras_data::Table;
/// let t = Table::new()
///     .with_str("country", vec!["USA".into(), "CHN".into()]).unwrap()
///     .with_f64("deficit", vec![-0.6, 0.4]).unwrap();
/// assert_eq!(t.n_rows(), 2);
/// assert_eq!(t.f64("deficit").unwrap()[1], 0.4);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    source: Option<PathBuf>,
    names: Vec<String>,
    columns: Vec<ColumnData>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    fn with(mut self, name: &str, data: ColumnData) -> Result<Self, DataError> {
        if self.names.iter().any(|n| n == name) {
            return Err(DataError::InvalidTable(format!(
                "duplicate column `{name}`"
            )));
        }
        if let Some(first) = self.columns.first() {
            if first.len() != data.len() {
                return Err(DataError::InvalidTable(format!(
                    "column `{name}` has {} rows, the table has {}",
                    data.len(),
                    first.len()
                )));
            }
        }
        self.names.push(name.to_string());
        self.columns.push(data);
        Ok(self)
    }

    /// Add a text column.
    pub fn with_str(self, name: &str, values: Vec<String>) -> Result<Self, DataError> {
        self.with(name, ColumnData::Str(values))
    }

    /// Add a numeric column.
    pub fn with_f64(self, name: &str, values: Vec<f64>) -> Result<Self, DataError> {
        self.with(name, ColumnData::Float(values))
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.columns.first().map_or(0, ColumnData::len)
    }

    /// Column names in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The file the table was loaded from, if any.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }

    /// A column by name.
    pub fn column(&self, name: &str) -> Option<&ColumnData> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| &self.columns[i])
    }

    /// A text column by name (None if absent or numeric).
    pub fn str(&self, name: &str) -> Option<&[String]> {
        match self.column(name)? {
            ColumnData::Str(v) => Some(v),
            ColumnData::Float(_) => None,
        }
    }

    /// A numeric column by name (None if absent or text).
    pub fn f64(&self, name: &str) -> Option<&[f64]> {
        match self.column(name)? {
            ColumnData::Float(v) => Some(v),
            ColumnData::Str(_) => None,
        }
    }

    /// A table of the float and text columns of `df` (other types are refused).
    pub(crate) fn from_polars(df: &DataFrame) -> Result<Table, DataError> {
        let mut t = Table::new();
        for c in df.columns() {
            let name = c.name().as_str();
            let bad = |e: polars::error::PolarsError| {
                DataError::InvalidTable(format!("column `{name}`: {e}"))
            };
            t = match c.dtype() {
                polars::prelude::DataType::String => t.with_str(
                    name,
                    c.str()
                        .map_err(bad)?
                        .into_iter()
                        .map(|v| v.unwrap_or_default().to_string())
                        .collect(),
                )?,
                _ => {
                    let f = c.cast(&polars::prelude::DataType::Float64).map_err(bad)?;
                    t.with_f64(
                        name,
                        f.f64()
                            .map_err(bad)?
                            .into_iter()
                            .map(|v| v.unwrap_or(f64::NAN))
                            .collect(),
                    )?
                }
            };
        }
        Ok(t)
    }

    pub(crate) fn to_polars(&self) -> Result<DataFrame, DataError> {
        let columns = self
            .names
            .iter()
            .zip(&self.columns)
            .map(|(name, data)| match data {
                ColumnData::Float(v) => polars::prelude::Column::new(name.as_str().into(), v),
                ColumnData::Str(v) => {
                    let refs: Vec<&str> = v.iter().map(String::as_str).collect();
                    polars::prelude::Column::new(name.as_str().into(), refs)
                }
            })
            .collect();
        DataFrame::new(self.n_rows(), columns).map_err(|e| DataError::InvalidTable(e.to_string()))
    }
}

/// The type a column must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Text; numbers in the file are read as their text.
    Str,
    /// A finite floating-point number.
    Float,
}

/// A range restriction on a numeric column.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Check {
    /// Any finite number.
    Any,
    /// >= 0 (flows, masses).
    NonNegative,
    /// > 0 (elasticities, prices).
    Positive,
    /// In [0, 1] (shares).
    Fraction,
    /// In [lower, upper].
    Range(f64, f64),
    /// Strictly above the bound (tariffs > -1).
    Above(f64),
}

impl Check {
    fn violation(&self, v: f64) -> Option<String> {
        let ok = match *self {
            Check::Any => true,
            Check::NonNegative => v >= 0.0,
            Check::Positive => v > 0.0,
            Check::Fraction => (0.0..=1.0).contains(&v),
            Check::Range(lo, hi) => v >= lo && v <= hi,
            Check::Above(lo) => v > lo,
        };
        (!ok).then(|| match *self {
            Check::Any => unreachable!("Any accepts every finite value"),
            Check::NonNegative => "is negative; must be >= 0".to_string(),
            Check::Positive => "must be > 0".to_string(),
            Check::Fraction => "must lie in [0, 1]".to_string(),
            Check::Range(lo, hi) => format!("must lie in [{lo}, {hi}]"),
            Check::Above(lo) => format!("must be > {lo}"),
        })
    }
}

/// One expected column.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnSpec {
    /// Column name in the file.
    pub name: String,
    /// Its type.
    pub kind: Kind,
    /// Range check for numeric columns.
    pub check: Check,
    /// Whether a file without it is an error.
    pub required: bool,
}

/// What a table must look like: its columns and the columns forming a unique key.
///
/// ```
/// use walras_data::{Check, Schema};
/// let flows = Schema::new()
///     .str("exporter").str("importer").str("sector")
///     .float("value", Check::NonNegative)
///     .key(&["exporter", "importer", "sector"]);
/// assert_eq!(flows.columns().len(), 4);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    columns: Vec<ColumnSpec>,
    key: Vec<String>,
    min_rows: usize,
}

impl Schema {
    /// A schema with no columns that accepts an empty table only if `min_rows(0)` is set
    /// (by default at least one row is required).
    pub fn new() -> Self {
        Self {
            min_rows: 1,
            ..Self::default()
        }
    }

    fn push(mut self, name: &str, kind: Kind, check: Check, required: bool) -> Self {
        self.columns.push(ColumnSpec {
            name: name.into(),
            kind,
            check,
            required,
        });
        self
    }

    /// A required text column.
    pub fn str(self, name: &str) -> Self {
        self.push(name, Kind::Str, Check::Any, true)
    }

    /// A required numeric column.
    pub fn float(self, name: &str, check: Check) -> Self {
        self.push(name, Kind::Float, check, true)
    }

    /// An optional numeric column.
    pub fn optional_float(self, name: &str, check: Check) -> Self {
        self.push(name, Kind::Float, check, false)
    }

    /// Columns whose values together must be unique.
    pub fn key(mut self, columns: &[&str]) -> Self {
        self.key = columns.iter().map(|c| c.to_string()).collect();
        self
    }

    /// Minimum number of data rows (default 1).
    pub fn min_rows(mut self, n: usize) -> Self {
        self.min_rows = n;
        self
    }

    /// The expected columns.
    pub fn columns(&self) -> &[ColumnSpec] {
        &self.columns
    }
}

/// Supported input formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableFormat {
    /// Comma-separated text with a header row.
    Csv,
    /// Gzip-compressed CSV (`.csv.gz`).
    CsvGz,
    /// Apache Parquet.
    Parquet,
}

impl TableFormat {
    /// The format a file name implies.
    pub fn from_path(path: &Path) -> Result<Self, DataError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if name.ends_with(".csv.gz") {
            Ok(TableFormat::CsvGz)
        } else if name.ends_with(".csv") {
            Ok(TableFormat::Csv)
        } else if name.ends_with(".parquet") || name.ends_with(".pq") {
            Ok(TableFormat::Parquet)
        } else {
            Err(DataError::UnsupportedFormat {
                path: path.to_path_buf(),
            })
        }
    }
}

/// Read a file's bytes, decompressing gzip, without a UTF-8 byte-order mark.
fn read_text_bytes(path: &Path, gz: bool) -> Result<Vec<u8>, DataError> {
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut bytes = Vec::new();
    if gz {
        flate2::read::MultiGzDecoder::new(file)
            .read_to_end(&mut bytes)
            .map_err(|e| DataError::Parse {
                path: path.into(),
                message: format!("gzip: {e}"),
            })?;
    } else {
        let mut file = file;
        file.read_to_end(&mut bytes)
            .map_err(|e| DataError::io(path, e))?;
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    Ok(bytes)
}

/// Read a file into a polars DataFrame: CSV columns all as text (parsed and checked by
/// [`load_table`]), Parquet with its own types.
pub fn read_frame(path: &Path) -> Result<DataFrame, DataError> {
    let format = TableFormat::from_path(path)?;
    let bytes = match format {
        TableFormat::Parquet => std::fs::read(path).map_err(|e| DataError::io(path, e))?,
        TableFormat::Csv | TableFormat::CsvGz => {
            read_text_bytes(path, format == TableFormat::CsvGz)?
        }
    };
    frame_from_bytes(path, bytes, format)
}

/// Parse in-memory bytes (already decompressed for CSV) of the given format; `label` names
/// the source in errors.
fn frame_from_bytes(
    label: &Path,
    bytes: Vec<u8>,
    format: TableFormat,
) -> Result<DataFrame, DataError> {
    let parse_err = |e: polars::error::PolarsError| DataError::Parse {
        path: label.into(),
        message: e.to_string(),
    };
    let frame = match format {
        TableFormat::Csv | TableFormat::CsvGz => {
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Err(DataError::Shape {
                    path: label.into(),
                    message: "file is empty (no header row)".into(),
                });
            }
            CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(Some(0))
                .into_reader_with_file_handle(Cursor::new(bytes))
                .finish()
                .map_err(parse_err)?
        }
        TableFormat::Parquet => ParquetReader::new(Cursor::new(bytes))
            .finish()
            .map_err(parse_err)?,
    };
    check_header(label, &frame)?;
    Ok(frame)
}

/// Column names, trimmed, must be distinct: a header such as `a, ,` holds two unnamed columns,
/// and `a,a` two columns `a` (which the CSV reader renames `a` and `a_duplicated_0`).
fn check_header(path: &Path, frame: &DataFrame) -> Result<(), DataError> {
    let names: Vec<&str> = frame
        .get_column_names()
        .iter()
        .map(|n| n.as_str().trim())
        .collect();
    let renamed = |name: &str| -> Option<String> {
        let (base, k) = name.rsplit_once("_duplicated_")?;
        (k.parse::<usize>().is_ok() && names.contains(&base)).then(|| base.to_string())
    };
    for (i, name) in names.iter().enumerate() {
        if let Some(base) = renamed(name) {
            return Err(DataError::Shape {
                path: path.into(),
                message: format!("the header names column `{base}` more than once"),
            });
        }
        if names[..i].contains(name) {
            return Err(DataError::Shape {
                path: path.into(),
                message: format!(
                    "the header names column `{name}` twice (columns: {})",
                    names.join(", ")
                ),
            });
        }
    }
    Ok(())
}

/// [`load_table`] for a table held in memory (e.g. data embedded in a binary); `label` (a
/// file name with the format's extension, such as `cps_earnings.csv.gz`) names it in errors
/// and selects the format.
pub fn load_table_from_bytes(
    label: &str,
    bytes: &[u8],
    schema: &Schema,
) -> Result<Table, DataError> {
    let path = Path::new(label);
    let format = TableFormat::from_path(path)?;
    let mut bytes = if format == TableFormat::CsvGz {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| DataError::Parse {
                path: path.into(),
                message: format!("gzip: {e}"),
            })?;
        out
    } else {
        bytes.to_vec()
    };
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    let df = frame_from_bytes(path, bytes, format)?;
    check_frame(path, df, schema)
}

/// Load a table and check it against `schema`: required columns present, every cell of the
/// right type, finite and in range, keys unique, enough rows. Columns not in the schema are
/// dropped. Errors name the file, the 1-based data row, the column and the value.
pub fn load_table(path: &Path, schema: &Schema) -> Result<Table, DataError> {
    check_frame(path, read_frame(path)?, schema)
}

fn check_frame(path: &Path, df: DataFrame, schema: &Schema) -> Result<Table, DataError> {
    let found: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.trim().to_string())
        .collect();
    if df.height() < schema.min_rows {
        return Err(DataError::Shape {
            path: path.into(),
            message: format!(
                "has {} data rows, expected at least {}",
                df.height(),
                schema.min_rows
            ),
        });
    }
    let mut table = Table {
        source: Some(path.to_path_buf()),
        ..Table::default()
    };
    // Text columns first, so that a bad number's error can name its row's key.
    let mut converted: Vec<Option<ColumnData>> = vec![None; schema.columns.len()];
    for kind in [Kind::Str, Kind::Float] {
        for (c, spec) in schema.columns.iter().enumerate() {
            if spec.kind != kind {
                continue;
            }
            let Some(pos) = found.iter().position(|n| n == &spec.name) else {
                if spec.required {
                    return Err(DataError::MissingColumn {
                        path: path.into(),
                        column: spec.name.clone(),
                        found,
                    });
                }
                continue;
            };
            let series = df.columns()[pos].as_materialized_series();
            converted[c] = Some(convert(path, series, spec).map_err(|e| match e {
                DataError::BadValue {
                    path,
                    row,
                    key: None,
                    column,
                    value,
                    reason,
                } => DataError::BadValue {
                    key: row_key(schema, &converted, row - 1),
                    path,
                    row,
                    column,
                    value,
                    reason,
                },
                other => other,
            })?);
        }
    }
    for (spec, data) in schema.columns.iter().zip(converted) {
        if let Some(data) = data {
            table = table.with(&spec.name, data)?;
        }
    }
    check_unique_key(path, &table, &schema.key)?;
    Ok(table)
}

/// The key of data row `row` (0-based) as `column=value` pairs, if every key column is text
/// and already converted.
fn row_key(schema: &Schema, converted: &[Option<ColumnData>], row: usize) -> Option<Box<str>> {
    let cells: Option<Vec<String>> = schema
        .key
        .iter()
        .map(|k| {
            let c = schema.columns.iter().position(|spec| &spec.name == k)?;
            match converted[c].as_ref()? {
                ColumnData::Str(v) => Some(format!("{k}={}", v.get(row)?)),
                ColumnData::Float(_) => None,
            }
        })
        .collect();
    cells
        .filter(|c| !c.is_empty())
        .map(|c| c.join(", ").into_boxed_str())
}

fn convert(path: &Path, series: &Series, spec: &ColumnSpec) -> Result<ColumnData, DataError> {
    let bad = |row: usize, value: String, reason: String| DataError::BadValue {
        path: path.into(),
        row: row + 1,
        key: None,
        column: spec.name.clone(),
        value,
        reason,
    };
    let missing = |row: usize| DataError::MissingValue {
        path: path.into(),
        row: row + 1,
        column: spec.name.clone(),
    };
    let polars_err = |e: polars::error::PolarsError| DataError::Parse {
        path: path.into(),
        message: format!("column `{}`: {e}", spec.name),
    };
    let text = series.cast(&DataType::String).map_err(polars_err)?;
    let text = text.str().map_err(polars_err)?;
    match spec.kind {
        Kind::Str => text
            .iter()
            .enumerate()
            .map(|(row, v)| match v {
                Some(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
                _ => Err(missing(row)),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(ColumnData::Str),
        Kind::Float => text
            .iter()
            .enumerate()
            .map(|(row, v)| {
                let s = v
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| missing(row))?;
                let x: f64 = s
                    .parse()
                    .map_err(|_| bad(row, s.to_string(), "is not a number".into()))?;
                if !x.is_finite() {
                    return Err(bad(row, s.to_string(), "is not finite".into()));
                }
                if let Some(reason) = spec.check.violation(x) {
                    return Err(bad(row, s.to_string(), reason));
                }
                Ok(x)
            })
            .collect::<Result<Vec<_>, _>>()
            .map(ColumnData::Float),
    }
}

fn check_unique_key(path: &Path, table: &Table, key: &[String]) -> Result<(), DataError> {
    if key.is_empty() {
        return Ok(());
    }
    let columns: Vec<(&String, &ColumnData)> = key
        .iter()
        .map(|k| {
            table.column(k).map(|c| (k, c)).ok_or_else(|| {
                DataError::InvalidTable(format!("key column `{k}` is not in the schema"))
            })
        })
        .collect::<Result<_, _>>()?;
    /// A key cell, borrowed (numbers by their bits: keys are compared exactly).
    #[derive(Hash, PartialEq, Eq)]
    enum Cell<'a> {
        Str(&'a str),
        Num(u64),
    }
    fn cell(c: &ColumnData, row: usize) -> Cell<'_> {
        match c {
            ColumnData::Str(v) => Cell::Str(&v[row]),
            ColumnData::Float(v) => Cell::Num(v[row].to_bits()),
        }
    }
    let shown = |c: &ColumnData, row: usize| match c {
        ColumnData::Str(v) => v[row].clone(),
        ColumnData::Float(v) => v[row].to_string(),
    };
    let mut seen: HashMap<Vec<Cell>, usize> =
        HashMap::with_capacity_and_hasher(table.n_rows(), Default::default());
    for row in 0..table.n_rows() {
        let k: Vec<Cell> = columns.iter().map(|(_, c)| cell(c, row)).collect();
        if let Some(first) = seen.get(&k) {
            let key = columns
                .iter()
                .map(|(name, c)| format!("{name}={}", shown(c, row)))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(DataError::DuplicateKey {
                path: path.into(),
                key,
                first_row: first + 1,
                row: row + 1,
            });
        }
        seen.insert(k, row);
    }
    Ok(())
}

/// A dense numeric matrix read from whitespace-separated text (row-major).
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Values, row-major.
    pub values: Vec<f64>,
}

impl Matrix {
    /// Entry (r, c).
    pub fn get(&self, r: usize, c: usize) -> f64 {
        self.values[r * self.cols + c]
    }
}

/// Read a whitespace-separated numeric matrix without header (blank lines ignored). Every
/// line must have the same number of fields; `shape`, if given, must match exactly. Errors
/// name the file, the line and the field.
pub fn read_matrix(path: &Path, shape: Option<(usize, usize)>) -> Result<Matrix, DataError> {
    let text = String::from_utf8(read_text_bytes(
        path,
        path.to_string_lossy().to_lowercase().ends_with(".gz"),
    )?)
    .map_err(|e| DataError::Parse {
        path: path.into(),
        message: format!("not UTF-8: {e}"),
    })?;
    let mut values = Vec::new();
    let (mut rows, mut cols) = (0, None);
    for (line_no, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        match cols {
            None => cols = Some(fields.len()),
            Some(c) if c != fields.len() => {
                return Err(DataError::Shape {
                    path: path.into(),
                    message: format!(
                        "line {} has {} fields, earlier lines have {c}",
                        line_no + 1,
                        fields.len()
                    ),
                })
            }
            _ => {}
        }
        for (j, f) in fields.iter().enumerate() {
            let v: f64 = f
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| DataError::BadValue {
                    path: path.into(),
                    row: line_no + 1,
                    key: None,
                    column: format!("field {}", j + 1),
                    value: f.to_string(),
                    reason: "is not a finite number".into(),
                })?;
            values.push(v);
        }
        rows += 1;
    }
    let cols = cols.ok_or_else(|| DataError::Shape {
        path: path.into(),
        message: "file has no numbers".into(),
    })?;
    if let Some((r, c)) = shape {
        if (r, c) != (rows, cols) {
            return Err(DataError::Shape {
                path: path.into(),
                message: format!("is {rows} x {cols}, expected {r} x {c}"),
            });
        }
    }
    Ok(Matrix { rows, cols, values })
}
