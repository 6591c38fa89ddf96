//! What the figures say, read back from their SVG text: titles, axis labels, legend
//! entries, tick labels (thousands separators), category labels and point labels.

use std::fs;
use std::path::Path;

use walras_plot::{
    bar_chart, labelled_scatter_chart, line_chart, BarChart, LineChart, PlotError, ScatterChart,
    Series, Theme,
};

/// One `<text>` element of an SVG figure.
#[derive(Debug, Clone)]
struct Text {
    content: String,
    font_size: f64,
    rotated: bool,
    x: f64,
    y: f64,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Every text element of the SVG file at `path`, in document order.
fn texts(path: &Path) -> Vec<Text> {
    let svg = fs::read_to_string(path).expect("read svg");
    let mut out = Vec::new();
    let mut rest = svg.as_str();
    while let Some(i) = rest.find("<text") {
        rest = &rest[i..];
        let tag_end = rest.find('>').expect("text tag closed");
        let tag = &rest[..tag_end];
        let close = rest.find("</text>").expect("text element closed");
        let num = |name| {
            attr(tag, name)
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN)
        };
        out.push(Text {
            content: unescape(rest[tag_end + 1..close].trim()),
            font_size: num("font-size"),
            rotated: attr(tag, "transform").is_some_and(|t| t.starts_with("rotate")),
            x: num("x"),
            y: num("y"),
        });
        rest = &rest[close..];
    }
    out
}

fn contents(path: &Path) -> Vec<String> {
    texts(path).into_iter().map(|t| t.content).collect()
}

fn has(path: &Path, s: &str) -> bool {
    contents(path).iter().any(|c| c == s)
}

#[test]
fn titles_axis_labels_and_legend_entries_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("line.svg");
    let chart = LineChart {
        title: "Welfare along the path".into(),
        x_label: "time (years)".into(),
        y_label: "welfare change (%)".into(),
        series: vec![
            Series::new("baseline", vec![0.0, 1.0, 2.0], vec![0.0, 1.0, 0.5]),
            Series::new("reform", vec![0.0, 1.0, 2.0], vec![0.0, 1.5, 1.0]),
        ],
        ..Default::default()
    };
    line_chart(&path, &chart, &Theme::paper()).unwrap();
    for s in [
        "Welfare along the path",
        "time (years)",
        "welfare change (%)",
        "baseline",
        "reform",
    ] {
        assert!(has(&path, s), "no {s:?} in {:?}", contents(&path));
    }
}

#[test]
fn large_tick_values_get_thousands_separators() {
    let dir = tempfile::tempdir().unwrap();
    let theme = Theme::paper();
    let path = dir.path().join("income.svg");
    let chart = LineChart {
        x_label: "income".into(),
        y_label: "tax".into(),
        series: vec![Series::new(
            "tax",
            vec![0.0, 50_000.0, 100_000.0, 200_000.0],
            vec![0.0, 8_000.0, 25_000.0, 70_000.0],
        )],
        ..Default::default()
    };
    line_chart(&path, &chart, &theme).unwrap();
    let all = contents(&path);
    let numeric: Vec<&String> = all
        .iter()
        .filter(|c| c.chars().next().is_some_and(|ch| ch.is_ascii_digit()))
        .collect();
    assert!(
        all.iter().any(|c| c == "100,000"),
        "no 100,000 tick: {all:?}"
    );
    assert!(
        numeric
            .iter()
            .all(|c| c.replace(',', "").len() < 5 || c.contains(',')),
        "a five-digit tick without separators: {numeric:?}"
    );
    // Log axes too.
    let path = dir.path().join("log.svg");
    let chart = LineChart {
        series: vec![Series::new(
            "m",
            vec![1.0, 10.0, 100.0, 1e3, 1e4],
            vec![1.0, 0.5, 0.2, 0.1, 0.05],
        )],
        log_x: true,
        ..Default::default()
    };
    line_chart(&path, &chart, &theme).unwrap();
    assert!(has(&path, "10,000"), "{:?}", contents(&path));
    assert!(has(&path, "1,000"), "{:?}", contents(&path));
}

fn codes(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let a = (b'A' + (i % 26) as u8) as char;
            let b = (b'A' + ((i / 26) % 26) as u8) as char;
            format!("{a}{b}X")
        })
        .collect()
}

#[test]
fn every_bar_keeps_its_label_when_crowded() {
    let dir = tempfile::tempdir().unwrap();
    let theme = Theme::paper();
    for n in [5, 20, 44, 60] {
        let categories = codes(n);
        let path = dir.path().join(format!("bars_{n}.svg"));
        let chart = BarChart {
            title: "Welfare change by country".into(),
            x_label: "country".into(),
            y_label: "welfare change (%)".into(),
            categories: categories.clone(),
            groups: vec![(
                "welfare".into(),
                (0..n).map(|i| -(i as f64 % 7.0) - 0.5).collect(),
            )],
        };
        bar_chart(&path, &chart, &theme).unwrap();
        let t = texts(&path);
        for c in &categories {
            assert!(t.iter().any(|x| &x.content == c), "{n} bars: no label {c}");
        }
        // Labels that had to shrink are still distinct, left to right, and not overlapping.
        let labels: Vec<&Text> = t
            .iter()
            .filter(|x| categories.contains(&x.content))
            .collect();
        assert_eq!(labels.len(), n);
        for w in labels.windows(2) {
            if w[0].rotated && w[1].rotated {
                assert!(
                    w[1].x - w[0].x >= 0.9 * w[0].font_size,
                    "{n} bars: labels {} and {} overlap",
                    w[0].content,
                    w[1].content
                );
            }
        }
    }
    // Several groups: every category still labelled, every group in the legend.
    let categories = codes(44);
    let path = dir.path().join("groups.svg");
    let chart = BarChart {
        categories: categories.clone(),
        groups: ["war", "dual", "cooperation"]
            .iter()
            .map(|g| {
                (
                    g.to_string(),
                    (0..44).map(|i| f64::from(i) - 20.0).collect(),
                )
            })
            .collect(),
        ..Default::default()
    };
    bar_chart(&path, &chart, &theme).unwrap();
    for c in categories
        .iter()
        .map(String::as_str)
        .chain(["war", "dual", "cooperation"])
    {
        assert!(has(&path, c), "no {c}");
    }
}

#[test]
fn scatter_points_carry_their_labels() {
    let dir = tempfile::tempdir().unwrap();
    let theme = Theme::paper();
    let n = 16;
    let x: Vec<f64> = (0..n)
        .map(|i| 0.5 + f64::from(i % 5) * 0.3 + f64::from(i))
        .collect();
    let y: Vec<f64> = (0..n)
        .map(|i| 0.39 + 0.001 * f64::from((i * 7) % 5))
        .collect();
    let labels: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
    let chart = ScatterChart {
        title: "Mean tariff by sector (across countries)".into(),
        x_label: "trade elasticity θ".into(),
        y_label: "mean tariff (ad valorem, fraction)".into(),
        series: vec![Series::new("tariff", x.clone(), y.clone())],
        ..Default::default()
    };
    let path = dir.path().join("scatter.svg");
    labelled_scatter_chart(&path, &chart, std::slice::from_ref(&labels), &theme).unwrap();
    let t = texts(&path);
    for l in &labels {
        assert!(t.iter().any(|x| &x.content == l), "no point label {l}");
    }
    for s in ["trade elasticity θ", "mean tariff (ad valorem, fraction)"] {
        assert!(has(&path, s), "no {s:?}");
    }
    // Labels stay inside the figure.
    for p in t.iter().filter(|x| labels.contains(&x.content)) {
        assert!(
            (0.0..=f64::from(theme.width)).contains(&p.x)
                && (0.0..=f64::from(theme.height)).contains(&p.y),
            "{p:?}"
        );
    }
    // PNG too, and a series without labels next to a labelled one.
    let two = ScatterChart {
        series: vec![
            Series::new("a", x.clone(), y.clone()),
            Series::new("b", vec![1.0, 2.0], vec![0.38, 0.385]),
        ],
        ..chart.clone()
    };
    labelled_scatter_chart(
        &dir.path().join("two.png"),
        &two,
        &[labels.clone(), Vec::new()],
        &theme,
    )
    .unwrap();
    // A label list that does not match its series is an error naming the series.
    let err = labelled_scatter_chart(
        &dir.path().join("bad.svg"),
        &chart,
        &[labels[..3].to_vec()],
        &theme,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            PlotError::PointLabelCount {
                len: 3,
                expected: 16,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("tariff"), "{err}");
    assert!(!dir.path().join("bad.svg").exists());
}
