"""Bad input: each case is a clear exception naming the argument or the file, row, column and
value; never a crash, never a partial output folder."""

import math

import numpy as np
import pytest

import walras
from walras.errors import ArgumentError, DataError, WalrasError

INCOMES = np.array([20_000.0, 45_000.0, 90_000.0, 250_000.0] * 50)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: walras.tax.saez_rates(elasticity="x"), TypeError, ["elasticity"]),
        (lambda: walras.tax.saez_rates(elasticity=-1.0), ArgumentError, ["elasticity", "-1"]),
        (lambda: walras.tax.saez_rates(elasticity=math.nan), ArgumentError, ["elasticity"]),
        (lambda: walras.tax.saez_rates(np.ones((3, 3))), ArgumentError, ["incomes", "(3, 3)"]),
        (lambda: walras.tax.saez_rates(np.array([1.0, np.nan, 3.0])), ArgumentError, ["incomes[1]", "nan"]),
        (lambda: walras.tax.saez_rates(np.array([1.0, np.inf])), ArgumentError, ["incomes[1]", "inf"]),
        (lambda: walras.tax.saez_rates(np.array(["a", "b"])), TypeError, ["incomes", "dtype"]),
        (lambda: walras.tax.saez_rates([1.0, [2.0, 3.0]]), TypeError, ["incomes"]),
        (lambda: walras.tax.saez_rates(INCOMES, sample_weights=np.ones(3)), ArgumentError, ["sample_weights", "3"]),
        (lambda: walras.tax.saez_rates(INCOMES, sample_weights=-np.ones(len(INCOMES))), ArgumentError, ["sample_weights[0]", "negative"]),
        (lambda: walras.tax.saez_rates(INCOMES, weights="bogus"), ArgumentError, ["weights", "bogus"]),
        (lambda: walras.tax.saez_rates(INCOMES, estimator="bogus"), ArgumentError, ["estimator", "bogus"]),
        (lambda: walras.tax.saez_rates(INCOMES, rate_min=0.6, rate_max=0.2), ArgumentError, ["rate_min", "0.6"]),
        (lambda: walras.tax.saez_rates(INCOMES, cutoffs="bogus-cutoffs"), WalrasError, ["cutoffs", "bogus-cutoffs"]),
        (lambda: walras.tax.saez_rates(INCOMES, income_units="euro"), ArgumentError, ["income_units", "euro"]),
        (lambda: walras.tax.saez_rates(np.zeros(10)), WalrasError, ["incomes"]),
        (lambda: walras.tax.compare(swf="bogus"), ArgumentError, ["swf", "bogus"]),
        (lambda: walras.tax.compare(rate_max=2.0), ArgumentError, ["rate_max", "2"]),
        (lambda: walras.tax.compare(agents=-5), ArgumentError, ["agents", "-5"]),
        (lambda: walras.tax.compare(agents=2.5), TypeError, ["agents"]),
        (lambda: walras.tax.optimize(brackets=0), ArgumentError, ["brackets"]),
        (lambda: walras.tax.optimize(agents=1), ArgumentError, ["agents", "1"]),
        (lambda: walras.tax.optimize(hours=(1,)), ArgumentError, ["hours"]),
        (lambda: walras.tax.optimize(skills="pareto:alpha=0.5,min=1"), WalrasError, ["alpha"]),
        (lambda: walras.tax.optimize(utility="bogus"), WalrasError, ["bogus"]),
        (lambda: walras.tax.mirrlees(truncate=(0.5,)), ArgumentError, ["truncate"]),
        (lambda: walras.tax.mirrlees(skills="bogus"), ArgumentError, ["skills", "bogus"]),
        (lambda: walras.tax.mirrlees(grid="many"), TypeError, ["grid"]),
    ],
)
def test_bad_arguments_raise_clear_exceptions(call, error, words):
    with pytest.raises(error) as info:
        call()
    text = str(info.value)
    for w in words:
        assert w in text, f"{w!r} not in {text!r}"
    if isinstance(info.value, ArgumentError):
        assert isinstance(info.value, ValueError) and info.value.argument


def test_a_missing_file_names_it(tmp_path):
    with pytest.raises(DataError) as info:
        walras.tax.saez_rates(tmp_path / "nope.csv")
    assert info.value.path.endswith("nope.csv") and "nope.csv" in str(info.value)


def test_a_file_without_the_column_names_it(tmp_path):
    path = tmp_path / "incomes.csv"
    path.write_text("earnings\n1\n2\n")
    with pytest.raises(DataError) as info:
        walras.tax.saez_rates(path)
    assert info.value.column == "income" and "income" in str(info.value)


def test_a_bad_cell_names_row_column_and_value(tmp_path):
    path = tmp_path / "incomes.csv"
    path.write_text("income,weight\n10000,1\n20000,-3\n")
    with pytest.raises(DataError) as info:
        walras.tax.saez_rates(path)
    e = info.value
    assert (e.row, e.column, e.value) == (2, "weight", "-3"), str(e)


def test_writing_into_a_folder_of_another_run_needs_overwrite(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "keep.txt").write_text("earlier run")
    result = walras.tax.mirrlees(grid=40)
    with pytest.raises(WalrasError) as info:
        result.write(target)
    assert "overwrite" in str(info.value)
    # Nothing written, nothing left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert [p.name for p in target.iterdir()] == ["keep.txt"]
    result.write(target, overwrite=True)
    assert (target / "manifest.json").is_file() and not (target / "keep.txt").exists()
