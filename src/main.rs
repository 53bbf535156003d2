use clap::Parser;

// Front-ends allocate many small strings; mimalloc is markedly faster than the
// system allocator for that pattern (see docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = opslint::cli::Cli::parse();
    std::process::exit(opslint::cli::run(cli));
}
