"""The data-driven automation model (DDA-1): growth paths, the social planner against the
market, Monte Carlo over parameter ranges, phase diagrams over a two-parameter grid, and
spillover networks.

Option names are the command line's (``walras automation ...``) with ``_`` for ``-``. A
scenario is a shipped ``preset`` (see :func:`presets`; default ``"directed-chain"``) or a
``scenario`` file (TOML); ``set`` overrides scalar keys, as a dict (``{"sigma": 0.5,
"network.weight": 0.2}``) or as the command line's ``"KEY=VALUE"`` texts. Time is in model
units; output, wage and capital in units of the final good.

>>> import walras
>>> path = walras.automation.simulate(preset="power-law")  # doctest: +SKIP
>>> path.labor_task_share[-1]  # doctest: +SKIP
"""

from __future__ import annotations

import math
import numbers
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from walras import _args, _walras
from walras._result import (
    PolicyBands,
    Progress,
    Result,
    fmt,
    optional_frame,
    progress_callback,
    text_table,
)
from walras.errors import ArgumentError

__all__ = [
    "presets",
    "simulate",
    "planner",
    "sensitivity",
    "uncertainty",
    "sweep",
    "monte_carlo",
    "phase_diagram",
    "network",
    "Simulation",
    "PlannerPaths",
    "Sensitivity",
    "Uncertainty",
    "MonteCarlo",
    "PhaseDiagram",
    "NetworkStats",
]

PathLike = Union[str, "os.PathLike[str]"]
Overrides = Union[None, Mapping[str, float], Sequence[str]]


def _call(name: str, **kwargs: Any) -> str:
    """How the run manifest names a call."""
    shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items() if v is not None)
    return f"walras.automation.{name}({shown})"


def _nan_for_none(values: List[Optional[float]]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _number_text(name: str, value: Any) -> str:
    """A real number as text the engine parses back to the same float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    return repr(float(value))


def _texts(name: str, value: Any, parts: int) -> List[str]:
    """``KEY=...`` texts from a dict (values: a number, or a tuple of ``parts`` numbers
    joined by ``:``) or from a list of such texts."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        out = []
        for key, v in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{name} keys must be strings, got {type(key).__name__} {key!r}")
            if parts == 1:
                out.append(f"{key}={_number_text(f'{name}[{key!r}]', v)}")
                continue
            if isinstance(v, (str, bytes)) or not isinstance(v, Sequence) or len(v) != parts:
                raise TypeError(
                    f"{name}[{key!r}] must be a tuple of {parts} numbers, got {v!r}"
                )
            items = [_number_text(f"{name}[{key!r}]", x) for x in v]
            if parts == 3:
                n = v[2]
                if isinstance(n, bool) or not isinstance(n, numbers.Integral):
                    raise TypeError(f"{name}[{key!r}]: the number of points must be an integer, got {n!r}")
                items[2] = str(int(n))
            out.append(f"{key}={':'.join(items)}")
        return out
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(
            f"{name} must be a dict or a list of 'KEY=VALUE' texts, got {type(value).__name__} {value!r}"
        )
    for t in value:
        if not isinstance(t, str):
            raise TypeError(f"{name} entries must be 'KEY=VALUE' texts, got {type(t).__name__} {t!r}")
    return list(value)


def _source(preset: Any, scenario: Any, set: Overrides) -> Tuple[Optional[str], Optional[str], List[str]]:
    preset = _args.optional_text("preset", preset)
    if scenario is not None:
        if not isinstance(scenario, (str, os.PathLike)):
            raise TypeError(
                f"scenario must be a path (str or os.PathLike), got {type(scenario).__name__} {scenario!r}"
            )
        scenario = os.fspath(scenario)
        if preset is not None:
            raise ArgumentError(
                "scenario and preset exclude each other: give one of them", argument="scenario"
            )
    return preset, scenario, _texts("set", set, 1)


def presets() -> List[Tuple[str, str]]:
    """The shipped presets as (name, description) (``walras automation presets``)."""
    return list(_walras.automation_presets())


class Simulation(Result):
    """A growth path (``walras automation simulate``).

    Arrays over the path's points, labelled by ``t`` (model time): ``output``, ``capital``,
    ``wage``, ``rental``, ``labor_task_share``, ``labor_income_share``, ``automated_share``,
    ``output_growth``. Per task (labelled by ``task``): ``tasks`` holds the columns of
    ``tasks.csv`` (``automation_time`` NaN for a task never automated, centralities,
    productivities, data). Final values: ``to_dict()``.
    """

    def __init__(self, run: Any, paths: List[Tuple[str, np.ndarray]], tasks: List[Tuple[str, np.ndarray]]) -> None:
        super().__init__(run)
        r = self._record
        self.paths: Dict[str, np.ndarray] = dict(paths)
        self.tasks: Dict[str, np.ndarray] = dict(tasks)
        p = self.paths
        self.t: np.ndarray = p["t"]
        self.time: np.ndarray = p["t"]
        self.output: np.ndarray = p["output"]
        self.capital: np.ndarray = p["capital"]
        self.wage: np.ndarray = p["wage"]
        self.rental: np.ndarray = p["rental"]
        self.labor_task_share: np.ndarray = p["labor_task_share"]
        self.labor_income_share: np.ndarray = p["labor_income_share"]
        self.automated_share: np.ndarray = p["automated_share"]
        self.output_growth: np.ndarray = p["output_growth"]
        self.automation_time: np.ndarray = _nan_for_none(r["automation_time"])
        self.full_automation_time: np.ndarray = _nan_for_none(r["full_automation_time"])
        self.scenario: str = r["scenario"]
        self.stop_reason: str = r["stop_reason"]
        self.blowup_time: Optional[float] = r["blowup_time"]

    def _columns(self) -> Dict[str, Any]:
        return self.paths

    def tasks_to_pandas(self) -> Any:
        """The tasks (one row per task) as a pandas DataFrame."""
        return optional_frame(self.tasks, "pandas")

    def __repr__(self) -> str:
        r = self._record
        rows = [
            ["stopped", f"{r['stop_reason']} at t = {fmt(r['final_time'])}"],
            ["labour task share m", fmt(r["labor_task_share"])],
            ["labour income share", fmt(r["labor_income_share"])],
            ["output Y (final good)", fmt(r["output"])],
            ["wage w (final good)", fmt(r["wage"])],
            ["tasks using AI", f"{r['tasks_automated']} of {r['tasks']}"],
            ["blow-up time T*", "none" if r["blowup_time"] is None else fmt(r["blowup_time"])],
            ["points on the path", str(len(self.t))],
        ]
        return f"Simulation ({self.scenario})\n" + text_table(["quantity", "value"], rows)


def simulate(
    preset: Optional[str] = None,
    scenario: Optional[PathLike] = None,
    set: Overrides = None,
    *,
    progress: Progress = None,
) -> Simulation:
    """Simulate a growth path, the market equilibrium at every instant
    (``walras automation simulate``). ``progress``: True for a progress indicator, or a
    callable receiving progress lines."""
    preset, scenario, overrides = _source(preset, scenario, set)
    call = _call("simulate", preset=preset, scenario=scenario, set=overrides or None)
    run, paths, tasks = _walras.automation_simulate(
        scenario, preset, overrides, progress_callback(progress, "growth path"), call
    )
    return Simulation(run, paths, tasks)


class PlannerPaths(Result):
    """The social planner against the market (``walras automation planner``).

    Over time ``t``: ``planner_output`` and ``market_output``; time by task:
    ``planner_capital``, ``market_capital`` and the implementing ``subsidy`` (per unit of AI
    output); per task: ``mean_subsidy`` and ``initial_subsidy``. Welfare:
    ``planner_welfare``, ``market_welfare``, ``welfare_gap_pct``.
    """

    def __init__(self, run: Any, paths: List[Tuple[str, np.ndarray]], matrices: List[Tuple[str, List[List[float]]]]) -> None:
        super().__init__(run)
        r = self._record
        p = dict(paths)
        m = {k: np.array(v, dtype=np.float64) for k, v in matrices}
        self.t: np.ndarray = p["t"]
        self.time: np.ndarray = p["t"]
        self.planner_output: np.ndarray = p["planner_output"]
        self.market_output: np.ndarray = p["market_output"]
        self.planner_capital: np.ndarray = m["planner_capital"]
        self.market_capital: np.ndarray = m["market_capital"]
        self.subsidy: np.ndarray = m["subsidy"]
        self.mean_subsidy: np.ndarray = np.array(r["mean_subsidy"], dtype=np.float64)
        self.initial_subsidy: np.ndarray = _nan_for_none(r["initial_subsidy"] or [])
        self.planner_welfare: float = r["planner_welfare"]
        self.market_welfare: float = r["market_welfare"]
        self.welfare_gap_pct: float = r["welfare_gap_pct"]
        self.scenario: str = r["scenario"]

    def _columns(self) -> Dict[str, Any]:
        columns: Dict[str, Any] = {
            "t": self.t,
            "planner_output": self.planner_output,
            "market_output": self.market_output,
        }
        for i in range(self.subsidy.shape[1] if self.subsidy.ndim == 2 else 0):
            columns[f"planner_capital_{i}"] = self.planner_capital[:, i]
            columns[f"market_capital_{i}"] = self.market_capital[:, i]
            columns[f"subsidy_{i}"] = self.subsidy[:, i]
        return columns


    def __repr__(self) -> str:
        r = self._record
        rows = [
            ["planner welfare", fmt(r["planner_welfare"])],
            ["market welfare", fmt(r["market_welfare"])],
            ["welfare gap (% of consumption)", f"{r['welfare_gap_pct']:+.2f}"],
            ["sweep iterations", str(r["iterations"])],
            ["horizon (model units)", fmt(r["horizon"])],
        ]
        return f"Planner vs market ({self.scenario})\n" + text_table(["quantity", "value"], rows)


def planner(
    preset: Optional[str] = None,
    scenario: Optional[PathLike] = None,
    set: Overrides = None,
    *,
    discount: float = 0.05,
    eta: float = 1.0,
    horizon: Optional[float] = None,
    grid: int = 400,
    progress: Progress = None,
) -> PlannerPaths:
    """The social planner against the market (``walras automation planner``): ``discount``
    rate rho > 0, CRRA ``eta`` of u(Y) (1 = log), planning ``horizon`` (default: the
    scenario's, at most 200), ``grid`` time points."""
    preset, scenario, overrides = _source(preset, scenario, set)
    discount = _args.real("discount", discount)
    eta = _args.real("eta", eta)
    horizon = None if horizon is None else _args.real("horizon", horizon)
    grid = _args.count("grid", grid)
    call = _call(
        "planner", preset=preset, scenario=scenario, set=overrides or None,
        discount=discount, eta=eta, horizon=horizon, grid=grid,
    )
    run, paths, matrices = _walras.automation_planner(
        scenario, preset, overrides, discount, eta, horizon, grid,
        progress_callback(progress, "planner"), call,
    )
    return PlannerPaths(run, paths, matrices)


def _statics(preset: Any, scenario: Any, set: Overrides, discount: float, eta: float,
             horizon: Optional[float], grid: int, tolerance: float,
             parameters: Optional[Sequence[str]], step: float) -> Dict[str, Any]:
    preset, scenario, overrides = _source(preset, scenario, set)
    if parameters is not None:
        if isinstance(parameters, str) or not all(isinstance(p, str) for p in parameters):
            raise TypeError(f"parameters must be a list of names, got {parameters!r}")
        parameters = list(parameters)
    return {
        "scenario": scenario, "preset": preset, "set": overrides,
        "discount": _args.real("discount", discount), "eta": _args.real("eta", eta),
        "horizon": None if horizon is None else _args.real("horizon", horizon),
        "grid": _args.count("grid", grid), "tolerance": _args.real("tolerance", tolerance),
        "parameters": parameters, "step": _args.real("step", step),
    }


class Sensitivity(Result):
    """The planner's subsidies and welfare differentiated in the scenario's parameters
    (``walras automation sensitivity``): ``parameters`` (``sigma``, ``theta``,
    ``network.weight``, ..., ``discount``, ``eta``) and ``parameter_values``; ``policies``
    (``initial_subsidy:<task>``, ``mean_subsidy:<task>``) and ``policy_values``;
    ``jacobian`` (policies x parameters); ``objectives`` (planner and market welfare, the
    welfare gap in %), ``objective_values`` and ``welfare_jacobian`` (objectives x
    parameters; NaN for welfare in ``eta``); ``difference_error`` per parameter and the
    ``envelope`` checks."""

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        r = self._record
        self.parameters: List[str] = list(r["parameters"])
        self.parameter_values = np.array(r["parameter_values"], dtype=np.float64)
        self.policies: List[str] = list(r["policies"])
        self.policy_values = np.array(r["policy_values"], dtype=np.float64)
        q = len(self.parameters)
        self.jacobian = _nan_for_none([v for row in r["jacobian"] for v in row]).reshape(
            len(self.policies), q)
        self.objectives: List[str] = list(r["objectives"])
        self.objective_values = np.array(r["objective_values"], dtype=np.float64)
        self.welfare_jacobian = _nan_for_none(
            [v for row in r["welfare_jacobian"] for v in row]).reshape(len(self.objectives), q)
        self.difference_error = np.array(r["difference_error"], dtype=np.float64)
        self.envelope: List[Dict[str, Any]] = list(r["envelope"])

    def _columns(self) -> Dict[str, Any]:
        cols: Dict[str, Any] = {"policy": self.policies, "value": self.policy_values}
        cols.update({p: self.jacobian[:, k] for k, p in enumerate(self.parameters)})
        return cols

    def __repr__(self) -> str:
        rows = [[o, fmt(float(self.objective_values[i]))] + [fmt(float(v)) for v in self.welfare_jacobian[i]]
                for i, o in enumerate(self.objectives)]
        rows += [[p, fmt(float(self.policy_values[i]))] + [fmt(float(v)) for v in self.jacobian[i]]
                 for i, p in enumerate(self.policies)]
        return (f"Sensitivity of the planner ({self._record['solution']['scenario']}; "
                f"{self._record['re_solves']} re-solves)\n"
                + text_table(["outcome", "value"] + [f"d/d {p}" for p in self.parameters], rows))


def sensitivity(
    preset: Optional[str] = None,
    scenario: Optional[PathLike] = None,
    set: Overrides = None,
    *,
    parameters: Optional[Sequence[str]] = None,
    step: float = 0.05,
    discount: float = 0.05,
    eta: float = 1.0,
    horizon: Optional[float] = None,
    grid: int = 400,
    tolerance: float = 1e-12,
    progress: Progress = None,
) -> Sensitivity:
    """The planner (as ``planner``) and its subsidies' and welfare's derivatives in the
    scenario's ``parameters`` (default: every continuous scalar key, ``discount`` and
    ``eta``), by Richardson-extrapolated differences of re-solved planners with relative
    ``step`` (``walras automation sensitivity``)."""
    statics = _statics(preset, scenario, set, discount, eta, horizon, grid, tolerance,
                       parameters, step)
    call = _call("sensitivity", preset=statics["preset"], scenario=statics["scenario"],
                 set=statics["set"] or None, parameters=statics["parameters"], step=step)
    run = _walras.automation_sensitivity(
        statics, progress_callback(progress, "planner and its re-solves"), call)
    return Sensitivity(run)


class Uncertainty(PolicyBands):
    """Bands around the planner's subsidies (``walras automation uncertainty``): ``policies``
    and ``welfare`` (records with the value, the delta-method band ``delta_p05``/
    ``delta_p95`` and the re-solved draws' ``monte_carlo`` quantiles), ``draw_records``
    (prediction against re-solve per draw) and, as arrays by policy, ``values``, ``p05``,
    ``p95`` (Monte Carlo)."""

    _value_heading = "planner"
    _title = "Uncertainty of the planner"


def uncertainty(
    preset: Optional[str] = None,
    scenario: Optional[PathLike] = None,
    set: Overrides = None,
    *,
    se_rel: Optional[float] = None,
    covariance: Optional[PathLike] = None,
    draws_file: Optional[PathLike] = None,
    draws: int = 100,
    seed: int = 0,
    parameters: Optional[Sequence[str]] = None,
    step: float = 0.05,
    discount: float = 0.05,
    eta: float = 1.0,
    horizon: Optional[float] = None,
    grid: int = 400,
    tolerance: float = 1e-12,
    progress: Progress = None,
) -> Uncertainty:
    """Bands around the planner's subsidies and welfare (``walras automation uncertainty``):
    ``parameters`` drawn with standard errors ``se_rel`` x each value, from a ``covariance``
    file or from a ``draws_file`` (exactly one); each draw's planner re-solved, beside the
    delta-method bands."""
    given = [se_rel is not None, covariance is not None, draws_file is not None]
    if sum(given) != 1:
        raise ArgumentError("give exactly one of se_rel, covariance, draws_file", argument="se_rel")
    statics = _statics(preset, scenario, set, discount, eta, horizon, grid, tolerance,
                       parameters, step)
    call = _call("uncertainty", preset=statics["preset"], scenario=statics["scenario"],
                 set=statics["set"] or None, parameters=statics["parameters"], se_rel=se_rel,
                 covariance=covariance, draws_file=draws_file, draws=draws, seed=seed)
    run = _walras.automation_uncertainty(
        statics, _args.count("draws", draws), _args.count("seed", seed),
        None if se_rel is None else _args.real("se_rel", se_rel),
        None if covariance is None else os.fspath(covariance),
        None if draws_file is None else os.fspath(draws_file),
        progress_callback(progress, "planner and its bands"), call,
    )
    return Uncertainty(run)


class MonteCarlo(Result):
    """Monte Carlo over parameter ranges (``walras automation sweep --range ...``).

    Fans over ``times`` (rows) with columns 5%, 50%, 95% of draws: ``labor_task_share_fan``
    and ``ln_output_fan``; ``regime_shares`` (full, partial, explosive); per draw (the
    columns of ``draws.csv``): ``draws`` (``draw``, the drawn parameters, outcomes) and
    ``regimes``.
    """

    def __init__(self, run: Any, draws: List[Tuple[str, np.ndarray]], regimes: List[str]) -> None:
        super().__init__(run)
        r = self._record
        self.times: np.ndarray = np.array(r["times"], dtype=np.float64)
        self.labor_task_share_fan: np.ndarray = np.array(r["labor_task_share_fan"], dtype=np.float64).reshape(-1, 3)
        self.ln_output_fan: np.ndarray = np.array(r["ln_output_fan"], dtype=np.float64).reshape(-1, 3)
        self.quantiles: List[str] = ["5%", "50%", "95%"]
        self.regime_shares: Dict[str, float] = dict(r["regime_shares"])
        self.draws: Dict[str, np.ndarray] = dict(draws)
        self.regimes: List[str] = list(regimes)
        self.seed: int = r["seed"]
        self.scenario: str = r["scenario"]

    def _columns(self) -> Dict[str, Any]:
        items = list(self.draws.items())
        k = len(items) - 3
        columns: Dict[str, Any] = dict(items[:k])
        columns["regime"] = self.regimes
        columns.update(items[k:])
        return columns


    def __repr__(self) -> str:
        r = self._record
        rows = [
            ["draws", str(r["draws"])],
            ["full automation (share of draws)", fmt(r["regime_shares"]["full"])],
            ["partial automation (share of draws)", fmt(r["regime_shares"]["partial"])],
            ["explosive growth (share of draws)", fmt(r["regime_shares"]["explosive"])],
            ["final labour task share m (median)", fmt(r["final_labor_task_share"]["p50"])],
        ]
        return f"Monte Carlo ({self.scenario}, seed {self.seed})\n" + text_table(["quantity", "value"], rows)


class PhaseDiagram(Result):
    """The regime over a two-parameter grid (``walras automation sweep --grid ... --grid
    ...``): axes ``x`` (``x_key``) and ``y`` (``y_key``); ``regime`` and
    ``final_labor_task_share`` indexed ``[iy, ix]``."""

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        r = self._record
        self.x_key: str = r["x_key"]
        self.y_key: str = r["y_key"]
        self.x: np.ndarray = np.array(r["x"], dtype=np.float64)
        self.y: np.ndarray = np.array(r["y"], dtype=np.float64)
        self.regime: np.ndarray = np.array(r["regime"], dtype=object).reshape(len(self.y), len(self.x))
        self.final_labor_task_share: np.ndarray = np.array(
            r["final_labor_task_share"], dtype=np.float64
        ).reshape(len(self.y), len(self.x))

    def _columns(self) -> Dict[str, Any]:
        ys, xs = np.meshgrid(self.y, self.x, indexing="ij")
        return {
            self.x_key: xs.ravel(),
            self.y_key: ys.ravel(),
            "regime": list(self.regime.ravel()),
            "final_labor_task_share": self.final_labor_task_share.ravel(),
        }


    def __repr__(self) -> str:
        c = self._columns()
        rows = [
            [fmt(float(x)), fmt(float(y)), g, fmt(float(m))]
            for x, y, g, m in zip(c[self.x_key], c[self.y_key], c["regime"], c["final_labor_task_share"])
        ]
        return "PhaseDiagram\n" + text_table(
            [self.x_key, self.y_key, "regime", "final labour task share m"], rows
        )


def sweep(
    preset: Optional[str] = None,
    scenario: Optional[PathLike] = None,
    set: Overrides = None,
    *,
    range: Union[None, Mapping[str, Tuple[float, float]], Sequence[str]] = None,
    draws: int = 200,
    grid: Union[None, Mapping[str, Tuple[float, float, int]], Sequence[str]] = None,
    seed: Optional[int] = None,
    progress: Progress = None,
) -> Union[MonteCarlo, PhaseDiagram]:
    """``walras automation sweep``: a Monte Carlo over ``range`` (``{"theta": (0.3, 0.6)}``
    or ``["theta=0.3:0.6"]``) with ``draws`` draws and ``seed`` (default: the scenario's),
    or a phase diagram over exactly two ``grid`` axes (``{"sigma": (0.3, 0.9, 5), ...}`` or
    ``"KEY=LOW:HIGH:N"`` texts)."""
    preset, scenario, overrides = _source(preset, scenario, set)
    ranges = _texts("range", range, 2)
    axes = _texts("grid", grid, 3)
    draws = _args.count("draws", draws)
    seed = None if seed is None else _args.count("seed", seed)
    call = _call(
        "sweep", preset=preset, scenario=scenario, set=overrides or None,
        range=ranges or None, draws=draws, grid=axes or None, seed=seed,
    )
    label = "phase diagram" if axes else "Monte Carlo"
    run, kind, columns, regimes = _walras.automation_sweep(
        scenario, preset, overrides, ranges, draws, axes, seed,
        progress_callback(progress, label), call,
    )
    if kind == "phase_diagram":
        return PhaseDiagram(run)
    return MonteCarlo(run, columns, regimes)


def monte_carlo(
    preset: Optional[str] = None,
    scenario: Optional[PathLike] = None,
    set: Overrides = None,
    *,
    range: Union[Mapping[str, Tuple[float, float]], Sequence[str]],
    draws: int = 200,
    seed: Optional[int] = None,
    progress: Progress = None,
) -> MonteCarlo:
    """A Monte Carlo over ``range`` (:func:`sweep` without ``grid``)."""
    if not range:
        raise ArgumentError("range must name at least one KEY=LOW:HIGH", argument="range")
    result = sweep(preset, scenario, set, range=range, draws=draws, seed=seed, progress=progress)
    assert isinstance(result, MonteCarlo)
    return result


def phase_diagram(
    preset: Optional[str] = None,
    scenario: Optional[PathLike] = None,
    set: Overrides = None,
    *,
    grid: Union[Mapping[str, Tuple[float, float, int]], Sequence[str]],
    progress: Progress = None,
) -> PhaseDiagram:
    """A phase diagram over two ``grid`` axes (:func:`sweep` with ``grid``)."""
    if not grid:
        raise ArgumentError("grid must name two axes KEY=LOW:HIGH:N", argument="grid")
    result = sweep(preset, scenario, set, grid=grid, progress=progress)
    assert isinstance(result, PhaseDiagram)
    return result


class NetworkStats(Result):
    """A spillover network's statistics (``walras automation network``): ``tasks``,
    ``edges``, ``density``, ``spectral_radius``, ``symmetric``, ``reachable_share``, and per
    task (labelled by ``task``) ``in_degree``, ``out_degree``, ``in_strength``,
    ``out_strength``, ``katz_centrality``, ``eigenvector_centrality``,
    ``reachable_from_seeds`` (from task 0)."""

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        r = self._record
        self.tasks: int = r["tasks"]
        self.edges: int = r["edges"]
        self.density: float = r["density"]
        self.spectral_radius: float = r["spectral_radius"]
        self.symmetric: bool = r["symmetric"]
        self.reachable_share: float = r["reachable_share"]
        self.task: np.ndarray = np.arange(self.tasks)
        self.in_degree: np.ndarray = np.array(r["in_degree"], dtype=np.int64)
        self.out_degree: np.ndarray = np.array(r["out_degree"], dtype=np.int64)
        self.in_strength: np.ndarray = np.array(r["in_strength"], dtype=np.float64)
        self.out_strength: np.ndarray = np.array(r["out_strength"], dtype=np.float64)
        self.katz_centrality: np.ndarray = np.array(r["katz_centrality"], dtype=np.float64)
        self.eigenvector_centrality: np.ndarray = np.array(r["eigenvector_centrality"], dtype=np.float64)
        self.reachable_from_seeds: np.ndarray = np.array(r["reachable_from_seeds"], dtype=bool)

    def _columns(self) -> Dict[str, Any]:
        return {
            "task": self.task,
            "in_degree": self.in_degree,
            "out_degree": self.out_degree,
            "in_strength": self.in_strength,
            "out_strength": self.out_strength,
            "katz_centrality": self.katz_centrality,
            "eigenvector_centrality": self.eigenvector_centrality,
            "reachable_from_0": self.reachable_from_seeds,
        }


    def __repr__(self) -> str:
        head = (
            f"NetworkStats ({self.tasks} tasks, {self.edges} edges, density {self.density:.4f}, "
            f"spectral radius {self.spectral_radius:.4f}, symmetric {self.symmetric}; "
            f"reachable from task 0: {100 * self.reachable_share:.1f}%)"
        )
        shown = min(self.tasks, 20)
        rows = [
            [str(i), str(self.in_degree[i]), str(self.out_degree[i]), fmt(float(self.in_strength[i])),
             fmt(float(self.katz_centrality[i])), str(bool(self.reachable_from_seeds[i]))]
            for i in np.arange(shown)
        ]
        more = f"\n... {self.tasks - shown} more tasks" if self.tasks > shown else ""
        return head + "\n" + text_table(
            ["task", "in-degree", "out-degree", "in-strength", "Katz centrality", "reachable"], rows
        ) + more


def network(
    preset: Optional[str] = None,
    scenario: Optional[PathLike] = None,
    set: Overrides = None,
    *,
    spec: Optional[str] = None,
    tasks: int = 20,
    seed: int = 0,
    export: Optional[PathLike] = None,
) -> NetworkStats:
    """A spillover network's statistics (``walras automation network``): the network of the
    scenario, or one built from ``spec`` (``"kind=ring,neighbors=2,weight=0.5"``) with
    ``tasks`` tasks and ``seed``; ``export`` writes its edge list (CSV, csv.gz or Parquet)."""
    spec = _args.optional_text("spec", spec)
    if spec is not None and (preset is not None or scenario is not None or set):
        raise ArgumentError(
            "spec builds a network of its own: give spec or a scenario (preset, scenario, set), not both",
            argument="spec",
        )
    preset, scenario, overrides = _source(preset, scenario, set)
    tasks = _args.count("tasks", tasks)
    seed = _args.count("seed", seed)
    if export is not None:
        if not isinstance(export, (str, os.PathLike)):
            raise TypeError(f"export must be a path, got {type(export).__name__} {export!r}")
        export = os.fspath(export)
    call = _call(
        "network", preset=preset, scenario=scenario, set=overrides or None,
        spec=spec, tasks=tasks, seed=seed, export=export,
    )
    run = _walras.automation_network(scenario, preset, overrides, spec, tasks, seed, export, call)
    return NetworkStats(run)
