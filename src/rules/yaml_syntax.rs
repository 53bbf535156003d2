use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::FileFacts;

pub struct YamlSyntax;

pub(super) static META: RuleMeta = RuleMeta {
    name: "yaml-syntax",
    default_severity: Severity::Error,
    summary: "An Ansible YAML file that does not parse",
    docs: r#"## What it does
Reports a role, playbook or task file that is not valid YAML, at the position
the YAML parser gives. Only files that are Ansible by their place
(`roles/*/tasks|handlers|defaults|vars|meta/`, `playbooks/`, `site.yml`,
`playbook*.yml`) are reported; other YAML that does not parse (a Helm template,
say) is skipped quietly.

## Why is this bad?
Ansible refuses to run the file, and no rule could check it: the run exits
with status 2 so that the gap is not mistaken for a clean result.

## Example
```yaml
- name: Restart dqlite
  ansible.builtin.systemd:
    name: snap.microk8s.daemon-k8s-dqlite
   state: restarted
```

## Use instead
```yaml
- name: Restart dqlite
  ansible.builtin.systemd:
    name: snap.microk8s.daemon-k8s-dqlite
    state: restarted
```

## Fix
None.
"#,
    options: &[],
    fix: FixKind::None,
};

impl Rule for YamlSyntax {
    fn needles(&self) -> Option<&'static [&'static str]> {
        // Reports on files that other rules made worth parsing.
        None
    }

    fn check(&self, _ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        for e in &facts.syntax_errors {
            out.push(META.report(
                e.span,
                e.message.clone(),
            ));
        }
    }
}
