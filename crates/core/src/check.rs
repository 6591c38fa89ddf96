//! Argument checks shared by every model crate: finite, positive, non-negative, in a range.
//! Each returns the value when it passes and an [`Invalid`] naming the field, the value and the
//! rule when it does not; model crates convert [`Invalid`] into their own error type.
//!
//! ```
//! use walras_core::check;
//! assert_eq!(check::positive("theta", 4.0), Ok(4.0));
//! let e = check::positive("theta", 0.0).unwrap_err();
//! assert_eq!(e.to_string(), "theta = 0: must be finite and > 0");
//! ```

use std::borrow::Cow;
use std::fmt::Display;

/// A value that fails a check.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{field} = {value}: {rule}")]
pub struct Invalid {
    /// The field or parameter, as the user wrote it (with an index where per element).
    pub field: String,
    /// The offending value, formatted.
    pub value: String,
    /// What the value must satisfy, e.g. `must be finite and > 0`.
    pub rule: Cow<'static, str>,
}

impl Invalid {
    /// An [`Invalid`] from its parts.
    pub fn new(
        field: impl Into<String>,
        value: impl Display,
        rule: impl Into<Cow<'static, str>>,
    ) -> Self {
        Invalid {
            field: field.into(),
            value: value.to_string(),
            rule: rule.into(),
        }
    }
}

/// The rule text of [`finite`].
pub const FINITE: &str = "must be finite";
/// The rule text of [`positive`].
pub const POSITIVE: &str = "must be finite and > 0";
/// The rule text of [`non_negative`].
pub const NON_NEGATIVE: &str = "must be finite and >= 0";
/// The rule text of [`fraction`].
pub const FRACTION: &str = "must be in [0, 1]";
/// The rule text of [`step_fraction`].
pub const STEP_FRACTION: &str = "must lie in (0, 1]";

fn pass(ok: bool, field: &str, value: f64, rule: &'static str) -> Result<f64, Invalid> {
    if ok {
        Ok(value)
    } else {
        Err(Invalid::new(field, value, rule))
    }
}

/// `value` is finite.
pub fn finite(field: &str, value: f64) -> Result<f64, Invalid> {
    pass(value.is_finite(), field, value, FINITE)
}

/// `value` is finite and > 0.
pub fn positive(field: &str, value: f64) -> Result<f64, Invalid> {
    pass(value.is_finite() && value > 0.0, field, value, POSITIVE)
}

/// `value` is finite and >= 0.
pub fn non_negative(field: &str, value: f64) -> Result<f64, Invalid> {
    pass(
        value.is_finite() && value >= 0.0,
        field,
        value,
        NON_NEGATIVE,
    )
}

/// `value` is in [0, 1].
pub fn fraction(field: &str, value: f64) -> Result<f64, Invalid> {
    pass((0.0..=1.0).contains(&value), field, value, FRACTION)
}

/// `value` is in (0, 1], as a damping factor or step fraction must be.
pub fn step_fraction(field: &str, value: f64) -> Result<f64, Invalid> {
    pass(value > 0.0 && value <= 1.0, field, value, STEP_FRACTION)
}

/// A count of at most `max`.
pub fn at_most(field: &str, value: usize, max: usize) -> Result<usize, Invalid> {
    if value <= max {
        Ok(value)
    } else {
        Err(Invalid::new(field, value, format!("must be at most {max}")))
    }
}

/// `value` is in the closed interval [`low`, `high`].
pub fn in_range(field: &str, value: f64, low: f64, high: f64) -> Result<f64, Invalid> {
    if (low..=high).contains(&value) {
        Ok(value)
    } else {
        Err(Invalid::new(
            field,
            value,
            format!("must be in [{low}, {high}]"),
        ))
    }
}

/// Every element passes `check`; the error names `field[i]`.
pub fn each(
    field: &str,
    values: &[f64],
    check: fn(&str, f64) -> Result<f64, Invalid>,
) -> Result<(), Invalid> {
    for (i, v) in values.iter().enumerate() {
        check(&format!("{field}[{i}]"), *v)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_check_accepts_its_domain_and_names_field_value_rule() {
        assert_eq!(finite("x", -3.0), Ok(-3.0));
        assert_eq!(
            finite("x", f64::NAN).unwrap_err().to_string(),
            "x = NaN: must be finite"
        );
        assert!(positive("x", 0.0).is_err());
        assert!(positive("x", f64::INFINITY).is_err());
        assert_eq!(non_negative("x", 0.0), Ok(0.0));
        assert_eq!(
            non_negative("x", -1.0).unwrap_err().to_string(),
            "x = -1: must be finite and >= 0"
        );
        assert_eq!(fraction("x", 1.0), Ok(1.0));
        assert_eq!(step_fraction("d", 1.0), Ok(1.0));
        assert_eq!(
            step_fraction("d", 0.0).unwrap_err().to_string(),
            "d = 0: must lie in (0, 1]"
        );
        assert_eq!(at_most("m", 100, 100), Ok(100));
        assert_eq!(
            at_most("m", 101, 100).unwrap_err().to_string(),
            "m = 101: must be at most 100"
        );
        assert!(fraction("x", 1.5).is_err());
        assert!(fraction("x", f64::NAN).is_err());
        assert_eq!(
            in_range("rate", 2.0, 0.0, 1.0).unwrap_err().to_string(),
            "rate = 2: must be in [0, 1]"
        );
        assert_eq!(
            each("w", &[1.0, -2.0], non_negative)
                .unwrap_err()
                .to_string(),
            "w[1] = -2: must be finite and >= 0"
        );
    }
}
