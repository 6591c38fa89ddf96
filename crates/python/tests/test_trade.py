"""walras.trade: the same numbers as the command line, labelled arrays, clear errors."""

import os
import pathlib

import numpy as np
import pytest

import walras
from walras.errors import ArgumentError, ConvergenceError, DataError, WalrasError
from test_cli_equality import assert_same

ROOT = pathlib.Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "data" / "trade" / "example"
TIMING_PREFIX = "engine_work"


def without_timings(record):
    """The record without wall times (engine_work's seconds differ from run to run)."""
    if isinstance(record, dict):
        return {
            k: without_timings(v)
            for k, v in record.items()
            if not k.endswith("_s")
        }
    if isinstance(record, list):
        return [without_timings(v) for v in record]
    return record


@pytest.fixture(scope="module")
def economy():
    return walras.trade.load()


def test_nash_cooperate_optimal_equal_the_cli(cli, economy):
    assert_same(
        without_timings(economy.nash(tariff_structure="uniform").to_dict()),
        without_timings(cli("trade", "nash", "--tariff-structure", "uniform")),
    )
    assert_same(
        without_timings(economy.nash(instruments="tariffs,subsidies", tariff_structure="sector").to_dict()),
        without_timings(cli("trade", "nash", "--instruments", "tariffs,subsidies", "--tariff-structure", "sector")),
    )
    assert_same(
        without_timings(economy.cooperate(tariff_structure="uniform").to_dict()),
        without_timings(cli("trade", "cooperate", "--tariff-structure", "uniform")),
    )
    assert_same(
        without_timings(economy.optimal("North").to_dict()),
        without_timings(cli("trade", "optimal", "--country", "North")),
    )


def test_compare_and_counterfactual_equal_the_cli(cli, economy, tmp_path):
    assert_same(
        without_timings(economy.compare(tariff_structure="uniform").to_dict()),
        without_timings(cli("trade", "compare", "--tariff-structure", "uniform")),
    )
    hike = tmp_path / "hike.csv"
    hike.write_text("exporter,importer,sector,tariff\nSouth,North,food,0.5\nEast,North,food,0.5\n")
    assert_same(
        without_timings(economy.counterfactual(hike).to_dict()),
        without_timings(cli("trade", "counterfactual", "--tariffs", str(hike))),
    )


def test_a_directory_loads_like_the_cli(cli):
    economy = walras.trade.load(EXAMPLE, keep_deficits=True)
    assert economy.countries == ["North", "South", "East"] and len(economy.sectors) == 4
    assert economy.theta.shape == (4,) and np.all(economy.theta > 0)
    assert_same(
        without_timings(economy.nash(tariff_structure="uniform").to_dict()),
        without_timings(cli("trade", "nash", "--data", str(EXAMPLE), "--keep-deficits", "--tariff-structure", "uniform")),
    )


def test_arrays_are_labelled_by_country_and_sector(economy):
    war = economy.nash(tariff_structure="uniform")
    d = war.to_dict()
    assert war.countries == economy.countries
    for i, c in enumerate(war.countries):
        assert war.welfare_change_pct[i] == d["welfare_change_pct"][c]
    assert war.sector_mean_tariff.shape == (len(economy.sectors),)
    frame = war.to_pandas()
    assert list(frame.index) == economy.countries
    assert "welfare change (%)" in repr(war)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda e: walras.trade.load("/no/such/dir"), DataError, ["/no/such/dir"]),
        (lambda e: walras.trade.load(EXAMPLE, tariff_units="basis-points"), ArgumentError, ["tariff_units", "basis-points"]),
        (lambda e: walras.trade.load(solver_tol=1.0), ArgumentError, ["solver_tol", "1"]),
        (lambda e: walras.trade.load(final_shares="guess"), ArgumentError, ["final_shares", "guess"]),
        (lambda e: walras.trade.load(elasticities="set1"), ArgumentError, ["elasticities"]),
        (lambda e: walras.trade.load(42), TypeError, ["data"]),
        (lambda e: e.nash(tariff_structure="diagonal"), ArgumentError, ["tariff_structure", "diagonal"]),
        (lambda e: e.nash(instruments="quotas"), ArgumentError, ["instruments", "quotas"]),
        (lambda e: e.nash(tol=0.1), ArgumentError, ["tol", "0.1"]),
        (lambda e: e.nash(tariff_bounds=(0.0, 50.0)), ArgumentError, ["tariff_bounds", "50"]),
        (lambda e: e.nash(tariff_bounds=0.5), TypeError, ["tariff_bounds"]),
        (lambda e: e.nash(method="guess"), ArgumentError, ["method", "guess"]),
        (lambda e: e.nash(schedule="random"), ArgumentError, ["schedule", "random"]),
        (lambda e: e.optimal("Atlantis"), ArgumentError, ["country", "Atlantis"]),
        (lambda e: e.cooperate(aggregation="max"), ArgumentError, ["aggregation", "max"]),
        (lambda e: e.counterfactual("/no/such/tariffs.csv"), DataError, ["tariffs.csv"]),
    ],
)
def test_bad_trade_input_raises_clear_exceptions(economy, call, error, words):
    with pytest.raises(error) as info:
        call(economy)
    text = str(info.value)
    for w in words:
        assert w in text, f"{w!r} not in {text!r}"


def test_an_unknown_country_in_a_tariff_table_names_row_and_value(economy, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("exporter,importer,sector,tariff\nSouth,North,food,0.5\nMars,North,food,0.5\n")
    with pytest.raises(DataError) as info:
        economy.counterfactual(bad)
    assert "Mars" in str(info.value) and info.value.row == 2, str(info.value)


CP2015 = ROOT / "data" / "trade" / "cp2015"


def test_estimate_elasticities_equals_the_cli(cli):
    py = walras.trade.estimate_elasticities(CP2015, trim=0.005)
    rec = cli("trade", "estimate-elasticities", "--from", str(CP2015), "--trim", "0.005")
    assert_same(py.to_dict(), rec)
    assert py.theta.shape == (20,) and py.sector[0] == "1"
    np.testing.assert_allclose(py.theta_data, np.loadtxt(CP2015 / "T.txt"))
    np.testing.assert_allclose(np.diag(py.covariance), py.std_err ** 2)
    assert np.all(py.std_err > 0) and np.all((py.r2 >= 0) & (py.r2 < 1))
    assert "triple difference" in repr(py)
    with pytest.raises(ArgumentError, match="trim"):
        walras.trade.estimate_elasticities(CP2015, trim=0.7)
    with pytest.raises(TypeError, match="trim"):
        walras.trade.estimate_elasticities(CP2015, trim="0.1")
    with pytest.raises(DataError):
        walras.trade.estimate_elasticities(ROOT / "no-such-dir")


def test_sensitivity_and_uncertainty_equal_the_cli(cli, economy, tmp_path):
    py = economy.sensitivity(tariff_structure="sector")
    rec = cli("trade", "sensitivity", "--tariff-structure", "sector")
    assert_same(without_timings(py.to_dict()), without_timings(rec))
    assert py.jacobian.shape == (len(py.policies), len(py.parameters)) == (9, 8)
    assert py.welfare_jacobian.shape == (3, 8) and py.parameters[0] == "theta:food"
    assert np.all(np.isfinite(py.jacobian)) and py.condition_number >= 1
    opt = economy.sensitivity(exercise="optimal", country="South", tariff_structure="sector")
    assert all(p.startswith("tariff:South:") for p in opt.policies)
    u = economy.uncertainty(se_rel=0.02, draws=8, seed=4, tariff_structure="sector")
    rec = cli("trade", "uncertainty", "--se-rel", "0.02", "--draws", "8", "--seed", "4",
              "--tariff-structure", "sector")
    assert_same(without_timings(u.to_dict()), without_timings(rec))
    assert u.converged_draws == 8 and u.welfare_p05.shape == (3,)
    assert np.all(u.welfare_p05 <= u.welfare_p95)
    with pytest.raises(ValueError, match="exactly one"):
        economy.uncertainty(se_rel=0.1, elasticity_sets=True)
    with pytest.raises(ArgumentError, match="country"):
        economy.sensitivity(exercise="optimal")
    bad = tmp_path / "draws.csv"
    bad.write_text("theta:steel\n4\n")
    with pytest.raises(WalrasError, match="theta:steel"):
        economy.uncertainty(draws_file=bad)
