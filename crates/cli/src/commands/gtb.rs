//! `walras tax gtb`: the AI Economist's Gather-Trade-Build world ([`walras_gtb`]).

use std::io::Write;

use anyhow::{Context, Result};
use walras_gtb::replay::{replay as replay_actions, Actions};
use walras_gtb::{GtbConfig, Layout, RngKind, TaxModel, World};

use crate::args::{CommonArgs, GtbCommand, GtbReplayArgs, GtbWorldArgs};

/// Run a `walras tax gtb` subcommand.
pub fn run(_common: &CommonArgs, command: &GtbCommand) -> Result<()> {
    match command {
        GtbCommand::Replay(args) => replay(args),
    }
}

/// The configuration and the generator of the world arguments.
fn world(args: &GtbWorldArgs) -> Result<World> {
    let tax: TaxModel = args
        .tax
        .parse()
        .map_err(|e: String| anyhow::anyhow!("--tax {e}"))?;
    let rng: RngKind = args
        .rng
        .parse()
        .map_err(|e: String| anyhow::anyhow!("--rng {e}"))?;
    let layout = match &args.map {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("--map: reading {}", path.display()))?;
            Layout::parse(&text, &path.display().to_string())?
        }
        None => Layout::quadrant(),
    };
    let cfg = GtbConfig {
        layout,
        tax,
        episode_length: args.episode_length,
        ..GtbConfig::default()
    };
    let rng = rng
        .seeded(args.seed)
        .map_err(|e| anyhow::anyhow!("--seed {e}"))?;
    Ok(World::new(cfg, rng)?)
}

fn replay(args: &GtbReplayArgs) -> Result<()> {
    let mut world = world(&args.world)?;
    let path = args.actions.display().to_string();
    let text = std::fs::read_to_string(&args.actions)
        .with_context(|| format!("--actions: reading {path}"))?;
    let actions = Actions::parse(&text, &path, world.config().n_agents, world.config().tax)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    replay_actions(&mut world, &actions, |record| -> Result<()> {
        serde_json::to_writer(&mut out, record).context("writing to stdout")?;
        out.write_all(b"\n").context("writing to stdout")
    })?;
    out.flush().context("writing to stdout")
}
