//! One line per finding: `path:line:col: severity[rule] message`.

use super::display_path;
use crate::linter::FileReport;
use std::fmt::Write;

/// The findings `range` of the file's diagnostics.
/// `color`: the path in bold, the severity in its colour (red, yellow, cyan),
/// the rule dimmed, the fix mark in cyan, as `text` paints them.
pub fn render_range(report: &FileReport, range: std::ops::Range<usize>, color: bool) -> String {
    let paint = |code: &str, text: &str| if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() };
    let mut out = String::new();
    let path = paint("1", &crate::escape::visible(&display_path(report)));
    for d in &report.diagnostics[range] {
        let pos = report.source.position(d.span.start);
        // `[*]` marks a finding `--fix` (or `--unsafe-fixes`) can fix.
        let mark = match d.fix.as_ref().map(|f| f.applicability) {
            Some(crate::diagnostic::Applicability::Safe) => format!(" {}", paint("36", "[*]")),
            Some(crate::diagnostic::Applicability::Unsafe) => format!(" {}", paint("36", "[unsafe fix]")),
            None => String::new(),
        };
        let severity = paint(
            match d.severity {
                crate::diagnostic::Severity::Error => "1;31",
                crate::diagnostic::Severity::Warning => "1;33",
                crate::diagnostic::Severity::Info => "1;36",
            },
            d.severity.as_str(),
        );
        let rule = paint("2", &format!("[{}]", d.rule));
        let _ = writeln!(
            out,
            "{path}:{}:{}: {severity}{rule}{mark} {}",
            pos.line,
            pos.column,
            crate::escape::visible(&d.message)
        );
    }
    out
}
