use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::FileFacts;

/// Emitted by the linter itself when a file cannot be read as text.
pub struct UnreadableFile;

pub static META: RuleMeta = RuleMeta {
    name: "unreadable-file",
    default_severity: Severity::Error,
    summary: "A file that could not be read, or is binary, not UTF-8 or too large",
    docs: r#"## What it does
Reports a file that opslint was asked to check (or found while walking a
directory) but could not analyse at all: an I/O error (permissions, a file that
vanished during the run), a binary file, or a file over the size limit.

A file that is text but not valid UTF-8 (a Latin-1 `é` in a comment) is still
checked, as bash and Ansible read it: each invalid byte is read as `_`, so
positions stay those of the file, and one **info** finding shows the first such
byte. Its other findings come without fixes (writing the text back would replace
those bytes), and the run's exit status is not changed by the info.

## Why is this bad?
A linter that silently skips what it cannot read gives a false sense of safety.
The other files are still checked, and the run exits with status 2. For that
reason the rule cannot be switched off (`severity: off`, `--ignore`): exclude
the file instead.

## Example
A `check_dqlite.sh` saved as UTF-16 by an editor (its NUL bytes make it binary),
or a script whose permissions do not allow reading.

## Use instead
Store scripts and configuration as UTF-8 text; fix the permissions; exclude
generated or binary files with `exclude` in `.opslint.yaml`.

## Fix
None.
"#,
    options: &[],
    fix: FixKind::None,
};

impl Rule for UnreadableFile {
    fn needles(&self) -> Option<&'static [&'static str]> {
        // Emitted by the linter before parsing.
        None
    }

    fn check(&self, _ctx: &RuleContext<'_>, _facts: &FileFacts, _out: &mut Vec<Diagnostic>) {}
}
