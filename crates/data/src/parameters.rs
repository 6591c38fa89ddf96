//! Parameter uncertainty files: a covariance matrix (`parameter,<name>,<name>,...`, one row per
//! parameter, as `walras trade estimate-elasticities` writes it) and a set of draws (one column
//! per parameter, one row per draw).

use std::path::Path;

use crate::error::DataError;
use crate::table::{load_table, read_frame, Check, Schema};

/// A covariance matrix over named parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct ParameterCovariance {
    /// The parameters, in the order of rows and columns.
    pub names: Vec<String>,
    /// Row-major, names.len() squared.
    pub values: Vec<f64>,
}

/// Draws of named parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct ParameterDraws {
    /// The parameters (the file's columns).
    pub names: Vec<String>,
    /// One row per draw, one value per name.
    pub rows: Vec<Vec<f64>>,
}

fn shape(path: &Path, message: String) -> DataError {
    DataError::Shape {
        path: path.into(),
        message,
    }
}

fn header(path: &Path) -> Result<Vec<String>, DataError> {
    Ok(read_frame(path)?
        .get_column_names()
        .iter()
        .map(|n| n.trim().to_string())
        .collect())
}

/// Read a covariance file: a `parameter` column naming each row, and one column per
/// parameter in the same order; symmetric (to 1e-10 relative) with a non-negative diagonal.
/// Positive semi-definiteness is checked where it is used (it needs an eigen-decomposition).
pub fn read_covariance(path: &Path) -> Result<ParameterCovariance, DataError> {
    let columns = header(path)?;
    if columns.first().map(String::as_str) != Some("parameter") {
        return Err(shape(
            path,
            format!(
                "the first column must be `parameter` (found: {})",
                columns.join(", ")
            ),
        ));
    }
    let names: Vec<String> = columns[1..].to_vec();
    let mut schema = Schema::new()
        .str("parameter")
        .key(&["parameter"])
        .min_rows(1);
    for name in &names {
        schema = schema.float(name, Check::Any);
    }
    let table = load_table(path, &schema)?;
    let rows = table.str("parameter").unwrap_or_default();
    if rows != names.as_slice() {
        return Err(shape(
            path,
            format!(
                "rows name the parameters {} but the columns {}: they must list the same \
                 parameters in the same order",
                rows.join(", "),
                names.join(", ")
            ),
        ));
    }
    let n = names.len();
    let mut values = vec![0.0; n * n];
    for (c, name) in names.iter().enumerate() {
        let column = table.f64(name).unwrap_or_default();
        for r in 0..n {
            values[r * n + c] = column[r];
        }
    }
    for r in 0..n {
        if values[r * n + r] < 0.0 {
            return Err(shape(
                path,
                format!(
                    "row {} (`{}`): negative variance {}",
                    r + 1,
                    names[r],
                    values[r * n + r]
                ),
            ));
        }
        for c in 0..r {
            let (a, b) = (values[r * n + c], values[c * n + r]);
            let scale = values[r * n + r]
                .max(values[c * n + c])
                .max(f64::MIN_POSITIVE);
            if (a - b).abs() > 1e-10 * scale {
                return Err(shape(
                    path,
                    format!(
                        "not symmetric: row {} (`{}`), column `{}` is {a} but row {} (`{}`), \
                         column `{}` is {b}",
                        r + 1,
                        names[r],
                        names[c],
                        c + 1,
                        names[c],
                        names[r]
                    ),
                ));
            }
        }
    }
    Ok(ParameterCovariance { names, values })
}

/// Read a draws file: one column per parameter, one row per draw, every value finite.
pub fn read_draws(path: &Path) -> Result<ParameterDraws, DataError> {
    let names = header(path)?;
    let mut schema = Schema::new().min_rows(1);
    for name in &names {
        schema = schema.float(name, Check::Any);
    }
    let table = load_table(path, &schema)?;
    let columns: Vec<&[f64]> = names
        .iter()
        .map(|n| table.f64(n).unwrap_or_default())
        .collect();
    let rows = (0..table.n_rows())
        .map(|r| columns.iter().map(|c| c[r]).collect())
        .collect();
    Ok(ParameterDraws { names, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn a_covariance_is_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let ok = write(
            dir.path(),
            "c.csv",
            "parameter,theta:a,theta:b\ntheta:a,0.04,0.01\ntheta:b,0.01,0.09\n",
        );
        let c = read_covariance(&ok).unwrap();
        assert_eq!(c.names, vec!["theta:a", "theta:b"]);
        assert_eq!(c.values, vec![0.04, 0.01, 0.01, 0.09]);
        let asym = write(
            dir.path(),
            "a.csv",
            "parameter,theta:a,theta:b\ntheta:a,0.04,0.02\ntheta:b,0.01,0.09\n",
        );
        let e = read_covariance(&asym).unwrap_err().to_string();
        assert!(e.contains("not symmetric") && e.contains("a.csv"), "{e}");
        let order = write(
            dir.path(),
            "o.csv",
            "parameter,theta:a,theta:b\ntheta:b,0.04,0.01\ntheta:a,0.01,0.09\n",
        );
        let e = read_covariance(&order).unwrap_err().to_string();
        assert!(e.contains("same order"), "{e}");
        let negative = write(dir.path(), "n.csv", "parameter,theta:a\ntheta:a,-1\n");
        assert!(read_covariance(&negative)
            .unwrap_err()
            .to_string()
            .contains("negative variance"));
    }

    #[test]
    fn draws_are_rows_of_named_parameters() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "d.csv", "theta:a,theta:b\n4,5\n4.5,5.5\n");
        let d = read_draws(&p).unwrap();
        assert_eq!(d.names, vec!["theta:a", "theta:b"]);
        assert_eq!(d.rows, vec![vec![4.0, 5.0], vec![4.5, 5.5]]);
        let bad = write(dir.path(), "b.csv", "theta:a\nx\n");
        let e = read_draws(&bad).unwrap_err().to_string();
        assert!(e.contains("b.csv") && e.contains("theta:a"), "{e}");
    }
}
