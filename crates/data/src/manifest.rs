//! The run manifest written beside every output: what produced it, from which inputs, with
//! which parameters, and what the solvers reported.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::DataError;
use crate::latex::write_latex_index;
use crate::write::write_json;

/// SHA-256 of a file, as lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String, DataError> {
    let mut file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(|e| DataError::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// An input file and its fingerprint.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputFile {
    /// Path as given.
    pub path: PathBuf,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// A named solver report (any serialisable report of the engine).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NamedReport {
    /// What was solved.
    pub name: String,
    /// The report.
    pub report: serde_json::Value,
}

/// Provenance of one run, written as `manifest.json` beside its outputs.
///
/// ```
/// use walras_data::RunManifest;
/// let dir = tempfile::tempdir().unwrap();
/// let mut m = RunManifest::start("0.1.0", vec!["walras".into(), "examples".into()]);
/// m.set_parameters(&serde_json::json!({"theta": 4.0})).unwrap();
/// let path = m.finish_and_write(dir.path()).unwrap();
/// assert!(std::fs::read_to_string(path).unwrap().contains("\"theta\": 4.0"));
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct RunManifest {
    /// Version of walras that ran.
    pub walras_version: String,
    /// The command line, program name first.
    pub command_line: Vec<String>,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// End time, RFC 3339 UTC.
    pub finished_at: Option<String>,
    /// Wall time in seconds.
    pub wall_time_s: Option<f64>,
    /// Input files with their SHA-256.
    pub inputs: Vec<InputFile>,
    /// Parameters of the run.
    pub parameters: serde_json::Value,
    /// Solver reports.
    pub solve_reports: Vec<NamedReport>,
    /// Files written by the run.
    pub outputs: Vec<PathBuf>,
    #[serde(skip)]
    clock: Option<Instant>,
}

fn now() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

impl RunManifest {
    /// Start a manifest now.
    pub fn start(walras_version: &str, command_line: Vec<String>) -> Self {
        Self {
            walras_version: walras_version.into(),
            command_line,
            started_at: now(),
            finished_at: None,
            wall_time_s: None,
            inputs: Vec::new(),
            parameters: serde_json::Value::Null,
            solve_reports: Vec::new(),
            outputs: Vec::new(),
            clock: Some(Instant::now()),
        }
    }

    /// Record an input file (hashing it).
    pub fn add_input(&mut self, path: &Path) -> Result<(), DataError> {
        let bytes = std::fs::metadata(path)
            .map_err(|e| DataError::io(path, e))?
            .len();
        let sha256 = sha256_file(path)?;
        self.inputs.push(InputFile {
            path: path.into(),
            bytes,
            sha256,
        });
        Ok(())
    }

    /// Record the run's parameters.
    pub fn set_parameters<T: Serialize + ?Sized>(
        &mut self,
        parameters: &T,
    ) -> Result<(), DataError> {
        self.parameters = serde_json::to_value(parameters)
            .map_err(|e| DataError::InvalidTable(format!("parameters: {e}")))?;
        Ok(())
    }

    /// Record a solver report.
    pub fn add_report<T: Serialize + ?Sized>(
        &mut self,
        name: &str,
        report: &T,
    ) -> Result<(), DataError> {
        let report = serde_json::to_value(report)
            .map_err(|e| DataError::InvalidTable(format!("report `{name}`: {e}")))?;
        self.solve_reports.push(NamedReport {
            name: name.into(),
            report,
        });
        Ok(())
    }

    /// Record an output file.
    pub fn add_output(&mut self, path: &Path) {
        self.outputs.push(path.into());
    }

    /// Write `tables.tex` (see [`write_latex_index`]) if `dir` holds LaTeX tables, record it and
    /// the tables' `.tex` files as outputs, stamp the end time and write `manifest.json` into
    /// `dir` (atomically); returns its path.
    pub fn finish_and_write(&mut self, dir: &Path) -> Result<PathBuf, DataError> {
        for path in write_latex_index(dir)? {
            if !self.outputs.contains(&path) {
                self.outputs.push(path);
            }
        }
        self.finished_at = Some(now());
        self.wall_time_s = self.clock.map(|c| c.elapsed().as_secs_f64());
        let path = dir.join("manifest.json");
        write_json(&path, self)?;
        Ok(path)
    }
}
