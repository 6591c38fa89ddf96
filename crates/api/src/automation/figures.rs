//! The figures of `walras automation`: for `simulate`, time paths, shares, growth, the
//! blow-up diagnostic (when the path blows up), the log-log labour task share with its fit
//! and the P4 oracle, and automation against centrality; for `planner`, planner against
//! market; for `sweep`, the Monte Carlo fans and the phase diagram.
//!
//! Time is in model units; output, wage and capital in units of the final good.

use walras_automation::monte_carlo::PhaseDiagram;
use walras_automation::power_law::{power_law_setting, LogLogFit};
use walras_automation::scenario::Model;
use walras_automation::{PlannerResult, SimulationResult};
use walras_plot::{Heatmap, LineChart, ScatterChart, Series};

use crate::Figure;

/// A number with 6 significant digits, or blank (the command line's table format).
pub fn num(v: Option<f64>) -> String {
    match v {
        None => String::new(),
        Some(0.0) => "0".into(),
        Some(v) if v.abs() >= 1e-3 && v.abs() < 1e6 => format!("{v:.6}"),
        Some(v) => format!("{v:.3e}"),
    }
}

/// A percentage with two decimals and its sign (`+0.28`), as in the terminal tables.
pub fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{v:+.2}")
    } else {
        v.to_string()
    }
}

/// Axis label of model time.
const TIME_AXIS: &str = "time (model units)";

/// A time on a categorical axis: three significant digits, thousands separated.
fn time_label(v: f64) -> String {
    if !(v.is_finite() && v != 0.0) {
        return format!("{v}");
    }
    if v.abs() >= 1000.0 {
        let digits = format!("{:.0}", v.abs());
        let mut out = String::new();
        for (k, c) in digits.chars().enumerate() {
            if k > 0 && (digits.len() - k) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        return if v < 0.0 { format!("-{out}") } else { out };
    }
    let decimals = (2 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    format!("{v:.decimals$}")
}

/// Output, wage and (when the model accumulates it) capital over time on log axes, with
/// vertical lines where 20%, 50% and all of the task mass uses AI.
pub fn time_paths_chart(model: &Model, path: &SimulationResult) -> Option<LineChart> {
    let pts: Vec<_> = path.points.iter().filter(|p| p.t > 0.0).collect();
    if pts.len() < 2 {
        return None;
    }
    let t: Vec<f64> = pts.iter().map(|p| p.t).collect();
    let series = |label: &str, f: &dyn Fn(&walras_automation::PathPoint) -> f64| {
        Series::new(label, t.clone(), pts.iter().map(|p| f(p)).collect())
    };
    let mut levels = vec![
        series("output Y", &|p| p.output),
        series("wage w", &|p| p.wage),
    ];
    let accumulates = model.path.accumulation.is_some();
    if accumulates {
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
    Some(LineChart {
        title: if accumulates {
            "Output, wage and capital".into()
        } else {
            "Output and wage".into()
        },
        x_label: TIME_AXIS.into(),
        y_label: "level (final good, log scale)".into(),
        series: levels,
        log_x: true,
        log_y: true,
    })
}

/// The blow-up diagnostic: 1/g of the fastest-growing state, which falls linearly to zero at
/// the blow-up time T*, and its extrapolation to T*; `None` unless the path blows up.
pub fn blowup_chart(path: &SimulationResult) -> Option<LineChart> {
    let t_star = path.blowup_time?;
    let inv: Vec<(f64, f64)> = path
        .points
        .iter()
        .filter(|p| p.t > 0.0 && p.max_state_growth > 0.0)
        .map(|p| (p.t, 1.0 / p.max_state_growth))
        .collect();
    if inv.len() < 2 {
        return None;
    }
    let last = *inv.last()?;
    Some(LineChart {
        title: format!("Blow-up diagnostic (T* = {})", num(Some(t_star))),
        x_label: TIME_AXIS.into(),
        y_label: "1 / g (model time units)".into(),
        series: vec![
            Series::new(
                "1 / growth rate of the fastest state",
                inv.iter().map(|v| v.0).collect(),
                inv.iter().map(|v| v.1).collect(),
            ),
            Series::new(
                format!("extrapolation to T* = {}", num(Some(t_star))),
                vec![last.0, t_star],
                vec![last.1, 0.0],
            ),
        ],
        log_x: false,
        log_y: false,
    })
}

/// A Monte Carlo fan (5%, median, 95% of draws) on a log time axis: the grid's first point
/// (t = 0) and points where no draw is still running are left out. `None` with fewer than
/// two points to show.
pub fn fan_chart(title: &str, y_label: &str, times: &[f64], fan: &[[f64; 3]]) -> Option<LineChart> {
    let keep: Vec<usize> = (0..times.len().min(fan.len()))
        .filter(|&i| times[i] > 0.0 && times[i].is_finite() && fan[i].iter().all(|v| v.is_finite()))
        .collect();
    if keep.len() < 2 {
        return None;
    }
    let series = ["5%", "median", "95%"]
        .iter()
        .enumerate()
        .map(|(k, l)| {
            Series::new(
                *l,
                keep.iter().map(|&i| times[i]).collect(),
                keep.iter().map(|&i| fan[i][k]).collect(),
            )
        })
        .collect();
    Some(LineChart {
        title: title.into(),
        x_label: format!("{TIME_AXIS}, log scale"),
        y_label: y_label.into(),
        series,
        log_x: true,
        log_y: false,
    })
}

/// Every figure of a simulated path, by file stem.
pub fn simulation_figures(
    model: &Model,
    path: &SimulationResult,
    stats: &walras_automation::NetworkStats,
) -> Vec<(String, Figure)> {
    let mut figures = Vec::new();
    let pts: Vec<_> = path.points.iter().filter(|p| p.t > 0.0).collect();
    let t: Vec<f64> = pts.iter().map(|p| p.t).collect();
    if t.len() < 2 {
        return figures;
    }
    let series = |label: &str, f: &dyn Fn(&walras_automation::PathPoint) -> f64| {
        Series::new(label, t.clone(), pts.iter().map(|p| f(p)).collect())
    };
    if let Some(chart) = time_paths_chart(model, path) {
        figures.push(("time_paths".into(), Figure::Line(chart)));
    }
    let chart = LineChart {
        title: "Automation and the labour share".into(),
        x_label: TIME_AXIS.into(),
        y_label: "share (fraction)".into(),
        series: vec![
            series("task mass using AI", &|p| p.automated_share),
            series("labour task share m", &|p| p.labor_task_share),
            series("labour income share", &|p| p.labor_income_share),
        ],
        log_x: true,
        log_y: false,
    };
    figures.push(("shares".into(), Figure::Line(chart)));
    let chart = LineChart {
        title: "Growth rate of output".into(),
        x_label: TIME_AXIS.into(),
        y_label: "d ln Y / dt (per unit of time)".into(),
        series: vec![series("output growth", &|p| p.output_growth)],
        log_x: true,
        log_y: false,
    };
    figures.push(("growth".into(), Figure::Line(chart)));
    if let Some(chart) = blowup_chart(path) {
        figures.push(("blowup_diagnostic".into(), Figure::Line(chart)));
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
            x_label: TIME_AXIS.into(),
            y_label: "labour task share m".into(),
            series: s,
            log_x: true,
            log_y: true,
        };
        figures.push(("labor_share_loglog".into(), Figure::Line(chart)));
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
        x_label: "time (model units, log-spaced)".into(),
        y_label: "task, by centrality (most central at the bottom)".into(),
        x_labels: times.iter().map(|&v| time_label(v)).collect(),
        y_labels: rows_shown.iter().map(|i| i.to_string()).collect(),
        values,
        value_label: "automation".into(),
    };
    figures.push(("automation_raster".into(), Figure::Heatmap(chart)));
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
        figures.push(("omega_heatmap".into(), Figure::Heatmap(chart)));
    }
    let (x, y): (Vec<f64>, Vec<f64>) = (0..n)
        .filter_map(|i| path.automation_time[i].map(|a| (stats.katz_centrality[i], a)))
        .unzip();
    if !x.is_empty() {
        let chart = ScatterChart {
            title: "Automation time vs centrality".into(),
            x_label: "Katz centrality (receiving)".into(),
            y_label: "automation time (model units)".into(),
            series: vec![Series::new("tasks", x, y)],
            log_x: false,
            log_y: false,
            diagonal: false,
        };
        figures.push(("automation_vs_centrality".into(), Figure::Scatter(chart)));
    }
    figures
}

/// Planner against market output over time, and the allocation tilt at t = 0.
pub fn planner_figures(r: &PlannerResult) -> Vec<(String, Figure)> {
    let chart = LineChart {
        title: format!(
            "Planner vs market (welfare gap {}%)",
            pct(r.welfare_gap_pct)
        ),
        x_label: "time (model units)".into(),
        y_label: "output Y (final good, log scale)".into(),
        series: vec![
            Series::new("planner", r.times.clone(), r.planner_output.clone()),
            Series::new("market", r.times.clone(), r.market_output.clone()),
        ],
        log_x: false,
        log_y: true,
    };
    let mut figures = vec![("planner_vs_market".to_string(), Figure::Line(chart))];
    if let (Some(k0p), Some(k0m)) = (r.planner_capital.first(), r.market_capital.first()) {
        let chart = ScatterChart {
            title: "Allocation tilt at t = 0: AI capital per task".into(),
            x_label: "market AI capital k_i (final good)".into(),
            y_label: "planner AI capital k_i (final good)".into(),
            series: vec![Series::new("tasks", k0m.clone(), k0p.clone())],
            log_x: false,
            log_y: false,
            diagonal: true,
        };
        figures.push(("allocation_tilt".into(), Figure::Scatter(chart)));
    }
    figures
}

/// The Monte Carlo fans of the labour task share and of log output (where they have points
/// to show).
pub fn monte_carlo_figures(
    times: &[f64],
    labor_task_share: &[[f64; 3]],
    ln_output: &[[f64; 3]],
) -> Vec<(String, Figure)> {
    [
        (
            "fan_labor_share",
            "Labour task share: 5/50/95% of draws",
            "labour task share m",
            labor_task_share,
        ),
        (
            "fan_output",
            "Log output: 5/50/95% of draws",
            "ln Y (final good)",
            ln_output,
        ),
    ]
    .into_iter()
    .filter_map(|(stem, title, y_label, fan)| {
        fan_chart(title, y_label, times, fan).map(|c| (stem.to_string(), Figure::Line(c)))
    })
    .collect()
}

/// The regime at every grid point of a phase diagram.
pub fn phase_diagram_figures(d: &PhaseDiagram) -> Vec<(String, Figure)> {
    let chart = Heatmap {
        title: "Regime: 0 partial, 1 full automation, 2 explosive".into(),
        x_label: d.x_key.clone(),
        y_label: d.y_key.clone(),
        x_labels: d.x.iter().map(|v| format!("{v:.3}")).collect(),
        y_labels: d.y.iter().map(|v| format!("{v:.3}")).collect(),
        values: d
            .regime
            .iter()
            .map(|row| row.iter().map(|r| r.code()).collect())
            .collect(),
        value_label: "regime".into(),
    };
    vec![("phase_diagram".into(), Figure::Heatmap(chart))]
}
