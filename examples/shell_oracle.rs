//! Compares the kubectl calls opslint's shell front-end finds with those of
//! shfmt's bash parser in every shell file under the given directories (or
//! files), the comparison of `tests/shell_oracle.rs`:
//!
//! cargo run --release --example shell_oracle -- DIR...
//!
//! Prints each divergence as `path:line:col: missing|extra|unparsed` with the
//! line's text, the files shfmt rejects, and a summary. Exit status 1 when
//! there is a divergence. `--facts FILE` prints opslint's command facts of one
//! file instead (a debugging aid).

#[path = "../tests/oracle/mod.rs"]
mod oracle;

use std::path::{Path, PathBuf};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--facts") {
        for path in &args[1..] {
            print_facts(Path::new(path));
        }
        return;
    }
    if args.is_empty() {
        eprintln!("usage: shell_oracle DIR... | --facts FILE...");
        std::process::exit(2);
    }
    if !oracle::shfmt_available() {
        eprintln!("shfmt not found (apt-get install shfmt)");
        std::process::exit(2);
    }
    let files: Vec<PathBuf> = oracle::files::files_of_args(&args, oracle::shell_files);
    let results = oracle::par_map(&files, |path| match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(src) => {
                let r = oracle::compare(&src);
                Some((src, r))
            }
            Err(_) => None,
        },
        Err(_) => None,
    });
    let (mut tally, mut rejected, mut differing) = (oracle::Tally::default(), 0, 0);
    for (path, result) in files.iter().zip(&results) {
        let Some((src, result)) = result else {
            println!("{}: not compared (unreadable or not UTF-8)", path.display());
            continue;
        };
        match result {
            Err(message) => {
                rejected += 1;
                let first = message.lines().next().unwrap_or("");
                println!(
                    "{}: not compared (shfmt rejects it: {first})",
                    path.display()
                );
            }
            Ok(divergences) => {
                if !divergences.is_empty() {
                    differing += 1;
                }
                for d in divergences {
                    tally.add(&d);
                    println!("{}:{}", path.display(), d.render(src));
                }
            }
        }
    }
    println!(
        "{} shell files, {} compared, {rejected} rejected by shfmt; {differing} differ: {tally}",
        files.len(),
        files.len() - rejected
    );
    if differing > 0 {
        std::process::exit(1);
    }
}

fn print_facts(path: &Path) {
    let src = std::fs::read_to_string(path).expect("a UTF-8 file");
    let facts = opslint::lang::analyze(
        opslint::lang::Language::Shell,
        &src,
        Path::new("t.sh"),
        &Default::default(),
    );
    for c in &facts.commands {
        let (line, col, _) = oracle::line_col(&src, c.span.start);
        let words: Vec<String> = c
            .words
            .iter()
            .map(|w| format!("{:?}@{}", w.text, w.span.start))
            .collect();
        println!(
            "{line}:{col} {} origin={:?} wrappers={:?} in_function={:?}",
            words.join(" "),
            c.origin,
            c.wrappers,
            c.in_function
        );
    }
    for u in &facts.unparsed {
        let (l1, c1, _) = oracle::line_col(&src, u.span.start);
        let (l2, c2, _) = oracle::line_col(&src, u.span.end);
        println!("unparsed {l1}:{c1}..{l2}:{c2}");
    }
}
