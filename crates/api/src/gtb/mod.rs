//! The AI Economist's Gather-Trade-Build world (the command line's `walras tax gtb ...`).

mod figures;
mod planners;
mod replay;
mod simulate;
mod world;

pub use planners::{
    compare, equilibrium, optimize, ranking, rate_levels, GtbGameRequest, GtbGameRun,
    MAX_GAME_SETTING,
};
pub use replay::replay;
pub use simulate::{
    simulate, GtbSimulateRequest, GtbSimulation, MetricSummary, MAX_EPISODES, MAX_THREADS,
};
pub use world::{world_config, GtbWorldRequest};
