//! `walras tax gtb`: the AI Economist's Gather-Trade-Build world, computed by
//! [`walras_api::gtb`] and [`walras_gtb`] and printed or written here.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result};
use walras_api::gtb::{
    simulate as simulate_episodes, world_config, GtbSimulateRequest, GtbWorldRequest,
};
use walras_api::write_output;
use walras_data::RunManifest;
use walras_gtb::replay::{replay as replay_actions, Actions, Extras};
use walras_gtb::World;

use crate::args::{CommonArgs, GtbCommand, GtbReplayArgs, GtbSimulateArgs, GtbWorldArgs};
use crate::output::{print, TextTable};
use crate::progress::{EngineWatch, Progress};

/// Run a `walras tax gtb` subcommand.
pub fn run(common: &CommonArgs, command: &GtbCommand, manifest: &mut RunManifest) -> Result<()> {
    match command {
        GtbCommand::Replay(args) => replay(args),
        GtbCommand::Simulate(args) => simulate(common, args, manifest),
    }
}

fn world_request(args: &GtbWorldArgs) -> GtbWorldRequest {
    GtbWorldRequest {
        tax: args.tax.clone(),
        rng: args.rng.clone(),
        seed: args.seed,
        episode_length: args.episode_length,
        map: args.map.clone(),
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
