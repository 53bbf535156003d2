//! Documentation generated from rule metadata: `opslint rules`, `opslint rule NAME`
//! and the pages under `docs/rules/` all come from here.

use crate::rules::{self, FixKind, RuleMeta};
use serde::Serialize;
use std::fmt::Write;

fn fix_word(fix: FixKind) -> &'static str {
    match fix {
        FixKind::None => "none",
        FixKind::Safe => "safe",
        FixKind::Unsafe => "unsafe",
    }
}

#[derive(Serialize)]
struct RuleEntry {
    name: &'static str,
    severity: &'static str,
    summary: &'static str,
    fix: &'static str,
}

pub fn rules_list(json: bool) -> String {
    let metas = rules::all_meta();
    if json {
        let entries: Vec<RuleEntry> = metas
            .iter()
            .map(|m| RuleEntry {
                name: m.name,
                severity: m.default_severity.as_str(),
                summary: m.summary,
                fix: fix_word(m.fix),
            })
            .collect();
        let mut out = serde_json::to_string_pretty(&entries).unwrap_or_default();
        out.push('\n');
        return out;
    }
    let width = metas.iter().map(|m| m.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for m in metas {
        let _ = writeln!(
            out,
            "{:width$}  {:7}  {}",
            m.name,
            m.default_severity.as_str(),
            m.summary
        );
    }
    out
}

/// The full page for one rule, as Markdown.
pub fn rule_markdown(meta: &RuleMeta) -> String {
    let mut out = format!(
        "# {}\n\nDefault severity: **{}** · Fix: **{}**\n\n{}.\n\n",
        meta.name,
        meta.default_severity,
        fix_word(meta.fix),
        meta.summary
    );
    out.push_str(meta.docs.trim_end());
    out.push('\n');
    if !meta.options.is_empty() && !meta.docs.contains("## Options") {
        out.push_str("\n## Options\n");
        for o in meta.options {
            let _ = writeln!(
                out,
                "- `{}` (default `{}`): {}",
                o.name, o.default, o.description
            );
        }
    }
    out
}

/// `docs/rules/README.md`: the index of all rules.
pub fn rules_index() -> String {
    let mut out = String::from(
        "# Rules\n\nGenerated from the rule sources (`src/rules/`); do not edit by hand.\nRegenerate with `OPSLINT_UPDATE_DOCS=1 cargo test --test docs`.\n\n| Rule | Default severity | Fix | Summary |\n|---|---|---|---|\n",
    );
    for m in rules::all_meta() {
        let _ = writeln!(
            out,
            "| [`{0}`]({0}.md) | {1} | {2} | {3} |",
            m.name,
            m.default_severity,
            fix_word(m.fix),
            m.summary
        );
    }
    out
}
