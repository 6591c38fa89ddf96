//! The figures of the tax commands: marginal-rate step functions, and `tax compare`'s rates,
//! equality-productivity trade-off, equality x productivity and welfare by schedule.

use std::path::Path;

use anyhow::Result;
use walras_data::RunManifest;
use walras_plot::{bar_chart, scatter_chart, BarChart, LineChart, ScatterChart, Series, Theme};
use walras_tax::Evaluation;

/// A marginal-rate step function over [0, top] for plots.
pub(crate) fn rate_steps(label: &str, cutoffs: &[f64], rates: &[f64], top: f64) -> Series {
    let mut x = Vec::new();
    let mut y = Vec::new();
    for (b, r) in rates.iter().enumerate() {
        let hi = cutoffs.get(b + 1).copied().unwrap_or(top).min(top);
        if cutoffs[b] >= top {
            break;
        }
        x.extend([cutoffs[b], hi]);
        y.extend([*r, *r]);
    }
    Series {
        label: label.into(),
        x,
        y,
    }
}

/// [`rate_steps`] for rates that may be missing: brackets without a rate are left out.
pub(crate) fn rate_steps_checked(
    label: &str,
    cutoffs: &[f64],
    rates: &[Option<f64>],
    top: f64,
) -> Series {
    let mut x = Vec::new();
    let mut y = Vec::new();
    for (b, r) in rates.iter().enumerate() {
        if cutoffs[b] >= top {
            break;
        }
        if let Some(r) = r {
            let hi = cutoffs.get(b + 1).copied().unwrap_or(top).min(top);
            x.extend([cutoffs[b], hi]);
            y.extend([*r, *r]);
        }
    }
    Series {
        label: label.into(),
        x,
        y,
    }
}

/// Draws `tax compare`'s trade-off and bar charts into `dir` and returns its rates chart (drawn
/// with the run's other line charts). `improvements` are the optimum's SWF and equality x
/// productivity gains over Saez, in percent (None: undefined).
pub(crate) fn compare_figures(
    dir: &Path,
    schedules: &[&Evaluation],
    cutoffs: &[f64],
    swf: &str,
    (improvement_swf, improvement_eqp): (Option<f64>, Option<f64>),
    manifest: &mut RunManifest,
) -> Result<LineChart> {
    let top = 1.5 * cutoffs.last().copied().unwrap_or(1.0).max(1e-9);
    let rates_chart = LineChart {
        title: "Marginal tax rates by schedule".into(),
        x_label: "income".into(),
        y_label: "marginal tax rate".into(),
        series: schedules
            .iter()
            .map(|e| rate_steps(&e.label, &e.cutoffs, &e.rates, top))
            .collect(),
        log_x: false,
        log_y: false,
    };
    let theme = Theme::paper();
    let tradeoff = ScatterChart {
        title: "Equality vs productivity".into(),
        x_label: "productivity (mean pre-tax income)".into(),
        y_label: "equality (1 - Gini of consumption)".into(),
        series: schedules
            .iter()
            .map(|e| Series {
                label: e.label.clone(),
                x: vec![e.productivity],
                y: vec![e.equality],
            })
            .collect(),
        log_x: false,
        log_y: false,
        diagonal: false,
    };
    let labels: Vec<String> = schedules.iter().map(|e| e.label.clone()).collect();
    let eqp = BarChart {
        title: format!(
            "Equality x productivity (optimum vs Saez: {})",
            improvement_eqp.map_or("undefined".into(), |v| format!("{v:+.1}%"))
        ),
        x_label: "schedule".into(),
        y_label: "equality x productivity".into(),
        categories: labels.clone(),
        groups: vec![(
            "equality x productivity".into(),
            schedules
                .iter()
                .map(|e| e.equality_times_productivity)
                .collect(),
        )],
    };
    let welfare = BarChart {
        title: format!(
            "Social welfare, {} (optimum vs Saez: {})",
            swf,
            improvement_swf.map_or("undefined".into(), |v| format!("{v:+.2}%"))
        ),
        x_label: "schedule".into(),
        y_label: "social welfare".into(),
        categories: labels,
        groups: vec![("SWF".into(), schedules.iter().map(|e| e.swf).collect())],
    };
    for ext in ["svg", "png"] {
        let paths = [
            dir.join(format!("compare_tradeoff.{ext}")),
            dir.join(format!("compare_eq_x_prod.{ext}")),
            dir.join(format!("compare_swf.{ext}")),
        ];
        scatter_chart(&paths[0], &tradeoff, &theme)?;
        bar_chart(&paths[1], &eqp, &theme)?;
        bar_chart(&paths[2], &welfare, &theme)?;
        paths.iter().for_each(|p| manifest.add_output(p));
    }
    Ok(rates_chart)
}
