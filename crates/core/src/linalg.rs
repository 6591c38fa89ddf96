//! Dense linear solves for Newton steps and implicit gradients: LU with partial pivoting,
//! nalgebra's for small systems and faer's blocked, parallel factorisation for large ones
//! (about 10x faster at 1,000 unknowns). A [`Factorization`] can be kept and reused (Broyden
//! steps at nearby points, transposed solves for adjoints).

use nalgebra::DMatrix;

/// Systems at least this large go to faer.
const LARGE: usize = 96;

/// An LU factorisation of a square matrix A, for solves with A and with A^T.
pub(crate) enum Factorization {
    Small(
        DMatrix<f64>,
        nalgebra::LU<f64, nalgebra::Dyn, nalgebra::Dyn>,
    ),
    Large(faer::linalg::solvers::PartialPivLu<f64>),
}

impl Factorization {
    /// Factorise A; None if A is singular or not finite.
    pub(crate) fn new(a: &DMatrix<f64>, observer: &dyn crate::Observer) -> Option<Self> {
        let _measure = crate::observe::measure(observer, crate::observe::Timed::Factorization);
        let n = a.nrows();
        if !a.iter().all(|v| v.is_finite()) {
            return None;
        }
        if n < LARGE {
            let lu = a.clone().lu();
            return lu
                .is_invertible()
                .then(|| Factorization::Small(a.clone(), lu));
        }
        let fa = faer::MatRef::from_column_major_slice(a.as_slice(), n, n);
        let lu = fa.partial_piv_lu();
        let u = lu.U();
        let scale = (0..n).fold(0.0_f64, |m, i| m.max(u[(i, i)].abs()));
        let tiny = |v: f64| v.is_nan() || v.abs() <= scale * 1e-300;
        if (0..n).any(|i| tiny(u[(i, i)])) {
            return None;
        }
        Some(Factorization::Large(lu))
    }

    /// Whether reusing it is worth it: for small systems a fresh factorisation costs about as
    /// much as a refinement step (and the small path's transposed solves refactorise).
    pub(crate) fn worth_reusing(&self) -> bool {
        matches!(self, Factorization::Large(_))
    }

    /// Solve A X = B (or A^T X = B); None if the solution is not finite.
    pub(crate) fn solve(&self, b: &DMatrix<f64>, transpose: bool) -> Option<DMatrix<f64>> {
        let x = match self {
            // Many right-hand sides: the inverse once, then one blocked product.
            Factorization::Small(a, lu) if b.ncols() > a.nrows() => {
                let inverse = if transpose {
                    a.transpose().lu().try_inverse()?
                } else {
                    lu.try_inverse()?
                };
                mat_mul(&inverse, b, false)
            }
            Factorization::Small(a, lu) => {
                if transpose {
                    a.transpose().lu().solve(b)?
                } else {
                    lu.solve(b)?
                }
            }
            Factorization::Large(lu) => {
                use faer::linalg::solvers::Solve;
                let fb = faer::MatRef::from_column_major_slice(b.as_slice(), b.nrows(), b.ncols());
                let sol = if transpose {
                    lu.solve_transpose(fb)
                } else {
                    lu.solve(fb)
                };
                DMatrix::from_fn(b.nrows(), b.ncols(), |i, j| sol[(i, j)])
            }
        };
        x.iter().all(|v| v.is_finite()).then_some(x)
    }
}

/// Solve A X = B; None if A is singular or the solution is not finite.
pub(crate) fn lu_solve(
    a: &DMatrix<f64>,
    b: &DMatrix<f64>,
    observer: &dyn crate::Observer,
) -> Option<DMatrix<f64>> {
    Factorization::new(a, observer)?.solve(b, false)
}

/// A X (or A^T X) for a dense square A: faer's SIMD kernel, single-threaded (nalgebra's
/// generic product is several times slower at a thousand unknowns).
pub(crate) fn mat_mul(a: &DMatrix<f64>, x: &DMatrix<f64>, transpose: bool) -> DMatrix<f64> {
    let (n, m) = (a.nrows(), a.ncols());
    let fa = faer::MatRef::from_column_major_slice(a.as_slice(), n, m);
    let fx = faer::MatRef::from_column_major_slice(x.as_slice(), x.nrows(), x.ncols());
    let rows = if transpose { m } else { n };
    let mut out = DMatrix::zeros(rows, x.ncols());
    let dst = faer::MatMut::from_column_major_slice_mut(out.as_mut_slice(), rows, x.ncols());
    let lhs = if transpose { fa.transpose() } else { fa };
    faer::linalg::matmul::matmul(dst, faer::Accum::Replace, lhs, fx, 1.0, faer::Par::Seq);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A well-conditioned test matrix with a deterministic pseudo-random part.
    fn matrix(n: usize, seed: u64, scale: f64) -> DMatrix<f64> {
        let mut state = seed;
        DMatrix::from_fn(n, n, |i, j| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            scale * u / (n as f64).sqrt() + if i == j { 2.0 } else { 0.0 }
        })
    }

    #[test]
    fn solves_with_many_right_hand_sides_match_few() {
        for n in [20, 130] {
            let a = matrix(n, 7, 0.5);
            let b = DMatrix::from_fn(n, 3 * n, |i, j| ((i * 7 + j) as f64).sin());
            let factor = Factorization::new(&a, &crate::NoObserver).unwrap();
            for transpose in [false, true] {
                let many = factor.solve(&b, transpose).unwrap();
                let op = if transpose { a.transpose() } else { a.clone() };
                assert!((&op * &many - &b).amax() < 1e-10, "n = {n}");
                let few = factor
                    .solve(&b.columns(0, 2).into_owned(), transpose)
                    .unwrap();
                assert!((few - many.columns(0, 2)).amax() < 1e-12, "n = {n}");
            }
        }
    }

    #[test]
    fn mat_mul_matches_nalgebra() {
        let a = matrix(130, 4, 1.0);
        let x = DMatrix::from_fn(130, 3, |i, j| (i as f64 + j as f64).cos());
        for (t, expected) in [(false, &a * &x), (true, a.tr_mul(&x))] {
            assert!((mat_mul(&a, &x, t) - expected).amax() < 1e-12);
        }
    }
}
