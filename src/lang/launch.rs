//! MicroK8s launch configurations (`.microk8s.yaml`, files under
//! `$SNAP_COMMON/etc/launcher/`): a YAML document with `version: 0.1.0` and
//! `extra…Args` mappings whose entries MicroK8s's cluster agent writes into the
//! daemons' args files as `key=value` lines (a `null` value removes the key).
//!
//! The key names and the args file each one writes are MicroK8s's own:
//! `pkg/k8sinit/schema.go` and `pkg/k8sinit/apply.go` of
//! canonical/microk8s-cluster-agent (commit 33e4ad065b74).

use super::yaml::{self, Kind, Node, Style};
use crate::facts::{ArgsFileEdit, FileFacts, FlagWord};

/// `extra…Args` key → the args file it reconciles.
pub const ARGS_KEYS: &[(&str, &str)] = &[
    ("extraKubeAPIServerArgs", "kube-apiserver"),
    ("extraKubeletArgs", "kubelet"),
    ("extraKubeProxyArgs", "kube-proxy"),
    ("extraKubeControllerManagerArgs", "kube-controller-manager"),
    ("extraKubeSchedulerArgs", "kube-scheduler"),
    ("extraContainerdArgs", "containerd"),
    ("extraDqliteArgs", "k8s-dqlite"),
    ("extraMicroK8sClusterAgentArgs", "cluster-agent"),
    ("extraMicroK8sAPIServerProxyArgs", "apiserver-proxy"),
    ("extraEtcdArgs", "etcd"),
    ("extraFlanneldArgs", "flanneld"),
];

fn is_null(node: &Node) -> bool {
    matches!(&node.kind, Kind::Scalar { value, style: Style::Plain, tag: None }
        if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
}

/// Whether `doc` is a launch configuration: a mapping with `version` and at
/// least one `extra…Args` key.
pub fn is_launch_configuration(doc: &Node) -> bool {
    doc.get("version").is_some() && ARGS_KEYS.iter().any(|(k, _)| doc.get(k).is_some())
}

/// The flags a launch configuration writes, one edit per `extra…Args` mapping.
pub fn analyze(host: &str, doc: &Node, facts: &mut FileFacts) {
    if !is_launch_configuration(doc) {
        return;
    }
    for (key, component) in ARGS_KEYS {
        let Some(entries) = doc.get(key).and_then(Node::as_map) else {
            continue;
        };
        let mut flags = Vec::new();
        for (k, v) in entries {
            let Some(name) = k.as_str() else { continue };
            // `null` removes the argument: nothing is written.
            if is_null(v) {
                continue;
            }
            let Some(flag) = name.strip_prefix("--") else {
                continue;
            };
            let value = v.as_str().unwrap_or("");
            let key_span = yaml::scalar_region(host, k).unwrap_or(k.span);
            let value_span = yaml::scalar_region(host, v).unwrap_or(v.span);
            flags.push(FlagWord {
                name: flag.split('=').next().unwrap_or(flag).to_string(),
                text: format!("{name}={value}"),
                span: key_span,
                value: Some((value.to_string(), value_span)),
                next: None,
                written_in: None,
            });
        }
        facts.args_edits.push(ArgsFileEdit {
            component,
            task: None,
            conditional: false,
            target: format!("`{key}` (args/{component})"),
            via: "launch configuration",
            flags,
            comments: Vec::new(),
            written_by: None,
        });
    }
}
