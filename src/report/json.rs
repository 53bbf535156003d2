//! The JSON report: a stable contract documented in `docs/json-format.md`.

use super::{Summary, display_path};
use crate::diagnostic::{Applicability, Severity};
use crate::linter::FileReport;
use crate::source::{SourceFile, Span};
use serde::Serialize;

pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonSummary {
    files_checked: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    fixable: usize,
    safe_fixable: usize,
    unsafe_fixable: usize,
    paths_not_read: usize,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    severity: Severity,
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    help: Option<&'a str>,
    fix: Option<JsonFix<'a>>,
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: Applicability,
    description: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

/// Another place of the same file the finding speaks of (where a variable
/// was set, the handler, the task that restarts).
#[derive(Serialize)]
struct JsonRelated<'a> {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    content: &'a str,
}

fn span_range(source: &SourceFile, span: Span) -> (usize, usize, usize, usize) {
    let start = source.position(span.start);
    let end = source.position(span.end);
    (start.line, start.column, end.line, end.column)
}

/// The diagnostics `range` of the file as pretty-printed array items (indented for their place
/// in the report), separated by `,\n`; empty when there are none.
pub fn render_range(report: &FileReport, range: std::ops::Range<usize>) -> String {
    let path = display_path(report);
    let count = range.len();
    // One buffer for the file's items: 900,000 findings must not be held as
    // several copies (items, joined, indented).
    let mut out = String::new();
    let mut pretty = Vec::new();
    for (i, d) in report.diagnostics[range].iter().enumerate() {
        let (line, column, end_line, end_column) = span_range(&report.source, d.span);
        let item = JsonDiagnostic {
            rule: d.rule,
            severity: d.severity,
            path: path.clone(),
            line,
            column,
            end_line,
            end_column,
            message: &d.message,
            help: d.help.as_deref(),
            fix: d.fix.as_ref().map(|f| JsonFix {
                applicability: f.applicability,
                description: &f.description,
                edits: f
                    .edits
                    .iter()
                    .map(|e| {
                        let (line, column, end_line, end_column) = span_range(&report.source, e.span);
                        JsonEdit {
                            line,
                            column,
                            end_line,
                            end_column,
                            content: &e.content,
                        }
                    })
                    .collect(),
            }),
            related: d
                .labels
                .iter()
                .map(|l| {
                    let (line, column, end_line, end_column) = span_range(&report.source, l.span);
                    JsonRelated {
                        line,
                        column,
                        end_line,
                        end_column,
                        message: &l.message,
                    }
                })
                .collect(),
        };
        pretty.clear();
        // Serialising plain data to memory cannot fail.
        let _ = serde_json::to_writer_pretty(&mut pretty, &item);
        if !out.is_empty() {
            out.push_str(",\n");
        }
        out.push_str("    ");
        for (i, line) in String::from_utf8_lossy(&pretty).split('\n').enumerate() {
            if i > 0 {
                out.push_str("\n    ");
            }
            out.push_str(line);
        }
        if i == 0 {
            // Items are alike: size the buffer once from the first (doubling
            // would hold up to twice the report while it grows).
            out.reserve(out.len().saturating_mul(count.saturating_sub(1)) * 9 / 8);
        }
    }
    out
}

pub fn finish(pieces: &[String], summary: &Summary) -> String {
    let total: usize = pieces.iter().map(|p| p.len() + 2).sum();
    let mut out = Vec::with_capacity(total + 256);
    finish_to(pieces, summary, &mut out).expect("writing to memory");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// [`finish`], written piece by piece.
pub fn finish_to(pieces: &[String], summary: &Summary, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    finish_items_to(pieces.iter().map(|p| p.as_str().into()), summary, out)
}

/// The report around `items` (rendered array items, empty ones skipped),
/// written as they come.
pub fn finish_items_to<'a>(
    items: impl Iterator<Item = std::borrow::Cow<'a, str>>,
    summary: &Summary,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    write!(out, "{{\n  \"version\": {FORMAT_VERSION},\n  \"diagnostics\": [")?;
    let mut first = true;
    for item in items {
        if item.is_empty() {
            continue;
        }
        out.write_all(if first { b"\n" } else { b",\n" })?;
        out.write_all(item.as_bytes())?;
        first = false;
    }
    out.write_all(if first { b"]" } else { b"\n  ]" })?;
    let summary = JsonSummary {
        files_checked: summary.files_checked,
        errors: summary.errors,
        warnings: summary.warnings,
        infos: summary.infos,
        fixable: summary.fixable,
        safe_fixable: summary.fixable - summary.unsafe_fixable,
        unsafe_fixable: summary.unsafe_fixable,
        paths_not_read: summary.path_errors,
    };
    let summary = serde_json::to_string_pretty(&summary)
        .unwrap_or_default()
        .replace('\n', "\n  ");
    write!(out, ",\n  \"summary\": {summary}\n}}\n")
}
