//! A cheap bash lexer for what tree-sitter-bash gets wrong: where heredoc bodies
//! are (so that recovery never reads a body as commands), and same-width
//! rewrites of constructs it rejects or silently misreads (`time { …; }`,
//! `! for ((…))`, `<>`, `{ …; } <<< x`, a last case item ending in `;&`, a
//! heredoc whose line ends in `&&`, `|` or `&`).
//!
//! Quotes, `$(…)`, backquotes and comments are tracked so that `<<` in a string
//! is no heredoc. Rewrites only ever replace ASCII bytes by ASCII bytes, and
//! literal text is read from the host file, so words keep their text.

/// A heredoc: its `<<` operator and its body, from the line after the one that
/// opened it through the end of its terminator line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heredoc {
    pub op: usize,
    pub body_start: usize,
    pub body_end: usize,
    /// The delimiter was quoted (`<<'EOF'`): the body is literal text; else
    /// its `$(…)` and backquotes run.
    pub quoted: bool,
    /// Where its terminator line starts (`None`: it runs to the end).
    pub terminator: Option<usize>,
}

/// Blanks the bodies of terminated heredocs (newlines kept) so that the parser
/// sees only their delimiters: bodies are text, their substitutions are found
/// by [`body_substitutions`], and tree-sitter-bash rejected valid bodies
/// (`${config['k']:-$(( config['a'] * 2 ))}`), losing the statement.
pub fn blank_bodies(bytes: &mut [u8], heredocs: &[Heredoc]) {
    for h in heredocs {
        let Some(terminator) = h.terminator else {
            continue;
        };
        let end = terminator.min(bytes.len());
        for b in &mut bytes[h.body_start.min(end)..end] {
            if !matches!(*b, b'\n' | b'\r') {
                *b = b' ';
            }
        }
    }
}

/// What the lexer found: heredocs, and the quoted strings that span lines
/// (outermost only, in order), where recovery must never start or stop.
#[derive(Debug, Default)]
pub struct Lexed {
    pub heredocs: Vec<Heredoc>,
    pub strings: Vec<(usize, usize)>,
}

impl Lexed {
    /// The heredoc whose body holds `at`.
    pub fn body_at(&self, at: usize) -> Option<Heredoc> {
        let i = self.heredocs.partition_point(|h| h.body_end <= at);
        self.heredocs
            .get(i)
            .filter(|h| h.body_start <= at && at < h.body_end)
            .copied()
    }

    /// The multi-line string holding `at` (strictly inside it).
    pub fn string_at(&self, at: usize) -> Option<(usize, usize)> {
        let i = self.strings.partition_point(|&(s, _)| s < at);
        i.checked_sub(1)
            .map(|i| self.strings[i])
            .filter(|&(_, e)| at < e)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// Top-level code, or the inside of `$(…)` (with its open parentheses).
    Code { parens: usize, subst: bool },
    /// `$((…))` / `((…))`: `<<` is a shift.
    Arith { parens: usize },
    /// A double-quoted string opened at this offset.
    Double(usize),
    Backquote,
}

struct Pending {
    delimiter: Vec<u8>,
    strip_tabs: bool,
    quoted: bool,
    op: usize,
}

const RESERVED_BEFORE_COMMAND: &[&[u8]] = &[
    b"then", b"do", b"else", b"elif", b"if", b"while", b"until", b"{", b"!", b"time",
];

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_meta(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')')
}

/// Rewrites `bytes` in place and returns its heredocs and multi-line strings.
pub fn scan(bytes: &mut [u8]) -> Lexed {
    let mut heredocs = Vec::new();
    let mut strings: Vec<(usize, usize)> = Vec::new();
    let mut stack = vec![Frame::Code {
        parens: 0,
        subst: false,
    }];
    let mut pending: Vec<Pending> = Vec::new();
    // At the start of a statement (where `time` and `!` are reserved words).
    let mut command_position = true;
    let mut i = 0;
    let n = bytes.len();
    while i < n {
        let b = bytes[i];
        let frame = *stack.last().unwrap_or(&Frame::Code {
            parens: 0,
            subst: false,
        });
        match frame {
            Frame::Double(start) => {
                i = double_quoted_byte(bytes, i, start, &mut stack, &mut command_position, &mut strings);
                continue;
            }
            Frame::Arith { parens } => {
                i = arithmetic_byte(bytes, i, parens, &mut stack);
                continue;
            }
            Frame::Code { .. } | Frame::Backquote => {}
        }
        // Code (top level, `$(…)` or backquotes).
        match b {
            b'\\' => {
                i += 2;
                command_position = false;
                continue;
            }
            b'\'' => {
                let end = skip_single(bytes, i + 1, bytes.get(i.wrapping_sub(1)) == Some(&b'$'));
                record_string(&mut strings, i, end, bytes);
                i = end;
                command_position = false;
                continue;
            }
            b'"' => {
                stack.push(Frame::Double(i));
                command_position = false;
            }
            b'`' => {
                if frame == Frame::Backquote {
                    stack.pop();
                    command_position = false;
                } else {
                    stack.push(Frame::Backquote);
                    command_position = true;
                }
            }
            b'$' if bytes.get(i + 1) == Some(&b'(') => {
                if bytes.get(i + 2) == Some(&b'(') {
                    stack.push(Frame::Arith { parens: 0 });
                    i += 3;
                } else {
                    stack.push(Frame::Code {
                        parens: 0,
                        subst: true,
                    });
                    i += 2;
                    command_position = true;
                }
                continue;
            }
            b'(' if command_position && bytes.get(i + 1) == Some(&b'(') => {
                stack.push(Frame::Arith { parens: 0 });
                i += 2;
                continue;
            }
            b'(' => {
                if let Frame::Code { parens, subst } = frame {
                    *stack.last_mut().expect("a frame") = Frame::Code {
                        parens: parens + 1,
                        subst,
                    };
                }
                command_position = true;
            }
            b')' => {
                match frame {
                    Frame::Code { parens: 0, subst: true } => {
                        stack.pop();
                    }
                    Frame::Code { parens, subst } => {
                        *stack.last_mut().expect("a frame") = Frame::Code {
                            parens: parens.saturating_sub(1),
                            subst,
                        };
                    }
                    _ => {}
                }
                // After a case pattern, a command follows.
                command_position = true;
            }
            b'#' if i == 0 || is_meta(bytes[i - 1]) => {
                while i < n && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'\n' => {
                if !pending.is_empty() {
                    blank_trailing_operator(bytes, i);
                    i = bodies(bytes, i + 1, &mut pending, &mut heredocs);
                    command_position = true;
                    continue;
                }
                command_position = true;
            }
            b';' => {
                // `;&` / `;;&` end a case item like `;;` (tree-sitter-bash rejects
                // them before `esac`); `;&>file` is a redirect, left alone.
                if bytes.get(i + 1) == Some(&b';') && bytes.get(i + 2) == Some(&b'&') {
                    bytes[i + 2] = b' ';
                    i += 3;
                    command_position = true;
                    continue;
                }
                if bytes.get(i + 1) == Some(&b'&') && bytes.get(i + 2) != Some(&b'>') {
                    bytes[i + 1] = b';';
                    i += 2;
                    command_position = true;
                    continue;
                }
                command_position = true;
            }
            b'&' | b'|' => command_position = !matches!(bytes.get(i + 1), Some(b'>')),
            b'<' if bytes.get(i + 1) == Some(&b'<') => {
                if bytes.get(i + 2) == Some(&b'<') {
                    // A here-string on a compound command is rejected; as an
                    // input redirect of the same word it parses everywhere.
                    bytes[i + 1] = b' ';
                    bytes[i + 2] = b' ';
                    i += 3;
                    continue;
                }
                if let Some((p, next)) = heredoc_operator(bytes, i) {
                    pending.push(p);
                    i = next;
                    continue;
                }
            }
            b'<' if bytes.get(i + 1) == Some(&b'>') => {
                // `<>` (open for reading and writing) is unknown to tree-sitter-bash.
                bytes[i + 1] = b' ';
                i += 2;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'>' | b'<' => {}
            _ => {
                i = word(bytes, i, &mut command_position);
                continue;
            }
        }
        i += 1;
    }
    // An unterminated string runs to the end.
    if let Some(Frame::Double(start)) = stack.iter().find(|f| matches!(f, Frame::Double(_))) {
        record_string(&mut strings, *start, n, bytes);
    }
    Lexed {
        heredocs,
        strings: outermost(strings),
    }
}

/// A word of code at `i`: `time` and `!` before what tree-sitter-bash
/// misreads, and the `in` of an empty `for … in`, are blanked; where
/// scanning goes on.
fn word(bytes: &mut [u8], mut i: usize, command_position: &mut bool) -> usize {
    let n = bytes.len();
    let end = word_end(bytes, i);
    let word = &bytes[i..end];
    let is_time = word == b"time";
    let reserved = RESERVED_BEFORE_COMMAND.contains(&word);
    let special = word
        .iter()
        .any(|c| matches!(c, b'\'' | b'"' | b'`' | b'$' | b'\\'));
    let followed_by_blank = bytes.get(end).is_none_or(|&c| is_blank(c) || c == b'\n');
    if *command_position
        && followed_by_blank
        && (is_time || word == b"!")
        && misread_after(bytes, end, is_time)
    {
        // `time` and `!` change nothing about which commands run;
        // tree-sitter-bash misreads compound commands (and, after
        // `time`, options and assignments) that follow them.
        bytes[i..end].fill(b' ');
        let mut j = end;
        if is_time {
            while j < n && is_blank(bytes[j]) {
                j += 1;
            }
            if bytes[j..].starts_with(b"-p")
                && bytes.get(j + 2).is_none_or(|&c| is_blank(c) || c == b'\n')
            {
                bytes[j..j + 2].fill(b' ');
                j += 2;
            }
        }
        return j;
    }
    if word == b"in" && empty_for_list(bytes, i, end) {
        // `for x in` with nothing after it loops zero times;
        // tree-sitter-bash rejects it. `for x` (over "$@") has the
        // same commands.
        bytes[i..end].fill(b' ');
        return end;
    }
    *command_position = *command_position && reserved;
    if special {
        // Quotes and expansions inside the word: handled byte by byte.
        *command_position = false;
        i += 1;
        while i < n && !is_meta(bytes[i]) && !matches!(bytes[i], b'\'' | b'"' | b'`' | b'$' | b'\\') {
            i += 1;
        }
        return i;
    }
    end
}

/// Records the string from `start` to `end` when it spans lines.
fn record_string(strings: &mut Vec<(usize, usize)>, start: usize, end: usize, bytes: &[u8]) {
    if memchr::memchr(b'\n', &bytes[start..end.min(bytes.len())]).is_some() {
        strings.push((start, end.min(bytes.len())));
    }
}

/// The outermost of `strings`, in order (a string inside another is dropped).
fn outermost(mut strings: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    strings.sort_unstable();
    let mut outermost: Vec<(usize, usize)> = Vec::with_capacity(strings.len());
    for (s, e) in strings {
        match outermost.last() {
            Some(&(_, last_end)) if s < last_end => {}
            _ => outermost.push((s, e)),
        }
    }
    outermost
}

/// One byte inside a double-quoted string opened at `start`: where scanning
/// goes on.
fn double_quoted_byte(
    bytes: &[u8],
    mut i: usize,
    start: usize,
    stack: &mut Vec<Frame>,
    command_position: &mut bool,
    strings: &mut Vec<(usize, usize)>,
) -> usize {
    match bytes[i] {
        b'\\' => i += 1,
        b'"' => {
            stack.pop();
            record_string(strings, start, i + 1, bytes);
        }
        b'$' if bytes.get(i + 1) == Some(&b'(') => {
            if bytes.get(i + 2) == Some(&b'(') {
                stack.push(Frame::Arith { parens: 0 });
                i += 2;
            } else {
                stack.push(Frame::Code {
                    parens: 0,
                    subst: true,
                });
                i += 1;
                *command_position = true;
            }
        }
        b'`' => {
            stack.push(Frame::Backquote);
            *command_position = true;
        }
        _ => {}
    }
    i + 1
}

/// One byte inside `$((…))` / `((…))` with `parens` open parentheses: where
/// scanning goes on.
fn arithmetic_byte(bytes: &[u8], mut i: usize, parens: usize, stack: &mut Vec<Frame>) -> usize {
    match bytes[i] {
        b'(' => set_parens(stack, parens + 1),
        b')' if parens == 0 => {
            stack.pop();
            // `))`
            if bytes.get(i + 1) == Some(&b')') {
                i += 1;
            }
        }
        b')' => set_parens(stack, parens - 1),
        _ => {}
    }
    i + 1
}

/// After `time` / `!` at `at`: a compound command, a redirection or an
/// assignment (or `-p` after `time`), which tree-sitter-bash misreads there.
fn misread_after(bytes: &[u8], mut at: usize, after_time: bool) -> bool {
    while at < bytes.len() && is_blank(bytes[at]) {
        at += 1;
    }
    let rest = &bytes[at..];
    if rest.first().is_some_and(|&c| c == b'(') {
        return true;
    }
    let end = rest.iter().position(|&c| is_meta(c)).unwrap_or(rest.len());
    let next = &rest[..end];
    const COMPOUND: &[&[u8]] = &[
        b"{", b"if", b"for", b"while", b"until", b"case", b"[[", b"select", b"function", b"!",
        b"time",
    ];
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    let redirect = matches!(rest.get(digits), Some(b'<' | b'>'))
        || (digits == 0 && rest.starts_with(b"&>"));
    let assignment = next
        .iter()
        .position(|&c| c == b'=')
        .is_some_and(|eq| eq > 0 && next[..eq].iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_'));
    COMPOUND.contains(&next) || redirect || assignment || (after_time && next == b"-p")
}

/// `in` at `start..end` follows `for NAME` and ends its line or statement.
fn empty_for_list(bytes: &[u8], start: usize, end: usize) -> bool {
    let mut j = end;
    while j < bytes.len() && is_blank(bytes[j]) {
        j += 1;
    }
    if !matches!(bytes.get(j), None | Some(b'\n' | b';' | b'\r')) {
        return false;
    }
    let line = &bytes[bytes[..start].iter().rposition(|&c| c == b'\n').map_or(0, |p| p + 1)..start];
    let words: Vec<&[u8]> = line
        .split(|&c| is_blank(c) || c == b';' || c == b'&' || c == b'|' || c == b'(' || c == b')')
        .filter(|w| !w.is_empty())
        .collect();
    matches!(words.as_slice(), [.., b"for", name] if name.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_'))
}

fn set_parens(stack: &mut [Frame], parens: usize) {
    if let Some(top) = stack.last_mut() {
        *top = Frame::Arith { parens };
    }
}

/// Past the closing quote of a single-quoted string starting at `from`
/// (`$'…'` strings honour backslash escapes).
fn skip_single(bytes: &[u8], mut from: usize, ansi_c: bool) -> usize {
    while from < bytes.len() {
        match bytes[from] {
            b'\\' if ansi_c => from += 2,
            b'\'' => return from + 1,
            _ => from += 1,
        }
    }
    bytes.len()
}

/// End of the plain word starting at `from` (up to a metacharacter or quote).
fn word_end(bytes: &[u8], from: usize) -> usize {
    let mut end = from;
    while end < bytes.len() && !is_meta(bytes[end]) {
        end += 1;
    }
    end
}

/// The heredoc operator at `at` (`<<`, `<<-`) and its delimiter.
fn heredoc_operator(bytes: &[u8], at: usize) -> Option<(Pending, usize)> {
    let mut i = at + 2;
    let strip_tabs = bytes.get(i) == Some(&b'-');
    if strip_tabs {
        i += 1;
    }
    while i < bytes.len() && is_blank(bytes[i]) {
        i += 1;
    }
    let mut delimiter = Vec::new();
    let mut quoted = false;
    while i < bytes.len() && !is_meta(bytes[i]) {
        match bytes[i] {
            q @ (b'\'' | b'"') => {
                quoted = true;
                i += 1;
                while i < bytes.len() && bytes[i] != q && bytes[i] != b'\n' {
                    delimiter.push(bytes[i]);
                    i += 1;
                }
                i += 1;
            }
            b'\\' => {
                quoted = true;
                if let Some(&c) = bytes.get(i + 1) {
                    delimiter.push(c);
                }
                i += 2;
            }
            c => {
                delimiter.push(c);
                i += 1;
            }
        }
    }
    (!delimiter.is_empty()).then_some((
        Pending {
            delimiter,
            strip_tabs,
            quoted,
            op: at,
        },
        i.min(bytes.len()),
    ))
}

/// Reads the pending heredocs' bodies from `from` (the line after their
/// operators); returns where the code goes on.
fn bodies(bytes: &[u8], mut from: usize, pending: &mut Vec<Pending>, out: &mut Vec<Heredoc>) -> usize {
    for p in pending.drain(..) {
        let body_start = from;
        let mut line = from;
        let mut end = bytes.len();
        let mut terminator = None;
        while line < bytes.len() {
            let line_end = memchr::memchr(b'\n', &bytes[line..]).map_or(bytes.len(), |k| line + k);
            let mut text = &bytes[line..line_end];
            if p.strip_tabs {
                while let [b'\t', rest @ ..] = text {
                    text = rest;
                }
            }
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            let next = (line_end + 1).min(bytes.len());
            if text == p.delimiter.as_slice() {
                end = next;
                terminator = Some(line);
                break;
            }
            line = next;
            if line_end == bytes.len() {
                break;
            }
        }
        out.push(Heredoc {
            op: p.op,
            body_start,
            body_end: end,
            quoted: p.quoted,
            terminator,
        });
        from = end;
    }
    from
}

/// On a line that opens heredocs, a trailing `&&`, `||`, `|` or `&` joins the
/// command after the bodies; tree-sitter-bash reads the bodies as commands
/// then. The operator becomes blanks (which commands run is unchanged).
fn blank_trailing_operator(bytes: &mut [u8], newline: usize) {
    let mut end = newline;
    while end > 0 && matches!(bytes[end - 1], b' ' | b'\t' | b'\r') {
        end -= 1;
    }
    let start = if end >= 2 && matches!(&bytes[end - 2..end], b"&&" | b"||" | b"|&") {
        end - 2
    } else if end >= 1 && matches!(bytes[end - 1], b'|' | b'&') && !(end >= 2 && matches!(bytes[end - 2], b';' | b'>' | b'<')) {
        end - 1
    } else {
        return;
    };
    bytes[start..end].fill(b' ');
}

/// The scripts of the `$(…)` and backquote substitutions in an unquoted
/// heredoc's body (ranges of their text inside the delimiters), which bash runs
/// when the heredoc is read. Arithmetic `$((…))` runs nothing.
pub fn body_substitutions(bytes: &[u8], h: &Heredoc) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if h.quoted {
        return out;
    }
    let end = h.body_end.min(bytes.len());
    let mut i = h.body_start;
    while i < end {
        match bytes[i] {
            b'\\' => i += 2,
            b'$' if bytes.get(i + 1) == Some(&b'(') && bytes.get(i + 2) != Some(&b'(') => {
                let Some(close) = closing_paren(bytes, i + 2, end) else {
                    break;
                };
                out.push((i + 2, close));
                i = close + 1;
            }
            b'`' => {
                let mut j = i + 1;
                while j < end && bytes[j] != b'`' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                if j >= end {
                    break;
                }
                out.push((i + 1, j));
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// The `)` closing a `$(` whose text starts at `from` (quotes and nested
/// parentheses skipped).
fn closing_paren(bytes: &[u8], from: usize, end: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = from;
    while i < end {
        match bytes[i] {
            b'\\' => i += 1,
            b'\'' => i = skip_single(bytes, i + 1, false) - 1,
            b'"' => {
                i += 1;
                while i < end && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' => depth += 1,
            b')' if depth == 0 => return Some(i),
            b')' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(src: &str) -> (String, Vec<Heredoc>) {
        let mut bytes = src.as_bytes().to_vec();
        let lexed = scan(&mut bytes);
        (String::from_utf8(bytes).expect("ascii rewrites"), lexed.heredocs)
    }

    #[test]
    fn multi_line_strings_are_found() {
        let src = "a \"one\nkubectl $(b 'x\ny')\" 'c\nkubectl' \"d\" $'e\\'\nf'\n";
        let mut bytes = src.as_bytes().to_vec();
        let lexed = scan(&mut bytes);
        let strings: Vec<&str> = lexed.strings.iter().map(|&(s, e)| &src[s..e]).collect();
        assert_eq!(strings, ["\"one\nkubectl $(b 'x\ny')\"", "'c\nkubectl'", "'e\\'\nf'"]);
        assert!(lexed.string_at(src.find("kubectl").unwrap()).is_some());
        assert!(lexed.string_at(src.find("\"d").unwrap() + 1).is_none());
    }

    #[test]
    fn reserved_words_at_statement_start_are_blanked() {
        for (src, want) in [
            ("time { kubectl a; }", "     { kubectl a; }"),
            ("time -p ( kubectl a )", "        ( kubectl a )"),
            ("! for ((i=0;i<3;i++)); do k; done", "  for ((i=0;i<3;i++)); do k; done"),
            ("if ! kubectl x; then time k; fi", "if ! kubectl x; then time k; fi"),
            ("time LC_ALL=C k; ! { k; }", "     LC_ALL=C k;   { k; }"),
            ("time >> /tmp/log k; ! A=1 k; time 3>&- k", "     >> /tmp/log k;   A=1 k;      3>&- k"),
            ("echo time ! x", "echo time ! x"),
            ("[ ! -f x ] && ! if x; then y; fi", "[ ! -f x ] &&   if x; then y; fi"),
            ("a != b; time=3", "a != b; time=3"),
        ] {
            assert_eq!(rewritten(src).0, want, "{src}");
        }
    }

    #[test]
    fn operators_tree_sitter_rejects_are_rewritten() {
        for (src, want) in [
            ("k <> /dev/tty", "k <  /dev/tty"),
            ("{ k; } <<< x", "{ k; } <   x"),
            ("case x in a) k ;& b) j ;;& esac", "case x in a) k ;; b) j ;;  esac"),
            ("a;&>/dev/null b", "a;&>/dev/null b"),
            ("for x in\ndo k; done; for y in; do k; done", "for x   \ndo k; done; for y   ; do k; done"),
            ("for x in a; do echo in; done", "for x in a; do echo in; done"),
            ("echo '<>' \"<<<\"", "echo '<>' \"<<<\""),
        ] {
            assert_eq!(rewritten(src).0, want, "{src}");
        }
    }

    #[test]
    fn heredoc_bodies_are_found() {
        let src = "cat <<A <<-'B' &&\nkubectl a\nA\n\tkubectl b\n\tB\ntrue\necho \"<<C\" $((1<<2))\n";
        let (text, docs) = rewritten(src);
        assert!(text.starts_with("cat <<A <<-'B'   \n"), "{text}");
        assert_eq!(docs.len(), 2);
        assert_eq!(&src[docs[0].body_start..docs[0].body_end], "kubectl a\nA\n");
        assert_eq!(&src[docs[1].body_start..docs[1].body_end], "\tkubectl b\n\tB\n");
        // A heredoc inside `$(…)` and a quoted delimiter with a backslash.
        let (_, docs) = rewritten("x=$(cat <<\\E\nbody\nE\n)\ny <<\"Q\"\nq\nQ\n");
        assert_eq!(docs.len(), 2);
        // Substitutions in unquoted bodies run; quoted bodies are text.
        let src = "cat <<E\nn: $(kubectl get x | wc -l) `kubectl y` $((1+2)) \\$(no)\nE\ncat <<'Q'\n$(kubectl z)\nQ\n";
        let (_, docs) = rewritten(src);
        let subs: Vec<&str> = docs
            .iter()
            .flat_map(|d| body_substitutions(src.as_bytes(), d))
            .map(|(s, e)| &src[s..e])
            .collect();
        assert_eq!(subs, ["kubectl get x | wc -l", "kubectl y"]);
        // An unterminated heredoc runs to the end.
        let (_, docs) = rewritten("cat <<E\nkubectl x\n");
        assert_eq!(docs[0].body_end, "cat <<E\nkubectl x\n".len());
    }
}
