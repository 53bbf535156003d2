//! Jinja2 templates (`*.sh.j2`, `*.cfg.j2`): template syntax is replaced by
//! same-width placeholders so that every byte offset stays true to the file.

use crate::source::Span;

use std::collections::HashMap;

/// Template variables with a known string value (role defaults, `group_vars`, …).
pub type Vars = HashMap<String, String>;

/// A masked `{{ expr }}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub span: Span,
    /// The expression inside the braces, trimmed (`kubectl`, `item.path`, …).
    pub expr: String,
}

/// What a front-end knows about the template syntax in the text it parses.
#[derive(Debug, Clone, Copy)]
pub struct Templating<'a> {
    pub placeholders: &'a [Placeholder],
    pub vars: &'a Vars,
}

impl Templating<'_> {
    /// No template syntax.
    pub fn none() -> Templating<'static> {
        static EMPTY: std::sync::OnceLock<Vars> = std::sync::OnceLock::new();
        Templating {
            placeholders: &[],
            vars: EMPTY.get_or_init(Vars::new),
        }
    }

    /// The value of the placeholder that occupies exactly `span`, when its
    /// expression is a plain variable with a known value.
    pub fn value_at(&self, span: Span) -> Option<&str> {
        let p = self.placeholders.iter().find(|p| p.span == span)?;
        let is_name = !p.expr.is_empty()
            && p.expr
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !is_name {
            return None;
        }
        self.vars.get(&p.expr).map(String::as_str)
    }
}

/// The text to parse and the spans that hold template placeholders.
pub struct Masked {
    pub text: String,
    pub placeholders: Vec<Placeholder>,
}

/// `{{ expr }}` becomes a run of `_` (a word of the same width, so `--x={{ v }}`
/// stays one word); `{% stmt %}` and `{# comment #}` become spaces. Newlines inside
/// a tag are kept so line numbers do not move.
pub fn mask(text: &str) -> Masked {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut placeholders = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] != b'{' {
            i += 1;
            continue;
        }
        let (close, fill) = match bytes[i + 1] {
            b'{' => (b"}}", b'_'),
            b'%' => (b"%}", b' '),
            b'#' => (b"#}", b' '),
            _ => {
                i += 1;
                continue;
            }
        };
        let Some(rel) = find_close(&bytes[i + 2..], close) else {
            break;
        };
        let end = i + 2 + rel + 2;
        for b in &mut out[i..end] {
            // Keep newlines (line numbers) and replace every other byte, including
            // the bytes of multi-byte characters, so the result stays valid UTF-8.
            if *b != b'\n' {
                *b = fill;
            }
        }
        if fill == b'_' {
            placeholders.push(Placeholder {
                span: Span::new(i, end),
                expr: text.get(i + 2..end - 2).unwrap_or("").trim().to_string(),
            });
        }
        i = end;
    }
    Masked {
        // Only ASCII bytes were written over whole tags, so this cannot fail.
        text: String::from_utf8(out).unwrap_or_else(|_| text.to_string()),
        placeholders,
    }
}

/// Offset of the closing delimiter, outside Jinja string literals
/// (`{{ '{{ .Image }}' }}` closes at the last `}}`).
fn find_close(haystack: &[u8], close: &[u8]) -> Option<usize> {
    let mut quote = None;
    let mut i = 0;
    while i < haystack.len() {
        let b = haystack[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'\'' || b == b'"' => quote = Some(b),
            None if haystack[i..].starts_with(close) => return Some(i),
            None => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_with_same_width() {
        let src = "kubectl --request-timeout={{ t }} get {% if x %}pods{% endif %} {# c\n #}";
        let m = mask(src);
        assert_eq!(m.text.len(), src.len());
        assert_eq!(
            m.text,
            "kubectl --request-timeout=_______ get           pods                \n   "
        );
        assert_eq!(m.placeholders[0].span, Span::new(26, 33));
        assert_eq!(m.placeholders[0].expr, "t");
    }

    #[test]
    fn string_literals_inside_expressions_do_not_close_them() {
        let src = "docker ps --format='{{ '{{ .Image }}' }}' x";
        let m = mask(src);
        assert_eq!(m.text, "docker ps --format='____________________' x");
    }

    #[test]
    fn unterminated_tag_is_left_alone() {
        let m = mask("echo {{ oops");
        assert_eq!(m.text, "echo {{ oops");
    }
}
