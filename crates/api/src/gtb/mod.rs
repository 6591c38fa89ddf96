//! The AI Economist's Gather-Trade-Build world (the command line's `walras tax gtb ...`).

mod simulate;
mod world;

pub use simulate::{simulate, GtbSimulateRequest, GtbSimulation, MetricSummary};
pub use world::{world_config, GtbWorldRequest};
