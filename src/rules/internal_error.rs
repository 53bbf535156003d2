use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::FileFacts;

/// Emitted by the linter itself when analysing a file panicked.
pub struct InternalError;

pub(super) static META: RuleMeta = RuleMeta {
    name: "internal-error",
    default_severity: Severity::Error,
    summary: "opslint itself failed while analysing a file",
    docs: r#"## What it does
Reports a file whose analysis hit a bug in opslint (a panic). The failure is
contained: the other files are still checked and reported, and the run exits
with status 2 so that the gap is not mistaken for a clean result.

## Why is this bad?
The file was not checked. This is always a bug in opslint, never in your file.

## Example
Any input that triggers a bug.

## Use instead
Please report it with the file (or a reduced version of it) and the message.
Meanwhile the file can be excluded with `exclude` in `.opslint.yaml`.

## Fix
None.
"#,
    options: &[],
    fix: FixKind::None,
};

impl Rule for InternalError {
    fn needles(&self) -> Option<&'static [&'static str]> {
        None
    }

    fn check(&self, _ctx: &RuleContext<'_>, _facts: &FileFacts, _out: &mut Vec<Diagnostic>) {}
}
