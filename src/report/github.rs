//! GitHub Actions workflow commands: one `::error file=…::message` line per
//! finding, which GitHub shows as annotations on the pull request.

use super::display_path;
use crate::diagnostic::Severity;
use crate::linter::FileReport;
use std::fmt::Write;

/// Escaping of a workflow command's message (GitHub's rules: `%`, `\r`, `\n`).
/// Control characters are made visible first ([`crate::escape::visible`]): an
/// ESC in a message must not reach the job log either.
pub fn data(text: &str) -> String {
    crate::escape::visible(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a workflow command's property value: as [`data`], and `:` and `,`.
pub fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The command of a finding of `severity`.
pub fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// The findings `range` of the file's diagnostics.
pub fn render_range(report: &FileReport, range: std::ops::Range<usize>) -> String {
    let mut out = String::new();
    let path = property(&display_path(report));
    for d in &report.diagnostics[range] {
        let start = report.source.position(d.span.start);
        let end = report.source.position(d.span.end);
        let _ = writeln!(
            out,
            "::{} file={path},line={},col={},endLine={},endColumn={},title={}::{}",
            command(d.severity),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escaping() {
        assert_eq!(data("50%\r\nnext"), "50%25\\r\\nnext");
        assert_eq!(data("a\x1b[31m"), "a\\x1b[31m");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
