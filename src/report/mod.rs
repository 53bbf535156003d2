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
    /// Of `fixable`, those whose fix is unsafe (applied with `--unsafe-fixes`).
    pub unsafe_fixable: usize,
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
            if let Some(fix) = &d.fix {
                s.fixable += 1;
                if fix.applicability == crate::diagnostic::Applicability::Unsafe {
                    s.unsafe_fixable += 1;
                }
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
            unsafe_fixable: self.unsafe_fixable + o.unsafe_fixable,
            path_errors: self.path_errors + o.path_errors,
        }
    }
}

/// An output format. Each file is rendered on its own (in parallel, right after it
/// is checked, so its text need not be kept), then the pieces are joined in path
/// order by `finish`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `show_fixes`: each fix's change is shown under its finding.
    Text { color: bool, quiet: bool, show_fixes: bool },
    /// One line per finding, then the summary line of `Text` (unless `quiet`).
    Concise { color: bool, quiet: bool },
    Json,
    Sarif,
    Github,
    Gitlab,
    Junit,
}

/// One file's share of the report: rendered where the file was checked, or,
/// for a file with very many findings in a format written as it goes, kept as
/// findings and rendered in bounded chunks while the report is written (a
/// 900,000-finding file is never held as one rendered string).
pub enum Piece {
    Rendered(String),
    Deferred(FileReport),
}

/// Files with more findings than this are [`Piece::Deferred`].
const DEFER_ABOVE: usize = 20_000;
/// Findings rendered per task when a deferred file is written.
const CHUNK: usize = 4_096;

impl Format {
    pub fn render_file(self, report: &FileReport) -> String {
        match self {
            Format::Sarif => sarif::render_file(report),
            Format::Gitlab => gitlab::render_file(report),
            Format::Junit => junit::render_file(report),
            _ => self.render_range(report, 0..report.diagnostics.len()),
        }
    }

    /// Whether the format's pieces are written one after the other (so a
    /// file's findings can be rendered in chunks).
    fn streams(self) -> bool {
        matches!(self, Format::Text { .. } | Format::Concise { .. } | Format::Json | Format::Github)
    }

    /// A range of one file's findings, in a format that [`Format::streams`].
    fn render_range(self, report: &FileReport, range: std::ops::Range<usize>) -> String {
        match self {
            Format::Text { color, show_fixes, .. } => text::render_range(report, range, color, show_fixes),
            Format::Concise { color, .. } => concise::render_range(report, range, color),
            Format::Json => json::render_range(report, range),
            Format::Github => github::render_range(report, range),
            Format::Sarif | Format::Gitlab | Format::Junit => {
                unreachable!("{self:?} is rendered whole")
            }
        }
    }

    /// The file's piece of the report.
    pub fn piece(self, report: FileReport) -> Piece {
        if self.streams() && report.diagnostics.len() > DEFER_ABOVE {
            Piece::Deferred(report)
        } else {
            Piece::Rendered(self.render_file(&report))
        }
    }

    /// The rendered chunks of a piece, in order: a deferred file's are
    /// rendered a few at a time, in parallel.
    fn chunks<'a>(self, piece: &'a Piece) -> Box<dyn Iterator<Item = std::borrow::Cow<'a, str>> + 'a> {
        use rayon::prelude::*;
        match piece {
            Piece::Rendered(text) => Box::new(std::iter::once(text.as_str().into())),
            Piece::Deferred(report) => {
                let n = report.diagnostics.len();
                let batch = CHUNK * rayon::current_num_threads().max(1) * 2;
                Box::new((0..n).step_by(batch).flat_map(move |start| {
                    let ranges: Vec<_> = (start..(start + batch).min(n))
                        .step_by(CHUNK)
                        .map(|s| s..(s + CHUNK).min(n))
                        .collect();
                    let rendered: Vec<String> = ranges
                        .into_par_iter()
                        .map(|r| self.render_range(report, r))
                        .collect();
                    rendered.into_iter().map(std::borrow::Cow::Owned)
                }))
            }
        }
    }

    pub fn finish(self, pieces: &[String], summary: &Summary) -> String {
        match self {
            Format::Text { quiet, .. } => text::finish(pieces, summary, quiet),
            Format::Concise { quiet, .. } => text::finish(pieces, summary, quiet),
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
        pieces: &[Piece],
        summary: &Summary,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        match self {
            Format::Concise { .. } | Format::Github | Format::Text { .. } => {
                for piece in pieces {
                    for chunk in self.chunks(piece) {
                        out.write_all(chunk.as_bytes())?;
                    }
                }
                match self {
                    Format::Text { quiet: false, .. } | Format::Concise { quiet: false, .. } => {
                        out.write_all(text::summary_line(summary).as_bytes())
                    }
                    _ => Ok(()),
                }
            }
            Format::Json => json::finish_items_to(pieces.iter().flat_map(|p| self.chunks(p)), summary, out),
            Format::Sarif | Format::Gitlab | Format::Junit => {
                let rendered: Vec<String> = pieces
                    .iter()
                    .map(|p| match p {
                        Piece::Rendered(text) => text.clone(),
                        Piece::Deferred(report) => self.render_file(report),
                    })
                    .collect();
                out.write_all(self.finish(&rendered, summary).as_bytes())
            }
        }
    }

    /// Renders whole reports at once (tests, small runs).
    pub fn render(self, reports: &[FileReport]) -> String {
        let pieces: Vec<String> = reports.iter().map(|r| self.render_file(r)).collect();
        self.finish(&pieces, &Summary::of(reports))
    }
}

/// `path` as shown to users, with `/` separators on every platform.
/// The documentation page of `rule`, when a docs base URL is known
/// (`OPSLINT_DOCS_URL`, else the package's repository).
pub fn docs_url(rule: &str) -> Option<String> {
    sarif::help_uri(rule)
}

pub fn display_path(report: &FileReport) -> String {
    report.path.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Diagnostic, Edit, Fix};
    use crate::source::{SourceFile, Span};

    /// A file with more findings than [`DEFER_ABOVE`], some with help and a
    /// fix, on many lines.
    fn big_report() -> FileReport {
        let n = DEFER_ABOVE + CHUNK + 7;
        let text: String = (0..n).map(|i| format!("kubectl get pods # {i}\n")).collect();
        let source = SourceFile::new("big.sh", text);
        let diagnostics = (0..n)
            .map(|i| {
                let start = source.lines.line_start(i);
                let mut d = Diagnostic::new("kubectl-request-timeout", Severity::Error, Span::new(start, start + 16), format!("call {i}"));
                if i % 3 == 0 {
                    d = d.with_help(format!("help {}", i % 2));
                }
                if i % 5 == 0 {
                    d = d.with_fix(Fix {
                        applicability: crate::diagnostic::Applicability::Safe,
                        description: "add it".into(),
                        edits: vec![Edit::insertion(start + 16, " --request-timeout=10s")],
                    });
                }
                d
            })
            .collect();
        FileReport { path: "big.sh".into(), source, diagnostics, language: None }
    }

    #[test]
    fn a_deferred_file_is_written_as_if_rendered_whole() {
        let small_report = || FileReport {
            path: "small.sh".into(),
            source: SourceFile::new("small.sh", "kubectl get x\n".into()),
            diagnostics: vec![Diagnostic::new("kubectl-request-timeout", Severity::Warning, Span::new(0, 7), "small")],
            language: None,
        };
        let (report, small) = (big_report(), small_report());
        let summary = Summary::of(std::slice::from_ref(&report)).merge(Summary::of_file(&small));
        for format in [
            Format::Text { color: false, quiet: false, show_fixes: false },
            Format::Text { color: true, quiet: true, show_fixes: true },
            Format::Concise { color: false, quiet: false },
            Format::Concise { color: true, quiet: true },
            Format::Json,
            Format::Github,
        ] {
            let whole = vec![Piece::Rendered(format.render_file(&small)), Piece::Rendered(format.render_file(&report))];
            let mut expected = Vec::new();
            format.finish_to(&whole, &summary, &mut expected).unwrap();
            let deferred = vec![format.piece(small_report()), format.piece(big_report())];
            assert!(matches!(deferred[0], Piece::Rendered(_)), "{format:?}");
            assert!(matches!(deferred[1], Piece::Deferred(_)), "{format:?}");
            let mut got = Vec::new();
            format.finish_to(&deferred, &summary, &mut got).unwrap();
            assert!(got == expected, "{format:?}: the chunked report differs");
        }
    }
}
