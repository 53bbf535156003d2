//! Suppression directives in comments:
//!
//! - `# opslint: disable=RULE[,RULE] [-- reason]` at the end of a line, or alone on
//!   the line directly above, silences those rules for the command on that line;
//! - `# opslint: disable-file=RULE[,RULE]` in the file's leading comment block
//!   silences them for the whole file.

use crate::diagnostic::Diagnostic;
use crate::facts::Comment;
use crate::source::{SourceFile, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Line,
    File,
}

#[derive(Debug, Clone)]
pub struct Directive {
    pub scope: Scope,
    pub rules: Vec<(String, Span)>,
    /// 0-based line of the comment.
    pub line: usize,
    pub own_line: bool,
    /// The whole comment, `#` included.
    pub comment: Span,
}

/// A directive that could not be understood, or names an unknown rule.
#[derive(Debug, Clone)]
pub struct Problem {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

#[derive(Debug, Default)]
pub struct Directives {
    pub directives: Vec<Directive>,
    pub problems: Vec<Problem>,
}

const MARKER: &str = "opslint:";

/// `known`: the names of the rules there are (a directive naming another is
/// reported).
pub fn parse(source: &SourceFile, comments: &[Comment], known: &[&str]) -> Directives {
    let mut out = Directives::default();
    let leading_end = leading_comment_block_end(&source.text);
    for comment in comments {
        let text = source.slice(comment.span);
        let Some(body) = text.strip_prefix('#') else {
            continue;
        };
        let trimmed = body.trim_start();
        let Some(rest) = trimmed.strip_prefix(MARKER) else {
            continue;
        };
        let rest_start = comment.span.start + 1 + (body.len() - trimmed.len()) + MARKER.len();
        let rest_trimmed = rest.trim_start();
        let mut pos = rest_start + (rest.len() - rest_trimmed.len());
        let (scope, list) = if let Some(list) = rest_trimmed.strip_prefix("disable-file=") {
            pos += "disable-file=".len();
            (Scope::File, list)
        } else if let Some(list) = rest_trimmed.strip_prefix("disable=") {
            pos += "disable=".len();
            (Scope::Line, list)
        } else {
            let word_end = rest_trimmed
                .find(|c: char| c.is_whitespace())
                .unwrap_or(rest_trimmed.len());
            out.problems.push(Problem {
                span: Span::new(pos, pos + word_end.max(1).min(rest_trimmed.len())),
                message: format!(
                    "malformed opslint directive `{}`",
                    rest_trimmed[..word_end].trim()
                ),
                help: Some("write `# opslint: disable=RULE[,RULE] [-- reason]` or `# opslint: disable-file=RULE`".into()),
            });
            continue;
        };
        // The rule list ends at white space (a `-- reason` may follow).
        let list_end = list.find(char::is_whitespace).unwrap_or(list.len());
        let mut rule_names = Vec::new();
        let mut offset = pos;
        for name in list[..list_end].split(',') {
            let span = Span::new(offset, offset + name.len());
            offset += name.len() + 1;
            if name.is_empty() {
                continue;
            }
            if !known.contains(&name) {
                out.problems.push(Problem {
                    span,
                    message: format!(
                        "unknown rule `{name}` in opslint directive; it suppresses nothing"
                    ),
                    help: Some(match crate::suggest::closest(name, known.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`? `opslint rules` lists every rule"),
                        None => "`opslint rules` lists every rule".into(),
                    }),
                });
            }
            rule_names.push((name.to_string(), span));
        }
        if rule_names.is_empty() {
            out.problems.push(Problem {
                span: Span::new(pos.min(comment.span.end), comment.span.end),
                message: "opslint directive names no rule".into(),
                help: Some(
                    "list the rules to disable: `# opslint: disable=kubectl-request-timeout`"
                        .into(),
                ),
            });
            continue;
        }
        if scope == Scope::File && comment.span.start >= leading_end {
            out.problems.push(Problem {
                span: comment.span,
                message: "`disable-file` only works in the file's leading comment block; this directive is ignored".into(),
                help: Some("move it to the comments at the top of the file (after the shebang)".into()),
            });
            continue;
        }
        out.directives.push(Directive {
            scope,
            rules: rule_names,
            line: source.lines.line_of(comment.span.start),
            own_line: comment.own_line,
            comment: comment.span,
        });
    }
    out
}

/// Offset where the leading comment block (shebang, comments, blank lines) ends.
fn leading_comment_block_end(text: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if !(t.is_empty() || t.starts_with('#') || t == "---") {
            break;
        }
        offset += line.len();
    }
    offset
}

impl Directives {
    /// Is `diagnostic` silenced by a directive?
    pub fn suppresses(&self, source: &SourceFile, diagnostic: &Diagnostic) -> bool {
        self.suppressing(source, diagnostic).next().is_some()
    }

    /// The entries that silence `diagnostic`: (directive, rule) indices into
    /// [`Directives::directives`] and its `rules`.
    pub fn suppressing<'a>(
        &'a self,
        source: &SourceFile,
        diagnostic: &'a Diagnostic,
    ) -> impl Iterator<Item = (usize, usize)> + 'a {
        let first = source.lines.line_of(diagnostic.span.start);
        let last = source.lines.line_of(
            diagnostic
                .span
                .end
                .saturating_sub(1)
                .max(diagnostic.span.start),
        );
        self.directives.iter().enumerate().flat_map(move |(i, d)| {
            let here = match d.scope {
                Scope::File => true,
                Scope::Line if d.own_line => d.line + 1 == first,
                Scope::Line => (first..=last).contains(&d.line),
            };
            d.rules
                .iter()
                .enumerate()
                .filter(move |(_, (n, _))| here && n == diagnostic.rule)
                .map(move |(j, _)| (i, j))
        })
    }
}
