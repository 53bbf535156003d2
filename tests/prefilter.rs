//! The needle pre-filter never drops a rule's input: on every fixture and
//! example, each rule finds the same with the pre-filter as when every file
//! is parsed. A rule whose input can be written without one of its needles
//! (a word the facts it reads come from) fails here.

use opslint::config::Config;
use opslint::discover::Candidate;
use opslint::lang::Language;
use opslint::linter::Linter;
use std::path::Path;

/// Findings of the rules that have needles, rendered, for `path` in the
/// project `root`.
fn findings(root: &Path, path: &Path, prefilter: bool) -> Vec<String> {
    let select: Vec<String> = opslint::rules::ALL.iter().map(|r| r.meta().name.to_string()).collect();
    let linter = Linter::new(Config::default_at(Path::new(".")), Some(&select), &[])
        .expect("valid rules")
        .with_root(root.to_path_buf());
    let vars = opslint::project::collect_vars(linter.project());
    let linter = linter.with_vars(vars);
    let linter = if prefilter { linter } else { linter.without_prefilter() };
    let Some(report) = linter.check_file(&Candidate {
        path: relative(path),
        explicit: true,
        language: Language::from_path(path),
    }) else {
        return Vec::new();
    };
    report
        .diagnostics
        .iter()
        .filter(|d| opslint::rules::by_name(d.rule).is_some_and(|r| r.needles().is_some()))
        .map(|d| format!("{}:{} {} {}", d.span.start, d.span.end, d.rule, d.message))
        .collect()
}

#[test]
fn no_rule_finds_more_in_files_the_prefilter_skips() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut differ = Vec::new();
    for entry in walkdir(&manifest.join("testdata")) {
        let rel = relative(&entry);
        // `testdata/<rule>/<fail|pass>/` is each fixture's project.
        let root: std::path::PathBuf = manifest.join(rel.iter().take(3).collect::<std::path::PathBuf>());
        let with = findings(&root, &entry, true);
        let without = findings(&root, &entry, false);
        if with != without {
            differ.push(format!("{}:\n  with the pre-filter: {with:?}\n  parsing every file: {without:?}", rel.display()));
        }
    }
    assert!(differ.is_empty(), "the pre-filter drops rules' input:\n{}", differ.join("\n"));
}

fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn relative(path: &Path) -> std::path::PathBuf {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(path).to_path_buf()
}
