//! Rendering result rows as an aligned table, one JSON object, or CSV.

use std::fmt::Write as _;

use crate::args::Format;

/// A table of results: column headers and rows of cells already formatted as text.
pub struct TextTable {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl TextTable {
    /// Aligned columns, numbers right-aligned.
    pub fn render(&self) -> String {
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|j| {
                self.rows
                    .iter()
                    .map(|r| r[j].len())
                    .chain([self.headers[j].len()])
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
        line(&self.headers, &mut out);
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

/// Print `json` or `table` (as table or CSV) on stdout according to `format`. A closed pipe
/// (`walras ... | head`) ends the output quietly.
pub fn print(
    format: Format,
    table: &TextTable,
    json: &serde_json::Value,
    preface: &str,
) -> std::io::Result<()> {
    let text = match format {
        Format::Json => format!("{json}\n"),
        Format::Csv => table.to_csv(),
        Format::Table if preface.is_empty() => table.render(),
        Format::Table => format!("{preface}\n{}", table.render()),
    };
    emit(&text)
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

/// Draws one figure as `DIR/STEM.svg` and `DIR/STEM.png` and records both in the manifest.
pub fn draw_figure(
    dir: &std::path::Path,
    stem: &str,
    draw: &dyn Fn(&std::path::Path) -> Result<(), walras_plot::PlotError>,
    manifest: &mut walras_data::RunManifest,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    for ext in ["svg", "png"] {
        let path = dir.join(format!("{stem}.{ext}"));
        draw(&path).with_context(|| format!("drawing {}", path.display()))?;
        manifest.add_output(&path);
    }
    Ok(())
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
