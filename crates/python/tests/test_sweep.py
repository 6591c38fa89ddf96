"""walras.sweep: a sweep run here, merged, a lost shard reported and resumed."""

import os

import numpy as np
import pytest

import walras
from walras.errors import WalrasError

SPEC = """
command = ["tax", "evaluate", "--schedule", "us-federal", "--elasticity", "{elasticity}",
           "--skills", "pareto:alpha={alpha},min=10000", "--agents", "300"]
seed = 1
shards = 2

[grid]
elasticity = [0.25, 0.5]
alpha = [2.0, 3.0]

[outputs]
swf = "/swf"
gini = "/gini"
"""


def test_run_merge_and_resume(walras_bin, cli, tmp_path):
    spec = tmp_path / "sweep.toml"
    spec.write_text(SPEC)
    out = tmp_path / "sweep"
    report = walras.sweep.run(spec, out, threads=2, walras_bin=walras_bin)
    assert report.complete and report.points == 4 and report.shards == 2
    swf = report.results["swf"]
    assert swf.shape == (4,) and np.all(np.isfinite(swf))
    # Each point is the command line's own run.
    first = cli("tax", "evaluate", "--schedule", "us-federal", "--elasticity", "0.25",
                "--skills", "pareto:alpha=2,min=10000", "--agents", "300")
    index = [i for i in range(4) if report.results["elasticity"][i] == 0.25 and report.results["alpha"][i] == 2.0]
    assert swf[index[0]] == first["swf"]
    # A lost shard: the merge names it, a local resume runs it again, to the same numbers.
    shards = sorted((out / "shards").glob("*.parquet"))
    os.remove(shards[1])
    lost = walras.sweep.merge(out)
    assert not lost.complete and lost.missing_shards == [1]
    again = walras.sweep.resume(out, local=True, walras_bin=walras_bin)
    assert again.complete
    np.testing.assert_array_equal(again.results["swf"], swf)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(WalrasError, match="not a sweep folder"):
        walras.sweep.merge(empty)


def test_without_a_binary_the_error_says_where_to_get_one(tmp_path, monkeypatch):
    monkeypatch.delenv("WALRAS_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(WalrasError, match="walras binary"):
        walras.sweep.run(tmp_path / "sweep.toml", tmp_path / "out")
