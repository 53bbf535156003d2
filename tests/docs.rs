//! `docs/rules/` is generated from the rule sources; this test fails when it is
//! stale. Regenerate with `OPSLINT_UPDATE_DOCS=1 cargo test --test docs`.

use std::path::Path;

#[test]
fn rule_docs_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let mut expected = vec![("README.md".to_string(), opslint::docs::rules_index())];
    for meta in opslint::rules::all_meta() {
        expected.push((
            format!("{}.md", meta.name),
            opslint::docs::rule_markdown(meta),
        ));
    }
    let update = std::env::var_os("OPSLINT_UPDATE_DOCS").is_some();
    if update {
        std::fs::create_dir_all(&dir).expect("create docs/rules");
    }
    let mut stale = Vec::new();
    for (name, content) in &expected {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(content.as_str()) {
            if update {
                std::fs::write(&path, content).expect("write doc");
            } else {
                stale.push(name.clone());
            }
        }
    }
    // No page may outlive its rule.
    for entry in std::fs::read_dir(&dir)
        .expect("docs/rules exists")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !expected.iter().any(|(n, _)| *n == name) {
            stale.push(format!("{name} (no such rule)"));
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules is stale: {stale:?}; run `OPSLINT_UPDATE_DOCS=1 cargo test --test docs`"
    );
}

#[test]
fn every_rule_documents_the_required_sections() {
    for meta in opslint::rules::all_meta() {
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
            "## Fix",
        ] {
            assert!(
                meta.docs.contains(section),
                "{}: missing `{section}`",
                meta.name
            );
        }
        assert!(
            !meta.summary.ends_with('.'),
            "{}: summary ends with a period",
            meta.name
        );
    }
}
