//! Summaries of policies for reports: mean tariffs (simple and import-weighted), subsidies,
//! and the policy table (country, partner, sector, instrument, value).

use serde::Serialize;

use crate::model::TradeModel;

/// One row of the policy table.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyRow {
    /// The government.
    pub country: String,
    /// The partner (`*`: all partners).
    pub partner: String,
    /// The sector (`*`: all eligible sectors).
    pub sector: String,
    /// tariff, subsidy or export_tax.
    pub instrument: &'static str,
    /// The rate (a fraction).
    pub value: f64,
}

/// Per-country policy summary.
#[derive(Clone, Debug, Serialize)]
pub struct PolicySummary {
    /// Simple mean of each country's import tariffs over (partner, tariffable sector).
    pub mean_tariff: Vec<f64>,
    /// Import-weighted mean (weights: baseline imports at consumer prices).
    pub import_weighted_tariff: Vec<f64>,
    /// Mean production subsidy over sectors (levels are defined only up to a common factor).
    pub mean_subsidy: Vec<f64>,
}

impl TradeModel {
    /// The policy table of `policy`.
    pub fn policy_rows(&self, policy: &[f64]) -> Vec<PolicyRow> {
        let b = self.baseline();
        self.policy_map()
            .instruments
            .iter()
            .zip(policy)
            .map(|(inst, &value)| PolicyRow {
                country: b.countries[inst.country].clone(),
                partner: inst.partner.map_or("*".into(), |p| b.countries[p].clone()),
                sector: inst
                    .sector
                    .map_or("*".into(), |j| b.sectors[j].name.clone()),
                instrument: inst.kind.name(),
                value,
            })
            .collect()
    }

    /// Mean tariffs and subsidies by country under `policy`.
    pub fn policy_summary(&self, policy: &[f64]) -> PolicySummary {
        let b = self.baseline();
        let (nc, nj) = (b.n_countries(), b.n_sectors());
        let (t, s, _) = self.policy_map().apply::<f64>(b, policy);
        let mut mean_tariff = vec![0.0; nc];
        let mut weighted = vec![0.0; nc];
        for n in 0..nc {
            let (mut sum, mut count, mut wsum, mut w) = (0.0, 0.0, 0.0, 0.0);
            for i in (0..nc).filter(|&i| i != n) {
                for j in (0..nj).filter(|&j| b.sectors[j].tariffable) {
                    let f = b.flow(i, n, j);
                    let imports = b.lambda[f] * b.spending[n * nj + j];
                    sum += t[f];
                    count += 1.0;
                    wsum += t[f] * imports;
                    w += imports;
                }
            }
            mean_tariff[n] = if count > 0.0 { sum / count } else { 0.0 };
            weighted[n] = if w > 0.0 { wsum / w } else { 0.0 };
        }
        let mean_subsidy = (0..nc)
            .map(|i| s[i * nj..(i + 1) * nj].iter().sum::<f64>() / nj as f64)
            .collect();
        PolicySummary {
            mean_tariff,
            import_weighted_tariff: weighted,
            mean_subsidy,
        }
    }
}
