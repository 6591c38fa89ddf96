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
    pub instrument: String,
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
    /// By sector: the simple mean tariff over importers and partners (None: not tariffable).
    pub sector_mean_tariff: Vec<Option<f64>>,
    /// By sector: the mean production subsidy over countries.
    pub sector_mean_subsidy: Vec<f64>,
}

/// Rank (Spearman) correlations across sectors between policies and elasticities: DL-opt's
/// findings as statistics (spec s.6). None when the instruments do not vary by sector.
#[derive(Clone, Debug, Serialize)]
pub struct SectorFindings {
    /// Mean Nash tariff (tariffable sectors) vs the trade elasticity theta_j.
    pub tariff_theta: Option<f64>,
    /// Mean Nash tariff (tariffable sectors) vs the scale elasticity psi_j.
    pub tariff_psi: Option<f64>,
    /// Mean subsidy vs psi_j.
    pub subsidy_psi: Option<f64>,
    /// Mean subsidy vs theta_j * psi_j.
    pub subsidy_theta_psi: Option<f64>,
}

/// Ranks 1..n with ties given their average rank.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut k = i;
        while k + 1 < order.len() && v[order[k + 1]] == v[order[i]] {
            k += 1;
        }
        let average = (i + k) as f64 / 2.0 + 1.0;
        for &o in &order[i..=k] {
            r[o] = average;
        }
        i = k + 1;
    }
    r
}

/// Spearman's rank correlation (Pearson correlation of average ranks); None with fewer than
/// three pairs or when either side is constant.
pub fn spearman(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() || a.len() < 3 || a.iter().chain(b).any(|v| !v.is_finite()) {
        return None;
    }
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let mean = (n + 1.0) / 2.0;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        sab += (x - mean) * (y - mean);
        saa += (x - mean) * (x - mean);
        sbb += (y - mean) * (y - mean);
    }
    (saa > 0.0 && sbb > 0.0).then(|| sab / (saa * sbb).sqrt())
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
                instrument: inst.kind.name().to_string(),
                value,
            })
            .collect()
    }

    /// The policy vector a policy table describes (as `policy_rows` writes it: country,
    /// partner, sector, instrument, value; `*` for all). Instruments the table does not list
    /// stay at the baseline; a row that names no instrument of this model is an error (`what`
    /// names the table in it), as is a value outside the instrument's bounds.
    pub fn policy_from_rows(&self, rows: &[PolicyRow], what: &str) -> crate::Result<Vec<f64>> {
        let mut policy = self.baseline_policy();
        let key =
            |r: &PolicyRow| format!("{}|{}|{}|{}", r.country, r.partner, r.sector, r.instrument);
        let index: std::collections::HashMap<String, usize> = self
            .policy_rows(&policy)
            .iter()
            .enumerate()
            .map(|(i, r)| (key(r), i))
            .collect();
        let space = &self.policy_map().space;
        for (k, row) in rows.iter().enumerate() {
            let Some(&i) = index.get(&key(row)) else {
                return Err(crate::error::invalid(
                    what,
                    format!(
                        "row {} ({}, partner {}, sector {}, {})",
                        k + 1,
                        row.country,
                        row.partner,
                        row.sector,
                        row.instrument
                    ),
                    "names no instrument of this run (check --instruments and --tariff-structure)",
                ));
            };
            let (lo, hi) = (space.lower()[i], space.upper()[i]);
            if !(row.value.is_finite() && row.value >= lo && row.value <= hi) {
                return Err(crate::error::invalid(
                    what,
                    format!("row {}: value {}", k + 1, row.value),
                    &format!("{} must lie in [{lo}, {hi}]", space.names()[i]),
                ));
            }
            policy[i] = row.value;
        }
        Ok(policy)
    }

    /// The mean value of the instruments of `kind` in each sector (over countries and
    /// partners), for the sectors that have such instruments: `(sector, mean)` pairs.
    pub fn instrument_means_by_sector(
        &self,
        policy: &[f64],
        kind: crate::instruments::Kind,
    ) -> Vec<(usize, f64)> {
        let mut sums = vec![(0.0, 0usize); self.baseline().n_sectors()];
        for (inst, v) in self.policy_map().instruments.iter().zip(policy) {
            if inst.kind == kind {
                if let Some(j) = inst.sector {
                    sums[j].0 += v;
                    sums[j].1 += 1;
                }
            }
        }
        sums.iter()
            .enumerate()
            .filter(|(_, s)| s.1 > 0)
            .map(|(j, s)| (j, s.0 / s.1 as f64))
            .collect()
    }

    /// Applies bilateral tariff changes `(exporter, importer, sector, tariff)` to the baseline
    /// policy: each sets the matching tariff instrument; a change on a sector without one is
    /// an error unless it leaves the baseline tariff as it is. Domestic entries are skipped.
    pub fn policy_with_tariffs(
        &self,
        changes: &[(usize, usize, usize, f64)],
    ) -> crate::Result<Vec<f64>> {
        use crate::instruments::Kind;
        let b = self.baseline();
        let mut policy = self.baseline_policy();
        for &(i, n, j, t) in changes {
            if i == n {
                continue;
            }
            match self.policy_map().instruments.iter().position(|inst| {
                inst.kind == Kind::Tariff
                    && inst.country == n
                    && inst.partner == Some(i)
                    && inst.sector == Some(j)
            }) {
                Some(k) => policy[k] = t,
                None if (t - b.tariff[b.flow(i, n, j)]).abs() < 1e-12 => {}
                None => {
                    return Err(crate::error::data_error(
                        "tariffs",
                        format!(
                            "exporter {}, importer {}, sector {}",
                            b.countries[i], b.countries[n], b.sectors[j].name
                        ),
                        format!(
                            "sector {} is not tariffable (tariff {t})",
                            b.sectors[j].name
                        ),
                    ))
                }
            }
        }
        Ok(policy)
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
        let sector_mean_tariff = (0..nj)
            .map(|j| {
                b.sectors[j].tariffable.then(|| {
                    let foreign =
                        (0..nc).flat_map(|n| (0..nc).filter(move |&i| i != n).map(move |i| (i, n)));
                    let (sum, count) = foreign.fold((0.0, 0.0), |(s, c), (i, n)| {
                        (s + t[b.flow(i, n, j)], c + 1.0)
                    });
                    if count > 0.0 {
                        sum / count
                    } else {
                        0.0
                    }
                })
            })
            .collect();
        let sector_mean_subsidy = (0..nj)
            .map(|j| (0..nc).map(|i| s[i * nj + j]).sum::<f64>() / nc as f64)
            .collect();
        PolicySummary {
            mean_tariff,
            import_weighted_tariff: weighted,
            mean_subsidy,
            sector_mean_tariff,
            sector_mean_subsidy,
        }
    }

    /// DL-opt's findings as rank correlations across sectors, for the policy summarised in
    /// `summary`: tariffs only if they vary by sector, subsidies only if they are instruments.
    pub fn sector_findings(&self, summary: &PolicySummary) -> SectorFindings {
        use crate::instruments::Structure;
        let b = self.baseline();
        let set = self.policy_map().set;
        let by_sector =
            |s: Option<Structure>| matches!(s, Some(Structure::Sector | Structure::PartnerSector));
        let (mut tariffs, mut theta_t, mut psi_t) = (Vec::new(), Vec::new(), Vec::new());
        for (sector, t) in b.sectors.iter().zip(&summary.sector_mean_tariff) {
            if let Some(t) = t {
                tariffs.push(*t);
                theta_t.push(sector.theta);
                psi_t.push(sector.psi);
            }
        }
        let theta: Vec<f64> = b.sectors.iter().map(|s| s.theta).collect();
        let psi: Vec<f64> = b.sectors.iter().map(|s| s.psi).collect();
        let theta_psi: Vec<f64> = theta.iter().zip(&psi).map(|(a, b)| a * b).collect();
        let sub = &summary.sector_mean_subsidy;
        let tariff_varies = by_sector(set.tariffs);
        let subsidy_varies = by_sector(set.subsidies);
        SectorFindings {
            tariff_theta: if tariff_varies {
                spearman(&tariffs, &theta_t)
            } else {
                None
            },
            tariff_psi: if tariff_varies {
                spearman(&tariffs, &psi_t)
            } else {
                None
            },
            subsidy_psi: if subsidy_varies {
                spearman(sub, &psi)
            } else {
                None
            },
            subsidy_theta_psi: if subsidy_varies {
                spearman(sub, &theta_psi)
            } else {
                None
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::spearman;

    #[test]
    fn spearman_matches_hand_computed_values() {
        // Monotone: +1 / -1 whatever the spacing.
        assert_eq!(
            spearman(&[1.0, 2.0, 10.0, 11.0], &[0.1, 0.2, 0.3, 5.0]),
            Some(1.0)
        );
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), Some(-1.0));
        // d = (0, 0, 1, -1, 0): rho = 1 - 6 * 2 / (5 * 24) = 0.9 (no ties).
        let r = spearman(&[1.0, 2.0, 3.0, 4.0, 5.0], &[1.0, 2.0, 4.0, 3.0, 5.0]).unwrap();
        assert!((r - 0.9).abs() < 1e-12, "{r}");
        // Ties take average ranks: a = (1, 2.5, 2.5, 4) against b = (1, 2, 3, 4):
        // Pearson of ranks = 4.5 / sqrt(4.5 * 5) = 0.948683.
        let r = spearman(&[1.0, 2.0, 2.0, 3.0], &[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert!((r - 4.5 / (4.5_f64 * 5.0).sqrt()).abs() < 1e-12, "{r}");
        assert_eq!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(spearman(&[1.0, 2.0], &[1.0, 2.0]), None);
        assert_eq!(spearman(&[1.0, f64::NAN, 3.0], &[1.0, 2.0, 3.0]), None);
    }
}
