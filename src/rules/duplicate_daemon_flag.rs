use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::FileFacts;

pub struct DuplicateDaemonFlag;

static META: RuleMeta = RuleMeta {
    name: "duplicate-daemon-flag",
    default_severity: Severity::Warning,
    summary: "The same flag set twice in one args file or one block of flags",
    docs: r#"## What it does
Reports a `--flag` that an args file in the repository sets twice, or that one
Ansible `blockinfile` block (or `copy` content) writes twice. Edits by
different tasks are not compared: `lineinfile` replaces by its `regexp` and a
`blockinfile` replaces its own marked block, so whether two tasks duplicate a
flag depends on the file's state on the node.

## Why is this bad?
pflag keeps the last value, so the first one is silently ignored: whoever reads
the file (or the role) sees a setting that is not in force. A `blockinfile`
that adds a flag already present in the file produces exactly this.

## Example
```text
--log-level=info
--log-level=debug
```

## Use instead
```text
--log-level=debug
```

## Fix
None.
"#,
    options: &[],
    fix: FixKind::None,
};

impl Rule for DuplicateDaemonFlag {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(super::ARGS_EDIT_NEEDLES)
    }

    fn check(&self, _ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        for edit in &facts.args_edits {
            for (i, flag) in edit.flags.iter().enumerate() {
                let Some(first) = edit.flags[..i].iter().find(|f| f.name == flag.name) else {
                    continue;
                };
                if first.span == flag.span && first.written_in == flag.written_in {
                    continue; // one word reported for several loop targets
                }
                out.push(super::flag_finding(
                    Diagnostic::new(
                        META.name,
                        META.default_severity,
                        flag.span,
                        format!(
                            "`--{}` is set again in `{}`; the daemon keeps only the last value",
                            flag.name, edit.target
                        ),
                    )
                    .with_label(first.span, "first set here"),
                    flag,
                ));
            }
        }
    }
}
