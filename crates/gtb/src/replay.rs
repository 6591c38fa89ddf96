//! Replaying recorded actions: the actions file, and the state after reset and after every
//! step, in the reference's terms (for side-by-side checks against `ai-economist`).

use serde::Serialize;

use crate::config::TaxModel;
use crate::market::Good;
use crate::observe::{agent_observation, planner_observation};
use crate::policy::{agent_mask, planner_mask};
use crate::world::{World, AGENT_ACTIONS, BRACKETS, PLANNER_ACTIONS};
use crate::GtbError;

/// Recorded actions: one flat action per agent per step, and with a planner one sub-action per
/// bracket per step. Steps run through episodes back to back.
#[derive(Clone, Debug, PartialEq)]
pub struct Actions {
    /// `agents[step][agent]`, each in `0..50`.
    pub agents: Vec<Vec<usize>>,
    /// `planner[step][bracket]`, each in `0..22` (only with planner-set rates).
    pub planner: Option<Vec<[usize; BRACKETS]>>,
}

impl Actions {
    /// Read `{"agents": [[...], ...], "planner": [[...], ...]}`; errors name the file, the
    /// step and the value. `planner` is required with planner-set rates and refused otherwise.
    pub fn parse(
        text: &str,
        path: &str,
        n_agents: usize,
        tax: TaxModel,
    ) -> Result<Actions, GtbError> {
        let bad = |message: String| GtbError::Actions {
            path: path.to_string(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
        let steps = |key: &str| -> Result<Option<Vec<Vec<i64>>>, GtbError> {
            let Some(v) = value.get(key) else {
                return Ok(None);
            };
            let rows = v
                .as_array()
                .ok_or_else(|| bad(format!("`{key}` must be a list with one list per step")))?;
            rows.iter()
                .enumerate()
                .map(|(s, row)| {
                    let row = row.as_array().ok_or_else(|| {
                        bad(format!(
                            "`{key}` step {}: expected a list, got {row}",
                            s + 1
                        ))
                    })?;
                    row.iter()
                        .enumerate()
                        .map(|(k, a)| {
                            a.as_i64().ok_or_else(|| {
                                bad(format!(
                                    "`{key}` step {}, entry {k}: {a} is not an integer action",
                                    s + 1
                                ))
                            })
                        })
                        .collect()
                })
                .collect::<Result<Vec<Vec<i64>>, GtbError>>()
                .map(Some)
        };
        let agents = steps("agents")?
            .ok_or_else(|| bad("no `agents` key (one list of actions per step)".into()))?;
        let planner = steps("planner")?;
        Actions::checked(agents, planner, n_agents, tax).map_err(bad)
    }

    /// Actions from integer lists, checked: one action per agent in `0..50` per step, and
    /// with planner-set rates (only then) seven sub-actions in `0..22` per step. The error
    /// names the list (`agents` or `planner`), the step and the value.
    pub fn checked(
        agents: Vec<Vec<i64>>,
        planner: Option<Vec<Vec<i64>>>,
        n_agents: usize,
        tax: TaxModel,
    ) -> Result<Actions, String> {
        let check = |key: &str, rows: Vec<Vec<i64>>, width: usize, limit: usize| {
            rows.into_iter()
                .enumerate()
                .map(|(s, row)| {
                    if row.len() != width {
                        return Err(format!(
                            "`{key}` step {}: {} entries, expected {width}",
                            s + 1,
                            row.len()
                        ));
                    }
                    row.iter()
                        .enumerate()
                        .map(|(k, &a)| match usize::try_from(a) {
                            Ok(a) if a < limit => Ok(a),
                            _ => Err(format!(
                                "`{key}` step {}, entry {k}: {a} is not an action in 0..{limit}",
                                s + 1
                            )),
                        })
                        .collect::<Result<Vec<usize>, String>>()
                })
                .collect::<Result<Vec<Vec<usize>>, String>>()
        };
        let agents = check("agents", agents, n_agents, AGENT_ACTIONS)?;
        let planner = planner
            .map(|p| check("planner", p, BRACKETS, PLANNER_ACTIONS))
            .transpose()?;
        match (&planner, tax) {
            (None, TaxModel::Planner) => {
                return Err("--tax planner needs a `planner` key (7 sub-actions per step)".into())
            }
            (Some(_), t) if t != TaxModel::Planner => {
                return Err(format!(
                    "a `planner` key is only read with --tax planner (here --tax {})",
                    t.name()
                ))
            }
            (Some(p), _) if p.len() != agents.len() => {
                return Err(format!(
                    "{} planner steps for {} agent steps",
                    p.len(),
                    agents.len()
                ))
            }
            _ => {}
        }
        Ok(Actions {
            agents,
            planner: planner.map(|p| {
                p.into_iter()
                    .map(|row| std::array::from_fn(|b| row[b]))
                    .collect()
            }),
        })
    }
}

/// The state after reset (`t` 0) or after a step, as the replay prints it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StateRecord {
    /// Episode (0-based).
    pub episode: usize,
    /// Step within the episode.
    pub t: usize,
    /// Each agent's (row, column).
    pub loc: Vec<[usize; 2]>,
    /// Coin in each inventory.
    pub coin: Vec<f64>,
    /// Wood in each inventory.
    pub wood: Vec<f64>,
    /// Stone in each inventory.
    pub stone: Vec<f64>,
    /// Coin in escrow (open bids).
    pub escrow_coin: Vec<f64>,
    /// Wood in escrow (open asks).
    pub escrow_wood: Vec<f64>,
    /// Stone in escrow.
    pub escrow_stone: Vec<f64>,
    /// Labour.
    pub labor: Vec<f64>,
    /// Houses built.
    pub houses: Vec<usize>,
    /// Rewards of the step.
    pub rewards: Vec<f64>,
    /// The planner's reward.
    pub planner_reward: f64,
    /// Tax collected from each agent on this step (0 outside collection steps).
    pub tax_paid: Vec<f64>,
    /// Rebate to each agent on this step (the same for all; 0 outside collection steps).
    pub lump_sum: Vec<f64>,
    /// Wood on the map.
    pub wood_on_map: f64,
    /// Stone on the map.
    pub stone_on_map: f64,
    /// Marginal rates in force.
    pub rates: [f64; BRACKETS],
    /// With masks: each agent's mask over the 50 actions for the next step (1 allowed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_masks: Option<Vec<Vec<u8>>>,
    /// With masks: the planner's mask (154 entries with planner-set rates, else 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planner_mask: Option<Vec<u8>>,
    /// With observations: what each agent and the planner observe (float32 values).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observations: Option<Observations>,
}

/// The observations of a state, as the reference's float32 values.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Observations {
    /// Per agent: `flat`, `map` (7 x 11 x 11) and `idx_map` (2 x 11 x 11), row-major.
    pub agents: Vec<ObservationParts>,
    /// The planner's `flat`, `map` (6 x H x W), `idx_map` (2 x H x W) and per-agent entries.
    pub planner: ObservationParts,
    /// The planner's entries about each agent (8 each).
    pub planner_agents: Vec<Vec<f64>>,
}

/// One observer's arrays.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ObservationParts {
    /// Non-spatial entries.
    pub flat: Vec<f64>,
    /// Map channels.
    pub map: Vec<f64>,
    /// Owners and agents.
    pub idx_map: Vec<f64>,
}

fn widen(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

impl StateRecord {
    /// The record of `world` now.
    pub fn of(world: &World, episode: usize) -> StateRecord {
        let a = &world.agents;
        let col = |f: &dyn Fn(&crate::world::Agent) -> f64| a.iter().map(f).collect::<Vec<f64>>();
        let (s, w) = (Good::Stone.index(), Good::Wood.index());
        let n = a.len();
        StateRecord {
            episode,
            t: world.t,
            loc: a.iter().map(|x| [x.loc.0, x.loc.1]).collect(),
            coin: col(&|x| x.coin),
            wood: col(&|x| x.goods[w]),
            stone: col(&|x| x.goods[s]),
            escrow_coin: col(&|x| x.escrow_coin),
            escrow_wood: col(&|x| x.escrow_goods[w]),
            escrow_stone: col(&|x| x.escrow_goods[s]),
            labor: col(&|x| x.labor),
            houses: a.iter().map(|x| x.houses).collect(),
            rewards: world.rewards.clone(),
            planner_reward: world.planner_reward,
            tax_paid: world
                .collection
                .as_ref()
                .map_or(vec![0.0; n], |c| c.paid.clone()),
            lump_sum: vec![world.collection.as_ref().map_or(0.0, |c| c.lump_sum); n],
            wood_on_map: world.resources[w].iter().sum(),
            stone_on_map: world.resources[s].iter().sum(),
            rates: world.rates,
            agent_masks: None,
            planner_mask: None,
            observations: None,
        }
    }

    /// The record with every observation.
    pub fn with_observations(mut self, world: &World) -> Self {
        let agents = (0..world.agents.len())
            .map(|i| {
                let o = agent_observation(world, i);
                ObservationParts {
                    flat: widen(&o.flat),
                    map: widen(&o.map),
                    idx_map: widen(&o.idx_map),
                }
            })
            .collect();
        let p = planner_observation(world);
        self.observations = Some(Observations {
            agents,
            planner: ObservationParts {
                flat: widen(&p.flat),
                map: widen(&p.map),
                idx_map: widen(&p.idx_map),
            },
            planner_agents: p.agents.iter().map(|a| widen(a)).collect(),
        });
        self
    }

    /// The record with the action masks the observation carries.
    pub fn with_masks(mut self, world: &World) -> Self {
        let mut mask = [false; AGENT_ACTIONS];
        let masks = (0..world.agents.len())
            .map(|i| {
                agent_mask(world, i, &mut mask);
                mask.iter().map(|&m| u8::from(m)).collect()
            })
            .collect();
        self.agent_masks = Some(masks);
        self.planner_mask = Some(planner_mask(world).into_iter().map(u8::from).collect());
        self
    }
}

/// What a replay adds to each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Extras {
    /// The action masks.
    pub masks: bool,
    /// The observations.
    pub observations: bool,
}

/// Replays `actions` through `world` from a reset, episode after episode, passing the state
/// after every reset and step (with the `extras` asked for) to `emit`.
pub fn replay<E: From<GtbError>>(
    world: &mut World,
    actions: &Actions,
    extras: Extras,
    mut emit: impl FnMut(&StateRecord) -> Result<(), E>,
) -> Result<(), E> {
    let record = |world: &World, episode| {
        let mut r = StateRecord::of(world, episode);
        if extras.masks {
            r = r.with_masks(world);
        }
        if extras.observations {
            r = r.with_observations(world);
        }
        r
    };
    let length = world.config().episode_length;
    let mut episode = 0;
    for (step, agent_actions) in actions.agents.iter().enumerate() {
        if step % length == 0 {
            if step > 0 {
                episode += 1;
            }
            world.reset()?;
            emit(&record(world, episode))?;
        }
        let planner = actions.planner.as_ref().map(|p| &p[step]);
        world.step(agent_actions, planner)?;
        emit(&record(world, episode))?;
    }
    Ok(())
}
