use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::FileFacts;

/// Files the checked tree points at outside itself: emitted by the linter for
/// symbolic links found while walking, and from the facts for `template`/`copy`
/// sources.
pub struct PathOutsideRoot;

/// The help line of every finding of the rule (the linter's for links too).
pub const HELP: &str = "files outside the repository are never read for context; name the file on the command line to check it";

pub static META: RuleMeta = RuleMeta {
    name: "path-outside-root",
    default_severity: Severity::Warning,
    summary: "A linked file or template source that leaves the repository: not read",
    docs: r#"## What it does
Reports a file that the checked tree points at but that lies outside the
project's root (the repository, or the configuration's directory), once
symbolic links are resolved: a committed link such as `nrpe/x.cfg -> /etc/…` or
`group_vars/all.yml -> /proc/self/environ` found while walking a directory, and a
`template`/`copy` task whose `src:` climbs out of the repository
(`src: ../../../../home/ci/.ssh/id_rsa`).

opslint does not read such files: their content would otherwise reach findings,
and in CI findings land in job logs and SARIF uploads. Paths named on the
command line are always read, wherever they are.

## Why is this bad?
The file was not checked. A repository that reaches outside itself is also not
reproducible: the task or link means something else on every machine.

## Example
```yaml
- template:
    src: ../../../../etc/kubernetes/args.j2
    dest: /var/snap/microk8s/current/args/kube-apiserver
```

## Use instead
Keep sources inside the repository (a role's `templates/` or `files/`), or name
the outside file on the command line to have it checked.

## Fix
None.
"#,
    options: &[],
    fix: FixKind::None,
};

impl Rule for PathOutsideRoot {
    fn needles(&self) -> Option<&'static [&'static str]> {
        // Sources are named by these modules; links are reported before parsing.
        Some(super::source_file_needles())
    }

    fn applies_to(&self, language: crate::lang::Language) -> bool {
        language == crate::lang::Language::Yaml
    }

    fn check(&self, _ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        for n in &facts.not_read {
            out.push(
                META.report(n.span, n.message.clone())
                    .with_help(HELP),
            );
        }
    }
}
