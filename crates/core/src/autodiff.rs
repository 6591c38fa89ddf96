//! Forward-mode derivatives of a model by dual numbers: dense or column-coloured Jacobians of the
//! residual, and derivatives of objectives. Several directions are propagated per pass
//! (`DualSVec64<CHUNK>`), so an n-column Jacobian costs ceil(n / CHUNK) residual evaluations.

use nalgebra::{DMatrix, SVector};
use num_dual::{Derivative, DualSVec64};

use crate::model::{Equilibrium, Welfare};

/// Number of directional derivatives carried by one dual-number pass.
pub const CHUNK: usize = 8;
type Chunk = DualSVec64<CHUNK>;

fn constant(v: &[f64]) -> Vec<Chunk> {
    v.iter().map(|&r| Chunk::from_re(r)).collect()
}

/// Seed `base` so that every index in `groups[g]` carries unit derivative in slot `g - start`.
fn seeded(base: &[f64], groups: &[Vec<usize>], start: usize, end: usize) -> Vec<Chunk> {
    let mut vars = constant(base);
    for (slot, group) in groups[start..end].iter().enumerate() {
        let mut unit = SVector::<f64, CHUNK>::zeros();
        unit[slot] = 1.0;
        for &j in group {
            vars[j] = Chunk::new(base[j], Derivative::some(unit));
        }
    }
    vars
}

fn derivative_slots(value: &Chunk) -> SVector<f64, CHUNK> {
    value
        .eps
        .unwrap_generic(nalgebra::Const::<CHUNK>, nalgebra::U1)
}

/// Run `eval` with seeds on the index groups of `base`; return the real parts of the outputs
/// and the compressed Jacobian (outputs x groups).
fn compressed_jacobian(
    base: &[f64],
    groups: &[Vec<usize>],
    n_out: usize,
    mut eval: impl FnMut(&[Chunk], &mut [Chunk]),
) -> (Vec<f64>, DMatrix<f64>) {
    let mut values = vec![0.0; n_out];
    let mut jac = DMatrix::zeros(n_out, groups.len());
    let mut out = vec![Chunk::from_re(0.0); n_out];
    let mut start = 0;
    loop {
        let end = (start + CHUNK).min(groups.len());
        let vars = seeded(base, groups, start, end);
        eval(&vars, &mut out);
        for (i, o) in out.iter().enumerate() {
            values[i] = o.re;
            let d = derivative_slots(o);
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
    let p = constant(policy);
    let eval = |xd: &[Chunk], out: &mut [Chunk]| model.residual(xd, &p, out);
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
    let xd = constant(x);
    let groups = singletons(wrt.iter().copied());
    compressed_jacobian(policy, &groups, model.n_unknowns(), |pd, out| {
        model.residual(&xd, pd, out)
    })
    .1
}

/// Objective values W_k and their derivatives with respect to x (objectives x n).
pub fn objectives_dx<M: Welfare + ?Sized>(
    model: &M,
    objectives: &[usize],
    x: &[f64],
    policy: &[f64],
) -> (Vec<f64>, DMatrix<f64>) {
    let p = constant(policy);
    compressed_jacobian(x, &singletons(0..x.len()), objectives.len(), |xd, out| {
        for (o, &k) in out.iter_mut().zip(objectives) {
            *o = model.objective(k, xd, &p);
        }
    })
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
    let xd = constant(x);
    let groups = singletons(wrt.iter().copied());
    let (_, jac) = compressed_jacobian(policy, &groups, n + objectives.len(), |pd, out| {
        let (f, w) = out.split_at_mut(n);
        model.residual(&xd, pd, f);
        for (o, &k) in w.iter_mut().zip(objectives) {
            *o = model.objective(k, &xd, pd);
        }
    });
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
