use clap::Parser;

// Front-ends allocate many small strings; mimalloc is markedly faster than the
// system allocator for that pattern (see docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Files are analysed on rayon's threads: give them the main thread's stack
    // size, so that deeply nested input (bounded by the front-ends) cannot
    // overflow a smaller one.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(16 * 1024 * 1024)
        .build_global();
    let cli = opslint::cli::Cli::parse();
    std::process::exit(opslint::cli::run(cli));
}
