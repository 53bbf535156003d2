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
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: Applicability,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    content: &'a str,
}

fn range(source: &SourceFile, span: Span) -> (usize, usize, usize, usize) {
    let start = source.position(span.start);
    let end = source.position(span.end);
    (start.line, start.column, end.line, end.column)
}

/// The file's diagnostics as pretty-printed array items (indented for their place
/// in the report), separated by `,\n`; empty when there are none.
pub fn render_file(report: &FileReport) -> String {
    let path = display_path(report);
    let mut items = Vec::with_capacity(report.diagnostics.len());
    for d in &report.diagnostics {
        let (line, column, end_line, end_column) = range(&report.source, d.span);
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
                edits: f
                    .edits
                    .iter()
                    .map(|e| {
                        let (line, column, end_line, end_column) = range(&report.source, e.span);
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
        };
        // Serialising plain data cannot fail.
        let pretty = serde_json::to_string_pretty(&item).unwrap_or_default();
        items.push(format!("    {}", pretty.replace('\n', "\n    ")));
    }
    items.join(",\n")
}

pub fn finish(pieces: &[String], summary: &Summary) -> String {
    let items: Vec<&str> = pieces
        .iter()
        .map(String::as_str)
        .filter(|p| !p.is_empty())
        .collect();
    let diagnostics = if items.is_empty() {
        "[]".to_string()
    } else {
        format!("[\n{}\n  ]", items.join(",\n"))
    };
    let summary = JsonSummary {
        files_checked: summary.files_checked,
        errors: summary.errors,
        warnings: summary.warnings,
    };
    let summary = serde_json::to_string_pretty(&summary)
        .unwrap_or_default()
        .replace('\n', "\n  ");
    format!(
        "{{\n  \"version\": {FORMAT_VERSION},\n  \"diagnostics\": {diagnostics},\n  \"summary\": {summary}\n}}\n"
    )
}
