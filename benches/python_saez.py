#!/usr/bin/env python3
"""Side by side on one array of 10,000,000 incomes: the AI Economist's binned Saez code (numpy,
extracted verbatim in crates/tax/tests/data/aie_saez_oracle.py), walras-tax's estimator alone,
walras-api's `tax::saez` (what `walras tax saez` runs: checks, unit rules, estimator, record),
and the Python package's `walras.tax.saez_rates` on a numpy array (the same computation, no
copy of the array). Medians of 7 runs; the peak memory of the Python call over the array.

    python benches/python_saez.py      # with the walras wheel and numpy installed; repo root

Checks that every implementation gives the same bracket rates (to 1e-9)."""
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import walras

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "crates", "tax", "tests", "data"))
import aie_saez_oracle as aie  # noqa: E402

N, REPS = 10_000_000, 7
z = np.random.default_rng(7).lognormal(mean=np.log(60.0), sigma=1.0, size=N)


def median_time(f):
    times, out = [], None
    for _ in range(REPS):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def rust(example, package, path):
    out = subprocess.run(
        ["cargo", "run", "--release", "-q", "-p", package, "--example", example, "--", path, str(REPS)],
        check=True, capture_output=True, text=True, cwd=os.path.join(HERE, ".."),
    ).stdout.strip().splitlines()
    median = float(out[0].split("median")[1].split()[0])
    rates = [float(v) for v in out[-1].split(":")[1].split()]
    return median, rates


sched = aie.make_us_federal_schedule()
t_numpy, numpy_rates = median_time(lambda: aie.saez_bracket_rates(z, "inverse_income", 0.5, 0.0, 1.0, sched)[4])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t_python, result = median_time(lambda: walras.tax.saez_rates(z, cutoffs="aie-us-federal"))
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
with tempfile.NamedTemporaryFile(suffix=".f64", delete=False) as f:
    f.write(z.astype("<f8").tobytes())
    path = f.name
try:
    t_estimator, estimator_rates = rust("saez_timing", "walras-tax", path)
    t_api, api_rates = rust("saez_request_timing", "walras-api", path)
finally:
    os.unlink(path)

print(f"{N:,} lognormal incomes, median of {REPS} runs")
print(f"  AI Economist's numpy code (numpy {np.__version__}): {t_numpy:.4f} s")
print(f"  walras-tax estimator alone:                 {t_estimator:.4f} s")
print(f"  walras-api tax::saez (the CLI's computation): {t_api:.4f} s")
print(f"  walras.tax.saez_rates(numpy array):           {t_python:.4f} s")
print(f"  Python / walras-api: {t_python / t_api:.3f} (target <= 1.2)")
print(f"  numpy / Python: {t_numpy / t_python:.2f}x (target >= 2)")
print(f"  peak RSS growth of the Python calls beyond the array: {grown:.1f} MB (target < 20)")
worst = max(
    max(abs(a - b) for a, b in zip(rates, numpy_rates))
    for rates in (estimator_rates, api_rates, list(result.estimator_rates))
)
print(f"  max |rate difference| between implementations: {worst:.2e} (must be <= 1e-9)")
sys.exit(0 if worst <= 1e-9 else 1)
