//! Input validation and drawing of the four chart kinds.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::output::Figure;
use crate::render::{
    center_fix, color, draw_legend, fill, marker_points, plan, plan_with_legend, stroke,
    text_style, with_frame, AxisSource, Coord, Ctx, DrawResult, Footprint, FrameSpec, LegendEntry,
    PxRect, Swatch,
};
use crate::theme::Theme;
use crate::ticks::{
    bar_range, format_linear, format_significant, linear_ticks, padded_range, transform,
    untransform,
};
use crate::{BarChart, Heatmap, LineChart, PlotError, ScatterChart, Series};

// ---------------------------------------------------------------------------------------
// Line and scatter charts
// ---------------------------------------------------------------------------------------

/// Validates series and returns their points in plotted coordinates.
fn prepare_series(
    kind: &str,
    series: &[Series],
    log_x: bool,
    log_y: bool,
) -> Result<Vec<Vec<(f64, f64)>>, PlotError> {
    if series.is_empty() {
        return Err(PlotError::Empty {
            what: format!("the {kind} has no series"),
        });
    }
    let mut out = Vec::with_capacity(series.len());
    for s in series {
        if s.x.len() != s.y.len() {
            return Err(PlotError::LengthMismatch {
                series: s.label.clone(),
                x_len: s.x.len(),
                y_len: s.y.len(),
            });
        }
        for (i, (&x, &y)) in s.x.iter().zip(&s.y).enumerate() {
            for v in [x, y] {
                if !v.is_finite() {
                    return Err(PlotError::NonFinite {
                        series: s.label.clone(),
                        index: i,
                        value: v,
                    });
                }
            }
            for (axis, log, v) in [("x", log_x, x), ("y", log_y, y)] {
                if log && v <= 0.0 {
                    return Err(PlotError::NonPositiveLog {
                        axis,
                        series: s.label.clone(),
                        index: i,
                        value: v,
                    });
                }
            }
        }
        out.push(
            s.x.iter()
                .zip(&s.y)
                .map(|(&x, &y)| (transform(x, log_x), transform(y, log_y)))
                .collect::<Vec<_>>(),
        );
    }
    if out.iter().all(|pts| pts.is_empty()) {
        return Err(PlotError::Empty {
            what: format!("the {kind} has no data points"),
        });
    }
    Ok(out)
}

/// A validated line or scatter chart.
pub(crate) struct XyFigure<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    labels: Vec<&'a str>,
    /// Points in plotted coordinates, one vector per series.
    points: Vec<Vec<(f64, f64)>>,
    log_x: bool,
    log_y: bool,
    scatter: bool,
    diagonal: bool,
    /// Text next to individual points: `point_labels[s][i]` for point `i` of series `s`
    /// (empty: none).
    point_labels: Vec<Vec<&'a str>>,
}

impl<'a> XyFigure<'a> {
    pub(crate) fn line(c: &'a LineChart) -> Result<Self, PlotError> {
        Ok(XyFigure {
            title: &c.title,
            x_label: &c.x_label,
            y_label: &c.y_label,
            labels: c.series.iter().map(|s| s.label.as_str()).collect(),
            points: prepare_series("line chart", &c.series, c.log_x, c.log_y)?,
            log_x: c.log_x,
            log_y: c.log_y,
            scatter: false,
            diagonal: false,
            point_labels: Vec::new(),
        })
    }

    pub(crate) fn scatter(c: &'a ScatterChart) -> Result<Self, PlotError> {
        Ok(XyFigure {
            title: &c.title,
            x_label: &c.x_label,
            y_label: &c.y_label,
            labels: c.series.iter().map(|s| s.label.as_str()).collect(),
            points: prepare_series("scatter chart", &c.series, c.log_x, c.log_y)?,
            log_x: c.log_x,
            log_y: c.log_y,
            scatter: true,
            diagonal: c.diagonal,
            point_labels: Vec::new(),
        })
    }

    /// Adds point labels (one list per series, each empty or one label per point).
    pub(crate) fn with_point_labels(
        mut self,
        c: &'a ScatterChart,
        labels: &'a [Vec<String>],
    ) -> Result<Self, PlotError> {
        for (k, l) in labels.iter().enumerate() {
            let (series, expected) = match c.series.get(k) {
                Some(s) => (s.label.clone(), s.x.len()),
                None => (format!("#{k}"), 0),
            };
            if !l.is_empty() && l.len() != expected {
                return Err(PlotError::PointLabelCount {
                    series,
                    len: l.len(),
                    expected,
                });
            }
        }
        self.point_labels = labels
            .iter()
            .map(|l| l.iter().map(String::as_str).collect())
            .collect();
        Ok(self)
    }

    /// Labelled points: (series index, point in plotted coordinates, label).
    fn labelled_points(&self) -> Vec<(usize, (f64, f64), &'a str)> {
        self.point_labels
            .iter()
            .zip(&self.points)
            .enumerate()
            .flat_map(|(k, (labels, pts))| {
                labels
                    .iter()
                    .zip(pts)
                    .filter(|(l, _)| !l.trim().is_empty())
                    .map(move |(l, &p)| (k, p, *l))
            })
            .collect()
    }

    /// The `y = x` line in plotted coordinates, over the overlap of both axis ranges.
    fn diagonal_points(&self, xr: (f64, f64), yr: (f64, f64)) -> Vec<(f64, f64)> {
        let raw = |(lo, hi): (f64, f64), log| (untransform(lo, log), untransform(hi, log));
        let (xa, xb) = raw(xr, self.log_x);
        let (ya, yb) = raw(yr, self.log_y);
        let (a, b) = (xa.max(ya), xb.min(yb));
        if !(a.is_finite() && b.is_finite() && a < b) {
            return Vec::new();
        }
        let n = if self.log_x == self.log_y { 2 } else { 200 };
        let (ta, tb) = (transform(a, self.log_x), transform(b, self.log_x));
        (0..n)
            .map(|i| {
                let tx = ta + (tb - ta) * i as f64 / (n - 1) as f64;
                (tx, transform(untransform(tx, self.log_x), self.log_y))
            })
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .collect()
    }
}

fn extent(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

impl Figure for XyFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: &Theme,
        raster: bool,
    ) -> DrawResult {
        let all = || self.points.iter().flatten();
        let (xmin, xmax) = extent(all().map(|p| p.0));
        let (ymin, ymax) = extent(all().map(|p| p.1));
        let (xl, xh) = padded_range(xmin, xmax, self.log_x);
        let (yl, yh) = padded_range(ymin, ymax, self.log_y);
        let spec = FrameSpec {
            title: self.title,
            x_desc: self.x_label,
            y_desc: self.y_label,
            x: AxisSource::Numeric {
                lo: xl,
                hi: xh,
                log: self.log_x,
            },
            y: AxisSource::Numeric {
                lo: yl,
                hi: yh,
                log: self.log_y,
            },
            x_grid: true,
            y_grid: true,
        };
        let diag = if self.diagonal {
            self.diagonal_points((xl, xh), (yl, yh))
        } else {
            Vec::new()
        };

        let mut entries = Vec::new();
        if self.points.len() >= 2 {
            for (i, label) in self.labels.iter().enumerate() {
                if label.trim().is_empty() {
                    continue;
                }
                let c = theme.series_color(i);
                let swatch = if self.scatter {
                    Swatch::Marker { color: c, shape: i }
                } else {
                    Swatch::Line {
                        color: c,
                        dashed: false,
                    }
                };
                entries.push(LegendEntry {
                    label: label.to_string(),
                    swatch,
                });
            }
            if !entries.is_empty() && diag.len() >= 2 {
                entries.push(LegendEntry {
                    label: "y = x".into(),
                    swatch: Swatch::Line {
                        color: theme.axis_color,
                        dashed: true,
                    },
                });
            }
        }
        let r = f64::from(theme.marker_size) * 1.25;
        let mut footprint: Vec<Footprint> = self
            .points
            .iter()
            .map(|pts| {
                if self.scatter || pts.len() == 1 {
                    Footprint::Points(pts.clone(), r)
                } else {
                    Footprint::Line(pts.clone())
                }
            })
            .collect();
        if diag.len() >= 2 {
            footprint.push(Footprint::Line(diag.clone()));
        }
        let labelled = self.labelled_points();
        let label_size = point_label_size(theme);
        if !labelled.is_empty() {
            // Keep the legend clear of the labels, whichever side they end up on.
            let reach = r
                + labelled
                    .iter()
                    .map(|(_, _, l)| crate::font::text_width(l, label_size))
                    .fold(0.0, f64::max)
                + label_size;
            footprint.push(Footprint::Points(
                labelled.iter().map(|&(_, p, _)| p).collect(),
                reach,
            ));
        }
        let (plan, legend_at) = plan_with_legend(theme, &spec, &entries, &footprint, raster);

        with_frame(root, theme, &spec, &plan, |chart| {
            if diag.len() >= 2 {
                let w = theme.line_width.max(2) - 1;
                chart
                    .draw_series(DashedLineSeries::new(
                        diag.iter().copied(),
                        (4 * w + 4) as i32,
                        (3 * w + 3) as i32,
                        stroke(theme.axis_color, w),
                    ))
                    .ctx()?;
            }
            let ms = theme.marker_size;
            for (i, pts) in self.points.iter().enumerate() {
                let c = theme.series_color(i);
                if self.scatter {
                    let style = ShapeStyle {
                        color: color(c).mix(0.85),
                        filled: true,
                        stroke_width: 1,
                    };
                    let shape = marker_points(i, ms);
                    chart
                        .draw_series(
                            pts.iter()
                                .map(|&p| EmptyElement::at(p) + Polygon::new(shape.clone(), style)),
                        )
                        .ctx()?;
                } else if pts.len() == 1 {
                    let shape = marker_points(0, ms);
                    chart
                        .draw_series(
                            pts.iter().map(|&p| {
                                EmptyElement::at(p) + Polygon::new(shape.clone(), fill(c))
                            }),
                        )
                        .ctx()?;
                } else {
                    chart
                        .draw_series(LineSeries::new(
                            pts.iter().copied(),
                            stroke(c, theme.line_width),
                        ))
                        .ctx()?;
                }
            }
            Ok(())
        })?;
        if !labelled.is_empty() {
            let markers: Vec<(f64, f64)> = all().map(|&(x, y)| plan.to_px(x, y)).collect();
            let texts: Vec<(&str, (f64, f64))> = labelled
                .iter()
                .map(|&(_, (x, y), l)| (l, plan.to_px(x, y)))
                .collect();
            let placed = place_point_labels(&texts, &markers, r, label_size, plan.plot);
            let style =
                text_style(label_size, theme.text_color).pos(Pos::new(HPos::Left, VPos::Top));
            for ((label, _), rect) in texts.iter().zip(placed) {
                root.draw_text(
                    label,
                    &style,
                    (rect.x0.round() as i32, rect.y0.round() as i32),
                )
                .ctx()?;
            }
        }
        if let Some(pos) = legend_at {
            draw_legend(root, theme, &entries, pos, raster)?;
        }
        Ok(())
    }
}

/// Font size of point labels.
fn point_label_size(theme: &Theme) -> f64 {
    0.8 * theme.tick_font_size
}

/// Area of the intersection of two pixel rectangles.
fn overlap(a: &PxRect, b: &PxRect) -> f64 {
    let w = a.x1.min(b.x1) - a.x0.max(b.x0);
    let h = a.y1.min(b.y1) - a.y0.max(b.y0);
    if w > 0.0 && h > 0.0 {
        w * h
    } else {
        0.0
    }
}

/// Greedy placement of point labels (`(text, pixel position)`): each label takes the first
/// of eight positions around its point with the least overlap with the labels placed so
/// far and with every marker (radius `r`), heavily penalising positions outside `plot`.
/// Returns each label's box.
pub(crate) fn place_point_labels(
    labels: &[(&str, (f64, f64))],
    markers: &[(f64, f64)],
    r: f64,
    size: f64,
    plot: PxRect,
) -> Vec<PxRect> {
    let h = size * 1.1;
    let gap = r + 0.25 * size;
    let marker_boxes: Vec<PxRect> = markers
        .iter()
        .map(|&(x, y)| PxRect {
            x0: x - r,
            y0: y - r,
            x1: x + r,
            y1: y + r,
        })
        .collect();
    let mut placed: Vec<PxRect> = Vec::with_capacity(labels.len());
    for &(text, (px, py)) in labels {
        let w = crate::font::text_width(text, size);
        let d = 0.7 * gap;
        // (x0, y0) of the label box: right, left, above, below, then the diagonals.
        let candidates = [
            (px + gap, py - 0.5 * h),
            (px - gap - w, py - 0.5 * h),
            (px - 0.5 * w, py - gap - h),
            (px - 0.5 * w, py + gap),
            (px + d, py - d - h),
            (px + d, py + d),
            (px - d - w, py - d - h),
            (px - d - w, py + d),
        ];
        let score = |&(x0, y0): &(f64, f64)| {
            let b = PxRect {
                x0,
                y0,
                x1: x0 + w,
                y1: y0 + h,
            };
            let outside = w * h - overlap(&b, &plot);
            let crowd: f64 = placed
                .iter()
                .chain(&marker_boxes)
                .map(|o| overlap(&b, o))
                .sum();
            10.0 * outside + crowd
        };
        let best = candidates
            .iter()
            .map(|c| (score(c), *c))
            .fold(None, |best: Option<(f64, (f64, f64))>, (s, c)| match best {
                Some((bs, _)) if bs <= s => best,
                _ => Some((s, c)),
            })
            .map_or(candidates[0], |(_, c)| c);
        placed.push(PxRect {
            x0: best.0,
            y0: best.1,
            x1: best.0 + w,
            y1: best.1 + h,
        });
    }
    placed
}

// ---------------------------------------------------------------------------------------
// Bar charts
// ---------------------------------------------------------------------------------------

/// One bar: group index, then two opposite corners in plotted coordinates.
type Bar = (usize, (f64, f64), (f64, f64));

/// A validated bar chart.
pub(crate) struct BarFigure<'a> {
    chart: &'a BarChart,
}

impl<'a> BarFigure<'a> {
    pub(crate) fn new(chart: &'a BarChart) -> Result<Self, PlotError> {
        if chart.categories.is_empty() {
            return Err(PlotError::Empty {
                what: "the bar chart has no categories".into(),
            });
        }
        if chart.groups.is_empty() {
            return Err(PlotError::Empty {
                what: "the bar chart has no groups".into(),
            });
        }
        for (name, values) in &chart.groups {
            if values.len() != chart.categories.len() {
                return Err(PlotError::GroupLength {
                    group: name.clone(),
                    len: values.len(),
                    expected: chart.categories.len(),
                });
            }
            if let Some((i, &v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(PlotError::NonFinite {
                    series: name.clone(),
                    index: i,
                    value: v,
                });
            }
        }
        Ok(BarFigure { chart })
    }

    /// Bars as (group index, lower-left, upper-right) in plotted coordinates.
    fn bars(&self) -> Vec<Bar> {
        let g = self.chart.groups.len();
        let bw = 0.8 / g as f64;
        let inner = if g > 1 { 0.04 * bw } else { 0.0 };
        let mut out = Vec::new();
        for (k, (_, values)) in self.chart.groups.iter().enumerate() {
            for (i, &v) in values.iter().enumerate() {
                let xa = i as f64 - 0.4 + k as f64 * bw + inner;
                let xb = xa + bw - 2.0 * inner;
                out.push((k, (xa, 0.0), (xb, v)));
            }
        }
        out
    }
}

impl Figure for BarFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: &Theme,
        raster: bool,
    ) -> DrawResult {
        let c = self.chart;
        let n = c.categories.len();
        let (vmin, vmax) = extent(c.groups.iter().flat_map(|(_, v)| v.iter().copied()));
        let (yl, yh) = bar_range(vmin, vmax);
        let spec = FrameSpec {
            title: &c.title,
            x_desc: &c.x_label,
            y_desc: &c.y_label,
            x: AxisSource::Categorical {
                labels: c.categories.clone(),
                lo: -0.5,
                hi: n as f64 - 0.5,
                offset: 0.0,
            },
            y: AxisSource::Numeric {
                lo: yl,
                hi: yh,
                log: false,
            },
            x_grid: false,
            y_grid: true,
        };
        let bars = self.bars();
        let entries: Vec<LegendEntry> = if c.groups.len() >= 2 {
            c.groups
                .iter()
                .enumerate()
                .filter(|(_, (name, _))| !name.trim().is_empty())
                .map(|(k, (name, _))| LegendEntry {
                    label: name.clone(),
                    swatch: Swatch::Block {
                        color: theme.series_color(k),
                    },
                })
                .collect()
        } else {
            Vec::new()
        };
        let footprint = vec![Footprint::Rects(
            bars.iter().map(|&(_, a, b)| (a, b)).collect(),
        )];
        let (plan, legend_at) = plan_with_legend(theme, &spec, &entries, &footprint, raster);
        with_frame(root, theme, &spec, &plan, |chart| {
            chart
                .draw_series(
                    bars.iter()
                        .map(|&(k, a, b)| Rectangle::new([a, b], fill(theme.series_color(k)))),
                )
                .ctx()?;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(plan.x.lo, 0.0), (plan.x.hi, 0.0)],
                    stroke(theme.axis_color, theme.axis_width),
                )))
                .ctx()?;
            Ok(())
        })?;
        if let Some(pos) = legend_at {
            draw_legend(root, theme, &entries, pos, raster)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Heatmaps
// ---------------------------------------------------------------------------------------

/// A validated heatmap.
pub(crate) struct HeatFigure<'a> {
    chart: &'a Heatmap,
    x_labels: Vec<String>,
    y_labels: Vec<String>,
    vmin: f64,
    vmax: f64,
}

impl<'a> HeatFigure<'a> {
    pub(crate) fn new(chart: &'a Heatmap) -> Result<Self, PlotError> {
        let rows = chart.values.len();
        if rows == 0 {
            return Err(PlotError::Empty {
                what: "the heatmap has no rows".into(),
            });
        }
        let cols = chart.values[0].len();
        if cols == 0 {
            return Err(PlotError::Empty {
                what: "the heatmap has no columns".into(),
            });
        }
        for (r, row) in chart.values.iter().enumerate() {
            if row.len() != cols {
                return Err(PlotError::RaggedRow {
                    row: r,
                    len: row.len(),
                    expected: cols,
                });
            }
            if let Some((column, &value)) = row.iter().enumerate().find(|(_, v)| v.is_infinite()) {
                return Err(PlotError::NonFiniteCell {
                    row: r,
                    column,
                    value,
                });
            }
        }
        let labels = |given: &[String], n: usize, axis: &'static str| {
            if given.is_empty() {
                Ok((0..n).map(|i| i.to_string()).collect())
            } else if given.len() != n {
                Err(PlotError::LabelCount {
                    axis,
                    len: given.len(),
                    expected: n,
                })
            } else {
                Ok(given.to_vec())
            }
        };
        let x_labels = labels(&chart.x_labels, cols, "x")?;
        let y_labels = labels(&chart.y_labels, rows, "y")?;
        let (vmin, vmax) = extent(
            chart
                .values
                .iter()
                .flatten()
                .copied()
                .filter(|v| v.is_finite()),
        );
        if vmin > vmax {
            return Err(PlotError::Empty {
                what: "every heatmap cell is NaN".into(),
            });
        }
        Ok(HeatFigure {
            chart,
            x_labels,
            y_labels,
            vmin,
            vmax,
        })
    }

    /// Colour-bar range and ticks (always including the data minimum and maximum).
    fn colorbar_ticks(&self) -> (f64, f64, Vec<f64>, Vec<String>) {
        let (lo, hi) = (self.vmin, self.vmax);
        if hi - lo <= hi.abs().max(lo.abs()) * 1e-12 {
            let (a, b) = padded_range(lo, hi, false);
            return (a, b, vec![lo], vec![format_significant(lo, 4)]);
        }
        let span = hi - lo;
        let inner: Vec<f64> = linear_ticks(lo, hi, 5)
            .into_iter()
            .filter(|&t| t - lo > 0.12 * span && hi - t > 0.12 * span)
            .collect();
        let inner_labels = format_linear(&inner);
        let mut ticks = vec![lo];
        let mut labels = vec![format_significant(lo, 4)];
        ticks.extend(inner);
        labels.extend(inner_labels);
        ticks.push(hi);
        labels.push(format_significant(hi, 4));
        (lo, hi, ticks, labels)
    }
}

impl Figure for HeatFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: &Theme,
        raster: bool,
    ) -> DrawResult {
        let c = self.chart;
        let rows = c.values.len();
        let cols = c.values[0].len();
        let tf = theme.tick_font_size;
        let lf = theme.label_font_size;
        let m = f64::from(theme.margin);

        let (cb_lo, cb_hi, cb_ticks, cb_labels) = self.colorbar_ticks();
        let cb_gap = (0.9 * lf).round();
        let bar_w = (0.85 * tf).round();
        let cb_desc = if c.value_label.trim().is_empty() {
            0.0
        } else {
            lf * 1.05 + 0.35 * lf
        };
        let cb_label_w = cb_labels
            .iter()
            .map(|l| crate::font::text_width(l, tf))
            .fold(0.0, f64::max);
        let cb_area = (2.0 * f64::from(theme.tick_length) + cb_label_w + 0.3 * tf + cb_desc).ceil();
        let side_w = cb_gap + bar_w + cb_area;

        let spec = FrameSpec {
            title: &c.title,
            x_desc: &c.x_label,
            y_desc: &c.y_label,
            x: AxisSource::Categorical {
                labels: self.x_labels.clone(),
                lo: 0.0,
                hi: cols as f64,
                offset: 0.5,
            },
            y: AxisSource::Categorical {
                labels: self.y_labels.clone(),
                lo: 0.0,
                hi: rows as f64,
                offset: 0.5,
            },
            x_grid: false,
            y_grid: false,
        };
        let plan = plan(theme, &spec, side_w, raster);
        let span = self.vmax - self.vmin;
        let cell_color = |v: f64| {
            if v.is_nan() {
                theme.missing_color
            } else if span > 0.0 {
                theme.sequential_color((v - self.vmin) / span)
            } else {
                theme.sequential_color(0.5)
            }
        };
        with_frame(root, theme, &spec, &plan, |chart| {
            chart
                .draw_series(c.values.iter().enumerate().flat_map(|(r, row)| {
                    row.iter().enumerate().map(move |(col, &v)| {
                        Rectangle::new(
                            [(col as f64, r as f64), (col as f64 + 1.0, r as f64 + 1.0)],
                            fill(cell_color(v)),
                        )
                    })
                }))
                .ctx()?;
            Ok(())
        })?;

        // Colour bar: a small chart of its own beside the plot, as tall as the plot.
        let bar_x0 = (plan.side_x0 + cb_gap).round();
        let area = root.margin(
            plan.plot.y0 as i32,
            (plan.h - plan.plot.y1).max(0.0) as i32,
            bar_x0 as i32,
            (plan.w - bar_x0 - bar_w - cb_area).max(0.0) as i32,
        );
        let mut cb = ChartBuilder::on(&area)
            .right_y_label_area_size(cb_area as u32)
            .build_cartesian_2d(
                Coord::new(0.0, 1.0, Vec::new(), Vec::new()),
                Coord::new(cb_lo, cb_hi, cb_ticks.clone(), Vec::new()),
            )
            .ctx()?;
        let strips = 256;
        if span > 0.0 {
            cb.draw_series((0..strips).map(|k| {
                let a = cb_lo + (cb_hi - cb_lo) * k as f64 / strips as f64;
                let b = cb_lo + (cb_hi - cb_lo) * (k + 1) as f64 / strips as f64;
                let t = (k as f64 + 0.5) / strips as f64;
                Rectangle::new([(0.0, a), (1.0, b)], fill(theme.sequential_color(t)))
            }))
            .ctx()?;
        } else {
            cb.draw_series(std::iter::once(Rectangle::new(
                [(0.0, cb_lo), (1.0, cb_hi)],
                fill(theme.sequential_color(0.5)),
            )))
            .ctx()?;
        }
        cb.draw_series(std::iter::once(Rectangle::new(
            [(0.0, cb_lo), (1.0, cb_hi)],
            stroke(theme.axis_color, theme.axis_width),
        )))
        .ctx()?;
        let fmt = |v: &f64| {
            cb_ticks
                .iter()
                .position(|t| t == v)
                .and_then(|i| cb_labels.get(i).cloned())
                .unwrap_or_default()
        };
        cb.configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_label_formatter(&fmt)
            .label_style(text_style(tf, theme.text_color))
            .axis_style(stroke(theme.axis_color, theme.axis_width))
            .set_all_tick_mark_size(theme.tick_length)
            .y_label_offset(center_fix(tf, raster))
            .draw()
            .ctx()?;
        if cb_desc > 0.0 {
            // Reads bottom to top, like the y axis label.
            let x = (plan.w - m - lf * 1.05).round() as i32;
            let y = (0.5 * (plan.plot.y0 + plan.plot.y1)).round() as i32;
            let style = text_style(lf, theme.text_color)
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Center, VPos::Top));
            let max_len = plan.plot.y1 - plan.plot.y0;
            let label = crate::font::truncate_to_width(&c.value_label, lf, max_len);
            root.draw_text(&label, &style, (x, y)).ctx()?;
        }
        Ok(())
    }
}
