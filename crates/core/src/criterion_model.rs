//! A model whose only objective is a [`Criterion`] of another model's objectives, so that the
//! stacked first-order-condition solver (Newton-type steps with exact gradients) can polish
//! the optimum of any criterion, cooperative aggregates included.

use crate::autodiff::AllDerivatives;
use crate::error::Result;
use crate::implicit::Criterion;
use crate::model::{Equilibrium, Scalar, Welfare};
use crate::policy::PolicySpace;

/// `model` with one objective: `criterion` of its objectives (same equilibrium).
pub struct CriterionModel<'a, M: ?Sized> {
    model: &'a M,
    criterion: Criterion,
    objectives: Vec<usize>,
}

impl<'a, M: Welfare + ?Sized> CriterionModel<'a, M> {
    /// The criterion must name objectives of `model`.
    pub fn new(model: &'a M, criterion: Criterion) -> Result<Self> {
        criterion.validate(model.n_objectives())?;
        let objectives = criterion.objectives();
        Ok(Self {
            model,
            criterion,
            objectives,
        })
    }
}

impl<M: Welfare + ?Sized> Equilibrium for CriterionModel<'_, M> {
    fn n_unknowns(&self) -> usize {
        self.model.n_unknowns()
    }
    fn policy_space(&self) -> &PolicySpace {
        self.model.policy_space()
    }
    fn initial_guess(&self, policy: &[f64]) -> Vec<f64> {
        self.model.initial_guess(policy)
    }
    fn residual<D: Scalar>(&self, x: &[D], policy: &[D], out: &mut [D]) {
        self.model.residual(x, policy, out)
    }
    fn unknown_name(&self, i: usize) -> String {
        self.model.unknown_name(i)
    }
    fn jacobian_x(&self, x: &[f64], policy: &[f64]) -> Option<nalgebra::DMatrix<f64>> {
        self.model.jacobian_x(x, policy)
    }
    fn jacobian_sparsity(&self) -> Option<Vec<(usize, usize)>> {
        self.model.jacobian_sparsity()
    }
    fn fixed_point_map(&self, x: &[f64], policy: &[f64], out: &mut [f64]) {
        self.model.fixed_point_map(x, policy, out)
    }
}

impl<M: Welfare + ?Sized> Welfare for CriterionModel<'_, M> {
    fn n_objectives(&self) -> usize {
        1
    }
    fn objective<D: Scalar>(&self, _k: usize, x: &[D], policy: &[D]) -> D {
        let term = |k: usize| self.model.objective(k, x, policy);
        match &self.criterion {
            Criterion::Single(k) => term(*k),
            Criterion::Weighted(w) => w.iter().fold(D::zero(), |acc, &(k, wt)| acc + term(k) * wt),
            Criterion::SumOfLogs(w) => w
                .iter()
                .fold(D::zero(), |acc, &(k, wt)| acc + term(k).ln() * wt),
        }
    }
    fn analytic_derivatives(
        &self,
        x: &[f64],
        policy: &[f64],
        objectives: &[usize],
        wrt: &[usize],
    ) -> Option<AllDerivatives> {
        let d = self
            .model
            .analytic_derivatives(x, policy, &self.objectives, wrt)?;
        let (value, weights) = self.criterion.combine(&d.values).ok()?;
        // The criterion's derivatives are the weighted sums of its objectives' rows.
        let row = |m: &nalgebra::DMatrix<f64>| {
            let mut r = nalgebra::RowDVector::zeros(m.ncols());
            for (k, w) in weights.iter().enumerate() {
                r += m.row(k) * *w;
            }
            r
        };
        let (w_x, w_p) = (row(&d.w_x), row(&d.w_p));
        let k = objectives.len();
        Some(AllDerivatives {
            values: vec![value; k],
            f_x: d.f_x,
            f_p: d.f_p,
            w_x: nalgebra::DMatrix::from_fn(k, w_x.len(), |_, c| w_x[c]),
            w_p: nalgebra::DMatrix::from_fn(k, w_p.len(), |_, c| w_p[c]),
        })
    }
    fn objective_name(&self, _k: usize) -> String {
        format!("{:?}", self.criterion)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::ArmingtonWorld;
    use crate::implicit::{adjoint_gradients, criterion_gradient};
    use crate::solve::{solve, SolverOptions};

    #[test]
    fn the_criterion_model_has_the_criterion_value_and_gradient() {
        // (Sums of logs need positive objectives: tested on the trade model, whose welfare
        // changes are ratios, in walras-trade's tests/derivatives.rs.)
        let world = ArmingtonWorld::seeded(5, 5.0, 11);
        let p = vec![0.15, 0.1, 0.2, 0.05, 0.3];
        let x = solve(&world, &p, None, &SolverOptions::default())
            .unwrap()
            .x;
        let all: Vec<usize> = (0..5).collect();
        for criterion in [
            Criterion::Single(2),
            Criterion::Weighted(vec![(0, 1.0), (3, 2.0)]),
        ] {
            let (value, gradient) = criterion_gradient(&world, &criterion, &x, &p, &all).unwrap();
            let model = CriterionModel::new(&world, criterion.clone()).unwrap();
            let g = adjoint_gradients(&model, &x, &p, &[0], &all).unwrap();
            assert!((g.values[0] - value).abs() < 1e-12, "{criterion:?}");
            for (a, b) in g.gradients.row(0).iter().zip(&gradient) {
                assert!((a - b).abs() < 1e-10, "{criterion:?}: {a} vs {b}");
            }
        }
        assert!(CriterionModel::new(&world, Criterion::Single(9)).is_err());
    }
}
