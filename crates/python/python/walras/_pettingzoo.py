"""The Gather-Trade-Build world as a PettingZoo ``ParallelEnv`` (see
:func:`walras.gtb.parallel_env`)."""

from __future__ import annotations

import functools
from typing import Any, Dict, Optional

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from walras import _walras
from walras.gtb import _world


class GtbParallelEnv(ParallelEnv):
    """Four agents (and, with planner-set rates, a planner) acting at once each step."""

    metadata = {"name": "walras_gtb_v0", "render_modes": []}

    def __init__(self, tax: str, rng: str, episode_length: int, map: Optional[str],
                 random_skills: bool = False) -> None:
        self._config = (tax, rng, episode_length, map, random_skills)
        probe = _walras.GtbEnvs(1, *_world(tax, rng, 0, episode_length, map, random_skills))
        self._planner = probe.has_planner
        n = probe.n_agents
        obs = probe.reset()
        self.possible_agents = [str(i) for i in range(n)] + (["p"] if self._planner else [])
        self.agents = []
        self._env = None
        self._next_seed = 0
        self._shapes = {k: v.shape[1:] for k, v in obs.items()}

    @functools.lru_cache(maxsize=None)
    def observation_space(self, agent: str) -> spaces.Space:
        s = self._shapes
        box = lambda shape: spaces.Box(-np.inf, np.inf, shape=shape, dtype=np.float32)  # noqa: E731
        if agent == "p":
            return spaces.Dict({
                "flat": box(s["planner_flat"]),
                "map": box(s["planner_map"]),
                "idx_map": box(s["planner_idx_map"]),
                "agents": box(s["planner_agents"]),
                "action_mask": spaces.Tuple([spaces.Box(0, 1, shape=(22,), dtype=np.int8)] * 7),
            })
        return spaces.Dict({
            "flat": box(s["flat"][1:]),
            "map": box(s["map"][1:]),
            "idx_map": box(s["idx_map"][1:]),
            "action_mask": spaces.Box(0, 1, shape=(50,), dtype=np.int8),
        })

    @functools.lru_cache(maxsize=None)
    def action_space(self, agent: str) -> spaces.Space:
        if agent == "p":
            return spaces.MultiDiscrete([22] * 7)
        return spaces.Discrete(50)

    def _observations(self, obs: Dict[str, np.ndarray]) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for i, agent in enumerate(a for a in self.possible_agents if a != "p"):
            out[agent] = {
                "flat": obs["flat"][0, i],
                "map": obs["map"][0, i],
                "idx_map": obs["idx_map"][0, i],
                "action_mask": obs["action_mask"][0, i].astype(np.int8),
            }
        if self._planner:
            out["p"] = {
                "flat": obs["planner_flat"][0],
                "map": obs["planner_map"][0],
                "idx_map": obs["planner_idx_map"][0],
                "agents": obs["planner_agents"][0],
                "action_mask": tuple(obs["planner_action_mask"][0].reshape(7, 22).astype(np.int8)),
            }
        return out

    def reset(self, seed: Optional[int] = None, options: Optional[dict] = None):
        if seed is None:
            seed, self._next_seed = self._next_seed, self._next_seed + 1
        tax, rng, episode_length, map, random_skills = self._config
        self._env = _walras.GtbEnvs(1, *_world(tax, rng, int(seed), episode_length, map, random_skills))
        self.agents = list(self.possible_agents)
        obs = self._observations(self._env.reset())
        return obs, {a: {} for a in self.agents}

    def step(self, actions: Dict[str, Any]):
        agents = np.array([[int(actions.get(a, 0)) for a in self.possible_agents if a != "p"]], dtype=np.int64)
        planner = None
        if self._planner:
            planner = np.array([np.asarray(actions.get("p", [0] * 7), dtype=np.int64)], dtype=np.int64)
        done_agents = list(self.agents)
        obs, rewards, planner_rewards, dones = self._env.step(agents, planner)
        rew = {a: float(rewards[0, i]) for i, a in enumerate(a for a in self.possible_agents if a != "p")}
        if self._planner:
            rew["p"] = float(planner_rewards[0])
        done = bool(dones[0])
        observations = self._observations(obs)
        terminations = {a: False for a in done_agents}
        truncations = {a: done for a in done_agents}
        infos = {a: {} for a in done_agents}
        if done:
            self.agents = []
        return ({a: observations[a] for a in done_agents}, {a: rew[a] for a in done_agents},
                terminations, truncations, infos)
