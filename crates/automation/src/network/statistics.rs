//! Network statistics ([`NetworkStats`]), computed on a sparse view of the spillovers.
//!
//! Degrees, strengths, spectral radius, eigenvector and Katz centralities, reachability.

use std::collections::VecDeque;

use nalgebra::DMatrix;
use rayon::prelude::*;
use serde::Serialize;

use super::Network;

/// Network statistics, reported with every run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkStats {
    /// Number of tasks N.
    pub tasks: usize,
    /// Number of off-diagonal entries > 0 (directed edges).
    pub edges: usize,
    /// `edges / (N (N - 1))` (0 for N = 1).
    pub density: f64,
    /// Per task, how many tasks it receives from.
    pub in_degree: Vec<usize>,
    /// Per task, how many tasks it sends to.
    pub out_degree: Vec<usize>,
    /// Per task, the off-diagonal row sum (total weight received).
    pub in_strength: Vec<f64>,
    /// Per task, the off-diagonal column sum (total weight sent).
    pub out_strength: Vec<f64>,
    /// Spectral radius of W = Omega - I.
    pub spectral_radius: f64,
    /// "Receiving" eigenvector centrality, `x_i ∝ sum_j W_ij x_j`: power iteration on I + W
    /// from the all-ones vector, normalised to max 1. On graphs whose leading eigenvalue is
    /// defective (e.g. acyclic ones) the iteration converges slowly and is stopped after
    /// 10,000 steps, ranking tasks by long incoming walks.
    pub eigenvector_centrality: Vec<f64>,
    /// Katz centrality `x = (I - alpha W)^{-1} 1` with `alpha = 0.85 / spectral_radius` (0.85
    /// if the radius is 0), normalised to max 1.
    pub katz_centrality: Vec<f64>,
    /// Whether task i can receive, directly or through other tasks, data originating in a
    /// seed task (seeds themselves count).
    pub reachable_from_seeds: Vec<bool>,
    /// Share of tasks reachable from the seeds.
    pub reachable_share: f64,
    /// Whether Omega equals its transpose.
    pub symmetric: bool,
}

/// Compressed view of W's positive off-diagonal entries.
struct Sparse {
    /// For receiver i: (sender j, W_ij).
    rows: Vec<Vec<(usize, f64)>>,
    /// For sender j: receivers i.
    cols: Vec<Vec<usize>>,
}

impl Sparse {
    fn of(omega: &DMatrix<f64>) -> Self {
        let n = omega.nrows();
        let mut rows = vec![Vec::new(); n];
        let mut cols = vec![Vec::new(); n];
        for j in 0..n {
            for i in 0..n {
                let v = omega[(i, j)];
                if i != j && v > 0.0 {
                    rows[i].push((j, v));
                    cols[j].push(i);
                }
            }
        }
        Self { rows, cols }
    }

    fn n(&self) -> usize {
        self.rows.len()
    }

    /// `y = c x + W x` (rows in parallel when W has many entries).
    fn shifted_mul(&self, c: f64, x: &[f64], y: &mut [f64]) {
        let row = |(i, yi): (usize, &mut f64)| {
            *yi = c * x[i] + self.rows[i].iter().map(|&(j, v)| v * x[j]).sum::<f64>();
        };
        if self.nnz() > 100_000 {
            y.par_iter_mut().enumerate().for_each(row);
        } else {
            y.iter_mut().enumerate().for_each(row);
        }
    }

    fn nnz(&self) -> usize {
        self.rows.iter().map(Vec::len).sum()
    }

    /// Katz centrality `x = sum_l (alpha W)^l 1` (alpha W has spectral radius < 1), normalised
    /// to max 1. Sums the series term by term; with the last term d and the ratios
    /// `q_lo <= (alpha W d)_i / d_i <= q_hi < 1`, the remaining tail lies componentwise between
    /// `q_lo / (1 - q_lo) d` and `q_hi / (1 - q_hi) d`, so the sum stops once that bracket is
    /// narrow (immediately on regular graphs) and returns its midpoint.
    fn katz(&self, alpha: f64) -> Vec<f64> {
        let n = self.n();
        let mut x = vec![1.0; n];
        let mut d = vec![1.0; n];
        let mut next = vec![0.0; n];
        for _ in 0..(10_000 + 10 * n) {
            self.shifted_mul(0.0, &d, &mut next);
            let (mut q_lo, mut q_hi) = (f64::INFINITY, 0.0f64);
            for (a, b) in next.iter_mut().zip(&d) {
                *a *= alpha;
                if *b > 0.0 {
                    q_lo = q_lo.min(*a / b);
                    q_hi = q_hi.max(*a / b);
                } else if *a > 0.0 {
                    q_hi = f64::INFINITY;
                }
            }
            x.iter_mut().zip(&next).for_each(|(xi, di)| *xi += di);
            let top = x.iter().copied().fold(0.0, f64::max);
            let last = next.iter().copied().fold(0.0, f64::max);
            if last == 0.0 || !top.is_finite() {
                break;
            }
            if q_hi < 1.0 {
                let (s_lo, s_hi) = (q_lo / (1.0 - q_lo), q_hi / (1.0 - q_hi));
                if (s_hi - s_lo) * last <= 1e-13 * top {
                    let s = 0.5 * (s_lo + s_hi);
                    x.iter_mut().zip(&next).for_each(|(xi, di)| *xi += s * di);
                    break;
                }
            }
            if last <= 1e-16 * top {
                break;
            }
            std::mem::swap(&mut d, &mut next);
        }
        normalise_max(&mut x);
        x
    }

    /// Strongly connected components (Kosaraju, iterative): component index per task.
    fn components(&self) -> (Vec<usize>, usize) {
        let n = self.n();
        let mut visited = vec![false; n];
        let mut order = Vec::with_capacity(n);
        let mut stack: Vec<(usize, usize)> = Vec::new();
        for s in 0..n {
            if visited[s] {
                continue;
            }
            visited[s] = true;
            stack.push((s, 0));
            while let Some((v, next)) = stack.last_mut() {
                if let Some(&(u, _)) = self.rows[*v].get(*next) {
                    *next += 1;
                    if !visited[u] {
                        visited[u] = true;
                        stack.push((u, 0));
                    }
                } else {
                    order.push(*v);
                    stack.pop();
                }
            }
        }
        let mut comp = vec![usize::MAX; n];
        let mut count = 0;
        let mut todo = Vec::new();
        for &s in order.iter().rev() {
            if comp[s] != usize::MAX {
                continue;
            }
            comp[s] = count;
            todo.push(s);
            while let Some(v) = todo.pop() {
                for &u in &self.cols[v] {
                    if comp[u] == usize::MAX {
                        comp[u] = count;
                        todo.push(u);
                    }
                }
            }
            count += 1;
        }
        (comp, count)
    }

    /// Spectral radius of W: the largest over strongly connected components (acyclic parts
    /// contribute 0).
    fn spectral_radius(&self) -> f64 {
        let (comp, count) = self.components();
        if count == 1 && self.n() >= 2 {
            return self.irreducible_radius();
        }
        let mut members = vec![Vec::new(); count];
        for (i, &c) in comp.iter().enumerate() {
            members[c].push(i);
        }
        let mut local = vec![usize::MAX; self.n()];
        members
            .iter()
            .filter(|m| m.len() >= 2)
            .map(|m| {
                for (k, &i) in m.iter().enumerate() {
                    local[i] = k;
                }
                let block = Sparse {
                    rows: m
                        .iter()
                        .map(|&i| {
                            self.rows[i]
                                .iter()
                                .filter(|&&(j, _)| comp[j] == comp[i])
                                .map(|&(j, v)| (local[j], v))
                                .collect()
                        })
                        .collect(),
                    cols: Vec::new(),
                };
                block.irreducible_radius()
            })
            .fold(0.0, f64::max)
    }

    /// Spectral radius of an irreducible W (at least 2 tasks): power iteration on the
    /// primitive matrix c I + W, bracketed by the Collatz-Wielandt bounds
    /// `min_i (Bx)_i / x_i <= rho(B) <= max_i (Bx)_i / x_i`; falls back to the Schur form if
    /// the bounds do not meet.
    fn irreducible_radius(&self) -> f64 {
        let n = self.n();
        let c = self
            .rows
            .iter()
            .map(|r| r.iter().map(|&(_, v)| v).sum::<f64>())
            .fold(0.0, f64::max);
        if c == 0.0 {
            return 0.0;
        }
        let mut x = vec![1.0; n];
        let mut y = vec![0.0; n];
        let (mut lo, mut hi) = (c, 2.0 * c);
        for _ in 0..10_000 {
            self.shifted_mul(c, &x, &mut y);
            lo = f64::INFINITY;
            hi = 0.0;
            for (yi, xi) in y.iter().zip(&x) {
                let r = yi / xi;
                lo = lo.min(r);
                hi = hi.max(r);
            }
            if hi - lo <= 1e-13 * hi {
                return ((lo + hi) / 2.0 - c).max(0.0);
            }
            let top = y.iter().copied().fold(0.0, f64::max);
            for (xi, yi) in x.iter_mut().zip(&y) {
                *xi = yi / top;
            }
            if x.iter().any(|&v| v <= f64::MIN_POSITIVE) {
                break;
            }
        }
        if n <= 2_000 {
            let dense = DMatrix::from_fn(n, n, |i, j| {
                self.rows[i]
                    .iter()
                    .find(|&&(k, _)| k == j)
                    .map_or(0.0, |&(_, v)| v)
            });
            if let Some(schur) = nalgebra::Schur::try_new(dense, f64::EPSILON, 1_000 * n) {
                return schur
                    .complex_eigenvalues()
                    .iter()
                    .map(|z| z.norm())
                    .fold(0.0, f64::max);
            }
        }
        ((lo + hi) / 2.0 - c).max(0.0)
    }
}

fn normalise_max(x: &mut [f64]) {
    let top = x.iter().copied().fold(0.0, f64::max);
    if top > 0.0 && top.is_finite() {
        x.iter_mut().for_each(|v| *v /= top);
    }
}

impl Network {
    /// Spectral radius of W = Omega - I (0 for acyclic networks).
    pub fn spectral_radius(&self) -> f64 {
        Sparse::of(&self.omega).spectral_radius()
    }

    /// Degrees, strengths, centralities and reachability from the initially automated tasks
    /// `seeds`.
    ///
    /// # Panics
    /// If a seed is not a task index (`>= len()`).
    pub fn stats(&self, seeds: &[usize]) -> NetworkStats {
        let n = self.len();
        if let Some(&bad) = seeds.iter().find(|&&s| s >= n) {
            panic!("network stats: seed task {bad} is out of range (tasks = {n})");
        }
        let sparse = Sparse::of(&self.omega);
        let in_degree: Vec<usize> = sparse.rows.iter().map(Vec::len).collect();
        let out_degree: Vec<usize> = sparse.cols.iter().map(Vec::len).collect();
        let in_strength: Vec<f64> = sparse
            .rows
            .iter()
            .map(|r| r.iter().map(|&(_, v)| v).sum())
            .collect();
        let mut out_strength = vec![0.0; n];
        for r in &sparse.rows {
            for &(j, v) in r {
                out_strength[j] += v;
            }
        }
        let edges: usize = in_degree.iter().sum();
        let density = if n > 1 {
            edges as f64 / (n * (n - 1)) as f64
        } else {
            0.0
        };
        let spectral_radius = sparse.spectral_radius();

        // Eigenvector centrality: power iteration on I + W.
        let mut x = vec![1.0; n];
        let mut y = vec![0.0; n];
        for _ in 0..10_000 {
            sparse.shifted_mul(1.0, &x, &mut y);
            normalise_max(&mut y);
            let change = x
                .iter()
                .zip(&y)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            std::mem::swap(&mut x, &mut y);
            if change <= 1e-12 {
                break;
            }
        }
        let eigenvector_centrality = x;

        let alpha = if spectral_radius > 0.0 {
            0.85 / spectral_radius
        } else {
            0.85
        };
        let k = sparse.katz(alpha);

        let mut reachable = vec![false; n];
        let mut queue: VecDeque<usize> = VecDeque::new();
        for &s in seeds {
            if !reachable[s] {
                reachable[s] = true;
                queue.push_back(s);
            }
        }
        while let Some(j) = queue.pop_front() {
            for &i in &sparse.cols[j] {
                if !reachable[i] {
                    reachable[i] = true;
                    queue.push_back(i);
                }
            }
        }
        let reachable_share = reachable.iter().filter(|&&r| r).count() as f64 / n as f64;

        NetworkStats {
            tasks: n,
            edges,
            density,
            in_degree,
            out_degree,
            in_strength,
            out_strength,
            spectral_radius,
            eigenvector_centrality,
            katz_centrality: k,
            reachable_from_seeds: reachable,
            reachable_share,
            symmetric: (0..n).all(|j| (0..j).all(|i| self.omega[(i, j)] == self.omega[(j, i)])),
        }
    }
}
