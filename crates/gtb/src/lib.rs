//! The AI Economist's Gather-Trade-Build world (Zheng et al. 2020, `ai-economist` 1.7.1):
//! agents with different skills move on a map, gather wood and stone, trade them in a
//! continuous double auction, build houses for coin, and pay periodic bracket taxes whose
//! revenue comes back as a lump sum.
//!
//! The rules, the order of every step and every random draw follow the reference exactly (see
//! `docs/gtb.md`); with [`rng::NumpyLegacy`] a trajectory is the reference's bit for bit.
//!
//! ```
//! use walras_gtb::policy::RandomPolicy;
//! use walras_gtb::{GtbConfig, RngKind, TaxModel, World};
//!
//! let cfg = GtbConfig { tax: TaxModel::UsFederal, episode_length: 200, ..GtbConfig::default() };
//! let mut world = World::new(cfg, RngKind::Fast.seeded(7).unwrap()).unwrap();
//! let mut policy = RandomPolicy::new(1);
//! world.reset().unwrap();
//! let mut actions = Vec::new();
//! loop {
//!     policy.agent_actions(&world, &mut actions);
//!     if world.step(&actions, None).unwrap() {
//!         break;
//!     }
//! }
//! // Coin comes only from houses: 10 per agent at the start plus each house's payment.
//! let coin: f64 = world.agents.iter().map(|a| a.total_coin()).sum();
//! let built: f64 = world.agents.iter().map(|a| a.houses as f64 * a.build_payment).sum();
//! assert!((coin - 40.0 - built).abs() < 1e-9);
//! ```

pub mod best_response;
pub mod config;
pub mod distances;
pub mod game;
pub mod layout;
pub mod market;
mod numpy_sum;
pub mod observe;
pub mod planner;
pub mod policy;
pub mod replay;
pub mod rng;
pub mod simulate;
pub mod stats;
pub mod strategy;
pub mod tax;
pub mod world;

pub use config::{GtbConfig, TaxModel};
pub use layout::Layout;
pub use rng::{GtbRng, RngKind};
pub use world::{gini, World};

/// Why a world cannot be built or stepped.
#[derive(Debug, thiserror::Error)]
pub enum GtbError {
    /// A map that cannot be read.
    #[error("map {file}{}: {message}", row.map(|r| format!(", row {r}")).unwrap_or_default())]
    Map {
        /// The file (or what the map is).
        file: String,
        /// The row, if one is at fault.
        row: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// A configuration the world cannot run.
    #[error("{field}: {message}")]
    Config {
        /// The field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// An action out of range.
    #[error("step {step}: {message}")]
    Action {
        /// The step (1-based within the episode).
        step: usize,
        /// What is wrong.
        message: String,
    },
    /// Stopped on request (Ctrl-C, or the observer of a run).
    #[error("cancelled")]
    Cancelled,
    /// An actions file that cannot be replayed.
    #[error("actions file {path}: {message}")]
    Actions {
        /// The file.
        path: String,
        /// What is wrong, with the step and field.
        message: String,
    },
}
