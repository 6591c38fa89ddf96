#!/usr/bin/env python3
"""Wall time of `walras trade sensitivity` against `walras trade nash` alone on the same data,
of `walras trade uncertainty` per draw, and of `walras tax sensitivity` against `walras tax
optimize`: runs alternate, medians are reported.

    python3 benches/trade_sensitivity.py --walras target/release/walras --data ../shared/data \
        [--tidy-dlopt DIR] [--runs 5] [--draws-only]

`--draws-only` measures only a WIOD draw against a cold war, both on one core (one thread):
the median of `--runs` cold `walras trade nash` runs against the median over `--runs`
uncertainty runs of their mean time per draw (40 draws each, 10% standard errors).

`--tidy-dlopt` is the dlopt data in the tidy layout (`walras trade import --layout dlopt
--from ../shared/data/dlopt_7x44_2017 --to DIR`); without it the dlopt rows are skipped.
"""

import argparse
import json
import os
import statistics
import subprocess
import time


def timed(cmd):
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - t, json.loads(out)


def paired(a, label, solve, sensitivity, args):
    """Alternate runs of the solve and of its sensitivity; print their medians as a row."""
    plain, sens = [], []
    for _ in range(a.runs):
        plain.append(timed([a.walras, *solve, *args, "--format", "json", "--quiet"])[0])
        t, rec = timed([a.walras, *sensitivity, *args, "--format", "json", "--quiet"])
        sens.append(t)
    n, s = statistics.median(plain), statistics.median(sens)
    print(f"| {label} | {n:.2f} s | {s:.2f} s | {s / n:.1f} | {len(rec['parameters'])} |")


def draw_against_cold_war(a):
    """A WIOD draw's mean time against a cold war, alternating, one thread each."""
    one = dict(os.environ, RAYON_NUM_THREADS="1")
    wiod = ["--data", f"{a.data}/wiod2014_44x16", "--tariff-structure", "uniform"]
    cold, draw = [], []
    for _ in range(a.runs):
        t = time.perf_counter()
        subprocess.run([a.walras, "trade", "nash", *wiod, "--format", "json", "--quiet"],
                       check=True, capture_output=True, env=one)
        cold.append(time.perf_counter() - t)
        out = subprocess.run([a.walras, "trade", "uncertainty", *wiod, "--se-rel", "0.1",
                              "--draws", "40", "--format", "json", "--quiet"],
                             check=True, capture_output=True, text=True, env=one).stdout
        draw.append(json.loads(out)["timing"]["mean_draw_s"])
    c, d = statistics.median(cold), statistics.median(draw)
    print(f"WIOD uniform war, one thread: cold `trade nash` {c:.3f} s, a draw {d:.3f} s "
          f"({100 * d / c:.0f}% of the cold war)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--walras", required=True)
    ap.add_argument("--data", required=True, help="the shared data folder")
    ap.add_argument("--tidy-dlopt")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--draws-only", action="store_true")
    a = ap.parse_args()
    if a.draws_only:
        draw_against_cold_war(a)
        return
    cases = [("example, 9 tariffs by sector", ["--tariff-structure", "sector"]),
             ("WIOD 44x16, 44 uniform tariffs",
              ["--data", f"{a.data}/wiod2014_44x16", "--tariff-structure", "uniform"])]
    if a.tidy_dlopt:
        cases.append(("dlopt 7x44, 154 tariffs by sector",
                      ["--data", a.tidy_dlopt, "--tariff-structure", "sector"]))
    print("| war | nash | sensitivity (nash included) | ratio | parameters |")
    print("|---|---|---|---|---|")
    for label, args in cases:
        paired(a, label, ["trade", "nash"], ["trade", "sensitivity"], args)
    # Tax: the optimal brackets and their derivatives.
    print()
    print("| economy | `tax optimize` | `tax sensitivity` | ratio | parameters |")
    print("|---|---|---|---|---|")
    for label, args in [("default: Pareto skills, 10,000 agents, 7 brackets", []),
                        ("power weights, 2,000 agents, 4 brackets",
                         ["--agents", "2000", "--brackets", "4", "--swf", "power:k=1",
                          "--skills", "pareto:alpha=3,min=1"])]:
        paired(a, label, ["tax", "optimize"], ["tax", "sensitivity"], args)
    t, rec = timed([a.walras, "tax", "uncertainty", "--se-rel", "0.05", "--draws", "100",
                    "--format", "json", "--quiet"])
    timing = rec["timing"]
    print()
    print(f"tax uncertainty, default economy, 100 draws (se-rel 0.05): {t:.1f} s in all; optimum "
          f"and derivatives {timing['cold_solve_and_statics_s']:.2f} s, mean "
          f"{timing['mean_draw_s']:.3f} s per draw, {rec['converged_draws']} of {rec['draws']} "
          f"converged, median prediction gap {rec['prediction_distance']['median']:.2e}")
    # Uncertainty: 100 draws of the WIOD uniform war, 10% standard errors.
    t, rec = timed([a.walras, "trade", "uncertainty", "--data", f"{a.data}/wiod2014_44x16",
                    "--tariff-structure", "uniform", "--se-rel", "0.1", "--draws", "100",
                    "--format", "json", "--quiet"])
    timing = rec["timing"]
    print()
    print(f"uncertainty, WIOD uniform war, 100 draws (se-rel 0.1): {t:.1f} s in all; "
          f"war and derivatives {timing['cold_solve_and_statics_s']:.2f} s, draws "
          f"{timing['draws_s']:.1f} s (mean {timing['mean_draw_s']:.2f} s per draw on one "
          f"of the threads), {rec['converged_draws']} of {rec['draws']} converged, "
          f"median prediction gap {rec['prediction_distance']['median']:.2e}")


if __name__ == "__main__":
    main()
