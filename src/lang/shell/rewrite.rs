//! Same-width rewrites of constructs tree-sitter-bash does not parse as bash does.
//! Each rewrite keeps every byte offset, so spans still point into the host file.

/// Applies all rewrites. Input and output have the same length. Also returns
/// what the lexer found in the text (see [`super::lex`]).
pub fn rewrite(text: &str) -> (String, super::lex::Lexed) {
    let mut bytes = text.as_bytes().to_vec();
    escaped_dollar(&mut bytes);
    literal_dollar(&mut bytes);
    funsub(&mut bytes);
    heredoc_semicolon(&mut bytes);
    let lexed = super::lex::scan(&mut bytes);
    super::lex::blank_bodies(&mut bytes, &lexed.heredocs);
    // Every rewrite replaces ASCII bytes with ASCII bytes.
    match String::from_utf8(bytes) {
        Ok(text) => (text, lexed),
        Err(_) => (text.to_string(), super::lex::Lexed::default()),
    }
}

/// `\$(cmd)` is literal text in bash, but tree-sitter-bash parses `(cmd)` as a
/// subshell. `\$` becomes `\_` so no command appears where bash has none.
fn escaped_dollar(bytes: &mut [u8]) {
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes[i + 1] == b'$' {
                bytes[i + 1] = b'_';
            }
            i += 2;
        } else {
            i += 1;
        }
    }
}

/// A `$` right before an operator (`ok$)`, `a$;`, `` `echo a$` ``) expands
/// nothing in bash and stays literal, but tree-sitter-bash rejects it (a whole
/// `"…$(grep -v ok$)"` string became a parse error). It becomes `_`: literal text
/// is read from the host file, so words keep their `$`.
fn literal_dollar(bytes: &mut [u8]) {
    let mut i = 0;
    while i + 1 < bytes.len() {
        match bytes[i] {
            b'\\' | b'$' if bytes[i + 1] == bytes[i] => i += 2,
            b'\\' => i += 2,
            b'$' => {
                if matches!(bytes[i + 1], b')' | b';' | b'|' | b'&' | b'}' | b'`' | b'<' | b'>') {
                    bytes[i] = b'_';
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
}

/// bash 5.3 function substitution `${ cmd; }` / `${| cmd; }` runs `cmd` like
/// `$( cmd; )`; tree-sitter-bash only knows the latter.
fn funsub(bytes: &mut [u8]) {
    let mut i = 0;
    while i + 2 < bytes.len() {
        let opens = bytes[i] == b'$'
            && bytes[i + 1] == b'{'
            && matches!(bytes[i + 2], b' ' | b'\t' | b'\n' | b'|');
        if !opens {
            i += 1;
            continue;
        }
        if let Some(close) = matching_brace(bytes, i + 2) {
            bytes[i + 1] = b'(';
            if bytes[i + 2] == b'|' {
                bytes[i + 2] = b' ';
            }
            bytes[close] = b')';
        }
        i += 3;
    }
}

/// Index of the `}` that closes a brace opened just before `from`, skipping
/// quoted text and nested braces.
fn matching_brace(bytes: &[u8], from: usize) -> Option<usize> {
    let mut depth = 1usize;
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'\'' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'\'' {
                    i += 1;
                }
            }
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                // Only a `}` that starts a word closes a funsub (after `;`, `&` or a newline).
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `cat <<EOF; cmd` is valid bash, but tree-sitter-bash takes `EOF;` as the
/// delimiter and loses the rest of the file. At the end of a line the `;` becomes
/// a space; before another command, ` <<EOF; cmd` becomes `<<EOF &&cmd` (same
/// width, and the same commands run as far as a linter is concerned).
fn heredoc_semicolon(bytes: &mut [u8]) {
    let mut i = 0;
    while i + 2 < bytes.len() {
        if !(bytes[i] == b'<' && bytes[i + 1] == b'<')
            || bytes[i + 2] == b'<'
            || (i > 0 && bytes[i - 1] == b'<')
        {
            i += 1;
            continue;
        }
        let mut start = i + 2;
        if bytes.get(start) == Some(&b'-') {
            start += 1;
        }
        let mut end = start;
        while end < bytes.len() && is_delimiter_byte(bytes[end]) {
            end += 1;
        }
        if end > start && bytes.get(end) == Some(&b';') {
            let rest_of_line_blank = bytes[end + 1..]
                .iter()
                .take_while(|&&b| b != b'\n')
                .all(|b| b.is_ascii_whitespace());
            if rest_of_line_blank {
                bytes[end] = b' ';
            } else if i > 0
                && bytes[i - 1] == b' '
                && matches!(bytes.get(end + 1), Some(b' ' | b'\t'))
            {
                bytes.copy_within(i..end, i - 1);
                bytes[end - 1] = b' ';
                bytes[end] = b'&';
                bytes[end + 1] = b'&';
            }
        }
        i = end.max(i + 1);
    }
}

fn is_delimiter_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'\'' | b'"' | b'-' | b'.')
}

#[cfg(test)]
mod tests {
    use super::rewrite;

    #[test]
    fn rewrites_keep_width() {
        for (src, want) in [
            ("echo \\$(kubectl x)", "echo \\_(kubectl x)"),
            ("echo \\\\$(kubectl x)", "echo \\\\$(kubectl x)"),
            ("x=${ kubectl get; }", "x=$( kubectl get; )"),
            ("x=${| kubectl get; }", "x=$(  kubectl get; )"),
            ("x=${HOME}", "x=${HOME}"),
            ("cat <<EOF; kubectl get ns", "cat<<EOF &&kubectl get ns"),
            ("cat <<-'EOF'; k", "cat<<-'EOF' &&k"),
            ("cat <<EOF;\nx\nEOF", "cat <<EOF \n \nEOF"),
            ("cat <<EOF;k", "cat <<EOF;k"),
            ("cat <<EOF\n", "cat <<EOF\n"),
            ("cat <<< x; y", "cat <   x; y"),
            ("x=\"$(grep -v ok$)\"", "x=\"$(grep -v ok_)\""),
            ("echo a$; b$|c; `d$`; $$; e$$)", "echo a_; b_|c; `d_`; $$; e$$)"),
            ("echo \\$; ${x}", "echo \\_; ${x}"),
        ] {
            assert_eq!(rewrite(src).0, want, "{src}");
        }
    }
}
