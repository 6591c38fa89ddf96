//! Running a computation with the interpreter released: Ctrl-C cancels it, progress reaches a
//! Python callback, panics become exceptions; and [`Run`], the result handed to Python.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use walras_api::{write_output, Figure, Output, Provenance};
use walras_core::{Cancel, Event, Observer};
use walras_data::{OutputFolder, RunManifest};

use crate::errors::to_py_err;

/// How often the waiting thread looks for Ctrl-C and reports progress.
const TICK: Duration = Duration::from_millis(100);

/// Records the latest progress line and carries the cancellation token.
struct Watch {
    cancel: Cancel,
    status: Mutex<Option<String>>,
}

impl Observer for Watch {
    fn on_event(&self, event: &Event<'_>) {
        let line = match event {
            Event::Progress { what, done, total } => match total {
                Some(t) => format!("{what} {done} of {t}"),
                None => format!("{what} {done}"),
            },
            Event::OptimizerIteration {
                iteration,
                projected_gradient_norm,
                ..
            } => format!("iteration {iteration}: projected gradient {projected_gradient_norm:.2e}"),
            Event::Round(r) => format!(
                "round {}: max FOC residual {:.2e}",
                r.round,
                r.max_projected_gradient()
            ),
            _ => return,
        };
        if let Ok(mut s) = self.status.lock() {
            *s = Some(line);
        }
    }

    fn cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

/// Run `work` on a worker thread with the interpreter released. Every [`TICK`] the calling
/// thread checks for signals (Ctrl-C cancels the run and raises `KeyboardInterrupt` once it
/// has stopped) and passes the latest progress line to `progress`. A panic in `work` is a
/// `walras.WalrasError`.
pub fn detached<T: Send>(
    py: Python<'_>,
    progress: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce(Arc<dyn Observer>) -> anyhow::Result<T> + Send,
) -> PyResult<T> {
    let watch = Arc::new(Watch {
        cancel: Cancel::new(),
        status: Mutex::new(None),
    });
    let observer: Arc<dyn Observer> = watch.clone();
    let outcome = std::thread::scope(|scope| -> PyResult<Option<anyhow::Result<T>>> {
        let (tx, mut rx) = mpsc::channel();
        scope.spawn(move || {
            let result = std::panic::catch_unwind(AssertUnwindSafe(|| work(observer)));
            let _ = tx.send(result);
        });
        let mut interrupted = None;
        loop {
            let (received, back) = py.detach(move || (rx.recv_timeout(TICK), rx));
            rx = back;
            match received {
                Ok(Ok(result)) => {
                    return match interrupted {
                        Some(e) => Err(e),
                        None => Ok(Some(result)),
                    }
                }
                Ok(Err(panic)) => {
                    let what = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    return Err(crate::errors::internal(py, &what));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(None),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            if interrupted.is_none() {
                if let Err(e) = py.check_signals() {
                    watch.cancel.cancel();
                    interrupted = Some(e);
                    continue;
                }
                if let Some(callback) = progress {
                    let line = watch.status.lock().ok().and_then(|mut s| s.take());
                    if let Some(line) = line {
                        callback.call1((line,))?;
                    }
                }
            }
        }
    })?;
    match outcome {
        Some(result) => result.map_err(|e| to_py_err(py, e)),
        None => Err(crate::errors::internal(
            py,
            "the worker thread ended without a result",
        )),
    }
}

/// A computed result: its JSON record (the command line's `--format json`), warnings, and
/// the files of an output folder.
#[pyclass(frozen, module = "walras._walras")]
pub struct Run {
    output: Output,
    provenance: Provenance,
    call: String,
    /// A spillover network written beside the tables as `network.csv` (growth paths).
    network: Option<walras_automation::network::Network>,
}

impl Run {
    /// A result of `call` (how the manifest names the Python call).
    pub fn new(output: Output, provenance: Provenance, call: String) -> Self {
        Run {
            output,
            provenance,
            call,
            network: None,
        }
    }

    /// With the spillover network written as `network.csv` by `write`, as the command line's
    /// `automation simulate --out` does.
    pub fn with_network(mut self, network: walras_automation::network::Network) -> Self {
        self.network = Some(network);
        self
    }
}

#[pymethods]
impl Run {
    /// The JSON record as text.
    fn json(&self) -> PyResult<String> {
        serde_json::to_string(&self.output.json)
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
    }

    /// Warnings raised while computing, one sentence each.
    fn warnings(&self) -> Vec<String> {
        self.provenance.warnings.clone()
    }

    /// Names of the tables an output folder gets.
    fn table_names(&self) -> Vec<String> {
        self.output.tables.iter().map(|t| t.name.clone()).collect()
    }

    /// The booktabs LaTeX of the tables that fit a page, as (file name, text).
    fn latex(&self) -> Vec<(String, String)> {
        self.output.latex()
    }

    /// Titles of the figures, by file stem.
    fn figure_titles(&self) -> Vec<(String, String)> {
        self.output
            .figures
            .iter()
            .map(|(stem, f)| (stem.clone(), f.title().to_string()))
            .collect()
    }

    /// The figure `stem` as SVG text (what `write` puts in `stem.svg`).
    fn figure_svg(&self, py: Python<'_>, stem: &str) -> PyResult<String> {
        let figure = self.figure(py, stem)?;
        let rendered = py.detach(|| -> anyhow::Result<String> {
            let dir = tempfile::tempdir()?;
            let path = dir.path().join("figure.svg");
            figure.draw(&path, &walras_plot::Theme::paper())?;
            Ok(std::fs::read_to_string(&path)?)
        });
        rendered.map_err(|e| to_py_err(py, e))
    }

    /// The data behind the figure `stem`: a dict of labels and numpy arrays.
    fn figure_data<'py>(&self, py: Python<'py>, stem: &str) -> PyResult<Bound<'py, PyDict>> {
        crate::figure_data::figure_dict(py, self.figure(py, stem)?)
    }

    /// Write the output folder `dir` as the command line's `--out` does (JSON, CSV tables,
    /// SVG and PNG figures, manifest), replacing a folder with files only if `overwrite`.
    #[pyo3(signature = (dir, overwrite = false))]
    fn write(&self, py: Python<'_>, dir: PathBuf, overwrite: bool) -> PyResult<()> {
        let folder = OutputFolder::stage(&dir, overwrite)
            .map_err(|e| to_py_err(py, anyhow::Error::new(e)))?;
        let mut manifest = RunManifest::start(env!("CARGO_PKG_VERSION"), vec![self.call.clone()]);
        let written = py
            .detach(|| write_output(folder.path(), &self.output, &self.provenance, &mut manifest));
        written.map_err(|e| to_py_err(py, e))?;
        folder
            .commit()
            .map_err(|e| to_py_err(py, anyhow::Error::new(e)))
    }
}

impl Run {
    /// The figure `stem`, or an argument error listing the figures there are.
    fn figure(&self, py: Python<'_>, stem: &str) -> PyResult<&Figure> {
        if let Some((_, figure)) = self.output.figures.iter().find(|(s, _)| s == stem) {
            return Ok(figure);
        }
        let known: Vec<&str> = self
            .output
            .figures
            .iter()
            .map(|(s, _)| s.as_str())
            .collect();
        let message = format!(
            "{stem:?} is not a figure of this result (figures: {})",
            known.join(", ")
        );
        Err(to_py_err(
            py,
            walras_api::ArgumentError::new("stem", message).into(),
        ))
    }
}
