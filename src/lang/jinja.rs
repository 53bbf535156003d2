//! Jinja2 templates (`*.sh.j2`, `*.cfg.j2`): template syntax is replaced by
//! same-width placeholders so that every byte offset stays true to the file.

use crate::source::Span;

/// The text to parse and the spans that hold template placeholders.
pub struct Masked {
    pub text: String,
    pub placeholders: Vec<Span>,
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
        let Some(rel) = find(&bytes[i + 2..], close) else {
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
            placeholders.push(Span::new(i, end));
        }
        i = end;
    }
    Masked {
        // Only ASCII bytes were written over whole tags, so this cannot fail.
        text: String::from_utf8(out).unwrap_or_else(|_| text.to_string()),
        placeholders,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
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
        assert_eq!(m.placeholders, vec![Span::new(26, 33)]);
    }

    #[test]
    fn unterminated_tag_is_left_alone() {
        let m = mask("echo {{ oops");
        assert_eq!(m.text, "echo {{ oops");
    }
}
