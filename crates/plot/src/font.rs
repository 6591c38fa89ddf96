//! The embedded DejaVu Sans font (see `assets/DejaVuSans-LICENSE.txt`).
//!
//! plotters is built with its `ab_glyph` font backend, which never looks at system fonts:
//! every family name it is asked for must have been registered first. We register the
//! embedded font as `"sans-serif"` (plotters' default family) and as [`FAMILY`], the family
//! all our text uses. The latter is what SVG output names in `font-family`, so SVG viewers
//! pick DejaVu Sans when installed and fall back to any sans-serif font otherwise.

use std::sync::OnceLock;

use plotters::style::{register_font, FontDesc, FontFamily, FontStyle};

/// The embedded TrueType font.
static FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// The font family of all text we draw.
pub(crate) const FAMILY: &str = "DejaVu Sans, sans-serif";

static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();

/// Registers the embedded font with plotters (once per process).
pub(crate) fn ensure_registered() -> Result<(), String> {
    REGISTERED
        .get_or_init(|| {
            for name in ["sans-serif", FAMILY] {
                register_font(name, FontStyle::Normal, FONT_BYTES)
                    .map_err(|_| "the embedded DejaVu Sans font could not be parsed".to_string())?;
            }
            Ok(())
        })
        .clone()
}

/// Width in pixels of `text` at font size `size`, as plotters will lay it out.
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    if text.is_empty() {
        return 0.0;
    }
    match FontDesc::new(FontFamily::Name(FAMILY), size, FontStyle::Normal).box_size(text) {
        Ok((w, _)) => f64::from(w),
        // Only reachable if registration failed, which the writers check first.
        Err(_) => 0.6 * size * text.chars().count() as f64,
    }
}

/// Shortens `text` with an ellipsis so that it is at most `max_width` pixels wide.
pub(crate) fn truncate_to_width(text: &str, size: f64, max_width: f64) -> String {
    if text_width(text, size) <= max_width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let (mut lo, mut hi) = (0usize, chars.len());
    // Largest prefix length n such that prefix + "…" fits.
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let candidate: String = chars[..mid].iter().collect::<String>() + "…";
        if text_width(&candidate, size) <= max_width {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    chars[..lo]
        .iter()
        .collect::<String>()
        .trim_end()
        .to_string()
        + "…"
}

/// Shortens `text` to at most `max_width` pixels by replacing its middle with an ellipsis
/// (keeps both ends, which tend to tell similar category names apart).
pub(crate) fn truncate_middle(text: &str, size: f64, max_width: f64) -> String {
    if text_width(text, size) <= max_width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let build = |keep: usize| -> String {
        let head = keep.div_ceil(2);
        let tail = keep / 2;
        let h: String = chars[..head].iter().collect();
        let t: String = chars[chars.len() - tail..].iter().collect();
        format!("{}…{}", h.trim_end(), t.trim_start())
    };
    let (mut lo, mut hi) = (0usize, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if text_width(&build(mid), size) <= max_width {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    build(lo)
}
