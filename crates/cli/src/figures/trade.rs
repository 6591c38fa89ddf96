//! The figures of the trade policy commands: welfare by country, mean instruments by sector
//! against the sector's elasticities, and the convergence of the Nash iteration.

use std::path::Path;

use anyhow::Result;
use walras_core::RoundRecord;
use walras_data::RunManifest;
use walras_plot::{
    bar_chart, line_chart, scatter_chart, BarChart, LineChart, ScatterChart, Series, Theme,
};
use walras_trade::{Kind, PolicyResult, TradeModel};

use crate::output::draw_figure;

/// Draws the figures of one policy result into `dir`, recording them in `manifest`.
pub(crate) fn policy_figures(
    dir: &Path,
    model: &TradeModel,
    r: &PolicyResult,
    manifest: &mut RunManifest,
) -> Result<()> {
    let theme = Theme::paper();
    let b = model.baseline();
    let welfare_chart = BarChart {
        title: "Welfare change by country".into(),
        x_label: "country".into(),
        y_label: "welfare change (%)".into(),
        categories: r.outcome.countries.clone(),
        groups: vec![(
            "welfare change".into(),
            r.outcome.welfare_change_pct.clone(),
        )],
    };
    draw_figure(
        dir,
        "welfare",
        &|p| bar_chart(p, &welfare_chart, &theme),
        manifest,
    )?;
    // Mean instrument by sector against the sector's elasticity.
    for (kind, stem, x_label, param) in [
        (
            Kind::Tariff,
            "tariffs_vs_theta",
            "trade elasticity theta_j",
            0,
        ),
        (
            Kind::Subsidy,
            "subsidies_vs_psi",
            "scale elasticity psi_j",
            1,
        ),
    ] {
        let points = model.instrument_means_by_sector(&r.policy, kind);
        if points.len() < 2 {
            continue;
        }
        let x = points
            .iter()
            .map(|(j, _)| {
                if param == 0 {
                    b.sectors[*j].theta
                } else {
                    b.sectors[*j].psi
                }
            })
            .collect();
        let chart = ScatterChart {
            title: format!("Mean {} by sector (across countries)", kind.name()),
            x_label: x_label.into(),
            y_label: format!("mean {}", kind.name()),
            series: vec![Series::new(
                kind.name(),
                x,
                points.iter().map(|p| p.1).collect(),
            )],
            log_x: false,
            log_y: false,
            diagonal: false,
        };
        draw_figure(dir, stem, &|p| scatter_chart(p, &chart, &theme), manifest)?;
    }
    let hist: Vec<&RoundRecord> = r
        .history
        .iter()
        .filter(|h| h.max_projected_gradient() > 0.0)
        .collect();
    if hist.len() >= 2 {
        let chart = LineChart {
            title: "Convergence of the Nash iteration".into(),
            x_label: "iteration".into(),
            y_label: "largest first-order-condition residual".into(),
            series: vec![Series::new(
                "max |FOC|",
                hist.iter().map(|h| h.round as f64).collect(),
                hist.iter().map(|h| h.max_projected_gradient()).collect(),
            )],
            log_x: false,
            log_y: true,
        };
        draw_figure(
            dir,
            "convergence",
            &|p| line_chart(p, &chart, &theme),
            manifest,
        )?;
    }
    Ok(())
}
