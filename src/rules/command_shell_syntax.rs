use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::{AnsibleTask, FileFacts};
use crate::lang::ansible::split_words;
use crate::lang::jinja;
use crate::source::Span;

pub struct CommandShellSyntax;

pub(super) static META: RuleMeta = RuleMeta {
    name: "command-shell-syntax",
    default_severity: Severity::Warning,
    summary: "Shell operators in an Ansible `command` task, which runs no shell",
    docs: r#"## What it does
Flags a `command` task (short, `ansible.builtin.` or `ansible.legacy.` name;
free form or `cmd:`) whose command line contains shell syntax: pipes (`|`),
lists (`&&`, `||`, `;`, `&`), redirections (`>`, `>>`, `<`, `2>&1`,
`>/dev/null`) or command substitution (`$(…)`, backticks). Jinja expressions are
ignored, so `{{ x | default('y') }}` is not a pipe.

## Why is this bad?
The `command` module runs the program directly, without a shell: every one of
these operators is passed to the program as a literal argument. A health check
such as `microk8s kubectl get nodes | grep -c Ready` then hands `|`, `grep`,
`-c` and `Ready` to kubectl, which fails (or, worse, ignores them), and the task
does not check what it appears to check.

## Example
```yaml
- name: Count ready nodes
  ansible.builtin.command: microk8s kubectl get nodes | grep -c Ready
```

## Use instead
```yaml
- name: Count ready nodes
  ansible.builtin.shell: set -o pipefail && microk8s kubectl --request-timeout=10s get nodes | grep -c Ready
  args:
    executable: /bin/bash
```

## Fix
None: switching to `shell` changes quoting and globbing; review it by hand.
"#,
    options: &[],
    fix: FixKind::None,
};

impl Rule for CommandShellSyntax {
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["command"])
    }

    fn applies_to(&self, language: crate::lang::Language) -> bool {
        language == crate::lang::Language::Yaml
    }

    fn check(&self, _ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        for task in facts.tasks.iter().filter(|t| t.module == "command") {
            if let Some(d) = check_task(task) {
                out.push(d);
            }
        }
    }
}

fn operator(token: &str) -> Option<&str> {
    const EXACT: &[&str] = &[
        "|", "||", "&&", ";", "&", ">", ">>", "<", "<<", "2>&1", "&>", "|&",
    ];
    if EXACT.contains(&token) {
        return Some(token);
    }
    if token.contains("$(") {
        return Some("$(…)");
    }
    if token.contains('`') {
        return Some("`…`");
    }
    // `>/dev/null`, `2>/dev/null`, `1>>log`: redirections glued to their target.
    let digits = token.trim_start_matches(|c: char| c.is_ascii_digit());
    if digits.starts_with('>') || (digits.starts_with('<') && digits.len() > 1) {
        return Some(token);
    }
    if token.ends_with(';') && token.len() > 1 {
        return Some(";");
    }
    None
}

fn check_task(task: &AnsibleTask) -> Option<Diagnostic> {
    let line = task.command_line.as_ref()?;
    // Jinja is templated before the command runs: `{{ a | b }}` is no pipe.
    let masked = jinja::mask(&line.text);
    let words = split_words(&masked.text);
    let program = words
        .first()
        .map(|&(s, e)| {
            line.text[s..e]
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .unwrap_or_default();
    for &(start, end) in words.iter().skip(1) {
        let token = &masked.text[start..end];
        // Quoted words are literal in any shell too.
        if token.starts_with(['"', '\'']) {
            continue;
        }
        let Some(op) = operator(token) else { continue };
        let span = match line.region {
            Some(r) => Span::new(r.start + start, r.start + end),
            None => line.node,
        };
        return Some(
            META.report(
                span,
                format!(
                    "`command` runs no shell: `{op}` is passed to `{program}` as a literal argument"
                ),
            )
            .with_label(task.module_span, "this module runs the program directly")
            .with_help("use `ansible.builtin.shell` for shell syntax (with `set -o pipefail` for pipelines), or drop the operator"),
        );
    }
    None
}
