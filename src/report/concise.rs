//! One line per finding: `path:line:col: severity[rule] message`.

use super::display_path;
use crate::linter::FileReport;
use std::fmt::Write;

pub fn render_file(report: &FileReport) -> String {
    let mut out = String::new();
    let path = display_path(report);
    for d in &report.diagnostics {
        let pos = report.source.position(d.span.start);
        let _ = writeln!(
            out,
            "{path}:{}:{}: {}[{}] {}",
            pos.line, pos.column, d.severity, d.rule, d.message
        );
    }
    out
}
