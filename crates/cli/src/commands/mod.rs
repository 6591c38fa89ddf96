//! Command implementations: each turns validated arguments into library calls and output.

mod examples;
mod tax;
mod trade;

use anyhow::{bail, Result};
use clap::CommandFactory;

use crate::args::{Cli, Command};

/// Run the parsed command.
pub fn dispatch(cli: Cli, command_line: Vec<String>) -> Result<()> {
    match cli.command {
        Command::Examples(args) => examples::run(&cli.common, &args, command_line),
        Command::Tax(args) => tax::run(&cli.common, &args.command, command_line),
        Command::Trade(args) => trade::run(&cli.common, &args.command, command_line),
        Command::Automation(_) => pending("automation", 5, "data-driven automation"),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "walras", &mut std::io::stdout());
            Ok(())
        }
    }
}

fn pending(group: &str, issue: u32, what: &str) -> Result<()> {
    bail!(
        "`walras {group}` ({what}) is not implemented yet: it arrives with issue #{issue}. \
         Run `walras examples` for the core's canonical economies."
    )
}
