//! # walras-api: the headline computations, one call each
//!
//! Each computation takes a typed request (its defaults are the command line's) and returns a
//! result that holds the numbers, the JSON record the command line prints with
//! `--format json`, the tables and figures an output folder gets, and the run's provenance
//! (inputs read, parameters, solver reports, warnings). The `walras` command line and the
//! Python package are thin layers over this crate, so both give the same numbers.
//!
//! Errors are [`anyhow::Error`]s whose chain holds the library's typed errors: an
//! [`ArgumentError`] for a request setting out of range (naming the setting), a
//! [`walras_data::DataError`] for a bad file (file, row, column, value) and a
//! [`walras_core::EngineError`] for a solve that failed (residual and iterations).
#![deny(missing_docs)]

mod argument;
pub mod automation;
mod bands;
pub mod gtb;
mod output;
mod statics_report;
pub mod tax;
pub mod trade;

pub use argument::ArgumentError;
pub use output::{write_output, Figure, NamedTable, Output, Provenance};
