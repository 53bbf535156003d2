//! One line per finding: `path:line:col: severity[rule] message`.

use super::display_path;
use crate::linter::FileReport;
use std::fmt::Write;

/// The findings `range` of the file's diagnostics.
pub fn render_range(report: &FileReport, range: std::ops::Range<usize>) -> String {
    let mut out = String::new();
    let path = crate::escape::visible(&display_path(report)).into_owned();
    for d in &report.diagnostics[range] {
        let pos = report.source.position(d.span.start);
        // `[*]` marks a finding `--fix` (or `--unsafe-fixes`) can fix.
        let mark = match d.fix.as_ref().map(|f| f.applicability) {
            Some(crate::diagnostic::Applicability::Safe) => " [*]",
            Some(crate::diagnostic::Applicability::Unsafe) => " [unsafe fix]",
            None => "",
        };
        let _ = writeln!(
            out,
            "{path}:{}:{}: {}[{}]{mark} {}",
            pos.line,
            pos.column,
            d.severity,
            d.rule,
            crate::escape::visible(&d.message)
        );
    }
    out
}
