//! Network errors ([`NetworkError`]) and the parameter checks that raise them.

use std::fmt::Display;
use std::path::PathBuf;

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
    /// A `kind = "file"` spec was passed to [`Network::build`](super::Network::build).
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
    /// A `key=value,...` network specification does not parse.
    #[error("network spec `{text}`: {reason}")]
    Spec {
        /// The specification as written.
        text: String,
        /// Why it does not parse.
        reason: String,
    },
    /// I - beta W could not be inverted numerically.
    #[error("network: multi-hop beta = {beta}: I - beta W is numerically singular")]
    Singular {
        /// The requested beta.
        beta: f64,
    },
}

pub(super) fn invalid(key: &str, value: impl Display, reason: impl Into<String>) -> NetworkError {
    NetworkError::Parameter {
        key: key.into(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

impl From<walras_core::check::Invalid> for NetworkError {
    /// A failed shared check as [`NetworkError::Parameter`] (key = field, reason = rule).
    fn from(e: walras_core::check::Invalid) -> Self {
        NetworkError::Parameter {
            key: e.field,
            value: e.value,
            reason: e.rule.into_owned(),
        }
    }
}

pub(super) fn check_weight(key: &str, v: f64) -> Result<f64, NetworkError> {
    Ok(walras_core::check::non_negative(key, v)?)
}

pub(super) fn check_probability(key: &str, v: f64) -> Result<f64, NetworkError> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(invalid(key, v, "is outside [0, 1]"))
    }
}

pub(super) fn check_below(key: &str, v: usize, n: usize) -> Result<usize, NetworkError> {
    if v < n {
        Ok(v)
    } else {
        Err(invalid(key, v, format!("must be < tasks = {n}")))
    }
}
