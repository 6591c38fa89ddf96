//! Spillover networks for DDA-1 (spec section 6).
//!
//! Omega is an N x N matrix with `omega[(i, j)]` = how much of task j's data helps task i
//! (row = receiver, column = sender), `Omega_ii = 1` and off-diagonal entries >= 0; the
//! spillovers proper are `W = Omega - I`. A [`NetworkSpec`] (the TOML `[network]` table) names a
//! topology; [`Network::build`] turns it into Omega for N tasks (random topologies draw from
//! `Xoshiro256PlusPlus` seeded with `seed`, so a run is reproducible from its seed);
//! [`Network::normalized`] rescales it; [`Network::stats`] reports degrees, centralities and
//! reachability from the initially automated tasks. User matrices and edge lists
//! ([`NetworkSpec::File`]) are read by `walras-data` (`walras_data::automation`), since this
//! crate does no file I/O.
//!
//! ```
//! use walras_automation::network::{Network, NetworkSpec};
//! let spec: NetworkSpec = toml::from_str("kind = \"chain\"\nweight = 0.5").unwrap();
//! let net = Network::build(&spec, 3, 0).unwrap();
//! assert_eq!(net.omega()[(1, 0)], 0.5);
//! assert!(net.stats(&[0]).reachable_from_seeds.iter().all(|&r| r));
//! ```

use std::collections::VecDeque;
use std::fmt::Display;
use std::path::PathBuf;

use nalgebra::DMatrix;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// How a network is specified (TOML `[network]` table: `kind = "..."` plus parameters).
///
/// Every `weight` is the value of an off-diagonal entry of Omega where the topology has an
/// edge; it must be finite and >= 0.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum NetworkSpec {
    /// No spillovers: Omega = I.
    #[default]
    Identity,
    /// Every task helps every other task by `weight` (alias `kind = "uniform"`).
    #[serde(alias = "uniform")]
    Complete {
        /// The off-diagonal entry.
        weight: f64,
    },
    /// Undirected ring: each task exchanges data with its `neighbors` nearest tasks on each
    /// side (degree `min(2 * neighbors, N - 1)`).
    Ring {
        /// Neighbours on each side, `< N`.
        neighbors: usize,
        /// Edge weight.
        weight: f64,
    },
    /// Directed chain: task i receives from task i - 1 (`omega[(i, i - 1)] = weight`).
    Chain {
        /// Edge weight.
        weight: f64,
    },
    /// Star around task `center`.
    Star {
        /// The hub, `< N`.
        center: usize,
        /// Edge weight.
        weight: f64,
        /// Which way data flows (default `out`: the centre sends to every task).
        #[serde(default)]
        direction: StarDirection,
    },
    /// The first `core` tasks form the core, the rest the periphery; one weight per block,
    /// named receiver first.
    CorePeriphery {
        /// Number of core tasks, `<= N`.
        core: usize,
        /// Core receives from core.
        cc: f64,
        /// Periphery receives from core.
        pc: f64,
        /// Core receives from periphery.
        cp: f64,
        /// Periphery receives from periphery.
        pp: f64,
    },
    /// Stochastic block model: consecutive blocks of `sizes` tasks; receiver i in block a
    /// gets an edge from sender j in block b with probability `probabilities[a][b]`. A
    /// symmetric probability matrix gives an undirected graph (one draw per pair), an
    /// asymmetric one a directed graph (one draw per ordered pair).
    StochasticBlock {
        /// Block sizes, summing to N.
        sizes: Vec<usize>,
        /// Square matrix of edge probabilities in [0, 1], one row and column per block.
        probabilities: Vec<Vec<f64>>,
        /// Edge weight.
        weight: f64,
    },
    /// Erdos-Renyi G(N, p).
    ErdosRenyi {
        /// Edge probability in [0, 1].
        probability: f64,
        /// Edge weight.
        weight: f64,
        /// One draw per ordered pair (true) or per unordered pair, symmetric (false, the
        /// default).
        #[serde(default)]
        directed: bool,
    },
    /// Watts-Strogatz small world: the undirected ring with `neighbors` per side, then each
    /// lattice edge (i, i + d) is rewired with probability `rewire` to (i, u) for a uniformly
    /// drawn u that is not i and not yet a neighbour of i. Undirected.
    WattsStrogatz {
        /// Neighbours on each side in the initial ring, `< N`.
        neighbors: usize,
        /// Rewiring probability in [0, 1].
        rewire: f64,
        /// Edge weight.
        weight: f64,
    },
    /// Barabasi-Albert preferential attachment, undirected: the first m =
    /// `edges_per_node` tasks form a clique; task m links to all of them and every later task
    /// to m distinct earlier tasks drawn with probability proportional to degree. Exactly
    /// `m (m - 1) / 2 + m (N - m)` edges.
    BarabasiAlbert {
        /// Links each new task makes, in `1..N`.
        edges_per_node: usize,
        /// Edge weight.
        weight: f64,
    },
    /// A user matrix or edge list (CSV, gzip CSV or Parquet), loaded by
    /// `walras_data::automation::load_network_file`; [`Network::build`] rejects it.
    File {
        /// The file.
        path: PathBuf,
    },
}

/// Direction of a [`NetworkSpec::Star`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StarDirection {
    /// The centre sends to every other task.
    #[default]
    Out,
    /// Every other task sends to the centre.
    In,
    /// Both.
    Both,
}

/// How to rescale the off-diagonal part of Omega (the diagonal stays 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Normalization {
    /// Leave the weights as built.
    #[default]
    Raw,
    /// Scale each row so its off-diagonal sum (total intake of the receiver) equals
    /// `intake`; rows without spillovers stay zero.
    RowIntake,
    /// Scale all weights so the largest off-diagonal entry equals `intake`.
    MaxScaled,
}

/// A validated spillover matrix Omega (square, finite, off-diagonal >= 0, diagonal 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    omega: DMatrix<f64>,
}

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

/// An invalid network specification or matrix. Every message names the parameter (or
/// entry) and the offending value.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// A parameter is out of range.
    #[error("network: {key} = {value} {reason}")]
    Parameter {
        /// The parameter (TOML key).
        key: String,
        /// Its value as text.
        value: String,
        /// What it should be.
        reason: String,
    },
    /// The matrix is not square (or empty).
    #[error("network: matrix is {rows} x {cols}; Omega must be N x N with N >= 1")]
    Shape {
        /// Rows given.
        rows: usize,
        /// Columns given.
        cols: usize,
    },
    /// A matrix entry is invalid.
    #[error("network: omega[({row}, {col})] = {value} {reason}")]
    Entry {
        /// Row (receiver), 0-based.
        row: usize,
        /// Column (sender), 0-based.
        col: usize,
        /// The entry.
        value: f64,
        /// What it should be.
        reason: String,
    },
    /// A `kind = "file"` spec was passed to [`Network::build`].
    #[error(
        "network: kind = \"file\" (path = {}) is loaded by walras-data \
         (walras_data::automation::load_network_file); Network::build cannot read files",
        .path.display()
    )]
    FileSpec {
        /// The file named in the spec.
        path: PathBuf,
    },
    /// The multi-hop series diverges.
    #[error(
        "network: multi-hop beta = {beta} gives spectral radius of beta W = {radius} >= 1 \
         (need beta < {limit})"
    )]
    MultiHopDiverges {
        /// The requested beta.
        beta: f64,
        /// Spectral radius of beta W.
        radius: f64,
        /// 1 / spectral radius of W.
        limit: f64,
    },
    /// I - beta W could not be inverted numerically.
    #[error("network: multi-hop beta = {beta}: I - beta W is numerically singular")]
    Singular {
        /// The requested beta.
        beta: f64,
    },
}

fn invalid(key: &str, value: impl Display, reason: impl Into<String>) -> NetworkError {
    NetworkError::Parameter {
        key: key.into(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

fn check_weight(key: &str, v: f64) -> Result<f64, NetworkError> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(invalid(key, v, "must be finite and >= 0"))
    }
}

fn check_probability(key: &str, v: f64) -> Result<f64, NetworkError> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(invalid(key, v, "is outside [0, 1]"))
    }
}

fn check_below(key: &str, v: usize, n: usize) -> Result<usize, NetworkError> {
    if v < n {
        Ok(v)
    } else {
        Err(invalid(key, v, format!("must be < tasks = {n}")))
    }
}

/// Symmetric boolean adjacency used while building undirected random graphs.
struct Undirected {
    n: usize,
    adj: Vec<bool>,
    degree: Vec<usize>,
}

impl Undirected {
    fn new(n: usize) -> Self {
        Self {
            n,
            adj: vec![false; n * n],
            degree: vec![0; n],
        }
    }

    fn has(&self, i: usize, j: usize) -> bool {
        self.adj[i * self.n + j]
    }

    fn set(&mut self, i: usize, j: usize, on: bool) {
        if i == j || self.has(i, j) == on {
            return;
        }
        self.adj[i * self.n + j] = on;
        self.adj[j * self.n + i] = on;
        if on {
            self.degree[i] += 1;
            self.degree[j] += 1;
        } else {
            self.degree[i] -= 1;
            self.degree[j] -= 1;
        }
    }

    fn ring(n: usize, k: usize) -> Self {
        let mut g = Self::new(n);
        for i in 0..n {
            for d in 1..=k {
                g.set(i, (i + d) % n, true);
            }
        }
        g
    }

    fn weights(&self, weight: f64) -> DMatrix<f64> {
        DMatrix::from_fn(
            self.n,
            self.n,
            |i, j| {
                if self.has(i, j) {
                    weight
                } else {
                    0.0
                }
            },
        )
    }
}

fn watts_strogatz(n: usize, k: usize, p: f64, rng: &mut Xoshiro256PlusPlus) -> Undirected {
    let mut g = Undirected::ring(n, k);
    for d in 1..=k {
        for i in 0..n {
            let j = (i + d) % n;
            // Draw for every lattice edge so the stream does not depend on earlier outcomes.
            let rewire = rng.random_bool(p);
            if !rewire || !g.has(i, j) || g.degree[i] >= n - 1 {
                continue;
            }
            let mut u = rng.random_range(0..n);
            while u == i || g.has(i, u) {
                u = rng.random_range(0..n);
            }
            g.set(i, j, false);
            g.set(i, u, true);
        }
    }
    g
}

fn barabasi_albert(n: usize, m: usize, rng: &mut Xoshiro256PlusPlus) -> Undirected {
    let mut g = Undirected::new(n);
    // Each task appears in `pool` once per incident edge: uniform draws from it are draws
    // proportional to degree.
    let mut pool = Vec::with_capacity(2 * (m * (m - 1) / 2 + m * (n - m)));
    for i in 0..m {
        for j in 0..i {
            g.set(i, j, true);
            pool.extend([i, j]);
        }
    }
    let mut chosen = vec![false; n];
    let mut targets = Vec::with_capacity(m);
    for t in m..n {
        targets.clear();
        if t == m {
            targets.extend(0..m);
        } else {
            // Every earlier task has degree >= 1 and there are t > m of them, so this ends.
            while targets.len() < m {
                let s = pool[rng.random_range(0..pool.len())];
                if !chosen[s] {
                    chosen[s] = true;
                    targets.push(s);
                }
            }
        }
        for &s in &targets {
            chosen[s] = false;
            g.set(t, s, true);
            pool.extend([t, s]);
        }
    }
    g
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
    /// Validate a user matrix: square with N >= 1, finite, off-diagonal >= 0, diagonal 0 or
    /// 1 (set to 1).
    pub fn from_matrix(mut m: DMatrix<f64>) -> Result<Self, NetworkError> {
        let (rows, cols) = m.shape();
        if rows != cols || rows == 0 {
            return Err(NetworkError::Shape { rows, cols });
        }
        for j in 0..cols {
            for i in 0..rows {
                let value = m[(i, j)];
                let reason = if !value.is_finite() {
                    "is not finite"
                } else if i == j && value != 0.0 && value != 1.0 {
                    "is on the diagonal, which is fixed at 1 (give 0 or 1)"
                } else if value < 0.0 {
                    "is negative; spillovers must be >= 0"
                } else {
                    continue;
                };
                return Err(NetworkError::Entry {
                    row: i,
                    col: j,
                    value,
                    reason: reason.into(),
                });
            }
        }
        m.fill_diagonal(1.0);
        Ok(Self { omega: m })
    }

    /// [`Network::from_matrix`] for a row-major `n x n` slice (for callers without nalgebra).
    pub fn from_row_major(n: usize, values: &[f64]) -> Result<Self, NetworkError> {
        if values.len() != n * n {
            return Err(invalid(
                "values",
                format!("[{} entries]", values.len()),
                format!("must hold N x N = {} entries (N = {n})", n * n),
            ));
        }
        Self::from_matrix(DMatrix::from_row_slice(n, n, values))
    }

    /// The spillover edges `(receiver, sender, weight)`: off-diagonal entries > 0, ordered by
    /// receiver then sender.
    pub fn edges(&self) -> Vec<(usize, usize, f64)> {
        let n = self.len();
        (0..n)
            .flat_map(|i| (0..n).map(move |j| (i, j)))
            .filter(|&(i, j)| i != j && self.omega[(i, j)] > 0.0)
            .map(|(i, j)| (i, j, self.omega[(i, j)]))
            .collect()
    }

    /// Build the network `spec` describes for `n` tasks; random topologies draw from
    /// `Xoshiro256PlusPlus::seed_from_u64(seed)`. `File` specs are an error (walras-data
    /// loads them).
    pub fn build(spec: &NetworkSpec, n: usize, seed: u64) -> Result<Self, NetworkError> {
        if n == 0 {
            return Err(invalid("tasks", n, "must be >= 1"));
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut w = DMatrix::<f64>::zeros(n, n);
        match spec {
            NetworkSpec::Identity => {}
            NetworkSpec::Complete { weight } => {
                w.fill(check_weight("weight", *weight)?);
            }
            NetworkSpec::Ring { neighbors, weight } => {
                let weight = check_weight("weight", *weight)?;
                let k = check_below("neighbors", *neighbors, n)?;
                w = Undirected::ring(n, k).weights(weight);
            }
            NetworkSpec::Chain { weight } => {
                let weight = check_weight("weight", *weight)?;
                for i in 1..n {
                    w[(i, i - 1)] = weight;
                }
            }
            NetworkSpec::Star {
                center,
                weight,
                direction,
            } => {
                let weight = check_weight("weight", *weight)?;
                let c = check_below("center", *center, n)?;
                for i in 0..n {
                    if matches!(direction, StarDirection::Out | StarDirection::Both) {
                        w[(i, c)] = weight;
                    }
                    if matches!(direction, StarDirection::In | StarDirection::Both) {
                        w[(c, i)] = weight;
                    }
                }
            }
            NetworkSpec::CorePeriphery {
                core,
                cc,
                pc,
                cp,
                pp,
            } => {
                let (cc, pc) = (check_weight("cc", *cc)?, check_weight("pc", *pc)?);
                let (cp, pp) = (check_weight("cp", *cp)?, check_weight("pp", *pp)?);
                if *core > n {
                    return Err(invalid("core", core, format!("must be <= tasks = {n}")));
                }
                w = DMatrix::from_fn(n, n, |i, j| match (i < *core, j < *core) {
                    (true, true) => cc,
                    (false, true) => pc,
                    (true, false) => cp,
                    (false, false) => pp,
                });
            }
            NetworkSpec::StochasticBlock {
                sizes,
                probabilities,
                weight,
            } => {
                let weight = check_weight("weight", *weight)?;
                let total: usize = sizes.iter().sum();
                if total != n {
                    return Err(invalid(
                        "sizes",
                        format!("{sizes:?}"),
                        format!("sum to {total}, expected tasks = {n}"),
                    ));
                }
                let b = sizes.len();
                if probabilities.len() != b {
                    return Err(invalid(
                        "probabilities",
                        format!("{probabilities:?}"),
                        format!(
                            "has {} rows, expected {b} (one per block)",
                            probabilities.len()
                        ),
                    ));
                }
                for (a, row) in probabilities.iter().enumerate() {
                    if row.len() != b {
                        return Err(invalid(
                            &format!("probabilities[{a}]"),
                            format!("{row:?}"),
                            format!("has {} entries, expected {b} (one per block)", row.len()),
                        ));
                    }
                    for (c, &p) in row.iter().enumerate() {
                        check_probability(&format!("probabilities[{a}][{c}]"), p)?;
                    }
                }
                let block: Vec<usize> = sizes
                    .iter()
                    .enumerate()
                    .flat_map(|(a, &s)| std::iter::repeat_n(a, s))
                    .collect();
                let symmetric =
                    (0..b).all(|a| (0..b).all(|c| probabilities[a][c] == probabilities[c][a]));
                for i in 0..n {
                    for j in 0..n {
                        if i == j || (symmetric && j < i) {
                            continue;
                        }
                        if rng.random_bool(probabilities[block[i]][block[j]]) {
                            w[(i, j)] = weight;
                            if symmetric {
                                w[(j, i)] = weight;
                            }
                        }
                    }
                }
            }
            NetworkSpec::ErdosRenyi {
                probability,
                weight,
                directed,
            } => {
                let weight = check_weight("weight", *weight)?;
                let p = check_probability("probability", *probability)?;
                for i in 0..n {
                    for j in 0..n {
                        if i == j || (!directed && j < i) {
                            continue;
                        }
                        if rng.random_bool(p) {
                            w[(i, j)] = weight;
                            if !directed {
                                w[(j, i)] = weight;
                            }
                        }
                    }
                }
            }
            NetworkSpec::WattsStrogatz {
                neighbors,
                rewire,
                weight,
            } => {
                let weight = check_weight("weight", *weight)?;
                let k = check_below("neighbors", *neighbors, n)?;
                let p = check_probability("rewire", *rewire)?;
                w = watts_strogatz(n, k, p, &mut rng).weights(weight);
            }
            NetworkSpec::BarabasiAlbert {
                edges_per_node,
                weight,
            } => {
                let weight = check_weight("weight", *weight)?;
                let m = *edges_per_node;
                if m == 0 || m >= n {
                    return Err(invalid(
                        "edges_per_node",
                        m,
                        format!("must be in 1..{n} (1 to tasks - 1)"),
                    ));
                }
                w = barabasi_albert(n, m, &mut rng).weights(weight);
            }
            NetworkSpec::File { path } => {
                return Err(NetworkError::FileSpec { path: path.clone() });
            }
        }
        w.fill_diagonal(1.0);
        Ok(Self { omega: w })
    }

    /// Rescale the off-diagonal weights (see [`Normalization`]); `intake` must be finite and
    /// >= 0 (ignored for `Raw`).
    pub fn normalized(mut self, how: Normalization, intake: f64) -> Result<Self, NetworkError> {
        if how == Normalization::Raw {
            return Ok(self);
        }
        check_weight("intake", intake)?;
        let n = self.len();
        match how {
            Normalization::Raw => {}
            Normalization::RowIntake => {
                for i in 0..n {
                    let sum: f64 = (0..n).filter(|&j| j != i).map(|j| self.omega[(i, j)]).sum();
                    if sum > 0.0 {
                        for j in (0..n).filter(|&j| j != i) {
                            self.omega[(i, j)] *= intake / sum;
                        }
                    }
                }
            }
            Normalization::MaxScaled => {
                let top = self.off_diagonal().fold(0.0, f64::max);
                if top > 0.0 {
                    self.omega.iter_mut().for_each(|v| *v *= intake / top);
                    self.omega.fill_diagonal(1.0);
                }
            }
        }
        Ok(self)
    }

    fn off_diagonal(&self) -> impl Iterator<Item = f64> + '_ {
        let n = self.len();
        (0..n).flat_map(move |j| {
            (0..n)
                .filter(move |&i| i != j)
                .map(move |i| self.omega[(i, j)])
        })
    }

    /// Omega (row = receiver).
    pub fn omega(&self) -> &DMatrix<f64> {
        &self.omega
    }

    /// Number of tasks N.
    pub fn len(&self) -> usize {
        self.omega.nrows()
    }

    /// Whether there are no tasks (never true for a validated network).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The spillover matrix proper, W = Omega - I.
    pub fn spillovers(&self) -> DMatrix<f64> {
        let mut w = self.omega.clone();
        w.fill_diagonal(0.0);
        w
    }

    /// Spectral radius of W = Omega - I (0 for acyclic networks).
    pub fn spectral_radius(&self) -> f64 {
        Sparse::of(&self.omega).spectral_radius()
    }

    /// The multi-hop spillover matrix `(I - beta W)^{-1} = sum_k (beta W)^k`; `beta` must be
    /// finite, >= 0 and below `1 / spectral_radius(W)`.
    pub fn multi_hop(&self, beta: f64) -> Result<DMatrix<f64>, NetworkError> {
        check_weight("beta", beta)?;
        let rho = self.spectral_radius();
        let radius = beta * rho;
        if radius >= 1.0 {
            return Err(NetworkError::MultiHopDiverges {
                beta,
                radius,
                limit: 1.0 / rho,
            });
        }
        let n = self.len();
        let a = DMatrix::identity(n, n) - self.spillovers() * beta;
        a.try_inverse().ok_or(NetworkError::Singular { beta })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn build(spec: NetworkSpec, n: usize) -> Network {
        Network::build(&spec, n, 7).unwrap()
    }

    fn spec(text: &str) -> NetworkSpec {
        toml::from_str(text).unwrap()
    }

    fn err(spec: NetworkSpec, n: usize) -> String {
        Network::build(&spec, n, 7).unwrap_err().to_string()
    }

    #[test]
    fn identity_is_identity() {
        let net = build(NetworkSpec::Identity, 4);
        assert_eq!(net.omega(), &DMatrix::identity(4, 4));
        assert_eq!(net.spectral_radius(), 0.0);
        assert_eq!(spec("kind = \"identity\""), NetworkSpec::Identity);
    }

    #[test]
    fn complete_and_uniform_alias() {
        let net = build(spec("kind = \"uniform\"\nweight = 0.25"), 4);
        assert_eq!(net, build(NetworkSpec::Complete { weight: 0.25 }, 4));
        for i in 0..4 {
            for j in 0..4 {
                assert_eq!(net.omega()[(i, j)], if i == j { 1.0 } else { 0.25 });
            }
        }
        assert!((net.spectral_radius() - 0.75).abs() < 1e-12);
    }

    #[test]
    fn ring_has_degree_two_k() {
        let net = build(
            NetworkSpec::Ring {
                neighbors: 2,
                weight: 0.5,
            },
            9,
        );
        let s = net.stats(&[0]);
        assert!(s.symmetric);
        assert!(s.in_degree.iter().chain(&s.out_degree).all(|&d| d == 4));
        assert_eq!(s.edges, 9 * 4);
        assert_eq!(net.omega()[(0, 7)], 0.5);
        assert_eq!(net.omega()[(0, 3)], 0.0);
        assert!((s.spectral_radius - 2.0).abs() < 1e-12);
    }

    #[test]
    fn chain_is_subdiagonal_only() {
        let net = build(NetworkSpec::Chain { weight: 0.3 }, 5);
        for i in 0..5 {
            for j in 0..5 {
                let expected = match () {
                    _ if i == j => 1.0,
                    _ if i == j + 1 => 0.3,
                    _ => 0.0,
                };
                assert_eq!(net.omega()[(i, j)], expected, "({i}, {j})");
            }
        }
        assert_eq!(net.spectral_radius(), 0.0);
    }

    #[test]
    fn star_directions() {
        let out = build(spec("kind = \"star\"\ncenter = 2\nweight = 1.0"), 5);
        let s = out.stats(&[]);
        assert_eq!(s.out_degree, vec![0, 0, 4, 0, 0]);
        assert_eq!(s.in_degree, vec![1, 1, 0, 1, 1]);
        let center_max = s.out_degree.iter().enumerate().max_by_key(|&(_, d)| *d);
        assert_eq!(center_max.map(|(i, _)| i), Some(2));
        let inward = build(
            NetworkSpec::Star {
                center: 2,
                weight: 1.0,
                direction: StarDirection::In,
            },
            5,
        );
        let s = inward.stats(&[]);
        assert_eq!(s.in_degree, vec![0, 0, 4, 0, 0]);
        assert_eq!(s.eigenvector_centrality[2], 1.0);
        assert!(s.eigenvector_centrality[0] < 1.0);
        let both = build(
            NetworkSpec::Star {
                center: 0,
                weight: 0.5,
                direction: StarDirection::Both,
            },
            5,
        );
        assert!(both.stats(&[]).symmetric);
        assert!((both.spectral_radius() - 0.5 * 2.0).abs() < 1e-12); // w sqrt(N - 1)
    }

    #[test]
    fn core_periphery_four_blocks() {
        let net = build(
            spec("kind = \"core-periphery\"\ncore = 2\ncc = 0.9\npc = 0.5\ncp = 0.2\npp = 0.1"),
            5,
        );
        let o = net.omega();
        assert_eq!((o[(0, 1)], o[(1, 0)]), (0.9, 0.9));
        assert_eq!((o[(3, 0)], o[(4, 1)]), (0.5, 0.5)); // periphery receives from core
        assert_eq!((o[(0, 3)], o[(1, 4)]), (0.2, 0.2)); // core receives from periphery
        assert_eq!((o[(3, 4)], o[(4, 2)]), (0.1, 0.1));
        assert_eq!((o[(0, 0)], o[(3, 3)]), (1.0, 1.0));
    }

    #[test]
    fn stochastic_block_structure() {
        let net = build(
            spec("kind = \"stochastic-block\"\nsizes = [2, 3]\nprobabilities = [[1.0, 0.0], [0.0, 1.0]]\nweight = 0.4"),
            5,
        );
        let expected = DMatrix::from_fn(5, 5, |i, j| match () {
            _ if i == j => 1.0,
            _ if (i < 2) == (j < 2) => 0.4,
            _ => 0.0,
        });
        assert_eq!(net.omega(), &expected);
        // Asymmetric probabilities: directed, block 1 receives from block 0 only.
        let directed = build(
            NetworkSpec::StochasticBlock {
                sizes: vec![2, 3],
                probabilities: vec![vec![0.0, 0.0], vec![1.0, 0.0]],
                weight: 1.0,
            },
            5,
        );
        let s = directed.stats(&[0]);
        assert_eq!(s.in_degree, vec![0, 0, 2, 2, 2]);
        assert_eq!(s.out_degree, vec![3, 3, 0, 0, 0]);
        assert_eq!(s.reachable_from_seeds, vec![true, false, true, true, true]);
        // A random symmetric SBM is symmetric.
        let random = build(
            NetworkSpec::StochasticBlock {
                sizes: vec![10, 10],
                probabilities: vec![vec![0.6, 0.1], vec![0.1, 0.6]],
                weight: 1.0,
            },
            20,
        );
        assert!(random.stats(&[]).symmetric);
    }

    #[test]
    fn erdos_renyi_extremes_and_direction() {
        for directed in [false, true] {
            let empty = build(
                NetworkSpec::ErdosRenyi {
                    probability: 0.0,
                    weight: 1.0,
                    directed,
                },
                6,
            );
            assert_eq!(empty, build(NetworkSpec::Identity, 6));
            let full = build(
                NetworkSpec::ErdosRenyi {
                    probability: 1.0,
                    weight: 0.2,
                    directed,
                },
                6,
            );
            assert_eq!(full, build(NetworkSpec::Complete { weight: 0.2 }, 6));
        }
        let und = build(
            spec("kind = \"erdos-renyi\"\nprobability = 0.5\nweight = 1.0\ndirected = false"),
            30,
        );
        assert!(und.stats(&[]).symmetric);
        let dir = build(
            spec("kind = \"erdos-renyi\"\nprobability = 0.5\nweight = 1.0\ndirected = true"),
            30,
        );
        let s = dir.stats(&[]);
        assert!(!s.symmetric);
        assert!((s.density - 0.5).abs() < 0.1, "density {}", s.density);
    }

    #[test]
    fn watts_strogatz_without_rewiring_is_the_ring() {
        let ring = build(
            NetworkSpec::Ring {
                neighbors: 2,
                weight: 0.7,
            },
            12,
        );
        let ws = build(
            NetworkSpec::WattsStrogatz {
                neighbors: 2,
                rewire: 0.0,
                weight: 0.7,
            },
            12,
        );
        assert_eq!(ws, ring);
        let rewired = build(
            NetworkSpec::WattsStrogatz {
                neighbors: 2,
                rewire: 0.3,
                weight: 0.7,
            },
            12,
        );
        assert_ne!(rewired, ring);
        let s = rewired.stats(&[]);
        assert!(s.symmetric);
        assert_eq!(s.edges, 12 * 4, "rewiring keeps the number of edges");
    }

    #[test]
    fn barabasi_albert_edge_count() {
        for (n, m) in [(2, 1), (10, 1), (30, 3), (25, 4)] {
            let net = build(
                NetworkSpec::BarabasiAlbert {
                    edges_per_node: m,
                    weight: 1.0,
                },
                n,
            );
            let s = net.stats(&[0]);
            assert!(s.symmetric);
            assert_eq!(
                s.edges,
                2 * (m * (m - 1) / 2 + m * (n - m)),
                "n = {n}, m = {m}"
            );
            assert!(s.in_degree.iter().all(|&d| d >= m.min(n - 1)));
            assert!(s.reachable_from_seeds.iter().all(|&r| r), "connected");
        }
    }

    #[test]
    fn random_topologies_are_reproducible_from_the_seed() {
        let specs = [
            NetworkSpec::ErdosRenyi {
                probability: 0.3,
                weight: 1.0,
                directed: true,
            },
            NetworkSpec::WattsStrogatz {
                neighbors: 2,
                rewire: 0.5,
                weight: 1.0,
            },
            NetworkSpec::BarabasiAlbert {
                edges_per_node: 2,
                weight: 1.0,
            },
            NetworkSpec::StochasticBlock {
                sizes: vec![10, 10],
                probabilities: vec![vec![0.5, 0.2], vec![0.2, 0.5]],
                weight: 1.0,
            },
        ];
        for spec in &specs {
            let a = Network::build(spec, 20, 1).unwrap();
            assert_eq!(a, Network::build(spec, 20, 1).unwrap(), "{spec:?}");
            assert_ne!(a, Network::build(spec, 20, 2).unwrap(), "{spec:?}");
        }
    }

    #[test]
    fn parameter_errors_name_key_and_value() {
        let cases = [
            (
                NetworkSpec::ErdosRenyi {
                    probability: 1.5,
                    weight: 1.0,
                    directed: false,
                },
                "network: probability = 1.5 is outside [0, 1]",
            ),
            (
                NetworkSpec::Complete { weight: -0.5 },
                "network: weight = -0.5 must be finite and >= 0",
            ),
            (
                NetworkSpec::Chain { weight: f64::NAN },
                "network: weight = NaN must be finite and >= 0",
            ),
            (
                NetworkSpec::Ring {
                    neighbors: 5,
                    weight: 1.0,
                },
                "network: neighbors = 5 must be < tasks = 5",
            ),
            (
                NetworkSpec::Star {
                    center: 7,
                    weight: 1.0,
                    direction: StarDirection::Out,
                },
                "network: center = 7 must be < tasks = 5",
            ),
            (
                NetworkSpec::CorePeriphery {
                    core: 6,
                    cc: 1.0,
                    pc: 1.0,
                    cp: 1.0,
                    pp: 1.0,
                },
                "network: core = 6 must be <= tasks = 5",
            ),
            (
                NetworkSpec::CorePeriphery {
                    core: 2,
                    cc: 1.0,
                    pc: -1.0,
                    cp: 1.0,
                    pp: 1.0,
                },
                "network: pc = -1 must be finite and >= 0",
            ),
            (
                NetworkSpec::StochasticBlock {
                    sizes: vec![2, 2],
                    probabilities: vec![vec![0.5, 0.5], vec![0.5, 0.5]],
                    weight: 1.0,
                },
                "network: sizes = [2, 2] sum to 4, expected tasks = 5",
            ),
            (
                NetworkSpec::StochasticBlock {
                    sizes: vec![2, 3],
                    probabilities: vec![vec![0.5, 0.5]],
                    weight: 1.0,
                },
                "network: probabilities = [[0.5, 0.5]] has 1 rows, expected 2 (one per block)",
            ),
            (
                NetworkSpec::StochasticBlock {
                    sizes: vec![2, 3],
                    probabilities: vec![vec![0.5, 0.5], vec![0.5]],
                    weight: 1.0,
                },
                "network: probabilities[1] = [0.5] has 1 entries, expected 2 (one per block)",
            ),
            (
                NetworkSpec::StochasticBlock {
                    sizes: vec![2, 3],
                    probabilities: vec![vec![0.5, 0.5], vec![-0.1, 0.5]],
                    weight: 1.0,
                },
                "network: probabilities[1][0] = -0.1 is outside [0, 1]",
            ),
            (
                NetworkSpec::WattsStrogatz {
                    neighbors: 1,
                    rewire: 2.0,
                    weight: 1.0,
                },
                "network: rewire = 2 is outside [0, 1]",
            ),
            (
                NetworkSpec::BarabasiAlbert {
                    edges_per_node: 5,
                    weight: 1.0,
                },
                "network: edges_per_node = 5 must be in 1..5 (1 to tasks - 1)",
            ),
            (
                NetworkSpec::BarabasiAlbert {
                    edges_per_node: 0,
                    weight: 1.0,
                },
                "network: edges_per_node = 0 must be in 1..5 (1 to tasks - 1)",
            ),
        ];
        for (spec, message) in cases {
            assert_eq!(err(spec, 5), message);
        }
        assert_eq!(
            err(NetworkSpec::Identity, 0),
            "network: tasks = 0 must be >= 1"
        );
        let file = err(
            NetworkSpec::File {
                path: "omega.csv".into(),
            },
            3,
        );
        assert!(
            file.contains("omega.csv") && file.contains("walras-data"),
            "{file}"
        );
    }

    #[test]
    fn toml_specs_parse_and_reject_unknown_keys() {
        assert_eq!(
            spec("kind = \"star\"\ncenter = 1\nweight = 0.5"),
            NetworkSpec::Star {
                center: 1,
                weight: 0.5,
                direction: StarDirection::Out
            }
        );
        assert_eq!(
            spec("kind = \"star\"\ncenter = 1\nweight = 0.5\ndirection = \"both\""),
            NetworkSpec::Star {
                center: 1,
                weight: 0.5,
                direction: StarDirection::Both
            }
        );
        assert_eq!(
            spec("kind = \"barabasi-albert\"\nedges_per_node = 2\nweight = 1.0"),
            NetworkSpec::BarabasiAlbert {
                edges_per_node: 2,
                weight: 1.0
            }
        );
        assert_eq!(
            spec("kind = \"file\"\npath = \"data/omega.csv\""),
            NetworkSpec::File {
                path: "data/omega.csv".into()
            }
        );
        let typo = toml::from_str::<NetworkSpec>("kind = \"chain\"\nweight = 1.0\nwieght = 2.0")
            .unwrap_err()
            .to_string();
        assert!(typo.contains("wieght"), "{typo}");
        assert!(toml::from_str::<NetworkSpec>("kind = \"hypercube\"").is_err());
        assert_eq!(
            spec("kind = \"erdos-renyi\"\nprobability = 0.2\nweight = 1.0"),
            NetworkSpec::ErdosRenyi {
                probability: 0.2,
                weight: 1.0,
                directed: false
            }
        );
        let n: Normalization = serde_json::from_str("\"row-intake\"").unwrap();
        assert_eq!(n, Normalization::RowIntake);
        // Round trip through TOML.
        let ws = NetworkSpec::WattsStrogatz {
            neighbors: 3,
            rewire: 0.1,
            weight: 0.5,
        };
        assert_eq!(spec(&toml::to_string(&ws).unwrap()), ws);
    }

    #[test]
    fn from_matrix_validates_entries() {
        let ok =
            Network::from_matrix(DMatrix::from_row_slice(2, 2, &[0.0, 0.5, 0.2, 1.0])).unwrap();
        assert_eq!(
            ok.omega(),
            &DMatrix::from_row_slice(2, 2, &[1.0, 0.5, 0.2, 1.0])
        );
        let e = |m: DMatrix<f64>| Network::from_matrix(m).unwrap_err().to_string();
        assert_eq!(
            e(DMatrix::zeros(2, 3)),
            "network: matrix is 2 x 3; Omega must be N x N with N >= 1"
        );
        assert_eq!(
            e(DMatrix::from_row_slice(2, 2, &[1.0, -0.5, 0.0, 1.0])),
            "network: omega[(0, 1)] = -0.5 is negative; spillovers must be >= 0"
        );
        assert_eq!(
            e(DMatrix::from_row_slice(
                2,
                2,
                &[1.0, 0.0, f64::INFINITY, 1.0]
            )),
            "network: omega[(1, 0)] = inf is not finite"
        );
        assert_eq!(
            e(DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, 0.5])),
            "network: omega[(1, 1)] = 0.5 is on the diagonal, which is fixed at 1 (give 0 or 1)"
        );
    }

    #[test]
    fn row_major_and_edges() {
        let net = Network::from_row_major(2, &[1.0, 0.0, 0.4, 0.0]).unwrap();
        assert_eq!(net.omega()[(1, 0)], 0.4);
        assert_eq!(net.omega()[(1, 1)], 1.0);
        assert_eq!(net.edges(), vec![(1, 0, 0.4)]);
        assert_eq!(
            Network::from_row_major(2, &[1.0; 3])
                .unwrap_err()
                .to_string(),
            "network: values = [3 entries] must hold N x N = 4 entries (N = 2)"
        );
        let star = build(
            NetworkSpec::Star {
                center: 1,
                weight: 0.5,
                direction: StarDirection::Both,
            },
            3,
        );
        assert_eq!(
            star.edges(),
            vec![(0, 1, 0.5), (1, 0, 0.5), (1, 2, 0.5), (2, 1, 0.5)]
        );
    }

    #[test]
    fn normalisations() {
        let m = DMatrix::from_row_slice(3, 3, &[1.0, 1.0, 3.0, 0.0, 1.0, 0.0, 2.0, 2.0, 1.0]);
        let net = Network::from_matrix(m).unwrap();
        let row = net
            .clone()
            .normalized(Normalization::RowIntake, 0.5)
            .unwrap();
        let o = row.omega();
        assert!((o[(0, 1)] - 0.125).abs() < 1e-15 && (o[(0, 2)] - 0.375).abs() < 1e-15);
        assert_eq!(
            (o[(1, 0)], o[(1, 2)]),
            (0.0, 0.0),
            "a row without intake stays zero"
        );
        assert!((o[(2, 0)] + o[(2, 1)] - 0.5).abs() < 1e-15);
        assert!((0..3).all(|i| o[(i, i)] == 1.0));
        let max = net
            .clone()
            .normalized(Normalization::MaxScaled, 0.6)
            .unwrap();
        let o = max.omega();
        assert!((o[(0, 2)] - 0.6).abs() < 1e-15 && (o[(2, 0)] - 0.4).abs() < 1e-15);
        assert!((0..3).all(|i| o[(i, i)] == 1.0));
        assert_eq!(
            net.clone()
                .normalized(Normalization::Raw, f64::NAN)
                .unwrap(),
            net
        );
        assert_eq!(
            net.normalized(Normalization::RowIntake, -1.0)
                .unwrap_err()
                .to_string(),
            "network: intake = -1 must be finite and >= 0"
        );
    }

    #[test]
    fn multi_hop_is_the_neumann_series() {
        let net = build(
            NetworkSpec::ErdosRenyi {
                probability: 0.4,
                weight: 0.3,
                directed: true,
            },
            6,
        );
        let beta = 0.5;
        let w = net.spillovers() * beta;
        let mut term = DMatrix::<f64>::identity(6, 6);
        let mut sum = term.clone();
        for _ in 0..200 {
            term = &term * &w;
            sum += &term;
        }
        let hop = net.multi_hop(beta).unwrap();
        assert!((hop - sum).amax() < 1e-12);
        assert_eq!(net.multi_hop(0.0).unwrap(), DMatrix::identity(6, 6));
    }

    #[test]
    fn multi_hop_rejects_divergent_beta() {
        // Complete graph on 4 tasks with weight 0.5: rho(W) = 1.5.
        let net = build(NetworkSpec::Complete { weight: 0.5 }, 4);
        assert!((net.spectral_radius() - 1.5).abs() < 1e-12);
        assert!(net.multi_hop(0.6).is_ok());
        let e = net.multi_hop(1.0).unwrap_err().to_string();
        assert!(
            e.starts_with("network: multi-hop beta = 1 gives spectral radius"),
            "{e}"
        );
        assert!(net.multi_hop(-0.1).is_err());
        // An acyclic chain has radius 0: any beta works, and the series is finite.
        let chain = build(NetworkSpec::Chain { weight: 2.0 }, 3);
        let hop = chain.multi_hop(10.0).unwrap();
        assert!((hop[(2, 0)] - 400.0).abs() < 1e-9);
    }

    #[test]
    fn spectral_radius_matches_dense_eigenvalues() {
        for (seed, spec) in [
            (
                1,
                NetworkSpec::ErdosRenyi {
                    probability: 0.2,
                    weight: 0.7,
                    directed: true,
                },
            ),
            (
                2,
                NetworkSpec::BarabasiAlbert {
                    edges_per_node: 2,
                    weight: 0.3,
                },
            ),
            (
                3,
                NetworkSpec::StochasticBlock {
                    sizes: vec![5, 10],
                    probabilities: vec![vec![0.8, 0.05], vec![0.3, 0.2]],
                    weight: 1.0,
                },
            ),
        ] {
            let net = Network::build(&spec, 15, seed).unwrap();
            let dense = net
                .spillovers()
                .complex_eigenvalues()
                .iter()
                .map(|z| z.norm())
                .fold(0.0, f64::max);
            let rho = net.spectral_radius();
            assert!(
                (rho - dense).abs() < 1e-9 * dense.max(1.0),
                "{spec:?}: {rho} vs {dense}"
            );
        }
    }

    #[test]
    fn stats_on_star_chain_and_ring() {
        let star = build(
            NetworkSpec::Star {
                center: 3,
                weight: 0.5,
                direction: StarDirection::Out,
            },
            6,
        );
        let s = star.stats(&[3]);
        let top = (0..6).max_by_key(|&i| s.out_degree[i]).unwrap();
        assert_eq!(top, 3);
        assert_eq!(s.edges, 5);
        assert!((s.density - 5.0 / 30.0).abs() < 1e-15);
        assert!((s.out_strength[3] - 2.5).abs() < 1e-15);
        assert_eq!(s.in_strength[0], 0.5);
        assert_eq!(s.reachable_share, 1.0);
        assert!(!s.symmetric);

        let chain = build(NetworkSpec::Chain { weight: 0.5 }, 5);
        let from_first = chain.stats(&[0]);
        assert!(from_first.reachable_from_seeds.iter().all(|&r| r));
        let from_last = chain.stats(&[4]);
        assert_eq!(
            from_last.reachable_from_seeds,
            vec![false, false, false, false, true]
        );
        assert!((from_last.reachable_share - 0.2).abs() < 1e-15);
        assert!(chain.stats(&[]).reachable_from_seeds.iter().all(|&r| !r));
        // Katz on the chain (radius 0, alpha = 0.85): x_i = sum_{l <= i} (0.425)^l.
        let katz = &from_first.katz_centrality;
        let raw: Vec<f64> = (0..5)
            .map(|i| (0..=i).map(|l| 0.425f64.powi(l)).sum())
            .collect();
        for i in 0..5 {
            assert!((katz[i] - raw[i] / raw[4]).abs() < 1e-12);
        }
        // Receiving centrality increases down the chain.
        let ev = &from_first.eigenvector_centrality;
        assert!(ev.windows(2).all(|w| w[0] < w[1]), "{ev:?}");
        assert_eq!(ev[4], 1.0);

        let ring = build(
            NetworkSpec::Ring {
                neighbors: 2,
                weight: 0.3,
            },
            10,
        );
        let s = ring.stats(&[0]);
        assert!(s.katz_centrality.iter().all(|&k| (k - 1.0).abs() < 1e-12));
        assert!(s
            .eigenvector_centrality
            .iter()
            .all(|&k| (k - 1.0).abs() < 1e-12));
        assert!(s.reachable_from_seeds.iter().all(|&r| r));
    }

    #[test]
    fn katz_matches_the_linear_solve() {
        let net = build(
            NetworkSpec::BarabasiAlbert {
                edges_per_node: 2,
                weight: 0.4,
            },
            12,
        );
        let s = net.stats(&[0]);
        let alpha = 0.85 / s.spectral_radius;
        let a = DMatrix::identity(12, 12) - net.spillovers() * alpha;
        let x = a
            .lu()
            .solve(&nalgebra::DVector::from_element(12, 1.0))
            .unwrap();
        let x = &x / x.max();
        for i in 0..12 {
            assert!((s.katz_centrality[i] - x[i]).abs() < 1e-9);
        }
        // Hubs (highest degree) are the most central.
        let hub = (0..12).max_by_key(|&i| s.in_degree[i]).unwrap();
        assert!(
            s.eigenvector_centrality[hub] > 0.8,
            "{:?}",
            s.eigenvector_centrality
        );
    }

    #[test]
    fn single_task_network() {
        let s = build(NetworkSpec::Complete { weight: 0.5 }, 1).stats(&[0]);
        assert_eq!((s.tasks, s.edges, s.density), (1, 0, 0.0));
        assert_eq!(s.katz_centrality, vec![1.0]);
        assert!(s.symmetric);
    }

    #[test]
    #[should_panic(expected = "seed task 5 is out of range")]
    fn stats_reject_out_of_range_seeds() {
        build(NetworkSpec::Identity, 3).stats(&[5]);
    }
}
