use clap::Parser;

// Front-ends allocate many small strings; mimalloc is markedly faster than the
// system allocator for that pattern (see docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    no_transparent_huge_pages();
    // Files are analysed on rayon's threads: give them the main thread's stack
    // size, so that deeply nested input (bounded by the front-ends) cannot
    // overflow a smaller one.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(16 * 1024 * 1024)
        .build_global();
    let cli = opslint::cli::Cli::parse();
    std::process::exit(opslint::cli::run(cli));
}

/// A run allocates and frees much memory in small pieces: with transparent
/// huge pages the kernel zeroes a 2 MiB page for each fresh region the
/// allocator touches, which cost a quarter of the time of a run over a
/// 900,000-call script (docs/performance.md).
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE only sets this process's page policy; no
    // memory is passed.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
