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
    let mut prepared = Prepared {
        text: Cow::Borrowed(text),
        lines: LineIndex::new(text),
        inserted: Vec::new(),
    };
    let mut repairs = 0;
    loop {
        let (at, message) = {
            let mut loader: YamlLoader<'_, MarkedYaml<'_>> = YamlLoader::default();
            loader.early_parse(false);
            loader.alias_limit(ALIAS_LIMIT);
            let mut parser = Parser::new_from_str(&prepared.text);
            let result = parser.load(&mut loader, true);
            let error = result.err().or_else(|| loader.error().cloned());
            let Some(e) = error else {
                let docs = loader.into_documents();
                let nodes = docs
                    .iter()
                    .map(|d| convert(&prepared, d, 0))
                    .collect::<Result<Vec<_>, _>>()?;
                block_scalar_tabs(text, &nodes)?;
                block_context_tabs(text, &nodes)?;
                return Ok(nodes);
            };
            (marker_offset(&prepared.text, &prepared.lines, e.marker()), e.info().to_string())
        };
        if repairs < MAX_REPAIRS && prepared.repair(at, &message) {
            repairs += 1;
            continue;
        }
        return Err(YamlError {
            offset: prepared.host(at),
            message,
        });
    }
}

/// Texts of one file that [`load`] repairs before it gives up (each repair
/// costs a parse of the file).
const MAX_REPAIRS: usize = 16;

/// What is handed to saphyr: the host text, with what saphyr refuses and
/// PyYAML (so Ansible) reads rewritten so that it reads the same values, and
/// the way back to host offsets.
struct Prepared<'h> {
    text: Cow<'h, str>,
    lines: LineIndex,
    /// Spaces inserted, as (offset in `text`, how many), sorted.
    inserted: Vec<(usize, usize)>,
}

impl Prepared<'_> {
    /// The host offset of `offset` in `text` (inside inserted spaces: where
    /// they were inserted).
    fn host(&self, offset: usize) -> usize {
        let mut shift = 0;
        for &(at, n) in &self.inserted {
            if at >= offset {
                break;
            }
            shift += n.min(offset - at);
        }
        offset - shift
    }

    fn offset(&self, m: &Marker) -> usize {
        self.host(marker_offset(&self.text, &self.lines, m))
    }

    /// Rewrites what saphyr refused at `at` with `message`, where YAML and
    /// PyYAML allow it; false when it is a real error.
    fn repair(&mut self, at: usize, message: &str) -> bool {
        match message {
            // A tab that starts a continuation line of a quoted scalar, in a
            // line indented less than the scalar's parent (saphyr's only use
            // of this message): YAML allows it (the tab is separation, folded
            // away with the line's other leading blanks) and PyYAML reads it;
            // debops has three defaults files written so. The line's leading
            // tabs become spaces: same width, same value.
            // The same in a flow collection continued on a line that starts
            // with a tab (libyaml takes tabs as white space in flow context).
            // A tab that starts a line in block context is refused again,
            // from the host text, by `block_context_tabs`.
            "tab cannot be used as indentation" | "tabs disallowed within this context (block indentation)" => {
                let start = self.lines.line_start(self.lines.line_of(at));
                let blanks = self.text[start..].bytes().take_while(|b| matches!(b, b' ' | b'\t')).count();
                if !self.text[start..start + blanks].contains('\t') {
                    return false;
                }
                self.text.to_mut().replace_range(start..start + blanks, &" ".repeat(blanks));
                true
            }
            // Continuation lines of a quoted scalar indented no more than its
            // parent: PyYAML does not check their indentation (and the
            // leading blanks of a continuation line are folded away). Each is
            // indented past the scalar's opening quote; `inserted` maps the
            // offsets back.
            "invalid indentation in quoted scalar" => {
                let Some(end) = quoted_end(&self.text, at) else {
                    return false;
                };
                let line_start = self.lines.line_start(self.lines.line_of(at));
                let pad = at - line_start + 1;
                let mut starts = Vec::new();
                let mut l = line_start;
                while let Some(nl) = self.text[l..end].find('\n') {
                    l += nl + 1;
                    let rest = &self.text[l..];
                    // A document marker ends the scalar for PyYAML (an error).
                    if (rest.starts_with("---") || rest.starts_with("..."))
                        && rest[3..].chars().next().is_none_or(|c| c.is_whitespace())
                    {
                        return false;
                    }
                    starts.push(l);
                }
                if starts.is_empty() {
                    return false;
                }
                for &l in starts.iter().rev() {
                    self.text.to_mut().insert_str(l, &" ".repeat(pad));
                    for slot in self.inserted.iter_mut().filter(|(p, _)| *p >= l) {
                        slot.0 += pad;
                    }
                    self.inserted.push((l, pad));
                }
                self.inserted.sort_unstable();
                self.lines = LineIndex::new(&self.text);
                true
            }
            _ => false,
        }
    }
}

/// The offset of the quote that closes the quoted scalar opened at `open`.
fn quoted_end(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let quote = *bytes.get(open)?;
    let mut i = open + 1;
    while i < bytes.len() {
        match (quote, bytes[i]) {
            (b'\'', b'\'') if bytes.get(i + 1) == Some(&b'\'') => i += 2,
            (b'"', b'\\') => i += 2,
            (q, b) if q == b => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// libyaml, which Ansible reads YAML with, refuses a tab where a block
/// scalar's indentation is expected: after the leading spaces of its first
/// lines (indentation found from the content), or before the indentation is
/// reached on a later line. saphyr reads it as content.
fn block_scalar_tabs(text: &str, nodes: &[Node]) -> Result<(), YamlError> {
    for node in nodes {
        match &node.kind {
            Kind::Scalar { style: Style::Literal | Style::Folded, .. } => {
                if let Some(offset) = block_scalar_tab(text, node.span.start) {
                    return Err(YamlError {
                        offset,
                        message: "found a tab character where block scalar indentation is expected (libyaml, which Ansible uses, refuses it)".into(),
                    });
                }
            }
            Kind::Scalar { .. } => {}
            Kind::Seq(items) => block_scalar_tabs(text, items)?,
            Kind::Map(entries) => {
                for (k, v) in entries {
                    block_scalar_tabs(text, std::slice::from_ref(k))?;
                    block_scalar_tabs(text, std::slice::from_ref(v))?;
                }
            }
            Kind::Tagged(_, inner) => block_scalar_tabs(text, std::slice::from_ref(inner))?,
        }
    }
    Ok(())
}

/// libyaml refuses a tab where a token may start in block context: at the
/// start of a line after its indentation (a comment or blank line too), and
/// right after a `- ` or `? ` indicator. saphyr takes it as white space. Lines
/// inside a quoted scalar, a flow collection or a block scalar's content are
/// not block context (block scalars: `block_scalar_tabs`).
fn block_context_tabs(text: &str, nodes: &[Node]) -> Result<(), YamlError> {
    if !text.contains('\t') {
        return Ok(());
    }
    let mut exempt: Vec<(usize, usize)> = Vec::new();
    exempt_regions(text, nodes, &mut exempt);
    exempt.sort_unstable();
    let mut regions = exempt.iter().peekable();
    let mut l = 0;
    while l < text.len() {
        let end = text[l..].find('\n').map_or(text.len(), |i| l + i);
        while regions.peek().is_some_and(|r| r.1 <= l) {
            regions.next();
        }
        let inside = regions.peek().is_some_and(|r| r.0 <= l && l < r.1);
        if !inside && let Some(at) = token_start_tab(&text[l..end]) {
            return Err(YamlError {
                offset: l + at,
                message: "found a tab character where a token may start (libyaml, which Ansible uses, refuses it)".into(),
            });
        }
        l = end + 1;
    }
    Ok(())
}

/// Where in `line` (block context) libyaml finds a tab that cannot start a token.
fn token_start_tab(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut i = bytes.iter().take_while(|b| **b == b' ').count();
    loop {
        match bytes.get(i) {
            Some(b'\t') => return Some(i),
            Some(b'-' | b'?') if matches!(bytes.get(i + 1), Some(b' ' | b'\t')) => {
                i += 1;
                while bytes.get(i) == Some(&b' ') {
                    i += 1;
                }
            }
            _ => return None,
        }
    }
}

/// Byte ranges (from a line's start) of the lines that are not block context.
fn exempt_regions(text: &str, nodes: &[Node], out: &mut Vec<(usize, usize)>) {
    let line_start = |at: usize| text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let next_line = |at: usize| text[at.min(text.len())..].find('\n').map_or(text.len(), |i| at + i + 1);
    for node in nodes {
        let (start, end) = (node.span.start.min(text.len()), node.span.end.min(text.len()));
        let first = text[start..].chars().next();
        let multi_line = text[start..end].contains('\n');
        match &node.kind {
            Kind::Scalar { style: Style::SingleQuoted | Style::DoubleQuoted, .. } if multi_line => {
                out.push((next_line(start), end));
            }
            Kind::Scalar { style: Style::Literal | Style::Folded, .. } => {
                let from = if text[line_start(start)..start].bytes().all(|b| b == b' ') {
                    line_start(start)
                } else {
                    next_line(start)
                };
                out.push((from, end));
            }
            Kind::Scalar { .. } => {}
            Kind::Seq(items) if matches!(first, Some('[')) => {
                if multi_line {
                    out.push((next_line(start), end));
                }
            }
            Kind::Map(_) if matches!(first, Some('{')) => {
                if multi_line {
                    out.push((next_line(start), end));
                }
            }
            Kind::Seq(items) => exempt_regions(text, items, out),
            Kind::Map(entries) => {
                for (k, v) in entries {
                    exempt_regions(text, std::slice::from_ref(k), out);
                    exempt_regions(text, std::slice::from_ref(v), out);
                }
            }
            Kind::Tagged(_, inner) => exempt_regions(text, std::slice::from_ref(inner), out),
        }
    }
}

/// The offset of a tab that libyaml refuses in the block scalar whose node
/// starts at `start` (saphyr: at its tag, or at its first content).
fn block_scalar_tab(text: &str, start: usize) -> Option<usize> {
    let start = start.min(text.len());
    let line_of = |at: usize| text[..at].rfind('\n').map_or(0, |i| i + 1);
    let mut header_start = line_of(start);
    if text[header_start..start].bytes().all(|b| b == b' ') {
        // At the content: the header is the last line before it that is not blank.
        loop {
            if header_start == 0 {
                return None;
            }
            header_start = line_of(header_start - 1);
            let end = header_start + text[header_start..].find('\n').unwrap_or(text.len() - header_start);
            if !text[header_start..end].trim().is_empty() {
                break;
            }
        }
    }
    let header_indent = text[header_start..].bytes().take_while(|b| *b == b' ').count();
    let line_end = text[header_start..].find('\n').map_or(text.len(), |i| header_start + i);
    let header = &text[header_start..line_end];
    // The indicator is the header's last token (before a comment).
    let header = header.split(" #").next().unwrap_or(header).trim_end();
    let token = header.rsplit([' ', '\t']).next().unwrap_or(header);
    let rest = token.strip_prefix(['|', '>'])?;
    if !rest.chars().all(|c| matches!(c, '+' | '-' | '1'..='9')) {
        return None;
    }
    // An explicit indentation indicator (`|2`): not checked.
    if rest.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut indent: Option<usize> = None;
    let mut max_indent = 0;
    let mut l = line_end + 1;
    while l < text.len() {
        let line = &text[l..text[l..].find('\n').map_or(text.len(), |i| l + i)];
        let bytes = line.as_bytes();
        let spaces = bytes.iter().take_while(|b| **b == b' ').count();
        let blank = line[spaces..].trim_end_matches('\r').is_empty();
        match indent {
            None => {
                if bytes.get(spaces) == Some(&b'\t') {
                    return Some(l + spaces);
                }
                if blank {
                    max_indent = max_indent.max(spaces);
                } else if spaces <= header_indent {
                    return None;
                } else {
                    indent = Some(max_indent.max(spaces));
                }
            }
            Some(indent) => {
                let k = spaces.min(indent);
                if k < indent {
                    if bytes.get(k) == Some(&b'\t') {
                        return Some(l + k);
                    }
                    if !blank {
                        return None;
                    }
                }
            }
        }
        l += line.len() + 1;
    }
    None
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

fn convert(p: &Prepared<'_>, node: &MarkedYaml<'_>, depth: usize) -> Result<Node, YamlError> {
    let span = Span::new(p.offset(&node.span.start), p.offset(&node.span.end));
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
                .map(|i| convert(p, i, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        YamlData::Mapping(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (k, v) in map {
                entries.push((
                    convert(p, k, depth + 1)?,
                    convert(p, v, depth + 1)?,
                ));
            }
            Kind::Map(entries)
        }
        YamlData::Tagged(tag, inner) => {
            let inner = convert(p, inner, depth + 1)?;
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
