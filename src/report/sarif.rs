//! SARIF 2.1.0 for GitHub code scanning and other SARIF viewers: the tool
//! driver lists every rule with its documentation; results carry regions
//! (columns in Unicode code points, declared by `columnKind`), fixes and a
//! partial fingerprint that does not depend on line numbers.

use super::display_path;
use super::fingerprint::fingerprints;
use crate::diagnostic::Severity;
use crate::linter::FileReport;
use crate::source::{SourceFile, Span};
use serde_json::{Value, json};

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative path as a URI reference (RFC 3986): reserved bytes escaped.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Where a file is: a path under the working directory relative to
/// `%SRCROOT%` (declared in `originalUriBaseIds`); any other path (absolute,
/// or reaching out with `..`) as an absolute `file://` URI, percent-encoded.
fn artifact(path: &str) -> Value {
    let outside = path.starts_with('/') || path.split('/').any(|c| c == "..");
    if !outside {
        let rel = path.strip_prefix("./").unwrap_or(path);
        return json!({"uri": uri(rel), "uriBaseId": "%SRCROOT%"});
    }
    let absolute = if path.starts_with('/') {
        std::path::PathBuf::from(path)
    } else {
        let joined = std::env::current_dir().unwrap_or_default().join(path);
        std::fs::canonicalize(&joined).unwrap_or(joined)
    };
    json!({"uri": file_uri(&absolute.to_string_lossy().replace('\\', "/"))})
}

/// `file:///abs/path` with reserved bytes escaped.
fn file_uri(absolute: &str) -> String {
    let path = if absolute.starts_with('/') { absolute.to_string() } else { format!("/{absolute}") };
    format!("file://{}", uri(&path))
}

fn region(source: &SourceFile, span: Span) -> Value {
    let start = source.position(span.start);
    let end = source.position(span.end);
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    })
}

/// Where a rule's documentation page is: `OPSLINT_DOCS_URL` (a base URL) at run
/// time, else the package's `repository` at build time; `None` when neither
/// is known (the full text is in `help` anyway).
pub fn help_uri(rule: &str) -> Option<String> {
    let base = std::env::var("OPSLINT_DOCS_URL")
        .ok()
        .filter(|b| !b.is_empty())
        .or_else(|| {
            let repo = env!("CARGO_PKG_REPOSITORY");
            (!repo.is_empty()).then(|| format!("{repo}/blob/main/docs/rules"))
        })?;
    Some(format!("{}/{rule}.md", base.trim_end_matches('/')))
}

pub fn render_file(report: &FileReport) -> String {
    let path = display_path(report);
    // Where the file is, once per file (a path outside the working directory
    // is resolved on disk).
    let artifact = artifact(&path);
    let rules = crate::rules::all_meta();
    let fingerprints = fingerprints(report);
    report
        .diagnostics
        .iter()
        .zip(fingerprints)
        .map(|(d, fingerprint)| {
            let location = json!({
                "physicalLocation": {
                    "artifactLocation": artifact.clone(),
                    "region": region(&report.source, d.span),
                }
            });
            let mut result = json!({
                "ruleId": d.rule,
                "level": level(d.severity),
                "message": {"text": d.message},
                "locations": [location],
                "partialFingerprints": {
                    "opslint/v1": fingerprint,
                },
            });
            if let Some(index) = rules.iter().position(|r| r.name == d.rule) {
                result["ruleIndex"] = json!(index);
            }
            if !d.labels.is_empty() {
                result["relatedLocations"] = Value::Array(
                    d.labels
                        .iter()
                        .enumerate()
                        .map(|(i, l)| {
                            json!({
                                "id": i,
                                "message": {"text": l.message},
                                "physicalLocation": {
                                    "artifactLocation": artifact.clone(),
                                    "region": region(&report.source, l.span),
                                },
                            })
                        })
                        .collect(),
                );
            }
            if let Some(fix) = &d.fix {
                result["fixes"] = json!([{
                    "description": {"text": format!("{} ({})", fix.description, match fix.applicability {
                        crate::diagnostic::Applicability::Safe => "safe",
                        crate::diagnostic::Applicability::Unsafe => "unsafe",
                    })},
                    "artifactChanges": [{
                        "artifactLocation": artifact.clone(),
                        "replacements": fix.edits.iter().map(|e| json!({
                            "deletedRegion": region(&report.source, e.span),
                            "insertedContent": {"text": e.content},
                        })).collect::<Vec<_>>(),
                    }],
                }]);
            }
            serde_json::to_string(&result).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(",\n")
}

/// `kubectl-request-timeout` → `KubectlRequestTimeout` (SARIF wants a `name`
/// different from the opaque `id`).
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn driver() -> Value {
    let rules: Vec<Value> = crate::rules::all_meta()
        .iter()
        .map(|m| {
            let markdown = crate::docs::rule_markdown(m);
            let mut rule = json!({
                "id": m.name,
                "name": pascal_case(m.name),
                "shortDescription": {"text": m.summary},
                "fullDescription": {"text": m.summary},
                "help": {"text": markdown, "markdown": markdown},
                "defaultConfiguration": {"level": level(m.default_severity)},
            });
            if let Some(uri) = help_uri(m.name) {
                rule["helpUri"] = json!(uri);
            }
            rule
        })
        .collect();
    let mut driver = json!({
        "name": "opslint",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    // From the package metadata (`homepage`, else `repository`), when set;
    // else where the rules are documented (`OPSLINT_DOCS_URL`), when given.
    let home = [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|u| !u.is_empty())
        .map(str::to_string)
        .or_else(|| std::env::var("OPSLINT_DOCS_URL").ok().filter(|b| !b.is_empty()));
    if let Some(home) = home {
        driver["informationUri"] = json!(home);
    }
    driver
}

pub fn finish(pieces: &[String]) -> String {
    let results: Vec<&str> = pieces
        .iter()
        .map(String::as_str)
        .filter(|p| !p.is_empty())
        .collect();
    let frame = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver()},
            "columnKind": "unicodeCodePoints",
            // Relative locations are relative to the directory opslint ran in.
            "originalUriBaseIds": {
                "%SRCROOT%": {"uri": file_uri(&format!("{}/", std::env::current_dir().unwrap_or_default().to_string_lossy().trim_end_matches('/')))}
            },
            "results": "@RESULTS@",
        }],
    });
    // Results were serialised per file (in parallel); splice them in.
    let text = serde_json::to_string_pretty(&frame).unwrap_or_default();
    text.replacen("\"@RESULTS@\"", &format!("[\n{}\n]", results.join(",\n")), 1) + "\n"
}
