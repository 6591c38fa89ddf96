#!/usr/bin/env python3
"""`walras tax gtb compare` on the default scenario: wall time per seed on this machine, the
planners' ranking and the optimised rates' gain over Saez, and a rerun of the first seed to
check that the same seed gives the same numbers.

    python3 benches/gtb_compare.py --walras target/release/walras [--seeds 0 1 2 3 4]

Prints a Markdown table (one row per seed) and the median wall time.
"""

import argparse
import json
import statistics
import subprocess
import time


def run(walras, seed, threads):
    cmd = [walras, "--quiet", "tax", "gtb", "compare", "--seed", str(seed), "--format", "json"]
    if threads:
        cmd += ["--threads", str(threads)]
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - start, json.loads(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--walras", required=True)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--threads", type=int, default=None)
    a = p.parse_args()
    rows, times, first = [], [], None
    for seed in a.seeds:
        wall, j = run(a.walras, seed, a.threads)
        times.append(wall)
        first = first or (seed, j)
        eqp = {k: v["equality_times_productivity"]["mean"] for k, v in j["planners"].items()}
        g = j["gain_over_saez_pct"]
        rows.append(f"| {seed} | {wall:.0f} | {' > '.join(j['ranking'])} | "
                    + " | ".join(f"{eqp[k]:.1f}" for k in ("free_market", "us_federal", "saez", "optimized"))
                    + f" | {g['mean']:+.1f} [{g['ci95_low']:+.1f}, {g['ci95_high']:+.1f}] |")
    seed, j = first
    _, again = run(a.walras, seed, a.threads)
    same = again["planners"] == j["planners"] and again["optimization"] == j["optimization"]
    print("| seed | wall (s) | ranking by equality x productivity | free market | US federal | Saez | optimised | optimised over Saez (%) |")
    print("|---:|---:|---|---:|---:|---:|---:|---|")
    print("\n".join(rows))
    print(f"\nmedian wall time {statistics.median(times):.0f} s; seed {seed} rerun identical: {same}")


if __name__ == "__main__":
    main()
