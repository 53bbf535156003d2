//! JUnit XML: one test case per finding (failed for errors and warnings), and
//! one passing test case per file checked without findings.

use super::{Summary, display_path};
use crate::diagnostic::Severity;
use crate::linter::FileReport;
use std::fmt::Write;

/// `text` as XML character data or attribute value. Control characters are
/// made visible first ([`crate::escape::visible`]): XML 1.0 cannot carry most
/// of them even as character references, and a newline in an attribute would
/// be read back as a space. U+FFFE and U+FFFF, not XML characters either, are
/// replaced by U+FFFD.
fn xml(text: &str) -> String {
    let text = crate::escape::visible(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

pub fn render_file(report: &FileReport) -> String {
    let path = xml(&display_path(report));
    let mut out = String::new();
    if report.diagnostics.is_empty() {
        let _ = writeln!(out, "    <testcase classname=\"{path}\" name=\"opslint\"/>");
    }
    for d in &report.diagnostics {
        let pos = report.source.position(d.span.start);
        let name = xml(&format!("{}:{}: {}", pos.line, pos.column, d.rule));
        let message = xml(&d.message);
        match d.severity {
            Severity::Info => {
                let _ = writeln!(
                    out,
                    "    <testcase classname=\"{path}\" name=\"{name}\"><system-out>{message}</system-out></testcase>"
                );
            }
            severity => {
                let _ = writeln!(
                    out,
                    "    <testcase classname=\"{path}\" name=\"{name}\"><failure type=\"{severity}\" message=\"{message}\">{path}:{}:{}: {severity}[{}] {message}</failure></testcase>",
                    pos.line,
                    pos.column,
                    d.rule
                );
            }
        }
    }
    out
}

pub fn finish(pieces: &[String], summary: &Summary) -> String {
    let cases: usize = pieces.iter().map(|p| p.lines().count()).sum();
    let failures = summary.errors + summary.warnings;
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"opslint\" tests=\"{cases}\" failures=\"{failures}\">\n  <testsuite name=\"opslint\" tests=\"{cases}\" failures=\"{failures}\">\n{}  </testsuite>\n</testsuites>\n",
        pieces.concat()
    )
}
