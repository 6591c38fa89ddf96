//! The `walras` binary: everything happens in walras-cli.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    walras_cli::main()
}
