//! The `walras` binary: everything happens in walras-cli.

fn main() -> std::process::ExitCode {
    walras_cli::main()
}
