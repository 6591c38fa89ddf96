//! Spillover networks for DDA-1 (spec s.6).
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

use nalgebra::DMatrix;

mod error;
mod generators;
mod normalisation;
mod spec;
mod statistics;

pub use error::NetworkError;
pub use normalisation::Normalization;
pub use spec::{NetworkSpec, StarDirection};
pub use statistics::NetworkStats;

use error::{check_weight, invalid};

/// A validated spillover matrix Omega (square, finite, off-diagonal >= 0, diagonal 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    omega: DMatrix<f64>,
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
}
