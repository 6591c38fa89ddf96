//! `walras trade`: counterfactuals, unilateral optima, Nash wars and cooperation on a
//! multi-country, multi-sector economy (computed by [`walras_api::trade`]), and the raw-data
//! importers.

use std::sync::Arc;

use anyhow::{bail, Context, Result};
use serde_json::json;
use walras_api::trade::{
    compare as compare_scenarios, cooperate, counterfactual, estimate_elasticities, load, nash,
    optimal, sensitivity, uncertainty, CompareRequest, CooperateRequest, Economy, EconomyRequest,
    EstimateRequest, Instruments, NashRequest, OptimalRequest, ParameterSource, PolicyRun,
    SensitivityRequest, UncertaintyRequest,
};
use walras_api::write_output;
use walras_core::Observer;
use walras_data::trade_import::{import, RawLayout};
use walras_data::{DeficitTreatment, RunManifest};
use walras_trade::{PolicyResult, TradeModel};

use crate::args::{
    CommonArgs, CounterfactualArgs, EconomyArgs, EstimateArgs, ImportArgs, InstrumentArgs,
    OptimalArgs, SensitivityArgs, TradeCommand, TradeCompareArgs, TradeGameArgs, UncertaintyArgs,
};
use crate::output::{
    band_preface, band_table, emit, headers, num, print, print_with_headers, TextTable,
};
use crate::progress::{EngineWatch, Progress};

/// Run a `walras trade` subcommand.
pub fn run(common: &CommonArgs, command: &TradeCommand, command_line: Vec<String>) -> Result<()> {
    let mut manifest = RunManifest::start(env!("CARGO_PKG_VERSION"), command_line);
    match command {
        TradeCommand::Nash(args) => game(common, args, &mut manifest, false),
        TradeCommand::Cooperate(args) => game(common, args, &mut manifest, true),
        TradeCommand::Optimal(args) => optimal_cmd(common, args, &mut manifest),
        TradeCommand::Counterfactual(args) => counterfactual_cmd(common, args, &mut manifest),
        TradeCommand::Import(args) => import_raw(common, args, &mut manifest),
        TradeCommand::EstimateElasticities(args) => estimate(common, args, &mut manifest),
        TradeCommand::Compare(args) => compare(common, args, &mut manifest),
        TradeCommand::Sensitivity(args) => sensitivity_cmd(common, args, &mut manifest),
        TradeCommand::Uncertainty(args) => uncertainty_cmd(common, args, &mut manifest),
    }
}

/// The economy of `--data` and its options, with a spinner while it loads.
fn economy(args: &EconomyArgs, quiet: bool) -> Result<Economy> {
    let deficits = if args.keep_deficits {
        DeficitTreatment::Keep
    } else {
        DeficitTreatment::Purge
    };
    let spinner = Progress::spinner(deficits.doing(), quiet);
    let economy = load(&EconomyRequest {
        data: args.data.clone(),
        elasticities: args.elasticities.clone(),
        final_shares: args.final_shares.clone(),
        keep_deficits: args.keep_deficits,
        tariff_units: args.tariff_units,
        solver_tol: args.solver_tol,
        observer: Arc::new(EngineWatch::new(&spinner, false, false)),
    });
    spinner.finish();
    economy
}

fn instruments(args: &InstrumentArgs) -> Result<Instruments> {
    let pair = |v: &[f64], name: &str| -> Result<(f64, f64)> {
        match v {
            [lo, hi] => Ok((*lo, *hi)),
            _ => bail!("--{name} takes two numbers: lower,upper"),
        }
    };
    Ok(Instruments {
        instruments: args.instruments.clone(),
        tariff_structure: args.tariff_structure.clone(),
        tariff_bounds: pair(&args.tariff_bounds, "tariff-bounds")?,
        subsidy_bounds: pair(&args.subsidy_bounds, "subsidy-bounds")?,
    })
}

/// The per-country table and its terminal headers (words and units; the table's own
/// headers are the CSV column names).
fn country_table(model: &TradeModel, r: &PolicyResult) -> (TextTable, Vec<String>) {
    let subsidies = model.policy_map().set.subsidies.is_some();
    let mut columns = vec![
        ("country", "country"),
        ("mean tariff", "mean tariff (fraction)"),
        (
            "import-weighted tariff",
            "import-weighted tariff (fraction)",
        ),
    ];
    if subsidies {
        columns.push(("mean subsidy", "mean subsidy (fraction)"));
    }
    columns.extend([
        ("welfare change %", "welfare change (%)"),
        ("wage change", "wage (new/baseline)"),
        ("price index change", "price index (new/baseline)"),
        ("imports change %", "imports change (%)"),
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
    let table = TextTable {
        headers: columns.iter().map(|c| c.0.to_string()).collect(),
        rows,
    };
    (table, columns.iter().map(|c| c.1.to_string()).collect())
}

/// Show a run's warnings (unless quiet) and write its folder with `--out`.
fn warn_and_write(
    common: &CommonArgs,
    output: &walras_api::Output,
    provenance: &walras_api::Provenance,
    manifest: &mut RunManifest,
) -> Result<()> {
    if !common.quiet {
        for warning in &provenance.warnings {
            eprintln!("warning: {warning}");
        }
    }
    if let Some(dir) = &common.out {
        write_output(dir, output, provenance, manifest)?;
    }
    Ok(())
}

/// Print a policy run (and write its folder with `--out`).
fn report(common: &CommonArgs, run: &PolicyRun, manifest: &mut RunManifest) -> Result<()> {
    warn_and_write(common, &run.output, &run.provenance, manifest)?;
    if common.verbose > 0 {
        if let Some(work) = run.output.json.get("engine_work") {
            eprintln!("engine work: {work}");
        }
    }
    let (table, shown) = country_table(&run.model, &run.result);
    print_with_headers(common.format, &table, &shown, &run.output.json, &run.title)?;
    Ok(())
}

fn game(
    common: &CommonArgs,
    args: &TradeGameArgs,
    manifest: &mut RunManifest,
    cooperative: bool,
) -> Result<()> {
    let eco = economy(&args.economy, common.quiet)?;
    let spinner = Progress::spinner(
        if cooperative {
            "cooperative optimum"
        } else {
            "Nash equilibrium"
        },
        common.quiet,
    );
    let run = if cooperative {
        let observer: Arc<dyn Observer> = Arc::new(EngineWatch::new(&spinner, false, true));
        cooperate(
            &eco,
            &CooperateRequest {
                instruments: instruments(&args.instruments)?,
                aggregation: args.aggregation.clone(),
                tol: args.tol,
                start: args.start.clone(),
                observer,
            },
        )
    } else {
        // Rounds reach the spinner and the -v lines through the observer.
        let observer: Arc<dyn Observer> =
            Arc::new(EngineWatch::new(&spinner, common.verbose > 0, false));
        nash(&eco, &nash_request(args, observer)?)
    };
    spinner.finish();
    report(common, &run?, manifest)
}

fn nash_request(args: &TradeGameArgs, observer: Arc<dyn Observer>) -> Result<NashRequest> {
    Ok(NashRequest {
        instruments: instruments(&args.instruments)?,
        method: args.method.clone(),
        schedule: args.schedule.clone(),
        damping: args.damping,
        tol: args.tol,
        start: args.start.clone(),
        second_order: args.second_order,
        observer,
    })
}

/// Policies' and welfare's derivatives in the elasticities at the exercise's solution.
fn sensitivity_cmd(
    common: &CommonArgs,
    args: &SensitivityArgs,
    manifest: &mut RunManifest,
) -> Result<()> {
    let eco = economy(&args.game.economy, common.quiet)?;
    let spinner = Progress::spinner(
        &format!("{} solution and its derivatives", args.exercise),
        common.quiet,
    );
    let observer: Arc<dyn Observer> =
        Arc::new(EngineWatch::new(&spinner, common.verbose > 0, false));
    let run = sensitivity(
        &eco,
        &SensitivityRequest {
            exercise: args.exercise.clone(),
            nash: nash_request(&args.game, observer)?,
            country: args.country.clone(),
            aggregation: args.game.aggregation.clone(),
        },
    );
    spinner.finish();
    let run = run?;
    warn_and_write(common, &run.output, &run.provenance, manifest)?;
    let s = &run.sensitivity;
    // The terminal shows each policy's largest response; the JSON has every entry.
    let rows = (0..s.policies.len())
        .map(|i| {
            let (k, v) =
                s.jacobian
                    .row(i)
                    .iter()
                    .enumerate()
                    .fold((0, 0.0_f64), |best, (k, &v)| {
                        if v.abs() > best.1.abs() {
                            (k, v)
                        } else {
                            best
                        }
                    });
            vec![
                s.policies[i].clone(),
                format!("{:.2}", 100.0 * s.policy_values[i]),
                s.parameters[k].clone(),
                format!("{:.4}", 100.0 * v),
                match s.bound[i] {
                    Some(walras_core::Bound::Lower) => "lower".into(),
                    Some(walras_core::Bound::Upper) => "upper".into(),
                    None => String::new(),
                },
            ]
        })
        .collect();
    let table = TextTable {
        headers: [
            "policy",
            "value (%)",
            "most sensitive to",
            "d value / d parameter (pp)",
            "at bound",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    };
    let preface = format!(
        "Comparative statics of the {} solution in {} elasticities (condition number {:.1e}).",
        args.exercise,
        s.parameters.len(),
        s.condition_number
    );
    print(common.format, &table, &run.output.json, &preface).context("writing to stdout")
}

fn optimal_cmd(common: &CommonArgs, args: &OptimalArgs, manifest: &mut RunManifest) -> Result<()> {
    let eco = economy(&args.economy, common.quiet)?;
    let spinner = Progress::spinner("unilateral optimum", common.quiet);
    let run = optimal(
        &eco,
        &OptimalRequest {
            country: args.country.clone(),
            instruments: instruments(&args.instruments)?,
            tol: args.tol,
            observer: Arc::new(EngineWatch::new(&spinner, false, true)),
        },
    );
    spinner.finish();
    report(common, &run?, manifest)
}

fn counterfactual_cmd(
    common: &CommonArgs,
    args: &CounterfactualArgs,
    manifest: &mut RunManifest,
) -> Result<()> {
    let eco = economy(&args.economy, common.quiet)?;
    let run = counterfactual(&eco, &args.tariffs)?;
    report(common, &run, manifest)
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

/// Trade elasticities by sector from the data.
fn estimate(common: &CommonArgs, args: &EstimateArgs, manifest: &mut RunManifest) -> Result<()> {
    let run = estimate_elasticities(&EstimateRequest {
        layout: args.layout.clone(),
        from: args.from.clone(),
        trim: args.trim,
    })?;
    if let Some(dir) = &common.out {
        write_output(dir, &run.output, &run.provenance, manifest)?;
    }
    let rows = run
        .sectors
        .iter()
        .map(|s| {
            vec![
                s.sector.clone(),
                format!("{:.2}", s.theta),
                format!("{:.2}", s.std_err),
                s.n_obs.to_string(),
                format!("{:.3}", s.r2),
                format!("{:.2}", s.theta_data),
            ]
        })
        .collect();
    let table = TextTable {
        headers: [
            "sector",
            "theta",
            "s.e.",
            "triples",
            "R^2",
            "theta in the data",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    };
    let preface = format!(
        "Caliendo and Parro's triple difference by sector ({}, trim {}): OLS without a constant, robust standard errors.",
        args.from.display(),
        args.trim
    );
    print(common.format, &table, &run.output.json, &preface).context("writing to stdout")
}

/// War, dual competition and cooperation on one economy.
fn compare(common: &CommonArgs, args: &TradeCompareArgs, manifest: &mut RunManifest) -> Result<()> {
    let eco = economy(&args.economy, common.quiet)?;
    let spinner = Progress::spinner("war, dual competition, cooperation", common.quiet);
    let run = compare_scenarios(
        &eco,
        &CompareRequest {
            tariff_structure: args.tariff_structure.clone(),
            tol: args.tol,
            observer: Arc::new(EngineWatch::new(&spinner, false, false)),
        },
    );
    spinner.finish();
    let run = run?;
    if let Some(dir) = &common.out {
        write_output(dir, &run.output, &run.provenance, manifest)?;
    }
    let rows = run
        .scenarios
        .iter()
        .flat_map(|(name, _, r)| {
            run.countries.iter().enumerate().map(move |(n, c)| {
                vec![
                    name.clone(),
                    c.clone(),
                    num(Some(r.summary.mean_tariff[n])),
                    num(Some(r.outcome.welfare_change_pct[n])),
                ]
            })
        })
        .collect();
    let table = TextTable {
        headers: headers(&["scenario", "country", "mean tariff", "welfare change %"]),
        rows,
    };
    let shown = headers(&[
        "scenario",
        "country",
        "mean tariff (fraction)",
        "welfare change (%)",
    ]);
    print_with_headers(
        common.format,
        &table,
        &shown,
        &run.output.json,
        "Tariff war vs dual competition vs cooperation",
    )?;
    Ok(())
}

/// Bands around the Nash war (or an optimum) from the elasticities' uncertainty.
fn uncertainty_cmd(
    common: &CommonArgs,
    args: &UncertaintyArgs,
    manifest: &mut RunManifest,
) -> Result<()> {
    let eco = economy(&args.game.economy, common.quiet)?;
    let source = match (&args.se_rel, &args.covariance, &args.draws_file) {
        (Some(x), _, _) => ParameterSource::RelativeStdErr(*x),
        (_, Some(f), _) => ParameterSource::Covariance(f.clone()),
        (_, _, Some(f)) => ParameterSource::DrawsFile(f.clone()),
        _ => ParameterSource::ElasticitySets,
    };
    let spinner = Progress::spinner("Nash war and its derivatives", common.quiet);
    let observer: Arc<dyn Observer> = Arc::new(EngineWatch::new(&spinner, false, false));
    let shown = spinner.clone();
    let run = uncertainty(
        &eco,
        &UncertaintyRequest {
            sensitivity: SensitivityRequest {
                exercise: args.exercise.clone(),
                nash: nash_request(&args.game, observer)?,
                country: args.country.clone(),
                aggregation: args.game.aggregation.clone(),
            },
            draws: args.draws,
            seed: args.seed,
            source,
            on_draw: Arc::new(move |k, n| shown.message(format!("re-solved draw {k} of {n}"))),
        },
    );
    spinner.finish();
    let run = run?;
    warn_and_write(common, &run.output, &run.provenance, manifest)?;
    let j = &run.output.json;
    let pct = |v: &serde_json::Value| v.as_f64().map_or("-".to_string(), |x| format!("{x:.2}"));
    let table = band_table(
        &j["welfare"],
        ("country", "welfare_change_pct"),
        pct,
        [
            "country",
            "welfare change (%)",
            "90% band, delta method",
            "90% band, re-solved draws",
        ],
    );
    let what = match args.exercise.as_str() {
        "optimal" => "Unilateral optimum",
        "cooperate" => "Cooperative optimum",
        _ => "Nash war",
    };
    let preface = band_preface(what, "re-solved", "largest policy gap", j);
    print(common.format, &table, j, &preface).context("writing to stdout")
}
