//! Periodic bracket taxes: seven brackets on the US federal cutoffs in thousands of coin,
//! rates from the US schedule, a planner or the reference's Saez estimator; collected at each
//! period's last step and handed back as a lump sum.

use crate::numpy_sum::pairwise_sum;

/// Bracket cutoffs: the 2019 single-filer thresholds divided by 1,000 (`usd_scaling`).
pub const CUTOFFS: [f64; 7] = [
    0.0,
    9700.0 / 1000.0,
    39475.0 / 1000.0,
    84200.0 / 1000.0,
    160725.0 / 1000.0,
    204100.0 / 1000.0,
    510300.0 / 1000.0,
];

/// The US federal 2018 single-filer marginal rates.
pub const US_FEDERAL_RATES: [f64; 7] = [0.10, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37];

/// Rate levels a planner chooses among: 0, 0.05, ..., 1 (`k * 0.05`, as numpy's `arange`).
pub const PLANNER_LEVELS: usize = 21;

/// The planner's rate of level `k`.
pub fn planner_rate(k: usize) -> f64 {
    k as f64 * 0.05
}

/// Width of each bracket (the last is unbounded), as the reference's f64 subtractions.
pub fn bracket_sizes() -> [f64; 7] {
    let mut sizes = [f64::INFINITY; 7];
    for b in 0..6 {
        sizes[b] = CUTOFFS[b + 1] - CUTOFFS[b];
    }
    sizes
}

/// Tax due on `income` under `rates` (the reference's seven-term `np.sum`, left to right).
pub fn tax_due(income: f64, rates: &[f64; 7], sizes: &[f64; 7]) -> f64 {
    let mut due = 0.0;
    for b in 0..7 {
        due += rates[b] * sizes[b].min((income - CUTOFFS[b]).max(0.0));
    }
    due
}

/// The marginal rate at `income` (0 for a negative income).
pub fn marginal_rate(income: f64, rates: &[f64; 7]) -> f64 {
    if income < 0.0 {
        return 0.0;
    }
    // The bracket with cutoff <= income < next cutoff (the first one if none, as argmax).
    (0..7)
        .find(|&b| {
            income >= CUTOFFS[b] && income < CUTOFFS.get(b + 1).copied().unwrap_or(f64::INFINITY)
        })
        .map_or(rates[0], |b| rates[b])
}

/// Incomes and marginal rates kept across episodes: 500 samples, oldest dropped first.
pub const SAEZ_BUFFER: usize = 500;
const SAEZ_BINS: usize = 100;

/// The reference's in-environment Saez estimator and its state, which persists across
/// episodes.
#[derive(Clone, Debug)]
pub struct SaezState {
    /// `(income, marginal rate)` of each agent at each collection, newest last.
    pub buffer: std::collections::VecDeque<(f64, f64)>,
    reached_min_samples: bool,
    /// Running elasticity estimate.
    pub elasticity: f64,
    log_z0: f64,
    /// Running average of the rates set by the formula (the rates after a reset).
    pub running_avg: [f64; 7],
}

impl Default for SaezState {
    fn default() -> Self {
        SaezState {
            buffer: Default::default(),
            reached_min_samples: false,
            elasticity: 0.5,
            log_z0: 0.0,
            running_avg: [0.0; 7],
        }
    }
}

impl SaezState {
    /// The estimator part way through: its buffer, elasticity and log z0 estimates and the
    /// running average of its rates (e.g. as the reference recorded them).
    pub fn resume(
        buffer: impl IntoIterator<Item = (f64, f64)>,
        elasticity: f64,
        log_z0: f64,
        running_avg: [f64; 7],
    ) -> SaezState {
        let mut s = SaezState {
            elasticity,
            log_z0,
            running_avg,
            ..SaezState::default()
        };
        s.record(buffer);
        s
    }

    /// The log-income intercept of the last elasticity regression.
    pub fn log_z0(&self) -> f64 {
        self.log_z0
    }

    /// Add one collection's incomes and marginal rates.
    pub fn record(&mut self, samples: impl IntoIterator<Item = (f64, f64)>) {
        self.buffer.extend(samples);
        while self.buffer.len() > SAEZ_BUFFER {
            self.buffer.pop_front();
        }
    }

    /// Whether the formula (rather than random rates) sets the next period's rates; checked
    /// (and latched) at each period's first step.
    pub fn ready(&mut self) -> bool {
        if !self.reached_min_samples && self.buffer.len() >= SAEZ_BUFFER {
            self.reached_min_samples = true;
        }
        self.reached_min_samples
    }

    /// The next period's rates from the buffer, clipped to [0, `rate_max`]; updates the
    /// elasticity estimate and the running average.
    pub fn rates(&mut self, rate_max: f64) -> [f64; 7] {
        let (elas_tm1, log_z0_tm1) = (self.elasticity, self.log_z0);
        let (elas, log_z0) = estimate_elasticity(&self.buffer, elas_tm1, log_z0_tm1);
        self.elasticity = elas;
        self.log_z0 = log_z0;
        let incomes: Vec<f64> = self.buffer.iter().map(|s| s.0).collect();
        let (gz, az) = binned_weights_and_pareto(&incomes);
        let taus = saez_bin_rates(&gz, &az, elas);
        let mut rates = bracketize(&taus);
        for r in &mut rates {
            *r = r.clamp(0.0, rate_max);
        }
        for (avg, rate) in self.running_avg.iter_mut().zip(&rates) {
            *avg = *avg * 0.99 + rate * 0.01;
        }
        rates
    }
}

/// The estimation bins: `linspace(0, top cutoff, 101)` as numpy computes it.
fn bin_edges() -> Vec<f64> {
    let top = CUTOFFS[6];
    let step = top / SAEZ_BINS as f64;
    let mut edges: Vec<f64> = (0..=SAEZ_BINS).map(|k| k as f64 * step).collect();
    edges[SAEZ_BINS] = top;
    edges
}

/// The elasticity of income with respect to the net-of-tax rate: OLS of log income on
/// log(1 - rate) over positive incomes with rates below 1, smoothed (weight 0.02 on the new
/// estimate); the previous values when the data cannot identify it.
fn estimate_elasticity(
    samples: &std::collections::VecDeque<(f64, f64)>,
    elas_tm1: f64,
    log_z0_tm1: f64,
) -> (f64, f64) {
    let kept: Vec<(f64, f64)> = samples
        .iter()
        .copied()
        .filter(|&(z, tau)| z > 0.0 && tau < 1.0)
        .collect();
    if kept.len() < 10 {
        return (elas_tm1, log_z0_tm1);
    }
    let n = kept.len() as f64;
    let mean_tau = kept.iter().map(|s| s.1).sum::<f64>() / n;
    let var = kept.iter().map(|s| (s.1 - mean_tau).powi(2)).sum::<f64>() / n;
    if var.sqrt() < 1e-6 {
        return (elas_tm1, log_z0_tm1);
    }
    let (mut sxx, mut sx, mut sxy, mut sy) = (0.0, 0.0, 0.0, 0.0);
    for &(z, tau) in &kept {
        let x = (1.0 - tau).max(1e-9).ln();
        let y = z.max(1e-9).ln();
        sxx += x * x;
        sx += x;
        sxy += x * y;
        sy += y;
    }
    // inv([[sxx, sx], [sx, n]]) . [sxy, sy]
    let det = sxx * n - sx * sx;
    let elas = (n * sxy - sx * sy) / det;
    let log_z0 = (-sx * sxy + sxx * sy) / det;
    (0.02 * elas.max(0.0) + 0.98 * elas_tm1, log_z0)
}

/// Per estimation bin (and the open top bin): the average welfare weight (inverse income) of
/// incomes at or above the bin, and the local Pareto parameter.
fn binned_weights_and_pareto(incomes: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let edges = bin_edges();
    let (first, last) = (edges[0], edges[SAEZ_BINS]);
    let mut counts = vec![0.0; SAEZ_BINS];
    let norm = SAEZ_BINS as f64 / (last - first);
    for &z in incomes {
        if !(z >= first && z <= last) {
            continue;
        }
        // numpy's uniform-bin histogram: a scaled index, corrected against the edges.
        let mut k = (((z - first) * norm) as usize).min(SAEZ_BINS - 1);
        if z < edges[k] {
            k -= 1;
        } else if k + 1 < SAEZ_BINS && z >= edges[k + 1] {
            k += 1;
        }
        counts[k] += 1.0;
    }
    let below: Vec<f64> = incomes.iter().copied().filter(|&z| z < first).collect();
    let above: Vec<f64> = incomes.iter().copied().filter(|&z| z > last).collect();
    let weight = |z: f64| 1.0 / z.max(1.0);
    let n_total = pairwise_sum(&counts) + below.len() as f64 + above.len() as f64;
    let mut pz: Vec<f64> = counts.iter().map(|c| c / n_total).collect();
    pz.push(above.len() as f64 / n_total);
    let mut cum_pz = vec![pz[0] + below.len() as f64 / n_total];
    for p in &pz[1..] {
        let next = (cum_pz.last().unwrap() + p).clamp(0.0, 1.0);
        cum_pz.push(next);
    }

    let w_below = if below.is_empty() {
        0.0
    } else {
        pairwise_sum(
            &below
                .iter()
                .map(|&z| weight(z.max(0.0)))
                .collect::<Vec<_>>(),
        )
    };
    let w_above = if above.is_empty() {
        0.0
    } else {
        pairwise_sum(&above.iter().map(|&z| weight(z)).collect::<Vec<_>>())
    };
    let w_bin: Vec<f64> = (0..SAEZ_BINS)
        .map(|k| counts[k] * weight(0.5 * (edges[k] + edges[k + 1])))
        .collect();
    let norm_w = pairwise_sum(&w_bin) + w_below + w_above + 1e-9;
    let mut density: Vec<f64> = w_bin.iter().map(|w| w / norm_w).collect();
    density.push(w_above / norm_w);
    let rev_cumsum = |v: &[f64]| {
        let mut out = vec![0.0; v.len()];
        let mut acc = 0.0;
        for k in (0..v.len()).rev() {
            acc += v[k];
            out[k] = acc;
        }
        out
    };
    let dens_geq = rev_cumsum(&density);
    let p_geq = rev_cumsum(&pz);
    let g: Vec<f64> = (0..dens_geq.len())
        .map(|k| dens_geq[k] / (p_geq[k] + 1e-9))
        .collect();
    let mut gz: Vec<f64> = (0..SAEZ_BINS).map(|k| 0.5 * (g[k] + g[k + 1])).collect();
    gz.push(g[SAEZ_BINS]);

    let mut az: Vec<f64> = (0..SAEZ_BINS)
        .map(|k| {
            if pz[k] == 0.0 {
                f64::NAN
            } else {
                let p_geq_z = 1.0 - cum_pz[k] + 0.5 * pz[k];
                let z = 0.5 * (edges[k] + edges[k + 1]);
                z * pz[k] / (p_geq_z.clamp(0.0, 1.0) + 1e-9) / (edges[k + 1] - edges[k])
            }
        })
        .collect();
    az.push(if above.is_empty() {
        0.0
    } else {
        let mean = pairwise_sum(&above) / above.len() as f64;
        mean / (mean - last + 1e-9)
    });
    (gz, az)
}

/// Saez's rate per bin, `(1 - g) / (1 - g + a e)`, with bins without incomes interpolated
/// linearly between their neighbours (from 0 before the first).
fn saez_bin_rates(gz: &[f64], az: &[f64], elas: f64) -> Vec<f64> {
    let mut taus: Vec<f64> = gz
        .iter()
        .zip(az)
        .map(|(g, a)| (1.0 - g) / (1.0 - g + a * elas + 1e-9))
        .collect();
    let (mut last_rate, mut last_index) = (0.0, -1i64);
    for i in 0..taus.len() {
        let tau = taus[i];
        if tau.is_nan() {
            continue;
        }
        let gap = i as i64 - last_index - 1;
        if gap > 0 {
            // np.linspace(last_rate, tau, gap + 2)[1:-1]
            let div = (gap + 1) as f64;
            let step = (tau - last_rate) / div;
            for (j, k) in ((last_index + 1) as usize..i).enumerate() {
                taus[k] = (j + 1) as f64 * step + last_rate;
            }
        }
        last_rate = tau;
        last_index = i as i64;
    }
    taus
}

/// Average marginal rate of each bracket under the bin rates (the top bracket takes the open
/// bin's rate).
fn bracketize(taus: &[f64]) -> [f64; 7] {
    let edges = bin_edges();
    let mut sizes: Vec<f64> = (0..SAEZ_BINS).map(|k| edges[k + 1] - edges[k]).collect();
    sizes.push(f64::INFINITY);
    let bracket = bracket_sizes();
    let mut rates = [0.0; 7];
    let mut last_total = 0.0;
    for b in 0..6 {
        let income = CUTOFFS[b + 1];
        let terms: Vec<f64> = (0..=SAEZ_BINS)
            .map(|k| taus[k] * sizes[k].min((income - edges[k]).max(0.0)))
            .collect();
        let total = pairwise_sum(&terms).max(0.0);
        rates[b] = (total - last_total) / bracket[b];
        last_total = total;
    }
    rates[6] = taus[SAEZ_BINS];
    rates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoffs_sizes_and_the_published_example() {
        assert_eq!(CUTOFFS[1], 9.7);
        assert_eq!(CUTOFFS[3], 84.2);
        let sizes = bracket_sizes();
        assert_eq!(sizes[1], 29.775000000000002);
        assert_eq!(sizes[5], 306.20000000000005);
        // Income 50: 0.97 + 3.573 + 0.22 x 10.525 = 6.8585 (spec 9.3).
        assert!((tax_due(50.0, &US_FEDERAL_RATES, &sizes) - 6.8585).abs() < 1e-12);
        assert_eq!(tax_due(-5.0, &US_FEDERAL_RATES, &sizes), 0.0);
        assert_eq!(marginal_rate(0.0, &US_FEDERAL_RATES), 0.10);
        assert_eq!(marginal_rate(-5.0, &US_FEDERAL_RATES), 0.0);
        assert_eq!(marginal_rate(600.0, &US_FEDERAL_RATES), 0.37);
        assert_eq!(planner_rate(3), 0.15000000000000002);
    }

    #[test]
    fn saez_rates_fall_with_the_pareto_tail_and_stay_in_bounds() {
        let mut s = SaezState::default();
        let mut x = 0.3f64;
        for _ in 0..SAEZ_BUFFER {
            x = (x * 997.0).fract();
            let z = 5.0 + 300.0 * x * x;
            s.record([(z, marginal_rate(z, &US_FEDERAL_RATES))]);
        }
        assert!(s.ready());
        let r = s.rates(1.0);
        assert!(r.iter().all(|r| (0.0..=1.0).contains(r)), "{r:?}");
        assert!(s
            .running_avg
            .iter()
            .zip(&r)
            .all(|(a, r)| (a - 0.01 * r).abs() < 1e-15));
    }
}
