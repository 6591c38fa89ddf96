#!/usr/bin/env python3
"""Build data/tax/cps_earnings.csv.gz: annual earnings of US tax units from the CPS.

Source
------
`cps_earnings_subset.csv.gz` in the shared data folder (`../shared/data/us_cps_earnings/`
beside the repository, or `$WALRAS_DATA_DIR/us_cps_earnings/`). It holds ten columns of
Tax-Calculator's `taxcalc/cps.csv.gz` (PyPI package `taxcalc`, CC0 1.0; 280,005 tax units
built by the PSLmodels taxdata project from public March CPS supplements). The same columns
can be extracted from the package itself (`pip download --no-deps taxcalc`); the shared copy
is identical, column for column, to the file in taxcalc 6.8.0.

Output columns (one row per tax unit, sorted by recid)
-------------------------------------------------------
income          annual earnings, USD (nominal, as recorded in the source; integer)
                = e00200 (wages, salaries and tips)
                + e00900 (Schedule C business net profit OR LOSS)
                + e02100 (Schedule F farm net income OR LOSS).
                Business and farm income can be negative and are KEPT, so `income` can be
                negative. Capital income (interest e00300, dividends e00600), pensions,
                Social Security and transfers are NOT included.
weight          population weight = s006 / 100 (the source stores the weight x 100), i.e.
                the number of tax units the record stands for; for single filers one
                tax unit is one person. Written as an exact decimal (e.g. 205 or 197.5).
filing_status   MARS mapped to text: 1 single, 2 joint, 3 separate, 4 head_of_household,
                5 widow.
recid           the source's RECID (unique record id).

Selection
---------
By default only single filers (MARS = 1) are kept: the optimal-tax comparisons this file
serves (the AI Economist and the US 2018/2019 single-filer schedules) are about
individuals, and joint filers' earnings are the sum of two people's. `--all-filers` keeps
every filing status (written by default to cps_earnings_all_filers.csv.gz so the shipped
file is never overwritten by accident). No subsampling is done: all rows that pass the
filter are written.

Determinism
-----------
Rows are sorted by recid, numbers are written from integers (no float formatting), lines
end in "\\n", and the gzip member is written with mtime = 0, no file name and
compresslevel 9, so re-running gives a byte-identical file with the same zlib. The
SHA-256 of the uncompressed CSV is printed as well: it does not depend on the zlib build.

Usage (from the repository root)
--------------------------------
    python3 data/tax/make_cps_sample.py
    python3 data/tax/make_cps_sample.py ../shared/data/us_cps_earnings/cps_earnings_subset.csv.gz
    python3 data/tax/make_cps_sample.py --all-filers
    python3 data/tax/make_cps_sample.py --check     # verify the shipped file, write nothing

Only the Python standard library is used (csv, gzip, hashlib); Python >= 3.8.
"""

import argparse
import csv
import gzip
import hashlib
import io
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SUBSET_REL = os.path.join("us_cps_earnings", "cps_earnings_subset.csv.gz")

MARS_NAMES = {
    1: "single",
    2: "joint",
    3: "separate",
    4: "head_of_household",
    5: "widow",
}
REQUIRED = ("RECID", "MARS", "e00200", "e00900", "e02100", "s006")
OUT_HEADER = ("income", "weight", "filing_status", "recid")


class DataError(Exception):
    """The input file is malformed."""


def default_input():
    data_dir = os.environ.get("WALRAS_DATA_DIR")
    if data_dir:
        return os.path.join(data_dir, SUBSET_REL)
    return os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data", SUBSET_REL))


def parse_int(text, column, line):
    """Parse an integer-valued cell; accept '123' or '123.0', reject anything else."""
    s = text.strip()
    try:
        return int(s)
    except ValueError:
        pass
    try:
        x = float(s)
    except ValueError:
        raise DataError(f"line {line}: column {column}: not a number: {text!r}") from None
    if x != x or x in (float("inf"), float("-inf")) or x != int(x):
        raise DataError(f"line {line}: column {column}: expected a whole number, got {text!r}")
    return int(x)


def format_weight(s006):
    """s006 / 100 as an exact decimal string (s006 is an integer)."""
    whole, cents = divmod(s006, 100)
    if cents == 0:
        return str(whole)
    return f"{whole}.{cents:02d}".rstrip("0")


def read_rows(path, all_filers):
    """Return [(recid, income, s006, mars)] for the selected tax units."""
    if not os.path.isfile(path):
        raise DataError(
            f"input not found: {path}\n"
            "  pass the path of cps_earnings_subset.csv.gz, or set WALRAS_DATA_DIR to the "
            "shared data folder"
        )
    opener = gzip.open if path.endswith(".gz") else open
    rows = []
    seen = set()
    with opener(path, "rt", newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise DataError(f"{path}: empty file") from None
        header = [h.strip() for h in header]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise DataError(f"{path}: missing column(s) {missing}; header is {header}")
        idx = {c: header.index(c) for c in REQUIRED}
        for line, rec in enumerate(reader, start=2):
            if not rec:
                continue
            if len(rec) != len(header):
                raise DataError(f"line {line}: {len(rec)} fields, header has {len(header)}")
            v = {c: parse_int(rec[i], c, line) for c, i in idx.items()}
            if v["MARS"] not in MARS_NAMES:
                raise DataError(f"line {line}: MARS = {v['MARS']} is not 1..5")
            if v["s006"] <= 0:
                raise DataError(f"line {line}: s006 = {v['s006']} must be positive")
            if v["RECID"] in seen:
                raise DataError(f"line {line}: duplicate RECID {v['RECID']}")
            seen.add(v["RECID"])
            if not all_filers and v["MARS"] != 1:
                continue
            income = v["e00200"] + v["e00900"] + v["e02100"]
            rows.append((v["RECID"], income, v["s006"], v["MARS"]))
    if not rows:
        raise DataError(f"{path}: no rows selected")
    rows.sort(key=lambda r: r[0])
    return rows


def render_csv(rows):
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(OUT_HEADER)
    for recid, income, s006, mars in rows:
        w.writerow((income, format_weight(s006), MARS_NAMES[mars], recid))
    return buf.getvalue().encode("ascii")


def gzip_bytes(raw):
    out = io.BytesIO()
    # filename="" -> no FNAME field; mtime=0 -> no timestamp; Python writes OS byte 255.
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as g:
        g.write(raw)
    return out.getvalue()


def weighted_quantile(sorted_pairs, total_w, q):
    """Lower weighted quantile: smallest x with cumulative weight >= q * total weight."""
    target = q * total_w
    cum = 0
    for x, w in sorted_pairs:
        cum += w
        if cum >= target:
            return x
    return sorted_pairs[-1][0]


def summary(rows):
    # weights kept in units of s006 (integers) so sums are exact
    pairs = sorted((inc, s006) for _, inc, s006, _ in rows)
    total = sum(w for _, w in pairs)
    mean = sum(x * w for x, w in pairs) / total
    pos = [(x, w) for x, w in pairs if x > 0]
    total_pos = sum(w for _, w in pos)
    return {
        "rows": len(rows),
        "weighted_units": total / 100,
        "mean": mean,
        "median": weighted_quantile(pairs, total, 0.5),
        "p90": weighted_quantile(pairs, total, 0.9),
        "p99": weighted_quantile(pairs, total, 0.99),
        "share_le0": sum(w for x, w in pairs if x <= 0) / total,
        "share_lt0": sum(w for x, w in pairs if x < 0) / total,
        "rows_lt0": sum(1 for x, _ in pairs if x < 0),
        "rows_eq0": sum(1 for x, _ in pairs if x == 0),
        "min": pairs[0][0],
        "max": pairs[-1][0],
        "mean_pos": sum(x * w for x, w in pos) / total_pos,
        "median_pos": weighted_quantile(pos, total_pos, 0.5),
    }


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Build data/tax/cps_earnings.csv.gz from the shared CPS earnings subset.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument(
        "input",
        nargs="?",
        default=None,
        help="cps_earnings_subset.csv.gz (default: $WALRAS_DATA_DIR/" + SUBSET_REL
        + " if set, else <repo>/../shared/data/" + SUBSET_REL + ")",
    )
    ap.add_argument(
        "-o",
        "--output",
        default=None,
        help="output file (default: data/tax/cps_earnings.csv.gz; with --all-filers "
        "data/tax/cps_earnings_all_filers.csv.gz)",
    )
    ap.add_argument(
        "--all-filers",
        action="store_true",
        help="keep every filing status instead of single filers (MARS = 1) only",
    )
    ap.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 unless the output file already has exactly these bytes",
    )
    args = ap.parse_args(argv)

    src = args.input or default_input()
    if args.output:
        dst = args.output
    else:
        name = "cps_earnings_all_filers.csv.gz" if args.all_filers else "cps_earnings.csv.gz"
        dst = os.path.join(HERE, name)

    try:
        rows = read_rows(src, args.all_filers)
    except (DataError, OSError, csv.Error, EOFError, gzip.BadGzipFile) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    raw = render_csv(rows)
    gz = gzip_bytes(raw)

    # Read the bytes back through gzip + csv before writing anything.
    back = list(csv.reader(io.StringIO(gzip.decompress(gz).decode("ascii"))))
    assert tuple(back[0]) == OUT_HEADER and len(back) == len(rows) + 1

    with open(src, "rb") as f:
        src_sha = sha256(f.read())

    s = summary(rows)
    sel = "all filing statuses" if args.all_filers else "single filers (MARS = 1)"
    print(f"input            {src}")
    print(f"input sha256     {src_sha}")
    print(f"selection        {sel}")
    print(f"rows             {s['rows']}")
    print(f"weighted units   {s['weighted_units']:,.0f}")
    print(f"weighted mean    {s['mean']:,.2f} USD")
    print(f"weighted median  {s['median']:,} USD")
    print(f"weighted p90     {s['p90']:,} USD")
    print(f"weighted p99     {s['p99']:,} USD")
    print(f"share income<=0  {s['share_le0']:.4f} (weighted)")
    print(f"share income<0   {s['share_lt0']:.4f} (weighted)")
    print(f"rows income<0    {s['rows_lt0']}")
    print(f"rows income=0    {s['rows_eq0']}")
    print(f"min / max        {s['min']:,} / {s['max']:,} USD")
    print(f"income>0: weighted mean {s['mean_pos']:,.2f}, weighted median {s['median_pos']:,} USD")
    print(f"csv sha256       {sha256(raw)}  ({len(raw):,} bytes uncompressed)")
    print(f"output sha256    {sha256(gz)}  ({len(gz):,} bytes)")

    if args.check:
        try:
            with open(dst, "rb") as f:
                old = f.read()
        except OSError as e:
            print(f"check FAILED: cannot read {dst}: {e}", file=sys.stderr)
            return 1
        if old == gz:
            print(f"check ok         {dst} is up to date")
            return 0
        try:
            same_csv = gzip.decompress(old) == raw
        except (OSError, EOFError):
            same_csv = False
        if same_csv:
            print(f"check: {dst} has the same CSV but different gzip bytes (other zlib build?)")
            return 0
        print(f"check FAILED: {dst} differs from what this script produces", file=sys.stderr)
        return 1

    tmp = dst + ".tmp"
    with open(tmp, "wb") as f:
        f.write(gz)
    os.replace(tmp, dst)
    print(f"wrote            {dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
