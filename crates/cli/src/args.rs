//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Walras: general-equilibrium policy optimisation by nested fixed points with exact
/// implicit gradients.
#[derive(Debug, Parser)]
#[command(name = "walras", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Options shared by every command.
    #[command(flatten)]
    pub common: CommonArgs,
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every command.
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// Write results, figures and a run manifest into this directory.
    #[arg(long, global = true, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// How to print results on stdout.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Print nothing but results and errors; no progress bars.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// More detail on stderr (solver reports); repeat for more.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Output format on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned, human-readable table.
    Table,
    /// One JSON object, for scripts.
    Json,
    /// CSV with a header row.
    Csv,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Solve the core's canonical economies (Cournot, Cobb-Douglas exchange, Armington tariff
    /// game) and compare with their closed-form answers.
    Examples(ExamplesArgs),
    /// Optimal income-tax brackets (arrives with issue #3).
    #[command(disable_help_subcommand = true)]
    Tax(PendingArgs),
    /// Trade and industrial policy: tariff wars, subsidies, cooperation (arrives with issue #4).
    #[command(disable_help_subcommand = true)]
    Trade(PendingArgs),
    /// Data-driven automation and growth paths (arrives with issue #5).
    #[command(disable_help_subcommand = true)]
    Automation(PendingArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Settings of `walras examples`.
#[derive(Debug, Args, Clone)]
pub struct ExamplesArgs {
    /// Trade elasticity theta of the Armington tariff game (> 0).
    #[arg(long, default_value_t = 4.0, allow_negative_numbers = true)]
    pub theta: f64,
    /// Iceberg trade cost tau of the Armington tariff game (>= 1).
    #[arg(long, default_value_t = 1.5, allow_negative_numbers = true)]
    pub tau: f64,
    /// Marginal costs of the Cournot firms, comma-separated (each in [0, 10)).
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    pub cournot_costs: Vec<f64>,
}

/// Arguments of a command group that a later issue fills.
#[derive(Debug, Args, Clone)]
pub struct PendingArgs {
    /// Anything; the group is not implemented yet.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub rest: Vec<String>,
}
