//! One line per finding: `path:line:col: severity[rule] message`.

use super::display_path;
use crate::linter::FileReport;
use std::fmt::Write;

/// The findings `range` of the file's diagnostics.
pub fn render_range(report: &FileReport, range: std::ops::Range<usize>) -> String {
    let mut out = String::new();
    let path = display_path(report);
    for d in &report.diagnostics[range] {
        let pos = report.source.position(d.span.start);
        let _ = writeln!(
            out,
            "{path}:{}:{}: {}[{}] {}",
            pos.line, pos.column, d.severity, d.rule, d.message
        );
    }
    out
}
