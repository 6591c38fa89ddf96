//! Recorded actions replayed through the world (`walras tax gtb replay`).

use anyhow::Result;
use walras_gtb::replay::{replay as replay_actions, Actions, Extras, StateRecord};
use walras_gtb::World;

use super::world::{world_config, GtbWorldRequest};
use crate::ArgumentError;

/// The state after each reset and step of `actions` (lists of integer actions, checked here),
/// with the `extras` asked for.
pub fn replay(
    world: &GtbWorldRequest,
    agents: Vec<Vec<i64>>,
    planner: Option<Vec<Vec<i64>>>,
    extras: Extras,
) -> Result<Vec<StateRecord>> {
    let (cfg, rng) = world_config(world)?;
    let actions = Actions::checked(agents, planner, cfg.n_agents, cfg.tax)
        .map_err(|e| ArgumentError::new("actions", e))?;
    let mut w = World::seeded(cfg, rng, world.seed)?;
    let mut states = Vec::with_capacity(actions.agents.len() + 1);
    replay_actions(&mut w, &actions, extras, |s| -> Result<()> {
        states.push(s.clone());
        Ok(())
    })?;
    Ok(states)
}
