//! `walras automation`: growth paths of the data-driven automation model (DDA-1), the planner,
//! Monte Carlo and phase diagrams, and spillover-network tools (computed by
//! [`walras_api::automation`]).

use std::sync::Arc;

use anyhow::Result;
use walras_api::automation::{
    network, planner, presets, presets_json, simulate, sweep, NetworkRequest, PlannerRequest,
    ScenarioSource, SimulateRequest, SweepRequest, SweepRun,
};
use walras_api::{write_output, Output, Provenance};
use walras_automation::StopReason;
use walras_data::RunManifest;

use super::automation_statics;
use crate::args::{
    AutomationCommand, CommonArgs, NetworkArgs, PlannerArgs, ScenarioArgs, SweepArgs,
};
use crate::output::{
    emit, headers, num, pct, print, print_quantities, print_with_headers, TextTable,
};
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
        AutomationCommand::Sensitivity(args) => {
            automation_statics::sensitivity(common, args, &mut manifest)
        }
        AutomationCommand::Uncertainty(args) => {
            automation_statics::uncertainty(common, args, &mut manifest)
        }
        AutomationCommand::Sweep(args) => sweep_cmd(common, args, &mut manifest),
        AutomationCommand::Network(args) => network_cmd(common, args),
        AutomationCommand::Presets => {
            let rows = presets()
                .into_iter()
                .map(|(name, description)| vec![name, description])
                .collect::<Vec<_>>();
            print(
                common.format,
                &TextTable {
                    headers: vec!["preset".into(), "description".into()],
                    rows,
                },
                &presets_json(),
                "",
            )?;
            Ok(())
        }
    }
}

/// The scenario named by the arguments.
pub(super) fn source(args: &ScenarioArgs) -> ScenarioSource {
    ScenarioSource {
        scenario: args.scenario.clone(),
        preset: args.preset.clone(),
        set: args.overrides.clone(),
    }
}

/// Print the warnings and write the output folder with `--out`.
pub(super) fn finish(
    common: &CommonArgs,
    output: &Output,
    provenance: &Provenance,
    manifest: &mut RunManifest,
) -> Result<()> {
    for warning in &provenance.warnings {
        if !common.quiet {
            eprintln!("warning: {warning}");
        }
    }
    if let Some(dir) = &common.out {
        write_output(dir, output, provenance, manifest)?;
    }
    Ok(())
}

/// Why a path stopped, in words.
fn stop_words(stop: StopReason) -> &'static str {
    match stop {
        StopReason::Horizon => "horizon reached",
        StopReason::LaborShare => "labour task share fell to the stop level",
        StopReason::Blowup => "finite-time blow-up",
        StopReason::StateLimit => "state limit reached (levels e^600, no blow-up)",
    }
}

fn simulate_cmd(
    common: &CommonArgs,
    args: &ScenarioArgs,
    manifest: &mut RunManifest,
) -> Result<()> {
    let spinner = Progress::spinner("growth path", common.quiet);
    let run = simulate(&SimulateRequest {
        source: source(args),
        observer: Arc::new(EngineWatch::new(&spinner, false, false)),
    });
    spinner.finish();
    let run = run?;
    if let Some(dir) = &common.out {
        let path = run.write_network(dir)?;
        manifest.add_output(&path);
    }
    finish(common, &run.output, &run.provenance, manifest)?;
    let (path, eq) = (&run.path, &run.path.final_equilibrium);
    let rows = vec![
        vec!["scenario".into(), run.scenario.name.clone()],
        vec![
            "stopped".into(),
            format!(
                "{} at t = {}",
                stop_words(path.stop),
                num(Some(path.final_time()))
            ),
        ],
        vec![
            "labour task share m (fraction)".into(),
            num(Some(eq.labor_task_share)),
        ],
        vec![
            "labour income share (fraction)".into(),
            num(Some(eq.labor_income_share)),
        ],
        vec!["output Y (final good)".into(), num(Some(eq.output))],
        vec!["wage w (final good)".into(), num(Some(eq.wage))],
        vec![
            "tasks using AI".into(),
            format!("{} of {}", run.tasks_automated, run.model.economy.tasks()),
        ],
        vec![
            "blow-up time T* (model units)".into(),
            path.blowup_time.map_or("none".into(), |t| num(Some(t))),
        ],
    ];
    print_quantities(common.format, rows, &run.output.json, "")?;
    Ok(())
}

fn planner_cmd(common: &CommonArgs, args: &PlannerArgs, manifest: &mut RunManifest) -> Result<()> {
    let spinner = Progress::spinner("planner (forward-backward sweep)", common.quiet);
    let run = planner(&PlannerRequest {
        source: source(&args.scenario),
        discount: args.discount,
        eta: args.eta,
        horizon: args.horizon,
        grid: args.grid,
        tolerance: args
            .tolerance
            .unwrap_or(PlannerRequest::default().tolerance),
        observer: Arc::new(EngineWatch::new(&spinner, false, false)),
    });
    spinner.finish();
    let run = run?;
    finish(common, &run.output, &run.provenance, manifest)?;
    let r = &run.result;
    let rows = vec![
        vec!["planner welfare".into(), num(Some(r.planner_welfare))],
        vec!["market welfare".into(), num(Some(r.market_welfare))],
        vec![
            "welfare gap (% of consumption)".into(),
            pct(r.welfare_gap_pct),
        ],
        vec!["sweep iterations".into(), r.iterations.to_string()],
    ];
    print_quantities(
        common.format,
        rows,
        &run.output.json,
        &format!("Planner vs market: {}", run.scenario),
    )?;
    Ok(())
}

fn sweep_cmd(common: &CommonArgs, args: &SweepArgs, manifest: &mut RunManifest) -> Result<()> {
    let what = if args.grid.is_empty() {
        format!("Monte Carlo ({} draws)", args.draws)
    } else {
        "phase diagram".to_string()
    };
    let spinner = Progress::spinner(&what, common.quiet);
    let run = sweep(&SweepRequest {
        source: source(&args.scenario),
        range: args.ranges.clone(),
        draws: args.draws,
        grid: args.grid.clone(),
        seed: args.seed,
        observer: Arc::new(EngineWatch::new(&spinner, false, false)),
    });
    spinner.finish();
    let run = run?;
    finish(common, run.output(), run.provenance(), manifest)?;
    match &run {
        SweepRun::PhaseDiagram(p) => {
            let d = &p.result;
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
            let table = TextTable {
                headers: vec![
                    d.x_key.clone(),
                    d.y_key.clone(),
                    "regime".into(),
                    "final m".into(),
                ],
                rows,
            };
            let shown = vec![
                d.x_key.clone(),
                d.y_key.clone(),
                "regime".into(),
                "final labour task share m".into(),
            ];
            print_with_headers(common.format, &table, &shown, &p.output.json, "")?;
        }
        SweepRun::MonteCarlo(m) => {
            let mc = &m.result;
            let rows = vec![
                vec!["draws".into(), args.draws.to_string()],
                vec![
                    "full automation (share of draws)".into(),
                    num(Some(mc.regime_shares[0])),
                ],
                vec![
                    "partial automation (share of draws)".into(),
                    num(Some(mc.regime_shares[1])),
                ],
                vec![
                    "explosive growth (share of draws)".into(),
                    num(Some(mc.regime_shares[2])),
                ],
                vec![
                    "final labour task share m (median)".into(),
                    num(mc.labor_task_share.last().map(|q| q[1])),
                ],
            ];
            print_quantities(
                common.format,
                rows,
                &m.output.json,
                &format!("Monte Carlo: {}", m.scenario),
            )?;
        }
    }
    Ok(())
}

fn network_cmd(common: &CommonArgs, args: &NetworkArgs) -> Result<()> {
    let spinner = Progress::spinner("network statistics", common.quiet);
    let run = network(&NetworkRequest {
        source: source(&args.scenario),
        spec: args.spec.clone(),
        tasks: args.tasks,
        seed: args.seed,
        export: args.export.clone(),
        observer: Arc::new(EngineWatch::new(&spinner, false, false)),
    });
    spinner.finish();
    let run = run?;
    let stats = &run.stats;
    if let Some(path) = &args.export {
        if !common.quiet {
            eprintln!("wrote {} ({} edges)", path.display(), stats.edges);
        }
    }
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
        headers: headers(&[
            "task",
            "in_degree",
            "out_degree",
            "in_strength",
            "katz",
            "eigenvector",
            "reachable_from_0",
        ]),
        rows,
    };
    let shown = headers(&[
        "task",
        "in-degree",
        "out-degree",
        "in-strength",
        "Katz centrality",
        "eigenvector centrality",
        "reachable from task 0",
    ]);
    if common.format == crate::args::Format::Table && common.quiet {
        return emit(&table.render_with(&shown)).map_err(Into::into);
    }
    print_with_headers(common.format, &table, &shown, &run.output.json, &preface)?;
    Ok(())
}
