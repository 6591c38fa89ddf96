#!/usr/bin/env python3
"""Python overhead on the DL-opt 7 x 44 partner x sector tariff war: `Economy.nash()` from the
walras Python package against `walras_api::trade::nash` (the same computation, what `walras
trade nash` runs) on the same imported data. Medians of 3 runs each, alternating.

    WALRAS_DATA_DIR=../shared/data python benches/python_overhead.py   # repo root, wheel installed"""
import os
import pathlib
import statistics
import subprocess
import tempfile
import time

import walras

ROOT = pathlib.Path(__file__).resolve().parents[1]
data = pathlib.Path(os.environ.get("WALRAS_DATA_DIR", "../shared/data"))
if not data.is_absolute():
    data = ROOT / data
raw = data / "dlopt_7x44_2017"
if not raw.is_dir():
    raise SystemExit(f"{raw} is missing: set WALRAS_DATA_DIR to the folder holding dlopt_7x44_2017")
REPS = 3
tidy = pathlib.Path(tempfile.mkdtemp()) / "dlopt"
walras.trade.import_data("dlopt", raw, tidy)
economy = walras.trade.load(tidy)

python_times = []
for _ in range(REPS):
    t0 = time.perf_counter()
    war = economy.nash()
    python_times.append(time.perf_counter() - t0)
out = subprocess.run(
    ["cargo", "run", "--release", "-q", "-p", "walras-api", "--example", "nash_request_timing", "--", str(tidy), str(REPS)],
    check=True, capture_output=True, text=True, cwd=ROOT,
).stdout.strip().splitlines()
rust = float(out[0].split("median")[1].split()[0])
rust_sum = float(out[1].split(":")[1])
python = statistics.median(python_times)
print(f"DL-opt 7x44 partner x sector tariff war, median of {REPS}")
print(f"  walras_api::trade::nash (Rust): {rust:.3f} s")
print(f"  walras Economy.nash() (Python): {python:.3f} s")
print(f"  Python overhead: {100 * (python / rust - 1):+.2f}% (target <= 2%)")
gap = abs(sum(war.welfare_change_pct) - rust_sum)
print(f"  same equilibrium: sum of welfare changes differ by {gap:.1e}")
