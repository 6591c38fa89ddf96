//! End-to-end tests: every chart kind to SVG and PNG, bad input, atomic writes.

use std::fs;
use std::path::{Path, PathBuf};

use walras_plot::{
    bar_chart, heatmap, line_chart, scatter_chart, BarChart, Heatmap, ImageFormat, LineChart,
    PlotError, ScatterChart, Series, Theme,
};

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Width and height from the PNG's IHDR chunk (which must come first).
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = fs::read(path).expect("read png");
    assert!(bytes.len() > 33, "PNG too short: {} bytes", bytes.len());
    assert_eq!(bytes[..8], PNG_SIGNATURE, "not a PNG: {}", path.display());
    assert_eq!(&bytes[12..16], b"IHDR", "first chunk is not IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

fn check_svg(path: &Path, must_contain: &str) {
    let text = fs::read_to_string(path).expect("read svg");
    let head = text.trim_start();
    assert!(
        head.starts_with("<svg") || head.starts_with("<?xml"),
        "bad SVG start: {}",
        &head[..head.len().min(80)]
    );
    assert!(text.trim_end().ends_with("</svg>"), "SVG not closed");
    assert!(
        text.contains(must_contain),
        "SVG lacks {must_contain:?}: {}",
        path.display()
    );
}

/// Regular files left in `dir` (to spot stray temporaries).
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .collect();
    v.sort();
    v
}

fn line() -> LineChart {
    LineChart {
        title: "Welfare path".into(),
        x_label: "Tax rate".into(),
        y_label: "Welfare".into(),
        series: vec![
            Series::new(
                "baseline",
                vec![0.0, 0.1, 0.2, 0.3],
                vec![1.0, 1.1, 1.15, 1.12],
            ),
            Series::new(
                "reform",
                vec![0.0, 0.1, 0.2, 0.3],
                vec![1.0, 1.05, 1.2, 1.3],
            ),
        ],
        ..Default::default()
    }
}

fn scatter() -> ScatterChart {
    ScatterChart {
        title: "Model fit".into(),
        x_label: "Data".into(),
        y_label: "Model".into(),
        series: vec![
            Series::new("targeted", vec![0.1, 0.5, 0.9], vec![0.12, 0.48, 0.95]),
            Series::new("untargeted", vec![0.2, 0.6], vec![0.3, 0.5]),
        ],
        diagonal: true,
        ..Default::default()
    }
}

fn bars() -> BarChart {
    BarChart {
        title: "Welfare by household".into(),
        x_label: "Household".into(),
        y_label: "EV (%)".into(),
        categories: vec!["single".into(), "couple".into(), "retired".into()],
        groups: vec![
            ("flat".into(), vec![1.0, -0.5, 0.2]),
            ("progressive".into(), vec![-0.2, 0.7, 0.4]),
        ],
    }
}

fn heat() -> Heatmap {
    Heatmap {
        title: "Policy grid".into(),
        x_label: "Tax".into(),
        y_label: "Transfer".into(),
        x_labels: vec!["0.1".into(), "0.2".into(), "0.3".into()],
        y_labels: vec!["a".into(), "b".into()],
        values: vec![vec![1.0, 2.0, 3.0], vec![4.0, f64::NAN, 6.0]],
        value_label: "Welfare".into(),
    }
}

/// Renders one chart of every kind to `dir/<stem>.<ext>` and returns the paths.
fn render_all(dir: &Path, ext: &str, theme: &Theme) -> Vec<PathBuf> {
    let p = |stem: &str| dir.join(format!("{stem}.{ext}"));
    line_chart(&p("line"), &line(), theme).expect("line");
    scatter_chart(&p("scatter"), &scatter(), theme).expect("scatter");
    bar_chart(&p("bar"), &bars(), theme).expect("bar");
    heatmap(&p("heatmap"), &heat(), theme).expect("heatmap");
    ["line", "scatter", "bar", "heatmap"]
        .iter()
        .map(|s| p(s))
        .collect()
}

#[test]
fn every_chart_renders_to_png_with_theme_size() {
    let dir = tmp();
    for theme in [
        Theme::paper(),
        Theme::paper().with_size(640, 480),
        Theme {
            supersample: 1,
            ..Theme::paper().with_size(800, 600)
        },
        Theme {
            supersample: 3,
            ..Theme::paper().with_size(333, 257)
        },
    ] {
        for path in render_all(dir.path(), "png", &theme) {
            assert_eq!(
                png_size(&path),
                (theme.width, theme.height),
                "{}",
                path.display()
            );
        }
    }
}

#[test]
fn every_chart_renders_to_svg() {
    let dir = tmp();
    let theme = Theme::paper();
    let paths = render_all(dir.path(), "svg", &theme);
    let titles = [
        "Welfare path",
        "Model fit",
        "Welfare by household",
        "Policy grid",
    ];
    for (path, title) in paths.iter().zip(titles) {
        check_svg(path, title);
        let text = fs::read_to_string(path).unwrap();
        assert!(text.contains(r#"width="1200""#) && text.contains(r#"height="800""#));
    }
    // Legends and axis labels are there too.
    check_svg(&paths[0], "reform");
    check_svg(&paths[0], "Tax rate");
    check_svg(&paths[3], "Welfare");
}

#[test]
fn only_the_target_file_is_left_behind() {
    let dir = tmp();
    render_all(dir.path(), "png", &Theme::paper());
    render_all(dir.path(), "svg", &Theme::paper());
    let names: Vec<String> = files_in(dir.path())
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "bar.png",
            "bar.svg",
            "heatmap.png",
            "heatmap.svg",
            "line.png",
            "line.svg",
            "scatter.png",
            "scatter.svg"
        ]
    );
}

#[test]
fn extension_picks_the_format_case_insensitively() {
    assert_eq!(
        ImageFormat::from_path(Path::new("a/b.svg")).unwrap(),
        ImageFormat::Svg
    );
    assert_eq!(
        ImageFormat::from_path(Path::new("b.SvG")).unwrap(),
        ImageFormat::Svg
    );
    assert_eq!(
        ImageFormat::from_path(Path::new("b.PNG")).unwrap(),
        ImageFormat::Png
    );
    assert_eq!(ImageFormat::Png.extension(), "png");
    let dir = tmp();
    let upper = dir.path().join("FIG.PNG");
    line_chart(&upper, &line(), &Theme::paper()).unwrap();
    assert_eq!(png_size(&upper), (1200, 800));
    let svg = dir.path().join("fig.Svg");
    line_chart(&svg, &line(), &Theme::paper()).unwrap();
    check_svg(&svg, "Welfare path");
}

#[test]
fn unsupported_extension_is_an_error_naming_the_path() {
    let dir = tmp();
    for name in ["fig.jpg", "fig", "fig.svg.bak", "fig.pdf"] {
        let path = dir.path().join(name);
        let err = line_chart(&path, &line(), &Theme::paper()).unwrap_err();
        assert!(
            matches!(&err, PlotError::UnsupportedFormat { path: p } if p == &path),
            "{err:?}"
        );
        assert!(err.to_string().contains(name), "{err}");
        assert!(!path.exists());
    }
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn text_is_rendered_with_the_embedded_font() {
    // Same layout, different title text: the PNGs can only differ if glyphs are drawn.
    let dir = tmp();
    let theme = Theme::paper();
    let mut chart = line();
    let mut render = |title: &str, name: &str| {
        chart.title = title.into();
        let path = dir.path().join(name);
        line_chart(&path, &chart, &theme).unwrap();
        fs::read(path).unwrap()
    };
    let a = render("Equilibrium prices", "a.png");
    let b = render("Counterfactual taxes", "b.png");
    let a2 = render("Equilibrium prices", "a2.png");
    assert_ne!(a, b, "title text did not change the image");
    assert_eq!(a, a2, "rendering is not deterministic");
    // And a title vs. none.
    let none = render("", "none.png");
    assert_ne!(a, none);
}

#[test]
fn svg_text_is_escaped() {
    let dir = tmp();
    let mut chart = line();
    chart.title = "A < B & C > D".into();
    chart.series[0].label = "\"quoted\" & <tagged>".into();
    let path = dir.path().join("esc.svg");
    line_chart(&path, &chart, &Theme::paper()).unwrap();
    check_svg(&path, "A &lt; B &amp; C &gt; D");
    assert!(!fs::read_to_string(&path).unwrap().contains("<tagged>"));
}

// ----------------------------------------------------------------------------------------
// Bad input
// ----------------------------------------------------------------------------------------

/// Runs `f` against a fresh path and asserts it fails without creating the file.
fn fails<F>(ext: &str, f: F) -> PlotError
where
    F: Fn(&Path) -> Result<(), PlotError>,
{
    let dir = tmp();
    let path = dir.path().join(format!("out.{ext}"));
    let err = f(&path).expect_err("expected an error");
    assert!(!path.exists(), "a failed render left {}", path.display());
    assert!(
        files_in(dir.path()).is_empty(),
        "stray files: {:?}",
        files_in(dir.path())
    );
    err
}

fn line_err(chart: LineChart) -> PlotError {
    for ext in ["svg", "png"] {
        fails(ext, |p| line_chart(p, &chart, &Theme::paper()));
    }
    fails("png", |p| line_chart(p, &chart, &Theme::paper()))
}

fn scatter_err(chart: ScatterChart) -> PlotError {
    fails("svg", |p| scatter_chart(p, &chart, &Theme::paper()));
    fails("png", |p| scatter_chart(p, &chart, &Theme::paper()))
}

fn bar_err(chart: BarChart) -> PlotError {
    fails("svg", |p| bar_chart(p, &chart, &Theme::paper()));
    fails("png", |p| bar_chart(p, &chart, &Theme::paper()))
}

fn heat_err(chart: Heatmap) -> PlotError {
    fails("svg", |p| heatmap(p, &chart, &Theme::paper()));
    fails("png", |p| heatmap(p, &chart, &Theme::paper()))
}

#[test]
fn length_mismatch() {
    let mut c = line();
    c.series[1] = Series::new("label", vec![1.0, 2.0, 3.0], vec![1.0, 2.0]);
    let err = line_err(c);
    assert!(
        matches!(&err, PlotError::LengthMismatch { series, x_len: 3, y_len: 2 } if series == "label"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "series `label` has x of length 3 but y of length 2"
    );

    let mut s = scatter();
    s.series[0].y.pop();
    assert!(matches!(scatter_err(s), PlotError::LengthMismatch { .. }));
}

#[test]
fn non_finite_values() {
    for (bad, in_x) in [
        (f64::NAN, true),
        (f64::INFINITY, false),
        (f64::NEG_INFINITY, true),
    ] {
        let mut c = line();
        if in_x {
            c.series[1].x[2] = bad;
        } else {
            c.series[1].y[2] = bad;
        }
        let err = line_err(c);
        assert!(
            matches!(&err, PlotError::NonFinite { series, index: 2, .. } if series == "reform"),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("series `reform` at index 2"),
            "{err}"
        );
    }
    let mut s = scatter();
    s.series[0].x[1] = f64::NAN;
    assert!(matches!(
        scatter_err(s),
        PlotError::NonFinite { index: 1, .. }
    ));
}

#[test]
fn empty_charts() {
    let mut c = line();
    c.series.clear();
    assert!(matches!(line_err(c), PlotError::Empty { .. }));
    let mut c = line();
    c.series = vec![
        Series::new("a", vec![], vec![]),
        Series::new("b", vec![], vec![]),
    ];
    let err = line_err(c);
    assert!(matches!(err, PlotError::Empty { .. }));
    assert!(err.to_string().starts_with("empty chart"), "{err}");

    let mut s = scatter();
    s.series.clear();
    assert!(matches!(scatter_err(s), PlotError::Empty { .. }));

    let mut b = bars();
    b.categories.clear();
    for g in &mut b.groups {
        g.1.clear();
    }
    assert!(matches!(bar_err(b), PlotError::Empty { .. }));
    let mut b = bars();
    b.groups.clear();
    assert!(matches!(bar_err(b), PlotError::Empty { .. }));

    let mut h = heat();
    h.values.clear();
    h.y_labels.clear();
    assert!(matches!(heat_err(h), PlotError::Empty { .. }));
    let mut h = heat();
    h.values = vec![vec![], vec![]];
    h.x_labels.clear();
    assert!(matches!(heat_err(h), PlotError::Empty { .. }));
    let mut h = heat();
    h.values = vec![vec![f64::NAN; 3]; 2];
    assert!(matches!(heat_err(h), PlotError::Empty { .. }));
}

#[test]
fn log_axes_need_positive_values() {
    let mut c = line();
    c.log_x = true; // x contains 0.0 at index 0
    let err = line_err(c);
    assert!(
        matches!(&err, PlotError::NonPositiveLog { axis: "x", series, index: 0, .. } if series == "baseline"),
        "{err:?}"
    );
    assert!(err.to_string().contains("series `baseline`"), "{err}");

    let mut s = scatter();
    s.log_y = true;
    s.series[1].y[1] = -0.5;
    let err = scatter_err(s);
    assert!(
        matches!(
            &err,
            PlotError::NonPositiveLog {
                axis: "y",
                index: 1,
                ..
            }
        ),
        "{err:?}"
    );

    // Positive data on log axes is fine.
    let dir = tmp();
    let mut c = line();
    c.log_y = true;
    line_chart(&dir.path().join("ok.png"), &c, &Theme::paper()).unwrap();
}

#[test]
fn bar_chart_errors() {
    let mut b = bars();
    b.groups[1].1.push(3.0);
    let err = bar_err(b);
    assert!(
        matches!(&err, PlotError::GroupLength { group, len: 4, expected: 3 } if group == "progressive"),
        "{err:?}"
    );
    let mut b = bars();
    b.groups[0].1[2] = f64::NAN;
    assert!(matches!(
        bar_err(b),
        PlotError::NonFinite { index: 2, ref series, .. } if series == "flat"
    ));
}

#[test]
fn heatmap_errors() {
    let mut h = heat();
    h.values[1] = vec![1.0, 2.0];
    let err = heat_err(h);
    assert!(
        matches!(
            err,
            PlotError::RaggedRow {
                row: 1,
                len: 2,
                expected: 3
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "heatmap row 1 has length 2, expected 3");

    let mut h = heat();
    h.values[0][1] = f64::INFINITY;
    assert!(matches!(
        heat_err(h),
        PlotError::NonFiniteCell {
            row: 0,
            column: 1,
            ..
        }
    ));

    let mut h = heat();
    h.x_labels.pop();
    assert!(matches!(
        heat_err(h),
        PlotError::LabelCount {
            axis: "x",
            len: 2,
            expected: 3
        }
    ));
    let mut h = heat();
    h.y_labels.push("c".into());
    assert!(matches!(
        heat_err(h),
        PlotError::LabelCount {
            axis: "y",
            len: 3,
            expected: 2
        }
    ));
}

#[test]
fn invalid_theme_is_an_error() {
    for theme in [
        Theme::paper().with_size(0, 800),
        Theme::paper().with_size(1200, 100_000),
        Theme {
            palette: vec![],
            ..Theme::paper()
        },
        Theme {
            tick_font_size: f64::NAN,
            ..Theme::paper()
        },
        Theme {
            supersample: 0,
            ..Theme::paper()
        },
    ] {
        let err = fails("png", |p| line_chart(p, &line(), &theme));
        assert!(matches!(err, PlotError::InvalidTheme(_)), "{err:?}");
    }
}

// ----------------------------------------------------------------------------------------
// Atomicity and I/O errors
// ----------------------------------------------------------------------------------------

#[test]
fn failed_render_keeps_the_previous_file() {
    let dir = tmp();
    for ext in ["svg", "png"] {
        let path = dir.path().join(format!("keep.{ext}"));
        line_chart(&path, &line(), &Theme::paper()).unwrap();
        let before = fs::read(&path).unwrap();
        let mut bad = line();
        bad.series[0].y[0] = f64::NAN;
        assert!(line_chart(&path, &bad, &Theme::paper()).is_err());
        assert_eq!(fs::read(&path).unwrap(), before);
    }
    assert_eq!(files_in(dir.path()).len(), 2);
}

#[test]
fn overwriting_replaces_the_file() {
    let dir = tmp();
    let path = dir.path().join("fig.svg");
    line_chart(&path, &line(), &Theme::paper()).unwrap();
    let mut c = line();
    c.title = "Second version".into();
    line_chart(&path, &c, &Theme::paper()).unwrap();
    check_svg(&path, "Second version");
    assert_eq!(files_in(dir.path()).len(), 1);
}

#[test]
fn io_errors_name_the_path_and_leave_nothing_behind() {
    let dir = tmp();
    // Missing parent directory.
    let path = dir.path().join("no/such/dir/fig.png");
    let err = line_chart(&path, &line(), &Theme::paper()).unwrap_err();
    assert!(
        matches!(&err, PlotError::Io { path: p, .. } if p == &path),
        "{err:?}"
    );
    assert!(err.to_string().contains("fig.png"), "{err}");

    // The target is a directory: rendering succeeds, the final rename fails, and the
    // temporary file is cleaned up.
    for ext in ["svg", "png"] {
        let target = dir.path().join(format!("taken.{ext}"));
        fs::create_dir(&target).unwrap();
        fs::write(target.join("inside"), b"x").unwrap();
        let err = line_chart(&target, &line(), &Theme::paper()).unwrap_err();
        assert!(matches!(err, PlotError::Io { .. }), "{err:?}");
        assert!(target.is_dir());
    }
    let names: Vec<PathBuf> = files_in(dir.path());
    assert_eq!(names.len(), 2, "stray files: {names:?}");
}

#[cfg(unix)]
#[test]
fn output_files_are_not_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tmp();
    let path = dir.path().join("fig.png");
    line_chart(&path, &line(), &Theme::paper()).unwrap();
    let mode = fs::metadata(&path).unwrap().permissions().mode();
    // Owner read/write at least; with a usual umask (022) also group/other readable.
    assert_eq!(mode & 0o600, 0o600);
}

// ----------------------------------------------------------------------------------------
// Degenerate but valid input
// ----------------------------------------------------------------------------------------

#[test]
fn degenerate_ranges_render() {
    let dir = tmp();
    let theme = Theme::paper();
    let lines = [
        vec![Series::new("one point", vec![2.0], vec![3.0])],
        vec![Series::new(
            "flat",
            vec![0.0, 1.0, 2.0],
            vec![5.0, 5.0, 5.0],
        )],
        vec![Series::new("vertical", vec![1.0, 1.0], vec![0.0, 1.0])],
        vec![Series::new("zeros", vec![0.0, 0.0], vec![0.0, 0.0])],
        vec![Series::new(
            "huge",
            vec![-1e300, 1e300],
            vec![1e300, -1e300],
        )],
        vec![Series::new(
            "tiny",
            vec![1e-300, 2e-300],
            vec![-1e-300, 3e-300],
        )],
        vec![Series::new(
            "near-equal",
            vec![1.0, 1.0 + 1e-15],
            vec![1.0, 1.0 + 1e-15],
        )],
        vec![
            Series::new("empty", vec![], vec![]),
            Series::new("", vec![0.0, 1.0], vec![1.0, 0.0]),
        ],
    ];
    for (i, series) in lines.into_iter().enumerate() {
        for ext in ["svg", "png"] {
            let c = LineChart {
                title: format!("case {i}"),
                series: series.clone(),
                ..Default::default()
            };
            line_chart(&dir.path().join(format!("l{i}.{ext}")), &c, &theme)
                .unwrap_or_else(|e| panic!("case {i}: {e}"));
            let s = ScatterChart {
                title: format!("case {i}"),
                series: series.clone(),
                diagonal: true,
                ..Default::default()
            };
            scatter_chart(&dir.path().join(format!("s{i}.{ext}")), &s, &theme)
                .unwrap_or_else(|e| panic!("case {i}: {e}"));
        }
    }
    // Log axes with a single value, and spanning many decades.
    for (x, y) in [
        (vec![10.0], vec![1e-3]),
        (vec![1.0, 1e50], vec![1e-200, 1e200]),
        (vec![2.0, 3.0], vec![2.0, 2.1]),
    ] {
        let c = LineChart {
            series: vec![Series::new("s", x, y)],
            log_x: true,
            log_y: true,
            ..Default::default()
        };
        line_chart(&dir.path().join("log.png"), &c, &theme).unwrap();
        line_chart(&dir.path().join("log.svg"), &c, &theme).unwrap();
    }
    // Bars: all zero, all negative, single bar.
    for groups in [
        vec![("z".to_string(), vec![0.0, 0.0])],
        vec![("n".to_string(), vec![-1.0, -2.0])],
    ] {
        let b = BarChart {
            categories: vec!["a".into(), "b".into()],
            groups,
            ..Default::default()
        };
        bar_chart(&dir.path().join("b.png"), &b, &theme).unwrap();
        bar_chart(&dir.path().join("b.svg"), &b, &theme).unwrap();
    }
    let b = BarChart {
        categories: vec!["only".into()],
        groups: vec![("g".into(), vec![4.2])],
        ..Default::default()
    };
    bar_chart(&dir.path().join("b1.png"), &b, &theme).unwrap();
    // Heatmaps: 1x1, all equal, labels defaulted.
    for values in [
        vec![vec![7.0]],
        vec![vec![3.0; 4]; 3],
        vec![vec![-1.0, f64::NAN]],
    ] {
        let h = Heatmap {
            values,
            ..Default::default()
        };
        heatmap(&dir.path().join("h.png"), &h, &theme).unwrap();
        heatmap(&dir.path().join("h.svg"), &h, &theme).unwrap();
    }
}

#[test]
fn crowded_and_long_labels_render() {
    let dir = tmp();
    let theme = Theme::paper();
    // Many series (more than the palette), dense data in every corner: legend goes outside.
    let series: Vec<Series> = (0..12)
        .map(|k| {
            let x: Vec<f64> = (0..200).map(|i| f64::from(i) / 199.0).collect();
            let y = x
                .iter()
                .map(|t| ((t * 40.0 + f64::from(k)).sin()) * (1.0 + f64::from(k) * 0.1))
                .collect();
            Series::new(format!("series number {k}"), x, y)
        })
        .collect();
    let c = LineChart {
        title: "A very long title that goes on and on and on, much wider than the figure itself can show".into(),
        series: series.clone(),
        ..Default::default()
    };
    for ext in ["png", "svg"] {
        line_chart(&dir.path().join(format!("crowded.{ext}")), &c, &theme).unwrap();
        let s = ScatterChart {
            series: series.clone(),
            ..Default::default()
        };
        scatter_chart(&dir.path().join(format!("crowded_s.{ext}")), &s, &theme).unwrap();
    }
    // Long category names (wrapped or vertical) and many categories.
    let categories: Vec<String> = (0..30)
        .map(|i| format!("Manufacturing of fabricated metal products, sector {i}"))
        .collect();
    let b = BarChart {
        categories: categories.clone(),
        groups: vec![("g".into(), (0..30).map(f64::from).collect())],
        ..Default::default()
    };
    bar_chart(&dir.path().join("long.png"), &b, &theme).unwrap();
    bar_chart(&dir.path().join("long.svg"), &b, &theme).unwrap();
    // A big numeric heatmap (labels thinned) with long names on the other axis.
    let h = Heatmap {
        x_labels: (0..80)
            .map(|i| format!("{:.3}", f64::from(i) / 80.0))
            .collect(),
        y_labels: categories,
        values: (0..30)
            .map(|r| (0..80).map(|c| f64::from(r * c)).collect())
            .collect(),
        value_label: "Output".into(),
        ..Default::default()
    };
    heatmap(&dir.path().join("big.png"), &h, &theme).unwrap();
    heatmap(&dir.path().join("big.svg"), &h, &theme).unwrap();
}

#[test]
fn extreme_themes_do_not_panic() {
    let dir = tmp();
    let themes = [
        Theme {
            title_font_size: 500.0,
            label_font_size: 500.0,
            tick_font_size: 500.0,
            legend_font_size: 500.0,
            ..Theme::paper().with_size(64, 64)
        },
        Theme {
            margin: 1000,
            ..Theme::paper().with_size(100, 100)
        },
        Theme {
            palette: vec![walras_plot::Rgb(0, 0, 0)],
            sequential: vec![walras_plot::Rgb(0, 0, 0), walras_plot::Rgb(255, 0, 0)],
            supersample: 1,
            line_width: 0,
            marker_size: 0,
            tick_length: 0,
            ..Theme::paper()
        },
    ];
    for theme in themes {
        for ext in ["png", "svg"] {
            // Either outcome is acceptable; panicking is not.
            let _ = line_chart(&dir.path().join(format!("x.{ext}")), &line(), &theme);
            let _ = scatter_chart(&dir.path().join(format!("x.{ext}")), &scatter(), &theme);
            let _ = bar_chart(&dir.path().join(format!("x.{ext}")), &bars(), &theme);
            let _ = heatmap(&dir.path().join(format!("x.{ext}")), &heat(), &theme);
        }
    }
}

#[test]
fn concurrent_renders() {
    let dir = tmp();
    std::thread::scope(|s| {
        for i in 0..4 {
            let dir = dir.path();
            s.spawn(move || {
                let path = dir.join(format!("t{i}.png"));
                line_chart(&path, &line(), &Theme::paper()).unwrap();
                assert_eq!(png_size(&path), (1200, 800));
            });
        }
    });
}
