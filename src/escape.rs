//! Text from the checked tree made safe to print.
//!
//! File names, source lines, configuration keys and the messages quoting them
//! come from repositories cloned from elsewhere. Written raw to a terminal or
//! a CI log, an ESC, OSC or BEL there would drive the terminal (retitle it,
//! hide or rewrite lines), and a newline would start a line of opslint's
//! choosing in the reader's eyes and in GitHub's, which takes any line that
//! starts with `::` (after blanks) as a workflow command. Every place where
//! such text leaves the process (the text, concise, GitHub and JUnit reports,
//! the messages on standard error) passes it through [`visible`] (or
//! [`visible_source`] for the lines of a snippet), so that every control
//! character is shown as an escape instead of acting.
//!
//! The escapes: `\n`, `\r` and `\t` for those three; `\xNN` (two lowercase hex
//! digits) for the other C0 controls and DEL (`\x1b`, `\x07`, `\x7f`);
//! `\u{NN}` for the C1 controls U+0080–U+009F (`\u{9b}`, the one-character
//! CSI). These are exactly the characters of Unicode's `Cc` category
//! ([`char::is_control`]). A backslash itself is left as it is: the escaped
//! text is for reading, and a name that spells `\x1b` literally reads the same
//! as one holding an ESC, which is harmless.
//!
//! The bidirectional formatting characters (U+061C, U+200E, U+200F,
//! U+202A–U+202E, U+2066–U+2069) and the Unicode line and paragraph
//! separators (U+2028, U+2029) are escaped the same way, as `\u{202e}`: they
//! print nothing themselves, but reorder or break the text around them, so a
//! file name or source line could be made to read as something else (the
//! "Trojan Source" reordering).
//!
//! JSON, SARIF and GitLab reports are written by serde, whose string escaping
//! already turns every control character into `\uXXXX`; they are not passed
//! through here.

use std::borrow::Cow;
use std::fmt::Write;

/// Appends the escape of the control character `c` to `out`.
/// Whether `c` is shown as an escape: a control character (Unicode `Cc`), a
/// bidirectional formatting character, or a line or paragraph separator.
pub fn is_escaped(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
                | '\u{2028}' | '\u{2029}'
        )
}

/// Appends the escape of the character `c` (see [`is_escaped`]) to `out`.
pub fn push_escape(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `text` with every control character (`\n`, `\t`, ESC, BEL, DEL, C1…)
/// replaced by its visible escape. Borrowed when there is none (the usual case).
pub fn visible(text: &str) -> Cow<'_, str> {
    escape_where(text, |_, _| true)
}

/// Like [`visible`], for source text shown as lines: line ends (`\n`, and `\r`
/// right before `\n`) and tabs are kept, every other control character is
/// escaped.
pub fn visible_source(text: &str) -> Cow<'_, str> {
    escape_where(text, escapes_in_source)
}

/// Like [`visible`], for opslint's own multi-line text that quotes the tree
/// (a help with an example task): its line breaks are kept, every other control
/// character is escaped, and a line that would start, after blanks, with `::`
/// (a GitHub workflow command) has its first colon shown as `\x3a`.
pub fn visible_lines(text: &str) -> Cow<'_, str> {
    let needs = text.chars().any(|c| is_escaped(c) && c != '\n')
        || text.split('\n').any(|l| l.trim_start().starts_with("::"));
    if !needs {
        return Cow::Borrowed(text);
    }
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| {
            let escaped = visible(line);
            let blanks = escaped.len() - escaped.trim_start().len();
            if escaped[blanks..].starts_with("::") {
                format!("{}\\x3a{}", &escaped[..blanks], &escaped[blanks + 1..])
            } else {
                escaped.into_owned()
            }
        })
        .collect();
    Cow::Owned(lines.join("\n"))
}

/// Whether the control character `c` at byte `at` of `text` is escaped in a
/// source snippet (see [`visible_source`]).
pub fn escapes_in_source(text: &str, at: usize) -> bool {
    match text[at..].as_bytes() {
        [b'\n', ..] | [b'\t', ..] | [b'\r', b'\n', ..] => false,
        _ => true,
    }
}

/// Whether `text` holds a character [`visible_source`] escapes (a fast scan
/// over the bytes: C0 controls other than line ends and tabs, DEL, and the
/// two-byte UTF-8 form of the C1 controls, and the UTF-8 forms of the
/// bidirectional formatting characters and separators of [`is_escaped`]).
pub fn needs_escape_in_source(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| match b {
        b'\n' | b'\t' => false,
        b'\r' => bytes.get(i + 1) != Some(&b'\n'),
        0..0x20 | 0x7f => true,
        0xc2 => bytes.get(i + 1).is_some_and(|n| (0x80..0xa0).contains(n)),
        0xd8 => bytes.get(i + 1) == Some(&0x9c),
        0xe2 => match (bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(0x80), Some(n)) => matches!(n, 0x8e | 0x8f | 0xa8..=0xae),
            (Some(0x81), Some(n)) => (0xa6..=0xa9).contains(n),
            _ => false,
        },
        _ => false,
    })
}

/// `text` with the control characters for which `escaped(text, offset)` holds
/// replaced by their escapes.
fn escape_where(text: &str, escaped: impl Fn(&str, usize) -> bool) -> Cow<'_, str> {
    let needs = |(i, c): &(usize, char)| is_escaped(*c) && escaped(text, *i);
    let Some((first, _)) = text.char_indices().find(needs) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..first]);
    for (i, c) in text[first..].char_indices().map(|(i, c)| (i + first, c)) {
        if needs(&(i, c)) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_their_breaks_and_lose_commands() {
        assert_eq!(visible_lines("use:\n  - a"), "use:\n  - a");
        assert_eq!(visible_lines("a\x1b[2J\n  ::error::x"), "a\\x1b[2J\n  \\x3a:error::x");
    }

    #[test]
    fn bidirectional_formatting_is_shown_not_applied() {
        assert_eq!(visible("ok\u{202e}hs.\u{2066}x"), "ok\\u{202e}hs.\\u{2066}x");
        assert_eq!(visible_source("a\u{2028}b\n"), "a\\u{2028}b\n");
        assert_eq!(visible_lines("x\n\u{200f}::y"), "x\n\\u{200f}::y");
        for c in (0..=0x10ffffu32).filter_map(char::from_u32) {
            let mut buf = [0u8; 4];
            let text = c.encode_utf8(&mut buf);
            let expected = is_escaped(c) && !matches!(c, '\n' | '\t');
            assert_eq!(needs_escape_in_source(text), expected, "{c:?}");
        }
    }

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert!(matches!(visible("plain/path ü.sh"), Cow::Borrowed(_)));
        assert_eq!(
            visible("a\x1b]0;pwned\x07\nb\tc\r\u{9b}31m\u{7f}\0"),
            "a\\x1b]0;pwned\\x07\\nb\\tc\\r\\u{9b}31m\\x7f\\x00"
        );
        assert_eq!(visible_source("a\tb\r\nc\x1b[2J\rd\n"), "a\tb\r\nc\\x1b[2J\\rd\n");
        for (text, needs) in [
            ("a\tb\r\nc\n", false),
            ("ü é ¡", false),
            ("a\rb", true),
            ("x\r", true),
            ("\x1b", true),
            ("\u{85}", true),
            ("\u{7f}", true),
            ("a\u{202e}b", true),
            ("\u{2066}", true),
            ("\u{200f}", true),
            ("\u{61c}", true),
            ("\u{2028}", true),
            ("\u{2010}", false),
            ("\u{2030}", false),
        ] {
            assert_eq!(needs_escape_in_source(text), needs, "{text:?}");
            assert_eq!(matches!(visible_source(text), Cow::Owned(_)), needs, "{text:?}");
        }
    }
}
