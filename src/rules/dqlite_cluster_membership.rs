use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::FileFacts;
use crate::lang::Language;
use crate::source::Span;

pub struct DqliteClusterMembership;

pub(super) static META: RuleMeta = RuleMeta {
    name: "dqlite-cluster-membership",
    default_severity: Severity::Error,
    summary: "A dqlite cluster.yaml whose membership cannot keep or regain quorum",
    docs: r#"## What it does
Checks dqlite membership files (`cluster.yaml` lists of `Address`, `ID`,
`Role` entries, Role 0 = voter, 1 = stand-by, 2 = spare) kept in the
repository (backups, templates) and written by Ansible `copy`/`template`
tasks to a `…/backend/cluster.yaml`:

- the same `Address` or `ID` twice (error);
- an even number of voters (warning): it tolerates no more failures than one
  voter fewer;
- fewer than three voters in a file with three or more nodes (warning);
- a task that writes a single-node `cluster.yaml` (warning): that is not how
  a cluster that lost quorum is recovered;
- a script, playbook or task file that takes a voter out of a three-node
  cluster with no stand-by to promote (warning): `microk8s remove-node` or
  `microk8s leave` (also through roles and included task files a play runs),
  when the cluster is known to have three nodes: the inventory gives the
  largest play about MicroK8s three hosts, or every membership kept in the
  repository has three voters and no stand-by or spare. Not flagged when a
  node joins or is added before the removal (the replacement comes first),
  when nodes join as workers (`--worker`: not dqlite members, so the host
  count says nothing about voters), or when nothing tells the cluster's size.

Stand-by (Role 1) and spare (Role 2) nodes are not voters: a cluster of three
voters and one stand-by is healthy (MicroK8s makes the fourth and later
control-plane nodes stand-bys, and dqlite promotes one when a voter goes).

Each message says how many voters the cluster can lose before quorum is gone.

## Why is this bad?
dqlite commits a write when a majority of voters has it. Duplicate entries
corrupt the membership; even voter counts and too few voters make the cluster
fall over sooner than its node count suggests. Reducing `cluster.yaml` to one
node does not recover a cluster whose raft snapshot holds the old membership:
the node still waits for the old voters; the membership has to be changed with
dqlite's `.reconfigure` on the stopped cluster, as MicroK8s's recovery
procedure does.

A three-node cluster that loses a voter keeps two: a majority of two is two,
so until a new node joins, one more failure (or a reboot for an update)
freezes the datastore and the API server with it. MicroK8s's documentation
("High Availability (HA)", <https://microk8s.io/docs/high-availability>):
"If the cluster consists of three or more nodes, the datastore will be
replicated across three of the nodes, and it will therefore be resilient to a
single failure". With a stand-by, dqlite promotes it when a voter is removed
and the cluster keeps three voters.

## Example
```yaml
- Address: 10.0.0.1:19001
  ID: 3297041220608546238
  Role: 0
- Address: 10.0.0.2:19001
  ID: 1238900000000000001
  Role: 0
- Address: 10.0.0.3:19001
  ID: 1238900000000000002
  Role: 2
```

## Use instead
Three voters (Role 0) for three nodes. To replace a node of a three-node
cluster, join the new node first (`microk8s add-node` on a member, `microk8s
join` on the new node), then remove the old one.

## Fix
None.
"#,
    options: &[],
    fix: FixKind::None,
};

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

impl Rule for DqliteClusterMembership {
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["Address", "cluster.yaml", "remove-node", "leave"])
    }

    fn applies_to(&self, language: Language) -> bool {
        matches!(language, Language::Yaml | Language::Shell | Language::ShellTemplate)
    }

    fn check(&self, ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        check_removal(ctx, facts, out);
        for cluster in &facts.dqlite_clusters {
            let nodes = &cluster.nodes;
            let Some(first) = nodes.first() else { continue };
            let at = cluster.written_by.unwrap_or(first.address_span);
            // Duplicates: the first entry of each address and ID, by value (a
            // generated membership of 100,000 nodes must not be compared pairwise).
            let mut first_address: std::collections::HashMap<&str, Span> =
                std::collections::HashMap::new();
            let mut first_id: std::collections::HashMap<&str, Span> =
                std::collections::HashMap::new();
            for node in nodes {
                let earlier_address = match first_address.entry(node.address.as_str()) {
                    std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(node.address_span);
                        None
                    }
                };
                let earlier_id = match first_id.entry(node.id.as_str()) {
                    std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(node.id_span);
                        None
                    }
                };
                for (what, value, span, earlier) in [
                    ("Address", &node.address, node.address_span, earlier_address),
                    ("ID", &node.id, node.id_span, earlier_id),
                ] {
                    if let Some(first_span) = earlier {
                        let mut d = META.report_as(
                            Severity::Error,
                            span,
                            format!("{what} `{value}` appears twice in the dqlite membership: two entries for one node corrupt it"),
                        );
                        if first_span != span {
                            d = d.with_label(first_span, "first here");
                        }
                        out.push(d);
                    }
                }
            }
            if nodes.iter().any(|n| n.role.is_none()) {
                continue;
            }
            let voters = nodes.iter().filter(|n| n.role == Some(0)).count();
            let tolerance = voters.saturating_sub(1) / 2;
            let can_lose = if voters == 0 {
                "it has no voter, so it has no quorum at all".to_string()
            } else {
                format!(
                    "with {} a majority is {}, so it can lose {} before quorum is gone",
                    plural(voters, "voter"),
                    voters / 2 + 1,
                    plural(tolerance, "voter")
                )
            };
            if cluster.written_by.is_some() && nodes.len() == 1 {
                out.push(META.report_as(
                    Severity::Warning,
                    at,
                    "this task rewrites cluster.yaml to a single node: that does not recover a cluster whose raft snapshot holds the old membership (the node keeps waiting for the old voters)".to_string(),
                ).with_help("recover lost quorum with dqlite's `.reconfigure` on the stopped cluster, as MicroK8s's recovery procedure does, not by editing cluster.yaml"));
                continue;
            }
            if voters >= 2 && voters % 2 == 0 {
                out.push(META.report_as(
                    Severity::Warning,
                    at,
                    format!(
                        "{} voters in the dqlite membership: {can_lose}, no more than {} would; an even number of voters only adds a node that can fail",
                        voters,
                        plural(voters - 1, "voter")
                    ),
                ));
            } else if nodes.len() >= 3 && voters < 3 {
                out.push(META.report_as(
                    Severity::Warning,
                    at,
                    format!(
                        "only {} among {} nodes in the dqlite membership: {can_lose}; three voters could lose one",
                        plural(voters, "voter"),
                        nodes.len()
                    ),
                ));
            }
        }
    }
}

/// A voter taken out of a three-node cluster with no stand-by to promote.
fn check_removal(ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
    use crate::microk8s::{ClusterOp, cluster_op};
    let ops: Vec<(ClusterOp, Span)> = facts.commands.iter().filter_map(|c| Some((cluster_op(c)?, c.span))).collect();
    let removal = ops.iter().find(|(op, _)| matches!(op, ClusterOp::RemoveNode | ClusterOp::Leave)).copied();
    // Workers are not dqlite members: the number of nodes says nothing of voters.
    if ctx.source.text.contains("--worker") {
        return;
    }
    let index = ctx.project;
    // Plays about MicroK8s: the largest one's host count is the cluster's
    // size; what they reach may remove (or join) nodes too.
    let mut largest: Option<(usize, String, String)> = None;
    // The first play that removes a node through what it runs, and whether
    // some play up to the removal joins or adds one.
    let mut reached_removal: Option<Span> = None;
    let mut joins_before = false;
    for (i, play) in facts.plays.iter().enumerate() {
        let reached = index.play_reach(facts, i, &ctx.source.path);
        if reached.worker {
            return;
        }
        let up_to_removal = match (removal, reached_removal) {
            (Some((_, at)), _) => play.span.start <= at.start,
            (None, found) => found.is_none(),
        };
        joins_before |= reached.joins && up_to_removal;
        if removal.is_none() && reached.remove_node && reached_removal.is_none() {
            reached_removal = Some(play.head);
        }
        let text = ctx.source.text.get(play.span.start..play.span.end).unwrap_or("");
        if !(reached.microk8s || text.contains("microk8s")) {
            continue;
        }
        if let Some(pattern) = play.hosts.as_deref()
            && let crate::project::HostCount::Known { hosts, inventory } = index.host_count(&ctx.source.path, pattern)
            && largest.as_ref().is_none_or(|(n, _, _)| hosts > *n)
        {
            largest = Some((hosts, pattern.to_string(), inventory));
        }
    }
    let (what, at) = match (removal, reached_removal) {
        (Some((op, at)), _) => (if op == ClusterOp::Leave { "`microk8s leave`" } else { "`microk8s remove-node`" }, at),
        (None, Some(head)) => ("this play runs `microk8s remove-node` (in what it includes), which", head),
        (None, None) => return,
    };
    // A node joined or added first: the replacement is in before the removal.
    if joins_before || ops.iter().any(|(op, s)| matches!(op, ClusterOp::Join | ClusterOp::AddNode) && s.start < at.start) {
        return;
    }
    let evidence = match largest {
        Some((3, pattern, inventory)) => format!("`{pattern}` is 3 hosts in `{inventory}`"),
        Some(_) => return,
        None => {
            // The memberships kept nearest the file: those under its
            // directory, else under the closest parent that holds some.
            let all = index.memberships();
            let absolute = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
            let root = absolute(ctx.root);
            let file = absolute(&ctx.source.path);
            let near: Vec<&crate::project::Membership> = file
                .ancestors()
                .skip(1)
                .take_while(|dir| dir.starts_with(&root))
                .map(|dir| all.iter().filter(|m| root.join(&m.file).starts_with(dir)).collect::<Vec<_>>())
                .find(|found| !found.is_empty())
                .unwrap_or_default();
            if near.is_empty() || near.iter().any(|m| m.voters != 3 || m.others > 0) {
                return;
            }
            match near.len() {
                1 => format!("the membership in `{}` has three voters and no stand-by", near[0].file),
                n => format!("the memberships in `{}` and {} more have three voters and no stand-by", near[0].file, n - 1),
            }
        }
    };
    out.push(
        META.report_as(
            Severity::Warning,
            at,
            format!(
                "{what} takes a voter out of a three-node cluster ({evidence}): the two voters left have no stand-by to promote, so the datastore loses quorum if either fails before a new node joins"
            ),
        )
        .with_help("join the replacement first (`microk8s add-node` on a member, `microk8s join` on the new node): with three voters and a stand-by, dqlite promotes the stand-by when a voter is removed"),
    );
}
