//! The tidy economy in memory and the tidy-layout writer (`data/trade/LAYOUT.md`).
//!
//! Also the diagnostics common to both raw layouts (implied final demand, trade balances).

use std::path::{Path, PathBuf};

use super::Log;
use crate::error::DataError;
use crate::table::Table;
use crate::trade::TABLES;
use crate::write::write_table_with;

/// A tidy economy, dense: `flows` and tariffs are indexed `[(exporter * N + importer) * S +
/// sector]`, `value_added` and `final_shares` `[country * S + sector]`, `io`
/// `[(country * S + input) * S + output]` (share of the input in the output's TOTAL cost).
pub(super) struct Tidy {
    pub(super) countries: Vec<String>,
    pub(super) sectors: Vec<String>,
    pub(super) flows: Vec<f64>,
    pub(super) tariffs: Vec<f64>,
    pub(super) theta: Vec<f64>,
    pub(super) psi: Vec<f64>,
    pub(super) tariffable: Vec<bool>,
    pub(super) value_added: Vec<f64>,
    pub(super) io: Vec<f64>,
    pub(super) final_shares: Option<Vec<f64>>,
    /// (file name under `counterfactuals/`, complete tariff grid).
    pub(super) counterfactuals: Vec<(&'static str, Vec<f64>)>,
}

impl Tidy {
    fn n(&self) -> usize {
        self.countries.len()
    }
    fn s(&self) -> usize {
        self.sectors.len()
    }
}

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

pub(super) fn check_target(to: &Path, tidy: &Tidy) -> Result<(), DataError> {
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

pub(super) fn write_tidy(tidy: &Tidy, to: &Path) -> Result<Vec<PathBuf>, DataError> {
    std::fs::create_dir_all(to).map_err(|e| DataError::io(to, e))?;
    let mut files = Vec::new();
    let mut put = |name: &str, table: Table| -> Result<(), DataError> {
        let path = to.join(name);
        write_table_with(&path, &table, None)?;
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
pub(super) fn diagnostics(t: &Tidy, log: &mut Log) {
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
