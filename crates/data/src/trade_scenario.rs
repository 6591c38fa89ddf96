//! A trade scenario in one call: read a directory in the tidy layout (or the embedded
//! example), apply an elasticity set, calibrate, and re-base on an exact equilibrium (purge the
//! deficits, or settle with the data's). The CLI, the benches, the examples and the tests all
//! load economies through [`TradeScenario::load`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use walras_core::SolverOptions;
use walras_trade::{Baseline, FinalShares, TradeError};

use crate::trade::{apply_elasticity_set, example_economy, load_trade_dir_in, TariffUnits};
use crate::DataError;

/// What the baseline's deficits become before policy exercises.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeficitTreatment {
    /// Purge them: re-base on the balanced-trade equilibrium at the applied policies (the
    /// default, as Dekle-Eaton-Kortum and Lashkaripour (2021) do).
    #[default]
    Purge,
    /// Keep the data's deficits, re-solving the baseline at the applied policies first.
    Keep,
}

impl DeficitTreatment {
    /// What the re-basing step does, for progress messages and error context.
    pub fn doing(self) -> &'static str {
        match self {
            DeficitTreatment::Purge => "purging the deficits (D' = 0 at the applied tariffs)",
            DeficitTreatment::Keep => "re-solving the baseline with the data's deficits",
        }
    }

    fn note(self) -> &'static str {
        match self {
            DeficitTreatment::Purge => {
                "policy exercises start from the purged baseline (balanced trade at the applied tariffs)"
            }
            DeficitTreatment::Keep => {
                "deficits kept as in the data; the baseline is re-solved at the applied policies \
                 first, so changes are measured from an exact equilibrium of the model"
            }
        }
    }

    fn label(self) -> &'static str {
        match self {
            DeficitTreatment::Purge => "deficits purged (balanced-trade baseline)",
            DeficitTreatment::Keep => "deficits kept as in the data",
        }
    }
}

/// How to turn data into a baseline.
#[derive(Clone, Debug, Default)]
pub struct ScenarioOptions {
    /// A theta set from the directory's `elasticity_sets` table (e.g. `CP`, `IS`, `U4`).
    pub elasticities: Option<String>,
    /// Final-demand shares from the data's `final` table, or implied by the flows.
    pub final_shares: FinalShares,
    /// Purge or keep the deficits.
    pub deficits: DeficitTreatment,
    /// The unit of the directory's tariffs table.
    pub tariff_units: TariffUnits,
    /// The inner solver used to re-base (and, by the caller, for every later solve).
    pub inner: SolverOptions,
    /// Where the re-basing solve reports its work (none by default).
    pub observer: walras_core::SharedObserver,
}

/// A calibrated baseline that is an exact equilibrium of the model, with its provenance.
#[derive(Clone, Debug)]
pub struct TradeScenario {
    /// The re-based baseline.
    pub baseline: Arc<Baseline>,
    /// The calibrated data before re-basing (derivatives in the elasticities re-base too).
    pub calibrated: Arc<Baseline>,
    /// How the baseline was re-based.
    pub deficits: DeficitTreatment,
    /// `<source>: <deficit treatment>`, e.g. `data/x: deficits purged (balanced-trade baseline)`.
    pub label: String,
    /// Calibration notes, the elasticity set used and the deficit treatment.
    pub notes: Vec<String>,
    /// The inner solver options the baseline was solved with.
    pub inner: SolverOptions,
    /// Every file read (empty for the embedded example).
    pub inputs: Vec<PathBuf>,
}

/// Why a scenario could not be loaded; each variant says which step failed.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// Reading the directory's tables failed.
    #[error("reading trade data from {}", .dir.display())]
    Read {
        /// The directory.
        dir: PathBuf,
        /// The data error (file, row, column, value).
        #[source]
        source: Box<DataError>,
    },
    /// The embedded example could not be read.
    #[error("reading the embedded example economy")]
    Example(#[source] Box<DataError>),
    /// An elasticity set was asked for without a directory that could hold one.
    #[error("an elasticity set needs a data directory (with an elasticity_sets table)")]
    ElasticitiesNeedData,
    /// The elasticity set could not be applied.
    #[error("elasticity set {set}")]
    Elasticities {
        /// The set's name.
        set: String,
        /// The data error.
        #[source]
        source: Box<DataError>,
    },
    /// The inner solver options are invalid.
    #[error("inner solver options")]
    Options(#[source] walras_core::EngineError),
    /// Calibration found the data inconsistent.
    #[error("calibrating {source_label}")]
    Calibrate {
        /// The data's source (directory or the embedded example).
        source_label: String,
        /// The trade error (table, key, value).
        #[source]
        source: Box<TradeError>,
    },
    /// Re-basing on an exact equilibrium failed.
    #[error("{doing}")]
    Rebase {
        /// What was being done.
        doing: &'static str,
        /// The trade or engine error.
        #[source]
        source: Box<TradeError>,
    },
}

/// What the embedded example is called in labels.
const EXAMPLE_LABEL: &str = "embedded synthetic example (data/trade/example)";

impl TradeScenario {
    /// Load `dir` in the tidy layout (`None`: the embedded synthetic example), apply the
    /// elasticity set, calibrate and re-base as `options` say.
    pub fn load(dir: Option<&Path>, options: &ScenarioOptions) -> Result<Self, ScenarioError> {
        options.inner.validate().map_err(ScenarioError::Options)?;
        let (mut loaded, source_label) = match dir {
            Some(dir) => (
                load_trade_dir_in(dir, options.tariff_units).map_err(|source| {
                    ScenarioError::Read {
                        dir: dir.to_path_buf(),
                        source: Box::new(source),
                    }
                })?,
                dir.display().to_string(),
            ),
            None => (
                example_economy().map_err(|e| ScenarioError::Example(Box::new(e)))?,
                EXAMPLE_LABEL.to_string(),
            ),
        };
        let mut inputs = loaded.files.clone();
        let mut elasticity_note = None;
        if let Some(set) = &options.elasticities {
            let dir = dir.ok_or(ScenarioError::ElasticitiesNeedData)?;
            let path = apply_elasticity_set(dir, &mut loaded.data, set).map_err(|source| {
                ScenarioError::Elasticities {
                    set: set.clone(),
                    source: Box::new(source),
                }
            })?;
            elasticity_note = Some(format!(
                "trade elasticities theta_j: column theta_{set} of {}",
                path.display()
            ));
            inputs.push(path);
        }
        let raw = Baseline::calibrate(loaded.data, options.final_shares).map_err(|source| {
            ScenarioError::Calibrate {
                source_label: source_label.clone(),
                source: Box::new(source),
            }
        })?;
        let mut notes = raw.notes.clone();
        notes.extend(elasticity_note);
        let treatment = options.deficits;
        let observer = options.observer.get();
        let rebased = match treatment {
            DeficitTreatment::Purge => raw.purge_observed(&options.inner, observer),
            DeficitTreatment::Keep => raw.settle_observed(&options.inner, observer),
        }
        .map_err(|source| ScenarioError::Rebase {
            doing: treatment.doing(),
            source: Box::new(source),
        })?;
        notes.push(treatment.note().into());
        Ok(TradeScenario {
            baseline: Arc::new(rebased),
            calibrated: Arc::new(raw),
            deficits: treatment,
            label: format!("{source_label}: {}", treatment.label()),
            notes,
            inner: options.inner,
            inputs,
        })
    }
}
