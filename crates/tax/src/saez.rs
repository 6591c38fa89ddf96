//! Saez (2001) optimal marginal rates without income effects,
//! tau(z) = (1 - G(z)) / (1 - G(z) + A(z) e), and the AI Economist's binned estimator of it.
//!
//! [`aie_binned_saez`] is a line-by-line port of the "Saez" baseline of the AI Economist
//! (ai-economist 1.7.1, `foundation/components/redistribution.py`, class `PeriodicBracketTax`:
//! `get_binned_saez_welfare_weight_and_pareto_params`, `get_saez_marginal_rates`,
//! `bracketize_schedule`), Copyright (c) 2020 Salesforce.com, Inc., BSD-3-Clause; it reproduces
//! that code's numbers to 1e-9 on the same incomes (test vectors in `tests/data`).

use rayon::prelude::*;
use serde::Serialize;
use walras_core::check;

use crate::error::{invalid, Result, TaxError};
use crate::schedule::validate_brackets;

/// Number of equal-width bins on [0, top cutoff].
pub const SAEZ_BINS: usize = 100;

/// Social welfare weights of the Saez estimator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SaezWeights {
    /// omega(z) = 1 / max(1, z).
    InverseIncome,
    /// omega(z) = 1.
    Uniform,
}

impl SaezWeights {
    fn omega(self, z: f64) -> f64 {
        match self {
            SaezWeights::InverseIncome => 1.0 / z.max(1.0),
            SaezWeights::Uniform => 1.0,
        }
    }
}

impl std::str::FromStr for SaezWeights {
    type Err = TaxError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "inverse-income" => Ok(SaezWeights::InverseIncome),
            "uniform" => Ok(SaezWeights::Uniform),
            other => Err(TaxError::BadSpec {
                what: "Saez weights",
                input: other.into(),
                reason: "expected inverse-income or uniform".into(),
            }),
        }
    }
}

/// The binned estimator's output.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BinnedSaez {
    /// Bracket cutoffs the rates are for.
    pub cutoffs: Vec<f64>,
    /// Bracket rates, clipped to [rate_min, rate_max].
    pub rates: Vec<f64>,
    /// Bracket rates before clipping.
    pub rates_unclipped: Vec<f64>,
    /// The 101 bin edges e_0..e_100 (e_100 = top cutoff).
    pub bin_edges: Vec<f64>,
    /// Histogram counts (weighted) of the 100 bins (last bin closed).
    pub counts: Vec<f64>,
    /// (Weighted) number of incomes below 0.
    pub n_below: f64,
    /// (Weighted) number of incomes above the top cutoff.
    pub n_above: f64,
    /// G_0..G_100: average normalised welfare weight above each bin.
    pub bin_g: Vec<f64>,
    /// A_0..A_100: local Pareto parameters (NaN for empty bins).
    pub bin_a: Vec<f64>,
    /// tau_0..tau_100 after interpolation over empty bins.
    pub bin_tau: Vec<f64>,
}

/// numpy's `linspace(0, top, 101)`: k * (top / 100), with the last edge exactly `top`.
fn bin_edges(top: f64) -> Vec<f64> {
    let step = top / SAEZ_BINS as f64;
    let mut edges: Vec<f64> = (0..=SAEZ_BINS).map(|k| k as f64 * step).collect();
    edges[SAEZ_BINS] = top;
    edges
}

/// Per-chunk accumulators of the single pass over incomes.
#[derive(Clone, Default)]
struct Tally {
    counts: Vec<f64>,
    n_below: f64,
    n_above: f64,
    weight_above: f64,
    sum_above: f64,
}

impl Tally {
    fn new() -> Self {
        Tally {
            counts: vec![0.0; SAEZ_BINS],
            ..Tally::default()
        }
    }

    fn merge(mut self, other: Tally) -> Tally {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.n_below += other.n_below;
        self.n_above += other.n_above;
        self.weight_above += other.weight_above;
        self.sum_above += other.sum_above;
        self
    }
}

/// The bin of `z` in [0, top] exactly as numpy's histogram assigns it (bins [e_k, e_{k+1}),
/// the last one closed), from a first guess corrected against the edges.
fn bin_index(z: f64, edges: &[f64], scale: f64) -> usize {
    let mut k = ((z * scale) as usize).min(SAEZ_BINS - 1);
    if z < edges[k] {
        k -= 1;
    } else if k + 1 < SAEZ_BINS && z >= edges[k + 1] {
        k += 1;
    }
    k
}

/// The AI Economist's binned Saez estimator: 100 bins on [0, top cutoff], bin taus from the
/// Saez formula with binned G and local Pareto parameters, empty bins interpolated, then
/// bracket rates as average bin taus over each bracket (the top bracket takes the top tau),
/// clipped to [rate_min, rate_max]. NaN incomes are ignored, as in numpy's histogram.
///
/// `sample_weights` (one per income, finite and >= 0) turn every count into a weighted count;
/// without them (as in the AI Economist) each income counts once.
pub fn aie_binned_saez(
    incomes: &[f64],
    sample_weights: Option<&[f64]>,
    cutoffs: &[f64],
    elasticity: f64,
    weights: SaezWeights,
    rate_min: f64,
    rate_max: f64,
) -> Result<BinnedSaez> {
    validate_brackets(cutoffs, &vec![0.0; cutoffs.len()])?;
    if cutoffs.len() < 2 {
        return Err(invalid(
            "cutoffs",
            format!("{cutoffs:?}"),
            "the binned estimator needs at least two brackets",
        ));
    }
    check::positive("elasticity", elasticity)?;
    if !(rate_min <= rate_max && rate_min.is_finite() && rate_max.is_finite()) {
        return Err(invalid(
            "rate bounds",
            format!("[{rate_min}, {rate_max}]"),
            "need finite min <= max",
        ));
    }
    if let Some(z) = incomes
        .iter()
        .find(|z| z.is_infinite() && z.is_sign_positive())
    {
        return Err(invalid("income", z, "an infinite income has no Saez rate"));
    }
    if let Some(w) = sample_weights {
        if w.len() != incomes.len() {
            return Err(invalid(
                "sample weights",
                format!("{} weights for {} incomes", w.len(), incomes.len()),
                "need one weight per income",
            ));
        }
        if let Some((i, v)) = w
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
        {
            return Err(invalid(
                &format!("sample weight {i}"),
                v,
                "weights must be finite and >= 0",
            ));
        }
    }
    let top = *cutoffs.last().expect("at least two cutoffs");
    let edges = bin_edges(top);
    let scale = SAEZ_BINS as f64 / top;
    let weight_of = |i: usize| sample_weights.map_or(1.0, |w| w[i]);
    let tally_one = |mut t: Tally, i: usize| {
        let (z, w) = (incomes[i], weight_of(i));
        if z < 0.0 {
            t.n_below += w;
        } else if z > top {
            t.n_above += w;
            t.weight_above += w * weights.omega(z);
            t.sum_above += w * z;
        } else if z >= 0.0 {
            t.counts[bin_index(z, &edges, scale)] += w;
        }
        t
    };
    let tally = if incomes.len() >= 1 << 16 {
        (0..incomes.len())
            .into_par_iter()
            .with_min_len(1 << 16)
            .fold(Tally::new, tally_one)
            .reduce(Tally::new, Tally::merge)
    } else {
        (0..incomes.len()).fold(Tally::new(), tally_one)
    };
    let n_total = tally.counts.iter().sum::<f64>() + tally.n_below + tally.n_above;
    if n_total == 0.0 {
        return Err(TaxError::EmptySample(
            "no finite incomes for the Saez estimator".into(),
        ));
    }

    let width: Vec<f64> = (0..SAEZ_BINS).map(|k| edges[k + 1] - edges[k]).collect();
    let mid: Vec<f64> = (0..SAEZ_BINS)
        .map(|k| 0.5 * (edges[k] + edges[k + 1]))
        .collect();
    // Welfare mass per bin (and above), normalised with the mass below zero (weight 1 each).
    let mut mass: Vec<f64> = (0..SAEZ_BINS)
        .map(|k| tally.counts[k] * weights.omega(mid[k]))
        .collect();
    let norm = ((mass.iter().sum::<f64>() + tally.n_below) + tally.weight_above) + 1e-9;
    mass.push(tally.weight_above);
    let d: Vec<f64> = mass.iter().map(|m| m / norm).collect();
    let mut p: Vec<f64> = tally.counts.iter().map(|&c| c / n_total).collect();
    p.push(tally.n_above / n_total);

    // G: average welfare weight of everyone above each bin.
    let mut gc = vec![0.0; SAEZ_BINS + 1];
    let (mut s, mut q) = (0.0, 0.0);
    for i in (0..=SAEZ_BINS).rev() {
        s += d[i];
        q += p[i];
        gc[i] = s / (q + 1e-9);
    }
    let bin_g: Vec<f64> = (0..=SAEZ_BINS)
        .map(|i| {
            if i < SAEZ_BINS {
                0.5 * (gc[i] + gc[i + 1])
            } else {
                gc[i]
            }
        })
        .collect();

    // A: local Pareto parameter z h(z) / (1 - H(z)).
    let mut bin_a = vec![f64::NAN; SAEZ_BINS + 1];
    let mut cum = 0.0;
    for i in 0..SAEZ_BINS {
        cum = if i == 0 {
            p[0] + tally.n_below / n_total
        } else {
            (cum + p[i]).clamp(0.0, 1.0)
        };
        if p[i] != 0.0 {
            bin_a[i] =
                ((mid[i] * p[i]) / (((1.0 - cum) + 0.5 * p[i]).clamp(0.0, 1.0) + 1e-9)) / width[i];
        }
    }
    bin_a[SAEZ_BINS] = if tally.n_above > 0.0 {
        let zbar = tally.sum_above / tally.n_above;
        zbar / ((zbar - top) + 1e-9)
    } else {
        0.0
    };

    let mut bin_tau: Vec<f64> = bin_g
        .iter()
        .zip(&bin_a)
        .map(|(g, a)| (1.0 - g) / (((1.0 - g) + a * elasticity) + 1e-9))
        .collect();
    interpolate_gaps(&mut bin_tau);

    // Bracket rates: average bin tau over each bracket via the implied tax function.
    let tax_due = |c: f64| -> f64 {
        let total: f64 = (0..=SAEZ_BINS)
            .map(|k| {
                let w = if k < SAEZ_BINS {
                    width[k]
                } else {
                    f64::INFINITY
                };
                bin_tau[k] * w.min((c - edges[k]).max(0.0))
            })
            .sum();
        total.max(0.0)
    };
    let mut rates_unclipped: Vec<f64> = cutoffs
        .windows(2)
        .map(|w| (tax_due(w[1]) - tax_due(w[0])) / (w[1] - w[0]))
        .collect();
    rates_unclipped.push(bin_tau[SAEZ_BINS]);
    let rates = rates_unclipped
        .iter()
        .map(|r| r.clamp(rate_min, rate_max))
        .collect();
    Ok(BinnedSaez {
        cutoffs: cutoffs.to_vec(),
        rates,
        rates_unclipped,
        bin_edges: edges,
        counts: tally.counts,
        n_below: tally.n_below,
        n_above: tally.n_above,
        bin_g,
        bin_a,
        bin_tau,
    })
}

/// Fill NaN runs by linear interpolation between defined neighbours, leading runs from a
/// virtual 0 at index -1 (numpy linspace arithmetic); trailing NaNs stay NaN.
fn interpolate_gaps(tau: &mut [f64]) {
    let mut last = (-1isize, 0.0);
    for i in 0..tau.len() {
        if tau[i].is_nan() {
            continue;
        }
        let gap = (i as isize - last.0 - 1) as usize;
        if gap > 0 {
            let step = (tau[i] - last.1) / (gap + 1) as f64;
            for j in 1..=gap {
                tau[(last.0 + j as isize) as usize] = j as f64 * step + last.1;
            }
        }
        last = (i as isize, tau[i]);
    }
}

/// The Saez top rate for a Pareto(a) income tail: (1 - g) / (1 - g + a e).
pub fn saez_top_rate(pareto_a: f64, elasticity: f64, top_weight: f64) -> f64 {
    (1.0 - top_weight) / (1.0 - top_weight + pareto_a * elasticity)
}

/// The smooth Saez estimator's output.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SmoothSaez {
    /// Bracket cutoffs.
    pub cutoffs: Vec<f64>,
    /// Bracket rates: population-weighted means of tau(z) over each bracket, clipped.
    pub rates: Vec<f64>,
    /// Income grid (log-spaced over the positive incomes).
    pub income: Vec<f64>,
    /// tau(z) on the grid.
    pub tau: Vec<f64>,
    /// G(z): average normalised welfare weight of incomes >= z.
    pub g: Vec<f64>,
    /// A(z) = z h(z) / (1 - H(z)), from a Gaussian kernel density of log income.
    pub a: Vec<f64>,
    /// Kernel bandwidth in log income (Silverman's rule).
    pub bandwidth: f64,
}

/// A smooth Saez estimator for real data: G(z) exactly from the (weighted) sample, the density
/// h and CDF H from a Gaussian kernel estimate of log income (Silverman bandwidth, on a
/// 2,048-bin histogram), tau(z) = (1 - G)/(1 - G + A e) on a `grid`-point log-spaced income
/// grid, and bracket rates as population-weighted means of tau over each bracket's incomes.
/// Incomes <= 0 count in H and in the welfare normalisation but not in the density.
pub fn smooth_saez(
    incomes: &[f64],
    sample_weights: Option<&[f64]>,
    cutoffs: &[f64],
    elasticity: f64,
    weights: SaezWeights,
    grid: usize,
    (rate_min, rate_max): (f64, f64),
) -> Result<SmoothSaez> {
    validate_brackets(cutoffs, &vec![0.0; cutoffs.len()])?;
    crate::utility::check_elasticity("elasticity", elasticity)?;
    if grid < 2 {
        return Err(invalid("grid", grid, "need at least 2 points"));
    }
    if !(rate_min <= rate_max && rate_min.is_finite() && rate_max.is_finite()) {
        return Err(invalid(
            "rate bounds",
            format!("[{rate_min}, {rate_max}]"),
            "need finite min <= max",
        ));
    }
    let w_of = |i: usize| sample_weights.map_or(1.0, |w| w[i]);
    if let Some(w) = sample_weights {
        if w.len() != incomes.len() || w.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(invalid(
                "sample weights",
                w.len(),
                "need one finite weight >= 0 per income",
            ));
        }
    }
    if let Some(z) = incomes.iter().find(|z| !z.is_finite()) {
        return Err(invalid("income", z, "incomes must be finite"));
    }
    // Sort by income once: G and H are tail sums.
    let mut order: Vec<usize> = (0..incomes.len()).collect();
    order.sort_by(|&a, &b| incomes[a].total_cmp(&incomes[b]));
    let total: f64 = (0..incomes.len()).map(w_of).sum();
    let positive: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| incomes[i] > 0.0)
        .collect();
    if positive.len() < 2 || total <= 0.0 {
        return Err(TaxError::EmptySample(
            "the smooth Saez estimator needs at least two positive incomes".into(),
        ));
    }
    let mean_omega = (0..incomes.len())
        .map(|i| w_of(i) * weights.omega(incomes[i].max(0.0)))
        .sum::<f64>()
        / total;
    let mass_nonpositive: f64 = order
        .iter()
        .filter(|&&i| incomes[i] <= 0.0)
        .map(|&i| w_of(i))
        .sum();

    // Kernel density of log income on a histogram.
    let logs: Vec<(f64, f64)> = positive
        .iter()
        .map(|&i| (incomes[i].ln(), w_of(i)))
        .collect();
    let w_pos: f64 = logs.iter().map(|(_, w)| w).sum();
    let mean = logs.iter().map(|(x, w)| x * w).sum::<f64>() / w_pos;
    let sd = (logs
        .iter()
        .map(|(x, w)| w * (x - mean).powi(2))
        .sum::<f64>()
        / w_pos)
        .sqrt();
    let n_eff = w_pos.powi(2) / logs.iter().map(|(_, w)| w * w).sum::<f64>();
    let bandwidth = (1.06 * sd * n_eff.powf(-0.2)).max(1e-6);
    let (lo, hi) = (logs[0].0, logs[logs.len() - 1].0);
    const BINS: usize = 2_048;
    let step = ((hi - lo) / BINS as f64).max(1e-12);
    let mut hist = vec![0.0; BINS];
    for (x, w) in &logs {
        hist[(((x - lo) / step) as usize).min(BINS - 1)] += w;
    }
    let centres: Vec<f64> = (0..BINS).map(|k| lo + (k as f64 + 0.5) * step).collect();
    let density_and_cdf = |x: f64| -> (f64, f64) {
        let (mut f, mut cdf) = (0.0, 0.0);
        for (c, m) in centres.iter().zip(&hist) {
            if *m > 0.0 {
                let u = (x - c) / bandwidth;
                f += m * (-0.5 * u * u).exp();
                cdf += m * crate::skills::normal_cdf(u);
            }
        }
        (
            f / (w_pos * bandwidth * (2.0 * std::f64::consts::PI).sqrt()),
            cdf / w_pos,
        )
    };

    // Tail sums for G at each grid income.
    let income: Vec<f64> = (0..grid)
        .map(|k| (lo + (hi - lo) * k as f64 / (grid - 1) as f64).exp())
        .collect();
    let mut g = Vec::with_capacity(grid);
    let mut a = Vec::with_capacity(grid);
    let mut tau = Vec::with_capacity(grid);
    let share_pos = w_pos / total;
    // Suffix sums of weight and welfare weight over incomes sorted ascending.
    let mut suffix = vec![(0.0, 0.0); order.len() + 1];
    for (k, &i) in order.iter().enumerate().rev() {
        suffix[k] = (
            suffix[k + 1].0 + w_of(i),
            suffix[k + 1].1 + w_of(i) * weights.omega(incomes[i]),
        );
    }
    for &z in &income {
        let (wsum, osum) = suffix[order.partition_point(|&i| incomes[i] < z)];
        let gz = if wsum > 0.0 {
            osum / wsum / mean_omega
        } else {
            0.0
        };
        let (f_log, cdf_log) = density_and_cdf(z.ln());
        // In levels: h(z) = f_log / z over all incomes; H(z) adds the non-positive mass.
        let h = share_pos * f_log / z;
        let big_h = mass_nonpositive / total + share_pos * cdf_log;
        let az = if big_h < 1.0 {
            z * h / (1.0 - big_h)
        } else {
            f64::INFINITY
        };
        g.push(gz);
        a.push(az);
        tau.push(((1.0 - gz) / (1.0 - gz + az * elasticity)).clamp(0.0, 1.0));
    }
    // Bracket rates: weighted mean of tau (interpolated in log income) over incomes in the bracket.
    let tau_at = |z: f64| -> f64 {
        let x = (z.ln() - lo) / (hi - lo) * (grid - 1) as f64;
        let k = (x.floor().max(0.0) as usize).min(grid - 2);
        let t = (x - k as f64).clamp(0.0, 1.0);
        tau[k] * (1.0 - t) + tau[k + 1] * t
    };
    let mut sums = vec![(0.0, 0.0); cutoffs.len()];
    for &i in &positive {
        let b = crate::schedule::bracket_of(incomes[i], cutoffs);
        sums[b].0 += w_of(i) * tau_at(incomes[i]);
        sums[b].1 += w_of(i);
    }
    let mut rates = Vec::with_capacity(cutoffs.len());
    for (b, (num, den)) in sums.iter().enumerate() {
        // An empty bracket takes the rate at its lower cutoff (or the previous bracket's).
        let r = if *den > 0.0 {
            num / den
        } else if cutoffs[b] > 0.0 {
            tau_at(cutoffs[b].clamp(income[0], income[grid - 1]))
        } else {
            tau[0]
        };
        rates.push(r.clamp(rate_min, rate_max));
    }
    Ok(SmoothSaez {
        cutoffs: cutoffs.to_vec(),
        rates,
        income,
        tau,
        g,
        a,
        bandwidth,
    })
}

/// Weighted number of incomes in each bracket [m_b, m_{b+1}) (the top bracket unbounded).
/// Negative or NaN incomes and zero weights count in no bracket.
pub fn bracket_counts(
    incomes: &[f64],
    sample_weights: Option<&[f64]>,
    cutoffs: &[f64],
) -> Vec<f64> {
    let mut counts = vec![0.0; cutoffs.len()];
    for (i, &z) in incomes.iter().enumerate() {
        let w = sample_weights.map_or(1.0, |w| w[i]);
        if z >= 0.0 && w > 0.0 {
            counts[crate::schedule::bracket_of(z, cutoffs)] += w;
        }
    }
    counts
}

/// Refuse a sample that cannot identify Saez rates: it needs at least two distinct positive
/// incomes with positive weight (all-zero, all-negative, single-row and identical samples have
/// no spread to estimate a density from). The error gives the sample's size and range.
pub fn check_saez_sample(incomes: &[f64], sample_weights: Option<&[f64]>) -> Result<()> {
    let positive = || {
        incomes
            .iter()
            .enumerate()
            .filter(|&(i, z)| *z > 0.0 && sample_weights.is_none_or(|w| w[i] > 0.0))
            .map(|(_, z)| *z)
    };
    // A real sample has two distinct positive incomes among its first few: stop there.
    let mut seen = positive();
    if let Some(first) = seen.next() {
        if seen.any(|z| z != first) {
            return Ok(());
        }
    }
    let lo = positive().fold(f64::INFINITY, f64::min);
    let hi = positive().fold(f64::NEG_INFINITY, f64::max);
    if lo < hi {
        return Ok(());
    }
    let n_pos = positive().count();
    let detail = match n_pos {
        0 => "none is positive".to_string(),
        1 => format!("only one is positive ({lo})"),
        _ => format!("all {n_pos} positive incomes equal {lo}"),
    };
    Err(TaxError::EmptySample(format!(
        "a sample of {} incomes, of which {detail}: Saez rates need at least two distinct positive incomes \
         (with positive weight) to estimate the income density from",
        incomes.len()
    )))
}

/// Bracket rates of a Saez estimator with the brackets that hold no income left without a
/// rate: the estimator fills them by interpolation or extrapolation (the binned estimator's
/// top bracket becomes ~1 when no income lies above the top cutoff), which the data do not
/// support.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckedSaezRates {
    /// The estimator's rate, or None for a bracket without incomes.
    pub rates: Vec<Option<f64>>,
    /// Why a rate is None (None where the rate is estimated).
    pub notes: Vec<Option<String>>,
    /// Brackets (0-based) without incomes.
    pub empty_brackets: Vec<usize>,
    /// Weighted number of incomes per bracket.
    pub counts: Vec<f64>,
}

/// Mark the rates of brackets without incomes (see [`CheckedSaezRates`]); `rates` are the
/// estimator's, one per cutoff.
pub fn check_saez_rates(
    rates: &[f64],
    incomes: &[f64],
    sample_weights: Option<&[f64]>,
    cutoffs: &[f64],
) -> CheckedSaezRates {
    check_saez_rates_counted(
        rates,
        bracket_counts(incomes, sample_weights, cutoffs),
        cutoffs,
    )
}

/// [`check_saez_rates`] with the sample's [`bracket_counts`] already computed.
pub fn check_saez_rates_counted(
    rates: &[f64],
    counts: Vec<f64>,
    cutoffs: &[f64],
) -> CheckedSaezRates {
    let empty_brackets: Vec<usize> = (0..rates.len()).filter(|&b| counts[b] <= 0.0).collect();
    let notes = (0..rates.len())
        .map(|b| {
            let upper = cutoffs
                .get(b + 1)
                .map_or("up".to_string(), |m| format!("to {m}"));
            (counts[b] <= 0.0).then(|| {
                format!(
                    "no incomes in bracket {} (from {} {upper}): no rate can be estimated",
                    b + 1,
                    cutoffs[b]
                )
            })
        })
        .collect::<Vec<_>>();
    CheckedSaezRates {
        rates: rates
            .iter()
            .zip(&notes)
            .map(|(r, n)| (n.is_none() && r.is_finite()).then_some(*r))
            .collect(),
        notes,
        empty_brackets,
        counts,
    }
}
