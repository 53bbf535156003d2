//! The default, human report: source snippets with labels, rendered by miette.

use super::{Summary, display_path};
use crate::diagnostic::{Diagnostic, Severity};
use crate::linter::FileReport;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};
use std::fmt;

/// A diagnostic as miette wants it, borrowing the file's text.
struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    /// `None`: no source (used to render a help footer alone).
    source: Option<NamedText<'a>>,
    /// Whether miette renders the help footer (else the caller appends it).
    with_help: bool,
}

struct NamedText<'a> {
    name: String,
    /// The text as shown (see [`Shown`]).
    text: &'a str,
    lines: &'a crate::source::LineIndex,
    /// Where the shown text differs from the file's (see [`Shown::offset`]).
    shifts: &'a [Shift],
    /// The length of the file's text.
    original_len: usize,
}

impl NamedText<'_> {
    /// A span of the file's text as a span of the shown text.
    fn span(&self, s: crate::source::Span) -> SourceSpan {
        let start = s.start.min(self.original_len);
        let end = s.end.min(self.original_len).max(start);
        let (start, end) = (shifted(self.shifts, start), shifted(self.shifts, end));
        SourceSpan::new(start.into(), end - start)
    }
}

/// The file's text as snippets show it: control characters other than line
/// ends and tabs escaped (an ESC in a source line must not reach the terminal),
/// with the offsets of the file's text mapped onto it so that labels stay
/// under the characters they point at. Escaping neither adds nor removes a
/// line, so line numbers are the file's.
struct Shown<'a> {
    text: std::borrow::Cow<'a, str>,
    lines: std::borrow::Cow<'a, crate::source::LineIndex>,
    shifts: Vec<Shift>,
}

/// An escaped character of [`Shown`].
#[derive(Debug, Clone, Copy)]
struct Shift {
    /// Its offset in the file's text.
    at: usize,
    /// Where its escape starts in the shown text.
    shown_at: usize,
    /// The bytes the escapes add, up to and including this one.
    added: usize,
}

impl<'a> Shown<'a> {
    fn of(source: &'a crate::source::SourceFile) -> Shown<'a> {
        use std::borrow::Cow;
        let text = source.text.as_str();
        if !crate::escape::needs_escape_in_source(text) {
            return Shown { text: Cow::Borrowed(text), lines: Cow::Borrowed(&source.lines), shifts: Vec::new() };
        }
        let mut out = String::with_capacity(text.len() + 64);
        let mut shifts = Vec::new();
        let mut added = 0;
        for (i, c) in text.char_indices() {
            if crate::escape::is_escaped(c) && crate::escape::escapes_in_source(text, i) {
                let shown_at = out.len();
                crate::escape::push_escape(&mut out, c);
                added += out.len() - shown_at - c.len_utf8();
                shifts.push(Shift { at: i, shown_at, added });
            } else {
                out.push(c);
            }
        }
        let lines = crate::source::LineIndex::new(&out);
        Shown { text: Cow::Owned(out), lines: Cow::Owned(lines), shifts }
    }
}

/// `offset` of the file's text in the shown text: moved by what the escapes
/// before it add (an offset at an escaped character is the start of its escape).
fn shifted(shifts: &[Shift], offset: usize) -> usize {
    match shifts.partition_point(|s| s.at < offset) {
        0 => offset,
        i => offset + shifts[i - 1].added,
    }
}

/// The offset of the file's text shown at `shown` (the escaped character's
/// own offset for a place inside its escape).
fn unshifted(shifts: &[Shift], shown: usize) -> usize {
    match shifts.partition_point(|s| s.shown_at < shown) {
        0 => shown,
        i => (shown - shifts[i - 1].added.min(shown)).max(shifts[i - 1].at),
    }
}

impl SourceCode for NamedText<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, miette::MietteError> {
        // miette's reader for `&str` counts lines from the start of the text for
        // every span: 900,000 findings in one file took minutes. Hand it only the
        // lines around the span (found with the file's line index), then put the
        // offsets and line numbers back.
        let start = span.offset().min(self.text.len());
        let end = (start + span.len()).min(self.text.len());
        let first_line = self.lines.line_of(start).saturating_sub(context_lines_before);
        let last_line = (self.lines.line_of(end) + context_lines_after).min(self.lines.line_count() - 1);
        let region_start = self.lines.line_start(first_line);
        let region_end = self.lines.line_span(self.text, last_line).end.max(end);
        let region = &self.text[region_start..region_end];
        let local = SourceSpan::new((start - region_start).into(), end - start);
        let inner = region.read_span(&local, context_lines_before, context_lines_after)?;
        // The column miette shows in the header (bytes from the line's start,
        // read without context): the file's, not the shown text's.
        let column = if context_lines_before == 0 && !self.shifts.is_empty() {
            let line_start = self.lines.line_start(self.lines.line_of(start));
            unshifted(self.shifts, start) - unshifted(self.shifts, line_start)
        } else {
            inner.column()
        };
        let shifted = SourceSpan::new(
            (inner.span().offset() + region_start).into(),
            inner.span().len(),
        );
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            shifted,
            inner.line() + first_line,
            column,
            inner.line_count(),
        )))
    }
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::escape::visible(&self.diagnostic.message))
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::escape::visible(&self.diagnostic.message))
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{}[{}]",
            self.diagnostic.severity, self.diagnostic.rule
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        if !self.with_help {
            return None;
        }
        help_text(self.diagnostic).map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let d = self.diagnostic;
        let source = self.source.as_ref()?;
        let primary = LabeledSpan::new_primary_with_span(None, source.span(d.span));
        let others = d.labels.iter().map(move |l| {
            LabeledSpan::new_with_span(Some(crate::escape::visible(&l.message).into_owned()), source.span(l.span))
        });
        Some(Box::new(std::iter::once(primary).chain(others)))
    }
}

/// The help footer's text: the rule's help, then the fix (both escaped: they
/// may quote the file).
fn help_text(d: &Diagnostic) -> Option<String> {
    use crate::escape::visible;
    let fix = d
        .fix
        .as_ref()
        .map(|f| format!("fix ({}): {}", applicability(f), visible(&f.description)));
    // The help's own lines are kept (an example task); what it quotes is escaped.
    match (d.help.as_deref().map(crate::escape::visible_lines), fix) {
        (Some(h), Some(f)) => Some(format!("{h}\n{f}")),
        (Some(h), None) => Some(h.to_string()),
        (None, Some(f)) => Some(f),
        (None, None) => None,
    }
}

/// The help footer miette renders for `d`, alone: what rendering `d` without
/// a source adds when the help is shown. Wrapping the help is most of the
/// cost of a finding, and the findings of a rule mostly share one help, so
/// the footer is rendered once per distinct help. `None` if miette's output
/// does not end with the footer (then `d` is rendered whole).
fn footer(handler: &GraphicalReportHandler, d: &Diagnostic) -> Option<String> {
    let render = |with_help| {
        let mut out = String::new();
        let bare = Rendered { diagnostic: d, source: None, with_help };
        handler.render_report(&mut out, &bare).ok().map(|_| out)
    };
    let (without, with) = (render(false)?, render(true)?);
    with.strip_prefix(&without).map(str::to_string)
}

fn applicability(fix: &crate::diagnostic::Fix) -> &'static str {
    match fix.applicability {
        crate::diagnostic::Applicability::Safe => "safe",
        crate::diagnostic::Applicability::Unsafe => "unsafe",
    }
}

/// How wide text output is: the terminal's width when standard output is one
/// (at least 60 columns), else 100 (files, pipes, CI logs).
fn width() -> usize {
    static WIDTH: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *WIDTH.get_or_init(|| terminal_columns().map_or(100, |c| c.max(60)))
}

#[cfg(unix)]
fn terminal_columns() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    // SAFETY: TIOCGWINSZ fills a `winsize` for a terminal file descriptor; the
    // struct is zeroed first and only read when the call succeeds.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(size.ws_col as usize)
}

#[cfg(not(unix))]
fn terminal_columns() -> Option<usize> {
    None
}

/// The findings `range` of the file's diagnostics, each followed by a blank line.
pub fn render_range(report: &FileReport, range: std::ops::Range<usize>, color: bool, show_fixes: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width())
        .with_links(false);
    let mut out = String::new();
    let name = crate::escape::visible(&display_path(report)).into_owned();
    let shown = Shown::of(&report.source);
    let count = range.len();
    // Footers by help text (see `footer`).
    let mut footers: std::collections::HashMap<String, Option<String>> = Default::default();
    for (i, d) in report.diagnostics[range].iter().enumerate() {
        let footer = help_text(d).and_then(|help| {
            footers
                .entry(help)
                .or_insert_with(|| footer(&handler, d))
                .clone()
        });
        let rendered = Rendered {
            diagnostic: d,
            source: Some(NamedText {
                name: name.clone(),
                text: &shown.text,
                lines: &shown.lines,
                shifts: &shown.shifts,
                original_len: report.source.text.len(),
            }),
            with_help: footer.is_none(),
        };
        let start = out.len();
        if handler.render_report(&mut out, &rendered).is_ok() {
            out.push_str(footer.as_deref().unwrap_or(""));
            if show_fixes && let Some(fix) = &d.fix {
                out.push_str(&fix_preview(&report.source, fix, color));
            }
        } else {
            out.truncate(start);
            let pos = report.source.position(d.span.start);
            out.push_str(&format!(
                "{name}:{}:{}: {}[{}] {}\n",
                pos.line,
                pos.column,
                d.severity,
                d.rule,
                crate::escape::visible(&d.message)
            ));
        }
        out.push('\n');
        if i == 0 {
            // Sized once from the first finding, as the JSON report does:
            // doubling would hold up to twice the report while it grows.
            out.reserve(out.len().saturating_mul(count.saturating_sub(1)) * 9 / 8);
        }
    }
    out
}

/// Lines of a fix preview shown at most, before and after each.
const PREVIEW_LINES: usize = 12;

/// What a fix changes (`--show-fixes`): the whole lines its edits touch,
/// before (`-`) and after (`+`), with their line numbers. Empty when the
/// fix's edits do not fit the text.
fn fix_preview(source: &crate::source::SourceFile, fix: &crate::diagnostic::Fix, color: bool) -> String {
    let text = source.text.as_str();
    // The fix as `--fix` applies it (refused whole when it does not fit).
    let applied = crate::fix::apply(text, [fix], true);
    let (Some(first), Some(last)) = (
        fix.edits.iter().map(|e| e.span.start).min(),
        fix.edits.iter().map(|e| e.span.end).max(),
    ) else {
        return String::new();
    };
    if applied.applied() == 0 {
        return String::new();
    }
    let start = text[..first].rfind('\n').map_or(0, |i| i + 1);
    let end = text[last..].find('\n').map_or(text.len(), |i| last + i);
    let before = &text[start..end];
    // Every edit lies in `start..end`: what follows it is unchanged.
    let after = &applied.text[start..applied.text.len() - (text.len() - end)];
    let line = source.position(start).line;
    let (red, green, reset) = if color { ("\x1b[31m", "\x1b[32m", "\x1b[0m") } else { ("", "", "") };
    let mut out = String::new();
    // Under the help footer's text, numbered like the snippet.
    let last_line = line + before.matches('\n').count().max(after.matches('\n').count());
    let width = last_line.to_string().len();
    let mut side = |body: &str, sign: char, paint: &str| {
        let lines: Vec<&str> = body.split('\n').collect();
        for (i, l) in lines.iter().take(PREVIEW_LINES).enumerate() {
            out.push_str(&format!("        {paint}{:>width$} {sign} {}{reset}\n", line + i, crate::escape::visible_source(l.trim_end_matches('\r'))));
        }
        if lines.len() > PREVIEW_LINES {
            out.push_str(&format!("        {:>width$} {sign} … ({} more lines)\n", "", lines.len() - PREVIEW_LINES));
        }
    };
    side(before, '-', red);
    side(after, '+', green);
    out
}

pub fn finish(pieces: &[String], summary: &Summary, quiet: bool) -> String {
    let mut out = pieces.concat();
    if !quiet {
        out.push_str(&summary_line(summary));
    }
    out
}

pub fn summary_line(s: &Summary) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let unread = if s.path_errors > 0 {
        format!(
            "; {} could not be read",
            plural(s.path_errors, "path")
        )
    } else {
        String::new()
    };
    if s.errors + s.warnings + s.infos == 0 {
        if s.path_errors > 0 {
            return format!(
                "No findings in {} checked{unread}.\n",
                plural(s.files_checked, "file")
            );
        }
        return format!(
            "All checks passed ({} checked).\n",
            plural(s.files_checked, "file")
        );
    }
    let mut line = format!(
        "Found {}, {}",
        plural(s.errors, "error"),
        plural(s.warnings, "warning")
    );
    if s.infos > 0 {
        line.push_str(&format!(", {}", plural(s.infos, "info")));
    }
    line.push_str(&format!(" in {} checked", plural(s.files_checked, "file")));
    line.push_str(&unread);
    line.push_str(".\n");
    let safe = s.fixable - s.unsafe_fixable.min(s.fixable);
    match (safe, s.unsafe_fixable) {
        (0, 0) => {}
        (0, u) => line.push_str(&format!("{} fixable with `opslint check --unsafe-fixes` (review them with `--diff`).\n", plural(u, "finding"))),
        (n, 0) => line.push_str(&format!("[*] {} fixable with `opslint check --fix`.\n", plural(n, "finding"))),
        (n, u) => line.push_str(&format!(
            "[*] {} fixable with `opslint check --fix` ({} more with `--unsafe-fixes`).\n",
            plural(n, "finding"),
            u
        )),
    }
    line
}
