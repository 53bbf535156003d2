use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::{AnsibleTask, FileFacts};
use crate::lang::Language;
use crate::microk8s::{is_health_check, restart_of};

pub struct RestartWithoutHealthCheck;

pub(super) static META: RuleMeta = RuleMeta {
    name: "restart-without-health-check",
    default_severity: Severity::Warning,
    summary: "A MicroK8s service is restarted and nothing checks that it came back",
    docs: r#"## What it does
Flags a task or handler that restarts (or starts) k8s-dqlite, kubelite or
MicroK8s when nothing after it, in the same play or handler chain, verifies
the service is healthy again. Restarts are the `systemd`/`service` modules,
`snap restart|stop|start`, `systemctl restart|stop|start snap.microk8s.…` and
`microk8s stop|start` in `command`/`shell`; a stop and a start of the same
service in one line (`microk8s stop && microk8s start`) or over a loop
(`command: "microk8s {{ item }}"` with `loop: [stop, start]`) are a restart.
Accepted checks:
`microk8s status --wait-ready` (also `microk8s.status`, `-w`) bounded by
`--timeout`/`-t` or `timeout` (unbounded it waits forever on a broken
datastore, so it checks nothing), `kubectl get --raw /readyz`
bounded by `--request-timeout` or `timeout`, a `systemctl is-active …` or
`NRestarts` check, or any kubectl call, retried with `until:`/`retries:`, a
`uri` task on `https://…:16443/…` retried the same way, and `wait_for` on port
16443 (API server), 19001 (dqlite) or 25000 (cluster agent).

For a task, the check must be a later task of the same play (or file). For a
handler, it must be a handler the restart notifies (directly or through
others), a handler that listens to the restart's name or topics, or a task
after `meta: flush_handlers`.

## Why is this bad?
In the incident behind this rule the role restarted k8s-dqlite and moved on;
the daemon crash-looped 3,794 times over seven days before anyone noticed. A
rolling restart without a health check also restarts the next node while the
previous one is still down.

## Example
```yaml
- name: Restart k8s-dqlite
  ansible.builtin.systemd:
    name: snap.microk8s.daemon-k8s-dqlite
    state: restarted
```

## Use instead
```yaml
- name: Restart k8s-dqlite
  ansible.builtin.systemd:
    name: snap.microk8s.daemon-k8s-dqlite
    state: restarted
  notify: Wait for MicroK8s

# handlers
- name: Wait for MicroK8s
  ansible.builtin.command: microk8s status --wait-ready --timeout 300
  changed_when: false
```

## Fix
None.
"#,
    options: &[],
    fix: FixKind::None,
};

fn topics(t: &AnsibleTask) -> Vec<&str> {
    t.name
        .iter()
        .map(String::as_str)
        .chain(t.listen.iter().map(String::as_str))
        .collect()
}

/// Whether a handler chain from `handler` (its notifications, and handlers that
/// listen to the same topics) reaches a health check.
fn handler_chain_checks(handler: &AnsibleTask, handlers: &[&AnsibleTask]) -> bool {
    let mut seen: Vec<*const AnsibleTask> = vec![handler];
    let mut queue: Vec<&AnsibleTask> = vec![handler];
    while let Some(h) = queue.pop() {
        let mut next: Vec<&str> = h.notify.iter().map(|(n, _)| n.as_str()).collect();
        // Handlers listening to what notified this one run too.
        next.extend(topics(h));
        for other in handlers {
            if seen.contains(&(*other as *const AnsibleTask)) {
                continue;
            }
            let reached = topics(other).iter().any(|t| next.contains(t))
                || other.listen.iter().any(|l| topics(h).contains(&l.as_str()));
            if reached {
                if is_health_check(other) {
                    return true;
                }
                seen.push(*other);
                queue.push(other);
            }
        }
    }
    false
}

fn is_flush_handlers(t: &AnsibleTask) -> bool {
    t.module == "meta"
        && t.args
            .iter()
            .any(|a| a.text() == Some("flush_handlers") || a.name == "flush_handlers")
}

impl Rule for RestartWithoutHealthCheck {
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["microk8s"])
    }

    fn applies_to(&self, language: Language) -> bool {
        language == Language::Yaml
    }

    fn check(&self, _ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        for task in &facts.tasks {
            let Some(r) = restart_of(task) else { continue };
            if r.action == "stop" {
                continue;
            }
            let same_scope = |t: &&AnsibleTask| t.play == task.play;
            let later_tasks: Vec<&AnsibleTask> = facts
                .tasks
                .iter()
                .filter(same_scope)
                .filter(|t| !t.in_handlers && t.span.start > task.span.end)
                .collect();
            let checked = if task.in_handlers {
                let handlers: Vec<&AnsibleTask> = facts
                    .tasks
                    .iter()
                    .filter(same_scope)
                    .filter(|t| t.in_handlers)
                    .collect();
                handler_chain_checks(task, &handlers)
                    || facts
                        .tasks
                        .iter()
                        .filter(same_scope)
                        .filter(|t| !t.in_handlers)
                        .skip_while(|t| !is_flush_handlers(t))
                        .any(is_health_check)
            } else {
                later_tasks.iter().any(|t| is_health_check(t))
            };
            if checked {
                continue;
            }
            let what = if task.in_handlers { "handler" } else { "task" };
            out.push(
                META.report(
                    task.module_span,
                    format!(
                        "this {what} {}s {} and nothing after it checks that it came back: a crash loop goes unnoticed and the next node may be restarted while this one is down",
                        r.action, r.service
                    ),
                )
                .with_help("follow it with `microk8s status --wait-ready --timeout 300`, a `wait_for` on port 19001 (dqlite) or 16443 (API server), or a `systemctl is-active` check with `until:`/`retries:` (for a handler: notify a handler that does)"),
            );
        }
    }
}
