//! The Gather-Trade-Build figures: the map with agents and houses, coin and labour over an
//! episode, the equality-productivity plane with one marker per planner, and the schedules
//! side by side.

use walras_gtb::game::Trace;
use walras_gtb::market::Good;
use walras_gtb::planner::PlannerOutcome;
use walras_gtb::tax::CUTOFFS;
use walras_gtb::World;
use walras_plot::{Heatmap, LineChart, ScatterChart, Series};

use crate::tax::figures::rate_steps;
use crate::Figure;

/// Tile codes of the map figure.
const TILE_LEGEND: &str = "tiles: 0 empty, 1 wood, 2 stone, 3 water, 4 house, 5 agent";

/// The map at the end of an episode: resources, water, houses and agents (`map`).
pub fn map_figure(world: &World, planner: &str) -> (String, Figure) {
    let layout = &world.config().layout;
    let (h, w) = (layout.height, layout.width);
    let code = |cell: usize| {
        if world.occupant()[cell].is_some() {
            5.0
        } else if world.house_owner[cell].is_some() {
            4.0
        } else if layout.water[cell] {
            3.0
        } else if world.resources[Good::Stone.index()][cell] >= 1.0 {
            2.0
        } else if world.resources[Good::Wood.index()][cell] >= 1.0 {
            1.0
        } else {
            0.0
        }
    };
    // Heatmap rows run bottom-up: the map's first row goes last so the figure reads as the map.
    let values = (0..h)
        .rev()
        .map(|r| (0..w).map(|c| code(r * w + c)).collect())
        .collect();
    (
        "map".into(),
        Figure::Heatmap(Heatmap {
            title: format!(
                "The map after {} steps ({}): {} houses",
                world.t,
                planner.replace('_', " "),
                world.totals.houses
            ),
            x_label: format!("column ({TILE_LEGEND})"),
            y_label: "row".into(),
            x_labels: (0..w).map(|c| c.to_string()).collect(),
            y_labels: (0..h).rev().map(|r| r.to_string()).collect(),
            values,
            value_label: "tile code".into(),
        }),
    )
}

/// Each agent's coin and labour over an episode (`coin_over_time`, `labor_over_time`).
pub fn coin_and_labor_figures(trace: &Trace, planner: &str) -> Vec<(String, Figure)> {
    let payments = &trace.summary.build_payment;
    let series = |paths: &[Vec<f64>]| {
        paths
            .iter()
            .enumerate()
            .map(|(i, path)| {
                Series::new(
                    format!("agent {i} ({:.1} coin per house)", payments[i]),
                    (1..=path.len()).map(|t| t as f64).collect(),
                    path.clone(),
                )
            })
            .collect()
    };
    let name = planner.replace('_', " ");
    vec![
        (
            "coin_over_time".into(),
            Figure::Line(LineChart {
                title: format!("Coin over an episode ({name})"),
                x_label: "step".into(),
                y_label: "total coin (coin)".into(),
                series: series(&trace.coin),
                ..LineChart::default()
            }),
        ),
        (
            "labor_over_time".into(),
            Figure::Line(LineChart {
                title: format!("Labour over an episode ({name})"),
                x_label: "step".into(),
                y_label: "labour (units)".into(),
                series: series(&trace.labor),
                ..LineChart::default()
            }),
        ),
    ]
}

/// Mean equality against mean productivity, one marker per planner
/// (`equality_productivity`).
pub fn equality_productivity_figure(planners: &[&PlannerOutcome]) -> (String, Figure) {
    (
        "equality_productivity".into(),
        Figure::Scatter(ScatterChart {
            title: "Equality and productivity by planner".into(),
            x_label: "productivity: total coin (coin)".into(),
            y_label: "equality: 1 - Gini".into(),
            series: planners
                .iter()
                .map(|p| {
                    Series::new(
                        p.planner.replace('_', " "),
                        vec![p.productivity.mean],
                        vec![p.equality.mean],
                    )
                })
                .collect(),
            ..ScatterChart::default()
        }),
    )
}

/// The marginal rates of each planner by period income (`schedules`; Saez: the mean of the
/// rates it set).
pub fn schedules_figure(planners: &[&PlannerOutcome]) -> (String, Figure) {
    let top = 1.2 * CUTOFFS[6];
    (
        "schedules".into(),
        Figure::Line(LineChart {
            title: "Marginal tax rates by planner".into(),
            x_label: "income in a tax period (coin)".into(),
            y_label: "marginal rate".into(),
            series: planners
                .iter()
                .map(|p| rate_steps(&p.planner.replace('_', " "), &CUTOFFS, &p.rates, top))
                .collect(),
            ..LineChart::default()
        }),
    )
}
