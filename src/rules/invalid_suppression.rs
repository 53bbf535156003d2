use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::FileFacts;

pub struct InvalidSuppression;

pub(super) static META: RuleMeta = RuleMeta {
    name: "invalid-suppression",
    default_severity: Severity::Warning,
    summary: "An `# opslint:` directive that is malformed, misplaced or names an unknown rule",
    docs: r#"## What it does
Checks every `# opslint: …` comment: the directive must be `disable=` or
`disable-file=`, each rule it names must exist, and `disable-file` must stand in
the file's leading comment block.

## Why is this bad?
A directive with a typo suppresses nothing, so the finding it was meant to
silence comes back, or worse, the author believes a rule is silenced for a
reason that no longer holds. A misspelt rule name is never silently accepted.

## Example
```bash
microk8s kubectl get nodes  # opslint: disable=kubectl-request-timout
```

## Use instead
```bash
microk8s kubectl get nodes  # opslint: disable=kubectl-request-timeout -- interactive helper
```

## Fix
None.
"#,
    options: &[],
    fix: FixKind::None,
};

impl Rule for InvalidSuppression {
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["opslint:"])
    }

    /// Directives act in the file that holds them.
    fn needles_in_sourced(&self) -> Option<&'static [&'static str]> {
        None
    }

    fn check(&self, ctx: &RuleContext<'_>, _facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        for problem in &ctx.directives.problems {
            let mut d = META.report(
                problem.span,
                problem.message.clone(),
            );
            d.help = problem.help.clone().map(Into::into);
            out.push(d);
        }
    }
}
