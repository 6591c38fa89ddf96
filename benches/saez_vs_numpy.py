#!/usr/bin/env python3
"""Side by side on the same array: the AI Economist's binned Saez code (numpy, extracted
verbatim in crates/tax/tests/data/aie_saez_oracle.py) vs walras-tax's port.

    python3 benches/saez_vs_numpy.py            # needs numpy; run from the repository root

Writes 10,000,000 seeded lognormal incomes to a raw f64 file, times the numpy code (median of
7), then runs the Rust example on the same file and checks the rates agree to 1e-9."""
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "crates", "tax", "tests", "data"))
import aie_saez_oracle as aie  # noqa: E402

N, REPS = 10_000_000, 7
z = np.random.default_rng(7).lognormal(mean=np.log(60.0), sigma=1.0, size=N)
sched = aie.make_us_federal_schedule()
times, rates = [], None
for _ in range(REPS):
    t0 = time.perf_counter()
    rates = aie.saez_bracket_rates(z, "inverse_income", 0.5, 0.0, 1.0, sched)[4]
    times.append(time.perf_counter() - t0)
print("numpy %s: %d incomes, median %.4f s over %d runs" % (np.__version__, N, statistics.median(times), REPS))
with tempfile.NamedTemporaryFile(suffix=".f64", delete=False) as f:
    f.write(z.astype("<f8").tobytes())
    path = f.name
try:
    out = subprocess.run(
        ["cargo", "run", "--release", "-q", "-p", "walras-tax", "--example", "saez_timing", "--", path, str(REPS)],
        check=True, capture_output=True, text=True,
    ).stdout
finally:
    os.unlink(path)
print(out.strip())
walras_rates = [float(v) for v in out.strip().splitlines()[-1].split(":")[1].split()]
worst = max(abs(a - b) for a, b in zip(walras_rates, rates))
print("max |rate difference| = %.2e (must be <= 1e-9)" % worst)
sys.exit(0 if worst <= 1e-9 else 1)
