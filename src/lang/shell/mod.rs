//! The shell front-end: bash (and POSIX sh) via tree-sitter-bash.
//!
//! `analyze` parses one region of a host file (a whole script, or the command line of
//! an NRPE `command[…]=` entry) and appends command and comment facts with spans in
//! the host file. Where tree-sitter-bash rejects valid code, the damaged part is
//! parsed again statement by statement so that later commands are still found.

mod bash;
mod lex;
mod resolve;
mod rewrite;
mod sourced;
mod syntax;
mod wrappers;

pub use sourced::{Sourcing, sources_mention};

use super::jinja::Templating;
use crate::facts::{Comment, FileFacts, Unparsed};
use crate::source::Span;
use std::cell::RefCell;
use tree_sitter::{Parser, Tree};

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Lines tried together when a statement spans several lines (a multi-line string,
/// a short `if` block) around a parse error.
const RECOVERY_CHUNK_LINES: usize = 8;

/// Regions longer than this are parsed a window at a time (statements that
/// cross a window's end are parsed again with the next one).
const PARSE_WINDOW: usize = 256 * 1024;
/// After a window whose first line is damaged, the next window is an eighth
/// as large, down to this (and twice as large again after each window that
/// parses something): a run of damaged lines (thousands of `esac` left over
/// from a construct nested past what can be parsed, which tree-sitter's error
/// recovery reads slowly) then costs each of its lines a few small parses,
/// not a whole window each.
const MIN_PARSE_WINDOW: usize = 512;
/// Damaged lines in a row, none of which parses, after which each further
/// attempt skips twice as many lines as the one before (reported as not
/// parsed): a run of a million such lines costs a few dozen attempts.
const DAMAGED_RUN: usize = 64;
/// Re-parsing during recovery may cost at most this many times the region's size
/// (plus 64 KiB); what is left after that is reported as unparsed.
pub const RECOVERY_BUDGET_FACTOR: usize = 16;

fn with_parser<R>(f: impl FnOnce(&mut Parser) -> R) -> R {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let parser = slot.get_or_insert_with(|| {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_bash::LANGUAGE.into())
                .expect("tree-sitter-bash is compatible with the linked tree-sitter");
            parser
        });
        f(parser)
    })
}

fn parse(text: &str) -> Option<Tree> {
    with_parser(|p| {
        p.reset();
        p.parse(text, None)
    })
}

/// Analyses `host[region]` as one shell script. `parse_text` is the host text with
/// template syntax masked (same length as `host`); `templating` tells where the
/// masked expressions are and which variables have known values.
pub fn analyze(
    host: &str,
    parse_text: &str,
    region: Span,
    templating: Templating<'_>,
    facts: &mut FileFacts,
) {
    analyze_nested(host, parse_text, region, templating, facts, 0, None);
}

/// [`analyze`] for a whole script file: the files it `source`s (inside the
/// project's root) lend it their functions, variables and aliases.
pub fn analyze_script(
    host: &str,
    parse_text: &str,
    templating: Templating<'_>,
    facts: &mut FileFacts,
    sourcing: &Sourcing<'_>,
) {
    let region = Span::new(0, host.len());
    analyze_nested(host, parse_text, region, templating, facts, 0, Some(sourcing));
}

/// The raw syntax of a whole script (recovery included), for a sourced file.
fn parse_syntax(text: &str) -> syntax::Syntax {
    if let Ok(syntax) = bash::parse(text, text, Span::new(0, text.len())) {
        return syntax;
    }
    parse_whole(text).0
}

/// The raw syntax of `host[region]`, the regions that could not be parsed,
/// and the scripts in heredoc bodies still to analyse. bash's grammar
/// (`bash.rs`) comes first; where it rejects the text, tree-sitter-bash's
/// error recovery finds what it can and reports the rest.
fn parse_region(host: &str, parse_text: &str, region: Span) -> (syntax::Syntax, Vec<Span>, Vec<Span>) {
    let failed = match bash::parse(host, parse_text, region) {
        // Heredoc bodies were read by the parser, substitutions and all.
        Ok(syntax) => return (syntax, Vec::new(), Vec::new()),
        Err(failed) => failed,
    };
    let Recovered { syntax, mut unparsed, body_scripts, .. } = recover(host, parse_text, region);
    if unparsed.is_empty() && !failed.too_deep {
        // bash rejects the text, but tree-sitter built a tree without an
        // error (`fi` alone is a command to it): the line where bash's
        // grammar gave up is reported, never passed silently. At the end of
        // the text (an unclosed `if`), the last line that holds something.
        let text = &host[region.start..region.end];
        let mut at = failed.at.clamp(region.start, region.end) - region.start;
        while at > 0 && text.as_bytes()[at - 1].is_ascii_whitespace() && text[at..].trim().is_empty() {
            at -= 1;
        }
        let start = line_start(text, at);
        let line = text[start..next_line(text, at)].trim_end();
        if !line.trim().is_empty() {
            unparsed.push(Span::new(region.start + start, region.start + start + line.len()));
        }
    }
    (syntax, unparsed, body_scripts)
}

/// What tree-sitter-bash's recovery made of a region.
struct Recovered {
    syntax: syntax::Syntax,
    unparsed: Vec<Span>,
    /// The `$(…)`/backquote scripts of unquoted heredoc bodies (blank for
    /// tree-sitter): bash runs them when the body is read.
    body_scripts: Vec<Span>,
    /// Bytes handed to the parser.
    spent: usize,
}

fn recover(host: &str, parse_text: &str, region: Span) -> Recovered {
    let text = &parse_text[region.start..region.end];
    let (rewritten, lexed) = rewrite::rewrite(text);
    let body_scripts: Vec<Span> = lexed
        .heredocs
        .iter()
        // From the text before rewriting: the bodies are blank for the parser.
        .flat_map(|h| lex::body_substitutions(text.as_bytes(), h))
        .map(|(s, e)| Span::new(region.start + s, region.start + e))
        .collect();
    let mut syntax = syntax::Syntax::default();
    let mut unparsed = Vec::new();
    let spent = Recovery {
        host,
        text: rewritten,
        lexed,
        base: region.start,
        syntax: &mut syntax,
        unparsed: &mut unparsed,
    }
    .run();
    Recovered { syntax, unparsed, body_scripts, spent }
}

/// A whole text parsed with recovery: its raw syntax and the bytes handed to
/// the parser.
fn parse_whole(text: &str) -> (syntax::Syntax, usize) {
    let r = recover(text, text, Span::new(0, text.len()));
    (r.syntax, r.spent)
}

/// How deep `bash -c '…'` scripts inside scripts are followed.
const MAX_NESTING: usize = 4;

fn analyze_nested(
    host: &str,
    parse_text: &str,
    region: Span,
    templating: Templating<'_>,
    facts: &mut FileFacts,
    depth: usize,
    sourcing: Option<&Sourcing<'_>>,
) {
    debug_assert_eq!(host.len(), parse_text.len());
    let (mut syntax, unparsed, body_scripts) = parse_region(host, parse_text, region);

    for c in &syntax.comments {
        let line_start = host[..c.span.start].rfind('\n').map_or(0, |i| i + 1);
        let own_line = host[line_start..c.span.start].trim().is_empty();
        facts.comments.push(Comment {
            span: c.span,
            own_line,
        });
    }
    for span in unparsed {
        facts.unparsed.push(Unparsed {
            span,
            language: "shell",
        });
    }
    facts.loops.append(&mut syntax.loops);
    if let Some(sourcing) = sourcing
        && let Some((span, message)) = sourced::import_sourced(host, &mut syntax, sourcing)
    {
        facts.unfollowed.push(crate::facts::LimitReached { span, message, info: true });
    }
    let raw_commands = std::mem::take(&mut syntax.commands);
    let resolver = resolve::Resolver::new(
        &syntax,
        &raw_commands,
        templating,
        facts.expansion_used,
        resolve::expansion_budget(host.len()),
    );
    let mut commands = resolver.facts(raw_commands);
    for h in resolver.unmapped_heredocs() {
        facts.limits.push(crate::facts::LimitReached {
            span: h.command,
            message: format!(
                "the heredoc fed to `{}` is not analysed: its delimiter is unquoted and its body holds `$`, backquotes or backslashes, which this shell expands before `{}` reads the script",
                h.program, h.program
            ),
            info: true,
        });
    }
    resolve::count_assignments(&resolver, &mut commands);
    facts.expansion_used = resolver.used();
    if let Some(at) = resolver.exhausted_at()
        && facts.limits.is_empty()
    {
        facts.limits.push(crate::facts::LimitReached {
            span: at,
            message: format!(
                "expansion limit reached at this command: following its variables and wrapper functions would produce more than {} pieces of text (an exponential chain such as `v1=\"$v0 $v0\"`); from here on, this file's variables are taken as unknown",
                resolve::expansion_budget(host.len())
            ),
            info: false,
        });
    }
    // `bash -c 'script'`, `ssh host 'script'`, …: the script is shell too, with
    // its own positions in the host; what runs it applies to its commands.
    let mut scripts: Vec<(Span, ScriptContext)> = commands
        .iter()
        .filter_map(|c| Some((c.script?, ScriptContext::of(c))))
        .filter(|(s, _)| region.start <= s.start && s.end <= region.end && *s != region)
        .collect();
    // One script run from several places (`eval "$CMD"` twice) is analysed once.
    scripts.sort_by_key(|(s, _)| (s.start, s.end));
    scripts.dedup_by_key(|(s, _)| *s);
    // The raw syntax is not needed past this point: free it before the facts
    // are moved into the file's list.
    drop(resolver);
    drop(syntax);
    args_appends(host, &commands, facts);
    if facts.commands.is_empty() {
        // A script is one region: its list becomes the file's, without a copy.
        facts.commands = commands;
    } else {
        facts.commands.extend(commands);
    }
    if depth < MAX_NESTING {
        for script in body_scripts {
            analyze_nested(host, parse_text, script, templating, facts, depth + 1, None);
        }
        for (script, context) in scripts {
            let first = facts.commands.len();
            analyze_nested(host, parse_text, script, templating, facts, depth + 1, None);
            for fact in &mut facts.commands[first..] {
                context.apply(fact);
            }
        }
    }
}

/// What the command that runs a script (`sudo -u x bash -c '…'`, `timeout 5
/// ssh host '…'`) means for the commands inside it.
struct ScriptContext {
    /// Its wrappers and its program (`sudo`, `bash`).
    wrappers: Vec<String>,
    time_bound: Option<Box<crate::facts::TimeBound>>,
    control: Vec<crate::facts::ControlStep>,
    control_truncated: bool,
    in_function: Option<String>,
    remote: Option<String>,
}

impl ScriptContext {
    fn of(fact: &crate::facts::CommandFact) -> Self {
        let mut wrappers = fact.wrappers.clone();
        wrappers.push(fact.program_name().to_string());
        ScriptContext {
            wrappers,
            time_bound: fact.time_bound.clone(),
            control: fact.control.clone(),
            control_truncated: fact.control_truncated,
            in_function: fact.in_function.clone(),
            remote: fact.remote.clone(),
        }
    }

    fn apply(&self, fact: &mut crate::facts::CommandFact) {
        fact.wrappers.splice(0..0, self.wrappers.iter().cloned());
        if fact.time_bound.is_none() {
            fact.time_bound = self.time_bound.clone();
        }
        fact.control.splice(0..0, self.control.iter().copied());
        fact.control_truncated |= self.control_truncated;
        if fact.control.len() > syntax::MAX_CONTROL_DEPTH {
            fact.control.truncate(syntax::MAX_CONTROL_DEPTH);
            fact.control_truncated = true;
        }
        if fact.in_function.is_none() {
            fact.in_function = self.in_function.clone();
        }
        if fact.remote.is_none() {
            fact.remote = self.remote.clone();
        }
    }
}

/// The args file a destination word names, if it is one.
fn args_destination(host: &str, dest: &crate::facts::Word) -> Option<(String, &'static str)> {
    let path = if dest.is_static {
        dest.text.clone()
    } else {
        host.get(dest.span.start..dest.span.end)
            .unwrap_or("")
            .trim_matches(['"', '\''])
            .to_string()
    };
    let component = crate::microk8s::args_file_component(&path)?;
    Some((path, component))
}

/// Flag words of `text`, which is all or the tail of word `w`: with exact spans
/// when the text is written verbatim inside the word (also between quotes).
fn flags_in_word(
    host: &str,
    component: &str,
    w: &crate::facts::Word,
    text: &str,
) -> Vec<crate::facts::FlagWord> {
    let written = host.get(w.span.start..w.span.end).unwrap_or("");
    match written.rfind(text) {
        Some(at) if !text.is_empty() => {
            super::argsfile::flag_words_as(component, text, w.span.start + at, true, w.span)
        }
        _ => super::argsfile::flag_words_as(component, text, 0, false, w.span),
    }
}

/// The command whose output feeds `c` through a pipe (`producer | c`), if the
/// host text between them is just `|`.
fn piped_from<'c>(
    host: &str,
    commands: &'c [crate::facts::CommandFact],
    c: &crate::facts::CommandFact,
) -> Option<&'c crate::facts::CommandFact> {
    commands
        .iter()
        .filter(|p| p.span.end <= c.span.start)
        .max_by_key(|p| p.span.end)
        .filter(|p| {
            host.get(p.span.end..c.span.start)
                .is_some_and(|between| between.trim() == "|")
        })
}

/// The text a `sed` script appends (`$a --flag`, `$a\\--flag`, `/re/a --flag`).
fn sed_appended(script: &str) -> Option<&str> {
    let s = script.trim_start();
    // The address: `$`, a line number, or `/regex/`.
    let rest = if let Some(r) = s.strip_prefix('$') {
        r
    } else if let Some(r) = s.strip_prefix('/') {
        let end = r.find('/')?;
        &r[end + 1..]
    } else {
        s.trim_start_matches(|c: char| c.is_ascii_digit())
    };
    let rest = rest.trim_start().strip_prefix('a')?;
    let rest = rest.strip_prefix('\\').unwrap_or(rest);
    let text = rest.trim_start();
    (!text.is_empty()).then_some(text)
}

/// Flags written into an args file from a script: `echo '--flag=x' >> …/args/k8s-dqlite`
/// (and `printf`, and `>`), `echo … | tee [-a] …/args/…`, and
/// `sed -i '$a --flag' …/args/…`.
fn args_appends(host: &str, commands: &[crate::facts::CommandFact], facts: &mut FileFacts) {
    let push = |facts: &mut FileFacts, component, target, flags| {
        facts.args_edits.push(crate::facts::ArgsFileEdit {
            component,
            task: None,
            conditional: false,
            target,
            via: "shell",
            flags,
            comments: Vec::new(),
            written_by: None,
        });
    };
    for c in commands {
        match c.program_name() {
            "echo" | "printf" => {
                for (_, dest) in &c.redirects {
                    let Some((path, component)) = args_destination(host, dest) else {
                        continue;
                    };
                    let flags = c.words[1..]
                        .iter()
                        .flat_map(|w| flags_in_word(host, component, w, &w.text))
                        .collect();
                    push(facts, component, path, flags);
                }
            }
            "tee" => {
                let Some(producer) = piped_from(host, commands, c)
                    .filter(|p| matches!(p.program_name(), "echo" | "printf"))
                else {
                    continue;
                };
                for dest in c.words[1..].iter().filter(|w| !w.text.starts_with('-')) {
                    let Some((path, component)) = args_destination(host, dest) else {
                        continue;
                    };
                    let flags = producer.words[1..]
                        .iter()
                        .flat_map(|w| flags_in_word(host, component, w, &w.text))
                        .collect();
                    push(facts, component, path, flags);
                }
            }
            "sed" => {
                let words = &c.words[1..];
                if !words.iter().any(|w| w.text.starts_with("-i") || w.text == "--in-place") {
                    continue;
                }
                // The script: the word after `-e`, else the first non-option word.
                let script = words
                    .iter()
                    .position(|w| w.text == "-e" || w.text == "--expression")
                    .and_then(|i| words.get(i + 1))
                    .or_else(|| words.iter().find(|w| !w.text.starts_with('-')));
                let Some(script) = script else { continue };
                let Some(appended) = sed_appended(&script.text) else {
                    continue;
                };
                for dest in words
                    .iter()
                    .filter(|w| !w.text.starts_with('-') && w.span != script.span)
                {
                    let Some((path, component)) = args_destination(host, dest) else {
                        continue;
                    };
                    let flags = flags_in_word(host, component, script, appended);
                    push(facts, component, path, flags);
                }
            }
            _ => {}
        }
    }
}

/// A command given as ready-made words (Ansible's `argv:`), with wrappers such as
/// `sudo` or `timeout` seen through as for parsed commands (and the command
/// `kubectl exec … --` runs, after it).
pub fn command_from_words(
    span: Span,
    words: Vec<crate::facts::Word>,
) -> Vec<crate::facts::CommandFact> {
    resolve::command_from_words(span, words)
}

/// Bytes handed to the parser for `text` (recovery included): a deterministic measure
/// of parsing cost, for tests of the recovery budget.
#[doc(hidden)]
pub fn parsed_bytes(text: &str) -> usize {
    parse_whole(text).1
}

struct Recovery<'a> {
    host: &'a str,
    /// The region's text after same-width rewrites (offset 0 = `base` in the host);
    /// misparses found by [`audit`] add more of them while parsing.
    text: String,
    /// Heredocs and multi-line strings of `text` (offsets in it): recovery
    /// never reads a body or the rest of a string as code.
    lexed: lex::Lexed,
    base: usize,
    syntax: &'a mut syntax::Syntax,
    unparsed: &'a mut Vec<Span>,
}

impl Recovery<'_> {
    /// Parses the region, recovering from errors; returns the bytes handed to the
    /// parser in all (the recovery budget bounds it).
    fn run(&mut self) -> usize {
        let end = self.text.len();
        let budget = RECOVERY_BUDGET_FACTOR * end + 64 * 1024;
        let mut spent = 0usize;
        let mut start = 0usize;
        let mut window = PARSE_WINDOW;
        // Damaged lines in a row with nothing parsed between them.
        let mut run = 0usize;
        while start < end {
            // A large region is parsed a window at a time, so the syntax tree in
            // memory stays small whatever the file's size (a 15 MB script held
            // as one tree takes 2 GB).
            let cut = if end - start > window {
                // At a line's end, never inside a `\`-continued line (the cut
                // would end the command there, and its rest start a new one).
                let mut cut = next_line(&self.text, start + window).min(end);
                while cut < end && self.text[..cut].trim_end_matches(['\n', '\r']).ends_with('\\') {
                    cut = next_line(&self.text, cut).min(end);
                }
                cut
            } else {
                end
            };
            let Some((tree, misparsed, parsed)) = self.parse_audited(start, cut) else {
                self.mark_unparsed(start, end);
                return spent;
            };
            spent += parsed;
            let root = tree.root_node();
            if cut == end && !root.has_error() && misparsed.is_empty() {
                self.collect(root, start);
                return spent;
            }
            let is_damaged = |c: &tree_sitter::Node<'_>| {
                is_damaged(c)
                    || misparsed
                        .iter()
                        .any(|&p| c.start_byte() <= p && p < c.end_byte())
            };
            let mut cursor = root.walk();
            let children: Vec<_> = root.children(&mut cursor).collect();
            drop(cursor);
            if cut < end {
                // The window may end inside its last statement: that one, and
                // whatever shares its first line (a heredoc cut from its body
                // leaves `cmd` and an error for `<<EOF`), is parsed again from
                // that line's start with the next window.
                let resume_line = children
                    .last()
                    .map_or(0, |c| line_start(&self.text[start..cut], c.start_byte()));
                let complete = children
                    .iter()
                    .take_while(|c| c.end_byte() <= resume_line)
                    .count()
                    .min(children.len().saturating_sub(1));
                if !children[..complete].iter().any(is_damaged) {
                    if complete == 0 {
                        // One statement longer than the window.
                        window = window.saturating_mul(2);
                        continue;
                    }
                    for child in &children[..complete] {
                        self.collect(*child, start);
                    }
                    start += resume_line;
                    window = PARSE_WINDOW;
                    continue;
                }
                // Damage inside the window: recovered below, as in a whole parse.
            }
            // Keep the statements that end before the line of the first damage.
            let first_bad = children
                .iter()
                .position(is_damaged)
                .unwrap_or(children.len());
            let bad_offset = children
                .get(first_bad)
                .map_or(end - start, |c| c.start_byte());
            let mut bad_line = start + line_start(&self.text[start..], bad_offset);
            let progress = bad_line > start;
            if let Some(h) = self.lexed.body_at(bad_line) {
                // The damage starts in a heredoc's body: the statement that
                // opened it is damaged too.
                bad_line = if h.op >= start {
                    line_start(&self.text, h.op)
                } else {
                    h.body_end
                };
            } else if let Some((s, e)) = self.lexed.string_at(bad_line) {
                // Or inside a string that spans lines: from its first line.
                bad_line = if s >= start {
                    line_start(&self.text, s)
                } else {
                    next_line(&self.text, e.min(end))
                };
            }
            for child in &children[..first_bad] {
                if start + child.end_byte() <= bad_line {
                    self.collect(*child, start);
                }
            }
            drop(children);
            if bad_line >= end {
                return spent;
            }
            // Try the damaged line alone, then with a few following lines.
            let mut resumed = None;
            let mut lines = 1;
            while lines <= RECOVERY_CHUNK_LINES {
                let chunk_end = self.past_bodies(
                    bad_line,
                    (0..lines)
                        .fold(bad_line, |at, _| next_line(&self.text, at))
                        .min(end),
                );
                lines *= 2;
                let parsed = self.parse_audited(bad_line, chunk_end);
                spent += parsed.as_ref().map_or(chunk_end - bad_line, |p| p.2);
                if let Some((tree, misparsed, _)) = parsed
                    && !tree.root_node().has_error()
                    && misparsed.is_empty()
                {
                    self.collect(tree.root_node(), bad_line);
                    resumed = Some(chunk_end);
                    break;
                }
                if chunk_end >= end {
                    break;
                }
            }
            start = match resumed {
                Some(next) => {
                    run = 0;
                    next
                }
                None => {
                    // The line, with the bodies of heredocs it opens.
                    let mut next = self.past_bodies(bad_line, next_line(&self.text, bad_line).min(end));
                    run = if progress { 1 } else { run + 1 };
                    if run > DAMAGED_RUN {
                        for _ in 0..1usize << (run - DAMAGED_RUN).min(30) {
                            if next >= end {
                                break;
                            }
                            next = self.past_bodies(next, next_line(&self.text, next).min(end));
                        }
                    }
                    self.mark_unparsed(bad_line, next);
                    next
                }
            };
            window = if progress {
                window.max((window * 2).min(PARSE_WINDOW))
            } else {
                (window / 8).max(MIN_PARSE_WINDOW)
            };
            if spent > budget && start < end {
                self.mark_unparsed(start, end);
                return spent;
            }
        }
        spent
    }

    /// Parses `text[start..end]`. Where tree-sitter-bash's tree runs a simple
    /// command on past an unescaped line end (it does after some pipelines, when
    /// a later line has a redirect: the next lines become arguments of the last
    /// stage), bash ends the command at that line end: a `;` is written there
    /// (same width, so spans stay true) and the text parsed again. Returns the
    /// tree, the misparses that could not be repaired (offsets from `start`) and
    /// the bytes handed to the parser.
    fn parse_audited(&mut self, start: usize, end: usize) -> Option<(Tree, Vec<usize>, usize)> {
        let mut tree = parse(&self.text[start..end])?;
        let mut parsed = end - start;
        for round in 0..=AUDIT_ROUNDS {
            let points = audit(tree.root_node(), &self.text[start..end]);
            let mut changed = false;
            if round < AUDIT_ROUNDS {
                for &p in &points {
                    if let Some(at) = terminator_at(&self.text[start..end], p) {
                        self.text.replace_range(start + at..start + at + 1, ";");
                        changed = true;
                    }
                }
            }
            if !changed {
                return Some((tree, points, parsed));
            }
            tree = parse(&self.text[start..end])?;
            parsed += end - start;
        }
        unreachable!("the last round changes nothing")
    }

    /// `end`, moved past the bodies of heredocs opened in `from..end` and out
    /// of any body it falls in.
    fn past_bodies(&self, from: usize, mut end: usize) -> usize {
        let heredocs = &self.lexed.heredocs;
        let i = heredocs.partition_point(|h| h.op < from);
        for h in &heredocs[i..] {
            if h.op >= end {
                break;
            }
            end = end.max(h.body_end);
        }
        // Out of bodies and strings (a string's end may open a heredoc, …).
        for _ in 0..64 {
            if let Some(h) = self.lexed.body_at(end) {
                end = h.body_end;
            } else if let Some((_, string_end)) = self.lexed.string_at(end) {
                end = next_line(&self.text, string_end.min(self.text.len()));
            } else {
                break;
            }
        }
        end.min(self.text.len())
    }

    /// Collects the syntax of `node`, parsed from the region's offset `at`.
    fn collect(&mut self, node: tree_sitter::Node<'_>, at: usize) {
        let (commands, assignments) = (self.syntax.commands.len(), self.syntax.assignments.len());
        syntax::collect(node, self.base + at, self.host, &self.text, self.base, self.syntax);
        if self.lexed.heredocs.is_empty() {
            return;
        }
        // tree-sitter-bash reads some bodies as code (several heredocs on one
        // line): what starts inside a body the lexer found is text.
        let base = self.base;
        let lexed = &self.lexed;
        let in_body = |start: usize| lexed.body_at(start - base).is_some();
        if self.syntax.commands[commands..].iter().any(|c| in_body(c.span.start)) {
            let mut added = self.syntax.commands.split_off(commands);
            added.retain(|c| !in_body(c.span.start));
            self.syntax.commands.extend(added);
        }
        if self.syntax.assignments[assignments..].iter().any(|a| in_body(a.span.start)) {
            let mut added = self.syntax.assignments.split_off(assignments);
            added.retain(|a| !in_body(a.span.start));
            self.syntax.assignments.extend(added);
        }
    }

    fn mark_unparsed(&mut self, start: usize, end: usize) {
        // Report without the line terminator.
        let text = &self.text[start..end];
        let trimmed = text.trim_end_matches(['\n', '\r']).len();
        if text.trim().is_empty() {
            return;
        }
        let span = Span::new(self.base + start, self.base + start + trimmed);
        match self.unparsed.last_mut() {
            Some(last) if self.host[last.end..span.start].trim().is_empty() => last.end = span.end,
            _ => self.unparsed.push(span),
        }
    }
}

/// Rounds of misparse repair per parse (each repairs every misparse it finds).
const AUDIT_ROUNDS: usize = 4;

/// Where tree-sitter-bash's tree disagrees with bash: simple commands whose words
/// run on past an unescaped line end. Returns, for each, the offset in `text`
/// where bash ends the command (just after its last word on the first line).
fn audit(root: tree_sitter::Node<'_>, text: &str) -> Vec<usize> {
    let mut points = Vec::new();
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        // What fits on one line cannot run past a line end: most statements
        // are skipped whole.
        let one_line = node.start_position().row == node.end_position().row;
        // Nodes whose parts bash never lets a line end separate (a
        // redirect's target after a pipeline's `>` took the next lines too).
        let simple = !one_line && matches!(
            node.kind(),
            "command"
                | "declaration_command"
                | "unset_command"
                | "file_redirect"
                | "herestring_redirect"
                | "redirected_statement"
        );
        if simple && let Some(p) = runs_past_line_end(node, text) {
            points.push(p);
        }
        // Below a word-like node a command can only hide in a substitution:
        // skip subtrees whose text has none (most nodes are words).
        let descend = !one_line
            && (syntax::STRUCTURAL.contains(&node.kind()) || node.kind() == "file_redirect" || {
                let bytes = text.as_bytes().get(node.byte_range()).unwrap_or(b"");
                memchr::memchr(b'`', bytes).is_some()
                    || memchr::memchr_iter(b'(', bytes)
                        .any(|i| i > 0 && matches!(bytes[i - 1], b'$' | b'<' | b'>'))
            });
        if descend && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return points;
            }
        }
    }
}

/// For a simple command or a redirect: the end of its last part before an
/// unescaped line end that separates two of its parts.
fn runs_past_line_end(node: tree_sitter::Node<'_>, text: &str) -> Option<usize> {
    let mut cursor = node.walk();
    let mut last_word_end: Option<usize> = None;
    let mut prev_end: Option<usize> = None;
    for child in node.children(&mut cursor) {
        if child.kind().starts_with("heredoc") {
            // A heredoc's body starts on the next line.
            return None;
        }
        if let Some(prev) = prev_end
            && prev <= child.start_byte()
            && has_line_end(&text.as_bytes()[prev..child.start_byte()])
        {
            return last_word_end;
        }
        prev_end = Some(child.end_byte());
        if child.kind() != "comment" {
            last_word_end = Some(child.end_byte());
        }
    }
    None
}

/// An unescaped newline in the white space between two words.
fn has_line_end(gap: &[u8]) -> bool {
    gap.iter().enumerate().any(|(i, &b)| {
        b == b'\n' && !(gap[..i].ends_with(b"\\") || gap[..i].ends_with(b"\\\r"))
    })
}

/// The byte at `p` (just after a command's last word) becomes `;`, when it is a
/// blank or the line end and the line starts no heredoc (whose body must keep
/// following a newline).
fn terminator_at(text: &str, p: usize) -> Option<usize> {
    match text.as_bytes().get(p)? {
        b' ' | b'\t' => Some(p),
        b'\n' | b'\r' => {
            let line = &text[line_start(text, p)..p];
            (!line.replace("<<<", "").contains("<<")).then_some(p)
        }
        _ => None,
    }
}

/// A statement the parser could not make sense of (or that holds such a part).
fn is_damaged(node: &tree_sitter::Node<'_>) -> bool {
    node.has_error() || node.is_error() || node.is_missing()
}

/// Offset of the start of the line containing `offset`.
fn line_start(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1)
}

/// Offset just past the end of the line containing `offset`.
fn next_line(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}
