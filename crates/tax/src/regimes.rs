//! Agents aggregated by regime. For utilities c - kappa l^p with continuous labour an agent's
//! choice moves up the budget set with skill (single crossing), so under any schedule the
//! agents sorted by skill fall into contiguous runs: no work, interior to bracket b, bunched at
//! cutoff m_b. Within a run every outcome is affine in one agent constant xi (n^(p/(p-1)) in
//! an interior run, n^-p at a kink), so revenue and the SWFs that are linear in utility (and
//! the Gini of consumption, which is increasing in skill) are differences of prefix sums: a
//! pass costs O(B log M) after one O(M log M) sort, not O(M). SWFs that are nonlinear in
//! utility still visit every agent, in f64 without choosing; their first derivatives come from
//! the chain rule through the run's affine coefficients (exact for first-order dual numbers).

use rayon::prelude::*;
use walras_core::num_dual::{Derivative, DualSVec64};

use crate::agent::{Choice, PowerChoices};
use crate::schedule::taxes_at_cutoffs;
use crate::skills::Population;
use crate::swf::{Swf, SwfSum};
use walras_core::Scalar;

/// Runs at least this long are summed in parallel (nonlinear SWFs).
const PARALLEL_RUN: usize = 8_192;

/// Which weight a prefix sum carries: population weight w, planner weight w g (g the SWF's
/// exogenous weight), or Gini weight w k (k = weight below - weight above in skill order).
/// Each is kept alone, times n^(p/(p-1)) and times n^-p: columns 3 family + {0, 1, 2}.
#[derive(Clone, Copy)]
enum Family {
    Weight,
    Planner,
    Gini,
}
const N_COLS: usize = 9;

/// Which agent constant a run's outcomes are affine in.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Xi {
    /// Constant within the run (no work).
    None,
    /// n^(p/(p-1)) (interior to a bracket).
    Z,
    /// n^-p (bunched at a kink).
    N,
}

/// a + b xi.
#[derive(Clone, Copy, Debug)]
struct Affine<D> {
    a: D,
    b: D,
}

impl<D: Scalar> Affine<D> {
    fn at(&self, xi: f64) -> D {
        self.a + self.b * xi
    }
}

/// One run of agents [start, end) (in skill order) making the same choice, with its outcomes.
struct Run<D> {
    start: usize,
    end: usize,
    xi: Xi,
    income: Affine<D>,
    tax: Affine<D>,
    consumption: Affine<D>,
    utility: Affine<D>,
}

/// The agents of a power-utility economy sorted by skill, with prefix sums.
#[derive(Debug)]
pub(crate) struct SortedAgents {
    kappa: f64,
    p: f64,
    /// n^(p/(p-1)), ascending.
    z_scale: Vec<f64>,
    /// n^-p.
    inv_np: Vec<f64>,
    weight: Vec<f64>,
    /// The SWF's exogenous weight (1 without).
    planner: Vec<f64>,
    total: f64,
    /// prefix[k][col]: sum over the first k agents.
    prefix: Vec<[f64; N_COLS]>,
}

/// The order of choices along the budget set (income increases with the rank).
fn rank(choice: Choice) -> usize {
    match choice {
        Choice::Zero => 0,
        Choice::Kink(b) => 2 * b,
        Choice::Interior(b) => 2 * b + 1,
        Choice::Hours(h) => h as usize,
    }
}

impl SortedAgents {
    /// Sort the population by skill; `exogenous` are the SWF's per-agent weights, if any.
    pub(crate) fn new(
        kappa: f64,
        p: f64,
        population: &Population,
        exogenous: Option<&[f64]>,
    ) -> Self {
        let skills = population.skills();
        let w = population.weights();
        let mut order: Vec<usize> = (0..skills.len()).collect();
        order.sort_by(|&a, &b| skills[a].total_cmp(&skills[b]));
        let z_scale: Vec<f64> = order
            .iter()
            .map(|&i| skills[i].powf(p / (p - 1.0)))
            .collect();
        let inv_np: Vec<f64> = order.iter().map(|&i| skills[i].powf(-p)).collect();
        let weight: Vec<f64> = order.iter().map(|&i| w[i]).collect();
        let planner: Vec<f64> = order
            .iter()
            .map(|&i| exogenous.map_or(1.0, |g| g[i]))
            .collect();
        let total = population.total_weight();
        let mut prefix = Vec::with_capacity(skills.len() + 1);
        let mut acc = [0.0; N_COLS];
        let mut below = 0.0;
        prefix.push(acc);
        for k in 0..weight.len() {
            let (wk, gk, zk, nk) = (weight[k], planner[k], z_scale[k], inv_np[k]);
            // Gini weight of the k-th lowest consumption: (weight below) - (weight above).
            let kappa_k = 2.0 * below + wk - total;
            let terms = [
                wk,
                wk * zk,
                wk * nk,
                wk * gk,
                wk * gk * zk,
                wk * gk * nk,
                wk * kappa_k,
                wk * kappa_k * zk,
                wk * kappa_k * nk,
            ];
            for (a, t) in acc.iter_mut().zip(terms) {
                *a += t;
            }
            below += wk;
            prefix.push(acc);
        }
        Self {
            kappa,
            p,
            z_scale,
            inv_np,
            weight,
            planner,
            total,
            prefix,
        }
    }

    /// Over a run: (sum of the family's weight, sum of the weight times the run's xi).
    fn sums<D>(&self, run: &Run<D>, family: Family) -> (f64, f64) {
        let col = 3 * family as usize;
        let sum = |c: usize| self.prefix[run.end][c] - self.prefix[run.start][c];
        let with_xi = match run.xi {
            Xi::None => 0.0,
            Xi::Z => sum(col + 1),
            Xi::N => sum(col + 2),
        };
        (sum(col), with_xi)
    }

    fn xi(&self, run_xi: Xi, i: usize) -> f64 {
        match run_xi {
            Xi::None => 0.0,
            Xi::Z => self.z_scale[i],
            Xi::N => self.inv_np[i],
        }
    }

    /// The runs of equal choice under the schedule, found by bisection on the rank.
    fn runs<D: Scalar>(&self, transfer: D, cutoffs: &[D], rates: &[D]) -> Vec<Run<D>> {
        let re = |v: &[D]| v.iter().map(|d| d.re()).collect::<Vec<f64>>();
        let (m_re, t_re) = (re(cutoffs), re(rates));
        let taxes = taxes_at_cutoffs(cutoffs, rates);
        let fast = PowerChoices::new(
            self.kappa,
            self.p,
            transfer.re(),
            &m_re,
            &t_re,
            &taxes_at_cutoffs(&m_re, &t_re),
        );
        let choice_of = |i: usize| fast.choose(self.z_scale[i], self.inv_np[i]);
        let m = self.z_scale.len();
        let mut runs = Vec::new();
        let mut start = 0;
        while start < m {
            let choice = choice_of(start);
            let r = rank(choice);
            let (mut lo, mut hi) = (start + 1, m);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if rank(choice_of(mid)) <= r {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            runs.push(self.run(choice, start, lo, transfer, cutoffs, rates, &taxes));
            start = lo;
        }
        runs
    }

    /// A run's affine outcomes (as [`crate::agent::outcome`] and the power-form identities:
    /// interior z = beta_b xi with kappa l^p = (1 - tau_b) z / p; at a kink kappa l^p =
    /// kappa m_b^p xi).
    #[allow(clippy::too_many_arguments)]
    fn run<D: Scalar>(
        &self,
        choice: Choice,
        start: usize,
        end: usize,
        transfer: D,
        cutoffs: &[D],
        rates: &[D],
        taxes: &[D],
    ) -> Run<D> {
        let (zero, one) = (D::zero(), D::one());
        let constant = |a: D| Affine { a, b: zero };
        match choice {
            Choice::Interior(b) => {
                let keep = one - rates[b];
                let beta = if rates[b].re() < 1.0 {
                    (keep / (self.kappa * self.p)).powf(1.0 / (self.p - 1.0))
                } else {
                    zero
                };
                let base = transfer - taxes[b] + rates[b] * cutoffs[b];
                Run {
                    start,
                    end,
                    xi: Xi::Z,
                    income: Affine { a: zero, b: beta },
                    tax: Affine {
                        a: taxes[b] - rates[b] * cutoffs[b],
                        b: rates[b] * beta,
                    },
                    consumption: Affine {
                        a: base,
                        b: keep * beta,
                    },
                    utility: Affine {
                        a: base,
                        b: keep * beta * (1.0 - 1.0 / self.p),
                    },
                }
            }
            Choice::Kink(b) => {
                let c = cutoffs[b] - taxes[b] + transfer;
                Run {
                    start,
                    end,
                    xi: Xi::N,
                    income: constant(cutoffs[b]),
                    tax: constant(taxes[b]),
                    consumption: constant(c),
                    utility: Affine {
                        a: c,
                        b: -cutoffs[b].powf(self.p) * self.kappa,
                    },
                }
            }
            Choice::Zero | Choice::Hours(_) => Run {
                start,
                end,
                xi: Xi::None,
                income: constant(zero),
                tax: constant(zero),
                consumption: constant(transfer),
                utility: constant(transfer),
            },
        }
    }

    /// Revenue per agent and (if `swf` is given) the SWF's value, or None where aggregation
    /// does not apply (the Gini with a rate >= 1, or a nonlinear SWF with second-order duals).
    pub(crate) fn revenue_and_swf<D: Scalar>(
        &self,
        swf: Option<&Swf>,
        transfer: D,
        cutoffs: &[D],
        rates: &[D],
    ) -> Option<(D, D)> {
        let runs = self.runs(transfer, cutoffs, rates);
        let mut revenue = D::zero();
        for r in &runs {
            let (w, wxi) = self.sums(r, Family::Weight);
            revenue += r.tax.a * w + r.tax.b * wxi;
        }
        let revenue = revenue / self.total;
        let Some(swf) = swf else {
            return Some((revenue, D::zero()));
        };
        let value = match *swf {
            Swf::Utilitarian | Swf::PowerWeights { .. } => {
                let mut num = D::zero();
                for r in &runs {
                    let (g, gxi) = self.sums(r, Family::Planner);
                    num += r.utility.a * g + r.utility.b * gxi;
                }
                num / self.total
            }
            Swf::Rawls => {
                // Utility rises with skill within a run: each run's worst-off is its first agent.
                runs.iter()
                    .map(|r| r.utility.at(self.xi(r.xi, r.start)))
                    .min_by(|a, b| a.re().total_cmp(&b.re()))
                    .unwrap_or(D::zero())
            }
            Swf::EqualityTimesProductivity { aie_correction } => {
                // c = z - T(z) + G rises with z when every rate is below one, so skill order is
                // consumption order and each agent's Gini weight is fixed.
                if rates.iter().any(|t| t.re() >= 1.0) {
                    return None;
                }
                let (mut sum_c, mut gini_acc) = (D::zero(), D::zero());
                for r in &runs {
                    let c = &r.consumption;
                    let (w, wxi) = self.sums(r, Family::Weight);
                    let (k, kxi) = self.sums(r, Family::Gini);
                    sum_c += c.a * w + c.b * wxi;
                    gini_acc += c.a * k + c.b * kxi;
                }
                let mean = sum_c / self.total;
                let gini = gini_acc / (mean * self.total * self.total);
                let factor = crate::swf::gini_factor(self.weight.len(), aie_correction);
                (-gini * factor + 1.0) * mean
            }
            Swf::Atkinson { .. } | Swf::InverseIncome => {
                if D::NDERIV > 1 {
                    return None;
                }
                let mut acc = SwfSum::new();
                for r in &runs {
                    acc = acc.merge(self.nonlinear_run(swf, r));
                }
                swf.finish(acc)
            }
        };
        Some((revenue, value))
    }

    /// A nonlinear SWF's sums over one run: f64 per agent; for first-order duals the
    /// derivatives with respect to the run's four coefficients (income a, b; utility a, b) ride
    /// in a width-4 dual and map to D by the chain rule.
    fn nonlinear_run<D: Scalar>(&self, swf: &Swf, r: &Run<D>) -> SwfSum<D> {
        let coefs = [r.income.a, r.income.b, r.utility.a, r.utility.b];
        if D::NDERIV == 0 {
            let [za, zb, ua, ub] = coefs.map(|c| c.re());
            return self.run_sums(swf, r, [za, zb, ua, ub]).map(D::from);
        }
        type E = DualSVec64<4>;
        let mut k = 0;
        let seeded = coefs.map(|c| {
            let mut unit = nalgebra::SVector::<f64, 4>::zeros();
            unit[k] = 1.0;
            k += 1;
            E::new(c.re(), Derivative::some(unit))
        });
        let lift = |e: E| {
            let d = e.eps.unwrap_generic(nalgebra::Const::<4>, nalgebra::U1);
            coefs
                .iter()
                .zip(d.iter())
                .fold(D::from(e.re), |acc, (c, dk)| acc + (*c - c.re()) * *dk)
        };
        self.run_sums(swf, r, seeded).map(lift)
    }

    /// The SWF's sums over a run with income za + zb xi and utility ua + ub xi.
    fn run_sums<D: Scalar, E: Scalar>(
        &self,
        swf: &Swf,
        r: &Run<D>,
        [za, zb, ua, ub]: [E; 4],
    ) -> SwfSum<E> {
        let add = |mut acc: SwfSum<E>, i: usize| {
            let xi = self.xi(r.xi, i);
            swf.add(
                &mut acc,
                za + zb * xi,
                ua + ub * xi,
                self.weight[i],
                self.planner[i],
            );
            acc
        };
        if r.end - r.start >= PARALLEL_RUN {
            (r.start..r.end)
                .into_par_iter()
                .fold(SwfSum::new, add)
                .reduce(SwfSum::new, SwfSum::merge)
        } else {
            (r.start..r.end).fold(SwfSum::new(), add)
        }
    }
}
