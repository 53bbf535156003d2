use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::FileFacts;

pub struct DuplicateDaemonFlag;

pub(super) static META: RuleMeta = RuleMeta {
    name: "duplicate-daemon-flag",
    default_severity: Severity::Warning,
    summary: "The same flag set twice in one args file, one block of flags, or by two tasks",
    docs: r#"## What it does
Reports a `--flag` that an args file in the repository sets twice, that one
Ansible `blockinfile` block (or `copy` content, or template source) writes
twice, or that two tasks of the same file (or two items of one `lineinfile`
loop) write into the same args file. Tasks under a `when:` condition are not
compared with others, since their conditions may exclude each other.

## Why is this bad?
pflag keeps the last value, so the first one is silently ignored: whoever reads
the file (or the role) sees a setting that is not in force. A `blockinfile`
that adds a flag already present in the file produces exactly this. Two tasks
that write the same flag either both end up in the file (`lineinfile` without
a matching `regexp`, two `blockinfile` blocks) or overwrite each other on
every run (`lineinfile` with the same `regexp`), so the role never converges
and its handlers restart the daemon every time.

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
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(super::args_edit_needles())
    }

    fn check(&self, _ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        // Two task edits of the same args file.
        let tasks: Vec<_> = facts
            .args_edits
            .iter()
            .filter(|e| e.task.is_some() && !e.conditional)
            .collect();
        for (j, later) in tasks.iter().enumerate() {
            for flag in &later.flags {
                let earlier = tasks[..j].iter().find_map(|e| {
                    (e.target == later.target && !std::ptr::eq(*e, *later))
                        .then(|| e.flags.iter().find(|f| f.name == flag.name))
                        .flatten()
                        .filter(|f| f.span != flag.span)
                        .map(|f| (e, f))
                });
                let Some((first_edit, first)) = earlier else {
                    continue;
                };
                let same_task = first_edit.task == later.task;
                let who = if same_task {
                    "another item of this loop"
                } else {
                    "an earlier task"
                };
                let value = |f: &crate::facts::FlagWord| f.value.as_ref().map(|(v, _)| v.clone());
                let consequence = if value(first) == value(flag) {
                    "the same value twice: one of them is redundant".to_string()
                } else {
                    "with another value: both lines end up in the file, or each task overwrites the other on every run and the daemon is restarted every time".to_string()
                };
                out.push(super::flag_finding(
                    META.report(
                        flag.span,
                        format!(
                            "`--{}` is also written into `{}` by {who}, {consequence}",
                            flag.name, later.target
                        ),
                    )
                    .with_label(first.span, "also written here"),
                    later,
                    flag,
                ));
            }
        }
        for edit in &facts.args_edits {
            for (i, flag) in edit.flags.iter().enumerate() {
                let Some(first) = edit.flags[..i].iter().find(|f| f.name == flag.name) else {
                    continue;
                };
                if first.span == flag.span && first.written_in == flag.written_in {
                    continue; // one word reported for several loop targets
                }
                out.push(super::flag_finding(
                    META.report(
                        flag.span,
                        format!(
                            "`--{}` is set again in `{}`; the daemon keeps only the last value",
                            flag.name, edit.target
                        ),
                    )
                    .with_label(first.span, "first set here"),
                    edit,
                    flag,
                ));
            }
        }
    }
}
