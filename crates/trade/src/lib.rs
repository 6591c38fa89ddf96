//! # walras-trade: trade and industrial policy
//!
//! The multi-country multi-sector model of Caliendo-Parro / Lashkaripour-Lugovskyy / DL-opt:
//! input-output links, sectoral external scale economies, import tariffs, production
//! subsidies and export taxes, deficits. The equilibrium in changes ([`TradeModel`]) implements
//! the core's `Equilibrium` and `Welfare`, so counterfactuals, unilateral optima, Nash wars
//! and cooperation all run through the core's solver, optimiser and game drivers with exact
//! implicit gradients.
#![deny(missing_docs)]
// The model is written in the spec's index notation (i, n, j, k over countries and sectors).
#![allow(clippy::needless_range_loop)]

mod baseline;
mod data;
mod derivatives;
pub mod elasticity;
mod error;
mod instruments;
mod model;
mod problems;
mod rebase;
mod report;
mod sensitivity;

pub use baseline::{Baseline, FinalShares};
pub use data::{
    percent_like, Sector, TradeData, DEFICIT_TOLERANCE, MAX_TARIFF, SHARE_TOLERANCE, THETA_RANGE,
};
pub use error::{Result, TradeError};
pub use instruments::{Instrument, InstrumentSet, Kind, PolicyMap, Structure};
pub use model::{Deficits, Numeraire, Outcome, TradeModel, WelfareDecomposition};
pub use problems::{
    continued_equilibrium, cooperate, counterfactual, counterfactual_observed, nash, nash_near,
    nash_with, policy_optimizer, unilateral, NashMethod, PolicyResult, ResponseDynamics,
};
pub use report::{spearman, PolicyRow, PolicySummary, SectorFindings};
pub use sensitivity::{instrument_label, sensitivity, Exercise, Origin, Sensitivity};
pub use walras_core::UpdateOrder;
