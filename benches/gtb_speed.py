#!/usr/bin/env python3
"""The Gather-Trade-Build world side by side with the AI Economist's (ai-economist 1.7.1):
environment steps per second of whole processes, US federal taxes, random valid actions (masks
respected, the time to draw them included on both sides), one core.

    python3 benches/gtb_speed.py --walras target/release/walras \
        --reference-python "$(bash tests/aie_reference.sh)" [--runs 3]

Runs alternate (reference, walras numpy-legacy, walras fast, ...) so that all see the same
machine state; prints a Markdown table of median steps per second (steps / wall time of the
whole process, interpreter start and imports included for the reference) and the ratios.
"""

import argparse
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "crates" / "gtb" / "tests" / "reference" / "gtb_reference.py"


def timed(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--walras", required=True)
    p.add_argument("--reference-python", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--reference-episodes", type=int, default=5)
    p.add_argument("--episodes", type=int, default=200)
    args = p.parse_args()
    single = ["taskset", "-c", "1"]
    runs = {
        "reference (ai-economist 1.7.1)": (
            single + [args.reference_python, str(REFERENCE), "speed", "--tax", "us-federal",
                      "--episodes", str(args.reference_episodes), "--steps", "1000"],
            args.reference_episodes * 1000,
        ),
    }
    for rng in ("numpy-legacy", "fast"):
        runs[f"walras, {rng} generator"] = (
            single + [args.walras, "tax", "gtb", "simulate", "--policy", "random", "--tax", "us-federal",
                      "--episodes", str(args.episodes), "--threads", "1", "--rng", rng,
                      "--quiet", "--format", "json"],
            args.episodes * 1000,
        )
    rates = {name: [] for name in runs}
    for _ in range(args.runs):
        for name, (cmd, steps) in runs.items():
            rates[name].append(steps / timed(cmd))
    base = statistics.median(rates["reference (ai-economist 1.7.1)"])
    print("| process | steps | median steps/s | vs reference |")
    print("|---|---|---|---|")
    for name, (cmd, steps) in runs.items():
        m = statistics.median(rates[name])
        print(f"| {name} | {steps:,} | {m:,.0f} | {m / base:,.0f}x |")


if __name__ == "__main__":
    main()
