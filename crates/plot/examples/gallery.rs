//! Renders one example of every chart kind, as PNG and SVG, into a directory.
//!
//! `cargo run --release -p walras-plot --example gallery -- /tmp/plot-samples`

use std::path::PathBuf;

use walras_plot::{
    bar_chart, heatmap, line_chart, scatter_chart, BarChart, Heatmap, LineChart, PlotError,
    ScatterChart, Series, Theme,
};

fn main() -> Result<(), PlotError> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "/tmp/plot-samples".into()),
    );
    std::fs::create_dir_all(&dir).map_err(|source| PlotError::Io {
        path: dir.clone(),
        source,
    })?;
    let theme = Theme::paper();

    let taus: Vec<f64> = (0..=40).map(|i| f64::from(i) * 0.0125).collect();
    let welfare = |a: f64, b: f64| -> Vec<f64> {
        taus.iter()
            .map(|t| a * t - b * t * t + 0.02 * (8.0 * t).sin())
            .collect()
    };
    let line = LineChart {
        title: "Welfare gain by labour-income tax rate".into(),
        x_label: "Tax rate τ".into(),
        y_label: "Welfare gain (% of consumption)".into(),
        series: vec![
            Series::new("Baseline", taus.clone(), welfare(1.2, 2.0)),
            Series::new("Elastic labour supply", taus.clone(), welfare(0.9, 2.4)),
            Series::new("With transfers", taus.clone(), welfare(1.5, 2.2)),
        ],
        ..Default::default()
    };

    let mut state = 12345u64;
    let mut rnd = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    let mut moments = |n: usize, noise: f64| {
        let x: Vec<f64> = (0..n).map(|i| 0.05 + 0.9 * i as f64 / n as f64).collect();
        let y = x.iter().map(|v| v + noise * rnd()).collect();
        (x, y)
    };
    let (x1, y1) = moments(25, 0.12);
    let (x2, y2) = moments(18, 0.25);
    let scatter = ScatterChart {
        title: "Targeted vs. model moments".into(),
        x_label: "Data moment".into(),
        y_label: "Model moment".into(),
        series: vec![
            Series::new("Targeted", x1, y1),
            Series::new("Untargeted", x2, y2),
        ],
        diagonal: true,
        ..Default::default()
    };

    let log = LineChart {
        title: "Solver convergence".into(),
        x_label: "Iteration".into(),
        y_label: "Residual norm".into(),
        series: vec![
            Series::new(
                "Newton",
                (1..=8).map(f64::from).collect(),
                (1..=8).map(|k| 10f64.powf(-(1.6f64.powi(k)))).collect(),
            ),
            Series::new(
                "Fixed point",
                (1..=60).map(f64::from).collect(),
                (1..=60).map(|k| 0.8f64.powi(k)).collect(),
            ),
        ],
        log_y: true,
        ..Default::default()
    };

    let bars = BarChart {
        title: "Welfare change by household type".into(),
        x_label: "Household type".into(),
        y_label: "Equivalent variation (%)".into(),
        categories: [
            "Single",
            "Couple",
            "Couple with children",
            "Single parent",
            "Retired",
        ]
        .map(String::from)
        .to_vec(),
        groups: vec![
            ("Flat tax".into(), vec![1.2, 0.8, -0.4, -1.1, 0.3]),
            ("Progressive".into(), vec![-0.3, 0.2, 0.9, 1.6, 0.5]),
            ("UBI".into(), vec![0.4, -0.2, 0.3, 2.1, -0.6]),
        ],
    };

    let rates: Vec<f64> = (0..=12).map(|i| f64::from(i) * 0.05).collect();
    let transfers: Vec<f64> = (0..=8).map(|i| f64::from(i) * 0.025).collect();
    let values: Vec<Vec<f64>> = transfers
        .iter()
        .map(|b| {
            rates
                .iter()
                .map(|t| {
                    if *t > 0.5 && *b < 0.03 {
                        f64::NAN // infeasible: the solver did not converge
                    } else {
                        1.0 + 2.0 * t - 3.5 * (t - 0.3) * (t - 0.3) * 4.0 + 3.0 * b - 8.0 * b * b
                    }
                })
                .collect()
        })
        .collect();
    let heat = Heatmap {
        title: "Welfare over the policy grid".into(),
        x_label: "Tax rate".into(),
        y_label: "Transfer (share of GDP)".into(),
        x_labels: rates.iter().map(|t| format!("{t:.2}")).collect(),
        y_labels: transfers.iter().map(|b| format!("{b:.3}")).collect(),
        values,
        value_label: "Welfare index".into(),
    };

    for ext in ["png", "svg"] {
        line_chart(&dir.join(format!("line.{ext}")), &line, &theme)?;
        line_chart(&dir.join(format!("line_log.{ext}")), &log, &theme)?;
        scatter_chart(&dir.join(format!("scatter.{ext}")), &scatter, &theme)?;
        bar_chart(&dir.join(format!("bar.{ext}")), &bars, &theme)?;
        heatmap(&dir.join(format!("heatmap.{ext}")), &heat, &theme)?;
    }
    println!("wrote figures to {}", dir.display());
    Ok(())
}
