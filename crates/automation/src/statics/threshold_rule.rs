//! The costate-free case: the market equilibrium by the threshold rule, in closed form.
//!
//! Task prices are `p_i = min(w / gamma_i, R / A_i)`: a task is automated iff
//! `A_i / gamma_i > R / w`. Sorting tasks by that ratio, the automated set is a top segment;
//! the threshold `R / w = (Gamma_K L / (Gamma_L K))^{1/sigma}` rises with the segment while the
//! ratios fall, so exactly one segment is consistent, or else exactly one task is split between
//! labour and AI. Everything is computed in logs, so data and output may span hundreds of
//! orders of magnitude; the last task order is kept, so along a path each solve is O(N).

use super::allocation::{
    clearing_residual, is_cobb_douglas, ln_add, ln_price_index, verify_clearing, Allocation,
    TaskStatus,
};
use super::StaticSolver;
use crate::economy::ModelError;
use walras_core::check;

/// The threshold rule's constants (logs of the primitives) and its last task order.
#[derive(Debug, Clone)]
pub(super) struct ThresholdRule {
    ln_gamma: Vec<f64>,
    /// `ln(a_i gamma_i^(sigma - 1))`, its maximum, and `exp` of the difference (constants).
    ln_l_term: Vec<f64>,
    l_ref: f64,
    l_lin: Vec<f64>,
    /// `gamma_i^sigma`.
    gamma_pow_sigma: Vec<f64>,
    order: Vec<usize>,
    sorted_once: bool,
}

impl ThresholdRule {
    pub(super) fn new(mass: &[f64], gamma: &[f64], sigma: f64) -> Self {
        let ln_gamma: Vec<f64> = gamma.iter().map(|g| g.ln()).collect();
        let ln_l_term: Vec<f64> = mass
            .iter()
            .zip(&ln_gamma)
            .map(|(a, g)| a.ln() + (sigma - 1.0) * g)
            .collect();
        let l_ref = ln_l_term.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        ThresholdRule {
            l_lin: ln_l_term.iter().map(|v| (v - l_ref).exp()).collect(),
            gamma_pow_sigma: ln_gamma.iter().map(|g| (sigma * g).exp()).collect(),
            ln_l_term,
            l_ref,
            ln_gamma,
            order: (0..mass.len()).collect(),
            sorted_once: false,
        }
    }

    /// Sorts tasks by falling ratio (ties by index); insertion sort from the last order when
    /// it is nearly right, a full sort otherwise.
    fn sort(&mut self, ln_ratio: &[f64]) {
        let before =
            |i: usize, j: usize| ln_ratio[i] > ln_ratio[j] || (ln_ratio[i] == ln_ratio[j] && i < j);
        let order = &mut self.order;
        if self.sorted_once {
            let budget = 8 * order.len() + 64;
            let mut moves = 0usize;
            for k in 1..order.len() {
                let mut j = k;
                while j > 0 && before(order[j], order[j - 1]) {
                    order.swap(j, j - 1);
                    j -= 1;
                    moves += 1;
                }
                if moves > budget {
                    break;
                }
            }
            if moves <= budget {
                return;
            }
        }
        order.sort_by(|&i, &j| ln_ratio[j].total_cmp(&ln_ratio[i]).then(i.cmp(&j)));
        self.sorted_once = true;
    }
}

impl StaticSolver {
    /// The market equilibrium (zero costates) at log AI productivities `ln_ai` and AI capital
    /// `capital >= 0`, by the threshold rule.
    pub fn equilibrium(&mut self, ln_ai: &[f64], capital: f64) -> Result<Allocation, ModelError> {
        let n = self.n;
        if ln_ai.len() != n {
            return Err(ModelError::Shape {
                key: "ai productivity".into(),
                expected: format!("{n} tasks"),
                found: ln_ai.len().to_string(),
            });
        }
        if let Some((i, v)) = ln_ai
            .iter()
            .enumerate()
            .find(|(_, v)| v.is_nan() || **v == f64::INFINITY)
        {
            return Err(ModelError::invalid(
                format!("ln A[{i}]"),
                v,
                "AI productivity must be finite",
            ));
        }
        check::non_negative("capital", capital)?;
        self.capital = capital;
        let labor = self.labor;
        if labor == 0.0 && capital == 0.0 {
            return Err(ModelError::invalid(
                "labor",
                0,
                "an economy with neither labour nor capital produces nothing",
            ));
        }
        let sigma = self.sigma;
        let cd = is_cobb_douglas(sigma);
        let ln_ratio: Vec<f64> = ln_ai
            .iter()
            .zip(&self.rule.ln_gamma)
            .map(|(a, g)| a - g)
            .collect();
        self.rule.sort(&ln_ratio);
        let (ln_mass, ln_gamma, order) = (&self.ln_a, &self.rule.ln_gamma, &self.rule.order);
        let ln_k_term = |i: usize| ln_mass[i] + (sigma - 1.0) * ln_ai[i];
        // ln Gamma_K of the first k tasks in order, ln Gamma_L of the rest.
        let sums = GammaSums::new(
            order,
            ln_k_term,
            (&self.rule.ln_l_term, self.rule.l_ref, &self.rule.l_lin),
        );

        // The regime: `automated` top tasks plus possibly one split task.
        let (automated, split) = if labor == 0.0 {
            (n, None)
        } else if capital == 0.0 {
            (0, None)
        } else {
            let ln_f =
                |k: usize| (sums.ln_gk(k) + labor.ln() - sums.ln_gl(k) - capital.ln()) / sigma;
            // ln f(k) rises with k and the ratios fall: the first k with f(k) >= r_(k+1).
            let (mut lo, mut hi) = (1usize, n);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if ln_f(mid) >= ln_ratio[order[mid]] {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            match lo {
                k if k < n && ln_f(k) <= ln_ratio[order[k - 1]] => (k, None),
                k if k < n => (k - 1, Some(order[k - 1])),
                _ => (n - 1, Some(order[n - 1])),
            }
        };
        let is_automated = {
            let mut v = vec![false; n];
            for &i in &order[..automated] {
                v[i] = true;
            }
            v
        };
        let labor_set = |i: usize| !is_automated[i] && Some(i) != split;
        let ln_gk_a = sums.ln_gk(automated);
        let first_labor = automated + usize::from(split.is_some());
        let ln_gl_l = sums.ln_gl(first_labor);

        let (ln_y, ln_w, ln_r);
        if let Some(s) = split {
            let ln_rho = ln_ratio[s];
            ln_w = if cd {
                let mut v = -ln_rho * order[..automated].iter().map(|&i| self.a[i]).sum::<f64>();
                for i in 0..n {
                    v += self.a[i]
                        * if is_automated[i] {
                            ln_ai[i]
                        } else {
                            ln_gamma[i]
                        };
                }
                v
            } else {
                let x = ln_add(
                    ln_add(ln_gl_l, self.rule.ln_l_term[s]),
                    (1.0 - sigma) * ln_rho + ln_gk_a,
                );
                x / (sigma - 1.0)
            };
            ln_r = ln_rho + ln_w;
            let ln_p_s = ln_w - ln_gamma[s];
            let numerator = ln_add(ln_gamma[s] + labor.ln(), ln_ai[s] + capital.ln());
            let denominator = ln_add(
                ln_add(
                    ln_mass[s] - sigma * ln_p_s,
                    ln_gamma[s] - sigma * ln_w + ln_gl_l,
                ),
                ln_ai[s] - sigma * ln_r + ln_gk_a,
            );
            ln_y = numerator - denominator;
        } else {
            let (ln_l, ln_k) = (labor.ln(), capital.ln());
            ln_y = if cd {
                let (mut v, mut s_l, mut s_a) = (0.0, 0.0, 0.0);
                for i in 0..n {
                    if is_automated[i] {
                        v += self.a[i] * ln_ai[i];
                        s_a += self.a[i];
                    } else {
                        v += self.a[i] * ln_gamma[i];
                        s_l += self.a[i];
                    }
                }
                let part = |s: f64, ln_x: f64| if s > 0.0 { s * (ln_x - s.ln()) } else { 0.0 };
                v + part(s_l, ln_l) + part(s_a, ln_k)
            } else {
                let term = |ln_g: f64, ln_x: f64| {
                    if ln_g == f64::NEG_INFINITY {
                        f64::NEG_INFINITY
                    } else {
                        (ln_g + (sigma - 1.0) * ln_x) / sigma
                    }
                };
                sigma / (sigma - 1.0) * ln_add(term(ln_gl_l, ln_l), term(ln_gk_a, ln_k))
            };
            let best = ln_ratio[order[0]];
            let worst = ln_ratio[order[n - 1]];
            if labor == 0.0 {
                ln_r = (ln_gk_a + ln_y - ln_k) / sigma;
                ln_w = ln_r - worst;
            } else if capital == 0.0 {
                ln_w = (ln_gl_l + ln_y - ln_l) / sigma;
                ln_r = ln_w + best;
            } else {
                ln_w = (ln_gl_l + ln_y - ln_l) / sigma;
                ln_r = (ln_gk_a + ln_y - ln_k) / sigma;
            }
        }

        let (y, w, r) = (ln_y.exp(), ln_w.exp(), ln_r.exp());
        let y_w_sigma = (ln_y - sigma * ln_w).exp();
        let mut out = Allocation {
            output: y,
            wage: w,
            rental: r,
            ln_threshold: ln_r - ln_w,
            ln_ratio,
            price: Vec::with_capacity(n),
            task_output: Vec::with_capacity(n),
            labor: vec![0.0; n],
            capital: vec![0.0; n],
            labor_fraction: vec![0.0; n],
            status: vec![TaskStatus::Labor; n],
            splits: split.into_iter().collect(),
            labor_task_share: 0.0,
            labor_income_share: 0.0,
        };
        // For the verification, in the same pass: factor use and the price index's sum
        // (Cobb-Douglas `sum a_i ln p_i`; else `sum a_i p_i y_i = Y P^(1 - sigma)`).
        let (mut used_l, mut used_k, mut index_sum) = (0.0, 0.0, 0.0);
        let y_over_r = y / r;
        for i in 0..n {
            let automated_i = is_automated[i];
            let a_i = self.a[i];
            if automated_i {
                // p = R / A_i, y = Y p^-sigma, k = y p / R (Cobb-Douglas: y = Y / p, k = Y / R;
                // in logs where p is below the normal range).
                let ln_p = ln_r - ln_ai[i];
                let p = ln_p.exp();
                let (yi, ki) = if cd {
                    let yi = if p.is_normal() {
                        y / p
                    } else {
                        (ln_y - ln_p).exp()
                    };
                    (yi, y_over_r)
                } else {
                    let yi = (ln_y - sigma * ln_p).exp();
                    let ki = yi * p / r;
                    let ki = if ki.is_normal() && p.is_normal() {
                        ki
                    } else {
                        (ln_y + (1.0 - sigma) * ln_p - ln_r).exp()
                    };
                    (yi, ki)
                };
                out.price.push(p);
                out.task_output.push(yi);
                out.status[i] = TaskStatus::Automated;
                out.capital[i] = ki;
                used_k += a_i * out.capital[i];
                index_sum += a_i * if cd { ln_p } else { p * yi };
            } else {
                // p = w / gamma_i, y = Y w^-sigma gamma_i^sigma (no exp per task).
                let p = w / self.gamma[i];
                let yi = y_w_sigma * self.rule.gamma_pow_sigma[i];
                out.price.push(p);
                out.task_output.push(yi);
                if labor_set(i) {
                    out.labor[i] = yi * p / w;
                    out.labor_fraction[i] = 1.0;
                    used_l += a_i * out.labor[i];
                }
                index_sum += a_i * if cd { ln_w - ln_gamma[i] } else { p * yi };
            }
        }
        if let Some(s) = split {
            // The split task takes whatever labour and capital the pure tasks leave.
            let labor_used = (ln_y - sigma * ln_w + ln_gl_l).exp();
            let capital_used = (ln_y - sigma * ln_r + ln_gk_a).exp();
            let a_s = self.a[s];
            let l_s = ((labor - labor_used) / a_s).max(0.0);
            let k_s = ((capital - capital_used) / a_s).max(0.0);
            let gamma_s = self.gamma[s];
            let labor_output = gamma_s * l_s;
            let ai_output = ln_ai[s].exp() * k_s;
            out.status[s] = TaskStatus::Split;
            out.labor[s] = l_s;
            out.capital[s] = k_s;
            used_l += a_s * l_s;
            used_k += a_s * k_s;
            out.labor_fraction[s] = labor_output / (labor_output + ai_output);
        }
        out.labor_task_share = self
            .a
            .iter()
            .zip(&out.labor_fraction)
            .map(|(a, f)| a * f)
            .sum();
        out.labor_income_share = if labor > 0.0 {
            (ln_w + labor.ln() - ln_y).exp()
        } else {
            0.0
        };
        if !(out.output.is_finite()
            && out.output > 0.0
            && out.wage.is_finite()
            && out.rental.is_finite())
        {
            return Err(ModelError::NoConvergence {
            what: format!("static equilibrium (output {y:e}, wage {w:e}, rental {r:e}: outside floating-point range)"),
            iterations: 1,
            residual: f64::NAN,
        });
        }
        let ln_p = if cd {
            index_sum
        } else if (1.0 - sigma).abs() < 0.1 {
            // Near sigma = 1, from the log prices (see `ln_price_index`).
            let ln_price = |i: usize| match out.status[i] {
                TaskStatus::Automated => ln_r - ln_ai[i],
                _ => ln_w - ln_gamma[i],
            };
            ln_price_index(&self.a, ln_price, sigma)
        } else {
            (index_sum / y).ln() / (1.0 - sigma)
        };
        let residual = clearing_residual((used_l, used_k), (labor, capital), ln_p);
        verify_clearing("static equilibrium", residual)?;
        Ok(out)
    }
}

/// Log prefix sums `ln Gamma_K(k)` (of `k_term` over the first k tasks in order) and suffix
/// sums `ln Gamma_L(k)` (of `l_term` over the rest): linear sums against the largest term when
/// the terms span less than 600 e-folds (logs taken only where asked), log-sum-exp otherwise.
struct GammaSums {
    k_ref: f64,
    l_ref: f64,
    k: Vec<f64>,
    l: Vec<f64>,
    logs: bool,
}

impl GammaSums {
    fn new(order: &[usize], k_term: impl Fn(usize) -> f64, l_terms: (&[f64], f64, &[f64])) -> Self {
        let (ln_l, l_ref, l_lin) = l_terms;
        let n = order.len();
        let kt: Vec<f64> = order.iter().map(|&i| k_term(i)).collect();
        let span = |v: &[f64]| {
            v.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                })
        };
        let (k_lo, k_ref) = span(&kt);
        let (l_lo, _) = span(ln_l);
        let logs = !(k_ref - k_lo < 600.0 && l_ref - l_lo < 600.0);
        let mut k = vec![if logs { f64::NEG_INFINITY } else { 0.0 }; n + 1];
        let mut l = k.clone();
        for j in 0..n {
            k[j + 1] = if logs {
                ln_add(k[j], kt[j])
            } else {
                k[j] + (kt[j] - k_ref).exp()
            };
        }
        for j in (0..n).rev() {
            let i = order[j];
            l[j] = if logs {
                ln_add(l[j + 1], ln_l[i])
            } else {
                l[j + 1] + l_lin[i]
            };
        }
        GammaSums {
            k_ref,
            l_ref,
            k,
            l,
            logs,
        }
    }

    fn ln_gk(&self, k: usize) -> f64 {
        if self.logs {
            self.k[k]
        } else {
            self.k_ref + self.k[k].ln()
        }
    }

    fn ln_gl(&self, k: usize) -> f64 {
        if self.logs {
            self.l[k]
        } else {
            self.l_ref + self.l[k].ln()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::economy::Economy;
    use crate::statics::equilibrium;
    use nalgebra::DMatrix;

    fn economy(n: usize, sigma: f64) -> Economy {
        Economy::symmetric(n, sigma)
    }

    fn check_identities(e: &Economy, eq: &Allocation, capital: f64) {
        let n = e.tasks();
        // wL + RK = Y
        let income = eq.wage * e.labor + eq.rental * capital;
        assert!(
            (income / eq.output - 1.0).abs() < 1e-9,
            "adding up: {income} vs {}",
            eq.output
        );
        // price index: sum a p^{1-sigma} = 1 (sum a ln p = 0 for Cobb-Douglas)
        let index = if is_cobb_douglas(e.sigma) {
            (0..n)
                .map(|i| e.mass[i] * eq.price[i].ln())
                .sum::<f64>()
                .exp()
        } else {
            (0..n)
                .map(|i| e.mass[i] * eq.price[i].powf(1.0 - e.sigma))
                .sum::<f64>()
        };
        assert!((index - 1.0).abs() < 1e-9, "price index {index}");
        // factor markets clear
        let l: f64 = (0..n).map(|i| e.mass[i] * eq.labor[i]).sum();
        let k: f64 = (0..n).map(|i| e.mass[i] * eq.capital[i]).sum();
        assert!((l - e.labor).abs() < 1e-9 * (1.0 + e.labor), "labour {l}");
        assert!((k - capital).abs() < 1e-9 * (1.0 + capital), "capital {k}");
        // task output = technology
        for i in 0..n {
            let a = (eq.ln_ratio[i]).exp() * e.labor_productivity[i];
            let made = e.labor_productivity[i] * eq.labor[i] + a * eq.capital[i];
            assert!(
                (made / eq.task_output[i] - 1.0).abs() < 1e-9,
                "task {i}: {made} vs {}",
                eq.task_output[i]
            );
        }
        // at most one split task
        assert!(
            eq.status
                .iter()
                .filter(|s| **s == TaskStatus::Split)
                .count()
                <= 1
        );
    }

    #[test]
    fn identities_hold_across_regimes() {
        for &sigma in &[0.3, 0.8, 1.0, 1.5, 3.0] {
            for &capital in &[0.05, 1.0, 20.0] {
                let mut e = economy(7, sigma);
                e.mass = vec![0.1, 0.2, 0.05, 0.15, 0.2, 0.1, 0.2];
                e.labor_productivity = vec![1.0, 0.5, 2.0, 1.5, 0.8, 1.2, 1.0];
                let ln_ai: Vec<f64> = (0..7).map(|i| 0.3 * i as f64 - 0.8).collect();
                let eq = equilibrium(&e, &ln_ai, capital).unwrap();
                check_identities(&e, &eq, capital);
                // threshold rule: automated tasks have ratios above every labour task's
                for i in 0..7 {
                    match eq.status[i] {
                        TaskStatus::Automated => assert!(eq.ln_ratio[i] >= eq.ln_threshold - 1e-12),
                        TaskStatus::Labor => assert!(eq.ln_ratio[i] <= eq.ln_threshold + 1e-12),
                        TaskStatus::Split => {
                            assert!((eq.ln_ratio[i] - eq.ln_threshold).abs() < 1e-12)
                        }
                    }
                }
            }
        }
    }

    /// The static equilibrium maximises output given the factors: moving a little labour or
    /// capital between any two tasks (keeping totals) never raises Y.
    #[test]
    fn equilibrium_is_the_static_planner_optimum() {
        for &sigma in &[0.5, 1.0, 2.0] {
            let mut e = economy(5, sigma);
            e.labor_productivity = vec![1.0, 0.7, 1.3, 0.9, 1.1];
            let ln_ai = vec![0.4, -0.2, 0.1, 0.0, -0.5];
            let eq = equilibrium(&e, &ln_ai, 1.3).unwrap();
            let y_of = |l: &[f64], k: &[f64]| -> f64 {
                let ys: Vec<f64> = (0..5)
                    .map(|i| e.labor_productivity[i] * l[i] + ln_ai[i].exp() * k[i])
                    .collect();
                if is_cobb_douglas(sigma) {
                    (0..5).map(|i| e.mass[i] * ys[i].ln()).sum::<f64>().exp()
                } else {
                    let r = (sigma - 1.0) / sigma;
                    (0..5)
                        .map(|i| e.mass[i] * ys[i].powf(r))
                        .sum::<f64>()
                        .powf(1.0 / r)
                }
            };
            let y0 = y_of(&eq.labor, &eq.capital);
            assert!((y0 / eq.output - 1.0).abs() < 1e-9);
            let h = 1e-4;
            for i in 0..5 {
                for j in 0..5 {
                    if i == j {
                        continue;
                    }
                    for factor in 0..2 {
                        let (mut l, mut k) = (eq.labor.clone(), eq.capital.clone());
                        let v = if factor == 0 { &mut l } else { &mut k };
                        if v[i] < h / e.mass[i] {
                            continue;
                        }
                        v[i] -= h / e.mass[i];
                        v[j] += h / e.mass[j];
                        assert!(
                            y_of(&l, &k) <= y0 * (1.0 + 1e-12),
                            "moving factor {factor} from {i} to {j} raises Y"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn single_task_split_pays_gamma_and_a() {
        // P2: N = 1: w = gamma, R = A.
        let mut e = economy(1, 0.7);
        e.labor_productivity = vec![1.7];
        let eq = equilibrium(&e, &[2.5f64.ln()], 0.8).unwrap();
        assert!((eq.wage - 1.7).abs() < 1e-12 && (eq.rental - 2.5).abs() < 1e-12);
        assert_eq!(eq.splits, vec![0]);
        let s_l = 1.7 / (1.7 + 2.5 * 0.8);
        assert!((eq.labor_income_share - s_l).abs() < 1e-12);
    }

    #[test]
    fn permutation_and_task_splitting_invariance() {
        let mut e = economy(4, 0.6);
        e.mass = vec![0.4, 0.3, 0.2, 0.1];
        e.labor_productivity = vec![1.0, 1.4, 0.6, 0.9];
        let ln_ai = vec![0.2, 0.5, -0.3, 0.1];
        let base = equilibrium(&e, &ln_ai, 1.1).unwrap();
        // permuted
        let perm = [2, 0, 3, 1];
        let mut p = e.clone();
        p.mass = perm.iter().map(|&i| e.mass[i]).collect();
        p.labor_productivity = perm.iter().map(|&i| e.labor_productivity[i]).collect();
        let ln_p: Vec<f64> = perm.iter().map(|&i| ln_ai[i]).collect();
        let permuted = equilibrium(&p, &ln_p, 1.1).unwrap();
        assert!((permuted.output / base.output - 1.0).abs() < 1e-12);
        assert!((permuted.wage / base.wage - 1.0).abs() < 1e-12);
        // task 0 split into two identical halves
        let mut s = e.clone();
        s.mass = vec![0.2, 0.2, 0.3, 0.2, 0.1];
        s.labor_productivity = vec![1.0, 1.0, 1.4, 0.6, 0.9];
        s.ai_productivity = vec![1.0; 5];
        s.verifiability = vec![1.0; 5];
        s.spill = DMatrix::identity(5, 5);
        let ln_s = vec![0.2, 0.2, 0.5, -0.3, 0.1];
        let split = equilibrium(&s, &ln_s, 1.1).unwrap();
        assert!((split.output / base.output - 1.0).abs() < 1e-10);
        assert!((split.wage / base.wage - 1.0).abs() < 1e-10);
        assert!((split.labor_task_share - base.labor_task_share).abs() < 1e-10);
    }

    #[test]
    fn ai_only_and_labour_only_economies() {
        let mut e = economy(3, 0.5);
        e.labor = 0.0;
        let eq = equilibrium(&e, &[0.0, 0.5, 1.0], 2.0).unwrap();
        assert!(eq.status.iter().all(|s| *s == TaskStatus::Automated));
        assert_eq!(eq.labor_income_share, 0.0);
        check_identities(&e, &eq, 2.0);
        let e = economy(3, 0.5);
        let eq = equilibrium(&e, &[0.0, 0.5, 1.0], 0.0).unwrap();
        assert!(eq.status.iter().all(|s| *s == TaskStatus::Labor));
        assert!((eq.labor_income_share - 1.0).abs() < 1e-12);
    }

    #[test]
    fn wages_stagnate_when_tasks_are_complements() {
        // P8: sigma < 1: w <= max_j gamma_j a_j^{-1/(1-sigma)} however large A and K.
        let sigma: f64 = 0.5;
        let mut e = economy(4, sigma);
        e.mass = vec![0.1, 0.2, 0.3, 0.4];
        let bound = (0..4)
            .map(|j| e.mass[j].powf(-1.0 / (1.0 - sigma)))
            .fold(0.0, f64::max);
        e.labor_productivity = vec![1.0; 4];
        for scale in [1.0f64, 10.0, 1e3, 1e6, 1e12] {
            let ln_ai = vec![scale.ln(), scale.ln() + 1.0, scale.ln() - 0.5, scale.ln()];
            let eq = equilibrium(&e, &ln_ai, scale).unwrap();
            assert!(
                eq.wage <= bound * (1.0 + 1e-12),
                "w = {} > bound {bound} at scale {scale}",
                eq.wage
            );
        }
    }
}
