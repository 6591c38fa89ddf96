//! `walras.sweep`: merging a sweep folder's shards (the points themselves run as `walras`
//! processes, locally or on Slurm; see `walras/sweep.py`).

use std::path::PathBuf;

use pyo3::prelude::*;
use walras_data::sweep::{merge, SweepSpec};

use crate::errors::to_py_err;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sweep_merge, m)?)?;
    Ok(())
}

/// Merge the shards of the sweep folder `dir` (its definition is `dir/sweep.toml`): the merge
/// report as JSON text, whether or not the sweep is complete.
#[pyfunction]
fn sweep_merge(py: Python<'_>, dir: PathBuf) -> PyResult<String> {
    let work = || -> anyhow::Result<String> {
        let definition = dir.join("sweep.toml");
        if !definition.is_file() {
            anyhow::bail!(
                "{} is not a sweep folder (no sweep.toml; `walras sweep run` or `submit` writes it)",
                dir.display()
            );
        }
        let spec = SweepSpec::read(&definition)?;
        Ok(serde_json::to_string(&merge(&dir, &spec)?)?)
    };
    py.detach(work).map_err(|e| to_py_err(py, e))
}
