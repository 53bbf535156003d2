//! Differential test of the YAML front-end against PyYAML's safe loader (what
//! Ansible reads YAML with): generated YAML and every YAML fixture must be
//! accepted or rejected exactly as PyYAML does, and hold the same strings
//! (definition: `tests/yamloracle/mod.rs`). PyYAML is installed by
//! `.ci/run`; the test says SKIPPED without it (and fails under `CI=true`).
//!
//! `cargo run --release --example yaml_oracle -- DIR` runs the same comparison
//! over a real tree.

mod skip;

mod yamloracle;
use yamloracle as yaml_oracle;

use std::path::Path;
use yaml_oracle::{Disagreement, Verdict, generate};

const SEEDS: [u64; 3] = [1, 2, 3];
const TEXTS_PER_SEED: usize = 400;

fn pyyaml_or_skip() -> bool {
    if yaml_oracle::pyyaml_available() {
        return true;
    }
    skip::skip("the YAML oracle", "PyYAML with libyaml (yaml.CSafeLoader)", "bash .ci/run installs it: pip install PyYAML");
    false
}

#[test]
fn generator_is_deterministic() {
    assert_eq!(generate::text(7, 3), generate::text(7, 3));
    assert_ne!(generate::text(7, 3), generate::text(7, 4));
}

/// `texts` compared with PyYAML: the disagreements of each kind (rejected by
/// opslint only, accepted by opslint only, read to other strings), how many
/// texts PyYAML rejects, and the disagreeing texts.
fn report(texts: &[(String, String)]) -> ([usize; 3], usize, String) {
    let sources: Vec<String> = texts.iter().map(|(_, t)| t.clone()).collect();
    let (loader, verdicts) = yaml_oracle::pyyaml(&sources);
    let (mut rejected_by_pyyaml, mut out) = (0, String::new());
    let mut disagreements = [0; 3];
    for ((name, text), verdict) in texts.iter().zip(&verdicts) {
        if matches!(verdict, Verdict::Rejected { .. }) {
            rejected_by_pyyaml += 1;
        }
        if let Some(d) = yaml_oracle::compare(text, verdict) {
            let (i, kind) = match d {
                Disagreement::Rejected { .. } => (0, "rejected"),
                Disagreement::Accepted { .. } => (1, "accepted"),
                Disagreement::Value(_) => (2, "value"),
            };
            disagreements[i] += 1;
            out += &format!("\n== {name} ({kind}): {d}\n{text}");
            // Kept for `cargo run --example yaml_oracle -- target/yaml-oracle-failures`.
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/yaml-oracle-failures");
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(dir.join(format!("{}.yml", name.replace([' ', ',', '/'], "-"))), text);
        }
    }
    eprintln!(
        "{} texts (PyYAML {loader}: {rejected_by_pyyaml} rejected); disagreements: {} rejected by opslint only, {} accepted by opslint only, {} read to other strings",
        texts.len(),
        disagreements[0],
        disagreements[1],
        disagreements[2]
    );
    (disagreements, rejected_by_pyyaml, out)
}

/// Generated texts that opslint rejects though PyYAML loads them, that it
/// accepts though PyYAML rejects them, or that it reads to other strings:
/// there must be none.
#[test]
fn generated_yaml_is_read_as_pyyaml_reads_it() {
    if !pyyaml_or_skip() {
        return;
    }
    let _ = std::fs::remove_dir_all(Path::new(env!("CARGO_MANIFEST_DIR")).join("target/yaml-oracle-failures"));
    let texts: Vec<(String, String)> = SEEDS
        .iter()
        .flat_map(|&seed| (0..TEXTS_PER_SEED).map(move |i| (format!("seed {seed}, text {i}"), generate::text(seed, i))))
        .collect();
    let (disagreements, rejected, out) = report(&texts);
    // The generator must exercise rejection too, or half the comparison is idle.
    assert!(rejected >= texts.len() / 50, "only {rejected} generated texts are invalid YAML");
    assert_eq!(disagreements, [0; 3], "disagreements with PyYAML (rejected, accepted, value):{out}");
}

#[test]
fn yaml_fixtures_are_read_as_pyyaml_reads_them() {
    if !pyyaml_or_skip() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let texts: Vec<(String, String)> = yaml_oracle::yaml_files(&root.join("testdata"))
        .into_iter()
        .filter_map(|p| Some((p.strip_prefix(root).ok()?.display().to_string(), std::fs::read_to_string(&p).ok()?)))
        // Jinja templates of YAML are not YAML until rendered.
        .filter(|(name, _)| !name.contains("/templates/"))
        .collect();
    assert!(!texts.is_empty(), "no YAML fixtures under testdata/");
    let (disagreements, _, out) = report(&texts);
    assert_eq!(disagreements, [0; 3], "{out}");
}
