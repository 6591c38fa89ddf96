//! Atomic SVG and PNG writers.

use std::io::Write;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use tempfile::NamedTempFile;

use crate::render::DrawResult;
use crate::{ImageFormat, PlotError, Theme};

/// Largest canvas (in pixels) drawn for supersampling: 64 Mpx, about 200 MB of RGB.
const MAX_SUPERSAMPLED_PIXELS: u64 = 64 << 20;

/// Something that can draw itself onto a plotters drawing area.
pub(crate) trait Figure {
    /// Draws the figure; `raster` tells bitmap targets from SVG.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: &Theme,
        raster: bool,
    ) -> DrawResult;
}

fn io_error(path: &Path, source: std::io::Error) -> PlotError {
    PlotError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn drawing_error(path: &Path) -> impl Fn(String) -> PlotError + '_ {
    move |message| PlotError::Drawing {
        path: path.to_path_buf(),
        message,
    }
}

/// A fresh temporary file next to `path`, with the given suffix.
fn temp_beside(path: &Path, suffix: &str) -> Result<NamedTempFile, PlotError> {
    let dir: PathBuf = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".walras-plot-").suffix(suffix);
    #[cfg(unix)]
    {
        // Like a file created normally: 0o666 filtered by the umask (tempfile's default
        // is 0o600, which would make figures unreadable to other users).
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir).map_err(|e| io_error(path, e))
}

fn persist(tmp: NamedTempFile, path: &Path) -> Result<(), PlotError> {
    // On failure the returned temporary file is dropped, which deletes it.
    tmp.persist(path)
        .map(|_| ())
        .map_err(|e| io_error(path, e.error))
}

/// Renders `figure` and atomically writes it to `path` in the format its extension names.
pub(crate) fn write_figure<F: Figure>(
    path: &Path,
    format: ImageFormat,
    figure: &F,
    theme: &Theme,
) -> Result<(), PlotError> {
    crate::font::ensure_registered().map_err(drawing_error(path))?;
    match format {
        ImageFormat::Svg => write_svg(path, figure, theme),
        ImageFormat::Png => write_png(path, figure, theme),
    }
}

fn write_svg<F: Figure>(path: &Path, figure: &F, theme: &Theme) -> Result<(), PlotError> {
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (theme.width, theme.height)).into_drawing_area();
        figure
            .draw(&root, theme, false)
            .map_err(drawing_error(path))?;
        root.present()
            .map_err(|e| drawing_error(path)(e.to_string()))?;
    }
    let mut tmp = temp_beside(path, ".svg")?;
    tmp.write_all(svg.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| io_error(path, e))?;
    persist(tmp, path)
}

fn write_png<F: Figure>(path: &Path, figure: &F, theme: &Theme) -> Result<(), PlotError> {
    // Supersample, but keep the oversized canvas within a sane memory budget.
    let mut k = theme.supersample.max(1);
    let pixels_at = |k: u32| u64::from(theme.width * k) * u64::from(theme.height * k);
    while k > 1 && pixels_at(k) > MAX_SUPERSAMPLED_PIXELS {
        k -= 1;
    }
    let big = theme.scaled(k);
    let (bw, bh) = (big.width, big.height);
    let mut pixels = vec![0u8; bw as usize * bh as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (bw, bh)).into_drawing_area();
        figure
            .draw(&root, &big, true)
            .map_err(drawing_error(path))?;
        root.present()
            .map_err(|e| drawing_error(path)(e.to_string()))?;
    }
    let pixels = downsample(&pixels, bw as usize, bh as usize, k as usize);
    let tmp = temp_beside(path, ".png")?;
    {
        // plotters' bitmap backend encodes the PNG when presented; the temporary file's
        // `.png` suffix selects the encoder.
        let mut backend = BitMapBackend::new(tmp.path(), (theme.width, theme.height));
        backend
            .blit_bitmap((0, 0), (theme.width, theme.height), &pixels)
            .map_err(|e| drawing_error(path)(e.to_string()))?;
        backend
            .present()
            .map_err(|e| drawing_error(path)(e.to_string()))?;
    }
    persist(tmp, path)
}

/// Box-filters an RGB image of `w` x `h` pixels down by the integer factor `k`.
fn downsample(src: &[u8], w: usize, h: usize, k: usize) -> Vec<u8> {
    if k <= 1 {
        return src.to_vec();
    }
    let (ow, oh) = (w / k, h / k);
    let mut out = vec![0u8; ow * oh * 3];
    let n = (k * k) as u32;
    for oy in 0..oh {
        for ox in 0..ow {
            let mut acc = [0u32; 3];
            for dy in 0..k {
                let row = ((oy * k + dy) * w + ox * k) * 3;
                for dx in 0..k {
                    let p = row + dx * 3;
                    acc[0] += u32::from(src[p]);
                    acc[1] += u32::from(src[p + 1]);
                    acc[2] += u32::from(src[p + 2]);
                }
            }
            let o = (oy * ow + ox) * 3;
            for c in 0..3 {
                out[o + c] = ((acc[c] + n / 2) / n) as u8;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::downsample;

    #[test]
    fn downsample_averages_blocks() {
        // 2x2 image -> 1x1.
        let src = [0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0];
        assert_eq!(downsample(&src, 2, 2, 2), vec![128, 128, 128]);
        assert_eq!(downsample(&src, 2, 2, 1), src.to_vec());
    }
}
