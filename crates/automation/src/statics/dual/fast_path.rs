//! The static solver's fast path: warm-started Newton on the clearing conditions.
//!
//! The techniques of the previous solution are frozen, with a few active-set corrections.

use super::{
    Eval, Mode, StaticSolver, Warm, ACCEPT_TOL, ACTIVE_SET_ROUNDS, FAST_ITERATIONS, FAST_TOL,
    SPLIT_SLACK, VERIFY_TOL,
};

impl StaticSolver {
    /// Newton on the clearing conditions with the warm start's techniques frozen (along the
    /// split task's line if it had one; directly at the vertex if it had two); `None` if it
    /// fails or the result is not a certified optimum.
    pub(super) fn fast(&mut self, w: &Warm) -> Option<(Eval, f64, f64, Vec<usize>)> {
        if w.assign.len() != self.n || !(w.m_l.is_finite() && w.m_k.is_finite()) {
            return None;
        }
        if w.splits.len() >= 2 {
            if let Some(found) = self.solve_vertex(w.splits[0], w.splits[1]) {
                return Some(found);
            }
        }
        self.assign.copy_from_slice(&w.assign);
        let mut split = (w.splits.len() == 1).then(|| w.splits[0]);
        let (mut m_l, mut m_k) = (w.m_l, w.m_k);
        for _ in 0..ACTIVE_SET_ROUNDS {
            if let Some(s) = split {
                self.assign[s] = false;
            }
            let e = self.newton(split, &mut m_l, &mut m_k)?;
            // The worst technique violation among the other tasks.
            let mut worst: Option<(usize, f64)> = None;
            for i in 0..self.n {
                if Some(i) == split {
                    continue;
                }
                let t = self.threshold(i, m_l);
                let violation = if self.tech[i] {
                    (m_k - t) / t
                } else {
                    (t - m_k) / t
                };
                if violation > VERIFY_TOL && worst.is_none_or(|(_, v)| violation > v) {
                    worst = Some((i, violation));
                }
            }
            let split_ok =
                split.is_none_or(|s| self.split_capital(&e, &[s], SPLIT_SLACK).is_some());
            match (worst, split) {
                (None, _) if split_ok => return Some((e, m_l, m_k, split.into_iter().collect())),
                (_, Some(s)) if !split_ok => {
                    // The split task leaves its line: it becomes pure.
                    self.assign[s] = e.ek > 0.0;
                    split = None;
                }
                (Some((v, _)), None) => split = Some(v),
                (Some((v, _)), Some(s)) => {
                    if let Some(found) = self.solve_vertex(s, v) {
                        return Some(found);
                    }
                    self.assign[s] = self.threshold(s, m_l) > m_k;
                    split = Some(v);
                }
                (None, _) => return None,
            }
        }
        None
    }

    /// Newton on the clearing conditions with the stored techniques (along the split task's
    /// line if any) from `(m_l, m_k)`; the converged evaluation, or `None`.
    fn newton(&mut self, split: Option<usize>, m_l: &mut f64, m_k: &mut f64) -> Option<Eval> {
        let (sigma, eta) = (self.sigma, self.eta);
        // Start inside the domain of the stored techniques (the poles move with the inputs).
        let (mut floor_l, mut floor_k) = (0.0f64, 0.0f64);
        for i in 0..self.n {
            if Some(i) == split || !self.assign[i] {
                floor_l = floor_l.max(self.gamma[i] * self.sl[i]);
            }
            if Some(i) == split || self.assign[i] {
                floor_k = floor_k.max(self.ai[i] * self.sk[i]);
            }
        }
        if let Some(s) = split {
            // On the line m_K = t_s(m_L): m_K above its floor needs m_L above this.
            let need = self.gamma[s] * (floor_k / self.ai[s] + self.sl[s] - self.sk[s]);
            floor_l = floor_l.max(need);
        }
        if *m_l <= floor_l {
            *m_l = floor_l
                + (floor_l - *m_l)
                    .abs()
                    .max(1e-3 * floor_l)
                    .max(f64::MIN_POSITIVE);
        }
        if *m_k <= floor_k {
            *m_k = floor_k
                + (floor_k - *m_k)
                    .abs()
                    .max(1e-3 * floor_k)
                    .max(f64::MIN_POSITIVE);
        }
        let (tol_l, tol_k) = (FAST_TOL * self.labor, FAST_TOL * self.capital);
        let mut stalled = false;
        for _ in 0..FAST_ITERATIONS {
            match split {
                None => {
                    let e = self.evaluate(*m_l, *m_k, Mode::Stored)?;
                    let done = e.el.abs() <= tol_l && e.ek.abs() <= tol_k;
                    let settled = stalled
                        && e.el.abs() <= ACCEPT_TOL * self.labor
                        && e.ek.abs() <= ACCEPT_TOL * self.capital;
                    if done || settled {
                        return Some(e);
                    }
                    let (hll, hlk, hkk) = e.hessian(sigma, eta);
                    let det = hll * hkk - hlk * hlk;
                    if !(det > 0.0 && det.is_finite()) {
                        return None;
                    }
                    let dl = -(hkk * e.el - hlk * e.ek) / det;
                    let dk = -(hll * e.ek - hlk * e.el) / det;
                    let alpha = self.max_step(dl, dk);
                    *m_l += alpha * dl;
                    *m_k += alpha * dk;
                    stalled = (alpha * dl).abs() <= 1e-14 * m_l.abs()
                        && (alpha * dk).abs() <= 1e-14 * m_k.abs();
                }
                Some(s) => {
                    let r = self.ai[s] / self.gamma[s];
                    *m_k = self.threshold(s, *m_l);
                    let e = self.evaluate(*m_l, *m_k, Mode::Stored)?;
                    let f = e.el + r * e.ek;
                    let done = f.abs() <= tol_l + r * tol_k;
                    let settled =
                        stalled && f.abs() <= ACCEPT_TOL * (self.labor + r * self.capital);
                    if done || settled {
                        return Some(e);
                    }
                    let slope = e.along(r, sigma, eta);
                    if !(slope > 0.0 && slope.is_finite()) {
                        return None;
                    }
                    let dl = -f / slope;
                    let alpha = self.max_step(dl, r * dl);
                    *m_l += alpha * dl;
                    stalled = (alpha * dl).abs() <= 1e-14 * m_l.abs();
                }
            }
        }
        None
    }

    /// The largest step fraction (at most 1) that keeps every unit cost of the last
    /// evaluation positive, with a margin.
    fn max_step(&self, dl: f64, dk: f64) -> f64 {
        let mut alpha: f64 = 1.0;
        for i in 0..self.n {
            let dq = if self.tech[i] {
                dk / self.ai[i]
            } else {
                dl / self.gamma[i]
            };
            if dq < 0.0 {
                alpha = alpha.min(-0.9 * self.q[i] / dq);
            }
        }
        alpha
    }

    /// The intersection of the indifference lines of tasks i and j inside the dual domain.
    fn vertex(&self, i: usize, j: usize) -> Option<(f64, f64)> {
        // m_K / A - m_L / gamma = sk - sl on both lines.
        let (a11, a12, c1) = (
            1.0 / self.ai[i],
            -1.0 / self.gamma[i],
            self.sk[i] - self.sl[i],
        );
        let (a21, a22, c2) = (
            1.0 / self.ai[j],
            -1.0 / self.gamma[j],
            self.sk[j] - self.sl[j],
        );
        let det = a11 * a22 - a12 * a21;
        if det.is_nan() || det.abs() <= 1e-12 * (a11 * a22).abs().max((a12 * a21).abs()) {
            return None;
        }
        let m_k = (c1 * a22 - a12 * c2) / det;
        let m_l = (a11 * c2 - a21 * c1) / det;
        (m_l.is_finite() && m_k.is_finite() && m_l > self.ml_min && m_k > self.pole)
            .then_some((m_l, m_k))
    }

    /// The solution at the vertex of the lines of tasks i and j: every task on a line through
    /// the vertex is split, the others use their cheaper technique (so only the split needs
    /// checking). `None` if the split is infeasible.
    pub(super) fn solve_vertex(
        &mut self,
        i: usize,
        j: usize,
    ) -> Option<(Eval, f64, f64, Vec<usize>)> {
        let (m_l, m_k) = self.vertex(i, j)?;
        let mut free = Vec::new();
        for p in 0..self.n {
            let t = self.threshold(p, m_l);
            if p == i || p == j || (t - m_k).abs() <= VERIFY_TOL * m_k {
                free.push(p);
                self.assign[p] = false;
            } else {
                self.assign[p] = t > m_k;
            }
        }
        let e = self.evaluate(m_l, m_k, Mode::Stored)?;
        self.split_capital(&e, &free, SPLIT_SLACK)?;
        Some((e, m_l, m_k, free))
    }
}
