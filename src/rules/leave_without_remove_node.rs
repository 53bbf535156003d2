use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::{AnsibleTask, CommandFact, FileFacts};
use crate::lang::Language;
use crate::source::Span;

pub struct LeaveWithoutRemoveNode;

pub(super) static META: RuleMeta = RuleMeta {
    name: "leave-without-remove-node",
    default_severity: Severity::Error,
    summary: "A node leaves the cluster and nothing removes it from the remaining nodes",
    docs: r#"## What it does
Flags a script, playbook or task file where a MicroK8s node departs and no
`microk8s remove-node` follows:

- `microk8s leave` (also `microk8s.leave`, and through `ssh HOST …`, `sudo`,
  `lxc exec … --`), with no `microk8s remove-node` after it in the same
  script, or, in a playbook, in a later task or play or in the roles and task
  files they run (a task delegated to a remaining node is the usual form).
  Names are compared when both are written literally: `ssh node3 microk8s
  leave` is not answered by `microk8s remove-node node2` (a host name matches
  by its first label, `node3.lan` is `node3`; an address may be any node);
- `snap remove microk8s` (or the `snap` module with `state: absent`) in a file
  that also joins, adds or lets nodes leave (a cluster, not a single node);
- a `microk8s join` after `microk8s reset` or a reinstall (`snap remove`)
  with no `remove-node` of the old membership in between: the node comes
  back under the same name or address while the cluster still holds it.

`microk8s reset` alone is not flagged: MicroK8s refuses it on a multi-node
cluster ("Reset is applicable for single node clusters"). A task file of a
role (no play in it) is not flagged when some other file of the repository
runs `remove-node`: the playbook that applies the role may.

## Why is this bad?
`microk8s leave` takes the node out of the cluster from its own side only; the
remaining nodes still list it. The MicroK8s maintainers' explanation
(canonical/microk8s#2212, <https://github.com/canonical/microk8s/issues/2212>):
"Normally when you want to service a node, you first need to do `microk8s
leave` on the departing node followed by a `microk8s remove node` done on any
node that is still in the cluster so that you can add it back later on."
`remove-node` itself says when `--force` is needed: "If the node is not
available anymore and will never attempt to join the cluster in the future use
the '--force' flag to unregister the node while removing it"
(`scripts/wrappers/remove_node.py`).

In the report behind this rule (canonical/microk8s#3735, "Inconsistent control
plane state", <https://github.com/canonical/microk8s/issues/3735>) a node ran
`microk8s leave` and nobody ran `microk8s remove-node`: "all the `kube07`
resources remained on the cluster", its pods stayed `Unknown`, and the node
re-added later got nothing scheduled. A node rebuilt under the same address
without `remove-node` is refused: "The joining node (…) is already known to
dqlite" (canonical/microk8s#2212).

## Example
```bash
for n in node2 node3; do
  ssh "$n" sudo microk8s leave
done
```

## Use instead
```bash
for n in node2 node3; do
  ssh "$n" sudo microk8s leave
  microk8s remove-node "$n"
done
```

## Fix
None: `remove-node` runs on another node than `leave`, which only the author
can name (`microk8s remove-node NAME --force` when the node is unreachable).
"#,
    options: &[],
    fix: FixKind::None,
};

use crate::microk8s::{ClusterOp as Kind, cluster_op as kind_of};

#[derive(Debug, Clone)]
struct Event {
    kind: Kind,
    span: Span,
    /// The node, when written literally: the `ssh` host a `leave` runs on,
    /// the name or address `remove-node` removes.
    node: Option<String>,
}

/// The node a call names (see [`Event::node`]).
fn node_of(kind: Kind, fact: &CommandFact) -> Option<String> {
    match kind {
        Kind::Leave => fact.remote.clone(),
        Kind::RemoveNode => {
            let at = fact.words.iter().position(|w| w.text == "remove-node" || w.text.ends_with("microk8s.remove-node"))?;
            let name = fact.words.iter().skip(at + 1).find(|w| !w.text.starts_with('-'))?;
            name.is_static.then(|| name.text.clone())
        }
        _ => None,
    }
}

/// Whether two literal node names may be the same node: host names are
/// compared by their first label (`node3` and `node3.lan`); an address may
/// be any name.
fn same_node(a: &str, b: &str) -> bool {
    let ip = |s: &str| s.parse::<std::net::IpAddr>().is_ok();
    if ip(a) || ip(b) {
        return true;
    }
    let label = |s: &str| s.split('.').next().unwrap_or(s).to_ascii_lowercase();
    label(a) == label(b)
}

/// The `snap` module removing MicroK8s.
fn snap_module_removes(task: &AnsibleTask) -> bool {
    matches!(task.module.as_str(), "snap" | "community.general.snap")
        && task.arg("state").and_then(|a| a.text()) == Some("absent")
        && task
            .arg("name")
            .and_then(|a| a.value.as_deref())
            .is_some_and(|v| v.split(|c: char| !(c.is_alphanumeric() || c == '-')).any(|w| w == "microk8s"))
}

fn what(kind: Kind) -> &'static str {
    match kind {
        Kind::Leave => "`microk8s leave`",
        Kind::SnapRemove => "`snap remove microk8s`",
        Kind::Reset => "`microk8s reset`",
        Kind::Join => "`microk8s join`",
        Kind::RemoveNode => "`microk8s remove-node`",
        Kind::AddNode => "`microk8s add-node`",
    }
}

const KEEPS: &str = "the remaining nodes keep it as a member (in dqlite's `cluster.yaml` and as a Kubernetes node) and its pods stay `Unknown`";
const HELP: &str = "run `microk8s remove-node NAME` on a remaining node after the node has left (`--force` if it is unreachable or will not come back): in a playbook a task delegated to a remaining node, in a script the next command";

impl Rule for LeaveWithoutRemoveNode {
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["leave", "join", "remove"])
    }

    fn applies_to(&self, language: Language) -> bool {
        matches!(language, Language::Shell | Language::ShellTemplate | Language::Yaml)
    }

    fn check(&self, ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        let mut events: Vec<Event> = facts
            .commands
            .iter()
            .filter_map(|c| {
                let kind = kind_of(c)?;
                Some(Event { kind, span: c.span, node: node_of(kind, c) })
            })
            .collect();
        events.extend(
            facts
                .tasks
                .iter()
                .filter(|t| snap_module_removes(t))
                .map(|t| Event { kind: Kind::SnapRemove, span: t.module_span, node: None }),
        );
        if events.is_empty() {
            return;
        }
        events.sort_by_key(|e| e.span.start);
        let cluster = events.iter().any(|e| matches!(e.kind, Kind::Leave | Kind::Join | Kind::AddNode | Kind::RemoveNode));
        // A departure not yet answered by a remove-node, and a reset or removal
        // since the last remove-node.
        let mut pending: Option<(Event, Vec<(Span, String)>)> = None;
        let mut reset_since: Option<Event> = None;
        let mut found: Vec<(Event, Vec<(Span, String)>)> = Vec::new();
        for e in &events {
            match e.kind {
                Kind::RemoveNode => {
                    // A literal name that cannot be the departed node's does
                    // not answer its departure.
                    match &mut pending {
                        Some((first, labels))
                            if first.kind == Kind::Leave
                                && let (Some(left), Some(removed)) = (&first.node, &e.node)
                                && !same_node(left, removed) =>
                        {
                            labels.push((e.span, format!("removes `{removed}`, not `{left}`")));
                        }
                        _ => {
                            pending = None;
                            reset_since = None;
                        }
                    }
                }
                Kind::Leave => match &mut pending {
                    Some((_, labels)) => labels.push((e.span, "leaves here too".into())),
                    None => pending = Some((e.clone(), Vec::new())),
                },
                Kind::SnapRemove => {
                    match &mut pending {
                        Some((_, labels)) => labels.push((e.span, "removes MicroK8s here".into())),
                        None if cluster => pending = Some((e.clone(), Vec::new())),
                        None => {}
                    }
                    reset_since.get_or_insert(e.clone());
                }
                Kind::Reset => {
                    reset_since.get_or_insert(e.clone());
                }
                Kind::Join => {
                    if let Some(r) = reset_since.take() {
                        match &mut pending {
                            Some((first, labels)) if first.kind == Kind::Leave => {
                                labels.push((e.span, "joins again here".into()))
                            }
                            // A reinstall that joins again: said at the join.
                            _ => {
                                pending = None;
                                found.push((e.clone(), vec![(r.span, format!("{} here", what(r.kind)))]));
                            }
                        }
                    }
                }
                Kind::AddNode => {}
            }
        }
        if let Some(p) = pending
            && !answered_elsewhere(ctx, facts, p.0.span)
        {
            found.push(p);
        }
        for (e, labels) in found {
            let message = match e.kind {
                Kind::Join => {
                    let before = labels.first().map(|(_, l)| l.trim_end_matches(" here").to_string()).unwrap_or_default();
                    format!(
                        "`microk8s join` after {before} with no `microk8s remove-node` in between: the node comes back under its old name or address while the remaining nodes still hold its old membership (in dqlite's `cluster.yaml` and as a Kubernetes node), and dqlite refuses a joining node it already knows"
                    )
                }
                kind => format!(
                    "{} takes this node out of the cluster, but no `microk8s remove-node` of it follows on a remaining node: {KEEPS}",
                    what(kind)
                ),
            };
            let mut d = META.report(e.span, message).with_help(HELP);
            for (span, label) in labels {
                d = d.with_label(span, label);
            }
            out.push(d);
        }
    }
}

/// Whether the departure at `at` is answered outside the file's own order: in
/// a playbook, by a role or task file that the departure's play or a later
/// play runs; in a task file with no play (a role's), by any other file of
/// the repository that runs `remove-node`.
fn answered_elsewhere(ctx: &RuleContext<'_>, facts: &FileFacts, at: Span) -> bool {
    let Some(task) = facts.tasks.iter().find(|t| t.span.start <= at.start && at.end <= t.span.end) else {
        return false;
    };
    let index = ctx.project;
    let Some(play) = task.play else {
        return index.runs_remove_node_outside(&ctx.source.path);
    };
    (play..facts.plays.len()).any(|later| index.play_reach(facts, later, &ctx.source.path).remove_node)
}
