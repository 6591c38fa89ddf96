//! Best responses by evolution strategies with common random numbers, best-response dynamics
//! towards an approximate equilibrium, and each agent's remaining gain from deviating.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::Serialize;

use crate::game::{seeds, Game};
use crate::stats::MetricSummary;
use crate::strategy::{Strategy, STRATEGY_PARAMS};

/// The parameter that decides how often an agent works (see [`Strategy`]).
const REST_PARAM: usize = 8;
use crate::GtbError;

/// How a best response is searched for.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SearchSettings {
    /// Evolution-strategy iterations.
    pub iterations: usize,
    /// Antithetic pairs of perturbations per iteration (two episodes each, on one seed).
    pub pairs: usize,
    /// Standard deviation of the perturbations (parameters are logits).
    pub sigma: f64,
    /// Step size of an iteration, in units of `sigma` per standardised gradient.
    pub step: f64,
    /// Episodes on which the searched strategy, and resting, must beat the one it started
    /// from (paired, same seeds); otherwise the start is kept.
    pub check_episodes: usize,
}

impl Default for SearchSettings {
    fn default() -> Self {
        SearchSettings {
            iterations: 20,
            pairs: 8,
            sigma: 0.5,
            step: 1.0,
            check_episodes: 32,
        }
    }
}

impl SearchSettings {
    /// Refuses settings that cannot search, naming the field.
    pub fn validate(&self) -> Result<(), GtbError> {
        let bad = |field: &'static str, message: String| Err(GtbError::Config { field, message });
        if self.pairs == 0 {
            return bad("pairs", "must be at least 1".into());
        }
        if self.check_episodes == 0 {
            return bad("check_episodes", "must be at least 1".into());
        }
        if !(self.sigma.is_finite() && self.sigma > 0.0 && self.sigma <= 10.0) {
            return bad("sigma", format!("must lie in (0, 10], got {}", self.sigma));
        }
        if !(self.step.is_finite() && self.step > 0.0 && self.step <= 10.0) {
            return bad("step", format!("must lie in (0, 10], got {}", self.step));
        }
        Ok(())
    }

    /// Episodes one search plays.
    pub fn episodes(&self) -> usize {
        self.iterations * 2 * self.pairs + 3 * self.check_episodes
    }
}

/// Parameters are kept in [-BOUND, BOUND]: beyond, the logistic is flat and the search blind.
const BOUND: f64 = 6.0;

/// A searched best response.
#[derive(Clone, Debug, Serialize)]
pub struct BestResponse {
    /// The strategy found (the starting one if no better one was found).
    pub strategy: Strategy,
    /// Mean utility of the starting strategy on the check episodes.
    pub utility_before: f64,
    /// Mean utility of the strategy found on the same episodes.
    pub utility_after: f64,
}

/// Standard normal draws (Box-Muller).
fn normals(rng: &mut Xoshiro256PlusPlus) -> [f64; STRATEGY_PARAMS] {
    std::array::from_fn(|_| {
        let u: f64 = 1.0 - rng.random::<f64>();
        let v: f64 = rng.random();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    })
}

/// Agent `agent`'s mean utility, and each episode's, when it plays `s` against `profile`.
fn utilities(
    game: &Game,
    profile: &[Strategy],
    agent: usize,
    s: Strategy,
    world_seeds: &[u64],
) -> Result<Vec<f64>, GtbError> {
    let mut p = profile.to_vec();
    p[agent] = s;
    Ok(game
        .play_all(&p, world_seeds)?
        .iter()
        .map(|e| e.utility[agent])
        .collect())
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Agent `agent`'s best response to `profile` (its own entry is the starting point) by
/// antithetic evolution strategies: every pair of perturbations plays one seed, so the
/// difference measures the strategy, not the luck. `tick` runs after every iteration and may
/// cancel.
pub fn best_response(
    game: &Game,
    profile: &[Strategy],
    agent: usize,
    settings: &SearchSettings,
    seed: u64,
    tick: &(dyn Fn() -> Result<(), GtbError> + Sync),
) -> Result<BestResponse, GtbError> {
    settings.validate()?;
    let start = profile[agent];
    let mut theta = start.0;
    let stream = 1 + agent as u64 * 1_000_003;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ stream);
    for t in 0..settings.iterations {
        let eps: Vec<[f64; STRATEGY_PARAMS]> =
            (0..settings.pairs).map(|_| normals(&mut rng)).collect();
        let world_seeds = seeds(seed, stream + 1 + t as u64, settings.pairs);
        let diffs: Vec<f64> = (0..settings.pairs)
            .into_par_iter()
            .map(|k| {
                let shifted = |sign: f64| {
                    Strategy(std::array::from_fn(|j| {
                        theta[j] + sign * settings.sigma * eps[k][j]
                    }))
                };
                let seed = &world_seeds[k..=k];
                let up = utilities(game, profile, agent, shifted(1.0), seed)?[0];
                let down = utilities(game, profile, agent, shifted(-1.0), seed)?[0];
                Ok(up - down)
            })
            .collect::<Result<_, GtbError>>()?;
        let m = mean(&diffs);
        let sd = (diffs.iter().map(|d| d * d).sum::<f64>() / diffs.len() as f64).sqrt();
        if sd > 0.0 && m.is_finite() {
            for (d, e) in diffs.iter().zip(&eps) {
                for j in 0..STRATEGY_PARAMS {
                    theta[j] +=
                        settings.step * settings.sigma * d / sd * e[j] / settings.pairs as f64;
                }
            }
            for x in &mut theta {
                *x = x.clamp(-BOUND, BOUND);
            }
        }
        tick()?;
    }
    // The search is local; resting is a corner a non-convex schedule can hide from it.
    let mut rest = start;
    rest.0[REST_PARAM] = -BOUND;
    let check = seeds(seed, stream + 999_983, settings.check_episodes);
    let before = mean(&utilities(game, profile, agent, start, &check)?);
    let mut best = (before, start);
    for candidate in [Strategy(theta), rest] {
        let u = mean(&utilities(game, profile, agent, candidate, &check)?);
        if u > best.0 {
            best = (u, candidate);
        }
    }
    Ok(BestResponse {
        strategy: best.1,
        utility_before: before,
        utility_after: best.0,
    })
}

/// How best-response dynamics run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DynamicsSettings {
    /// Most rounds (each agent best-responds once per round, in turn).
    pub rounds: usize,
    /// Stop once no agent gains more than this much utility in a round.
    pub tolerance: f64,
    /// The search of each best response.
    pub search: SearchSettings,
}

impl Default for DynamicsSettings {
    fn default() -> Self {
        DynamicsSettings {
            rounds: 8,
            tolerance: 0.05,
            search: SearchSettings::default(),
        }
    }
}

/// Where best-response dynamics stopped.
#[derive(Clone, Debug, Serialize)]
pub struct Dynamics {
    /// The strategies.
    pub profile: Vec<Strategy>,
    /// Each round's utility gain of each agent's best response (on its check episodes).
    pub gains: Vec<Vec<f64>>,
    /// Whether the last round's gains were all within the tolerance.
    pub settled: bool,
}

/// Best-response dynamics from `start`: in each round every agent in turn best-responds to
/// the others' current strategies (and, under Saez taxes, the estimator re-adapts first).
pub fn best_response_dynamics(
    game: &mut Game,
    start: &[Strategy],
    settings: &DynamicsSettings,
    seed: u64,
    tick: &(dyn Fn() -> Result<(), GtbError> + Sync),
) -> Result<Dynamics, GtbError> {
    let mut profile = start.to_vec();
    let mut gains = Vec::new();
    let mut settled = false;
    for round in 0..settings.rounds {
        let mut round_gains = Vec::with_capacity(profile.len());
        for agent in 0..profile.len() {
            let s = seed ^ ((round as u64 + 1) << 40);
            game.adapt_planner(&profile, s)?;
            let br = best_response(game, &profile, agent, &settings.search, s, tick)?;
            round_gains.push(br.utility_after - br.utility_before);
            profile[agent] = br.strategy;
        }
        settled = round_gains.iter().all(|g| *g <= settings.tolerance);
        gains.push(round_gains);
        if settled {
            break;
        }
    }
    game.adapt_planner(&profile, seed ^ 0xABCD)?;
    Ok(Dynamics {
        profile,
        gains,
        settled,
    })
}

/// What an agent gains by deviating from a profile to its searched best response.
#[derive(Clone, Debug, Serialize)]
pub struct Deviation {
    /// The agent.
    pub agent: usize,
    /// Utility gain per episode, on fresh episodes paired with the profile's.
    pub gain: MetricSummary,
    /// The agent's mean utility under the profile on the same episodes.
    pub utility: f64,
    /// The deviation.
    pub best_response: Strategy,
}

/// Each agent's remaining gain from deviating (exploitability): a best response searched
/// with `search`, then `episodes` fresh seeds played by the profile and by the deviation.
pub fn exploitability(
    game: &Game,
    profile: &[Strategy],
    search: &SearchSettings,
    episodes: usize,
    seed: u64,
    tick: &(dyn Fn() -> Result<(), GtbError> + Sync),
) -> Result<Vec<Deviation>, GtbError> {
    if episodes < 2 {
        return Err(GtbError::Config {
            field: "episodes",
            message: format!("a confidence interval needs at least 2 episodes, got {episodes}"),
        });
    }
    let fresh = seeds(seed, 0xE7_u64 << 32, episodes);
    let base = game.play_all(profile, &fresh)?;
    (0..profile.len())
        .map(|agent| {
            let br = best_response(game, profile, agent, search, seed ^ 0x5EED, tick)?;
            let dev = utilities(game, profile, agent, br.strategy, &fresh)?;
            let diffs: Vec<f64> = dev
                .iter()
                .zip(&base)
                .map(|(d, b)| d - b.utility[agent])
                .collect();
            let gain = MetricSummary::of(&diffs);
            Ok(Deviation {
                agent,
                gain,
                utility: mean(&base.iter().map(|b| b.utility[agent]).collect::<Vec<_>>()),
                best_response: br.strategy,
            })
        })
        .collect()
}
