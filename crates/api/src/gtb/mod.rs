//! The AI Economist's Gather-Trade-Build world (the command line's `walras tax gtb ...`).

mod replay;
mod simulate;
mod world;

pub use replay::replay;
pub use simulate::{
    simulate, GtbSimulateRequest, GtbSimulation, MetricSummary, MAX_EPISODES, MAX_THREADS,
};
pub use world::{world_config, GtbWorldRequest};
