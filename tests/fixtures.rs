//! Every rule on its fixtures: `testdata/<rule>/fail/*` must produce the
//! snapshotted findings, `testdata/<rule>/pass/*` must produce none at all.

mod common;

use std::path::Path;

#[test]
fn failing_fixtures() {
    insta::glob!("../testdata", "*/fail/**/*", |path| {
        if path.is_dir() {
            return;
        }
        // Role variables and template sources are context for the task files
        // beside them.
        // A file whose first line is `# fixture: context` is there for the others
        // (e.g. a role that a failing playbook applies).
        let context = path
            .iter()
            .any(|c| c == "defaults" || c == "vars" || c == "templates" || c == "files")
            || std::fs::read_to_string(path).is_ok_and(|t| t.starts_with("# fixture: context"));
        let Some(report) = common::lint(path) else {
            assert!(context, "{} was not checked", path.display());
            return;
        };
        let rule = rule_of(path);
        assert!(
            context || report.diagnostics.iter().any(|d| d.rule == rule),
            "{}: expected at least one `{rule}` finding",
            path.display()
        );
        insta::assert_snapshot!(common::render(&report));
    });
}

#[test]
fn passing_fixtures() {
    insta::glob!("../testdata", "*/pass/**/*", |path| {
        if path.is_dir() {
            return;
        }
        let Some(report) = common::lint(path) else {
            // Context for the other files, in a format opslint does not read itself.
            assert!(
                std::fs::read_to_string(path).is_ok_and(|t| t.starts_with("# fixture: context")),
                "{} was not checked",
                path.display()
            );
            return;
        };
        // Only the notes that a component has no flag manifest are allowed
        // (info: they say what was not checked).
        let findings: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| !(d.rule == "unknown-daemon-flag" && d.severity == opslint::diagnostic::Severity::Info))
            .collect();
        assert!(
            findings.is_empty(),
            "{}: expected no findings, got:\n{}",
            path.display(),
            common::render(&report)
        );
    });
}

/// A rule's findings do not depend on which other rules are selected: on every
/// fixture, each rule that reports there, each rule that reports on what
/// parsing finds, and the fixture's own rule, run alone, find exactly what
/// they find among all rules.
#[test]
fn each_rule_alone_finds_what_it_finds_among_all() {
    insta::glob!("../testdata", "*/*/**/*", |path| {
        if path.is_dir() {
            return;
        }
        let Some(all) = common::lint(path) else { return };
        let mut rules: Vec<&str> = all.diagnostics.iter().map(|d| d.rule).collect();
        rules.extend(opslint::rules::ALL.iter().filter(|r| r.needles().is_none()).map(|r| r.meta().name));
        let own = rule_of(path);
        rules.extend(opslint::rules::ALL.iter().map(|r| r.meta().name).filter(|n| *n == own));
        rules.sort_unstable();
        rules.dedup();
        // `unused-suppression` judges directives by what the other rules
        // found: alone, no other rule runs and it judges nothing.
        rules.retain(|r| *r != "unused-suppression");
        for rule in rules {
            let expected: Vec<String> = all
                .diagnostics
                .iter()
                .filter(|d| d.rule == rule)
                .map(|d| format!("{:?} {}", d.span, d.message))
                .collect();
            let alone: Vec<String> = common::lint_selected(path, &[rule.to_string()])
                .map(|r| r.diagnostics.iter().map(|d| format!("{:?} {}", d.span, d.message)).collect())
                .unwrap_or_default();
            assert_eq!(alone, expected, "{}: `{rule}` alone differs from `{rule}` among all rules", path.display());
        }
    });
}

/// `testdata/<rule>/fail/…/x.sh` → `<rule>`.
fn rule_of(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    path.strip_prefix(&root)
        .ok()
        .and_then(|rel| rel.iter().next())
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string()
}
