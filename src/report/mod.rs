//! Reporters: each turns the run's diagnostics into one output format.

pub mod concise;
pub mod fingerprint;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod sarif;
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
    /// Paths given or found that could not be read at all (reported on stderr).
    pub path_errors: usize,
}

impl Summary {
    pub fn of(reports: &[FileReport]) -> Summary {
        reports
            .iter()
            .map(Summary::of_file)
            .fold(Summary::default(), Summary::merge)
    }

    pub fn of_file(report: &FileReport) -> Summary {
        let mut s = Summary {
            files_checked: 1,
            ..Summary::default()
        };
        for d in &report.diagnostics {
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

    pub fn merge(self, o: Summary) -> Summary {
        Summary {
            files_checked: self.files_checked + o.files_checked,
            errors: self.errors + o.errors,
            warnings: self.warnings + o.warnings,
            infos: self.infos + o.infos,
            fixable: self.fixable + o.fixable,
            path_errors: self.path_errors + o.path_errors,
        }
    }
}

/// An output format. Each file is rendered on its own (in parallel, right after it
/// is checked, so its text need not be kept), then the pieces are joined in path
/// order by `finish`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text { color: bool, quiet: bool },
    Concise,
    Json,
    Sarif,
    Github,
    Gitlab,
    Junit,
}

impl Format {
    pub fn render_file(self, report: &FileReport) -> String {
        match self {
            Format::Text { color, .. } => text::render_file(report, color),
            Format::Concise => concise::render_file(report),
            Format::Json => json::render_file(report),
            Format::Sarif => sarif::render_file(report),
            Format::Github => github::render_file(report),
            Format::Gitlab => gitlab::render_file(report),
            Format::Junit => junit::render_file(report),
        }
    }

    pub fn finish(self, pieces: &[String], summary: &Summary) -> String {
        match self {
            Format::Text { quiet, .. } => text::finish(pieces, summary, quiet),
            Format::Concise => pieces.concat(),
            Format::Json => json::finish(pieces, summary),
            Format::Sarif => sarif::finish(pieces),
            Format::Github => pieces.concat(),
            Format::Gitlab => gitlab::finish(pieces),
            Format::Junit => junit::finish(pieces, summary),
        }
    }

    /// Writes what [`Format::finish`] returns, without building it in memory
    /// where the format allows.
    pub fn finish_to(
        self,
        pieces: &[String],
        summary: &Summary,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        match self {
            Format::Concise | Format::Github => {
                for piece in pieces {
                    out.write_all(piece.as_bytes())?;
                }
                Ok(())
            }
            Format::Text { quiet, .. } => {
                for piece in pieces {
                    out.write_all(piece.as_bytes())?;
                }
                if !quiet {
                    out.write_all(text::summary_line(summary).as_bytes())?;
                }
                Ok(())
            }
            Format::Json => json::finish_to(pieces, summary, out),
            _ => out.write_all(self.finish(pieces, summary).as_bytes()),
        }
    }

    /// Renders whole reports at once (tests, small runs).
    pub fn render(self, reports: &[FileReport]) -> String {
        let pieces: Vec<String> = reports.iter().map(|r| self.render_file(r)).collect();
        self.finish(&pieces, &Summary::of(reports))
    }
}

/// `path` as shown to users, with `/` separators on every platform.
pub fn display_path(report: &FileReport) -> String {
    report.path.to_string_lossy().replace('\\', "/")
}
