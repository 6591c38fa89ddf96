//! Command implementations: each turns validated arguments into library calls and output.

mod automation;
mod automation_statics;
mod examples;
mod gtb;
mod sweep;
mod tax;
mod tax_statics;
mod trade;

use std::path::Path;

use anyhow::{anyhow, bail, Result};
use clap::CommandFactory;
use walras_data::OutputFolder;

use crate::args::{AutomationCommand, Cli, Command, GtbCommand, TaxCommand, TradeCommand};

/// Run the parsed command. With `--out DIR` the command writes into a staging folder beside
/// `DIR`, which replaces `DIR` whole only once the command has succeeded (see
/// [`OutputFolder`]); commands that write no output folder refuse `--out`.
pub fn dispatch(mut cli: Cli, command_line: Vec<String>) -> Result<()> {
    let Some(target) = cli.common.out.clone() else {
        return run(cli, command_line);
    };
    // A sweep folder fills up shard by shard, from many processes: each file is atomic.
    if matches!(cli.command, Command::Sweep(_)) {
        return run(cli, command_line);
    }
    if let Some(name) = ignores_out(&cli.command) {
        bail!("walras {name} does not write an output folder; remove --out");
    }
    // One line: the error's message already holds its cause.
    let folder = OutputFolder::stage(&target, cli.common.overwrite).map_err(|e| anyhow!("{e}"))?;
    cli.common.out = Some(folder.path().to_path_buf());
    match run(cli, command_line) {
        Ok(()) => Ok(folder.commit()?),
        // Dropping `folder` removes the staging folder; the target is untouched.
        Err(err) => Err(name_target(err, folder.path(), &target)),
    }
}

/// The commands that write no output folder, by name.
fn ignores_out(command: &Command) -> Option<&'static str> {
    match command {
        Command::Automation(a) => match a.command {
            AutomationCommand::Network(_) => Some("automation network"),
            AutomationCommand::Presets => Some("automation presets"),
            _ => None,
        },
        Command::Trade(t) => match t.command {
            TradeCommand::Import(_) => Some("trade import"),
            _ => None,
        },
        Command::Tax(t) => match &t.command {
            TaxCommand::Gtb(g) if matches!(g.command, GtbCommand::Replay(_)) => {
                Some("tax gtb replay")
            }
            _ => None,
        },
        Command::Completions { .. } => Some("completions"),
        Command::Examples(_) | Command::Sweep(_) => None,
    }
}

/// An error whose messages name the staging folder, with the target named instead.
fn name_target(err: anyhow::Error, staging: &Path, target: &Path) -> anyhow::Error {
    let (from, to) = (staging.display().to_string(), target.display().to_string());
    if !err.chain().any(|e| e.to_string().contains(&from)) {
        return err;
    }
    let mut messages = err.chain().map(|e| e.to_string().replace(&from, &to));
    let innermost = messages.next_back().unwrap_or_default();
    messages
        .rev()
        .fold(anyhow::anyhow!(innermost), |e, m| e.context(m))
}

/// Run the command with its final arguments.
fn run(cli: Cli, command_line: Vec<String>) -> Result<()> {
    match cli.command {
        Command::Examples(args) => examples::run(&cli.common, &args, command_line),
        Command::Tax(args) => tax::run(&cli.common, &args.command, command_line),
        Command::Trade(args) => trade::run(&cli.common, &args.command, command_line),
        Command::Automation(args) => automation::run(&cli.common, &args.command, command_line),
        Command::Sweep(args) => sweep::run(&cli.common, &args.command),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "walras", &mut std::io::stdout());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_target_not_the_staging_folder() {
        let staging = Path::new("runs/.results.walras-staging-7-0");
        let err = anyhow!("runs/.results.walras-staging-7-0/a.csv: disk full")
            .context("writing runs/.results.walras-staging-7-0/a.csv");
        let err = name_target(err, staging, Path::new("runs/results"));
        let chain: Vec<String> = err.chain().map(|e| e.to_string()).collect();
        assert_eq!(
            chain,
            [
                "writing runs/results/a.csv",
                "runs/results/a.csv: disk full"
            ]
        );
        // Other errors pass through unchanged.
        let err = name_target(anyhow!("bad input"), staging, Path::new("runs/results"));
        assert_eq!(err.to_string(), "bad input");
    }
}
