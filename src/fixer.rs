//! `check --fix` / `--unsafe-fixes` / `--diff`: applies the findings' fixes to
//! the files they were found in, with the engine of [`crate::fix`].
//!
//! Fixing is repeated on the fixed text (a fix skipped because it overlapped
//! another may apply once the other is in) until nothing changes, at most
//! [`MAX_PASSES`] times; the report that comes back holds what remains. A file
//! is written only when its bytes on disk are still the text that was checked,
//! through a temporary file in the same directory renamed over it (atomic), with
//! the original permissions; CRLF files get CRLF in inserted lines.

use crate::diagnostic::{Applicability, Diagnostic};
use crate::linter::{FileReport, Linter};
use crate::source::SourceFile;
use std::path::Path;

pub const MAX_PASSES: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write the fixed files.
    Write,
    /// Print a unified diff, write nothing.
    Diff,
}

/// What fixing one file did.
pub struct Outcome {
    /// The findings that remain (after fixing; all of them in `Diff` mode).
    pub report: FileReport,
    /// Fixes applied (or, with `Diff`, that would be).
    pub applied: usize,
    /// The rule of each fix applied, in the order applied.
    pub rules: Vec<&'static str>,
    /// The unified diff (`Diff` mode, when something would change).
    pub diff: Option<String>,
    /// Why the file could not be written.
    pub error: Option<String>,
}

fn wanted(d: &Diagnostic, unsafe_ok: bool) -> bool {
    d.fix
        .as_ref()
        .is_some_and(|f| unsafe_ok || f.applicability == Applicability::Safe)
}

/// Inserted `\n` become `\r\n` in a file whose lines end in `\r\n`.
fn with_line_endings(fix: &crate::diagnostic::Fix, crlf: bool) -> crate::diagnostic::Fix {
    let mut fix = fix.clone();
    if crlf {
        for e in &mut fix.edits {
            e.content = e.content.replace("\r\n", "\n").replace('\n', "\r\n");
        }
    }
    fix
}

pub fn fix_file(linter: &Linter, report: FileReport, unsafe_ok: bool, mode: Mode) -> Outcome {
    let unchanged = |report| Outcome {
        report,
        applied: 0,
        rules: Vec::new(),
        diff: None,
        error: None,
    };
    let Some(language) = report.language else {
        return unchanged(report);
    };
    if !report.diagnostics.iter().any(|d| wanted(d, unsafe_ok)) {
        return unchanged(report);
    }
    if report.source.invalid_utf8.is_some() {
        // Its text is not its bytes: writing it would replace them.
        return unchanged(report);
    }
    let original = report.source.text.clone();
    let crlf = original.contains("\r\n");
    let mut text = original.clone();
    let mut diagnostics = report.diagnostics.clone();
    let mut applied = 0;
    let mut rules = Vec::new();
    for _ in 0..MAX_PASSES {
        let (fixes, fix_rules): (Vec<crate::diagnostic::Fix>, Vec<&'static str>) = diagnostics
            .iter()
            .filter(|d| wanted(d, unsafe_ok))
            .filter_map(|d| d.fix.as_ref().map(|f| (with_line_endings(f, crlf), d.rule)))
            .unzip();
        if fixes.is_empty() {
            break;
        }
        let result = crate::fix::apply(&text, &fixes, unsafe_ok);
        if result.accepted.is_empty() || result.text == text {
            break;
        }
        applied += result.applied();
        rules.extend(result.accepted.iter().map(|&i| fix_rules[i]));
        text = result.text;
        let source = SourceFile::new(&report.path, text.clone());
        diagnostics = linter.lint_source(&source, language);
    }
    if text == original {
        return unchanged(report);
    }
    match mode {
        Mode::Diff => {
            let shown = report.path.to_string_lossy().replace('\\', "/");
            let diff = similar::TextDiff::from_lines(&original, &text)
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{shown}"), &format!("b/{shown}"))
                .to_string();
            Outcome {
                report,
                applied,
                rules,
                diff: Some(diff),
                error: None,
            }
        }
        Mode::Write => {
            if let Err(e) = write_atomic(linter.root(), &report.path, original.as_bytes(), text.as_bytes()) {
                return Outcome {
                    report,
                    applied: 0,
                    rules: Vec::new(),
                    diff: None,
                    error: Some(e),
                };
            }
            let source = SourceFile::new(&report.path, text);
            Outcome {
                report: FileReport {
                    path: report.path,
                    source,
                    diagnostics,
                    language: report.language,
                },
                applied,
                rules,
                diff: None,
                error: None,
            }
        }
    }
}

/// Replaces `path`'s content `expected` by `new`: refuses when the file changed
/// since it was read; written through [`crate::fswrite`], which never writes
/// through a link or out of the project's root.
fn write_atomic(root: &Path, path: &Path, expected: &[u8], new: &[u8]) -> Result<(), String> {
    let current = crate::fsread::read_in_tree(root, path, true, crate::fsread::MAX_FILE_SIZE)
        .map_err(|e| format!("cannot re-read: {e}"))?;
    if current != expected {
        return Err("the file changed while it was checked; not fixed".into());
    }
    let dest = crate::fswrite::Dest { root, path, explicit: true };
    crate::fswrite::write_bytes(dest, new).map_err(|e| format!("not written: {e}"))
}
