//! The world a request describes: tax model, generator, seed, episode length and map.

use std::path::PathBuf;

use anyhow::{Context, Result};
use walras_gtb::{GtbConfig, Layout, RngKind, TaxModel};

use crate::ArgumentError;

/// The world of a `walras tax gtb` command; the defaults are the command line's.
#[derive(Clone, Debug)]
pub struct GtbWorldRequest {
    /// Who sets the rates: none, us-federal, saez or planner.
    pub tax: String,
    /// Random numbers: numpy-legacy or fast.
    pub rng: String,
    /// Seed (episode `k` of a simulation uses `seed + k`).
    pub seed: u64,
    /// Steps per episode.
    pub episode_length: usize,
    /// A map file in the reference's format (default: the quadrant map).
    pub map: Option<PathBuf>,
    /// Pareto skills and random places drawn anew each episode, instead of the reference's
    /// four fixed skills in the four corners.
    pub random_skills: bool,
}

impl Default for GtbWorldRequest {
    fn default() -> Self {
        GtbWorldRequest {
            tax: "us-federal".into(),
            rng: "numpy-legacy".into(),
            seed: 0,
            episode_length: 1000,
            map: None,
            random_skills: false,
        }
    }
}

/// The configuration and generator kind of `request`; errors name the setting.
pub fn world_config(request: &GtbWorldRequest) -> Result<(GtbConfig, RngKind)> {
    let tax: TaxModel = request
        .tax
        .parse()
        .map_err(|e: String| ArgumentError::new("tax", e))?;
    let rng: RngKind = request
        .rng
        .parse()
        .map_err(|e: String| ArgumentError::new("rng", e))?;
    if rng == RngKind::NumpyLegacy && request.seed > u64::from(u32::MAX) {
        return Err(ArgumentError::new(
            "seed",
            format!(
                "numpy's seeds lie in 0..2^32, got {}; use --rng fast for larger seeds",
                request.seed
            ),
        )
        .into());
    }
    let layout = match &request.map {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|source| walras_data::DataError::Io {
                    path: path.clone(),
                    source,
                })
                .context("--map")?;
            Layout::parse(&text, &path.display().to_string())?
        }
        None => Layout::quadrant(),
    };
    let cfg = GtbConfig {
        layout,
        tax,
        episode_length: request.episode_length,
        fixed_skills_and_locations: !request.random_skills,
        ..GtbConfig::default()
    };
    cfg.validate().map_err(|e| match e {
        walras_gtb::GtbError::Config { field, message } => {
            let flag = match field {
                "episode_length" => "episode-length",
                other => other,
            };
            anyhow::Error::new(ArgumentError::new(flag, message))
        }
        e => anyhow::Error::new(e),
    })?;
    Ok((cfg, rng))
}
