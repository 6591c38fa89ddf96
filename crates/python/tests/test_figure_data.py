"""figure_data: the plain arrays behind each figure agree with the result they draw."""

import numpy as np
import pytest

import walras
from walras.errors import ArgumentError


def test_every_figure_of_every_kind_has_its_data():
    results = [
        walras.tax.saez_rates(),
        walras.tax.evaluate("saez", skills="lognormal:mu=3.5,sigma=0.7", agents=300, cutoffs="aie-us-federal"),
        walras.trade.load().nash(tariff_structure="uniform"),
        walras.automation.simulate(preset="directed-chain"),
        walras.automation.phase_diagram(
            preset="capital-accumulation", set={"horizon": 100},
            grid={"theta": (0.1, 0.7, 3), "saving": (0.05, 0.3, 2)},
        ),
    ]
    kinds = set()
    for r in results:
        assert r.figures, r
        for stem, title in r.figures.items():
            d = r.figure_data(stem)
            assert d["title"] == title and d["x_label"] and d["y_label"], stem
            kinds.add(d["kind"])
            if d["kind"] in ("line", "scatter"):
                for s in d["series"]:
                    assert s["x"].dtype == np.float64 and s["x"].shape == s["y"].shape, stem
                    if "labels" in s:
                        assert len(s["labels"]) == len(s["x"]), stem
            elif d["kind"] == "bar":
                for g in d["groups"]:
                    assert g["values"].shape == (len(d["categories"]),), stem
            else:
                assert d["values"].shape == (len(d["y_labels"]), len(d["x_labels"])), stem
    assert kinds == {"line", "scatter", "bar", "heatmap"}


def test_saez_figure_draws_the_rates_by_bracket():
    r = walras.tax.saez_rates()
    d = r.figure_data("saez_rates")
    assert d["kind"] == "line" and "USD" in d["x_label"]
    assert [s["label"] for s in d["series"]] == ["bin rate", "bracket rate"]
    s = d["series"][1]
    # A step function: each bracket's rate over [lower, upper), in bracket order.
    assert s["x"][0] == 0.0 and np.all(np.diff(s["x"]) >= 0)
    steps = s["y"][::2]
    np.testing.assert_array_equal(steps, s["y"][1::2])
    np.testing.assert_allclose(steps, r.rates[~np.isnan(r.rates)][: len(steps)], rtol=0)


def test_welfare_bars_are_the_welfare_changes_by_country():
    r = walras.trade.load().nash(tariff_structure="uniform")
    rec = r.to_dict()
    d = r.figure_data("welfare")
    assert d["kind"] == "bar" and "%" in d["y_label"]
    (g,) = d["groups"]
    by_country = dict(zip(d["categories"], g["values"]))
    assert set(by_country) == set(rec["countries"])
    for c, w in rec["welfare_change_pct"].items():
        assert by_country[c] == pytest.approx(w, rel=1e-12)


def test_phase_diagram_cells_are_the_regime_codes():
    r = walras.automation.phase_diagram(
        preset="capital-accumulation", set={"horizon": 100},
        grid={"theta": (0.1, 0.7, 3), "saving": (0.05, 0.3, 2)},
    )
    (stem,) = [s for s, _ in r.figures.items() if r.figure_data(s)["kind"] == "heatmap"]
    d = r.figure_data(stem)
    assert (d["x_label"], d["y_label"]) == ("theta", "saving")
    codes = {"partial": 0, "full": 1, "explosive": 2}
    expected = np.vectorize(lambda v: codes.get(v, v) if isinstance(v, str) else v)(r.regime)
    np.testing.assert_array_equal(d["values"], expected.astype(float))


def test_monte_carlo_fans_start_early_on_their_log_axis():
    r = walras.automation.monte_carlo(
        preset="core-periphery", set={"horizon": 1e5}, range={"theta": (0.3, 0.6)}, draws=6, seed=1,
    )
    d = r.figure_data("fan_labor_share")
    assert d["log_x"] and [s["label"] for s in d["series"]] == ["5%", "median", "95%"]
    x = d["series"][1]["x"]
    # The grid reaches down to a ten-thousandth of the horizon, where the dynamics start.
    assert x[0] == pytest.approx(10.0, rel=1e-9) and x[-1] == pytest.approx(1e5)
    assert np.sum(x < 1e3) >= 50
    lo, mid, hi = (s["y"] for s in d["series"])
    assert np.all(lo <= mid + 1e-12) and np.all(mid <= hi + 1e-12)


def test_an_unknown_figure_is_an_argument_error_listing_the_figures():
    r = walras.tax.saez_rates()
    with pytest.raises(ArgumentError) as e:
        r.figure_data("nope")
    assert "saez_rates" in str(e.value) and e.value.argument == "stem"
