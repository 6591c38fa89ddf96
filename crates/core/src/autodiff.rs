//! Forward-mode derivatives of a model by dual numbers: dense or column-coloured Jacobians of the
//! residual, and derivatives of objectives. Several directions are propagated per pass
//! (`DualSVec64<CHUNK>`), so an n-column Jacobian costs ceil(n / CHUNK) residual evaluations.

use nalgebra::{DMatrix, SVector};
use num_dual::{Derivative, DualSVec64};

use crate::model::{Equilibrium, Welfare};

/// Most directional derivatives carried by one dual-number pass (fewer when fewer are needed).
pub const CHUNK: usize = 8;

fn constant<const N: usize>(v: &[f64]) -> Vec<DualSVec64<N>> {
    v.iter().map(|&r| DualSVec64::<N>::from_re(r)).collect()
}

/// Seed `base` so that every index in `groups[g]` carries unit derivative in slot `g - start`.
fn seeded<const N: usize>(
    base: &[f64],
    groups: &[Vec<usize>],
    start: usize,
    end: usize,
) -> Vec<DualSVec64<N>> {
    let mut vars = constant::<N>(base);
    for (slot, group) in groups[start..end].iter().enumerate() {
        let mut unit = SVector::<f64, N>::zeros();
        unit[slot] = 1.0;
        for &j in group {
            vars[j] = DualSVec64::<N>::new(base[j], Derivative::some(unit));
        }
    }
    vars
}

/// A function of dual numbers of any width: the model evaluations the Jacobians need.
pub(crate) trait DualEval {
    /// Evaluate with width-N duals.
    fn eval<const N: usize>(&mut self, vars: &[DualSVec64<N>], out: &mut [DualSVec64<N>]);
}

fn compressed_jacobian_n<const N: usize>(
    base: &[f64],
    groups: &[Vec<usize>],
    n_out: usize,
    eval: &mut impl DualEval,
) -> (Vec<f64>, DMatrix<f64>) {
    let mut values = vec![0.0; n_out];
    let mut jac = DMatrix::zeros(n_out, groups.len());
    let mut out = vec![DualSVec64::<N>::from_re(0.0); n_out];
    let mut start = 0;
    loop {
        let end = (start + N).min(groups.len());
        let vars = seeded::<N>(base, groups, start, end);
        eval.eval(&vars, &mut out);
        for (i, o) in out.iter().enumerate() {
            values[i] = o.re;
            let d = o.eps.unwrap_generic(nalgebra::Const::<N>, nalgebra::U1);
            for slot in 0..end - start {
                jac[(i, start + slot)] = d[slot];
            }
        }
        start = end;
        if start >= groups.len() {
            break;
        }
    }
    (values, jac)
}

/// Run `eval` with seeds on the index groups of `base`, with the narrowest dual type that
/// carries all groups in one pass (up to [`CHUNK`]); return the real parts of the outputs and
/// the compressed Jacobian (outputs x groups).
fn compressed_jacobian(
    base: &[f64],
    groups: &[Vec<usize>],
    n_out: usize,
    mut eval: impl DualEval,
) -> (Vec<f64>, DMatrix<f64>) {
    match groups.len() {
        0 | 1 => compressed_jacobian_n::<1>(base, groups, n_out, &mut eval),
        2 => compressed_jacobian_n::<2>(base, groups, n_out, &mut eval),
        3 | 4 => compressed_jacobian_n::<4>(base, groups, n_out, &mut eval),
        _ => compressed_jacobian_n::<CHUNK>(base, groups, n_out, &mut eval),
    }
}

fn singletons(indices: impl Iterator<Item = usize>) -> Vec<Vec<usize>> {
    indices.map(|i| vec![i]).collect()
}

/// Greedy column colouring: columns in one group never share a non-zero row.
pub fn colour_columns(n_cols: usize, nonzeros: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut rows_of_col: Vec<Vec<usize>> = vec![Vec::new(); n_cols];
    let mut n_rows = 0;
    for &(r, c) in nonzeros {
        rows_of_col[c].push(r);
        n_rows = n_rows.max(r + 1);
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut rows_used: Vec<Vec<bool>> = Vec::new();
    for (c, rows) in rows_of_col.iter().enumerate() {
        let slot = (0..groups.len()).find(|&g| rows.iter().all(|&r| !rows_used[g][r]));
        let g = slot.unwrap_or_else(|| {
            groups.push(Vec::new());
            rows_used.push(vec![false; n_rows]);
            groups.len() - 1
        });
        groups[g].push(c);
        for &r in rows {
            rows_used[g][r] = true;
        }
    }
    groups
}

/// Residual F(x, p) in f64.
pub fn residual<M: Equilibrium + ?Sized>(model: &M, x: &[f64], policy: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; model.n_unknowns()];
    model.residual(x, policy, &mut out);
    out
}

/// Residual F(x, p) and the Jacobian dF/dx: the model's analytic one if it has it, else dual
/// numbers (column-coloured when the model declares a sparsity pattern).
pub fn residual_and_jacobian_x<M: Equilibrium + ?Sized>(
    model: &M,
    x: &[f64],
    policy: &[f64],
) -> (Vec<f64>, DMatrix<f64>) {
    if let Some(jac) = model.jacobian_x(x, policy) {
        return (residual(model, x, policy), jac);
    }
    let n = model.n_unknowns();
    struct ResidualInX<'a, M: ?Sized> {
        model: &'a M,
        policy: &'a [f64],
    }
    impl<M: Equilibrium + ?Sized> DualEval for ResidualInX<'_, M> {
        fn eval<const N: usize>(&mut self, xd: &[DualSVec64<N>], out: &mut [DualSVec64<N>]) {
            self.model.residual(xd, &constant::<N>(self.policy), out)
        }
    }
    let eval = ResidualInX { model, policy };
    match model.jacobian_sparsity() {
        None => compressed_jacobian(x, &singletons(0..n), n, eval),
        Some(nonzeros) => {
            let groups = colour_columns(n, &nonzeros);
            let (values, compressed) = compressed_jacobian(x, &groups, n, eval);
            let mut colour_of = vec![0; n];
            for (g, cols) in groups.iter().enumerate() {
                for &c in cols {
                    colour_of[c] = g;
                }
            }
            let mut jac = DMatrix::zeros(n, n);
            for &(r, c) in &nonzeros {
                jac[(r, c)] = compressed[(r, colour_of[c])];
            }
            (values, jac)
        }
    }
}

/// dF/dp restricted to the policy indices `wrt` (n x wrt.len()).
pub fn jacobian_p<M: Equilibrium + ?Sized>(
    model: &M,
    x: &[f64],
    policy: &[f64],
    wrt: &[usize],
) -> DMatrix<f64> {
    struct ResidualInP<'a, M: ?Sized> {
        model: &'a M,
        x: &'a [f64],
    }
    impl<M: Equilibrium + ?Sized> DualEval for ResidualInP<'_, M> {
        fn eval<const N: usize>(&mut self, pd: &[DualSVec64<N>], out: &mut [DualSVec64<N>]) {
            self.model.residual(&constant::<N>(self.x), pd, out)
        }
    }
    let groups = singletons(wrt.iter().copied());
    compressed_jacobian(
        policy,
        &groups,
        model.n_unknowns(),
        ResidualInP { model, x },
    )
    .1
}

/// Objective values W_k and their derivatives with respect to x (objectives x n).
pub fn objectives_dx<M: Welfare + ?Sized>(
    model: &M,
    objectives: &[usize],
    x: &[f64],
    policy: &[f64],
) -> (Vec<f64>, DMatrix<f64>) {
    struct ObjectivesInX<'a, M: ?Sized> {
        model: &'a M,
        objectives: &'a [usize],
        policy: &'a [f64],
    }
    impl<M: Welfare + ?Sized> DualEval for ObjectivesInX<'_, M> {
        fn eval<const N: usize>(&mut self, xd: &[DualSVec64<N>], out: &mut [DualSVec64<N>]) {
            let p = constant::<N>(self.policy);
            for (o, &k) in out.iter_mut().zip(self.objectives) {
                *o = self.model.objective(k, xd, &p);
            }
        }
    }
    compressed_jacobian(
        x,
        &singletons(0..x.len()),
        objectives.len(),
        ObjectivesInX {
            model,
            objectives,
            policy,
        },
    )
}

/// The residual's and the objectives' derivatives with respect to the policy indices `wrt`,
/// from the same dual-number passes: (dF/dp: n x wrt.len(), dW/dp: objectives x wrt.len()).
pub fn residual_and_objectives_dp<M: Welfare + ?Sized>(
    model: &M,
    objectives: &[usize],
    x: &[f64],
    policy: &[f64],
    wrt: &[usize],
) -> (DMatrix<f64>, DMatrix<f64>) {
    let n = model.n_unknowns();
    struct BothInP<'a, M: ?Sized> {
        model: &'a M,
        objectives: &'a [usize],
        x: &'a [f64],
    }
    impl<M: Welfare + ?Sized> DualEval for BothInP<'_, M> {
        fn eval<const N: usize>(&mut self, pd: &[DualSVec64<N>], out: &mut [DualSVec64<N>]) {
            let xd = constant::<N>(self.x);
            let (f, w) = out.split_at_mut(self.model.n_unknowns());
            self.model
                .residual_and_objectives(&xd, pd, self.objectives, f, w);
        }
    }
    let groups = singletons(wrt.iter().copied());
    let (_, jac) = compressed_jacobian(
        policy,
        &groups,
        n + objectives.len(),
        BothInP {
            model,
            objectives,
            x,
        },
    );
    (
        jac.rows(0, n).into_owned(),
        jac.rows(n, objectives.len()).into_owned(),
    )
}

/// Objective values W_k(x, p) in f64.
pub fn objective_values<M: Welfare + ?Sized>(
    model: &M,
    objectives: &[usize],
    x: &[f64],
    policy: &[f64],
) -> Vec<f64> {
    objectives
        .iter()
        .map(|&k| model.objective(k, x, policy))
        .collect()
}

/// Every first derivative the adjoint needs, at one point.
#[derive(Clone, Debug)]
pub struct AllDerivatives {
    /// Objective values W_k.
    pub values: Vec<f64>,
    /// dF/dx (n x n).
    pub f_x: DMatrix<f64>,
    /// dF/dp for the requested policy indices (n x wrt).
    pub f_p: DMatrix<f64>,
    /// dW/dx (objectives x n).
    pub w_x: DMatrix<f64>,
    /// dW/dp (objectives x wrt).
    pub w_p: DMatrix<f64>,
}

/// Every first derivative the adjoint needs from one set of dual-number passes seeded on x and
/// the policy indices `wrt` together.
pub fn residual_and_objectives_all<M: Welfare + ?Sized>(
    model: &M,
    objectives: &[usize],
    x: &[f64],
    policy: &[f64],
    wrt: &[usize],
) -> AllDerivatives {
    let n = model.n_unknowns();
    struct Both<'a, M: ?Sized> {
        model: &'a M,
        objectives: &'a [usize],
        n: usize,
    }
    impl<M: Welfare + ?Sized> DualEval for Both<'_, M> {
        fn eval<const N: usize>(&mut self, vars: &[DualSVec64<N>], out: &mut [DualSVec64<N>]) {
            let (xd, pd) = vars.split_at(self.n);
            let (f, w) = out.split_at_mut(self.n);
            self.model
                .residual_and_objectives(xd, pd, self.objectives, f, w);
        }
    }
    let base: Vec<f64> = x.iter().chain(policy).copied().collect();
    let groups: Vec<Vec<usize>> = (0..n)
        .map(|i| vec![i])
        .chain(wrt.iter().map(|&j| vec![n + j]))
        .collect();
    let k = objectives.len();
    let (values, jac) = compressed_jacobian(
        &base,
        &groups,
        n + k,
        Both {
            model,
            objectives,
            n,
        },
    );
    let m = wrt.len();
    AllDerivatives {
        values: values[n..].to_vec(),
        f_x: jac.view((0, 0), (n, n)).into_owned(),
        f_p: jac.view((0, n), (n, m)).into_owned(),
        w_x: jac.view((n, 0), (k, n)).into_owned(),
        w_p: jac.view((n, n), (k, m)).into_owned(),
    }
}
