//! Compares the YAML front-end with PyYAML's safe loader (what Ansible uses) on
//! every `*.yml`/`*.yaml` file under the given directories, the comparison of
//! `tests/yaml_oracle.rs`:
//!
//! cargo run --release --example yaml_oracle -- DIR...
//!
//! Prints each disagreement as `path: line N: …` and a summary; exit status 1
//! when there is one.

#[path = "../tests/yamloracle/mod.rs"]
mod yaml_oracle;

use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        eprintln!("usage: yaml_oracle DIR...");
        std::process::exit(2);
    }
    if !yaml_oracle::pyyaml_available() {
        eprintln!("PyYAML not found (pip install PyYAML)");
        std::process::exit(2);
    }
    let files: Vec<PathBuf> = yaml_oracle::files::files_of_args(&args, yaml_oracle::yaml_files);
    let texts: Vec<(PathBuf, String)> = files
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            // Templates (`{% … %}`) are not YAML until rendered.
            (!text.contains("{%")).then_some((p, text))
        })
        .collect();
    let mut disagreements = 0;
    let (mut both_reject, mut accepted) = (0, 0);
    for batch in texts.chunks(500) {
        let sources: Vec<String> = batch.iter().map(|(_, t)| t.clone()).collect();
        let (_, verdicts) = yaml_oracle::pyyaml(&sources);
        for ((path, text), verdict) in batch.iter().zip(&verdicts) {
            match yaml_oracle::compare(text, verdict) {
                Some(d) => {
                    disagreements += 1;
                    println!("{}: {d}", path.display());
                }
                None if matches!(verdict, yaml_oracle::Verdict::Rejected { .. }) => both_reject += 1,
                None => accepted += 1,
            }
        }
    }
    println!(
        "{} YAML files: {accepted} read alike, {both_reject} rejected by both, {disagreements} disagreements",
        texts.len()
    );
    std::process::exit(i32::from(disagreements > 0));
}
