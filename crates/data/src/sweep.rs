//! Sweeps: one definition (a parameter grid or seeded draws, a seed, the `walras` command to run
//! at each point, the JSON values to keep) cut into shards that run anywhere (locally in
//! parallel, or as the tasks of a Slurm job array), each shard a Parquet file written at once,
//! and merged with a check that every point is there exactly once.
//!
//! A point's values and seed depend only on the definition and the point's index, so a sharded
//! run gives exactly the rows of a local one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::DataError;
use crate::table::{read_frame, Table};
use crate::write::{write_json, write_table_with};

/// Most points in one sweep.
pub const MAX_POINTS: usize = 1_000_000;
/// Most shards.
pub const MAX_SHARDS: usize = 10_000;

/// How a drawn parameter is distributed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Distribution {
    /// Uniform on `[low, high]`.
    Uniform([f64; 2]),
    /// Normal with `[mean, standard deviation]`.
    Normal([f64; 2]),
}

/// Seeded draws: `count` points, each parameter from its distribution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Draws {
    /// Points.
    pub count: usize,
    /// Distribution of each parameter.
    #[serde(flatten)]
    pub parameters: BTreeMap<String, Distribution>,
}

/// A sweep definition (a TOML file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// The `walras` arguments run at each point; `{name}` stands for a parameter's value and
    /// `{seed}` for the point's seed (the sweep's seed plus the point's index).
    pub command: Vec<String>,
    /// Seed of the draws and of the points.
    #[serde(default)]
    pub seed: u64,
    /// Shards the points are cut into (point k goes to shard k mod shards).
    #[serde(default = "one")]
    pub shards: usize,
    /// Values of each parameter; the points are all their combinations.
    #[serde(default)]
    pub grid: BTreeMap<String, Vec<f64>>,
    /// Or seeded draws.
    #[serde(default)]
    pub draws: Option<Draws>,
    /// Columns kept from each point's JSON record: column name to JSON pointer (`/swf`).
    pub outputs: BTreeMap<String, String>,
}

fn one() -> usize {
    1
}

/// One point of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Index, from 0.
    pub index: usize,
    /// The point's seed.
    pub seed: u64,
    /// Each parameter's value, in name order.
    pub values: Vec<(String, f64)>,
}

impl Point {
    /// The command with `{name}` and `{seed}` replaced.
    pub fn arguments(&self, command: &[String]) -> Vec<String> {
        command
            .iter()
            .map(|a| {
                let mut a = a.replace("{seed}", &self.seed.to_string());
                for (name, v) in &self.values {
                    a = a.replace(&format!("{{{name}}}"), &v.to_string());
                }
                a
            })
            .collect()
    }
}

fn invalid(path: &Path, message: String) -> DataError {
    DataError::Parse {
        path: path.into(),
        message,
    }
}

impl SweepSpec {
    /// Parse and check a definition read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<SweepSpec, DataError> {
        let spec: SweepSpec = toml::from_str(text).map_err(|e| invalid(path, e.to_string()))?;
        spec.check(path)?;
        Ok(spec)
    }

    /// Read and check the definition at `path`.
    pub fn read(path: &Path) -> Result<SweepSpec, DataError> {
        let text = std::fs::read_to_string(path).map_err(|e| DataError::io(path, e))?;
        SweepSpec::parse(&text, path)
    }

    fn names(&self) -> Vec<&String> {
        match &self.draws {
            Some(d) => d.parameters.keys().collect(),
            None => self.grid.keys().collect(),
        }
    }

    fn check(&self, path: &Path) -> Result<(), DataError> {
        let bad = |m: String| Err(invalid(path, m));
        if self.command.is_empty() {
            return bad(
                "command: empty; give the walras arguments, e.g. [\"tax\", \"evaluate\", ...]"
                    .into(),
            );
        }
        if self.command.iter().any(|a| a == "--out" || a == "--format") {
            return bad(
                "command: leave out --out and --format (each point prints its JSON record)".into(),
            );
        }
        if !(1..=MAX_SHARDS).contains(&self.shards) {
            return bad(format!(
                "shards: {} is not in 1..={MAX_SHARDS}",
                self.shards
            ));
        }
        if self.outputs.is_empty() {
            return bad(
                "outputs: empty; name at least one JSON value to keep, e.g. swf = \"/swf\"".into(),
            );
        }
        for (name, pointer) in &self.outputs {
            if !pointer.starts_with('/') {
                return bad(format!(
                    "outputs.{name}: {pointer:?} is not a JSON pointer (it starts with /)"
                ));
            }
        }
        match (&self.draws, self.grid.is_empty()) {
            (Some(_), false) => return bad("give a [grid] or [draws], not both".into()),
            (None, true) => return bad("no [grid] and no [draws]: nothing to sweep".into()),
            _ => {}
        }
        if let Some(d) = &self.draws {
            if !(1..=MAX_POINTS).contains(&d.count) {
                return bad(format!(
                    "draws.count: {} is not in 1..={MAX_POINTS}",
                    d.count
                ));
            }
            for (name, dist) in &d.parameters {
                let ok = match dist {
                    Distribution::Uniform([lo, hi]) => lo.is_finite() && hi.is_finite() && lo <= hi,
                    Distribution::Normal([m, s]) => m.is_finite() && s.is_finite() && *s >= 0.0,
                };
                if !ok {
                    return bad(format!("draws.{name}: {dist:?} is not a distribution (finite bounds, low <= high; a non-negative standard deviation)"));
                }
            }
        }
        let mut points = 1usize;
        for (name, values) in &self.grid {
            if values.is_empty() {
                return bad(format!("grid.{name}: no values"));
            }
            if let Some(v) = values.iter().find(|v| !v.is_finite()) {
                return bad(format!("grid.{name}: {v} is not a finite number"));
            }
            points = points.saturating_mul(values.len());
        }
        if points > MAX_POINTS {
            return bad(format!(
                "the grid has {points} points, more than {MAX_POINTS}"
            ));
        }
        let text = self.command.join(" ");
        for name in self.names() {
            if !text.contains(&format!("{{{name}}}")) {
                return bad(format!(
                    "parameter {name} does not appear in the command as {{{name}}}"
                ));
            }
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                || name == "seed"
                || name == "point"
            {
                return bad(format!(
                    "parameter name {name:?}: use letters, digits and _ (not seed or point)"
                ));
            }
            if self.outputs.contains_key(name.as_str()) {
                return bad(format!("{name} is both a parameter and an output"));
            }
        }
        Ok(())
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        match &self.draws {
            Some(d) => d.count,
            None => self.grid.values().map(Vec::len).product(),
        }
    }

    /// Whether the sweep has no points (never, once checked).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Point `index` (grid: the last parameter in name order varies fastest).
    pub fn point(&self, index: usize) -> Point {
        let values = match &self.draws {
            Some(d) => {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(
                    self.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                );
                d.parameters
                    .iter()
                    .map(|(name, dist)| {
                        let v = match dist {
                            Distribution::Uniform([lo, hi]) => lo + (hi - lo) * rng.random::<f64>(),
                            Distribution::Normal([m, s]) => {
                                let u: f64 = 1.0 - rng.random::<f64>();
                                let w: f64 = rng.random();
                                m + s * (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * w).cos()
                            }
                        };
                        (name.clone(), v)
                    })
                    .collect()
            }
            None => {
                let mut rest = index;
                let mut values: Vec<(String, f64)> = self
                    .grid
                    .iter()
                    .rev()
                    .map(|(name, vs)| {
                        let v = vs[rest % vs.len()];
                        rest /= vs.len();
                        (name.clone(), v)
                    })
                    .collect();
                values.reverse();
                values
            }
        };
        Point {
            index,
            seed: self.seed.wrapping_add(index as u64),
            values,
        }
    }

    /// The points of shard `shard`.
    pub fn shard(&self, shard: usize) -> Vec<Point> {
        (shard..self.len())
            .step_by(self.shards)
            .map(|k| self.point(k))
            .collect()
    }

    /// A digest of the definition (SHA-256 of its canonical JSON), stored in every shard.
    pub fn hash(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        let digest = Sha256::digest(json.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Write `text` to `path` at once (a temporary file renamed into place).
pub fn write_text(path: &Path, text: &str) -> Result<(), DataError> {
    crate::write::write_atomic(path, |w| {
        use std::io::Write;
        w.write_all(text.as_bytes())
            .map_err(|e| DataError::io(path, e))
    })
}

/// The file of shard `k` in a sweep folder.
pub fn shard_path(dir: &Path, k: usize) -> PathBuf {
    dir.join("shards").join(format!("shard-{k:05}.parquet"))
}

/// One point's result: its output values, in the definition's output order.
pub type Row = Vec<f64>;

/// Write shard `k`: one row per point (index, seed, parameters, outputs, the definition's hash),
/// in one atomic write.
pub fn write_shard(
    dir: &Path,
    spec: &SweepSpec,
    k: usize,
    rows: &[(Point, Row)],
) -> Result<PathBuf, DataError> {
    let mut table = Table::new()
        .with_f64("point", rows.iter().map(|(p, _)| p.index as f64).collect())?
        .with_f64("seed", rows.iter().map(|(p, _)| p.seed as f64).collect())?;
    if let Some((first, _)) = rows.first() {
        for (j, (name, _)) in first.values.iter().enumerate() {
            table = table.with_f64(name, rows.iter().map(|(p, _)| p.values[j].1).collect())?;
        }
    }
    for (j, name) in spec.outputs.keys().enumerate() {
        table = table.with_f64(name, rows.iter().map(|(_, r)| r[j]).collect())?;
    }
    table = table.with_str("sweep_hash", vec![spec.hash(); rows.len()])?;
    let path = shard_path(dir, k);
    write_table_with(&path, &table, None)?;
    Ok(path)
}

/// What a merge found.
#[derive(Clone, Debug, Serialize)]
pub struct MergeReport {
    /// Points in the definition.
    pub points: usize,
    /// Shards in the definition.
    pub shards: usize,
    /// Shards without a file.
    pub missing_shards: Vec<usize>,
    /// Points found more than once (in any shards).
    pub duplicate_points: Vec<usize>,
    /// Shard files from another definition (their hash differs).
    pub foreign_shards: Vec<String>,
    /// The merged table, when complete.
    pub merged: Option<PathBuf>,
}

/// Shards of `spec` with no file in `dir`.
pub fn missing_shards(dir: &Path, spec: &SweepSpec) -> Vec<usize> {
    (0..spec.shards)
        .filter(|&k| !shard_path(dir, k).is_file())
        .collect()
}

/// Combine the shards in `dir` (read with polars) into `results.parquet` and `results.csv`,
/// sorted by point, if every point is there exactly once and every shard comes from `spec`;
/// the report names what is missing, duplicated or foreign either way (`merge.json`).
pub fn merge(dir: &Path, spec: &SweepSpec) -> Result<MergeReport, DataError> {
    use polars::prelude::*;
    let hash = spec.hash();
    let mut frames = Vec::new();
    let mut foreign = Vec::new();
    let shards_dir = dir.join("shards");
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&shards_dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    for path in &files {
        let df = read_frame(path)?;
        let same = df
            .column("sweep_hash")
            .ok()
            .and_then(|c| {
                c.str()
                    .ok()
                    .map(|s| s.into_iter().all(|h| h == Some(hash.as_str())))
            })
            .unwrap_or(false);
        if !same {
            foreign.push(path.display().to_string());
            continue;
        }
        frames.push(df);
    }
    let mut report = MergeReport {
        points: spec.len(),
        shards: spec.shards,
        missing_shards: missing_shards(dir, spec),
        duplicate_points: Vec::new(),
        foreign_shards: foreign,
        merged: None,
    };
    let polars_err = |e: PolarsError| DataError::Parse {
        path: shards_dir.clone(),
        message: format!("merging: {e}"),
    };
    if !frames.is_empty() {
        let mut all = frames[0].clone();
        for f in &frames[1..] {
            all.vstack_mut(f).map_err(polars_err)?;
        }
        let mut seen = vec![0u32; spec.len()];
        let points = all
            .column("point")
            .map_err(polars_err)?
            .f64()
            .map_err(polars_err)?;
        for p in points.into_iter().flatten() {
            let k = p as usize;
            if k < seen.len() {
                seen[k] += 1;
            }
        }
        report.duplicate_points = (0..seen.len()).filter(|&k| seen[k] > 1).collect();
        let complete = seen.iter().all(|&c| c == 1);
        if complete && report.missing_shards.is_empty() && report.foreign_shards.is_empty() {
            let mut sorted = all
                .sort(["point"], SortMultipleOptions::default())
                .map_err(polars_err)?;
            let _ = sorted.drop_in_place("sweep_hash");
            let table = Table::from_polars(&sorted)?;
            for name in ["results.parquet", "results.csv"] {
                write_table_with(&dir.join(name), &table, None)?;
            }
            report.merged = Some(dir.join("results.parquet"));
        }
    }
    if report.merged.is_none() {
        // No stale merge beside a report that says the sweep is incomplete.
        for name in ["results.parquet", "results.csv"] {
            let path = dir.join(name);
            if path.is_file() {
                std::fs::remove_file(&path).map_err(|e| DataError::io(&path, e))?;
            }
        }
    }
    write_json(&dir.join("merge.json"), &report)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> SweepSpec {
        SweepSpec::parse(text, Path::new("s.toml")).unwrap()
    }

    #[test]
    fn grids_enumerate_every_combination_and_shards_partition_them() {
        let s = spec("command = [\"x\", \"{a}\", \"{b}\", \"{seed}\"]\nseed = 5\nshards = 3\n[grid]\na = [1, 2]\nb = [10, 20, 30]\n[outputs]\ny = \"/y\"\n");
        assert_eq!(s.len(), 6);
        let values: Vec<Vec<f64>> = (0..6)
            .map(|k| s.point(k).values.iter().map(|v| v.1).collect())
            .collect();
        assert_eq!(
            values,
            [
                [1.0, 10.0],
                [1.0, 20.0],
                [1.0, 30.0],
                [2.0, 10.0],
                [2.0, 20.0],
                [2.0, 30.0]
            ]
        );
        assert_eq!(s.point(4).arguments(&s.command), ["x", "2", "20", "9"]);
        let mut seen: Vec<usize> = (0..3).flat_map(|k| s.shard(k)).map(|p| p.index).collect();
        seen.sort();
        assert_eq!(seen, (0..6).collect::<Vec<_>>());
    }

    #[test]
    fn draws_are_reproducible_in_range_and_change_with_the_seed() {
        let text = "command = [\"x\", \"{a}\"]\nseed = 1\n[draws]\ncount = 500\na = { uniform = [2, 3] }\n[outputs]\ny = \"/y\"\n";
        let (s, t) = (spec(text), spec(text));
        let draws: Vec<f64> = (0..500).map(|k| s.point(k).values[0].1).collect();
        assert!(draws.iter().all(|v| (2.0..=3.0).contains(v)));
        let mean = draws.iter().sum::<f64>() / 500.0;
        assert!((mean - 2.5).abs() < 0.05, "{mean}");
        assert_eq!(
            draws,
            (0..500).map(|k| t.point(k).values[0].1).collect::<Vec<_>>()
        );
        let other = spec(&text.replace("seed = 1", "seed = 2"));
        assert_ne!(other.point(0).values, s.point(0).values);
        assert_ne!(other.hash(), s.hash());
        assert_eq!(s.hash(), t.hash());
    }
}
