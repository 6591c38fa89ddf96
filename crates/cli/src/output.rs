//! Rendering result rows as an aligned table, one JSON object, or CSV.

use std::fmt::Write as _;

use crate::args::Format;

/// A table of results: column headers and rows of cells already formatted as text.
///
/// `headers` are the CSV column names (a stable interface); [`TextTable::render_with`] and
/// [`print_with_headers`] can show other headers (words and units) in the terminal.
pub struct TextTable {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl TextTable {
    /// Aligned columns under `headers` (the terminal's words for the CSV column names),
    /// numbers right-aligned.
    pub fn render_with(&self, headers: &[String]) -> String {
        let width = |s: &str| s.chars().count();
        let widths: Vec<usize> = (0..headers.len())
            .map(|j| {
                self.rows
                    .iter()
                    .map(|r| width(&r[j]))
                    .chain([width(&headers[j])])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        let line = |cells: &[String], out: &mut String| {
            let parts: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| {
                    if c.parse::<f64>().is_ok() {
                        format!("{c:>w$}")
                    } else {
                        format!("{c:<w$}")
                    }
                })
                .collect();
            let _ = writeln!(out, "{}", parts.join("  ").trim_end());
        };
        line(headers, &mut out);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(&rule, &mut out);
        for r in &self.rows {
            line(r, &mut out);
        }
        out
    }

    /// RFC 4180 CSV with a header row.
    pub fn to_csv(&self) -> String {
        let esc = |c: &String| {
            if c.contains([',', '"', '\n']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        };
        let mut out = String::new();
        for r in std::iter::once(&self.headers).chain(&self.rows) {
            let _ = writeln!(out, "{}", r.iter().map(esc).collect::<Vec<_>>().join(","));
        }
        out
    }
}

/// The terminal table of an uncertainty record's bands: one row per entry of `records`
/// (named by `name_key`, valued by `value_key`) with its delta-method and re-solved 90%
/// bands, each number written by `cell`; `headers` name the four columns.
pub fn band_table(
    records: &serde_json::Value,
    (name_key, value_key): (&str, &str),
    cell: impl Fn(&serde_json::Value) -> String,
    headers: [&str; 4],
) -> TextTable {
    let band =
        |v: &serde_json::Value, lo: &str, hi: &str| format!("{} .. {}", cell(&v[lo]), cell(&v[hi]));
    let rows = records
        .as_array()
        .map(|v| {
            v.iter()
                .map(|r| {
                    vec![
                        r[name_key].as_str().unwrap_or("").to_string(),
                        cell(&r[value_key]),
                        band(r, "delta_p05", "delta_p95"),
                        band(&r["monte_carlo"], "p05", "p95"),
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    TextTable {
        headers: headers.map(String::from).to_vec(),
        rows,
    }
}

/// The preface of an uncertainty record: `what` under the source, how many draws were
/// re-solved (`verb`), and the gap between prediction and re-solve (`gap` names it).
pub fn band_preface(what: &str, verb: &str, gap: &str, j: &serde_json::Value) -> String {
    format!(
        "{what} under {}: {} of {} draws {verb}; prediction vs re-solve: median {:.2e}, max {:.2e} ({gap}).",
        j["source"].as_str().unwrap_or(""),
        j["converged_draws"],
        j["draws"],
        j["prediction_distance"]["median"].as_f64().unwrap_or(f64::NAN),
        j["prediction_distance"]["max"].as_f64().unwrap_or(f64::NAN),
    )
}

/// Print an uncertainty record's bands by policy (numbers to four decimals): the policy's
/// value under `value_heading`, draws that were `verb` (re-solved, re-optimised); the preface
/// names `what` the bands are around and what the largest prediction `gap` is.
pub fn print_policy_bands(
    format: Format,
    j: &serde_json::Value,
    (value_heading, verb): (&str, &str),
    (what, gap): (&str, &str),
) -> std::io::Result<()> {
    let cell = |v: &serde_json::Value| v.as_f64().map_or("-".to_string(), |x| format!("{x:.4}"));
    let draws = format!("90% band, {verb} draws");
    let table = band_table(
        &j["policies"],
        ("policy", "value"),
        cell,
        ["policy", value_heading, "90% band, delta method", &draws],
    );
    print(format, &table, j, &band_preface(what, verb, gap, j))
}

/// Print `json` or `table` (as table or CSV) on stdout according to `format`. A closed pipe
/// (`walras ... | head`) ends the output quietly.
pub fn print(
    format: Format,
    table: &TextTable,
    json: &serde_json::Value,
    preface: &str,
) -> std::io::Result<()> {
    print_with_headers(format, table, &table.headers, json, preface)
}

/// [`print`], with `headers` (words and units) over the terminal table; CSV keeps the
/// table's own column names.
pub fn print_with_headers(
    format: Format,
    table: &TextTable,
    headers: &[String],
    json: &serde_json::Value,
    preface: &str,
) -> std::io::Result<()> {
    let text = match format {
        Format::Json => format!("{json}\n"),
        Format::Csv => table.to_csv(),
        Format::Table if preface.is_empty() => table.render_with(headers),
        Format::Table => format!("{preface}\n{}", table.render_with(headers)),
    };
    emit(&text)
}

/// Header texts from string literals.
pub fn headers(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Write `text` to stdout; a closed pipe is not an error, any other failure is.
pub fn emit(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// A number with 6 significant digits for tables, or blank.
pub fn num(v: Option<f64>) -> String {
    match v {
        None => String::new(),
        Some(0.0) => "0".into(),
        Some(v) if v.abs() >= 1e-3 && v.abs() < 1e6 => format!("{v:.6}"),
        Some(v) => format!("{v:.3e}"),
    }
}

/// A percentage with two decimals and its sign (`+0.28`, `-1.25`), the one rounding used
/// wherever a percentage appears both in a figure's title and in a terminal table.
pub fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{v:+.2}")
    } else {
        v.to_string()
    }
}

/// Prints a two-column `quantity, value` table (or `json`) under `preface`.
pub fn print_quantities(
    format: Format,
    rows: Vec<Vec<String>>,
    json: &serde_json::Value,
    preface: &str,
) -> std::io::Result<()> {
    let table = TextTable {
        headers: vec!["quantity".into(), "value".into()],
        rows,
    };
    print(format, &table, json, preface)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_headers_differ_from_csv_names() {
        let table = TextTable {
            headers: headers(&["welfare change %", "in_degree"]),
            rows: vec![vec!["-1.25".into(), "3".into()]],
        };
        let shown = table.render_with(&headers(&["welfare change (%)", "in-degree"]));
        assert!(
            shown.starts_with("welfare change (%)  in-degree\n"),
            "{shown}"
        );
        assert!(shown.contains("             -1.25          3"), "{shown}");
        assert!(table.to_csv().starts_with("welfare change %,in_degree\n"));
    }

    #[test]
    fn percentages_round_once() {
        assert_eq!(pct(0.2812), "+0.28");
        assert_eq!(pct(-1.255), "-1.25");
        assert_eq!(pct(0.0), "+0.00");
        assert!(pct(0.28).parse::<f64>().is_ok());
    }
}
