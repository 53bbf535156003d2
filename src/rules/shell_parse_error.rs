use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::FileFacts;

pub struct ShellParseError;

pub(super) static META: RuleMeta = RuleMeta {
    name: "shell-parse-error",
    default_severity: Severity::Info,
    summary: "Shell code that opslint could not parse, so its commands were not checked",
    docs: r#"## What it does
Reports shell code that could not be parsed. Every script is first parsed with
bash's own grammar; where bash would reject the text, tree-sitter-bash's error
recovery re-parses the damaged region statement by statement, so one bad line
does not hide the rest of the file. Only the lines reported here were skipped
(or, where tree-sitter could still read the file, the line where bash's
grammar gave up).

## Why is this bad?
Commands on these lines were not checked by any rule. bash itself refuses to
run a script with a syntax error, so the file may never have worked; a
construct opslint does not parse although bash accepts it is a bug to report.

## Example
```bash
if [ -n "$x" ] then echo missing-semicolon; fi   # `then` needs a `;` before it
```

## Use instead
Fix the syntax (`bash -n FILE` shows bash's own message). If bash accepts the
code, nothing needs to change; the finding is informational (please report
the construct).

## Fix
None.
"#,
    options: &[],
    fix: FixKind::None,
};

impl Rule for ShellParseError {
    fn needles(&self) -> Option<&'static [&'static str]> {
        // Only reports on files that other rules made worth parsing.
        None
    }

    fn check(&self, _ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        for u in &facts.unparsed {
            out.push(
                META.report(
                    u.span,
                    format!("could not parse this {} code; commands in it were not checked", u.language),
                )
                .with_help("if the code is valid, this is a limitation of the parser; rules still ran on the rest of the file"),
            );
        }
    }
}
