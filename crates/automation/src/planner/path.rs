//! The path model: forward and backward passes over the time grid, and the sweep over them.
//!
//! DDA-1 and the log-linear variant sit behind one interface ([`Model`]); states and costates
//! are integrated by RK4, welfare by Simpson's rule on nodes and half steps.

use nalgebra::DMatrix;

use super::log_linear::LogLinearEconomy;
use super::options::{check_options, PlannerOptions, PlannerUtility};
use super::results::{Envelope, PlannerResult};
use crate::economy::{Economy, ModelError};
use crate::statics::{StaticSolution, StaticSolver, Warm};

enum Kind<'a> {
    Dda1(&'a Economy),
    LogLinear(&'a LogLinearEconomy),
}

/// Technology at a state: A_i, data per unit of AI / labour output, dA_i/dDtilde_i, and the
/// data flow's derivative in A_i per unit of AI capital.
pub(super) struct Tech {
    pub(super) ai: Vec<f64>,
    pub(super) ek: Vec<f64>,
    pub(super) el: Vec<f64>,
    da: Vec<f64>,
    fa: Vec<f64>,
}

pub(super) struct Model<'a> {
    kind: Kind<'a>,
    pub(super) n: usize,
    pub(super) mass: Vec<f64>,
    pub(super) gamma: Vec<f64>,
    sigma: f64,
    labor: f64,
    pub(super) delta: f64,
    /// Per receiver i: (sender j, spill_ij) for the nonzero entries.
    rows: Vec<Vec<(usize, f64)>>,
    ln_abar: Vec<f64>,
    utility: PlannerUtility,
}

/// One point of a path: allocation, output, state derivative and costate coefficients.
#[derive(Debug, Clone)]
pub(super) struct Point {
    output: f64,
    l: Vec<f64>,
    k: Vec<f64>,
    deriv: Vec<f64>,
    /// Data per unit of AI output (for the subsidy).
    ek: Vec<f64>,
    /// Costate coefficients: c_i = dA_i/dDtilde_i k_i, v_i = u'(Y) a_i p_i, fa_i.
    c: Vec<f64>,
    v: Vec<f64>,
    fa: Vec<f64>,
}

/// A path on the grid: states and points at the nodes and (Hermite-interpolated states) at
/// the half steps.
#[derive(Debug, Clone)]
struct Path {
    states: Vec<Vec<f64>>,
    mid_states: Vec<Vec<f64>>,
    nodes: Vec<Point>,
    mids: Vec<Point>,
}

/// An allocation per unit mass: (labour, capital).
type Alloc = (Vec<f64>, Vec<f64>);

fn sparse_rows(m: &DMatrix<f64>) -> Vec<Vec<(usize, f64)>> {
    (0..m.nrows())
        .map(|i| {
            (0..m.ncols())
                .filter(|&j| m[(i, j)] != 0.0)
                .map(|j| (j, m[(i, j)]))
                .collect()
        })
        .collect()
}

impl<'a> Model<'a> {
    pub(super) fn dda1(e: &'a Economy, utility: PlannerUtility) -> Self {
        Model {
            kind: Kind::Dda1(e),
            n: e.tasks(),
            mass: e.mass.clone(),
            gamma: e.labor_productivity.clone(),
            sigma: e.sigma,
            labor: e.labor,
            delta: e.delta_data,
            rows: sparse_rows(&e.spill),
            ln_abar: e.ai_productivity.iter().map(|a| a.ln()).collect(),
            utility,
        }
    }

    pub(super) fn log_linear(e: &'a LogLinearEconomy, utility: PlannerUtility) -> Self {
        let n = e.mass.len();
        Model {
            kind: Kind::LogLinear(e),
            n,
            mass: e.mass.clone(),
            gamma: vec![1.0; n],
            sigma: 1.0,
            labor: 0.0,
            delta: 0.0,
            rows: sparse_rows(&e.spill),
            ln_abar: vec![0.0; n],
            utility,
        }
    }

    pub(super) fn solver(&self, capital: f64) -> StaticSolver {
        StaticSolver::new(
            &self.mass,
            &self.gamma,
            self.sigma,
            self.utility.eta(),
            self.labor,
            capital,
        )
    }

    pub(super) fn tech(&self, state: &[f64]) -> Result<Tech, ModelError> {
        let n = self.n;
        let mut t = Tech {
            ai: vec![0.0; n],
            ek: vec![0.0; n],
            el: vec![0.0; n],
            da: vec![0.0; n],
            fa: vec![0.0; n],
        };
        match self.kind {
            Kind::Dda1(e) => {
                for i in 0..n {
                    let dt: f64 = self.rows[i].iter().map(|&(j, w)| w * state[j]).sum();
                    let dt = dt.max(f64::MIN_POSITIVE);
                    let ln_a = self.ln_abar[i] + e.technology.ln_g(dt);
                    t.ai[i] = ln_a.exp();
                    let eps = e.technology.elasticity(dt);
                    t.da[i] = t.ai[i] * eps / dt;
                    t.ek[i] = e.verifiability[i];
                    t.el[i] = e.chi * e.verifiability[i];
                    t.fa[i] = e.verifiability[i];
                }
            }
            Kind::LogLinear(e) => {
                for i in 0..n {
                    let ln_a: f64 =
                        e.theta * self.rows[i].iter().map(|&(j, w)| w * state[j]).sum::<f64>();
                    t.ai[i] = ln_a.exp();
                    t.da[i] = e.theta * t.ai[i];
                    t.ek[i] = e.verifiability[i] / t.ai[i];
                }
            }
        }
        if let Some(i) = (0..n).find(|&i| !(t.ai[i].is_finite() && t.ai[i] > 0.0)) {
            return Err(ModelError::invalid(
                format!("A[{i}]"),
                t.ai[i],
                "AI productivity left the floating-point range",
            ));
        }
        Ok(t)
    }

    /// Solves the static sub-problem at a state and costates.
    pub(super) fn solve_static(
        &self,
        solver: &mut StaticSolver,
        state: &[f64],
        lam: &[f64],
    ) -> Result<(Tech, StaticSolution), ModelError> {
        let t = self.tech(state)?;
        for i in 0..self.n {
            let l = lam[i].max(0.0);
            solver.ai[i] = t.ai[i];
            solver.sk[i] = l * t.ek[i] / self.mass[i];
            solver.sl[i] = l * t.el[i] / self.mass[i];
        }
        let s = solver.solve()?;
        Ok((t, s))
    }

    pub(super) fn point(
        &self,
        solver: &mut StaticSolver,
        state: &[f64],
        lam: &[f64],
    ) -> Result<Point, ModelError> {
        let n = self.n;
        let (t, s) = self.solve_static(solver, state, lam)?;
        let mut deriv = vec![0.0; n];
        let mut c = vec![0.0; n];
        let mut v = vec![0.0; n];
        for i in 0..n {
            let flow = t.ek[i] * t.ai[i] * s.k[i] + t.el[i] * self.gamma[i] * s.l[i];
            deriv[i] = flow - self.delta * state[i];
            c[i] = if s.k[i] > 0.0 { t.da[i] * s.k[i] } else { 0.0 };
            // u'(Y) a_i p_i = a_i q_i
            v[i] = self.mass[i] * s.q[i];
        }
        if let Some(i) = (0..n).find(|&i| !deriv[i].is_finite()) {
            return Err(ModelError::invalid(
                format!("growth of state {i}"),
                deriv[i],
                "the data law overflowed",
            ));
        }
        Ok(Point {
            output: s.output,
            l: s.l,
            k: s.k,
            deriv,
            ek: t.ek,
            c,
            v,
            fa: t.fa,
        })
    }

    /// A point with a given allocation (open loop).
    fn open_point(&self, state: &[f64], alloc: &Alloc) -> Result<Point, ModelError> {
        let n = self.n;
        let t = self.tech(state)?;
        let (l, k) = alloc;
        let sigma = self.sigma;
        let ln_y: Vec<f64> = (0..n)
            .map(|i| (self.gamma[i] * l[i] + t.ai[i] * k[i]).ln())
            .collect();
        // ln Y = sigma/(sigma-1) ln sum a_i y_i^{(sigma-1)/sigma} (Cobb-Douglas: sum a_i ln y_i)
        let ln_big_y = if (sigma - 1.0).abs() < 1e-9 {
            (0..n).map(|i| self.mass[i] * ln_y[i]).sum::<f64>()
        } else {
            let r = (sigma - 1.0) / sigma;
            let terms: Vec<f64> = (0..n).map(|i| self.mass[i].ln() + r * ln_y[i]).collect();
            let m = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            (m + terms.iter().map(|x| (x - m).exp()).sum::<f64>().ln()) / r
        };
        let output = ln_big_y.exp();
        if !(output.is_finite() && output > 0.0) {
            return Err(ModelError::invalid(
                "output",
                output,
                "left the floating-point range on the planner path",
            ));
        }
        let ln_mu = self.utility.marginal(output).ln();
        let mut deriv = vec![0.0; n];
        let mut c = vec![0.0; n];
        let mut v = vec![0.0; n];
        for i in 0..n {
            let flow = t.ek[i] * t.ai[i] * k[i] + t.el[i] * self.gamma[i] * l[i];
            deriv[i] = flow - self.delta * state[i];
            c[i] = if k[i] > 0.0 { t.da[i] * k[i] } else { 0.0 };
            v[i] = (ln_mu + self.mass[i].ln() + (ln_big_y - ln_y[i]) / sigma).exp();
        }
        if let Some(i) = (0..n).find(|&i| !deriv[i].is_finite()) {
            return Err(ModelError::invalid(
                format!("growth of state {i}"),
                deriv[i],
                "the data law overflowed",
            ));
        }
        Ok(Point {
            output,
            l: l.clone(),
            k: k.clone(),
            deriv,
            ek: t.ek,
            c,
            v,
            fa: t.fa,
        })
    }

    /// The state derivative with a given allocation (the data flow does not need Y).
    fn open_deriv(&self, state: &[f64], alloc: &Alloc) -> Result<Vec<f64>, ModelError> {
        let t = self.tech(state)?;
        let (l, k) = alloc;
        let deriv: Vec<f64> = (0..self.n)
            .map(|i| {
                t.ek[i] * t.ai[i] * k[i] + t.el[i] * self.gamma[i] * l[i] - self.delta * state[i]
            })
            .collect();
        match deriv.iter().position(|d| !d.is_finite()) {
            Some(i) => Err(ModelError::invalid(
                format!("growth of state {i}"),
                deriv[i],
                "the data law overflowed",
            )),
            None => Ok(deriv),
        }
    }

    /// RK4 forward pass with given allocations at the slots (node k = slot 2k, half step
    /// k = slot 2k + 1).
    fn forward_open(&self, x0: &[f64], ctrl: &[Alloc], times: &[f64]) -> Result<Path, ModelError> {
        let steps = (ctrl.len() - 1) / 2;
        let mut path = Path {
            states: Vec::with_capacity(steps + 1),
            mid_states: Vec::with_capacity(steps),
            nodes: Vec::with_capacity(steps + 1),
            mids: Vec::with_capacity(steps),
        };
        let mut x = x0.to_vec();
        let mut node = self.open_point(&x, &ctrl[0])?;
        let axpy = |x: &[f64], a: f64, f: &[f64]| -> Vec<f64> {
            x.iter().zip(f).map(|(x, f)| x + a * f).collect()
        };
        for k in 0..steps {
            let h = times[k + 1] - times[k];
            let f1 = &node.deriv;
            let f2 = self.open_deriv(&axpy(&x, 0.5 * h, f1), &ctrl[2 * k + 1])?;
            let f3 = self.open_deriv(&axpy(&x, 0.5 * h, &f2), &ctrl[2 * k + 1])?;
            let f4 = self.open_deriv(&axpy(&x, h, &f3), &ctrl[2 * k + 2])?;
            let x_next: Vec<f64> = (0..self.n)
                .map(|i| x[i] + h / 6.0 * (f1[i] + 2.0 * f2[i] + 2.0 * f3[i] + f4[i]))
                .collect();
            let next = self.open_point(&x_next, &ctrl[2 * k + 2])?;
            let x_mid = hermite_mid(&x, f1, &x_next, &next.deriv, h);
            path.mids.push(self.open_point(&x_mid, &ctrl[2 * k + 1])?);
            path.mid_states.push(x_mid);
            path.states.push(x);
            path.nodes.push(node);
            x = x_next;
            node = next;
        }
        path.states.push(x);
        path.nodes.push(node);
        Ok(path)
    }

    /// The Hamiltonian-maximising allocation at every slot of `path` given its costates, the
    /// consumption-equivalent Hamiltonian gap `int e^{-rho t} (H(best) - H(current)) dt /
    /// int e^{-rho t} u'(Y) Y dt` (>= 0; zero iff the path satisfies the maximum principle),
    /// and the discounted shadow values of the endowments.
    #[allow(clippy::too_many_arguments)]
    fn best_response(
        &self,
        solver: &mut StaticSolver,
        path: &Path,
        lam: &[Vec<f64>],
        dlam: &[Vec<f64>],
        times: &[f64],
        rho: f64,
        warm: &mut [Option<Warm>],
    ) -> Result<Response, ModelError> {
        let steps = path.mids.len();
        let mut best = Vec::with_capacity(2 * steps + 1);
        let (mut gap, mut norm) = (0.0, 0.0);
        let (mut capital_value, mut labor_value) = (0.0, 0.0);
        for slot in 0..=2 * steps {
            let k = slot / 2;
            let h = if k < steps {
                times[k + 1] - times[k]
            } else {
                0.0
            };
            let (state, point, lam_s) = if slot % 2 == 0 {
                (&path.states[k], &path.nodes[k], lam[k].clone())
            } else {
                (
                    &path.mid_states[k],
                    &path.mids[k],
                    hermite_mid(&lam[k], &dlam[k], &lam[k + 1], &dlam[k + 1], h),
                )
            };
            if warm[slot].is_some() {
                solver.warm = warm[slot].take();
            }
            let (t, s) = self.solve_static(solver, state, &lam_s)?;
            warm[slot].clone_from(&solver.warm);
            let mut h_best = self.utility.value_normalised(s.output);
            let mut h_now = self.utility.value_normalised(point.output);
            for i in 0..self.n {
                let flow = t.ek[i] * t.ai[i] * s.k[i] + t.el[i] * self.gamma[i] * s.l[i];
                h_best += lam_s[i] * (flow - self.delta * state[i]);
                h_now += lam_s[i] * point.deriv[i];
            }
            let weight = slot_weight(times, slot) * (-rho * slot_time(times, slot)).exp();
            gap += weight * (h_best - h_now);
            norm += weight * self.utility.marginal(point.output) * point.output;
            capital_value += weight * s.m_k;
            labor_value += weight * s.m_l;
            best.push((s.l, s.k));
        }
        Ok(Response {
            best,
            gap: gap.max(0.0) / norm,
            capital_value,
            labor_value,
        })
    }

    /// `dH/dD` (holding the allocation) at a point with costates `lam`. The same number is the
    /// core's adjoint derivative of [`crate::market::Market`]'s Hamiltonian in `ln A` at the
    /// decentralising subsidies (tested in `tests/market.rs`); it stays written out here because
    /// the sweep needs it at every slot of every iteration, where the closed form costs O(edges)
    /// and an adjoint pass a factorisation.
    pub(super) fn hamiltonian_gradient(&self, p: &Point, lam: &[f64], out: &mut [f64]) {
        for (j, o) in out.iter_mut().enumerate() {
            *o = -self.delta * lam[j];
        }
        for i in 0..self.n {
            let r = p.c[i] * (p.v[i] + p.fa[i] * lam[i]);
            if r != 0.0 {
                for &(j, w) in &self.rows[i] {
                    out[j] += w * r;
                }
            }
        }
    }

    /// Costate derivative `rho lambda - dH/dD`.
    fn costate_rhs(&self, p: &Point, lam: &[f64], rho: f64, out: &mut [f64]) {
        self.hamiltonian_gradient(p, lam, out);
        for j in 0..self.n {
            out[j] = rho * lam[j] - out[j];
        }
    }

    /// RK4 forward pass with the given costates at the nodes (and their derivatives).
    fn forward(
        &self,
        solver: &mut StaticSolver,
        x0: &[f64],
        lam: &[Vec<f64>],
        dlam: &[Vec<f64>],
        times: &[f64],
    ) -> Result<Path, ModelError> {
        let steps = lam.len() - 1;
        let mut states = Vec::with_capacity(steps + 1);
        let mut nodes = Vec::with_capacity(steps + 1);
        let mut mids = Vec::with_capacity(steps);
        let mut mid_states = Vec::with_capacity(steps);
        let mut x = x0.to_vec();
        let mut node = self.point(solver, &x, &lam[0])?;
        let axpy = |x: &[f64], a: f64, f: &[f64]| -> Vec<f64> {
            x.iter().zip(f).map(|(x, f)| x + a * f).collect()
        };
        for k in 0..steps {
            let h = times[k + 1] - times[k];
            let lam_mid = hermite_mid(&lam[k], &dlam[k], &lam[k + 1], &dlam[k + 1], h);
            let f1 = &node.deriv;
            let f2 = self.point(solver, &axpy(&x, 0.5 * h, f1), &lam_mid)?.deriv;
            let f3 = self.point(solver, &axpy(&x, 0.5 * h, &f2), &lam_mid)?.deriv;
            let f4 = self.point(solver, &axpy(&x, h, &f3), &lam[k + 1])?.deriv;
            let x_next: Vec<f64> = (0..self.n)
                .map(|i| x[i] + h / 6.0 * (f1[i] + 2.0 * f2[i] + 2.0 * f3[i] + f4[i]))
                .collect();
            let next = self.point(solver, &x_next, &lam[k + 1])?;
            let x_mid = hermite_mid(&x, f1, &x_next, &next.deriv, h);
            let mid = self.point(solver, &x_mid, &lam_mid)?;
            mid_states.push(x_mid);
            states.push(x);
            nodes.push(node);
            mids.push(mid);
            x = x_next;
            node = next;
        }
        states.push(x);
        nodes.push(node);
        Ok(Path {
            states,
            mid_states,
            nodes,
            mids,
        })
    }

    /// RK4 backward pass of the (linear) costate equation with the path's allocations.
    fn backward(&self, path: &Path, times: &[f64], rho: f64) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let n = self.n;
        let steps = path.mids.len();
        let mut lam = vec![vec![0.0; n]; steps + 1];
        let mut dlam = vec![vec![0.0; n]; steps + 1];
        let (mut k1, mut k2, mut k3, mut k4) =
            (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let mut tmp = vec![0.0; n];
        self.costate_rhs(&path.nodes[steps], &lam[steps], rho, &mut dlam[steps]);
        for k in (0..steps).rev() {
            let h = times[k + 1] - times[k];
            let l1 = lam[k + 1].clone();
            k1.copy_from_slice(&dlam[k + 1]);
            for i in 0..n {
                tmp[i] = l1[i] - 0.5 * h * k1[i];
            }
            self.costate_rhs(&path.mids[k], &tmp, rho, &mut k2);
            for i in 0..n {
                tmp[i] = l1[i] - 0.5 * h * k2[i];
            }
            self.costate_rhs(&path.mids[k], &tmp, rho, &mut k3);
            for i in 0..n {
                tmp[i] = l1[i] - h * k3[i];
            }
            self.costate_rhs(&path.nodes[k], &tmp, rho, &mut k4);
            for i in 0..n {
                lam[k][i] =
                    (l1[i] - h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])).max(0.0);
            }
            self.costate_rhs(&path.nodes[k], &lam[k], rho, &mut tmp);
            dlam[k].copy_from_slice(&tmp);
        }
        (lam, dlam)
    }
}

/// What [`Model::best_response`] finds.
struct Response {
    /// The Hamiltonian-maximising allocation at every slot.
    best: Vec<Alloc>,
    /// The consumption-equivalent Hamiltonian gap of the current path.
    gap: f64,
    /// `int e^{-rho t} dH*/dK dt` at the best responses (utility per unit of capital).
    capital_value: f64,
    /// `int e^{-rho t} dH*/dL dt` (utility per unit of labour).
    labor_value: f64,
}

/// The cubic Hermite interpolant at the middle of a step.
fn hermite_mid(x0: &[f64], f0: &[f64], x1: &[f64], f1: &[f64], h: f64) -> Vec<f64> {
    (0..x0.len())
        .map(|i| 0.5 * (x0[i] + x1[i]) + h / 8.0 * (f0[i] - f1[i]))
        .collect()
}

/// Time of slot s (node k = slot 2k, half step k = slot 2k + 1).
fn slot_time(times: &[f64], slot: usize) -> f64 {
    let k = slot / 2;
    if slot % 2 == 0 {
        times[k]
    } else {
        0.5 * (times[k] + times[k + 1])
    }
}

/// Simpson weight of slot s (composite over the intervals).
fn slot_weight(times: &[f64], slot: usize) -> f64 {
    let k = slot / 2;
    let steps = times.len() - 1;
    if slot % 2 == 1 {
        4.0 * (times[k + 1] - times[k]) / 6.0
    } else {
        let left = if k > 0 { times[k] - times[k - 1] } else { 0.0 };
        let right = if k < steps {
            times[k + 1] - times[k]
        } else {
            0.0
        };
        (left + right) / 6.0
    }
}

/// `int_0^T e^{-rho t} u'(Y) Y dt` (Simpson): the utility value of the output stream, which
/// turns utility gaps into consumption equivalents.
fn value_scale(path: &Path, times: &[f64], rho: f64, utility: PlannerUtility) -> f64 {
    let mut v = 0.0;
    for slot in 0..times.len() * 2 - 1 {
        let k = slot / 2;
        let output = if slot % 2 == 0 {
            path.nodes[k].output
        } else {
            path.mids[k].output
        };
        v += slot_weight(times, slot)
            * (-rho * slot_time(times, slot)).exp()
            * utility.marginal(output)
            * output;
    }
    v
}

/// `int_0^T e^{-rho t} (u(Y) - u(1)) dt` by Simpson on nodes and half steps, and the same of
/// `e^{-rho t}` (welfare is the first plus `u(1)` times the second).
fn welfare(path: &Path, times: &[f64], rho: f64, utility: PlannerUtility) -> (f64, f64) {
    let (mut w, mut d) = (0.0, 0.0);
    for slot in 0..times.len() * 2 - 1 {
        let k = slot / 2;
        let output = if slot % 2 == 0 {
            path.nodes[k].output
        } else {
            path.mids[k].output
        };
        let weight = slot_weight(times, slot) * (-rho * slot_time(times, slot)).exp();
        w += weight * utility.value_normalised(output);
        d += weight;
    }
    (w, d)
}

/// `dW/drho` with the path held: `-int_0^T t e^{-rho t} u(Y) dt` (Simpson, as [`welfare`]).
fn discount_derivative(path: &Path, times: &[f64], rho: f64, utility: PlannerUtility) -> f64 {
    let mut v = 0.0;
    for slot in 0..times.len() * 2 - 1 {
        let k = slot / 2;
        let output = if slot % 2 == 0 {
            path.nodes[k].output
        } else {
            path.mids[k].output
        };
        let t = slot_time(times, slot);
        v -= slot_weight(times, slot) * t * (-rho * t).exp() * utility.value(output);
    }
    v
}

/// The forward-backward sweep shared by both models (see the planner module docs).
pub(super) fn forward_backward_sweep(
    model: &Model,
    x0: &[f64],
    options: &PlannerOptions,
    observer: &dyn walras_core::Observer,
) -> Result<PlannerResult, ModelError> {
    check_options(options)?;
    let n = model.n;
    let steps = options.grid - 1;
    let times: Vec<f64> = (0..=steps)
        .map(|k| options.horizon * (k as f64 / steps as f64).powf(options.grid_power))
        .collect();
    let h_max = times.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max);
    if model.delta * h_max >= 1.0 {
        return Err(ModelError::invalid(
            "grid",
            options.grid,
            "too coarse: delta_data times the longest step must be < 1",
        ));
    }
    let rho = options.discount;
    let utility = options.utility;
    let zeros = vec![vec![0.0; n]; steps + 1];
    let mut solver = model.solver(options.capital);
    // The market: the myopic (zero-costate) allocation, closed loop.
    let market = model.forward(&mut solver, x0, &zeros, &zeros, &times)?;
    // The planner starts from the market's allocations, open loop.
    let mut controls = market_controls(&market);
    let mut path = model.forward_open(x0, &controls, &times)?;
    let mut welfare_now = welfare(&path, &times, rho, utility).0;
    let mut step = options.relaxation;
    let mut iterations = 0;
    let mut slot_warm: Vec<Option<Warm>> = vec![None; 2 * steps + 1];
    let (lam, last_change, response) = loop {
        if observer.cancelled() {
            return Err(ModelError::Cancelled {
                what: "planner forward-backward sweep".into(),
                done: iterations,
                total: options.max_iterations,
            });
        }
        iterations += 1;
        observer.on_event(&walras_core::Event::Progress {
            what: "sweep iteration",
            done: iterations as u64,
            total: None,
        });
        let (lam, dlam) = model.backward(&path, &times, rho);
        let response =
            model.best_response(&mut solver, &path, &lam, &dlam, &times, rho, &mut slot_warm)?;
        let change = response.gap;
        if change < options.tolerance {
            // Report the best response to these costates (the allocation the subsidies
            // decentralise) unless that loses more welfare than the tolerance allows.
            if let Ok(p) = model.forward_open(x0, &response.best, &times) {
                let scale = value_scale(&path, &times, rho, utility);
                if welfare(&p, &times, rho, utility).0 >= welfare_now - options.tolerance * scale {
                    path = p;
                }
            }
            break (lam, change, response);
        }
        let best = &response.best;
        if iterations >= options.max_iterations {
            return Err(ModelError::NoConvergence {
                what: "planner forward-backward sweep".into(),
                iterations,
                residual: change,
            });
        }
        // Line search on welfare along the step toward the best response. The first-order
        // gain of the full step is at least the Hamiltonian gap (H is concave in the
        // allocation); the slack absorbs rounding in the welfare sum.
        let gain = change * value_scale(&path, &times, rho, utility);
        let slack = 1e-12 * (1.0 + welfare_now.abs());
        let mut w = step;
        loop {
            let trial: Vec<Alloc> = controls
                .iter()
                .zip(best)
                .map(|((l, k), (bl, bk))| {
                    (
                        l.iter().zip(bl).map(|(a, b)| a + w * (b - a)).collect(),
                        k.iter().zip(bk).map(|(a, b)| a + w * (b - a)).collect(),
                    )
                })
                .collect();
            if let Ok(p) = model.forward_open(x0, &trial, &times) {
                let value = welfare(&p, &times, rho, utility).0;
                if value >= welfare_now + 1e-4 * w * gain - slack {
                    path = p;
                    controls = trial;
                    welfare_now = value;
                    break;
                }
            }
            w *= 0.5;
            if w < 1e-12 {
                return Err(ModelError::NoConvergence {
                    what: "planner forward-backward sweep (line search)".into(),
                    iterations,
                    residual: change,
                });
            }
        }
        step = (2.0 * w).min(options.relaxation);
    };
    let (planner_normalised, discount_mass) = welfare(&path, &times, rho, utility);
    let (market_normalised, _) = welfare(&market, &times, rho, utility);
    let constant = utility.value_at_one() * discount_mass;
    let (planner_welfare, market_welfare) =
        (planner_normalised + constant, market_normalised + constant);
    let envelope = Envelope {
        discount: discount_derivative(&path, &times, rho, utility),
        capital: response.capital_value,
        labor: response.labor_value,
    };
    let factor = if utility.is_log() {
        ((planner_welfare - market_welfare) / discount_mass).exp()
    } else {
        // (W_p / W_m)^(1/(1-eta)), from the normalised welfare's difference (no rounding
        // of the constant near eta = 1)
        (((planner_normalised - market_normalised) / market_welfare).ln_1p()
            / (1.0 - utility.eta()))
        .exp()
    };
    let subsidy = path
        .nodes
        .iter()
        .zip(&lam)
        .map(|(p, l)| {
            let mu = utility.marginal(p.output);
            (0..n)
                .map(|i| l[i] * p.ek[i] / (model.mass[i] * mu))
                .collect()
        })
        .collect();
    Ok(PlannerResult {
        times,
        planner_output: path.nodes.iter().map(|p| p.output).collect(),
        market_output: market.nodes.iter().map(|p| p.output).collect(),
        planner_capital: path.nodes.iter().map(|p| p.k.clone()).collect(),
        market_capital: market.nodes.iter().map(|p| p.k.clone()).collect(),
        planner_data: path.states,
        market_data: market.states,
        subsidy,
        costate: lam,
        planner_welfare,
        market_welfare,
        welfare_gap_pct: 100.0 * (factor - 1.0),
        iterations,
        last_change,
        envelope,
    })
}

/// The allocations of a path at its slots.
fn market_controls(p: &Path) -> Vec<Alloc> {
    let mut c = Vec::with_capacity(2 * p.mids.len() + 1);
    for k in 0..p.mids.len() {
        c.push((p.nodes[k].l.clone(), p.nodes[k].k.clone()));
        c.push((p.mids[k].l.clone(), p.mids[k].k.clone()));
    }
    let last = p.nodes.last().expect("a path has nodes");
    c.push((last.l.clone(), last.k.clone()));
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::solve_planner;

    fn three_tasks() -> Economy {
        let mut e = Economy::symmetric(3, 0.8);
        e.mass = vec![0.5, 0.3, 0.2];
        e.chi = 0.5;
        e.labor_productivity = vec![1.0, 1.2, 0.8];
        e.ai_productivity = vec![1.0, 0.7, 1.3];
        e.verifiability = vec![0.9, 0.5, 0.2];
        e.spill = DMatrix::from_row_slice(3, 3, &[1.0, 0.3, 0.1, 0.2, 1.0, 0.4, 0.5, 0.1, 1.0]);
        e
    }

    /// The planner's path is optimal among paths generated by other costate schedules: the
    /// closed-loop path with the costates scaled, shifted in time or zeroed (the market) never
    /// has higher welfare.
    #[test]
    fn planner_welfare_beats_perturbed_costate_schedules() {
        let e = three_tasks();
        let data0 = [1.0, 0.5, 0.2];
        let options = PlannerOptions::default();
        let r = solve_planner(&e, &data0, &options).unwrap();
        let model = Model::dda1(&e, options.utility);
        let mut solver = model.solver(options.capital);
        let times = &r.times;
        let rho = options.discount;
        let n = r.costate.len();
        let welfare_with = |solver: &mut StaticSolver, lam: &[Vec<f64>]| -> f64 {
            // costate derivatives by differences (only used for half-step interpolation)
            let dlam: Vec<Vec<f64>> = (0..n)
                .map(|k| {
                    let (a, b) = (k.saturating_sub(1), (k + 1).min(n - 1));
                    (0..3)
                        .map(|i| (lam[b][i] - lam[a][i]) / (times[b] - times[a]))
                        .collect()
                })
                .collect();
            let path = model.forward(solver, &data0, lam, &dlam, times).unwrap();
            welfare(&path, times, rho, options.utility).0
        };
        let best = welfare_with(&mut solver, &r.costate);
        assert!(
            (best - r.planner_welfare).abs() < 1e-6 * best.abs(),
            "closed loop {best} vs {}",
            r.planner_welfare
        );
        for scale in [0.0, 0.5, 0.8, 0.95, 1.05, 1.25, 2.0] {
            let lam: Vec<Vec<f64>> = r
                .costate
                .iter()
                .map(|l| l.iter().map(|v| scale * v).collect())
                .collect();
            let w = welfare_with(&mut solver, &lam);
            assert!(
                w <= r.planner_welfare + 1e-7 * best.abs(),
                "scale {scale}: {w} > {}",
                r.planner_welfare
            );
        }
        for (shift, task) in [(20usize, 0usize), (40, 1), (60, 2)] {
            let lam: Vec<Vec<f64>> = (0..n)
                .map(|k| {
                    let mut v = r.costate[(k + shift).min(n - 1)].clone();
                    v[task] *= 1.1;
                    v
                })
                .collect();
            let w = welfare_with(&mut solver, &lam);
            assert!(
                w <= r.planner_welfare + 1e-7 * best.abs(),
                "shift {shift}: {w} > {}",
                r.planner_welfare
            );
        }
        assert!(r.market_welfare < r.planner_welfare);
    }
}
