//! Reporters: each turns the run's diagnostics into one output format.

pub mod concise;
pub mod json;
pub mod text;

use crate::diagnostic::Severity;
use crate::linter::FileReport;

/// Counts for the closing summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub files_checked: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub fixable: usize,
}

impl Summary {
    pub fn of(reports: &[FileReport]) -> Summary {
        let mut s = Summary {
            files_checked: reports.len(),
            ..Summary::default()
        };
        for d in reports.iter().flat_map(|r| &r.diagnostics) {
            match d.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
            if d.fix.is_some() {
                s.fixable += 1;
            }
        }
        s
    }
}

/// `path` as shown to users, with `/` separators on every platform.
pub fn display_path(report: &FileReport) -> String {
    report.path.to_string_lossy().replace('\\', "/")
}
