"""walras.automation: the results equal the command line's JSON records (to 1e-12; wall
times aside), arrays are labelled, and bad input is a clear exception naming the argument or
the file."""

import math

import numpy as np
import pytest

import walras
from walras.errors import ArgumentError, DataError, WalrasError


def assert_same(py, cli, path="$"):
    """Equal structures, numbers within 1e-12 relative; keys ending in `_s` (wall times) are
    not compared."""
    if isinstance(cli, dict):
        assert isinstance(py, dict), path
        assert py.keys() == cli.keys(), f"{path}: keys {sorted(py)} vs {sorted(cli)}"
        for k in cli:
            if k.endswith("_s"):
                continue
            assert_same(py[k], cli[k], f"{path}.{k}")
    elif isinstance(cli, list):
        assert isinstance(py, list) and len(py) == len(cli), path
        for i, (a, b) in enumerate(zip(py, cli)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(cli, float) or isinstance(py, float):
        assert math.isclose(py, cli, rel_tol=1e-12, abs_tol=1e-300), f"{path}: {py} vs {cli}"
    else:
        assert py == cli, f"{path}: {py!r} vs {cli!r}"


def test_presets_equal_the_cli(cli):
    record = cli("automation", "presets")
    assert walras.automation.presets() == [(p["name"], p["description"]) for p in record["presets"]]
    assert ("power-law", record["presets"][3]["description"]) in walras.automation.presets()


def test_simulate_equals_the_cli(cli):
    py = walras.automation.simulate(preset="core-periphery", set={"sigma": 0.7, "horizon": 200})
    assert_same(
        py.to_dict(),
        cli("automation", "simulate", "--preset", "core-periphery", "--set", "sigma=0.7", "--set", "horizon=200"),
    )
    assert_same(walras.automation.simulate().to_dict(), cli("automation", "simulate"))


def test_simulate_from_a_scenario_file_equals_the_cli(cli, tmp_path):
    path = tmp_path / "four.toml"
    path.write_text("tasks = 4\nsigma = 0.6\n")
    py = walras.automation.simulate(scenario=path, set=["theta=0.3"])
    assert_same(py.to_dict(), cli("automation", "simulate", "--scenario", str(path), "--set", "theta=0.3"))
    assert py.to_dict()["tasks"] == 4


def test_simulate_arrays_are_labelled_paths_and_tasks():
    r = walras.automation.simulate(preset="directed-chain")
    d = r.to_dict()
    n = len(r.t)
    assert n >= 2 and np.all(np.diff(r.t) >= 0)
    for name in ("output", "capital", "wage", "rental", "labor_task_share", "labor_income_share",
                 "automated_share", "output_growth"):
        assert getattr(r, name).shape == (n,), name
        assert getattr(r, name).dtype == np.float64
    assert r.time is r.t
    assert math.isclose(r.labor_task_share[-1], d["labor_task_share"], rel_tol=1e-9)
    assert list(r.tasks["task"]) == list(range(d["tasks"]))
    assert len(r.automation_time) == d["tasks"]
    never = [i for i, t in enumerate(d["automation_time"]) if t is None]
    assert all(np.isnan(r.automation_time[i]) for i in never)
    assert r.tables == ["paths.csv", "tasks.csv"]
    assert "time_paths" in r.figures and "shares" in r.figures
    text = repr(r)
    assert "directed-chain" in text and "labour task share m" in text


def test_simulate_to_pandas_has_one_row_per_point():
    pd = pytest.importorskip("pandas")
    r = walras.automation.simulate(preset="directed-chain")
    frame = r.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns)[:3] == ["t", "output", "capital"] and len(frame) == len(r.t)
    assert len(r.tasks_to_pandas()) == r.to_dict()["tasks"]


def test_simulate_writes_the_cli_folder(tmp_path):
    r = walras.automation.simulate(preset="directed-chain")
    r.write(tmp_path / "out")
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    for name in ("summary.json", "paths.csv", "tasks.csv", "manifest.json", "time_paths.svg"):
        assert name in names, names


def test_planner_equals_the_cli(cli):
    py = walras.automation.planner(preset="directed-chain", horizon=40.0, grid=60, discount=0.1, eta=2.0)
    rec = cli("automation", "planner", "--preset", "directed-chain", "--horizon", "40", "--grid", "60",
              "--discount", "0.1", "--eta", "2")
    assert_same(py.to_dict(), rec)
    tasks = len(rec["mean_subsidy"])
    assert py.planner_capital.shape == (len(py.t), tasks)
    assert py.subsidy.shape == py.market_capital.shape == py.planner_capital.shape
    assert np.allclose(py.subsidy.mean(axis=0), py.mean_subsidy, rtol=1e-12)
    assert py.planner_output.shape == py.market_output.shape == py.t.shape
    assert "welfare gap" in repr(py)


def test_monte_carlo_equals_the_cli(cli):
    args = ["--preset", "core-periphery", "--set", "horizon=100", "--range", "theta=0.3:0.6",
            "--range", "network.pc=0:0.2", "--draws", "8", "--seed", "3"]
    rec = cli("automation", "sweep", *args)
    py = walras.automation.sweep(
        preset="core-periphery", set={"horizon": 100},
        range={"theta": (0.3, 0.6), "network.pc": (0, 0.2)}, draws=8, seed=3,
    )
    assert isinstance(py, walras.automation.MonteCarlo)
    assert_same(py.to_dict(), rec)
    same = walras.automation.monte_carlo(
        preset="core-periphery", set=["horizon=100"], range=["theta=0.3:0.6", "network.pc=0:0.2"],
        draws=8, seed=3,
    )
    assert_same(same.to_dict(), rec)
    assert py.labor_task_share_fan.shape == (len(py.times), 3)
    assert list(py.draws) == ["draw", "theta", "network.pc", "final_labor_task_share", "final_time", "blowup_time"]
    assert len(py.regimes) == 8 and set(py.regimes) <= {"full", "partial", "explosive"}
    assert np.all((py.draws["theta"] >= 0.3) & (py.draws["theta"] <= 0.6))
    assert "Monte Carlo" in repr(py)


def test_phase_diagram_equals_the_cli(cli):
    rec = cli("automation", "sweep", "--preset", "capital-accumulation", "--set", "horizon=100",
              "--grid", "theta=0.1:0.7:3", "--grid", "saving=0.05:0.3:2")
    py = walras.automation.phase_diagram(
        preset="capital-accumulation", set={"horizon": 100},
        grid={"theta": (0.1, 0.7, 3), "saving": (0.05, 0.3, 2)},
    )
    assert_same(py.to_dict(), rec)
    assert py.regime.shape == (2, 3) and py.final_labor_task_share.shape == (2, 3)
    assert (py.x_key, py.y_key) == ("theta", "saving")
    assert np.allclose(py.x, [0.1, 0.4, 0.7])
    assert "regime" in repr(py)


def test_network_equals_the_cli(cli, tmp_path):
    py = walras.automation.network(preset="core-periphery")
    assert_same(py.to_dict(), cli("automation", "network", "--preset", "core-periphery"))
    export = tmp_path / "star.csv"
    star = walras.automation.network(spec="kind=star,center=0,weight=0.3", tasks=6, export=export)
    assert_same(
        star.to_dict(),
        cli("automation", "network", "--spec", "kind=star,center=0,weight=0.3", "--tasks", "6"),
    )
    assert star.edges == 5 and star.out_degree[0] == 5 and list(star.task) == list(range(6))
    assert export.read_text().startswith("receiver,sender,weight")
    assert "5 edges" in repr(star)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: walras.automation.simulate(preset="nope"), ArgumentError, ["preset", "nope"]),
        (lambda: walras.automation.simulate(preset=3), TypeError, ["preset"]),
        (lambda: walras.automation.simulate(preset="power-law", scenario="x.toml"), ArgumentError, ["scenario", "preset"]),
        (lambda: walras.automation.simulate(set=["sigma=0.5", "sigma=0.6"]), ArgumentError, ["set", "sigma", "twice"]),
        (lambda: walras.automation.simulate(set={"sigma": 0.5, " sigma": 0.6}), ArgumentError, ["set", "sigma", "twice"]),
        (lambda: walras.automation.simulate(set={"bogus": 1.0}), ArgumentError, ["set", "bogus"]),
        (lambda: walras.automation.simulate(set={"sigma": -1.0}), ArgumentError, ["set", "sigma", "-1"]),
        (lambda: walras.automation.simulate(set={"sigma": "high"}), TypeError, ["set", "sigma"]),
        (lambda: walras.automation.simulate(set={"sigma": True}), TypeError, ["set", "sigma"]),
        (lambda: walras.automation.simulate(set=["sigma"]), ArgumentError, ["set", "KEY=VALUE"]),
        (lambda: walras.automation.simulate(set="sigma=0.5"), TypeError, ["set"]),
        (lambda: walras.automation.planner(discount=-1.0), ArgumentError, ["discount", "-1"]),
        (lambda: walras.automation.planner(eta=50.0), ArgumentError, ["eta", "50"]),
        (lambda: walras.automation.planner(grid=2), ArgumentError, ["grid", "2"]),
        (lambda: walras.automation.planner(grid=2.5), TypeError, ["grid"]),
        (lambda: walras.automation.planner(discount="fast"), TypeError, ["discount"]),
        (lambda: walras.automation.planner(preset="capital-accumulation"), WalrasError, ["capital"]),
        (lambda: walras.automation.sweep(), ArgumentError, ["range"]),
        (lambda: walras.automation.sweep(grid={"sigma": (0.5, 0.9, 3)}), ArgumentError, ["grid", "two"]),
        (lambda: walras.automation.sweep(range=["theta=0.3"]), ArgumentError, ["range", "theta=0.3"]),
        (lambda: walras.automation.sweep(range={"theta": (0.3,)}), TypeError, ["range", "theta"]),
        (lambda: walras.automation.sweep(range=["theta=0.3:0.6", "theta=0.4:0.5"]), ArgumentError, ["range", "theta", "twice"]),
        (lambda: walras.automation.sweep(range={"colour": (0, 1)}, draws=2), WalrasError, ["colour"]),
        (lambda: walras.automation.sweep(range={"theta": (0.3, 0.6)}, draws=-1), ArgumentError, ["draws", "-1"]),
        (lambda: walras.automation.network(spec="kind=bogus"), ArgumentError, ["spec", "bogus"]),
        (lambda: walras.automation.network(spec="kind=ring,neighbors=9,weight=0.3", tasks=6), WalrasError, ["neighbors"]),
        (lambda: walras.automation.network(spec="kind=ring", preset="power-law"), ArgumentError, ["spec"]),
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


def test_a_missing_scenario_file_names_it(tmp_path):
    with pytest.raises(DataError) as info:
        walras.automation.simulate(scenario=tmp_path / "nope.toml")
    assert info.value.path.endswith("nope.toml") and "nope.toml" in str(info.value)


def test_a_bad_scenario_file_names_the_key(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("tasks = 3\nsigma = 0.6\ntask_mass = [0.5, -0.1, 0.6]\n")
    with pytest.raises(WalrasError) as info:
        walras.automation.simulate(scenario=path)
    assert "task_mass[1]" in str(info.value)


def test_progress_reaches_the_callback():
    lines = []
    walras.automation.sweep(preset="core-periphery", set={"horizon": 100}, range={"theta": (0.3, 0.6)},
                            draws=4, seed=1, progress=lines.append)
    assert all(isinstance(line, str) for line in lines)
