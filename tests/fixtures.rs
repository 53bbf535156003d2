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
        assert!(
            report.diagnostics.is_empty(),
            "{}: expected no findings, got:\n{}",
            path.display(),
            common::render(&report)
        );
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
