//! The JSON report: a stable contract documented in `docs/json-format.md`.

use super::{Summary, display_path};
use crate::diagnostic::{Applicability, Severity};
use crate::linter::FileReport;
use crate::source::{SourceFile, Span};
use serde::Serialize;

pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: JsonSummary,
}

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

pub fn render(reports: &[FileReport]) -> String {
    let summary = Summary::of(reports);
    let mut diagnostics = Vec::new();
    for report in reports {
        let path = display_path(report);
        for d in &report.diagnostics {
            let (line, column, end_line, end_column) = range(&report.source, d.span);
            diagnostics.push(JsonDiagnostic {
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
            });
        }
    }
    let report = Report {
        version: FORMAT_VERSION,
        diagnostics,
        summary: JsonSummary {
            files_checked: summary.files_checked,
            errors: summary.errors,
            warnings: summary.warnings,
        },
    };
    let mut out = serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}
