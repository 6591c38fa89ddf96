#!/usr/bin/env python3
"""Compare the reference's states (gtb_reference.py record) with `walras tax gtb replay`'s,
line by line and key by key. Test helper.

    python compare_states.py REFERENCE.jsonl OURS.jsonl [--rel-tol X] [--lines N]

Without --rel-tol every value must be equal (floats bit for bit: both sides print the shortest
repr that round-trips). With it, floats may differ by X relative to max(1, |value|); integers
(locations, houses, steps) must still be equal. Keys only the reference records (its RNG
fingerprint) are skipped. Prints one JSON line; exits 1 at the first difference."""

import argparse
import json
import sys

REFERENCE_ONLY = {"mt_pos", "mt_key_hash"}


def differs(a, b, tol, worst):
    if isinstance(a, list) or isinstance(b, list):
        if not (isinstance(a, list) and isinstance(b, list) and len(a) == len(b)):
            return True
        return any(differs(x, y, tol, worst) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        d = abs(float(a) - float(b)) / max(1.0, abs(float(a)))
        worst[0] = max(worst[0], d)
        return d > tol
    return a != b


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("reference")
    p.add_argument("ours")
    p.add_argument("--rel-tol", type=float, default=0.0)
    p.add_argument("--lines", type=int, help="compare only the first LINES lines")
    args = p.parse_args()
    with open(args.reference) as f:
        ref = [json.loads(line) for line in f]
    with open(args.ours) as f:
        ours = [json.loads(line) for line in f]
    worst = [0.0]
    if args.lines is not None:
        ref, ours = ref[: args.lines], ours[: args.lines]
    if len(ref) != len(ours):
        print(json.dumps({"ok": False, "why": f"{len(ref)} reference lines, {len(ours)} ours"}))
        sys.exit(1)
    for i, (a, b) in enumerate(zip(ref, ours)):
        for key, value in a.items():
            if key in REFERENCE_ONLY:
                continue
            if key not in b or differs(value, b[key], args.rel_tol, worst):
                print(json.dumps({"ok": False, "line": i + 1, "episode": a.get("episode"), "t": a.get("t"),
                                  "key": key, "reference": value, "ours": b.get(key)}))
                sys.exit(1)
    print(json.dumps({"ok": True, "lines": len(ref), "worst_rel_diff": worst[0]}))


if __name__ == "__main__":
    main()
