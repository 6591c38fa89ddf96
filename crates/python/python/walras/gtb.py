"""The AI Economist's Gather-Trade-Build world (``walras tax gtb``): four agents gather wood and
stone, trade them in a double auction and build houses for coin, under periodic bracket taxes.

Option names and values are the command line's: ``tax`` is ``"none"``, ``"us-federal"``,
``"saez"`` or ``"planner"``; ``rng`` is ``"numpy-legacy"`` (the reference's draws, bit for
bit) or ``"fast"``; ``policy`` is ``"random"`` or ``"scripted"``.

>>> import walras
>>> sim = walras.gtb.simulate(episodes=4, rng="fast")   # doctest: +SKIP
>>> sim.houses                                         # doctest: +SKIP
array([31., 28., 35., 30.])
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Union

import numpy as np

from walras import _args, _walras
from walras._result import Progress, Result, fmt, progress_callback, text_table

__all__ = ["simulate", "replay", "equilibrium", "optimize", "compare", "vector_env", "parallel_env",
           "Simulation", "Replay", "Equilibrium", "Comparison", "VectorEnv", "TAX_MODELS", "POLICIES",
           "PLANNERS"]

TAX_MODELS = ("none", "us-federal", "saez", "planner")
"""Who sets the marginal rates."""
POLICIES = ("random", "scripted")
"""The agents' policies of :func:`simulate`."""

PLANNERS = ("free_market", "us_federal", "saez", "optimized")
"""The planners of :func:`compare`, in order."""

PathLike = Union[str, "os.PathLike[str]"]

_METRICS = ("wood_gathered", "stone_gathered", "houses", "trades", "taxes", "productivity",
            "gini", "equality", "equality_times_productivity")


def _world(tax: str, rng: str, seed: int, episode_length: int, map: Optional[PathLike],
           random_skills: bool = False):
    if map is not None:
        map = os.fspath(map)
    if not isinstance(random_skills, bool):
        raise TypeError(f"random_skills must be True or False, got {random_skills!r}")
    return (_args.text("tax", tax), _args.text("rng", rng), _args.count("seed", seed),
            _args.count("episode_length", episode_length, minimum=1), map, random_skills)


class Simulation(Result):
    """Episodes under a policy (``walras tax gtb simulate``).

    One value per episode (numpy arrays, in episode order): ``wood_gathered``,
    ``stone_gathered``, ``houses``, ``trades``, ``taxes`` (coin), ``productivity`` (total coin
    at the end), ``gini``, ``equality``, ``equality_times_productivity``; per episode and
    agent (episodes x agents): ``coin``, ``labor``, ``utility``. ``summary``: each statistic's
    ``mean``, ``ci95_low`` and ``ci95_high``; ``steps_per_s``: the speed.
    """

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        r = self._record
        outcomes = r["episode_outcomes"]
        for k in _METRICS:
            setattr(self, k, np.array([e[k] for e in outcomes], dtype=np.float64))
        for k in ("coin", "labor", "utility"):
            setattr(self, k, np.array([e[k] for e in outcomes], dtype=np.float64))
        self.episode: np.ndarray = np.array([e["episode"] for e in outcomes])
        self.summary: Dict[str, Dict[str, float]] = r["summary"]
        self.steps_per_s: float = r["steps_per_s"]

    def _columns(self) -> Dict[str, Any]:
        cols: Dict[str, Any] = {"episode": self.episode}
        for k in _METRICS:
            cols[k] = getattr(self, k)
        return cols

    def __repr__(self) -> str:
        r = self._record
        rows = [[k.replace("_", " "), fmt(s["mean"]), fmt(s["ci95_low"]), fmt(s["ci95_high"])]
                for k, s in self.summary.items()]
        head = (f"Simulation: {r['episodes']} episodes of {r['episode_length']} steps, {r['tax']} taxes, "
                f"{r['policy']} policy, {r['rng']} generator ({self.steps_per_s:,.0f} steps/s)")
        return head + "\n" + text_table(["per episode", "mean", "95% low", "95% high"], rows)


def simulate(
    policy: str = "random",
    *,
    episodes: int = 10,
    tax: str = "us-federal",
    rng: str = "numpy-legacy",
    seed: int = 0,
    episode_length: int = 1000,
    threads: Optional[int] = None,
    map: Optional[PathLike] = None,
    random_skills: bool = False,
    progress: Progress = None,
) -> Simulation:
    """Run ``episodes`` episodes in parallel, episode k from ``seed + k``
    (``walras tax gtb simulate``); ``threads``: worker threads (default: one per core);
    ``random_skills``: Pareto skills and random places each episode instead of the four
    fixed ones."""
    world = _world(tax, rng, seed, episode_length, map, random_skills)
    episodes = _args.count("episodes", episodes)
    if threads is not None:
        threads = _args.count("threads", threads)
    call = f"walras.gtb.simulate(policy={policy!r}, episodes={episodes}, tax={tax!r}, rng={rng!r}, seed={seed})"
    run = _walras.gtb_simulate(
        _args.text("policy", policy), episodes, threads, *world,
        progress_callback(progress, "episodes"), call,
    )
    return Simulation(run)


def _interval(m: Dict[str, float], digits: int) -> str:
    return f"{m['mean']:.{digits}f} [{m['ci95_low']:.{digits}f}, {m['ci95_high']:.{digits}f}]"


def _planner_rows(outcomes: List[Dict[str, Any]]) -> List[List[str]]:
    return [[o["planner"].replace("_", " "), _interval(o["equality"], 3), _interval(o["productivity"], 1),
             _interval(o["equality_times_productivity"], 1), " ".join(f"{r:.2f}" for r in o["rates"])]
            for o in outcomes]


_PLANNER_HEADERS = ["planner", "equality", "productivity (coin)", "equality x productivity", "rates"]


class Equilibrium(Result):
    """Agents in approximate equilibrium under one schedule (``walras tax gtb equilibrium``,
    and ``optimize`` at its optimised rates).

    ``outcome``: the record (``equality``, ``productivity``, ``equality_times_productivity``,
    ``houses``, ``taxes``: each ``mean``, ``ci95_low``, ``ci95_high``; ``rates``; ``agents``
    by building skill, lowest first, with ``role``, ``utility``, ``houses``, ``sold``,
    ``bought``; ``exploitability``: each agent's ``gain`` from its best deviation;
    ``dynamics``). ``rates``: the seven rates (Saez: the mean of those it set);
    ``optimization`` (``optimize`` only): the outer search with every ``candidates`` tried.
    """

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        r = self._record
        self.outcome: Dict[str, Any] = r["outcome"]
        self.rates: np.ndarray = np.array(self.outcome["rates"], dtype=np.float64)
        self.optimization: Optional[Dict[str, Any]] = r.get("optimization")
        self.utility: np.ndarray = np.array([a["utility"]["mean"] for a in self.outcome["agents"]])
        self.deviation_gain: np.ndarray = np.array([d["gain"]["mean"] for d in self.outcome["exploitability"]])

    def __repr__(self) -> str:
        rows = _planner_rows([self.outcome])
        settled = "settled" if self.outcome["dynamics"]["settled"] else "not settled"
        return f"Equilibrium ({settled})\n" + text_table(_PLANNER_HEADERS, rows)


class Comparison(Result):
    """The four planners side by side (``walras tax gtb compare``).

    ``planners``: ``free_market``, ``us_federal``, ``saez``, ``optimized``, each a record as
    :attr:`Equilibrium.outcome`; ``ranking``: by mean equality x productivity, best first;
    ``gain_over_saez_pct``: the optimised rates' gain over Saez (``mean``, ``ci95_low``,
    ``ci95_high``); ``paper``: the published comparison; arrays in :data:`PLANNERS` order:
    ``equality``, ``productivity``, ``equality_times_productivity`` (means).
    """

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        r = self._record
        self.planners: Dict[str, Dict[str, Any]] = r["planners"]
        self.ranking: List[str] = r["ranking"]
        self.gain_over_saez_pct: Dict[str, float] = r["gain_over_saez_pct"]
        self.paper: Dict[str, Any] = r["paper"]
        for k in ("equality", "productivity", "equality_times_productivity"):
            setattr(self, k, np.array([self.planners[p][k]["mean"] for p in PLANNERS], dtype=np.float64))

    def __repr__(self) -> str:
        rows = _planner_rows([self.planners[p] for p in PLANNERS])
        head = (f"Comparison: {' > '.join(self.ranking)}; optimised over Saez "
                f"{_interval(self.gain_over_saez_pct, 1)}% (paper: +{self.paper['gain_over_saez_pct']:.0f}%)")
        return head + "\n" + text_table(_PLANNER_HEADERS, rows)


def _game(kind: str, tax: str, rates: Optional[Any], seed: int, rng: str, episodes: int, rounds: int,
          iterations: int, pairs: int, objective_episodes: int, episode_length: int,
          threads: Optional[int], map: Optional[PathLike], random_skills: bool, progress: Progress,
          call: str) -> Any:
    world = _world(tax, rng, seed, episode_length, map, random_skills)
    if rates is not None:
        rates = [float(r) for r in np.asarray(rates, dtype=np.float64).ravel()]
    if threads is not None:
        threads = _args.count("threads", threads)
    return _walras.gtb_game(
        kind, world[0], rates, *world[1:], _args.count("episodes", episodes), _args.count("rounds", rounds),
        _args.count("iterations", iterations, minimum=0), _args.count("pairs", pairs),
        _args.count("objective_episodes", objective_episodes), threads,
        progress_callback(progress, "best-response iterations"), call,
    )


def equilibrium(
    tax: str = "us-federal",
    *,
    rates: Optional[Any] = None,
    seed: int = 0,
    rng: str = "fast",
    episodes: int = 200,
    rounds: int = 8,
    iterations: int = 20,
    pairs: int = 8,
    episode_length: int = 1000,
    threads: Optional[int] = None,
    map: Optional[PathLike] = None,
    random_skills: bool = False,
    progress: Progress = None,
) -> Equilibrium:
    """The agents' approximate equilibrium under ``tax`` (``"planner"`` with seven ``rates``,
    multiples of 0.05), by best-response dynamics (``walras tax gtb equilibrium``)."""
    call = f"walras.gtb.equilibrium({tax!r}, rates={rates!r}, seed={seed}, episodes={episodes})"
    return Equilibrium(_game("equilibrium", tax, rates, seed, rng, episodes, rounds, iterations, pairs, 64,
                             episode_length, threads, map, random_skills, progress, call))


def optimize(
    *,
    seed: int = 0,
    rng: str = "fast",
    episodes: int = 200,
    rounds: int = 8,
    iterations: int = 20,
    pairs: int = 8,
    objective_episodes: int = 64,
    episode_length: int = 1000,
    threads: Optional[int] = None,
    map: Optional[PathLike] = None,
    random_skills: bool = False,
    progress: Progress = None,
) -> Equilibrium:
    """The seven rates that maximise equality x productivity, the agents re-equilibrating for
    every candidate (``walras tax gtb optimize``)."""
    call = f"walras.gtb.optimize(seed={seed}, episodes={episodes})"
    return Equilibrium(_game("optimize", "planner", None, seed, rng, episodes, rounds, iterations, pairs,
                             objective_episodes, episode_length, threads, map, random_skills, progress, call))


def compare(
    *,
    seed: int = 0,
    rng: str = "fast",
    episodes: int = 200,
    rounds: int = 8,
    iterations: int = 20,
    pairs: int = 8,
    objective_episodes: int = 64,
    episode_length: int = 1000,
    threads: Optional[int] = None,
    map: Optional[PathLike] = None,
    random_skills: bool = False,
    progress: Progress = None,
) -> Comparison:
    """Free market, US federal, Saez and the optimised rates, each with its agents in
    approximate equilibrium, on the same episodes (``walras tax gtb compare``)."""
    call = f"walras.gtb.compare(seed={seed}, episodes={episodes})"
    return Comparison(_game("compare", "none", None, seed, rng, episodes, rounds, iterations, pairs,
                            objective_episodes, episode_length, threads, map, random_skills, progress, call))


class Replay:
    """The states of a replay (``walras tax gtb replay``), one per reset and step.

    ``records``: the command line's JSON lines as dicts. Arrays over records (records x
    agents where per agent): ``episode``, ``t``, ``loc`` (records x agents x 2), ``coin``,
    ``wood``, ``stone``, ``escrow_coin``, ``escrow_wood``, ``escrow_stone``, ``labor``,
    ``houses``, ``rewards``, ``tax_paid``, ``lump_sum``, ``planner_reward``, ``wood_on_map``,
    ``stone_on_map``, ``rates`` (records x 7); with masks, ``agent_masks`` (records x agents x
    50) and ``planner_mask``.
    """

    def __init__(self, records: List[Dict[str, Any]]) -> None:
        self.records = records
        for key in records[0]:
            if key == "observations":
                self.observations = [r[key] for r in records]
                continue
            dtype = np.int64 if key in ("episode", "t", "loc", "houses", "agent_masks", "planner_mask") else np.float64
            setattr(self, key, np.array([r[key] for r in records], dtype=dtype))

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        last = self.records[-1]
        rows = [[str(i), fmt(last["coin"][i]), fmt(last["labor"][i]), str(last["houses"][i])]
                for i in range(len(last["coin"]))]
        head = f"Replay: {len(self.records)} states, last at episode {last['episode']} step {last['t']}"
        return head + "\n" + text_table(["agent", "coin", "labour", "houses"], rows)


def replay(
    agents: Any,
    planner: Any = None,
    *,
    seed: int = 0,
    tax: str = "us-federal",
    rng: str = "numpy-legacy",
    episode_length: int = 1000,
    map: Optional[PathLike] = None,
    random_skills: bool = False,
    masks: bool = False,
    observations: bool = False,
) -> Replay:
    """Replay recorded actions from ``seed`` (``walras tax gtb replay``).

    ``agents``: one flat action (0..49) per agent per step, an integer array of shape
    (steps, agents) or nested lists; ``planner`` (only with ``tax="planner"``): seven
    sub-actions (0..21) per step. Steps run through episodes back to back. A path to a JSON
    actions file (the command line's format) may be given as ``agents`` instead. ``masks`` and
    ``observations`` add the action masks and what each agent and the planner observe (as the
    reference's float32 values; ``Replay.observations`` holds them per record).
    """
    if isinstance(agents, (str, os.PathLike)):
        with open(agents) as f:
            data = json.load(f)
        agents, planner = data.get("agents"), data.get("planner", planner)
    rows = _integer_rows("agents", agents)
    planner_rows = None if planner is None else _integer_rows("planner", planner)
    records = json.loads(_walras.gtb_replay(
        rows, planner_rows, *_world(tax, rng, seed, episode_length, map, random_skills), bool(masks), bool(observations)
    ))
    return Replay(records)


def _integer_rows(name: str, value: Any) -> List[List[int]]:
    """A two-dimensional array of integers as nested lists; TypeError or ArgumentError naming
    ``name`` otherwise."""
    try:
        array = np.asarray(value)
    except Exception as e:
        raise TypeError(f"{name} must be a two-dimensional array of integers: {e}") from None
    if array.dtype.kind not in "iu":
        if array.dtype.kind == "f" and array.size and np.all(np.isfinite(array)) and np.all(array == np.round(array)):
            array = array.astype(np.int64)
        else:
            raise TypeError(f"{name} must hold integer actions, got dtype {array.dtype}")
    if array.ndim != 2:
        raise _args.ArgumentError(f"{name} must be two-dimensional (steps x entries), got shape {array.shape}", argument=name)
    return array.astype(np.int64).tolist()


class VectorEnv:
    """A batch of Gather-Trade-Build worlds stepped together from numpy arrays, without a
    Python loop per world (``walras.gtb.vector_env``).

    ``reset()`` returns the observations; ``step(agents, planner=None)`` takes the agents'
    flat actions (an integer array of shape ``(num_envs, n_agents)``, 0..49) and, with
    ``tax="planner"``, the planner's (``(num_envs, 7)``, 0..21) and returns
    ``(observations, rewards, planner_rewards, dones)``: rewards of shape
    ``(num_envs, n_agents)``, planner rewards and episode ends of shape ``(num_envs,)``. A world
    whose episode ended is reset at once, and its observations are its new episode's first.

    Observations are a dict of float32 arrays: ``flat`` ``(num_envs, n_agents, 136)`` (121
    without taxes), ``map`` ``(num_envs, n_agents, 7, 11, 11)``, ``idx_map``
    ``(num_envs, n_agents, 2, 11, 11)``, ``action_mask`` ``(num_envs, n_agents, 50)``, and the
    planner's ``planner_flat``, ``planner_map``, ``planner_idx_map``, ``planner_agents``,
    ``planner_action_mask`` (7 x 22 = 154 entries with a planner, else 1), in the reference's
    layout (see ``docs/gtb.md``).
    """

    def __init__(self, num_envs: int, tax: str, rng: str, seed: int, episode_length: int,
                 map: Optional[PathLike], random_skills: bool = False) -> None:
        world = _world(tax, rng, seed, episode_length, map, random_skills)
        self._envs = _walras.GtbEnvs(_args.count("num_envs", num_envs, minimum=1), *world)
        self.num_envs: int = self._envs.num_envs
        self.n_agents: int = self._envs.n_agents

    def reset(self) -> Dict[str, np.ndarray]:
        """Reset every world; the observations."""
        return self._envs.reset()

    def step(self, agents: Any, planner: Any = None):
        """One step of every world (see the class)."""
        agents = np.ascontiguousarray(agents, dtype=np.int64)
        if planner is not None:
            planner = np.ascontiguousarray(planner, dtype=np.int64)
        return self._envs.step(agents, planner)


def vector_env(
    num_envs: int,
    *,
    tax: str = "us-federal",
    rng: str = "fast",
    seed: int = 0,
    episode_length: int = 1000,
    map: Optional[PathLike] = None,
    random_skills: bool = False,
) -> VectorEnv:
    """A batch of ``num_envs`` worlds, world k from ``seed + k``, stepped in parallel from
    numpy arrays (see :class:`VectorEnv`)."""
    return VectorEnv(num_envs, tax, rng, seed, episode_length, map, random_skills)


def parallel_env(
    *,
    tax: str = "us-federal",
    rng: str = "fast",
    episode_length: int = 1000,
    map: Optional[PathLike] = None,
    random_skills: bool = False,
):
    """The world as a PettingZoo ``ParallelEnv`` (needs ``pettingzoo`` and ``gymnasium``).

    Agents ``"0"`` to ``"3"`` act with ``Discrete(50)``; with ``tax="planner"`` the planner
    ``"p"`` acts with ``MultiDiscrete([22] * 7)``. Each observation is a dict with ``flat``,
    ``map``, ``idx_map`` and ``action_mask`` (PettingZoo's convention: sample with
    ``action_space(agent).sample(mask=obs["action_mask"])``); the planner's has ``flat``,
    ``map``, ``idx_map``, ``agents`` and ``action_mask`` (a tuple of 7 masks of 22, as
``MultiDiscrete.sample(mask=...)`` takes them). ``reset(seed=...)`` seeds the
    world (default: the next seed of the environment's own sequence).
    """
    from walras._pettingzoo import GtbParallelEnv

    return GtbParallelEnv(tax=tax, rng=rng, episode_length=episode_length, map=map,
                          random_skills=random_skills)
