//! Paper-ready figures for Walras.
//!
//! `walras-plot` is the only Walras crate that depends on [`plotters`]. It offers four
//! chart helpers -- [`line_chart`], [`scatter_chart`] (with [`labelled_scatter_chart`] to
//! name points), [`bar_chart`] and [`heatmap`] -- that share one [`Theme`] (by default
//! [`Theme::paper`]: Okabe-Ito colour-blind-safe palette, viridis heatmaps, light grid,
//! generous fonts).
//!
//! * The output format follows the path's extension: `.svg` or `.png`
//!   (case-insensitive, see [`ImageFormat`]).
//! * Text uses DejaVu Sans, embedded in the crate, so figures render identically on a
//!   machine without any system fonts.
//! * Writes are atomic: the figure is rendered into a temporary file in the target's
//!   directory and renamed onto the target, so a failed render never leaves a
//!   half-written file (and never clobbers an existing one).
//! * Tick labels get thousands separators once an axis reaches 10,000 (`100,000`);
//!   category axes label every category, shrinking vertical labels when crowded (only
//!   beyond about 60 categories in the default theme are some labels left out).
//! * Bad input (mismatched lengths, NaN, empty charts, non-positive values on a log
//!   axis, ...) is reported as a [`PlotError`], never a panic.
//!
//! # Example
//!
//! ```
//! use walras_plot::{line_chart, LineChart, Series, Theme};
//!
//! let dir = tempfile::tempdir()?;
//! let chart = LineChart {
//!     title: "Welfare along the tax path".into(),
//!     x_label: "Tax rate".into(),
//!     y_label: "Welfare".into(),
//!     series: vec![
//!         Series::new("baseline", vec![0.0, 0.1, 0.2, 0.3], vec![1.0, 1.08, 1.1, 1.05]),
//!         Series::new("reform", vec![0.0, 0.1, 0.2, 0.3], vec![1.0, 1.1, 1.15, 1.12]),
//!     ],
//!     ..Default::default()
//! };
//! let theme = Theme::paper();
//! line_chart(&dir.path().join("welfare.svg"), &chart, &theme)?;
//! line_chart(&dir.path().join("welfare.png"), &chart, &theme)?;
//! assert!(dir.path().join("welfare.png").exists());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod charts;
mod font;
mod output;
mod render;
mod theme;
mod ticks;

use std::path::{Path, PathBuf};

pub use theme::{Rgb, Theme, OKABE_ITO, VIRIDIS};

/// Output image format, chosen from the output path's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// Scalable vector graphics (`.svg`).
    Svg,
    /// Portable network graphics (`.png`), anti-aliased by supersampling.
    Png,
}

impl ImageFormat {
    /// The format named by `path`'s extension (`.svg` or `.png`, case-insensitive).
    ///
    /// Any other or missing extension is a [`PlotError::UnsupportedFormat`].
    pub fn from_path(path: &Path) -> Result<ImageFormat, PlotError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("svg") => Ok(ImageFormat::Svg),
            Some("png") => Ok(ImageFormat::Png),
            _ => Err(PlotError::UnsupportedFormat {
                path: path.to_path_buf(),
            }),
        }
    }

    /// The canonical file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Svg => "svg",
            ImageFormat::Png => "png",
        }
    }
}

/// Everything that can go wrong while making a figure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// The output path's extension is neither `.svg` nor `.png`.
    #[error("unsupported image format for `{}`: the file name must end in .svg or .png", path.display())]
    UnsupportedFormat {
        /// The offending output path.
        path: PathBuf,
    },
    /// Creating, writing or renaming the output file failed.
    #[error("cannot write `{}`: {source}", path.display())]
    Io {
        /// The output path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A series' `x` and `y` have different lengths.
    #[error("series `{series}` has x of length {x_len} but y of length {y_len}")]
    LengthMismatch {
        /// The series label.
        series: String,
        /// Length of `x`.
        x_len: usize,
        /// Length of `y`.
        y_len: usize,
    },
    /// A value is NaN or infinite.
    #[error("value {value} in series `{series}` at index {index} is not finite")]
    NonFinite {
        /// The series label (bar charts: the group name).
        series: String,
        /// Index of the value within the series.
        index: usize,
        /// The value itself.
        value: f64,
    },
    /// A heatmap cell is infinite (NaN cells are allowed and drawn as missing).
    #[error("heatmap cell at row {row}, column {column} is {value}; only finite values or NaN (missing) are allowed")]
    NonFiniteCell {
        /// Row index (into `values`).
        row: usize,
        /// Column index.
        column: usize,
        /// The value itself.
        value: f64,
    },
    /// A log axis received a zero or negative value.
    #[error("log-scale {axis} axis needs positive values, but series `{series}` has {value} at index {index}")]
    NonPositiveLog {
        /// `"x"` or `"y"`.
        axis: &'static str,
        /// The series label.
        series: String,
        /// Index of the value within the series.
        index: usize,
        /// The value itself.
        value: f64,
    },
    /// There is nothing to draw.
    #[error("empty chart: {what}")]
    Empty {
        /// What is missing.
        what: String,
    },
    /// A heatmap row has a different length from the first row.
    #[error("heatmap row {row} has length {len}, expected {expected}")]
    RaggedRow {
        /// Row index.
        row: usize,
        /// Its length.
        len: usize,
        /// The length of row 0.
        expected: usize,
    },
    /// A bar group does not have one value per category.
    #[error("bar group `{group}` has {len} values but there are {expected} categories")]
    GroupLength {
        /// The group name.
        group: String,
        /// Number of values in the group.
        len: usize,
        /// Number of categories.
        expected: usize,
    },
    /// A heatmap's label list does not match its data.
    #[error("heatmap has {len} {axis} labels but the data has {expected} {axis} cells")]
    LabelCount {
        /// `"x"` (columns) or `"y"` (rows).
        axis: &'static str,
        /// Number of labels given.
        len: usize,
        /// Number of columns or rows.
        expected: usize,
    },
    /// A scatter chart's point labels do not match its series.
    #[error("point labels of series `{series}`: {len} labels for {expected} points (give one per point, or none)")]
    PointLabelCount {
        /// The series label (or its index, for labels beyond the last series).
        series: String,
        /// Number of labels given.
        len: usize,
        /// Number of points in the series.
        expected: usize,
    },
    /// The theme cannot be rendered (zero size, empty palette, ...).
    #[error("invalid theme: {0}")]
    InvalidTheme(String),
    /// plotters failed while drawing or encoding.
    #[error("drawing `{}` failed: {message}", path.display())]
    Drawing {
        /// The output path.
        path: PathBuf,
        /// plotters' error message.
        message: String,
    },
}

/// One named sequence of points.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// x coordinates.
    pub x: Vec<f64>,
    /// y coordinates (same length as `x`).
    pub y: Vec<f64>,
}

impl Series {
    /// A series from its label and coordinates.
    pub fn new(label: impl Into<String>, x: Vec<f64>, y: Vec<f64>) -> Self {
        Series {
            label: label.into(),
            x,
            y,
        }
    }
}

/// A line chart: each series is drawn as a polyline in the order given
/// (a single-point series is drawn as a marker).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineChart {
    /// Title above the plot (empty for none).
    pub title: String,
    /// x axis label.
    pub x_label: String,
    /// y axis label.
    pub y_label: String,
    /// The data; with two or more series a legend is drawn.
    pub series: Vec<Series>,
    /// Logarithmic x axis (all x must be positive).
    pub log_x: bool,
    /// Logarithmic y axis (all y must be positive).
    pub log_y: bool,
}

/// A scatter chart: each series gets its own colour and marker shape (see
/// [`labelled_scatter_chart`] to name individual points).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScatterChart {
    /// Title above the plot (empty for none).
    pub title: String,
    /// x axis label.
    pub x_label: String,
    /// y axis label.
    pub y_label: String,
    /// The data; with two or more series a legend is drawn.
    pub series: Vec<Series>,
    /// Logarithmic x axis (all x must be positive).
    pub log_x: bool,
    /// Logarithmic y axis (all y must be positive).
    pub log_y: bool,
    /// Draw the dashed 45-degree reference line `y = x` where the axis ranges overlap
    /// (e.g. model vs. data, or predicted vs. actual).
    pub diagonal: bool,
}

/// A grouped bar chart: for every category one bar per group, side by side, rising or
/// falling from a zero baseline.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BarChart {
    /// Title above the plot (empty for none).
    pub title: String,
    /// x axis (category axis) label.
    pub x_label: String,
    /// y axis (value axis) label.
    pub y_label: String,
    /// Category names along the x axis. Long names are word-wrapped or drawn vertically,
    /// in a smaller font when the categories are crowded, so that every category keeps its
    /// label (down to a smallest font; only beyond it are labels thinned out).
    pub categories: Vec<String>,
    /// `(group name, one value per category)`; negative values are allowed.
    /// With two or more groups a legend is drawn.
    pub groups: Vec<(String, Vec<f64>)>,
}

/// A heatmap of a value grid with a sequential colour map and a colour bar.
///
/// Row `r` of `values` is drawn at height `y_labels[r]`, with row 0 at the bottom (so a
/// grid over an increasing parameter reads like an ordinary y axis). NaN cells are drawn
/// in [`Theme::missing_color`] and ignored by the colour scale; infinite values are errors.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Heatmap {
    /// Title above the plot (empty for none).
    pub title: String,
    /// x axis label.
    pub x_label: String,
    /// y axis label.
    pub y_label: String,
    /// Column labels (one per column, or empty for 0, 1, 2, ...).
    pub x_labels: Vec<String>,
    /// Row labels (one per row, or empty for 0, 1, 2, ...).
    pub y_labels: Vec<String>,
    /// The grid: `values[row][column]`, all rows the same length.
    pub values: Vec<Vec<f64>>,
    /// Label of the colour bar (what the colours measure).
    pub value_label: String,
}

/// Draws a [`LineChart`] to `path` (`.svg` or `.png`).
pub fn line_chart(path: &Path, chart: &LineChart, theme: &Theme) -> Result<(), PlotError> {
    let format = ImageFormat::from_path(path)?;
    theme.validate()?;
    let fig = charts::XyFigure::line(chart)?;
    output::write_figure(path, format, &fig, theme)
}

/// Draws a [`ScatterChart`] to `path` (`.svg` or `.png`).
pub fn scatter_chart(path: &Path, chart: &ScatterChart, theme: &Theme) -> Result<(), PlotError> {
    let format = ImageFormat::from_path(path)?;
    theme.validate()?;
    let fig = charts::XyFigure::scatter(chart)?;
    output::write_figure(path, format, &fig, theme)
}

/// Draws a [`ScatterChart`] to `path` (`.svg` or `.png`) with a text label next to each
/// point: `labels[s][i]` labels point `i` of series `s` (sector codes, country names, ...).
///
/// A series may have no labels (an empty list, or no entry at all) and a point an empty
/// label; otherwise every series needs one label per point. Each label goes to whichever
/// side of its point (right, left, above, below, or a diagonal) overlaps the fewest other
/// labels and markers and stays inside the plot.
///
/// ```
/// use walras_plot::{labelled_scatter_chart, ScatterChart, Series, Theme};
///
/// let dir = tempfile::tempdir()?;
/// let chart = ScatterChart {
///     title: "Mean tariff by sector".into(),
///     x_label: "trade elasticity θ".into(),
///     y_label: "mean tariff (ad valorem, fraction)".into(),
///     series: vec![Series::new("tariff", vec![1.0, 4.0, 9.0], vec![0.4, 0.3, 0.2])],
///     ..Default::default()
/// };
/// let labels = vec![vec!["food".to_string(), "textiles".into(), "services".into()]];
/// labelled_scatter_chart(&dir.path().join("tariffs.svg"), &chart, &labels, &Theme::paper())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn labelled_scatter_chart(
    path: &Path,
    chart: &ScatterChart,
    labels: &[Vec<String>],
    theme: &Theme,
) -> Result<(), PlotError> {
    let format = ImageFormat::from_path(path)?;
    theme.validate()?;
    let fig = charts::XyFigure::scatter(chart)?.with_point_labels(chart, labels)?;
    output::write_figure(path, format, &fig, theme)
}

/// Draws a [`BarChart`] to `path` (`.svg` or `.png`).
pub fn bar_chart(path: &Path, chart: &BarChart, theme: &Theme) -> Result<(), PlotError> {
    let format = ImageFormat::from_path(path)?;
    theme.validate()?;
    let fig = charts::BarFigure::new(chart)?;
    output::write_figure(path, format, &fig, theme)
}

/// Draws a [`Heatmap`] to `path` (`.svg` or `.png`).
pub fn heatmap(path: &Path, chart: &Heatmap, theme: &Theme) -> Result<(), PlotError> {
    let format = ImageFormat::from_path(path)?;
    theme.validate()?;
    let fig = charts::HeatFigure::new(chart)?;
    output::write_figure(path, format, &fig, theme)
}
