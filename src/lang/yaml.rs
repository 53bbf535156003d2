//! YAML with byte spans in the host file, on saphyr (a maintained YAML 1.2
//! parser that reports positions). Scalars keep their style and tag, so embedded
//! code can be mapped back to exact positions.

use crate::source::{LineIndex, Span};
use saphyr::{MarkedYaml, YamlData, YamlLoader};
use saphyr_parser::{Marker, Parser, ScalarStyle};
use std::borrow::Cow;

/// Deeper documents are refused (a hostile file must not exhaust the stack).
const MAX_DEPTH: usize = 256;
/// Nodes that aliases may produce in one file ("billion laughs").
const ALIAS_LIMIT: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Scalar {
        value: String,
        style: Style,
        tag: Option<String>,
    },
    Seq(Vec<Node>),
    /// Entries in document order; `<<` merge keys are kept as written.
    Map(Vec<(Node, Node)>),
    /// A tagged collection (`!something {…}`).
    Tagged(String, Box<Node>),
}

#[derive(Debug, Clone)]
pub struct Node {
    /// Start of the node to its end, in bytes of the host file.
    pub span: Span,
    pub kind: Kind,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, tag, .. }
                if tag.is_none() || tag.as_deref() == Some("!unsafe") =>
            {
                Some(value)
            }
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Map(entries) => Some(entries),
            Kind::Tagged(_, inner) => inner.as_map(),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(items) => Some(items),
            Kind::Tagged(_, inner) => inner.as_seq(),
            _ => None,
        }
    }

    /// The value of `key` in a mapping (merge keys included).
    pub fn get(&self, key: &str) -> Option<&Node> {
        let entries = self.as_map()?;
        entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
            .or_else(|| {
                entries
                    .iter()
                    .filter(|(k, _)| k.as_str() == Some("<<"))
                    .find_map(|(_, v)| v.get(key))
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub offset: usize,
    pub message: String,
}

/// How deep block structure can go before parsing is refused: each level of
/// block nesting takes at least one column of indentation (or a compact `- `),
/// so this bounds the depth of what the parser builds (and later drops,
/// recursively) whatever the input.
const MAX_BLOCK_COLUMNS: usize = 1024;

/// The first line whose indentation plus compact `- `/`? `/`: ` entries
/// exceeds [`MAX_BLOCK_COLUMNS`].
fn too_deep(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let bytes = line.as_bytes();
        let mut i = bytes.iter().take_while(|b| **b == b' ').count();
        let mut depth = i;
        while i + 1 < bytes.len() && matches!(bytes[i], b'-' | b'?' | b':') && bytes[i + 1] == b' ' {
            depth += 2;
            i += 2;
            while i < bytes.len() && bytes[i] == b' ' {
                i += 1;
            }
        }
        if depth > MAX_BLOCK_COLUMNS {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

pub fn load(text: &str) -> Result<Vec<Node>, YamlError> {
    if let Some(offset) = too_deep(text) {
        return Err(YamlError {
            offset,
            message: format!(
                "nesting deeper than {MAX_DEPTH} levels (indentation beyond {MAX_BLOCK_COLUMNS} columns)"
            ),
        });
    }
    let lines = LineIndex::new(text);
    let offset = |m: &Marker| marker_offset(text, &lines, m);
    let mut loader: YamlLoader<'_, MarkedYaml<'_>> = YamlLoader::default();
    loader.early_parse(false);
    loader.alias_limit(ALIAS_LIMIT);
    let mut parser = Parser::new_from_str(text);
    let result = parser.load(&mut loader, true);
    let error = result.err().or_else(|| loader.error().cloned());
    if let Some(e) = error {
        return Err(YamlError {
            offset: offset(e.marker()),
            message: e.info().to_string(),
        });
    }
    let docs = loader.into_documents();
    docs.iter().map(|d| convert(text, &lines, d, 0)).collect()
}

/// saphyr markers count characters; spans here are bytes.
fn marker_offset(text: &str, lines: &LineIndex, m: &Marker) -> usize {
    // Checked once per text: calling `is_ascii` here made every conversion
    // scan the whole file (quadratic on large files).
    if lines.is_ascii() {
        return m.index().min(text.len());
    }
    let line_start = lines.line_start(m.line().saturating_sub(1));
    let line = &text[line_start..];
    line.char_indices()
        .nth(m.col())
        .map_or(text.len(), |(i, _)| line_start + i)
}

fn convert(
    text: &str,
    lines: &LineIndex,
    node: &MarkedYaml<'_>,
    depth: usize,
) -> Result<Node, YamlError> {
    let span = Span::new(
        marker_offset(text, lines, &node.span.start),
        marker_offset(text, lines, &node.span.end),
    );
    if depth > MAX_DEPTH {
        return Err(YamlError {
            offset: span.start,
            message: format!("nesting deeper than {MAX_DEPTH} levels"),
        });
    }
    let kind = match &node.data {
        YamlData::Representation(value, style, tag) => Kind::Scalar {
            value: value.to_string(),
            style: match style {
                ScalarStyle::Plain => Style::Plain,
                ScalarStyle::SingleQuoted => Style::SingleQuoted,
                ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                ScalarStyle::Literal => Style::Literal,
                ScalarStyle::Folded => Style::Folded,
            },
            tag: tag.as_ref().map(|t| format!("{}{}", t.handle, t.suffix)),
        },
        YamlData::Sequence(items) => Kind::Seq(
            items
                .iter()
                .map(|i| convert(text, lines, i, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        YamlData::Mapping(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (k, v) in map {
                entries.push((
                    convert(text, lines, k, depth + 1)?,
                    convert(text, lines, v, depth + 1)?,
                ));
            }
            Kind::Map(entries)
        }
        YamlData::Tagged(tag, inner) => {
            let inner = convert(text, lines, inner, depth + 1)?;
            let tag = format!("{}{}", tag.handle, tag.suffix);
            match inner.kind {
                Kind::Scalar { value, style, .. } => Kind::Scalar {
                    value,
                    style,
                    tag: Some(tag),
                },
                other => Kind::Tagged(
                    tag,
                    Box::new(Node {
                        span: inner.span,
                        kind: other,
                    }),
                ),
            }
        }
        YamlData::Value(v) => Kind::Scalar {
            value: format!("{v:?}"),
            style: Style::Plain,
            tag: None,
        },
        _ => Kind::Scalar {
            value: String::new(),
            style: Style::Plain,
            tag: Some("!bad".into()),
        },
    };
    Ok(Node { span, kind })
}

/// Where a scalar's content lies in the host file, when it maps byte for byte
/// (`None` for escapes and multi-line plain scalars).
pub fn scalar_region(host: &str, node: &Node) -> Option<Span> {
    let Kind::Scalar { value, style, .. } = &node.kind else {
        return None;
    };
    let mut node_span = node.span;
    // A tag (`!unsafe "…"`) is written before the scalar: skip it.
    if host.get(node_span.start..)?.starts_with('!') {
        let tag_len = host[node_span.start..].find(char::is_whitespace)?;
        let ws = host[node_span.start + tag_len..].len()
            - host[node_span.start + tag_len..].trim_start().len();
        node_span.start = (node_span.start + tag_len + ws).min(node_span.end);
    }
    let node = &Node {
        span: node_span,
        kind: node.kind.clone(),
    };
    let raw = host.get(node.span.start..node.span.end)?;
    let region = match style {
        Style::Plain => {
            if raw.contains('\n') {
                return None;
            }
            node.span
        }
        Style::SingleQuoted | Style::DoubleQuoted => {
            // The node's end marker may lie past the closing quote (trailing
            // white space, a comment): find the quote itself.
            let close = closing_quote(raw, *style == Style::DoubleQuoted)?;
            let inner = Span::new(node.span.start + 1, node.span.start + close);
            let inner_text = host.get(inner.start..inner.end)?;
            if inner_text != value {
                return None; // escapes or folded lines: not byte for byte
            }
            inner
        }
        Style::Literal | Style::Folded => {
            // The span starts either at the `|`/`>` header or at the content itself
            // (after the indentation of its first line).
            let line_start = host[..node.span.start].rfind('\n').map_or(0, |i| i + 1);
            let at_content = host[line_start..node.span.start].trim().is_empty();
            let start = if at_content {
                node.span.start
            } else {
                node.span.start + raw.find('\n')? + 1
            };
            let end = node.span.end.max(start);
            let content = host.get(start..end)?.trim_end();
            Span::new(start, start + content.len())
        }
    };
    Some(region)
}

/// The content at `region` (from [`scalar_region`]) as a parser should read it,
/// with the same length: a folded block's line breaks become the spaces YAML
/// folds them into (only ASCII newlines become ASCII spaces).
pub fn region_text<'h>(host: &'h str, node: &Node, region: Span) -> Cow<'h, str> {
    let text = &host[region.start..region.end];
    match &node.kind {
        Kind::Scalar {
            style: Style::Folded,
            ..
        } => Cow::Owned(fold_lines(text)),
        _ => Cow::Borrowed(text),
    }
}

/// Offset in `raw` (which starts with the opening quote) of the closing quote.
fn closing_quote(raw: &str, double: bool) -> Option<usize> {
    let bytes = raw.as_bytes();
    let quote = if double { b'"' } else { b'\'' };
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if double => i += 1,
            b if b == quote && !double && bytes.get(i + 1) == Some(&quote) => i += 1,
            b if b == quote => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// A folded block's lines joined by spaces, except where YAML keeps a newline
/// (blank lines and more-indented lines are left as they are).
fn fold_lines(content: &str) -> String {
    let lines: Vec<&str> = content.split('\n').collect();
    let mut out = String::with_capacity(content.len());
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        if i + 1 < lines.len() {
            let next = lines[i + 1];
            let keep = line.trim().is_empty() || next.trim().is_empty();
            out.push(if keep { '\n' } else { ' ' });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_value(text: &str) -> Node {
        let docs = load(text).expect("valid");
        docs[0].as_map().expect("map")[0].1.clone()
    }

    #[test]
    fn scalar_regions_map_byte_for_byte() {
        let text = "a: |\n  echo one\n  echo two\n";
        let v = first_value(text);
        let region = scalar_region(text, &v).expect("literal maps");
        assert_eq!(&text[region.start..region.end], "echo one\n  echo two");
        assert_eq!(region_text(text, &v, region), "echo one\n  echo two");

        let text = "a: >\n  microk8s kubectl\n  get pods\n";
        let v = first_value(text);
        let region = scalar_region(text, &v).expect("folded maps");
        assert_eq!(region_text(text, &v, region), "microk8s kubectl   get pods");

        let text = "a: \"kubectl get x\"\n";
        let region = scalar_region(text, &first_value(text)).expect("quoted maps");
        assert_eq!(&text[region.start..region.end], "kubectl get x");

        let text = "a: \"kubectl \\\"x\\\"\"\n";
        assert!(
            scalar_region(text, &first_value(text)).is_none(),
            "escapes do not map"
        );
    }

    #[test]
    fn spans_are_bytes_even_after_multibyte_text() {
        let text = "# café\nkey: välue\n";
        let v = first_value(text);
        assert_eq!(&text[v.span.start..v.span.end], "välue");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
        }
        assert!(load(&text).is_err());
    }
}
