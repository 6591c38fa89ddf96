//! `walras tax`: Saez rates, optimal brackets and the optimal nonlinear schedule.

use std::path::Path;

use anyhow::{anyhow, bail, ensure, Context, Result};
use serde_json::json;
use walras_data::tax::{cps_sample, cutoffs_from_spec, load_incomes, IncomeSample};
use walras_data::{
    write_json, write_table, PopulationError, RunManifest, SkillSource, Table, TaxPopulation,
};
use walras_plot::{line_chart, LineChart, Series, Theme};
use walras_tax::{
    aie_binned_saez, quantile_cutoffs, solve_mirrlees, MirrleesOptions, SaezWeights,
    SkillDistribution, Swf, TaxEconomy, Utility,
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

fn cutoffs(spec: &str, manifest: &mut RunManifest) -> Result<Vec<f64>> {
    if Path::new(spec).is_file() {
        manifest.add_input(Path::new(spec))?;
    }
    cutoffs_from_spec(spec).with_context(|| {
        format!("--cutoffs {spec}: expected aie-us-federal, us-federal-2018 or a file with a column `cutoff`")
    })
}

/// Bracket rows: lower and upper cutoff (blank for the top) and rate.
fn bracket_table(cutoffs: &[f64], rates: &[f64]) -> TextTable {
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
                    num(Some(*r)),
                ]
            })
            .collect(),
    }
}

fn bracket_csv(cutoffs: &[f64], rates: &[f64]) -> Result<Table> {
    Ok(Table::new()
        .with_f64("bracket", (1..=rates.len()).map(|b| b as f64).collect())?
        .with_f64("lower", cutoffs.to_vec())?
        .with_f64(
            "upper",
            (0..rates.len())
                .map(|b| cutoffs.get(b + 1).copied().unwrap_or(f64::INFINITY))
                .collect(),
        )?
        .with_f64("rate", rates.to_vec())?)
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
    let cutoffs = cutoffs(&args.cutoffs, manifest)?;
    let sample = incomes(args.incomes.as_deref(), manifest)?;
    manifest.set_parameters(&json!({"estimator": args.estimator, "elasticity": args.elasticity, "weights": args.weights, "cutoffs": args.cutoffs, "incomes": sample.source, "rate_min": args.rate_min, "rate_max": args.rate_max}))?;
    let sw = sample.weights.as_deref();
    let mut json = json!({
        "estimator": args.estimator,
        "elasticity": args.elasticity,
        "weights": args.weights,
        "incomes": sample.source,
        "n_incomes": sample.incomes.len(),
        "sample_weighted": sample.weights.is_some(),
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
            .with_f64("a", est.a.clone())?
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
        json["rates_unclipped"] = json!(est.rates_unclipped);
        let bins = Table::new()
            .with_f64("lower", est.bin_edges[..100].to_vec())?
            .with_f64("upper", est.bin_edges[1..].to_vec())?
            .with_f64("count", est.counts.clone())?
            .with_f64("g", est.bin_g[..100].to_vec())?
            .with_f64("a", est.bin_a[..100].to_vec())?
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
    json["cutoffs"] = json!(cutoffs);
    json["rates"] = json!(rates);
    let table = bracket_table(&cutoffs, &rates);
    if let Some(dir) = &common.out {
        let chart = LineChart {
            title: format!("Saez marginal rates ({} estimator)", args.estimator),
            x_label: "income".into(),
            y_label: "marginal tax rate".into(),
            series: vec![
                curve,
                crate::figures::tax::rate_steps("bracket rate", &cutoffs, &rates, top),
            ],
            log_x: false,
            log_y: false,
        };
        let mut all_tables = vec![("saez_rates.csv", bracket_csv(&cutoffs, &rates)?)];
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
    manifest: &mut RunManifest,
) -> Result<TaxPopulation> {
    let loaded = TaxPopulation::load(spec, agents, elasticity).map_err(|e| match e {
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
    let TaxPopulation {
        population: pop,
        description: skills,
        ..
    } = population(&args.skills, args.agents, args.elasticity, manifest)?;
    let cutoffs = match &args.cutoffs {
        Some(spec) => cutoffs(spec, manifest)?,
        None => {
            ensure!(args.brackets >= 1, "--brackets must be at least 1");
            quantile_cutoffs(&pop, &utility, args.brackets)?
        }
    };
    let economy = TaxEconomy::new(pop, utility, swf, cutoffs.clone())?
        .with_rate_bounds(0.0, args.rate_max)?
        .with_optimized_cutoffs(args.optimize_cutoffs)?
        .with_labor(labor)?;
    let start = economy.policy_from_rates(&vec![0.2_f64.min(args.rate_max); cutoffs.len()]);
    manifest.set_parameters(&json!({"skills": args.skills, "elasticity": args.elasticity, "utility": utility, "labor": labor, "swf": args.swf, "cutoffs": cutoffs, "optimize_cutoffs": args.optimize_cutoffs, "rate_max": args.rate_max, "agents": args.agents}))?;
    let progress = Progress::spinner("optimal brackets", common.quiet);
    progress.message(format!(
        "{} agents, {} brackets",
        economy.population().len(),
        cutoffs.len()
    ));
    let watch = std::sync::Arc::new(EngineWatch::new(&progress, false, true));
    let (best, report) = economy
        .optimize(&start, &economy.optimizer().with_observer(watch))
        .context("optimal brackets")?;
    progress.finish();
    manifest.add_report("optimizer", &report)?;
    manifest.add_report("equilibrium", &best.report)?;
    if common.verbose > 0 {
        eprintln!("optimizer: {report:?}");
    }
    let json = json!({
        "cutoffs": best.cutoffs,
        "rates": best.rates,
        "transfer": best.transfer,
        "swf": best.swf,
        "swf_name": args.swf,
        "gini": best.gini,
        "equality": best.equality,
        "productivity": best.productivity,
        "equality_times_productivity": best.equality_times_productivity,
        "bunched_share": best.bunched_share,
        "skills": skills,
        "agents": economy.population().len(),
        "elasticity": args.elasticity,
        "iterations": report.iterations,
        "projected_gradient_norm": report.projected_gradient_norm,
        "inner_solves": report.inner_solves,
        "wall_time_s": report.wall_time.as_secs_f64(),
    });
    let table = bracket_table(&best.cutoffs, &best.rates);
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
                ("agents.csv", agents_table(&best)?),
            ],
            vec![("optimal_rates", chart)],
        )?;
    }
    let preface = format!(
        "Optimal brackets ({}; {}): transfer {:.6}, SWF {:.6}, {} iterations",
        args.swf, skills, best.transfer, best.swf, report.iterations
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
    let cutoffs = cutoffs(&args.cutoffs, manifest)?;
    let loaded = population(&args.skills, args.agents, args.elasticity, manifest)?;
    manifest.set_parameters(&json!({"skills": args.skills, "elasticity": args.elasticity, "swf": args.swf, "cutoffs": cutoffs, "rate_max": args.rate_max}))?;
    let sample = loaded.saez_incomes(utility.elasticity().unwrap_or(1.0));
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
    let (mut best, report) = economy
        .optimize(&start, &economy.optimizer().with_observer(watch))
        .context("optimal brackets")?;
    best.label = "optimal brackets".into();
    progress.finish();
    manifest.add_report("optimizer", &report)?;

    let schedules = [&free, &us, &saez_eval, &best];
    let pct = |a: f64, b: f64| 100.0 * (a - b) / b.abs();
    let improvement_swf = pct(best.swf, saez_eval.swf);
    let improvement_eqp = pct(
        best.equality_times_productivity,
        saez_eval.equality_times_productivity,
    );
    let record = |e: &Evaluation| {
        json!({"label": e.label, "cutoffs": e.cutoffs, "rates": e.rates, "transfer": e.transfer, "swf": e.swf,
               "gini": e.gini, "equality": e.equality, "productivity": e.productivity,
               "equality_times_productivity": e.equality_times_productivity, "bunched_share": e.bunched_share,
               "revenue": e.transfer, "solve_report": e.report})
    };
    let json = json!({
        "economy": {"skills": skills, "agents": economy.population().len(), "elasticity": args.elasticity, "swf": args.swf, "saez_incomes": sample.source},
        "schedules": schedules.iter().map(|e| record(e)).collect::<Vec<_>>(),
        "optimal_vs_saez_pct": {"swf": improvement_swf, "equality_times_productivity": improvement_eqp},
        "optimizer": {"iterations": report.iterations, "projected_gradient_norm": report.projected_gradient_norm, "inner_solves": report.inner_solves},
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
                    num(Some(e.transfer)),
                    num(Some(e.swf)),
                    num(Some(e.gini)),
                    num(Some(e.productivity)),
                    num(Some(e.equality_times_productivity)),
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
    let preface = format!(
        "Tax schedules compared ({skills}; e = {}; SWF {}). Optimal vs Saez: SWF {improvement_swf:+.2}%, equality x productivity {improvement_eqp:+.2}%.",
        args.elasticity, args.swf
    );
    print(common.format, &table, &json, &preface).context("writing to stdout")?;
    Ok(())
}
