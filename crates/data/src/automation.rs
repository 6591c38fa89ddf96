//! Spillover networks from files (the `kind = "file"` network of `walras-automation`).
//!
//! Two layouts, as CSV, gzip CSV or Parquet, told apart by their columns:
//!
//! - **matrix**: N data rows and N numeric columns, `omega[(i, j)]` in row i, column j (row =
//!   receiver, column = sender); a header row is required, and an optional column `task`
//!   holds row labels. If those labels are the numeric column names in another order, the
//!   file is rejected (rows and columns must list tasks in the same order).
//! - **edge list**: columns `receiver, sender, weight` (0-based task indices; each pair at
//!   most once; missing pairs are 0).
//!
//! Entries must be finite and >= 0; the diagonal is fixed at 1, so a diagonal entry (or a
//! self-loop edge) may only be 0 or 1. Errors name the file, the 1-based data row, the column
//! and the value.
//!
//! ```
//! use walras_automation::network::{Network, NetworkSpec};
//! use walras_data::automation::{load_network_file, write_network_csv};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("omega.csv");
//! let net = Network::build(&NetworkSpec::Chain { weight: 0.5 }, 4, 0).unwrap();
//! write_network_csv(&path, &net).unwrap();
//! assert_eq!(load_network_file(&path, 4).unwrap(), net);
//! ```

use std::io::Write;
use std::path::Path;

use walras_automation::network::Network;

use crate::{load_table, read_frame, write_atomic, write_table_with, Check, DataError, Schema};
use crate::{Table, TableFormat};

/// Columns of the edge-list layout.
pub const EDGE_COLUMNS: [&str; 3] = ["receiver", "sender", "weight"];

/// The optional row-label column of the matrix layout.
pub const LABEL_COLUMN: &str = "task";

/// Load an N x N spillover matrix (N = `tasks`) from a matrix or edge-list file (see the
/// module documentation).
pub fn load_network_file(path: &Path, tasks: usize) -> Result<Network, DataError> {
    if tasks == 0 {
        return Err(shape(
            path,
            "a network needs at least 1 task (tasks = 0)".into(),
        ));
    }
    let frame = read_frame(path)?;
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.trim().to_string())
        .collect();
    let rows = frame.height();
    drop(frame);
    let omega = if names.iter().any(|c| EDGE_COLUMNS.contains(&c.as_str())) {
        if let Some(other) = names.iter().find(|c| !EDGE_COLUMNS.contains(&c.as_str())) {
            return Err(shape(
                path,
                format!(
                    "unknown column `{other}` in an edge list (expected exactly: {})",
                    EDGE_COLUMNS.join(", ")
                ),
            ));
        }
        edge_list(path, tasks)?
    } else {
        matrix(path, tasks, &names, rows)?
    };
    Network::from_row_major(tasks, &omega).map_err(|e| shape(path, e.to_string()))
}

fn shape(path: &Path, message: String) -> DataError {
    DataError::Shape {
        path: path.into(),
        message,
    }
}

fn bad(path: &Path, row: usize, column: &str, value: f64, reason: String) -> DataError {
    DataError::BadValue {
        path: path.into(),
        row: row + 1,
        key: None,
        column: column.into(),
        value: value.to_string(),
        reason,
    }
}

const DIAGONAL: &str = "is on the diagonal, which is fixed at 1 (give 0 or 1)";

/// The dense layout: row-major values.
fn matrix(path: &Path, n: usize, names: &[String], rows: usize) -> Result<Vec<f64>, DataError> {
    let labelled = names.iter().any(|c| c == LABEL_COLUMN);
    let columns: Vec<&String> = names.iter().filter(|c| *c != LABEL_COLUMN).collect();
    if (rows, columns.len()) != (n, n) {
        return Err(shape(
            path,
            format!(
                "network matrix is {rows} x {} (data rows x numeric columns{}), expected {n} x {n} \
                 (tasks = {n}; a header row is required; an edge list needs columns {})",
                columns.len(),
                if labelled { ", besides `task`" } else { "" },
                EDGE_COLUMNS.join(", ")
            ),
        ));
    }
    let mut schema = Schema::new();
    if labelled {
        schema = schema.str(LABEL_COLUMN);
    }
    for c in &columns {
        schema = schema.float(c, Check::NonNegative);
    }
    let table = load_table(path, &schema)?;
    if let Some(labels) = table.str(LABEL_COLUMN) {
        let mut sorted_labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        let mut sorted_columns: Vec<&str> = columns.iter().map(|c| c.as_str()).collect();
        sorted_labels.sort_unstable();
        sorted_columns.sort_unstable();
        if sorted_labels == sorted_columns {
            if let Some((row, (label, column))) = labels
                .iter()
                .zip(&columns)
                .enumerate()
                .find(|(_, (l, c))| l.as_str() != c.as_str())
            {
                return Err(DataError::BadValue {
                    path: path.into(),
                    row: row + 1,
                    key: None,
                    column: LABEL_COLUMN.into(),
                    value: label.clone(),
                    reason: format!(
                        "does not match numeric column {} (`{column}`): rows and columns must \
                         list the tasks in the same order",
                        row + 1
                    ),
                });
            }
        }
    }
    let mut values = vec![0.0; n * n];
    for (j, c) in columns.iter().enumerate() {
        let col = table.f64(c).expect("schema-checked column");
        for (i, &v) in col.iter().enumerate() {
            if i == j && v != 0.0 && v != 1.0 {
                return Err(bad(path, i, c, v, DIAGONAL.into()));
            }
            values[i * n + j] = v;
        }
    }
    Ok(values)
}

/// The edge-list layout: row-major values.
fn edge_list(path: &Path, n: usize) -> Result<Vec<f64>, DataError> {
    let [receiver, sender, weight] = EDGE_COLUMNS;
    let schema = Schema::new()
        .float(receiver, Check::NonNegative)
        .float(sender, Check::NonNegative)
        .float(weight, Check::NonNegative)
        .key(&[receiver, sender])
        .min_rows(0);
    let table = load_table(path, &schema)?;
    let col = |c| table.f64(c).expect("schema-checked column");
    let (r, s, w) = (col(receiver), col(sender), col(weight));
    let index = |row: usize, column: &str, v: f64| {
        if v.fract() == 0.0 && v < n as f64 {
            Ok(v as usize)
        } else {
            Err(bad(
                path,
                row,
                column,
                v,
                format!(
                    "is not a task index: must be an integer in 0..={} (tasks = {n})",
                    n - 1
                ),
            ))
        }
    };
    let mut values = vec![0.0; n * n];
    for (row, ((&ri, &si), &wi)) in r.iter().zip(s).zip(w).enumerate() {
        let (i, j) = (index(row, receiver, ri)?, index(row, sender, si)?);
        if i == j && wi != 0.0 && wi != 1.0 {
            return Err(bad(
                path,
                row,
                weight,
                wi,
                format!(
                    "is a self-loop of task {i}; its diagonal entry is fixed at 1 \
                     (give 0 or 1, or drop the row)"
                ),
            ));
        }
        values[i * n + j] = wi;
    }
    Ok(values)
}

/// Write `network` as an edge list (`receiver, sender, weight`, off-diagonal entries > 0,
/// ordered by receiver then sender) atomically: CSV, gzip CSV or Parquet by the extension of
/// `path`. [`load_network_file`] reads it back exactly.
pub fn write_network_csv(path: &Path, network: &Network) -> Result<(), DataError> {
    let edges = network.edges();
    let format = TableFormat::from_path(path)?;
    if format == TableFormat::Parquet {
        let column = |f: fn(&(usize, usize, f64)) -> f64| edges.iter().map(f).collect();
        let table = Table::new()
            .with_f64("receiver", column(|e| e.0 as f64))?
            .with_f64("sender", column(|e| e.1 as f64))?
            .with_f64("weight", column(|e| e.2))?;
        return write_table_with(path, &table, None).map(|_| ());
    }
    let write_rows = |w: &mut dyn Write| -> std::io::Result<()> {
        writeln!(w, "{}", EDGE_COLUMNS.join(","))?;
        for (i, j, v) in &edges {
            // `{:?}` is the shortest text that parses back to the same f64.
            writeln!(w, "{i},{j},{v:?}")?;
        }
        Ok(())
    };
    write_atomic(path, |w| {
        if format == TableFormat::CsvGz {
            let mut gz = flate2::write::GzEncoder::new(w, flate2::Compression::default());
            write_rows(&mut gz).map_err(|e| DataError::io(path, e))?;
            gz.finish().map(|_| ()).map_err(|e| DataError::io(path, e))
        } else {
            write_rows(w).map_err(|e| DataError::io(path, e))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write_table;
    use walras_automation::network::{NetworkSpec, StarDirection};

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn err(path: &Path, tasks: usize) -> String {
        load_network_file(path, tasks).unwrap_err().to_string()
    }

    fn sample() -> Network {
        Network::build(
            &NetworkSpec::ErdosRenyi {
                probability: 0.5,
                weight: 0.1,
                directed: true,
            },
            6,
            3,
        )
        .unwrap()
    }

    #[test]
    fn edge_list_round_trip_in_every_format() {
        let dir = tempfile::tempdir().unwrap();
        let nets = [
            sample(),
            Network::build(&NetworkSpec::Identity, 3, 0).unwrap(),
            Network::build(
                &NetworkSpec::Star {
                    center: 1,
                    weight: 1.0 / 3.0,
                    direction: StarDirection::Both,
                },
                4,
                0,
            )
            .unwrap(),
        ];
        for (k, net) in nets.iter().enumerate() {
            for ext in ["csv", "csv.gz", "parquet"] {
                let path = dir.path().join(format!("net{k}.{ext}"));
                write_network_csv(&path, net).unwrap();
                assert_eq!(&load_network_file(&path, net.len()).unwrap(), net, "{ext}");
            }
        }
        let text = std::fs::read_to_string(dir.path().join("net2.csv")).unwrap();
        assert!(text.starts_with("receiver,sender,weight\n0,1,0.3333333333333333\n"));
        let identity = std::fs::read_to_string(dir.path().join("net1.csv")).unwrap();
        assert_eq!(identity, "receiver,sender,weight\n");
    }

    #[test]
    fn matrix_round_trip_with_and_without_labels() {
        let dir = tempfile::tempdir().unwrap();
        let net = sample();
        let n = net.len();
        let row = |i: usize| {
            (0..n)
                .map(|j| format!("{:?}", net.omega()[(i, j)]))
                .collect::<Vec<_>>()
                .join(",")
        };
        let header = (0..n)
            .map(|j| format!("t{j}"))
            .collect::<Vec<_>>()
            .join(",");
        let plain: String = std::iter::once(header.clone())
            .chain((0..n).map(row))
            .map(|l| l + "\n")
            .collect();
        let path = write(&dir, "plain.csv", &plain);
        assert_eq!(load_network_file(&path, n).unwrap(), net);
        let labelled: String = std::iter::once(format!("task,{header}"))
            .chain((0..n).map(|i| format!("t{i},{}", row(i))))
            .map(|l| l + "\n")
            .collect();
        let path = write(&dir, "labelled.csv", &labelled);
        assert_eq!(load_network_file(&path, n).unwrap(), net);
        // Zero diagonal is read as 1; Parquet matrices work too.
        let mut table = Table::new();
        for j in 0..n {
            let col = (0..n)
                .map(|i| if i == j { 0.0 } else { net.omega()[(i, j)] })
                .collect();
            table = table.with_f64(&format!("t{j}"), col).unwrap();
        }
        let path = dir.path().join("matrix.parquet");
        write_table(&path, &table).unwrap();
        assert_eq!(load_network_file(&path, n).unwrap(), net);
    }

    #[test]
    fn matrix_errors_name_file_row_column_and_value() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "shape.csv", "a,b,c\n1,0,0\n0,1,0\n");
        let e = err(&p, 3);
        assert!(e.contains("shape.csv: network matrix is 2 x 3"), "{e}");
        assert!(e.contains("expected 3 x 3"), "{e}");
        let p = write(&dir, "labels.csv", "task,a,b\na,1,0\nb,0,1\n");
        let e = err(&p, 3);
        assert!(
            e.contains("is 2 x 2 (data rows x numeric columns, besides `task`), expected 3 x 3"),
            "{e}"
        );
        let p = write(&dir, "negative.csv", "a,b\n1,0.5\n-0.25,1\n");
        assert_eq!(
            err(&p, 2),
            format!(
                "{}: row 2, column `a`: value `-0.25` is negative; must be >= 0",
                p.display()
            )
        );
        let p = write(&dir, "nan.csv", "a,b\n1,NaN\n0,1\n");
        assert_eq!(
            err(&p, 2),
            format!(
                "{}: row 1, column `b`: value `NaN` is not finite",
                p.display()
            )
        );
        let p = write(&dir, "text.csv", "a,b\n1,x\n0,1\n");
        assert!(err(&p, 2).contains("row 1, column `b`: value `x` is not a number"));
        let p = write(&dir, "diag.csv", "a,b\n1,0\n0,0.5\n");
        assert_eq!(
            err(&p, 2),
            format!(
                "{}: row 2, column `b`: value `0.5` is on the diagonal, which is fixed at 1 (give 0 or 1)",
                p.display()
            )
        );
        let p = write(&dir, "order.csv", "task,a,b\nb,1,0\na,0,1\n");
        let e = err(&p, 2);
        assert!(
            e.contains("row 1, column `task`: value `b` does not match numeric column 1 (`a`)"),
            "{e}"
        );
        let p = write(&dir, "empty.csv", "");
        assert!(err(&p, 2).contains("empty"));
        let p = write(&dir, "net.txt", "a\n1\n");
        assert!(err(&p, 1).contains("unsupported file type"));
    }

    #[test]
    fn edge_list_errors_name_file_row_column_and_value() {
        let dir = tempfile::tempdir().unwrap();
        let e = |text: &str, tasks: usize| {
            let p = write(&dir, "edges.csv", text);
            err(&p, tasks).replace(&format!("{}: ", p.display()), "")
        };
        assert_eq!(
            e("receiver,sender,weight\n1,0,0.5\n3,0,0.5\n", 3),
            "row 2, column `receiver`: value `3` is not a task index: must be an integer in 0..=2 (tasks = 3)"
        );
        assert_eq!(
            e("receiver,sender,weight\n1,0.5,0.5\n", 3),
            "row 1, column `sender`: value `0.5` is not a task index: must be an integer in 0..=2 (tasks = 3)"
        );
        assert_eq!(
            e("receiver,sender,weight\n1,-1,0.5\n", 3),
            "row 1, column `sender`: value `-1` is negative; must be >= 0"
        );
        assert_eq!(
            e("receiver,sender,weight\n1,0,-0.5\n", 3),
            "row 1, column `weight`: value `-0.5` is negative; must be >= 0"
        );
        assert_eq!(
            e("receiver,sender,weight\n1,0,nan\n", 3),
            "row 1, column `weight`: value `nan` is not finite"
        );
        assert_eq!(
            e("receiver,sender,weight\n1,0,0.5\n2,0,0.1\n1,0,0.25\n", 3),
            "duplicate key (receiver=1, sender=0) in rows 1 and 3"
        );
        assert_eq!(
            e("receiver,sender,weight\n1,1,0.5\n", 3),
            "row 1, column `weight`: value `0.5` is a self-loop of task 1; its diagonal entry is fixed at 1 (give 0 or 1, or drop the row)"
        );
        assert_eq!(
            e("receiver,sender,weight,note\n1,0,0.5,x\n", 3),
            "unknown column `note` in an edge list (expected exactly: receiver, sender, weight)"
        );
        let missing = e("receiver,weight\n1,0.5\n", 3);
        assert!(missing.starts_with("missing column `sender`"), "{missing}");
        // Missing pairs are 0 and a self-loop of weight 1 is accepted.
        let p = write(&dir, "ok.csv", "receiver,sender,weight\n2,0,0.5\n1,1,1\n");
        let net = load_network_file(&p, 3).unwrap();
        assert_eq!(net.edges(), vec![(2, 0, 0.5)]);
        assert!(err(&p, 0).contains("at least 1 task"));
    }
}
