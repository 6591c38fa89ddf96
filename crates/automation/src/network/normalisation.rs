//! Rescaling the off-diagonal weights of Omega: [`Normalization`] and [`Network::normalized`].

use serde::{Deserialize, Serialize};

use super::error::check_weight;
use super::{Network, NetworkError};

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

impl Network {
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
}
