"""Trade and industrial policy: multi-country, multi-sector economies with input-output
links and scale economies; counterfactuals, unilateral optima, Nash tariff wars, dual
competition (tariffs and subsidies), cooperation, and their welfare decompositions.

Load an economy once with :func:`load`, then compute on it. Option names and values are the
command line's (``walras trade ...``): ``instruments`` is a comma-separated list of
``tariffs``, ``subsidies``, ``export-taxes``; ``tariff_structure`` is ``"uniform"``,
``"sector"``, ``"partner"`` or ``"partner-sector"``. Tariffs and subsidies are fractions
(0.1 = 10%); welfare changes are in percent.

>>> import walras
>>> economy = walras.trade.load()            # the embedded three-country example
>>> war = economy.nash(tariff_structure="uniform")
>>> sorted(war.welfare_change_pct)           # doctest: +SKIP
"""

from __future__ import annotations

import numbers
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from walras import _args, _walras
from walras._result import (
    Bands,
    Progress,
    Result,
    fmt,
    optional_frame,
    progress_callback,
    text_table,
)

__all__ = ["load", "import_data", "estimate_elasticities", "Economy", "PolicyResult", "ScenarioComparison",
           "Elasticities", "Sensitivity", "Uncertainty"]

PathLike = Union[str, "os.PathLike[str]"]


def _pair(name: str, value: Any) -> Tuple[float, float]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (lower, upper), got {value!r}")
    return (_args.real(name, value[0]), _args.real(name, value[1]))


def _optional_path(name: str, value: Any) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path, got {type(value).__name__}")
    return os.fspath(value)


def _call(name: str, economy: "Economy", **kwargs: Any) -> str:
    shown = ", ".join([f"data={economy.data!r}"] + [f"{k}={v!r}" for k, v in kwargs.items()])
    return f"walras.trade.{name}({shown})"


class PolicyResult(Result):
    """A policy in equilibrium (Nash, cooperative, unilateral or counterfactual).

    Arrays by country (in ``countries`` order): ``welfare_change_pct`` (percent of baseline
    real income), ``mean_tariff`` and ``import_weighted_tariff`` (fractions), ``wage_change``
    and ``price_index_change`` (ratios new/baseline), ``imports_change_pct``; by sector (in
    ``sectors`` order): ``sector_mean_tariff``. ``converged`` is True for every returned
    result (a failure raises :class:`walras.ConvergenceError`).
    """

    def __init__(self, run: Any, sectors: List[str]) -> None:
        super().__init__(run)
        r = self._record
        self.countries: List[str] = list(r["countries"])
        self.sectors: List[str] = list(sectors)

        def by_country(key: str) -> np.ndarray:
            return np.array([r[key][c] for c in self.countries], dtype=np.float64)

        self.welfare_change_pct = by_country("welfare_change_pct")
        self.mean_tariff = by_country("mean_tariff")
        self.import_weighted_tariff = by_country("import_weighted_tariff")
        self.wage_change = by_country("wage_change")
        self.price_index_change = by_country("price_index_change")
        self.imports_change_pct = by_country("imports_change_pct")
        self.sector_mean_tariff = np.array(
            [r["sector_mean_tariff"][s] for s in self.sectors], dtype=np.float64
        )
        self.welfare_decomposition: Optional[Dict[str, Any]] = r.get("welfare_decomposition")
        self.converged: bool = bool(r.get("converged", True))

    def _columns(self) -> Dict[str, Any]:
        return {
            "country": self.countries,
            "welfare_change_pct": self.welfare_change_pct,
            "mean_tariff": self.mean_tariff,
            "import_weighted_tariff": self.import_weighted_tariff,
            "wage_change": self.wage_change,
            "price_index_change": self.price_index_change,
            "imports_change_pct": self.imports_change_pct,
        }

    def to_pandas(self) -> Any:
        """One row per country, as a pandas DataFrame."""
        return optional_frame(self._columns(), "pandas").set_index("country")


    def __repr__(self) -> str:
        rows = [
            [c, fmt(float(t)), fmt(float(w))]
            for c, t, w in zip(self.countries, self.mean_tariff, self.welfare_change_pct)
        ]
        head = f"PolicyResult ({self._record['baseline']}; {len(self.countries)} countries, {len(self.sectors)} sectors)"
        return head + "\n" + text_table(["country", "mean tariff (fraction)", "welfare change (%)"], rows)


class ScenarioComparison(Result):
    """A tariff war, dual competition and cooperation on one economy: ``welfare_change_pct``
    and ``mean_tariff`` map each scenario to an array by country."""

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        r = self._record
        self.countries: List[str] = list(r["countries"])
        self.scenarios: List[str] = list(r["scenarios"])
        self.welfare_change_pct: Dict[str, np.ndarray] = {
            s: np.array([r["scenarios"][s]["welfare_change_pct"][c] for c in self.countries])
            for s in self.scenarios
        }
        self.mean_tariff: Dict[str, np.ndarray] = {
            s: np.array([r["scenarios"][s]["mean_tariff"][c] for c in self.countries])
            for s in self.scenarios
        }

    def _columns(self) -> Dict[str, Any]:
        cols: Dict[str, Any] = {"country": self.countries}
        cols.update({s: self.welfare_change_pct[s] for s in self.scenarios})
        return cols

    def to_pandas(self) -> Any:
        """Welfare change (%) by country (rows) and scenario (columns)."""
        return optional_frame(self._columns(), "pandas").set_index("country")

    def __repr__(self) -> str:
        rows = [[c] + [fmt(float(self.welfare_change_pct[s][i])) for s in self.scenarios] for i, c in enumerate(self.countries)]
        return "ScenarioComparison: welfare change (%) by country\n" + text_table(["country"] + self.scenarios, rows)


class Economy:
    """A calibrated economy: ``countries``, ``sectors``, elasticities ``theta`` and ``psi``
    by sector, the baseline's ``label`` and ``notes``. Compute on it with :meth:`nash`,
    :meth:`cooperate`, :meth:`optimal`, :meth:`counterfactual` and :meth:`compare`."""

    def __init__(self, inner: Any, data: Optional[str]) -> None:
        self._inner = inner
        self.data = data
        self.countries: List[str] = inner.countries()
        self.sectors: List[str] = inner.sectors()
        self.theta: np.ndarray = inner.theta()
        self.psi: np.ndarray = inner.psi()
        self.label: str = inner.label()
        self.notes: List[str] = inner.notes()

    def __repr__(self) -> str:
        return f"Economy({self.label}: {len(self.countries)} countries, {len(self.sectors)} sectors)"

    def nash(
        self,
        *,
        instruments: str = "tariffs",
        tariff_structure: str = "partner-sector",
        tariff_bounds: Tuple[float, float] = (0.0, 5.0),
        subsidy_bounds: Tuple[float, float] = (-0.5, 2.0),
        method: str = "auto",
        schedule: str = "jacobi",
        damping: float = 0.7,
        tol: float = 1e-8,
        start: Optional[PathLike] = None,
        second_order: bool = False,
        progress: Progress = None,
    ) -> PolicyResult:
        """The Nash equilibrium of all governments' policies (``walras trade nash``): a tariff
        war, or dual competition with ``instruments="tariffs,subsidies"``."""
        args = (
            _args.text("instruments", instruments), _args.text("tariff_structure", tariff_structure),
            _pair("tariff_bounds", tariff_bounds), _pair("subsidy_bounds", subsidy_bounds),
        )
        call = _call("nash", self, instruments=instruments, tariff_structure=tariff_structure, tol=tol)
        run = _walras.trade_nash(
            self._inner, *args, _args.text("method", method), _args.text("schedule", schedule),
            _args.real("damping", damping), _args.real("tol", tol), _optional_path("start", start),
            bool(second_order), progress_callback(progress, "Nash equilibrium"), call,
        )
        return PolicyResult(run, self.sectors)

    def cooperate(
        self,
        *,
        instruments: str = "tariffs",
        tariff_structure: str = "partner-sector",
        tariff_bounds: Tuple[float, float] = (0.0, 5.0),
        subsidy_bounds: Tuple[float, float] = (-0.5, 2.0),
        aggregation: str = "sum-of-logs",
        tol: float = 1e-8,
        start: Optional[PathLike] = None,
        progress: Progress = None,
    ) -> PolicyResult:
        """The cooperative optimum: every policy chosen to maximise world welfare
        (``walras trade cooperate``)."""
        call = _call("cooperate", self, instruments=instruments, tariff_structure=tariff_structure, tol=tol)
        run = _walras.trade_cooperate(
            self._inner, _args.text("instruments", instruments), _args.text("tariff_structure", tariff_structure),
            _pair("tariff_bounds", tariff_bounds), _pair("subsidy_bounds", subsidy_bounds),
            _args.text("aggregation", aggregation), _args.real("tol", tol), _optional_path("start", start),
            progress_callback(progress, "cooperative optimum"), call,
        )
        return PolicyResult(run, self.sectors)

    def optimal(
        self,
        country: str,
        *,
        instruments: str = "tariffs",
        tariff_structure: str = "partner-sector",
        tariff_bounds: Tuple[float, float] = (0.0, 5.0),
        subsidy_bounds: Tuple[float, float] = (-0.5, 2.0),
        tol: float = 1e-8,
        progress: Progress = None,
    ) -> PolicyResult:
        """``country``'s unilateral optimal policy, the others at the baseline
        (``walras trade optimal``)."""
        call = _call("optimal", self, country=country, instruments=instruments, tariff_structure=tariff_structure, tol=tol)
        run = _walras.trade_optimal(
            self._inner, _args.text("country", country), _args.text("instruments", instruments),
            _args.text("tariff_structure", tariff_structure), _pair("tariff_bounds", tariff_bounds),
            _pair("subsidy_bounds", subsidy_bounds), _args.real("tol", tol),
            progress_callback(progress, "unilateral optimum"), call,
        )
        return PolicyResult(run, self.sectors)

    def counterfactual(self, tariffs: PathLike) -> PolicyResult:
        """The equilibrium after the tariff changes of a tidy tariffs table (columns
        importer, exporter, sector, tariff; ``walras trade counterfactual``)."""
        path = _optional_path("tariffs", tariffs)
        if path is None:
            raise TypeError("tariffs must be a path to a tariffs table")
        run = _walras.trade_counterfactual(self._inner, path, _call("counterfactual", self, tariffs=path))
        return PolicyResult(run, self.sectors)

    def compare(
        self, *, tariff_structure: str = "partner-sector", tol: float = 1e-8, progress: Progress = None
    ) -> ScenarioComparison:
        """A tariff war, dual competition and cooperation side by side
        (``walras trade compare``)."""
        call = _call("compare", self, tariff_structure=tariff_structure, tol=tol)
        run = _walras.trade_compare(
            self._inner, _args.text("tariff_structure", tariff_structure), _args.real("tol", tol),
            progress_callback(progress, "war, dual competition, cooperation"), call,
        )
        return ScenarioComparison(run)

    def sensitivity(
        self,
        *,
        exercise: str = "nash",
        country: Optional[str] = None,
        instruments: str = "tariffs",
        tariff_structure: str = "partner-sector",
        tariff_bounds: Tuple[float, float] = (0.0, 5.0),
        subsidy_bounds: Tuple[float, float] = (-0.5, 2.0),
        method: str = "auto",
        schedule: str = "jacobi",
        damping: float = 0.7,
        tol: float = 1e-8,
        start: Optional[PathLike] = None,
        aggregation: str = "sum-of-logs",
        progress: Progress = None,
    ) -> "Sensitivity":
        """How the ``exercise``'s policies (``nash``, ``optimal`` for ``country``, or
        ``cooperate``) and every country's welfare move with the elasticities: exact derivatives
        by the implicit function theorem at the solution (``walras trade sensitivity``)."""
        call = _call("sensitivity", self, exercise=exercise, country=country,
                     tariff_structure=tariff_structure, tol=tol)
        run = _walras.trade_sensitivity(
            self._inner, _args.text("instruments", instruments),
            _args.text("tariff_structure", tariff_structure), _pair("tariff_bounds", tariff_bounds),
            _pair("subsidy_bounds", subsidy_bounds), _args.text("method", method),
            _args.text("schedule", schedule), _args.real("damping", damping), _args.real("tol", tol),
            _optional_path("start", start), _args.text("exercise", exercise),
            None if country is None else _args.text("country", country),
            _args.text("aggregation", aggregation),
            progress_callback(progress, f"{exercise} solution and its derivatives"), call,
        )
        return Sensitivity(run)

    def uncertainty(
        self,
        *,
        se_rel: Optional[float] = None,
        covariance: Optional[PathLike] = None,
        draws_file: Optional[PathLike] = None,
        elasticity_sets: bool = False,
        draws: int = 100,
        seed: int = 0,
        exercise: str = "nash",
        country: Optional[str] = None,
        instruments: str = "tariffs",
        tariff_structure: str = "partner-sector",
        tariff_bounds: Tuple[float, float] = (0.0, 5.0),
        subsidy_bounds: Tuple[float, float] = (-0.5, 2.0),
        method: str = "auto",
        tol: float = 1e-8,
        progress: Progress = None,
    ) -> "Uncertainty":
        """Bands around the Nash war, or with ``exercise`` ``"optimal"`` (``country``'s
        unilateral optimum) or ``"cooperate"`` (``walras trade uncertainty``): elasticities
        drawn with standard errors ``se_rel`` x each value, from a ``covariance`` file, from a
        ``draws_file``, or the data's ``elasticity_sets`` (exactly one); each draw re-solved
        from its first-order prediction, beside the delta-method bands."""
        given = [se_rel is not None, covariance is not None, draws_file is not None, bool(elasticity_sets)]
        if sum(given) != 1:
            raise ValueError("give exactly one of se_rel, covariance, draws_file, elasticity_sets=True")
        call = _call("uncertainty", self, se_rel=se_rel, covariance=covariance, draws_file=draws_file,
                     elasticity_sets=elasticity_sets, draws=draws, seed=seed, exercise=exercise,
                     country=country, tariff_structure=tariff_structure)
        run = _walras.trade_uncertainty(
            self._inner, _args.text("exercise", exercise), _args.optional_text("country", country),
            _args.text("instruments", instruments),
            _args.text("tariff_structure", tariff_structure), _pair("tariff_bounds", tariff_bounds),
            _pair("subsidy_bounds", subsidy_bounds), _args.text("method", method),
            _args.real("tol", tol), _args.count("draws", draws, 1), _args.count("seed", seed),
            None if se_rel is None else _args.real("se_rel", se_rel),
            _optional_path("covariance", covariance), _optional_path("draws_file", draws_file),
            bool(elasticity_sets), progress_callback(progress, "Nash war under uncertainty"), call,
        )
        return Uncertainty(run)


class Sensitivity(Result):
    """Exact comparative statics of a policy in the elasticities (``walras trade
    sensitivity``): ``parameters`` (``theta:<sector>``, ``psi:<sector>``) and their
    ``parameter_values``; ``policies`` (``tariff:<country>[:<partner>][:<sector>]``, ...) and
    ``policy_values`` (fractions); ``jacobian`` (policies x parameters, fraction per unit);
    ``countries``, ``welfare_change_pct`` and ``welfare_jacobian`` (countries x parameters,
    percentage points per unit); ``bound``, ``switching``, ``condition_number``,
    ``flat_directions``."""

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        r = self._record
        self.parameters: List[str] = list(r["parameters"])
        self.parameter_values = np.array(r["parameter_values"], dtype=np.float64)
        self.policies: List[str] = list(r["policies"])
        self.policy_values = np.array(r["policy_values"], dtype=np.float64)
        self.jacobian = np.array(r["jacobian"], dtype=np.float64).reshape(len(self.policies), len(self.parameters))
        self.countries: List[str] = list(r["countries"])
        self.welfare_change_pct = np.array(r["welfare_change_pct"], dtype=np.float64)
        self.welfare_jacobian = np.array(r["welfare_jacobian"], dtype=np.float64).reshape(
            len(self.countries), len(self.parameters))
        self.bound: List[Optional[str]] = list(r["bound"])
        self.switching: List[bool] = list(r["switching"])
        self.condition_number: float = float(r["condition_number"])
        self.flat_directions: List[List[float]] = list(r["flat_directions"])

    def _columns(self) -> Dict[str, Any]:
        cols: Dict[str, Any] = {"policy": self.policies, "value": self.policy_values}
        cols.update({p: self.jacobian[:, k] for k, p in enumerate(self.parameters)})
        return cols

    def __repr__(self) -> str:
        rows = []
        for i, p in enumerate(self.policies):
            k = int(np.argmax(np.abs(self.jacobian[i]))) if self.parameters else 0
            rows.append([p, fmt(float(self.policy_values[i])), self.parameters[k], fmt(float(self.jacobian[i, k]))])
        return (f"Sensitivity ({self._record['exercise']}; condition number {self.condition_number:.3g})\n"
                + text_table(["policy", "value (fraction)", "most sensitive to", "d value / d parameter"], rows))


class Uncertainty(Bands):
    """Bands around the Nash war (``walras trade uncertainty``): ``policies`` and ``welfare``
    (records with the value, the delta-method band ``delta_p05``/``delta_p95`` and the
    re-solved draws' ``monte_carlo`` quantiles), ``draw_records`` (prediction against re-solve
    per draw) and, as arrays, ``welfare_change_pct``, ``welfare_p05``, ``welfare_p95`` (Monte
    Carlo) by country."""

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        self.countries: List[str] = [w["country"] for w in self.welfare]
        self.welfare_change_pct = np.array([w["welfare_change_pct"] for w in self.welfare], dtype=np.float64)
        self.welfare_p05 = np.array([w["monte_carlo"]["p05"] for w in self.welfare], dtype=np.float64)
        self.welfare_p95 = np.array([w["monte_carlo"]["p95"] for w in self.welfare], dtype=np.float64)

    def _columns(self) -> Dict[str, Any]:
        return {"country": self.countries, "welfare_change_pct": self.welfare_change_pct,
                "welfare_p05": self.welfare_p05, "welfare_p95": self.welfare_p95}

    def __repr__(self) -> str:
        rows = [[c, fmt(float(w)), fmt(float(a)), fmt(float(b))]
                for c, w, a, b in zip(self.countries, self.welfare_change_pct, self.welfare_p05, self.welfare_p95)]
        return (f"Uncertainty ({self._record['source']}; {self.converged_draws} of {self._record['draws']} draws)\n"
                + text_table(["country", "welfare change (%)", "p05", "p95"], rows))


def load(
    data: Optional[PathLike] = None,
    *,
    elasticities: Optional[str] = None,
    final_shares: str = "table",
    keep_deficits: bool = False,
    tariff_units: str = "fraction",
    solver_tol: float = 1e-10,
    progress: Progress = None,
) -> Economy:
    """Load an economy from ``data``, a directory in any layout the command line's ``--data``
    reads (the tidy layout, or the WIOD, DL-opt and Caliendo-Parro data), or the embedded
    three-country example when None. Deficits are purged unless ``keep_deficits``;
    ``elasticities`` names a set of the data's ``elasticity_sets`` table; ``tariff_units`` is
    ``"fraction"`` or ``"percent"``."""
    path = _optional_path("data", data)
    inner = _walras.trade_load(
        path, _args.optional_text("elasticities", elasticities), _args.text("final_shares", final_shares),
        bool(keep_deficits), _args.text("tariff_units", tariff_units), _args.real("solver_tol", solver_tol),
        progress_callback(progress, "loading the economy"),
    )
    return Economy(inner, path)


def import_data(layout: str, source: PathLike, target: PathLike) -> Dict[str, Any]:
    """Convert a raw dataset into the tidy layout that :func:`load` reads (``walras trade
    import``): ``layout`` is ``"dlopt"`` or ``"cp2015"``; ``source`` the raw directory,
    ``target`` where the tidy tables go (with counterfactual tariff tables under
    ``target/counterfactuals``). Returns the report of every adjustment made."""
    import json

    src = _optional_path("source", source)
    dst = _optional_path("target", target)
    if src is None or dst is None:
        raise TypeError("source and target must be paths")
    return json.loads(_walras.trade_import(_args.text("layout", layout), src, dst))


class Elasticities(Result):
    """Trade elasticities by sector (``walras trade estimate-elasticities``).

    ``sectors``: the records (``sector``, ``theta``, ``std_err``, ``n_obs``, ``r2``,
    ``theta_data``, ``trimmed``, ``zero_flow_triples``); numpy arrays over sectors: ``theta``,
    ``std_err``, ``n_obs``, ``r2``, ``theta_data``; ``covariance``: the sectors x sectors
    covariance of the estimates (diagonal).
    """

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        self.sectors: List[Dict[str, Any]] = self._record["sectors"]
        self.sector: List[str] = [s["sector"] for s in self.sectors]
        for k in ("theta", "std_err", "n_obs", "r2", "theta_data"):
            setattr(self, k, np.array([s[k] for s in self.sectors], dtype=np.float64))
        self.covariance: np.ndarray = np.diag(self.std_err ** 2)

    def _columns(self) -> Dict[str, Any]:
        return {"sector": self.sector, "theta": self.theta, "std_err": self.std_err,
                "n_obs": self.n_obs, "r2": self.r2, "theta_data": self.theta_data}

    def __repr__(self) -> str:
        rows = [[s["sector"], fmt(s["theta"]), fmt(s["std_err"]), str(s["n_obs"]), fmt(s["r2"]),
                 fmt(s["theta_data"])] for s in self.sectors]
        return ("Elasticities (Caliendo and Parro's triple difference)\n"
                + text_table(["sector", "theta", "s.e.", "triples", "R^2", "theta in the data"], rows))


def estimate_elasticities(source: PathLike, *, layout: str = "cp2015", trim: float = 0.0) -> Elasticities:
    """Theta by sector from bilateral flows and tariffs, by Caliendo and Parro's triple
    difference with robust standard errors, beside the data's own theta
    (``walras trade estimate-elasticities``); ``trim``: the fraction of each sector's country
    triples with the smallest flows left out."""
    src = _optional_path("source", source)
    if src is None:
        raise TypeError("source must be a path")
    if isinstance(trim, bool) or not isinstance(trim, numbers.Real):
        raise TypeError(f"trim must be a number, got {type(trim).__name__} {trim!r}")
    call = f"walras.trade.estimate_elasticities({src!r}, layout={layout!r}, trim={trim})"
    return Elasticities(_walras.trade_estimate_elasticities(_args.text("layout", layout), src, float(trim), call))
