//! The `walras._walras` extension module: the Walras engine for Python.
//!
//! A thin layer: each function turns Python arguments into a [`walras_api`] request, runs it
//! with the interpreter released (Ctrl-C cancels it, progress goes to an optional callback),
//! and returns a [`Run`] whose JSON record is the command line's. Errors become the exception
//! classes of `walras.errors`; a Rust panic becomes a `walras.WalrasError`, never a crash.

mod automation;
mod errors;
mod figure_data;
mod gtb;
mod run;
mod sweep;
mod tax;
mod trade;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _walras(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<run::Run>()?;
    automation::register(m)?;
    gtb::register(m)?;
    sweep::register(m)?;
    tax::register(m)?;
    trade::register(m)?;
    Ok(())
}
