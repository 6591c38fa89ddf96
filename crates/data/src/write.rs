//! Atomic writers: every output is written to a temporary file in the target directory and
//! renamed into place, so a crash or error never leaves a half-written file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::{CsvWriter, ParquetWriter, SerWriter};
use serde::Serialize;

use crate::error::DataError;
use crate::latex::{write_latex_sibling, LatexOptions};
use crate::table::{Table, TableFormat};

/// Write `path` atomically: `write` fills a temporary file beside it, which is synced and
/// renamed onto `path` only if `write` succeeds. Parent directories are created.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&mut File>) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".walras-tmp-")
        .tempfile_in(dir)
        .map_err(|e| DataError::io(dir, e))?;
    {
        let mut buf = BufWriter::new(tmp.as_file_mut());
        write(&mut buf)?;
        buf.flush().map_err(|e| DataError::io(path, e))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| DataError::io(path, e))?;
    tmp.persist(path)
        .map_err(|e| DataError::io(path, e.error))?;
    Ok(())
}

/// Write a table as CSV or Parquet, chosen by the extension of `path`, and beside it
/// `STEM.tex`, a booktabs LaTeX table captioned from the file stem, if the table
/// [fits a page](crate::latex_fits).
pub fn write_table(path: &Path, table: &Table) -> Result<(), DataError> {
    write_table_with(path, table, Some(&LatexOptions::default())).map(|_| ())
}

/// [`write_table`] with the caption, label and units of the LaTeX table, or no LaTeX table
/// (`None`). Returns the files written: the table, then its `.tex` if any.
pub fn write_table_with(
    path: &Path,
    table: &Table,
    latex: Option<&LatexOptions>,
) -> Result<Vec<PathBuf>, DataError> {
    write_data(path, table)?;
    let mut written = vec![path.to_path_buf()];
    if let Some(options) = latex {
        written.extend(write_latex_sibling(path, table, options)?);
    }
    Ok(written)
}

/// Write the table itself (CSV, gzip CSV or Parquet).
fn write_data(path: &Path, table: &Table) -> Result<(), DataError> {
    let format = TableFormat::from_path(path)?;
    let mut df = table.to_polars()?;
    let failed = |e: polars::error::PolarsError| DataError::Parse {
        path: path.into(),
        message: format!("writing: {e}"),
    };
    write_atomic(path, |w| match format {
        TableFormat::Csv => CsvWriter::new(w)
            .include_header(true)
            .finish(&mut df)
            .map_err(failed),
        TableFormat::CsvGz => {
            let mut gz = flate2::write::GzEncoder::new(w, flate2::Compression::default());
            CsvWriter::new(&mut gz)
                .include_header(true)
                .finish(&mut df)
                .map_err(failed)?;
            gz.finish().map(|_| ()).map_err(|e| DataError::io(path, e))
        }
        TableFormat::Parquet => ParquetWriter::new(w)
            .finish(&mut df)
            .map(|_| ())
            .map_err(failed),
    })
}

/// Write any serialisable value as pretty-printed JSON.
pub fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<(), DataError> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value).map_err(|e| DataError::Parse {
            path: path.into(),
            message: format!("JSON: {e}"),
        })?;
        w.write_all(b"\n").map_err(|e| DataError::io(path, e))
    })
}
