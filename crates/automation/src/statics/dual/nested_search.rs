//! The static solver's robust nested search: thresholds in capital inside Newton in the wage.
//!
//! A galloping search over the capital thresholds for each wage, inside a safeguarded Newton
//! search on the labour excess supply.

use super::{
    accept_root, increasing_root, Eval, Inner, Mode, StaticSolver, Warm, ACCEPT_TOL,
    MAX_ROOT_ITERATIONS, ROOT_TOL,
};
use crate::economy::ModelError;

impl StaticSolver {
    /// Nested search (see the planner module docs); returns the final evaluation (split tasks on
    /// labour), the duals, the split tasks and the inner rank hint.
    pub(super) fn robust(
        &mut self,
        hint: Option<&Warm>,
    ) -> Result<(Eval, f64, f64, Vec<usize>, usize), ModelError> {
        let tol_l = ROOT_TOL * self.labor;
        let x0 = hint
            .map(|w| w.m_l - self.ml_min)
            .filter(|d| *d > 0.0 && d.is_finite())
            .map_or(0.0, f64::ln);
        let mut inner_hint = (hint.map_or(1, |w| w.j), hint.map_or(f64::NAN, |w| w.m_k));
        let mut last: Option<(f64, Inner)> = None;
        let (_, v) = {
            let mut f = |x: f64| -> Result<Option<(f64, f64)>, ModelError> {
                if x > 700.0 {
                    return Err(ModelError::NoConvergence {
                        what: "planner static problem (wage outside floating-point range)".into(),
                        iterations: 0,
                        residual: f64::NAN,
                    });
                }
                let gap = x.exp();
                let m_l = self.ml_min + gap;
                let inner = self.inner(m_l, &mut inner_hint)?;
                last = Some((m_l, inner));
                Ok(Some((inner.el, inner.slope * gap)))
            };
            increasing_root(
                &mut f,
                x0,
                None,
                None,
                tol_l,
                "planner static problem (labour market)",
            )?
        };
        let Some((m_l, inner)) = last else {
            unreachable!()
        };
        if v.is_nan() || v.abs() > ACCEPT_TOL * self.labor {
            // The labour excess supply jumps across zero: the optimum is a vertex where two
            // indifference lines cross (two split tasks). The lines nearest the point found.
            let m_k = inner.m_k;
            let mut near: Vec<usize> = (0..self.n).collect();
            let dist: Vec<f64> = (0..self.n).map(|p| (self.thr[p] - m_k).abs()).collect();
            near.sort_by(|&p, &q| dist[p].total_cmp(&dist[q]));
            let first = inner.split.unwrap_or(near[0]);
            for &other in near.iter().filter(|&&p| p != first).take(6) {
                if let Some((e, ml, mk, free)) = self.solve_vertex(first, other) {
                    return Ok((e, ml, mk, free, inner.j));
                }
            }
            return Err(ModelError::NoConvergence {
                what: "planner static problem (labour market)".into(),
                iterations: MAX_ROOT_ITERATIONS,
                residual: v,
            });
        }
        for i in 0..self.n {
            self.assign[i] = self.rank[i] < inner.j;
        }
        if let Some(s) = inner.split {
            self.assign[s] = false;
        }
        let e = self.evaluate(m_l, inner.m_k, Mode::Stored).ok_or_else(|| {
            ModelError::NoConvergence {
                what: "planner static problem (final evaluation)".into(),
                iterations: 0,
                residual: f64::NAN,
            }
        })?;
        Ok((
            e,
            m_l,
            inner.m_k,
            inner.split.into_iter().collect(),
            inner.j,
        ))
    }

    /// For fixed `m_L`, the capital price that clears the capital market (or the split task).
    fn inner(&mut self, m_l: f64, hint: &mut (usize, f64)) -> Result<Inner, ModelError> {
        let n = self.n;
        for i in 0..n {
            self.thr[i] = self.ai[i] * (m_l / self.gamma[i] - self.sl[i] + self.sk[i]);
        }
        self.sort_thresholds();
        let pole = self.pole;
        let big_j = self
            .order
            .iter()
            .take_while(|&&i| self.thr[i] > pole)
            .count();
        if big_j == 0 {
            return Err(ModelError::NoConvergence {
                what: "planner static problem (no task can absorb capital)".into(),
                iterations: 0,
                residual: f64::NAN,
            });
        }
        let capital = self.capital;
        let range_error = || ModelError::NoConvergence {
            what: "planner static problem (evaluation outside the dual domain)".into(),
            iterations: 0,
            residual: f64::NAN,
        };
        // Capital excess supply just above threshold j (1-based), task order[j-1] on labour.
        let e_plus = |s: &mut Self, j: usize| -> f64 {
            if j == 1 {
                return capital;
            }
            let m_k = s.thr[s.order[j - 1]];
            s.evaluate(m_l, m_k, Mode::Ranked(j - 1))
                .map_or(f64::NEG_INFINITY, |e| e.ek)
        };
        // j* = max { j in 1..=J : e_plus(j) >= 0 }; invariant e_plus(lo) >= 0 > e_plus(hi).
        let (mut lo, mut hi) = (1usize, big_j + 1);
        let h = hint.0.clamp(1, big_j);
        if h > 1 {
            if e_plus(self, h) >= 0.0 {
                lo = h;
            } else {
                hi = h;
                let mut step = 1;
                while hi > lo + 1 {
                    let c = hi.saturating_sub(step).max(lo + 1);
                    if e_plus(self, c) >= 0.0 {
                        lo = c;
                        break;
                    }
                    hi = c;
                    step *= 2;
                }
            }
        }
        let mut step = 1;
        while lo + step < hi {
            let c = lo + step;
            if e_plus(self, c) >= 0.0 {
                lo = c;
                step *= 2;
            } else {
                hi = c;
                break;
            }
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if e_plus(self, mid) >= 0.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let j = lo;
        let s = self.order[j - 1];
        let t_j = self.thr[s];
        let e_minus = self
            .evaluate(m_l, t_j, Mode::Ranked(j))
            .ok_or_else(range_error)?;
        let (sigma, eta) = (self.sigma, self.eta);
        hint.0 = j;
        if e_minus.ek <= 0.0 {
            // Task s is split: it takes the capital the others leave.
            let ys = self.task_output(&e_minus, s);
            let ak = e_minus.ek + self.a[s] * ys / self.ai[s];
            let al = (self.a[s] * ys - self.ai[s] * ak) / self.gamma[s];
            let r = self.ai[s] / self.gamma[s];
            hint.1 = t_j;
            return Ok(Inner {
                m_k: t_j,
                j,
                split: Some(s),
                el: e_minus.el - al,
                slope: e_minus.along(r, sigma, eta),
            });
        }
        // Root in (t_{j+1}, t_j) with the first j tasks on AI, in z = ln(m_K - pole).
        let z_hi = (t_j - pole).ln();
        let z_lo = (j < big_j).then(|| (self.thr[self.order[j]] - pole).ln());
        let z0 = if hint.1 > pole && hint.1 < t_j && z_lo.is_none_or(|z| (hint.1 - pole).ln() > z) {
            (hint.1 - pole).ln()
        } else {
            z_lo.map_or(z_hi - 1.0, |z| 0.5 * (z + z_hi))
        };
        let mut last: Option<Eval> = None;
        let (z, v) = {
            let mut f = |z: f64| -> Result<Option<(f64, f64)>, ModelError> {
                let gap = z.exp();
                let Some(e) = self.evaluate(m_l, pole + gap, Mode::Ranked(j)) else {
                    return Ok(None);
                };
                last = Some(e);
                let (_, _, hkk) = e.hessian(sigma, eta);
                Ok(Some((e.ek, hkk * gap)))
            };
            increasing_root(
                &mut f,
                z0,
                z_lo,
                Some(z_hi),
                ROOT_TOL * capital,
                "planner static problem (capital market)",
            )?
        };
        let e = last.ok_or_else(range_error)?;
        accept_root(v, capital, "planner static problem (capital market)")?;
        let m_k = pole + z.exp();
        hint.1 = m_k;
        let (hll, hlk, hkk) = e.hessian(sigma, eta);
        Ok(Inner {
            m_k,
            j,
            split: None,
            el: e.el,
            slope: hll - hlk * hlk / hkk,
        })
    }

    /// Only one factor: every task uses it; a monotone root in its price.
    pub(super) fn one_factor(
        &mut self,
        hint: Option<&Warm>,
    ) -> Result<(Eval, f64, f64, Vec<usize>, usize), ModelError> {
        let (sigma, eta) = (self.sigma, self.eta);
        let ai_only = self.labor == 0.0;
        let floor = if ai_only { self.pole } else { self.ml_min };
        let x0 = hint
            .map(|w| if ai_only { w.m_k } else { w.m_l } - floor)
            .filter(|d| *d > 0.0 && d.is_finite())
            .map_or(0.0, f64::ln);
        let mut last: Option<Eval> = None;
        let endowment = if ai_only { self.capital } else { self.labor };
        let (x, v) = {
            let mut f = |x: f64| -> Result<Option<(f64, f64)>, ModelError> {
                let gap = x.exp();
                let m = floor + gap;
                let e = if ai_only {
                    self.evaluate(f64::NAN, m, Mode::AllAi)
                } else {
                    self.evaluate(m, f64::NAN, Mode::AllLabor)
                };
                let Some(e) = e else { return Ok(None) };
                last = Some(e);
                let (hll, _, hkk) = e.hessian(sigma, eta);
                Ok(Some(if ai_only {
                    (e.ek, hkk * gap)
                } else {
                    (e.el, hll * gap)
                }))
            };
            increasing_root(
                &mut f,
                x0,
                None,
                None,
                ROOT_TOL * endowment,
                "planner static problem (single factor)",
            )?
        };
        let e = last.ok_or_else(|| ModelError::NoConvergence {
            what: "planner static problem".into(),
            iterations: 0,
            residual: f64::NAN,
        })?;
        accept_root(v, endowment, "planner static problem (single factor)")?;
        let m = floor + x.exp();
        Ok(if ai_only {
            (e, f64::NAN, m, Vec::new(), 1)
        } else {
            (e, m, f64::NAN, Vec::new(), 1)
        })
    }
}
