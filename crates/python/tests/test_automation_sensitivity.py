"""walras.automation.sensitivity and walras.automation.uncertainty: the same numbers as the
command line."""

import numpy as np
import pytest

import walras
from walras.errors import ArgumentError, WalrasError
from test_cli_equality import assert_same
from test_tax_sensitivity import without_timings

PARAMETERS = ["capital", "discount", "network.pc"]
FLAGS = ["--preset", "core-periphery", "--parameters", ",".join(PARAMETERS)]


def test_sensitivity_and_uncertainty_equal_the_cli(cli, tmp_path):
    py = walras.automation.sensitivity("core-periphery", parameters=PARAMETERS)
    rec = cli("automation", "sensitivity", *FLAGS)
    assert_same(without_timings(py.to_dict()), without_timings(rec))
    assert py.parameters == PARAMETERS
    assert py.jacobian.shape == (60, 3) and np.all(np.isfinite(py.jacobian))
    assert py.welfare_jacobian.shape == (3, 3)
    assert [c["parameter"] for c in py.envelope] == ["capital", "discount"]
    assert all(c["relative_gap"] < 1e-4 for c in py.envelope)
    u = walras.automation.uncertainty("core-periphery", parameters=["sigma"], se_rel=0.02,
                                      draws=4, seed=1)
    rec = cli("automation", "uncertainty", "--preset", "core-periphery", "--parameters", "sigma",
              "--se-rel", "0.02", "--draws", "4", "--seed", "1")
    assert_same(without_timings(u.to_dict()), without_timings(rec))
    assert u.values.shape == (60,) and np.all(u.p05 <= u.p95)
    assert u.converged_draws == 4


def test_bad_requests_raise_exceptions_naming_the_argument(tmp_path):
    with pytest.raises(ArgumentError, match="exactly one"):
        walras.automation.uncertainty("core-periphery", se_rel=0.1, draws_file=tmp_path / "d.csv")
    with pytest.raises(WalrasError, match="gamma"):
        walras.automation.sensitivity("core-periphery", parameters=["gamma"])
    with pytest.raises(TypeError, match="list of names"):
        walras.automation.sensitivity("core-periphery", parameters="sigma")
    bad = tmp_path / "draws.csv"
    bad.write_text("sigma,theta:steel\n0.8,4\n")
    with pytest.raises(WalrasError, match="theta:steel"):
        walras.automation.uncertainty("core-periphery", parameters=["sigma"], draws_file=bad)
