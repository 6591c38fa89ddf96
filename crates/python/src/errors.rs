//! Library errors as the exceptions of `walras.errors`.

use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use walras_api::ArgumentError;
use walras_automation::ModelError;
use walras_core::EngineError;
use walras_data::DataError;
use walras_gtb::GtbError;
use walras_tax::TaxError;
use walras_trade::TradeError;

/// The whole cause chain of `err` in one line (a cause already quoted by the message before
/// it is left out).
fn message(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain().map(|e| e.to_string()) {
        if text.is_empty() {
            text = cause;
        } else if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// An instance of `walras.errors.<class>` with `message` and keyword attributes.
fn raise(py: Python<'_>, class: &str, message: String, attrs: &[(&str, Py<PyAny>)]) -> PyErr {
    let built = (|| -> PyResult<PyErr> {
        let cls = py.import("walras.errors")?.getattr(class)?;
        let kwargs = PyDict::new(py);
        for (k, v) in attrs {
            kwargs.set_item(*k, v)?;
        }
        let exc = cls.call((message.clone(),), Some(&kwargs))?;
        Ok(PyErr::from_value(exc))
    })();
    built.unwrap_or_else(|e| PyRuntimeError::new_err(format!("{message} (and {e})")))
}

/// The engine error in `err`'s chain, also where a model crate wraps it transparently.
fn engine_error(err: &anyhow::Error) -> Option<&EngineError> {
    err.chain().find_map(|e| {
        let trade = e
            .downcast_ref::<TradeError>()
            .or_else(|| e.downcast_ref::<Box<TradeError>>().map(|b| &**b));
        e.downcast_ref::<EngineError>()
            .or(match e.downcast_ref::<TaxError>() {
                Some(TaxError::Engine(inner)) => Some(inner),
                _ => None,
            })
            .or(match trade {
                Some(TradeError::Engine(inner)) => Some(inner),
                _ => None,
            })
    })
}

/// The data error in `err`'s chain, boxed or not.
fn data_error(err: &anyhow::Error) -> Option<&DataError> {
    err.chain().find_map(|e| {
        e.downcast_ref::<DataError>()
            .or_else(|| e.downcast_ref::<Box<DataError>>().map(|b| &**b))
    })
}

/// The Python exception for a library error: `ArgumentError` (also a `ValueError`) naming
/// the argument, `DataError` with file, row, column and value, `ConvergenceError` with residual
/// and iterations, `KeyboardInterrupt` for a cancelled run, else `WalrasError`.
pub fn to_py_err(py: Python<'_>, err: anyhow::Error) -> PyErr {
    let text = message(&err);
    if let Some(a) = err.chain().find_map(|e| e.downcast_ref::<ArgumentError>()) {
        let name = a.python_name();
        let text = a.python_message();
        return raise(
            py,
            "ArgumentError",
            text,
            &[(
                "argument",
                name.into_pyobject(py).unwrap().into_any().unbind(),
            )],
        );
    }
    if let Some(e) = engine_error(&err) {
        let report = match e {
            EngineError::Cancelled => {
                return PyKeyboardInterrupt::new_err("the run was cancelled (Ctrl-C)")
            }
            EngineError::NotConverged(report) => {
                Some((report.residual_inf_norm, report.iterations))
            }
            EngineError::NotAnEquilibrium { report, .. } => {
                Some((report.residual_inf_norm, report.iterations))
            }
            EngineError::OptimizerFailed { report, .. } => {
                Some((report.projected_gradient_norm, report.iterations as usize))
            }
            EngineError::GameNotConverged { last, rounds, .. } => {
                Some((last.max_projected_gradient(), *rounds))
            }
            _ => None,
        };
        if let Some((residual, iterations)) = report {
            return raise(
                py,
                "ConvergenceError",
                text,
                &[
                    (
                        "residual",
                        residual.into_pyobject(py).unwrap().into_any().unbind(),
                    ),
                    (
                        "iterations",
                        iterations.into_pyobject(py).unwrap().into_any().unbind(),
                    ),
                ],
            );
        }
    }
    if let Some(ModelError::Cancelled { .. }) =
        err.chain().find_map(|e| e.downcast_ref::<ModelError>())
    {
        return PyKeyboardInterrupt::new_err("the run was cancelled (Ctrl-C)");
    }
    if let Some(ModelError::NoConvergence {
        iterations,
        residual,
        ..
    }) = err.chain().find_map(|e| e.downcast_ref::<ModelError>())
    {
        return raise(
            py,
            "ConvergenceError",
            text,
            &[
                (
                    "residual",
                    residual.into_pyobject(py).unwrap().into_any().unbind(),
                ),
                (
                    "iterations",
                    iterations.into_pyobject(py).unwrap().into_any().unbind(),
                ),
            ],
        );
    }
    if let Some(d) = data_error(&err) {
        return raise(py, "DataError", text, &data_error_attrs(py, d));
    }
    if let Some(g) = err.chain().find_map(|e| e.downcast_ref::<GtbError>()) {
        let obj = |v: String| v.into_pyobject(py).unwrap().into_any().unbind();
        match g {
            GtbError::Map { file, row, .. } => {
                let mut attrs = vec![("path", obj(file.clone()))];
                if let Some(r) = row {
                    attrs.push(("row", r.into_pyobject(py).unwrap().into_any().unbind()));
                }
                return raise(py, "DataError", text, &attrs);
            }
            GtbError::Actions { path, .. } => {
                return raise(py, "DataError", text, &[("path", obj(path.clone()))])
            }
            GtbError::Config { field, .. } => {
                return raise(
                    py,
                    "ArgumentError",
                    text,
                    &[("argument", obj(field.to_string()))],
                )
            }
            GtbError::Action { .. } => {
                return raise(
                    py,
                    "ArgumentError",
                    text,
                    &[("argument", obj("actions".into()))],
                )
            }
            GtbError::Cancelled => {
                return PyKeyboardInterrupt::new_err("the run was cancelled (Ctrl-C)")
            }
        }
    }
    raise(py, "WalrasError", text, &[])
}

/// File, row, column and value of a data error, where it has them.
fn data_error_attrs(py: Python<'_>, e: &DataError) -> Vec<(&'static str, Py<PyAny>)> {
    let obj = |v: String| v.into_pyobject(py).unwrap().into_any().unbind();
    let mut attrs = Vec::new();
    let (path, row, column, value) = match e {
        DataError::Io { path, .. }
        | DataError::UnsupportedFormat { path }
        | DataError::Parse { path, .. } => (Some(path), None, None, None),
        DataError::MissingColumn { path, column, .. } => (Some(path), None, Some(column), None),
        DataError::MissingValue { path, row, column } => {
            (Some(path), Some(*row), Some(column), None)
        }
        DataError::BadValue {
            path,
            row,
            column,
            value,
            ..
        } => (Some(path), Some(*row), Some(column), Some(value)),
        _ => (None, None, None, None),
    };
    if let Some(p) = path {
        attrs.push(("path", obj(p.display().to_string())));
    }
    if let Some(r) = row {
        attrs.push(("row", r.into_pyobject(py).unwrap().into_any().unbind()));
    }
    if let Some(c) = column {
        attrs.push(("column", obj(c.clone())));
    }
    if let Some(v) = value {
        attrs.push(("value", obj(v.clone())));
    }
    attrs
}

/// A `walras.WalrasError` for a bug (a panic), asking for a report.
pub fn internal(py: Python<'_>, what: &str) -> PyErr {
    raise(
        py,
        "WalrasError",
        format!("internal error (a bug in walras, please report it with the call): {what}"),
        &[],
    )
}
