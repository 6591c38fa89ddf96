//! Exact derivatives of equilibrium outcomes by the implicit function theorem, at a solved
//! equilibrium: never by differentiating through solver iterations.
//!
//! * Adjoint form: one transposed solve per objective, (dF/dx)^T v = dW/dx, then
//!   dW*/dp = dW/dp - v^T dF/dp.
//! * Tangent form: dx*/dp = -(dF/dx)^{-1} dF/dp.

use nalgebra::DMatrix;
use serde::Serialize;

use crate::autodiff::{
    jacobian_p, objectives_dx, residual_and_jacobian_x, residual_and_objectives_all,
    residual_and_objectives_dp, AllDerivatives,
};
use crate::error::{check_len, invalid, EngineError, Result};
use crate::linalg::Factorization;
use crate::model::{AdjointOperator, Equilibrium, Welfare};
use crate::observe::{self, Event, NoObserver, Observer, Timed};

/// A scalar criterion built from a model's objectives.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Criterion {
    /// Objective k alone.
    Single(usize),
    /// Sum of weight x objective.
    Weighted(Vec<(usize, f64)>),
    /// Sum of weight x ln(objective); every objective must stay positive.
    SumOfLogs(Vec<(usize, f64)>),
}

impl Criterion {
    /// Equal weights on objectives `0..n`.
    pub fn utilitarian(n: usize) -> Self {
        Criterion::Weighted((0..n).map(|k| (k, 1.0)).collect())
    }

    /// The objectives the criterion reads, in order.
    pub fn objectives(&self) -> Vec<usize> {
        match self {
            Criterion::Single(k) => vec![*k],
            Criterion::Weighted(w) | Criterion::SumOfLogs(w) => w.iter().map(|&(k, _)| k).collect(),
        }
    }

    pub(crate) fn validate(&self, n_objectives: usize) -> Result<()> {
        for k in self.objectives() {
            if k >= n_objectives {
                return Err(EngineError::UnknownObjective {
                    index: k,
                    count: n_objectives,
                });
            }
        }
        if let Criterion::Weighted(w) | Criterion::SumOfLogs(w) = self {
            if let Some(&(_, bad)) = w.iter().find(|(_, wt)| !wt.is_finite()) {
                return Err(EngineError::InvalidOption {
                    field: "criterion weight",
                    value: bad.to_string(),
                    reason: "weights must be finite",
                });
            }
        }
        Ok(())
    }

    /// The criterion's value and its derivative with respect to each objective's value.
    pub(crate) fn combine(&self, values: &[f64]) -> Result<(f64, Vec<f64>)> {
        Ok(match self {
            Criterion::Single(_) => (values[0], vec![1.0]),
            Criterion::Weighted(w) => (
                w.iter().zip(values).map(|((_, wt), v)| wt * v).sum(),
                w.iter().map(|&(_, wt)| wt).collect(),
            ),
            Criterion::SumOfLogs(w) => {
                if let Some((&(k, _), &v)) =
                    w.iter().zip(values).find(|(_, &v)| v.is_nan() || v <= 0.0)
                {
                    return Err(EngineError::InvalidOption {
                        field: "criterion",
                        value: format!("objective {k} = {v}"),
                        reason: "a sum of logs needs every objective > 0",
                    });
                }
                (
                    w.iter().zip(values).map(|((_, wt), v)| wt * v.ln()).sum(),
                    w.iter().zip(values).map(|((_, wt), v)| wt / v).collect(),
                )
            }
        })
    }
}

/// Values and exact total derivatives of several objectives at a solved equilibrium.
#[derive(Clone, Debug)]
pub struct ObjectiveGradients {
    /// W_k(x*, p) for each requested objective.
    pub values: Vec<f64>,
    /// dW_k(x*(p), p)/dp_j: one row per objective, one column per index in `wrt`.
    pub gradients: DMatrix<f64>,
}

/// Adjoint-form gradients of `objectives` with respect to the policy indices `wrt`, at the
/// equilibrium `x` of `policy`. One LU factorisation of (dF/dx)^T serves all objectives.
pub fn adjoint_gradients<M: Welfare + ?Sized>(
    model: &M,
    x: &[f64],
    policy: &[f64],
    objectives: &[usize],
    wrt: &[usize],
) -> Result<ObjectiveGradients> {
    adjoint_gradients_factored(model, x, policy, objectives, wrt, None, &NoObserver).map(|(g, _)| g)
}

/// [`adjoint_gradients`] that can reuse `reuse`, a factorisation of dF/dx at a nearby point:
/// the adjoint system is then solved by iterative refinement with it (exact at convergence,
/// no new factorisation). If there is none, or refinement does not contract fast, dF/dx is
/// factorised afresh and that factorisation is returned too (for Broyden steps and
/// later reuse at nearby policies).
pub(crate) fn adjoint_gradients_factored<M: Welfare + ?Sized>(
    model: &M,
    x: &[f64],
    policy: &[f64],
    objectives: &[usize],
    wrt: &[usize],
    reuse: Option<&crate::linalg::Factorization>,
    observer: &dyn Observer,
) -> Result<(ObjectiveGradients, Option<crate::linalg::Factorization>)> {
    check_len("equilibrium x", model.n_unknowns(), x.len())?;
    model.policy_space().check(policy)?;
    let _measure = observe::measure(observer, Timed::Gradient);
    for &k in objectives {
        if k >= model.n_objectives() {
            return Err(EngineError::UnknownObjective {
                index: k,
                count: model.n_objectives(),
            });
        }
    }
    let n = x.len();
    let d = PointDerivatives::at(model, x, policy, objectives, wrt, observer);
    // (dF/dx)^T V = (dW/dx)^T, one column per objective.
    let (rhs, w_p) = d.objective_rows(n);
    let reuse = reuse.filter(|f| f.worth_reusing());
    if let Some(factor) = reuse {
        // The adjoint residual B - (dF/dx)^T V; applied derivatives give the gradients with it.
        let mut applied_rows = None;
        let residual = |v: &DMatrix<f64>| match &d {
            PointDerivatives::Formed(all) => &rhs - crate::linalg::mat_mul(&all.f_x, v, true),
            PointDerivatives::Applied(op) => {
                let rows = op.adjoint_rows(v);
                let r = rows.columns(0, n).transpose();
                applied_rows = Some(rows);
                r
            }
        };
        if let Some(v) = refine_transposed(factor, &rhs, residual, observer) {
            let gradients = match applied_rows {
                Some(rows) => rows.columns(n, wrt.len()).into_owned(),
                None => d.gradients(&w_p, &v),
            };
            let values = d.values().to_vec();
            return Ok((ObjectiveGradients { values, gradients }, None));
        }
    }
    let jac_x = d.jacobian_x();
    let factor = crate::linalg::Factorization::new(&jac_x, observer)
        .ok_or_else(|| singular(model, &jac_x))?;
    let v = factor
        .solve(&rhs, true)
        .ok_or_else(|| singular(model, &jac_x))?;
    let gradients = d.gradients(&w_p, &v);
    let values = d.values().to_vec();
    Ok((ObjectiveGradients { values, gradients }, Some(factor)))
}

/// A model's derivatives at one point: applied by the model (see [`AdjointOperator`]), or
/// formed (analytic or dual numbers).
enum PointDerivatives<'a> {
    Applied(Box<dyn AdjointOperator + 'a>),
    Formed(AllDerivatives),
}

impl<'a> PointDerivatives<'a> {
    fn at<M: Welfare + ?Sized>(
        model: &'a M,
        x: &[f64],
        policy: &[f64],
        objectives: &[usize],
        wrt: &[usize],
        observer: &dyn Observer,
    ) -> Self {
        let applied = observe::measure_some(observer, Timed::Derivatives, || {
            model.adjoint_operator(x, policy, objectives, wrt)
        });
        if let Some(op) = applied {
            return PointDerivatives::Applied(op);
        }
        PointDerivatives::Formed(derivatives_at(model, x, policy, objectives, wrt, observer))
    }

    fn values(&self) -> &[f64] {
        match self {
            PointDerivatives::Applied(op) => op.values(),
            PointDerivatives::Formed(all) => &all.values,
        }
    }

    /// [dW/dx - V^T dF/dx, dW/dp - V^T dF/dp] (objectives x (n + wrt)).
    fn rows(&self, v: &DMatrix<f64>) -> DMatrix<f64> {
        match self {
            PointDerivatives::Applied(op) => op.adjoint_rows(v),
            PointDerivatives::Formed(all) => {
                let (n, m) = (all.f_x.ncols(), all.f_p.ncols());
                let mut rows = DMatrix::zeros(all.values.len(), n + m);
                rows.columns_mut(0, n)
                    .copy_from(&(&all.w_x - crate::linalg::mat_mul(v, &all.f_x, true)));
                rows.columns_mut(n, m)
                    .copy_from(&(&all.w_p - crate::linalg::mat_mul(v, &all.f_p, true)));
                rows
            }
        }
    }

    /// (dW/dx)^T (n x objectives) and dW/dp, for n unknowns.
    fn objective_rows(&self, n: usize) -> (DMatrix<f64>, DMatrix<f64>) {
        match self {
            PointDerivatives::Applied(op) => {
                let rows = op.adjoint_rows(&DMatrix::zeros(n, op.values().len()));
                let m = rows.ncols() - n;
                (
                    rows.columns(0, n).transpose(),
                    rows.columns(n, m).into_owned(),
                )
            }
            PointDerivatives::Formed(all) => (all.w_x.transpose(), all.w_p.clone()),
        }
    }

    /// dW/dp - V^T dF/dp, given dW/dp (formed derivatives skip the dF/dx part).
    fn gradients(&self, w_p: &DMatrix<f64>, v: &DMatrix<f64>) -> DMatrix<f64> {
        match self {
            PointDerivatives::Applied(_) => {
                let rows = self.rows(v);
                let n = v.nrows();
                rows.columns(n, rows.ncols() - n).into_owned()
            }
            PointDerivatives::Formed(all) => w_p - crate::linalg::mat_mul(v, &all.f_p, true),
        }
    }

    fn jacobian_x(&self) -> std::borrow::Cow<'_, DMatrix<f64>> {
        match self {
            PointDerivatives::Applied(op) => std::borrow::Cow::Owned(op.jacobian_x()),
            PointDerivatives::Formed(all) => std::borrow::Cow::Borrowed(&all.f_x),
        }
    }
}

const REFINE_STEPS: usize = 16;
const REFINE_RATE: f64 = 0.3;

/// Solve A^T V = B by iterative refinement with the factorisation of a nearby matrix:
/// V += F^-T R(V), with R(V) = B - A^T V given by `residual`, until the residual is at rounding
/// level. None unless every step cuts the residual at least by a factor REFINE_RATE (within REFINE_STEPS steps): a step costs two
/// triangular solves and a product, so a slow contraction is dearer than a new factorisation.
/// (GMRES preconditioned by the same factorisation was tried: on the trade model's Jacobians
/// it needed as many iterations per column, and the columns cannot share them.)
fn refine_transposed(
    factor: &crate::linalg::Factorization,
    b: &DMatrix<f64>,
    mut residual: impl FnMut(&DMatrix<f64>) -> DMatrix<f64>,
    observer: &dyn Observer,
) -> Option<DMatrix<f64>> {
    let _measure = observe::measure(observer, Timed::Refinement);
    let target = 1e-13 * b.amax().max(f64::MIN_POSITIVE) * (b.nrows() as f64).sqrt();
    let mut v = factor.solve(b, true)?;
    let mut previous = f64::INFINITY;
    for step in 0..REFINE_STEPS {
        let step = step as f64;
        let r = residual(&v);
        let norm = r.amax();
        if norm <= target {
            return Some(v);
        }
        let rate = norm / previous;
        if norm.is_nan() || rate >= REFINE_RATE {
            return None;
        }
        // Give up at once if this rate cannot reach the target within the step budget (a
        // fresh factorisation is then cheaper than the steps still to come).
        if previous.is_finite() && step + (target / norm).ln() / rate.ln() > REFINE_STEPS as f64 {
            return None;
        }
        previous = norm;
        observer.on_event(&Event::RefinementStep);
        v += factor.solve(&r, true)?;
    }
    None
}

/// Value and adjoint gradient of a [`Criterion`] with respect to the policy indices `wrt`.
pub fn criterion_gradient<M: Welfare + ?Sized>(
    model: &M,
    criterion: &Criterion,
    x: &[f64],
    policy: &[f64],
    wrt: &[usize],
) -> Result<(f64, Vec<f64>)> {
    criterion_gradient_factored(model, criterion, x, policy, wrt, None, &NoObserver)
        .map(|(v, g, _)| (v, g))
}

/// [`criterion_gradient`] reusing a nearby factorisation if it can (see
/// `adjoint_gradients_factored`); returns a new factorisation if it made one.
pub(crate) fn criterion_gradient_factored<M: Welfare + ?Sized>(
    model: &M,
    criterion: &Criterion,
    x: &[f64],
    policy: &[f64],
    wrt: &[usize],
    reuse: Option<&crate::linalg::Factorization>,
    observer: &dyn Observer,
) -> Result<(f64, Vec<f64>, Option<crate::linalg::Factorization>)> {
    criterion.validate(model.n_objectives())?;
    let (grads, factor) = adjoint_gradients_factored(
        model,
        x,
        policy,
        &criterion.objectives(),
        wrt,
        reuse,
        observer,
    )?;
    let (value, weights) = criterion.combine(&grads.values)?;
    let gradient = (0..wrt.len())
        .map(|j| {
            weights
                .iter()
                .enumerate()
                .map(|(r, w)| w * grads.gradients[(r, j)])
                .sum()
        })
        .collect();
    Ok((value, gradient, factor))
}

/// Tangent form: the sensitivity dx*/dp (n x wrt.len()) of the equilibrium to the policy
/// indices `wrt`.
pub fn tangent<M: Equilibrium + ?Sized>(
    model: &M,
    x: &[f64],
    policy: &[f64],
    wrt: &[usize],
) -> Result<DMatrix<f64>> {
    check_len("equilibrium x", model.n_unknowns(), x.len())?;
    model.policy_space().check(policy)?;
    let (_, jac_x) = residual_and_jacobian_x(model, x, policy);
    let f_p = jacobian_p(model, x, policy, wrt);
    crate::linalg::lu_solve(&jac_x, &(-f_p), &NoObserver).ok_or_else(|| singular(model, &jac_x))
}

/// Every first derivative at (x, policy): the model's analytic ones, or dual-number passes
/// seeded on x and p together, unless the model's sparsity pattern makes colouring dF/dx
/// separately cheaper.
fn derivatives_at<M: Welfare + ?Sized>(
    model: &M,
    x: &[f64],
    policy: &[f64],
    objectives: &[usize],
    wrt: &[usize],
    observer: &dyn Observer,
) -> AllDerivatives {
    let _measure = observe::measure(observer, Timed::Derivatives);
    if let Some(d) = model.analytic_derivatives(x, policy, objectives, wrt) {
        return d;
    }
    if model.jacobian_sparsity().is_none() {
        return residual_and_objectives_all(model, objectives, x, policy, wrt);
    }
    let (_, f_x) = residual_and_jacobian_x(model, x, policy);
    let (values, w_x) = objectives_dx(model, objectives, x, policy);
    let (f_p, w_p) = residual_and_objectives_dp(model, objectives, x, policy, wrt);
    AllDerivatives {
        values,
        f_x,
        f_p,
        w_x,
        w_p,
    }
}

/// What probes and exact second derivatives share at a solved equilibrium (x, policy): the
/// factorisation of dF/dx, the tangent dx*/dp for the policy indices `wrt`, and the adjoint of
/// each objective (one column each).
pub(crate) struct Sensitivities {
    pub factor: Factorization,
    pub dxdp: DMatrix<f64>,
    pub adjoint: DMatrix<f64>,
}

pub(crate) fn sensitivities<M: Welfare + ?Sized>(
    model: &M,
    x: &[f64],
    policy: &[f64],
    objectives: &[usize],
    wrt: &[usize],
    observer: &dyn Observer,
) -> Result<Sensitivities> {
    check_len("equilibrium x", model.n_unknowns(), x.len())?;
    model.policy_space().check(policy)?;
    let d = derivatives_at(model, x, policy, objectives, wrt, observer);
    let unsolvable = || singular(model, &d.f_x);
    let factor = Factorization::new(&d.f_x, observer).ok_or_else(unsolvable)?;
    let dxdp = factor.solve(&(-&d.f_p), false).ok_or_else(unsolvable)?;
    let adjoint = factor
        .solve(&d.w_x.transpose(), true)
        .ok_or_else(unsolvable)?;
    Ok(Sensitivities {
        factor,
        dxdp,
        adjoint,
    })
}

/// Players' own gradients after a step `h[k]` on each policy index `wrt[k]` alone, at the
/// tangent prediction x + h[k] dx*/dp_k of the equilibrium (no inner solve): the basis of a
/// finite-difference Jacobian of Nash first-order conditions. Entry (i, k) of
/// [`gradients`](Probes::gradients) is the gradient of objective `objectives[owner[i]]` with
/// respect to `wrt[i]` at probe k.
///
/// Each probe is linearised around (x, policy), to second order in h like the tangent
/// prediction itself: with J = dF/dx and v the adjoint at the point, a probe's adjoint is
/// v + J^-T c_k, where c_k = (dW/dx)_k^T - J_k^T v is of order h. Its gradients are then
/// a_k - c_k^T J^-1 dF/dp = a_k + c_k^T dx*/dp, with a_k = (dW/dp)_k - v^T (dF/dp)_k: the
/// tangent already holds J^-1 dF/dp, so a probe costs one application of the derivatives and
/// a few dot products, and no solve. [`base`](Probes::base) gives the gradients at the point
/// itself through the same linearisation (the base a difference should be taken from: the
/// same x, adjoint and arithmetic, so that the inner solve's error does not enter the
/// differences). One factorisation of dF/dx at x serves every set of steps.
pub(crate) struct Probes<'a, M: ?Sized> {
    model: &'a M,
    x: &'a [f64],
    policy: &'a [f64],
    objectives: &'a [usize],
    wrt: &'a [usize],
    owner: &'a [usize],
    at: Sensitivities,
    observer: &'a dyn Observer,
}

impl<'a, M: Welfare + ?Sized> Probes<'a, M> {
    pub(crate) fn new(
        model: &'a M,
        x: &'a [f64],
        policy: &'a [f64],
        objectives: &'a [usize],
        wrt: &'a [usize],
        owner: &'a [usize],
        observer: &'a dyn Observer,
    ) -> Result<Self> {
        check_len("owners of the probed indices", wrt.len(), owner.len())?;
        if let Some(&bad) = owner.iter().find(|&&r| r >= objectives.len()) {
            return Err(invalid("owner", bad, "must index the objectives"));
        }
        let at = sensitivities(model, x, policy, objectives, wrt, observer)?;
        Ok(Probes {
            model,
            x,
            policy,
            objectives,
            wrt,
            owner,
            at,
            observer,
        })
    }

    /// Entry (i, k): the gradient of instrument i's owner with respect to it at probe k.
    pub(crate) fn gradients(&self, h: &[f64]) -> Result<DMatrix<f64>> {
        use rayon::prelude::*;
        let m = self.wrt.len();
        check_len("probe steps", m, h.len())?;
        let columns: Vec<Vec<f64>> = (0..m)
            .into_par_iter()
            .map(|k| self.own_gradients(Some((k, h[k]))))
            .collect();
        let mut gradients = DMatrix::zeros(m, m);
        for (k, column) in columns.into_iter().enumerate() {
            gradients.set_column(k, &nalgebra::DVector::from_vec(column));
        }
        Ok(gradients)
    }

    /// The same gradients at the point itself, through the same linearisation.
    pub(crate) fn base(&self) -> Vec<f64> {
        self.own_gradients(None)
    }

    /// The factorisation of dF/dx at the point.
    pub(crate) fn into_factor(self) -> Factorization {
        self.at.factor
    }

    /// Own entries of a_k + c_k^T dx*/dp at the point shifted by `step` along column k (none:
    /// the point itself).
    fn own_gradients(&self, shift: Option<(usize, f64)>) -> Vec<f64> {
        let _measure = observe::measure(self.observer, Timed::Gradient);
        let (n, dxdp) = (self.x.len(), &self.at.dxdp);
        let mut xk = self.x.to_vec();
        let mut pk = self.policy.to_vec();
        if let Some((k, step)) = shift {
            for (a, d) in xk.iter_mut().zip(dxdp.column(k).iter()) {
                *a += step * d;
            }
            pk[self.wrt[k]] += step;
        }
        let rows = PointDerivatives::at(
            self.model,
            &xk,
            &pk,
            self.objectives,
            self.wrt,
            self.observer,
        )
        .rows(&self.at.adjoint);
        let c = rows.columns(0, n).transpose();
        (0..self.wrt.len())
            .map(|i| {
                let r = self.owner[i];
                rows[(r, n + i)] + c.column(r).dot(&dxdp.column(i))
            })
            .collect()
    }
}

/// The singular-Jacobian error, naming non-finite entries, unknowns with no effect on any
/// equation (all-zero columns) and equations that no unknown moves (all-zero rows).
fn singular<M: Equilibrium + ?Sized>(model: &M, jac: &DMatrix<f64>) -> EngineError {
    let (n, m) = jac.shape();
    let names = |idx: Vec<usize>| {
        idx.iter()
            .take(5)
            .map(|&i| model.unknown_name(i))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = Vec::new();
    let bad: Vec<usize> = (0..m)
        .filter(|&j| (0..n).any(|i| !jac[(i, j)].is_finite()))
        .collect();
    if !bad.is_empty() {
        parts.push(format!(
            "non-finite derivatives with respect to {}",
            names(bad)
        ));
    }
    let zero_cols: Vec<usize> = (0..m)
        .filter(|&j| (0..n).all(|i| jac[(i, j)] == 0.0))
        .collect();
    if !zero_cols.is_empty() {
        parts.push(format!("no equation depends on {}", names(zero_cols)));
    }
    let zero_rows: Vec<usize> = (0..n)
        .filter(|&i| (0..m).all(|j| jac[(i, j)] == 0.0))
        .collect();
    if !zero_rows.is_empty() {
        parts.push(format!(
            "no unknown moves the equation of {}",
            names(zero_rows)
        ));
    }
    EngineError::SingularJacobian {
        detail: if parts.is_empty() {
            String::new()
        } else {
            format!(": {}", parts.join("; "))
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::ArmingtonWorld;
    use crate::solve::{solve, SolverOptions};

    #[test]
    fn a_nearby_factorisation_gives_the_same_gradients_without_a_new_one() {
        // 60 countries: 119 unknowns, a system large enough for reuse to pay.
        let world = ArmingtonWorld::seeded(60, 5.0, 3);
        let options = SolverOptions::default();
        let all: Vec<usize> = (0..60).collect();
        let p0 = vec![0.1; 60];
        let x0 = solve(&world, &p0, None, &options).unwrap().x;
        let (_, factor0) =
            adjoint_gradients_factored(&world, &x0, &p0, &all, &all, None, &NoObserver).unwrap();
        let factor0 = factor0.expect("no reuse asked: a factorisation is made");
        // A nearby policy: refinement with the old factorisation, no new one, same gradients.
        let p1: Vec<f64> = p0
            .iter()
            .enumerate()
            .map(|(i, v)| v + 0.0002 * (i as f64 + 1.0))
            .collect();
        let x1 = solve(&world, &p1, Some(&x0), &options).unwrap().x;
        let fresh = adjoint_gradients(&world, &x1, &p1, &all, &all).unwrap();
        let (reused, made) =
            adjoint_gradients_factored(&world, &x1, &p1, &all, &all, Some(&factor0), &NoObserver)
                .unwrap();
        assert!(made.is_none(), "a nearby factorisation is reused");
        let diff = (&fresh.gradients - &reused.gradients).amax();
        assert!(diff < 1e-12 * fresh.gradients.amax().max(1.0), "{diff}");
        // A factorisation of an unrelated matrix: refinement does not contract, so dF/dx is
        // factorised afresh, and the gradients are still exact.
        let n = x1.len();
        let unrelated = DMatrix::from_fn(n, n, |i, j| {
            if i == j {
                10.0
            } else {
                1.0 / (1.0 + (i + 2 * j) as f64)
            }
        });
        let far = crate::linalg::Factorization::new(&unrelated, &NoObserver).unwrap();
        let (again, made) =
            adjoint_gradients_factored(&world, &x1, &p1, &all, &all, Some(&far), &NoObserver)
                .unwrap();
        assert!(made.is_some(), "a far factorisation is replaced");
        assert!((&fresh.gradients - &again.gradients).amax() < 1e-12);
        // Small systems always refactorise (as cheap as a refinement step).
        let small = ArmingtonWorld::seeded(4, 5.0, 3);
        let some: Vec<usize> = (0..4).collect();
        let q = vec![0.1; 4];
        let xs = solve(&small, &q, None, &options).unwrap().x;
        let (_, f) =
            adjoint_gradients_factored(&small, &xs, &q, &some, &some, None, &NoObserver).unwrap();
        let (_, made) =
            adjoint_gradients_factored(&small, &xs, &q, &some, &some, f.as_ref(), &NoObserver)
                .unwrap();
        assert!(made.is_some());
    }

    #[test]
    fn probe_gradients_match_adjoints_at_the_probes_to_second_order() {
        // Small (nalgebra) and large (faer) factorisations; each country owns its own tariff.
        for countries in [5, 50] {
            let world = ArmingtonWorld::seeded(countries, 5.0, 3);
            let options = SolverOptions::default();
            let all: Vec<usize> = (0..countries).collect();
            let p0: Vec<f64> = (0..countries).map(|i| 0.05 + 0.01 * i as f64).collect();
            let x0 = solve(&world, &p0, None, &options).unwrap().x;
            let h: Vec<f64> = (0..countries)
                .map(|i| if i % 2 == 0 { 1e-4 } else { -1e-4 })
                .collect();
            let probes = Probes::new(&world, &x0, &p0, &all, &all, &all, &NoObserver)
                .unwrap()
                .gradients(&h)
                .unwrap();
            let dxdp = tangent(&world, &x0, &p0, &all).unwrap();
            let mut worst: f64 = 0.0;
            for k in [0, countries / 2, countries - 1] {
                let mut pk = p0.clone();
                pk[k] += h[k];
                // The adjoint at the probe's tangent prediction, and at its equilibrium.
                let xk: Vec<f64> = (0..x0.len()).map(|r| x0[r] + h[k] * dxdp[(r, k)]).collect();
                let predicted = adjoint_gradients(&world, &xk, &pk, &all, &all).unwrap();
                let xs = solve(&world, &pk, Some(&x0), &options).unwrap().x;
                let solved = adjoint_gradients(&world, &xs, &pk, &all, &all).unwrap();
                for i in 0..countries {
                    let g = probes[(i, k)];
                    worst = worst
                        .max((g - predicted.gradients[(i, i)]).abs())
                        .max((g - solved.gradients[(i, i)]).abs());
                }
            }
            // Second order in h = 1e-4 (first-order errors would be about 1e-4 here).
            assert!(worst < 1e-7, "{countries} countries: {worst}");
        }
    }
}
