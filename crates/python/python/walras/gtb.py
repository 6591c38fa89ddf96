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

__all__ = ["simulate", "replay", "Simulation", "Replay", "TAX_MODELS", "POLICIES"]

TAX_MODELS = ("none", "us-federal", "saez", "planner")
"""Who sets the marginal rates."""
POLICIES = ("random", "scripted")
"""The agents' policies of :func:`simulate`."""

PathLike = Union[str, "os.PathLike[str]"]

_METRICS = ("wood_gathered", "stone_gathered", "houses", "trades", "taxes", "productivity",
            "gini", "equality", "equality_times_productivity")


def _world(tax: str, rng: str, seed: int, episode_length: int, map: Optional[PathLike]):
    if map is not None:
        map = os.fspath(map)
    return (_args.text("tax", tax), _args.text("rng", rng), _args.count("seed", seed),
            _args.count("episode_length", episode_length, minimum=1), map)


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
    progress: Progress = None,
) -> Simulation:
    """Run ``episodes`` episodes in parallel, episode k from ``seed + k``
    (``walras tax gtb simulate``); ``threads``: worker threads (default: one per core)."""
    world = _world(tax, rng, seed, episode_length, map)
    episodes = _args.count("episodes", episodes)
    if threads is not None:
        threads = _args.count("threads", threads)
    call = f"walras.gtb.simulate(policy={policy!r}, episodes={episodes}, tax={tax!r}, rng={rng!r}, seed={seed})"
    run = _walras.gtb_simulate(
        _args.text("policy", policy), episodes, threads, *world,
        progress_callback(progress, "episodes"), call,
    )
    return Simulation(run)


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
        rows, planner_rows, *_world(tax, rng, seed, episode_length, map), bool(masks), bool(observations)
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
