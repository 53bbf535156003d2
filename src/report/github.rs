//! GitHub Actions workflow commands: one `::error file=…::message` line per
//! finding, which GitHub shows as annotations on the pull request.

use super::display_path;
use crate::diagnostic::Severity;
use crate::linter::FileReport;
use std::fmt::Write;

/// Escaping of a workflow command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escaping of a workflow command's property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The findings `range` of the file's diagnostics.
pub fn render_range(report: &FileReport, range: std::ops::Range<usize>) -> String {
    let mut out = String::new();
    let path = property(&display_path(report));
    for d in &report.diagnostics[range] {
        let start = report.source.position(d.span.start);
        let end = report.source.position(d.span.end);
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let _ = writeln!(
            out,
            "::{command} file={path},line={},col={},endLine={},endColumn={},title={}::{}",
            start.line,
            start.column,
            end.line,
            end.column,
            property(&format!("opslint ({})", d.rule)),
            data(&d.message)
        );
    }
    out
}
