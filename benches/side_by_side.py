#!/usr/bin/env python3
"""Two `walras` binaries side by side on the headline commands: wall-time medians (runs
alternate A B A B, so both see the same machine state) and whether their JSON outputs agree.

    python3 benches/side_by_side.py --old OLD_BIN --new NEW_BIN --data ../shared/data [--runs 5]

Prints a Markdown table: command, median wall time of each binary, the median of the per-pair
ratios new/old, and the largest relative difference between the two JSON outputs (keys that
measure time or work, such as wall_time_s and engine_work, are skipped).
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SKIPPED_KEYS = {"wall_time_s", "engine_work", "wall_time"}


def commands(data: Path, dlopt: Path):
    wiod = data / "wiod2014_44x16"
    return [
        ("tax compare (main job)", ["tax", "compare"]),
        ("tax optimum, 100,000 Pareto agents, 7 brackets",
         ["tax", "optimize", "--skills", "pareto:alpha=4,min=1", "--agents", "100000", "--brackets", "7"]),
        ("trade nash, WIOD 44x16, uniform tariffs",
         ["trade", "nash", "--data", str(wiod), "--tariff-structure", "uniform"]),
        ("trade nash, dlopt 7x44, sector tariffs",
         ["trade", "nash", "--data", str(dlopt), "--tariff-structure", "sector"]),
        ("trade nash, dlopt 7x44, partner x sector tariffs",
         ["trade", "nash", "--data", str(dlopt)]),
        ("automation growth path, N = 1,000 (power-law preset)",
         ["automation", "simulate", "--preset", "power-law"]),
        ("automation simulate, core-periphery",
         ["automation", "simulate", "--preset", "core-periphery"]),
        ("automation planner, core-periphery",
         ["automation", "planner", "--preset", "core-periphery"]),
    ]


def run(binary: str, args):
    start = time.perf_counter()
    out = subprocess.run([binary, *args, "--format", "json", "--quiet"],
                         capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"{binary} {' '.join(args)} failed ({out.returncode}):\n{out.stderr}")
    return elapsed, json.loads(out.stdout)


def max_rel_diff(a, b, path="") -> float:
    """The largest relative difference between two JSON values (inf if their shapes differ)."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = (set(a) | set(b)) - SKIPPED_KEYS
        return max((max_rel_diff(a.get(k), b.get(k), f"{path}.{k}") for k in keys), default=0.0)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return float("inf")
        return max((max_rel_diff(x, y, path) for x, y in zip(a, b)), default=0.0)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        scale = max(abs(a), abs(b), 1e-300)
        return abs(a - b) / scale if a != b else 0.0
    return 0.0 if a == b else float("inf")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--old", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", help="run only commands whose label contains this text")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dlopt = Path(tmp) / "dlopt"
        subprocess.run([opts.new, "trade", "import", "--layout", "dlopt", "--from",
                        str(opts.data / "dlopt_7x44_2017"), "--to", str(dlopt), "--quiet"],
                       check=True, capture_output=True)
        print("| command | old median (s) | new median (s) | new/old (median of pairs) | max relative difference of outputs |")
        print("|---|---|---|---|---|")
        for label, args in commands(opts.data, dlopt):
            if opts.only and opts.only not in label:
                continue
            run(opts.old, args), run(opts.new, args)  # warm-up
            old_t, new_t, ratios = [], [], []
            for _ in range(opts.runs):
                t_old, j_old = run(opts.old, args)
                t_new, j_new = run(opts.new, args)
                old_t.append(t_old)
                new_t.append(t_new)
                ratios.append(t_new / t_old)
            diff = max_rel_diff(j_old, j_new)
            print(f"| `walras {' '.join(args)}` ({label}) | {statistics.median(old_t):.3f} | "
                  f"{statistics.median(new_t):.3f} | {statistics.median(ratios):.3f} | {diff:.1e} |",
                  flush=True)


if __name__ == "__main__":
    main()
