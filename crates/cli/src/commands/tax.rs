//! `walras tax`: Saez rates, optimal brackets and the optimal nonlinear schedule.

use std::path::Path;

use anyhow::{anyhow, bail, ensure, Context, Result};
use serde_json::json;
use walras_data::tax::{
    cps_sample, cutoff_set, income_scale, load_incomes, CutoffSet, IncomeSample, IncomeUnit,
    ScaleVerdict, SCALE_REFUSE, SCALE_REFUSE_BELOW,
};
use walras_data::tax_population::IncomeUnits;
use walras_data::{
    write_json, write_table, PopulationError, RunManifest, SkillSource, Table, TaxPopulation,
};
use walras_plot::{line_chart, LineChart, Series, Theme};
use walras_tax::{
    aie_binned_saez, check_elasticity, check_saez_rates, check_saez_sample, quantile_cutoffs,
    solve_mirrlees, CheckedSaezRates, MirrleesOptions, SaezWeights, SkillDistribution, Swf,
    TaxEconomy, TaxOptimum, Utility,
};

use walras_tax::Evaluation;

use crate::args::{CommonArgs, CompareArgs, MirrleesArgs, OptimizeArgs, SaezArgs, TaxCommand};
use crate::output::{num, print, TextTable};
use crate::progress::{EngineWatch, Progress};

/// Run a `walras tax` subcommand.
pub fn run(common: &CommonArgs, command: &TaxCommand, command_line: Vec<String>) -> Result<()> {
    let mut manifest = RunManifest::start(env!("CARGO_PKG_VERSION"), command_line);
    match command {
        TaxCommand::Saez(args) => saez(common, args, &mut manifest),
        TaxCommand::Optimize(args) => optimize(common, args, &mut manifest),
        TaxCommand::Mirrlees(args) => mirrlees(common, args, &mut manifest),
        TaxCommand::Compare(args) => compare(common, args, &mut manifest),
    }
}

fn incomes(path: Option<&Path>, manifest: &mut RunManifest) -> Result<IncomeSample> {
    Ok(match path {
        Some(p) => {
            manifest.add_input(p)?;
            load_incomes(p).with_context(|| format!("--incomes {}", p.display()))?
        }
        None => cps_sample().context("the embedded CPS sample")?,
    })
}

fn cutoffs(spec: &str, manifest: &mut RunManifest) -> Result<CutoffSet> {
    if Path::new(spec).is_file() {
        manifest.add_input(Path::new(spec))?;
    }
    cutoff_set(spec).with_context(|| {
        format!("--cutoffs {spec}: expected aie-us-federal, us-federal-2018 or a file with a column `cutoff`")
    })
}

/// The units of incomes read from data (see [`IncomeUnits::resolve`]).
fn income_units(
    flag: Option<&str>,
    embedded_cps: bool,
    cutoffs: Option<IncomeUnit>,
) -> Result<IncomeUnits> {
    let declared = flag
        .map(|u| {
            u.parse::<IncomeUnit>()
                .map_err(|e| anyhow!("--income-units: {e}"))
        })
        .transpose()?;
    IncomeUnits::resolve(embedded_cps, declared, cutoffs)
        .map_err(|e| anyhow!("--income-units: {e}"))
}

/// Refuse incomes whose scale is implausible for the cutoffs and warn about a doubtful one
/// (the rule of [`income_scale`]); `sample` is already in the cutoffs' unit.
fn check_income_scale(
    sample: &IncomeSample,
    cutoffs: &CutoffSet,
    units: IncomeUnits,
    flag: Option<&str>,
) -> Result<()> {
    let Some(scale) = income_scale(&sample.incomes, sample.weights.as_deref(), &cutoffs.cutoffs)
    else {
        return Ok(());
    };
    let read_as = match flag {
        Some(_) => format!("read as {} (--income-units)", units.data),
        None => format!("read as {} (the default for these cutoffs)", units.data),
    };
    let converted = if units.data == units.model {
        String::new()
    } else {
        format!(" and converted to {}", units.model)
    };
    let suggestion = if scale.median > scale.top_cutoff {
        match units.data {
            IncomeUnit::ThousandUsd => "if the incomes are in USD, pass --income-units usd".into(),
            IncomeUnit::Usd => {
                "check the incomes' unit (--income-units usd|thousand-usd) and the cutoffs"
                    .to_string()
            }
        }
    } else {
        match units.data {
            IncomeUnit::Usd => {
                "if the incomes are in thousands of USD, pass --income-units thousand-usd".into()
            }
            IncomeUnit::ThousandUsd => {
                "check the incomes' unit (--income-units usd|thousand-usd) and the cutoffs"
                    .to_string()
            }
        }
    };
    let message = format!(
        "incomes of {} {read_as}{converted}: {} of --cutoffs {}",
        sample.source,
        scale.describe(units.model.name()),
        cutoffs.name,
    );
    match scale.verdict {
        ScaleVerdict::Implausible => bail!(
            "{message}; refused: the median positive income must lie between 1/{SCALE_REFUSE_BELOW} of the first cutoff and {SCALE_REFUSE} times the top cutoff; {suggestion}"
        ),
        ScaleVerdict::Doubtful => {
            eprintln!("warning: {message}; {suggestion}");
            Ok(())
        }
        ScaleVerdict::Plausible => Ok(()),
    }
}

/// Numbers as text, blank where not finite (a CSV column without NaN or inf).
fn finite_or_blank(values: &[f64]) -> Vec<String> {
    values
        .iter()
        .map(|v| {
            if v.is_finite() {
                v.to_string()
            } else {
                String::new()
            }
        })
        .collect()
}

/// A finite number or nothing (null in JSON, blank in tables).
fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Warnings on stderr for the brackets without a Saez rate.
fn warn_empty_brackets(checked: &CheckedSaezRates, what: &str) {
    for note in checked.notes.iter().flatten() {
        eprintln!("warning: {what}: {note}; its rate is null");
    }
}

/// The optimiser's stop for JSON, and a warning on stderr when it did not converge.
fn optimizer_status(opt: &TaxOptimum) -> serde_json::Value {
    if !opt.converged {
        eprintln!(
            "warning: the optimiser stopped before convergence ({}); the result is labelled converged: false",
            opt.stop_reason
        );
    }
    json!({"converged": opt.converged, "stop_reason": opt.stop_reason, "termination": opt.report.termination})
}

/// `null_reasons` of an evaluation: the statistics reported as null, with why.
fn null_reasons(e: &Evaluation) -> serde_json::Value {
    e.undefined_statistics()
        .into_iter()
        .map(|(k, why)| (k.to_string(), serde_json::Value::String(why)))
        .collect::<serde_json::Map<_, _>>()
        .into()
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

fn bracket_csv(cutoffs: &[f64], rates: &[f64]) -> Result<Table> {
    bracket_csv_checked(
        cutoffs,
        &rates.iter().map(|r| Some(*r)).collect::<Vec<_>>(),
        &[],
    )
}

/// Bracket rows with rates that may be missing (an empty `rate` and a `note` saying why).
fn bracket_csv_checked(
    cutoffs: &[f64],
    rates: &[Option<f64>],
    notes: &[Option<String>],
) -> Result<Table> {
    let table = Table::new()
        .with_f64("bracket", (1..=rates.len()).map(|b| b as f64).collect())?
        .with_f64("lower", cutoffs.to_vec())?
        .with_f64(
            "upper",
            (0..rates.len())
                .map(|b| cutoffs.get(b + 1).copied().unwrap_or(f64::INFINITY))
                .collect(),
        )?;
    if notes.iter().all(Option::is_none) && rates.iter().all(Option::is_some) {
        return Ok(table.with_f64("rate", rates.iter().map(|r| r.unwrap_or(0.0)).collect())?);
    }
    Ok(table
        .with_str(
            "rate",
            rates
                .iter()
                .map(|r| r.map_or(String::new(), |r| r.to_string()))
                .collect(),
        )?
        .with_str(
            "note",
            (0..rates.len())
                .map(|b| notes.get(b).cloned().flatten().unwrap_or_default())
                .collect(),
        )?)
}

/// Per-agent outcomes of an evaluated schedule.
fn agents_table(e: &Evaluation) -> Result<Table> {
    let col = |f: fn(&walras_tax::AgentRecord) -> f64| e.agents.iter().map(f).collect::<Vec<f64>>();
    Ok(Table::new()
        .with_f64("skill", col(|a| a.skill))?
        .with_f64("weight", col(|a| a.weight))?
        .with_str(
            "choice",
            e.agents.iter().map(|a| format!("{:?}", a.choice)).collect(),
        )?
        .with_f64("labor", col(|a| a.labor))?
        .with_f64("income", col(|a| a.income))?
        .with_f64("tax", col(|a| a.tax))?
        .with_f64("consumption", col(|a| a.consumption))?
        .with_f64("utility", col(|a| a.utility))?)
}

/// Write tables, JSON, figures (SVG and PNG) and the manifest into `dir`.
fn write_run(
    dir: &Path,
    manifest: &mut RunManifest,
    json_name: &str,
    json: &serde_json::Value,
    tables: Vec<(&str, Table)>,
    figures: Vec<(&str, LineChart)>,
) -> Result<()> {
    let path = dir.join(json_name);
    write_json(&path, json)?;
    manifest.add_output(&path);
    for (name, table) in tables {
        let path = dir.join(name);
        write_table(&path, &table)?;
        manifest.add_output(&path);
    }
    let theme = Theme::paper();
    for (stem, chart) in figures {
        for ext in ["svg", "png"] {
            let path = dir.join(format!("{stem}.{ext}"));
            line_chart(&path, &chart, &theme)?;
            manifest.add_output(&path);
        }
    }
    manifest.finish_and_write(dir)?;
    Ok(())
}

fn saez(common: &CommonArgs, args: &SaezArgs, manifest: &mut RunManifest) -> Result<()> {
    let weights: SaezWeights = args.weights.parse().context("--weights")?;
    check_elasticity("elasticity", args.elasticity).context("--elasticity")?;
    let cutoff_set = cutoffs(&args.cutoffs, manifest)?;
    let units = income_units(
        args.income_units.as_deref(),
        args.incomes.is_none(),
        cutoff_set.unit,
    )?;
    let sample = incomes(args.incomes.as_deref(), manifest)?.scaled(units.factor());
    let source_flag = args
        .incomes
        .as_ref()
        .map_or("the embedded CPS sample".to_string(), |p| {
            format!("--incomes {}", p.display())
        });
    ensure!(
        args.rate_min.is_finite() && args.rate_max.is_finite() && args.rate_min <= args.rate_max,
        "--rate-min {} and --rate-max {}: need finite bounds with min <= max",
        args.rate_min,
        args.rate_max
    );
    check_saez_sample(&sample.incomes, sample.weights.as_deref())
        .with_context(|| source_flag.clone())?;
    check_income_scale(&sample, &cutoff_set, units, args.income_units.as_deref())?;
    let cutoffs = cutoff_set.cutoffs.clone();
    manifest.set_parameters(&json!({"estimator": args.estimator, "elasticity": args.elasticity, "weights": args.weights, "cutoffs": args.cutoffs, "incomes": sample.source, "income_units": units.data.name(), "model_units": units.model.name(), "rate_min": args.rate_min, "rate_max": args.rate_max}))?;
    let sw = sample.weights.as_deref();
    let mut json = json!({
        "estimator": args.estimator,
        "elasticity": args.elasticity,
        "weights": args.weights,
        "incomes": sample.source,
        "n_incomes": sample.incomes.len(),
        "sample_weighted": sample.weights.is_some(),
        "income_units": units.data.name(),
        "cutoff_units": cutoff_set.unit.map(IncomeUnit::name),
        "income_conversion_factor": units.factor(),
    });
    let top = *cutoffs.last().expect("cutoffs");
    let (rates, tables, curve) = if args.estimator == "smooth" {
        let est = walras_tax::smooth_saez(
            &sample.incomes,
            sw,
            &cutoffs,
            args.elasticity,
            weights,
            200,
            (args.rate_min, args.rate_max),
        )
        .context("smooth Saez estimator")?;
        json["bandwidth_log_income"] = json!(est.bandwidth);
        json["grid"] = json!({"income": est.income, "tau": est.tau, "g": est.g, "a": est.a});
        let grid = Table::new()
            .with_f64("income", est.income.clone())?
            .with_f64("g", est.g.clone())?
            .with_str("a", finite_or_blank(&est.a))?
            .with_f64("tau", est.tau.clone())?;
        let curve = Series {
            label: "tau(z)".into(),
            x: est.income.clone(),
            y: est.tau.clone(),
        };
        (est.rates, vec![("saez_grid.csv", grid)], curve)
    } else {
        let est = aie_binned_saez(
            &sample.incomes,
            sw,
            &cutoffs,
            args.elasticity,
            weights,
            args.rate_min,
            args.rate_max,
        )
        .context("Saez estimator")?;
        let unclipped = check_saez_rates(&est.rates_unclipped, &sample.incomes, sw, &cutoffs);
        json["rates_unclipped"] = json!(unclipped.rates);
        let bins = Table::new()
            .with_f64("lower", est.bin_edges[..100].to_vec())?
            .with_f64("upper", est.bin_edges[1..].to_vec())?
            .with_f64("count", est.counts.clone())?
            .with_f64("g", est.bin_g[..100].to_vec())?
            .with_str("a", finite_or_blank(&est.bin_a[..100]))?
            .with_f64("tau", est.bin_tau[..100].to_vec())?;
        let mids: Vec<f64> = est
            .bin_edges
            .windows(2)
            .map(|w| 0.5 * (w[0] + w[1]))
            .collect();
        let curve = Series {
            label: "bin rate".into(),
            x: mids,
            y: est.bin_tau[..100].to_vec(),
        };
        (est.rates, vec![("saez_bins.csv", bins)], curve)
    };
    let checked = check_saez_rates(&rates, &sample.incomes, sw, &cutoffs);
    warn_empty_brackets(&checked, "Saez rates");
    json["cutoffs"] = json!(cutoffs);
    json["rates"] = json!(checked.rates);
    json["rate_notes"] = json!(checked.notes);
    json["empty_brackets"] = json!(checked
        .empty_brackets
        .iter()
        .map(|b| b + 1)
        .collect::<Vec<_>>());
    json["bracket_counts"] = json!(checked.counts);
    json["estimator_rates"] = json!(rates);
    let table = bracket_table(&cutoffs, &checked.rates);

    if let Some(dir) = &common.out {
        let chart = LineChart {
            title: format!("Saez marginal rates ({} estimator)", args.estimator),
            x_label: "income".into(),
            y_label: "marginal tax rate".into(),
            series: vec![
                curve,
                crate::figures::tax::rate_steps_checked(
                    "bracket rate",
                    &cutoffs,
                    &checked.rates,
                    top,
                ),
            ],
            log_x: false,
            log_y: false,
        };
        let mut all_tables = vec![(
            "saez_rates.csv",
            bracket_csv_checked(&cutoffs, &checked.rates, &checked.notes)?,
        )];
        all_tables.extend(tables);
        write_run(
            dir,
            manifest,
            "saez.json",
            &json,
            all_tables,
            vec![("saez_rates", chart)],
        )?;
    }
    let preface = format!(
        "Saez bracket rates ({} estimator, e = {}, {} weights) from {} incomes ({})",
        args.estimator,
        args.elasticity,
        args.weights,
        sample.incomes.len(),
        sample.source
    );
    print(common.format, &table, &json, &preface).context("writing to stdout")?;
    Ok(())
}

/// Agents for `--skills` (see [`TaxPopulation::load`]), with the manifest's inputs recorded.
fn population(
    spec: &str,
    agents: usize,
    elasticity: f64,
    units: IncomeUnits,
    manifest: &mut RunManifest,
) -> Result<TaxPopulation> {
    let loaded =
        TaxPopulation::load_in_units(spec, agents, elasticity, units).map_err(|e| match e {
            PopulationError::TooFewAgents(n) => anyhow!("--agents must be at least 2, got {n}"),
            e => anyhow::Error::new(e).context(format!("--skills {spec}")),
        })?;
    for path in &loaded.inputs {
        manifest.add_input(path)?;
    }
    Ok(loaded)
}

fn optimize(common: &CommonArgs, args: &OptimizeArgs, manifest: &mut RunManifest) -> Result<()> {
    let swf: Swf = args.swf.parse().context("--swf")?;
    let utility =
        Utility::parse(&args.utility, args.elasticity).context("--utility / --elasticity")?;
    let data_skills = SkillSource::parse(&args.skills)
        .map(|s| s.is_earnings_data())
        .unwrap_or(false);
    ensure!(
        !data_skills || matches!(utility, Utility::QuasiLinear { .. }),
        "--skills {}: skills are inferred from earnings with the quasi-linear first-order condition; use --utility ql",
        args.skills
    );
    let labor = match args.hours.as_deref() {
        None => walras_tax::LaborSupply::Continuous,
        Some([min, max]) => walras_tax::LaborSupply::IntegerHours {
            min: *min,
            max: *max,
        },
        Some(other) => bail!("--hours needs MIN,MAX, got {other:?}"),
    };
    ensure!(
        args.rate_max > 0.0 && args.rate_max <= 1.0,
        "--rate-max must lie in (0, 1], got {}",
        args.rate_max
    );
    let cutoff_set = match &args.cutoffs {
        Some(spec) => Some(cutoffs(spec, manifest)?),
        None => None,
    };
    let units = income_units(
        args.income_units.as_deref(),
        matches!(SkillSource::parse(&args.skills), Ok(SkillSource::Cps)),
        cutoff_set.as_ref().and_then(|c| c.unit),
    )?;
    let loaded = population(&args.skills, args.agents, args.elasticity, units, manifest)?;
    if let (Some(set), Some(earnings)) = (&cutoff_set, &loaded.earnings) {
        check_income_scale(earnings, set, units, args.income_units.as_deref())?;
    }
    let TaxPopulation {
        population: pop,
        description: skills,
        ..
    } = loaded;
    let cutoffs = match &cutoff_set {
        Some(set) => set.cutoffs.clone(),
        None => {
            ensure!(args.brackets >= 1, "--brackets must be at least 1");
            quantile_cutoffs(&pop, &utility, args.brackets)?
        }
    };
    let economy = TaxEconomy::new(pop, utility, swf, cutoffs.clone())?
        .with_rate_bounds(0.0, args.rate_max)?
        .with_optimized_cutoffs(args.optimize_cutoffs)?
        .with_labor(labor)
        .context("--hours")?;
    let start = economy.policy_from_rates(&vec![0.2_f64.min(args.rate_max); cutoffs.len()]);
    manifest.set_parameters(&json!({"skills": args.skills, "elasticity": args.elasticity, "utility": utility, "labor": labor, "swf": args.swf, "cutoffs": cutoffs, "optimize_cutoffs": args.optimize_cutoffs, "rate_max": args.rate_max, "agents": args.agents}))?;
    let progress = Progress::spinner("optimal brackets", common.quiet);
    progress.message(format!(
        "{} agents, {} brackets",
        economy.population().len(),
        cutoffs.len()
    ));
    let watch = std::sync::Arc::new(EngineWatch::new(&progress, false, true));
    let optimum = economy
        .optimize_checked(&start, &economy.optimizer().with_observer(watch))
        .context("optimal brackets")?;
    progress.finish();
    let status = optimizer_status(&optimum);
    let (best, report) = (&optimum.evaluation, &optimum.report);
    manifest.add_report("optimizer", report)?;
    manifest.add_report("equilibrium", &best.report)?;
    if common.verbose > 0 {
        eprintln!("optimizer: {report:?}");
    }
    let json = json!({
        "cutoffs": best.cutoffs,
        "rates": best.rates,
        "transfer": finite(best.transfer),
        "swf": finite(best.swf),
        "swf_name": args.swf,
        "gini": finite(best.gini),
        "equality": finite(best.equality),
        "productivity": finite(best.productivity),
        "equality_times_productivity": finite(best.equality_times_productivity),
        "bunched_share": finite(best.bunched_share),
        "null_reasons": null_reasons(best),
        "skills": skills,
        "agents": economy.population().len(),
        "elasticity": args.elasticity,
        "income_units": units.data.name(),
        "model_units": cutoff_set.as_ref().map_or(Some(units.model.name()), |c| c.unit.map(IncomeUnit::name)),
        "iterations": report.iterations,
        "projected_gradient_norm": finite(report.projected_gradient_norm),
        "inner_solves": report.inner_solves,
        "wall_time_s": report.wall_time.as_secs_f64(),
        "converged": status["converged"],
        "stop_reason": status["stop_reason"],
        "termination": status["termination"],
    });
    let table = bracket_table(
        &best.cutoffs,
        &best.rates.iter().map(|r| Some(*r)).collect::<Vec<_>>(),
    );
    if let Some(dir) = &common.out {
        let top = 1.5 * best.cutoffs.last().copied().unwrap_or(1.0).max(1e-9);
        let chart = LineChart {
            title: format!("Optimal marginal rates ({})", args.swf),
            x_label: "income".into(),
            y_label: "marginal tax rate".into(),
            series: vec![crate::figures::tax::rate_steps(
                "optimal",
                &best.cutoffs,
                &best.rates,
                top,
            )],
            log_x: false,
            log_y: false,
        };
        write_run(
            dir,
            manifest,
            "optimal.json",
            &json,
            vec![
                (
                    "optimal_rates.csv",
                    bracket_csv(&best.cutoffs, &best.rates)?,
                ),
                ("agents.csv", agents_table(best)?),
            ],
            vec![("optimal_rates", chart)],
        )?;
    }
    let preface = format!(
        "Optimal brackets ({}; {}): transfer {:.6}, SWF {:.6}, {} iterations{}",
        args.swf,
        skills,
        best.transfer,
        best.swf,
        report.iterations,
        if optimum.converged {
            String::new()
        } else {
            format!(" (NOT CONVERGED: {})", optimum.stop_reason)
        }
    );
    print(common.format, &table, &json, &preface).context("writing to stdout")?;
    Ok(())
}

fn mirrlees(common: &CommonArgs, args: &MirrleesArgs, manifest: &mut RunManifest) -> Result<()> {
    let dist: SkillDistribution = args.skills.parse().context("--skills")?;
    let swf: Swf = args.swf.parse().context("--swf")?;
    if args.truncate.len() != 2 {
        bail!(
            "--truncate needs two quantiles LOW,HIGH, got {:?}",
            args.truncate
        );
    }
    let options = MirrleesOptions {
        grid: args.grid,
        truncate: (args.truncate[0], args.truncate[1]),
        ..MirrleesOptions::default()
    };
    manifest.set_parameters(&json!({"skills": args.skills, "truncate": args.truncate, "elasticity": args.elasticity, "swf": args.swf, "grid": args.grid}))?;
    let s = solve_mirrlees(&dist, args.elasticity, &swf, &options).context("Mirrlees schedule")?;
    let json = serde_json::to_value(&s)?;
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
    if let Some(dir) = &common.out {
        let full = Table::new()
            .with_f64("skill", s.skill.clone())?
            .with_f64("income", s.income.clone())?
            .with_f64("marginal_rate", s.marginal_rate.clone())?
            .with_f64("tax", s.tax.clone())?
            .with_f64("consumption", s.consumption.clone())?
            .with_f64("utility", s.utility.clone())?;
        let chart = LineChart {
            title: format!(
                "Optimal nonlinear marginal rates ({}, {})",
                args.swf, args.skills
            ),
            x_label: "skill".into(),
            y_label: "marginal tax rate".into(),
            series: vec![Series {
                label: "Mirrlees optimum".into(),
                x: s.skill.clone(),
                y: s.marginal_rate.clone(),
            }],
            log_x: false,
            log_y: false,
        };
        write_run(
            dir,
            manifest,
            "mirrlees.json",
            &json,
            vec![("mirrlees.csv", full)],
            vec![("mirrlees_rates", chart)],
        )?;
    }
    let preface = format!(
        "Optimal nonlinear schedule ({}, {}, e = {}): transfer {:.6}, SWF {:.6}, {} iterations (every {step}th grid point shown)",
        args.swf, args.skills, args.elasticity, s.transfer, s.swf, s.iterations
    );
    print(common.format, &table, &json, &preface).context("writing to stdout")?;
    Ok(())
}

fn compare(common: &CommonArgs, args: &CompareArgs, manifest: &mut RunManifest) -> Result<()> {
    let swf: Swf = args.swf.parse().context("--swf")?;
    let utility = Utility::QuasiLinear {
        elasticity: args.elasticity,
    };
    utility.validate().context("--elasticity")?;
    ensure!(
        args.rate_max > 0.0 && args.rate_max <= 1.0,
        "--rate-max must lie in (0, 1], got {}",
        args.rate_max
    );
    let cutoff_set = cutoffs(&args.cutoffs, manifest)?;
    let units = income_units(
        args.income_units.as_deref(),
        matches!(SkillSource::parse(&args.skills), Ok(SkillSource::Cps)),
        cutoff_set.unit,
    )?;
    let cutoffs = cutoff_set.cutoffs.clone();
    let loaded = population(&args.skills, args.agents, args.elasticity, units, manifest)?;
    if let Some(earnings) = &loaded.earnings {
        check_income_scale(earnings, &cutoff_set, units, args.income_units.as_deref())?;
    }
    manifest.set_parameters(&json!({"skills": args.skills, "elasticity": args.elasticity, "swf": args.swf, "cutoffs": cutoffs, "rate_max": args.rate_max, "income_units": units.data.name(), "model_units": units.model.name()}))?;
    let sample = loaded.saez_incomes(utility.elasticity().unwrap_or(1.0));
    check_saez_sample(&sample.incomes, sample.weights.as_deref())
        .with_context(|| format!("the Saez estimator's incomes ({})", sample.source))?;
    let (pop, skills) = (loaded.population, loaded.description);
    let economy = TaxEconomy::new(pop, utility, swf, cutoffs.clone())?
        .with_rate_bounds(0.0, args.rate_max)?;
    let inner = walras_core::SolverOptions::default();
    let progress = Progress::spinner("tax compare", common.quiet);

    progress.message("free market and US federal".into());
    let us_label = if args.cutoffs == "aie-us-federal" {
        "US federal (AI Economist scaling)"
    } else {
        "US federal 2018 rates"
    };
    let n = cutoffs.len();
    let us_rates: Vec<f64> = (0..n)
        .map(|b| walras_tax::US_FEDERAL_RATES.get(b).copied().unwrap_or(0.37))
        .collect();
    let free = economy.evaluate("free market", &vec![0.0; n], &inner)?;
    let us = economy.evaluate(us_label, &us_rates, &inner)?;
    progress.message("Saez".into());
    let saez = aie_binned_saez(
        &sample.incomes,
        sample.weights.as_deref(),
        &cutoffs,
        args.elasticity,
        SaezWeights::InverseIncome,
        0.0,
        args.rate_max,
    )?;
    // A bracket without incomes keeps the estimator's interpolated rate so that the schedule
    // can be evaluated; the record says so.
    let saez_checked = check_saez_rates(
        &saez.rates,
        &sample.incomes,
        sample.weights.as_deref(),
        &cutoffs,
    );
    for note in saez_checked.notes.iter().flatten() {
        eprintln!("warning: Saez (binned): {note}; the schedule uses the estimator's interpolated rate there");
    }
    let saez_eval = economy.evaluate("Saez (binned)", &saez.rates, &inner)?;
    progress.message("optimal brackets".into());
    // Start from the best schedule evaluated so far: the optimiser only accepts improvements,
    // so the optimum can be no worse than any schedule in the comparison.
    let start = [&free, &us, &saez_eval]
        .into_iter()
        .max_by(|a, b| a.swf.total_cmp(&b.swf))
        .map(|e| e.rates.clone())
        .expect("three schedules");
    let watch = std::sync::Arc::new(EngineWatch::new(&progress, false, true));
    let mut optimum = economy
        .optimize_checked(&start, &economy.optimizer().with_observer(watch))
        .context("optimal brackets")?;
    optimum.evaluation.label = "optimal brackets".into();
    progress.finish();
    let status = optimizer_status(&optimum);
    let (best, report) = (&optimum.evaluation, &optimum.report);
    manifest.add_report("optimizer", report)?;

    let schedules = [&free, &us, &saez_eval, best];
    // Percent change, or None (with the reason) where it is undefined.
    let pct = |a: f64, b: f64| -> (Option<f64>, Option<String>) {
        let v = 100.0 * (a - b) / b.abs();
        if v.is_finite() {
            (Some(v), None)
        } else if b == 0.0 {
            (None, Some("the Saez value is zero".into()))
        } else {
            (None, Some(format!("undefined: optimum {a}, Saez {b}")))
        }
    };
    let (improvement_swf, why_swf) = pct(best.swf, saez_eval.swf);
    let (improvement_eqp, why_eqp) = pct(
        best.equality_times_productivity,
        saez_eval.equality_times_productivity,
    );
    let record = |e: &Evaluation| {
        let mut r = json!({"label": e.label, "cutoffs": e.cutoffs, "rates": e.rates, "transfer": finite(e.transfer), "swf": finite(e.swf),
               "gini": finite(e.gini), "equality": finite(e.equality), "productivity": finite(e.productivity),
               "equality_times_productivity": finite(e.equality_times_productivity), "bunched_share": finite(e.bunched_share),
               "revenue": finite(e.transfer), "solve_report": e.report, "null_reasons": null_reasons(e)});
        if std::ptr::eq(e, &saez_eval) {
            r["empty_brackets"] = json!(saez_checked
                .empty_brackets
                .iter()
                .map(|b| b + 1)
                .collect::<Vec<_>>());
            r["rate_notes"] = json!(saez_checked
                .notes
                .iter()
                .map(|n| n
                    .as_ref()
                    .map(|n| format!("{n}; the estimator's interpolated rate is used")))
                .collect::<Vec<_>>());
        }
        r
    };
    let mut pct_reasons = serde_json::Map::new();
    if let Some(why) = why_swf {
        pct_reasons.insert("swf".into(), why.into());
    }
    if let Some(why) = why_eqp {
        pct_reasons.insert("equality_times_productivity".into(), why.into());
    }
    let json = json!({
        "economy": {"skills": skills, "agents": economy.population().len(), "elasticity": args.elasticity, "swf": args.swf, "saez_incomes": sample.source,
                    "income_units": units.data.name(), "model_units": units.model.name()},
        "schedules": schedules.iter().map(|e| record(e)).collect::<Vec<_>>(),
        "optimal_vs_saez_pct": {"swf": improvement_swf, "equality_times_productivity": improvement_eqp, "null_reasons": pct_reasons},
        "optimizer": {"iterations": report.iterations, "projected_gradient_norm": finite(report.projected_gradient_norm), "inner_solves": report.inner_solves,
                      "converged": status["converged"], "stop_reason": status["stop_reason"], "termination": status["termination"]},
    });
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
        rows: schedules
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
    if let Some(dir) = &common.out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let rates_chart = crate::figures::tax::compare_figures(
            dir,
            &schedules,
            &cutoffs,
            &args.swf,
            (improvement_swf, improvement_eqp),
            manifest,
        )?;
        write_run(
            dir,
            manifest,
            "compare.json",
            &json,
            vec![],
            vec![("compare_rates", rates_chart)],
        )?;
    }
    let show = |v: Option<f64>| v.map_or("undefined".to_string(), |v| format!("{v:+.2}%"));
    let preface = format!(
        "Tax schedules compared ({skills}; e = {}; SWF {}). Optimal vs Saez: SWF {}, equality x productivity {}.{}",
        args.elasticity,
        args.swf,
        show(improvement_swf),
        show(improvement_eqp),
        if optimum.converged {
            String::new()
        } else {
            format!(" Optimiser NOT CONVERGED: {}.", optimum.stop_reason)
        }
    );
    print(common.format, &table, &json, &preface).context("writing to stdout")?;
    Ok(())
}
