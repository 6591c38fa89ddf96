//! The baseline data of a trade economy, in dense arrays indexed by country and sector.
//!
//! Bilateral arrays are indexed by flow: exporter i, importer n, sector j at
//! `(i * N + n) * J + j` ([`TradeData::flow`]); a tariff on that flow is imposed by importer n.

use serde::Serialize;

use crate::error::{data_error, Result};

/// Tolerance on shares that must sum to one (before renormalising).
pub const SHARE_TOLERANCE: f64 = 1e-4;

/// The trade elasticities theta the model accepts: below the lower end the equilibrium in
/// changes is lost in rounding (welfare changes of either sign at a residual of 1e-12), above
/// the upper end goods are perfect substitutes in all but name.
pub const THETA_RANGE: (f64, f64) = (1e-6, 1e3);

/// The largest tariff the data may hold, as a fraction (10 = 1,000%).
pub const MAX_TARIFF: f64 = 10.0;

/// How far imposed deficits may be from summing to zero, relative to world expenditure; a
/// smaller remainder (rounding in the table) is spread evenly across countries.
pub const DEFICIT_TOLERANCE: f64 = 1e-6;

/// One sector's elasticities.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sector {
    /// Identifier.
    pub name: String,
    /// Trade elasticity theta_j > 0.
    pub theta: f64,
    /// External scale elasticity psi_j >= 0 (productivity rises as L^psi); theta psi < 1.
    pub psi: f64,
    /// Whether import tariffs (and export taxes) may be set on it.
    pub tariffable: bool,
}

/// Baseline flows, tariffs, shares and elasticities (what the tidy layout holds).
#[derive(Clone, Debug, Serialize)]
pub struct TradeData {
    /// Country identifiers (N).
    pub countries: Vec<String>,
    /// Sectors (J).
    pub sectors: Vec<Sector>,
    /// X_in^j: spending of importer n on sector-j goods from exporter i at the importer's
    /// prices (tariffs included); domestic flows included. Length N N J.
    pub flows: Vec<f64>,
    /// Applied tariff on each flow (imposed by the importer), a fraction > -1. Length N N J.
    pub tariffs: Vec<f64>,
    /// gamma_i^j: value-added share of sector j's cost, `[i * J + j]`; None: 1 (no IO links).
    pub value_added: Option<Vec<f64>>,
    /// gamma_i^{k,j}: share of input k in output j's total cost, `[(i * J + k) * J + j]`.
    pub io: Option<Vec<f64>>,
    /// alpha_n^j final-demand shares `[n * J + j]`; None: implied by the flows.
    pub final_shares: Option<Vec<f64>>,
    /// Imposed trade deficits D_n; None: implied by the flows.
    pub deficits: Option<Vec<f64>>,
}

impl TradeData {
    /// Data with flows only (zero tariffs, no input-output links, implied final shares and
    /// deficits).
    pub fn new(countries: Vec<String>, sectors: Vec<Sector>, flows: Vec<f64>) -> Self {
        let size = flows.len();
        Self {
            countries,
            sectors,
            flows,
            tariffs: vec![0.0; size],
            value_added: None,
            io: None,
            final_shares: None,
            deficits: None,
        }
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

    /// Position of a country by name.
    pub fn country_index(&self, name: &str) -> Option<usize> {
        self.countries.iter().position(|c| c == name)
    }

    /// Position of a sector by name.
    pub fn sector_index(&self, name: &str) -> Option<usize> {
        self.sectors.iter().position(|s| s.name == name)
    }

    fn key(&self, i: usize, n: usize, j: usize) -> String {
        format!(
            "exporter {}, importer {}, sector {}",
            self.countries[i], self.countries[n], self.sectors[j].name
        )
    }

    /// Check shapes, signs, ranges and adding-up; renormalise shares that sum to one within
    /// [`SHARE_TOLERANCE`]. Returns notes on what was adjusted.
    pub fn validate(&mut self) -> Result<Vec<String>> {
        let (nc, nj) = (self.n_countries(), self.n_sectors());
        let mut notes = Vec::new();
        if nc < 2 {
            return Err(data_error(
                "flows",
                "countries",
                format!("need at least 2 countries, found {nc}"),
            ));
        }
        if nj == 0 {
            return Err(data_error("sectors", "sectors", "no sectors"));
        }
        for (what, names) in [
            ("flows", self.countries.clone()),
            (
                "sectors",
                self.sectors.iter().map(|s| s.name.clone()).collect(),
            ),
        ] {
            let mut sorted = names.clone();
            sorted.sort();
            if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
                return Err(data_error(what, &w[0], "appears twice"));
            }
        }
        for s in &self.sectors {
            let (low, high) = THETA_RANGE;
            if !(s.theta.is_finite() && s.theta >= low && s.theta <= high) {
                return Err(data_error(
                    "sectors",
                    &s.name,
                    format!("theta = {} must lie in [{low:e}, {high:e}]", s.theta),
                ));
            }
            if !(s.psi.is_finite() && s.psi >= 0.0) {
                return Err(data_error(
                    "sectors",
                    &s.name,
                    format!("psi = {} must be finite and >= 0", s.psi),
                ));
            }
            if s.theta * s.psi >= 1.0 {
                return Err(data_error(
                    "sectors",
                    &s.name,
                    format!(
                        "theta psi = {} must be < 1 (no unique equilibrium otherwise)",
                        s.theta * s.psi
                    ),
                ));
            }
        }
        let size = nc * nc * nj;
        for (table, v) in [("flows", &self.flows), ("tariffs", &self.tariffs)] {
            if v.len() != size {
                return Err(data_error(
                    table,
                    "shape",
                    format!("{} entries, expected N N J = {size}", v.len()),
                ));
            }
        }
        for i in 0..nc {
            for n in 0..nc {
                for j in 0..nj {
                    let f = self.flow(i, n, j);
                    let (x, t) = (self.flows[f], self.tariffs[f]);
                    if !(x.is_finite() && x >= 0.0) {
                        return Err(data_error(
                            "flows",
                            self.key(i, n, j),
                            format!("value = {x} must be finite and >= 0"),
                        ));
                    }
                    if !(t.is_finite() && t > -1.0 && t <= MAX_TARIFF) {
                        return Err(data_error(
                            "tariffs",
                            self.key(i, n, j),
                            format!(
                                "tariff = {t} must lie in (-1, {MAX_TARIFF}] (a fraction: 0.05 is 5%; \
                                 a table in percent needs --tariff-units percent)"
                            ),
                        ));
                    }
                    if i == n && t != 0.0 {
                        return Err(data_error(
                            "tariffs",
                            self.key(i, n, j),
                            format!("domestic tariff = {t} must be 0"),
                        ));
                    }
                }
            }
        }
        if let Some(message) = percent_like(&self.tariffs) {
            return Err(data_error("tariffs", "values", message));
        }
        if self.io.is_some() && self.value_added.is_none() {
            return Err(data_error("io", "table", "needs the value_added table"));
        }
        if let Some(va) = &self.value_added {
            if va.len() != nc * nj {
                return Err(data_error(
                    "value_added",
                    "shape",
                    format!("{} entries, expected N J = {}", va.len(), nc * nj),
                ));
            }
            for i in 0..nc {
                for j in 0..nj {
                    let g = va[i * nj + j];
                    if !(g.is_finite() && g > 0.0 && g <= 1.0) {
                        return Err(data_error(
                            "value_added",
                            format!(
                                "country {}, sector {}",
                                self.countries[i], self.sectors[j].name
                            ),
                            format!("share = {g} must lie in (0, 1]"),
                        ));
                    }
                }
            }
        }
        if let Some(io) = &mut self.io {
            let va = self.value_added.as_ref().expect("checked above");
            if io.len() != nc * nj * nj {
                return Err(data_error(
                    "io",
                    "shape",
                    format!("{} entries, expected N J J = {}", io.len(), nc * nj * nj),
                ));
            }
            let mut worst: f64 = 0.0;
            for i in 0..nc {
                for j in 0..nj {
                    let key = || {
                        format!(
                            "country {}, output sector {}",
                            self.countries[i], self.sectors[j].name
                        )
                    };
                    let mut sum = 0.0;
                    for k in 0..nj {
                        let g = io[(i * nj + k) * nj + j];
                        if !(g.is_finite() && (0.0..=1.0).contains(&g)) {
                            return Err(data_error(
                                "io",
                                key(),
                                format!(
                                    "share of input {} = {g} must lie in [0, 1]",
                                    self.sectors[k].name
                                ),
                            ));
                        }
                        sum += g;
                    }
                    let target = 1.0 - va[i * nj + j];
                    let gap = sum - target;
                    if gap.abs() > SHARE_TOLERANCE {
                        return Err(data_error(
                            "io",
                            key(),
                            format!("input shares sum to {sum} but 1 - value-added share = {target} (off by {gap:.2e})"),
                        ));
                    }
                    worst = worst.max(gap.abs());
                    if sum > 0.0 {
                        for k in 0..nj {
                            io[(i * nj + k) * nj + j] *= target / sum;
                        }
                    }
                }
            }
            if worst > 0.0 {
                notes.push(format!("io: input shares renormalised to 1 - value-added share (largest gap {worst:.1e})"));
            }
        }
        if let Some(alpha) = &mut self.final_shares {
            if alpha.len() != nc * nj {
                return Err(data_error(
                    "final",
                    "shape",
                    format!("{} entries, expected N J = {}", alpha.len(), nc * nj),
                ));
            }
            let mut worst: f64 = 0.0;
            for n in 0..nc {
                let row = &mut alpha[n * nj..(n + 1) * nj];
                if let Some((j, a)) = row
                    .iter()
                    .enumerate()
                    .find(|(_, a)| !(a.is_finite() && (0.0..=1.0).contains(*a)))
                {
                    return Err(data_error(
                        "final",
                        format!(
                            "country {}, sector {}",
                            self.countries[n], self.sectors[j].name
                        ),
                        format!("share = {a} must lie in [0, 1]"),
                    ));
                }
                let sum: f64 = row.iter().sum();
                if (sum - 1.0).abs() > SHARE_TOLERANCE {
                    return Err(data_error(
                        "final",
                        format!("country {}", self.countries[n]),
                        format!("shares sum to {sum}, not 1"),
                    ));
                }
                worst = worst.max((sum - 1.0).abs());
                row.iter_mut().for_each(|a| *a /= sum);
            }
            if worst > 0.0 {
                notes.push(format!(
                    "final: shares renormalised to sum to 1 (largest gap {worst:.1e})"
                ));
            }
        }
        if let Some(d) = self.deficits.clone() {
            if d.len() != nc {
                return Err(data_error(
                    "countries",
                    "shape",
                    format!("{} deficits for {nc} countries", d.len()),
                ));
            }
            if let Some((n, v)) = d.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(data_error(
                    "countries",
                    &self.countries[n],
                    format!("deficit = {v} must be finite"),
                ));
            }
            let sum: f64 = d.iter().sum();
            let world: f64 = self.flows.iter().sum();
            if sum.abs() > DEFICIT_TOLERANCE * world {
                return Err(data_error(
                    "countries",
                    "deficit",
                    format!(
                        "deficits sum to {sum} across countries, {:.2e} of world expenditure \
                         {world}: they must sum to zero (one country's deficit is another's \
                         surplus), to {DEFICIT_TOLERANCE:e} of world expenditure",
                        sum.abs() / world
                    ),
                ));
            }
            if sum != 0.0 {
                let shift = sum / nc as f64;
                self.deficits = Some(d.iter().map(|v| v - shift).collect());
                notes.push(format!(
                    "countries: deficits summed to {sum:.3e}; the remainder was spread evenly"
                ));
            }
        }
        Ok(notes)
    }
}

/// A message if the foreign tariffs look like percent: most of the non-zero ones above 1
/// (100%).
pub fn percent_like(tariffs: &[f64]) -> Option<String> {
    let nonzero: Vec<f64> = tariffs.iter().copied().filter(|t| *t != 0.0).collect();
    let above = nonzero.iter().filter(|t| **t > 1.0).count();
    (!nonzero.is_empty() && 2 * above > nonzero.len()).then(|| {
        format!(
            "{above} of {} non-zero tariffs are above 1 (100%): tariffs are fractions (0.05 is \
             5%); if the table is in percent, pass --tariff-units percent",
            nonzero.len()
        )
    })
}
