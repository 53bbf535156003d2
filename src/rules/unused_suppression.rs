use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::facts::FileFacts;
use crate::source::{SourceFile, Span};
use crate::suppress::{Directive, Directives, Scope};

pub struct UnusedSuppression;

pub(super) static META: RuleMeta = RuleMeta {
    name: "unused-suppression",
    default_severity: Severity::Warning,
    summary: "An `# opslint: disable` directive that silences nothing (opt-in)",
    docs: r#"## What it does
Reports each rule named by a `# opslint: disable=…` (line) or
`# opslint: disable-file=…` (file) directive that had no finding to silence
where the directive acts. Only rules that ran on the file are judged: a
directive for a rule that is not selected, switched off or ignored for the
file is left alone, as are names `invalid-suppression` reports.

This rule is opt-in (like ruff's `RUF100`, which ruff does not enable by
default): turn it on with `--extend-select unused-suppression`,
`extend-select: [unused-suppression]` or a severity in `.opslint.yaml`.
It reports a warning.

## Why is this bad?
A suppression outlives the finding it was written for: the command was fixed,
moved or deleted, and the directive now silences whatever the rule would find
on that line next, without anyone having decided so.

## Example
```bash
microk8s kubectl --request-timeout=10s get nodes  # opslint: disable=kubectl-request-timeout
```

## Use instead
```bash
microk8s kubectl --request-timeout=10s get nodes
```

## Fix
Safe: the unused rule names are removed from the directive, keeping the others
and a `-- reason`; when no name remains, the whole comment goes (and its line,
when the comment stood alone on it), leaving the code before it as it was.

A directive that names `unused-suppression` itself silences this rule's
finding where it acts and is never reported as unused.
"#,
    options: &[],
    fix: FixKind::Safe,
};

/// Rules whose findings never come from checking the file's text (they are
/// reported before or around it), so a directive cannot be judged for them.
const NOT_JUDGED: &[&str] = &["unused-suppression", "unreadable-file", "internal-error", "path-outside-root"];

impl Rule for UnusedSuppression {
    fn enabled_by_default(&self) -> bool {
        false
    }

    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["opslint:"])
    }

    /// Directives act in the file that holds them.
    fn needles_in_sourced(&self) -> Option<&'static [&'static str]> {
        None
    }

    /// The findings come from the linter, which knows which directive entries
    /// silenced something: see [`findings`].
    fn check(&self, _ctx: &RuleContext<'_>, _facts: &FileFacts, _out: &mut Vec<Diagnostic>) {}
}

/// One finding per directive with unused entries. `used[i][j]`: entry `j` of
/// directive `i` silenced a finding; `ran`: the rules that ran on the file.
pub fn findings(
    source: &SourceFile,
    directives: &Directives,
    used: &[Vec<bool>],
    ran: &[&str],
    severity: Severity,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (directive, used) in directives.directives.iter().zip(used) {
        let unused: Vec<usize> = directive
            .rules
            .iter()
            .enumerate()
            .filter(|(j, (name, _))| {
                !used[*j] && !NOT_JUDGED.contains(&name.as_str()) && ran.contains(&name.as_str())
            })
            .map(|(j, _)| j)
            .collect();
        if unused.is_empty() {
            continue;
        }
        let names: Vec<&str> = unused.iter().map(|&j| directive.rules[j].0.as_str()).collect();
        let listed = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
        let finding = if names.len() == 1 { "finding" } else { "findings" };
        let place = match directive.scope {
            Scope::File => "in this file",
            Scope::Line if directive.own_line => "on the next line",
            Scope::Line => "on this line",
        };
        let span = directive.rules[unused[0]].1.cover(directive.rules[unused[unused.len() - 1]].1);
        let mut d = META.report_as(
            severity,
            span,
            format!("unused suppression: no {listed} {finding} {place} to silence"),
        );
        if let Some(fix) = fix(source, directive, &unused) {
            d = d.with_fix(fix);
        }
        out.push(d);
    }
    out
}

/// Removes the entries `unused` of `directive`, or the whole comment when no
/// entry remains. `None` when the text around the comment is not what a
/// directive's comment looks like (then nothing is offered).
fn fix(source: &SourceFile, directive: &Directive, unused: &[usize]) -> Option<Fix> {
    let text = source.text.as_str();
    let comment = directive.comment;
    if !source.slice(comment).starts_with('#') {
        return None;
    }
    let kept: Vec<&str> = directive
        .rules
        .iter()
        .enumerate()
        .filter(|(j, _)| !unused.contains(j))
        .map(|(_, (name, _))| name.as_str())
        .collect();
    if !kept.is_empty() {
        // The rule list, first name to last, written again without the unused ones.
        let first = directive.rules.first()?.1;
        let last = directive.rules.last()?.1;
        return Some(Fix {
            applicability: Applicability::Safe,
            description: "remove the unused rule names from the directive".into(),
            edits: vec![Edit::replacement(first.cover(last), kept.join(","))],
        });
    }
    let line = source.lines.line_of(comment.start);
    let line_start = source.lines.line_start(line);
    let line_end = text[comment.end..].find('\n').map_or(text.len(), |i| comment.end + i);
    // Only white space may follow the comment on its line.
    if !text[comment.end..line_end].trim().is_empty() {
        return None;
    }
    let before = &text[line_start..comment.start];
    let span = if before.trim().is_empty() {
        // Alone on its line: the line goes, its line break with it.
        if line_end < text.len() {
            Span::new(line_start, line_end + 1)
        } else if line_start > 0 {
            Span::new(line_start - 1, line_end)
        } else {
            Span::new(line_start, line_end)
        }
    } else {
        // After code: the comment and the blanks before it go; the code stays.
        let code_end = line_start + before.trim_end().len();
        // A `\r` before the line break stays.
        let end = if source.slice(comment).ends_with('\r') { comment.end - 1 } else { comment.end };
        Span::new(code_end, end)
    };
    Some(Fix {
        applicability: Applicability::Safe,
        description: "remove the unused suppression comment".into(),
        edits: vec![Edit::replacement(span, "")],
    })
}
