//! # walras
//!
//! General-equilibrium policy optimisation: an economy is a nested fixed point (an equilibrium
//! F(x, p) = 0 inside a government's or planner's optimisation over policy p) with exact
//! gradients by implicit differentiation.
//!
//! This facade re-exports the library crates:
//!
//! * [`core`] (walras-core): the NFXP engine and canonical economies;
//! * [`tax`] (walras-tax): optimal income-tax brackets;
//! * [`trade`] (walras-trade): trade and industrial policy;
//! * [`automation`] (walras-automation): data-driven automation and growth paths;
//! * [`gtb`] (walras-gtb): the AI Economist's Gather-Trade-Build world;
//! * [`data`] (walras-data): validated tables, atomic writers, run manifests;
//! * [`plot`] (walras-plot): paper-ready figures;
//! * [`cli`] (walras-cli): the `walras` command line.
//!
//! ```
//! use walras::core::fixtures::ExchangeEconomy;
//! use walras::core::{solve, SolverOptions};
//! let economy = ExchangeEconomy::default();
//! let eq = solve(&economy, &[0.0], None, &SolverOptions::default()).unwrap();
//! assert!((eq.x[0].exp() - economy.closed_form_price(0.0)).abs() < 1e-9);
//! ```
#![deny(missing_docs)]

pub use walras_automation as automation;
pub use walras_cli as cli;
pub use walras_core as core;
pub use walras_data as data;
pub use walras_gtb as gtb;
pub use walras_plot as plot;
pub use walras_tax as tax;
pub use walras_trade as trade;

/// The README's code examples, compiled and run as doctests.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The user guide's code examples, compiled and run as doctests.
#[doc = include_str!("../../../docs/core.md")]
#[cfg(doctest)]
pub struct CoreGuideDoctests;

/// The trade guide's code examples, compiled and run as doctests.
#[doc = include_str!("../../../docs/trade.md")]
#[cfg(doctest)]
pub struct TradeGuideDoctests;

/// The automation guide's code examples, compiled and run as doctests.
#[doc = include_str!("../../../docs/automation.md")]
#[cfg(doctest)]
pub struct AutomationGuideDoctests;
