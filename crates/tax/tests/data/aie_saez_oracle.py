#!/usr/bin/env python3
"""Oracle for the AI Economist's binned Saez tax-rate estimator.

Writes the `saez_case_*` test vectors in this directory and cross-checks the
extracted code against the installed `ai-economist` package. See README.md
(same directory) for the file formats, how to regenerate, and the quirks of
the original code.

Provenance
----------
The functions in the section "EXTRACTED CODE" are copied, with only the
changes listed below, from

    ai-economist 1.7.1 (PyPI wheel ai_economist-1.7.1-py3-none-any.whl)
    file  ai_economist/foundation/components/redistribution.py
    class PeriodicBracketTax
      __init__                                  (bracket cutoffs, Saez bin edges/sizes)
      compute_and_set_new_period_rates_from_saez_formula   (the final np.clip)
      get_binned_saez_welfare_weight_and_pareto_params     (G and A per bin)
      get_saez_marginal_rates                              (tau per bin + NaN interpolation)
      bracketize_schedule                                  (bin rates -> bracket rates)

Changes made while copying: the methods became module-level functions;
attributes of `self` they read (`self.pareto_weight_type`,
`self._saez_income_bin_edges`, `self.bracket_cutoffs`, `self.bracket_sizes`,
`self.n_brackets`) became explicit parameters. Statements, their order and
all constants are unchanged; the original comments are kept.

Licence of the copied code
--------------------------
ai-economist is distributed under the BSD 3-Clause licence (file
ai_economist-1.7.1.dist-info/LICENSE.txt in the wheel; every source file
carries "SPDX-License-Identifier: BSD-3-Clause"). The licence permits
redistribution of source with or without modification provided the notice
below is retained, so the code is copied verbatim here with that notice:

    Copyright (c) 2020, Salesforce.com, Inc.
    All rights reserved.

    Redistribution and use in source and binary forms, with or without
    modification, are permitted provided that the following conditions are met:

    * Redistributions of source code must retain the above copyright notice,
      this list of conditions and the following disclaimer.

    * Redistributions in binary form must reproduce the above copyright notice,
      this list of conditions and the following disclaimer in the documentation
      and/or other materials provided with the distribution.

    * Neither the name of Salesforce.com nor the names of its contributors may
      be used to endorse or promote products derived from this software without
      specific prior written permission.

    THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
    AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
    IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE
    ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE
    LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR
    CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
    SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS
    INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN
    CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE)
    ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE
    POSSIBILITY OF SUCH DAMAGE.

Everything outside "EXTRACTED CODE" (case generation, the pure-Python
`spec_reference`, the cross-checks, the benchmark) is new and is part of
Walras (MIT).

Requires only numpy. The cross-check against the package additionally needs
`ai-economist==1.7.1` installed (`pip install --no-deps` is enough: missing
heavy dependencies are replaced by inert stub modules before import).
"""

import argparse
import ast
import contextlib
import importlib.util
import io
import json
import math
import os
import statistics
import sys
import time
import types

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

AIE_VERSION = "1.7.1"
SOURCE_NOTE = (
    "ai-economist 1.7.1, ai_economist/foundation/components/redistribution.py, "
    "PeriodicBracketTax (BSD-3-Clause, Copyright (c) 2020 Salesforce.com, Inc.)"
)

# =============================================================================
# EXTRACTED CODE (BSD-3-Clause, Copyright (c) 2020, Salesforce.com, Inc.)
# =============================================================================


def make_us_federal_schedule(usd_scaling=1000.0):
    """From PeriodicBracketTax.__init__ (bracket_spacing="us-federal", the
    default; usd_scaling default 1000.0)."""
    # --- copied ---
    bracket_cutoffs = (
        np.array([0, 9700, 39475, 84200, 160725, 204100, 510300]) / float(usd_scaling)
    )
    n_brackets = len(bracket_cutoffs)
    bracket_edges = np.concatenate([bracket_cutoffs, [np.inf]])
    bracket_sizes = bracket_edges[1:] - bracket_edges[:-1]

    _saez_n_estimation_bins = 100
    _saez_top_rate_cutoff = bracket_cutoffs[-1]
    _saez_income_bin_edges = np.linspace(
        0, _saez_top_rate_cutoff, _saez_n_estimation_bins + 1
    )
    _saez_income_bin_sizes = np.concatenate(
        [
            _saez_income_bin_edges[1:] - _saez_income_bin_edges[:-1],
            [np.inf],
        ]
    )
    # --- end copied ---
    return dict(
        bracket_cutoffs=bracket_cutoffs,
        n_brackets=n_brackets,
        bracket_edges=bracket_edges,
        bracket_sizes=bracket_sizes,
        saez_income_bin_edges=_saez_income_bin_edges,
        saez_income_bin_sizes=_saez_income_bin_sizes,
    )


def get_binned_saez_welfare_weight_and_pareto_params(
    population_incomes, saez_income_bin_edges, pareto_weight_type
):
    """PeriodicBracketTax.get_binned_saez_welfare_weight_and_pareto_params
    (self.pareto_weight_type, self._saez_income_bin_edges -> parameters)."""

    def clip(x, lo=None, hi=None):
        if lo is not None:
            x = max(lo, x)
        if hi is not None:
            x = min(x, hi)
        return x

    def bin_z(left, right):
        return 0.5 * (left + right)

    def get_cumul(counts, incomes_below, incomes_above):
        n_below = len(incomes_below)
        n_above = len(incomes_above)
        n_total = np.sum(counts) + n_below + n_above

        def p(i, counts):
            return counts[i] / n_total

        # Probability that an income is below the taxable threshold.
        p_below = n_below / n_total

        # pz = p(z' = z): probability that [binned] income z' occurs in bin z.
        pz = [p(i, counts) for i in range(len(counts))] + [n_above / n_total]

        # Pz = p(z' <= z): Probability z' is less-than or equal to z.
        cum_pz = [pz[0] + p_below]
        for p in pz[1:]:
            cum_pz.append(clip(cum_pz[-1] + p, 0, 1.0))

        return np.array(pz), np.array(cum_pz)

    def compute_binned_g_distribution(counts, lefts, incomes):
        def pareto(z):
            if pareto_weight_type == "uniform":
                pareto_weights = np.ones_like(z)
            elif pareto_weight_type == "inverse_income":
                pareto_weights = 1.0 / np.maximum(1, z)
            else:
                raise NotImplementedError
            return pareto_weights

        incomes_below = incomes[incomes < lefts[0]]
        incomes_above = incomes[incomes > lefts[-1]]

        # The total (unnormalized) Pareto weight of untaxable incomes.
        if len(incomes_below) > 0:
            pareto_weight_below = np.sum(pareto(np.maximum(incomes_below, 0)))
        else:
            pareto_weight_below = 0

        # The total (unnormalized) Pareto weight within each bin.
        if len(incomes_above) > 0:
            pareto_weight_above = np.sum(pareto(incomes_above))
        else:
            pareto_weight_above = 0

        # The total (unnormalized) Pareto weight within each bin.
        pareto_weight_per_bin = counts * pareto(bin_z(lefts[:-1], lefts[1:]))

        # The aggregate (unnormalized) Pareto weight of all incomes.
        cumulative_pareto_weights = pareto_weight_per_bin.sum()
        cumulative_pareto_weights += pareto_weight_below
        cumulative_pareto_weights += pareto_weight_above

        # Normalize so that the Pareto density sums to 1.
        pareto_norm = cumulative_pareto_weights + 1e-9
        unnormalized_pareto_density = np.concatenate(
            [pareto_weight_per_bin, [pareto_weight_above]]
        )
        normalized_pareto_density = unnormalized_pareto_density / pareto_norm

        # Aggregate Pareto weight of earners with income greater-than or equal to z.
        cumulative_pareto_density_geq_z = np.cumsum(normalized_pareto_density[::-1])[
            ::-1
        ]

        # Probability that [binned] income z' is greather-than or equal to z.
        pz, _ = get_cumul(counts, incomes_below, incomes_above)
        cumulative_prob_geq_z = np.cumsum(pz[::-1])[::-1]

        # Average (normalized) Pareto weight of earners with income >= z.
        geq_z_norm = cumulative_prob_geq_z + 1e-9
        avg_pareto_weight_geq_z = cumulative_pareto_density_geq_z / geq_z_norm

        def interpolate_gzs(gz):
            # Assume incomes within a bin are evenly distributed within that bin
            # and re-compute accordingly.
            gz_at_left_edge = gz[:-1]
            gz_at_right_edge = gz[1:]

            avg_bin_gz = 0.5 * (gz_at_left_edge + gz_at_right_edge)
            # Re-attach the gz of the top tax rate (does not need to be
            # interpolated).
            gzs = np.concatenate([avg_bin_gz, [gz[-1]]])
            return gzs

        return interpolate_gzs(avg_pareto_weight_geq_z)

    def compute_binned_a_distribution(counts, lefts, incomes):
        incomes_below = incomes[incomes < lefts[0]]
        incomes_above = incomes[incomes > lefts[-1]]

        # z is defined as the MIDDLE point in a bin.
        # So for a bin [left, right] -> z = (left + right) / 2.
        Az = []

        # cum_pz = p(z' <= z): Probability z' is less-than or equal to z
        pz, cum_pz = get_cumul(counts, incomes_below, incomes_above)

        # Probability z' is greater-than or equal to z
        # Note: The "0.5" coefficient gives results more consistent with theory; it
        # accounts for the assumption that incomes within a particular bin are
        # uniformly spread between the left & right edges of that bin.
        p_geq_z = 1 - cum_pz + (0.5 * pz)

        T = len(lefts[:-1])

        for i in range(T):
            if pz[i] == 0:
                Az.append(np.nan)
            else:
                z = bin_z(lefts[i], lefts[i + 1])
                # paz = z * pz[i] / (clip(1 - Pz[i], 0, 1) + 1e-9)
                paz = z * pz[i] / (clip(p_geq_z[i], 0, 1) + 1e-9)  # defn of A(z)
                paz = paz / (lefts[i + 1] - lefts[i])  # norm by bin width
                Az.append(paz)

        # Az for the incomes past the top cutoff,
        # the bin is [left, infinity]: there is no "middle".
        # Hence, use the mean value in the last bin.
        if len(incomes_above) > 0:
            cutoff = lefts[-1]
            avg_income_above_cutoff = np.mean(incomes_above)
            # use a special formula to compute A(z)
            Az_above = avg_income_above_cutoff / (
                avg_income_above_cutoff - cutoff + 1e-9
            )
        else:
            Az_above = 0.0

        return np.concatenate([Az, [Az_above]])

    counts, lefts = np.histogram(population_incomes, bins=saez_income_bin_edges)
    population_gz = compute_binned_g_distribution(counts, lefts, population_incomes)
    population_az = compute_binned_a_distribution(counts, lefts, population_incomes)

    # Return the binned stats used to create a schedule of marginal rates.
    return population_gz, population_az


def get_saez_marginal_rates(binned_gz, binned_az, elas, interpolate=True):
    """PeriodicBracketTax.get_saez_marginal_rates (a @staticmethod; verbatim)."""
    # Marginal rates within each income bin (last tau is the top tax rate).
    taus = (1.0 - binned_gz) / (1.0 - binned_gz + binned_az * elas + 1e-9)

    if interpolate:
        # In bins where there were no incomes found, tau is nan.
        # Interpolate to fill the gaps.
        last_real_rate = 0.0
        last_real_tidx = -1
        for i, tau in enumerate(taus):
            # The current tax rate is a real number.
            if not np.isnan(tau):
                # This is the end of a gap. Interpolate.
                if (i - last_real_tidx) > 1:
                    assert i != 0  # This should never trigger for the first tax bin.
                    gap_indices = list(range(last_real_tidx + 1, i))
                    intermediate_rates = np.linspace(
                        last_real_rate, tau, len(gap_indices) + 2
                    )[1:-1]
                    assert len(gap_indices) == len(intermediate_rates)
                    for gap_index, intermediate_rate in zip(
                        gap_indices, intermediate_rates
                    ):
                        taus[gap_index] = intermediate_rate
                # Update the tracker.
                last_real_rate = float(tau)
                last_real_tidx = int(i)

            # The current tax rate is a nan. Continue without updating
            # the tracker (indicating the presence of a gap).
            else:
                pass

    return taus


def bracketize_schedule(
    bin_marginal_rates, bin_edges, bin_sizes, bracket_cutoffs, bracket_sizes, n_brackets
):
    """PeriodicBracketTax.bracketize_schedule (self.bracket_cutoffs,
    self.bracket_sizes, self.n_brackets -> parameters)."""
    # Compute the amount of tax each bracket would collect
    # if income was >= the right edge.
    # Divide by the bracket size to get
    # the average marginal rate within that bracket.
    last_bracket_total = 0
    bracket_avg_marginal_rates = []
    for b_idx, income in enumerate(bracket_cutoffs[1:]):
        # How much income occurs within each bin
        # (including the open-ended, top "bin").
        past_cutoff = np.maximum(0, income - bin_edges)
        bin_income = np.minimum(bin_sizes, past_cutoff)

        # To get the total taxes due,
        # multiply the income within each bin by that bin's marginal rate.
        bin_taxes = bin_marginal_rates * bin_income
        taxes_due = np.maximum(0, np.sum(bin_taxes))

        bracket_tax_burden = taxes_due - last_bracket_total
        bracket_size = bracket_sizes[b_idx]

        bracket_avg_marginal_rates.append(bracket_tax_burden / bracket_size)
        last_bracket_total = taxes_due

    # The top bracket tax rate is computed directly already.
    bracket_avg_marginal_rates.append(bin_marginal_rates[-1])

    bracket_rates = np.array(bracket_avg_marginal_rates)
    assert len(bracket_rates) == n_brackets

    return bracket_rates


def saez_bracket_rates(
    incomes, pareto_weight_type, elas, rate_min=0.0, rate_max=1.0, sched=None
):
    """The estimation part of
    PeriodicBracketTax.compute_and_set_new_period_rates_from_saez_formula, with
    the elasticity given (i.e. as with `saez_fixed_elas`) and no annealing
    (curr_rate_max == rate_max). Returns (gz, az, taus, unclipped, clipped)."""
    if sched is None:
        sched = make_us_federal_schedule()
    # --- copied (self.* -> sched[...]) ---
    binned_gzs, binned_azs = get_binned_saez_welfare_weight_and_pareto_params(
        incomes, sched["saez_income_bin_edges"], pareto_weight_type
    )
    binned_marginal_tax_rates = get_saez_marginal_rates(binned_gzs, binned_azs, elas)
    unclipped = bracketize_schedule(
        bin_marginal_rates=binned_marginal_tax_rates,
        bin_edges=sched["saez_income_bin_edges"],
        bin_sizes=sched["saez_income_bin_sizes"],
        bracket_cutoffs=sched["bracket_cutoffs"],
        bracket_sizes=sched["bracket_sizes"],
        n_brackets=sched["n_brackets"],
    )
    curr_bracket_tax_rates = np.clip(unclipped, rate_min, rate_max)
    # --- end copied ---
    return binned_gzs, binned_azs, binned_marginal_tax_rates, unclipped, curr_bracket_tax_rates


# =============================================================================
# END OF EXTRACTED CODE. Everything below is Walras code (MIT).
# =============================================================================


def spec_reference(incomes, pareto_weight_type, elas, rate_min=0.0, rate_max=1.0):
    """Pure-Python, scalar, loop-based restatement of README.md's "Algorithm"
    section (what the Rust port implements). Sums are plain left-to-right
    sums, NOT numpy's pairwise sums, so agreement with the extracted numpy code
    shows how much summation order matters (it is ~1e-16 here)."""
    nb = 100
    cutoffs = [c / 1000.0 for c in (0, 9700, 39475, 84200, 160725, 204100, 510300)]
    zstar = cutoffs[-1]
    step = (zstar - 0.0) / nb
    edges = [k * step + 0.0 for k in range(nb)] + [zstar]
    widths = [edges[k + 1] - edges[k] for k in range(nb)]
    mids = [0.5 * (edges[k] + edges[k + 1]) for k in range(nb)]

    counts = [0] * nb
    n_below = 0
    above = []
    for z in incomes:
        z = float(z)
        if z < 0.0:
            n_below += 1
        elif z > zstar:
            above.append(z)
        elif z <= zstar:  # excludes NaN
            k = min(int(z / step), nb - 1)
            while k > 0 and z < edges[k]:
                k -= 1
            while k < nb - 1 and z >= edges[k + 1]:
                k += 1
            counts[k] += 1
    n_above = len(above)
    n_total = sum(counts) + n_below + n_above

    if pareto_weight_type == "uniform":
        omega = lambda z: 1.0  # noqa: E731
    elif pareto_weight_type == "inverse_income":
        omega = lambda z: 1.0 / max(1.0, z)  # noqa: E731
    else:
        raise NotImplementedError

    w_bins = [counts[k] * omega(mids[k]) for k in range(nb)]
    w_below = float(n_below) * omega(0.0)  # every negative income weighs omega(0) = 1
    w_above = 0.0
    for z in above:
        w_above += omega(z)
    total = 0.0
    for w in w_bins:
        total += w
    total = (total + w_below) + w_above
    norm = total + 1e-9
    d = [w / norm for w in w_bins] + [w_above / norm]
    p = [c / n_total for c in counts] + [n_above / n_total]

    s_d = [0.0] * (nb + 1)
    s_p = [0.0] * (nb + 1)
    acc_d = acc_p = 0.0
    for i in range(nb, -1, -1):
        acc_d += d[i]
        acc_p += p[i]
        s_d[i] = acc_d
        s_p[i] = acc_p
    gc = [s_d[i] / (s_p[i] + 1e-9) for i in range(nb + 1)]
    g = [0.5 * (gc[i] + gc[i + 1]) for i in range(nb)] + [gc[nb]]

    cum = [p[0] + n_below / n_total]
    for i in range(1, nb + 1):
        cum.append(min(max(cum[-1] + p[i], 0.0), 1.0))
    a = []
    for i in range(nb):
        if counts[i] == 0:
            a.append(math.nan)
        else:
            q = min(max((1.0 - cum[i]) + 0.5 * p[i], 0.0), 1.0)
            a.append((mids[i] * p[i] / (q + 1e-9)) / widths[i])
    if n_above > 0:
        zbar = 0.0
        for z in above:
            zbar += z
        zbar /= n_above
        a.append(zbar / (zbar - zstar + 1e-9))
    else:
        a.append(0.0)

    tau = [(1.0 - g[i]) / ((1.0 - g[i]) + a[i] * elas + 1e-9) for i in range(nb + 1)]

    last_rate, last_idx = 0.0, -1
    for i in range(nb + 1):
        if not math.isnan(tau[i]):
            gap = i - last_idx - 1
            if gap > 0:
                st = (tau[i] - last_rate) / (gap + 1)
                for j in range(1, gap + 1):
                    tau[last_idx + j] = j * st + last_rate
            last_rate, last_idx = tau[i], i

    sizes = widths + [math.inf]
    all_edges = edges  # 101 entries: bins 0..99 plus the open top "bin" at z*
    rates = []
    prev = 0.0
    for b in range(1, len(cutoffs)):
        c = cutoffs[b]
        due = 0.0
        for k in range(nb + 1):
            due += tau[k] * min(sizes[k], max(0.0, c - all_edges[k]))
        due = max(0.0, due) if not math.isnan(due) else due
        rates.append((due - prev) / (cutoffs[b] - cutoffs[b - 1]))
        prev = due
    rates.append(tau[nb])
    clipped = [r if math.isnan(r) else min(max(r, rate_min), rate_max) for r in rates]
    return dict(
        edges=edges, counts=counts, n_below=n_below, n_above=n_above,
        g=g, a=a, tau=tau, unclipped=rates, rates=clipped,
    )


# -----------------------------------------------------------------------------
# Test cases
# -----------------------------------------------------------------------------

def build_cases():
    sched = make_us_federal_schedule()
    edges = sched["saez_income_bin_edges"]
    zstar = float(edges[-1])
    cases = {}

    # 1. Classical Pareto(a=2, zmin=20): z = zmin * (1 + Lomax(a)).
    rng = np.random.default_rng(20240101)
    cases["pareto_a2_zmin20"] = 20.0 * (1.0 + rng.pareto(2.0, size=1000))

    # 2. Lognormal in AIE coin units (median 60 coin per tax period) plus
    #    exact zeros, negatives, explicit top incomes and one income == z*.
    rng = np.random.default_rng(20240102)
    body = rng.lognormal(mean=math.log(60.0), sigma=1.0, size=5000 - 5 - 6 - 15 - 1)
    zeros = np.zeros(5)
    negs = -rng.uniform(0.01, 80.0, size=6)
    tops = rng.uniform(520.0, 5000.0, size=15)
    z = np.concatenate([body, zeros, negs, tops, [zstar]])
    rng.shuffle(z)
    cases["lognormal_mixed"] = z

    # 3. Tiny: leading empty bins (first income in bin 4), many gaps, values
    #    exactly on bin edges (edge[k] belongs to bin k), z* itself (closed last
    #    bin), one income above z*.
    cases["tiny_gaps"] = np.array(
        [
            23.0, 21.5, float(edges[10]), 57.3, 57.31, float(edges[37]),
            float(np.nextafter(edges[37], -np.inf)), 250.0, 251.0, 333.3,
            zstar, 812.5,
        ]
    )

    # 4. Nothing above z*: A_top = 0, so the top rate is 1/(1+1e-9).
    rng = np.random.default_rng(20240104)
    body = rng.lognormal(mean=math.log(60.0), sigma=0.9, size=4000)
    body = body[body <= zstar][:1999]
    cases["no_above"] = np.concatenate([body, [zstar]])

    # 5. Every bin edge exactly, the double just below each interior edge,
    #    signed zeros, negatives and a couple of top incomes.
    below = [float(np.nextafter(e, -np.inf)) for e in edges[1:]]
    cases["bin_edges_exact"] = np.array(
        [float(e) for e in edges] + below + [-0.0, 0.0, -1e-300, -5.0, 600.0, 10000.0]
    )

    # 6. Only negative incomes: every bin empty, all bin taus interpolated
    #    between the virtual 0 at index -1 and the top tau.
    cases["all_negative"] = np.array([-1.0, -2.5, -0.001, -100.0, -7.25])

    # 7. Only incomes above z*.
    cases["only_above"] = np.array([511.0, 600.0, 750.5, 1000.0, 2500.0, 515.25, 10000.0])

    # 8. A single income.
    cases["single_income"] = np.array([42.0])
    return cases


RUNS = [
    # (pareto_weight_type, elasticity, rate_min, rate_max)
    ("inverse_income", 0.5, 0.0, 1.0),
    ("inverse_income", 1.0, 0.0, 1.0),
    ("uniform", 0.5, 0.0, 1.0),
    ("uniform", 1.0, 0.0, 1.0),
    ("inverse_income", 0.5, 0.1, 0.45),  # exercises the final clip
]


def _jl(arr):
    """float list for JSON; NaN -> null. Infinities are not expected."""
    out = []
    for x in np.asarray(arr, dtype=float).tolist():
        if math.isnan(x):
            out.append(None)
        else:
            assert math.isfinite(x), x
            out.append(x)
    return out


def _dump(obj):
    """JSON with one top-level key (and one run key) per line; floats via repr."""
    c = dict(separators=(", ", ": "), allow_nan=False)
    lines = ["{"]
    items = list(obj.items())
    for n, (k, v) in enumerate(items):
        end = "," if n < len(items) - 1 else ""
        if k == "runs":
            lines.append('  "runs": [')
            for m, run in enumerate(v):
                lines.append("    {")
                ritems = list(run.items())
                for j, (rk, rv) in enumerate(ritems):
                    rend = "," if j < len(ritems) - 1 else ""
                    lines.append("      %s: %s%s" % (json.dumps(rk), json.dumps(rv, **c), rend))
                lines.append("    }" + ("," if m < len(v) - 1 else ""))
            lines.append("  ]" + end)
        else:
            lines.append("  %s: %s%s" % (json.dumps(k), json.dumps(v, **c), end))
    lines.append("}")
    return "\n".join(lines) + "\n"


def case_record(name, incomes, sched):
    edges = sched["saez_income_bin_edges"]
    counts, _ = np.histogram(incomes, bins=edges)
    rec = {
        "source": SOURCE_NOTE,
        "case": name,
        "incomes_file": "saez_case_%s_incomes.csv" % name,
        "n_incomes": int(len(incomes)),
        "cutoffs": _jl(sched["bracket_cutoffs"]),
        "bin_edges": _jl(edges),
        "counts": [int(c) for c in counts],
        "n_below": int(np.sum(incomes < edges[0])),
        "n_above": int(np.sum(incomes > edges[-1])),
        "rate_min": 0.0,
        "rate_max": 1.0,
        "runs": [],
    }
    for wt, el, rmin, rmax in RUNS:
        with np.errstate(all="ignore"):
            g, a, tau, unc, rates = saez_bracket_rates(incomes, wt, el, rmin, rmax, sched)
        rec["runs"].append(
            {
                "weights": wt,
                "elasticity": el,
                "rate_min": rmin,
                "rate_max": rmax,
                "bin_g": _jl(g),
                "bin_a": _jl(a),
                "bin_tau": _jl(tau),
                "rates_unclipped": _jl(unc),
                "rates": _jl(rates),
            }
        )
    return rec


def csv_text(z):
    return "income\n" + "".join(repr(float(x)) + "\n" for x in np.asarray(z).tolist())


def read_csv(path):
    lines = open(path).read().split()
    assert lines[0] == "income", path
    return np.array([float(s) for s in lines[1:]], dtype=float)


def verify_files(outdir, cases, sched):
    """Recompute every expected.json from the incomes CSV on disk and compare
    byte-for-byte; also check the seeded generators still give the CSVs."""
    ok = True
    for name, z in cases.items():
        p_csv = os.path.join(outdir, "saez_case_%s_incomes.csv" % name)
        p_js = os.path.join(outdir, "saez_case_%s_expected.json" % name)
        z_disk = read_csv(p_csv)
        same_inc = open(p_csv).read() == csv_text(z)
        same_js = open(p_js).read() == _dump(case_record(name, z_disk, sched))
        ok &= same_js
        print("verify %-18s json %s | regenerated incomes %s" % (
            name, "IDENTICAL" if same_js else "DIFFERS",
            "identical" if same_inc else "differ (RNG stream changed; CSV on disk is authoritative)"))
    print("verify: %s" % ("all expected.json files reproduced exactly" if ok else "MISMATCHES"))
    return ok


def write_files(outdir, cases, sched):
    total = 0
    for name, z in cases.items():
        p_csv = os.path.join(outdir, "saez_case_%s_incomes.csv" % name)
        with open(p_csv, "w") as f:
            f.write(csv_text(z))
        # Round-trip check: the CSV is the source of truth for the Rust tests.
        back = read_csv(p_csv)
        assert np.array_equal(back.view(np.uint64), np.asarray(z, float).view(np.uint64))
        p_js = os.path.join(outdir, "saez_case_%s_expected.json" % name)
        with open(p_js, "w") as f:
            f.write(_dump(case_record(name, z, sched)))
        total += os.path.getsize(p_csv) + os.path.getsize(p_js)
        print("wrote %-45s %-46s" % (os.path.basename(p_csv), os.path.basename(p_js)))
    print("total size of data files: %.1f kB" % (total / 1024))


# -----------------------------------------------------------------------------
# Cross-checks
# -----------------------------------------------------------------------------

def _bits_equal(x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    return x.shape == y.shape and np.array_equal(x, y, equal_nan=True) and np.array_equal(
        np.signbit(x), np.signbit(y)
    )


def _maxdiff(x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    assert np.array_equal(np.isnan(x), np.isnan(y)), "NaN pattern differs"
    m = ~np.isnan(x)
    return float(np.max(np.abs(x[m] - y[m]), initial=0.0))


def check_spec_reference(cases):
    """Extracted numpy code vs. the pure-Python restatement of the spec."""
    worst = 0.0
    worst_rel_tau = 0.0
    for name, z in cases.items():
        for wt, el, rmin, rmax in RUNS:
            with np.errstate(all="ignore"):
                g, a, tau, unc, rates = saez_bracket_rates(z, wt, el, rmin, rmax)
            r = spec_reference(z, wt, el, rmin, rmax)
            d = max(
                _maxdiff(g, r["g"]), _maxdiff(a, r["a"]), _maxdiff(tau, r["tau"]),
                _maxdiff(unc, r["unclipped"]), _maxdiff(rates, r["rates"]),
            )
            worst = max(worst, d)
            t1, t2 = np.asarray(tau), np.asarray(r["tau"])
            nz = (t1 != 0) & ~np.isnan(t1)
            if nz.any():
                worst_rel_tau = max(worst_rel_tau, float(np.max(np.abs(t1[nz] - t2[nz]) / np.abs(t1[nz]))))
            if d > 1e-12:
                print("  spec_reference differs: %s %s e=%s: %.3g" % (name, wt, el, d))
    print("spec_reference (pure Python, sequential sums) vs extracted numpy code: "
          "max |diff| over all cases/runs/arrays = %.3g; max relative diff of bin_tau = %.3g"
          % (worst, worst_rel_tau))
    return worst


def _install_stubs():
    """Inert stand-ins for ai-economist's heavy imports that the Saez code never
    uses (lz4, GPUtil, pycryptodome, gym, scipy). Only installed if missing."""

    def have(mod):
        try:
            __import__(mod)
            return True
        except Exception:
            return False

    def stub(name, **attrs):
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    stubbed = []
    if not have("lz4.frame"):
        stub("lz4").frame = stub("lz4.frame")
        stubbed.append("lz4")
    if not have("GPUtil"):
        stub("GPUtil", getAvailable=lambda *a, **k: [])
        stubbed.append("GPUtil")
    if not have("Crypto.PublicKey"):
        stub("Crypto").PublicKey = stub("Crypto.PublicKey", RSA=None)
        stubbed.append("Crypto")
    if not have("gym.spaces"):
        class _Space:  # noqa: D401
            def __init__(self, *a, **k):
                pass
        stub("gym").spaces = stub(
            "gym.spaces", Box=_Space, Dict=_Space, Discrete=_Space, MultiDiscrete=_Space
        )
        stubbed.append("gym")
    if not have("scipy.signal"):
        stub("scipy").signal = stub("scipy.signal")
        stubbed.append("scipy")
    return stubbed


def package_component_factory():
    """Path A: import the real package and build real PeriodicBracketTax
    instances (tax_model="saez", default us-federal spacing)."""
    stubbed = _install_stubs()
    with contextlib.redirect_stdout(io.StringIO()):
        import ai_economist  # noqa: F401
        from ai_economist.foundation.base.world import World
        from ai_economist.foundation.components.redistribution import PeriodicBracketTax
    import inspect

    src = inspect.getsourcefile(PeriodicBracketTax)
    world = World([5, 5], 4, ["Coin"], [], False, False)

    def make(pareto_weight_type, rate_min=0.0, rate_max=1.0, elas=0.5):
        return PeriodicBracketTax(
            world, 10, tax_model="saez", pareto_weight_type=pareto_weight_type,
            saez_fixed_elas=elas, rate_min=rate_min, rate_max=rate_max,
        )

    def run(comp, incomes, elas):
        # Same call sequence as compute_and_set_new_period_rates_from_saez_formula
        # after the elasticity estimate.
        g, a = comp.get_binned_saez_welfare_weight_and_pareto_params(incomes)
        tau = comp.get_saez_marginal_rates(g, a, elas)
        unc = comp.bracketize_schedule(
            bin_marginal_rates=tau,
            bin_edges=comp._saez_income_bin_edges,
            bin_sizes=comp._saez_income_bin_sizes,
        )
        rates = np.clip(unc, comp.rate_min, comp.curr_rate_max)
        return g, a, tau, unc, rates

    return make, run, "A: real PeriodicBracketTax instance (stubbed modules: %s) from %s" % (
        ", ".join(stubbed) or "none", src)


def source_method_factory(path):
    """Path B: parse redistribution.py, exec just the three Saez methods and
    call them on a minimal stub `self`."""
    tree = ast.parse(open(path).read())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "PeriodicBracketTax")
    wanted = {"get_binned_saez_welfare_weight_and_pareto_params", "get_saez_marginal_rates",
              "bracketize_schedule"}
    fns = [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name in wanted]
    # The extracted functions must be AST-identical to the package's methods
    # once `self.<attr>` is mapped to the parameter of the same name.
    mine = {n.name: n for n in ast.parse(open(os.path.abspath(__file__)).read()).body
            if isinstance(n, ast.FunctionDef)}
    attr_map = {"pareto_weight_type": "pareto_weight_type",
                "_saez_income_bin_edges": "saez_income_bin_edges",
                "bracket_cutoffs": "bracket_cutoffs", "bracket_sizes": "bracket_sizes",
                "n_brackets": "n_brackets"}

    class _SelfToParam(ast.NodeTransformer):
        def visit_Attribute(self, node):
            self.generic_visit(node)
            if (isinstance(node.value, ast.Name) and node.value.id == "self"
                    and node.attr in attr_map):
                return ast.copy_location(ast.Name(id=attr_map[node.attr], ctx=node.ctx), node)
            return node

    def _body(fn):
        b = fn.body
        if b and isinstance(b[0], ast.Expr) and isinstance(b[0].value, ast.Constant) \
                and isinstance(b[0].value.value, str):
            b = b[1:]  # drop docstring
        return "\n".join(ast.dump(_SelfToParam().visit(x)) for x in b)

    for f in fns:
        same = _body(f) == _body(mine[f.name])
        print("  AST of extracted %s %s the package's" % (
            f.name, "is identical to" if same else "DIFFERS from"))
        if not same:
            raise AssertionError("extracted %s differs from %s" % (f.name, path))
    # _SelfToParam rewrote those nodes in place: re-parse for execution.
    tree = ast.parse(open(path).read())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "PeriodicBracketTax")
    fns = [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name in wanted]
    for f in fns:
        f.decorator_list = []
    ns = {"np": np}
    exec(compile(ast.Module(body=fns, type_ignores=[]), path, "exec"), ns)
    src_text = open(path).read()
    assert "np.array([0, 9700, 39475, 84200, 160725, 204100, 510300])" in src_text
    assert "self._saez_n_estimation_bins = 100" in src_text
    sched = make_us_federal_schedule()

    def make(pareto_weight_type, rate_min=0.0, rate_max=1.0, elas=0.5):
        return types.SimpleNamespace(
            pareto_weight_type=pareto_weight_type,
            _saez_income_bin_edges=sched["saez_income_bin_edges"],
            _saez_income_bin_sizes=sched["saez_income_bin_sizes"],
            bracket_cutoffs=sched["bracket_cutoffs"],
            bracket_sizes=sched["bracket_sizes"],
            n_brackets=sched["n_brackets"],
            rate_min=rate_min, curr_rate_max=rate_max,
        )

    def run(comp, incomes, elas):
        g, a = ns["get_binned_saez_welfare_weight_and_pareto_params"](comp, incomes)
        tau = ns["get_saez_marginal_rates"](g, a, elas)
        unc = ns["bracketize_schedule"](comp, tau, comp._saez_income_bin_edges,
                                        comp._saez_income_bin_sizes)
        return g, a, tau, unc, np.clip(unc, comp.rate_min, comp.curr_rate_max)

    return make, run, "B: methods exec'd from %s on a stub object" % path


def find_package_source():
    spec = importlib.util.find_spec("ai_economist")
    if spec is None or not spec.submodule_search_locations:
        return None
    p = os.path.join(list(spec.submodule_search_locations)[0],
                     "foundation", "components", "redistribution.py")
    return p if os.path.exists(p) else None


def check_against_package(cases, aie_source=None):
    factories = []
    try:
        factories.append(package_component_factory())
    except Exception as e:  # pragma: no cover - depends on environment
        print("path A (import package) unavailable: %r" % (e,))
    src = aie_source or find_package_source()
    if src:
        try:
            factories.append(source_method_factory(src))
        except AssertionError:
            raise  # the source differs from the extracted code: fail loudly
        except Exception as e:  # pragma: no cover
            print("path B (exec source) unavailable: %r" % (e,))
    if not factories:
        print("ai-economist not available: package cross-check SKIPPED")
        return None
    ok = True
    sched = make_us_federal_schedule()
    for make, run, label in factories:
        n = 0
        comp0 = make("inverse_income")
        if hasattr(comp0, "bracket_cutoffs"):
            for k, kk in (("bracket_cutoffs", "bracket_cutoffs"),
                          ("_saez_income_bin_edges", "saez_income_bin_edges"),
                          ("_saez_income_bin_sizes", "saez_income_bin_sizes"),
                          ("bracket_sizes", "bracket_sizes")):
                if not _bits_equal(getattr(comp0, k), sched[kk]):
                    print("  MISMATCH in schedule constant %s" % k)
                    ok = False
        for name, z in cases.items():
            for wt, el, rmin, rmax in RUNS:
                comp = make(wt, rmin, rmax, el)
                with np.errstate(all="ignore"):
                    theirs = run(comp, z, el)
                    ours = saez_bracket_rates(z, wt, el, rmin, rmax, sched)
                for lab, x, y in zip(("G", "A", "tau", "unclipped", "rates"), theirs, ours):
                    n += 1
                    if not _bits_equal(x, y):
                        ok = False
                        print("  MISMATCH %s %s e=%s %s" % (name, wt, el, lab))
        print("package cross-check [%s]: %d arrays compared bit-for-bit, %s"
              % (label, n, "ALL IDENTICAL" if ok else "MISMATCHES"))
    return ok


# -----------------------------------------------------------------------------
# Benchmark
# -----------------------------------------------------------------------------

def bench(n, reps, seed=7):
    rng = np.random.default_rng(seed)
    z = rng.lognormal(mean=math.log(60.0), sigma=1.0, size=n)
    print("benchmark: %d lognormal(ln 60, 1.0) incomes (seed %d), %d above z*, "
          "median of %d runs, numpy %s" % (n, seed, int(np.sum(z > 510.3)), reps, np.__version__))
    sched = make_us_federal_schedule()

    def timeit(fn):
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        return statistics.median(ts), min(ts), max(ts)

    for wt in ("inverse_income", "uniform"):
        med, lo, hi = timeit(lambda: saez_bracket_rates(z, wt, 0.5, 0.0, 1.0, sched))
        print("  extracted numpy, %-14s: median %.4f s (min %.4f, max %.4f)" % (wt, med, lo, hi))
    # Where the time goes (inverse_income):
    med, _, _ = timeit(lambda: np.histogram(z, bins=sched["saez_income_bin_edges"]))
    print("    of which np.histogram alone  : median %.4f s" % med)
    try:
        make, run, label = package_component_factory()
        for wt in ("inverse_income", "uniform"):
            comp = make(wt, 0.0, 1.0, 0.5)
            med, lo, hi = timeit(lambda: run(comp, z, 0.5))
            print("  package [%s] %-14s: median %.4f s (min %.4f, max %.4f)"
                  % (label.split(" ")[0], wt, med, lo, hi))
    except Exception as e:  # pragma: no cover
        print("  package timing unavailable: %r" % (e,))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--outdir", default=HERE, help="where to write the saez_case_* files")
    ap.add_argument("--no-write", action="store_true", help="only run the checks")
    ap.add_argument("--no-check", action="store_true", help="skip all cross-checks")
    ap.add_argument("--verify", action="store_true",
                    help="do not write; recompute the JSON files from the CSVs on disk "
                         "and compare byte-for-byte")
    ap.add_argument("--aie-source", default=None,
                    help="path to ai_economist/foundation/components/redistribution.py "
                         "(default: the installed package's)")
    ap.add_argument("--bench", type=int, default=0, metavar="N",
                    help="also time the estimator on N lognormal incomes (e.g. 10000000)")
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args()

    print("python %s, numpy %s" % (sys.version.split()[0], np.__version__))
    cases = build_cases()
    sched = make_us_federal_schedule()
    status = True
    if args.verify:
        status &= verify_files(args.outdir, cases, sched)
    elif not args.no_write:
        write_files(args.outdir, cases, sched)
    if not args.no_check:
        status &= check_spec_reference(cases) < 1e-12
        status &= check_against_package(cases, args.aie_source) is not False
    if args.bench:
        bench(args.bench, args.reps)
    return 0 if status else 1


if __name__ == "__main__":
    sys.exit(main())
