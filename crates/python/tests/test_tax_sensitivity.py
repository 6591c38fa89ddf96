"""walras.tax.sensitivity and walras.tax.uncertainty: the same numbers as the command line."""

import numpy as np
import pytest

import walras
from walras.errors import WalrasError
from test_cli_equality import assert_same

ECONOMY = dict(agents=500, brackets=4, swf="power:k=1", skills="pareto:alpha=3,min=1")
FLAGS = ["--agents", "500", "--brackets", "4", "--swf", "power:k=1", "--skills", "pareto:alpha=3,min=1"]


def without_timings(record):
    """The record without wall times (they differ between two runs)."""
    if isinstance(record, dict):
        return {k: without_timings(v) for k, v in record.items()
                if k not in ("wall_time_s", "timing", "inner_solves") and not k.endswith("_s")}
    if isinstance(record, list):
        return [without_timings(v) for v in record]
    return record


def test_sensitivity_and_uncertainty_equal_the_cli(cli, tmp_path):
    py = walras.tax.sensitivity(**ECONOMY)
    rec = cli("tax", "sensitivity", *FLAGS)
    assert_same(without_timings(py.to_dict()), without_timings(rec))
    assert py.parameters == ["elasticity", "swf:k", "skills:alpha", "skills:min"]
    assert py.jacobian.shape == (4, 4) and np.all(np.isfinite(py.jacobian))
    assert py.welfare_jacobian.shape == (4,)
    u = walras.tax.uncertainty(se_rel=0.01, draws=5, seed=2, **ECONOMY)
    rec = cli("tax", "uncertainty", "--se-rel", "0.01", "--draws", "5", "--seed", "2", *FLAGS)
    assert_same(without_timings(u.to_dict()), without_timings(rec))
    assert u.rates.shape == (4,) and np.all(u.p05 <= u.p95)
    with pytest.raises(ValueError, match="exactly one"):
        walras.tax.uncertainty(se_rel=0.1, draws_file=tmp_path / "d.csv", **ECONOMY)
    bad = tmp_path / "draws.csv"
    bad.write_text("theta:steel\n4\n")
    with pytest.raises(WalrasError, match="theta:steel"):
        walras.tax.uncertainty(draws_file=bad, **ECONOMY)
