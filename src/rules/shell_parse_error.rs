use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::FileFacts;

pub struct ShellParseError;

static META: RuleMeta = RuleMeta {
    name: "shell-parse-error",
    default_severity: Severity::Info,
    summary: "Shell code that opslint could not parse, so its commands were not checked",
    docs: r#"## What it does
Reports shell code that the parser could not make sense of even after recovery.
opslint re-parses a damaged region statement by statement, so one bad line does
not hide the rest of the file; only the lines reported here were skipped.

## Why is this bad?
Commands on these lines were not checked by any rule. The code may be invalid
shell, or valid bash that tree-sitter-bash does not understand yet.

## Example
```bash
echo "${MODE:-a|b|c}"   # valid bash that tree-sitter-bash rejects
```

## Use instead
If the code is valid, nothing needs to change; the finding is informational.
Rewrite the construct (e.g. assign the default to a variable first) if you want
opslint to check the line, or turn the rule off.

## Fix
None.
"#,
    options: &[],
    fix: FixKind::None,
};

impl Rule for ShellParseError {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn needles(&self) -> Option<&'static [&'static str]> {
        // Only reports on files that other rules made worth parsing.
        None
    }

    fn check(&self, _ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        for u in &facts.unparsed {
            out.push(
                Diagnostic::new(
                    META.name,
                    META.default_severity,
                    u.span,
                    format!("could not parse this {} code; commands in it were not checked", u.language),
                )
                .with_help("if the code is valid, this is a limitation of the parser; rules still ran on the rest of the file"),
            );
        }
    }
}
