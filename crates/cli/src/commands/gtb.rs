//! `walras tax gtb`: the AI Economist's Gather-Trade-Build world, computed by
//! [`walras_api::gtb`] and [`walras_gtb`] and printed or written here.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result};
use walras_api::gtb::{
    compare as compare_planners, equilibrium as solve_equilibrium, optimize as optimize_rates,
    simulate as simulate_episodes, world_config, GtbGameRequest, GtbGameRun, GtbSimulateRequest,
    GtbWorldRequest,
};
use walras_api::write_output;
use walras_data::RunManifest;
use walras_gtb::replay::{replay as replay_actions, Actions, Extras};
use walras_gtb::World;

use crate::args::{
    CommonArgs, GtbCommand, GtbEquilibriumArgs, GtbGameArgs, GtbReplayArgs, GtbSimulateArgs,
    GtbWorldArgs,
};
use crate::output::{print, TextTable};
use crate::progress::{EngineWatch, Progress};

/// Run a `walras tax gtb` subcommand.
pub fn run(common: &CommonArgs, command: &GtbCommand, manifest: &mut RunManifest) -> Result<()> {
    match command {
        GtbCommand::Replay(args) => replay(args),
        GtbCommand::Simulate(args) => simulate(common, args, manifest),
        GtbCommand::Equilibrium(args) => game(common, Game::Equilibrium(args), manifest),
        GtbCommand::Optimize(args) => game(common, Game::Optimize(args), manifest),
        GtbCommand::Compare(args) => game(common, Game::Compare(args), manifest),
    }
}

fn world_request(args: &GtbWorldArgs) -> GtbWorldRequest {
    GtbWorldRequest {
        tax: args.tax.clone(),
        rng: args.rng.clone(),
        seed: args.seed,
        episode_length: args.episode_length,
        map: args.map.clone(),
        random_skills: args.random_skills,
    }
}

fn replay(args: &GtbReplayArgs) -> Result<()> {
    let (cfg, rng) = world_config(&world_request(&args.world))?;
    let mut world = World::seeded(cfg, rng, args.world.seed)?;
    let path = args.actions.display().to_string();
    let text = std::fs::read_to_string(&args.actions)
        .with_context(|| format!("--actions: reading {path}"))?;
    let actions = Actions::parse(&text, &path, world.config().n_agents, world.config().tax)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let extras = Extras {
        masks: args.masks,
        observations: args.observations,
    };
    replay_actions(&mut world, &actions, extras, |record| -> Result<()> {
        serde_json::to_writer(&mut out, record).context("writing to stdout")?;
        out.write_all(b"\n").context("writing to stdout")
    })?;
    out.flush().context("writing to stdout")
}

fn simulate(common: &CommonArgs, args: &GtbSimulateArgs, manifest: &mut RunManifest) -> Result<()> {
    let progress = Progress::spinner("episodes", common.quiet);
    let request = GtbSimulateRequest {
        world: world_request(&args.world),
        episodes: args.episodes,
        policy: args.policy.clone(),
        threads: args.threads,
        observer: Arc::new(EngineWatch::new(&progress, false, false)),
    };
    let run = simulate_episodes(&request);
    progress.finish();
    let run = run?;
    if let Some(dir) = &common.out {
        write_output(dir, &run.output, &run.provenance, manifest)?;
    }
    let summary = &run.output.json["summary"];
    let rows = summary
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(name, s)| {
                    let f = |k: &str| s[k].as_f64().map_or("null".into(), |v| format!("{v:.4}"));
                    vec![
                        name.replace('_', " "),
                        f("mean"),
                        f("ci95_low"),
                        f("ci95_high"),
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    let table = TextTable {
        headers: ["per episode", "mean", "95% low", "95% high"]
            .map(String::from)
            .to_vec(),
        rows,
    };
    let preface = format!(
        "{} episodes of {} steps, {} taxes, {} policy, {} generator: {:.0} steps/s.",
        args.episodes,
        args.world.episode_length,
        args.world.tax,
        args.policy,
        args.world.rng,
        run.steps_per_s
    );
    print(common.format, &table, &run.output.json, &preface).context("writing to stdout")
}

/// The commands whose agents best-respond.
enum Game<'a> {
    Equilibrium(&'a GtbEquilibriumArgs),
    Optimize(&'a GtbGameArgs),
    Compare(&'a GtbGameArgs),
}

fn game_request(args: &GtbGameArgs, tax: &str, rates: Option<Vec<f64>>) -> GtbGameRequest {
    GtbGameRequest {
        world: GtbWorldRequest {
            tax: tax.into(),
            rng: args.rng.clone(),
            seed: args.seed,
            episode_length: args.episode_length,
            map: args.map.clone(),
            random_skills: args.random_skills,
        },
        episodes: args.episodes,
        rounds: args.rounds,
        iterations: args.iterations,
        pairs: args.pairs,
        objective_episodes: args.objective_episodes,
        rates,
        threads: args.threads,
        ..GtbGameRequest::default()
    }
}

/// `mean [low, high]` of a `{mean, ci95_low, ci95_high}` record.
fn with_interval(v: &serde_json::Value, digits: usize) -> String {
    match (
        v["mean"].as_f64(),
        v["ci95_low"].as_f64(),
        v["ci95_high"].as_f64(),
    ) {
        (Some(m), Some(l), Some(h)) => format!("{m:.digits$} [{l:.digits$}, {h:.digits$}]"),
        _ => "null".into(),
    }
}

fn planner_rows(outcomes: &[&serde_json::Value]) -> TextTable {
    let rates = |o: &serde_json::Value| {
        o["rates"]
            .as_array()
            .map(|r| {
                r.iter()
                    .map(|x| x.as_f64().map_or("null".into(), |x| format!("{x:.2}")))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    };
    TextTable {
        headers: [
            "planner",
            "equality",
            "productivity (coin)",
            "equality x productivity",
            "rates",
        ]
        .map(String::from)
        .to_vec(),
        rows: outcomes
            .iter()
            .map(|o| {
                vec![
                    o["planner"].as_str().unwrap_or("").replace('_', " "),
                    with_interval(&o["equality"], 3),
                    with_interval(&o["productivity"], 1),
                    with_interval(&o["equality_times_productivity"], 1),
                    rates(o),
                ]
            })
            .collect(),
    }
}

fn agent_lines(outcome: &serde_json::Value) -> String {
    let mut lines = String::new();
    let deviations = outcome["exploitability"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (a, d) in outcome["agents"]
        .as_array()
        .into_iter()
        .flatten()
        .zip(deviations.iter())
    {
        let f = |k: &str| a[k].as_f64().unwrap_or(f64::NAN);
        lines.push_str(&format!(
            "  agent {} ({:.1} coin per house): {}, utility {}, {:.1} houses, sold {:.1}, bought {:.1}; gain from deviating {}\n",
            f("agent"),
            f("build_payment"),
            a["role"].as_str().unwrap_or(""),
            with_interval(&a["utility"], 2),
            f("houses"),
            f("sold"),
            f("bought"),
            with_interval(&d["gain"], 2),
        ));
    }
    lines
}

fn game(common: &CommonArgs, command: Game, manifest: &mut RunManifest) -> Result<()> {
    let progress = Progress::spinner("best-response iterations", common.quiet);
    let observer = Arc::new(EngineWatch::new(&progress, false, false));
    let (request, run): (_, fn(&GtbGameRequest) -> Result<GtbGameRun>) = match command {
        Game::Equilibrium(a) => (
            game_request(&a.game, &a.tax, a.rates.clone()),
            solve_equilibrium,
        ),
        Game::Optimize(a) => (game_request(a, "planner", None), optimize_rates),
        Game::Compare(a) => (game_request(a, "none", None), compare_planners),
    };
    let request = GtbGameRequest {
        observer,
        ..request
    };
    let result = run(&request);
    progress.finish();
    let result = result?;
    if let Some(dir) = &common.out {
        write_output(dir, &result.output, &result.provenance, manifest)?;
    }
    let json = &result.output.json;
    let (table, preface) = match command {
        Game::Compare(_) => {
            let planners: Vec<&serde_json::Value> =
                ["free_market", "us_federal", "saez", "optimized"]
                    .iter()
                    .map(|k| &json["planners"][*k])
                    .collect();
            let ranking = json["ranking"]
                .as_array()
                .map(|r| {
                    r.iter()
                        .filter_map(|x| x.as_str())
                        .map(|x| x.replace('_', " "))
                        .collect::<Vec<_>>()
                        .join(" > ")
                })
                .unwrap_or_default();
            (
                planner_rows(&planners),
                format!(
                    "Planners with agents in approximate equilibrium (means and 95% intervals over {} episodes).\nRanking by equality x productivity: {ranking}.\nOptimised rates over Saez: {}% (the paper reports +16% for its learned planner).",
                    request.episodes,
                    with_interval(&json["gain_over_saez_pct"], 1)
                ),
            )
        }
        _ => {
            let outcome = &json["outcome"];
            let head = match command {
                Game::Optimize(_) => format!(
                    "Optimised rates after {} candidate schedules (agents re-equilibrated for each).\n",
                    json["optimization"]["candidates"].as_array().map_or(0, |c| c.len())
                ),
                _ => String::new(),
            };
            (
                planner_rows(&[outcome]),
                format!(
                    "{head}Agents in approximate equilibrium ({}settled after {} rounds):\n{}",
                    if outcome["dynamics"]["settled"].as_bool() == Some(true) {
                        ""
                    } else {
                        "not "
                    },
                    outcome["dynamics"]["gains"]
                        .as_array()
                        .map_or(0, |g| g.len()),
                    agent_lines(outcome).trim_end()
                ),
            )
        }
    };
    print(common.format, &table, json, &preface).context("writing to stdout")
}
