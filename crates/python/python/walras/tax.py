"""Optimal income taxes: Saez rates, the planner's optimal brackets, the optimal nonlinear
(Mirrlees) schedule, any one schedule in equilibrium, and the comparison of schedules.

Option names and values are the command line's (``walras tax ...``): ``weights`` is
``"inverse-income"`` or ``"uniform"``; ``cutoffs`` is ``"us-federal-2018"`` (USD),
``"aie-us-federal"`` (thousands of USD) or a file with a column ``cutoff``; ``swf`` is
``"inverse-income"``, ``"utilitarian"``, ``"rawls"``, ``"log"``, ``"eq-times-prod"``,
``"atkinson:eps=.."`` or ``"power:k=.."``; ``skills`` is ``"cps"``, an income file, or a
distribution such as ``"pareto:alpha=4,min=1"`` or ``"lognormal:mu=0,sigma=0.5"``.

>>> import walras
>>> walras.tax.compare().to_dict()["schedules"][0]["label"]  # doctest: +SKIP
'free market'
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np

from walras import _args, _walras
from walras._result import (
    PolicyBands,
    Progress,
    Result,
    fmt,
    progress_callback,
    text_table,
)

__all__ = [
    "cps_sample",
    "saez_rates",
    "optimize",
    "sensitivity",
    "uncertainty",
    "Sensitivity",
    "Uncertainty",
    "mirrlees",
    "compare",
    "evaluate",
    "SCHEDULES",
    "SaezRates",
    "Optimum",
    "MirrleesSchedule",
    "Comparison",
    "Schedule",
    "Evaluation",
]

SCHEDULES = ("free-market", "us-federal", "saez")
"""The named schedules :func:`evaluate` knows."""

PathLike = Union[str, "os.PathLike[str]"]


def _call(name: str, **kwargs: Any) -> str:
    """How the run manifest names a call."""
    shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items() if not isinstance(v, np.ndarray))
    return f"walras.tax.{name}({shown})"


def _nan_for_none(values: List[Optional[float]]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _bracket_labels(cutoffs: List[float]) -> List[str]:
    uppers = [f"{c:,.10g}" for c in cutoffs[1:]] + ["inf"]
    return [f"[{c:,.10g}, {u})" for c, u in zip(cutoffs, uppers)]


def cps_sample() -> Tuple[np.ndarray, np.ndarray]:
    """The embedded US earnings sample: incomes (USD per year) and population weights of
    146,758 CPS single filers."""
    return _walras.tax_cps_sample()


class SaezRates(Result):
    """Saez rates by bracket.

    ``cutoffs`` (lower bounds) and ``rates`` are arrays, one entry per bracket; a bracket
    without incomes has rate NaN (null in ``to_dict()``) and says why in ``rate_notes``.
    """

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        r = self._record
        self.cutoffs: np.ndarray = np.array(r["cutoffs"], dtype=np.float64)
        self.rates: np.ndarray = _nan_for_none(r["rates"])
        self.estimator_rates: np.ndarray = np.array(r["estimator_rates"], dtype=np.float64)
        self.bracket_counts: np.ndarray = np.array(r["bracket_counts"], dtype=np.float64)
        self.rate_notes: List[Optional[str]] = list(r["rate_notes"])
        self.brackets: List[str] = _bracket_labels(r["cutoffs"])

    def _columns(self) -> Dict[str, Any]:
        return {
            "bracket": self.brackets,
            "lower": self.cutoffs,
            "rate": self.rates,
            "weighted_count": self.bracket_counts,
        }


    def __repr__(self) -> str:
        rows = [
            [b, fmt(None if np.isnan(r) else float(r))]
            for b, r in zip(self.brackets, self.rates)
        ]
        head = (
            f"SaezRates ({self._record['estimator']} estimator, e = {self._record['elasticity']}, "
            f"{self._record['weights']} weights, {self._record['n_incomes']:,} incomes)"
        )
        return head + "\n" + text_table(["bracket", "rate"], rows)


def saez_rates(
    incomes: Any = None,
    *,
    elasticity: float = 0.5,
    weights: str = "inverse-income",
    cutoffs: PathLike = "us-federal-2018",
    sample_weights: Any = None,
    rate_min: float = 0.0,
    rate_max: float = 1.0,
    estimator: str = "binned",
    income_units: Optional[str] = None,
) -> SaezRates:
    """Saez marginal rates for the brackets of ``cutoffs`` (``walras tax saez``).

    ``incomes``: a one-dimensional array (float64 arrays are used without a copy), a list, a
    path to a CSV or Parquet file with a column ``income`` (and optionally ``weight``), or
    None for the embedded CPS sample. ``sample_weights``: population weights for an array.
    ``income_units``: ``"usd"`` or ``"thousand-usd"`` (default: the cutoffs' unit).
    """
    elasticity = _args.real("elasticity", elasticity)
    rate_min = _args.real("rate_min", rate_min)
    rate_max = _args.real("rate_max", rate_max)
    weights = _args.text("weights", weights)
    cutoffs = _args.path_or_text("cutoffs", cutoffs)
    estimator = _args.text("estimator", estimator)
    income_units = _args.optional_text("income_units", income_units)
    array = file = None
    if isinstance(incomes, (str, os.PathLike)):
        file = os.fspath(incomes)
    elif incomes is not None:
        array = _args.vector("incomes", incomes)
    w = None
    if sample_weights is not None:
        if array is None:
            raise TypeError("sample_weights go with an array of incomes (a file has its own `weight` column)")
        w = _args.vector("sample_weights", sample_weights, allow_negative=False)
        if len(w) != len(array):
            raise _args.ArgumentError(
                f"sample_weights has {len(w)} entries, one per income needed ({len(array)})",
                argument="sample_weights",
            )
    call = _call(
        "saez_rates",
        incomes=file if file is not None else ("array" if array is not None else None),
        elasticity=elasticity,
        weights=weights,
        cutoffs=cutoffs,
        estimator=estimator,
    )
    run = _walras.tax_saez(
        array, file, w, elasticity, weights, cutoffs, rate_min, rate_max, estimator,
        income_units, call,
    )
    return SaezRates(run)


class Optimum(Result):
    """The planner's optimal brackets in equilibrium: ``cutoffs``, ``rates``, ``transfer``
    (lump sum per agent), ``swf``, ``gini``, ``productivity``, and whether the optimiser
    ``converged`` (else ``stop_reason`` says why it stopped)."""

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        r = self._record
        self.cutoffs: np.ndarray = np.array(r["cutoffs"], dtype=np.float64)
        self.rates: np.ndarray = np.array(r["rates"], dtype=np.float64)
        self.brackets: List[str] = _bracket_labels(r["cutoffs"])
        self.transfer: Optional[float] = r["transfer"]
        self.swf: Optional[float] = r["swf"]
        self.gini: Optional[float] = r["gini"]
        self.productivity: Optional[float] = r["productivity"]
        self.converged: bool = bool(r["converged"])
        self.stop_reason: str = r["stop_reason"]

    def _columns(self) -> Dict[str, Any]:
        return {"bracket": self.brackets, "lower": self.cutoffs, "rate": self.rates}

    def __repr__(self) -> str:
        status = "converged" if self.converged else f"NOT CONVERGED: {self.stop_reason}"
        head = (
            f"Optimum ({self._record['swf_name']}; {self._record['skills']}): transfer "
            f"{fmt(self.transfer)}, SWF {fmt(self.swf)}, {status}"
        )
        rows = [[b, fmt(float(r))] for b, r in zip(self.brackets, self.rates)]
        return head + "\n" + text_table(["bracket", "rate"], rows)


def _planner(
    skills: str, elasticity: float, swf: str, brackets: int, cutoffs: Optional[PathLike],
    agents: int, optimize_cutoffs: bool, rate_max: float, utility: str,
    hours: Optional[Tuple[int, int]], income_units: Optional[str],
) -> Dict[str, Any]:
    """The economy and planner of ``optimize``, ``sensitivity`` and ``uncertainty``, checked."""
    if hours is not None:
        if len(hours) != 2:
            raise _args.ArgumentError(f"hours needs (min, max), got {hours!r}", argument="hours")
        hours = (_args.count("hours", hours[0]), _args.count("hours", hours[1]))
    return {
        "skills": _args.text("skills", skills),
        "elasticity": _args.real("elasticity", elasticity),
        "swf": _args.text("swf", swf),
        "brackets": _args.count("brackets", brackets),
        "cutoffs": None if cutoffs is None else _args.path_or_text("cutoffs", cutoffs),
        "agents": _args.count("agents", agents),
        "optimize_cutoffs": bool(optimize_cutoffs),
        "rate_max": _args.real("rate_max", rate_max),
        "utility": _args.text("utility", utility),
        "hours": hours,
        "income_units": _args.optional_text("income_units", income_units),
    }


def optimize(
    *,
    skills: str = "pareto:alpha=4,min=1",
    elasticity: float = 1.0,
    swf: str = "inverse-income",
    brackets: int = 7,
    cutoffs: Optional[PathLike] = None,
    agents: int = 10_000,
    optimize_cutoffs: bool = False,
    rate_max: float = 0.99,
    utility: str = "ql",
    hours: Optional[Tuple[int, int]] = None,
    income_units: Optional[str] = None,
    progress: Progress = None,
) -> Optimum:
    """The planner's optimal bracket rates (and cutoffs with ``optimize_cutoffs``) for a
    skill population (``walras tax optimize``). ``progress``: True for a progress bar, or a
    callable receiving one line per update."""
    planner = _planner(skills, elasticity, swf, brackets, cutoffs, agents, optimize_cutoffs,
                       rate_max, utility, hours, income_units)
    call = _call("optimize", skills=skills, elasticity=planner["elasticity"], swf=swf,
                 brackets=planner["brackets"], cutoffs=planner["cutoffs"], agents=planner["agents"])
    run = _walras.tax_optimize(planner, progress_callback(progress, "optimal brackets"), call)
    return Optimum(run)


class Sensitivity(Result):
    """Exact comparative statics of the optimal brackets (``walras tax sensitivity``):
    ``parameters`` (``elasticity``, ``swf:eps`` or ``swf:k``, ``skills:<parameter>``) and
    their ``parameter_values``; ``policies`` (``rate:<bracket>``, ``gap:<bracket>``) and
    ``policy_values``; ``jacobian`` (policies x parameters); ``welfare`` (the SWF at the
    optimum) and ``welfare_jacobian`` (its derivative in each parameter, the rates following;
    NaN for an Atkinson SWF's eps); ``bound``, ``switching``, ``condition_number``,
    ``flat_directions``, ``bunched_share``."""

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        r = self._record
        self.parameters: List[str] = list(r["parameters"])
        self.parameter_values = np.array(r["parameter_values"], dtype=np.float64)
        self.policies: List[str] = list(r["policies"])
        self.policy_values = np.array(r["policy_values"], dtype=np.float64)
        self.jacobian = _nan_for_none([v for row in r["jacobian"] for v in row]).reshape(
            len(self.policies), len(self.parameters))
        self.welfare: float = float(r["welfare"])
        self.welfare_jacobian = _nan_for_none(r["welfare_jacobian"])
        self.bound: List[Optional[str]] = list(r["bound"])
        self.switching: List[bool] = list(r["switching"])
        self.condition_number: float = float(r["condition_number"])
        self.flat_directions: List[List[float]] = list(r["flat_directions"])
        self.bunched_share: float = float(r["bunched_share"])

    def _columns(self) -> Dict[str, Any]:
        cols: Dict[str, Any] = {"policy": self.policies, "value": self.policy_values}
        cols.update({p: self.jacobian[:, k] for k, p in enumerate(self.parameters)})
        return cols

    def __repr__(self) -> str:
        rows = [[p, fmt(float(self.policy_values[i]))] + [fmt(float(v)) for v in self.jacobian[i]]
                for i, p in enumerate(self.policies)]
        return (f"Sensitivity of the optimal brackets (SWF {fmt(self.welfare)}; condition number "
                f"{self.condition_number:.3g})\n"
                + text_table(["policy", "value"] + [f"d/d {p}" for p in self.parameters], rows))


def sensitivity(
    *,
    skills: str = "pareto:alpha=4,min=1",
    elasticity: float = 1.0,
    swf: str = "inverse-income",
    brackets: int = 7,
    cutoffs: Optional[PathLike] = None,
    agents: int = 10_000,
    optimize_cutoffs: bool = False,
    rate_max: float = 0.99,
    utility: str = "ql",
    income_units: Optional[str] = None,
    progress: Progress = None,
) -> Sensitivity:
    """The optimal brackets (as ``optimize``) and their exact derivatives in the labour
    elasticity, the SWF's parameter and the skill distribution's (``walras tax
    sensitivity``)."""
    planner = _planner(skills, elasticity, swf, brackets, cutoffs, agents, optimize_cutoffs,
                       rate_max, utility, None, income_units)
    call = _call("sensitivity", skills=skills, elasticity=planner["elasticity"], swf=swf,
                 brackets=planner["brackets"], cutoffs=planner["cutoffs"], agents=planner["agents"])
    run = _walras.tax_sensitivity(planner, progress_callback(progress, "optimal brackets and their derivatives"), call)
    return Sensitivity(run)


class Uncertainty(PolicyBands):
    """Bands around the optimal brackets (``walras tax uncertainty``): ``policies`` and
    ``welfare`` (records with the value, the delta-method band ``delta_p05``/``delta_p95``
    and the re-optimised draws' ``monte_carlo`` quantiles), ``draw_records`` (prediction
    against re-optimisation per draw) and, as arrays, ``rates`` (also ``values``), ``p05``,
    ``p95`` (Monte Carlo) by policy."""

    _value_heading = "optimum"

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        self.rates = self.values


def uncertainty(
    *,
    se_rel: Optional[float] = None,
    covariance: Optional[PathLike] = None,
    draws_file: Optional[PathLike] = None,
    draws: int = 100,
    seed: int = 0,
    skills: str = "pareto:alpha=4,min=1",
    elasticity: float = 1.0,
    swf: str = "inverse-income",
    brackets: int = 7,
    cutoffs: Optional[PathLike] = None,
    agents: int = 10_000,
    optimize_cutoffs: bool = False,
    rate_max: float = 0.99,
    utility: str = "ql",
    income_units: Optional[str] = None,
    progress: Progress = None,
) -> Uncertainty:
    """Bands around the optimal brackets (``walras tax uncertainty``): parameters drawn with
    standard errors ``se_rel`` x each value, from a ``covariance`` file or from a
    ``draws_file`` (exactly one); each draw re-optimised from its first-order prediction."""
    given = [se_rel is not None, covariance is not None, draws_file is not None]
    if sum(given) != 1:
        raise ValueError("give exactly one of se_rel, covariance, draws_file")
    planner = _planner(skills, elasticity, swf, brackets, cutoffs, agents, optimize_cutoffs,
                       rate_max, utility, None, income_units)
    call = _call("uncertainty", se_rel=se_rel, covariance=covariance, draws_file=draws_file,
                 draws=draws, seed=seed, skills=skills, elasticity=planner["elasticity"], swf=swf,
                 brackets=planner["brackets"], agents=planner["agents"])
    run = _walras.tax_uncertainty(
        planner, _args.count("draws", draws), _args.count("seed", seed),
        None if se_rel is None else _args.real("se_rel", se_rel),
        None if covariance is None else os.fspath(covariance),
        None if draws_file is None else os.fspath(draws_file),
        progress_callback(progress, "optimal brackets and their bands"), call,
    )
    return Uncertainty(run)


class MirrleesSchedule(Result):
    """The optimal nonlinear schedule on a skill grid: arrays ``skill``, ``income``,
    ``marginal_rate``, ``tax``, ``consumption``, ``utility``."""

    _COLUMNS = ("skill", "income", "marginal_rate", "tax", "consumption", "utility")

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        r = self._record
        for name in self._COLUMNS:
            setattr(self, name, np.array(r[name], dtype=np.float64))
        self.transfer: float = r["transfer"]
        self.swf: float = r["swf"]

    def _columns(self) -> Dict[str, Any]:
        return {c: getattr(self, c) for c in self._COLUMNS}

    def __repr__(self) -> str:
        n = len(self.skill)  # type: ignore[attr-defined]
        step = max(n // 10, 1)
        rows = [
            [fmt(float(getattr(self, c)[i])) for c in ("skill", "income", "marginal_rate")]
            for i in list(range(0, n, step)) + ([n - 1] if (n - 1) % step else [])
        ]
        return (
            f"MirrleesSchedule ({n} grid points): transfer {fmt(self.transfer)}, SWF {fmt(self.swf)}\n"
            + text_table(["skill", "income", "marginal rate"], rows)
        )


def mirrlees(
    *,
    skills: str = "lognormal:mu=0,sigma=0.5",
    truncate: Tuple[float, float] = (0.001, 0.999),
    elasticity: float = 0.5,
    swf: str = "log",
    grid: int = 400,
) -> MirrleesSchedule:
    """The optimal nonlinear income tax for a parametric skill distribution
    (``walras tax mirrlees``), truncated at the quantiles ``truncate``."""
    if len(truncate) != 2:
        raise _args.ArgumentError(f"truncate needs (low, high), got {truncate!r}", argument="truncate")
    low, high = _args.real("truncate", truncate[0]), _args.real("truncate", truncate[1])
    elasticity = _args.real("elasticity", elasticity)
    grid = _args.count("grid", grid)
    call = _call("mirrlees", skills=skills, truncate=(low, high), elasticity=elasticity, swf=swf, grid=grid)
    return MirrleesSchedule(
        _walras.tax_mirrlees(_args.text("skills", skills), (low, high), elasticity, _args.text("swf", swf), grid, call)
    )


class Schedule:
    """One schedule of a comparison, evaluated in equilibrium."""

    def __init__(self, record: Dict[str, Any]) -> None:
        self.label: str = record["label"]
        self.cutoffs = np.array(record["cutoffs"], dtype=np.float64)
        self.rates = np.array(record["rates"], dtype=np.float64)
        self.transfer: Optional[float] = record["transfer"]
        self.swf: Optional[float] = record["swf"]
        self.gini: Optional[float] = record["gini"]
        self.equality: Optional[float] = record["equality"]
        self.productivity: Optional[float] = record["productivity"]
        self.equality_times_productivity: Optional[float] = record["equality_times_productivity"]

    def __repr__(self) -> str:
        return f"Schedule({self.label!r}, swf={fmt(self.swf)}, rates={np.round(self.rates, 3).tolist()})"


class Comparison(Result):
    """Free market, US federal, Saez and the optimal brackets in equilibrium.

    ``schedules`` in that order; ``optimal_vs_saez_pct``: the optimum's gains over Saez in
    percent (``swf``, ``equality_times_productivity``; None where undefined); ``converged``
    and ``stop_reason`` of the optimiser.
    """

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        r = self._record
        self.schedules: List[Schedule] = [Schedule(s) for s in r["schedules"]]
        pct = r["optimal_vs_saez_pct"]
        self.optimal_vs_saez_pct: Dict[str, Optional[float]] = {
            "swf": pct["swf"],
            "equality_times_productivity": pct["equality_times_productivity"],
        }
        self.converged: bool = bool(r["optimizer"]["converged"])
        self.stop_reason: str = r["optimizer"]["stop_reason"]

    def _columns(self) -> Dict[str, Any]:
        keys = ("transfer", "swf", "gini", "equality", "productivity", "equality_times_productivity")
        cols: Dict[str, Any] = {"schedule": [s.label for s in self.schedules]}
        for k in keys:
            cols[k] = [getattr(s, k) for s in self.schedules]
        return cols


    def __repr__(self) -> str:
        rows = [
            [s.label, fmt(s.transfer), fmt(s.swf), fmt(s.gini), fmt(s.productivity), fmt(s.equality_times_productivity)]
            for s in self.schedules
        ]
        pct = self.optimal_vs_saez_pct
        show = lambda v: "undefined" if v is None else f"{v:+.2f}%"  # noqa: E731
        status = "" if self.converged else f" Optimiser NOT CONVERGED: {self.stop_reason}."
        head = (
            f"Comparison ({self._record['economy']['skills']}): optimal vs Saez: SWF {show(pct['swf'])}, "
            f"equality x productivity {show(pct['equality_times_productivity'])}.{status}"
        )
        return head + "\n" + text_table(
            ["schedule", "transfer", "SWF", "Gini", "productivity", "eq x prod"], rows
        )


def compare(
    *,
    skills: str = "cps",
    elasticity: float = 0.5,
    swf: str = "inverse-income",
    cutoffs: PathLike = "us-federal-2018",
    agents: int = 10_000,
    rate_max: float = 0.99,
    income_units: Optional[str] = None,
    progress: Progress = None,
) -> Comparison:
    """Compare the free market, US federal, Saez and the optimal brackets in general
    equilibrium (``walras tax compare``, the command line's main job). With no arguments,
    ``to_dict()`` equals ``walras tax compare --format json``."""
    elasticity = _args.real("elasticity", elasticity)
    rate_max = _args.real("rate_max", rate_max)
    agents = _args.count("agents", agents)
    cutoffs = _args.path_or_text("cutoffs", cutoffs)
    call = _call("compare", skills=skills, elasticity=elasticity, swf=swf, cutoffs=cutoffs, agents=agents, rate_max=rate_max)
    run = _walras.tax_compare(
        _args.text("skills", skills), elasticity, _args.text("swf", swf), cutoffs, agents,
        rate_max, _args.optional_text("income_units", income_units),
        progress_callback(progress, "tax compare"), call,
    )
    return Comparison(run)


class Evaluation(Result):
    """One schedule evaluated in equilibrium (``walras tax evaluate``): ``label``,
    ``schedule`` (its name, or ``"custom"``), ``cutoffs``, ``rates``, ``brackets``, and the
    equilibrium's ``transfer`` (lump sum per agent, in the cutoffs' unit per year), ``swf``,
    ``gini``, ``equality``, ``productivity`` (mean income) and ``equality_times_productivity``
    (None where undefined, with the reason in ``to_dict()["null_reasons"]``)."""

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        r = self._record
        self.label: str = r["label"]
        self.schedule: str = r["schedule"]
        self.cutoffs: np.ndarray = np.array(r["cutoffs"], dtype=np.float64)
        self.rates: np.ndarray = np.array(r["rates"], dtype=np.float64)
        self.brackets: List[str] = _bracket_labels(r["cutoffs"])
        self.transfer: Optional[float] = r["transfer"]
        self.swf: Optional[float] = r["swf"]
        self.gini: Optional[float] = r["gini"]
        self.equality: Optional[float] = r["equality"]
        self.productivity: Optional[float] = r["productivity"]
        self.equality_times_productivity: Optional[float] = r["equality_times_productivity"]

    def _columns(self) -> Dict[str, Any]:
        return {"bracket": self.brackets, "lower": self.cutoffs, "rate": self.rates}

    def __repr__(self) -> str:
        unit = {"usd": "USD", "thousand-usd": "thousand USD"}.get(
            self._record["economy"]["model_units"], "model units"
        )
        head = (
            f"Evaluation: {self.label} ({self._record['economy']['skills']}): transfer "
            f"{fmt(self.transfer)} {unit}/year, SWF {fmt(self.swf)}, Gini {fmt(self.gini)}, "
            f"productivity {fmt(self.productivity)} {unit}/year"
        )
        rows = [[b, fmt(float(r))] for b, r in zip(self.brackets, self.rates)]
        return head + "\n" + text_table(["bracket", "rate"], rows)


def evaluate(
    schedule: Any = "us-federal",
    *,
    skills: str = "cps",
    elasticity: float = 0.5,
    swf: str = "inverse-income",
    cutoffs: PathLike = "us-federal-2018",
    agents: int = 10_000,
    rate_max: float = 0.99,
    income_units: Optional[str] = None,
    progress: Progress = None,
) -> Evaluation:
    """One schedule in general equilibrium (``walras tax evaluate``).

    ``schedule``: a name in :data:`SCHEDULES` (``"free-market"``, ``"us-federal"``: the 2018
    rates, ``"saez"``: the AI Economist's binned estimator on the economy's incomes), or the
    marginal rates themselves, one fraction per bracket of ``cutoffs`` (a list or array, e.g.
    ``[0.1, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37]``). The other arguments are those of
    :func:`compare`; a named schedule's numbers equal its row of ``compare``.
    """
    rates = None
    if isinstance(schedule, str):
        name = schedule
    else:
        name = "custom"
        rates = _args.vector("schedule", schedule, allow_negative=False)
    elasticity = _args.real("elasticity", elasticity)
    rate_max = _args.real("rate_max", rate_max)
    agents = _args.count("agents", agents)
    cutoffs = _args.path_or_text("cutoffs", cutoffs)
    call = _call(
        "evaluate", schedule=name if rates is None else rates.tolist(), skills=skills,
        elasticity=elasticity, swf=swf, cutoffs=cutoffs, agents=agents,
    )
    try:
        run = _walras.tax_evaluate(
            name, rates, _args.text("skills", skills), elasticity, _args.text("swf", swf), cutoffs,
            agents, rate_max, _args.optional_text("income_units", income_units),
            progress_callback(progress, "tax evaluate"), call,
        )
    except _args.ArgumentError as e:
        # The engine names the rates `rates`; here they are the argument `schedule`.
        message = str(e)
        if rates is not None and e.argument == "rates" and message.startswith("rates"):
            raise _args.ArgumentError("schedule" + message[len("rates"):], argument="schedule") from None
        raise
    return Evaluation(run)
