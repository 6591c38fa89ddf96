//! Comparative statics of Nash and optimal policies by the implicit function theorem.
//!
//! At a solution p* (a Nash equilibrium: every player's own first-order conditions; an
//! optimum: one player's), the stacked conditions G(p, theta) = 0 hold, where G stacks each
//! player's exact total gradient in its own instruments and theta are the model's parameters
//! (elasticities, ...). Then
//!
//!   dp*/dtheta = -(dG/dp)^-1 dG/dtheta,
//!
//! with both blocks exact second derivatives along the equilibrium (hyper-dual numbers, see
//! [`exact_gradient_jacobian_with`]); an instrument at an active bound has derivative 0.
//! Objectives follow by the chain rule, dW*/dtheta = dW/dtheta + dW/dp dp*/dtheta, where the
//! first term holds the policy fixed and lets the equilibrium x*(p, theta) move.

use nalgebra::DMatrix;
use serde::Serialize;

use crate::error::{invalid, EngineError, Result};
use crate::game::{stacked_layout, validate_players, Player};
use crate::implicit::adjoint_gradients;
use crate::model::{Equilibrium, Scalar, Welfare};
use crate::policy::PolicySpace;
use crate::second_order::exact_gradient_jacobian_with;

/// A model whose residual and objectives depend on parameters theta that comparative statics
/// may vary: written once, generic over the scalar of the parameters too.
pub trait Parametric: Welfare {
    /// Number of parameters.
    fn n_parameters(&self) -> usize;

    /// Name of parameter `k` (e.g. `theta:Agriculture`).
    fn parameter_name(&self, k: usize) -> String;

    /// The parameters' values in the model.
    fn parameter_values(&self) -> Vec<f64>;

    /// The residual F(x, p; theta) with `parameters` in place of the model's values.
    fn residual_with<D: Scalar>(&self, x: &[D], policy: &[D], parameters: &[D], out: &mut [D]);

    /// Objective `k` at (x, p; theta) with `parameters` in place of the model's values.
    fn objective_with<D: Scalar>(&self, k: usize, x: &[D], policy: &[D], parameters: &[D]) -> D;

    /// The residual and the listed objectives together (override when they share work).
    fn residual_and_objectives_with<D: Scalar>(
        &self,
        x: &[D],
        policy: &[D],
        parameters: &[D],
        objectives: &[usize],
        residual: &mut [D],
        values: &mut [D],
    ) {
        self.residual_with(x, policy, parameters, residual);
        for (v, &k) in values.iter_mut().zip(objectives) {
            *v = self.objective_with(k, x, policy, parameters);
        }
    }
}

/// `model` with its parameters appended to the policy vector as entries no player owns, so
/// that the engine's exact derivatives in policies are derivatives in parameters too. Only
/// meant to be differentiated at the model's own parameter values.
pub struct WithParameters<'a, M: ?Sized> {
    model: &'a M,
    space: PolicySpace,
    n_policy: usize,
    values: Vec<f64>,
}

impl<'a, M: Parametric + ?Sized> WithParameters<'a, M> {
    /// The augmented model; parameter names must not repeat a policy name.
    pub fn new(model: &'a M) -> Result<Self> {
        let mut space = model.policy_space().clone();
        let n_policy = space.len();
        let values = model.parameter_values();
        if values.len() != model.n_parameters() {
            return Err(EngineError::DimensionMismatch {
                what: "parameter values".into(),
                expected: model.n_parameters(),
                found: values.len(),
            });
        }
        for k in 0..values.len() {
            space.push(model.parameter_name(k), f64::NEG_INFINITY, f64::INFINITY)?;
        }
        Ok(Self {
            model,
            space,
            n_policy,
            values,
        })
    }

    /// The augmented policy vector: `policy` followed by the parameters' values.
    pub fn extend(&self, policy: &[f64]) -> Vec<f64> {
        let mut p = policy.to_vec();
        p.extend_from_slice(&self.values);
        p
    }

    /// Indices of the parameters in the augmented policy vector.
    pub fn parameter_indices(&self) -> Vec<usize> {
        (self.n_policy..self.space.len()).collect()
    }
}

impl<M: Parametric + ?Sized> Equilibrium for WithParameters<'_, M> {
    fn n_unknowns(&self) -> usize {
        self.model.n_unknowns()
    }
    fn policy_space(&self) -> &PolicySpace {
        &self.space
    }
    fn initial_guess(&self, policy: &[f64]) -> Vec<f64> {
        self.model.initial_guess(&policy[..self.n_policy])
    }
    fn residual<D: Scalar>(&self, x: &[D], policy: &[D], out: &mut [D]) {
        let (p, theta) = policy.split_at(self.n_policy);
        self.model.residual_with(x, p, theta, out)
    }
    fn unknown_name(&self, i: usize) -> String {
        self.model.unknown_name(i)
    }
    fn jacobian_x(&self, x: &[f64], policy: &[f64]) -> Option<DMatrix<f64>> {
        // The model's own analytic dF/dx holds at its own parameter values only.
        let (p, theta) = policy.split_at(self.n_policy);
        (theta == self.values.as_slice())
            .then(|| self.model.jacobian_x(x, p))
            .flatten()
    }
    fn jacobian_sparsity(&self) -> Option<Vec<(usize, usize)>> {
        self.model.jacobian_sparsity()
    }
}

impl<M: Parametric + ?Sized> Welfare for WithParameters<'_, M> {
    fn n_objectives(&self) -> usize {
        self.model.n_objectives()
    }
    fn objective<D: Scalar>(&self, k: usize, x: &[D], policy: &[D]) -> D {
        let (p, theta) = policy.split_at(self.n_policy);
        self.model.objective_with(k, x, p, theta)
    }
    fn objective_name(&self, k: usize) -> String {
        self.model.objective_name(k)
    }
    fn residual_and_objectives<D: Scalar>(
        &self,
        x: &[D],
        policy: &[D],
        objectives: &[usize],
        residual: &mut [D],
        values: &mut [D],
    ) {
        let (p, theta) = policy.split_at(self.n_policy);
        self.model
            .residual_and_objectives_with(x, p, theta, objectives, residual, values)
    }
}

/// Settings of [`comparative_statics`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct StaticsOptions {
    /// An instrument within this distance of a bound is at it.
    pub bound_tol: f64,
    /// At a bound, a first-order gradient (the bound's multiplier) below this in absolute
    /// value means the bound is weakly active: it would switch for a parameter change in one
    /// direction.
    pub switch_tol: f64,
    /// Directions of dG/dp whose singular value is below this times the largest are flat:
    /// the policy is not identified along them.
    pub flat_tol: f64,
}

impl Default for StaticsOptions {
    fn default() -> Self {
        StaticsOptions {
            bound_tol: 1e-7,
            switch_tol: 1e-6,
            flat_tol: 1e-9,
        }
    }
}

/// Which bound an instrument is at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bound {
    /// The lower bound.
    Lower,
    /// The upper bound.
    Upper,
}

/// dp*/dtheta at a solution, with what a reader needs to trust it.
#[derive(Clone, Debug)]
pub struct ComparativeStatics {
    /// The instruments (policy indices, player by player), the rows of `jacobian`.
    pub instruments: Vec<usize>,
    /// The parameters (augmented policy indices), the columns.
    pub parameters: Vec<usize>,
    /// dp*_i/dtheta_k.
    pub jacobian: DMatrix<f64>,
    /// dG/dp: each instrument's own gradient differentiated in every instrument (rows and
    /// columns in the order of `instruments`), at the solution. A nearby solve can start
    /// from it ([`crate::StackedFoc::with_initial_jacobian`]).
    pub foc_jacobian: DMatrix<f64>,
    /// Each instrument's own first-order gradient at the solution.
    pub gradient: Vec<f64>,
    /// The bound each instrument is held at, if any (its derivative is then 0).
    pub bound: Vec<Option<Bound>>,
    /// Bounds that would switch for a parameter change in one direction (weakly active).
    pub switching: Vec<bool>,
    /// Condition number of dG/dp over the free instruments (1 if none is free).
    pub condition_number: f64,
    /// Unit directions over `instruments` along which dG/dp is flat: the policy is not
    /// identified along them, and `jacobian` holds the derivatives of its identified part
    /// (the minimum-norm solution).
    pub flat_directions: Vec<Vec<f64>>,
}

/// dp*/dtheta at the solution (`policy`, its equilibrium `x`) of the `players`' stacked
/// first-order conditions (one player: an optimum; several: a Nash equilibrium), for the
/// policy entries `parameters` that no player controls (see [`WithParameters`]).
pub fn comparative_statics<M: Welfare + ?Sized>(
    model: &M,
    players: &[Player],
    policy: &[f64],
    x: &[f64],
    parameters: &[usize],
    options: &StaticsOptions,
) -> Result<ComparativeStatics> {
    validate_players(model, players)?;
    let (objectives, instruments, owner) = stacked_layout(players);
    for &k in parameters {
        if k >= policy.len() || instruments.contains(&k) {
            return Err(invalid(
                "parameters",
                k.to_string(),
                "a parameter must be a policy entry that no player controls",
            ));
        }
    }
    let m = instruments.len();
    let g_all = exact_gradient_jacobian_with(model, players, policy, x, parameters)?;
    let own = adjoint_gradients(model, x, policy, &objectives, &instruments)?;
    let gradient: Vec<f64> = (0..m).map(|i| own.gradients[(owner[i], i)]).collect();
    let space = model.policy_space();
    let mut bound = vec![None; m];
    let mut switching = vec![false; m];
    for (i, &p) in instruments.iter().enumerate() {
        let (lo, hi, v, g) = (space.lower()[p], space.upper()[p], policy[p], gradient[i]);
        let at = if v - lo <= options.bound_tol && g <= options.switch_tol {
            Some(Bound::Lower)
        } else if hi - v <= options.bound_tol && g >= -options.switch_tol {
            Some(Bound::Upper)
        } else {
            None
        };
        switching[i] = at.is_some() && g.abs() <= options.switch_tol;
        bound[i] = at;
    }
    let free: Vec<usize> = (0..m).filter(|&i| bound[i].is_none()).collect();
    let q = parameters.len();
    let mut jacobian = DMatrix::zeros(m, q);
    let mut condition_number = 1.0;
    let mut flat_directions = Vec::new();
    if !free.is_empty() {
        let a = DMatrix::from_fn(free.len(), free.len(), |r, c| g_all[(free[r], free[c])]);
        let b = DMatrix::from_fn(free.len(), q, |r, c| g_all[(free[r], m + c)]);
        let svd = a.svd(true, true);
        let (u, v_t) = match (&svd.u, &svd.v_t) {
            (Some(u), Some(v_t)) => (u, v_t),
            _ => return Err(invalid("dG/dp", "SVD", "did not converge")),
        };
        let s = &svd.singular_values;
        let largest = s.max();
        let smallest = s.min();
        if !(largest.is_finite() && largest > 0.0) {
            return Err(invalid(
                "dG/dp",
                format!("largest singular value {largest}"),
                "the first-order conditions do not depend on the free instruments",
            ));
        }
        condition_number = largest / smallest;
        // Minimum-norm solution of A J = -B, dropping flat directions.
        let mut solution = DMatrix::zeros(free.len(), q);
        for (k, &sk) in s.iter().enumerate() {
            if sk <= options.flat_tol * largest {
                let mut direction = vec![0.0; m];
                for (r, &i) in free.iter().enumerate() {
                    direction[i] = v_t[(k, r)];
                }
                flat_directions.push(direction);
                continue;
            }
            let coefficients = u.column(k).transpose() * &b / sk;
            solution -= v_t.row(k).transpose() * coefficients;
        }
        for (r, &i) in free.iter().enumerate() {
            jacobian.set_row(i, &solution.row(r));
        }
    }
    Ok(ComparativeStatics {
        foc_jacobian: g_all.columns(0, m).into_owned(),
        instruments,
        parameters: parameters.to_vec(),
        jacobian,
        gradient,
        bound,
        switching,
        condition_number,
        flat_directions,
    })
}

/// Objectives' responses to the parameters, with the policy following
/// [`ComparativeStatics::jacobian`].
#[derive(Clone, Debug)]
pub struct ObjectiveResponse {
    /// The objectives' values at the solution.
    pub values: Vec<f64>,
    /// dW_r/dtheta_k at fixed policy (the equilibrium follows).
    pub direct: DMatrix<f64>,
    /// dW_r*/dtheta_k: `direct` plus the policy's response.
    pub total: DMatrix<f64>,
    /// dW_r/dp_i, for each instrument of the statics.
    pub policy_gradient: DMatrix<f64>,
}

impl ObjectiveResponse {
    /// dW_r*/dtheta by the envelope theorem: the direct effect and the instruments of others
    /// only, leaving out `own` (the instruments whose owner maximises objective row `r`).
    pub fn envelope(&self, statics: &ComparativeStatics, r: usize, own: &[bool]) -> Vec<f64> {
        (0..statics.parameters.len())
            .map(|k| {
                self.direct[(r, k)]
                    + (0..statics.instruments.len())
                        .filter(|&i| !own[i])
                        .map(|i| self.policy_gradient[(r, i)] * statics.jacobian[(i, k)])
                        .sum::<f64>()
            })
            .collect()
    }
}

/// dW*/dtheta for `objectives` of `model` at the solution that `statics` describes.
pub fn objective_response<M: Welfare + ?Sized>(
    model: &M,
    policy: &[f64],
    x: &[f64],
    objectives: &[usize],
    statics: &ComparativeStatics,
) -> Result<ObjectiveResponse> {
    let mut wrt = statics.instruments.clone();
    wrt.extend_from_slice(&statics.parameters);
    let g = adjoint_gradients(model, x, policy, objectives, &wrt)?;
    let m = statics.instruments.len();
    let policy_gradient = g.gradients.columns(0, m).into_owned();
    let direct = g
        .gradients
        .columns(m, statics.parameters.len())
        .into_owned();
    let total = &direct + &policy_gradient * &statics.jacobian;
    Ok(ObjectiveResponse {
        values: g.values,
        direct,
        total,
        policy_gradient,
    })
}
