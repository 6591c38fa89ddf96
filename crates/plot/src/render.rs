//! Layout and drawing shared by all chart kinds.
//!
//! Every chart is drawn in three steps: [`plan`] computes the pixel layout (title, label
//! areas, plot rectangle, side panel) and the tick positions from the theme's font metrics;
//! [`with_frame`] draws the background, title, grid, axes and tick labels with plotters and
//! hands the chart context to the chart's own data-drawing code; the legend is then drawn
//! in pixel space at a position that does not cover any data.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::font::{text_width, truncate_middle, truncate_to_width, FAMILY};
use crate::theme::{Rgb, Theme};
use crate::ticks::{numeric_axis, Axis};

/// The coordinate type of every chart: a linear f64 axis with our own tick positions
/// (plotters' `WithKeyPoints<RangedCoordf64>` cannot be used with a mesh).
#[derive(Debug, Clone)]
pub(crate) struct Coord {
    lo: f64,
    hi: f64,
    major: Vec<f64>,
    minor: Vec<f64>,
}

impl Coord {
    pub(crate) fn new(lo: f64, hi: f64, major: Vec<f64>, minor: Vec<f64>) -> Self {
        // Never hand plotters an empty or inverted range.
        let hi = if hi > lo { hi } else { lo + 1.0 };
        Coord {
            lo,
            hi,
            major,
            minor,
        }
    }

    pub(crate) fn of_axis(axis: &Axis) -> Self {
        Coord::new(axis.lo, axis.hi, axis.major.clone(), axis.minor.clone())
    }
}

impl Ranged for Coord {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let frac = (v - self.lo) / (self.hi - self.lo);
        let len = f64::from(limit.1) - f64::from(limit.0);
        let px = f64::from(limit.0) + len * frac;
        // `as` saturates, so wild values cannot overflow.
        px.round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.minor.clone()
        } else {
            self.major.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}
/// A chart context over our coordinates.
pub(crate) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Coord, Coord>>;

/// Result of drawing code: plotters' errors are turned into strings.
pub(crate) type DrawResult<T = ()> = Result<T, String>;

/// Converts any displayable error into our drawing-error string.
pub(crate) trait Ctx<T> {
    fn ctx(self) -> DrawResult<T>;
}

impl<T, E: std::fmt::Display> Ctx<T> for Result<T, E> {
    fn ctx(self) -> DrawResult<T> {
        self.map_err(|e| e.to_string())
    }
}

pub(crate) fn color(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

pub(crate) fn stroke(c: Rgb, width: u32) -> ShapeStyle {
    ShapeStyle {
        color: color(c).to_rgba(),
        filled: false,
        stroke_width: width.max(1),
    }
}

pub(crate) fn fill(c: Rgb) -> ShapeStyle {
    ShapeStyle {
        color: color(c).to_rgba(),
        filled: true,
        stroke_width: 1,
    }
}

pub(crate) fn text_style(size: f64, c: Rgb) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&color(c))
}

/// Where one axis's ticks come from.
#[derive(Debug, Clone)]
pub(crate) enum AxisSource {
    /// A numeric axis over plotted coordinates `[lo, hi]` (log10 values for a log axis).
    Numeric { lo: f64, hi: f64, log: bool },
    /// Named categories; label `i` sits at `i as f64 + offset`.
    Categorical {
        labels: Vec<String>,
        lo: f64,
        hi: f64,
        offset: f64,
    },
}

/// What the frame around the data shows.
pub(crate) struct FrameSpec<'a> {
    pub title: &'a str,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
    pub x: AxisSource,
    pub y: AxisSource,
    /// Vertical grid lines at the x ticks.
    pub x_grid: bool,
    /// Horizontal grid lines at the y ticks.
    pub y_grid: bool,
}

/// Pixel rectangle (x0, y0) top-left to (x1, y1) bottom-right.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PxRect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl PxRect {
    fn expand(self, d: f64) -> PxRect {
        PxRect {
            x0: self.x0 - d,
            y0: self.y0 - d,
            x1: self.x1 + d,
            y1: self.y1 + d,
        }
    }

    fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x0 && x <= self.x1 && y >= self.y0 && y <= self.y1
    }

    fn intersects(&self, o: &PxRect) -> bool {
        self.x0 <= o.x1 && o.x0 <= self.x1 && self.y0 <= o.y1 && o.y0 <= self.y1
    }

    /// Whether the segment (ax, ay)-(bx, by) touches the rectangle (Liang-Barsky clipping).
    fn hits_segment(&self, (ax, ay): (f64, f64), (bx, by): (f64, f64)) -> bool {
        let (dx, dy) = (bx - ax, by - ay);
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        for (p, q) in [
            (-dx, ax - self.x0),
            (dx, self.x1 - ax),
            (-dy, ay - self.y0),
            (dy, self.y1 - ay),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    return false;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
                if t0 > t1 {
                    return false;
                }
            }
        }
        true
    }
}

/// How x tick labels are drawn.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum XLabels {
    /// One horizontal line each, drawn by plotters' mesh.
    Plotters,
    /// Vertical, reading upwards, at the given font size (drawn by us).
    Rotated(f64),
    /// Horizontal, word-wrapped onto several lines (drawn by us); one entry per major tick.
    Wrapped(Vec<Vec<String>>),
}

/// Vertical correction for text anchored at its vertical centre.
///
/// plotters' `ab_glyph` rasteriser places glyphs about a fifth of the font size higher
/// than its own layout box says, so bitmap text "centred" on a tick sits visibly above it.
/// SVG text is positioned by the viewer and needs no correction.
pub(crate) fn center_fix(size: f64, raster: bool) -> i32 {
    if raster {
        (0.2 * size).round() as i32
    } else {
        0
    }
}

/// Greedy word wrap of `text` into at most `max_lines` lines no wider than `max_w`.
fn wrap(text: &str, size: f64, max_w: f64, max_lines: usize) -> Option<Vec<String>> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if text_width(word, size) > max_w {
            return None;
        }
        let candidate = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if text_width(&candidate, size) <= max_w {
            cur = candidate;
        } else {
            lines.push(std::mem::replace(&mut cur, word.to_string()));
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    (lines.len() <= max_lines).then_some(lines)
}

/// The computed layout of a framed chart.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// Figure size.
    pub w: f64,
    pub h: f64,
    /// The plotting rectangle (inside the axes).
    pub plot: PxRect,
    /// Height of the x label area below the plot and width of the y label area left of it.
    pub x_area: f64,
    pub y_area: f64,
    pub x: Axis,
    pub y: Axis,
    /// How the x tick labels are drawn.
    pub x_mode: XLabels,
    /// Whether the target is a bitmap (see [`center_fix`]).
    pub raster: bool,
    /// Left edge of the side panel (legend or colour bar), if one was reserved.
    pub side_x0: f64,
}

impl Plan {
    /// Pixel position of plotted coordinates.
    pub fn to_px(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.plot.x0 + self.x.frac(x) * (self.plot.x1 - self.plot.x0),
            self.plot.y1 - self.y.frac(y) * (self.plot.y1 - self.plot.y0),
        )
    }
}

/// Vertical space taken by a line of text of font size `size`.
fn line_h(size: f64) -> f64 {
    size * 1.05
}

/// Gap between a tick mark's end and its label, as plotters draws it.
fn label_dist(theme: &Theme) -> f64 {
    2.0 * f64::from(theme.tick_length)
}

fn max_width(labels: &[String], size: f64) -> f64 {
    labels
        .iter()
        .map(|l| text_width(l, size))
        .fold(0.0, f64::max)
}

/// Height of the title band (zero without a title).
pub(crate) fn title_band(theme: &Theme, title: &str) -> f64 {
    if title.trim().is_empty() {
        0.0
    } else {
        theme.title_font_size * 1.4
    }
}

/// Categorical axis ticks: every `stride`-th label.
fn categorical_axis(labels: &[String], lo: f64, hi: f64, offset: f64, stride: usize) -> Axis {
    let stride = stride.max(1);
    let mut major = Vec::new();
    let mut out = Vec::new();
    for (i, l) in labels.iter().enumerate().step_by(stride) {
        major.push(i as f64 + offset);
        out.push(l.clone());
    }
    Axis {
        lo,
        hi,
        major,
        minor: Vec::new(),
        labels: out,
    }
}

/// Fits the y axis to a plot `len` pixels tall.
fn fit_y(theme: &Theme, src: &AxisSource, len: f64, max_label_w: f64) -> Axis {
    let f = theme.tick_font_size;
    match src {
        AxisSource::Numeric { lo, hi, log } => {
            let n = ((len / (f * 2.4)).floor() as usize).clamp(3, 8);
            numeric_axis(*lo, *hi, *log, n)
        }
        AxisSource::Categorical {
            labels,
            lo,
            hi,
            offset,
        } => {
            let slot = len / (hi - lo).max(1e-9);
            let stride = (line_h(f) * 1.1 / slot.max(1e-9)).ceil().max(1.0) as usize;
            let labels: Vec<String> = labels
                .iter()
                .map(|l| truncate_middle(l, f, max_label_w))
                .collect();
            categorical_axis(&labels, *lo, *hi, *offset, stride)
        }
    }
}

/// Fits the x axis to a plot `len` pixels wide; returns the axis, whether its labels are
/// vertical, and the label band height.
fn fit_x(theme: &Theme, src: &AxisSource, len: f64, max_rot_h: f64) -> (Axis, XLabels, f64) {
    let f = theme.tick_font_size;
    match src {
        AxisSource::Numeric { lo, hi, log } => {
            let mut fallback = None;
            for n in (2..=10).rev() {
                let axis = numeric_axis(*lo, *hi, *log, n);
                let need = max_width(&axis.labels, f) + f * 0.9;
                if axis.major.len() < 2 || axis.min_spacing_px(len) >= need {
                    return (axis, XLabels::Plotters, line_h(f));
                }
                fallback = Some(axis);
            }
            (
                fallback.unwrap_or_else(|| numeric_axis(*lo, *hi, *log, 2)),
                XLabels::Plotters,
                line_h(f),
            )
        }
        AxisSource::Categorical {
            labels,
            lo,
            hi,
            offset,
        } => {
            let slot = len / (hi - lo).max(1e-9);
            let widest = max_width(labels, f);
            if widest + f * 0.5 <= slot {
                return (
                    categorical_axis(labels, *lo, *hi, *offset, 1),
                    XLabels::Plotters,
                    line_h(f),
                );
            }
            // Numeric labels (grid values) may be thinned out; names never are.
            let numeric = labels.iter().all(|l| {
                l.trim()
                    .replace(',', "")
                    .replace('−', "-")
                    .parse::<f64>()
                    .is_ok()
            });
            if numeric && widest + f * 0.8 <= len {
                let stride = ((widest + f * 0.8) / slot.max(1e-9)).ceil().max(1.0) as usize;
                return (
                    categorical_axis(labels, *lo, *hi, *offset, stride),
                    XLabels::Plotters,
                    line_h(f),
                );
            }
            let wrapped: Option<Vec<Vec<String>>> = labels
                .iter()
                .map(|l| wrap(l, f, slot - f * 0.4, 3))
                .collect();
            if let Some(wrapped) = wrapped {
                let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
                return (
                    categorical_axis(labels, *lo, *hi, *offset, 1),
                    XLabels::Wrapped(wrapped),
                    line_h(f) + (lines - 1) as f64 * wrapped_line(f),
                );
            }
            // Vertical labels: shrink the font (down to a floor) so that every category
            // keeps its label; only beyond the floor are labels thinned out.
            let size = (slot / ROTATED_PITCH).clamp(MIN_ROTATED_SCALE * f, f);
            let labels: Vec<String> = labels
                .iter()
                .map(|l| truncate_middle(l, size, max_rot_h))
                .collect();
            let stride = (ROTATED_PITCH * size / slot.max(1e-9) - 1e-9)
                .ceil()
                .max(1.0) as usize;
            let band = max_width(&labels, size);
            (
                categorical_axis(&labels, *lo, *hi, *offset, stride),
                XLabels::Rotated(size),
                band,
            )
        }
    }
}

/// Horizontal space a vertical tick label needs, in units of its font size.
const ROTATED_PITCH: f64 = 0.95;

/// Smallest font of vertical category labels, as a fraction of the tick font.
const MIN_ROTATED_SCALE: f64 = 0.55;

/// Line pitch of word-wrapped tick labels.
fn wrapped_line(size: f64) -> f64 {
    1.15 * size
}

/// Computes the layout, reserving `side_w` pixels on the right for a legend or colour bar.
pub(crate) fn plan(theme: &Theme, spec: &FrameSpec<'_>, side_w: f64, raster: bool) -> Plan {
    let w = f64::from(theme.width);
    let h = f64::from(theme.height);
    let m = f64::from(theme.margin);
    let tf = theme.tick_font_size;
    let lf = theme.label_font_size;
    let dist = label_dist(theme);
    let top = m + title_band(theme, spec.title) + tf * 0.6;
    let desc_band = |s: &str| {
        if s.trim().is_empty() {
            0.0
        } else {
            lf * 1.2
        }
    };
    let x_desc_h = desc_band(spec.x_desc);
    let y_desc_w = desc_band(spec.y_desc);
    let right_pad = match spec.x {
        AxisSource::Numeric { .. } => tf * 1.4,
        AxisSource::Categorical { .. } => m * 0.5,
    };
    let right = m + right_pad + side_w;
    let mut x_band = line_h(tf);
    let mut result = None;
    for _ in 0..3 {
        let x_area = dist + x_band + x_desc_h + tf * 0.15;
        let plot_h = (h - top - m - x_area).max(1.0);
        let y = fit_y(theme, &spec.y, plot_h, 0.3 * w);
        let y_area = dist + max_width(&y.labels, tf) + y_desc_w + tf * 0.15;
        let plot_w = (w - m - y_area - right).max(1.0);
        let (x, x_mode, band) = fit_x(theme, &spec.x, plot_w, 0.35 * h);
        let x0 = (m + y_area).round();
        let plot = PxRect {
            x0,
            y0: top.round(),
            x1: (x0 + plot_w).round(),
            y1: (top + plot_h).round(),
        };
        let done = (band - x_band).abs() < 0.5;
        x_band = band;
        result = Some(Plan {
            w,
            h,
            plot,
            x_area: (h - m - plot.y1).max(0.0),
            y_area: (x0 - m).max(0.0),
            x,
            y,
            x_mode,
            raster,
            side_x0: plot.x1 + right_pad,
        });
        if done {
            break;
        }
    }
    result.expect("the layout loop runs at least once")
}

/// Draws background, title, axes, grid and tick labels, then calls `draw` with the chart.
pub(crate) fn with_frame<DB, F>(
    root: &DrawingArea<DB, Shift>,
    theme: &Theme,
    spec: &FrameSpec<'_>,
    plan: &Plan,
    draw: F,
) -> DrawResult
where
    DB: DrawingBackend,
    F: FnOnce(&mut Chart<'_, DB>) -> DrawResult,
{
    root.fill(&color(theme.background)).ctx()?;
    draw_title(root, theme, spec.title)?;

    // The chart area's edges are the plot rectangle plus the label areas, so plotters'
    // plotting area is exactly `plan.plot`.
    let m = theme.margin as i32;
    let area = root.margin(
        plan.plot.y0 as i32,
        m,
        m,
        (plan.w - plan.plot.x1).max(0.0) as i32,
    );
    let x_area = plan.x_area as u32;
    let y_area = plan.y_area as u32;
    let mut chart = ChartBuilder::on(&area)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(Coord::of_axis(&plan.x), Coord::of_axis(&plan.y))
        .ctx()?;

    let x_fmt = |v: &f64| {
        if plan.x_mode == XLabels::Plotters {
            plan.x.label_at(*v)
        } else {
            String::new()
        }
    };
    let y_fmt = |v: &f64| plan.y.label_at(*v);
    {
        let mut mesh = chart.configure_mesh();
        mesh.x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style(text_style(theme.tick_font_size, theme.text_color))
            .axis_desc_style(text_style(theme.label_font_size, theme.text_color))
            .bold_line_style(stroke(theme.grid_color, theme.grid_width))
            .light_line_style(stroke(theme.minor_grid_color, theme.grid_width))
            .axis_style(stroke(theme.axis_color, theme.axis_width))
            .set_all_tick_mark_size(theme.tick_length)
            .y_label_offset(center_fix(theme.tick_font_size, plan.raster));
        if !spec.x_grid {
            mesh.disable_x_mesh();
        }
        if !spec.y_grid {
            mesh.disable_y_mesh();
        }
        if !spec.x_desc.trim().is_empty() {
            mesh.x_desc(spec.x_desc);
        }
        if !spec.y_desc.trim().is_empty() {
            mesh.y_desc(spec.y_desc);
        }
        mesh.draw().ctx()?;
    }

    let tf = theme.tick_font_size;
    let y = (plan.plot.y1 + label_dist(theme)).round() as i32;
    match &plan.x_mode {
        XLabels::Plotters => {}
        XLabels::Rotated(size) => {
            let style = text_style(*size, theme.text_color)
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Right, VPos::Center));
            for (t, label) in plan.x.major.iter().zip(&plan.x.labels) {
                let (px, _) = plan.to_px(*t, plan.y.lo);
                let x = px.round() as i32 + center_fix(*size, plan.raster);
                root.draw_text(label, &style, (x, y)).ctx()?;
            }
        }
        XLabels::Wrapped(lines) => {
            let style = text_style(tf, theme.text_color).pos(Pos::new(HPos::Center, VPos::Top));
            for (t, label_lines) in plan.x.major.iter().zip(lines) {
                let (px, _) = plan.to_px(*t, plan.y.lo);
                for (k, line) in label_lines.iter().enumerate() {
                    let dy = (k as f64 * wrapped_line(tf)).round() as i32;
                    root.draw_text(line, &style, (px.round() as i32, y + dy))
                        .ctx()?;
                }
            }
        }
    }

    draw(&mut chart)
}

/// Draws the title centred at the top of the figure.
pub(crate) fn draw_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    theme: &Theme,
    title: &str,
) -> DrawResult {
    if title.trim().is_empty() {
        return Ok(());
    }
    let (w, _) = root.dim_in_pixel();
    let max_w = f64::from(w) - 2.0 * f64::from(theme.margin);
    let title = truncate_to_width(title, theme.title_font_size, max_w);
    let style =
        text_style(theme.title_font_size, theme.text_color).pos(Pos::new(HPos::Center, VPos::Top));
    root.draw_text(
        &title,
        &style,
        (
            (w / 2) as i32,
            (f64::from(theme.margin) + theme.title_font_size * 0.15) as i32,
        ),
    )
    .ctx()
}

// ---------------------------------------------------------------------------------------
// Markers and legend
// ---------------------------------------------------------------------------------------

/// Number of distinct marker shapes.
pub(crate) const MARKER_SHAPES: usize = 5;

/// Outline of marker `shape` (cycled) with radius `r`, as pixel offsets from its centre.
/// Every shape is a polygon (the circle a 20-gon) so all markers share one element type.
pub(crate) fn marker_points(shape: usize, r: u32) -> Vec<(i32, i32)> {
    let rf = f64::from(r.max(1));
    let p = |x: f64, y: f64| ((x * rf).round() as i32, (y * rf).round() as i32);
    match shape % MARKER_SHAPES {
        0 => (0..20)
            .map(|k| {
                let a = std::f64::consts::TAU * f64::from(k) / 20.0;
                p(a.cos(), a.sin())
            })
            .collect(),
        1 => vec![p(0.0, -1.25), p(1.1, 0.75), p(-1.1, 0.75)],
        2 => vec![
            p(-0.85, -0.85),
            p(0.85, -0.85),
            p(0.85, 0.85),
            p(-0.85, 0.85),
        ],
        3 => vec![p(0.0, -1.25), p(1.1, 0.0), p(0.0, 1.25), p(-1.1, 0.0)],
        _ => vec![p(0.0, 1.25), p(1.1, -0.75), p(-1.1, -0.75)],
    }
}

/// What a legend entry shows next to its label.
#[derive(Debug, Clone)]
pub(crate) enum Swatch {
    Line { color: Rgb, dashed: bool },
    Marker { color: Rgb, shape: usize },
    Block { color: Rgb },
}

/// One legend row.
#[derive(Debug, Clone)]
pub(crate) struct LegendEntry {
    pub label: String,
    pub swatch: Swatch,
}

/// Data footprint in plotted coordinates, used to keep the legend off the data.
#[derive(Debug, Clone)]
pub(crate) enum Footprint {
    /// A polyline.
    Line(Vec<(f64, f64)>),
    /// Markers of the given pixel radius.
    Points(Vec<(f64, f64)>, f64),
    /// Rectangles given by two corners.
    Rects(Vec<((f64, f64), (f64, f64))>),
}

struct LegendMetrics {
    pad: f64,
    row: f64,
    swatch: f64,
    gap: f64,
    w: f64,
    h: f64,
    labels: Vec<String>,
}

fn legend_metrics(theme: &Theme, entries: &[LegendEntry]) -> LegendMetrics {
    let f = theme.legend_font_size;
    let pad = 0.45 * f;
    let row = 1.3 * f;
    let swatch = 1.9 * f;
    let gap = 0.45 * f;
    let max_label = 0.4 * f64::from(theme.width);
    let labels: Vec<String> = entries
        .iter()
        .map(|e| truncate_to_width(&e.label, f, max_label))
        .collect();
    let w = pad + swatch + gap + max_width(&labels, f) + pad;
    let h = 2.0 * pad + row * entries.len() as f64;
    LegendMetrics {
        pad,
        row,
        swatch,
        gap,
        w: w.ceil(),
        h: h.ceil(),
        labels,
    }
}

/// Width the legend needs when placed beside the plot (including its gap to the plot).
pub(crate) fn legend_side_width(theme: &Theme, entries: &[LegendEntry]) -> f64 {
    legend_metrics(theme, entries).w + 0.5 * theme.legend_font_size
}

/// A legend position inside the plot that overlaps no data, trying the corners first.
fn legend_inside(
    theme: &Theme,
    plan: &Plan,
    footprint: &[Footprint],
    lw: f64,
    lh: f64,
) -> Option<(f64, f64)> {
    let inset = 0.5 * theme.legend_font_size;
    let p = plan.plot;
    if lw + 2.0 * inset > p.x1 - p.x0 || lh + 2.0 * inset > p.y1 - p.y0 {
        return None;
    }
    let (left, right) = (p.x0 + inset, p.x1 - inset - lw);
    let (top, bottom) = (p.y0 + inset, p.y1 - inset - lh);
    let (cx, cy) = (0.5 * (p.x0 + p.x1 - lw), 0.5 * (p.y0 + p.y1 - lh));
    let candidates = [
        (right, top),
        (left, top),
        (right, bottom),
        (left, bottom),
        (cx, top),
        (cx, bottom),
        (right, cy),
        (left, cy),
    ];
    // Keep a little air between the legend box and the data.
    let air = 0.25 * theme.legend_font_size;
    let lines_px: Vec<Vec<(f64, f64)>> = footprint
        .iter()
        .filter_map(|f| match f {
            Footprint::Line(pts) => Some(pts.iter().map(|&(x, y)| plan.to_px(x, y)).collect()),
            _ => None,
        })
        .collect();
    'cand: for (x, y) in candidates {
        let rect = PxRect {
            x0: x,
            y0: y,
            x1: x + lw,
            y1: y + lh,
        }
        .expand(air);
        for pts in &lines_px {
            if pts.len() == 1 && rect.contains(pts[0].0, pts[0].1) {
                continue 'cand;
            }
            if pts.windows(2).any(|s| rect.hits_segment(s[0], s[1])) {
                continue 'cand;
            }
        }
        for f in footprint {
            match f {
                Footprint::Line(_) => {}
                Footprint::Points(pts, r) => {
                    let r2 = rect.expand(*r);
                    if pts.iter().any(|&(a, b)| {
                        let (px, py) = plan.to_px(a, b);
                        r2.contains(px, py)
                    }) {
                        continue 'cand;
                    }
                }
                Footprint::Rects(rects) => {
                    if rects.iter().any(|&(a, b)| {
                        let (ax, ay) = plan.to_px(a.0, a.1);
                        let (bx, by) = plan.to_px(b.0, b.1);
                        let r = PxRect {
                            x0: ax.min(bx),
                            y0: ay.min(by),
                            x1: ax.max(bx),
                            y1: ay.max(by),
                        };
                        // Zero-height bars draw nothing.
                        r.y1 - r.y0 >= 0.5 && rect.intersects(&r)
                    }) {
                        continue 'cand;
                    }
                }
            }
        }
        return Some((x.round(), y.round()));
    }
    None
}

/// Lays out a chart with a legend: inside the plot where it covers no data, otherwise in
/// a panel to the right of the plot. Returns the plan and the legend's top-left corner.
pub(crate) fn plan_with_legend(
    theme: &Theme,
    spec: &FrameSpec<'_>,
    entries: &[LegendEntry],
    footprint: &[Footprint],
    raster: bool,
) -> (Plan, Option<(f64, f64)>) {
    let inside = plan(theme, spec, 0.0, raster);
    if entries.is_empty() {
        return (inside, None);
    }
    let lm = legend_metrics(theme, entries);
    if let Some(pos) = legend_inside(theme, &inside, footprint, lm.w, lm.h) {
        return (inside, Some(pos));
    }
    let side = plan(theme, spec, legend_side_width(theme, entries), raster);
    let x = (side.w - f64::from(theme.margin) - lm.w).round();
    let pos = (x.max(side.side_x0), side.plot.y0);
    (side, Some(pos))
}

/// Draws the legend box with its top-left corner at `pos` (pixels).
pub(crate) fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    theme: &Theme,
    entries: &[LegendEntry],
    pos: (f64, f64),
    raster: bool,
) -> DrawResult {
    let lm = legend_metrics(theme, entries);
    let (x0, y0) = (pos.0.round() as i32, pos.1.round() as i32);
    let (x1, y1) = (x0 + lm.w as i32, y0 + lm.h as i32);
    root.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        fill(theme.background),
    ))
    .ctx()?;
    root.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        stroke(theme.grid_color, theme.grid_width.max(1)),
    ))
    .ctx()?;
    let text = text_style(theme.legend_font_size, theme.text_color)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (entry, label)) in entries.iter().zip(&lm.labels).enumerate() {
        let cy = (pos.1 + lm.pad + lm.row * (i as f64 + 0.5)).round() as i32;
        let sx0 = (pos.0 + lm.pad).round() as i32;
        let sx1 = (pos.0 + lm.pad + lm.swatch).round() as i32;
        match entry.swatch {
            Swatch::Line { color: c, dashed } => {
                let style = stroke(c, theme.line_width);
                if dashed {
                    let seg = (sx1 - sx0) / 5;
                    for k in [0, 2, 4] {
                        root.draw(&PathElement::new(
                            vec![(sx0 + k * seg, cy), (sx0 + (k + 1) * seg, cy)],
                            style,
                        ))
                        .ctx()?;
                    }
                } else {
                    root.draw(&PathElement::new(vec![(sx0, cy), (sx1, cy)], style))
                        .ctx()?;
                }
            }
            Swatch::Marker { color: c, shape } => {
                let at = ((sx0 + sx1) / 2, cy);
                root.draw(
                    &(EmptyElement::at(at)
                        + Polygon::new(marker_points(shape, theme.marker_size), fill(c))),
                )
                .ctx()?;
            }
            Swatch::Block { color: c } => {
                let half = (0.38 * theme.legend_font_size).round() as i32;
                let mid = (sx0 + sx1) / 2;
                root.draw(&Rectangle::new(
                    [(mid - 2 * half, cy - half), (mid + 2 * half, cy + half)],
                    fill(c),
                ))
                .ctx()?;
            }
        }
        root.draw_text(
            label,
            &text,
            (
                (pos.0 + lm.pad + lm.swatch + lm.gap).round() as i32,
                cy + center_fix(theme.legend_font_size, raster),
            ),
        )
        .ctx()?;
    }
    Ok(())
}
