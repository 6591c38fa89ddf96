//! What a computation leaves behind: its JSON record, tables, figures and provenance, and
//! writing them into an output folder.

use std::path::{Path, PathBuf};

use walras_data::{
    latex_fits, latex_table_with, write_json, write_table_with, DataError, LatexOptions,
    RunManifest, Table,
};
use walras_plot::{
    bar_chart, heatmap, labelled_scatter_chart, line_chart, scatter_chart, BarChart, Heatmap,
    LineChart, PlotError, ScatterChart, Theme,
};

/// A figure of a result, drawn as SVG and PNG.
#[derive(Clone, Debug)]
pub enum Figure {
    /// Lines (rates by income, paths over time).
    Line(LineChart),
    /// Points (trade-offs).
    Scatter(ScatterChart),
    /// Bars by category.
    Bar(BarChart),
    /// Points, each named (`labels[series][point]`).
    LabelledScatter {
        /// The points.
        chart: ScatterChart,
        /// One name per point of each series.
        labels: Vec<Vec<String>>,
    },
    /// Coloured cells of a grid (regimes over two parameters, a matrix).
    Heatmap(Heatmap),
}

impl Figure {
    /// Draw into `path` (its extension chooses SVG or PNG).
    pub fn draw(&self, path: &Path, theme: &Theme) -> Result<(), PlotError> {
        match self {
            Figure::Line(c) => line_chart(path, c, theme),
            Figure::Scatter(c) => scatter_chart(path, c, theme),
            Figure::Bar(c) => bar_chart(path, c, theme),
            Figure::LabelledScatter { chart, labels } => {
                labelled_scatter_chart(path, chart, labels, theme)
            }
            Figure::Heatmap(c) => heatmap(path, c, theme),
        }
    }

    /// The figure's title.
    pub fn title(&self) -> &str {
        match self {
            Figure::Line(c) => &c.title,
            Figure::Scatter(c) => &c.title,
            Figure::Bar(c) => &c.title,
            Figure::LabelledScatter { chart, .. } => &chart.title,
            Figure::Heatmap(c) => &c.title,
        }
    }
}

/// Where a result came from: files read, the request's parameters, solver reports and the
/// warnings raised on the way (for the run manifest, stderr, or Python's `warnings`).
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    /// Files read.
    pub inputs: Vec<PathBuf>,
    /// The request's settings as recorded in the manifest.
    pub parameters: serde_json::Value,
    /// Solver reports by name.
    pub reports: Vec<(String, serde_json::Value)>,
    /// Warnings, one sentence each.
    pub warnings: Vec<String>,
}

impl Provenance {
    /// Record inputs, parameters and reports in `manifest`.
    pub fn record(&self, manifest: &mut RunManifest) -> Result<(), DataError> {
        for path in &self.inputs {
            manifest.add_input(path)?;
        }
        manifest.set_parameters(&self.parameters)?;
        for (name, report) in &self.reports {
            manifest.add_report(name, report)?;
        }
        Ok(())
    }
}

/// A table of a result: its file name (`saez_rates.csv`), contents, and the caption and
/// units of its LaTeX rendering.
#[derive(Clone, Debug)]
pub struct NamedTable {
    /// File name, e.g. `saez_rates.csv`.
    pub name: String,
    /// The table.
    pub table: Table,
    /// Caption and units of the `.tex` beside the CSV (the caption defaults to the name).
    pub latex: LatexOptions,
}

impl NamedTable {
    /// `table` as `name`, with a caption derived from the name and no units.
    pub fn new(name: &str, table: Table) -> Self {
        NamedTable {
            name: name.into(),
            table,
            latex: LatexOptions::default(),
        }
    }

    /// With this caption.
    pub fn caption(mut self, caption: &str) -> Self {
        self.latex.caption = caption.into();
        self
    }

    /// With `unit` shown in the LaTeX header of `column`.
    pub fn unit(mut self, column: &str, unit: &str) -> Self {
        self.latex = self.latex.unit(column, unit);
        self
    }
}

impl Output {
    /// The booktabs LaTeX of every table short enough for a page, as `(stem.tex, text)`
    /// (what [`write_output`] writes beside the CSVs).
    pub fn latex(&self) -> Vec<(String, String)> {
        self.tables
            .iter()
            .filter(|t| latex_fits(&t.table))
            .map(|t| {
                let stem = t.name.split('.').next().unwrap_or(&t.name).to_string();
                let mut options = t.latex.clone();
                if options.caption.is_empty() {
                    options.caption = walras_data::caption_from_stem(&stem);
                }
                if options.label.is_empty() {
                    options.label = stem.clone();
                }
                (format!("{stem}.tex"), latex_table_with(&t.table, &options))
            })
            .collect()
    }
}

/// The files of a result: `json_name` holds `json` (the command line's `--format json`
/// record), each table becomes a CSV (and a booktabs `.tex` when it fits a page), each figure
/// an SVG and a PNG.
#[derive(Clone, Debug)]
pub struct Output {
    /// File name of the JSON record, e.g. `compare.json`.
    pub json_name: &'static str,
    /// The JSON record.
    pub json: serde_json::Value,
    /// Tables by file name (`saez_rates.csv`).
    pub tables: Vec<NamedTable>,
    /// Figures by file stem (`compare_rates`).
    pub figures: Vec<(String, Figure)>,
}

/// Write `output` into `dir` (tables, JSON, figures in SVG and PNG), record `provenance` and
/// every file in `manifest`, and write the manifest last. Each file is written atomically;
/// callers that need the whole folder to appear at once stage it
/// ([`walras_data::OutputFolder`]).
pub fn write_output(
    dir: &Path,
    output: &Output,
    provenance: &Provenance,
    manifest: &mut RunManifest,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| DataError::Io {
        path: dir.into(),
        source,
    })?;
    provenance.record(manifest)?;
    let path = dir.join(output.json_name);
    write_json(&path, &output.json)?;
    manifest.add_output(&path);
    for t in &output.tables {
        let path = dir.join(&t.name);
        write_table_with(&path, &t.table, Some(&t.latex))?;
        manifest.add_output(&path);
    }
    let theme = Theme::paper();
    for (stem, figure) in &output.figures {
        for ext in ["svg", "png"] {
            let path = dir.join(format!("{stem}.{ext}"));
            figure.draw(&path, &theme)?;
            manifest.add_output(&path);
        }
    }
    manifest.finish_and_write(dir)?;
    Ok(())
}
