//! Derivatives of whole re-solves by Richardson-extrapolated differences, for models whose
//! solution is not a stacked first-order system the implicit function theorem can use (a
//! planner solved by forward-backward sweeps, say).
//!
//! A column is the derivative of a vector-valued `solve(x)` in one scalar `x`. Where `x - h`
//! and `x + h` both lie in the parameter's domain the scheme is central, `D(h) = (f(x + h) -
//! f(x - h)) / 2h`, extrapolated as `(4 D(h/2) - D(h)) / 3` (error O(h^4)); at an edge of the
//! domain it is one-sided, `D(h) = (f(x + h) - f(x)) / h` (or backward), extrapolated as
//! `2 D(h/2) - D(h)` (error O(h^2)). The error estimate is the gap between the two step sizes'
//! extrapolations' ingredients (`|D(h/2) - D(h)| / 3` central, `|D(h/2) - D(h)|` one-sided):
//! it also catches a solve that is not smooth in `x` (a jump between stationary points).

/// The domain of a parameter: `lower < x < upper` (`lower` reachable when `closed_lower`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Domain {
    /// Lower end (may be `-inf`).
    pub lower: f64,
    /// Whether `lower` itself is allowed.
    pub closed_lower: bool,
    /// Upper end, allowed (may be `+inf`).
    pub upper: f64,
}

impl Domain {
    /// Every real number.
    pub const REAL: Domain = Domain {
        lower: f64::NEG_INFINITY,
        closed_lower: false,
        upper: f64::INFINITY,
    };
    /// `x > 0`.
    pub const POSITIVE: Domain = Domain {
        lower: 0.0,
        closed_lower: false,
        upper: f64::INFINITY,
    };
    /// `x >= 0`.
    pub const NON_NEGATIVE: Domain = Domain {
        lower: 0.0,
        closed_lower: true,
        upper: f64::INFINITY,
    };
    /// `0 <= x <= 1`.
    pub const FRACTION: Domain = Domain {
        lower: 0.0,
        closed_lower: true,
        upper: 1.0,
    };

    /// Whether `x` lies in the domain.
    pub fn contains(&self, x: f64) -> bool {
        let above = if self.closed_lower {
            x >= self.lower
        } else {
            x > self.lower
        };
        above && x <= self.upper
    }
}

/// How a column was differenced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// `x +- h`.
    Central,
    /// `x`, `x + h` (at the domain's lower edge).
    Forward,
    /// `x - h`, `x` (at the domain's upper edge).
    Backward,
}

/// One column: d solve / dx, its error estimate per entry, and the scheme used.
#[derive(Debug, Clone, PartialEq)]
pub struct DifferenceColumn {
    /// The extrapolated derivative of every output.
    pub derivative: Vec<f64>,
    /// The estimated absolute error of every entry.
    pub error: Vec<f64>,
    /// The scheme.
    pub scheme: Scheme,
    /// The larger step h.
    pub step: f64,
}

/// Why a column could not be differenced.
#[derive(Debug, Clone, PartialEq)]
pub enum DifferenceError<E> {
    /// Neither `x + h` nor `x - h` lies in the domain.
    NoRoom {
        /// The value.
        x: f64,
        /// The step.
        step: f64,
    },
    /// A shifted solve failed.
    Solve {
        /// The shifted value.
        x: f64,
        /// Its error.
        error: E,
    },
    /// A shifted solve returned a different number of outputs than the base.
    Shape {
        /// The base's count.
        expected: usize,
        /// The shifted solve's.
        found: usize,
    },
}

impl<E: std::fmt::Display> std::fmt::Display for DifferenceError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DifferenceError::NoRoom { x, step } => write!(
                f,
                "no room for a difference step {step:e} on either side of {x} within the parameter's domain"
            ),
            DifferenceError::Solve { x, error } => write!(f, "the re-solve at {x} failed: {error}"),
            DifferenceError::Shape { expected, found } => write!(
                f,
                "a re-solve returned {found} outputs where the base returned {expected}"
            ),
        }
    }
}

impl<E: std::fmt::Debug + std::fmt::Display> std::error::Error for DifferenceError<E> {}

/// The derivative of `solve` at `x` (base outputs `base = solve(x)`) with steps `h` and
/// `h / 2`, central where the domain allows it; shifted solves run in the order the scheme
/// needs them.
pub fn richardson_column<E>(
    solve: impl Fn(f64) -> Result<Vec<f64>, E>,
    base: &[f64],
    x: f64,
    h: f64,
    domain: Domain,
) -> Result<DifferenceColumn, DifferenceError<E>> {
    let up = domain.contains(x + h);
    let down = domain.contains(x - h);
    let scheme = match (up, down) {
        (true, true) => Scheme::Central,
        (true, false) => Scheme::Forward,
        (false, true) => Scheme::Backward,
        (false, false) => return Err(DifferenceError::NoRoom { x, step: h }),
    };
    let at = |v: f64| -> Result<Vec<f64>, DifferenceError<E>> {
        let out = solve(v).map_err(|error| DifferenceError::Solve { x: v, error })?;
        if out.len() != base.len() {
            return Err(DifferenceError::Shape {
                expected: base.len(),
                found: out.len(),
            });
        }
        Ok(out)
    };
    let quotient = |step: f64| -> Result<Vec<f64>, DifferenceError<E>> {
        Ok(match scheme {
            Scheme::Central => {
                let (a, b) = (at(x + step)?, at(x - step)?);
                a.iter()
                    .zip(&b)
                    .map(|(a, b)| (a - b) / (2.0 * step))
                    .collect()
            }
            Scheme::Forward => at(x + step)?
                .iter()
                .zip(base)
                .map(|(a, b)| (a - b) / step)
                .collect(),
            Scheme::Backward => base
                .iter()
                .zip(&at(x - step)?)
                .map(|(a, b)| (a - b) / step)
                .collect(),
        })
    };
    let coarse = quotient(h)?;
    let fine = quotient(0.5 * h)?;
    let (weight, divisor) = match scheme {
        Scheme::Central => (4.0, 3.0),
        _ => (2.0, 1.0),
    };
    let derivative = fine
        .iter()
        .zip(&coarse)
        .map(|(f, c)| (weight * f - c) / divisor)
        .collect();
    let error = fine
        .iter()
        .zip(&coarse)
        .map(|(f, c)| (f - c).abs() / divisor)
        .collect();
    Ok(DifferenceColumn {
        derivative,
        error,
        scheme,
        step: h,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(x: f64) -> Result<Vec<f64>, String> {
        if x < 0.0 {
            return Err(format!("x = {x} < 0"));
        }
        Ok(vec![x.exp(), x.sqrt() * x, (3.0 * x).sin()])
    }

    fn exact(x: f64) -> [f64; 3] {
        [x.exp(), 1.5 * x.sqrt(), 3.0 * (3.0 * x).cos()]
    }

    #[test]
    fn central_columns_are_fourth_order() {
        let x = 0.7;
        let base = f(x).unwrap();
        let c = richardson_column(f, &base, x, 0.05, Domain::NON_NEGATIVE).unwrap();
        assert_eq!(c.scheme, Scheme::Central);
        for (k, (d, e)) in c.derivative.iter().zip(exact(x)).enumerate() {
            assert!((d - e).abs() < 2e-6, "output {k}: {d} vs {e}");
            // the estimate bounds the error of the coarser steps, not of the extrapolation
            assert!(c.error[k] >= (d - e).abs(), "output {k}");
        }
    }

    #[test]
    fn at_an_edge_the_column_is_one_sided_and_second_order() {
        let x = 0.0;
        let base = f(x).unwrap();
        let c = richardson_column(f, &base, x, 1e-3, Domain::NON_NEGATIVE).unwrap();
        assert_eq!(c.scheme, Scheme::Forward);
        assert!((c.derivative[0] - 1.0).abs() < 1e-6);
        assert!((c.derivative[2] - 3.0).abs() < 1e-5);
        let top = Domain {
            upper: 1.0,
            ..Domain::NON_NEGATIVE
        };
        let base = f(1.0).unwrap();
        let c = richardson_column(f, &base, 1.0, 1e-3, top).unwrap();
        assert_eq!(c.scheme, Scheme::Backward);
        assert!((c.derivative[0] - 1f64.exp()).abs() < 1e-6);
    }

    #[test]
    fn failures_name_the_value_and_the_reason() {
        let base = f(0.0).unwrap();
        let e = richardson_column(f, &base, 0.0, 0.1, Domain::REAL).unwrap_err();
        assert!(
            e.to_string().contains("-0.1") && e.to_string().contains("< 0"),
            "{e}"
        );
        let narrow = Domain {
            lower: 0.0,
            closed_lower: true,
            upper: 0.05,
        };
        let e = richardson_column(f, &base, 0.02, 0.1, narrow).unwrap_err();
        assert!(matches!(e, DifferenceError::NoRoom { .. }), "{e}");
        let short = |_: f64| -> Result<Vec<f64>, String> { Ok(vec![1.0]) };
        let e = richardson_column(short, &base, 0.5, 0.1, Domain::REAL).unwrap_err();
        assert!(
            e.to_string()
                .contains("1 outputs where the base returned 3"),
            "{e}"
        );
    }
}
