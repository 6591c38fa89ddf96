//! `walras tax`: Saez rates, optimal brackets and the optimal nonlinear schedule, computed by
//! [`walras_api::tax`] and printed or written here.

use std::sync::Arc;

use anyhow::{bail, Context, Result};
use walras_api::tax::{
    compare as compare_schedules, evaluate as evaluate_schedule, finite,
    mirrlees as solve_mirrlees, optimize as optimize_brackets, saez as saez_rates, CompareRequest,
    EvaluateRequest, Incomes, MirrleesRequest, OptimizeRequest, SaezRequest,
};
use walras_api::{write_output, Output, Provenance};
use walras_data::RunManifest;

use crate::args::{
    CommonArgs, CompareArgs, EvaluateArgs, MirrleesArgs, OptimizeArgs, SaezArgs, TaxCommand,
};
use crate::output::{num, print, print_with_headers, TextTable};
use crate::progress::{EngineWatch, Progress};

/// Run a `walras tax` subcommand.
pub fn run(common: &CommonArgs, command: &TaxCommand, command_line: Vec<String>) -> Result<()> {
    let mut manifest = RunManifest::start(env!("CARGO_PKG_VERSION"), command_line);
    match command {
        TaxCommand::Saez(args) => saez(common, args, &mut manifest),
        TaxCommand::Optimize(args) => optimize(common, args, &mut manifest),
        TaxCommand::Mirrlees(args) => mirrlees(common, args, &mut manifest),
        TaxCommand::Compare(args) => compare(common, args, &mut manifest),
        TaxCommand::Evaluate(args) => evaluate(common, args, &mut manifest),
        TaxCommand::Sensitivity(args) => {
            super::tax_statics::sensitivity(common, args, &mut manifest)
        }
        TaxCommand::Uncertainty(args) => {
            super::tax_statics::uncertainty(common, args, &mut manifest)
        }
        TaxCommand::Gtb(args) => super::gtb::run(common, &args.command, &mut manifest),
    }
}

/// Print the warnings, and write the output folder if `--out` was given.
pub(super) fn finish(
    common: &CommonArgs,
    output: &Output,
    provenance: &Provenance,
    manifest: &mut RunManifest,
) -> Result<()> {
    for warning in &provenance.warnings {
        eprintln!("warning: {warning}");
    }
    if let Some(dir) = &common.out {
        write_output(dir, output, provenance, manifest)?;
    }
    Ok(())
}

/// An income unit in a terminal header: `usd` -> `USD`.
fn unit_header(unit: Option<&str>) -> &'static str {
    match unit {
        Some("usd") => "USD",
        Some("thousand-usd") => "thousand USD",
        _ => "model units",
    }
}

/// The terminal headers of [`bracket_table`], with the cutoffs' unit.
fn bracket_headers(unit: Option<&str>) -> Vec<String> {
    let unit = unit_header(unit);
    vec![
        "bracket".into(),
        format!("lower ({unit})"),
        format!("upper ({unit})"),
        "rate (fraction)".into(),
    ]
}

/// Bracket rows: lower and upper cutoff (blank for the top) and rate.
fn bracket_table(cutoffs: &[f64], rates: &[Option<f64>]) -> TextTable {
    TextTable {
        headers: ["bracket", "lower", "upper", "rate"]
            .map(String::from)
            .to_vec(),
        rows: rates
            .iter()
            .enumerate()
            .map(|(b, r)| {
                vec![
                    (b + 1).to_string(),
                    num(Some(cutoffs[b])),
                    num(cutoffs.get(b + 1).copied()),
                    r.map_or("null (no incomes)".into(), |r| num(Some(r))),
                ]
            })
            .collect(),
    }
}

fn saez(common: &CommonArgs, args: &SaezArgs, manifest: &mut RunManifest) -> Result<()> {
    let request = SaezRequest {
        incomes: args
            .incomes
            .clone()
            .map_or(Incomes::Embedded, Incomes::File),
        elasticity: args.elasticity,
        weights: args.weights.clone(),
        cutoffs: args.cutoffs.clone(),
        rate_min: args.rate_min,
        rate_max: args.rate_max,
        estimator: args.estimator.parse()?,
        income_units: args.income_units.clone(),
    };
    let run = saez_rates(&request)?;
    finish(common, &run.output, &run.provenance, manifest)?;
    let preface = format!(
        "Saez bracket rates ({} estimator, e = {}, {} weights) from {} incomes ({})",
        args.estimator, args.elasticity, args.weights, run.n_incomes, run.source
    );
    let table = bracket_table(&run.cutoffs, &run.rates);
    let shown = bracket_headers(Some(run.model_units));
    print_with_headers(common.format, &table, &shown, &run.output.json, &preface)
        .context("writing to stdout")?;
    Ok(())
}

/// The request of `walras tax optimize` (and of sensitivity and uncertainty) from its flags.
pub(super) fn optimize_request(
    args: &OptimizeArgs,
    observer: Arc<dyn walras_core::Observer>,
) -> Result<OptimizeRequest> {
    let hours = match args.hours.as_deref() {
        None => None,
        Some([min, max]) => Some((*min, *max)),
        Some(other) => bail!("--hours needs MIN,MAX, got {other:?}"),
    };
    Ok(OptimizeRequest {
        skills: args.skills.clone(),
        elasticity: args.elasticity,
        swf: args.swf.clone(),
        brackets: args.brackets,
        cutoffs: args.cutoffs.clone(),
        agents: args.agents,
        optimize_cutoffs: args.optimize_cutoffs,
        rate_max: args.rate_max,
        utility: args.utility.clone(),
        hours,
        income_units: args.income_units.clone(),
        observer,
    })
}

fn optimize(common: &CommonArgs, args: &OptimizeArgs, manifest: &mut RunManifest) -> Result<()> {
    let progress = Progress::spinner("optimal brackets", common.quiet);
    progress.message(format!("{} brackets", args.brackets));
    let request = optimize_request(args, Arc::new(EngineWatch::new(&progress, false, true)));
    let request = match request {
        Ok(r) => r,
        Err(e) => {
            progress.finish();
            return Err(e);
        }
    };
    let run = optimize_brackets(&request);
    progress.finish();
    let run = run?;
    if common.verbose > 0 {
        eprintln!("optimizer: {:?}", run.optimum.report);
    }
    finish(common, &run.output, &run.provenance, manifest)?;
    let (best, report) = (&run.optimum.evaluation, &run.optimum.report);
    let table = bracket_table(
        &best.cutoffs,
        &best.rates.iter().map(|r| Some(*r)).collect::<Vec<_>>(),
    );
    let preface = format!(
        "Optimal brackets ({}; {}): transfer {:.6}, SWF {:.6}, {} iterations{}",
        args.swf,
        run.skills,
        best.transfer,
        best.swf,
        report.iterations,
        if run.optimum.converged {
            String::new()
        } else {
            format!(" (NOT CONVERGED: {})", run.optimum.stop_reason)
        }
    );
    let unit = run.output.json["model_units"].as_str();
    let shown = bracket_headers(unit);
    print_with_headers(common.format, &table, &shown, &run.output.json, &preface)
        .context("writing to stdout")?;
    Ok(())
}

fn mirrlees(common: &CommonArgs, args: &MirrleesArgs, manifest: &mut RunManifest) -> Result<()> {
    let [low, high] = args.truncate[..] else {
        bail!(
            "--truncate needs two quantiles LOW,HIGH, got {:?}",
            args.truncate
        );
    };
    let request = MirrleesRequest {
        skills: args.skills.clone(),
        truncate: (low, high),
        elasticity: args.elasticity,
        swf: args.swf.clone(),
        grid: args.grid,
    };
    let run = solve_mirrlees(&request)?;
    finish(common, &run.output, &run.provenance, manifest)?;
    let s = &run.schedule;
    let step = (s.skill.len() / 20).max(1);
    let table = TextTable {
        headers: ["skill", "income", "marginal_rate", "tax"]
            .map(String::from)
            .to_vec(),
        rows: (0..s.skill.len())
            .filter(|i| i % step == 0 || *i + 1 == s.skill.len())
            .map(|i| {
                vec![
                    num(Some(s.skill[i])),
                    num(Some(s.income[i])),
                    num(Some(s.marginal_rate[i])),
                    num(Some(s.tax[i])),
                ]
            })
            .collect(),
    };
    let preface = format!(
        "Optimal nonlinear schedule ({}, {}, e = {}): transfer {:.6}, SWF {:.6}, {} iterations (every {step}th grid point shown)",
        args.swf, args.skills, args.elasticity, s.transfer, s.swf, s.iterations
    );
    print(common.format, &table, &run.output.json, &preface).context("writing to stdout")?;
    Ok(())
}

fn compare(common: &CommonArgs, args: &CompareArgs, manifest: &mut RunManifest) -> Result<()> {
    let progress = Progress::spinner("tax compare", common.quiet);
    let e = &args.economy;
    let request = CompareRequest {
        skills: e.skills.clone(),
        elasticity: e.elasticity,
        swf: e.swf.clone(),
        cutoffs: e.cutoffs.clone(),
        agents: e.agents,
        rate_max: args.rate_max,
        income_units: e.income_units.clone(),
        observer: Arc::new(EngineWatch::new(&progress, false, true)),
    };
    let run = compare_schedules(&request);
    progress.finish();
    let run = run?;
    finish(common, &run.output, &run.provenance, manifest)?;
    let table = TextTable {
        headers: [
            "schedule",
            "transfer",
            "swf",
            "gini",
            "productivity",
            "eq_x_prod",
            "rates",
        ]
        .map(String::from)
        .to_vec(),
        rows: run
            .schedules
            .iter()
            .map(|e| {
                let rates: Vec<String> = e.rates.iter().map(|r| format!("{r:.3}")).collect();
                vec![
                    e.label.clone(),
                    num(finite(e.transfer)),
                    num(finite(e.swf)),
                    num(finite(e.gini)),
                    num(finite(e.productivity)),
                    num(finite(e.equality_times_productivity)),
                    rates.join(" "),
                ]
            })
            .collect(),
    };
    let unit = unit_header(run.output.json["economy"]["model_units"].as_str());
    let shown = vec![
        "schedule".into(),
        format!("transfer ({unit}/year)"),
        "SWF".into(),
        "Gini".into(),
        format!("productivity ({unit}/year)"),
        format!("equality x productivity ({unit}/year)"),
        "marginal rates by bracket".into(),
    ];
    let show = |v: Option<f64>| v.map_or("undefined".to_string(), |v| format!("{v:+.2}%"));
    let (swf_gain, eqp_gain) = run.optimal_vs_saez_pct;
    let preface = format!(
        "Tax schedules compared ({}; e = {}; SWF {}). Optimal vs Saez: SWF {}, equality x productivity {}.{}",
        run.skills,
        e.elasticity,
        e.swf,
        show(swf_gain),
        show(eqp_gain),
        if run.optimum.converged {
            String::new()
        } else {
            format!(" Optimiser NOT CONVERGED: {}.", run.optimum.stop_reason)
        }
    );
    print_with_headers(common.format, &table, &shown, &run.output.json, &preface)
        .context("writing to stdout")?;
    Ok(())
}

fn evaluate(common: &CommonArgs, args: &EvaluateArgs, manifest: &mut RunManifest) -> Result<()> {
    let progress = Progress::spinner("tax evaluate", common.quiet);
    let e = &args.economy;
    let request = EvaluateRequest {
        schedule: args.schedule.clone(),
        rates: args.rates.clone(),
        skills: e.skills.clone(),
        elasticity: e.elasticity,
        swf: e.swf.clone(),
        cutoffs: e.cutoffs.clone(),
        agents: e.agents,
        rate_max: args.rate_max,
        income_units: e.income_units.clone(),
        observer: Arc::new(EngineWatch::new(&progress, false, true)),
    };
    let run = evaluate_schedule(&request);
    progress.finish();
    let run = run?;
    finish(common, &run.output, &run.provenance, manifest)?;
    let ev = &run.evaluation;
    let unit = run.output.json["economy"]["model_units"].as_str();
    let rates: Vec<Option<f64>> = ev.rates.iter().copied().map(Some).collect();
    let table = bracket_table(&ev.cutoffs, &rates);
    let preface = format!(
        "{} ({}; e = {}; SWF {}): transfer {} {u}/year, SWF {}, Gini {}, productivity {} {u}/year, equality x productivity {} {u}/year.",
        ev.label,
        run.skills,
        e.elasticity,
        e.swf,
        num(finite(ev.transfer)),
        num(finite(ev.swf)),
        num(finite(ev.gini)),
        num(finite(ev.productivity)),
        num(finite(ev.equality_times_productivity)),
        u = unit_header(unit),
    );
    print_with_headers(
        common.format,
        &table,
        &bracket_headers(unit),
        &run.output.json,
        &preface,
    )
    .context("writing to stdout")?;
    Ok(())
}
