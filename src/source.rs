//! Source text and the one line index from which every line/column is derived.

use std::path::PathBuf;

/// A byte range into the host file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
    pub fn shifted(self, by: usize) -> Span {
        Span::new(self.start + by, self.end + by)
    }
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
    pub fn contains(&self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }
    pub fn overlaps(&self, other: Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Which span of a list encloses a given span, for many questions about one
/// list: [`Enclosing::first`] answers as a linear search from the front of the
/// list would (the first span `s` with `s.start <= q.start && q.end <= s.end`),
/// without reading the whole list each time. The spans of syntax nodes (tasks,
/// blocks) nest or are disjoint: a question then reads only the spans that
/// enclose the last one starting at or before it. A list with spans that
/// partly overlap is searched linearly.
#[derive(Debug, Clone, Default)]
pub struct Enclosing {
    spans: Vec<Span>,
    /// Indices into `spans` by start, the longer first at one start.
    order: Vec<usize>,
    /// Per position in `order`: the position of the nearest span before it
    /// that encloses it.
    parent: Vec<Option<usize>>,
    nested: bool,
}

impl Enclosing {
    pub fn new(spans: impl IntoIterator<Item = Span>) -> Self {
        let spans: Vec<Span> = spans.into_iter().collect();
        let mut order: Vec<usize> = (0..spans.len()).collect();
        order.sort_by_key(|&i| (spans[i].start, std::cmp::Reverse(spans[i].end), i));
        let mut parent = Vec::with_capacity(order.len());
        let mut stack: Vec<usize> = Vec::new();
        let mut nested = true;
        for (pos, &i) in order.iter().enumerate() {
            let cur = spans[i];
            while let Some(&top) = stack.last() {
                let t = spans[order[top]];
                if cur.end <= t.end {
                    break;
                }
                if t.end > cur.start {
                    nested = false;
                }
                stack.pop();
            }
            parent.push(stack.last().copied());
            stack.push(pos);
        }
        Enclosing { spans, order, parent, nested }
    }

    /// The index of the first span of the list that encloses `q`.
    pub fn first(&self, q: Span) -> Option<usize> {
        let encloses = |s: &Span| s.start <= q.start && q.end <= s.end;
        // An empty question at a boundary may lie in two disjoint spans.
        if !self.nested || q.is_empty() {
            return self.spans.iter().position(encloses);
        }
        let after = self.order.partition_point(|&i| self.spans[i].start <= q.start);
        let mut at = after.checked_sub(1);
        let mut best: Option<usize> = None;
        // Every span that encloses `q` encloses the last one starting at or
        // before it (or is it).
        while let Some(pos) = at {
            let i = self.order[pos];
            if encloses(&self.spans[i]) {
                best = Some(best.map_or(i, |b| b.min(i)));
            }
            at = self.parent[pos];
        }
        best
    }
}

/// A 1-based position: `column` counts Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Offsets of line starts, computed once per file.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    /// The text is ASCII: character and byte offsets are the same.
    ascii: bool,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr_newlines(text.as_bytes()).map(|i| i + 1));
        LineIndex {
            line_starts,
            ascii: text.is_ascii(),
        }
    }

    /// Whether the indexed text is ASCII.
    pub fn is_ascii(&self) -> bool {
        self.ascii
    }

    /// 0-based line number containing `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts[line.min(self.line_starts.len() - 1)]
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte range of 0-based `line`, without its line terminator.
    pub fn line_span(&self, text: &str, line: usize) -> Span {
        let start = self.line_start(line);
        let mut end = self
            .line_starts
            .get(line + 1)
            .map(|next| next - 1)
            .unwrap_or(text.len());
        if end > start && text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        Span::new(start, end)
    }

    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        Position {
            line: line + 1,
            column: text[start..offset].chars().count() + 1,
        }
    }

    /// Position with the column counted in UTF-16 code units (0-based), for LSP.
    pub fn utf16_position(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        let col: usize = text[start..offset].chars().map(char::len_utf16).sum();
        (line as u32, col as u32)
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\n', bytes)
}

pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// One file to analyse: its display path, its text and its line index.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    pub lines: LineIndex,
    /// Offset of the first byte that was not UTF-8 on disk (`text` holds `_`
    /// for each such byte): the text is not the file's bytes, so it is never
    /// written back.
    pub invalid_utf8: Option<usize>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: String) -> Self {
        let lines = LineIndex::new(&text);
        SourceFile {
            path: path.into(),
            text,
            lines,
            invalid_utf8: None,
        }
    }

    pub fn position(&self, offset: usize) -> Position {
        self.lines.position(&self.text, offset)
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enclosing_answers_as_a_linear_search() {
        let lists: Vec<Vec<Span>> = vec![
            vec![],
            vec![Span::new(0, 10), Span::new(10, 20), Span::new(20, 30)],
            // Inner tasks before their block, as the walker records them.
            vec![Span::new(5, 8), Span::new(9, 12), Span::new(4, 13), Span::new(14, 20), Span::new(0, 30)],
            // Outer first, equal spans, empty spans.
            vec![Span::new(0, 30), Span::new(2, 9), Span::new(2, 9), Span::new(3, 3), Span::new(9, 9), Span::new(9, 15)],
            // Partly overlapping: searched linearly.
            vec![Span::new(0, 10), Span::new(5, 15), Span::new(12, 20)],
        ];
        for spans in lists {
            let index = Enclosing::new(spans.iter().copied());
            for start in 0..32 {
                for end in start..32 {
                    let q = Span::new(start, end);
                    let linear = spans.iter().position(|s| s.start <= q.start && q.end <= s.end);
                    assert_eq!(index.first(q), linear, "{spans:?} {q:?}");
                }
            }
        }
    }

    #[test]
    fn positions_count_scalar_values() {
        let text = "ab\nçé kubectl\r\nlast";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), Position { line: 1, column: 1 });
        let k = text.find("kubectl").unwrap();
        assert_eq!(idx.position(text, k), Position { line: 2, column: 4 });
        assert_eq!(idx.utf16_position(text, k), (1, 3));
        assert_eq!(
            idx.position(text, text.len()),
            Position { line: 3, column: 5 }
        );
        assert_eq!(
            &text[idx.line_span(text, 1).start..idx.line_span(text, 1).end],
            "çé kubectl"
        );
    }
}
