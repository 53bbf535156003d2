//! Every rule on its fixtures: `testdata/<rule>/fail/*` must produce the
//! snapshotted findings, `testdata/<rule>/pass/*` must produce none at all.

mod common;

use std::path::Path;

#[test]
fn failing_fixtures() {
    insta::glob!("../testdata", "*/fail/*", |path| {
        let report = common::lint(path).unwrap_or_else(|| panic!("{} was not checked", path.display()));
        let rule = rule_of(path);
        assert!(
            report.diagnostics.iter().any(|d| d.rule == rule),
            "{}: expected at least one `{rule}` finding",
            path.display()
        );
        insta::assert_snapshot!(common::render(&report));
    });
}

#[test]
fn passing_fixtures() {
    insta::glob!("../testdata", "*/pass/*", |path| {
        let report = common::lint(path).unwrap_or_else(|| panic!("{} was not checked", path.display()));
        assert!(
            report.diagnostics.is_empty(),
            "{}: expected no findings, got:\n{}",
            path.display(),
            common::render(&report)
        );
    });
}

/// `testdata/<rule>/fail/x.sh` → `<rule>`.
fn rule_of(path: &Path) -> String {
    path.parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string()
}
