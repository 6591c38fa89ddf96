//! The figures of `walras automation simulate`: time paths, shares, growth, the blow-up
//! diagnostic, the log-log labour task share with its fit and the P4 oracle, and automation
//! against centrality.

use std::path::Path;

use anyhow::Result;
use walras_automation::power_law::{power_law_setting, LogLogFit};
use walras_automation::scenario::Model;
use walras_automation::SimulationResult;
use walras_data::RunManifest;
use walras_plot::{
    heatmap, line_chart, scatter_chart, Heatmap, LineChart, ScatterChart, Series, Theme,
};

use crate::output::draw_figure;

/// Draws every figure of a simulated path into `dir`, recording them in `manifest`.
pub(crate) fn simulation_figures(
    dir: &Path,
    model: &Model,
    path: &SimulationResult,
    stats: &walras_automation::NetworkStats,
    manifest: &mut RunManifest,
) -> Result<()> {
    let theme = Theme::paper();
    let pts: Vec<_> = path.points.iter().filter(|p| p.t > 0.0).collect();
    let t: Vec<f64> = pts.iter().map(|p| p.t).collect();
    if t.len() < 2 {
        return Ok(());
    }
    let series = |label: &str, f: &dyn Fn(&walras_automation::PathPoint) -> f64| {
        Series::new(label, t.clone(), pts.iter().map(|p| f(p)).collect())
    };
    // Time paths on log axes, with milestones (20% / 50% / 100% of task mass using AI).
    let mut levels = vec![
        series("output Y", &|p| p.output),
        series("wage w", &|p| p.wage),
    ];
    if model.path.accumulation.is_some() {
        levels.push(series("capital K", &|p| p.capital));
    }
    let (lo, hi) = levels
        .iter()
        .flat_map(|s| s.y.iter())
        .fold((f64::INFINITY, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
    for (m, label) in [
        (0.2, "20% of tasks use AI"),
        (0.5, "50% of tasks use AI"),
        (0.999, "all tasks use AI"),
    ] {
        if let Some(p) = pts.iter().find(|p| p.automated_share >= m) {
            levels.push(Series::new(label, vec![p.t, p.t], vec![lo, hi]));
        }
    }
    let chart = LineChart {
        title: "Output, wage and capital".into(),
        x_label: "time".into(),
        y_label: "level (log scale)".into(),
        series: levels,
        log_x: true,
        log_y: true,
    };
    draw_figure(
        dir,
        "time_paths",
        &|p| line_chart(p, &chart, &theme),
        manifest,
    )?;
    let chart = LineChart {
        title: "Automation and the labour share".into(),
        x_label: "time".into(),
        y_label: "share".into(),
        series: vec![
            series("task mass using AI", &|p| p.automated_share),
            series("labour task share m", &|p| p.labor_task_share),
            series("labour income share", &|p| p.labor_income_share),
        ],
        log_x: true,
        log_y: false,
    };
    draw_figure(dir, "shares", &|p| line_chart(p, &chart, &theme), manifest)?;
    let chart = LineChart {
        title: "Growth rate of output".into(),
        x_label: "time".into(),
        y_label: "d ln Y / dt".into(),
        series: vec![series("output growth", &|p| p.output_growth)],
        log_x: true,
        log_y: false,
    };
    draw_figure(dir, "growth", &|p| line_chart(p, &chart, &theme), manifest)?;
    // Blow-up diagnostic: 1/g of the fastest-growing state falls linearly to zero at T*.
    let inv: Vec<(f64, f64)> = pts
        .iter()
        .filter(|p| p.max_state_growth > 0.0)
        .map(|p| (p.t, 1.0 / p.max_state_growth))
        .collect();
    if inv.len() >= 2 {
        let mut s = vec![Series::new(
            "1 / growth rate of the fastest state",
            inv.iter().map(|v| v.0).collect(),
            inv.iter().map(|v| v.1).collect(),
        )];
        if let (Some(t_star), Some(last)) = (path.blowup_time, inv.last()) {
            s.push(Series::new(
                format!("extrapolation to T* = {t_star:.4}"),
                vec![last.0, t_star],
                vec![last.1, 0.0],
            ));
        }
        let chart = LineChart {
            title: "Blow-up diagnostic".into(),
            x_label: "time".into(),
            y_label: "1 / g (time units)".into(),
            series: s,
            log_x: false,
            log_y: false,
        };
        draw_figure(
            dir,
            "blowup_diagnostic",
            &|p| line_chart(p, &chart, &theme),
            manifest,
        )?;
    }
    // log-log labour task share with its fitted slope over the last decades.
    let tail: Vec<&&walras_automation::PathPoint> = pts
        .iter()
        .filter(|p| p.labor_task_share > 0.0 && p.labor_task_share < 0.5)
        .collect();
    let fitted = LogLogFit::fit(
        &tail.iter().map(|p| p.t).collect::<Vec<_>>(),
        &tail.iter().map(|p| p.labor_task_share).collect::<Vec<_>>(),
    );
    if let (true, Some(line)) = (tail.len() >= 4, fitted) {
        let b = line.slope;
        let fit: Vec<f64> = tail.iter().map(|p| line.predict(p.t)).collect();
        let mut s = vec![
            Series::new(
                "labour task share m",
                t.clone(),
                pts.iter().map(|p| p.labor_task_share.max(1e-300)).collect(),
            ),
            Series::new(
                format!("fitted slope {b:.3}"),
                tail.iter().map(|p| p.t).collect(),
                fit,
            ),
        ];
        if let Some((theta, kappa)) = power_law_setting(&model.economy) {
            let q = 1.0 / theta + 1.0 / kappa;
            let ms: Vec<f64> = (0..40)
                .map(|k| 0.9 * (0.01f64 / 0.9).powf(k as f64 / 39.0))
                .collect();
            s.push(Series::new(
                format!("P4 oracle (slope -> {:.2})", -1.0 / (q - 1.0)),
                ms.iter()
                    .map(|&m| walras_automation::dynamics::power_law_oracle_time(m, theta, kappa))
                    .collect(),
                ms,
            ));
        }
        let chart = LineChart {
            title: "Labour task share (log-log)".into(),
            x_label: "time".into(),
            y_label: "m".into(),
            series: s,
            log_x: true,
            log_y: true,
        };
        draw_figure(
            dir,
            "labor_share_loglog",
            &|p| line_chart(p, &chart, &theme),
            manifest,
        )?;
    }
    // Automation raster: tasks ordered by centrality, status over log-spaced time.
    let n = model.economy.tasks();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        stats.katz_centrality[b]
            .total_cmp(&stats.katz_centrality[a])
            .then(a.cmp(&b))
    });
    let rows_shown: Vec<usize> = if n > 200 {
        (0..200).map(|k| order[k * n / 200]).collect()
    } else {
        order.clone()
    };
    let (t_first, t_last) = (t[0], *t.last().unwrap());
    let cols = 60;
    let times: Vec<f64> = (0..cols)
        .map(|k| t_first * (t_last / t_first).powf(k as f64 / (cols - 1) as f64))
        .collect();
    let values: Vec<Vec<f64>> = rows_shown
        .iter()
        .map(|&i| {
            times
                .iter()
                .map(
                    |&tt| match (path.automation_time[i], path.full_automation_time[i]) {
                        (_, Some(f)) if tt >= f => 1.0,
                        (Some(a), _) if tt >= a => 0.5,
                        _ => 0.0,
                    },
                )
                .collect()
        })
        .collect();
    let chart = Heatmap {
        title: "Automation by task (0 labour, 0.5 split, 1 automated)".into(),
        x_label: "time (log-spaced)".into(),
        y_label: "task, by centrality (most central at the bottom)".into(),
        x_labels: times.iter().map(|v| format!("{v:.3}")).collect(),
        y_labels: rows_shown.iter().map(|i| i.to_string()).collect(),
        values,
        value_label: "automation".into(),
    };
    draw_figure(
        dir,
        "automation_raster",
        &|p| heatmap(p, &chart, &theme),
        manifest,
    )?;
    if n <= 200 {
        let om = model.network.omega();
        let chart = Heatmap {
            title: "Spillover matrix Omega (row = receiver)".into(),
            x_label: "sender task".into(),
            y_label: "receiver task".into(),
            x_labels: (0..n).map(|i| i.to_string()).collect(),
            y_labels: (0..n).map(|i| i.to_string()).collect(),
            values: (0..n)
                .map(|i| (0..n).map(|j| om[(i, j)]).collect())
                .collect(),
            value_label: "Omega_ij".into(),
        };
        draw_figure(
            dir,
            "omega_heatmap",
            &|p| heatmap(p, &chart, &theme),
            manifest,
        )?;
    }
    let (x, y): (Vec<f64>, Vec<f64>) = (0..n)
        .filter_map(|i| path.automation_time[i].map(|a| (stats.katz_centrality[i], a)))
        .unzip();
    if !x.is_empty() {
        let chart = ScatterChart {
            title: "Automation time vs centrality".into(),
            x_label: "Katz centrality (receiving)".into(),
            y_label: "automation time".into(),
            series: vec![Series::new("tasks", x, y)],
            log_x: false,
            log_y: false,
            diagonal: false,
        };
        draw_figure(
            dir,
            "automation_vs_centrality",
            &|p| scatter_chart(p, &chart, &theme),
            manifest,
        )?;
    }
    Ok(())
}
