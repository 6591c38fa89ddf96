//! Exact second derivatives of objectives along the equilibrium, by second-order implicit
//! differentiation with num-dual hyper-dual numbers.
//!
//! At a solved equilibrium x*(p), let J = dF/dx, v_r the adjoint of objective r
//! (J^T v_r = (dW_r/dx)^T) and L_r = W_r - v_r^T F its Lagrangian. Since F(x*(p), p) = 0,
//! W_r(x*(p), p) = L_r(x*(p), p); differentiating twice, the term in d^2x*/dp^2 is multiplied
//! by dL_r/dx = 0, so
//!
//!   d^2 W_r(x*(p), p) / dp_i dp_k = u_i^T (Hessian of L_r) u_k,  u_k = (dx*/dp_k, e_k).
//!
//! One hyper-dual evaluation of F and W_r at (x, p) + eps1 u_i + eps2 u_k gives that entry
//! exactly, without any differencing step.

use nalgebra::{DMatrix, SMatrix};
use num_dual::{Derivative, HyperDualSVec64};

use crate::error::Result;
use crate::game::{stacked_layout, validate_players, Player};
use crate::implicit::{sensitivities, Sensitivities};
use crate::model::Welfare;

/// Second directions per hyper-dual pass: one pass seeds eps1 with one tangent direction and
/// eps2 with this many (the last pass is padded with zero directions).
const DIRECTIONS_PER_PASS: usize = 8;

/// The exact Jacobian of players' own gradients along the equilibrium at (`policy`, its
/// equilibrium `x`): rows and columns are the players' instruments in order (player by
/// player), and entry (i, k) is the derivative in instrument k of the gradient of instrument
/// i's owner in instrument i, with x following x*(p). This is the matrix that
/// [`StackedFoc`](crate::StackedFoc) approximates by forward differences
/// ([`differenced_gradient_jacobian`](crate::differenced_gradient_jacobian)); a player's own
/// block is its reduced Hessian.
///
/// Costs one factorisation of dF/dx and m x m/8 hyper-dual evaluations of the model for m
/// instruments (each pass seeds one direction and eight others), against m applications of
/// first derivatives for the finite differences: exact, but growing with m^2.
pub fn exact_gradient_jacobian<M: Welfare + ?Sized>(
    model: &M,
    players: &[Player],
    policy: &[f64],
    x: &[f64],
) -> Result<DMatrix<f64>> {
    exact_gradient_jacobian_with(model, players, policy, x, &[])
}

/// [`exact_gradient_jacobian`] with more columns: the derivatives of the players' own
/// gradients in the policy entries `extra` as well (entries no player controls, such as a
/// model's parameters appended by [`WithParameters`](crate::WithParameters)), after the
/// instruments' m columns: an m x (m + extra.len()) matrix.
pub fn exact_gradient_jacobian_with<M: Welfare + ?Sized>(
    model: &M,
    players: &[Player],
    policy: &[f64],
    x: &[f64],
    extra: &[usize],
) -> Result<DMatrix<f64>> {
    use rayon::prelude::*;
    validate_players(model, players)?;
    let (objectives, mut wrt, owner) = stacked_layout(players);
    let m = wrt.len();
    wrt.extend_from_slice(extra);
    let (n, columns) = (x.len(), wrt.len());
    let Sensitivities { dxdp, adjoint, .. } =
        sensitivities(model, x, policy, &objectives, &wrt, &crate::NoObserver)?;
    let rows: Vec<Vec<f64>> = (0..m)
        .into_par_iter()
        .map(|i| {
            let r = owner[i];
            let lagrangian = Lagrangian {
                model,
                objective: objectives[r],
                adjoint: adjoint.column(r).iter().copied().collect(),
                x,
                policy,
            };
            let first = Direction::new(&dxdp, &wrt, i);
            (0..columns)
                .step_by(DIRECTIONS_PER_PASS)
                .flat_map(|k0| {
                    let seconds: Vec<Direction> = (k0..columns.min(k0 + DIRECTIONS_PER_PASS))
                        .map(|k| Direction::new(&dxdp, &wrt, k))
                        .collect();
                    lagrangian.second_derivatives(n, &first, &seconds)
                })
                .collect()
        })
        .collect();
    Ok(DMatrix::from_fn(m, columns, |i, k| rows[i][k]))
}

/// A tangent direction u_k = (dx*/dp_k, e_k).
struct Direction<'a> {
    dx: nalgebra::DMatrixView<'a, f64>,
    policy_index: usize,
}

impl<'a> Direction<'a> {
    fn new(dxdp: &'a DMatrix<f64>, wrt: &[usize], k: usize) -> Self {
        Direction {
            dx: dxdp.columns(k, 1),
            policy_index: wrt[k],
        }
    }
}

/// L_r = W_r - v_r^T F at one point, for one objective r and its adjoint v_r.
struct Lagrangian<'a, M: ?Sized> {
    model: &'a M,
    objective: usize,
    adjoint: Vec<f64>,
    x: &'a [f64],
    policy: &'a [f64],
}

type Seeded = HyperDualSVec64<1, DIRECTIONS_PER_PASS>;

impl<M: Welfare + ?Sized> Lagrangian<'_, M> {
    /// u_first^T (Hessian of L) u_k for each direction k in `seconds` (at most
    /// DIRECTIONS_PER_PASS), from one hyper-dual evaluation.
    fn second_derivatives(&self, n: usize, first: &Direction, seconds: &[Direction]) -> Vec<f64> {
        let seed = |value: f64, along_first: f64, along_second: &dyn Fn(usize) -> f64| {
            Seeded::new(
                value,
                Derivative::some(SMatrix::<f64, 1, 1>::new(along_first)),
                Derivative::some(SMatrix::<f64, 1, DIRECTIONS_PER_PASS>::from_fn(|_, c| {
                    if c < seconds.len() {
                        along_second(c)
                    } else {
                        0.0
                    }
                })),
                Derivative::none(),
            )
        };
        let x: Vec<Seeded> = (0..n)
            .map(|j| seed(self.x[j], first.dx[j], &|c| seconds[c].dx[j]))
            .collect();
        let policy: Vec<Seeded> = (0..self.policy.len())
            .map(|i| {
                let unit = |index: usize| if index == i { 1.0 } else { 0.0 };
                seed(self.policy[i], unit(first.policy_index), &|c| {
                    unit(seconds[c].policy_index)
                })
            })
            .collect();
        let mut residual = vec![Seeded::from_re(0.0); n];
        let mut values = [Seeded::from_re(0.0)];
        self.model.residual_and_objectives(
            &x,
            &policy,
            &[self.objective],
            &mut residual,
            &mut values,
        );
        let mut value = values[0];
        for (f, v) in residual.iter().zip(&self.adjoint) {
            value -= *f * *v;
        }
        let mixed = value
            .eps1eps2
            .unwrap_generic(nalgebra::Const::<1>, nalgebra::Const::<DIRECTIONS_PER_PASS>);
        (0..seconds.len()).map(|c| mixed[(0, c)]).collect()
    }
}
