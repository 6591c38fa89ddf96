//! The topology generators: [`Network::build`] turns a [`NetworkSpec`] into Omega.
//!
//! Random topologies draw from a `Xoshiro256PlusPlus` seeded with the given seed.

use nalgebra::DMatrix;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::error::{check_below, check_probability, check_weight, invalid};
use super::{Network, NetworkError, NetworkSpec, StarDirection};

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

impl Network {
    /// Build the network `spec` describes for `n` tasks; random topologies draw from
    /// `Xoshiro256PlusPlus::seed_from_u64(seed)`. `File` specs are an error (walras-data
    /// loads them).
    pub fn build(spec: &NetworkSpec, n: usize, seed: u64) -> Result<Self, NetworkError> {
        if n == 0 {
            return Err(invalid("tasks", n, "must be >= 1"));
        }
        let memory = crate::limits::total_memory();
        crate::limits::check_dense(n, crate::limits::DENSE_MATRICES, memory)
            .map_err(|reason| invalid("tasks", n, reason))?;
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
}
