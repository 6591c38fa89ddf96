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
    residual_and_objectives_dp,
};
use crate::error::{check_len, NfxpError, Result};
use crate::model::{Equilibrium, Welfare};

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
                return Err(NfxpError::UnknownObjective {
                    index: k,
                    count: n_objectives,
                });
            }
        }
        if let Criterion::Weighted(w) | Criterion::SumOfLogs(w) = self {
            if let Some(&(_, bad)) = w.iter().find(|(_, wt)| !wt.is_finite()) {
                return Err(NfxpError::InvalidOption {
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
                    return Err(NfxpError::InvalidOption {
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
    adjoint_gradients_factored(model, x, policy, objectives, wrt).map(|(g, _)| g)
}

/// [`adjoint_gradients`], also returning the factorisation of dF/dx at `x` (for chord Newton
/// steps at nearby policies).
pub(crate) fn adjoint_gradients_factored<M: Welfare + ?Sized>(
    model: &M,
    x: &[f64],
    policy: &[f64],
    objectives: &[usize],
    wrt: &[usize],
) -> Result<(ObjectiveGradients, crate::linalg::Factorization)> {
    check_len("equilibrium x", model.n_unknowns(), x.len())?;
    model.policy_space().check(policy)?;
    for &k in objectives {
        if k >= model.n_objectives() {
            return Err(NfxpError::UnknownObjective {
                index: k,
                count: model.n_objectives(),
            });
        }
    }
    // One set of passes seeded on x and p together, unless the model's sparsity pattern makes
    // colouring dF/dx separately cheaper.
    let (values, jac_x, f_p, w_x, w_p) =
        if let Some(d) = model.analytic_derivatives(x, policy, objectives, wrt) {
            (d.values, d.f_x, d.f_p, d.w_x, d.w_p)
        } else if model.jacobian_sparsity().is_none() {
            let d = residual_and_objectives_all(model, objectives, x, policy, wrt);
            (d.values, d.f_x, d.f_p, d.w_x, d.w_p)
        } else {
            let (_, jac_x) = residual_and_jacobian_x(model, x, policy);
            let (values, w_x) = objectives_dx(model, objectives, x, policy);
            let (f_p, w_p) = residual_and_objectives_dp(model, objectives, x, policy, wrt);
            (values, jac_x, f_p, w_x, w_p)
        };
    // (dF/dx)^T V = (dW/dx)^T, one column per objective.
    let factor =
        crate::linalg::Factorization::new(&jac_x).ok_or_else(|| singular(model, &jac_x))?;
    let v = factor
        .solve(&w_x.transpose(), true)
        .ok_or_else(|| singular(model, &jac_x))?;
    let gradients = w_p - v.transpose() * f_p;
    Ok((ObjectiveGradients { values, gradients }, factor))
}

/// Value and adjoint gradient of a [`Criterion`] with respect to the policy indices `wrt`.
pub fn criterion_gradient<M: Welfare + ?Sized>(
    model: &M,
    criterion: &Criterion,
    x: &[f64],
    policy: &[f64],
    wrt: &[usize],
) -> Result<(f64, Vec<f64>)> {
    criterion.validate(model.n_objectives())?;
    let grads = adjoint_gradients(model, x, policy, &criterion.objectives(), wrt)?;
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
    Ok((value, gradient))
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
    crate::linalg::lu_solve(&jac_x, &(-f_p)).ok_or_else(|| singular(model, &jac_x))
}

/// The singular-Jacobian error, naming non-finite entries, unknowns with no effect on any
/// equation (all-zero columns) and equations that no unknown moves (all-zero rows).
fn singular<M: Equilibrium + ?Sized>(model: &M, jac: &DMatrix<f64>) -> NfxpError {
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
    NfxpError::SingularJacobian {
        detail: if parts.is_empty() {
            String::new()
        } else {
            format!(": {}", parts.join("; "))
        },
    }
}
