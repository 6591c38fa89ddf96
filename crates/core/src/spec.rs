//! The one parser of `name:key=value,key=value` specifications (skill distributions, welfare
//! functions, verifiability distributions, network specs on the command line). Values stay
//! text until a caller asks for a number, so the same parser serves numeric and mixed specs.
//!
//! ```
//! use walras_core::spec::Spec;
//! let spec = Spec::parse("pareto:alpha=4,min=1").unwrap();
//! assert_eq!(spec.name, "pareto");
//! assert_eq!(spec.numbers(["alpha", "min"]).unwrap(), [4.0, 1.0]);
//! assert_eq!(
//!     Spec::parse("pareto:alpha=4").unwrap().numbers(["alpha", "min"]).unwrap_err().to_string(),
//!     "missing parameter `min`"
//! );
//! ```

/// Why a specification does not parse; the messages quote the offending part.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// Nothing before the `:`.
    #[error("missing name before ':'")]
    MissingName,
    /// A part without `=`.
    #[error("`{0}` is not key=value")]
    NotKeyValue(String),
    /// A key given twice.
    #[error("parameter `{0}` is given twice")]
    Duplicate(String),
    /// A value that should be a number.
    #[error("`{value}` is not a number (in `{part}`)")]
    NotANumber {
        /// The value as written.
        value: String,
        /// Its `key=value` part.
        part: String,
    },
    /// A number that is NaN or infinite.
    #[error("`{0}` is not finite")]
    NotFinite(String),
    /// A key the specification does not take.
    #[error("unknown parameter `{key}` (expected {expected})")]
    Unknown {
        /// The key.
        key: String,
        /// The keys it takes, comma-separated.
        expected: String,
    },
    /// A required key that is absent.
    #[error("missing parameter `{0}`")]
    Missing(String),
}

/// A parsed specification: a name and its `key=value` parameters, in the order written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    /// The name before the `:` (the whole input if there is no `:`), trimmed.
    pub name: String,
    /// `(key, value)` pairs, trimmed.
    pub params: Vec<(String, String)>,
}

impl Spec {
    /// Parse `name:key=value,...` (the parameters may be absent: `name` alone).
    pub fn parse(input: &str) -> Result<Self, SpecError> {
        let (name, rest) = match input.split_once(':') {
            Some((n, r)) => (n.trim(), r),
            None => (input.trim(), ""),
        };
        if name.is_empty() {
            return Err(SpecError::MissingName);
        }
        Ok(Spec {
            name: name.to_string(),
            params: parse_pairs(rest)?,
        })
    }

    /// The parameters as numbers, checked finite, in the order written.
    pub fn numeric_params(&self) -> Result<Vec<(String, f64)>, SpecError> {
        self.params
            .iter()
            .map(|(k, v)| Ok((k.clone(), number(k, v)?)))
            .collect()
    }

    /// Exactly the parameters `keys`, as finite numbers in that order: an unknown or missing
    /// key is an error.
    pub fn numbers<const N: usize>(&self, keys: [&str; N]) -> Result<[f64; N], SpecError> {
        take_numbers(&self.numeric_params()?, keys)
    }
}

/// Parse `key=value,key=value` (empty parts are skipped; a repeated key is an error).
pub fn parse_pairs(input: &str) -> Result<Vec<(String, String)>, SpecError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for part in input.split(',').filter(|p| !p.trim().is_empty()) {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| SpecError::NotKeyValue(part.to_string()))?;
        let key = k.trim().to_string();
        if pairs.iter().any(|(seen, _)| *seen == key) {
            return Err(SpecError::Duplicate(key));
        }
        pairs.push((key, v.trim().to_string()));
    }
    Ok(pairs)
}

/// `value` (of parameter `key`) as a finite number.
fn number(key: &str, value: &str) -> Result<f64, SpecError> {
    let part = format!("{key}={value}");
    let v: f64 = value.parse().map_err(|_| SpecError::NotANumber {
        value: value.to_string(),
        part: part.clone(),
    })?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(SpecError::NotFinite(part))
    }
}

/// Exactly the parameters `keys` of `params`, in that order.
pub fn take_numbers<const N: usize>(
    params: &[(String, f64)],
    keys: [&str; N],
) -> Result<[f64; N], SpecError> {
    let mut out = [None; N];
    for (k, v) in params {
        let i = keys
            .iter()
            .position(|key| key == k)
            .ok_or_else(|| SpecError::Unknown {
                key: k.clone(),
                expected: keys.join(", "),
            })?;
        out[i] = Some(*v);
    }
    let mut values = [0.0; N];
    for (i, v) in out.iter().enumerate() {
        values[i] = v.ok_or_else(|| SpecError::Missing(keys[i].to_string()))?;
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_pairs_and_numbers() {
        let s = Spec::parse(" lognormal : mu = 1 , sigma=0.5,").unwrap();
        assert_eq!(s.name, "lognormal");
        assert_eq!(
            s.numeric_params().unwrap(),
            vec![("mu".into(), 1.0), ("sigma".into(), 0.5)]
        );
        assert_eq!(Spec::parse("cps").unwrap().params, vec![]);
        assert_eq!(
            parse_pairs("kind=ring,neighbors=2").unwrap(),
            vec![
                ("kind".to_string(), "ring".to_string()),
                ("neighbors".to_string(), "2".to_string())
            ]
        );
    }

    #[test]
    fn every_malformed_spec_is_an_error_that_quotes_it() {
        let err = |s: &str, keys: [&str; 2]| {
            Spec::parse(s)
                .and_then(|s| s.numbers(keys))
                .unwrap_err()
                .to_string()
        };
        let k = ["alpha", "min"];
        assert_eq!(err(":alpha=1", k), "missing name before ':'");
        assert_eq!(err("pareto:alpha", k), "`alpha` is not key=value");
        assert_eq!(
            err("pareto:alpha=x,min=1", k),
            "`x` is not a number (in `alpha=x`)"
        );
        assert_eq!(
            err("pareto:alpha=inf,min=1", k),
            "`alpha=inf` is not finite"
        );
        assert_eq!(
            err("pareto:alpha=1,min=1,beta=2", k),
            "unknown parameter `beta` (expected alpha, min)"
        );
        assert_eq!(err("pareto:alpha=1", k), "missing parameter `min`");
        assert_eq!(
            err("pareto:alpha=1,alpha=2", k),
            "parameter `alpha` is given twice"
        );
    }
}
