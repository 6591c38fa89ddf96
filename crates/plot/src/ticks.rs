//! Axis ranges, tick positions and tick-label formatting.
//!
//! Log axes are handled by plotting `log10(value)` on a linear axis and labelling the
//! ticks with the original values, so every chart uses the same coordinate type.

/// One axis, in plotted ("transformed") coordinates.
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    /// Lower end of the axis.
    pub lo: f64,
    /// Upper end of the axis.
    pub hi: f64,
    /// Labelled tick positions.
    pub major: Vec<f64>,
    /// Unlabelled minor grid positions (log axes only).
    pub minor: Vec<f64>,
    /// One label per major tick.
    pub labels: Vec<String>,
}

impl Axis {
    /// The label of the major tick nearest to `v` (plotters asks by value).
    pub fn label_at(&self, v: f64) -> String {
        let mut best: Option<(f64, usize)> = None;
        for (i, &t) in self.major.iter().enumerate() {
            let d = (t - v).abs();
            if best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, i));
            }
        }
        best.and_then(|(_, i)| self.labels.get(i).cloned())
            .unwrap_or_default()
    }

    /// Fraction of the axis length at which `v` lies.
    pub fn frac(&self, v: f64) -> f64 {
        let span = self.hi - self.lo;
        if span > 0.0 && span.is_finite() {
            (v - self.lo) / span
        } else {
            0.5
        }
    }

    /// Smallest distance between consecutive major ticks, in pixels for an axis `len` long.
    pub fn min_spacing_px(&self, len: f64) -> f64 {
        let span = self.hi - self.lo;
        self.major
            .windows(2)
            .map(|w| (w[1] - w[0]).abs() / span * len)
            .fold(f64::INFINITY, f64::min)
    }
}

/// Maps a data value to plotted coordinates.
pub(crate) fn transform(v: f64, log: bool) -> f64 {
    if log {
        v.log10()
    } else {
        v
    }
}

/// Inverse of [`transform`].
pub(crate) fn untransform(t: f64, log: bool) -> f64 {
    if log {
        10f64.powf(t)
    } else {
        t
    }
}

/// Axis range with a little padding around the finite (transformed) data range `[min, max]`.
/// Degenerate ranges (a single value) are widened symmetrically.
pub(crate) fn padded_range(min: f64, max: f64, log: bool) -> (f64, f64) {
    let (min, max) = (min.min(max), max.max(min));
    let mid = 0.5 * min + 0.5 * max;
    let span = max - min;
    if !span.is_finite() {
        return (-f64::MAX / 2.0, f64::MAX / 2.0);
    }
    if span <= mid.abs() * 1e-12 || span == 0.0 {
        // Widen to +-delta, then pad like any other range (so ticks do not sit on the
        // very corners of the plot).
        let delta = if log {
            0.3
        } else if mid.abs() > 1e-300 {
            mid.abs() * 0.1
        } else {
            1.0
        };
        return (mid - 1.08 * delta, mid + 1.08 * delta);
    }
    let pad = 0.04 * span;
    (min - pad, max + pad)
}

/// Range of a bar chart's value axis: always contains zero, padded away from zero only.
pub(crate) fn bar_range(min: f64, max: f64) -> (f64, f64) {
    let lo = min.min(0.0);
    let hi = max.max(0.0);
    let span = hi - lo;
    if !span.is_finite() {
        return (-f64::MAX / 2.0, f64::MAX / 2.0);
    }
    if span == 0.0 {
        return (0.0, 1.0);
    }
    let pad = 0.05 * span;
    (
        if lo < 0.0 { lo - pad } else { lo },
        if hi > 0.0 { hi + pad } else { hi },
    )
}

/// "Nice" tick positions (multiples of 1, 2, 2.5 or 5 times a power of ten) inside `[lo, hi]`,
/// at most `max_n` of them.
pub(crate) fn linear_ticks(lo: f64, hi: f64, max_n: usize) -> Vec<f64> {
    let span = hi - lo;
    if !(lo.is_finite() && hi.is_finite() && span.is_finite() && span > 0.0) {
        return Vec::new();
    }
    let max_n = max_n.max(1) as f64;
    let raw = span / max_n;
    let mag = 10f64.powf(raw.log10().floor());
    let mut step = 10.0 * mag;
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if span / (m * mag) <= max_n {
            step = m * mag;
            break;
        }
    }
    if !(step.is_finite() && step > 0.0) {
        return Vec::new();
    }
    let start = (lo / step - 1e-9).ceil();
    let end = (hi / step + 1e-9).floor();
    if !(start.is_finite() && end.is_finite()) || end - start > 1000.0 {
        return Vec::new();
    }
    let mut ticks = Vec::new();
    let mut k = start;
    while k <= end {
        let t = k * step;
        ticks.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
        k += 1.0;
    }
    ticks
}

const SUPERSCRIPTS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

/// `10` followed by the superscript exponent, e.g. `10⁻³`.
fn pow10_label(e: i32) -> String {
    let mut s = String::from("10");
    if e < 0 {
        s.push('⁻');
    }
    for c in e.unsigned_abs().to_string().chars() {
        s.push(SUPERSCRIPTS[c.to_digit(10).unwrap_or(0) as usize]);
    }
    s
}

/// Uses a typographic minus sign.
fn fix_minus(s: String) -> String {
    match s.strip_prefix('-') {
        Some(rest) => format!("−{rest}"),
        None => s,
    }
}

/// Inserts thousands separators into the integer part of a plain decimal number
/// (`123456.5` becomes `123,456.5`, `−12345` becomes `−12,345`); anything else
/// (scientific notation, short numbers) is returned unchanged.
fn group_digits(s: &str) -> String {
    let (sign, body) = match s.strip_prefix('−').or_else(|| s.strip_prefix('-')) {
        Some(rest) => (&s[..s.len() - rest.len()], rest),
        None => ("", s),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let int: String = int.chars().filter(|&c| c != ',').collect();
    if int.len() < 4 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return s.to_string();
    }
    let mut out = String::from(sign);
    for (k, c) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// Whether a plain decimal label has at least five integer digits.
fn is_large(label: &str) -> bool {
    let body = label.trim_start_matches(['−', '-']);
    let int: String = body
        .split('.')
        .next()
        .unwrap_or("")
        .chars()
        .filter(|&c| c != ',')
        .collect();
    int.len() >= 5 && int.bytes().all(|b| b.is_ascii_digit())
}

/// Thousands separators for one axis's labels: once any label reaches five integer digits
/// (10,000), every label of four or more gets them, so the axis reads consistently while
/// four-digit axes such as years stay unseparated.
fn group_thousands(labels: Vec<String>) -> Vec<String> {
    if labels.iter().any(|l| is_large(l)) {
        labels.iter().map(|l| group_digits(l)).collect()
    } else {
        labels
    }
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `m×10ⁿ` with up to `digits` decimals in the mantissa (`10ⁿ` when `m` is 1).
fn scientific(v: f64, digits: usize) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let mut e = v.abs().log10().floor() as i32;
    let mut m = v / 10f64.powi(e);
    let scale = 10f64.powi(digits as i32);
    m = (m * scale).round() / scale;
    if m.abs() >= 10.0 {
        m /= 10.0;
        e += 1;
    }
    let mant = trim_zeros(format!("{m:.digits$}"));
    match mant.as_str() {
        "1" => pow10_label(e),
        "-1" => format!("−{}", pow10_label(e)),
        _ => fix_minus(format!("{mant}×{}", pow10_label(e))),
    }
}

/// Labels for linear ticks: the fewest decimals that represent every tick exactly (with
/// thousands separators from 10,000 on), or scientific notation for very large or very
/// small magnitudes.
pub(crate) fn format_linear(ticks: &[f64]) -> Vec<String> {
    let max_abs = ticks.iter().fold(0.0f64, |a, t| a.max(t.abs()));
    if max_abs >= 1e6 || (max_abs > 0.0 && max_abs < 1e-3) {
        return ticks.iter().map(|&t| scientific(t, 3)).collect();
    }
    let decimals = (0..=12usize)
        .find(|&d| {
            let s = 10f64.powi(d as i32);
            ticks.iter().all(|&t| {
                let x = t * s;
                (x - x.round()).abs() < 1e-6 * x.abs().max(1.0)
            })
        })
        .unwrap_or(12);
    let labels = ticks
        .iter()
        .map(|&t| {
            let s = format!("{t:.decimals$}");
            // "-0.0" for a tick that is numerically zero.
            if s.trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.')
            {
                s.trim_start_matches('-').to_string()
            } else {
                fix_minus(s)
            }
        })
        .collect();
    group_thousands(labels)
}

/// A value with about `sig` significant digits (colour-bar min/max labels), with thousands
/// separators from 10,000 on.
pub(crate) fn format_significant(v: f64, sig: usize) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v == 0.0 { "0".into() } else { v.to_string() };
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        return scientific(v, sig.saturating_sub(1));
    }
    let mag = a.log10().floor() as i32;
    let decimals = (sig as i32 - 1 - mag).max(0) as usize;
    let s = fix_minus(trim_zeros(format!("{v:.decimals$}")));
    if is_large(&s) {
        group_digits(&s)
    } else {
        s
    }
}

/// Label of a log-axis tick at `10^t`.
fn format_log_value(v: f64) -> String {
    if (1e-3..1e6).contains(&v) {
        format_significant(v, 3)
    } else {
        scientific(v, 2)
    }
}

/// Builds a linear axis over `[lo, hi]` with at most `max_n` ticks.
pub(crate) fn linear_axis(lo: f64, hi: f64, max_n: usize) -> Axis {
    // A coarse step can leave a single tick; allow a few more then.
    let mut major = linear_ticks(lo, hi, max_n);
    let mut n = max_n;
    while major.len() < 2 && n < max_n + 6 {
        n += 1;
        major = linear_ticks(lo, hi, n);
    }
    let labels = format_linear(&major);
    Axis {
        lo,
        hi,
        major,
        minor: Vec::new(),
        labels,
    }
}

/// Builds a log axis over transformed (log10) coordinates `[lo, hi]`.
pub(crate) fn log_axis(lo: f64, hi: f64, max_n: usize) -> Axis {
    let max_n = max_n.max(2);
    let eps = 1e-9;
    let k0 = (lo - eps).ceil();
    let k1 = (hi + eps).floor();
    let decades = if k1 >= k0 { (k1 - k0) as usize + 1 } else { 0 };
    let mut major = Vec::new();
    let mut minor = Vec::new();
    let d_lo = lo.floor() as i64;
    let d_hi = hi.ceil() as i64;
    let in_range = |t: f64| t >= lo - eps && t <= hi + eps;
    if (2..=10_000).contains(&decades) {
        // A "nice" number of decades between labels.
        let need = decades.div_ceil(max_n).max(1);
        let stride = [1usize, 2, 3, 5]
            .into_iter()
            .chain((0..6).flat_map(|e| [10usize, 20, 25, 50].map(|m| m * 10usize.pow(e))))
            .find(|&s| s >= need)
            .unwrap_or(need) as i64;
        for k in (k0 as i64)..=(k1 as i64) {
            if k.rem_euclid(stride) == 0 {
                major.push(k as f64);
            } else if decades <= 24 {
                // Unlabelled decades get a light grid line (unless that gets too busy).
                minor.push(k as f64);
            }
        }
        if major.len() < 2 {
            // The stride skipped nearly everything; fall back to the end decades.
            major = vec![k0, k1];
        }
        if stride == 1 && decades <= 12 {
            for d in d_lo..=d_hi {
                for m in 2..=9 {
                    let t = d as f64 + f64::from(m).log10();
                    if in_range(t) {
                        minor.push(t);
                    }
                }
            }
        }
        let all_plain = major.iter().all(|&k| (-2.0..=4.0).contains(&k));
        let labels = major
            .iter()
            .map(|&k| {
                if all_plain {
                    format_log_value(10f64.powf(k))
                } else {
                    pow10_label(k as i32)
                }
            })
            .collect();
        let labels = group_thousands(labels);
        return Axis {
            lo,
            hi,
            major,
            minor,
            labels,
        };
    }
    if d_hi - d_lo <= 4 {
        // Narrow range: try 1-2-5 ticks.
        for d in d_lo..=d_hi {
            for m in [1.0f64, 2.0, 5.0] {
                let t = d as f64 + m.log10();
                if in_range(t) {
                    major.push(t);
                }
            }
            for m in [3.0f64, 4.0, 6.0, 7.0, 8.0, 9.0] {
                let t = d as f64 + m.log10();
                if in_range(t) {
                    minor.push(t);
                }
            }
        }
        if major.len() < 3 {
            // Too few 1-2-5 ticks: label every integer multiple (1, 2, ..., 9) instead.
            let mut all = Vec::new();
            for d in d_lo..=d_hi {
                for m in 1..=9 {
                    let t = d as f64 + f64::from(m).log10();
                    if in_range(t) {
                        all.push(t);
                    }
                }
            }
            if all.len() >= 2 && all.len() <= max_n {
                minor.clear();
                major = all;
            }
        }
        if major.len() < 2 || major.len() > max_n {
            // Even narrower (or too crowded): nice linear ticks on the raw values.
            let raw = linear_ticks(10f64.powf(lo), 10f64.powf(hi), max_n.min(6));
            let raw: Vec<f64> = raw.into_iter().filter(|&v| v > 0.0).collect();
            if raw.len() >= 2 {
                let labels = format_linear(&raw);
                return Axis {
                    lo,
                    hi,
                    major: raw.iter().map(|v| v.log10()).collect(),
                    minor: Vec::new(),
                    labels,
                };
            }
        }
    }
    let labels = major
        .iter()
        .map(|&t| format_log_value(10f64.powf(t)))
        .collect();
    Axis {
        lo,
        hi,
        major,
        minor,
        labels: group_thousands(labels),
    }
}

/// Builds a numeric axis (linear or log) with at most `max_n` major ticks.
pub(crate) fn numeric_axis(lo: f64, hi: f64, log: bool, max_n: usize) -> Axis {
    if log {
        log_axis(lo, hi, max_n)
    } else {
        linear_axis(lo, hi, max_n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_linear_ticks() {
        assert_eq!(
            linear_ticks(0.0, 1.0, 5),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert_eq!(
            format_linear(&linear_ticks(0.0, 1.0, 5)),
            ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]
        );
        assert_eq!(format_linear(&[-0.5, 0.0, 0.5]), ["−0.5", "0.0", "0.5"]);
        assert_eq!(format_linear(&[-2.0, 0.0, 2.0]), ["−2", "0", "2"]);
        assert_eq!(format_linear(&[0.0, 2.5, 5.0]), ["0.0", "2.5", "5.0"]);
        assert_eq!(format_linear(&[0.0, 5e6, 1e7]), ["0", "5×10⁶", "10⁷"]);
        assert!(linear_ticks(1.0, 1.0, 5).is_empty());
        assert!(linear_ticks(f64::NAN, 1.0, 5).is_empty());
    }

    #[test]
    fn log_ticks() {
        let a = log_axis(-0.1, 3.1, 8);
        assert_eq!(a.major, vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(a.labels, ["1", "10", "100", "1000"]);
        let a = log_axis(-8.2, 1.2, 8);
        assert!(
            a.labels.iter().all(|l| l.starts_with("10")),
            "{:?}",
            a.labels
        );
        assert!(a.major.len() <= 8);
        let a = log_axis(0.05, 0.9, 8);
        assert!(a.major.len() >= 2, "{a:?}");
        let a = log_axis(0.30, 0.31, 8);
        assert!(a.major.len() >= 2, "{a:?}");
    }

    #[test]
    fn padding_handles_degenerate_ranges() {
        assert_eq!(padded_range(0.0, 0.0, false), (-1.08, 1.08));
        let (lo, hi) = padded_range(5.0, 5.0, false);
        assert!(lo < 5.0 && hi > 5.0);
        let (lo, hi) = padded_range(0.0, 10.0, false);
        assert!(lo < 0.0 && hi > 10.0);
        assert_eq!(bar_range(0.0, 0.0), (0.0, 1.0));
        assert_eq!(bar_range(1.0, 2.0).0, 0.0);
        assert_eq!(bar_range(-2.0, -1.0).1, 0.0);
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(
            format_linear(&[0.0, 50000.0, 100000.0]),
            ["0", "50,000", "100,000"]
        );
        assert_eq!(
            format_linear(&[-20000.0, 0.0, 20000.0]),
            ["−20,000", "0", "20,000"]
        );
        assert_eq!(
            format_linear(&[2500.0, 5000.0, 7500.0, 10000.0]),
            ["2,500", "5,000", "7,500", "10,000"]
        );
        assert_eq!(format_linear(&[12345.5, 12346.0]), ["12,345.5", "12,346.0"]);
        // Four-digit axes (years, say) stay as they are.
        assert_eq!(
            format_linear(&[1990.0, 2000.0, 2010.0]),
            ["1990", "2000", "2010"]
        );
        assert_eq!(format_linear(&[0.0, 5e6, 1e7]), ["0", "5×10⁶", "10⁷"]);
        assert_eq!(format_significant(123456.0, 4), "123,456");
        assert_eq!(format_significant(-98765.4, 3), "−98,765");
        assert_eq!(format_significant(1234.6, 4), "1235");
        let a = log_axis(-0.1, 4.1, 8);
        assert_eq!(a.labels, ["1", "10", "100", "1,000", "10,000"]);
        let a = log_axis(-0.1, 3.1, 8);
        assert_eq!(a.labels, ["1", "10", "100", "1000"]);
    }

    #[test]
    fn significant_digits() {
        assert_eq!(format_significant(0.012345, 4), "0.01235");
        assert_eq!(format_significant(-3.0, 4), "−3");
        assert_eq!(format_significant(123456789.0, 4), "1.235×10⁸");
    }
}
