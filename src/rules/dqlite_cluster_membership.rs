use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::FileFacts;
use crate::lang::Language;

pub struct DqliteClusterMembership;

static META: RuleMeta = RuleMeta {
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
  a cluster that lost quorum is recovered.

Each message says how many voters the cluster can lose before quorum is gone.

## Why is this bad?
dqlite commits a write when a majority of voters has it. Duplicate entries
corrupt the membership; even voter counts and too few voters make the cluster
fall over sooner than its node count suggests. Reducing `cluster.yaml` to one
node does not recover a cluster whose raft snapshot holds the old membership:
the node still waits for the old voters; the membership has to be changed with
dqlite's `.reconfigure` on the stopped cluster, as MicroK8s's recovery
procedure does.

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
Three voters (Role 0) for three nodes.

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
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["Address", "cluster.yaml"])
    }

    fn applies_to(&self, language: Language) -> bool {
        language == Language::Yaml
    }

    fn check(&self, _ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        for cluster in &facts.dqlite_clusters {
            let nodes = &cluster.nodes;
            let Some(first) = nodes.first() else { continue };
            let at = cluster.written_by.unwrap_or(first.address_span);
            // Duplicates: the first entry of each address and ID, by value (a
            // generated membership of 100,000 nodes must not be compared pairwise).
            let mut first_address: std::collections::HashMap<&str, crate::source::Span> =
                std::collections::HashMap::new();
            let mut first_id: std::collections::HashMap<&str, crate::source::Span> =
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
                        let mut d = Diagnostic::new(
                            META.name,
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
                out.push(Diagnostic::new(
                    META.name,
                    Severity::Warning,
                    at,
                    "this task rewrites cluster.yaml to a single node: that does not recover a cluster whose raft snapshot holds the old membership (the node keeps waiting for the old voters)".to_string(),
                ).with_help("recover lost quorum with dqlite's `.reconfigure` on the stopped cluster, as MicroK8s's recovery procedure does, not by editing cluster.yaml"));
                continue;
            }
            if voters >= 2 && voters % 2 == 0 {
                out.push(Diagnostic::new(
                    META.name,
                    Severity::Warning,
                    at,
                    format!(
                        "{} voters in the dqlite membership: {can_lose}, no more than {} would; an even number of voters only adds a node that can fail",
                        voters,
                        plural(voters - 1, "voter")
                    ),
                ));
            } else if nodes.len() >= 3 && voters < 3 {
                out.push(Diagnostic::new(
                    META.name,
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
