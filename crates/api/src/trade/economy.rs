//! The calibrated economy every trade computation starts from.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use walras_core::{NoObserver, Observer, SharedObserver, SolverOptions, WorkCounter, WorkCounts};
use walras_data::trade::TariffUnits;
use walras_data::{DeficitTreatment, ScenarioError, ScenarioOptions, TradeScenario};
use walras_trade::FinalShares;

use crate::ArgumentError;

/// How to load an economy (`--data`, `--elasticities`, ...); the defaults are the command
/// line's: the embedded three-country example, deficits purged.
#[derive(Clone)]
pub struct EconomyRequest {
    /// A directory in the tidy layout (or a raw layout the loader recognises); None: the
    /// embedded example.
    pub data: Option<PathBuf>,
    /// A named elasticity set of the data's `elasticity_sets` table.
    pub elasticities: Option<String>,
    /// Final-demand shares: `table` or `implied`.
    pub final_shares: String,
    /// Keep the data's trade deficits instead of purging them.
    pub keep_deficits: bool,
    /// Units of the tariffs in the data.
    pub tariff_units: TariffUnits,
    /// Tolerance of every inner equilibrium solve.
    pub solver_tol: f64,
    /// Sees the re-basing solves and may cancel them.
    pub observer: Arc<dyn Observer>,
}

impl Default for EconomyRequest {
    fn default() -> Self {
        EconomyRequest {
            data: None,
            elasticities: None,
            final_shares: "table".into(),
            keep_deficits: false,
            tariff_units: TariffUnits::Fraction,
            solver_tol: 1e-10,
            observer: Arc::new(NoObserver),
        }
    }
}

/// The calibrated (and, by default, purged) baseline, with the engine work its re-basing took
/// (part of every result's `engine_work`).
pub struct Economy {
    /// The scenario: baseline, label, notes, inner solver options, files read.
    pub scenario: TradeScenario,
    /// The engine's work while loading.
    pub rebase_work: WorkCounts,
    /// Units of tariffs in the data (and in tariff tables read with it).
    pub tariff_units: TariffUnits,
    /// The data directory (`None`: the embedded example).
    pub data: Option<std::path::PathBuf>,
}

impl std::ops::Deref for Economy {
    type Target = TradeScenario;
    fn deref(&self) -> &TradeScenario {
        &self.scenario
    }
}

/// Load the economy of `request`.
pub fn load(request: &EconomyRequest) -> Result<Economy> {
    let r = request;
    let inner = SolverOptions {
        tol: r.solver_tol,
        ..SolverOptions::default()
    };
    inner
        .validate()
        .map_err(|e| ArgumentError::new("solver-tol", format!("{}: {e}", r.solver_tol)))?;
    if r.elasticities.is_some() && r.data.is_none() {
        return Err(ArgumentError::new(
            "elasticities",
            "needs --data (a directory with an elasticity_sets table)",
        )
        .into());
    }
    let final_shares = match r.final_shares.as_str() {
        "table" => FinalShares::Table,
        "implied" => FinalShares::Implied,
        other => {
            return Err(ArgumentError::new(
                "final-shares",
                format!("must be table or implied, got {other:?}"),
            )
            .into())
        }
    };
    let counter = Arc::new(WorkCounter::new());
    let observer: Arc<dyn Observer> = Arc::new((counter.clone(), r.observer.clone()));
    let options = ScenarioOptions {
        elasticities: r.elasticities.clone(),
        final_shares,
        deficits: if r.keep_deficits {
            DeficitTreatment::Keep
        } else {
            DeficitTreatment::Purge
        },
        tariff_units: r.tariff_units,
        inner,
        observer: SharedObserver::new(observer),
    };
    let scenario = TradeScenario::load(r.data.as_deref(), &options).map_err(|e| match e {
        // The flag the user wrote, as context for a data error.
        ScenarioError::Read { dir, source } => {
            anyhow::Error::new(*source).context(format!("--data {}", dir.display()))
        }
        ScenarioError::Elasticities { set, source } => {
            anyhow::Error::new(*source).context(format!("--elasticities {set}"))
        }
        // A re-basing solve that fails: the tolerance asked for is part of the story.
        rebase @ ScenarioError::Rebase { .. } => {
            anyhow::Error::new(rebase).context(format!("--solver-tol {}", r.solver_tol))
        }
        other => other.into(),
    })?;
    Ok(Economy {
        scenario,
        rebase_work: counter.snapshot(),
        tariff_units: r.tariff_units,
        data: r.data.clone(),
    })
}
