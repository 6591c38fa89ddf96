//! The agents' game under one tax schedule: episodes played by a profile of
//! [`Strategy`]s on given seeds, the same seeds for every profile compared (common random
//! numbers), in parallel.

use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::config::{GtbConfig, TaxModel};
use crate::distances::Distances;
use crate::rng::RngKind;
use crate::simulate::{policy_seed, EpisodeSummary};
use crate::strategy::{Strategy, StrategyPolicy};
use crate::tax::{SaezState, PLANNER_LEVELS, US_FEDERAL_RATES};
use crate::world::{World, BRACKETS};
use crate::GtbError;

/// Who sets the seven bracket rates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "levels")]
pub enum Schedule {
    /// No taxes.
    FreeMarket,
    /// The US federal 2018 rates.
    UsFederal,
    /// The reference's Saez estimator, from the incomes and marginal rates it has seen.
    Saez,
    /// Fixed planner rates: level `k` of a bracket is the rate `0.05 k`.
    Levels([usize; BRACKETS]),
}

impl Schedule {
    /// The tax model of the world.
    pub fn tax_model(self) -> TaxModel {
        match self {
            Schedule::FreeMarket => TaxModel::None,
            Schedule::UsFederal => TaxModel::UsFederal,
            Schedule::Saez => TaxModel::Saez,
            Schedule::Levels(_) => TaxModel::Planner,
        }
    }

    /// The name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Schedule::FreeMarket => "free_market",
            Schedule::UsFederal => "us_federal",
            Schedule::Saez => "saez",
            Schedule::Levels(_) => "planner",
        }
    }

    /// The planner levels nearest to the US federal rates (0.10 -> 2, 0.37 -> 7).
    pub fn us_federal_levels() -> [usize; BRACKETS] {
        US_FEDERAL_RATES.map(|r| ((r / 0.05).round() as usize).min(PLANNER_LEVELS - 1))
    }
}

/// One traced episode (see [`Game::trace`]).
pub struct Trace {
    /// Each agent's total coin after each step (agents by skill rank, lowest first).
    pub coin: Vec<Vec<f64>>,
    /// Each agent's labour after each step.
    pub labor: Vec<Vec<f64>>,
    /// The rates in force in each period (zeros without taxes).
    pub rates: Vec<[f64; BRACKETS]>,
    /// The episode's outcome.
    pub summary: EpisodeSummary,
    /// The world at the end: the map, houses and agents.
    pub world: World,
}

/// Episodes of one world under one schedule.
#[derive(Clone)]
pub struct Game {
    cfg: GtbConfig,
    rng: RngKind,
    schedule: Schedule,
    saez: SaezState,
    distances: Arc<Distances>,
}

/// Episodes the Saez estimator watches before a game's episodes: enough to fill its buffer
/// (500 samples) with one to spare, so that its formula sets the rates throughout.
fn saez_warmup_episodes(cfg: &GtbConfig) -> usize {
    let per_episode = cfg.n_agents * cfg.episode_length.div_ceil(cfg.period);
    crate::tax::SAEZ_BUFFER.div_ceil(per_episode.max(1)) + 1
}

impl Game {
    /// The game of `cfg`'s world (its tax model is replaced by `schedule`'s).
    pub fn new(cfg: &GtbConfig, rng: RngKind, schedule: Schedule) -> Result<Game, GtbError> {
        if let Schedule::Levels(levels) = schedule {
            if let Some((b, &l)) = levels
                .iter()
                .enumerate()
                .find(|(_, &l)| l >= PLANNER_LEVELS)
            {
                return Err(GtbError::Config {
                    field: "rates",
                    message: format!(
                        "bracket {b}: level {l} is not in 0..{PLANNER_LEVELS} (rates 0, 0.05, ..., 1)"
                    ),
                });
            }
        }
        let cfg = GtbConfig {
            tax: schedule.tax_model(),
            ..cfg.clone()
        };
        cfg.validate()?;
        Ok(Game {
            distances: Arc::new(Distances::of(&cfg.layout)),
            cfg,
            rng,
            schedule,
            saez: SaezState::default(),
        })
    }

    /// The world's configuration.
    pub fn config(&self) -> &GtbConfig {
        &self.cfg
    }

    /// With Saez taxes, let the estimator watch `profile` play (on seeds from `seed`) until
    /// its formula sets the rates, as the reference's persists across episodes; a no-op for
    /// other schedules.
    pub fn adapt_planner(&mut self, profile: &[Strategy], seed: u64) -> Result<(), GtbError> {
        if self.schedule != Schedule::Saez {
            return Ok(());
        }
        let mut state = SaezState::default();
        for k in 0..saez_warmup_episodes(&self.cfg) {
            let (_, world) =
                self.run(profile, seed.wrapping_add(k as u64), state, &mut |_, _| {})?;
            state = world.saez;
        }
        self.saez = state;
        Ok(())
    }

    fn run(
        &self,
        profile: &[Strategy],
        seed: u64,
        saez: SaezState,
        watch: &mut dyn FnMut(&World, &[usize]),
    ) -> Result<(EpisodeSummary, World), GtbError> {
        if profile.len() != self.cfg.n_agents {
            return Err(GtbError::Config {
                field: "strategies",
                message: format!(
                    "{} strategies for {} agents",
                    profile.len(),
                    self.cfg.n_agents
                ),
            });
        }
        if let Some((i, _)) = profile.iter().enumerate().find(|(_, s)| !s.is_finite()) {
            return Err(GtbError::Config {
                field: "strategies",
                message: format!("agent {i}'s strategy has a non-finite parameter"),
            });
        }
        let mut world = World::seeded(self.cfg.clone(), self.rng, seed)?;
        world.saez = saez;
        world.reset()?;
        // Strategies belong to skill ranks: the reference deals skills and corners out anew
        // in every episode.
        let ranks = world.skill_ranks();
        let dealt: Vec<Strategy> = ranks.iter().map(|&k| profile[k]).collect();
        let mut policy = StrategyPolicy::new(
            &dealt,
            self.cfg.max_bid_ask,
            self.distances.clone(),
            policy_seed(seed, 0),
        );
        let planner = match self.schedule {
            Schedule::Levels(levels) => Some(levels.map(|l| l + 1)),
            _ => None,
        };
        let keep = [0; BRACKETS];
        let mut actions = Vec::with_capacity(self.cfg.n_agents);
        loop {
            policy.agent_actions(&world, &mut actions);
            let p = planner
                .as_ref()
                .map(|set| if world.is_first_day() { set } else { &keep });
            let done = world.step(&actions, p)?;
            watch(&world, &ranks);
            if done {
                let summary = EpisodeSummary::of(&world, 0, seed).renumbered(&ranks);
                return Ok((summary, world));
            }
        }
    }

    /// One episode of `profile` from `seed`, step by step: each agent's coin and labour after
    /// every step, the rates in force in every period, and the world at the end.
    pub fn trace(&self, profile: &[Strategy], seed: u64) -> Result<Trace, GtbError> {
        let n = self.cfg.n_agents;
        let mut coin = vec![Vec::with_capacity(self.cfg.episode_length); n];
        let mut labor = vec![Vec::with_capacity(self.cfg.episode_length); n];
        let mut rates = Vec::new();
        let period = self.cfg.period;
        let (summary, world) = self.run(profile, seed, self.saez.clone(), &mut |w, ranks| {
            for (a, &k) in w.agents.iter().zip(ranks) {
                coin[k].push(a.total_coin());
                labor[k].push(a.labor);
            }
            if (w.t - 1) % period == 0 {
                rates.push(w.rates);
            }
        })?;
        Ok(Trace {
            coin,
            labor,
            rates,
            summary,
            world,
        })
    }
    /// One episode of `profile` from `seed`.
    pub fn play(&self, profile: &[Strategy], seed: u64) -> Result<EpisodeSummary, GtbError> {
        Ok(self
            .run(profile, seed, self.saez.clone(), &mut |_, _| {})?
            .0)
    }

    /// Episodes of `profile`, one per seed, in parallel (in seed order).
    pub fn play_all(
        &self,
        profile: &[Strategy],
        seeds: &[u64],
    ) -> Result<Vec<EpisodeSummary>, GtbError> {
        seeds
            .par_iter()
            .enumerate()
            .map(|(k, &s)| {
                let mut e = self.play(profile, s)?;
                e.episode = k;
                Ok(e)
            })
            .collect()
    }
}

/// `n` world seeds of stream `stream` derived from `seed` (SplitMix64; 32 bits, as numpy's
/// seeds), different across streams.
pub fn seeds(seed: u64, stream: u64, n: usize) -> Vec<u64> {
    (0..n)
        .map(|k| policy_seed(seed ^ stream.wrapping_mul(0xD6E8_FEB8_6659_FD93), k) >> 32)
        .collect()
}
