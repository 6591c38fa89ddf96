"""walras.tax.evaluate: any schedule in equilibrium, the same numbers as the command line."""

import numpy as np
import pytest

import walras
from walras.errors import ArgumentError
from test_cli_equality import assert_same

ECONOMY = dict(skills="lognormal:mu=3.5,sigma=0.7", agents=400, cutoffs="aie-us-federal")
CLI_ECONOMY = ["--skills", "lognormal:mu=3.5,sigma=0.7", "--agents", "400", "--cutoffs", "aie-us-federal"]


def test_default_is_us_federal_on_the_cps_sample_and_equals_the_cli(cli):
    r = walras.tax.evaluate()
    assert_same(r.to_dict(), cli("tax", "evaluate"))
    assert r.schedule == "us-federal" and r.label == "US federal 2018 rates"
    np.testing.assert_array_equal(r.rates, [0.10, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37])


@pytest.mark.filterwarnings("ignore:the optimiser stopped")
@pytest.mark.parametrize("name", walras.tax.SCHEDULES)
def test_named_schedules_equal_the_cli_and_their_row_of_compare(cli, name):
    r = walras.tax.evaluate(name, **ECONOMY)
    assert_same(r.to_dict(), cli("tax", "evaluate", "--schedule", name, *CLI_ECONOMY))
    row = walras.tax.compare(**ECONOMY).schedules[walras.tax.SCHEDULES.index(name)]
    assert r.label == row.label
    np.testing.assert_allclose(r.rates, row.rates, rtol=1e-12)
    for k in ("transfer", "swf", "gini", "equality", "productivity", "equality_times_productivity"):
        assert getattr(r, k) == pytest.approx(getattr(row, k), rel=1e-12), k


def test_custom_rates_from_a_list_or_any_array_layout(cli):
    rates = [0.05, 0.1, 0.2, 0.3, 0.4, 0.45, 0.5]
    r = walras.tax.evaluate(rates, **ECONOMY)
    assert r.schedule == "custom"
    np.testing.assert_array_equal(r.rates, rates)
    assert_same(r.to_dict(), cli("tax", "evaluate", "--rates", ",".join(map(str, rates)), *CLI_ECONOMY))
    strided = np.repeat(rates, 2)[::2]  # not contiguous
    assert not strided.flags["C_CONTIGUOUS"]
    assert walras.tax.evaluate(strided, **ECONOMY).swf == r.swf
    # A flat tax hands back what it raises: transfer = rate x mean income.
    flat = walras.tax.evaluate([0.25] * 7, **ECONOMY)
    assert flat.transfer == pytest.approx(0.25 * flat.productivity, rel=1e-8)
    frame = r.to_pandas() if _has("pandas") else None
    if frame is not None:
        assert list(frame["rate"]) == rates


def _has(module):
    try:
        __import__(module)
        return True
    except ImportError:
        return False


@pytest.mark.parametrize(
    "schedule, needles",
    [
        ("flat", ["schedule", "flat", "free-market"]),
        ([0.1, 0.2], ["schedule", "2 rates", "7 brackets"]),
        ([10, 12, 22, 24, 32, 35, 37], ["schedule", "bracket 1", "fraction"]),
        ([0.1, 0.1, float("nan"), 0.1, 0.1, 0.1, 0.1], ["schedule", "nan"]),
        ([0.1, -0.1, 0.1, 0.1, 0.1, 0.1, 0.1], ["schedule", "-0.1"]),
    ],
)
def test_bad_schedules_raise_argument_errors_naming_schedule(schedule, needles):
    with pytest.raises(ArgumentError) as e:
        walras.tax.evaluate(schedule, **ECONOMY)
    assert e.value.argument == "schedule"
    for n in needles:
        assert n.lower() in str(e.value).lower(), (n, str(e.value))


def test_wrong_types_raise_type_errors():
    with pytest.raises(TypeError):
        walras.tax.evaluate(None, **ECONOMY)
    with pytest.raises(TypeError):
        walras.tax.evaluate(["a"] * 7, **ECONOMY)
