use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::FileFacts;
use crate::microk8s::READ_BY_KUBELITE;

pub struct ArgsFileComment;

pub(super) static META: RuleMeta = RuleMeta {
    name: "args-file-comment",
    default_severity: Severity::Warning,
    summary: "Comments in a MicroK8s args file (an error after a flag in a kubelite-read file)",
    docs: r#"## What it does
Reports `#` comments in MicroK8s args files, in the repository or written by
Ansible. A comment after a flag on the same line, in the file of a component
that kubelite reads (`kubelet`, `kube-apiserver`, `kube-proxy`,
`kube-scheduler`, `kube-controller-manager`, `kubelite`), is an error.

## Why is this bad?
Args files are not configuration files but command lines. kubelite's reader
skips lines that start with `#`, but splits every other line on spaces: in
`--v=2 # verbose`, `#` and `verbose` become arguments of the daemon. For the
components started through bash (k8s-dqlite, containerd, …) comments work, but
tools that rewrite args files (MicroK8s upgrades, `sed`-based roles) do not
expect them, and `blockinfile` markers are comments of exactly this kind.

Full-line comments in the snap's own defaults (a `default-args/` directory,
as in canonical/microk8s's `microk8s-resources/default-args/`, which MicroK8s
copies into `args/` on install) are not reported: MicroK8s writes them there
itself (`# Enable the aggregation layer`, and `#~` lines its addons toggle).

## Example
```text
--v=2 # verbose while debugging
```

## Use instead
```text
--v=2
```
and keep the explanation in the role or in version control.

## Fix
None.
"#,
    options: &[],
    fix: FixKind::None,
};

impl Rule for ArgsFileComment {
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(super::args_edit_needles())
    }

    fn check(&self, ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        // The snap's own defaults (`microk8s-resources/default-args/…`, copied
        // into `args/` on install) carry full-line comments of MicroK8s's own,
        // which its tools expect.
        let snap_defaults = ctx.source.path.parent().and_then(|p| p.file_name()).is_some_and(|n| n == "default-args");
        for edit in &facts.args_edits {
            let kubelite = READ_BY_KUBELITE.contains(&edit.component);
            for (span, own_line) in &edit.comments {
                if *own_line && snap_defaults {
                    continue;
                }
                let d = if !own_line && kubelite {
                    META.report_as(
                        Severity::Error,
                        *span,
                        format!(
                            "kubelite reads `{}`'s args by splitting lines on spaces: this comment's words are passed to the daemon as arguments",
                            edit.component
                        ),
                    )
                } else {
                    META.report(
                        *span,
                        format!(
                            "comment in the args file of `{}`, which is a command line, not a configuration file",
                            edit.component
                        ),
                    )
                };
                out.push(super::with_notes(
                    d.with_help(
                        "remove the comment; keep explanations in the role or in version control",
                    ),
                    edit.written_by.as_slice(),
                ));
            }
        }
    }
}
