//! The JSON record and the tables of a policy result.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use walras_data::{DataError, Table};
use walras_trade::{PolicyResult, TradeModel};

use super::economy::Economy;
use crate::NamedTable;

/// The subsidy convention printed with every result.
pub(crate) const SUBSIDY_CONVENTION: &str = "producer price = consumer price x (1 + s) / ((1 + t)(1 + x)) (Lashkaripour-Lugovskyy); DL-opt's s_DL = s / (1 + s); only relative subsidies within a country are well determined";

/// What the export-tax normalisation means for the reported policies.
const LERNER_NOTE: &str = "export taxes: each country's last export-tax group (last tariffable sector, last partner, or its one rate) stays at the baseline; scaling all of a country's (1 + t) and (1 + x) together is neutral (Lerner symmetry), so only tariffs relative to export taxes are determined";

pub(crate) fn by_country(countries: &[String], values: &[f64]) -> Value {
    let map: BTreeMap<&str, f64> = countries
        .iter()
        .map(String::as_str)
        .zip(values.iter().copied())
        .collect();
    json!(map)
}

pub(crate) fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// The JSON every policy computation records.
pub(crate) fn result_json(model: &TradeModel, r: &PolicyResult, eco: &Economy) -> Value {
    let c = &r.outcome.countries;
    let set = model.policy_map().set;
    let mean_subsidy = set
        .subsidies
        .map(|_| by_country(c, &r.summary.mean_subsidy));
    let sectors: Vec<&str> = model
        .baseline()
        .sectors
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let sector_mean_tariff: serde_json::Map<String, Value> = sectors
        .iter()
        .zip(&r.summary.sector_mean_tariff)
        .map(|(s, t)| (s.to_string(), json!(t)))
        .collect();
    let sector_mean_subsidy = set.subsidies.map(|_| {
        by_country(
            &sectors.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            &r.summary.sector_mean_subsidy,
        )
    });
    let mut notes = eco.notes.clone();
    if set.pins_export_tax() {
        notes.push(LERNER_NOTE.into());
    }
    json!({
        "countries": c,
        "welfare_change_pct": by_country(c, &r.outcome.welfare_change_pct),
        "sector_mean_tariff": sector_mean_tariff,
        "sector_mean_subsidy": sector_mean_subsidy,
        "rank_correlations": model.sector_findings(&r.summary),
        "mean_tariff": by_country(c, &r.summary.mean_tariff),
        "import_weighted_tariff": by_country(c, &r.summary.import_weighted_tariff),
        "mean_subsidy": mean_subsidy,
        "wage_change": by_country(c, &r.outcome.wage_change),
        "price_index_change": by_country(c, &r.outcome.price_index_change),
        "exports_change_pct": by_country(c, &r.outcome.exports_change_pct),
        "welfare_decomposition": r.outcome.welfare_decomposition.as_ref().map(|d| json!({
            "method": "Caliendo and Parro (2015): first-order terms of trade + volume of trade, percent of baseline income; the exact change is welfare_change_pct",
            "terms_of_trade_pct": by_country(c, &d.terms_of_trade_pct),
            "volume_of_trade_pct": by_country(c, &d.volume_of_trade_pct),
            "total_pct": by_country(c, &d.total_pct),
        })),
        "imports_change_pct": by_country(c, &r.outcome.imports_change_pct),
        "world_mean_tariff": mean(&r.summary.mean_tariff),
        "world_mean_welfare_change_pct": mean(&r.outcome.welfare_change_pct),
        "baseline": eco.label,
        "notes": notes,
        "instruments": set,
        "subsidy_convention": SUBSIDY_CONVENTION,
        "units": "tariffs and subsidies as fractions (0.1 = 10%); changes as ratios new/baseline unless _pct",
        "walras_law_residual": r.outcome.walras_law_residual,
        "wall_time_s": r.wall_time_s,
    })
}

/// `policies.csv` (every instrument's value) and `welfare.csv` (by country).
pub(crate) fn policy_tables(
    model: &TradeModel,
    r: &PolicyResult,
) -> Result<Vec<NamedTable>, DataError> {
    let rows = model.policy_rows(&r.policy);
    let policies = Table::new()
        .with_str("country", rows.iter().map(|p| p.country.clone()).collect())?
        .with_str("partner", rows.iter().map(|p| p.partner.clone()).collect())?
        .with_str("sector", rows.iter().map(|p| p.sector.clone()).collect())?
        .with_str(
            "instrument",
            rows.iter().map(|p| p.instrument.to_string()).collect(),
        )?
        .with_f64("value", rows.iter().map(|p| p.value).collect())?;
    let welfare = Table::new()
        .with_str("country", r.outcome.countries.clone())?
        .with_f64("welfare_change_pct", r.outcome.welfare_change_pct.clone())?
        .with_f64("mean_tariff", r.summary.mean_tariff.clone())?
        .with_f64(
            "import_weighted_tariff",
            r.summary.import_weighted_tariff.clone(),
        )?;
    Ok(vec![
        NamedTable::new("policies.csv", policies)
            .caption("Policies by country, partner and sector")
            .unit("value", "ad valorem, fraction"),
        NamedTable::new("welfare.csv", welfare)
            .caption("Welfare and tariffs by country")
            .unit("welfare_change_pct", "%")
            .unit("mean_tariff", "fraction")
            .unit("import_weighted_tariff", "fraction"),
    ])
}
