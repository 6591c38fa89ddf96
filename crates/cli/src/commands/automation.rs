//! `walras automation`: growth paths of the data-driven automation model (DDA-1), the planner,
//! Monte Carlo and phase diagrams, and spillover-network tools.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use walras_automation::monte_carlo::{monte_carlo, parse_override, phase_diagram, GridAxis, Range};
use walras_automation::planner::{solve_planner, PlannerOptions, PlannerUtility};
use walras_automation::power_law::{power_law_setting, LogLogFit};
use walras_automation::scenario::{Model, Scenario, PRESETS};
use walras_automation::{simulate, Network, NetworkSpec, SimulationResult};
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
use crate::progress::Progress;

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

/// The scenario named by the arguments (file or preset), with --set overrides applied.
fn scenario(
    args: &ScenarioArgs,
    manifest: &mut RunManifest,
) -> Result<(Scenario, Option<PathBuf>)> {
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
    Ok((loaded.scenario, loaded.base))
}

fn resolve(s: &Scenario, base: Option<&Path>) -> Result<Model> {
    s.resolve(base, &network_file_loader)
        .with_context(|| format!("scenario {}", s.name))
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

fn simulate_cmd(
    common: &CommonArgs,
    args: &ScenarioArgs,
    manifest: &mut RunManifest,
) -> Result<()> {
    let (s, base) = scenario(args, manifest)?;
    let model = resolve(&s, base.as_deref())?;
    manifest.set_parameters(&s)?;
    let spinner = Progress::spinner("growth path", common.quiet);
    let path = simulate(&model.economy, &model.initial_data, &model.path)
        .with_context(|| format!("simulating {}", s.name))?;
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
    simulation_figures(dir, model, path, stats, manifest)?;
    manifest.finish_and_write(dir)?;
    Ok(())
}

fn simulation_figures(
    dir: &Path,
    model: &Model,
    path: &SimulationResult,
    stats: &walras_automation::NetworkStats,
    manifest: &mut RunManifest,
) -> Result<()> {
    let theme = Theme::paper();
    let pts: Vec<_> = path.points.iter().filter(|p| p.t > 0.0).collect();
    let t: Vec<f64> = pts.iter().map(|p| p.t).collect();
    if t.len() < 2 {
        return Ok(());
    }
    let series = |label: &str, f: &dyn Fn(&walras_automation::PathPoint) -> f64| {
        Series::new(label, t.clone(), pts.iter().map(|p| f(p)).collect())
    };
    // Time paths on log axes, with milestones (20% / 50% / 100% of task mass using AI).
    let mut levels = vec![
        series("output Y", &|p| p.output),
        series("wage w", &|p| p.wage),
    ];
    if model.path.accumulation.is_some() {
        levels.push(series("capital K", &|p| p.capital));
    }
    let (lo, hi) = levels
        .iter()
        .flat_map(|s| s.y.iter())
        .fold((f64::INFINITY, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
    for (m, label) in [
        (0.2, "20% of tasks use AI"),
        (0.5, "50% of tasks use AI"),
        (0.999, "all tasks use AI"),
    ] {
        if let Some(p) = pts.iter().find(|p| p.automated_share >= m) {
            levels.push(Series::new(label, vec![p.t, p.t], vec![lo, hi]));
        }
    }
    let chart = LineChart {
        title: "Output, wage and capital".into(),
        x_label: "time".into(),
        y_label: "level (log scale)".into(),
        series: levels,
        log_x: true,
        log_y: true,
    };
    draw_figure(
        dir,
        "time_paths",
        &|p| line_chart(p, &chart, &theme),
        manifest,
    )?;
    let chart = LineChart {
        title: "Automation and the labour share".into(),
        x_label: "time".into(),
        y_label: "share".into(),
        series: vec![
            series("task mass using AI", &|p| p.automated_share),
            series("labour task share m", &|p| p.labor_task_share),
            series("labour income share", &|p| p.labor_income_share),
        ],
        log_x: true,
        log_y: false,
    };
    draw_figure(dir, "shares", &|p| line_chart(p, &chart, &theme), manifest)?;
    let chart = LineChart {
        title: "Growth rate of output".into(),
        x_label: "time".into(),
        y_label: "d ln Y / dt".into(),
        series: vec![series("output growth", &|p| p.output_growth)],
        log_x: true,
        log_y: false,
    };
    draw_figure(dir, "growth", &|p| line_chart(p, &chart, &theme), manifest)?;
    // Blow-up diagnostic: 1/g of the fastest-growing state falls linearly to zero at T*.
    let inv: Vec<(f64, f64)> = pts
        .iter()
        .filter(|p| p.max_state_growth > 0.0)
        .map(|p| (p.t, 1.0 / p.max_state_growth))
        .collect();
    if inv.len() >= 2 {
        let mut s = vec![Series::new(
            "1 / growth rate of the fastest state",
            inv.iter().map(|v| v.0).collect(),
            inv.iter().map(|v| v.1).collect(),
        )];
        if let (Some(t_star), Some(last)) = (path.blowup_time, inv.last()) {
            s.push(Series::new(
                format!("extrapolation to T* = {t_star:.4}"),
                vec![last.0, t_star],
                vec![last.1, 0.0],
            ));
        }
        let chart = LineChart {
            title: "Blow-up diagnostic".into(),
            x_label: "time".into(),
            y_label: "1 / g (time units)".into(),
            series: s,
            log_x: false,
            log_y: false,
        };
        draw_figure(
            dir,
            "blowup_diagnostic",
            &|p| line_chart(p, &chart, &theme),
            manifest,
        )?;
    }
    // log-log labour task share with its fitted slope over the last decades.
    let tail: Vec<&&walras_automation::PathPoint> = pts
        .iter()
        .filter(|p| p.labor_task_share > 0.0 && p.labor_task_share < 0.5)
        .collect();
    let fitted = LogLogFit::fit(
        &tail.iter().map(|p| p.t).collect::<Vec<_>>(),
        &tail.iter().map(|p| p.labor_task_share).collect::<Vec<_>>(),
    );
    if let (true, Some(line)) = (tail.len() >= 4, fitted) {
        let b = line.slope;
        let fit: Vec<f64> = tail.iter().map(|p| line.predict(p.t)).collect();
        let mut s = vec![
            Series::new(
                "labour task share m",
                t.clone(),
                pts.iter().map(|p| p.labor_task_share.max(1e-300)).collect(),
            ),
            Series::new(
                format!("fitted slope {b:.3}"),
                tail.iter().map(|p| p.t).collect(),
                fit,
            ),
        ];
        if let Some((theta, kappa)) = power_law_setting(&model.economy) {
            let q = 1.0 / theta + 1.0 / kappa;
            let ms: Vec<f64> = (0..40)
                .map(|k| 0.9 * (0.01f64 / 0.9).powf(k as f64 / 39.0))
                .collect();
            s.push(Series::new(
                format!("P4 oracle (slope -> {:.2})", -1.0 / (q - 1.0)),
                ms.iter()
                    .map(|&m| walras_automation::dynamics::power_law_oracle_time(m, theta, kappa))
                    .collect(),
                ms,
            ));
        }
        let chart = LineChart {
            title: "Labour task share (log-log)".into(),
            x_label: "time".into(),
            y_label: "m".into(),
            series: s,
            log_x: true,
            log_y: true,
        };
        draw_figure(
            dir,
            "labor_share_loglog",
            &|p| line_chart(p, &chart, &theme),
            manifest,
        )?;
    }
    // Automation raster: tasks ordered by centrality, status over log-spaced time.
    let n = model.economy.tasks();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        stats.katz_centrality[b]
            .total_cmp(&stats.katz_centrality[a])
            .then(a.cmp(&b))
    });
    let rows_shown: Vec<usize> = if n > 200 {
        (0..200).map(|k| order[k * n / 200]).collect()
    } else {
        order.clone()
    };
    let (t_first, t_last) = (t[0], *t.last().unwrap());
    let cols = 60;
    let times: Vec<f64> = (0..cols)
        .map(|k| t_first * (t_last / t_first).powf(k as f64 / (cols - 1) as f64))
        .collect();
    let values: Vec<Vec<f64>> = rows_shown
        .iter()
        .map(|&i| {
            times
                .iter()
                .map(
                    |&tt| match (path.automation_time[i], path.full_automation_time[i]) {
                        (_, Some(f)) if tt >= f => 1.0,
                        (Some(a), _) if tt >= a => 0.5,
                        _ => 0.0,
                    },
                )
                .collect()
        })
        .collect();
    let chart = Heatmap {
        title: "Automation by task (0 labour, 0.5 split, 1 automated)".into(),
        x_label: "time (log-spaced)".into(),
        y_label: "task, by centrality (most central at the bottom)".into(),
        x_labels: times.iter().map(|v| format!("{v:.3}")).collect(),
        y_labels: rows_shown.iter().map(|i| i.to_string()).collect(),
        values,
        value_label: "automation".into(),
    };
    draw_figure(
        dir,
        "automation_raster",
        &|p| heatmap(p, &chart, &theme),
        manifest,
    )?;
    if n <= 200 {
        let om = model.network.omega();
        let chart = Heatmap {
            title: "Spillover matrix Omega (row = receiver)".into(),
            x_label: "sender task".into(),
            y_label: "receiver task".into(),
            x_labels: (0..n).map(|i| i.to_string()).collect(),
            y_labels: (0..n).map(|i| i.to_string()).collect(),
            values: (0..n)
                .map(|i| (0..n).map(|j| om[(i, j)]).collect())
                .collect(),
            value_label: "Omega_ij".into(),
        };
        draw_figure(
            dir,
            "omega_heatmap",
            &|p| heatmap(p, &chart, &theme),
            manifest,
        )?;
    }
    let (x, y): (Vec<f64>, Vec<f64>) = (0..n)
        .filter_map(|i| path.automation_time[i].map(|a| (stats.katz_centrality[i], a)))
        .unzip();
    if !x.is_empty() {
        let chart = ScatterChart {
            title: "Automation time vs centrality".into(),
            x_label: "Katz centrality (receiving)".into(),
            y_label: "automation time".into(),
            series: vec![Series::new("tasks", x, y)],
            log_x: false,
            log_y: false,
            diagonal: false,
        };
        draw_figure(
            dir,
            "automation_vs_centrality",
            &|p| scatter_chart(p, &chart, &theme),
            manifest,
        )?;
    }
    Ok(())
}

fn planner_cmd(common: &CommonArgs, args: &PlannerArgs, manifest: &mut RunManifest) -> Result<()> {
    let (s, base) = scenario(&args.scenario, manifest)?;
    let model = resolve(&s, base.as_deref())?;
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
    let r = solve_planner(&model.economy, &model.initial_data, &options)
        .with_context(|| format!("planner for {}", s.name))?;
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
    let (s, base) = scenario(&args.scenario, manifest)?;
    if base.is_some()
        && s.network
            .as_ref()
            .is_some_and(|n| matches!(n.spec, NetworkSpec::File { .. }))
    {
        bail!("sweeps over scenarios with a network file are not supported yet: export a built network or use a topology");
    }
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
        let d = phase_diagram(
            &s,
            (&axes[0].key, &axes[0].values),
            (&axes[1].key, &axes[1].values),
            &network_file_loader,
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
    let mc = monte_carlo(&s, &ranges, args.draws, seed, 101, &network_file_loader)?;
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
            Network::build(&spec, args.tasks, args.seed)?
        }
        None => {
            let (s, base) = scenario(&args.scenario, manifest)?;
            resolve(&s, base.as_deref())?.network
        }
    };
    let stats = network.stats(&[0]);
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
