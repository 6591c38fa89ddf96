//! Policy instruments: which tariffs, production subsidies and export taxes each government
//! sets, and how a policy vector maps onto the model's bilateral arrays.

use std::str::FromStr;

use serde::Serialize;
use walras_core::{PolicySpace, Scalar};

use crate::baseline::Baseline;
use crate::error::{invalid, Result, TradeError};

/// How finely a government sets a bilateral instrument (tariffs or export taxes): one rate per
/// (partner, sector), per partner, per sector, or one uniform rate. Only tariffable sectors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Structure {
    /// One rate per partner and tariffable sector (the default).
    #[default]
    PartnerSector,
    /// One rate per partner on all its tariffable goods.
    Partner,
    /// One rate per tariffable sector on all partners.
    Sector,
    /// One rate on all foreign tariffable goods.
    Uniform,
}

impl FromStr for Structure {
    type Err = TradeError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "partner-sector" => Ok(Self::PartnerSector),
            "partner" => Ok(Self::Partner),
            "sector" => Ok(Self::Sector),
            "uniform" => Ok(Self::Uniform),
            other => Err(invalid(
                "structure",
                other,
                "expected uniform, partner, sector or partner-sector",
            )),
        }
    }
}

/// The instrument classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Import tariff t (imposed by the importer), on the CIF value.
    Tariff,
    /// Production subsidy s: producer price = consumer price (1 + s) / ((1 + t)(1 + x)).
    Subsidy,
    /// Export tax x (imposed by the exporter; x < 0 is an export subsidy).
    ExportTax,
}

impl Kind {
    /// Lower-case name used in files.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Tariff => "tariff",
            Kind::Subsidy => "subsidy",
            Kind::ExportTax => "export_tax",
        }
    }
}

/// Which instruments governments set, their structure and bounds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct InstrumentSet {
    /// Import tariffs and their structure (None: tariffs stay at the baseline).
    pub tariffs: Option<Structure>,
    /// Production subsidies: per sector (`Structure::Sector`; the last sector's subsidy is
    /// held at the baseline as the normalisation of the near-neutral common level) or one
    /// uniform rate.
    pub subsidies: Option<Structure>,
    /// Export taxes and their structure.
    pub export_taxes: Option<Structure>,
    /// Bounds on tariffs (default [0, 5]).
    pub tariff_bounds: (f64, f64),
    /// Bounds on subsidies (default [-0.5, 2]).
    pub subsidy_bounds: (f64, f64),
    /// Bounds on export taxes (default [-0.5, 2]).
    pub export_tax_bounds: (f64, f64),
    /// With both tariffs and export taxes, hold each country's last export-tax group (its last
    /// tariffable sector, last partner, or its one rate) at the baseline (default true).
    /// Scaling all of a country's (1 + t) and (1 + x) by one factor is neutral with balanced
    /// trade (Lerner symmetry), so only tariffs relative to export taxes are determined: free,
    /// best responses drift along that direction (the dlopt sector game with both did not
    /// converge in 200 s; pinned, it converges in 17 s).
    pub pin_export_tax: bool,
}

impl Default for InstrumentSet {
    fn default() -> Self {
        Self {
            tariffs: Some(Structure::PartnerSector),
            subsidies: None,
            export_taxes: None,
            tariff_bounds: (0.0, 5.0),
            subsidy_bounds: (-0.5, 2.0),
            export_tax_bounds: (-0.5, 2.0),
            pin_export_tax: true,
        }
    }
}

impl InstrumentSet {
    /// Parse a comma-separated list: `tariffs`, `subsidies`, `export-taxes`.
    pub fn parse(list: &str, structure: Structure) -> Result<Self> {
        let mut set = Self {
            tariffs: None,
            ..Self::default()
        };
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item {
                "tariffs" => set.tariffs = Some(structure),
                "subsidies" => set.subsidies = Some(Structure::Sector),
                "export-taxes" => set.export_taxes = Some(structure),
                other => {
                    return Err(invalid(
                        "instrument",
                        other,
                        "expected tariffs, subsidies or export-taxes",
                    ))
                }
            }
        }
        if set.tariffs.is_none() && set.subsidies.is_none() && set.export_taxes.is_none() {
            return Err(invalid("instruments", list, "name at least one instrument"));
        }
        Ok(set)
    }

    /// No instruments: every policy stays at the baseline (counterfactuals of deficits only).
    pub fn none() -> Self {
        Self {
            tariffs: None,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        for (name, (lo, hi), floor) in [
            ("tariff bounds", self.tariff_bounds, -1.0),
            ("subsidy bounds", self.subsidy_bounds, -1.0),
            ("export tax bounds", self.export_tax_bounds, -1.0),
        ] {
            if !(lo.is_finite() && hi.is_finite() && lo > floor && hi > lo) {
                return Err(invalid(
                    name,
                    format!("[{lo}, {hi}]"),
                    "need -1 < lower < upper, finite",
                ));
            }
        }
        if matches!(
            self.subsidies,
            Some(Structure::Partner | Structure::PartnerSector)
        ) {
            return Err(invalid(
                "subsidy structure",
                "partner",
                "subsidies are per sector or uniform",
            ));
        }
        Ok(())
    }

    /// Whether one export-tax group per country stays at the baseline (see
    /// [`pin_export_tax`](Self::pin_export_tax)).
    pub fn pins_export_tax(&self) -> bool {
        self.pin_export_tax && self.tariffs.is_some() && self.export_taxes.is_some()
    }
}

/// One policy parameter: the rate a country sets on a group of flows (or sectors).
#[derive(Clone, Debug, Serialize)]
pub struct Instrument {
    /// The government.
    pub country: usize,
    /// Its class.
    pub kind: Kind,
    /// The partner it applies to (None: all partners).
    pub partner: Option<usize>,
    /// The sector it applies to (None: all eligible sectors).
    pub sector: Option<usize>,
    /// Indices into the bilateral array (tariffs, export taxes) or the subsidy array.
    #[serde(skip)]
    pub targets: Vec<usize>,
}

/// The policy vector's meaning: instruments grouped in one block per country.
#[derive(Clone, Debug)]
pub struct PolicyMap {
    /// All instruments, block by block.
    pub instruments: Vec<Instrument>,
    /// Names, bounds and blocks for the engine.
    pub space: PolicySpace,
    /// Which instrument classes are set.
    pub set: InstrumentSet,
    /// Each country's instrument indices (possibly none).
    blocks: Vec<Vec<usize>>,
}

/// Which policy index sets each flow's tariff and export tax and each country-sector's
/// subsidy (None: it stays at the baseline). The last instrument listed wins, as in
/// [`PolicyMap::apply`].
#[derive(Clone, Debug)]
pub(crate) struct Sources {
    pub(crate) tariff: Vec<Option<usize>>,
    pub(crate) export: Vec<Option<usize>>,
    pub(crate) subsidy: Vec<Option<usize>>,
}

impl Sources {
    /// The same sources with every policy index passed through `f`.
    pub(crate) fn map(&self, f: impl Fn(usize) -> Option<usize>) -> Sources {
        let each = |v: &[Option<usize>]| v.iter().map(|i| i.and_then(&f)).collect();
        Sources {
            tariff: each(&self.tariff),
            export: each(&self.export),
            subsidy: each(&self.subsidy),
        }
    }
}

impl PolicyMap {
    /// Which instrument sets each flow and cell of `base`.
    pub(crate) fn sources(&self, base: &Baseline) -> Sources {
        let (nc, nj) = (base.n_countries(), base.n_sectors());
        let mut src = Sources {
            tariff: vec![None; nc * nc * nj],
            export: vec![None; nc * nc * nj],
            subsidy: vec![None; nc * nj],
        };
        for (i, inst) in self.instruments.iter().enumerate() {
            let dest = match inst.kind {
                Kind::Tariff => &mut src.tariff,
                Kind::ExportTax => &mut src.export,
                Kind::Subsidy => &mut src.subsidy,
            };
            for &t in &inst.targets {
                dest[t] = Some(i);
            }
        }
        src
    }

    /// Instruments of `set` for every country of `base`.
    pub fn new(base: &Baseline, set: InstrumentSet) -> Result<Self> {
        set.validate()?;
        let (nc, nj) = (base.n_countries(), base.n_sectors());
        let tariffable: Vec<usize> = (0..nj).filter(|&j| base.sectors[j].tariffable).collect();
        let mut instruments = Vec::new();
        let mut space = PolicySpace::new();
        let mut blocks = Vec::with_capacity(nc);
        for c in 0..nc {
            let mut owned = Vec::new();
            let mut push = |inst: Instrument, space: &mut PolicySpace| -> Result<()> {
                let (lo, hi) = match inst.kind {
                    Kind::Tariff => set.tariff_bounds,
                    Kind::Subsidy => set.subsidy_bounds,
                    Kind::ExportTax => set.export_tax_bounds,
                };
                let name = format!(
                    "{}[{}{}{}]",
                    inst.kind.name(),
                    base.countries[inst.country],
                    inst.partner
                        .map_or(String::new(), |p| format!(",{}", base.countries[p])),
                    inst.sector
                        .map_or(String::new(), |j| format!(",{}", base.sectors[j].name)),
                );
                owned.push(space.push(name, lo, hi)?);
                instruments.push(inst);
                Ok(())
            };
            for (kind, structure) in [
                (Kind::Tariff, set.tariffs),
                (Kind::ExportTax, set.export_taxes),
            ] {
                let Some(structure) = structure else { continue };
                let partners: Vec<usize> = (0..nc).filter(|&p| p != c).collect();
                // Flow index for country c and partner p in sector j.
                let target = |p: usize, j: usize| match kind {
                    Kind::Tariff => base.flow(p, c, j),
                    _ => base.flow(c, p, j),
                };
                let groups: Vec<(Option<usize>, Option<usize>, Vec<usize>)> = match structure {
                    Structure::PartnerSector => partners
                        .iter()
                        .flat_map(|&p| {
                            tariffable
                                .iter()
                                .map(move |&j| (Some(p), Some(j), vec![target(p, j)]))
                        })
                        .collect(),
                    Structure::Partner => partners
                        .iter()
                        .map(|&p| {
                            (
                                Some(p),
                                None,
                                tariffable.iter().map(|&j| target(p, j)).collect(),
                            )
                        })
                        .collect(),
                    Structure::Sector => tariffable
                        .iter()
                        .map(|&j| {
                            (
                                None,
                                Some(j),
                                partners.iter().map(|&p| target(p, j)).collect(),
                            )
                        })
                        .collect(),
                    Structure::Uniform => vec![(
                        None,
                        None,
                        partners
                            .iter()
                            .flat_map(|&p| tariffable.iter().map(move |&j| target(p, j)))
                            .collect(),
                    )],
                };
                // The Lerner normalisation: the last group's export tax is not an instrument.
                let kept = match kind {
                    Kind::ExportTax if set.pins_export_tax() => groups.len().saturating_sub(1),
                    _ => groups.len(),
                };
                for (partner, sector, targets) in groups.into_iter().take(kept) {
                    if !targets.is_empty() {
                        push(
                            Instrument {
                                country: c,
                                kind,
                                partner,
                                sector,
                                targets,
                            },
                            &mut space,
                        )?;
                    }
                }
            }
            if let Some(structure) = set.subsidies {
                if structure == Structure::Uniform {
                    let targets = (0..nj).map(|j| c * nj + j).collect();
                    push(
                        Instrument {
                            country: c,
                            kind: Kind::Subsidy,
                            partner: None,
                            sector: None,
                            targets,
                        },
                        &mut space,
                    )?;
                } else {
                    // A common shift of all (1 + s) is close to neutral, so only relative
                    // subsidies are determined: the last sector's subsidy stays at its
                    // baseline level as the normalisation (with a single sector, none).
                    for j in 0..nj.saturating_sub(1) {
                        push(
                            Instrument {
                                country: c,
                                kind: Kind::Subsidy,
                                partner: None,
                                sector: Some(j),
                                targets: vec![c * nj + j],
                            },
                            &mut space,
                        )?;
                    }
                }
            }
            if !owned.is_empty() {
                space.add_block(base.countries[c].clone(), owned.clone())?;
            }
            blocks.push(owned);
        }
        Ok(Self {
            instruments,
            space,
            set,
            blocks,
        })
    }

    /// Number of policy parameters.
    pub fn len(&self) -> usize {
        self.instruments.len()
    }

    /// True if there are no instruments.
    pub fn is_empty(&self) -> bool {
        self.instruments.is_empty()
    }

    /// The policy vector closest to the baseline: each instrument at the simple mean of the
    /// baseline rates it replaces (exact for the partner-sector structure), clamped to bounds.
    pub fn baseline_policy(&self, base: &Baseline) -> Vec<f64> {
        let p: Vec<f64> = self
            .instruments
            .iter()
            .map(|inst| {
                let source = match inst.kind {
                    Kind::Tariff => &base.tariff,
                    Kind::Subsidy => &base.subsidy,
                    Kind::ExportTax => &base.export_tax,
                };
                inst.targets.iter().map(|&t| source[t]).sum::<f64>() / inst.targets.len() as f64
            })
            .collect();
        self.space.project(&p)
    }

    /// Tariffs, subsidies and export taxes under `policy` (instruments not set stay at the
    /// baseline).
    pub fn apply<D: Scalar>(&self, base: &Baseline, policy: &[D]) -> (Vec<D>, Vec<D>, Vec<D>) {
        let lift = |v: &[f64]| v.iter().map(|&x| D::from(x)).collect::<Vec<D>>();
        let (mut t, mut s, mut x) = (
            lift(&base.tariff),
            lift(&base.subsidy),
            lift(&base.export_tax),
        );
        for (inst, &value) in self.instruments.iter().zip(policy) {
            let dest = match inst.kind {
                Kind::Tariff => &mut t,
                Kind::Subsidy => &mut s,
                Kind::ExportTax => &mut x,
            };
            for &k in &inst.targets {
                dest[k] = value;
            }
        }
        (t, s, x)
    }

    /// Indices of country c's instruments.
    pub fn block(&self, c: usize) -> &[usize] {
        &self.blocks[c]
    }
}
