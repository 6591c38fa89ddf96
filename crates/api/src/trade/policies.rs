//! Policies on a loaded economy: Nash equilibria, cooperative and unilateral optima, and
//! counterfactuals.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use serde_json::{json, Value};
use walras_core::{
    Aggregation, NoObserver, Observer, PolicyOptimizer, SharedObserver, WorkCounter, MAX_TOLERANCE,
};
use walras_data::trade::{load_policy_rows, load_tariff_changes};
use walras_trade::{
    counterfactual_observed, nash_with, unilateral, InstrumentSet, NashMethod, PolicyResult,
    ResponseDynamics, Structure, TradeError, TradeModel, UpdateOrder, MAX_TARIFF,
};

use super::economy::Economy;
use super::figures::policy_figures;
use super::record::{policy_tables, result_json};
use crate::{ArgumentError, Output, Provenance};

/// The loosest `tol` of an optimum (`optimal`, `cooperate`): its projected gradient. Flat
/// problems (cooperation over tariffs and subsidies on the dlopt data stalls near 6e-6) need
/// more than the games' [`MAX_TOLERANCE`]; the equilibrium at every point is still verified
/// to the inner tolerance.
pub const MAX_OPTIMUM_TOLERANCE: f64 = 1e-5;

/// Which instruments governments choose, and their structure and bounds; the defaults are the
/// command line's.
#[derive(Clone, Debug)]
pub struct Instruments {
    /// Comma-separated: tariffs, subsidies, export-taxes.
    pub instruments: String,
    /// uniform, sector, partner or partner-sector.
    pub tariff_structure: String,
    /// Tariff bounds (lower, upper); the upper at most [`MAX_TARIFF`].
    pub tariff_bounds: (f64, f64),
    /// Subsidy bounds (lower, upper).
    pub subsidy_bounds: (f64, f64),
}

impl Default for Instruments {
    fn default() -> Self {
        Instruments {
            instruments: "tariffs".into(),
            tariff_structure: "partner-sector".into(),
            tariff_bounds: (0.0, 5.0),
            subsidy_bounds: (-0.5, 2.0),
        }
    }
}

impl Instruments {
    /// The engine's instrument set.
    fn set(&self) -> Result<InstrumentSet> {
        let structure: Structure = self
            .tariff_structure
            .parse()
            .map_err(|e: TradeError| ArgumentError::from_error("tariff-structure", &e))?;
        let mut set = InstrumentSet::parse(&self.instruments, structure)
            .map_err(|e| ArgumentError::from_error("instruments", &e))?;
        for (name, (_, hi)) in [
            ("tariff-bounds", self.tariff_bounds),
            ("subsidy-bounds", self.subsidy_bounds),
        ] {
            if hi > MAX_TARIFF {
                return Err(ArgumentError::new(
                    name,
                    format!(
                        "upper bound {hi}: at most {MAX_TARIFF} ({}%)",
                        MAX_TARIFF * 100.0
                    ),
                )
                .into());
            }
        }
        set.tariff_bounds = self.tariff_bounds;
        set.subsidy_bounds = self.subsidy_bounds;
        Ok(set)
    }

    /// The settings as command-line flags, for error messages.
    fn flags(&self) -> String {
        format!(
            "--instruments {} --tariff-structure {} --tariff-bounds {},{} --subsidy-bounds {},{}",
            self.instruments,
            self.tariff_structure,
            self.tariff_bounds.0,
            self.tariff_bounds.1,
            self.subsidy_bounds.0,
            self.subsidy_bounds.1
        )
    }
}

/// A Nash equilibrium of all governments' policies (`walras trade nash`).
#[derive(Clone)]
pub struct NashRequest {
    /// The instruments.
    pub instruments: Instruments,
    /// auto, best-response or stacked-foc.
    pub method: String,
    /// Best-response schedule: jacobi or gauss-seidel.
    pub schedule: String,
    /// Damping of best-response updates, in (0, 1].
    pub damping: f64,
    /// Tolerance on the first-order conditions, at most [`MAX_TOLERANCE`].
    pub tol: f64,
    /// A policy table of an earlier run to start from.
    pub start: Option<PathBuf>,
    /// Check each government's own second-order conditions at the solution.
    pub second_order: bool,
    /// Sees the rounds and may cancel them.
    pub observer: Arc<dyn Observer>,
}

impl Default for NashRequest {
    fn default() -> Self {
        NashRequest {
            instruments: Instruments::default(),
            method: "auto".into(),
            schedule: "jacobi".into(),
            damping: 0.7,
            tol: 1e-8,
            start: None,
            second_order: false,
            observer: Arc::new(NoObserver),
        }
    }
}

/// The cooperative optimum (`walras trade cooperate`).
#[derive(Clone)]
pub struct CooperateRequest {
    /// The instruments.
    pub instruments: Instruments,
    /// World welfare: sum-of-logs or sum.
    pub aggregation: String,
    /// Tolerance on the projected gradient, at most [`MAX_OPTIMUM_TOLERANCE`].
    pub tol: f64,
    /// A policy table of an earlier run to start from.
    pub start: Option<PathBuf>,
    /// Sees the optimiser's iterations and may cancel them.
    pub observer: Arc<dyn Observer>,
}

impl Default for CooperateRequest {
    fn default() -> Self {
        CooperateRequest {
            instruments: Instruments::default(),
            aggregation: "sum-of-logs".into(),
            tol: 1e-8,
            start: None,
            observer: Arc::new(NoObserver),
        }
    }
}

/// A country's unilateral optimum, others at the baseline (`walras trade optimal`).
#[derive(Clone)]
pub struct OptimalRequest {
    /// The country choosing its policy.
    pub country: String,
    /// The instruments.
    pub instruments: Instruments,
    /// Tolerance on the projected gradient, at most [`MAX_OPTIMUM_TOLERANCE`].
    pub tol: f64,
    /// Sees the optimiser's iterations and may cancel them.
    pub observer: Arc<dyn Observer>,
}

impl OptimalRequest {
    /// The optimum of `country` with the default instruments and tolerance.
    pub fn new(country: &str) -> Self {
        OptimalRequest {
            country: country.into(),
            instruments: Instruments::default(),
            tol: 1e-8,
            observer: Arc::new(NoObserver),
        }
    }
}

/// A policy in equilibrium, with its record, tables and figures.
pub struct PolicyRun {
    /// The model the policy lives in.
    pub model: TradeModel,
    /// The policy and its equilibrium outcome.
    pub result: PolicyResult,
    /// A one-line description (`Nash equilibrium (12 rounds)`).
    pub title: String,
    /// JSON record, tables and figures.
    pub output: Output,
    /// Inputs, parameters, reports and warnings.
    pub provenance: Provenance,
}

/// `tol` positive and at most `max`; a looser one would label points that are not equilibria
/// or optima converged.
fn check_tol(tol: f64, max: f64) -> Result<(), ArgumentError> {
    if tol > 0.0 && tol <= max {
        return Ok(());
    }
    Err(ArgumentError::new(
        "tol",
        format!(
            "{tol}: must lie in (0, {max:e}]; a point that meets a looser tolerance is not \
             reported as an equilibrium or optimum"
        ),
    ))
}

/// The policy optimiser of `optimal`, `cooperate` and `compare`.
pub(crate) fn optimizer(tol: f64, eco: &Economy) -> Result<PolicyOptimizer> {
    Ok(walras_trade::policy_optimizer(tol, eco.inner)?)
}

/// The starting policy: the baseline, or a policy table from an earlier run.
fn start_policy(
    model: &TradeModel,
    start: Option<&Path>,
    inputs: &mut Vec<PathBuf>,
) -> Result<Vec<f64>> {
    let Some(path) = start else {
        return Ok(model.baseline_policy());
    };
    inputs.push(path.to_path_buf());
    let what = format!("--start {}", path.display());
    let rows = load_policy_rows(path).with_context(|| what.clone())?;
    Ok(model.policy_from_rows(&rows, &what)?)
}

/// An optimisation that stalled well below the gradient scale of its problem but above `tol`:
/// say what that usually means and what to do.
fn stall_hint(e: TradeError, tol: f64) -> anyhow::Error {
    let hint = match &e {
        TradeError::Engine(walras_core::EngineError::OptimizerFailed { report, .. })
            if report.projected_gradient_norm < 1e-4 && report.projected_gradient_norm > tol =>
        {
            let pg = report.projected_gradient_norm;
            let reachable = 10f64.powf(pg.log10().ceil());
            Some(if reachable <= MAX_OPTIMUM_TOLERANCE {
                format!(
                    "the projected gradient stalled at {pg:.1e} (tolerance {tol:.0e}): the optimum \
                     is nearly flat along some instruments (or the inner solve's accuracy is \
                     reached); --tol {reachable:.0e} may be all this problem allows"
                )
            } else {
                format!(
                    "the projected gradient stalled at {pg:.1e}, above the loosest tolerance \
                     accepted ({MAX_OPTIMUM_TOLERANCE:e}): the optimum is not resolved (the problem is \
                     nearly flat along some instruments, or the inner solve's accuracy is reached)"
                )
            })
        }
        _ => None,
    };
    let e = anyhow::Error::new(e);
    match hint {
        Some(h) => e.context(h),
        None => e,
    }
}

/// The run of a policy result: record with `engine_work`, tables, figures.
fn finish(
    eco: &Economy,
    model: TradeModel,
    result: PolicyResult,
    mut json: Value,
    title: String,
    work: &WorkCounter,
    provenance: Provenance,
) -> Result<PolicyRun> {
    // Where the engine's time went in this problem, for users tuning long runs.
    json["engine_work"] = json!(work.snapshot().plus(&eco.rebase_work));
    let output = Output {
        json_name: "result.json",
        json,
        tables: policy_tables(&model, &result)?,
        figures: policy_figures(&model, &result),
    };
    Ok(PolicyRun {
        model,
        result,
        title,
        output,
        provenance,
    })
}

/// The provenance every trade result starts with: the economy's files.
fn provenance(eco: &Economy, parameters: Value) -> Provenance {
    Provenance {
        inputs: eco.inputs.clone(),
        parameters,
        ..Provenance::default()
    }
}

/// The Nash equilibrium of all governments' policies (a tariff war, or dual competition with
/// subsidies).
pub fn nash(eco: &Economy, request: &NashRequest) -> Result<PolicyRun> {
    let r = request;
    check_tol(r.tol, MAX_TOLERANCE)?;
    let model = TradeModel::new(eco.baseline.clone(), r.instruments.set()?)?;
    let mut provenance = provenance(
        eco,
        json!({"instruments": r.instruments.instruments, "tariff_structure": r.instruments.tariff_structure, "method": r.method, "schedule": r.schedule, "damping": r.damping, "tol": r.tol, "baseline": eco.label, "cooperate": false, "start": r.start, "second_order": r.second_order}),
    );
    let start = start_policy(&model, r.start.as_deref(), &mut provenance.inputs)?;
    let method: NashMethod = r
        .method
        .parse()
        .map_err(|e: TradeError| ArgumentError::from_error("method", &e))?;
    let order = match r.schedule.as_str() {
        "jacobi" => UpdateOrder::Jacobi,
        "gauss-seidel" => UpdateOrder::GaussSeidel,
        other => {
            return Err(ArgumentError::new(
                "schedule",
                format!("must be jacobi or gauss-seidel, got {other:?}"),
            )
            .into())
        }
    };
    let work = Arc::new(WorkCounter::new());
    let dynamics = ResponseDynamics {
        order,
        damping: r.damping,
        observer: SharedObserver::new(Arc::new((work.clone(), r.observer.clone()))),
    };
    let (res, game, used) = nash_with(&model, method, r.tol, &start, eco.inner, dynamics, |_| {})
        .with_context(|| {
        format!(
            "Nash equilibrium (--tol {}, {})",
            r.tol,
            r.instruments.flags()
        )
    })?;
    provenance.reports.push((
        "nash".into(),
        json!({"rounds": game.rounds, "inner_solves": game.inner_solves, "wall_time_s": game.wall_time.as_secs_f64()}),
    ));
    let mut j = result_json(&model, &res, eco);
    j["rounds"] = json!(game.rounds);
    j["converged"] = json!(game.converged);
    j["method"] = json!(used);
    j["inner_solves"] = json!(game.inner_solves);
    j["history"] = json!(game.history.iter().map(|h| json!({"round": h.round, "max_policy_change": h.max_policy_change, "max_foc_residual": h.max_projected_gradient()})).collect::<Vec<_>>());
    if r.second_order {
        j["second_order"] = second_order(&model, &res, &mut provenance.warnings)?;
    }
    let title = format!("Nash equilibrium ({} rounds)", game.rounds);
    finish(eco, model, res, j, title, &work, provenance)
}

/// World welfare named `sum-of-logs` or `sum`.
pub(crate) fn parse_aggregation(name: &str) -> Result<Aggregation, ArgumentError> {
    match name {
        "sum-of-logs" => Ok(Aggregation::SumOfLogs),
        "sum" => Ok(Aggregation::WeightedSum),
        other => Err(ArgumentError::new(
            "aggregation",
            format!("must be sum-of-logs or sum, got {other:?}"),
        )),
    }
}

/// The cooperative optimum: all policies chosen to maximise world welfare.
pub fn cooperate(eco: &Economy, request: &CooperateRequest) -> Result<PolicyRun> {
    let r = request;
    check_tol(r.tol, MAX_OPTIMUM_TOLERANCE)?;
    let model = TradeModel::new(eco.baseline.clone(), r.instruments.set()?)?;
    let mut provenance = provenance(
        eco,
        json!({"instruments": r.instruments.instruments, "tariff_structure": r.instruments.tariff_structure, "tol": r.tol, "baseline": eco.label, "cooperate": true, "aggregation": r.aggregation, "start": r.start}),
    );
    let start = start_policy(&model, r.start.as_deref(), &mut provenance.inputs)?;
    let aggregation = parse_aggregation(&r.aggregation)?;
    let work = Arc::new(WorkCounter::new());
    let optimizer =
        optimizer(r.tol, eco)?.with_observer(Arc::new((work.clone(), r.observer.clone())));
    let res = walras_trade::cooperate(&model, aggregation, &start, &optimizer)
        .map_err(|e| stall_hint(e, r.tol))
        .with_context(|| {
            format!(
                "cooperative optimum (--tol {}, {})",
                r.tol,
                r.instruments.flags()
            )
        })?;
    let mut j = result_json(&model, &res, eco);
    j["iterations"] = json!(res.iterations);
    j["converged"] = json!(true);
    j["aggregation"] = json!(r.aggregation);
    let title = "Cooperative optimum (world welfare)".to_string();
    finish(eco, model, res, j, title, &work, provenance)
}

/// A country's unilateral optimal policy, the others at the baseline.
pub fn optimal(eco: &Economy, request: &OptimalRequest) -> Result<PolicyRun> {
    let r = request;
    check_tol(r.tol, MAX_OPTIMUM_TOLERANCE)?;
    let model = TradeModel::new(eco.baseline.clone(), r.instruments.set()?)?;
    let country = eco
        .baseline
        .country(&r.country)
        .map_err(|e| ArgumentError::from_error("country", &e))?;
    let provenance = provenance(
        eco,
        json!({"country": r.country, "instruments": r.instruments.instruments, "tariff_structure": r.instruments.tariff_structure, "tol": r.tol}),
    );
    let work = Arc::new(WorkCounter::new());
    let optimizer =
        optimizer(r.tol, eco)?.with_observer(Arc::new((work.clone(), r.observer.clone())));
    let res = unilateral(&model, country, &model.baseline_policy(), &optimizer)
        .map_err(|e| stall_hint(e, r.tol))
        .with_context(|| {
            format!(
                "optimal policy of {} (--tol {}, {})",
                r.country,
                r.tol,
                r.instruments.flags()
            )
        })?;
    let mut j = result_json(&model, &res, eco);
    j["country"] = json!(r.country);
    j["iterations"] = json!(res.iterations);
    j["converged"] = json!(true);
    let title = format!("Unilateral optimum of {}", r.country);
    finish(eco, model, res, j, title, &work, provenance)
}

/// The equilibrium after the tariff changes of a tidy tariffs table (`walras trade
/// counterfactual`).
pub fn counterfactual(eco: &Economy, tariffs: &Path) -> Result<PolicyRun> {
    let set = InstrumentSet {
        tariff_bounds: (-0.99, 1e6),
        ..InstrumentSet::default()
    };
    let model = TradeModel::new(eco.baseline.clone(), set)?;
    let changes = load_tariff_changes(
        tariffs,
        &eco.baseline.countries,
        &eco.baseline.sectors,
        eco.tariff_units,
    )
    .with_context(|| format!("--tariffs {}", tariffs.display()))?;
    let policy = model
        .policy_with_tariffs(&changes)
        .with_context(|| format!("--tariffs {}", tariffs.display()))?;
    let mut provenance = provenance(eco, json!({"tariffs": tariffs, "baseline": eco.label}));
    provenance.inputs.push(tariffs.to_path_buf());
    let work = WorkCounter::new();
    let res = counterfactual_observed(&model, &policy, &eco.inner, &work)
        .context("counterfactual equilibrium")?;
    if let Some(rep) = &res.solve_report {
        provenance
            .reports
            .push(("inner solve".into(), serde_json::to_value(rep)?));
    }
    let mut j = result_json(&model, &res, eco);
    j["solve"] = json!(res.solve_report);
    finish(
        eco,
        model,
        res,
        j,
        "Counterfactual".into(),
        &work,
        provenance,
    )
}

/// The second-order check of a Nash point: each government's own Hessian over its interior
/// instruments (see [`walras_core::own_curvature`]); a warning if some government's welfare is
/// locally convex there (a stationary point that is no best response).
fn second_order(model: &TradeModel, r: &PolicyResult, warnings: &mut Vec<String>) -> Result<Value> {
    let players = walras_core::players_from_blocks(walras_core::Equilibrium::policy_space(model));
    let curvature = walras_core::own_curvature(model, &players, &r.policy, &r.x)
        .context("second-order check of the Nash point")?;
    let convex: Vec<String> = curvature
        .iter()
        .filter(|c| c.convex_directions > 0)
        .map(|c| {
            format!(
                "{} ({} of {} interior instruments' directions, largest eigenvalue {:.2e})",
                c.player, c.convex_directions, c.interior, c.max_eigenvalue
            )
        })
        .collect();
    if !convex.is_empty() {
        warnings.push(format!(
            "the first-order conditions hold, but welfare is locally convex along some own \
             instruments of {}: not every policy is a local best response",
            convex.join(", ")
        ));
    }
    Ok(json!({
        "local_best_responses": convex.is_empty(),
        "convex_tol": walras_core::CONVEX_TOL,
        "hessian": "central differences of exact (adjoint) gradients, step 1e-4",
        "players": curvature,
    }))
}
