//! GitLab Code Quality report (a JSON array), with fingerprints that survive
//! edits elsewhere in the file (see [`super::fingerprint`]).

use super::display_path;
use super::fingerprint::fingerprints;
use crate::diagnostic::Severity;
use crate::linter::FileReport;
use serde_json::json;

pub fn render_file(report: &FileReport) -> String {
    let path = display_path(report);
    let fingerprints = fingerprints(report);
    report
        .diagnostics
        .iter()
        .zip(fingerprints)
        .map(|(d, fingerprint)| {
            let start = report.source.position(d.span.start);
            let end = report.source.position(d.span.end);
            let item = json!({
                "description": d.message,
                "check_name": d.rule,
                "fingerprint": fingerprint,
                "severity": match d.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                    Severity::Info => "info",
                },
                "location": {
                    "path": path,
                    "positions": {
                        "begin": {"line": start.line, "column": start.column},
                        "end": {"line": end.line, "column": end.column},
                    },
                    // GitLab reads `lines.begin` or `positions`; tools read either.
                    "lines": {"begin": start.line},
                },
            });
            format!("  {}", serde_json::to_string(&item).unwrap_or_default())
        })
        .collect::<Vec<_>>()
        .join(",\n")
}

pub fn finish(pieces: &[String]) -> String {
    let items: Vec<&str> = pieces
        .iter()
        .map(String::as_str)
        .filter(|p| !p.is_empty())
        .collect();
    if items.is_empty() {
        "[]\n".into()
    } else {
        format!("[\n{}\n]\n", items.join(",\n"))
    }
}
