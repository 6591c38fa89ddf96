#!/usr/bin/env python3
"""Print criterion medians as a Markdown table: python3 benches/medians.py [CRITERION_DIR].

CRITERION_DIR defaults to $CARGO_TARGET_DIR/criterion (or target/criterion)."""
import json
import os
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")
rows = []
for dirpath, _, files in os.walk(root):
    if os.path.basename(dirpath) == "new" and "estimates.json" in files and "benchmark.json" in files:
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            name = json.load(f)["full_id"]
        with open(os.path.join(dirpath, "estimates.json")) as f:
            median_ns = json.load(f)["median"]["point_estimate"]
        rows.append((name, median_ns))


def fmt(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


print("| benchmark | median |\n|---|---|")
for name, ns in sorted(rows):
    print(f"| {name} | {fmt(ns)} |")
