use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::{AnsibleTask, FileFacts};
use crate::lang::Language;

pub struct DqliteRestartNotSerial;

pub(super) static META: RuleMeta = RuleMeta {
    name: "dqlite-restart-not-serial",
    default_severity: Severity::Error,
    summary: "A play that restarts MicroK8s services on several nodes at once",
    docs: r#"## What it does
Flags a play whose tasks, notified handlers, roles or included task files
restart, stop or start k8s-dqlite, kubelite or the whole MicroK8s snap
(`systemd`/`service` on `snap.microk8s.daemon-k8s-dqlite` or `…-kubelite`,
`microk8s stop|start`, `snap restart microk8s…`, `systemctl restart
snap.microk8s.daemon-…`), or reboot hosts of a play about MicroK8s (the play,
or what it runs, names `microk8s`), on more hosts at once than a minority
of the voters: one of three, two of five.

The number of hosts is the play's `hosts:` pattern (`group`, `all`, `a:b`,
`a,b`, `a:&b`, `a:!b`) counted in the Ansible inventory: the `inventory =` of
the nearest `ansible.cfg`, else `inventory/`, `inventories/*/`, `hosts`,
`hosts.ini`, `hosts.yml` beside the playbook or at the root (INI or YAML, with
`children` and host ranges such as `k8s[01:03]`; a directory is read as
Ansible reads one: every file in it and in its subdirectories, `group_vars/`
and `host_vars/` skipped). When it is not known for
certain (no inventory, one that cannot be read, inventories that disagree, a
templated or wildcard pattern) three nodes are assumed, and the message says
so. A playbook of a Molecule scenario runs on the scenario's `platforms:`
(one host each, in the groups each lists), as `molecule.yml` declares them.

A play whose hosts all joined the cluster as workers (`microk8s join …
--worker`) is not flagged: workers are not dqlite voters. This is known only
when certain: the join task is in a playbook, runs on every host of its play
(no `when:`, on plain group names: those groups are workers) or on the hosts
of one group (its one condition is `inventory_hostname in groups['G']` or
`'G' in group_names`), is not `run_once` or delegated, and its play has no
`block:`. The batch is `serial:` as Ansible computes it: a number, a percentage
(truncated: 67 % of 3 hosts is 2, at least 1), a list of batch sizes (the
largest counts); no `serial:` is every host at once. `run_once: true` on the
restarting task also makes it safe, and so does a numeric `throttle:` within
the limit (`throttle: 1`; `throttle: 2` on five hosts), in the play or in a
role. A templated `serial:` is not judged, and a play that only stops services
(a deliberate shutdown) is not flagged.

Roles are found where Ansible finds them: `roles/` beside the playbook, the
`roles_path` of the nearest `ansible.cfg` and `ANSIBLE_ROLES_PATH`, the
playbook's directory, collection roles (`ns.coll.role`, in
`ansible_collections/` or the repository's own `galaxy.yml` collection), and
for a Molecule scenario the role under test (by its directory name, its
`namespace.role_name`, or `MOLECULE_PROJECT_DIRECTORY`). What a role runs is
followed from `tasks/main.yml` (or `tasks_from:`), its handlers and its
`meta/main.yml` dependencies, through `include_tasks`/`import_tasks`; a
templated file name reaches every file its literal parts match. A role no
such place holds is matched by name against the repository's `roles/<name>/`.

## Why is this bad?
dqlite keeps the Kubernetes datastore available while a majority of its voters
run. A play without `serial: 1` restarted k8s-dqlite on two of three voters in
the same second: leadership was lost and the cluster was unavailable until
both came back, or worse, they did not.

## Example
```yaml
- hosts: microk8s
  tasks:
    - name: Restart k8s-dqlite
      ansible.builtin.systemd:
        name: snap.microk8s.daemon-k8s-dqlite
        state: restarted
```

## Use instead
```yaml
- hosts: microk8s
  serial: 1
  tasks:
    - name: Restart k8s-dqlite
      ansible.builtin.systemd:
        name: snap.microk8s.daemon-k8s-dqlite
        state: restarted
```

## Fix
None: adding `serial: 1` changes how the whole play runs (failures stop the
rolling update), which is for the author to decide.
"#,
    options: &[],
    fix: FixKind::None,
};

/// How many of a play's `hosts` nodes one restart may take down together and
/// keep a majority of voters: one of three, two of five.
fn allowed(hosts: usize) -> usize {
    if hosts >= 3 { (hosts - 1) / 2 } else { 1 }
}

/// The largest batch `serial` runs on `hosts` hosts (Ansible: a percentage is
/// truncated, at least 1; `0` or none is all of them; a list is batch after
/// batch); `None` when it cannot be judged (templated).
fn batch(serial: Option<&str>, hosts: usize) -> Option<usize> {
    let Some(serial) = serial else {
        return Some(hosts);
    };
    if serial.contains("{{") {
        return None;
    }
    let mut largest = 0;
    for part in serial.split(',').map(str::trim) {
        let n = if let Some(pct) = part.strip_suffix('%') {
            let p = pct.trim().parse::<f64>().ok()?;
            ((p / 100.0 * hosts as f64).floor() as usize).max(1)
        } else {
            match part.parse::<usize>().ok()? {
                0 => hosts,
                n => n.min(hosts),
            }
        };
        largest = largest.max(n);
    }
    Some(largest)
}

/// `None` when the play is safe or its `serial` cannot be judged; otherwise
/// why it is not, against `hosts` hosts (`counted`: from the inventory,
/// else how the three assumed nodes were come to).
fn unsafe_serial(serial: Option<&str>, hosts: usize, counted: &str) -> Option<String> {
    let at_once = batch(serial, hosts)?;
    if at_once <= allowed(hosts) {
        return None;
    }
    Some(match serial {
        None => format!("it has no `serial:`, so it runs on all its {hosts} hosts at once ({counted})"),
        Some(serial) => format!("its `serial: {serial}` restarts {at_once} of its {hosts} hosts at once ({counted})"),
    })
}

/// A task that runs once, or on at most `allowed` hosts at a time.
fn safe_task(task: &AnsibleTask, allowed: usize) -> bool {
    task.run_once || throttled(task.throttle.as_deref().and_then(|t| t.trim().parse().ok()), allowed)
}

/// Whether a `throttle:` of `n` hosts keeps the restart within `allowed`.
fn throttled(n: Option<usize>, allowed: usize) -> bool {
    n.is_some_and(|n| n > 0 && n <= allowed)
}

/// Whether a task notifies `handler` (by name or `listen:` topic); `notes`
/// holds what the tasks notify.
fn notified(handler: &AnsibleTask, notes: &std::collections::HashSet<&str>) -> bool {
    handler.name.as_deref().is_some_and(|n| notes.contains(n)) || handler.listen.iter().any(|l| notes.contains(l.as_str()))
}

impl Rule for DqliteRestartNotSerial {
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["hosts"])
    }

    fn applies_to(&self, language: Language) -> bool {
        language == Language::Yaml
    }

    fn check(&self, ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        if facts.plays.is_empty() {
            return;
        }
        let index = ctx.project;
        for (i, play) in facts.plays.iter().enumerate() {
            if play.hosts.as_deref().is_some_and(|h| h == "localhost" || h == "127.0.0.1") {
                continue;
            }
            // How many hosts the play runs on: from the inventory when it
            // tells for certain, else the three voters of a MicroK8s HA cluster.
            let (hosts, counted) = match play.hosts.as_deref().map(|p| index.host_count(&ctx.source.path, p)) {
                Some(crate::project::HostCount::Known { hosts, inventory }) if hosts > 0 => {
                    (hosts, format!("`{}` is {hosts} hosts in `{inventory}`", play.hosts.as_deref().unwrap_or("")))
                }
                Some(crate::project::HostCount::Known { .. }) => continue,
                Some(crate::project::HostCount::Unknown(why)) => (3, format!("three nodes assumed: {why}")),
                None => (3, "three nodes assumed".to_string()),
            };
            let Some(why) = unsafe_serial(play.serial.as_ref().map(|(s, _)| s.as_str()), hosts, &counted) else {
                continue;
            };
            let in_play: Vec<&AnsibleTask> = facts.play_tasks(i).collect();
            let notes: std::collections::HashSet<&str> = in_play
                .iter()
                .filter(|t| !t.in_handlers)
                .flat_map(|t| t.notify.iter().map(|(n, _)| n.as_str()))
                .collect();
            // In this file: tasks, and handlers the play's tasks notify.
            let mut here = Vec::new();
            for t in &in_play {
                if t.in_handlers && !notified(t, &notes) {
                    continue;
                }
                if let Some(r) = crate::microk8s::restart_of(t)
                    && !safe_task(t, allowed(hosts))
                {
                    here.push((*t, r));
                }
            }
            // What the play reaches: `roles:`, `include_role`/`import_role`
            // tasks (with `tasks_from`) and `include_tasks`/`import_tasks`,
            // found where Ansible looks for them.
            let reached = index.play_reach(facts, i, &ctx.source.path);
            // A reboot restarts every MicroK8s service of the node: counted
            // when the play is about MicroK8s (it or what it runs names it).
            let microk8s = reached.microk8s
                || ctx.source.text.get(play.span.start..play.span.end).is_some_and(|t| t.contains("microk8s"));
            if microk8s {
                for t in &in_play {
                    if t.module == "reboot" && !safe_task(t, allowed(hosts)) && (!t.in_handlers || notified(t, &notes)) {
                        here.push((*t, crate::microk8s::Restart { service: "its hosts", action: "reboot" }));
                    }
                }
            }
            let in_roles: Vec<(String, crate::project::RoleRestart)> = reached
                .restarts
                .iter()
                .cloned()
                .filter(|(_, r)| r.action != "reboot" || microk8s)
                .filter(|(_, r)| !throttled(r.throttle, allowed(hosts)))
                .collect();
            if here.is_empty() && in_roles.is_empty() {
                continue;
            }
            // A play that only stops services shuts the cluster down on purpose.
            if here.iter().all(|(_, r)| r.action == "stop")
                && in_roles.iter().all(|(_, r)| r.action == "stop")
            {
                continue;
            }
            // Workers hold no dqlite vote: restarting them all loses no quorum.
            if play.hosts.as_deref().is_some_and(|h| index.all_workers(&ctx.source.path, h)) {
                continue;
            }
            let mut services: Vec<String> = here
                .iter()
                .map(|(_, r)| format!("{}s {}", r.action, r.service))
                .chain(in_roles.iter().map(|(_, r)| format!("{}s {}", r.action, r.service)))
                .collect();
            services.sort();
            services.dedup();
            let play_name = play
                .name
                .as_deref()
                .map(|n| format!("play `{n}`"))
                .unwrap_or_else(|| "this play".into());
            let dqlite = here
                .iter()
                .map(|(_, r)| r.service)
                .chain(in_roles.iter().map(|(_, r)| r.service))
                .any(|s| s != "kubelite");
            let consequence = if dqlite {
                "restarting dqlite on that many voters together loses the majority the datastore needs"
            } else {
                "restarting kubelite on several control-plane nodes together leaves the cluster without an API server"
            };
            let mut message = format!(
                "{play_name} {} but {why}: {consequence}",
                services.join(" and ")
            );
            if !in_roles.is_empty() {
                // One entry per role or file, with its restarts in order.
                let mut list: Vec<(String, Vec<String>)> = Vec::new();
                for (via, r) in &in_roles {
                    let file = r.file.strip_prefix(ctx.root).unwrap_or(&r.file);
                    let what = format!("{}:{}: {} {}", file.display(), r.line, r.action, r.service);
                    match list.iter_mut().find(|(v, _)| v == via) {
                        Some((_, whats)) => whats.push(what),
                        None => list.push((via.clone(), vec![what])),
                    }
                }
                let list: Vec<String> = list
                    .into_iter()
                    .map(|(via, whats)| format!("{via} ({})", whats.join("; ")))
                    .collect();
                message.push_str(&format!("; via {}", list.join(", ")));
            }
            let mut d = META.report(play.head, message)
                .with_help("add `serial: 1` to the play (or `throttle: 1` to the restarting task), and check the service is healthy before the next node");
            for (task, r) in &here {
                d = d.with_label(task.module_span, format!("{}s {} here", r.action, r.service));
            }
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unsafe_serial;

    #[test]
    fn serial_values() {
        let bad = |serial: Option<&str>, hosts: usize| unsafe_serial(serial, hosts, "").is_some();
        assert!(bad(None, 3));
        assert!(!bad(Some("1"), 3));
        assert!(bad(Some("2"), 3));
        assert!(!bad(Some("50%"), 3));
        assert!(!bad(Some("66%"), 3));
        assert!(!bad(Some("34%"), 3));
        assert!(bad(Some("67%"), 3));
        assert!(bad(Some("1, 2"), 3));
        assert!(!bad(Some("{{ batch }}"), 3));
        assert!(bad(Some("0"), 3));
        // Five voters tolerate two down.
        assert!(!bad(Some("2"), 5));
        assert!(bad(Some("3"), 5));
        assert!(!bad(Some("40%"), 5));
        assert!(bad(Some("60%"), 5));
        // One or two hosts: one at a time.
        assert!(!bad(None, 1));
        assert!(bad(None, 2));
    }
}
