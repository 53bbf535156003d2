//! A differential oracle for the YAML front-end: whether a text is accepted,
//! and the strings it holds, against PyYAML's safe loader, which is what
//! Ansible reads YAML with (its C loader, libyaml, when present; with
//! constructors for Ansible's `!vault` and `!unsafe` tags).
//!
//! Both sides are reduced to a canonical JSON value:
//! - a mapping is a list of `[key, value]` pairs, a sequence a list;
//! - a string is itself; a scalar that PyYAML resolves to anything else
//!   (int, bool, null, date, …) is `{"other": null}` on PyYAML's side, and a
//!   plain scalar of opslint's is compared with it as "some plain scalar"
//!   (opslint keeps every scalar as text, PyYAML resolves YAML 1.1 types);
//! - a tagged node is its content.
#![allow(dead_code)] // shared by the test and the example, each uses part

pub mod generate;
#[path = "../oracle/files.rs"]
pub mod files;

use opslint::lang::yaml::{Kind, Node, Style};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// PyYAML, fed a JSON list of texts on stdin; prints one JSON result per text.
const PYTHON: &str = r#"
import json, sys, yaml
Loader = yaml.CSafeLoader
class AnsibleLoader(Loader):
    pass
def tagged(loader, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)
AnsibleLoader.add_constructor("!vault", tagged)
AnsibleLoader.add_constructor("!unsafe", tagged)
def canon(v):
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return [[canon(k), canon(x)] for k, x in v.items()]
    if isinstance(v, (list, tuple)):
        return [canon(x) for x in v]
    return {"other": None}
out = []
for text in json.load(sys.stdin):
    try:
        docs = list(yaml.load_all(text, Loader=AnsibleLoader))
        out.append({"ok": True, "docs": [canon(d) for d in docs]})
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        out.append({"ok": False, "line": mark.line + 1 if mark else 0, "error": str(e).splitlines()[0]})
    except Exception as e:
        out.append({"ok": False, "line": 0, "error": type(e).__name__ + ": " + str(e).splitlines()[0] if str(e) else type(e).__name__})
print(json.dumps({"loader": Loader.__name__, "results": out}))
"#;

/// PyYAML with its libyaml loader (the pure-Python one is stricter about
/// tabs, and Ansible uses libyaml's when present).
pub fn pyyaml_available() -> bool {
    Command::new("python3")
        .args(["-c", "import yaml; yaml.CSafeLoader"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// What PyYAML makes of one text.
#[derive(Debug, Clone)]
pub enum Verdict {
    Accepted(Vec<Value>),
    Rejected { line: usize, error: String },
}

/// PyYAML's verdicts on `texts`, and the loader's name.
pub fn pyyaml(texts: &[String]) -> (String, Vec<Verdict>) {
    let mut child = Command::new("python3")
        .args(["-c", PYTHON])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let input = serde_json::to_vec(texts).expect("JSON");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("python3 finishes");
    writer.join().expect("writer").expect("write to python3");
    let v: Value = serde_json::from_slice(&out.stdout).expect("python3 prints JSON");
    let loader = v["loader"].as_str().unwrap_or("?").to_string();
    let verdicts = v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            if r["ok"].as_bool() == Some(true) {
                Verdict::Accepted(r["docs"].as_array().cloned().unwrap_or_default())
            } else {
                Verdict::Rejected {
                    line: r["line"].as_u64().unwrap_or(0) as usize,
                    error: r["error"].as_str().unwrap_or("").to_string(),
                }
            }
        })
        .collect();
    (loader, verdicts)
}

/// A plain scalar of opslint's, to compare with whatever PyYAML resolved.
#[derive(Debug)]
enum Canon {
    Str(String),
    Plain(String),
    List(Vec<Canon>),
}

fn canon(node: &Node) -> Canon {
    match &node.kind {
        Kind::Scalar { value, style, .. } => match style {
            Style::Plain => Canon::Plain(value.clone()),
            _ => Canon::Str(value.clone()),
        },
        Kind::Seq(items) => Canon::List(items.iter().map(canon).collect()),
        Kind::Map(entries) => Canon::List(
            mapping(entries)
                .into_iter()
                .map(|(k, v)| Canon::List(vec![k, v]))
                .collect(),
        ),
        Kind::Tagged(_, inner) => canon(inner),
    }
}

/// A mapping's entries as PyYAML's constructor makes them: `<<` merge keys
/// flattened in front (a sequence of mappings in reverse), then one entry per
/// key, at its first place, with its last value (Python's `dict`).
fn mapping(entries: &[(Node, Node)]) -> Vec<(Canon, Canon)> {
    let is_merge = |k: &Node| matches!(&k.kind, Kind::Scalar { value, style: Style::Plain, .. } if value == "<<");
    let pairs_of = |n: &Node| match &n.kind {
        Kind::Map(e) => mapping(e),
        _ => Vec::new(),
    };
    let mut merged = Vec::new();
    let mut own = Vec::new();
    for (k, v) in entries {
        if is_merge(k) {
            match &v.kind {
                Kind::Map(_) => merged.extend(pairs_of(v)),
                Kind::Seq(items) => {
                    for item in items.iter().rev() {
                        merged.extend(pairs_of(item));
                    }
                }
                _ => own.push((canon(k), canon(v))),
            }
        } else {
            own.push((canon(k), canon(v)));
        }
    }
    let mut out: Vec<(Canon, Canon)> = Vec::new();
    for (k, v) in merged.into_iter().chain(own) {
        let key = format!("{k:?}");
        match out.iter_mut().find(|(k2, _)| format!("{k2:?}") == key) {
            Some(slot) => slot.1 = v,
            None => out.push((k, v)),
        }
    }
    out
}

/// Where opslint's value differs from PyYAML's (a path into the document), if anywhere.
fn differs(ours: &Canon, theirs: &Value, at: &str) -> Option<String> {
    match (ours, theirs) {
        (Canon::Str(a), Value::String(b)) if a == b => None,
        (Canon::Plain(a), Value::String(b)) if a == b => None,
        // `~`, `null`, `true`, `0x1F`, dates…: PyYAML resolved it.
        (Canon::Plain(_), Value::Object(_)) => None,
        // An empty plain scalar (`key:`) is null to PyYAML.
        (Canon::List(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| differs(x, y, &format!("{at}/{i}"))),
        _ => Some(format!("{at}: opslint {ours:?}, PyYAML {theirs}")),
    }
}

/// One text where opslint and PyYAML disagree.
#[derive(Debug)]
pub enum Disagreement {
    /// PyYAML loads it; opslint reports `yaml-syntax`.
    Rejected { line: usize, message: String },
    /// opslint loads it; PyYAML (so Ansible) refuses it.
    Accepted { line: usize, error: String },
    /// Both load it, to different strings.
    Value(String),
}

impl std::fmt::Display for Disagreement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Disagreement::Rejected { line, message } => {
                write!(f, "line {line}: opslint rejects what PyYAML loads: {message}")
            }
            Disagreement::Accepted { line, error } => {
                write!(f, "line {line}: opslint accepts what PyYAML rejects: {error}")
            }
            Disagreement::Value(at) => write!(f, "different values at {at}"),
        }
    }
}

/// opslint's verdict on `text` against PyYAML's.
pub fn compare(text: &str, theirs: &Verdict) -> Option<Disagreement> {
    let ours = opslint::lang::yaml::load(text);
    match (ours, theirs) {
        (Ok(docs), Verdict::Accepted(values)) => {
            if docs.len() != values.len() {
                return Some(Disagreement::Value(format!(
                    "documents: opslint {}, PyYAML {}",
                    docs.len(),
                    values.len()
                )));
            }
            docs.iter()
                .zip(values)
                .enumerate()
                .find_map(|(i, (d, v))| differs(&canon(d), v, &format!("doc{i}")))
                .map(Disagreement::Value)
        }
        (Err(e), Verdict::Accepted(_)) => Some(Disagreement::Rejected {
            line: text[..e.offset.min(text.len())].matches('\n').count() + 1,
            message: e.message,
        }),
        (Ok(_), Verdict::Rejected { line, error }) => Some(Disagreement::Accepted {
            line: *line,
            error: error.clone(),
        }),
        (Err(_), Verdict::Rejected { .. }) => None,
    }
}

/// Every `*.yml`/`*.yaml` file under `dir` (hidden directories and `target`
/// left out), sorted.
pub fn yaml_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    files::files_under(dir, |p| {
        let hidden_or_target = p.strip_prefix(dir).unwrap_or(p).parent().is_some_and(|d| {
            d.components().any(|c| {
                let c = c.as_os_str().to_string_lossy();
                c.starts_with('.') || c == "target"
            })
        });
        !hidden_or_target && p.extension().is_some_and(|e| e == "yml" || e == "yaml")
    })
}
