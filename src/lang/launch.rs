//! MicroK8s launch configurations (`.microk8s.yaml`, files under
//! `$SNAP_COMMON/etc/launcher/`): a YAML document with `version: 0.1.0` and
//! `extra…Args` mappings whose entries MicroK8s's cluster agent writes into the
//! daemons' args files as `key=value` lines (a `null` value removes the key).
//!
//! The key names and the args file each one writes are MicroK8s's own, in
//! `lints/launch_args.json` (each key cites `pkg/k8sinit/schema.go` and
//! `pkg/k8sinit/apply.go` of canonical/microk8s-cluster-agent).

use super::yaml::{self, Kind, Node, Style};
use crate::facts::{ArgsFileEdit, FileFacts, FlagWord};
use serde::Deserialize;
use std::sync::OnceLock;

static TABLE: &str = include_str!("../../lints/launch_args.json");

/// An `extra…Args` key and the args file it reconciles.
#[derive(Debug, Deserialize)]
pub struct ArgsKey {
    pub key: String,
    pub args_file: String,
    pub source: String,
    pub quote: String,
}

#[derive(Debug, Deserialize)]
struct Table {
    keys: Vec<ArgsKey>,
}

/// The `extra…Args` keys, parsed once (the table is part of the binary: a
/// test parses it).
pub fn args_keys() -> &'static [ArgsKey] {
    static PARSED: OnceLock<Vec<ArgsKey>> = OnceLock::new();
    PARSED.get_or_init(|| {
        serde_json::from_str::<Table>(TABLE)
            .expect("lints/launch_args.json is valid (tested)")
            .keys
    })
}

fn is_null(node: &Node) -> bool {
    matches!(&node.kind, Kind::Scalar { value, style: Style::Plain, tag: None }
        if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
}

/// Whether `doc` is a launch configuration: a mapping with `version` and at
/// least one `extra…Args` key.
pub fn is_launch_configuration(doc: &Node) -> bool {
    doc.get("version").is_some() && args_keys().iter().any(|k| doc.get(&k.key).is_some())
}

/// The flags a launch configuration writes, one edit per `extra…Args` mapping.
pub fn analyze(host: &str, doc: &Node, facts: &mut FileFacts) {
    if !is_launch_configuration(doc) {
        return;
    }
    for ArgsKey { key, args_file, .. } in args_keys() {
        let component = args_file.as_str();
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

#[cfg(test)]
mod tests {
    /// Every key cites MicroK8s's schema and names an args file MicroK8s
    /// reads.
    #[test]
    fn every_key_cites_the_schema_and_names_an_args_file() {
        let keys = super::args_keys();
        assert_eq!(keys.len(), 11);
        for k in keys {
            assert!(k.source.contains("/pkg/k8sinit/schema.go#L"), "{}", k.key);
            assert!(k.quote.contains(&format!("yaml:\"{}\"", k.key)), "{}", k.key);
            assert!(crate::microk8s::ARGS_COMPONENTS.contains(&k.args_file.as_str()), "{}", k.args_file);
        }
    }
}
