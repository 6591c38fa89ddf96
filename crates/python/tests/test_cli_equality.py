"""The Python results equal the command line's JSON records (to 1e-12; wall times aside)."""

import math

import numpy as np

import walras

TIMING_KEYS = {"wall_time_s", "wall_time"}


def assert_same(py, cli, path="$"):
    """Equal structures, numbers within 1e-12 relative (timings are not compared)."""
    if isinstance(cli, dict):
        assert isinstance(py, dict), path
        assert py.keys() == cli.keys(), f"{path}: keys {sorted(py)} vs {sorted(cli)}"
        for k in cli:
            if k in TIMING_KEYS:
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


def test_compare_without_arguments_equals_the_main_job(cli):
    assert_same(walras.tax.compare().to_dict(), cli("tax", "compare"))


def test_compare_with_options(cli):
    py = walras.tax.compare(skills="pareto:alpha=3,min=1", agents=500, swf="utilitarian", cutoffs="aie-us-federal")
    assert_same(
        py.to_dict(),
        cli("tax", "compare", "--skills", "pareto:alpha=3,min=1", "--agents", "500", "--swf", "utilitarian", "--cutoffs", "aie-us-federal"),
    )


def test_saez_rates_equal_the_cli_on_the_cps_sample(cli):
    for estimator in ("binned", "smooth"):
        py = walras.tax.saez_rates(estimator=estimator, cutoffs="us-federal-2018", weights="uniform")
        assert_same(py.to_dict(), cli("tax", "saez", "--estimator", estimator, "--weights", "uniform"))


def test_saez_rates_from_an_array_equal_the_cli_on_the_same_file(cli, tmp_path):
    rng = np.random.default_rng(7)
    incomes = np.exp(rng.normal(10.5, 0.9, 5000))
    path = tmp_path / "incomes.csv"
    path.write_text("income\n" + "\n".join(repr(float(v)) for v in incomes) + "\n")
    from_array = walras.tax.saez_rates(incomes).to_dict()
    from_file = cli("tax", "saez", "--incomes", str(path))
    # The record names its source; everything else is the same.
    assert from_array.pop("incomes") == "an array of 5000 incomes"
    from_file.pop("incomes")
    assert_same(from_array, from_file)
    assert_same(walras.tax.saez_rates(path).to_dict(), cli("tax", "saez", "--incomes", str(path)))


def test_optimize_and_mirrlees_equal_the_cli(cli):
    py = walras.tax.optimize(skills="lognormal:mu=0,sigma=0.6", agents=400, brackets=4, swf="rawls")
    assert_same(
        py.to_dict(),
        cli("tax", "optimize", "--skills", "lognormal:mu=0,sigma=0.6", "--agents", "400", "--brackets", "4", "--swf", "rawls"),
    )
    assert_same(walras.tax.mirrlees(grid=80).to_dict(), cli("tax", "mirrlees", "--grid", "80"))


def test_arrays_are_labelled_and_match_the_record():
    r = walras.tax.saez_rates()
    d = r.to_dict()
    assert r.rates.dtype == np.float64 and r.rates.shape == (len(d["cutoffs"]),)
    assert r.brackets[0] == "[0, 9,525)" and r.brackets[-1].endswith("inf)")
    np.testing.assert_array_equal(r.cutoffs, d["cutoffs"])
    c = walras.tax.compare()
    assert [s.label for s in c.schedules] == [s["label"] for s in c.to_dict()["schedules"]]
    assert "optimal vs Saez" in repr(c)


def test_write_produces_the_cli_output_folder(tmp_path, walras_bin):
    import json
    import subprocess

    walras.tax.optimize(agents=300, brackets=3).write(tmp_path / "py")
    subprocess.run([walras_bin, "tax", "optimize", "--agents", "300", "--brackets", "3", "--quiet", "--out", str(tmp_path / "cli")], check=True)
    py_files = sorted(p.name for p in (tmp_path / "py").iterdir())
    cli_files = sorted(p.name for p in (tmp_path / "cli").iterdir())
    assert py_files == cli_files
    manifest = json.loads((tmp_path / "py" / "manifest.json").read_text())
    assert "walras.tax.optimize" in " ".join(manifest["command_line"])


def test_to_latex_is_what_write_puts_in_the_folder_and_compiles(tmp_path):
    import os
    import shutil
    import subprocess

    import pytest

    result = walras.tax.compare()
    tex = result.to_latex()
    assert "\\toprule" in tex and "\\caption{Tax schedules in general equilibrium}" in tex
    assert "transfer \\\\ (USD per year)" in tex
    result.write(tmp_path / "out")
    written = (tmp_path / "out" / "compare.tex").read_text()
    # The file adds a comment line saying where it came from.
    assert "\n".join(l for l in written.splitlines() if not l.startswith("%")).strip() == tex.strip()
    if shutil.which("pdflatex") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdflatex is missing: run .ci/system-packages")
        pytest.skip("pdflatex not installed (run .ci/system-packages)")
    doc = tmp_path / "doc.tex"
    doc.write_text("\\documentclass{article}\\usepackage{booktabs}\\begin{document}\n" + tex + "\n\\end{document}\n")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name], cwd=tmp_path, check=True, capture_output=True)
    assert (tmp_path / "doc.pdf").stat().st_size > 0
