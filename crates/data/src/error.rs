//! Errors of the data layer: every one names the file, and where it applies the row, column and
//! offending value.

use std::path::PathBuf;

/// A data loading or writing failure.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened, read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// The file extension names no supported format.
    #[error("{}: unsupported file type (expected .csv, .csv.gz or .parquet)", .path.display())]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
    },
    /// The file is not valid CSV / Parquet (ragged rows, bad encoding, ...).
    #[error("{}: cannot parse: {message}", .path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// A required column is absent.
    #[error("{}: missing column `{column}` (found: {})", .path.display(), .found.join(", "))]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The missing column.
        column: String,
        /// The columns that are there.
        found: Vec<String>,
    },
    /// A cell is empty.
    #[error("{}: row {row}, column `{column}`: missing value", .path.display())]
    MissingValue {
        /// The file.
        path: PathBuf,
        /// Data row, 1-based (the header is not counted).
        row: usize,
        /// The column.
        column: String,
    },
    /// A cell holds a value of the wrong type or outside its allowed range.
    #[error(
        "{}: row {row}{}, column `{column}`: value `{value}` {reason}",
        .path.display(),
        .key.as_ref().map(|k| format!(" ({k})")).unwrap_or_default()
    )]
    BadValue {
        /// The file.
        path: PathBuf,
        /// Data row, 1-based (the header is not counted).
        row: usize,
        /// The row's key (`column=value` pairs of the table's key columns), where known.
        key: Option<Box<str>>,
        /// The column.
        column: String,
        /// The offending value as text.
        value: String,
        /// What it should have been.
        reason: String,
    },
    /// Two rows share a key that must be unique.
    #[error("{}: duplicate key ({key}) in rows {first_row} and {row}", .path.display())]
    DuplicateKey {
        /// The file.
        path: PathBuf,
        /// The key, as `column=value` pairs.
        key: String,
        /// The first row with that key.
        first_row: usize,
        /// The repeating row.
        row: usize,
    },
    /// The table or matrix has the wrong shape (no rows, ragged lines, wrong dimensions).
    #[error("{}: {message}", .path.display())]
    Shape {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A table built in memory is inconsistent (columns of different lengths, duplicate names).
    #[error("invalid table: {0}")]
    InvalidTable(String),
}

impl DataError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        DataError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
