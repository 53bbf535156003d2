//! Shared test helpers: lint a fixture and render its findings in a stable,
//! reviewable form (position, severity, rule, message, labels, and the line
//! after applying the fix).

use opslint::config::Config;
use opslint::discover::Candidate;
use opslint::fix;
use opslint::lang::Language;
use opslint::linter::{FileReport, Linter};
use std::fmt::Write;
use std::path::Path;

/// Lints one file with the default configuration and every rule. The fixture's
/// tree (`testdata/<rule>/<fail|pass>/`) is its project: template variables and
/// the repository index (handlers, NRPE checks) come from there, as a real run
/// loads them from the repository.
pub fn lint(path: &Path) -> Option<FileReport> {
    let rel = relative(path);
    // Every default rule, and the fixture's own rule even when it is opt-in.
    let own = rel.iter().nth(1).and_then(|n| n.to_str()).unwrap_or("");
    let select: Vec<String> = opslint::rules::ALL
        .iter()
        .filter(|r| r.enabled_by_default() || r.meta().name == own)
        .map(|r| r.meta().name.to_string())
        .collect();
    lint_selected(path, &select)
}

/// [`lint`] with only the rules `select`.
pub fn lint_selected(path: &Path, select: &[String]) -> Option<FileReport> {
    let rel = relative(path);
    let fixture_root: std::path::PathBuf = rel.iter().take(3).collect();
    let fixture_root = Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture_root);
    let linter = Linter::new(Config::default_at(Path::new(".")), Some(select), &[])
        .expect("valid rules")
        .with_root(fixture_root);
    let vars = opslint::project::collect_vars(linter.project());
    let linter = linter.with_vars(vars);
    linter.check_file(&Candidate {
        path: relative(path),
        explicit: true,
        language: Language::from_path(path),
    })
}

pub fn relative(path: &Path) -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// One block per finding.
pub fn render(report: &FileReport) -> String {
    let src = &report.source;
    let mut out = String::new();
    for d in &report.diagnostics {
        let start = src.position(d.span.start);
        let end = src.position(d.span.end);
        let _ = writeln!(
            out,
            "{}:{}-{}:{} {}[{}] {}",
            start.line, start.column, end.line, end.column, d.severity, d.rule, d.message
        );
        let line = src.lines.line_span(&src.text, start.line - 1);
        let _ = writeln!(out, "  | {}", src.slice(line));
        for l in &d.labels {
            let p = src.position(l.span.start);
            let _ = writeln!(out, "  = label {}:{}: {}", p.line, p.column, l.message);
        }
        if let Some(help) = &d.help {
            for line in help.lines() {
                let _ = writeln!(out, "  = help: {line}");
            }
        }
        if let Some(f) = d.fix.as_deref() {
            let applied = fix::apply(&src.text, [f], true);
            let _ = writeln!(out, "  = fix ({:?}): {}", f.applicability, f.description);
            // The fixed lines: from the edit's first line to the end of its new content.
            let fixed = opslint::source::LineIndex::new(&applied.text);
            for e in &f.edits {
                let first = fixed.line_of(e.span.start);
                let last = fixed.line_of(e.span.start + e.content.len());
                for line in first..=last {
                    let span = fixed.line_span(&applied.text, line);
                    let _ = writeln!(out, "  + {}", &applied.text[span.start..span.end]);
                }
            }
        }
    }
    if out.is_empty() {
        out.push_str("(no findings)\n");
    }
    out
}
