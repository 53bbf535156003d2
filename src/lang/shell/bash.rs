//! A bash parser written from bash's own grammar (`parse.y`): the first parser
//! every shell region goes through.
//!
//! tree-sitter-bash is an error-tolerant grammar that disagrees with bash on
//! valid scripts (a pipeline of three stages followed later by a redirect
//! swallowed the statements in between, with no error; adjacent backquotes,
//! `;;&` after `[[ =~ ]]`, several heredocs on one line, …), which the shfmt
//! oracle (`tests/shell_oracle.rs`) measured in thousands of calls. This parser
//! follows bash's rules instead: its tokenizer is context-dependent as bash's
//! is (reserved words only in command position, `$((` tried as arithmetic
//! first, heredoc bodies read at the next newline token, backquote bodies
//! unescaped and parsed again with their offsets mapped back). It produces
//! the same [`Syntax`] as the tree-sitter walk in `syntax.rs`, straight from
//! the text, without a tree.
//!
//! It accepts only what bash accepts (as far as a linter needs to tell): on
//! anything else it gives up, and the region goes to tree-sitter-bash, whose
//! error recovery still finds the commands around the damage and reports the
//! rest as `shell-parse-error`. Nesting deeper than [`MAX_NESTING`] goes there
//! too (tree-sitter walks are iterative; this parser is recursive).

use super::syntax::{
    AssignedValue, MAX_CONTROL_DEPTH, Part, PartKind, RawAssignment, RawComment, RawCommand,
    RawFunction, RawWord, Syntax,
};
use crate::facts::{ControlStep, LoopFact};
use crate::source::Span;

/// Constructs nested deeper than this are left to tree-sitter.
pub const MAX_NESTING: usize = 96;

/// Why the parser gave up (the region then goes to tree-sitter-bash).
#[derive(Debug)]
pub struct Failed {
    /// Offset in the host text.
    pub at: usize,
    /// Nested deeper than [`MAX_NESTING`]: not an error in the text.
    pub too_deep: bool,
}

type R<T> = Result<T, Failed>;

/// Parses `host[region]` as a bash script. `text` has the same length as
/// `host` and gives the structure (template expressions masked); literal
/// values are read from `host`.
pub fn parse(host: &str, text: &str, region: Span) -> Result<Syntax, Failed> {
    let mut state = State::default();
    let src = &text.as_bytes()[region.start..region.end];
    let lit = &host.as_bytes()[region.start..region.end];
    let mut p = Parser {
        s: src,
        l: lit,
        map: None,
        base: region.start,
        host,
        pos: 0,
        pending: Vec::new(),
        st: &mut state,
    };
    p.program(Cx::default())?;
    let mut out = state.out;
    // Commands, assignments and loops are collected as they end (inner ones
    // first); the tree walk gives them in source order.
    out.commands.sort_by_key(|c| c.span.start);
    out.assignments.sort_by_key(|a| a.span.start);
    out.loops.sort_by_key(|l| l.span.start);
    out.comments.sort_by_key(|c| c.span.start);
    Ok(out)
}

#[derive(Default)]
struct State {
    out: Syntax,
    /// Open `while`/`until` loops: (leaves, counted) seen in them so far.
    loops: Vec<(bool, bool)>,
    nesting: usize,
}

/// Where a command is: the function whose body holds it and its innermost
/// control step.
#[derive(Clone, Copy, Default)]
struct Cx {
    function: Option<usize>,
    control: Option<usize>,
    depth: usize,
}

struct Heredoc {
    delim: Vec<u8>,
    strip_tabs: bool,
    expand: bool,
    cx: Cx,
    /// The redirection is of standard input (`<<EOF`, `0<<EOF`).
    stdin: bool,
    /// The span of the simple command whose standard input it is.
    command: Option<Span>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A word outside quotes.
    Unquoted,
    /// Inside `"…"`.
    Double,
    /// The word of `${NAME:-word}` (ends at the closing brace).
    Brace,
    /// The right side of `=~` in `[[ … ]]`.
    Regex,
    /// An unquoted heredoc body (ends at the parser's `end`).
    Body,
}

const KEYWORDS_END: &[&str] = &["then", "elif", "else", "fi", "do", "done", "esac", "}", "in"];

/// Bytes that end an unquoted word.
fn is_meta(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>')
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

struct Parser<'a, 'h> {
    /// Structure (template expressions masked).
    s: &'a [u8],
    /// Literal values (the host's text), same length as `s`.
    l: &'a [u8],
    /// Host offset of each byte, for a backquote body that was unescaped.
    map: Option<&'a [usize]>,
    base: usize,
    host: &'h str,
    pos: usize,
    /// Heredocs whose bodies start after the next newline token.
    pending: Vec<Heredoc>,
    st: &'h mut State,
}

impl<'a, 'h> Parser<'a, 'h> {
    fn fail<T>(&self) -> R<T> {
        Err(Failed {
            at: self.host_at(self.pos.min(self.s.len())),
            too_deep: false,
        })
    }

    fn host_at(&self, i: usize) -> usize {
        match self.map {
            None => self.base + i,
            Some(m) => {
                if i < m.len() {
                    m[i]
                } else {
                    m.last().map_or(self.base, |l| l + 1)
                }
            }
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        let s = self.host_at(start);
        let e = match self.map {
            None => self.base + end,
            Some(m) => {
                if end == start {
                    s
                } else {
                    m.get(end - 1).map_or(s, |x| x + 1)
                }
            }
        };
        Span::new(s, e.max(s))
    }

    /// Does a word start at the cursor (a process substitution is one)?
    fn word_starts(&self) -> bool {
        match self.peek() {
            None | Some(b'\r') => false,
            Some(b'<' | b'>') => self.at(self.pos + 1) == Some(b'('),
            Some(b) => !is_meta(b),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.s.get(i).copied()
    }

    fn starts(&self, t: &[u8]) -> bool {
        self.s[self.pos..].starts_with(t)
    }

    fn nest(&mut self) -> R<()> {
        self.st.nesting += 1;
        if self.st.nesting > MAX_NESTING {
            return Err(Failed {
                at: self.host_at(self.pos.min(self.s.len())),
                too_deep: true,
            });
        }
        Ok(())
    }

    fn unnest(&mut self) {
        self.st.nesting -= 1;
    }

    /// Skips blanks and `\`-newline continuations.
    fn blanks(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\r') => self.pos += 1,
                Some(b'\\') if self.at(self.pos + 1) == Some(b'\n') => self.pos += 2,
                Some(b'\\') if self.at(self.pos + 1) == Some(b'\r') && self.at(self.pos + 2) == Some(b'\n') => {
                    self.pos += 3
                }
                _ => return,
            }
        }
    }

    /// Blanks and a comment (to the end of its line).
    fn blanks_comment(&mut self) {
        self.blanks();
        if self.peek() == Some(b'#') {
            let start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'\n' {
                    break;
                }
                self.pos += 1;
            }
            let mut end = self.pos;
            if end > start && self.s[end - 1] == b'\r' {
                end -= 1;
            }
            let span = self.span(start, end);
            self.st.out.comments.push(RawComment { span });
        }
    }

    /// Consumes a newline token, then the bodies of the heredocs it ends.
    fn newline(&mut self) -> R<()> {
        debug_assert_eq!(self.peek(), Some(b'\n'));
        self.pos += 1;
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        for h in pending {
            self.heredoc_body(h)?;
        }
        Ok(())
    }

    /// Blanks, comments and newline tokens.
    fn linebreaks(&mut self) -> R<()> {
        loop {
            self.blanks_comment();
            if self.peek() == Some(b'\n') {
                self.newline()?;
            } else {
                return Ok(());
            }
        }
    }

    fn heredoc_body(&mut self, h: Heredoc) -> R<()> {
        let start = self.pos;
        let mut line = self.pos;
        let (body_end, next) = loop {
            if line >= self.s.len() {
                // Delimited by the end of the text (bash warns, and runs it).
                break (self.s.len(), self.s.len());
            }
            let eol = memchr::memchr(b'\n', &self.s[line..]).map_or(self.s.len(), |i| line + i);
            let mut text = &self.s[line..eol];
            if text.last() == Some(&b'\r') {
                text = &text[..text.len() - 1];
            }
            if h.strip_tabs {
                while let [b'\t', rest @ ..] = text {
                    text = rest;
                }
            }
            if text == h.delim.as_slice() {
                break (line, (eol + 1).min(self.s.len()));
            }
            line = eol + 1;
        };
        if let Some(command) = h.command {
            let body = &self.s[start..body_end];
            self.st.out.stdin_heredocs.push(super::syntax::StdinHeredoc {
                command,
                body: self.span(start, body_end),
                // An unquoted body whose text the shell changes before the
                // program reads it (`$x`, `$(…)`, backquotes, backslashes)
                // is not the program's script byte for byte.
                verbatim: !h.expand || !body.iter().any(|b| matches!(b, b'$' | b'`' | b'\\')),
            });
        }
        if h.expand && body_end > start {
            // `$(…)` and backquotes in the body run when it is read.
            let saved = self.pos;
            self.pos = start;
            let mut parts = Vec::new();
            self.parts(Mode::Body, h.cx, body_end, &mut parts)?;
            self.pos = saved;
        }
        self.pos = next;
        Ok(())
    }

    /// The keyword at the cursor, if a reserved word is written there (the
    /// caller knows whether this is command position).
    fn keyword(&self) -> Option<&'static str> {
        let rest = &self.s[self.pos..];
        const WORDS: &[&str] = &[
            "if", "then", "elif", "else", "fi", "case", "esac", "for", "select", "while", "until",
            "do", "done", "in", "function", "time", "coproc", "{", "}", "!", "[[",
        ];
        for w in WORDS {
            let wb = w.as_bytes();
            if rest.starts_with(wb) && rest.get(wb.len()).is_none_or(|&b| is_meta(b) || b == b'\r') {
                return Some(w);
            }
        }
        None
    }

    fn program(&mut self, cx: Cx) -> R<()> {
        self.list(cx, &[])?;
        self.linebreaks()?;
        if self.pos < self.s.len() {
            return self.fail();
        }
        Ok(())
    }

    /// A compound list: and-or lists separated by `;`, `&` or newlines, up to
    /// a reserved word of `stops` in command position, a `)`, a case item's
    /// terminator or the end. Returns how many and-or lists it held, and where
    /// the last one ended.
    fn list(&mut self, cx: Cx, stops: &[&str]) -> R<(usize, usize)> {
        let mut count = 0;
        let mut last_end = self.pos;
        loop {
            self.linebreaks()?;
            let Some(b) = self.peek() else { break };
            if b == b')' || (b == b';' && self.at(self.pos + 1).is_some_and(|c| c == b';' || c == b'&')) {
                break;
            }
            if let Some(k) = self.keyword()
                && (stops.contains(&k) || KEYWORDS_END.contains(&k))
            {
                if stops.contains(&k) {
                    break;
                }
                if k != "in" {
                    return self.fail();
                }
            }
            self.and_or(cx)?;
            count += 1;
            last_end = self.pos;
            self.blanks_comment();
            match self.peek() {
                None => break,
                Some(b'\n') => self.newline()?,
                Some(b';') => {
                    if self.at(self.pos + 1).is_some_and(|c| c == b';' || c == b'&') {
                        break;
                    }
                    self.pos += 1;
                }
                Some(b'&') => self.pos += 1,
                Some(b')') => break,
                _ => return self.fail(),
            }
        }
        Ok((count, last_end))
    }

    fn and_or(&mut self, cx: Cx) -> R<()> {
        self.pipeline(cx)?;
        loop {
            self.blanks();
            if self.starts(b"&&") || self.starts(b"||") {
                self.pos += 2;
                self.linebreaks()?;
                self.pipeline(cx)?;
            } else {
                return Ok(());
            }
        }
    }

    fn pipeline(&mut self, cx: Cx) -> R<()> {
        // `!`, `time [-p]` (bash keywords, not commands).
        let mut prefixed = false;
        loop {
            self.blanks();
            match self.keyword() {
                Some("!") => {
                    self.pos += 1;
                    prefixed = true;
                }
                Some("time") => {
                    self.pos += 4;
                    self.blanks();
                    if self.starts(b"-p") && self.at(self.pos + 2).is_none_or(is_meta) {
                        self.pos += 2;
                    }
                    prefixed = true;
                }
                _ => break,
            }
        }
        self.blanks();
        let ends = match self.peek() {
            None => true,
            Some(b'\n' | b';' | b')' | b'|' | b'#') => true,
            Some(b'&') => !self.starts(b"&>"),
            _ => false,
        };
        if ends {
            // `time` alone times nothing (valid); nothing at all is an error.
            return if prefixed { Ok(()) } else { self.fail() };
        }
        let at = self.host_at(self.pos);
        let commands = self.st.out.commands.len();
        let steps = self.st.out.control.len();
        self.command(cx)?;
        self.blanks();
        if !(self.peek() == Some(b'|') && self.at(self.pos + 1) != Some(b'|')) {
            return Ok(());
        }
        // A pipeline: its first stage was parsed before that was known.
        let first = self.step(cx, ControlStep::Stage { at, stage: 0 });
        self.adopt(cx, first, commands, steps);
        let mut stage = 1;
        while self.peek() == Some(b'|') && self.at(self.pos + 1) != Some(b'|') {
            self.pos += 1;
            if self.peek() == Some(b'&') {
                self.pos += 1;
            }
            self.linebreaks()?;
            let inner = self.step(cx, ControlStep::Stage { at, stage });
            self.command(inner)?;
            self.blanks();
            stage += 1;
        }
        Ok(())
    }

    /// Commands and steps recorded since `commands`/`steps` directly under
    /// `cx` move under `inner`.
    fn adopt(&mut self, cx: Cx, inner: Cx, commands: usize, steps: usize) {
        let out = &mut self.st.out;
        let new_step = inner.control;
        for c in &mut out.commands[commands..] {
            if c.control == cx.control && c.function == cx.function {
                c.control = inner.control;
                c.control_truncated |= inner.depth > MAX_CONTROL_DEPTH;
            }
        }
        for (i, (parent, _)) in out.control.iter_mut().enumerate().skip(steps) {
            if Some(i) != new_step && *parent == cx.control {
                *parent = inner.control;
            }
        }
    }

    /// A control step under `cx` (not recorded past [`MAX_CONTROL_DEPTH`]).
    fn step(&mut self, cx: Cx, step: ControlStep) -> Cx {
        if cx.depth >= MAX_CONTROL_DEPTH {
            return Cx { depth: cx.depth + 1, ..cx };
        }
        self.st.out.control.push((cx.control, step));
        Cx {
            control: Some(self.st.out.control.len() - 1),
            depth: cx.depth + 1,
            function: cx.function,
        }
    }

    fn command(&mut self, cx: Cx) -> R<()> {
        self.nest()?;
        let r = self.command_inner(cx);
        self.unnest();
        r
    }

    fn command_inner(&mut self, cx: Cx) -> R<()> {
        let start = self.pos;
        let compound = match self.keyword() {
            Some("if") => {
                self.if_clause(cx)?;
                true
            }
            Some("for" | "select") => {
                self.for_clause(cx)?;
                true
            }
            Some("while" | "until") => {
                self.while_clause(cx)?;
                true
            }
            Some("case") => {
                self.case_clause(cx)?;
                true
            }
            Some("{") => {
                self.pos += 1;
                self.group(cx, b'}')?;
                true
            }
            Some("[[") => {
                self.pos += 2;
                self.conditional(cx)?;
                true
            }
            Some("function") => {
                self.function_keyword(cx, start)?;
                return Ok(());
            }
            Some("coproc") => {
                self.pos += 6;
                self.blanks();
                // `coproc NAME compound` names it; otherwise a command follows.
                let save = self.pos;
                let name_end = self.s[self.pos..].iter().take_while(|b| is_name_byte(**b)).count();
                if name_end > 0 {
                    self.pos += name_end;
                    self.blanks();
                    let compound_next = matches!(
                        self.keyword(),
                        Some("if" | "for" | "select" | "while" | "until" | "case" | "{" | "[[")
                    ) || self.peek() == Some(b'(');
                    if !compound_next {
                        self.pos = save;
                    }
                }
                return self.command_inner(cx);
            }
            Some(k) if KEYWORDS_END.contains(&k) && k != "in" => return self.fail(),
            _ if self.starts(b"((") => {
                if let Some(end) = self.arith_end(self.pos + 2) {
                    let inner_start = self.pos + 2;
                    self.arith(cx, inner_start, end)?;
                    self.pos = end + 2;
                } else {
                    self.pos += 1;
                    self.group(cx, b')')?;
                }
                true
            }
            _ if self.peek() == Some(b'(') => {
                self.pos += 1;
                self.group(cx, b')')?;
                true
            }
            _ => false,
        };
        if compound {
            self.redirects_after(cx)?;
            return Ok(());
        }
        self.simple(cx)
    }

    /// `{ list }` or `( list )`: the opener is consumed.
    fn group(&mut self, cx: Cx, close: u8) -> R<()> {
        let (n, _) = if close == b'}' { self.list(cx, &["}"])? } else { self.list(cx, &[])? };
        self.linebreaks()?;
        if n == 0 {
            return self.fail();
        }
        if self.peek() != Some(close) {
            return self.fail();
        }
        self.pos += 1;
        Ok(())
    }

    /// Redirections after a compound command.
    fn redirects_after(&mut self, cx: Cx) -> R<()> {
        loop {
            self.blanks();
            if self.redirect_start().is_some() {
                self.redirect(cx)?;
            } else {
                break;
            }
        }
        self.blanks();
        match self.peek() {
            None | Some(b'\n' | b';' | b'&' | b'|' | b')' | b'#') => Ok(()),
            _ => self.fail(),
        }
    }

    fn expect_keyword(&mut self, k: &str) -> R<()> {
        self.linebreaks()?;
        if self.keyword() == Some(k) {
            self.pos += k.len();
            Ok(())
        } else {
            self.fail()
        }
    }

    fn if_clause(&mut self, cx: Cx) -> R<()> {
        let at = self.host_at(self.pos);
        self.pos += 2;
        let (n, _) = self.list(cx, &["then"])?;
        if n == 0 {
            return self.fail();
        }
        self.expect_keyword("then")?;
        let arm = self.step(cx, ControlStep::Branch { at, arm: 0 });
        let (n, _) = self.list(arm, &["elif", "else", "fi"])?;
        if n == 0 {
            return self.fail();
        }
        let mut arms = 1;
        loop {
            self.linebreaks()?;
            match self.keyword() {
                Some("elif") => {
                    let elif_at = self.host_at(self.pos);
                    self.pos += 4;
                    let arm = self.step(cx, ControlStep::Branch { at, arm: arms });
                    let cond = self.step(arm, ControlStep::ElifCondition { at: elif_at });
                    let (n, _) = self.list(cond, &["then"])?;
                    if n == 0 {
                        return self.fail();
                    }
                    self.expect_keyword("then")?;
                    let (n, _) = self.list(arm, &["elif", "else", "fi"])?;
                    if n == 0 {
                        return self.fail();
                    }
                    arms += 1;
                }
                Some("else") => {
                    self.pos += 4;
                    let arm = self.step(cx, ControlStep::Branch { at, arm: arms });
                    let (n, _) = self.list(arm, &["fi"])?;
                    if n == 0 {
                        return self.fail();
                    }
                    self.expect_keyword("fi")?;
                    return Ok(());
                }
                Some("fi") => {
                    self.pos += 2;
                    return Ok(());
                }
                _ => return self.fail(),
            }
        }
    }

    /// `do list done` (or `{ list }` after `for`), with `inner` for the list.
    fn do_group(&mut self, inner: Cx, braces: bool) -> R<()> {
        self.linebreaks()?;
        match self.keyword() {
            Some("do") => {
                self.pos += 2;
                let (n, _) = self.list(inner, &["done"])?;
                if n == 0 {
                    return self.fail();
                }
                self.expect_keyword("done")
            }
            Some("{") if braces => {
                self.pos += 1;
                self.group(inner, b'}')
            }
            _ => self.fail(),
        }
    }

    fn for_clause(&mut self, cx: Cx) -> R<()> {
        let at = self.host_at(self.pos);
        let select = self.keyword() == Some("select");
        self.pos += if select { 6 } else { 3 };
        self.blanks();
        if !select && self.starts(b"((") {
            let Some(end) = self.arith_end(self.pos + 2) else {
                return self.fail();
            };
            let inner = self.step(cx, ControlStep::Loop { at, count: None });
            let from = self.pos + 2;
            self.arith(inner, from, end)?;
            self.pos = end + 2;
            self.blanks();
            if self.peek() == Some(b';') {
                self.pos += 1;
            }
            return self.do_group(inner, true);
        }
        // The loop variable.
        let name_len = self.s[self.pos..].iter().take_while(|b| is_name_byte(**b)).count();
        if name_len == 0 || !is_name_start(self.s[self.pos]) {
            return self.fail();
        }
        self.pos += name_len;
        self.blanks();
        if self.at(self.pos).is_some_and(|b| !is_meta(b) && b != b'#') && self.keyword().is_none() {
            return self.fail();
        }
        // Newlines may come before `in` (and before `do`).
        self.linebreaks()?;
        let mut count = None;
        if self.keyword() == Some("in") {
            self.pos += 2;
            let mut values = 0u64;
            let mut literal = true;
            loop {
                self.blanks();
                match self.peek() {
                    None => return self.fail(),
                    Some(b'\n' | b';') => break,
                    Some(b'#') => {
                        self.blanks_comment();
                        continue;
                    }
                    Some(_) if !self.word_starts() => return self.fail(),
                    _ => {
                        let w = self.word(cx, Mode::Unquoted)?;
                        literal &= w.parts.iter().all(|p| matches!(p.kind, PartKind::Lit(_)));
                        values += 1;
                    }
                }
            }
            if self.peek() == Some(b';') {
                self.pos += 1;
            } else {
                self.newline()?;
            }
            if values > 0 && literal {
                count = Some(values);
            }
        } else if self.peek() == Some(b';') {
            self.pos += 1;
        }
        let inner = self.step(cx, ControlStep::Loop { at, count });
        self.do_group(inner, true)
    }

    fn while_clause(&mut self, cx: Cx) -> R<()> {
        let start = self.pos;
        let at = self.host_at(start);
        let until = self.keyword() == Some("until");
        self.pos += 5;
        let inner = self.step(cx, ControlStep::Loop { at, count: None });
        self.st.loops.push((false, false));
        let body = (|| -> R<(usize, usize)> {
            self.blanks();
            let cond_start = self.pos;
            let (n, cond_end) = self.list(inner, &["do"])?;
            if n == 0 {
                return self.fail();
            }
            self.do_group(inner, false)?;
            Ok((cond_start, cond_end))
        })();
        let (leaves, counted) = self.st.loops.pop().unwrap_or_default();
        let (cond_start, cond_end) = body?;
        if let Some(outer) = self.st.loops.last_mut() {
            outer.0 |= leaves;
            outer.1 |= counted;
        }
        let cond = self.span(cond_start, cond_end);
        let cond_text = self.host.get(cond.start..cond.end).unwrap_or("").trim();
        let forever = if until { cond_text == "false" } else { cond_text == "true" || cond_text == ":" };
        let span = self.span(start, self.pos);
        self.st.out.loops.push(LoopFact {
            span,
            head: Span::new(span.start, cond.end.max(span.start)),
            until,
            forever,
            leaves,
            counted,
        });
        Ok(())
    }

    fn case_clause(&mut self, cx: Cx) -> R<()> {
        let at = self.host_at(self.pos);
        self.pos += 4;
        self.blanks();
        if !self.word_starts() {
            return self.fail();
        }
        self.word(cx, Mode::Unquoted)?;
        self.linebreaks()?;
        if self.keyword() != Some("in") {
            return self.fail();
        }
        self.pos += 2;
        let mut arm = 0;
        loop {
            self.linebreaks()?;
            if self.keyword() == Some("esac") {
                self.pos += 4;
                return Ok(());
            }
            let inner = self.step(cx, ControlStep::Branch { at, arm });
            arm += 1;
            if self.peek() == Some(b'(') {
                self.pos += 1;
                self.blanks();
            }
            // Patterns, `|`-separated.
            loop {
                self.blanks();
                match self.peek() {
                    None => return self.fail(),
                    Some(_) if !self.word_starts() => return self.fail(),
                    _ => {}
                }
                self.word(inner, Mode::Unquoted)?;
                self.blanks();
                match self.peek() {
                    Some(b'|') => self.pos += 1,
                    Some(b')') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return self.fail(),
                }
            }
            self.list(inner, &["esac"])?;
            self.linebreaks()?;
            if self.starts(b";;&") {
                self.pos += 3;
            } else if self.starts(b";;") || self.starts(b";&") {
                self.pos += 2;
            } else if self.keyword() == Some("esac") {
                self.pos += 4;
                return Ok(());
            } else {
                return self.fail();
            }
        }
    }

    /// `function NAME [()] body`.
    fn function_keyword(&mut self, cx: Cx, start: usize) -> R<()> {
        self.pos += 8;
        self.blanks();
        let name_start = self.pos;
        while self.peek().is_some_and(|b| !is_meta(b) && b != b'\r') {
            self.pos += 1;
        }
        if self.pos == name_start {
            return self.fail();
        }
        let name_end = self.pos;
        self.blanks();
        if self.peek() == Some(b'(') {
            self.pos += 1;
            self.blanks();
            if self.peek() != Some(b')') {
                return self.fail();
            }
            self.pos += 1;
        }
        self.function_body(cx, start, name_start, name_end)
    }

    fn function_body(&mut self, cx: Cx, start: usize, name_start: usize, name_end: usize) -> R<()> {
        self.linebreaks()?;
        let name = String::from_utf8_lossy(&self.l[name_start..name_end]).into_owned();
        let index = self.st.out.functions.len();
        self.st.out.functions.push(RawFunction {
            name,
            span: self.span(start, start),
        });
        let inner = Cx {
            function: Some(index),
            ..cx
        };
        let compound = matches!(
            self.keyword(),
            Some("if" | "for" | "select" | "while" | "until" | "case" | "{" | "[[")
        ) || self.peek() == Some(b'(');
        if !compound {
            return self.fail();
        }
        self.command_inner(inner)?;
        let span = self.span(start, self.pos);
        self.st.out.functions[index].span = span;
        Ok(())
    }

    /// `[[ … ]]`, after the opener.
    fn conditional(&mut self, cx: Cx) -> R<()> {
        let mut regex_next = false;
        let mut any = false;
        loop {
            self.blanks();
            while self.peek() == Some(b'\n') {
                self.newline()?;
                self.blanks();
            }
            let Some(b) = self.peek() else { return self.fail() };
            if self.starts(b"]]") && self.at(self.pos + 2).is_none_or(|c| is_meta(c) || c == b'\r') {
                self.pos += 2;
                return if any { Ok(()) } else { self.fail() };
            }
            any = true;
            if regex_next {
                regex_next = false;
                self.word(cx, Mode::Regex)?;
                continue;
            }
            if self.starts(b"&&") || self.starts(b"||") {
                self.pos += 2;
                continue;
            }
            let word_follows = self.at(self.pos + 1).is_some_and(|c| !is_meta(c));
            match b {
                b'(' | b')' => {
                    self.pos += 1;
                    continue;
                }
                b'!' if !word_follows => {
                    self.pos += 1;
                    continue;
                }
                b'<' | b'>' if self.at(self.pos + 1) == Some(b'(') => {}
                b'<' | b'>' => {
                    self.pos += 1;
                    self.counted();
                    continue;
                }
                b';' | b'&' | b'|' => return self.fail(),
                _ => {}
            }
            let w = self.word(cx, Mode::Unquoted)?;
            match self.plain(&w).as_deref() {
                Some("=~") => regex_next = true,
                Some("-lt" | "-le" | "-gt" | "-ge" | "-eq" | "-ne") => self.counted(),
                _ => {}
            }
        }
    }

    fn counted(&mut self) {
        if let Some(l) = self.st.loops.last_mut() {
            l.1 = true;
        }
    }

    fn leaves(&mut self) {
        if let Some(l) = self.st.loops.last_mut() {
            l.0 = true;
        }
    }

    /// The text of a word written as one unquoted literal.
    fn plain(&self, w: &RawWord) -> Option<String> {
        match w.parts.as_slice() {
            [Part { kind: PartKind::Lit(t), quoted: false, exact: true, .. }] => Some(t.clone()),
            _ => None,
        }
    }

    /// Where the `((` whose inside starts at `from` ends (the index of its
    /// `))`), if it is an arithmetic expression (bash reads `((` as two
    /// subshells otherwise).
    fn arith_end(&self, from: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut i = from;
        while i < self.s.len() {
            match self.s[i] {
                b'\\' => i += 1,
                b'\'' => {
                    i += 1;
                    while i < self.s.len() && self.s[i] != b'\'' {
                        i += 1;
                    }
                }
                b'"' => {
                    i += 1;
                    while i < self.s.len() && self.s[i] != b'"' {
                        if self.s[i] == b'\\' {
                            i += 1;
                        }
                        i += 1;
                    }
                }
                b'`' => {
                    i += 1;
                    while i < self.s.len() && self.s[i] != b'`' {
                        if self.s[i] == b'\\' {
                            i += 1;
                        }
                        i += 1;
                    }
                }
                b'(' => depth += 1,
                b')' => {
                    if depth == 0 {
                        return (self.at(i + 1) == Some(b')')).then_some(i);
                    }
                    depth -= 1;
                }
                _ => {}
            }
            i += 1;
        }
        None
    }

    /// An arithmetic expression in `[from, end)`: its substitutions run; a
    /// comparison or `SECONDS` counts for a loop around it.
    fn arith(&mut self, cx: Cx, from: usize, end: usize) -> R<()> {
        let text = &self.s[from..end];
        if !arith_plausible(text) {
            // bash reads `((kubectl get nodes))` as arithmetic and fails when
            // it runs it; shfmt rejects it. Not something to pass silently:
            // tree-sitter's recovery reports it.
            return self.fail();
        }
        let compares = text.windows(2).enumerate().any(|(i, w)| {
            let prev = if i > 0 { text[i - 1] } else { b' ' };
            match w {
                [b'=', b'='] | [b'!', b'='] | [b'<', b'='] | [b'>', b'='] => true,
                [b'<', c] | [b'>', c] => *c != w[0] && prev != w[0],
                _ => false,
            }
        }) || matches!(text.last(), Some(b'<' | b'>'));
        if compares || contains_name(text, b"SECONDS") {
            self.counted();
        }
        let mut i = from;
        while i < end {
            match self.s[i] {
                b'\\' => i += 2,
                b'\'' => {
                    i += 1;
                    while i < end && self.s[i] != b'\'' {
                        i += 1;
                    }
                    i += 1;
                }
                b'$' | b'`' | b'"' => {
                    self.pos = i;
                    let mut parts = Vec::new();
                    if self.s[i] == b'"' {
                        self.pos += 1;
                        self.parts(Mode::Double, cx, end, &mut parts)?;
                        if self.peek() != Some(b'"') {
                            return self.fail();
                        }
                        self.pos += 1;
                    } else {
                        self.dollar_or_backquote(cx, Mode::Unquoted, end, &mut parts)?;
                    }
                    i = self.pos.max(i + 1);
                }
                _ => i += 1,
            }
        }
        self.pos = end;
        Ok(())
    }

    /// Start of a redirection at the cursor: the length of its optional fd
    /// prefix (`2`, `{fd}`) when one starts here.
    fn redirect_start(&self) -> Option<usize> {
        let rest = &self.s[self.pos..];
        let mut n = 0;
        if rest.first() == Some(&b'{') {
            let name = rest[1..].iter().take_while(|b| is_name_byte(**b)).count();
            if name > 0 && rest.get(1 + name) == Some(&b'}') {
                n = name + 2;
            }
        } else {
            n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        }
        match rest.get(n) {
            Some(b'<' | b'>') if rest.get(n + 1) != Some(&b'(') => Some(n),
            Some(b'&') if n == 0 && rest.get(1) == Some(&b'>') => Some(0),
            _ => None,
        }
    }

    /// A redirection at the cursor: (operator, target word) for `>`/`>>`.
    fn redirect(&mut self, cx: Cx) -> R<Option<(String, RawWord)>> {
        let fd = self.redirect_start().unwrap_or(0);
        let stdin = self.s[self.pos..self.pos + fd].iter().all(|&b| b == b'0');
        self.pos += fd;
        const OPS: &[&str] = &["&>>", "&>", "<<<", "<<-", "<<", "<>", "<&", "<", ">>", ">&", ">|", ">"];
        let Some(op) = OPS.iter().find(|o| self.starts(o.as_bytes())) else {
            return self.fail();
        };
        self.pos += op.len();
        self.blanks();
        match self.peek() {
            None => return self.fail(),
            Some(_) if !self.word_starts() => return self.fail(),
            _ => {}
        }
        if matches!(*op, "<<" | "<<-") {
            let start = self.pos;
            self.word(cx, Mode::Unquoted)?;
            let raw = &self.l[start..self.pos];
            let expand = !raw.iter().any(|b| matches!(b, b'\'' | b'"' | b'\\'));
            // Quote removal, as bash does on the delimiter word.
            let delim = raw.iter().copied().filter(|b| !matches!(b, b'\'' | b'"' | b'\\')).collect();
            self.pending.push(Heredoc {
                delim,
                strip_tabs: *op == "<<-",
                expand,
                cx,
                stdin,
                command: None,
            });
            return Ok(None);
        }
        let w = self.word(cx, Mode::Unquoted)?;
        Ok(matches!(*op, ">" | ">>").then(|| (op.to_string(), w)))
    }

    /// An assignment's `NAME=` / `NAME+=` / `NAME[…]=` at the cursor: (name
    /// end, value start, subscripted).
    fn assignment_at(&self) -> Option<(usize, usize, bool)> {
        let rest = &self.s[self.pos..];
        if !rest.first().is_some_and(|b| is_name_start(*b)) {
            return None;
        }
        let name = rest.iter().take_while(|b| is_name_byte(**b)).count();
        let mut i = name;
        let mut subscripted = false;
        if rest.get(i) == Some(&b'[') {
            let mut depth = 0;
            while i < rest.len() {
                match rest[i] {
                    b'[' => depth += 1,
                    b']' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    b'\n' => return None,
                    _ => {}
                }
                i += 1;
            }
            if rest.get(i) != Some(&b']') {
                return None;
            }
            i += 1;
            subscripted = true;
        }
        if rest.get(i) == Some(&b'+') {
            i += 1;
        }
        (rest.get(i) == Some(&b'=')).then_some((self.pos + name, self.pos + i + 1, subscripted))
    }

    /// An assignment word at the cursor (after [`Self::assignment_at`]).
    fn assignment(&mut self, cx: Cx, name_end: usize, value_start: usize, subscripted: bool) -> R<Option<RawAssignment>> {
        let start = self.pos;
        let name = String::from_utf8_lossy(&self.l[start..name_end]).into_owned();
        if name == "SECONDS" {
            self.counted();
        }
        self.pos = value_start;
        let value = if self.peek() == Some(b'(') {
            self.pos += 1;
            let mut items = Vec::new();
            loop {
                self.linebreaks()?;
                match self.peek() {
                    Some(b')') => {
                        self.pos += 1;
                        break;
                    }
                    None => return self.fail(),
                    Some(_) if !self.word_starts() => return self.fail(),
                    _ => items.push(self.word(cx, Mode::Unquoted)?),
                }
            }
            AssignedValue::Array(items)
        } else if self.peek().is_none_or(|b| is_meta(b) || b == b'\r') {
            let at = self.span(self.pos, self.pos);
            AssignedValue::Word(RawWord {
                span: at,
                parts: Vec::new(),
                imported: false,
            })
        } else {
            AssignedValue::Word(self.word(cx, Mode::Unquoted)?)
        };
        if subscripted {
            return Ok(None);
        }
        Ok(Some(RawAssignment {
            name,
            span: self.span(start, self.pos),
            value,
            function: cx.function,
            local: false,
            defined_in: None,
        }))
    }

    fn simple(&mut self, cx: Cx) -> R<()> {
        let start = self.pos;
        // The heredocs this command opens.
        let opened = self.pending.len();
        let mut words: Vec<RawWord> = Vec::new();
        let mut assignments: Vec<RawAssignment> = Vec::new();
        let mut redirects = Vec::new();
        let mut last_word_end = start;
        let mut declaration: Option<bool> = None; // Some(declares local)
        let mut any = false;
        let mut first_word = (start, start);
        // The call's text starts at its first assignment or word (a
        // redirection written before them is not part of it).
        let mut text_start: Option<usize> = None;
        loop {
            self.blanks();
            let Some(b) = self.peek() else { break };
            if b == b'#' {
                break;
            }
            if self.redirect_start().is_some() {
                if let Some(r) = self.redirect(cx)? {
                    redirects.push(r);
                }
                any = true;
                continue;
            }
            if b == b'(' {
                // `name ()`: a function definition.
                if words.len() == 1 && assignments.is_empty() && redirects.is_empty() {
                    self.pos += 1;
                    self.blanks();
                    if self.peek() != Some(b')') {
                        return self.fail();
                    }
                    self.pos += 1;
                    let (name_start, name_end) = first_word;
                    return self.function_body(cx, start, name_start, name_end);
                }
                return self.fail();
            }
            let procsub = matches!(b, b'<' | b'>') && self.at(self.pos + 1) == Some(b'(');
            if (is_meta(b) && !procsub) || b == b'\r' {
                break;
            }
            // Assignments before the command name, and as arguments of a
            // declaration builtin.
            text_start.get_or_insert(self.pos);
            if (words.is_empty() || declaration.is_some())
                && let Some((name_end, value_start, sub)) = self.assignment_at()
            {
                let a = self.assignment(cx, name_end, value_start, sub)?;
                any = true;
                if let Some(mut a) = a {
                    if let Some(local) = declaration {
                        a.local = local && cx.function.is_some();
                        self.st.out.assignments.push(a);
                    } else {
                        assignments.push(a);
                    }
                }
                continue;
            }
            let word_start = self.pos;
            let w = self.word(cx, Mode::Unquoted)?;
            any = true;
            last_word_end = self.pos;
            if words.is_empty() {
                first_word = (word_start, self.pos);
                if let Some(t) = self.plain(&w) {
                    match t.as_str() {
                        "local" | "declare" | "typeset" => declaration = Some(true),
                        "export" | "readonly" => declaration = Some(false),
                        "break" | "exit" | "return" => self.leaves(),
                        "date" => self.counted(),
                        _ => {}
                    }
                }
            } else if let Some(local) = declaration {
                if let Some(t) = self.plain(&w) {
                    if t.starts_with('-') && t.contains('g') {
                        // `declare -g`: global from here on.
                        declaration = Some(false);
                    } else if let Some(f) = cx.function
                        && local
                        && !t.starts_with('-')
                        && t.bytes().all(is_name_byte)
                    {
                        self.st.out.declared_locals.push((t, f));
                    }
                }
            }
            words.push(w);
        }
        if !any {
            return self.fail();
        }
        let Some(first) = words.first() else {
            // Assignments only: shell variables.
            self.st.out.assignments.extend(assignments);
            return Ok(());
        };
        let first_text = self.plain(first);
        match first_text.as_deref() {
            // Declarations, `unset` and `[ … ]` are not commands to tree-sitter
            // either; their assignments were recorded above.
            Some("local" | "declare" | "typeset" | "export" | "readonly" | "unset" | "unsetenv") => return Ok(()),
            Some("[" | "test") => {
                if words.iter().any(|w| {
                    matches!(self.plain(w).as_deref(), Some("-lt" | "-le" | "-gt" | "-ge" | "-eq" | "-ne"))
                }) {
                    self.counted();
                }
                if first_text.as_deref() == Some("[") {
                    return Ok(());
                }
            }
            Some(":") => {
                for w in &words[1..] {
                    if let Some(a) = self.default_assignment(w, cx) {
                        self.st.out.assignments.push(a);
                    }
                }
            }
            _ => {}
        }
        let span = self.span(text_start.unwrap_or(start), last_word_end);
        let mut words = words;
        words.shrink_to_fit();
        self.st.out.commands.push(RawCommand {
            span,
            words,
            redirects,
            function: cx.function,
            control: cx.control,
            control_truncated: cx.depth > MAX_CONTROL_DEPTH,
            defined_in: None,
        });
        for h in self.pending.iter_mut().skip(opened).filter(|h| h.stdin) {
            h.command = Some(span);
        }
        Ok(())
    }

    /// `${NAME:=word}` / `${NAME=word}` as a `:` argument (alone, or alone
    /// in double quotes): NAME is assigned `word` when it was unset.
    fn default_assignment(&self, w: &RawWord, cx: Cx) -> Option<RawAssignment> {
        let [part] = w.parts.as_slice() else {
            return None;
        };
        let PartKind::Var { name, default: Some(_) } = &part.kind else {
            return None;
        };
        // Only the assigning forms: `${K:-…}` assigns nothing.
        let text = self.host.get(part.span.start..part.span.end)?;
        let op = text.get(2 + name.len()..)?;
        if !(op.starts_with(":=") || op.starts_with('=')) {
            return None;
        }
        let span = part.span;
        Some(RawAssignment {
            name: name.clone(),
            span,
            value: AssignedValue::Word(RawWord {
                span,
                parts: vec![Part {
                    kind: part.kind.clone(),
                    span,
                    quoted: true,
                    exact: false,
                }],
                imported: false,
            }),
            function: cx.function,
            local: false,
            defined_in: None,
        })
    }

    /// A word at the cursor.
    fn word(&mut self, cx: Cx, mode: Mode) -> R<RawWord> {
        let start = self.pos;
        let mut parts = Vec::new();
        let end = self.s.len();
        self.parts(mode, cx, end, &mut parts)?;
        if self.pos == start {
            return self.fail();
        }
        parts.shrink_to_fit();
        Ok(RawWord {
            span: self.span(start, self.pos),
            parts,
            imported: false,
        })
    }

    /// Literal text `[from, to)` (quote removal already done by the caller in
    /// `text`) as a part.
    fn lit(&self, out: &mut Vec<Part>, from: usize, to: usize, text: Vec<u8>, quoted: bool) {
        let span = self.span(from, to);
        let text = String::from_utf8(text).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        let exact = self.host.get(span.start..span.end) == Some(text.as_str());
        out.push(Part {
            kind: PartKind::Lit(text),
            span,
            quoted,
            exact,
        });
    }

    /// Parts of a word in `mode` from the cursor, up to where the mode ends
    /// (the cursor is left there) or `end`.
    fn parts(&mut self, mode: Mode, cx: Cx, end: usize, out: &mut Vec<Part>) -> R<()> {
        let quoted = matches!(mode, Mode::Double | Mode::Body);
        let mut run: Vec<u8> = Vec::new();
        let mut run_start = self.pos;
        // `(` nesting in a regex.
        let mut parens = 0usize;
        macro_rules! flush {
            () => {
                if self.pos > run_start || !run.is_empty() {
                    let text = std::mem::take(&mut run);
                    self.lit(out, run_start, self.pos, text, quoted);
                }
            };
        }
        while self.pos < end {
            let b = self.s[self.pos];
            match mode {
                Mode::Unquoted => {
                    if is_meta(b) {
                        if (b == b'<' || b == b'>') && self.at(self.pos + 1) == Some(b'(') {
                            flush!();
                            self.process_substitution(cx, out)?;
                            run_start = self.pos;
                            continue;
                        }
                        break;
                    }
                    if b == b'\r' && self.at(self.pos + 1).is_none_or(|c| c == b'\n') {
                        break;
                    }
                }
                Mode::Regex => {
                    if matches!(b, b' ' | b'\t' | b'\n') && parens == 0 {
                        break;
                    }
                    if b == b'(' {
                        parens += 1;
                    } else if b == b')' {
                        if parens == 0 {
                            break;
                        }
                        parens -= 1;
                    } else if matches!(b, b';' | b'&' | b'<' | b'>') && parens == 0 {
                        break;
                    }
                    if matches!(b, b'(' | b')' | b'|' | b';' | b'&' | b'<' | b'>' | b' ' | b'\t' | b'\n') {
                        run.push(self.l[self.pos]);
                        self.pos += 1;
                        continue;
                    }
                }
                Mode::Double => {
                    if b == b'"' {
                        break;
                    }
                }
                // The first `}` closes (bash does not count a bare `{`:
                // `${dn#*{}` is `dn` without up to its first `{`).
                Mode::Brace => {
                    if b == b'}' {
                        break;
                    }
                }
                Mode::Body => {}
            }
            match b {
                b'\\' => {
                    let next = self.at(self.pos + 1);
                    match mode {
                        Mode::Double | Mode::Body => match next {
                            Some(b'\n') => {
                                self.pos += 2;
                            }
                            Some(c @ (b'$' | b'`' | b'\\')) => {
                                run.push(c);
                                self.pos += 2;
                            }
                            Some(b'"') if mode == Mode::Double => {
                                run.push(b'"');
                                self.pos += 2;
                            }
                            _ => {
                                run.push(b'\\');
                                self.pos += 1;
                            }
                        },
                        _ => match next {
                            Some(b'\n') => self.pos += 2,
                            Some(_) => {
                                // The escaped byte (the whole character if
                                // it is not ASCII).
                                self.pos += 1;
                                let len = utf8_len(self.l[self.pos]);
                                let to = (self.pos + len).min(self.l.len());
                                run.extend_from_slice(&self.l[self.pos..to]);
                                self.pos = to;
                            }
                            None => self.pos += 1,
                        },
                    }
                }
                b'\'' if !quoted => {
                    flush!();
                    let open = self.pos;
                    let close = match memchr::memchr(b'\'', &self.s[open + 1..end]) {
                        Some(i) => open + 1 + i,
                        None => return self.fail(),
                    };
                    let text = self.l[open + 1..close].to_vec();
                    self.pos = close;
                    self.lit(out, open + 1, close, text, true);
                    self.pos = close + 1;
                    run_start = self.pos;
                }
                b'"' if !quoted => {
                    flush!();
                    self.pos += 1;
                    self.double_quoted(cx, end, out)?;
                    run_start = self.pos;
                }
                b'$' | b'`' => {
                    if b == b'$' && !self.dollar_expands(mode) {
                        run.push(b'$');
                        self.pos += 1;
                        continue;
                    }
                    flush!();
                    self.dollar_or_backquote(cx, mode, end, out)?;
                    run_start = self.pos;
                }
                _ => {
                    run.push(self.l[self.pos]);
                    self.pos += 1;
                }
            }
        }
        flush!();
        Ok(())
    }

    /// The inside of `"…"` from the cursor (just past the opening quote),
    /// and the closing quote; `""` is an empty, quoted word.
    fn double_quoted(&mut self, cx: Cx, end: usize, out: &mut Vec<Part>) -> R<()> {
        let inner = self.pos;
        let before = out.len();
        self.parts(Mode::Double, cx, end, out)?;
        if self.peek() != Some(b'"') {
            return self.fail();
        }
        if out.len() == before {
            out.push(Part {
                kind: PartKind::Lit(String::new()),
                span: self.span(inner, inner),
                quoted: true,
                exact: true,
            });
        }
        self.pos += 1;
        Ok(())
    }

    /// Does the `$` at the cursor start an expansion in `mode`?
    fn dollar_expands(&self, mode: Mode) -> bool {
        match self.at(self.pos + 1) {
            Some(b'(' | b'{' | b'[') => true,
            Some(b'\'' | b'"') => !matches!(mode, Mode::Double | Mode::Body),
            Some(c) => is_name_byte(c) || matches!(c, b'@' | b'*' | b'#' | b'?' | b'$' | b'!' | b'-'),
            None => false,
        }
    }

    /// A `$…` expansion or a backquoted command at the cursor, as a part.
    fn dollar_or_backquote(&mut self, cx: Cx, mode: Mode, end: usize, out: &mut Vec<Part>) -> R<()> {
        let quoted = matches!(mode, Mode::Double | Mode::Body);
        let start = self.pos;
        let dynamic = |p: &Self, out: &mut Vec<Part>| {
            out.push(Part {
                kind: PartKind::Dynamic,
                span: p.span(start, p.pos),
                quoted,
                exact: false,
            })
        };
        if self.peek() == Some(b'`') {
            self.backquote(cx, mode)?;
            dynamic(self, out);
            return Ok(());
        }
        match self.at(self.pos + 1) {
            Some(b'(') => {
                if self.at(self.pos + 2) == Some(b'(')
                    && let Some(close) = self.arith_end(self.pos + 3)
                {
                    let from = self.pos + 3;
                    self.arith(cx, from, close)?;
                    self.pos = close + 2;
                } else {
                    self.pos += 2;
                    self.comsub(cx)?;
                }
                dynamic(self, out);
            }
            Some(b'[') => {
                // `$[…]`, old arithmetic.
                let Some(close) = memchr::memchr(b']', &self.s[self.pos..end]).map(|i| self.pos + i) else {
                    return self.fail();
                };
                let from = self.pos + 2;
                self.arith(cx, from, close)?;
                self.pos = close + 1;
                dynamic(self, out);
            }
            Some(b'{') => {
                let kind = self.braced(cx, end)?;
                out.push(Part {
                    kind,
                    span: self.span(start, self.pos),
                    quoted,
                    exact: false,
                });
            }
            Some(b'\'') => {
                // `$'…'`: backslash escapes; `\'` does not end it.
                let mut i = self.pos + 2;
                let mut escapes = false;
                while i < end && self.s[i] != b'\'' {
                    if self.s[i] == b'\\' {
                        escapes = true;
                        i += 1;
                    }
                    i += 1;
                }
                if i >= end {
                    return self.fail();
                }
                if escapes {
                    self.pos = i + 1;
                    dynamic(self, out);
                } else {
                    let text = self.l[self.pos + 2..i].to_vec();
                    self.lit(out, self.pos + 2, i, text, true);
                    self.pos = i + 1;
                }
            }
            Some(b'"') => {
                // `$"…"`: a translated string.
                self.pos += 2;
                self.double_quoted(cx, end, out)?;
            }
            Some(c) if is_name_start(c) => {
                let n = self.s[self.pos + 1..].iter().take_while(|b| is_name_byte(**b)).count();
                let name = String::from_utf8_lossy(&self.l[self.pos + 1..self.pos + 1 + n]).into_owned();
                if name == "SECONDS" {
                    self.counted();
                }
                self.pos += 1 + n;
                out.push(Part {
                    kind: PartKind::Var { name, default: None },
                    span: self.span(start, self.pos),
                    quoted,
                    exact: false,
                });
            }
            Some(b'@' | b'*') => {
                self.pos += 2;
                out.push(Part {
                    kind: PartKind::AllArgs,
                    span: self.span(start, self.pos),
                    quoted,
                    exact: false,
                });
            }
            Some(c @ b'1'..=b'9') => {
                self.pos += 2;
                out.push(Part {
                    kind: PartKind::Positional(usize::from(c - b'0')),
                    span: self.span(start, self.pos),
                    quoted,
                    exact: false,
                });
            }
            Some(_) => {
                self.pos += 2;
                dynamic(self, out);
            }
            None => return self.fail(),
        }
        Ok(())
    }

    /// `$(…)` after its opener: a script up to the matching `)`.
    fn comsub(&mut self, cx: Cx) -> R<()> {
        self.nest()?;
        let r = (|| {
            self.list(cx, &[])?;
            self.linebreaks()?;
            if self.peek() != Some(b')') {
                return self.fail();
            }
            self.pos += 1;
            Ok(())
        })();
        self.unnest();
        r
    }

    fn process_substitution(&mut self, cx: Cx, out: &mut Vec<Part>) -> R<()> {
        let start = self.pos;
        self.pos += 2;
        self.comsub(cx)?;
        out.push(Part {
            kind: PartKind::Dynamic,
            span: self.span(start, self.pos),
            quoted: false,
            exact: false,
        });
        Ok(())
    }

    /// `${…}` at the cursor (on the `$`).
    fn braced(&mut self, cx: Cx, end: usize) -> R<PartKind> {
        self.pos += 2;
        // bash 5.3 `${ list; }` / `${| list; }` run the list.
        if matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'|')) {
            if self.peek() == Some(b'|') {
                self.pos += 1;
            }
            self.nest()?;
            let r = self.list(cx, &["}"]);
            self.unnest();
            r?;
            self.linebreaks()?;
            if self.keyword() != Some("}") {
                return self.fail();
            }
            self.pos += 1;
            return Ok(PartKind::Dynamic);
        }
        let name_start = self.pos;
        let name_len = match self.peek() {
            Some(c) if is_name_start(c) => self.s[self.pos..].iter().take_while(|b| is_name_byte(**b)).count(),
            Some(c) if c.is_ascii_digit() => self.s[self.pos..].iter().take_while(|b| b.is_ascii_digit()).count(),
            Some(b'@' | b'*' | b'#' | b'?' | b'$' | b'!' | b'-') => 1,
            _ => 0,
        };
        let name = String::from_utf8_lossy(&self.l[name_start..name_start + name_len]).into_owned();
        let identifier = name.bytes().next().is_some_and(is_name_start);
        // `${2:-300}`: a positional parameter's default is what the
        // tree walk gave too.
        let positional = !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit());
        if name == "SECONDS" {
            self.counted();
        }
        self.pos += name_len;
        let kind = if name_len > 0 && self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(match name.as_str() {
                "@" | "*" => PartKind::AllArgs,
                _ if identifier => PartKind::Var { name, default: None },
                _ if positional && name != "0" => name.parse().map_or(PartKind::Dynamic, PartKind::Positional),
                _ => PartKind::Dynamic,
            });
        } else if identifier && self.peek() == Some(b'[') {
            let sub = &self.s[self.pos..];
            if (sub.starts_with(b"[@]}") || sub.starts_with(b"[*]}")) && identifier {
                self.pos += 4;
                return Ok(PartKind::ArrayAll(name));
            }
            PartKind::Dynamic
        } else if name_len > 0 && (self.starts(b":-") || self.starts(b":=")) {
            self.pos += 2;
            let mut default = Vec::new();
            self.parts(Mode::Brace, cx, end, &mut default)?;
            if self.peek() != Some(b'}') {
                return self.fail();
            }
            self.pos += 1;
            return Ok(if identifier || positional {
                PartKind::Var { name, default: Some(default) }
            } else {
                PartKind::Dynamic
            });
        } else if name_len > 0 && matches!(self.peek(), Some(b'-' | b'=')) && name != "#" {
            self.pos += 1;
            let mut default = Vec::new();
            self.parts(Mode::Brace, cx, end, &mut default)?;
            if self.peek() != Some(b'}') {
                return self.fail();
            }
            self.pos += 1;
            return Ok(if identifier || positional {
                PartKind::Var { name, default: Some(default) }
            } else {
                PartKind::Dynamic
            });
        } else {
            PartKind::Dynamic
        };
        // Anything else (`${#x}`, `${x/a/b}`, `${!x}`, …): to the closing brace.
        let mut ignored = Vec::new();
        self.parts(Mode::Brace, cx, end, &mut ignored)?;
        if self.peek() != Some(b'}') {
            return self.fail();
        }
        self.pos += 1;
        Ok(kind)
    }

    /// A backquoted command at the cursor: its body, unescaped as bash does
    /// (`\\`, `` \` ``, `\$`, and `\"` inside double quotes), is parsed as a
    /// script with its offsets mapped back.
    fn backquote(&mut self, cx: Cx, mode: Mode) -> R<()> {
        let open = self.pos;
        let mut i = open + 1;
        let mut s = Vec::new();
        let mut l = Vec::new();
        let mut map = Vec::new();
        let in_dq = matches!(mode, Mode::Double);
        loop {
            let Some(&b) = self.s.get(i) else {
                return self.fail();
            };
            match b {
                b'`' => break,
                b'\\' => {
                    let next = self.at(i + 1);
                    let unescape = matches!(next, Some(b'\\' | b'`' | b'$')) || (in_dq && next == Some(b'"'));
                    if unescape {
                        s.push(self.s[i + 1]);
                        l.push(self.l[i + 1]);
                        map.push(self.host_at(i + 1));
                        i += 2;
                    } else {
                        s.push(b);
                        l.push(self.l[i]);
                        map.push(self.host_at(i));
                        i += 1;
                    }
                }
                _ => {
                    s.push(b);
                    l.push(self.l[i]);
                    map.push(self.host_at(i));
                    i += 1;
                }
            }
        }
        self.nest()?;
        let r = {
            let mut inner = Parser {
                s: &s,
                l: &l,
                map: Some(&map),
                base: self.host_at(open + 1),
                host: self.host,
                pos: 0,
                pending: Vec::new(),
                st: &mut *self.st,
            };
            inner.program(cx)
        };
        self.unnest();
        r?;
        self.pos = i + 1;
        Ok(())
    }
}

/// Arithmetic has operators between its operands: two operands separated by
/// blanks alone (`kubectl get`) are not arithmetic. Quotes and expansions are
/// operands as a whole.
fn arith_plausible(text: &[u8]) -> bool {
    let mut i = 0;
    // Just after an operand, and blanks have followed it.
    let (mut after_operand, mut gap) = (false, false);
    while i < text.len() {
        let b = text[i];
        let operand_len = match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                gap = after_operand;
                i += 1;
                continue;
            }
            b'\\' => 2,
            b'$' if matches!(text.get(i + 1), Some(b'(' | b'{' | b'[')) => {
                let (open, close) = match text[i + 1] {
                    b'(' => (b'(', b')'),
                    b'{' => (b'{', b'}'),
                    _ => (b'[', b']'),
                };
                let mut depth = 0usize;
                let mut j = i + 1;
                while j < text.len() {
                    if text[j] == open {
                        depth += 1;
                    } else if text[j] == close {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    j += 1;
                }
                j + 1 - i
            }
            b'\'' | b'"' | b'`' => memchr::memchr(b, &text[i + 1..]).map_or(text.len() - i, |k| k + 2),
            b if is_name_byte(b) || b == b'$' || b == b'#' || b == b'@' => {
                text[i..].iter().take_while(|c| is_name_byte(**c) || matches!(c, b'$' | b'#' | b'@')).count()
            }
            _ => {
                after_operand = false;
                gap = false;
                i += 1;
                continue;
            }
        };
        if after_operand && gap {
            return false;
        }
        after_operand = true;
        gap = false;
        i += operand_len.max(1);
    }
    true
}

fn contains_name(text: &[u8], name: &[u8]) -> bool {
    memchr::memmem::find_iter(text, name).any(|i| {
        (i == 0 || !is_name_byte(text[i - 1])) && text.get(i + name.len()).is_none_or(|b| !is_name_byte(*b))
    })
}

fn utf8_len(b: u8) -> usize {
    match b {
        0xF0..=0xF7 => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syntax(text: &str) -> Syntax {
        parse(text, text, Span::new(0, text.len())).unwrap_or_else(|f| panic!("rejected at {}: {text:?}", f.at))
    }

    /// (first word's text, start offset) of each command.
    fn commands(text: &str) -> Vec<(String, usize)> {
        syntax(text)
            .commands
            .iter()
            .map(|c| (text[c.words[0].span.start..c.words[0].span.end].to_string(), c.words[0].span.start))
            .collect()
    }

    fn names(text: &str) -> Vec<String> {
        commands(text).into_iter().map(|(n, _)| n).collect()
    }

    #[test]
    fn statements_after_a_long_pipeline_are_commands() {
        // tree-sitter-bash swallowed the lines after a three-stage pipeline up
        // to the next redirect (issue 12).
        let text = "kubectl get nodes | grep Ready | wc -l\nkubectl get pods\necho x\nkubectl get ns 2>/dev/null\n";
        assert_eq!(names(text), ["kubectl", "grep", "wc", "kubectl", "echo", "kubectl"]);
    }

    #[test]
    fn heredoc_bodies_after_two_openers() {
        // Both bodies follow the line in order; the first is `<<-` (tabs
        // stripped) and unquoted, so its `$(…)` runs; the second is quoted.
        // shfmt 3.6 reads the first body line as a command in the generated
        // script this comes from (tests/shell_oracle.rs, SHFMT_MISREADS);
        // bash's own `declare -f` shows it as the body.
        let text = "function fn_0() {\njq | <<-YAML3 kubectl 'a' << \"EOF4\" $(kubectl; ((x = 1 + 2))) | cat\n\tkubectl get pods -n kube-system\n\tns=$(kubectl get ns -o name)\n\tYAML3\nkubectl get pods -n kube-system\nEOF4\n}\n";
        let found = commands(text);
        let lines: Vec<usize> = found.iter().map(|(_, at)| text[..*at].matches('\n').count() + 1).collect();
        assert_eq!(
            found.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["jq", "kubectl", "kubectl", "cat", "kubectl"]
        );
        assert_eq!(lines, [2, 2, 2, 2, 4]);
    }

    #[test]
    fn backquote_bodies_keep_host_offsets() {
        let text = "x=\"`kubectl get \\\"pods\\\" -o name`\"; echo `echo \\`kubectl version\\``\n";
        let found = commands(text);
        let kubectl: Vec<usize> = found.iter().filter(|(n, _)| n == "kubectl").map(|(_, at)| *at).collect();
        assert_eq!(kubectl, [4, text.find("kubectl version").unwrap()]);
        // The unescaped `\"pods\"` is one quoted word.
        let s = syntax(text);
        let get = s.commands.iter().find(|c| c.words.len() == 5).expect("kubectl get");
        assert!(matches!(&get.words[2].parts[0].kind, PartKind::Lit(t) if t == "pods"));
    }

    #[test]
    fn keywords_only_in_command_position() {
        assert_eq!(names("echo if then fi; if true; then echo done; fi\n"), ["echo", "true", "echo"]);
        assert_eq!(names("case $x in (a|b) kubectl get x;; *) echo esac;;& esac\n"), ["kubectl", "echo"]);
        assert_eq!(names("{ echo }; }\n"), ["echo"]);
    }

    #[test]
    fn arithmetic_or_subshells() {
        assert_eq!(names("(( i++ )); ( (kubectl get x) )\n"), ["kubectl"]);
        assert_eq!(names("echo $(( 1 + $(kubectl get x | wc -l) ))\n"), ["echo", "kubectl", "wc"]);
        assert_eq!(names("echo $( (kubectl get x) )\n"), ["echo", "kubectl"]);
    }

    #[test]
    fn control_steps_as_in_the_tree_walk() {
        let text = "if a; then b; elif c; then d; else e; fi\nx | y\nfor i in 1 2 3; do f; done\n";
        let s = syntax(text);
        let path = |name: &str| {
            let c = s.commands.iter().find(|c| matches!(&c.words[0].parts[0].kind, PartKind::Lit(t) if t == name)).unwrap();
            s.control_path(c.control)
        };
        assert_eq!(path("a"), []);
        assert_eq!(path("b"), [ControlStep::Branch { at: 0, arm: 0 }]);
        assert_eq!(path("c"), [ControlStep::Branch { at: 0, arm: 1 }, ControlStep::ElifCondition { at: 14 }]);
        assert_eq!(path("d"), [ControlStep::Branch { at: 0, arm: 1 }]);
        assert_eq!(path("e"), [ControlStep::Branch { at: 0, arm: 2 }]);
        let pipe = text.find("x |").unwrap();
        assert_eq!(path("x"), [ControlStep::Stage { at: pipe, stage: 0 }]);
        assert_eq!(path("y"), [ControlStep::Stage { at: pipe, stage: 1 }]);
        let for_at = text.find("for").unwrap();
        assert_eq!(path("f"), [ControlStep::Loop { at: for_at, count: Some(3) }]);
    }

    #[test]
    fn loops_say_how_they_end() {
        let s = syntax("until kubectl get nodes; do sleep 5; done\nwhile true; do [ $n -ge 5 ] && break; n=$((n+1)); done\n");
        assert_eq!(s.loops.len(), 2);
        let (a, b) = (&s.loops[0], &s.loops[1]);
        assert!(a.until && !a.forever && !a.leaves && !a.counted);
        assert_eq!(a.head, Span::new(0, 23));
        assert!(!b.until && b.forever && b.leaves && b.counted);
    }

    #[test]
    fn assignments_functions_and_locals() {
        let text = "K=\"microk8s kubectl\"\nf() { local L=kubectl M; export E=1; : \"${D:=kubectl}\"; $L get x; }\narr=(a b)\n";
        let s = syntax(text);
        let names: Vec<(&str, bool)> = s.assignments.iter().map(|a| (a.name.as_str(), a.local)).collect();
        assert_eq!(names, [("K", false), ("L", true), ("E", false), ("D", false), ("arr", false)]);
        assert_eq!(s.declared_locals, [("M".to_string(), 0)]);
        assert_eq!(s.functions.len(), 1);
        assert_eq!(s.functions[0].name, "f");
        // `local`, `export` are not commands; `:` and `$L get x` are.
        assert_eq!(s.commands.len(), 2);
        assert!(s.commands.iter().all(|c| c.function == Some(0)));
    }

    #[test]
    fn what_bash_rejects_is_rejected() {
        for text in [
            "if true; then fi\n",
            "echo \"unterminated\n",
            "a ;; b\n",
            "{ a }\n",
            "echo $(\n",
            "case x in a) b\n",
            "for 1 in a; do b; done\n",
            "f() echo x\n",
            ")\n",
        ] {
            assert!(parse(text, text, Span::new(0, text.len())).is_err(), "{text:?}");
        }
    }

    #[test]
    fn deep_nesting_is_left_to_tree_sitter() {
        let depth = MAX_NESTING + 10;
        let text = format!("{}kubectl get x{}\n", "( ".repeat(depth), " )".repeat(depth));
        assert!(parse(&text, &text, Span::new(0, text.len())).is_err());
        let text = format!("{}kubectl get x{}\n", "( ".repeat(20), " )".repeat(20));
        assert_eq!(names(&text), ["kubectl"]);
    }
}
