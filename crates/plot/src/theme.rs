//! The shared figure theme.

use crate::PlotError;

/// An opaque sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Builds a colour from a `0xRRGGBB` literal.
    pub const fn hex(rgb: u32) -> Self {
        Rgb((rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8)
    }

    /// Linear interpolation between `self` (at `t = 0`) and `other` (at `t = 1`).
    pub fn lerp(self, other: Rgb, t: f64) -> Rgb {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        Rgb(
            mix(self.0, other.0),
            mix(self.1, other.1),
            mix(self.2, other.2),
        )
    }
}

/// The Okabe-Ito colour-blind-safe qualitative palette, ordered for plotting on white
/// (the low-contrast yellow comes last).
pub const OKABE_ITO: [Rgb; 8] = [
    Rgb::hex(0x0072B2), // blue
    Rgb::hex(0xD55E00), // vermillion
    Rgb::hex(0x009E73), // bluish green
    Rgb::hex(0xE69F00), // orange
    Rgb::hex(0xCC79A7), // reddish purple
    Rgb::hex(0x56B4E9), // sky blue
    Rgb::hex(0x000000), // black
    Rgb::hex(0xF0E442), // yellow
];

/// Nine evenly spaced samples of matplotlib's perceptually uniform, colour-blind-safe
/// *viridis* map; [`Theme::sequential_color`] interpolates linearly between them.
pub const VIRIDIS: [Rgb; 9] = [
    Rgb::hex(0x440154),
    Rgb::hex(0x472D7B),
    Rgb::hex(0x3B528B),
    Rgb::hex(0x2C728E),
    Rgb::hex(0x21918C),
    Rgb::hex(0x28AE80),
    Rgb::hex(0x5EC962),
    Rgb::hex(0xADDC30),
    Rgb::hex(0xFDE725),
];

/// Visual settings shared by every figure. All lengths, font sizes included, are in
/// output pixels (SVG user units), so a smaller figure with the same fonts has
/// relatively larger text.
///
/// [`Theme::paper`] (also the [`Default`]) gives a 1200 x 800 figure whose text stays
/// legible when the figure is scaled to the width of a journal column or page.
/// Build variants with struct-update syntax:
///
/// ```
/// use walras_plot::Theme;
/// let slide = Theme { line_width: 4, ..Theme::paper().with_size(1600, 900) };
/// assert!(slide.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// Figure width in pixels (64..=16384).
    pub width: u32,
    /// Figure height in pixels (64..=16384).
    pub height: u32,
    /// Blank border around the whole figure.
    pub margin: u32,
    /// Font size of the title.
    pub title_font_size: f64,
    /// Font size of the axis labels (descriptions) and the colour-bar label.
    pub label_font_size: f64,
    /// Font size of the tick labels.
    pub tick_font_size: f64,
    /// Font size of legend entries.
    pub legend_font_size: f64,
    /// Stroke width of data lines.
    pub line_width: u32,
    /// Stroke width of axes and tick marks.
    pub axis_width: u32,
    /// Stroke width of grid lines.
    pub grid_width: u32,
    /// Length of tick marks.
    pub tick_length: u32,
    /// Radius of scatter markers.
    pub marker_size: u32,
    /// Colour of all text.
    pub text_color: Rgb,
    /// Colour of axes, tick marks and the zero baseline of bar charts.
    pub axis_color: Rgb,
    /// Colour of major grid lines.
    pub grid_color: Rgb,
    /// Colour of minor grid lines (log axes).
    pub minor_grid_color: Rgb,
    /// Figure background.
    pub background: Rgb,
    /// Qualitative palette, cycled over series and bar groups.
    pub palette: Vec<Rgb>,
    /// Stops of the sequential colour map used by heatmaps (at least two), from low to high.
    pub sequential: Vec<Rgb>,
    /// Fill of heatmap cells whose value is NaN (missing).
    pub missing_color: Rgb,
    /// PNG anti-aliasing: the figure is drawn at this many times the size and
    /// box-filtered down (1 = off, at most 4; lowered automatically for very large
    /// figures). Ignored for SVG.
    pub supersample: u32,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::paper()
    }
}

impl Theme {
    /// The paper-ready default theme: 1200 x 800 px, DejaVu Sans text, Okabe-Ito palette,
    /// viridis heatmaps, light grid, 2x supersampled PNG output.
    pub fn paper() -> Self {
        Theme {
            width: 1200,
            height: 800,
            margin: 24,
            title_font_size: 40.0,
            label_font_size: 34.0,
            tick_font_size: 29.0,
            legend_font_size: 29.0,
            line_width: 3,
            axis_width: 2,
            grid_width: 1,
            tick_length: 8,
            marker_size: 7,
            text_color: Rgb::hex(0x1A1A1A),
            axis_color: Rgb::hex(0x333333),
            grid_color: Rgb::hex(0xDDDDDD),
            minor_grid_color: Rgb::hex(0xF0F0F0),
            background: Rgb::hex(0xFFFFFF),
            palette: OKABE_ITO.to_vec(),
            sequential: VIRIDIS.to_vec(),
            missing_color: Rgb::hex(0xD9D9D9),
            supersample: 2,
        }
    }

    /// The same theme with another figure size.
    pub fn with_size(mut self, width: u32, height: u32) -> Self {
        self.width = width;
        self.height = height;
        self
    }

    /// The palette colour of series number `index` (cycling).
    pub fn series_color(&self, index: usize) -> Rgb {
        if self.palette.is_empty() {
            return Rgb(0, 0, 0);
        }
        self.palette[index % self.palette.len()]
    }

    /// The sequential colour map at `t` in `[0, 1]` (clamped; NaN gives the low end).
    pub fn sequential_color(&self, t: f64) -> Rgb {
        match self.sequential.len() {
            0 => Rgb(0, 0, 0),
            1 => self.sequential[0],
            n => {
                let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
                let pos = t * (n - 1) as f64;
                let i = (pos.floor() as usize).min(n - 2);
                self.sequential[i].lerp(self.sequential[i + 1], pos - i as f64)
            }
        }
    }

    /// Checks that the theme can be rendered.
    pub fn validate(&self) -> Result<(), PlotError> {
        let bad = |msg: String| Err(PlotError::InvalidTheme(msg));
        for (name, v) in [("width", self.width), ("height", self.height)] {
            if !(64..=16384).contains(&v) {
                return bad(format!("{name} {v} px is outside 64..=16384"));
            }
        }
        for (name, v) in [
            ("title_font_size", self.title_font_size),
            ("label_font_size", self.label_font_size),
            ("tick_font_size", self.tick_font_size),
            ("legend_font_size", self.legend_font_size),
        ] {
            if !(v.is_finite() && v > 0.0 && v <= 1000.0) {
                return bad(format!("{name} {v} must be in (0, 1000]"));
            }
        }
        for (name, v) in [
            ("margin", self.margin),
            ("line_width", self.line_width),
            ("axis_width", self.axis_width),
            ("grid_width", self.grid_width),
            ("tick_length", self.tick_length),
            ("marker_size", self.marker_size),
        ] {
            if v > 1000 {
                return bad(format!("{name} {v} px exceeds 1000"));
            }
        }
        if self.palette.is_empty() {
            return bad("the palette is empty".into());
        }
        if self.sequential.len() < 2 {
            return bad("the sequential colour map needs at least two stops".into());
        }
        if !(1..=4).contains(&self.supersample) {
            return bad(format!("supersample {} is outside 1..=4", self.supersample));
        }
        Ok(())
    }

    /// Every length multiplied by `k` (used for supersampled PNG rendering).
    pub(crate) fn scaled(&self, k: u32) -> Theme {
        let kf = f64::from(k);
        Theme {
            width: self.width * k,
            height: self.height * k,
            margin: self.margin * k,
            title_font_size: self.title_font_size * kf,
            label_font_size: self.label_font_size * kf,
            tick_font_size: self.tick_font_size * kf,
            legend_font_size: self.legend_font_size * kf,
            line_width: self.line_width * k,
            axis_width: self.axis_width * k,
            grid_width: self.grid_width * k,
            tick_length: self.tick_length * k,
            marker_size: self.marker_size * k,
            ..self.clone()
        }
    }
}
