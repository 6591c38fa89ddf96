//! `walras automation`: growth paths of the data-driven automation model (DDA-1), the planner,
//! Monte Carlo and phase diagrams, and spillover-network tools.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use walras_automation::monte_carlo::{
    monte_carlo_observed, parse_override, phase_diagram_observed, GridAxis, Range,
};
use walras_automation::planner::{solve_planner_observed, PlannerOptions, PlannerUtility};
use walras_automation::scenario::{Model, Scenario, PRESETS};
use walras_automation::{simulate_observed, Network, NetworkSpec, SimulationResult};
use walras_data::automation::write_network_csv;
use walras_data::automation_scenario::network_file_loader;
use walras_data::AutomationScenario;
use walras_data::{write_json, write_table, RunManifest, Table};
use walras_plot::{
    heatmap, line_chart, scatter_chart, Heatmap, LineChart, ScatterChart, Series, Theme,
};

use crate::args::{
    AutomationCommand, CommonArgs, NetworkArgs, PlannerArgs, ScenarioArgs, SweepArgs,
};
use crate::output::{draw_figure, emit, num, print, print_quantities, TextTable};
use crate::progress::{EngineWatch, Progress};

/// Run a `walras automation` subcommand.
pub fn run(
    common: &CommonArgs,
    command: &AutomationCommand,
    command_line: Vec<String>,
) -> Result<()> {
    let mut manifest = RunManifest::start(env!("CARGO_PKG_VERSION"), command_line);
    match command {
        AutomationCommand::Simulate(args) => simulate_cmd(common, args, &mut manifest),
        AutomationCommand::Planner(args) => planner_cmd(common, args, &mut manifest),
        AutomationCommand::Sweep(args) => sweep_cmd(common, args, &mut manifest),
        AutomationCommand::Network(args) => network_cmd(common, args, &mut manifest),
        AutomationCommand::Presets => {
            let rows = PRESETS
                .iter()
                .map(|(name, _)| {
                    let s = Scenario::preset(name)
                        .map(|s| s.description)
                        .unwrap_or_default();
                    vec![name.to_string(), s]
                })
                .collect::<Vec<_>>();
            let j = json!({"presets": rows.iter().map(|r| json!({"name": r[0], "description": r[1]})).collect::<Vec<_>>()});
            print(
                common.format,
                &TextTable {
                    headers: vec!["preset".into(), "description".into()],
                    rows,
                },
                &j,
                "",
            )?;
            Ok(())
        }
    }
}

/// Refuses a key given twice to the repeatable `flag` (texts `KEY=...`), naming the key.
fn unique_keys(flag: &str, texts: &[String]) -> Result<()> {
    for (k, text) in texts.iter().enumerate() {
        let key = text
            .split_once('=')
            .map_or(text.as_str(), |(k, _)| k)
            .trim();
        if let Some(first) = texts[..k]
            .iter()
            .find(|t| t.split_once('=').map_or(t.as_str(), |(k, _)| k).trim() == key)
        {
            bail!("{flag}: the key {key} is given twice ({first} and {text}); give each key once");
        }
    }
    Ok(())
}

/// The scenario named by the arguments (file or preset), with --set overrides applied.
fn scenario(args: &ScenarioArgs, manifest: &mut RunManifest) -> Result<AutomationScenario> {
    unique_keys("--set", &args.overrides)?;
    let overrides = args
        .overrides
        .iter()
        .map(|o| parse_override(o).with_context(|| format!("--set {o}")))
        .collect::<Result<Vec<_>>>()?;
    let loaded =
        AutomationScenario::load(args.scenario.as_deref(), args.preset.as_deref(), &overrides)?;
    for path in &loaded.inputs {
        manifest.add_input(path)?;
    }
    Ok(loaded)
}

/// The scenario's model, its name in the error (a spinner while large networks are built).
fn resolve(loaded: &AutomationScenario, quiet: bool) -> Result<Model> {
    let spinner = Progress::spinner("building the model", quiet);
    let model = loaded
        .model()
        .with_context(|| format!("scenario {}", loaded.scenario.name));
    spinner.finish();
    model
}

fn opt(v: Option<f64>) -> Value {
    v.map_or(Value::Null, |x| json!(x))
}

/// Tasks automated at t = 0 (the seeds of network reachability).
fn initially_automated(path: &SimulationResult) -> Vec<usize> {
    path.automation_time
        .iter()
        .enumerate()
        .filter(|(_, t)| **t == Some(0.0))
        .map(|(i, _)| i)
        .collect()
}

/// ` (--set k=v ...)` for error messages, or nothing without overrides.
fn overrides_note(args: &ScenarioArgs) -> String {
    if args.overrides.is_empty() {
        String::new()
    } else {
        let sets: Vec<String> = args
            .overrides
            .iter()
            .map(|o| format!("--set {o}"))
            .collect();
        format!(" ({})", sets.join(" "))
    }
}

fn simulate_cmd(
    common: &CommonArgs,
    args: &ScenarioArgs,
    manifest: &mut RunManifest,
) -> Result<()> {
    let loaded = scenario(args, manifest)?;
    let model = resolve(&loaded, common.quiet)?;
    let s = loaded.scenario;
    manifest.set_parameters(&s)?;
    let spinner = Progress::spinner("growth path", common.quiet);
    let watch = EngineWatch::new(&spinner, false, false);
    let path = simulate_observed(&model.economy, &model.initial_data, &model.path, &watch)
        .with_context(|| format!("simulating {}{}", s.name, overrides_note(args)))?;
    spinner.finish();
    let stats = model.network.stats(&initially_automated(&path));
    let eq = &path.final_equilibrium;
    let automated = eq
        .status
        .iter()
        .filter(|st| **st != walras_automation::TaskStatus::Labor)
        .count();
    let j = json!({
        "scenario": s.name,
        "tasks": model.economy.tasks(),
        "final_time": path.final_time(),
        "stop_reason": path.stop,
        "labor_task_share": eq.labor_task_share,
        "labor_income_share": eq.labor_income_share,
        "output": eq.output,
        "wage": eq.wage,
        "rental": eq.rental,
        "capital": path.points.last().map(|p| p.capital),
        "tasks_automated": automated,
        "automation_time": path.automation_time.iter().map(|t| opt(*t)).collect::<Vec<_>>(),
        "full_automation_time": path.full_automation_time.iter().map(|t| opt(*t)).collect::<Vec<_>>(),
        "blowup_time": opt(path.blowup_time),
        "steps": path.steps,
        "switches": path.switches,
        "network": {"edges": stats.edges, "density": stats.density, "spectral_radius": stats.spectral_radius, "reachable_share": stats.reachable_share, "symmetric": stats.symmetric},
        "units": "time in model units; output and wage in units of the final good (price index = 1)",
    });
    if let Some(dir) = &common.out {
        write_simulation(dir, &model, &path, &stats, &j, manifest)?;
    }
    let rows = vec![
        vec!["scenario".into(), s.name.clone()],
        vec![
            "stopped".into(),
            format!("{:?} at t = {}", path.stop, num(Some(path.final_time()))),
        ],
        vec!["labour task share m".into(), num(Some(eq.labor_task_share))],
        vec![
            "labour income share".into(),
            num(Some(eq.labor_income_share)),
        ],
        vec!["output Y".into(), num(Some(eq.output))],
        vec!["wage w".into(), num(Some(eq.wage))],
        vec![
            "tasks using AI".into(),
            format!("{automated} of {}", model.economy.tasks()),
        ],
        vec![
            "blow-up time T*".into(),
            path.blowup_time.map_or("none".into(), |t| num(Some(t))),
        ],
    ];
    print_quantities(common.format, rows, &j, "")?;
    Ok(())
}

fn write_simulation(
    dir: &Path,
    model: &Model,
    path: &SimulationResult,
    stats: &walras_automation::NetworkStats,
    j: &Value,
    manifest: &mut RunManifest,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating --out {}", dir.display()))?;
    let pts = &path.points;
    let col =
        |f: &dyn Fn(&walras_automation::PathPoint) -> f64| pts.iter().map(f).collect::<Vec<f64>>();
    let paths = Table::new()
        .with_f64("t", col(&|p| p.t))?
        .with_f64("output", col(&|p| p.output))?
        .with_f64("capital", col(&|p| p.capital))?
        .with_f64("wage", col(&|p| p.wage))?
        .with_f64("rental", col(&|p| p.rental))?
        .with_f64("labor_task_share", col(&|p| p.labor_task_share))?
        .with_f64("labor_income_share", col(&|p| p.labor_income_share))?
        .with_f64("automated_share", col(&|p| p.automated_share))?
        .with_f64("output_growth", col(&|p| p.output_growth))?;
    let n = model.economy.tasks();
    let nan = |t: &Option<f64>| t.unwrap_or(f64::NAN);
    let tasks = Table::new()
        .with_f64("task", (0..n).map(|i| i as f64).collect())?
        .with_f64(
            "automation_time",
            path.automation_time.iter().map(nan).collect(),
        )?
        .with_f64(
            "full_automation_time",
            path.full_automation_time.iter().map(nan).collect(),
        )?
        .with_f64("verifiability", model.economy.verifiability.clone())?
        .with_f64("centrality", stats.katz_centrality.clone())?
        .with_f64(
            "eigenvector_centrality",
            stats.eigenvector_centrality.clone(),
        )?
        .with_f64("in_strength", stats.in_strength.clone())?
        .with_f64("out_strength", stats.out_strength.clone())?
        .with_f64("mass", model.economy.mass.clone())?
        .with_f64(
            "labor_productivity",
            model.economy.labor_productivity.clone(),
        )?
        .with_f64("ai_productivity", model.economy.ai_productivity.clone())?
        .with_f64("initial_data", model.initial_data.clone())?
        .with_f64("final_data", path.final_data.clone())?;
    for (name, table) in [("paths.csv", paths), ("tasks.csv", tasks)] {
        let p = dir.join(name);
        write_table(&p, &table)?;
        manifest.add_output(&p);
    }
    let p = dir.join("summary.json");
    write_json(&p, j)?;
    manifest.add_output(&p);
    let p = dir.join("network.csv");
    write_network_csv(&p, &model.network)?;
    manifest.add_output(&p);
    crate::figures::automation::simulation_figures(dir, model, path, stats, manifest)?;
    manifest.finish_and_write(dir)?;
    Ok(())
}

fn planner_cmd(common: &CommonArgs, args: &PlannerArgs, manifest: &mut RunManifest) -> Result<()> {
    let loaded = scenario(&args.scenario, manifest)?;
    let model = resolve(&loaded, common.quiet)?;
    let s = loaded.scenario;
    if model.path.accumulation.is_some() {
        bail!("scenario {}: the planner keeps capital fixed; remove [capital_accumulation] (or use `walras automation simulate`)", s.name);
    }
    let utility = if (args.eta - 1.0).abs() < 1e-12 {
        PlannerUtility::Log
    } else {
        PlannerUtility::Crra { eta: args.eta }
    };
    let options = PlannerOptions {
        horizon: args.horizon.unwrap_or(s.horizon.min(200.0)),
        discount: args.discount,
        utility,
        capital: model.path.capital,
        grid: args.grid,
        ..PlannerOptions::default()
    };
    manifest.set_parameters(&json!({"scenario": s, "discount": args.discount, "eta": args.eta, "horizon": options.horizon, "grid": args.grid}))?;
    let spinner = Progress::spinner("planner (forward-backward sweep)", common.quiet);
    let watch = EngineWatch::new(&spinner, false, false);
    let r = solve_planner_observed(&model.economy, &model.initial_data, &options, &watch)
        .with_context(|| {
            format!(
                "planner for {} (--horizon {} --grid {} --discount {} --eta {})",
                s.name, options.horizon, args.grid, args.discount, args.eta
            )
        })?;
    spinner.finish();
    let n = model.economy.tasks();
    let mean_subsidy: Vec<f64> = (0..n)
        .map(|i| r.subsidy.iter().map(|row| row[i]).sum::<f64>() / r.subsidy.len() as f64)
        .collect();
    let j = json!({
        "scenario": s.name,
        "horizon": options.horizon,
        "discount": args.discount,
        "planner_welfare": r.planner_welfare,
        "market_welfare": r.market_welfare,
        "welfare_gap_pct": r.welfare_gap_pct,
        "iterations": r.iterations,
        "converged": true,
        "last_change": r.last_change,
        "initial_subsidy": r.subsidy.first(),
        "mean_subsidy": mean_subsidy,
        "units": "welfare = integral of e^{-rho t} u(Y); gap = consumption-equivalent % of market output; subsidy per unit of AI output, in units of the final good",
    });
    if let Some(dir) = &common.out {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating --out {}", dir.display()))?;
        let mut table = Table::new()
            .with_f64("t", r.times.clone())?
            .with_f64("planner_output", r.planner_output.clone())?
            .with_f64("market_output", r.market_output.clone())?;
        for i in 0..n {
            table = table
                .with_f64(
                    &format!("planner_capital_{i}"),
                    r.planner_capital.iter().map(|row| row[i]).collect(),
                )?
                .with_f64(
                    &format!("market_capital_{i}"),
                    r.market_capital.iter().map(|row| row[i]).collect(),
                )?
                .with_f64(
                    &format!("subsidy_{i}"),
                    r.subsidy.iter().map(|row| row[i]).collect(),
                )?;
        }
        let p = dir.join("planner_paths.csv");
        write_table(&p, &table)?;
        manifest.add_output(&p);
        let p = dir.join("summary.json");
        write_json(&p, &j)?;
        manifest.add_output(&p);
        let theme = Theme::paper();
        let chart = LineChart {
            title: format!("Planner vs market (welfare gap {:.3}%)", r.welfare_gap_pct),
            x_label: "time".into(),
            y_label: "output Y".into(),
            series: vec![
                Series::new("planner", r.times.clone(), r.planner_output.clone()),
                Series::new("market", r.times.clone(), r.market_output.clone()),
            ],
            log_x: false,
            log_y: true,
        };
        draw_figure(
            dir,
            "planner_vs_market",
            &|p| line_chart(p, &chart, &theme),
            manifest,
        )?;
        let k0p = &r.planner_capital[0];
        let k0m = &r.market_capital[0];
        let chart = ScatterChart {
            title: "Allocation tilt at t = 0: AI capital per task".into(),
            x_label: "market k_i".into(),
            y_label: "planner k_i".into(),
            series: vec![Series::new("tasks", k0m.clone(), k0p.clone())],
            log_x: false,
            log_y: false,
            diagonal: true,
        };
        draw_figure(
            dir,
            "allocation_tilt",
            &|p| scatter_chart(p, &chart, &theme),
            manifest,
        )?;
        manifest.finish_and_write(dir)?;
    }
    let rows = vec![
        vec!["planner welfare".into(), num(Some(r.planner_welfare))],
        vec!["market welfare".into(), num(Some(r.market_welfare))],
        vec![
            "welfare gap (% consumption)".into(),
            num(Some(r.welfare_gap_pct)),
        ],
        vec!["sweep iterations".into(), r.iterations.to_string()],
    ];
    print_quantities(
        common.format,
        rows,
        &j,
        &format!("Planner vs market: {}", s.name),
    )?;
    Ok(())
}

fn sweep_cmd(common: &CommonArgs, args: &SweepArgs, manifest: &mut RunManifest) -> Result<()> {
    let AutomationScenario {
        scenario: s, base, ..
    } = scenario(&args.scenario, manifest)?;
    if base.is_some()
        && s.network
            .as_ref()
            .is_some_and(|n| matches!(n.spec, NetworkSpec::File { .. }))
    {
        bail!("sweeps over scenarios with a network file are not supported yet: export a built network or use a topology");
    }
    unique_keys("--grid", &args.grid)?;
    unique_keys("--range", &args.ranges)?;
    let seed = args.seed.unwrap_or(s.seed);
    let theme = Theme::paper();
    if !args.grid.is_empty() {
        if args.grid.len() != 2 || !args.ranges.is_empty() {
            bail!("a phase diagram takes exactly two --grid KEY=LOW:HIGH:N (and no --range)");
        }
        let axes: Vec<GridAxis> = args
            .grid
            .iter()
            .map(|g| GridAxis::parse(g).with_context(|| format!("--grid {g}")))
            .collect::<Result<_>>()?;
        manifest.set_parameters(&json!({"scenario": s, "grid": args.grid}))?;
        let spinner = Progress::spinner("phase diagram", common.quiet);
        let watch = EngineWatch::new(&spinner, false, false);
        let d = phase_diagram_observed(
            &s,
            (&axes[0].key, &axes[0].values),
            (&axes[1].key, &axes[1].values),
            &network_file_loader,
            &watch,
        )?;
        spinner.finish();
        let j = serde_json::to_value(&d)?;
        if let Some(dir) = &common.out {
            std::fs::create_dir_all(dir)?;
            let p = dir.join("phase_diagram.json");
            write_json(&p, &j)?;
            manifest.add_output(&p);
            let chart = Heatmap {
                title: "Regime: 0 partial, 1 full automation, 2 explosive".into(),
                x_label: d.x_key.clone(),
                y_label: d.y_key.clone(),
                x_labels: d.x.iter().map(|v| format!("{v:.3}")).collect(),
                y_labels: d.y.iter().map(|v| format!("{v:.3}")).collect(),
                values: d
                    .regime
                    .iter()
                    .map(|row| row.iter().map(|r| r.code()).collect())
                    .collect(),
                value_label: "regime".into(),
            };
            draw_figure(
                dir,
                "phase_diagram",
                &|p| heatmap(p, &chart, &theme),
                manifest,
            )?;
            manifest.finish_and_write(dir)?;
        }
        let rows =
            d.y.iter()
                .enumerate()
                .flat_map(|(iy, y)| d.x.iter().enumerate().map(move |(ix, x)| (iy, ix, *x, *y)))
                .map(|(iy, ix, x, y)| {
                    vec![
                        num(Some(x)),
                        num(Some(y)),
                        format!("{:?}", d.regime[iy][ix]).to_lowercase(),
                        num(Some(d.final_labor_task_share[iy][ix])),
                    ]
                })
                .collect();
        print(
            common.format,
            &TextTable {
                headers: vec![
                    d.x_key.clone(),
                    d.y_key.clone(),
                    "regime".into(),
                    "final m".into(),
                ],
                rows,
            },
            &j,
            "",
        )?;
        return Ok(());
    }
    if args.ranges.is_empty() {
        bail!(
            "give --range KEY=LOW:HIGH (Monte Carlo) or two --grid KEY=LOW:HIGH:N (phase diagram)"
        );
    }
    let ranges: Vec<Range> = args
        .ranges
        .iter()
        .map(|r| Range::parse(r).with_context(|| format!("--range {r}")))
        .collect::<Result<_>>()?;
    manifest.set_parameters(
        &json!({"scenario": s, "ranges": ranges, "draws": args.draws, "seed": seed}),
    )?;
    let spinner = Progress::spinner(&format!("Monte Carlo ({} draws)", args.draws), common.quiet);
    let watch = EngineWatch::new(&spinner, false, false);
    let mc = monte_carlo_observed(
        &s,
        &ranges,
        args.draws,
        seed,
        101,
        &network_file_loader,
        &watch,
    )?;
    spinner.finish();
    let j = json!({
        "scenario": s.name,
        "draws": args.draws,
        "seed": seed,
        "regime_shares": {"full": mc.regime_shares[0], "partial": mc.regime_shares[1], "explosive": mc.regime_shares[2]},
        "final_labor_task_share": {"p5": mc.labor_task_share.last().map(|q| q[0]), "p50": mc.labor_task_share.last().map(|q| q[1]), "p95": mc.labor_task_share.last().map(|q| q[2])},
        "times": mc.times,
        "labor_task_share_fan": mc.labor_task_share,
        "ln_output_fan": mc.ln_output,
    });
    if let Some(dir) = &common.out {
        std::fs::create_dir_all(dir)?;
        let mut draws =
            Table::new().with_f64("draw", mc.draws.iter().map(|d| d.index as f64).collect())?;
        for (k, r) in ranges.iter().enumerate() {
            draws = draws.with_f64(&r.key, mc.draws.iter().map(|d| d.values[k]).collect())?;
        }
        let draws = draws
            .with_str(
                "regime",
                mc.draws
                    .iter()
                    .map(|d| format!("{:?}", d.regime).to_lowercase())
                    .collect(),
            )?
            .with_f64(
                "final_labor_task_share",
                mc.draws.iter().map(|d| d.final_labor_task_share).collect(),
            )?
            .with_f64(
                "final_time",
                mc.draws.iter().map(|d| d.final_time).collect(),
            )?
            .with_f64(
                "blowup_time",
                mc.draws
                    .iter()
                    .map(|d| d.blowup_time.unwrap_or(f64::NAN))
                    .collect(),
            )?;
        let p = dir.join("draws.csv");
        write_table(&p, &draws)?;
        manifest.add_output(&p);
        let p = dir.join("monte_carlo.json");
        write_json(&p, &j)?;
        manifest.add_output(&p);
        for (stem, title, y_label, fan) in [
            (
                "fan_labor_share",
                "Labour task share: 5/50/95% of draws",
                "m",
                &mc.labor_task_share,
            ),
            (
                "fan_output",
                "Log output: 5/50/95% of draws",
                "ln Y",
                &mc.ln_output,
            ),
        ] {
            let series = ["5%", "median", "95%"]
                .iter()
                .enumerate()
                .map(|(k, l)| Series::new(*l, mc.times.clone(), fan.iter().map(|q| q[k]).collect()))
                .collect();
            let chart = LineChart {
                title: title.into(),
                x_label: "time".into(),
                y_label: y_label.into(),
                series,
                log_x: false,
                log_y: false,
            };
            draw_figure(dir, stem, &|p| line_chart(p, &chart, &theme), manifest)?;
        }
        manifest.finish_and_write(dir)?;
    }
    let rows = vec![
        vec!["draws".into(), args.draws.to_string()],
        vec!["full automation".into(), num(Some(mc.regime_shares[0]))],
        vec!["partial".into(), num(Some(mc.regime_shares[1]))],
        vec!["explosive".into(), num(Some(mc.regime_shares[2]))],
        vec![
            "final m, median".into(),
            num(mc.labor_task_share.last().map(|q| q[1])),
        ],
    ];
    print_quantities(common.format, rows, &j, &format!("Monte Carlo: {}", s.name))?;
    Ok(())
}

fn network_cmd(common: &CommonArgs, args: &NetworkArgs, manifest: &mut RunManifest) -> Result<()> {
    let network = match &args.spec {
        Some(text) => {
            let spec = NetworkSpec::from_pairs(text).with_context(|| format!("--spec {text}"))?;
            let spinner = Progress::spinner("building the network", common.quiet);
            let network = Network::build(&spec, args.tasks, args.seed)
                .with_context(|| format!("--tasks {}", args.tasks));
            spinner.finish();
            network?
        }
        None => resolve(&scenario(&args.scenario, manifest)?, common.quiet)?.network,
    };
    let spinner = Progress::spinner("network statistics", common.quiet);
    let stats = network.stats(&[0]);
    spinner.finish();
    if let Some(path) = &args.export {
        write_network_csv(path, &network)?;
        if !common.quiet {
            eprintln!("wrote {} ({} edges)", path.display(), stats.edges);
        }
    }
    let j = serde_json::to_value(&stats)?;
    let rows = (0..stats.tasks)
        .map(|i| {
            vec![
                i.to_string(),
                stats.in_degree[i].to_string(),
                stats.out_degree[i].to_string(),
                num(Some(stats.in_strength[i])),
                num(Some(stats.katz_centrality[i])),
                num(Some(stats.eigenvector_centrality[i])),
                stats.reachable_from_seeds[i].to_string(),
            ]
        })
        .collect();
    let preface = format!(
        "{} tasks, {} edges, density {:.4}, spectral radius {:.4}, symmetric {}; reachable from task 0: {:.1}%",
        stats.tasks,
        stats.edges,
        stats.density,
        stats.spectral_radius,
        stats.symmetric,
        100.0 * stats.reachable_share
    );
    let table = TextTable {
        headers: [
            "task",
            "in_degree",
            "out_degree",
            "in_strength",
            "katz",
            "eigenvector",
            "reachable_from_0",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    };
    if common.format == crate::args::Format::Table && common.quiet {
        return emit(&table.render()).map_err(Into::into);
    }
    print(common.format, &table, &j, &preface)?;
    Ok(())
}
