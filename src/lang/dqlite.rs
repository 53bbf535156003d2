//! dqlite's `cluster.yaml` (in the k8s-dqlite storage directory, and its backups
//! and templates in a repository): a list of `{Address, ID, Role}` entries,
//! where Role 0 is a voter, 1 a stand-by, 2 a spare.

use super::yaml::{self, Kind, Node};
use crate::facts::{DqliteCluster, DqliteNode, FileFacts};

fn scalar(n: &Node) -> Option<&str> {
    match &n.kind {
        Kind::Scalar { value, .. } => Some(value),
        _ => None,
    }
}

/// The membership `doc` describes, if it is a `cluster.yaml` list.
pub fn cluster_of(host: &str, doc: &Node) -> Option<DqliteCluster> {
    let items = doc.as_seq()?;
    if items.is_empty() {
        return None;
    }
    let mut nodes = Vec::new();
    for item in items {
        let address = item.get("Address")?;
        let id = item.get("ID")?;
        let role = item.get("Role");
        let at = |n: &Node| yaml::scalar_region(host, n).unwrap_or(n.span);
        nodes.push(DqliteNode {
            span: item.span,
            address: scalar(address)?.to_string(),
            address_span: at(address),
            id: scalar(id)?.to_string(),
            id_span: at(id),
            role: role.and_then(scalar).and_then(|r| r.trim().parse().ok()),
        });
    }
    Some(DqliteCluster {
        span: doc.span,
        nodes,
        written_by: None,
    })
}

/// A `cluster.yaml` document of the file itself.
pub fn analyze(host: &str, doc: &Node, facts: &mut FileFacts) {
    if let Some(cluster) = cluster_of(host, doc) {
        facts.dqlite_clusters.push(cluster);
    }
}

/// Whether `dest` is a dqlite membership file.
pub fn is_cluster_file(dest: &str) -> bool {
    let name = dest.trim().rsplit('/').next().unwrap_or("");
    name == "cluster.yaml" && dest.contains("backend") || name == "cluster.yaml" && dest.contains("dqlite")
}
