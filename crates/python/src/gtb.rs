//! `walras.gtb`: the AI Economist's Gather-Trade-Build world: replays and simulations.

use std::path::PathBuf;

use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rayon::prelude::*;
use walras_api::gtb::{
    compare, equilibrium, optimize, replay, simulate, world_config, GtbGameRequest,
    GtbSimulateRequest, GtbWorldRequest,
};
use walras_gtb::observe::{agent_observation, planner_observation};
use walras_gtb::policy::{agent_mask, planner_mask};
use walras_gtb::replay::Extras;
use walras_gtb::world::{World, AGENT_ACTIONS, BRACKETS, PLANNER_ACTIONS};

use crate::errors::to_py_err;
use crate::run::{detached, Run};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(gtb_replay, m)?)?;
    m.add_function(wrap_pyfunction!(gtb_simulate, m)?)?;
    m.add_function(wrap_pyfunction!(gtb_game, m)?)?;
    m.add_class::<GtbEnvs>()?;
    Ok(())
}

fn world(
    tax: String,
    rng: String,
    seed: u64,
    episode_length: usize,
    map: Option<PathBuf>,
    random_skills: bool,
) -> GtbWorldRequest {
    GtbWorldRequest {
        tax,
        rng,
        seed,
        episode_length,
        map,
        random_skills,
    }
}

/// The states of `walras tax gtb replay` as one JSON array (one object per reset and step).
#[pyfunction]
#[pyo3(signature = (agents, planner, tax, rng, seed, episode_length, map, random_skills, masks, observations))]
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
    random_skills: bool,
    masks: bool,
    observations: bool,
) -> PyResult<String> {
    let world = world(tax, rng, seed, episode_length, map, random_skills);
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
#[pyo3(signature = (policy, episodes, threads, tax, rng, seed, episode_length, map, random_skills, progress, call))]
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
    random_skills: bool,
    progress: Option<Bound<'_, PyAny>>,
    call: String,
) -> PyResult<Run> {
    let world = world(tax, rng, seed, episode_length, map, random_skills);
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

/// Agents that best-respond (`walras tax gtb equilibrium | optimize | compare`, by `kind`).
#[pyfunction]
#[pyo3(signature = (kind, tax, rates, rng, seed, episode_length, map, random_skills, episodes, rounds, iterations, pairs, objective_episodes, threads, progress, call))]
#[allow(clippy::too_many_arguments)]
fn gtb_game(
    py: Python<'_>,
    kind: String,
    tax: String,
    rates: Option<Vec<f64>>,
    rng: String,
    seed: u64,
    episode_length: usize,
    map: Option<PathBuf>,
    random_skills: bool,
    episodes: usize,
    rounds: usize,
    iterations: usize,
    pairs: usize,
    objective_episodes: usize,
    threads: Option<usize>,
    progress: Option<Bound<'_, PyAny>>,
    call: String,
) -> PyResult<Run> {
    let world = world(tax, rng, seed, episode_length, map, random_skills);
    let run = detached(py, progress.as_ref(), |observer| {
        let request = GtbGameRequest {
            world,
            episodes,
            rounds,
            iterations,
            pairs,
            objective_episodes,
            rates,
            threads,
            observer,
        };
        match kind.as_str() {
            "equilibrium" => equilibrium(&request),
            "optimize" => optimize(&request),
            _ => compare(&request),
        }
    })?;
    Ok(Run::new(run.output, run.provenance, call))
}

/// A batch of worlds stepped together from numpy arrays (`walras.gtb.vector_env`).
#[pyclass(module = "walras._walras")]
pub struct GtbEnvs {
    worlds: Vec<World>,
    n_agents: usize,
    planner: bool,
    started: bool,
}

/// Observation arrays of a batch, by name.
type ObservationArrays<'py> = Bound<'py, PyDict>;

fn f32_array<'py>(py: Python<'py>, data: Vec<f32>, shape: &[usize]) -> PyResult<Bound<'py, PyAny>> {
    Ok(PyArray1::from_vec(py, data)
        .reshape(shape.to_vec())?
        .into_any())
}

impl GtbEnvs {
    fn observations<'py>(&self, py: Python<'py>) -> PyResult<ObservationArrays<'py>> {
        let (e, n) = (self.worlds.len(), self.n_agents);
        let mut flat = Vec::new();
        let mut map = Vec::new();
        let mut idx = Vec::new();
        let mut masks = Vec::new();
        let mut p_flat = Vec::new();
        let mut p_map = Vec::new();
        let mut p_idx = Vec::new();
        let mut p_agents = Vec::new();
        let mut p_mask = Vec::new();
        let mut mask = [false; AGENT_ACTIONS];
        for w in &self.worlds {
            for i in 0..n {
                let o = agent_observation(w, i);
                flat.extend(o.flat);
                map.extend(o.map);
                idx.extend(o.idx_map);
                agent_mask(w, i, &mut mask);
                masks.extend(mask.iter().map(|&m| f32::from(u8::from(m))));
            }
            let p = planner_observation(w);
            p_flat.extend(p.flat);
            p_map.extend(p.map);
            p_idx.extend(p.idx_map);
            p_agents.extend(p.agents.into_iter().flatten());
            p_mask.extend(planner_mask(w).into_iter().map(|m| f32::from(u8::from(m))));
        }
        let layout = &self.worlds[0].config().layout;
        let (h, wd) = (layout.height, layout.width);
        let side = walras_gtb::observe::VIEW_SIDE;
        let d = PyDict::new(py);
        let f = flat.len() / (e * n);
        d.set_item("flat", f32_array(py, flat, &[e, n, f])?)?;
        d.set_item("map", f32_array(py, map, &[e, n, 7, side, side])?)?;
        d.set_item("idx_map", f32_array(py, idx, &[e, n, 2, side, side])?)?;
        d.set_item("action_mask", f32_array(py, masks, &[e, n, AGENT_ACTIONS])?)?;
        let pf = p_flat.len() / e;
        d.set_item("planner_flat", f32_array(py, p_flat, &[e, pf])?)?;
        d.set_item("planner_map", f32_array(py, p_map, &[e, 6, h, wd])?)?;
        d.set_item("planner_idx_map", f32_array(py, p_idx, &[e, 2, h, wd])?)?;
        let pa = p_agents.len() / (e * n);
        d.set_item("planner_agents", f32_array(py, p_agents, &[e, n, pa])?)?;
        let pm = p_mask.len() / e;
        d.set_item("planner_action_mask", f32_array(py, p_mask, &[e, pm])?)?;
        Ok(d)
    }
}

#[pymethods]
impl GtbEnvs {
    /// `num_envs` worlds, world k from `seed + k`; call `reset` before the first step.
    #[new]
    #[pyo3(signature = (num_envs, tax, rng, seed, episode_length, map, random_skills))]
    fn new(
        num_envs: usize,
        tax: String,
        rng: String,
        seed: u64,
        episode_length: usize,
        map: Option<PathBuf>,
        random_skills: bool,
    ) -> PyResult<Self> {
        Python::attach(|py| {
            let request = world(tax, rng, seed, episode_length, map, random_skills);
            let (cfg, kind) = world_config(&request).map_err(|e| to_py_err(py, e))?;
            if num_envs == 0 {
                return Err(to_py_err(
                    py,
                    walras_api::ArgumentError::new("num_envs", "must be at least 1, got 0").into(),
                ));
            }
            let worlds = (0..num_envs)
                .map(|k| World::seeded(cfg.clone(), kind, seed + k as u64))
                .collect::<Result<Vec<World>, _>>()
                .map_err(|e| to_py_err(py, e.into()))?;
            Ok(GtbEnvs {
                n_agents: cfg.n_agents,
                planner: cfg.tax == walras_gtb::TaxModel::Planner,
                worlds,
                started: false,
            })
        })
    }

    /// Worlds in the batch.
    #[getter]
    fn num_envs(&self) -> usize {
        self.worlds.len()
    }

    /// Agents per world.
    #[getter]
    fn n_agents(&self) -> usize {
        self.n_agents
    }

    /// Whether a planner sets the rates.
    #[getter]
    fn has_planner(&self) -> bool {
        self.planner
    }

    /// Reset every world; returns the observations.
    fn reset<'py>(&mut self, py: Python<'py>) -> PyResult<ObservationArrays<'py>> {
        for w in &mut self.worlds {
            w.reset().map_err(|e| to_py_err(py, e.into()))?;
        }
        self.started = true;
        self.observations(py)
    }

    /// One step of every world: `agents` (num_envs x agents, 0..49), `planner` (num_envs x 7,
    /// 0..21, only with planner-set rates). Returns observations, agent rewards (num_envs x
    /// agents), planner rewards and which worlds finished an episode (those are reset at once,
    /// and the observations are of their new episode).
    #[pyo3(signature = (agents, planner=None))]
    #[allow(clippy::type_complexity)]
    fn step<'py>(
        &mut self,
        py: Python<'py>,
        agents: PyReadonlyArray2<'py, i64>,
        planner: Option<PyReadonlyArray2<'py, i64>>,
    ) -> PyResult<(
        ObservationArrays<'py>,
        Bound<'py, PyAny>,
        Bound<'py, PyAny>,
        Bound<'py, PyAny>,
    )> {
        let (e, n) = (self.worlds.len(), self.n_agents);
        let a = agents.as_array();
        let bad = |message: String| {
            to_py_err(
                py,
                walras_api::ArgumentError::new("actions", message).into(),
            )
        };
        if a.shape() != [e, n] {
            return Err(bad(format!(
                "agents must have shape ({e}, {n}), got {:?}",
                a.shape()
            )));
        }
        let agent_actions: Vec<Vec<usize>> = (0..e)
            .map(|k| {
                (0..n)
                    .map(|i| {
                        usize::try_from(a[[k, i]])
                            .ok()
                            .filter(|&v| v < AGENT_ACTIONS)
                            .ok_or_else(|| {
                                bad(format!(
                                    "env {k}, agent {i}: {} is not an action in 0..{AGENT_ACTIONS}",
                                    a[[k, i]]
                                ))
                            })
                    })
                    .collect()
            })
            .collect::<PyResult<_>>()?;
        let planner_actions: Option<Vec<[usize; BRACKETS]>> = match (planner, self.planner) {
            (None, false) => None,
            (None, true) => {
                return Err(bad(
                    "planner actions (num_envs x 7) are needed with tax=\"planner\"".into(),
                ))
            }
            (Some(_), false) => {
                return Err(bad(
                    "planner actions are only read with tax=\"planner\"".into()
                ))
            }
            (Some(p), true) => {
                let p = p.as_array();
                if p.shape() != [e, BRACKETS] {
                    return Err(bad(format!(
                        "planner must have shape ({e}, {BRACKETS}), got {:?}",
                        p.shape()
                    )));
                }
                Some(
                    (0..e)
                        .map(|k| {
                            let mut row = [0; BRACKETS];
                            for (b, slot) in row.iter_mut().enumerate() {
                                *slot = usize::try_from(p[[k, b]])
                                    .ok()
                                    .filter(|&v| v < PLANNER_ACTIONS)
                                    .ok_or_else(|| bad(format!("env {k}, bracket {b}: {} is not a planner action in 0..{PLANNER_ACTIONS}", p[[k, b]])))?;
                            }
                            Ok(row)
                        })
                        .collect::<PyResult<_>>()?,
                )
            }
        };
        let worlds = &mut self.worlds;
        let outcome = py.detach(
            || -> Result<Vec<(Vec<f64>, f64, bool)>, walras_gtb::GtbError> {
                worlds
                    .par_iter_mut()
                    .enumerate()
                    .map(|(k, w)| {
                        let done =
                            w.step(&agent_actions[k], planner_actions.as_ref().map(|p| &p[k]))?;
                        let result = (w.rewards.clone(), w.planner_reward, done);
                        if done {
                            w.reset()?;
                        }
                        Ok(result)
                    })
                    .collect()
            },
        );
        let outcome = outcome.map_err(|e| to_py_err(py, e.into()))?;
        let rewards: Vec<f64> = outcome.iter().flat_map(|o| o.0.clone()).collect();
        let planner_rewards: Vec<f64> = outcome.iter().map(|o| o.1).collect();
        let dones: Vec<bool> = outcome.iter().map(|o| o.2).collect();
        Ok((
            self.observations(py)?,
            PyArray1::from_vec(py, rewards).reshape([e, n])?.into_any(),
            PyArray1::from_vec(py, planner_rewards).into_any(),
            PyArray1::from_vec(py, dones).into_any(),
        ))
    }
}
