//! YAML with byte spans in the host file, on saphyr (a maintained YAML 1.2
//! parser that reports positions). Scalars keep their style and tag, so embedded
//! code can be mapped back to exact positions.

use crate::source::{LineIndex, Span};
use saphyr::{MarkedYaml, YamlData, YamlLoader};
use saphyr_parser::{Event, Marker, Parser, ScalarStyle};
use std::borrow::Cow;

/// Deeper documents are refused (a hostile file must not exhaust the stack).
const MAX_DEPTH: usize = 256;
/// Nodes that aliases may produce in one file ("billion laughs").
const ALIAS_LIMIT: usize = 100_000;
/// Bytes that aliases may add to one file, beyond four times its own size
/// (one large scalar aliased many times is few nodes and much memory).
const ALIAS_BYTES: u64 = 16 * 1024 * 1024;
/// What one node costs in the loaded tree besides its text, for the budget.
const NODE_BYTES: u64 = 64;

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
    /// The document was refused at a budget (alias expansion), not for its
    /// syntax: an `analysis-limit`, not a `yaml-syntax` finding.
    pub limit: bool,
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
            limit: false,
            offset,
            message: format!(
                "nesting deeper than {MAX_DEPTH} levels (indentation beyond {MAX_BLOCK_COLUMNS} columns)"
            ),
        });
    }
    if let Some(offset) = alias_budget_exceeded(text) {
        return Err(YamlError {
            limit: true,
            offset,
            message: format!(
                "aliases here expand the document past {} MiB beyond its own size; not analysed",
                ALIAS_BYTES / (1024 * 1024)
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
            // PyYAML (so Ansible) loads a mapping with a duplicated key, the
            // last value winning; saphyr then keeps the first key node (as a
            // Python dict keeps its first key) with the last value, and
            // `drop_duplicate_keys` puts the entry back where PyYAML has it.
            loader.allow_duplicate_keys(true);
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
                flow_errors(text, &nodes)?;
                return Ok(nodes);
            };
            (marker_offset(&prepared.text, &prepared.lines, e.marker()), e.info().to_string())
        };
        if repairs < MAX_REPAIRS && prepared.repair(at, &message) {
            repairs += 1;
            continue;
        }
        return Err(YamlError {
            limit: false,
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
                self.pad_lines(&starts, pad);
                true
            }
            // A token of a flow collection (or its closing bracket) on a
            // continuation line indented no more than the block the
            // collection is in: saphyr's only uses of these messages.
            // libyaml does not check indentation in flow context (nor takes
            // a tab there for indentation), and the leading blanks of a
            // flow line are folded away. Every continuation line of the
            // outermost open collection is indented past its opening
            // bracket; `inserted` maps the offsets back. A tab that libyaml
            // refuses there (in or after a plain scalar) is refused again, from
            // the host text, by `flow_errors`.
            "invalid indentation" | "invalid indentation in flow construct" => {
                let Some(open) = open_flow(&self.text[..at], &self.lines) else {
                    return false;
                };
                let Some(close) = flow_close(&self.text, open) else {
                    return false;
                };
                let (first, last) = (self.lines.line_of(open) + 1, self.lines.line_of(close));
                if !(first..=last).contains(&self.lines.line_of(at)) {
                    return false;
                }
                let pad = self.text[self.lines.line_start(first - 1)..open].chars().count() + 1;
                let starts: Vec<usize> = (first..=last).map(|l| self.lines.line_start(l)).collect();
                self.pad_lines(&starts, pad);
                true
            }
            _ => false,
        }
    }

    /// Inserts `n` spaces at `at` in `text`, recorded in `inserted` (left
    /// unsorted, `lines` stale).
    fn insert_spaces(&mut self, at: usize, n: usize) {
        self.text.to_mut().insert_str(at, &" ".repeat(n));
        for slot in self.inserted.iter_mut().filter(|(p, _)| *p >= at) {
            slot.0 += n;
        }
        self.inserted.push((at, n));
    }

    /// Inserts `pad` spaces at each of `starts` (line starts in `text`),
    /// recorded in `inserted`.
    fn pad_lines(&mut self, starts: &[usize], pad: usize) {
        for &l in starts.iter().rev() {
            self.insert_spaces(l, pad);
        }
        self.inserted.sort_unstable();
        self.lines = LineIndex::new(&self.text);
    }
}

/// The opening bracket of the outermost flow collection still open at the
/// end of `prefix` (a prefix of the text `lines` indexes, cut at a token):
/// saphyr's events over the prefix, whose end closes every pending token.
fn open_flow(prefix: &str, lines: &LineIndex) -> Option<usize> {
    let mut parser = Parser::new_from_str(prefix);
    // For each open collection, its opening bracket if it is a flow one.
    let mut open: Vec<Option<usize>> = Vec::new();
    while let Some(Ok((event, span))) = parser.next_event() {
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                // The event spans the node's properties and its start token.
                let (a, b) = (marker_offset(prefix, lines, &span.start), marker_offset(prefix, lines, &span.end));
                let bracket = prefix.get(a..b.max(a)).and_then(|s| s.find(['[', '{'])).map(|i| a + i);
                let in_flow = open.iter().any(Option::is_some);
                open.push(if in_flow { Some(bracket.unwrap_or(a)) } else { bracket });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                open.pop();
            }
            _ => {}
        }
    }
    open.into_iter().flatten().next()
}

/// The offset of the alias at which what aliases add to the document (the
/// size of each anchored node, its own aliases included, once per alias)
/// passes [`ALIAS_BYTES`] plus four times the text: one pass over the events,
/// before anything is copied.
fn alias_budget_exceeded(text: &str) -> Option<usize> {
    // No anchor, no alias that copies anything: most files skip the pass.
    if !text.contains('*') || !text.contains('&') {
        return None;
    }
    let budget = ALIAS_BYTES.saturating_add(4 * text.len() as u64);
    let lines = LineIndex::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut anchors: std::collections::HashMap<usize, u64> = Default::default();
    // Open collections: (anchor id, size so far).
    let mut open: Vec<(usize, u64)> = Vec::new();
    let mut added: u64 = 0;
    while let Some(Ok((event, span))) = parser.next_event() {
        let done = match event {
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push((anchor, NODE_BYTES));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => open.pop(),
            Event::Scalar(value, _, anchor, _) => Some((anchor, NODE_BYTES + value.len() as u64)),
            Event::Alias(id) => {
                let size = anchors.get(&id).copied().unwrap_or(NODE_BYTES);
                added = added.saturating_add(size);
                if added > budget {
                    return Some(marker_offset(text, &lines, &span.start));
                }
                Some((0, size))
            }
            _ => None,
        };
        if let Some((anchor, size)) = done {
            if anchor != 0 {
                anchors.insert(anchor, size);
            }
            if let Some(parent) = open.last_mut() {
                parent.1 = parent.1.saturating_add(size);
            }
        }
    }
    None
}

/// The offset of the bracket that closes the flow collection opened at
/// `open`: saphyr's events over the text from there, read as a document of
/// its own (where indentation does not matter), up to that collection's end.
fn flow_close(text: &str, open: usize) -> Option<usize> {
    let tail = &text[open..];
    let lines = LineIndex::new(tail);
    let mut parser = Parser::new_from_str(tail);
    let mut depth = 0usize;
    while let Some(Ok((event, span))) = parser.next_event() {
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => depth += 1,
            Event::SequenceEnd | Event::MappingEnd => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return closing_bracket(tail, marker_offset(tail, &lines, &span.start)).map(|i| open + i);
                }
            }
            Event::Scalar(..) | Event::Alias(..) if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// The closing bracket of a flow collection whose end saphyr puts at `at`:
/// the bracket itself, or a trailing comma before it (`[a,\n]`), or past
/// it (then there is none to find: `None`).
fn closing_bracket(text: &str, mut at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    loop {
        match bytes.get(at)? {
            b']' | b'}' => return Some(at),
            b',' | b' ' | b'\t' | b'\r' | b'\n' => at += 1,
            b'#' => at += text[at..].find('\n')?,
            _ => return None,
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
                        limit: false,
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
                limit: false,
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

/// What libyaml refuses in flow collections and saphyr reads (checked on the
/// host text after a successful parse):
/// - a tab in the leading blanks of a line that continues a plain scalar,
///   or follows it up to the next token, in a column not past the
///   indentation of the block the collection is in (`k: [a\n\tb]`); saphyr
///   lets such a tab pass on a line with nothing else, and does not see the
///   tabs that `Prepared::repair` indents past;
/// - an implicit key of a flow mapping that does not end, with its `:`, on
///   the line where it starts (`{a\n: 1}`; libyaml's simple keys are
///   single-line in flow context too; `? a\n: 1` is fine).
fn flow_errors(text: &str, nodes: &[Node]) -> Result<(), YamlError> {
    if !text.contains(['{', '[']) {
        return Ok(());
    }
    let tabs = text.contains('\t');
    match nodes.iter().find_map(|n| flow_error(text, n, -1, None, tabs)) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The first error of [`flow_errors`] in `node`, whose enclosing block is
/// indented `indent` columns (-1 at the top), and whose outermost enclosing
/// flow collection spans `flow`.
fn flow_error(text: &str, node: &Node, indent: isize, flow: Option<Span>, tabs: bool) -> Option<YamlError> {
    let (start, end) = (node.span.start.min(text.len()), node.span.end.min(text.len()));
    // An alias's copy keeps the span of the anchored node: only what is
    // written inside the collection is looked at.
    let inside = |f: Span| f.start <= start && start < end && end <= f.end;
    match &node.kind {
        // An empty value (`{? a, b: }`) is no scalar libyaml scans.
        Kind::Scalar { style: Style::Plain, value, .. } => {
            if !tabs || value.is_empty() || !flow.is_some_and(inside) {
                return None;
            }
            Some(YamlError {
                limit: false,
                offset: tab_in_plain(text, start, end, indent)?,
                message: "found a tab character that violates indentation while scanning a plain scalar in a flow collection (libyaml, which Ansible uses, refuses it)".into(),
            })
        }
        Kind::Scalar { .. } => None,
        Kind::Seq(_) | Kind::Map(_) => {
            let bracket = text[skip_properties(text, start)..].chars().next().filter(|c| matches!(c, '[' | '{'));
            let (indent, flow) = match flow {
                Some(_) => (indent, flow),
                None if bracket.is_some() => (indent, Some(Span::new(start, closing_bracket(text, end).map_or(end, |b| b + 1)))),
                None => {
                    let content = content_start(text, start);
                    let line_start = text[..content].rfind('\n').map_or(0, |i| i + 1);
                    (text[line_start..content].chars().count() as isize, None)
                }
            };
            match &node.kind {
                Kind::Seq(items) => items.iter().find_map(|n| flow_error(text, n, indent, flow, tabs)),
                Kind::Map(entries) => entries.iter().find_map(|(k, v)| {
                    let (ks, ke) = (k.span.start.min(text.len()), k.span.end.min(text.len()));
                    let written_inside = flow.is_some_and(|f| f.start <= ks && ks < ke && ke <= f.end);
                    if bracket == Some('{')
                        && written_inside
                        && let Some(at) = multi_line_implicit_key(text, Span::new(ks, ke))
                    {
                        return Some(YamlError {
                            limit: false,
                            offset: at,
                            message: "an implicit key of a flow mapping must end on its line, with its ':' (libyaml, which Ansible uses, refuses it)".into(),
                        });
                    }
                    flow_error(text, k, indent, flow, tabs).or_else(|| flow_error(text, v, indent, flow, tabs))
                }),
                _ => None,
            }
        }
        Kind::Tagged(_, inner) => flow_error(text, inner, indent, flow, tabs),
    }
}

/// The offset of the `:` of the key at `key` (in a flow mapping) when the key
/// is implicit (no `?` before it) and the `:` is not on the line where it
/// starts.
fn multi_line_implicit_key(text: &str, key: Span) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = key.end;
    // A collection's span may end at its closing bracket.
    if matches!(bytes.get(i), Some(b']' | b'}')) && matches!(bytes.get(content_start(text, key.start)), Some(b'[' | b'{')) {
        i += 1;
    }
    let mut lines = text[key.start..key.end].contains('\n');
    loop {
        match bytes.get(i)? {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\n' => {
                lines = true;
                i += 1;
            }
            b'#' => i += text[i..].find('\n')?,
            b':' => break,
            _ => return None,
        }
    }
    let before = text[..key.start].trim_end();
    let explicit = before
        .strip_suffix('?')
        .is_some_and(|b| b.is_empty() || b.ends_with(|c: char| c.is_whitespace() || c == '{' || c == ','));
    (lines && !explicit).then_some(i)
}

/// Past the properties (`&anchor`, `!tag`) a node's span starts at, and the
/// blanks after them.
fn skip_properties(text: &str, mut at: usize) -> usize {
    while text[at..].starts_with(['&', '!']) {
        at += text[at..].find(char::is_whitespace).unwrap_or(text.len() - at);
        at = text.len() - text[at..].trim_start().len();
    }
    at
}

/// Where a block collection's content starts when its span starts at properties
/// (`&anchor`, `!tag`) alone on their line: the next line's first token.
fn content_start(text: &str, start: usize) -> usize {
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let rest = text[start..line_end].trim_end();
    let only_properties = rest.starts_with(['&', '!'])
        && rest
            .split_whitespace()
            .take_while(|w| !w.starts_with('#'))
            .all(|w| w.starts_with(['&', '!']));
    if !only_properties || line_end == text.len() {
        return start;
    }
    let next = line_end + 1;
    next + text[next..].len() - text[next..].trim_start().len()
}

/// libyaml's scan of a plain scalar (at `start..end`) goes on past its end
/// over blanks and line breaks; a tab among the leading blanks of a line it
/// starts, in a column not past `indent`, is an error (whatever follows it on
/// the line).
fn tab_in_plain(text: &str, start: usize, end: usize, indent: isize) -> Option<usize> {
    let bytes = text.as_bytes();
    let leading_tab = |line_start: usize| {
        let blanks = bytes[line_start..].iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
        let at = line_start + bytes[line_start..line_start + blanks].iter().position(|b| *b == b'\t')?;
        ((at - line_start) as isize <= indent).then_some(at)
    };
    let mut l = start;
    while let Some(nl) = text[l..end].find('\n') {
        l += nl + 1;
        if let Some(at) = leading_tab(l) {
            return Some(at);
        }
    }
    let mut i = end;
    loop {
        while matches!(bytes.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        match bytes.get(i) {
            Some(b'\r') if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            Some(b'\n' | b'\r') => i += 1,
            _ => return None,
        }
        if let Some(at) = leading_tab(i) {
            return Some(at);
        }
    }
}

/// Byte ranges (from a line's start) of the lines that are not block context.
fn exempt_regions(text: &str, nodes: &[Node], out: &mut Vec<(usize, usize)>) {
    let line_start = |at: usize| text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let next_line = |at: usize| text[at.min(text.len())..].find('\n').map_or(text.len(), |i| at + i + 1);
    for node in nodes {
        let (start, end) = (node.span.start.min(text.len()), node.span.end.min(text.len()));
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
            // A flow collection (its span may start at an anchor or a tag,
            // on the line before, and end at a trailing comma).
            Kind::Seq(_) | Kind::Map(_) if matches!(text[skip_properties(text, start)..].chars().next(), Some('[' | '{')) => {
                let bracket = skip_properties(text, start);
                let end = closing_bracket(text, end).map_or(end, |b| b + 1);
                if text[bracket..end].contains('\n') {
                    out.push((next_line(bracket), end));
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
            limit: false,
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
            drop_duplicate_keys(&mut entries);
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

/// PyYAML's reading of duplicated keys (a Python dict): the entry stays
/// where the key first stands, under the first key node, with the last value.
/// saphyr (told to allow them) moves the entry to where the last one stands:
/// entries are put back in the order of their keys. Keys that saphyr holds
/// apart and PyYAML takes for the same string (the same text quoted in two
/// styles, or plain and quoted where the plain one resolves to a string) are
/// merged the same way.
fn drop_duplicate_keys(entries: &mut Vec<(Node, Node)>) {
    if !entries.is_sorted_by_key(|(k, _)| k.span.start) {
        entries.sort_by_key(|(k, _)| k.span.start);
    }
    // Only keys with the same text can be the same string: grouped by text,
    // so a mapping of a million keys costs one pass, not a million.
    let text = |i: usize| match &entries[i].0.kind {
        Kind::Scalar { value, tag: None, .. } => Some(value.as_str()),
        _ => None,
    };
    let mut by_text: Vec<usize> = (0..entries.len()).filter(|&i| text(i).is_some()).collect();
    by_text.sort_unstable_by(|&a, &b| text(a).cmp(&text(b)));
    let groups: Vec<Vec<usize>> = by_text
        .chunk_by(|&a, &b| text(a) == text(b))
        .filter(|g| g.len() > 1)
        .map(<[usize]>::to_vec)
        .collect();
    drop(by_text);
    if groups.is_empty() {
        return;
    }
    // Entries in the order of their keys (saphyr moved duplicates).
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| entries[i].0.span.start);
    let mut rank = vec![0; entries.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r;
    }
    let mut remove = vec![false; entries.len()];
    for mut group in groups {
        group.sort_by_key(|&i| rank[i]);
        for (at, &i) in group.iter().enumerate() {
            if remove[i] {
                continue;
            }
            let same: Vec<usize> = group[at + 1..]
                .iter()
                .copied()
                .filter(|&j| !remove[j] && same_string_key(&entries[i].0, &entries[j].0))
                .collect();
            // The last value: the one that stands last in the text.
            if let Some(&last) = same.iter().max_by_key(|&&j| entries[j].1.span.start)
                && entries[last].1.span.start > entries[i].1.span.start
            {
                entries[i].1 = entries[last].1.clone();
            }
            for j in same {
                remove[j] = true;
            }
        }
    }
    let mut kept: Vec<(usize, (Node, Node))> = std::mem::take(entries)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !remove[*i])
        .collect();
    kept.sort_by_key(|(i, _)| rank[*i]);
    entries.extend(kept.into_iter().map(|(_, e)| e));
}

/// Whether PyYAML reads both keys as the same string.
fn same_string_key(a: &Node, b: &Node) -> bool {
    let (
        Kind::Scalar { value: va, style: sa, tag: None },
        Kind::Scalar { value: vb, style: sb, tag: None },
    ) = (&a.kind, &b.kind)
    else {
        return false;
    };
    // A plain scalar that starts with a letter or `_` is no number, date,
    // `<<` or `=`; unless it is a YAML 1.1 boolean or null, a string.
    let plain_string = |v: &str| {
        v.starts_with(|c: char| c.is_alphabetic() || c == '_')
            && !matches!(
                v,
                "yes" | "Yes" | "YES" | "no" | "No" | "NO" | "true" | "True" | "TRUE"
                    | "false" | "False" | "FALSE" | "on" | "On" | "ON" | "off" | "Off" | "OFF" | "null"
                    | "Null" | "NULL"
            )
    };
    va == vb && (sa == sb || (*sa != Style::Plain || plain_string(va)) && (*sb != Style::Plain || plain_string(vb)))
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

/// For a flow scalar whose content does not map byte for byte (escapes in a
/// double-quoted scalar, `''` in a single-quoted one, lines folded in any of
/// them or in a plain scalar): where each byte of its value comes from, as
/// host ranges (`start`, `end`): a byte copied from the file is its own
/// byte, one that an escape or a folded line break produced spans the escape
/// or the break. The value is decoded again from the host text by YAML's
/// rules and must equal the parser's, else `None`.
pub fn scalar_byte_map(host: &str, node: &Node) -> Option<Vec<(usize, usize)>> {
    let Kind::Scalar { value, style, .. } = &node.kind else {
        return None;
    };
    let mut start = node.span.start;
    if host.get(start..)?.starts_with('!') {
        let tag_len = host[start..].find(char::is_whitespace)?;
        let rest = &host[start + tag_len..];
        start = start + tag_len + (rest.len() - rest.trim_start().len());
    }
    let raw = host.get(start..node.span.end.max(start))?;
    let (inner_start, inner_end, quote) = match style {
        Style::DoubleQuoted | Style::SingleQuoted => {
            let double = *style == Style::DoubleQuoted;
            let close = closing_quote(raw, double)?;
            (start + 1, start + close, Some(double))
        }
        Style::Plain => (start, start + raw.trim_end().len(), None),
        _ => return None,
    };
    let text = host.get(inner_start..inner_end)?.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(text.len());
    let mut map: Vec<(usize, usize)> = Vec::with_capacity(text.len());
    let at = |i: usize| inner_start + i;
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if b == b'\n' || (b == b'\r' && text.get(i + 1) == Some(&b'\n')) {
            // A line break: trailing blanks before it are dropped, the next
            // line's leading blanks too; one break is a space, each further
            // (empty) line a newline.
            while out.last().is_some_and(|c| *c == b' ' || *c == b'\t')
                && map.last().is_some_and(|m| m.1 == m.0 + 1 && text[m.0 - inner_start] == *out.last().unwrap_or(&0))
            {
                out.pop();
                map.pop();
            }
            let break_at = i;
            let mut j = i;
            let mut empty = 0;
            loop {
                j += if text[j] == b'\r' { 2 } else { 1 };
                while j < text.len() && (text[j] == b' ' || text[j] == b'\t') {
                    j += 1;
                }
                if j < text.len() && (text[j] == b'\n' || (text[j] == b'\r' && text.get(j + 1) == Some(&b'\n'))) {
                    empty += 1;
                    continue;
                }
                break;
            }
            if empty == 0 {
                out.push(b' ');
                map.push((at(break_at), at(j)));
            } else {
                for _ in 0..empty {
                    out.push(b'\n');
                    map.push((at(break_at), at(j)));
                }
            }
            i = j;
            continue;
        }
        match quote {
            Some(true) if b == b'\\' => {
                let next = *text.get(i + 1)?;
                if next == b'\n' || next == b'\r' {
                    // An escaped line break: the lines join with nothing between.
                    let mut j = i + 1 + if next == b'\r' { 2 } else { 1 };
                    while j < text.len() && (text[j] == b' ' || text[j] == b'\t') {
                        j += 1;
                    }
                    i = j;
                    continue;
                }
                let (decoded, len): (char, usize) = match next {
                    b'0' => ('\0', 2),
                    b'a' => ('\x07', 2),
                    b'b' => ('\x08', 2),
                    b't' | b'\t' => ('\t', 2),
                    b'n' => ('\n', 2),
                    b'v' => ('\x0b', 2),
                    b'f' => ('\x0c', 2),
                    b'r' => ('\r', 2),
                    b'e' => ('\x1b', 2),
                    b' ' => (' ', 2),
                    b'"' => ('"', 2),
                    b'/' => ('/', 2),
                    b'\\' => ('\\', 2),
                    b'N' => ('\u{85}', 2),
                    b'_' => ('\u{a0}', 2),
                    b'L' => ('\u{2028}', 2),
                    b'P' => ('\u{2029}', 2),
                    b'x' | b'u' | b'U' => {
                        let digits = match next {
                            b'x' => 2,
                            b'u' => 4,
                            _ => 8,
                        };
                        let hex = std::str::from_utf8(text.get(i + 2..i + 2 + digits)?).ok()?;
                        (char::from_u32(u32::from_str_radix(hex, 16).ok()?)?, 2 + digits)
                    }
                    _ => return None,
                };
                let mut buf = [0u8; 4];
                for byte in decoded.encode_utf8(&mut buf).bytes() {
                    out.push(byte);
                    map.push((at(i), at(i + len)));
                }
                i += len;
            }
            Some(false) if b == b'\'' && text.get(i + 1) == Some(&b'\'') => {
                out.push(b'\'');
                map.push((at(i), at(i + 2)));
                i += 2;
            }
            _ => {
                out.push(b);
                map.push((at(i), at(i + 1)));
                i += 1;
            }
        }
    }
    (out == value.as_bytes()).then_some(map)
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
    fn escaped_and_folded_scalars_map_each_byte_back() {
        let check = |text: &str, expect: &str| {
            let v = first_value(text);
            assert_eq!(v.as_str(), Some(expect));
            let map = scalar_byte_map(text, &v).expect("maps");
            assert_eq!(map.len(), expect.len());
            map
        };
        let text = "a: \"kubectl get \\\"x\\\" -n kube\"\n";
        let map = check(text, "kubectl get \"x\" -n kube");
        assert_eq!(&text[map[0].0..map[6].1], "kubectl");
        assert_eq!(&text[map[12].0..map[12].1], "\\\"");
        assert_eq!(&text[map[16].0..map[22].1], "-n kube");
        let text = "a: \"kubectl get pods\n  && kubectl get\\\n  \\ nodes\"\n";
        let map = check(text, "kubectl get pods && kubectl get nodes");
        assert_eq!(&text[map[16].0..map[16].1], "\n  ");
        assert_eq!(&text[map[20].0..map[26].1], "kubectl");
        let text = "a: kubectl get pods\n  -n kube-system\n\n  && echo done\n";
        let map = check(text, "kubectl get pods -n kube-system\n&& echo done");
        assert_eq!(&text[map[17].0..map[30].1], "-n kube-system");
        let text = "a: 'it''s\n  here'\n";
        check(text, "it's here");
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

    fn load_ok(text: &str) -> Vec<Node> {
        load(text).unwrap_or_else(|e| panic!("{e:?} in {text:?}"))
    }

    fn slice<'t>(text: &'t str, node: &Node) -> &'t str {
        &text[node.span.start..node.span.end]
    }

    fn strs(node: &Node) -> Vec<&str> {
        node.as_seq().expect("seq").iter().map(|n| n.as_str().expect("str")).collect()
    }

    /// libyaml does not check the indentation of a flow collection's
    /// continuation lines (nor takes a tab there for indentation); saphyr
    /// wants them past the block the collection is in.
    #[test]
    fn flow_continuation_lines_indented_less_than_their_block_are_read() {
        // The generated text saphyr refused (seed 1, text 361): a tab starts the line.
        let text = "- name: task\n  k7: [a,\n    'b c',\n\t\"d\"]\n  k8: x\n";
        let docs = load_ok(text);
        let task = &docs[0].as_seq().expect("seq")[0];
        let k7 = task.get("k7").expect("k7");
        assert_eq!(strs(k7), ["a", "b c", "d"]);
        let items = k7.as_seq().expect("seq");
        assert_eq!(slice(text, &items[1]), "'b c'");
        assert_eq!(slice(text, &items[2]), "\"d\"");
        assert_eq!(items[2].span.start, text.find("\"d\"").unwrap());
        assert_eq!(k7.span.start, text.find('[').unwrap());
        assert_eq!(slice(text, task.get("k8").expect("k8")), "x");

        // Spaces at column 0, a closing bracket alone, a flow mapping with a
        // nested sequence, comments, a quoted scalar over such lines.
        let text = "a:\n  k: [a,\nb,\n  \"c\"\n]\n  m: {x: 1,\ny: [2,\n\t3], # note\n# comment\n\tz: 'w\nv'}\n  n: end\n";
        let a = &load_ok(text)[0].get("a").expect("a").clone();
        let k = a.get("k").expect("k");
        assert_eq!(strs(k), ["a", "b", "c"]);
        assert_eq!(slice(text, &k.as_seq().unwrap()[1]), "b");
        assert_eq!(k.as_seq().unwrap()[1].span.start, text.find("\nb,").unwrap() + 1);
        assert_eq!(slice(text, &k.as_seq().unwrap()[2]), "\"c\"");
        let m = a.get("m").expect("m");
        let y = m.get("y").expect("y");
        assert_eq!(strs(y), ["2", "3"]);
        assert_eq!(y.as_seq().unwrap()[1].span.start, text.find("\t3").unwrap() + 1);
        let z = m.get("z").expect("z");
        assert_eq!(z.as_str(), Some("w v"));
        assert_eq!(slice(text, z), "'w\nv'");
        let (nk, nv) = a.as_map().unwrap().iter().find(|(k, _)| k.as_str() == Some("n")).unwrap();
        assert_eq!(nk.span.start, text.find("n: end").unwrap());
        assert_eq!(slice(text, nv), "end");

        // Several such collections in one file, each its own repair.
        let text = "a:\n  k: [1,\n2]\n  l: [3,\n4]\n  m: {5: 6,\n7: 8}\n";
        let a = load_ok(text)[0].get("a").expect("a").clone();
        assert_eq!(strs(a.get("k").unwrap()), ["1", "2"]);
        assert_eq!(strs(a.get("l").unwrap()), ["3", "4"]);
        let m = a.get("m").unwrap();
        assert_eq!(slice(text, m.get("7").unwrap()), "8");
        assert_eq!(m.get("7").unwrap().span.start, text.find("8}").unwrap());

        // Multi-byte text before and inside, CRLF line ends, a compact mapping.
        let text = "# café\nk: [é,\n\tü]\nm: n\n";
        let k = load_ok(text)[0].get("k").expect("k").clone();
        assert_eq!(strs(&k), ["é", "ü"]);
        assert_eq!(slice(text, &k.as_seq().unwrap()[1]), "ü");
        let text = "a:\r\n  k: [a,\r\n\tb]\r\n";
        let k = load_ok(text)[0].get("a").unwrap().get("k").unwrap().clone();
        assert_eq!(slice(text, &k.as_seq().unwrap()[1]), "b");
        let text = "- k: {x: [1,\n2]}\n  j: 3\n";
        let item = load_ok(text)[0].as_seq().unwrap()[0].clone();
        assert_eq!(strs(item.get("k").unwrap().get("x").unwrap()), ["1", "2"]);
        assert_eq!(slice(text, item.get("j").unwrap()), "3");

        // A tab past the block's indentation after a plain scalar; an
        // explicit key over lines; tabs on a line of their own after a comma.
        for text in ["a:\n  k: [a\n   \tb]\n", "a:\n  k: {? x\n: 1}\n", "k: [a,\n\t\n\tb]\n"] {
            load_ok(text);
        }

        // Empty values before a tab-led line; a trailing comma, then the
        // closing bracket on a tab-led line.
        for text in [
            "a:\n  k: [? g,\n\tb]\n",
            "a:\n  k: {? g,\n\th: 1}\n",
            "a:\n  - {k: x y, # c\n\t}\n",
            "a:\n  k:\n    {kk0: \"s\",\n\n\t}\n",
        ] {
            load_ok(text);
        }

        // Tagged and anchored collections, an alias of one.
        let text = "a:\n  k: !!seq [x,\ny]\n  l: &s {p: [q,\n\tr]}\n  m: *s\n  n: &t\n    [x,\n\ty]\n";
        let a = load_ok(text)[0].get("a").expect("a").clone();
        assert_eq!(slice(text, &a.get("k").unwrap().as_seq().unwrap()[1]), "y");
        let r = &a.get("l").unwrap().get("p").unwrap().as_seq().unwrap()[1];
        assert_eq!((slice(text, r), r.span.start), ("r", text.find("\tr]").unwrap() + 1));
        assert_eq!(strs(a.get("m").unwrap().get("p").unwrap()), ["q", "r"]);
        assert_eq!(strs(a.get("n").unwrap()), ["x", "y"]);
    }

    /// What libyaml refuses in the same place, and saphyr would read once
    /// the lines are indented (or reads anyway).
    #[test]
    fn flow_continuation_lines_that_libyaml_refuses_are_errors() {
        // A tab in a plain scalar's continuation, up to the block's
        // indentation (saphyr refuses this one itself, at the scalar).
        for text in ["a:\n  k: [a\n\tb]\n", "- k: [a\n  \tb]\n"] {
            assert!(load(text).is_err(), "{text:?}");
        }
        // The same where saphyr lets the tab pass (a line of its own, a
        // comment) or where the repair indents past it.
        for text in [
            "a:\n  k: [a\n\t\n b]\n",
            "a:\n  k: [x,\ny\n\t]\n",
            "a:\n  k: [x,\ny\n\tz]\n",
            "a:\n  k: [a\n\t# c\n b]\n",
            "a:\n  k: &s [x\n\t\n y]\n",
            "a:\n  k: !!seq\n    [x\n\t\n y]\n",
        ] {
            let e = load(text).expect_err(text);
            assert_eq!(&text[e.offset..e.offset + 1], "\t", "{text:?}: {e:?}");
            assert!(e.message.contains("tab"), "{e:?}");
        }
        // A document marker or a block entry inside, text after the
        // collection, a multi-line collection as a block key.
        for text in [
            "a:\n  k: [a,\n--- b]\n",
            "a:\n  k: [a,\n- b]\n",
            "a:\n  k: [a,\nb] x\n",
            "a:\n  [x,\ny]: 1\n",
        ] {
            assert!(load(text).is_err(), "{text:?}");
        }
    }

    /// libyaml's simple keys are single-line in flow context too (saphyr's
    /// are not): a flow mapping's implicit key whose `:` is on a later line
    /// is an error, at the `:`. An explicit key (`? a`) may span lines.
    #[test]
    fn flow_mapping_implicit_keys_over_lines_are_errors() {
        for text in [
            "a:\n  k: {x\n: 1}\n",
            "a:\n  k: {x\n     : 1}\n",
            "a:\n  k: {\"x\"\n     : 1}\n",
            "a:\n  k: {x: 1, y # c\n  : 2}\n",
            "k: {a\n b: 1}\n",
            "k: {[a,\n b]: 1}\n",
            "k: [{a\n  : 1}]\n",
        ] {
            let e = load(text).expect_err(text);
            assert_eq!(&text[e.offset..e.offset + 1], ":", "{text:?}: {e:?}");
        }
        for text in ["k: {? a\n  : 1, ? b\n  c\n  : 2}\n", "k: {?\n  a\n  : 1}\n", "k: {a:\n  1}\n", "k: {a\n  }\n"] {
            load_ok(text);
        }
    }
}

#[cfg(test)]
mod duplicate_key_tests {
    use super::*;

    fn load_ok(text: &str) -> Vec<Node> {
        load(text).unwrap_or_else(|e| panic!("{e:?} in {text:?}"))
    }

    fn slice<'t>(text: &'t str, node: &Node) -> &'t str {
        &text[node.span.start..node.span.end]
    }

    /// PyYAML (so Ansible) loads a mapping with a duplicated key: the last
    /// value wins.
    #[test]
    fn duplicate_keys_are_read_with_the_last_value() {
        let text = "a: 1\nb: 2\na: three\n";
        let docs = load_ok(text);
        let map = docs[0].as_map().expect("map");
        assert_eq!(map.len(), 2);
        // Where the key first stands, under the first key node.
        assert_eq!(map[0].0.span.start, 0);
        let a = docs[0].get("a").expect("a");
        assert_eq!(a.as_str(), Some("three"));
        assert_eq!(slice(text, a), "three");
        assert_eq!(a.span.start, text.rfind("three").unwrap());
        assert_eq!(docs[0].get("b").and_then(Node::as_str), Some("2"));

        // Nested, in a task list, and in a flow mapping.
        let text = "- name: one\n  shell: echo 1\n  name: two\n  when: x\n";
        let docs = load_ok(text);
        let task = &docs[0].as_seq().expect("seq")[0];
        assert_eq!(task.as_map().expect("map").len(), 3);
        let name = task.get("name").expect("name");
        assert_eq!(slice(text, name), "two");
        assert_eq!(slice(text, task.get("when").expect("when")), "x");

        let text = "k: {a: 1, b: [x], a: {c: d}}\n";
        let docs = load_ok(text);
        let k = docs[0].get("k").expect("k");
        assert_eq!(k.as_map().expect("map").len(), 2);
        let a = k.get("a").expect("a");
        assert_eq!(a.span.start, text.find("{c").unwrap());
        assert_eq!(a.get("c").and_then(Node::as_str), Some("d"));

        // The same string quoted and plain is one key for PyYAML.
        let text = "a: 1\n\"a\": 2\n'a': 3\n";
        let docs = load_ok(text);
        let map = docs[0].as_map().expect("map");
        assert_eq!(map.len(), 1);
        assert_eq!(slice(text, &map[0].1), "3");
        // Not a number and its string, nor a boolean and its string.
        let text = "1: a\n\"1\": b\nyes: c\n'yes': d\n";
        assert_eq!(load_ok(text)[0].as_map().expect("map").len(), 4);
    }
}
