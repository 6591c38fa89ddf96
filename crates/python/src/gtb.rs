//! `walras.gtb`: the AI Economist's Gather-Trade-Build world: replays and simulations.

use std::path::PathBuf;

use pyo3::prelude::*;
use walras_api::gtb::{replay, simulate, GtbSimulateRequest, GtbWorldRequest};
use walras_gtb::replay::Extras;

use crate::run::{detached, Run};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(gtb_replay, m)?)?;
    m.add_function(wrap_pyfunction!(gtb_simulate, m)?)?;
    Ok(())
}

fn world(
    tax: String,
    rng: String,
    seed: u64,
    episode_length: usize,
    map: Option<PathBuf>,
) -> GtbWorldRequest {
    GtbWorldRequest {
        tax,
        rng,
        seed,
        episode_length,
        map,
    }
}

/// The states of `walras tax gtb replay` as one JSON array (one object per reset and step).
#[pyfunction]
#[pyo3(signature = (agents, planner, tax, rng, seed, episode_length, map, masks, observations))]
#[allow(clippy::too_many_arguments)]
fn gtb_replay(
    py: Python<'_>,
    agents: Vec<Vec<i64>>,
    planner: Option<Vec<Vec<i64>>>,
    tax: String,
    rng: String,
    seed: u64,
    episode_length: usize,
    map: Option<PathBuf>,
    masks: bool,
    observations: bool,
) -> PyResult<String> {
    let world = world(tax, rng, seed, episode_length, map);
    let extras = Extras {
        masks,
        observations,
    };
    detached(py, None, |_| {
        let states = replay(&world, agents, planner, extras)?;
        Ok(serde_json::to_string(&states)?)
    })
}

/// Episodes under a policy (`walras tax gtb simulate`).
#[pyfunction]
#[pyo3(signature = (policy, episodes, threads, tax, rng, seed, episode_length, map, progress, call))]
#[allow(clippy::too_many_arguments)]
fn gtb_simulate(
    py: Python<'_>,
    policy: String,
    episodes: usize,
    threads: Option<usize>,
    tax: String,
    rng: String,
    seed: u64,
    episode_length: usize,
    map: Option<PathBuf>,
    progress: Option<Bound<'_, PyAny>>,
    call: String,
) -> PyResult<Run> {
    let world = world(tax, rng, seed, episode_length, map);
    let run = detached(py, progress.as_ref(), |observer| {
        simulate(&GtbSimulateRequest {
            world,
            episodes,
            policy,
            threads,
            observer,
        })
    })?;
    Ok(Run::new(run.output, run.provenance, call))
}
