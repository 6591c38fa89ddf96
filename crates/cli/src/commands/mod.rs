//! Command implementations: each turns validated arguments into library calls and output.

mod automation;
mod examples;
mod tax;
mod trade;

use anyhow::Result;
use clap::CommandFactory;

use crate::args::{Cli, Command};

/// Run the parsed command.
pub fn dispatch(cli: Cli, command_line: Vec<String>) -> Result<()> {
    match cli.command {
        Command::Examples(args) => examples::run(&cli.common, &args, command_line),
        Command::Tax(args) => tax::run(&cli.common, &args.command, command_line),
        Command::Trade(args) => trade::run(&cli.common, &args.command, command_line),
        Command::Automation(args) => automation::run(&cli.common, &args.command, command_line),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "walras", &mut std::io::stdout());
            Ok(())
        }
    }
}
