//! Between opslint's byte spans and LSP's UTF-16 positions, and between paths
//! and `file://` URIs.

use crate::source::{SourceFile, Span};
use lsp_types::{Position, Range, Uri};
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub fn range(source: &SourceFile, span: Span) -> Range {
    let (l0, c0) = source.lines.utf16_position(&source.text, span.start);
    let (l1, c1) = source.lines.utf16_position(&source.text, span.end);
    Range::new(Position::new(l0, c0), Position::new(l1, c1))
}

/// The byte offset of an LSP position (clamped to the line and the text).
pub fn offset(source: &SourceFile, position: Position) -> usize {
    let line = position.line as usize;
    let span = source.lines.line_span(&source.text, line.min(source.lines.line_count().saturating_sub(1)));
    if line >= source.lines.line_count() {
        return source.text.len();
    }
    let mut units = 0u32;
    for (i, c) in source.text[span.start..span.end].char_indices() {
        if units >= position.character {
            return span.start + i;
        }
        units += c.len_utf16() as u32;
    }
    span.end
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The local path of a `file://` URI.
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file://host/path` is not local unless the host is empty or localhost.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(PathBuf::from(std::ffi::OsString::from_vec(out)))
    }
    #[cfg(not(unix))]
    {
        Some(PathBuf::from(String::from_utf8_lossy(&out).into_owned()))
    }
}

/// The `file://` URI of an absolute path.
pub fn uri_of(path: &Path) -> Option<Uri> {
    let mut s = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                s.push(b as char)
            }
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    Uri::from_str(&s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_uris_round_trip() {
        let source = SourceFile::new("x", "a\nçé𝄞 kubectl\n".to_string());
        let k = source.text.find("kubectl").unwrap();
        let r = range(&source, Span::new(k, k + 7));
        assert_eq!(r.start, Position::new(1, 5)); // ç é 𝄞(2 units) space
        assert_eq!(offset(&source, r.start), k);
        assert_eq!(offset(&source, Position::new(9, 0)), source.text.len());
        let path = Path::new("/tmp/a dir/ç.sh");
        let uri = uri_of(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20dir/%C3%A7.sh");
        assert_eq!(path_of(&uri).unwrap(), path);
    }
}
