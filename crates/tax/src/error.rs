//! Errors of the tax model: each names the offending value.

/// A bad schedule, parameter or sample, or a failure of the engine underneath.
#[derive(Debug, thiserror::Error)]
pub enum TaxError {
    /// A tax schedule is malformed (cutoffs not increasing, rates outside [0, 1], ...).
    #[error("invalid tax schedule: {0}")]
    InvalidSchedule(String),
    /// A model parameter is out of range.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name as the user wrote it.
        name: String,
        /// The value, formatted.
        value: String,
        /// What it must satisfy.
        reason: String,
    },
    /// A sample has no usable observations.
    #[error("empty sample: {0}")]
    EmptySample(String),
    /// A specification string (skills, SWF) could not be parsed.
    #[error("cannot parse {what} `{input}`: {reason}")]
    BadSpec {
        /// What was being parsed.
        what: &'static str,
        /// The text.
        input: String,
        /// Why it failed, with the accepted forms.
        reason: String,
    },
    /// The nested-fixed-point engine failed (non-convergence carries its report).
    #[error(transparent)]
    Engine(#[from] walras_core::EngineError),
}

/// Result alias for the tax crate.
pub type Result<T, E = TaxError> = std::result::Result<T, E>;

impl From<walras_core::check::Invalid> for TaxError {
    fn from(e: walras_core::check::Invalid) -> Self {
        TaxError::InvalidParameter {
            name: e.field,
            value: e.value,
            reason: e.rule.into_owned(),
        }
    }
}

pub(crate) fn invalid(name: &str, value: impl std::fmt::Display, reason: &str) -> TaxError {
    TaxError::InvalidParameter {
        name: name.into(),
        value: value.to_string(),
        reason: reason.into(),
    }
}
