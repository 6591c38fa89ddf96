//! `walras trade`: counterfactuals, unilateral optima, Nash wars and cooperation on a
//! multi-country, multi-sector economy, and the raw-data importers.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use walras_core::{
    Aggregation, PolicyOptimizer, SharedObserver, SolverOptions, WorkCounter, WorkCounts,
    MAX_TOLERANCE,
};
use walras_data::trade::{load_policy_rows, load_tariff_changes};
use walras_data::trade_import::{import, RawLayout};
use walras_data::{
    write_json, write_table, DeficitTreatment, RunManifest, ScenarioError, ScenarioOptions, Table,
    TradeScenario,
};
use walras_plot::{bar_chart, BarChart, Theme};
use walras_trade::{
    counterfactual_observed, nash, nash_with, unilateral, FinalShares, InstrumentSet, NashMethod,
    PolicyResult, ResponseDynamics, Structure, TradeModel, UpdateOrder, MAX_TARIFF,
};

use crate::args::{
    CommonArgs, CounterfactualArgs, EconomyArgs, ImportArgs, InstrumentArgs, OptimalArgs,
    TradeCommand, TradeCompareArgs, TradeGameArgs,
};
use crate::output::{draw_figure, emit, num, print, TextTable};
use crate::progress::{EngineWatch, Progress};

/// The subsidy convention printed with every result.
const SUBSIDY_CONVENTION: &str = "producer price = consumer price x (1 + s) / ((1 + t)(1 + x)) (Lashkaripour-Lugovskyy); DL-opt's s_DL = s / (1 + s); only relative subsidies within a country are well determined";

/// Run a `walras trade` subcommand.
pub fn run(common: &CommonArgs, command: &TradeCommand, command_line: Vec<String>) -> Result<()> {
    let mut manifest = RunManifest::start(env!("CARGO_PKG_VERSION"), command_line);
    match command {
        TradeCommand::Nash(args) => game(common, args, &mut manifest, false),
        TradeCommand::Cooperate(args) => game(common, args, &mut manifest, true),
        TradeCommand::Optimal(args) => optimal(common, args, &mut manifest),
        TradeCommand::Counterfactual(args) => counterfactual_cmd(common, args, &mut manifest),
        TradeCommand::Import(args) => import_raw(common, args, &mut manifest),
        TradeCommand::Compare(args) => compare(common, args, &mut manifest),
    }
}

/// The calibrated (and, by default, purged) baseline, with a description of it and the engine
/// work its re-basing took (part of every run's `engine_work`).
struct Economy {
    scenario: TradeScenario,
    rebase_work: WorkCounts,
}

impl std::ops::Deref for Economy {
    type Target = TradeScenario;
    fn deref(&self) -> &TradeScenario {
        &self.scenario
    }
}

fn economy(args: &EconomyArgs, manifest: &mut RunManifest, quiet: bool) -> Result<Economy> {
    let inner = SolverOptions {
        tol: args.solver_tol,
        ..SolverOptions::default()
    };
    inner
        .validate()
        .with_context(|| format!("--solver-tol {}", args.solver_tol))?;
    if args.elasticities.is_some() && args.data.is_none() {
        bail!("--elasticities needs --data (a directory with an elasticity_sets table)");
    }
    let counter = Arc::new(WorkCounter::new());
    let options = ScenarioOptions {
        elasticities: args.elasticities.clone(),
        final_shares: if args.final_shares == "implied" {
            FinalShares::Implied
        } else {
            FinalShares::Table
        },
        deficits: if args.keep_deficits {
            DeficitTreatment::Keep
        } else {
            DeficitTreatment::Purge
        },
        tariff_units: args.tariff_units,
        inner,
        observer: SharedObserver::new(counter.clone()),
    };
    let spinner = Progress::spinner(options.deficits.doing(), quiet);
    let scenario = TradeScenario::load(args.data.as_deref(), &options).map_err(|e| match e {
        // The flag the user wrote, as context for a data error.
        ScenarioError::Read { dir, source } => {
            anyhow::Error::new(source).context(format!("--data {}", dir.display()))
        }
        ScenarioError::Elasticities { set, source } => {
            anyhow::Error::new(source).context(format!("--elasticities {set}"))
        }
        // A re-basing solve that fails: the tolerance asked for is part of the story.
        rebase @ ScenarioError::Rebase { .. } => {
            anyhow::Error::new(rebase).context(format!("--solver-tol {}", args.solver_tol))
        }
        other => other.into(),
    })?;
    spinner.finish();
    for f in &scenario.inputs {
        manifest.add_input(f)?;
    }
    Ok(Economy {
        scenario,
        rebase_work: counter.snapshot(),
    })
}

fn instrument_set(args: &InstrumentArgs) -> Result<InstrumentSet> {
    let structure: Structure = args.tariff_structure.parse()?;
    let mut set = InstrumentSet::parse(&args.instruments, structure)?;
    let pair = |v: &[f64], name: &str| -> Result<(f64, f64)> {
        match v {
            [lo, hi] if *hi <= MAX_TARIFF => Ok((*lo, *hi)),
            [_, hi] => bail!(
                "--{name} upper bound {hi}: at most {MAX_TARIFF} ({}%)",
                MAX_TARIFF * 100.0
            ),
            _ => bail!("--{name} takes two numbers: lower,upper"),
        }
    };
    set.tariff_bounds = pair(&args.tariff_bounds, "tariff-bounds")?;
    set.subsidy_bounds = pair(&args.subsidy_bounds, "subsidy-bounds")?;
    Ok(set)
}

fn by_country(countries: &[String], values: &[f64]) -> Value {
    let map: BTreeMap<&str, f64> = countries
        .iter()
        .map(String::as_str)
        .zip(values.iter().copied())
        .collect();
    json!(map)
}

/// The instrument flags of a run, for error messages.
fn instrument_flags(args: &InstrumentArgs) -> String {
    let pair = |v: &[f64]| v.iter().map(f64::to_string).collect::<Vec<_>>().join(",");
    format!(
        "--instruments {} --tariff-structure {} --tariff-bounds {} --subsidy-bounds {}",
        args.instruments,
        args.tariff_structure,
        pair(&args.tariff_bounds),
        pair(&args.subsidy_bounds)
    )
}

/// The JSON every policy command prints.
fn result_json(model: &TradeModel, r: &PolicyResult, eco: &Economy) -> Value {
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

/// What the export-tax normalisation means for the reported policies.
const LERNER_NOTE: &str = "export taxes: each country's last export-tax group (last tariffable sector, last partner, or its one rate) stays at the baseline; scaling all of a country's (1 + t) and (1 + x) together is neutral (Lerner symmetry), so only tariffs relative to export taxes are determined";

/// The loosest `--tol` of an optimum (`optimal`, `cooperate`): its projected gradient. Flat
/// problems (cooperation over tariffs and subsidies on the dlopt data stalls near 6e-6) need
/// more than the games' [`MAX_TOLERANCE`]; the equilibrium at every point is still verified
/// to the inner tolerance.
const MAX_OPTIMUM_TOLERANCE: f64 = 1e-5;

/// `--tol` positive and at most `max`; a looser one would label points that are not equilibria
/// or optima converged.
fn check_tol(tol: f64, max: f64) -> Result<()> {
    if !(tol > 0.0 && tol <= max) {
        bail!(
            "--tol {tol}: must lie in (0, {max:e}]; a point that meets a looser tolerance is \
             not reported as an equilibrium or optimum"
        );
    }
    Ok(())
}

/// The policy optimiser of `optimal`, `cooperate` and `compare` (see
/// [`walras_trade::policy_optimizer`]).
fn optimizer(tol: f64, eco: &Economy) -> Result<PolicyOptimizer> {
    Ok(walras_trade::policy_optimizer(tol, eco.inner)?)
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

fn country_table(model: &TradeModel, r: &PolicyResult) -> TextTable {
    let subsidies = model.policy_map().set.subsidies.is_some();
    let mut headers = vec!["country", "mean tariff", "import-weighted tariff"];
    if subsidies {
        headers.push("mean subsidy");
    }
    headers.extend([
        "welfare change %",
        "wage change",
        "price index change",
        "imports change %",
    ]);
    let rows = (0..r.outcome.countries.len())
        .map(|n| {
            let mut row = vec![
                r.outcome.countries[n].clone(),
                num(Some(r.summary.mean_tariff[n])),
                num(Some(r.summary.import_weighted_tariff[n])),
            ];
            if subsidies {
                row.push(num(Some(r.summary.mean_subsidy[n])));
            }
            row.extend([
                num(Some(r.outcome.welfare_change_pct[n])),
                num(Some(r.outcome.wage_change[n])),
                num(Some(r.outcome.price_index_change[n])),
                num(Some(r.outcome.imports_change_pct[n])),
            ]);
            row
        })
        .collect();
    TextTable {
        headers: headers.into_iter().map(String::from).collect(),
        rows,
    }
}

/// policies.csv, welfare.csv, result JSON, figures and the manifest.
fn write_run(
    dir: &Path,
    model: &TradeModel,
    r: &PolicyResult,
    json: &Value,
    manifest: &mut RunManifest,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating --out {}", dir.display()))?;
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
    for (name, table) in [("policies.csv", policies), ("welfare.csv", welfare)] {
        let path = dir.join(name);
        write_table(&path, &table)?;
        manifest.add_output(&path);
    }
    let path = dir.join("result.json");
    write_json(&path, json)?;
    manifest.add_output(&path);
    crate::figures::trade::policy_figures(dir, model, r, manifest)?;
    manifest.finish_and_write(dir)?;
    Ok(())
}

/// The starting policy: the baseline, or a policy table from an earlier run (`--start`).
fn start_policy(model: &TradeModel, start: Option<&Path>) -> Result<Vec<f64>> {
    let Some(path) = start else {
        return Ok(model.baseline_policy());
    };
    let what = format!("--start {}", path.display());
    let rows = load_policy_rows(path).with_context(|| what.clone())?;
    Ok(model.policy_from_rows(&rows, &what)?)
}

fn report(
    common: &CommonArgs,
    model: &TradeModel,
    r: &PolicyResult,
    mut json: Value,
    preface: &str,
    manifest: &mut RunManifest,
    work: walras_core::WorkCounts,
) -> Result<()> {
    // Where the engine's time went in this problem (counted by the run's observer), for users
    // tuning long runs.
    json["engine_work"] = json!(work);
    if common.verbose > 0 {
        eprintln!(
            "engine work: {} inner solves ({:.2} s), {} Jacobians, {} LU factorisations ({:.2} s), {} adjoint gradients ({:.2} s: derivatives {:.2} s, {} refinements {:.2} s in {} steps)",
            work.inner_solves, work.inner_solve_s, work.jacobians, work.factorizations,
            work.factorization_s, work.gradients, work.gradient_s, work.derivative_s,
            work.refinements, work.refinement_s, work.refinement_steps
        );
    }
    if let Some(dir) = &common.out {
        write_run(dir, model, r, &json, manifest)?;
    }
    print(common.format, &country_table(model, r), &json, preface)?;
    Ok(())
}

/// A policy optimisation that stalled well below the gradient scale of its problem but above
/// `tol`: say what that usually means and what to do.
fn stall_hint(e: walras_trade::TradeError, tol: f64) -> anyhow::Error {
    let hint = match &e {
        walras_trade::TradeError::Engine(walras_core::EngineError::OptimizerFailed {
            report,
            ..
        }) if report.projected_gradient_norm < 1e-4 && report.projected_gradient_norm > tol => {
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

fn game(
    common: &CommonArgs,
    args: &TradeGameArgs,
    manifest: &mut RunManifest,
    cooperative: bool,
) -> Result<()> {
    check_tol(
        args.tol,
        if cooperative {
            MAX_OPTIMUM_TOLERANCE
        } else {
            MAX_TOLERANCE
        },
    )?;
    let eco = economy(&args.economy, manifest, common.quiet)?;
    let model = TradeModel::new(eco.baseline.clone(), instrument_set(&args.instruments)?)?;
    manifest.set_parameters(&json!({"instruments": args.instruments.instruments, "tariff_structure": args.instruments.tariff_structure, "method": args.method, "schedule": args.schedule, "damping": args.damping, "tol": args.tol, "baseline": eco.label, "cooperate": cooperative, "start": args.start, "second_order": args.second_order}))?;
    let start = start_policy(&model, args.start.as_deref())?;
    let spinner = Progress::spinner(
        if cooperative {
            "cooperative optimum"
        } else {
            "Nash equilibrium"
        },
        common.quiet,
    );
    if cooperative {
        let aggregation = if args.aggregation == "sum" {
            Aggregation::WeightedSum
        } else {
            Aggregation::SumOfLogs
        };
        let watch = Arc::new(EngineWatch::new(&spinner, false, true));
        let optimizer = optimizer(args.tol, &eco)?.with_observer(watch.clone());
        let r = walras_trade::cooperate(&model, aggregation, &start, &optimizer)
            .map_err(|e| stall_hint(e, args.tol))
            .with_context(|| {
                format!(
                    "cooperative optimum (--tol {}, {})",
                    args.tol,
                    instrument_flags(&args.instruments)
                )
            })?;
        spinner.finish();
        let mut j = result_json(&model, &r, &eco);
        j["iterations"] = json!(r.iterations);
        j["converged"] = json!(true);
        j["aggregation"] = json!(args.aggregation);
        return report(
            common,
            &model,
            &r,
            j,
            "Cooperative optimum (world welfare)",
            manifest,
            watch.work().plus(&eco.rebase_work),
        );
    }
    let method: NashMethod = args.method.parse()?;
    // Rounds reach the spinner and the -v lines through the observer.
    let watch = Arc::new(EngineWatch::new(&spinner, common.verbose > 0, false));
    let dynamics = ResponseDynamics {
        order: if args.schedule == "gauss-seidel" {
            UpdateOrder::GaussSeidel
        } else {
            UpdateOrder::Jacobi
        },
        damping: args.damping,
        observer: SharedObserver::new(watch.clone()),
    };
    let (r, game, used) = nash_with(
        &model,
        method,
        args.tol,
        &start,
        eco.inner,
        dynamics,
        |_| {},
    )
    .with_context(|| {
        format!(
            "Nash equilibrium (--tol {}, {})",
            args.tol,
            instrument_flags(&args.instruments)
        )
    })?;
    spinner.finish();
    manifest.add_report("nash", &json!({"rounds": game.rounds, "inner_solves": game.inner_solves, "wall_time_s": game.wall_time.as_secs_f64()}))?;
    let mut j = result_json(&model, &r, &eco);
    j["rounds"] = json!(game.rounds);
    j["converged"] = json!(game.converged);
    j["method"] = json!(used);
    j["inner_solves"] = json!(game.inner_solves);
    j["history"] = json!(game.history.iter().map(|h| json!({"round": h.round, "max_policy_change": h.max_policy_change, "max_foc_residual": h.max_projected_gradient()})).collect::<Vec<_>>());
    if args.second_order {
        j["second_order"] = second_order(&model, &r, common.quiet)?;
    }
    report(
        common,
        &model,
        &r,
        j,
        &format!("Nash equilibrium ({} rounds)", game.rounds),
        manifest,
        watch.work().plus(&eco.rebase_work),
    )
}

/// The second-order check of a Nash point: each government's own Hessian over its interior
/// instruments (see [`walras_core::own_curvature`]); a warning on stderr if some government's
/// welfare is locally convex there (a stationary point that is no best response).
fn second_order(model: &TradeModel, r: &walras_trade::PolicyResult, quiet: bool) -> Result<Value> {
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
    if !convex.is_empty() && !quiet {
        eprintln!(
            "warning: the first-order conditions hold, but welfare is locally convex along some \
             own instruments of {}: not every policy is a local best response",
            convex.join(", ")
        );
    }
    Ok(json!({
        "local_best_responses": convex.is_empty(),
        "convex_tol": walras_core::CONVEX_TOL,
        "hessian": "central differences of exact (adjoint) gradients, step 1e-4",
        "players": curvature,
    }))
}

fn optimal(common: &CommonArgs, args: &OptimalArgs, manifest: &mut RunManifest) -> Result<()> {
    check_tol(args.tol, MAX_OPTIMUM_TOLERANCE)?;
    let eco = economy(&args.economy, manifest, common.quiet)?;
    let model = TradeModel::new(eco.baseline.clone(), instrument_set(&args.instruments)?)?;
    let country = eco.baseline.country(&args.country)?;
    manifest.set_parameters(&json!({"country": args.country, "instruments": args.instruments.instruments, "tariff_structure": args.instruments.tariff_structure, "tol": args.tol}))?;
    let spinner = Progress::spinner("unilateral optimum", common.quiet);
    let watch = Arc::new(EngineWatch::new(&spinner, false, true));
    let optimizer = optimizer(args.tol, &eco)?.with_observer(watch.clone());
    let r = unilateral(&model, country, &model.baseline_policy(), &optimizer)
        .map_err(|e| stall_hint(e, args.tol))
        .with_context(|| {
            format!(
                "optimal policy of {} (--tol {}, {})",
                args.country,
                args.tol,
                instrument_flags(&args.instruments)
            )
        })?;
    spinner.finish();
    let mut j = result_json(&model, &r, &eco);
    j["country"] = json!(args.country);
    j["iterations"] = json!(r.iterations);
    j["converged"] = json!(true);
    report(
        common,
        &model,
        &r,
        j,
        &format!("Unilateral optimum of {}", args.country),
        manifest,
        watch.work().plus(&eco.rebase_work),
    )
}

fn counterfactual_cmd(
    common: &CommonArgs,
    args: &CounterfactualArgs,
    manifest: &mut RunManifest,
) -> Result<()> {
    let eco = economy(&args.economy, manifest, common.quiet)?;
    let set = InstrumentSet {
        tariff_bounds: (-0.99, 1e6),
        ..InstrumentSet::default()
    };
    let model = TradeModel::new(eco.baseline.clone(), set)?;
    let changes = load_tariff_changes(
        &args.tariffs,
        &eco.baseline.countries,
        &eco.baseline.sectors,
        args.economy.tariff_units,
    )
    .with_context(|| format!("--tariffs {}", args.tariffs.display()))?;
    manifest.add_input(&args.tariffs)?;
    let policy = model
        .policy_with_tariffs(&changes)
        .with_context(|| format!("--tariffs {}", args.tariffs.display()))?;
    manifest.set_parameters(&json!({"tariffs": args.tariffs, "baseline": eco.label}))?;
    let work = WorkCounter::new();
    let r = counterfactual_observed(&model, &policy, &eco.inner, &work)
        .context("counterfactual equilibrium")?;
    if let Some(rep) = &r.solve_report {
        manifest.add_report("inner solve", rep)?;
    }
    let mut j = result_json(&model, &r, &eco);
    j["solve"] = json!(r.solve_report);
    report(
        common,
        &model,
        &r,
        j,
        "Counterfactual",
        manifest,
        work.snapshot().plus(&eco.rebase_work),
    )
}

fn import_raw(common: &CommonArgs, args: &ImportArgs, manifest: &mut RunManifest) -> Result<()> {
    let layout: RawLayout = args
        .layout
        .parse()
        .map_err(|e| anyhow::anyhow!("--layout {}: {e}", args.layout))?;
    let rep = import(layout, &args.from, &args.to)
        .with_context(|| format!("importing {} from {}", args.layout, args.from.display()))?;
    manifest.set_parameters(&json!({"layout": args.layout, "from": args.from, "to": args.to}))?;
    match common.format {
        crate::args::Format::Json => emit(&format!("{}\n", serde_json::to_string(&rep)?))?,
        _ => emit(&format!("{rep}\n"))?,
    }
    Ok(())
}

/// War, dual competition and cooperation on one economy.
fn compare(common: &CommonArgs, args: &TradeCompareArgs, manifest: &mut RunManifest) -> Result<()> {
    check_tol(args.tol, MAX_TOLERANCE)?;
    let eco = economy(&args.economy, manifest, common.quiet)?;
    let structure: Structure = args.tariff_structure.parse()?;
    manifest.set_parameters(
        &json!({"tariff_structure": args.tariff_structure, "tol": args.tol, "baseline": eco.label}),
    )?;
    let spinner = Progress::spinner("war, dual competition, cooperation", common.quiet);
    let mut scenarios: Vec<(&str, TradeModel, PolicyResult)> = Vec::new();
    for (name, list) in [
        ("tariff war", "tariffs"),
        ("dual competition", "tariffs,subsidies"),
    ] {
        spinner.message(name.to_string());
        let model = TradeModel::new(eco.baseline.clone(), InstrumentSet::parse(list, structure)?)?;
        let start = model.baseline_policy();
        let (r, _, _) = nash(
            &model,
            NashMethod::Auto,
            args.tol,
            &start,
            eco.inner,
            |_| {},
        )
        .with_context(|| format!("{name} (--tol {})", args.tol))?;
        scenarios.push((name, model, r));
    }
    spinner.message("cooperation".into());
    let model = TradeModel::new(
        eco.baseline.clone(),
        InstrumentSet::parse("tariffs", structure)?,
    )?;
    let optimizer = optimizer(args.tol, &eco)?;
    let start = model.baseline_policy();
    let r = walras_trade::cooperate(&model, Aggregation::SumOfLogs, &start, &optimizer)
        .with_context(|| format!("cooperation (--tol {})", args.tol))?;
    scenarios.push(("cooperation", model, r));
    spinner.finish();
    let countries = eco.baseline.countries.clone();
    let mut json_scenarios = serde_json::Map::new();
    let mut rows = Vec::new();
    for (name, model, r) in &scenarios {
        let mut j = result_json(model, r, &eco);
        // Every scenario returned converged (a failure is an error, and nothing is written).
        j["converged"] = json!(true);
        j["rounds"] = json!(r.iterations);
        json_scenarios.insert(name.to_string(), j);
        for (n, c) in countries.iter().enumerate() {
            rows.push(vec![
                name.to_string(),
                c.clone(),
                num(Some(r.summary.mean_tariff[n])),
                num(Some(r.outcome.welfare_change_pct[n])),
            ]);
        }
    }
    let json = json!({
        "countries": countries,
        "scenarios": json_scenarios,
        "world_mean_welfare_change_pct": scenarios.iter().map(|(n, _, r)| (n.to_string(), json!(mean(&r.outcome.welfare_change_pct)))).collect::<serde_json::Map<_, _>>(),
        "world_mean_tariff": scenarios.iter().map(|(n, _, r)| (n.to_string(), json!(mean(&r.summary.mean_tariff)))).collect::<serde_json::Map<_, _>>(),
        "baseline": eco.label,
    });
    let table = TextTable {
        headers: ["scenario", "country", "mean tariff", "welfare change %"]
            .map(String::from)
            .to_vec(),
        rows,
    };
    if let Some(dir) = &common.out {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating --out {}", dir.display()))?;
        let path = dir.join("compare.json");
        write_json(&path, &json)?;
        manifest.add_output(&path);
        let chart = BarChart {
            title: "Welfare under war, dual competition and cooperation".into(),
            x_label: "country".into(),
            y_label: "welfare change (%)".into(),
            categories: countries.clone(),
            groups: scenarios
                .iter()
                .map(|(n, _, r)| (n.to_string(), r.outcome.welfare_change_pct.clone()))
                .collect(),
        };
        let theme = Theme::paper();
        draw_figure(
            dir,
            "welfare_by_scenario",
            &|p| bar_chart(p, &chart, &theme),
            manifest,
        )?;
        manifest.finish_and_write(dir)?;
    }
    print(
        common.format,
        &table,
        &json,
        "Tariff war vs dual competition vs cooperation",
    )?;
    Ok(())
}
