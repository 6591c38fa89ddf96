//! The figures of the tax commands: marginal-rate step functions, and `tax compare`'s rates,
//! equality-productivity trade-off, equality x productivity and welfare by schedule.

use walras_plot::{BarChart, LineChart, ScatterChart, Series};
use walras_tax::Evaluation;

use crate::Figure;

/// A marginal-rate step function over [0, top] for plots.
pub fn rate_steps(label: &str, cutoffs: &[f64], rates: &[f64], top: f64) -> Series {
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
pub fn rate_steps_checked(label: &str, cutoffs: &[f64], rates: &[Option<f64>], top: f64) -> Series {
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

/// `tax compare`'s figures by file stem: marginal rates by schedule, the equality-productivity
/// trade-off, equality x productivity and welfare by schedule. `improvements` are the
/// optimum's SWF and equality x productivity gains over Saez, in percent (None: undefined);
/// `unit` is the incomes' unit (`usd`).
pub(crate) fn compare_figures(
    schedules: &[&Evaluation],
    cutoffs: &[f64],
    swf: &str,
    (improvement_swf, improvement_eqp): (Option<f64>, Option<f64>),
    unit: &str,
) -> Vec<(String, Figure)> {
    let top = 1.5 * cutoffs.last().copied().unwrap_or(1.0).max(1e-9);
    let rates = LineChart {
        title: "Marginal tax rates by schedule".into(),
        x_label: format!("income ({})", unit_words(unit)),
        y_label: "marginal tax rate".into(),
        series: schedules
            .iter()
            .map(|e| rate_steps(&e.label, &e.cutoffs, &e.rates, top))
            .collect(),
        log_x: false,
        log_y: false,
    };
    // Each point named by its schedule: close schedules (Saez and the optimum) stay legible.
    let tradeoff = ScatterChart {
        title: "Equality vs productivity".into(),
        x_label: format!("productivity (mean pre-tax income, {})", unit_words(unit)),
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
            percent(improvement_eqp)
        ),
        x_label: "schedule".into(),
        y_label: format!("equality x productivity ({})", unit_words(unit)),
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
            percent(improvement_swf)
        ),
        x_label: "schedule".into(),
        y_label: "social welfare".into(),
        categories: labels,
        groups: vec![("SWF".into(), schedules.iter().map(|e| e.swf).collect())],
    };
    vec![
        ("compare_rates".into(), Figure::Line(rates)),
        (
            "compare_tradeoff".into(),
            Figure::LabelledScatter {
                labels: schedules.iter().map(|e| vec![e.label.clone()]).collect(),
                chart: tradeoff,
            },
        ),
        ("compare_eq_x_prod".into(), Figure::Bar(eqp)),
        ("compare_swf".into(), Figure::Bar(welfare)),
    ]
}

/// A percent change as the tables print it (`+0.28%`), or `undefined`.
pub(crate) fn percent(v: Option<f64>) -> String {
    v.map_or("undefined".into(), |v| format!("{v:+.2}%"))
}

/// An income unit's name for axis labels: `usd` -> `USD per year`.
pub(crate) fn unit_words(unit: &str) -> &'static str {
    match unit {
        "thousand-usd" => "thousands of USD per year",
        "usd" => "USD per year",
        _ => "model units",
    }
}
