//! Whole episodes under a policy, in parallel, with the statistics an economist reads off an
//! episode: what was gathered, built and traded, and how coin ends up distributed.

use rayon::prelude::*;
use serde::Serialize;

use crate::config::{GtbConfig, TaxModel};
use crate::market::Good;
use crate::policy::{RandomPolicy, ScriptedPolicy};
use crate::rng::RngKind;
use crate::world::{gini, World};
use crate::GtbError;

/// One episode's outcome.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct EpisodeSummary {
    /// Episode index.
    pub episode: usize,
    /// The world's seed.
    pub seed: u64,
    /// Wood collected.
    pub wood_gathered: f64,
    /// Stone collected.
    pub stone_gathered: f64,
    /// Houses built.
    pub houses: usize,
    /// Trades executed.
    pub trades: usize,
    /// Taxes collected.
    pub taxes: f64,
    /// Total coin (inventory and escrow) of all agents at the end: the reference's
    /// productivity.
    pub productivity: f64,
    /// Gini of the agents' total coin.
    pub gini: f64,
    /// 1 - Gini.
    pub equality: f64,
    /// Equality times productivity.
    pub equality_times_productivity: f64,
    /// Each agent's total coin.
    pub coin: Vec<f64>,
    /// Each agent's labour.
    pub labor: Vec<f64>,
    /// Each agent's utility.
    pub utility: Vec<f64>,
    /// The highest pre-tax income of an agent in a tax period (0 without taxes).
    pub max_period_income: f64,
    /// Houses each agent built.
    pub houses_by: Vec<usize>,
    /// Units of stone and wood each agent gathered.
    pub gathered_by: Vec<[f64; 2]>,
    /// Units each agent sold.
    pub sold: Vec<f64>,
    /// Units each agent bought.
    pub bought: Vec<f64>,
    /// Each agent's coin per house.
    pub build_payment: Vec<f64>,
}

impl EpisodeSummary {
    /// The summary of `world` at the end of an episode.
    pub fn of(world: &World, episode: usize, seed: u64) -> Self {
        let coin: Vec<f64> = world.agents.iter().map(|a| a.total_coin()).collect();
        let productivity: f64 = coin.iter().sum();
        let g = gini(&coin);
        EpisodeSummary {
            episode,
            seed,
            wood_gathered: world.totals.gathered[Good::Wood.index()],
            stone_gathered: world.totals.gathered[Good::Stone.index()],
            houses: world.totals.houses,
            trades: world.totals.trades,
            taxes: world.totals.taxes,
            productivity,
            gini: g,
            equality: 1.0 - g,
            equality_times_productivity: (1.0 - g) * productivity,
            coin,
            labor: world.agents.iter().map(|a| a.labor).collect(),
            utility: world.utilities().to_vec(),
            max_period_income: world.totals.max_period_income,
            houses_by: world.agents.iter().map(|a| a.houses).collect(),
            gathered_by: world.totals.gathered_by.clone(),
            sold: world.totals.sold.clone(),
            bought: world.totals.bought.clone(),
            build_payment: world.agents.iter().map(|a| a.build_payment).collect(),
        }
    }

    /// The same outcome with the agents renumbered: agent `i` becomes `order[i]`.
    pub fn renumbered(mut self, order: &[usize]) -> Self {
        fn apply<T: Clone>(v: &mut [T], order: &[usize]) {
            let old = v.to_vec();
            for (i, &k) in order.iter().enumerate() {
                v[k] = old[i].clone();
            }
        }
        apply(&mut self.coin, order);
        apply(&mut self.labor, order);
        apply(&mut self.utility, order);
        apply(&mut self.houses_by, order);
        apply(&mut self.gathered_by, order);
        apply(&mut self.sold, order);
        apply(&mut self.bought, order);
        apply(&mut self.build_payment, order);
        self
    }
}

/// The policy agents follow in a simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Uniform over the actions the masks allow (and random rate levels for a planner).
    Random,
    /// [`ScriptedPolicy`](crate::policy::ScriptedPolicy): build, gather what is missing,
    /// trade surpluses now and then (a planner keeps its rates).
    Scripted,
}

impl std::str::FromStr for Policy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "random" => Ok(Policy::Random),
            "scripted" => Ok(Policy::Scripted),
            _ => Err(format!("unknown policy {s:?}; use random or scripted")),
        }
    }
}

/// The seed of the policy's generator in episode `episode` (SplitMix64 of both).
pub(crate) fn policy_seed(seed: u64, episode: usize) -> u64 {
    let mut z = seed ^ 0x5DEE_CE66_D1CE_4E5B;
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15u64.wrapping_mul(episode as u64 + 1));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One episode from `seed` under `policy`.
pub fn run_episode(
    cfg: &GtbConfig,
    rng: RngKind,
    seed: u64,
    episode: usize,
    policy: Policy,
) -> Result<EpisodeSummary, GtbError> {
    let mut world = World::seeded(cfg.clone(), rng, seed)?;
    let mut random = RandomPolicy::new(policy_seed(seed, episode));
    let mut scripted = ScriptedPolicy::new(policy_seed(seed, episode));
    world.reset()?;
    let mut actions = Vec::with_capacity(cfg.n_agents);
    let with_planner = cfg.tax == TaxModel::Planner;
    loop {
        let planner = match policy {
            Policy::Random => {
                random.agent_actions(&world, &mut actions);
                with_planner.then(|| random.planner_actions(&world))
            }
            Policy::Scripted => {
                scripted.agent_actions(&world, &mut actions);
                None
            }
        };
        if world.step(&actions, planner.as_ref())? {
            return Ok(EpisodeSummary::of(&world, episode, seed));
        }
    }
}

/// `episodes` episodes, episode `k` from seed `seed + k`, in parallel on the current rayon
/// pool; `done` is called after each episode (from any thread).
pub fn simulate(
    cfg: &GtbConfig,
    rng: RngKind,
    seed: u64,
    episodes: usize,
    policy: Policy,
    done: &(dyn Fn() -> Result<(), GtbError> + Sync),
) -> Result<Vec<EpisodeSummary>, GtbError> {
    cfg.validate()?;
    (0..episodes)
        .into_par_iter()
        .map(|k| {
            let summary = run_episode(cfg, rng, seed + k as u64, k, policy)?;
            done()?;
            Ok(summary)
        })
        .collect()
}
