"""Type stubs of the compiled extension (the public API is in walras.tax, walras.trade,
walras.automation; these functions are their engine calls)."""

from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import numpy.typing as npt

__version__: str

Progress = Optional[Callable[[str], Any]]

class Run:
    """A computed result: JSON record, warnings, tables and figures."""

    def json(self) -> str: ...
    def warnings(self) -> List[str]: ...
    def table_names(self) -> List[str]: ...
    def latex(self) -> List[Tuple[str, str]]: ...
    def figure_titles(self) -> List[Tuple[str, str]]: ...
    def figure_svg(self, stem: str) -> str: ...
    def figure_data(self, stem: str) -> Dict[str, Any]: ...
    def write(self, dir: str, overwrite: bool = False) -> None: ...

class TradeEconomy:
    """A calibrated trade economy."""

    def countries(self) -> List[str]: ...
    def sectors(self) -> List[str]: ...
    def theta(self) -> npt.NDArray[np.float64]: ...
    def psi(self) -> npt.NDArray[np.float64]: ...
    def label(self) -> str: ...
    def notes(self) -> List[str]: ...
    def inputs(self) -> List[str]: ...

def tax_saez(
    incomes: Optional[npt.NDArray[np.float64]],
    incomes_file: Optional[str],
    sample_weights: Optional[npt.NDArray[np.float64]],
    elasticity: float,
    weights: str,
    cutoffs: str,
    rate_min: float,
    rate_max: float,
    estimator: str,
    income_units: Optional[str],
    call: str,
) -> Run: ...
def tax_evaluate(
    schedule: str,
    rates: Optional[npt.NDArray[np.float64]],
    skills: str,
    elasticity: float,
    swf: str,
    cutoffs: str,
    agents: int,
    rate_max: float,
    income_units: Optional[str],
    progress: Progress,
    call: str,
) -> Run: ...
def tax_compare(
    skills: str,
    elasticity: float,
    swf: str,
    cutoffs: str,
    agents: int,
    rate_max: float,
    income_units: Optional[str],
    progress: Progress,
    call: str,
) -> Run: ...
def tax_optimize(planner: Dict[str, Any], progress: Progress, call: str) -> Run: ...
def tax_sensitivity(planner: Dict[str, Any], progress: Progress, call: str) -> Run: ...
def tax_uncertainty(
    planner: Dict[str, Any],
    draws: int,
    seed: int,
    se_rel: Optional[float],
    covariance: Optional[str],
    draws_file: Optional[str],
    progress: Progress,
    call: str,
) -> Run: ...
def tax_mirrlees(
    skills: str, truncate: Tuple[float, float], elasticity: float, swf: str, grid: int, call: str
) -> Run: ...
def tax_cps_sample() -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def trade_load(
    data: Optional[str],
    elasticities: Optional[str],
    final_shares: str,
    keep_deficits: bool,
    tariff_units: str,
    solver_tol: float,
    progress: Progress,
) -> TradeEconomy: ...
def trade_nash(
    economy: TradeEconomy,
    instruments_: str,
    tariff_structure: str,
    tariff_bounds: Tuple[float, float],
    subsidy_bounds: Tuple[float, float],
    method: str,
    schedule: str,
    damping: float,
    tol: float,
    start: Optional[str],
    second_order: bool,
    progress: Progress,
    call: str,
) -> Run: ...
def trade_cooperate(
    economy: TradeEconomy,
    instruments_: str,
    tariff_structure: str,
    tariff_bounds: Tuple[float, float],
    subsidy_bounds: Tuple[float, float],
    aggregation: str,
    tol: float,
    start: Optional[str],
    progress: Progress,
    call: str,
) -> Run: ...
def trade_optimal(
    economy: TradeEconomy,
    country: str,
    instruments_: str,
    tariff_structure: str,
    tariff_bounds: Tuple[float, float],
    subsidy_bounds: Tuple[float, float],
    tol: float,
    progress: Progress,
    call: str,
) -> Run: ...
def trade_counterfactual(economy: TradeEconomy, tariffs: str, call: str) -> Run: ...
def trade_compare(economy: TradeEconomy, tariff_structure: str, tol: float, progress: Progress, call: str) -> Run: ...
def trade_import(layout: str, source: str, target: str) -> str: ...

Columns = List[Tuple[str, npt.NDArray[np.float64]]]

def automation_presets() -> List[Tuple[str, str]]: ...
def automation_simulate(
    scenario: Optional[str], preset: Optional[str], set: List[str], progress: Progress, call: str
) -> Tuple[Run, Columns, Columns]: ...
def automation_planner(
    scenario: Optional[str],
    preset: Optional[str],
    set: List[str],
    discount: float,
    eta: float,
    horizon: Optional[float],
    grid: int,
    progress: Progress,
    call: str,
) -> Tuple[Run, Columns, List[Tuple[str, List[List[float]]]]]: ...
def automation_sensitivity(statics: Dict[str, Any], progress: Progress, call: str) -> Run: ...
def automation_uncertainty(
    statics: Dict[str, Any],
    draws: int,
    seed: int,
    se_rel: Optional[float],
    covariance: Optional[str],
    draws_file: Optional[str],
    progress: Progress,
    call: str,
) -> Run: ...
def sweep_merge(dir: str) -> str: ...
def automation_sweep(
    scenario: Optional[str],
    preset: Optional[str],
    set: List[str],
    range: List[str],
    draws: int,
    grid: List[str],
    seed: Optional[int],
    progress: Progress,
    call: str,
) -> Tuple[Run, str, Columns, List[str]]: ...
def automation_network(
    scenario: Optional[str],
    preset: Optional[str],
    set: List[str],
    spec: Optional[str],
    tasks: int,
    seed: int,
    export: Optional[str],
    call: str,
) -> Run: ...

def gtb_replay(
    agents: List[List[int]],
    planner: Optional[List[List[int]]],
    tax: str,
    rng: str,
    seed: int,
    episode_length: int,
    map: Optional[str],
    random_skills: bool,
    masks: bool,
    observations: bool,
) -> str: ...
def gtb_simulate(
    policy: str,
    episodes: int,
    threads: Optional[int],
    tax: str,
    rng: str,
    seed: int,
    episode_length: int,
    map: Optional[str],
    random_skills: bool,
    progress: Progress,
    call: str,
) -> Run: ...

def trade_estimate_elasticities(layout: str, source: str, trim: float, call: str) -> Run: ...
def trade_sensitivity(
    economy: TradeEconomy,
    instruments_: str,
    tariff_structure: str,
    tariff_bounds: Tuple[float, float],
    subsidy_bounds: Tuple[float, float],
    method: str,
    schedule: str,
    damping: float,
    tol: float,
    start: Optional[str],
    exercise: str,
    country: Optional[str],
    aggregation: str,
    progress: Optional[Callable[..., None]],
    call: str,
) -> Run: ...
def trade_uncertainty(
    economy: TradeEconomy,
    exercise: str,
    country: Optional[str],
    instruments_: str,
    tariff_structure: str,
    tariff_bounds: Tuple[float, float],
    subsidy_bounds: Tuple[float, float],
    method: str,
    tol: float,
    draws: int,
    seed: int,
    se_rel: Optional[float],
    covariance: Optional[str],
    draws_file: Optional[str],
    elasticity_sets: bool,
    progress: Optional[Callable[..., None]],
    call: str,
) -> Run: ...
def gtb_game(
    kind: str,
    tax: str,
    rates: Optional[List[float]],
    rng: str,
    seed: int,
    episode_length: int,
    map: Optional[str],
    random_skills: bool,
    episodes: int,
    rounds: int,
    iterations: int,
    pairs: int,
    objective_episodes: int,
    threads: Optional[int],
    progress: Progress,
    call: str,
) -> Run: ...

class GtbEnvs:
    """A batch of Gather-Trade-Build worlds."""
    def __init__(self, num_envs: int, tax: str, rng: str, seed: int, episode_length: int, map: Optional[str], random_skills: bool) -> None: ...
    @property
    def num_envs(self) -> int: ...
    @property
    def n_agents(self) -> int: ...
    @property
    def has_planner(self) -> bool: ...
    def reset(self) -> Dict[str, npt.NDArray[np.float32]]: ...
    def step(
        self, agents: npt.NDArray[np.int64], planner: Optional[npt.NDArray[np.int64]] = None
    ) -> Tuple[Dict[str, npt.NDArray[np.float32]], npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]: ...
