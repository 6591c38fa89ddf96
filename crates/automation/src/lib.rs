//! # walras-automation: data-driven automation (DDA-1)
//!
//! Walras's own model of task-specific data that accumulates as a by-product of production,
//! spills over across tasks through a network, raises AI productivity and pushes out the
//! automation frontier. The ideas follow Farboodi, Koh & Xia (2026, "Data-Driven Automation");
//! the task structure follows Acemoglu & Restrepo (2018) and the capital-accumulation
//! singularity Aghion, Jones & Jones (2017).
//!
//! Equations: `docs/automation-model.md` (cited as "spec s.N" / "spec PN" in this crate).
//!
//! Everything is per unit of task mass, so splitting a task into two identical halves changes
//! no aggregate.
//!
//! - [`economy`]: the primitives (task masses, productivities, verifiability, the data
//!   technology, the spillover matrix), validated.
//! - [`statics`]: the allocation at one instant given data, capital and (for the planner)
//!   costates, by one [`StaticSolver`]: the market equilibrium by the threshold rule, the
//!   planner's allocation through the dual; both as an [`Allocation`].
//! - [`dynamics`]: growth paths (adaptive Dormand-Prince on log data with event location at
//!   automation switches, optional Solow capital with blow-up detection).
//! - [`integrate`]: the generic adaptive Dormand-Prince 5(4) integrator with event location
//!   that [`dynamics`] runs on.
//! - [`planner`]: the social optimum by forward-backward sweep, decentralising subsidies.
//! - [`network`]: spillover topologies, normalisations and statistics.
//! - [`scenario`]: TOML scenario files and the shipped presets.
//! - [`limits`]: memory estimates; sizes that cannot fit are refused before allocating.
//! - [`market`]: the static market with the planner's subsidies as a core economy (exact
//!   implicit derivatives in the subsidies).
//! - [`monte_carlo`]: seeded Monte Carlo and parameter grids in parallel.
//! - [`power_law`]: the P4 setting and log-log fits of the labour task share.
#![deny(missing_docs)]
// Numerical loops over task indices read better with the index.
#![allow(clippy::needless_range_loop)]

pub mod dynamics;
pub mod economy;
pub mod integrate;
pub mod limits;
pub mod market;
pub mod monte_carlo;
pub mod network;
pub mod planner;
pub mod power_law;
pub mod scenario;
pub mod statics;

pub use dynamics::{
    simulate, simulate_observed, PathOptions, PathPoint, SimulationResult, StopReason,
};
pub use economy::{DataTechnology, Economy, ModelError};
pub use statics::{equilibrium, Allocation, StaticSolver, TaskStatus};

pub use network::{Network, NetworkSpec, NetworkStats, Normalization};
pub use planner::{
    solve_log_linear_planner, solve_planner, PlannerOptions, PlannerResult, PlannerUtility,
};
