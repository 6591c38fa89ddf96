//! # walras-cli: the `walras` command line
//!
//! A thin layer: clap parses flags into validated settings, library crates do the work, and
//! this crate renders results as a table, one JSON object, or CSV. Errors print their whole
//! cause chain and exit with status 2 (a backtrace only with `-vv` and `RUST_BACKTRACE=1`).
#![deny(missing_docs)]

mod args;
mod commands;
mod output;
mod progress;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command, CommonArgs, Format};

/// Run the CLI on the process arguments.
pub fn main() -> ExitCode {
    run(std::env::args_os())
}

/// Run the CLI on explicit arguments (program name first); returns the exit status.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout and succeed; usage errors exit with 2.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let command_line = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let verbose = cli.common.verbose;
    // A panic is a bug: report it in one line (no backtrace unless -vv) and exit with 2.
    std::panic::set_hook(Box::new(move |info| {
        eprintln!("error: internal error (a bug in walras, please report it with the command line): {info}");
        if verbose >= 2 {
            eprintln!("{}", std::backtrace::Backtrace::force_capture());
        }
    }));
    let outcome = std::panic::catch_unwind(|| commands::dispatch(cli, command_line));
    let _ = std::panic::take_hook();
    let Ok(result) = outcome else {
        return ExitCode::from(2);
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            // A backtrace only when asked for twice: -vv and RUST_BACKTRACE=1.
            let backtrace = err.backtrace();
            if verbose >= 2 && backtrace.status() == std::backtrace::BacktraceStatus::Captured {
                eprintln!("{backtrace}");
            }
            ExitCode::from(2)
        }
    }
}
