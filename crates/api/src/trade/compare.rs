//! A tariff war, dual competition and cooperation side by side (`walras trade compare`).

use std::sync::Arc;

use anyhow::{Context, Result};
use serde_json::json;
use walras_core::{Aggregation, Event, NoObserver, Observer, MAX_TOLERANCE};
use walras_data::Table;
use walras_trade::{
    nash, InstrumentSet, NashMethod, PolicyResult, Structure, TradeError, TradeModel,
};

use super::economy::Economy;
use super::figures::scenario_welfare_chart;
use super::policies::optimizer;
use super::record::{mean, result_json};
use crate::{ArgumentError, Figure, NamedTable, Output, Provenance};

/// What `walras trade compare` computes; the defaults are the command line's.
#[derive(Clone)]
pub struct CompareRequest {
    /// uniform, sector, partner or partner-sector.
    pub tariff_structure: String,
    /// Tolerance of the games and the cooperative optimum.
    pub tol: f64,
    /// Sees the stages (as [`Event::Progress`] of `scenario`) and may cancel them.
    pub observer: Arc<dyn Observer>,
}

impl Default for CompareRequest {
    fn default() -> Self {
        CompareRequest {
            tariff_structure: "partner-sector".into(),
            tol: 1e-8,
            observer: Arc::new(NoObserver),
        }
    }
}

/// The three scenarios on one economy.
pub struct ScenarioComparison {
    /// (name, model, result) of the tariff war, dual competition and cooperation.
    pub scenarios: Vec<(String, TradeModel, PolicyResult)>,
    /// The countries, in the data's order.
    pub countries: Vec<String>,
    /// JSON record, tables and figures.
    pub output: Output,
    /// Inputs and parameters.
    pub provenance: Provenance,
}

/// War, dual competition and cooperation on `eco`.
pub fn compare(eco: &Economy, request: &CompareRequest) -> Result<ScenarioComparison> {
    let r = request;
    if !(r.tol > 0.0 && r.tol <= MAX_TOLERANCE) {
        return Err(ArgumentError::new(
            "tol",
            format!(
                "{}: must lie in (0, {MAX_TOLERANCE:e}]; a point that meets a looser tolerance is \
                 not reported as an equilibrium or optimum",
                r.tol
            ),
        )
        .into());
    }
    let structure: Structure = r
        .tariff_structure
        .parse()
        .map_err(|e: TradeError| ArgumentError::from_error("tariff-structure", &e))?;
    let provenance = Provenance {
        inputs: eco.inputs.clone(),
        parameters: json!({"tariff_structure": r.tariff_structure, "tol": r.tol, "baseline": eco.label}),
        ..Provenance::default()
    };
    let stage = |done: u64| {
        r.observer.on_event(&Event::Progress {
            what: "scenario",
            done,
            total: Some(3),
        })
    };
    let mut scenarios: Vec<(String, TradeModel, PolicyResult)> = Vec::new();
    for (k, (name, list)) in [
        ("tariff war", "tariffs"),
        ("dual competition", "tariffs,subsidies"),
    ]
    .into_iter()
    .enumerate()
    {
        stage(k as u64);
        let model = TradeModel::new(eco.baseline.clone(), InstrumentSet::parse(list, structure)?)?;
        let start = model.baseline_policy();
        let (res, _, _) = nash(&model, NashMethod::Auto, r.tol, &start, eco.inner, |_| {})
            .with_context(|| format!("{name} (--tol {})", r.tol))?;
        scenarios.push((name.to_string(), model, res));
    }
    stage(2);
    let model = TradeModel::new(
        eco.baseline.clone(),
        InstrumentSet::parse("tariffs", structure)?,
    )?;
    let optimizer = optimizer(r.tol, eco)?.with_observer(r.observer.clone());
    let start = model.baseline_policy();
    let res = walras_trade::cooperate(&model, Aggregation::SumOfLogs, &start, &optimizer)
        .with_context(|| format!("cooperation (--tol {})", r.tol))?;
    scenarios.push(("cooperation".to_string(), model, res));
    stage(3);
    let countries = eco.baseline.countries.clone();
    let mut json_scenarios = serde_json::Map::new();
    for (name, model, res) in &scenarios {
        let mut j = result_json(model, res, eco);
        // Every scenario returned converged (a failure is an error, and nothing is written).
        j["converged"] = json!(true);
        j["rounds"] = json!(res.iterations);
        json_scenarios.insert(name.to_string(), j);
    }
    let json = json!({
        "countries": countries,
        "scenarios": json_scenarios,
        "world_mean_welfare_change_pct": scenarios.iter().map(|(n, _, r)| (n.to_string(), json!(mean(&r.outcome.welfare_change_pct)))).collect::<serde_json::Map<_, _>>(),
        "world_mean_tariff": scenarios.iter().map(|(n, _, r)| (n.to_string(), json!(mean(&r.summary.mean_tariff)))).collect::<serde_json::Map<_, _>>(),
        "baseline": eco.label,
    });
    let chart = scenario_welfare_chart(
        &countries,
        scenarios
            .iter()
            .map(|(n, _, r)| (n.clone(), r.outcome.welfare_change_pct.clone()))
            .collect(),
    );
    let mut rows: (Vec<String>, Vec<String>, Vec<f64>, Vec<f64>) = Default::default();
    for (name, _, res) in &scenarios {
        for (n, c) in countries.iter().enumerate() {
            rows.0.push(name.clone());
            rows.1.push(c.clone());
            rows.2.push(res.summary.mean_tariff[n]);
            rows.3.push(res.outcome.welfare_change_pct[n]);
        }
    }
    let table = Table::new()
        .with_str("scenario", rows.0)?
        .with_str("country", rows.1)?
        .with_f64("mean_tariff", rows.2)?
        .with_f64("welfare_change_pct", rows.3)?;
    Ok(ScenarioComparison {
        scenarios,
        countries,
        output: Output {
            json_name: "compare.json",
            json,
            tables: vec![NamedTable::new("compare.csv", table)
                .caption("Tariff war, dual competition and cooperation")
                .unit("mean_tariff", "fraction")
                .unit("welfare_change_pct", "%")],
            figures: vec![("welfare_by_scenario".into(), Figure::Bar(chart))],
        },
        provenance,
    })
}
