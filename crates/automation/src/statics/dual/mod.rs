//! The augmented problem with costates, solved through its dual (method in the [`super`] docs).
//!
//! Here: the dual's evaluation, the dispatch between the two searches ([`fast_path`],
//! [`nested_search`]) and the assembly of the solution.

use super::allocation::{
    clearing_residual, factor_use, ln_price_index, verify_clearing, CLEARING_TOL,
};
use super::StaticSolver;
use crate::economy::ModelError;

mod fast_path;
mod nested_search;

/// Clearing tolerance of the root searches (relative to the endowment).
const ROOT_TOL: f64 = 1e-13;
/// Clearing accuracy a precision-limited solution must reach (relative): the tolerance every
/// reported allocation is verified to ([`CLEARING_TOL`]). The dual can be ill-conditioned: when
/// the subsidy nearly covers the cost of capital in some task (its data is worth almost as much
/// as the capital), the clearing conditions move by ~1e-9 per ulp of the factor prices. Split
/// tasks absorb the residual exactly (see `assemble`).
const ACCEPT_TOL: f64 = CLEARING_TOL;
/// Fast-path clearing tolerance (relative).
const FAST_TOL: f64 = 1e-12;
/// Relative slack on the technique choice when certifying a fast-path solution.
const VERIFY_TOL: f64 = 1e-12;
const FAST_ITERATIONS: usize = 12;
/// Technique corrections the fast path tries before the nested search.
const ACTIVE_SET_ROUNDS: usize = 4;
/// Slack (relative to the endowments) on the split bounds when certifying.
const SPLIT_SLACK: f64 = 1e-10;
const MAX_ROOT_ITERATIONS: usize = 300;

/// Which tasks use AI in an evaluation.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// Tasks of rank below j in the threshold order.
    Ranked(usize),
    /// The stored assignment.
    Stored,
    /// Every task (no labour).
    AllAi,
    /// No task (no capital).
    AllLabor,
}

/// The dual at one point with a given technique assignment.
#[derive(Debug, Clone, Copy)]
struct Eval {
    /// ln Q = ln u'(Y).
    ln_q: f64,
    /// Y.
    output: f64,
    /// dQ/dm_L and dQ/dm_K.
    ql: f64,
    qk: f64,
    /// sum over labour (AI) tasks of Q_i / (q_i gamma_i^2) (Q_i / (q_i A_i^2)).
    sl2: f64,
    sk2: f64,
    /// Excess supplies of labour and capital.
    el: f64,
    ek: f64,
}

impl Eval {
    /// `Y / Q (1/eta - sigma)`: the weight of the rank-one part of the Hessian.
    fn kappa(&self, sigma: f64, eta: f64) -> f64 {
        (self.output.ln() - self.ln_q).exp() * (1.0 / eta - sigma)
    }

    /// The Hessian of the dual `(H_LL, H_LK, H_KK)`.
    fn hessian(&self, sigma: f64, eta: f64) -> (f64, f64, f64) {
        let kappa = self.kappa(sigma, eta);
        let y = self.output;
        (
            kappa * self.ql * self.ql + sigma * y * self.sl2,
            kappa * self.ql * self.qk,
            kappa * self.qk * self.qk + sigma * y * self.sk2,
        )
    }

    /// Second derivative of the dual along `(1, r)`.
    fn along(&self, r: f64, sigma: f64, eta: f64) -> f64 {
        let g = self.ql + r * self.qk;
        self.kappa(sigma, eta) * g * g + sigma * self.output * (self.sl2 + r * r * self.sk2)
    }
}

/// A warm start: the previous solution.
#[derive(Debug, Clone)]
pub(crate) struct Warm {
    m_l: f64,
    m_k: f64,
    /// Technique per task (true = AI; split tasks are stored as labour).
    assign: Vec<bool>,
    splits: Vec<usize>,
    j: usize,
}

/// The solution of the static sub-problem (utility-valued duals, per-unit-mass allocation).
#[derive(Debug, Clone)]
pub(crate) struct StaticSolution {
    pub(crate) m_l: f64,
    pub(crate) m_k: f64,
    pub(crate) ln_q: f64,
    pub(crate) output: f64,
    pub(crate) q: Vec<f64>,
    pub(crate) y: Vec<f64>,
    pub(crate) l: Vec<f64>,
    pub(crate) k: Vec<f64>,
    pub(crate) splits: Vec<usize>,
}

/// The inner solution for fixed `m_L`.
#[derive(Debug, Clone, Copy)]
struct Inner {
    m_k: f64,
    j: usize,
    split: Option<usize>,
    el: f64,
    slope: f64,
}

/// A market-clearing root is accepted when its residual `v` is within `ACCEPT_TOL` of the
/// endowment `scale`.
fn accept_root(v: f64, scale: f64, what: &str) -> Result<(), ModelError> {
    if v.is_nan() || v.abs() > ACCEPT_TOL * scale {
        return Err(ModelError::NoConvergence {
            what: what.into(),
            iterations: MAX_ROOT_ITERATIONS,
            residual: v,
        });
    }
    Ok(())
}

/// Finds a zero of an increasing function by safeguarded Newton (bisection when Newton leaves
/// the bracket or stalls). `f` returns the value and slope, or `None` below its domain (taken
/// as minus infinity). Returns the last point evaluated and its value.
fn increasing_root(
    f: &mut dyn FnMut(f64) -> Result<Option<(f64, f64)>, ModelError>,
    x0: f64,
    mut lo: Option<f64>,
    mut hi: Option<f64>,
    tol: f64,
    what: &str,
) -> Result<(f64, f64), ModelError> {
    let mut x = x0;
    match (lo, hi) {
        (Some(a), Some(b)) if !(x > a && x < b) => x = 0.5 * (a + b),
        (Some(a), None) if x.is_nan() || x <= a => x = a + 1.0,
        (None, Some(b)) if x.is_nan() || x >= b => x = b - 1.0,
        _ => {}
    }
    let mut step = 1.0f64;
    let mut width_mark = f64::INFINITY;
    let mut since_mark = 0usize;
    let mut finish = false;
    let mut last = (x, f64::NAN);
    for _ in 0..MAX_ROOT_ITERATIONS {
        let (v, d) = f(x)?.unwrap_or((f64::NEG_INFINITY, f64::NAN));
        if v.is_nan() {
            return Err(ModelError::NoConvergence {
                what: format!("{what} (NaN at {x})"),
                iterations: 0,
                residual: f64::NAN,
            });
        }
        last = (x, v);
        if finish || v.abs() <= tol {
            return Ok(last);
        }
        if v < 0.0 {
            lo = Some(x);
        } else {
            hi = Some(x);
        }
        let newton = (v.is_finite() && d.is_finite() && d > 0.0).then(|| x - v / d);
        let next = match (lo, hi) {
            (Some(a), Some(b)) => {
                let width = b - a;
                if width <= 4.0 * f64::EPSILON * a.abs().max(b.abs()).max(1.0) {
                    return Ok(last);
                }
                since_mark += 1;
                let stalled = since_mark >= 3 && width > 0.5 * width_mark;
                if since_mark >= 3 {
                    width_mark = width;
                    since_mark = 0;
                }
                match newton {
                    Some(xn) if xn > a && xn < b && !stalled => xn,
                    _ => 0.5 * (a + b),
                }
            }
            (Some(a), None) => {
                let xn = newton
                    .filter(|xn| *xn > a)
                    .map_or(a + step, |xn| xn.min(a + step));
                step *= 2.0;
                xn
            }
            (None, Some(b)) => {
                let xn = newton
                    .filter(|xn| *xn < b)
                    .map_or(b - step, |xn| xn.max(b - step));
                step *= 2.0;
                xn
            }
            (None, None) => unreachable!(),
        };
        if (next - x).abs() <= 2.0 * f64::EPSILON * x.abs().max(1.0) {
            finish = true;
        }
        x = next;
    }
    Err(ModelError::NoConvergence {
        what: what.to_string(),
        iterations: MAX_ROOT_ITERATIONS,
        residual: last.1,
    })
}

impl StaticSolver {
    fn is_ai(&self, i: usize, mode: Mode) -> bool {
        match mode {
            Mode::Ranked(j) => self.rank[i] < j,
            Mode::Stored => self.assign[i],
            Mode::AllAi => true,
            Mode::AllLabor => false,
        }
    }

    /// The dual's value pieces at `(m_l, m_k)`; `None` outside its domain (some `q_i <= 0`).
    /// Leaves `q`, `share` (cost shares) and `tech` in the scratch buffers.
    fn evaluate(&mut self, m_l: f64, m_k: f64, mode: Mode) -> Option<Eval> {
        self.evaluations += 1;
        let n = self.n;
        let sigma = self.sigma;
        let mut ln_q_cd = 0.0;
        let mut reference = f64::NEG_INFINITY;
        for i in 0..n {
            let ai = self.is_ai(i, mode);
            let q = if ai {
                m_k / self.ai[i] - self.sk[i]
            } else {
                m_l / self.gamma[i] - self.sl[i]
            };
            if !(q > 0.0 && q.is_finite()) {
                return None;
            }
            self.q[i] = q;
            self.tech[i] = ai;
            let lq = q.ln();
            if self.cd {
                ln_q_cd += self.a[i] * lq;
            } else {
                let t = self.ln_a[i] + (1.0 - sigma) * lq;
                self.share[i] = t;
                reference = reference.max(t);
            }
        }
        let ln_q = if self.cd {
            self.share.copy_from_slice(&self.a);
            ln_q_cd
        } else {
            let mut s = 0.0;
            for v in self.share.iter_mut() {
                *v = (*v - reference).exp();
                s += *v;
            }
            for v in self.share.iter_mut() {
                *v /= s;
            }
            (reference + s.ln()) / (1.0 - sigma)
        };
        let ln_y = -ln_q / self.eta;
        let output = ln_y.exp();
        // a_i y_i = Y Q_i with Q_i = dQ/dq_i = share_i Q / q_i.
        let yq = (ln_y + ln_q).exp();
        let big_q = ln_q.exp();
        let (mut ql, mut qk, mut sl2, mut sk2) = (0.0, 0.0, 0.0, 0.0);
        for i in 0..n {
            let qi = self.share[i] * big_q / self.q[i];
            if self.tech[i] {
                let x = qi / self.ai[i];
                qk += x;
                sk2 += x / (self.q[i] * self.ai[i]);
            } else {
                let x = qi / self.gamma[i];
                ql += x;
                sl2 += x / (self.q[i] * self.gamma[i]);
            }
        }
        let el = self.labor - yq * ql / big_q;
        let ek = self.capital - yq * qk / big_q;
        let e = Eval {
            ln_q,
            output,
            ql,
            qk,
            sl2,
            sk2,
            el,
            ek,
        };
        (output.is_finite() && output > 0.0 && el.is_finite() && ek.is_finite()).then_some(e)
    }

    /// Sorts tasks by falling threshold (ties by index) and fills the ranks.
    fn sort_thresholds(&mut self) {
        let thr = &self.thr;
        let before = |i: usize, j: usize| thr[i] > thr[j] || (thr[i] == thr[j] && i < j);
        let order = &mut self.order;
        let mut done = false;
        if self.sorted_once {
            let budget = 4 * order.len() + 32;
            let mut moves = 0usize;
            done = true;
            'outer: for k in 1..order.len() {
                let mut j = k;
                while j > 0 && before(order[j], order[j - 1]) {
                    order.swap(j, j - 1);
                    j -= 1;
                    moves += 1;
                    if moves > budget {
                        done = false;
                        break 'outer;
                    }
                }
            }
        }
        if !done {
            order.sort_by(|&i, &j| thr[j].total_cmp(&thr[i]).then(i.cmp(&j)));
            self.sorted_once = true;
        }
        for (r, &i) in self.order.iter().enumerate() {
            self.rank[i] = r;
        }
    }

    /// Task i's threshold: it uses AI iff `m_K <= t_i`.
    fn threshold(&self, i: usize, m_l: f64) -> f64 {
        self.ai[i] * (m_l / self.gamma[i] - self.sl[i] + self.sk[i])
    }

    /// Solves the sub-problem for the inputs in `ai`, `sk`, `sl`.
    pub(crate) fn solve(&mut self) -> Result<StaticSolution, ModelError> {
        let n = self.n;
        for i in 0..n {
            let (a, s, l) = (self.ai[i], self.sk[i], self.sl[i]);
            if !(a.is_finite() && a > 0.0) {
                return Err(ModelError::invalid(
                    format!("A[{i}]"),
                    a,
                    "AI productivity must be finite and > 0",
                ));
            }
            if !(s.is_finite() && s >= 0.0 && l.is_finite() && l >= 0.0) {
                return Err(ModelError::invalid(
                    format!("costate[{i}]"),
                    s,
                    "data values must be finite and >= 0",
                ));
            }
        }
        self.pole = (0..n).map(|i| self.ai[i] * self.sk[i]).fold(0.0, f64::max);
        self.ml_min = (0..n)
            .map(|i| self.gamma[i] * self.sl[i])
            .fold(0.0, f64::max);
        let warm = self.warm.take();
        let (e, m_l, m_k, splits, j) = if self.labor > 0.0 && self.capital > 0.0 {
            match warm.as_ref().and_then(|w| self.fast(w)) {
                Some((e, m_l, m_k, splits)) => {
                    self.fast_solves += 1;
                    (e, m_l, m_k, splits, warm.as_ref().map_or(1, |w| w.j))
                }
                None => {
                    self.robust_solves += 1;
                    self.robust(warm.as_ref())?
                }
            }
        } else if self.labor > 0.0 || self.capital > 0.0 {
            self.robust_solves += 1;
            self.one_factor(warm.as_ref())?
        } else {
            return Err(ModelError::invalid(
                "labor",
                0,
                "an economy with neither labour nor capital produces nothing",
            ));
        };
        let solution = self.assemble(&e, m_l, m_k, &splits)?;
        self.warm = Some(Warm {
            m_l,
            m_k,
            assign: self.tech.clone(),
            splits,
            j,
        });
        Ok(solution)
    }

    /// y_i of the last evaluation.
    fn task_output(&self, e: &Eval, i: usize) -> f64 {
        let yq = (e.output.ln() + e.ln_q).exp();
        yq * self.share[i] / (self.a[i] * self.q[i])
    }

    /// Capital `X_i = a_i k_i` of each split task (the last evaluation has them on labour)
    /// such that both markets clear: `sum X_i = E_K`, `sum (A_i / gamma_i) X_i = -E_L`,
    /// `0 <= X_i <= a_i y_i / A_i`. One split task takes `E_K` (its line already clears
    /// labour); with more, the convex combination of the two greedy extremes (filling by
    /// falling or rising `A_i / gamma_i`, ties by index) that clears labour. `None` if
    /// infeasible by more than `slack` (relative to the endowments).
    fn split_capital(&self, e: &Eval, splits: &[usize], slack: f64) -> Option<Vec<f64>> {
        let caps: Vec<f64> = splits
            .iter()
            .map(|&i| self.a[i] * self.task_output(e, i) / self.ai[i])
            .collect();
        let total: f64 = caps.iter().sum();
        let (tk, tl) = (slack * self.capital, slack * self.labor);
        if e.ek < -tk || e.ek > total + tk {
            return None;
        }
        let need = e.ek.clamp(0.0, total);
        if splits.len() == 1 {
            return Some(vec![need]);
        }
        let ratio: Vec<f64> = splits.iter().map(|&i| self.ai[i] / self.gamma[i]).collect();
        let greedy = |descending: bool| -> Vec<f64> {
            let mut idx: Vec<usize> = (0..splits.len()).collect();
            idx.sort_by(|&p, &q| {
                let c = ratio[p].total_cmp(&ratio[q]);
                (if descending { c.reverse() } else { c }).then(splits[p].cmp(&splits[q]))
            });
            let mut x = vec![0.0; splits.len()];
            let mut left = need;
            for &p in &idx {
                let take = left.min(caps[p]);
                x[p] = take;
                left -= take;
            }
            x
        };
        let (hi, lo) = (greedy(true), greedy(false));
        let freed = |x: &[f64]| x.iter().zip(&ratio).map(|(x, r)| x * r).sum::<f64>();
        let (b_hi, b_lo) = (freed(&hi), freed(&lo));
        let target = -e.el;
        if target < b_lo - tl || target > b_hi + tl {
            return None;
        }
        let w = if b_hi > b_lo {
            ((target - b_lo) / (b_hi - b_lo)).clamp(0.0, 1.0)
        } else {
            1.0
        };
        Some(
            hi.iter()
                .zip(&lo)
                .map(|(h, l)| w * h + (1.0 - w) * l)
                .collect(),
        )
    }

    /// The allocation from the final evaluation (scratch buffers hold it; split tasks are on
    /// labour there and take the capital that clears both markets).
    fn assemble(
        &self,
        e: &Eval,
        m_l: f64,
        m_k: f64,
        splits: &[usize],
    ) -> Result<StaticSolution, ModelError> {
        let n = self.n;
        let mut y = vec![0.0; n];
        let mut l = vec![0.0; n];
        let mut k = vec![0.0; n];
        for i in 0..n {
            y[i] = self.task_output(e, i);
            if self.tech[i] {
                k[i] = y[i] / self.ai[i];
            } else {
                l[i] = y[i] / self.gamma[i];
            }
        }
        if let [s] = *splits {
            // The split task takes exactly what the other tasks leave of both factors.
            k[s] = (e.ek / self.a[s]).max(0.0);
            l[s] = ((e.el + self.a[s] * y[s] / self.gamma[s]) / self.a[s]).max(0.0);
            y[s] = self.gamma[s] * l[s] + self.ai[s] * k[s];
        } else if !splits.is_empty() {
            let x = self
                .split_capital(e, splits, f64::INFINITY)
                .unwrap_or_default();
            for (&s, x) in splits.iter().zip(x) {
                k[s] = x / self.a[s];
                l[s] = ((y[s] - self.ai[s] * k[s]) / self.gamma[s]).max(0.0);
            }
        }
        // Prices in output units are q_i / Q: their index must be 1.
        let ln_p = ln_price_index(&self.a, |i| self.q[i].ln(), self.sigma) - e.ln_q;
        let used = factor_use(&self.a, &l, &k);
        let residual = clearing_residual(used, (self.labor, self.capital), ln_p);
        verify_clearing("planner static problem", residual)?;
        let splits = splits
            .iter()
            .copied()
            .filter(|&s| k[s] > 0.0 && l[s] > 0.0)
            .collect();
        Ok(StaticSolution {
            m_l,
            m_k,
            ln_q: e.ln_q,
            output: e.output,
            q: self.q.clone(),
            y,
            l,
            k,
            splits,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The augmented objective `u(Y) + sum_i a_i (sk_i A_i k_i + sl_i gamma_i l_i)` of the
    /// solver's inputs at an allocation.
    fn augmented(s: &StaticSolver, l: &[f64], k: &[f64]) -> f64 {
        let n = s.n;
        let y: Vec<f64> = (0..n).map(|i| s.gamma[i] * l[i] + s.ai[i] * k[i]).collect();
        let big_y = if s.cd {
            (0..n).map(|i| s.a[i] * y[i].ln()).sum::<f64>().exp()
        } else {
            let r = (s.sigma - 1.0) / s.sigma;
            (0..n)
                .map(|i| s.a[i] * y[i].powf(r))
                .sum::<f64>()
                .powf(1.0 / r)
        };
        let u = if (s.eta - 1.0).abs() < 1e-12 {
            big_y.ln()
        } else {
            big_y.powf(1.0 - s.eta) / (1.0 - s.eta)
        };
        u + (0..n)
            .map(|i| s.a[i] * (s.sk[i] * s.ai[i] * k[i] + s.sl[i] * s.gamma[i] * l[i]))
            .sum::<f64>()
    }

    fn assert_static_optimum(s: &StaticSolver, sol: &StaticSolution) {
        let n = s.n;
        let used_l: f64 = (0..n).map(|i| s.a[i] * sol.l[i]).sum();
        let used_k: f64 = (0..n).map(|i| s.a[i] * sol.k[i]).sum();
        assert!(
            (used_l - s.labor).abs() < 1e-9 && (used_k - s.capital).abs() < 1e-9,
            "clearing {used_l} {used_k}"
        );
        let j0 = augmented(s, &sol.l, &sol.k);
        let h = 1e-6;
        for i in 0..n {
            for j in 0..n {
                if i == j {
                    continue;
                }
                for factor in 0..2 {
                    let (mut l, mut k) = (sol.l.clone(), sol.k.clone());
                    let v = if factor == 0 { &mut l } else { &mut k };
                    if v[i] < h / s.a[i] {
                        continue;
                    }
                    v[i] -= h / s.a[i];
                    v[j] += h / s.a[j];
                    let j1 = augmented(s, &l, &k);
                    assert!(
                        j1 <= j0 + 1e-13 * j0.abs().max(1.0),
                        "moving factor {factor} from {i} to {j}: {j1} > {j0}"
                    );
                }
            }
        }
    }

    /// With chi < 1 the subsidised indifference lines cross: a robust case where two tasks
    /// are split (found on a planner path; the nested search's labour excess supply jumps
    /// across zero here).
    #[test]
    fn two_split_tasks_at_a_vertex() {
        let mut s = StaticSolver::new(&[0.5, 0.3, 0.2], &[1.0, 1.2, 0.8], 0.8, 2.0, 1.0, 1.0);
        s.ai = vec![1.0816653826391966, 0.6182232606429492, 1.1258330249197703];
        s.sk = vec![0.2584836235301446, 0.06892535122954423, 0.06343782738351895];
        s.sl = s.sk.iter().map(|v| 0.5 * v).collect();
        let cold = s.solve().unwrap();
        assert_eq!(cold.splits, vec![0, 2]);
        assert_static_optimum(&s, &cold);
        // the fast path from this solution lands on the same vertex
        let warm = s.solve().unwrap();
        assert_eq!(warm.splits, vec![0, 2]);
        for i in 0..3 {
            assert!((warm.k[i] - cold.k[i]).abs() < 1e-12 && (warm.l[i] - cold.l[i]).abs() < 1e-12);
        }
    }

    /// Along a path of inputs, warm-started solves (fast path with active-set corrections)
    /// agree with cold nested searches, and most are fast.
    #[test]
    fn fast_path_agrees_with_the_nested_search() {
        for &(sigma, chi, eta) in &[
            (0.5, 0.0, 1.0),
            (0.8, 0.5, 2.0),
            (1.0, 1.0, 1.0),
            (2.0, 0.3, 0.5),
        ] {
            let n = 12;
            let a: Vec<f64> = (0..n)
                .map(|i| (1.0 + i as f64) / (n * (n + 1) / 2) as f64)
                .collect();
            let gamma: Vec<f64> = (0..n).map(|i| 0.7 + 0.05 * i as f64).collect();
            let mut warm = StaticSolver::new(&a, &gamma, sigma, eta, 1.0, 1.5);
            let mut cold = StaticSolver::new(&a, &gamma, sigma, eta, 1.0, 1.5);
            for step in 0..200 {
                let t = step as f64 / 20.0;
                let ai: Vec<f64> = (0..n)
                    .map(|i| (0.3 * t * (1.0 + 0.1 * i as f64)).exp() * (0.5 + 0.07 * i as f64))
                    .collect();
                let sk: Vec<f64> = (0..n)
                    .map(|i| 0.2 * (0.5 + 0.5 * ((i as f64) + t).sin()) / (1.0 + t))
                    .collect();
                let sl: Vec<f64> = sk.iter().map(|v| chi * v).collect();
                for solver in [&mut warm, &mut cold] {
                    solver.ai.clone_from(&ai);
                    solver.sk.clone_from(&sk);
                    solver.sl.clone_from(&sl);
                }
                cold.warm = None;
                let (x, y) = (warm.solve().unwrap(), cold.solve().unwrap());
                assert!(
                    (x.output / y.output - 1.0).abs() < 1e-10,
                    "sigma {sigma} step {step}: Y {} vs {}",
                    x.output,
                    y.output
                );
                for i in 0..n {
                    assert!(
                        (x.k[i] - y.k[i]).abs() < 1e-7 * (1.0 + y.k[i]),
                        "sigma {sigma} step {step}: k[{i}] {} vs {}",
                        x.k[i],
                        y.k[i]
                    );
                    assert!(
                        (x.l[i] - y.l[i]).abs() < 1e-7 * (1.0 + y.l[i]),
                        "sigma {sigma} step {step}: l[{i}] {} vs {}",
                        x.l[i],
                        y.l[i]
                    );
                }
                assert_static_optimum(&warm, &x);
            }
            assert!(
                warm.fast_solves > 150,
                "sigma {sigma}: only {} of 200 solves on the fast path",
                warm.fast_solves
            );
        }
    }
}
