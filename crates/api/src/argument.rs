//! Errors in a request's settings, named by setting.

use std::fmt;

/// A request setting with a value it cannot take. `name` is the command line's spelling
/// without dashes (`rate-max`); the Python package shows it as `rate_max`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgumentError {
    /// The setting, in the command line's spelling (`rate-max`).
    pub name: &'static str,
    /// What is wrong, e.g. `must lie in (0, 1], got 2`.
    pub message: String,
    /// The message is a library error that names the setting itself.
    self_named: bool,
}

impl ArgumentError {
    /// An error for setting `name`.
    pub fn new(name: &'static str, message: impl Into<String>) -> Self {
        ArgumentError {
            name,
            message: message.into(),
            self_named: false,
        }
    }

    /// The error of setting `name` from a library error (its whole cause chain, one line).
    pub fn from_error(name: &'static str, err: &(dyn std::error::Error + 'static)) -> Self {
        let mut message = err.to_string();
        let mut source = err.source();
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        ArgumentError {
            name,
            message,
            self_named: true,
        }
    }

    /// The setting's name as a Python keyword argument (`rate_max`).
    pub fn python_name(&self) -> String {
        self.name.replace('-', "_")
    }

    /// The message for Python: the setting's keyword name, then what is wrong.
    pub fn python_message(&self) -> String {
        if self.self_named {
            format!("{}: {}", self.python_name(), self.message)
        } else {
            format!("{} {}", self.python_name(), self.message)
        }
    }
}

impl fmt::Display for ArgumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let separator = if self.self_named { ":" } else { "" };
        write!(f, "--{}{separator} {}", self.name, self.message)
    }
}

impl std::error::Error for ArgumentError {}

/// `Ok` if `ok`, else an [`ArgumentError`] for `name`.
pub(crate) fn ensure(
    ok: bool,
    name: &'static str,
    message: impl FnOnce() -> String,
) -> Result<(), ArgumentError> {
    if ok {
        Ok(())
    } else {
        Err(ArgumentError::new(name, message()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_setting_in_both_spellings() {
        let e = ArgumentError::new("rate-max", "must lie in (0, 1], got 2");
        assert_eq!(e.to_string(), "--rate-max must lie in (0, 1], got 2");
        assert_eq!(e.python_name(), "rate_max");
        assert!(ensure(true, "x", || unreachable!()).is_ok());
        assert_eq!(
            ensure(false, "x", || "bad".into()).unwrap_err().message,
            "bad"
        );
    }
}
