//! # walras-data: the data edge of Walras
//!
//! The only crate that depends on polars. It loads tables (CSV, gzip CSV, Parquet) into a
//! polars-free [`Table`] after checking them against a [`Schema`] (columns, types, finiteness,
//! ranges, unique keys), reads whitespace matrices ([`read_matrix`]), writes CSV / Parquet /
//! JSON atomically ([`write_table`], [`write_json`], [`write_atomic`]) and records provenance in
//! a [`RunManifest`]. Every error names the file and, where it applies, the row, column and value.
//!
//! ```
//! use walras_data::{load_table, write_table, Check, Schema, Table};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("flows.csv");
//! let t = Table::new()
//!     .with_str("exporter", vec!["A".into(), "B".into()]).unwrap()
//!     .with_f64("value", vec![1.5, 2.0]).unwrap();
//! write_table(&path, &t).unwrap();
//! let schema = Schema::new().str("exporter").float("value", Check::NonNegative).key(&["exporter"]);
//! assert_eq!(load_table(&path, &schema).unwrap().f64("value").unwrap(), &[1.5, 2.0]);
//! ```
#![deny(missing_docs)]

pub mod automation;
pub mod automation_scenario;
mod error;
mod latex;
mod manifest;
mod output_folder;
mod parameters;
mod shared_data;
pub mod sweep;
mod table;
pub mod tax;
pub mod tax_population;
pub mod trade;
pub mod trade_import;
pub mod trade_scenario;
mod write;

pub use automation_scenario::{AutomationScenario, AutomationScenarioError};
pub use error::DataError;
pub use latex::{
    caption_from_stem, escape_latex, latex_fits, latex_table, latex_table_with, write_latex_index,
    LatexOptions, LATEX_INDEX, LATEX_MAX_COLUMNS, LATEX_MAX_ROWS,
};
pub use manifest::{sha256_file, InputFile, NamedReport, RunManifest};
pub use output_folder::OutputFolder;
pub use parameters::{read_covariance, read_draws, ParameterCovariance, ParameterDraws};
pub use shared_data::{shared_data_dir, DATA_DIR_VAR};
pub use table::{
    load_table, load_table_from_bytes, read_frame, read_matrix, Check, ColumnData, ColumnSpec,
    Kind, Matrix, Schema, Table, TableFormat,
};
pub use tax_population::{PopulationError, SkillSource, TaxPopulation};
pub use trade_scenario::{DeficitTreatment, ScenarioError, ScenarioOptions, TradeScenario};
pub use write::{write_atomic, write_json, write_table, write_table_with};
