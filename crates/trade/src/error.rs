//! Errors of the trade model: each names the table, the key and the value.

/// Bad data, a bad parameter, an infeasible policy or a failure of the engine underneath.
#[derive(Debug, thiserror::Error)]
pub enum TradeError {
    /// A data table is inconsistent (missing or extra keys, shares not summing to one, ...).
    #[error("{table}: {key}: {message}")]
    Data {
        /// The table (flows, sectors, tariffs, value_added, io, final, countries).
        table: String,
        /// The offending key (country, sector, ...).
        key: String,
        /// What is wrong, with the value.
        message: String,
    },
    /// A parameter or option is out of range.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name as the user wrote it.
        name: String,
        /// The value, formatted.
        value: String,
        /// What it must satisfy.
        reason: String,
    },
    /// The policy has no equilibrium (some country's income would be non-positive).
    #[error("infeasible policy: {0}")]
    Infeasible(String),
    /// The nested-fixed-point engine failed (non-convergence carries its report).
    #[error(transparent)]
    Engine(#[from] walras_core::EngineError),
}

/// Result alias for the trade crate.
pub type Result<T, E = TradeError> = std::result::Result<T, E>;

pub(crate) fn invalid(name: &str, value: impl std::fmt::Display, reason: &str) -> TradeError {
    TradeError::InvalidParameter {
        name: name.into(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

pub(crate) fn data_error(
    table: &str,
    key: impl Into<String>,
    message: impl Into<String>,
) -> TradeError {
    TradeError::Data {
        table: table.into(),
        key: key.into(),
        message: message.into(),
    }
}
