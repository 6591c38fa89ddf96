//! The model interface: an equilibrium residual F(x, p) = 0 and objectives W(x, p), written once
//! and generic over the scalar.

use nalgebra::DMatrix;
use num_dual::DualNumCopy;

use crate::policy::PolicySpace;

/// The scalar a model is written in: `f64`, or any forward-mode dual number of num-dual
/// (`Dual64`, `DualSVec64<N>`, `HyperDual64`, ...). Models are plain arithmetic over `D`;
/// the engine chooses `D` to obtain values or exact derivatives.
pub trait Scalar: DualNumCopy<f64> {}
impl<D: DualNumCopy<f64>> Scalar for D {}

/// An economy's equilibrium conditions F(x, p) = 0 in unknowns x given policy p.
///
/// Implement [`residual`](Equilibrium::residual) once, generically; Jacobians come from dual
/// numbers. A model may add an analytic Jacobian ([`jacobian_x`](Equilibrium::jacobian_x)), a
/// sparsity pattern that makes the dual-number Jacobian cheaper
/// ([`jacobian_sparsity`](Equilibrium::jacobian_sparsity)), or an economically motivated
/// fixed-point map for the fallback solver ([`fixed_point_map`](Equilibrium::fixed_point_map)).
pub trait Equilibrium: Sync {
    /// Number of unknowns x (and of equations).
    fn n_unknowns(&self) -> usize;

    /// The policy parameters p: names, bounds and the blocks players own.
    fn policy_space(&self) -> &PolicySpace;

    /// Starting point for the inner solve when no warm start is available.
    fn initial_guess(&self, policy: &[f64]) -> Vec<f64>;

    /// The equilibrium residual F(x, p), written into `out` (length [`n_unknowns`](Self::n_unknowns)).
    fn residual<D: Scalar>(&self, x: &[D], policy: &[D], out: &mut [D]);

    /// Human-readable name of unknown `i`, used in error messages and reports.
    fn unknown_name(&self, i: usize) -> String {
        format!("x[{i}]")
    }

    /// An analytic dF/dx at (x, p), if the model has one; `None` (the default) uses dual numbers.
    fn jacobian_x(&self, _x: &[f64], _policy: &[f64]) -> Option<DMatrix<f64>> {
        None
    }

    /// Structural non-zeros of dF/dx as (row, column) pairs, if known. The engine then colours
    /// the columns and evaluates several independent columns per dual-number pass.
    fn jacobian_sparsity(&self) -> Option<Vec<(usize, usize)>> {
        None
    }

    /// The model's own solver, for equilibria Newton cannot reach on its own (a regime search
    /// across the kinks of a threshold rule, say): the equilibrium at `policy`, or `None` (the
    /// default) to use the engine's solver. [`solve`](crate::solve) checks the residual of what
    /// it returns against the tolerance and polishes it with its own iterations where it falls
    /// short, so a solution labelled converged is an equilibrium; implicit derivatives then come
    /// from [`residual`](Self::residual) at the solution, as for any model. An `Err` names why
    /// the model could not solve itself.
    fn structured_solve(
        &self,
        _policy: &[f64],
        _warm_start: Option<&[f64]>,
    ) -> Option<std::result::Result<Vec<f64>, String>> {
        None
    }

    /// Identities every equilibrium satisfies beyond F = 0, each as (name, residual in the
    /// model's own relative scale): for example Walras's law for the market-clearing equation
    /// that F drops. [`solve`](crate::solve) checks them at the point it returns against
    /// [`SolverOptions::identity_tol`](crate::SolverOptions::identity_tol), so that a point
    /// labelled converged is an equilibrium. None by default.
    fn identities(&self, _x: &[f64], _policy: &[f64]) -> Vec<(String, f64)> {
        Vec::new()
    }

    /// A fixed-point map G with G(x) = x exactly at equilibria, used by the fallback solver.
    /// The default is G(x) = x - F(x); models with a natural tatonnement (wage updates, price
    /// updates) should override it.
    fn fixed_point_map(&self, x: &[f64], policy: &[f64], out: &mut [f64]) {
        self.residual(x, policy, out);
        for (o, xi) in out.iter_mut().zip(x) {
            *o = xi - *o;
        }
    }
}

/// Objectives W_k(x, p) evaluated at the equilibrium: welfare of each player, a planner's social
/// welfare, revenue, ... Written once, generically, like the residual.
pub trait Welfare: Equilibrium {
    /// Number of objectives.
    fn n_objectives(&self) -> usize;

    /// Objective `k` at (x, p). Larger is better: the engine maximises.
    fn objective<D: Scalar>(&self, k: usize, x: &[D], policy: &[D]) -> D;

    /// Every first derivative the adjoint needs at (x, p) -- dF/dx, dF/dp and dW/dx, dW/dp for
    /// the listed objectives and policy indices `wrt` -- from the model's own analytic
    /// derivatives, if it has them. `None` (the default) uses dual numbers.
    fn analytic_derivatives(
        &self,
        _x: &[f64],
        _policy: &[f64],
        _objectives: &[usize],
        _wrt: &[usize],
    ) -> Option<crate::autodiff::AllDerivatives> {
        None
    }

    /// The derivatives at (x, p) for the listed objectives and policy indices `wrt` as an
    /// [`AdjointOperator`], if the model can apply them without forming dF/dx (cheaper for
    /// adjoints). `None` (the default): adjoints use the full derivatives.
    fn adjoint_operator(
        &self,
        _x: &[f64],
        _policy: &[f64],
        _objectives: &[usize],
        _wrt: &[usize],
    ) -> Option<Box<dyn AdjointOperator + '_>> {
        None
    }

    /// Human-readable name of objective `k`.
    fn objective_name(&self, k: usize) -> String {
        format!("W[{k}]")
    }

    /// The residual and the listed objectives together. Override when the two share work
    /// (e.g. one pass over agents); the default calls [`Equilibrium::residual`] and
    /// [`objective`](Welfare::objective).
    fn residual_and_objectives<D: Scalar>(
        &self,
        x: &[D],
        policy: &[D],
        objectives: &[usize],
        residual: &mut [D],
        values: &mut [D],
    ) {
        self.residual(x, policy, residual);
        for (v, &k) in values.iter_mut().zip(objectives) {
            *v = self.objective(k, x, policy);
        }
    }
}

/// A model's first derivatives at one point, for some objectives and policy indices, applied
/// rather than formed: what adjoint solves need.
pub trait AdjointOperator: Send + Sync {
    /// The objectives' values W_k.
    fn values(&self) -> &[f64];

    /// [dW/dx - V^T dF/dx, dW/dp - V^T dF/dp] (objectives x (n + wrt)) for an n x objectives
    /// matrix V (column r goes with objective r). With V = 0: [dW/dx, dW/dp]. With the adjoint
    /// V: the residual of the adjoint system (transposed), and the gradients.
    fn adjoint_rows(&self, v: &DMatrix<f64>) -> DMatrix<f64>;

    /// dF/dx (n x n), formed.
    fn jacobian_x(&self) -> DMatrix<f64>;
}
