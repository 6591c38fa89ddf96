//! The figures of the trade results: welfare by country, mean instruments by sector against
//! the sector's elasticities (each point named by its sector), and the convergence of the Nash
//! iteration.
//!
//! Units: welfare changes are in percent of baseline real income; tariffs and subsidies are
//! ad valorem rates as fractions (0.1 = 10%), as in every table and file.

use walras_core::RoundRecord;
use walras_plot::{BarChart, LineChart, ScatterChart, Series};
use walras_trade::{Kind, PolicyResult, TradeModel};

use crate::Figure;

/// Axis label of welfare changes.
const WELFARE_AXIS: &str = "welfare change (%)";

/// Welfare change by country, one bar each.
pub(crate) fn welfare_chart(r: &PolicyResult) -> BarChart {
    BarChart {
        title: "Welfare change by country".into(),
        x_label: "country".into(),
        y_label: WELFARE_AXIS.into(),
        categories: r.outcome.countries.clone(),
        groups: vec![(
            "welfare change".into(),
            r.outcome.welfare_change_pct.clone(),
        )],
    }
}

/// Welfare change by country under several scenarios (`(scenario, one value per country)`).
pub(crate) fn scenario_welfare_chart(
    countries: &[String],
    groups: Vec<(String, Vec<f64>)>,
) -> BarChart {
    BarChart {
        title: "Welfare under war, dual competition and cooperation".into(),
        x_label: "country".into(),
        y_label: WELFARE_AXIS.into(),
        categories: countries.to_vec(),
        groups,
    }
}

/// The mean of instrument `kind` by sector (across countries) against the sector's trade
/// elasticity (tariffs) or scale elasticity (subsidies), with the sector names as point
/// labels; `None` with fewer than two sectors.
pub(crate) fn instrument_chart(
    model: &TradeModel,
    r: &PolicyResult,
    kind: Kind,
) -> Option<(ScatterChart, Vec<Vec<String>>)> {
    let points = model.instrument_means_by_sector(&r.policy, kind);
    if points.len() < 2 {
        return None;
    }
    let sectors = &model.baseline().sectors;
    let (x_label, y_label, elasticity): (&str, &str, fn(&walras_trade::Sector) -> f64) = match kind
    {
        Kind::Subsidy => (
            "scale elasticity ψ",
            "mean subsidy (ad valorem, fraction)",
            |s| s.psi,
        ),
        _ => (
            "trade elasticity θ",
            "mean tariff (ad valorem, fraction)",
            |s| s.theta,
        ),
    };
    let chart = ScatterChart {
        title: format!("Mean {} by sector (across countries)", kind.name()),
        x_label: x_label.into(),
        y_label: y_label.into(),
        series: vec![Series::new(
            kind.name(),
            points
                .iter()
                .map(|(j, _)| elasticity(&sectors[*j]))
                .collect(),
            points.iter().map(|p| p.1).collect(),
        )],
        log_x: false,
        log_y: false,
        diagonal: false,
    };
    let labels = points
        .iter()
        .map(|(j, _)| sectors[*j].name.clone())
        .collect();
    Some((chart, vec![labels]))
}

/// The largest first-order-condition residual by round of the Nash iteration; `None` with
/// fewer than two rounds to show.
pub(crate) fn convergence_chart(r: &PolicyResult) -> Option<LineChart> {
    let hist: Vec<&RoundRecord> = r
        .history
        .iter()
        .filter(|h| h.max_projected_gradient() > 0.0)
        .collect();
    (hist.len() >= 2).then(|| LineChart {
        title: "Convergence of the Nash iteration".into(),
        x_label: "round".into(),
        y_label: "largest first-order-condition residual".into(),
        series: vec![Series::new(
            "max |FOC|",
            hist.iter().map(|h| h.round as f64).collect(),
            hist.iter().map(|h| h.max_projected_gradient()).collect(),
        )],
        log_x: false,
        log_y: true,
    })
}

/// The figures of one policy result, by file stem.
pub(crate) fn policy_figures(model: &TradeModel, r: &PolicyResult) -> Vec<(String, Figure)> {
    let mut figures = vec![("welfare".to_string(), Figure::Bar(welfare_chart(r)))];
    for (kind, stem) in [
        (Kind::Tariff, "tariffs_vs_theta"),
        (Kind::Subsidy, "subsidies_vs_psi"),
    ] {
        if let Some((chart, labels)) = instrument_chart(model, r, kind) {
            figures.push((stem.into(), Figure::LabelledScatter { chart, labels }));
        }
    }
    if let Some(chart) = convergence_chart(r) {
        figures.push(("convergence".into(), Figure::Line(chart)));
    }
    figures
}
