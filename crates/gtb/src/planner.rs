//! Tax planners with agents that best-respond: each schedule's approximate equilibrium, its
//! outcomes with confidence intervals over seeds, and the seven bracket rates that maximise
//! equality x productivity when the agents re-equilibrate for every candidate schedule.

use serde::Serialize;

use crate::best_response::{
    best_response_dynamics, exploitability, Deviation, Dynamics, DynamicsSettings, SearchSettings,
};
use crate::config::GtbConfig;
use crate::game::{seeds, Game, Schedule};
use crate::rng::RngKind;
use crate::simulate::EpisodeSummary;
use crate::stats::MetricSummary;
use crate::strategy::{Behaviour, Strategy};
use crate::tax::{planner_rate, CUTOFFS, PLANNER_LEVELS, US_FEDERAL_RATES};
use crate::world::BRACKETS;
use crate::GtbError;

/// How planners are solved and evaluated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlannerSettings {
    /// The agents' best-response dynamics under each planner.
    pub dynamics: DynamicsSettings,
    /// Fresh episodes on which each equilibrium is evaluated.
    pub evaluation_episodes: usize,
    /// The search for each agent's best deviation from an equilibrium.
    pub deviation_search: SearchSettings,
    /// Fresh episodes on which each deviation is evaluated.
    pub deviation_episodes: usize,
    /// Episodes on which every candidate schedule is scored (the same for all).
    pub objective_episodes: usize,
    /// Rounds of best-response dynamics for each candidate schedule, from the incumbent's
    /// equilibrium.
    pub candidate_rounds: usize,
    /// Step sizes (in rate levels of 0.05) of the coordinate search, largest first.
    pub level_steps: Vec<usize>,
}

impl Default for PlannerSettings {
    fn default() -> Self {
        PlannerSettings {
            dynamics: DynamicsSettings::default(),
            evaluation_episodes: 200,
            deviation_search: SearchSettings {
                iterations: 40,
                ..SearchSettings::default()
            },
            deviation_episodes: 200,
            objective_episodes: 64,
            candidate_rounds: 1,
            level_steps: vec![4, 2, 1],
        }
    }
}

impl PlannerSettings {
    /// Refuses settings that cannot run, naming the field.
    pub fn validate(&self) -> Result<(), GtbError> {
        self.dynamics.search.validate()?;
        self.deviation_search.validate()?;
        for (field, n) in [
            ("evaluation_episodes", self.evaluation_episodes),
            ("deviation_episodes", self.deviation_episodes),
            ("objective_episodes", self.objective_episodes),
        ] {
            if n < 2 {
                return Err(GtbError::Config {
                    field,
                    message: format!("a confidence interval needs at least 2 episodes, got {n}"),
                });
            }
        }
        if self
            .level_steps
            .iter()
            .any(|&s| s == 0 || s >= PLANNER_LEVELS)
        {
            return Err(GtbError::Config {
                field: "level_steps",
                message: format!(
                    "steps must lie in 1..{PLANNER_LEVELS}, got {:?}",
                    self.level_steps
                ),
            });
        }
        Ok(())
    }
}

/// What an agent does in an equilibrium, averaged over the evaluation episodes.
#[derive(Clone, Debug, Serialize)]
pub struct AgentOutcome {
    /// The agent, numbered by building skill (lowest first): skills and places are dealt
    /// anew in every episode, so a strategy belongs to a skill rank.
    pub agent: usize,
    /// Coin per house built (its building skill).
    pub build_payment: f64,
    /// Utility.
    pub utility: MetricSummary,
    /// Total coin at the end.
    pub coin: f64,
    /// Labour.
    pub labor: f64,
    /// Houses built.
    pub houses: f64,
    /// Units of wood gathered.
    pub wood_gathered: f64,
    /// Units of stone gathered.
    pub stone_gathered: f64,
    /// Units sold.
    pub sold: f64,
    /// Units bought.
    pub bought: f64,
    /// `builder` (builds a house or more per episode and buys at least what it sells),
    /// `gatherer` (sells a unit or more per episode, more than it buys, and builds fewer houses
    /// than it sells units) or `mixed`.
    pub role: &'static str,
    /// The strategy's behaviour.
    pub behaviour: Behaviour,
}

/// A planner's equilibrium and what it yields.
#[derive(Clone, Debug, Serialize)]
pub struct PlannerOutcome {
    /// The planner (`free_market`, `us_federal`, `saez`, `planner` for given rates, or
    /// `optimized`).
    pub planner: &'static str,
    /// The schedule.
    pub schedule: Schedule,
    /// The rates in force (Saez: their mean over the periods of four episodes).
    pub rates: [f64; BRACKETS],
    /// The agents' best-response dynamics.
    pub dynamics: Dynamics,
    /// 1 - Gini of total coin.
    pub equality: MetricSummary,
    /// Total coin at the end.
    pub productivity: MetricSummary,
    /// Equality x productivity.
    pub equality_times_productivity: MetricSummary,
    /// Houses built.
    pub houses: MetricSummary,
    /// Taxes collected.
    pub taxes: MetricSummary,
    /// Each agent.
    pub agents: Vec<AgentOutcome>,
    /// Each agent's remaining gain from deviating.
    pub exploitability: Vec<Deviation>,
    /// Whether roles differ: a gatherer sells to a builder.
    pub specialisation: bool,
    /// The evaluation episodes.
    #[serde(skip)]
    pub episodes: Vec<EpisodeSummary>,
}

fn summary(episodes: &[EpisodeSummary], f: impl Fn(&EpisodeSummary) -> f64) -> MetricSummary {
    MetricSummary::of(&episodes.iter().map(f).collect::<Vec<_>>())
}

fn mean(episodes: &[EpisodeSummary], f: impl Fn(&EpisodeSummary) -> f64) -> f64 {
    episodes.iter().map(f).sum::<f64>() / episodes.len() as f64
}

/// Seed streams, so that every planner is evaluated on the same episodes.
const EVALUATION_STREAM: u64 = 11;
const OBJECTIVE_STREAM: u64 = 12;
const RATES_STREAM: u64 = 13;

/// Solve the agents' game under `schedule` from `start` and evaluate it.
pub fn solve_planner(
    cfg: &GtbConfig,
    rng: RngKind,
    schedule: Schedule,
    start: &[Strategy],
    settings: &PlannerSettings,
    seed: u64,
    tick: &(dyn Fn() -> Result<(), GtbError> + Sync),
) -> Result<PlannerOutcome, GtbError> {
    settings.validate()?;
    let mut game = Game::new(cfg, rng, schedule)?;
    let dynamics = best_response_dynamics(&mut game, start, &settings.dynamics, seed, tick)?;
    let profile = &dynamics.profile;
    let evaluation = seeds(seed, EVALUATION_STREAM, settings.evaluation_episodes);
    let episodes = game.play_all(profile, &evaluation)?;
    let exploitability = exploitability(
        &game,
        profile,
        &settings.deviation_search,
        settings.deviation_episodes,
        seed,
        tick,
    )?;
    let rates = match schedule {
        Schedule::FreeMarket => [0.0; BRACKETS],
        Schedule::UsFederal => US_FEDERAL_RATES,
        Schedule::Levels(levels) => levels.map(planner_rate),
        Schedule::Saez => {
            // The estimator's rates change from period to period: their mean.
            let mut sum = [0.0; BRACKETS];
            let mut periods = 0.0;
            for s in seeds(seed, RATES_STREAM, 4) {
                for r in game.trace(profile, s)?.rates {
                    periods += 1.0;
                    for b in 0..BRACKETS {
                        sum[b] += r[b];
                    }
                }
            }
            sum.map(|r| r / f64::max(periods, 1.0))
        }
    };
    let agents: Vec<AgentOutcome> = (0..profile.len())
        .map(|i| {
            let houses = mean(&episodes, |e| e.houses_by[i] as f64);
            let sold = mean(&episodes, |e| e.sold[i]);
            let bought = mean(&episodes, |e| e.bought[i]);
            let role = if bought >= sold && houses >= 1.0 {
                "builder"
            } else if sold >= 1.0 && sold > bought && houses < sold {
                "gatherer"
            } else {
                "mixed"
            };
            AgentOutcome {
                agent: i,
                build_payment: mean(&episodes, |e| e.build_payment[i]),
                utility: summary(&episodes, |e| e.utility[i]),
                coin: mean(&episodes, |e| e.coin[i]),
                labor: mean(&episodes, |e| e.labor[i]),
                houses,
                wood_gathered: mean(&episodes, |e| e.gathered_by[i][1]),
                stone_gathered: mean(&episodes, |e| e.gathered_by[i][0]),
                sold,
                bought,
                role,
                behaviour: profile[i].behaviour(cfg.max_bid_ask),
            }
        })
        .collect();
    let specialisation =
        agents.iter().any(|a| a.role == "gatherer") && agents.iter().any(|a| a.role == "builder");
    Ok(PlannerOutcome {
        planner: schedule.name(),
        schedule,
        rates,
        equality: summary(&episodes, |e| e.equality),
        productivity: summary(&episodes, |e| e.productivity),
        equality_times_productivity: summary(&episodes, |e| e.equality_times_productivity),
        houses: summary(&episodes, |e| e.houses as f64),
        taxes: summary(&episodes, |e| e.taxes),
        agents,
        exploitability,
        specialisation,
        dynamics,
        episodes,
    })
}

/// One schedule tried by the outer search.
#[derive(Clone, Debug, Serialize)]
pub struct Candidate {
    /// Rate levels (rate = 0.05 x level).
    pub levels: [usize; BRACKETS],
    /// Mean equality x productivity on the objective episodes, agents re-equilibrated.
    pub objective: f64,
    /// Whether it became the incumbent.
    pub accepted: bool,
}

/// The outer search's result.
#[derive(Clone, Debug, Serialize)]
pub struct Optimization {
    /// The best levels found.
    pub levels: [usize; BRACKETS],
    /// Their rates.
    pub rates: [f64; BRACKETS],
    /// Their objective.
    pub objective: f64,
    /// Brackets no agent's period income reached at the start (left at their level).
    pub unreached_brackets: Vec<usize>,
    /// Every candidate, in order.
    pub candidates: Vec<Candidate>,
    /// The agents' strategies at the best levels.
    pub profile: Vec<Strategy>,
}

/// The rate levels that maximise mean equality x productivity, by coordinate search from
/// the best of `starts` (levels, and the strategies the agents start from there) over the
/// brackets that incomes reach: for each candidate the agents re-equilibrate from the
/// incumbent's strategies, and every candidate is scored on the same episodes (and its
/// dynamics use the same random numbers).
pub fn optimize_rates(
    cfg: &GtbConfig,
    rng: RngKind,
    starts: &[([usize; BRACKETS], Vec<Strategy>)],
    settings: &PlannerSettings,
    seed: u64,
    tick: &(dyn Fn() -> Result<(), GtbError> + Sync),
) -> Result<Optimization, GtbError> {
    settings.validate()?;
    let objective_seeds = seeds(seed, OBJECTIVE_STREAM, settings.objective_episodes);
    let dynamics = DynamicsSettings {
        rounds: settings.candidate_rounds,
        ..settings.dynamics
    };
    let score = |levels: [usize; BRACKETS], from: &[Strategy]| {
        let mut game = Game::new(cfg, rng, Schedule::Levels(levels))?;
        let d = best_response_dynamics(&mut game, from, &dynamics, seed, tick)?;
        let episodes = game.play_all(&d.profile, &objective_seeds)?;
        let value = mean(&episodes, |e| e.equality_times_productivity);
        let top_income = episodes
            .iter()
            .map(|e| e.max_period_income)
            .fold(0.0, f64::max);
        Ok::<_, GtbError>((value, d.profile, top_income))
    };
    if starts.is_empty() {
        return Err(GtbError::Config {
            field: "starts",
            message: "the search needs at least one starting schedule".into(),
        });
    }
    let mut candidates = Vec::new();
    let mut incumbent = None;
    for (levels, from) in starts {
        let (value, p, top) = score(*levels, from)?;
        let better = incumbent
            .as_ref()
            .is_none_or(|(best, _, _, _): &(f64, _, _, _)| value > *best);
        candidates.push(Candidate {
            levels: *levels,
            objective: value,
            accepted: better,
        });
        if better {
            incumbent = Some((value, p, *levels, top));
        }
    }
    let Some((mut best, mut profile, mut levels, top_income)) = incumbent else {
        unreachable!("at least one start was scored")
    };
    let reached: Vec<usize> = (0..BRACKETS).filter(|&b| CUTOFFS[b] < top_income).collect();
    for &step in &settings.level_steps {
        loop {
            let mut improved = false;
            for &b in &reached {
                for up in [true, false] {
                    let mut trial = levels;
                    trial[b] = if up {
                        (levels[b] + step).min(PLANNER_LEVELS - 1)
                    } else {
                        levels[b].saturating_sub(step)
                    };
                    if trial == levels || candidates.iter().any(|c| c.levels == trial) {
                        continue;
                    }
                    let (value, p, _) = score(trial, &profile)?;
                    let accepted = value > best;
                    candidates.push(Candidate {
                        levels: trial,
                        objective: value,
                        accepted,
                    });
                    if accepted {
                        (best, profile, levels) = (value, p, trial);
                        improved = true;
                        break;
                    }
                }
            }
            if !improved {
                break;
            }
        }
    }
    Ok(Optimization {
        levels,
        rates: levels.map(planner_rate),
        objective: best,
        unreached_brackets: (0..BRACKETS).filter(|b| !reached.contains(b)).collect(),
        candidates,
        profile,
    })
}

/// The four planners side by side, each with its agents in approximate equilibrium and all
/// evaluated on the same episodes.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// Free market, US federal, Saez and the optimised rates, in that order.
    pub planners: Vec<PlannerOutcome>,
    /// The outer search for the optimised rates.
    pub optimization: Optimization,
    /// The optimised rates' equality x productivity over Saez's, in percent, with a 95%
    /// interval from the paired episodes (delta method).
    pub gain_over_saez_pct: MetricSummary,
}

/// Solve and compare the four planners: the free market's equilibrium from the default
/// strategies, each taxed economy's from the free market's, and the optimised rates
/// searched from the better of the US federal levels and the Saez planner's mean rates. `stage` is told which part runs.
pub fn compare(
    cfg: &GtbConfig,
    rng: RngKind,
    settings: &PlannerSettings,
    seed: u64,
    stage: &(dyn Fn(&str) + Sync),
    tick: &(dyn Fn() -> Result<(), GtbError> + Sync),
) -> Result<Comparison, GtbError> {
    settings.validate()?;
    let start = vec![Strategy::default(); cfg.n_agents];
    stage("free market");
    let free = solve_planner(cfg, rng, Schedule::FreeMarket, &start, settings, seed, tick)?;
    let base = free.dynamics.profile.clone();
    stage("US federal");
    let us = solve_planner(cfg, rng, Schedule::UsFederal, &base, settings, seed, tick)?;
    stage("Saez");
    let saez = solve_planner(cfg, rng, Schedule::Saez, &base, settings, seed, tick)?;
    stage("optimising the rates");
    let saez_levels = saez
        .rates
        .map(|r| ((r / 0.05).round() as usize).min(PLANNER_LEVELS - 1));
    let optimization = optimize_rates(
        cfg,
        rng,
        &[
            (Schedule::us_federal_levels(), us.dynamics.profile.clone()),
            (saez_levels, saez.dynamics.profile.clone()),
        ],
        settings,
        seed,
        tick,
    )?;
    stage("optimised rates");
    let mut optimized = solve_planner(
        cfg,
        rng,
        Schedule::Levels(optimization.levels),
        &optimization.profile,
        settings,
        seed,
        tick,
    )?;
    optimized.planner = "optimized";
    let s = saez.equality_times_productivity.mean;
    let diffs: Vec<f64> = optimized
        .episodes
        .iter()
        .zip(&saez.episodes)
        .map(|(o, z)| 100.0 * (o.equality_times_productivity - z.equality_times_productivity) / s)
        .collect();
    Ok(Comparison {
        planners: vec![free, us, saez, optimized],
        optimization,
        gain_over_saez_pct: MetricSummary::of(&diffs),
    })
}
