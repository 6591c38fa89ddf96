//! Episodes of the world under a policy (`walras tax gtb simulate`): per-episode outcomes,
//! their means with 95% confidence intervals, and the speed in environment steps per second.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::json;
use walras_core::{Event, NoObserver, Observer};
use walras_data::Table;
use walras_gtb::simulate::{simulate as run_episodes, EpisodeSummary, Policy};
pub use walras_gtb::stats::MetricSummary;
use walras_gtb::GtbError;

use super::world::{world_config, GtbWorldRequest};
use crate::{ArgumentError, NamedTable, Output, Provenance};

/// What `walras tax gtb simulate` computes; the defaults are the command line's.
#[derive(Clone)]
pub struct GtbSimulateRequest {
    /// The world.
    pub world: GtbWorldRequest,
    /// Episodes.
    pub episodes: usize,
    /// The agents' policy: random (uniform over the actions the masks allow) or scripted.
    pub policy: String,
    /// Worker threads (None: one per core).
    pub threads: Option<usize>,
    /// Sees each finished episode (as [`Event::Progress`] of `episode`) and may cancel.
    pub observer: Arc<dyn Observer>,
}

impl Default for GtbSimulateRequest {
    fn default() -> Self {
        GtbSimulateRequest {
            world: GtbWorldRequest::default(),
            episodes: 10,
            policy: "random".into(),
            threads: None,
            observer: Arc::new(NoObserver),
        }
    }
}

/// Most episodes in one simulation (their outcomes are kept: about 1 KB each).
pub const MAX_EPISODES: usize = 1_000_000;
/// Most worker threads.
pub const MAX_THREADS: usize = 1024;

/// Simulated episodes.
pub struct GtbSimulation {
    /// One summary per episode, in episode order.
    pub episodes: Vec<EpisodeSummary>,
    /// Environment steps per second of wall time (all threads).
    pub steps_per_s: f64,
    /// JSON record (`simulate.json`) and the table `episodes.csv`.
    pub output: Output,
    /// Parameters.
    pub provenance: Provenance,
}

/// The statistics summarised, with their units.
const METRICS: [(&str, &str); 9] = [
    ("wood_gathered", "units"),
    ("stone_gathered", "units"),
    ("houses", "houses"),
    ("trades", "trades"),
    ("taxes", "coin"),
    ("productivity", "coin"),
    ("gini", ""),
    ("equality", ""),
    ("equality_times_productivity", "coin"),
];

fn metric(e: &EpisodeSummary, name: &str) -> f64 {
    match name {
        "wood_gathered" => e.wood_gathered,
        "stone_gathered" => e.stone_gathered,
        "houses" => e.houses as f64,
        "trades" => e.trades as f64,
        "taxes" => e.taxes,
        "productivity" => e.productivity,
        "gini" => e.gini,
        "equality" => e.equality,
        _ => e.equality_times_productivity,
    }
}

/// Run the episodes of `request` (see [`GtbSimulation`]).
pub fn simulate(request: &GtbSimulateRequest) -> Result<GtbSimulation> {
    let r = request;
    let (cfg, rng) = world_config(&r.world)?;
    let policy: Policy = r
        .policy
        .parse()
        .map_err(|e: String| ArgumentError::new("policy", e))?;
    if !(1..=MAX_EPISODES).contains(&r.episodes) {
        return Err(ArgumentError::new(
            "episodes",
            format!(
                "must lie in 1..={MAX_EPISODES} (each keeps its outcome), got {}",
                r.episodes
            ),
        )
        .into());
    }
    if let Some(t) = r.threads.filter(|t| !(1..=MAX_THREADS).contains(t)) {
        return Err(ArgumentError::new(
            "threads",
            format!("must lie in 1..={MAX_THREADS}, got {t}"),
        )
        .into());
    }
    let last_seed = r.world.seed.checked_add(r.episodes as u64 - 1);
    if rng == walras_gtb::RngKind::NumpyLegacy && last_seed.is_none_or(|s| s > u64::from(u32::MAX))
    {
        return Err(ArgumentError::new(
            "seed",
            format!(
                "episode k uses seed + k, and numpy's seeds lie in 0..2^32: {} + {} episodes is too large",
                r.world.seed, r.episodes
            ),
        )
        .into());
    }
    let finished = AtomicU64::new(0);
    let total = r.episodes as u64;
    let done = || {
        let n = finished.fetch_add(1, Ordering::Relaxed) + 1;
        r.observer.on_event(&Event::Progress {
            what: "episode",
            done: n,
            total: Some(total),
        });
        if r.observer.cancelled() {
            Err(GtbError::Cancelled)
        } else {
            Ok(())
        }
    };
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = r.threads {
        builder = builder.num_threads(t);
    }
    let pool = builder.build().context("starting the worker threads")?;
    let start = Instant::now();
    let episodes = pool
        .install(|| run_episodes(&cfg, rng, r.world.seed, r.episodes, policy, &done))
        .map_err(|e| match e {
            GtbError::Cancelled => anyhow::Error::new(walras_core::EngineError::Cancelled),
            e => anyhow::Error::new(e),
        })?;
    let wall = start.elapsed().as_secs_f64();
    let steps = (r.episodes * cfg.episode_length) as f64;
    let steps_per_s = steps / wall.max(1e-12);

    let summary: serde_json::Map<String, serde_json::Value> = METRICS
        .iter()
        .map(|(name, _)| {
            let values: Vec<f64> = episodes.iter().map(|e| metric(e, name)).collect();
            (name.to_string(), json!(MetricSummary::of(&values)))
        })
        .collect();
    let parameters = json!({"tax": cfg.tax.name(), "rng": r.world.rng, "seed": r.world.seed, "episodes": r.episodes,
        "episode_length": cfg.episode_length, "policy": r.policy, "agents": cfg.n_agents,
        "map": r.world.map.as_ref().map_or("quadrant (embedded)".to_string(), |p| p.display().to_string())});
    let mut json = parameters.clone();
    json["steps"] = json!(steps);
    json["wall_time_s"] = json!(wall);
    json["steps_per_s"] = json!(steps_per_s);
    json["summary"] = summary.into();
    json["episode_outcomes"] = serde_json::to_value(&episodes)?;
    let mut table = Table::new()
        .with_f64(
            "episode",
            episodes.iter().map(|e| e.episode as f64).collect(),
        )?
        .with_f64("seed", episodes.iter().map(|e| e.seed as f64).collect())?;
    for (name, _) in METRICS {
        table = table.with_f64(name, episodes.iter().map(|e| metric(e, name)).collect())?;
    }
    let mut named = NamedTable::new("episodes.csv", table).caption(&format!(
        "Gather-Trade-Build episodes ({} taxes, {} policy)",
        cfg.tax.name(),
        r.policy
    ));
    for (name, unit) in METRICS {
        if !unit.is_empty() {
            named = named.unit(name, unit);
        }
    }
    let provenance = Provenance {
        parameters,
        ..Provenance::default()
    };
    Ok(GtbSimulation {
        episodes,
        steps_per_s,
        output: Output {
            json_name: "simulate.json",
            json,
            tables: vec![named],
            figures: Vec::new(),
        },
        provenance,
    })
}
