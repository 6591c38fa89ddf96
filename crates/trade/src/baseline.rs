//! Calibration of the equilibrium in changes from baseline data (spec s.3b): trade shares,
//! producer revenues, value added, tariff revenue, final demand, income and deficits.

use serde::Serialize;

use crate::data::{Sector, TradeData};
use crate::error::{data_error, Result};

/// How final-demand shares are set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FinalShares {
    /// The data's `final` table if it has one, else implied (the default).
    #[default]
    Table,
    /// Implied by the flows: F_n^j / Y_n (negative cells set to zero and reported).
    Implied,
}

/// A calibrated baseline: everything the equilibrium in changes needs, in dense arrays
/// (bilateral arrays by flow exporter i, importer n, sector j as in [`TradeData::flow`]).
#[derive(Clone, Debug, Serialize)]
pub struct Baseline {
    /// Country identifiers.
    pub countries: Vec<String>,
    /// Sectors and their elasticities.
    pub sectors: Vec<Sector>,
    /// lambda_in^j: share of n's sector-j spending bought from i.
    pub lambda: Vec<f64>,
    /// Applied tariffs (imposed by the importer).
    pub tariff: Vec<f64>,
    /// Export taxes (imposed by the exporter; 0 in data).
    pub export_tax: Vec<f64>,
    /// Production subsidies s_i^j `[i * J + j]` (0 in data).
    pub subsidy: Vec<f64>,
    /// X_n^j: spending of n on sector j at consumer prices `[n * J + j]`.
    pub spending: Vec<f64>,
    /// w_i L_i^j: value added by country and sector `[i * J + j]`.
    pub value_added: Vec<f64>,
    /// w_i L_i: value added by country.
    pub wage_bill: Vec<f64>,
    /// Tariff revenue by country.
    pub tariff_revenue: Vec<f64>,
    /// Y_n: final expenditure (= income).
    pub income: Vec<f64>,
    /// D_n: trade deficit.
    pub deficit: Vec<f64>,
    /// gamma_i^j: value-added share `[i * J + j]`.
    pub va_share: Vec<f64>,
    /// gamma_i^{k,j}: share of input k in j's cost `[(i * J + k) * J + j]`; None: no IO links.
    pub io: Option<Vec<f64>>,
    /// alpha_n^j final-demand shares `[n * J + j]`.
    pub alpha: Vec<f64>,
    /// Whether alpha came from the data's table.
    pub alpha_from_table: bool,
    /// Cells (country, sector, value) where implied final demand is negative.
    pub negative_final_demand: Vec<(String, String, f64)>,
    /// Notes on adjustments made while validating and calibrating.
    pub notes: Vec<String>,
    /// Whether the deficits have been purged (a re-based, balanced baseline).
    pub purged: bool,
}

impl Baseline {
    /// Calibrate from data (validated first). The data need not be an exact equilibrium of the
    /// model (final shares from a table, clamped cells): before policy exercises re-base on one,
    /// with [`purge`](Baseline::purge) (zero deficits) or [`settle`](Baseline::settle) (the
    /// data's deficits), so that a zero policy change is a zero change.
    pub fn calibrate(mut data: TradeData, final_shares: FinalShares) -> Result<Self> {
        let mut notes = data.validate()?;
        let (nc, nj) = (data.n_countries(), data.n_sectors());
        let flow = |i: usize, n: usize, j: usize| (i * nc + n) * nj + j;
        let va_share = match (&data.io, &data.value_added) {
            (Some(_), Some(va)) => va.clone(),
            (None, Some(_)) => {
                notes.push(
                    "value_added ignored: without an io table there are no input-output links"
                        .into(),
                );
                vec![1.0; nc * nj]
            }
            _ => vec![1.0; nc * nj],
        };
        let io = data.io.clone();
        let mut spending = vec![0.0; nc * nj];
        let mut sales = vec![0.0; nc * nj];
        let mut tariff_revenue = vec![0.0; nc];
        for i in 0..nc {
            for n in 0..nc {
                for j in 0..nj {
                    let f = flow(i, n, j);
                    let revenue = data.flows[f] / (1.0 + data.tariffs[f]);
                    spending[n * nj + j] += data.flows[f];
                    sales[i * nj + j] += revenue;
                    tariff_revenue[n] += data.tariffs[f] * revenue;
                }
            }
        }
        let mut lambda = vec![0.0; nc * nc * nj];
        for n in 0..nc {
            for j in 0..nj {
                let total = spending[n * nj + j];
                if total > 0.0 {
                    for i in 0..nc {
                        lambda[flow(i, n, j)] = data.flows[flow(i, n, j)] / total;
                    }
                }
            }
        }
        let value_added: Vec<f64> = (0..nc * nj).map(|c| va_share[c] * sales[c]).collect();
        let wage_bill: Vec<f64> = (0..nc)
            .map(|i| value_added[i * nj..(i + 1) * nj].iter().sum())
            .collect();
        // Final demand F_n^j = X_n^j - sum_k gamma_n^{j,k} S_n^k.
        let mut final_demand = spending.clone();
        if let Some(io) = &io {
            for n in 0..nc {
                for j in 0..nj {
                    let used: f64 = (0..nj)
                        .map(|k| io[(n * nj + j) * nj + k] * sales[n * nj + k])
                        .sum();
                    final_demand[n * nj + j] -= used;
                }
            }
        }
        let mut negative_final_demand = Vec::new();
        for n in 0..nc {
            for j in 0..nj {
                let f = final_demand[n * nj + j];
                if f < 0.0 {
                    negative_final_demand.push((
                        data.countries[n].clone(),
                        data.sectors[j].name.clone(),
                        f,
                    ));
                }
            }
        }
        if !negative_final_demand.is_empty() {
            notes.push(format!(
                "implied final demand is negative in {} country-sector cells (largest {:.3e})",
                negative_final_demand.len(),
                negative_final_demand
                    .iter()
                    .map(|c| c.2)
                    .fold(0.0, f64::min)
            ));
        }
        let mut income: Vec<f64> = (0..nc)
            .map(|n| final_demand[n * nj..(n + 1) * nj].iter().sum())
            .collect();
        let deficit = match &data.deficits {
            Some(d) => {
                for n in 0..nc {
                    income[n] = wage_bill[n] + tariff_revenue[n] + d[n];
                }
                notes.push("deficits from the countries table; income = value added + tariff revenue + deficit".into());
                d.clone()
            }
            None => (0..nc)
                .map(|n| income[n] - wage_bill[n] - tariff_revenue[n])
                .collect(),
        };
        for n in 0..nc {
            if income[n].is_nan() || income[n] <= 0.0 {
                return Err(data_error(
                    "flows",
                    format!("country {}", data.countries[n]),
                    format!("absorption (final expenditure) = {} must be > 0", income[n]),
                ));
            }
        }
        let (alpha, alpha_from_table) = match (&data.final_shares, final_shares) {
            (Some(a), FinalShares::Table) => (a.clone(), true),
            _ => {
                let mut alpha = vec![0.0; nc * nj];
                for n in 0..nc {
                    let total: f64 = (0..nj).map(|j| final_demand[n * nj + j].max(0.0)).sum();
                    for j in 0..nj {
                        alpha[n * nj + j] = final_demand[n * nj + j].max(0.0) / total;
                    }
                }
                (alpha, false)
            }
        };
        Ok(Self {
            countries: data.countries,
            sectors: data.sectors,
            lambda,
            tariff: data.tariffs,
            export_tax: vec![0.0; nc * nc * nj],
            subsidy: vec![0.0; nc * nj],
            spending,
            value_added,
            wage_bill,
            tariff_revenue,
            income,
            deficit,
            va_share,
            io,
            alpha,
            alpha_from_table,
            negative_final_demand,
            notes,
            purged: false,
        })
    }

    /// Number of countries N.
    pub fn n_countries(&self) -> usize {
        self.countries.len()
    }

    /// Number of sectors J.
    pub fn n_sectors(&self) -> usize {
        self.sectors.len()
    }

    /// Index of the flow from exporter i to importer n in sector j.
    pub fn flow(&self, i: usize, n: usize, j: usize) -> usize {
        (i * self.n_countries() + n) * self.n_sectors() + j
    }

    /// Whether any sector has scale economies.
    pub fn has_scale_economies(&self) -> bool {
        self.sectors.iter().any(|s| s.psi > 0.0)
    }

    /// Position of a country by name, or an error listing the countries.
    pub fn country(&self, name: &str) -> Result<usize> {
        self.countries
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| {
                data_error(
                    "countries",
                    name,
                    format!("unknown country (have: {})", self.countries.join(", ")),
                )
            })
    }
}
