#!/usr/bin/env python3
"""Build data/trade/example/: a small SYNTHETIC economy in Walras's tidy trade layout.

Nothing here is real data. The numbers are invented to give `walras trade` a quick, shippable
example with every feature of the layout: three countries, four sectors, scale economies,
tariffs, input-output links and explicit final-demand shares. Units are arbitrary "millions"
(of an unnamed currency). Licence: MIT, like the rest of Walras.

The economy
-----------
Countries: North (large, capital-rich), South (smaller, agricultural), East (middle).

Sectors (table `sectors`):

    sector         theta  psi   tariffable   theta * psi
    food           4      0.2   true         0.8
    machinery      6      0.1   true         0.6
    materials      5      0.0   true         0     (goods, constant returns)
    services       8      0.0   false        0     (lightly traded, never taxed)

How the flows are made (so that they are internally plausible)
---------------------------------------------------------------
The inputs below are chosen by hand: final-demand shares alpha_n^j, value-added shares
gamma_n^j, the composition of intermediate inputs (shares of intermediate cost, turned into
shares of total cost by multiplying with 1 - gamma_n^j), the sourcing shares pi_in^j (the
share of country n's spending on sector j bought from country i; the domestic share
dominates), applied tariffs (2-8% on the tariffable goods) and target trade deficits D_n
(small: +25, -10, -15, summing to 0). The script then solves the accounting identities of a
multi-sector Eaton-Kortum / Caliendo-Parro economy for the flows:

    X_n^j   = alpha_n^j E_n + sum_k gamma_n^{j,k} R_n^k        (absorption, importer prices)
    R_i^j   = sum_n pi_in^j X_n^j / (1 + t_in^j)              (gross output, producer prices)
    E_n     = sum_j gamma_n^j R_n^j + T_n + D_n                (final spending = value added
                                                                 + tariff revenue + deficit)

by iterating E -> value added + tariff revenue + D at a fixed world total (the map preserves
the total because world deficits sum to zero). The flows written are
X_in^j = pi_in^j X_n^j, rounded to 3 decimals. The shares written are exactly those used, so
final demand implied by the flows equals alpha_n^j E_n up to the rounding, value added plus
input shares sum to 1 per (country, sector) (value added is written as 1 minus the rounded
input shares), and final shares sum to 1 per country. The result is a consistent baseline up to
rounding (deficits of about +25 / -10 / -15); it is not the equilibrium of any particular set of
productivities, which Walras does not need (it calibrates to the flows, and purges deficits
when asked).

Output (all CSV, `\\n` line ends, rows in a fixed order):
    flows.csv        exporter, importer, sector, value       (36 rows, every value > 0)
    sectors.csv      sector, name, theta, psi, tariffable    (4 rows)
    tariffs.csv      exporter, importer, sector, tariff      (18 rows: foreign, tariffable)
    value_added.csv  country, sector, share                  (12 rows)
    io.csv           country, input_sector, output_sector, share  (48 rows)
    final.csv        country, sector, share                  (12 rows)

No `countries` table: the deficits are implied by the flows.

Usage
-----
    python3 data/trade/make_example.py            # writes data/trade/example/
    python3 data/trade/make_example.py --check    # exit 0 iff the shipped files are reproduced
    python3 data/trade/make_example.py -o DIR     # write elsewhere

Deterministic: no randomness, fixed formatting; Python 3 standard library only.
"""

import argparse
import os
import sys

COUNTRIES = ["North", "South", "East"]

# sector id, descriptive name, theta, psi, tariffable
SECTORS = [
    ("food", "Food and agriculture (synthetic)", 4.0, 0.2, True),
    ("machinery", "Machinery and equipment (synthetic)", 6.0, 0.1, True),
    ("materials", "Basic materials (synthetic; constant returns)", 5.0, 0.0, True),
    ("services", "Services (synthetic; not tariffable)", 8.0, 0.0, False),
]
S = [s[0] for s in SECTORS]

# Final-demand shares alpha_n^j (each row sums to 1).
ALPHA = {
    "North": {"food": 0.12, "machinery": 0.22, "materials": 0.08, "services": 0.58},
    "South": {"food": 0.24, "machinery": 0.18, "materials": 0.10, "services": 0.48},
    "East": {"food": 0.16, "machinery": 0.24, "materials": 0.10, "services": 0.50},
}

# Value-added shares of total cost, before rounding (the written value added is 1 minus the
# rounded input shares).
GAMMA = {
    "North": {"food": 0.40, "machinery": 0.36, "materials": 0.38, "services": 0.66},
    "South": {"food": 0.48, "machinery": 0.32, "materials": 0.42, "services": 0.62},
    "East": {"food": 0.44, "machinery": 0.34, "materials": 0.40, "services": 0.64},
}

# Composition of intermediate inputs: INPUT_MIX[output][input] = share of input in the
# intermediate cost of output (each output sums to 1); the same in every country.
INPUT_MIX = {
    "food": {"food": 0.40, "machinery": 0.15, "materials": 0.15, "services": 0.30},
    "machinery": {"food": 0.02, "machinery": 0.38, "materials": 0.30, "services": 0.30},
    "materials": {"food": 0.05, "machinery": 0.20, "materials": 0.45, "services": 0.30},
    "services": {"food": 0.08, "machinery": 0.17, "materials": 0.10, "services": 0.65},
}

# Domestic sourcing share pi_nn^j by importer n; the rest is split over the two partners in
# proportion to PARTNER_WEIGHT[exporter][sector] (comparative advantage).
DOMESTIC = {
    "North": {"food": 0.72, "machinery": 0.80, "materials": 0.70, "services": 0.96},
    "South": {"food": 0.85, "machinery": 0.55, "materials": 0.75, "services": 0.94},
    "East": {"food": 0.75, "machinery": 0.70, "materials": 0.65, "services": 0.95},
}
PARTNER_WEIGHT = {
    "North": {"food": 1.0, "machinery": 3.0, "materials": 1.5, "services": 2.0},
    "South": {"food": 3.0, "machinery": 0.7, "materials": 1.5, "services": 1.0},
    "East": {"food": 1.5, "machinery": 2.0, "materials": 2.5, "services": 1.2},
}

# Applied tariffs imposed by the importer on every foreign exporter, tariffable sectors; a small
# exporter-specific margin is added so that the table is not uniform.
BASE_TARIFF = {
    "North": {"food": 0.04, "machinery": 0.02, "materials": 0.02},
    "South": {"food": 0.07, "machinery": 0.06, "materials": 0.04},
    "East": {"food": 0.05, "machinery": 0.04, "materials": 0.03},
}
EXPORTER_MARGIN = {"North": 0.0, "South": 0.01, "East": 0.005}

# Target trade deficits D_n (spending minus income), summing to zero, and the world's final
# spending (sets the scale).
DEFICIT = {"North": 25.0, "South": -10.0, "East": -15.0}
WORLD_SPENDING = 3000.0

FLOW_DECIMALS = 3
SHARE_DECIMALS = 6


def tariff(exporter, importer, sector):
    if exporter == importer or sector not in BASE_TARIFF[importer]:
        return 0.0
    return round(BASE_TARIFF[importer][sector] + EXPORTER_MARGIN[exporter], 4)


def sourcing(exporter, importer, sector):
    if exporter == importer:
        return DOMESTIC[importer][sector]
    partners = [c for c in COUNTRIES if c != importer]
    total = sum(PARTNER_WEIGHT[p][sector] for p in partners)
    return (1.0 - DOMESTIC[importer][sector]) * PARTNER_WEIGHT[exporter][sector] / total


def io_shares():
    """Rounded shares of input k in the TOTAL cost of output j, and value added = 1 - inputs."""
    io, va = {}, {}
    for c in COUNTRIES:
        for j in S:
            inputs = {k: round(INPUT_MIX[j][k] * (1.0 - GAMMA[c][j]), SHARE_DECIMALS) for k in S}
            for k in S:
                io[c, k, j] = inputs[k]
            va[c, j] = round(1.0 - sum(inputs.values()), SHARE_DECIMALS)
    return io, va


def solve(io, va):
    """Absorption X[n, j] consistent with spending E (fixed point described in the docstring)."""
    spending = {c: WORLD_SPENDING / len(COUNTRIES) for c in COUNTRIES}
    pi = {(i, n, j): sourcing(i, n, j) for i in COUNTRIES for n in COUNTRIES for j in S}
    tau = {(i, n, j): tariff(i, n, j) for i in COUNTRIES for n in COUNTRIES for j in S}
    absorption = {(n, j): ALPHA[n][j] * spending[n] for n in COUNTRIES for j in S}
    for _outer in range(2000):
        # Inner: absorption given spending (a Leontief system, solved by iteration).
        for _inner in range(5000):
            output = {
                (i, j): sum(pi[i, n, j] * absorption[n, j] / (1.0 + tau[i, n, j]) for n in COUNTRIES)
                for i in COUNTRIES
                for j in S
            }
            new = {
                (n, j): ALPHA[n][j] * spending[n] + sum(io[n, j, k] * output[n, k] for k in S)
                for n in COUNTRIES
                for j in S
            }
            change = max(abs(new[k] - absorption[k]) for k in new)
            absorption = new
            if change < 1e-12:
                break
        value_added = {n: sum(va[n, j] * output[n, j] for j in S) for n in COUNTRIES}
        revenue = {
            n: sum(
                pi[i, n, j] * absorption[n, j] * tau[i, n, j] / (1.0 + tau[i, n, j])
                for i in COUNTRIES
                for j in S
            )
            for n in COUNTRIES
        }
        new_spending = {n: value_added[n] + revenue[n] + DEFICIT[n] for n in COUNTRIES}
        change = max(abs(new_spending[n] - spending[n]) for n in COUNTRIES)
        spending = new_spending
        if change < 1e-10:
            break
    else:
        sys.exit("make_example.py: the spending iteration did not converge")
    return spending, absorption, pi, tau


def tables():
    io, va = io_shares()
    spending, absorption, pi, tau = solve(io, va)
    flows = [
        (i, n, j, round(pi[i, n, j] * absorption[n, j], FLOW_DECIMALS))
        for i in COUNTRIES
        for n in COUNTRIES
        for j in S
    ]
    tariffs = [
        (i, n, j, tau[i, n, j])
        for i in COUNTRIES
        for n in COUNTRIES
        for j in S
        if tau[i, n, j] != 0.0
    ]
    final = []
    for c in COUNTRIES:
        shares = [round(ALPHA[c][j], SHARE_DECIMALS) for j in S]
        shares[-1] = round(1.0 - sum(shares[:-1]), SHARE_DECIMALS)
        final += [(c, j, a) for j, a in zip(S, shares)]
    files = {
        "flows.csv": (["exporter", "importer", "sector", "value"], flows),
        "sectors.csv": (
            ["sector", "name", "theta", "psi", "tariffable"],
            [(s, name, th, ps, "true" if tf else "false") for s, name, th, ps, tf in SECTORS],
        ),
        "tariffs.csv": (["exporter", "importer", "sector", "tariff"], tariffs),
        "value_added.csv": (
            ["country", "sector", "share"],
            [(c, j, va[c, j]) for c in COUNTRIES for j in S],
        ),
        "io.csv": (
            ["country", "input_sector", "output_sector", "share"],
            [(c, k, j, io[c, k, j]) for c in COUNTRIES for k in S for j in S],
        ),
        "final.csv": (["country", "sector", "share"], final),
    }
    return files, spending


def fmt(v):
    if isinstance(v, float):
        text = repr(v)
        return text[:-2] if text.endswith(".0") else text
    return str(v)


def render(header, rows):
    cells = [[fmt(v) for v in row] for row in rows]
    assert not any("," in c or '"' in c or "\n" in c for row in cells for c in row), "unquoted CSV"
    lines = [",".join(header)] + [",".join(row) for row in cells]
    return "\n".join(lines) + "\n"


def check_consistency(files):
    """Sanity checks on what is written (the layout's rules and the example's promises)."""
    _, flows = files["flows.csv"]
    assert len(flows) == len(COUNTRIES) ** 2 * len(S)
    assert all(v > 0 for *_, v in flows), "every flow must be positive"
    for n in COUNTRIES:
        for j in S:
            dom = next(v for i, m, s, v in flows if i == n and m == n and s == j)
            imp = sum(v for i, m, s, v in flows if m == n and s == j and i != n)
            assert dom > imp, f"domestic flows must dominate ({n}, {j})"
    _, va = files["value_added.csv"]
    _, io = files["io.csv"]
    for c, j, share in va:
        total = share + sum(v for cc, k, jj, v in io if cc == c and jj == j)
        assert abs(total - 1.0) < 1e-9, (c, j, total)
    _, final = files["final.csv"]
    for c in COUNTRIES:
        assert abs(sum(v for cc, _, v in final if cc == c) - 1.0) < 1e-9
    _, tariffs = files["tariffs.csv"]
    assert all(0.02 <= t <= 0.08 and i != n for i, n, _, t in tariffs)
    for _, _, theta, psi, _ in SECTORS:
        assert theta * psi < 1.0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-o", "--out", default=os.path.join(here, "example"), help="output directory")
    parser.add_argument("--check", action="store_true", help="compare with the files in --out instead of writing")
    args = parser.parse_args()

    files, spending = tables()
    check_consistency(files)
    texts = {name: render(*content) for name, content in files.items()}
    if args.check:
        stale = []
        for name, text in texts.items():
            path = os.path.join(args.out, name)
            try:
                with open(path, encoding="utf-8", newline="") as f:
                    if f.read() != text:
                        stale.append(name)
            except FileNotFoundError:
                stale.append(name + " (missing)")
        if stale:
            print("out of date: " + ", ".join(stale), file=sys.stderr)
            return 1
        print(f"{args.out}: all {len(texts)} files reproduced")
        return 0
    os.makedirs(args.out, exist_ok=True)
    for name, text in texts.items():
        tmp = os.path.join(args.out, "." + name + ".tmp")
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, os.path.join(args.out, name))
    print(f"wrote {len(texts)} files to {args.out}")
    print("final spending E_n: " + ", ".join(f"{c} {spending[c]:.1f}" for c in COUNTRIES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
