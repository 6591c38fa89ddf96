//! Agents that best-respond and tax planners (`walras tax gtb equilibrium | optimize |
//! compare`): approximate equilibria, the optimised bracket rates and the four planners side
//! by side, with tables and figures.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use serde_json::{json, Value};
use walras_core::{Event, NoObserver, Observer};
use walras_data::Table;
use walras_gtb::best_response::{DynamicsSettings, SearchSettings};
use walras_gtb::game::{Game, Schedule};
use walras_gtb::planner::{
    compare as compare_planners, optimize_rates, solve_planner, Comparison, Optimization,
    PlannerOutcome, PlannerSettings,
};
use walras_gtb::strategy::{Strategy, PARAM_NAMES};
use walras_gtb::tax::{planner_rate, PLANNER_LEVELS};
use walras_gtb::{GtbConfig, GtbError, RngKind};

use super::figures::{
    coin_and_labor_figures, equality_productivity_figure, map_figure, schedules_figure,
};
use super::world::{world_config, GtbWorldRequest};
use crate::{ArgumentError, NamedTable, Output, Provenance};

/// How the agents learn and how outcomes are measured; the defaults are the command line's.
#[derive(Clone)]
pub struct GtbGameRequest {
    /// The world (its `tax` is the schedule of `equilibrium`; `optimize` and `compare` set
    /// their own).
    pub world: GtbWorldRequest,
    /// Fresh episodes for each outcome and each agent's deviation (confidence intervals).
    pub episodes: usize,
    /// Most rounds of best-response dynamics.
    pub rounds: usize,
    /// Evolution-strategy iterations per best response.
    pub iterations: usize,
    /// Antithetic pairs of perturbations per iteration.
    pub pairs: usize,
    /// Episodes on which every candidate schedule is scored (`optimize`, `compare`).
    pub objective_episodes: usize,
    /// Planner rates for `--tax planner` (seven multiples of 0.05 in [0, 1]).
    pub rates: Option<Vec<f64>>,
    /// Worker threads (None: one per core).
    pub threads: Option<usize>,
    /// Sees progress (best-response iterations) and may cancel.
    pub observer: Arc<dyn Observer>,
}

impl Default for GtbGameRequest {
    fn default() -> Self {
        let s = PlannerSettings::default();
        GtbGameRequest {
            world: GtbWorldRequest {
                rng: "fast".into(),
                ..GtbWorldRequest::default()
            },
            episodes: s.evaluation_episodes,
            rounds: s.dynamics.rounds,
            iterations: s.dynamics.search.iterations,
            pairs: s.dynamics.search.pairs,
            objective_episodes: s.objective_episodes,
            rates: None,
            threads: None,
            observer: Arc::new(NoObserver),
        }
    }
}

/// Most evaluation episodes, rounds, iterations or pairs.
pub const MAX_GAME_SETTING: usize = 100_000;

/// A finished run: its record, tables and figures, and parameters.
pub struct GtbGameRun {
    /// JSON record, tables and figures.
    pub output: Output,
    /// Parameters.
    pub provenance: Provenance,
}

fn settings(r: &GtbGameRequest) -> Result<PlannerSettings> {
    for (flag, v, least) in [
        ("episodes", r.episodes, 2),
        ("rounds", r.rounds, 1),
        ("iterations", r.iterations, 0),
        ("pairs", r.pairs, 1),
        ("objective-episodes", r.objective_episodes, 2),
    ] {
        if !(least..=MAX_GAME_SETTING).contains(&v) {
            return Err(ArgumentError::new(
                flag,
                format!("must lie in {least}..={MAX_GAME_SETTING}, got {v}"),
            )
            .into());
        }
    }
    if let Some(t) = r.threads.filter(|t| !(1..=super::MAX_THREADS).contains(t)) {
        return Err(ArgumentError::new(
            "threads",
            format!("must lie in 1..={}, got {t}", super::MAX_THREADS),
        )
        .into());
    }
    let defaults = PlannerSettings::default();
    let search = SearchSettings {
        iterations: r.iterations,
        pairs: r.pairs,
        ..defaults.dynamics.search
    };
    Ok(PlannerSettings {
        dynamics: DynamicsSettings {
            rounds: r.rounds,
            search,
            ..defaults.dynamics
        },
        evaluation_episodes: r.episodes,
        deviation_search: SearchSettings {
            iterations: 2 * r.iterations,
            ..search
        },
        deviation_episodes: r.episodes,
        objective_episodes: r.objective_episodes,
        ..defaults
    })
}

/// The rate levels of `rates` (seven multiples of 0.05 in [0, 1]).
pub fn rate_levels(rates: &[f64]) -> Result<[usize; 7]> {
    if rates.len() != 7 {
        return Err(ArgumentError::new(
            "rates",
            format!("needs 7 rates (one per bracket), got {}", rates.len()),
        )
        .into());
    }
    let mut levels = [0; 7];
    for (b, &r) in rates.iter().enumerate() {
        let level = (r / 0.05).round();
        if !(r.is_finite() && (0.0..=1.0).contains(&r) && (r - level * 0.05).abs() < 1e-9) {
            return Err(ArgumentError::new(
                "rates",
                format!(
                    "bracket {}: {r} is not one of the planner's rates 0, 0.05, ..., 1 (fractions, not percent)",
                    b + 1
                ),
            )
            .into());
        }
        levels[b] = (level as usize).min(PLANNER_LEVELS - 1);
    }
    Ok(levels)
}

fn schedule_of(r: &GtbGameRequest, cfg: &GtbConfig) -> Result<Schedule> {
    Ok(match (cfg.tax, &r.rates) {
        (walras_gtb::TaxModel::Planner, Some(rates)) => Schedule::Levels(rate_levels(rates)?),
        (walras_gtb::TaxModel::Planner, None) => {
            return Err(ArgumentError::new(
                "rates",
                "--tax planner needs --rates R1,...,R7 (multiples of 0.05 in [0, 1])",
            )
            .into())
        }
        (_, Some(_)) => {
            return Err(ArgumentError::new(
                "rates",
                format!(
                    "only with --tax planner (the {} schedule sets its own rates)",
                    cfg.tax.name()
                ),
            )
            .into())
        }
        (walras_gtb::TaxModel::None, None) => Schedule::FreeMarket,
        (walras_gtb::TaxModel::UsFederal, None) => Schedule::UsFederal,
        (walras_gtb::TaxModel::Saez, None) => Schedule::Saez,
    })
}

/// Runs `f` on a pool of `r.threads` workers with a progress counter that reports to the
/// observer (prefixed by the stage `f` announces) and stops on its request.
fn with_pool<T: Send>(
    r: &GtbGameRequest,
    f: impl FnOnce(
            &(dyn Fn(&str) + Sync),
            &(dyn Fn() -> Result<(), GtbError> + Sync),
        ) -> Result<T, GtbError>
        + Send,
) -> Result<T> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = r.threads {
        builder = builder.num_threads(t);
    }
    let pool = builder.build().context("starting the worker threads")?;
    let done = AtomicU64::new(0);
    let stage = Mutex::new(String::from("best-response iteration"));
    let set_stage = |name: &str| {
        *stage.lock().unwrap_or_else(|e| e.into_inner()) =
            format!("{name}: best-response iteration");
    };
    let tick = || {
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        let what = stage.lock().unwrap_or_else(|e| e.into_inner()).clone();
        r.observer.on_event(&Event::Progress {
            what: &what,
            done: n,
            total: None,
        });
        if r.observer.cancelled() {
            Err(GtbError::Cancelled)
        } else {
            Ok(())
        }
    };
    pool.install(|| f(&set_stage, &tick)).map_err(|e| match e {
        GtbError::Cancelled => anyhow::Error::new(walras_core::EngineError::Cancelled),
        e => anyhow::Error::new(e),
    })
}

fn parameters(r: &GtbGameRequest, cfg: &GtbConfig, s: &PlannerSettings) -> Value {
    json!({"rng": r.world.rng, "seed": r.world.seed, "episode_length": cfg.episode_length,
        "agents": cfg.n_agents, "episodes": r.episodes, "rounds": r.rounds,
        "iterations": r.iterations, "pairs": r.pairs, "objective_episodes": r.objective_episodes,
        "settings": s,
        "map": r.world.map.as_ref().map_or("quadrant (embedded)".to_string(), |p| p.display().to_string())})
}

fn ci(m: &walras_gtb::stats::MetricSummary) -> [f64; 3] {
    [m.mean, m.ci95_low, m.ci95_high]
}

/// `planners.csv`: one row per planner.
fn planners_table(outcomes: &[&PlannerOutcome]) -> Result<NamedTable> {
    let col = |f: &dyn Fn(&PlannerOutcome) -> f64| outcomes.iter().map(|p| f(p)).collect();
    let mut t = Table::new().with_str(
        "planner",
        outcomes.iter().map(|p| p.planner.to_string()).collect(),
    )?;
    for (name, get) in [
        (
            "equality",
            &(|p: &PlannerOutcome| ci(&p.equality)) as &dyn Fn(&PlannerOutcome) -> [f64; 3],
        ),
        ("productivity", &|p: &PlannerOutcome| ci(&p.productivity)),
        ("equality_times_productivity", &|p: &PlannerOutcome| {
            ci(&p.equality_times_productivity)
        }),
    ] {
        t = t
            .with_f64(name, col(&|p| get(p)[0]))?
            .with_f64(&format!("{name}_ci95_low"), col(&|p| get(p)[1]))?
            .with_f64(&format!("{name}_ci95_high"), col(&|p| get(p)[2]))?;
    }
    t = t
        .with_f64("houses", col(&|p| p.houses.mean))?
        .with_f64("taxes", col(&|p| p.taxes.mean))?;
    for b in 0..7 {
        t = t.with_f64(&format!("rate_{}", b + 1), col(&|p| p.rates[b]))?;
    }
    Ok(NamedTable::new("planners.csv", t)
        .caption("Gather-Trade-Build planners with agents in approximate equilibrium (means and 95% intervals over episodes)")
        .unit("productivity", "coin")
        .unit("equality_times_productivity", "coin")
        .unit("taxes", "coin"))
}

/// `agents.csv`: each agent under each planner.
fn agents_table(outcomes: &[&PlannerOutcome]) -> Result<NamedTable> {
    let rows: Vec<(&PlannerOutcome, usize)> = outcomes
        .iter()
        .flat_map(|p| (0..p.agents.len()).map(move |i| (*p, i)))
        .collect();
    let col =
        |f: &dyn Fn(&PlannerOutcome, usize) -> f64| rows.iter().map(|(p, i)| f(p, *i)).collect();
    let mut t = Table::new()
        .with_str(
            "planner",
            rows.iter().map(|(p, _)| p.planner.to_string()).collect(),
        )?
        .with_f64("agent", col(&|_, i| i as f64))?
        .with_f64("build_payment", col(&|p, i| p.agents[i].build_payment))?
        .with_f64("utility", col(&|p, i| p.agents[i].utility.mean))?
        .with_f64(
            "utility_ci95_low",
            col(&|p, i| p.agents[i].utility.ci95_low),
        )?
        .with_f64(
            "utility_ci95_high",
            col(&|p, i| p.agents[i].utility.ci95_high),
        )?
        .with_f64("coin", col(&|p, i| p.agents[i].coin))?
        .with_f64("labor", col(&|p, i| p.agents[i].labor))?
        .with_f64("houses", col(&|p, i| p.agents[i].houses))?
        .with_f64("wood_gathered", col(&|p, i| p.agents[i].wood_gathered))?
        .with_f64("stone_gathered", col(&|p, i| p.agents[i].stone_gathered))?
        .with_f64("sold", col(&|p, i| p.agents[i].sold))?
        .with_f64("bought", col(&|p, i| p.agents[i].bought))?
        .with_str(
            "role",
            rows.iter()
                .map(|(p, i)| p.agents[*i].role.to_string())
                .collect(),
        )?
        .with_f64("deviation_gain", col(&|p, i| p.exploitability[i].gain.mean))?
        .with_f64(
            "deviation_gain_ci95_low",
            col(&|p, i| p.exploitability[i].gain.ci95_low),
        )?
        .with_f64(
            "deviation_gain_ci95_high",
            col(&|p, i| p.exploitability[i].gain.ci95_high),
        )?;
    for (k, name) in PARAM_NAMES.iter().enumerate() {
        t = t.with_f64(
            &format!("strategy_{name}"),
            col(&|p, i| p.dynamics.profile[i].0[k]),
        )?;
    }
    Ok(NamedTable::new("agents.csv", t)
        .caption("Each agent in approximate equilibrium: outcomes, role, gain from its best deviation, strategy parameters (logits)")
        .unit("build_payment", "coin per house")
        .unit("coin", "coin")
        .unit("wood_gathered", "units")
        .unit("stone_gathered", "units")
        .unit("sold", "units")
        .unit("bought", "units"))
}

fn candidates_table(o: &Optimization) -> Result<NamedTable> {
    let mut t = Table::new().with_f64(
        "candidate",
        (0..o.candidates.len()).map(|k| k as f64).collect(),
    )?;
    for b in 0..7 {
        t = t.with_f64(
            &format!("rate_{}", b + 1),
            o.candidates
                .iter()
                .map(|c| planner_rate(c.levels[b]))
                .collect(),
        )?;
    }
    t = t
        .with_f64(
            "objective",
            o.candidates.iter().map(|c| c.objective).collect(),
        )?
        .with_f64(
            "accepted",
            o.candidates
                .iter()
                .map(|c| f64::from(u8::from(c.accepted)))
                .collect(),
        )?;
    Ok(NamedTable::new("candidates.csv", t)
        .caption("Schedules tried by the outer search (agents re-equilibrated for each)")
        .unit("objective", "coin"))
}

fn trace_figures(
    cfg: &GtbConfig,
    rng: RngKind,
    outcome: &PlannerOutcome,
    seed: u64,
) -> Result<Vec<(String, crate::Figure)>> {
    let mut game = Game::new(cfg, rng, outcome.schedule)?;
    game.adapt_planner(&outcome.dynamics.profile, seed)?;
    let trace = game.trace(&outcome.dynamics.profile, seed)?;
    let mut figures = vec![map_figure(&trace.world, outcome.planner)];
    figures.extend(coin_and_labor_figures(&trace, outcome.planner));
    Ok(figures)
}

fn outcome_json(p: &PlannerOutcome) -> Result<Value> {
    Ok(serde_json::to_value(p)?)
}

/// `walras tax gtb equilibrium`: the agents' approximate equilibrium under one schedule.
pub fn equilibrium(r: &GtbGameRequest) -> Result<GtbGameRun> {
    let (cfg, rng) = world_config(&r.world)?;
    let schedule = schedule_of(r, &cfg)?;
    let s = settings(r)?;
    let start = vec![Strategy::default(); cfg.n_agents];
    let seed = r.world.seed;
    let outcome = with_pool(r, |stage, tick| {
        stage(schedule.name());
        solve_planner(&cfg, rng, schedule, &start, &s, seed, tick)
    })?;
    let parameters = parameters(r, &cfg, &s);
    let mut json = parameters.clone();
    json["tax"] = json!(cfg.tax.name());
    json["outcome"] = outcome_json(&outcome)?;
    let mut figures = trace_figures(&cfg, rng, &outcome, seed)?;
    figures.push(schedules_figure(&[&outcome]));
    Ok(GtbGameRun {
        output: Output {
            json_name: "equilibrium.json",
            json,
            tables: vec![planners_table(&[&outcome])?, agents_table(&[&outcome])?],
            figures,
        },
        provenance: Provenance {
            parameters,
            ..Provenance::default()
        },
    })
}

/// `walras tax gtb optimize`: the bracket rates that maximise equality x productivity with
/// the agents re-equilibrating, searched from the US federal rates.
pub fn optimize(r: &GtbGameRequest) -> Result<GtbGameRun> {
    let (cfg, rng) = world_config(&r.world)?;
    let s = settings(r)?;
    let start = vec![Strategy::default(); cfg.n_agents];
    let seed = r.world.seed;
    let (optimization, outcome) = with_pool(r, |stage, tick| {
        stage("US federal");
        let us = solve_planner(&cfg, rng, Schedule::UsFederal, &start, &s, seed, tick)?;
        stage("optimising the rates");
        let o = optimize_rates(
            &cfg,
            rng,
            &[(Schedule::us_federal_levels(), us.dynamics.profile)],
            &s,
            seed,
            tick,
        )?;
        let mut best = solve_planner(
            &cfg,
            rng,
            Schedule::Levels(o.levels),
            &o.profile,
            &s,
            seed,
            tick,
        )?;
        best.planner = "optimized";
        Ok((o, best))
    })?;
    let parameters = parameters(r, &cfg, &s);
    let mut json = parameters.clone();
    json["optimization"] = serde_json::to_value(&optimization)?;
    json["rates"] = json!(optimization.rates);
    json["outcome"] = outcome_json(&outcome)?;
    let mut figures = trace_figures(&cfg, rng, &outcome, seed)?;
    figures.push(schedules_figure(&[&outcome]));
    Ok(GtbGameRun {
        output: Output {
            json_name: "optimize.json",
            json,
            tables: vec![
                planners_table(&[&outcome])?,
                agents_table(&[&outcome])?,
                candidates_table(&optimization)?,
            ],
            figures,
        },
        provenance: Provenance {
            parameters,
            ..Provenance::default()
        },
    })
}

/// The planners' ranking by mean equality x productivity, best first.
pub fn ranking(c: &Comparison) -> Vec<&'static str> {
    let mut planners: Vec<&PlannerOutcome> = c.planners.iter().collect();
    planners.sort_by(|a, b| {
        b.equality_times_productivity
            .mean
            .total_cmp(&a.equality_times_productivity.mean)
    });
    planners.iter().map(|p| p.planner).collect()
}

/// `walras tax gtb compare`: free market, US federal, Saez and the optimised rates, each with
/// its agents in approximate equilibrium, evaluated on the same episodes.
pub fn compare(r: &GtbGameRequest) -> Result<GtbGameRun> {
    let (cfg, rng) = world_config(&r.world)?;
    let s = settings(r)?;
    let seed = r.world.seed;
    let comparison = with_pool(r, |stage, tick| {
        compare_planners(&cfg, rng, &s, seed, stage, tick)
    })?;
    let parameters = parameters(r, &cfg, &s);
    let mut json = parameters.clone();
    let mut planners = serde_json::Map::new();
    for p in &comparison.planners {
        planners.insert(p.planner.to_string(), outcome_json(p)?);
    }
    json["planners"] = planners.into();
    json["optimization"] = serde_json::to_value(&comparison.optimization)?;
    json["ranking"] = json!(ranking(&comparison));
    json["gain_over_saez_pct"] = json!(comparison.gain_over_saez_pct);
    json["paper"] = json!({
        "gain_over_saez_pct": 16.0,
        "ranking": ["ai_economist", "saez", "us_federal", "free_market"],
        "source": "Zheng et al. (2022), The AI Economist, Science Advances 8(18) eabk2607: the learned planner improves equality x productivity by 16% over the Saez framework"
    });
    let outcomes: Vec<&PlannerOutcome> = comparison.planners.iter().collect();
    let optimized = outcomes[outcomes.len() - 1];
    let mut figures = trace_figures(&cfg, rng, optimized, seed)?;
    figures.push(equality_productivity_figure(&outcomes));
    figures.push(schedules_figure(&outcomes));
    Ok(GtbGameRun {
        output: Output {
            json_name: "compare.json",
            json,
            tables: vec![
                planners_table(&outcomes)?,
                agents_table(&outcomes)?,
                candidates_table(&comparison.optimization)?,
            ],
            figures,
        },
        provenance: Provenance {
            parameters,
            ..Provenance::default()
        },
    })
}
