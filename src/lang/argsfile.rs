//! MicroK8s args files (`…/args/<component>`): one or more flags per line, `#`
//! comments, quotes. k8s-dqlite's wrapper reads them as bash words
//! (`declare -a args="($(cat …))"`), which is what is modelled here.

use crate::facts::{ArgsFileEdit, FileFacts, FlagWord};
use crate::microk8s::{READ_BY_KUBELITE, args_file_of as component_of};
use crate::source::Span;
use std::path::Path;

/// How a daemon reads its args file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The snap's wrapper script: `declare -a args="($(cat …))"`, so bash words
    /// (quotes, backslashes, `#` comments anywhere a word starts).
    Bash,
    /// kubelite's `ReadArgsFromFile` (Go): each line trimmed, lines starting
    /// with `#` skipped, every `"` and `'` deleted, split on single spaces.
    Kubelite,
}

impl Reader {
    pub fn of(component: &str) -> Reader {
        if READ_BY_KUBELITE.contains(&component) {
            Reader::Kubelite
        } else {
            Reader::Bash
        }
    }
}

/// Flag words (`--name[=value]`) of `text` as `component` reads it, whose byte 0
/// is host offset `base`. With `exact` false the text does not map byte for byte
/// onto the host and every flag gets the `fallback` span.
pub fn flag_words_as(
    component: &str,
    text: &str,
    base: usize,
    exact: bool,
    fallback: Span,
) -> Vec<FlagWord> {
    let words = match Reader::of(component) {
        Reader::Bash => words(text),
        Reader::Kubelite => kubelite_words(text),
    };
    flags_of(text, &words, base, exact, fallback)
}

/// [`flag_words_as`] for text that may hold Jinja (a variable's value written
/// by a template task): `{{ … }}` is masked so it stays inside its word, a flag
/// whose name is templated is left out (only what is literal is judged), and a
/// templated value or next word is given as written, with its `{{`, which the
/// rules take as dynamic. Also the `#` comments of the text.
pub fn literal_flag_words(
    component: &str,
    text: &str,
    base: usize,
    exact: bool,
    fallback: Span,
) -> (Vec<FlagWord>, Vec<(Span, bool)>) {
    let masked = super::jinja::mask(text);
    let masked = masked.text.as_str();
    let at = |s: Span| if exact { s.shifted(base) } else { fallback };
    let templated = |s: Span| text.get(s.start..s.end) != masked.get(s.start..s.end);
    let flags = flag_words_as(component, masked, 0, true, Span::default())
        .into_iter()
        .filter_map(|mut f| {
            let name_end = f.value.as_ref().map_or(f.span.end, |(_, v)| v.start);
            if templated(Span::new(f.span.start, name_end)) {
                return None;
            }
            f.text = text[f.span.start..f.span.end].to_string();
            let restore = |(v, s): (String, Span)| {
                let v = if templated(s) { text[s.start..s.end].to_string() } else { v };
                (v, at(s))
            };
            f.value = f.value.take().map(restore);
            f.next = f.next.take().map(restore);
            f.span = at(f.span);
            Some(f)
        })
        .collect();
    let comments = comments(masked, 0)
        .into_iter()
        .map(|(s, own)| (at(s), own))
        .collect();
    (flags, comments)
}

/// Flag words of `text` read as bash words (see [`flag_words_as`]).
pub fn flag_words(text: &str, base: usize, exact: bool, fallback: Span) -> Vec<FlagWord> {
    flags_of(text, &words(text), base, exact, fallback)
}

fn flags_of(
    text: &str,
    words: &[(usize, usize, String)],
    base: usize,
    exact: bool,
    fallback: Span,
) -> Vec<FlagWord> {
    let at = |start: usize, end: usize| {
        if exact {
            Span::new(base + start, base + end)
        } else {
            fallback
        }
    };
    let mut out = Vec::new();
    for (i, (start, end, word)) in words.iter().enumerate() {
        let Some(rest) = word.strip_prefix("--") else {
            continue;
        };
        let name = rest.split('=').next().unwrap_or(rest);
        if name.is_empty() {
            continue;
        }
        let raw = &text[*start..*end];
        let value = rest.split_once('=').map(|(_, v)| {
            let eq = raw.find('=').map_or(*end, |e| start + e + 1);
            (v.to_string(), at(eq, *end))
        });
        let next = words
            .get(i + 1)
            .filter(|(_, _, w)| !w.starts_with('-') || w.len() == 1)
            .map(|(s, e, w)| (w.clone(), at(*s, *e)));
        out.push(FlagWord {
            name: name.to_string(),
            text: raw.to_string(),
            span: at(*start, *end),
            value,
            next,
            written_in: None,
        });
    }
    out
}

/// kubelite's reader: `(start, end, argument)` per space-separated part of each
/// non-comment line, quote characters deleted from the argument (the span still
/// covers them). An inline `--x=1 # note` gives `#` and `note` as arguments.
fn kubelite_words(text: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start();
        let lead = body.len() - trimmed.len();
        let trimmed = trimmed.trim_end();
        if !trimmed.is_empty() && !trimmed.starts_with('#') {
            let mut pos = offset + lead;
            for part in trimmed.split(' ') {
                let arg: String = part.chars().filter(|c| *c != '"' && *c != '\'').collect();
                out.push((pos, pos + part.len(), arg));
                pos += part.len() + 1;
            }
        }
        offset += line.len();
    }
    out
}

/// Shell-like words with quote removal: `(start, end, value)`; `#` at the start of
/// a word comments out the rest of the line.
fn words(text: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        if bytes[i] == b'#' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        let mut value = String::new();
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            match bytes[i] {
                q @ (b'"' | b'\'') => {
                    i += 1;
                    let from = i;
                    while i < bytes.len() && bytes[i] != q {
                        i += 1;
                    }
                    value.push_str(&text[from..i.min(text.len())]);
                    i += 1;
                }
                b'\\' if i + 1 < bytes.len() => {
                    let ch = text[i + 1..].chars().next().unwrap_or(' ');
                    value.push(ch);
                    i += 1 + ch.len_utf8();
                }
                _ => {
                    let ch = text[i..].chars().next().unwrap_or(' ');
                    value.push(ch);
                    i += ch.len_utf8();
                }
            }
        }
        out.push((start, i.min(text.len()), value));
    }
    out
}

/// `#` comments of args-file text at host offset `base`: a `#` that starts a word
/// (outside quotes), with whether it is alone on its line.
pub fn comments(text: &str, base: usize) -> Vec<(Span, bool)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let mut quote = None;
        let mut prev_space = true;
        for (i, c) in body.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') if prev_space => {
                    let own_line = body[..i].trim().is_empty();
                    out.push((
                        Span::new(base + offset + i, base + offset + body.len()),
                        own_line,
                    ));
                    break;
                }
                _ => {}
            }
            prev_space = c.is_whitespace();
        }
        offset += line.len();
    }
    out
}

/// An args file in the repository: every flag it holds is written to the daemon.
pub fn analyze(text: &str, path: &Path, facts: &mut FileFacts) {
    let Some(component) = component_of(path) else {
        return;
    };
    analyze_as(text, component, &path.to_string_lossy(), facts);
}

/// `text` as the args file of `component` (named `target` in messages).
pub fn analyze_as(text: &str, component: &'static str, target: &str, facts: &mut FileFacts) {
    facts.comments.extend(super::hash_comments(text, false));
    // In a `.j2` template, `{{ … }}` is masked so it stays inside its word.
    let masked = super::jinja::mask(text);
    let mut flags = flag_words_as(component, &masked.text, 0, true, Span::default());
    for f in &mut flags {
        f.text = text[f.span.start..f.span.end].to_string();
    }
    facts.args_edits.push(ArgsFileEdit {
        component,
        task: None,
        conditional: false,
        target: target.to_string(),
        via: "args file",
        flags,
        comments: comments(text, 0),
        written_by: None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_with_spans_comments_and_quotes() {
        let text = "--storage-dir=${SNAP_DATA}/var # comment --not-a-flag\n--listen \"unix://x\" --log-level=info\n# --commented\n";
        let flags = flag_words(text, 10, true, Span::default());
        let names: Vec<&str> = flags.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["storage-dir", "listen", "log-level"]);
        assert_eq!(
            flags[2].span,
            Span::new(
                10 + text.find("--log-level").unwrap(),
                10 + text.find("=info").unwrap() + 5
            )
        );
    }

    #[test]
    fn kubelite_reader_splits_on_single_spaces_and_deletes_quotes() {
        let text = "  --node-ip=\"10.0.0.1\"  --v=2 # note\n# --skipped\n\t--a=1\t--b=2\n";
        let words = kubelite_words(text);
        let args: Vec<&str> = words.iter().map(|(_, _, a)| a.as_str()).collect();
        // Two spaces give an empty argument; a tab does not split.
        assert_eq!(args, ["--node-ip=10.0.0.1", "", "--v=2", "#", "note", "--a=1\t--b=2"]);
        let (s, e, _) = words[0];
        assert_eq!(&text[s..e], "--node-ip=\"10.0.0.1\"");
        let flags = flag_words_as("kubelet", text, 0, true, Span::default());
        let names: Vec<&str> = flags.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["node-ip", "v", "a"]);
        assert_eq!(flags[0].value.as_ref().unwrap().0, "10.0.0.1");
        assert_eq!(flags[2].value.as_ref().unwrap().0, "1\t--b=2");
        // bash reads the same text differently.
        let bash: Vec<String> = flag_words_as("k8s-dqlite", text, 0, true, Span::default())
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(bash, ["node-ip", "v", "a", "b"]);
    }

    #[test]
    fn literal_flags_of_templated_text() {
        let text = "--a={{ x }} --{{ n }}=1 --b \"{{ y }}\" # {{ c }}\n--c='q v'";
        let (flags, comments) = literal_flag_words("k8s-dqlite", text, 100, true, Span::default());
        let found: Vec<(&str, &str, Option<&str>, Option<&str>)> = flags
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    f.text.as_str(),
                    f.value.as_ref().map(|(v, _)| v.as_str()),
                    f.next.as_ref().map(|(v, _)| v.as_str()),
                )
            })
            .collect();
        // A templated name is left out; a templated value is given as written,
        // a literal one as the daemon reads it (quotes removed).
        assert_eq!(
            found,
            [
                ("a", "--a={{ x }}", Some("{{ x }}"), None),
                ("b", "--b", None, Some("\"{{ y }}\"")),
                ("c", "--c='q v'", Some("q v"), None),
            ]
        );
        let a = text.find("--a").unwrap();
        assert_eq!(flags[0].span, Span::new(100 + a, 100 + a + "--a={{ x }}".len()));
        let hash = text.find('#').unwrap();
        assert_eq!(comments, [(Span::new(100 + hash, 100 + text.find('\n').unwrap()), false)]);
        // Without an exact mapping every span is the fallback.
        let fallback = Span::new(1, 2);
        let (flags, _) = literal_flag_words("k8s-dqlite", text, 100, false, fallback);
        assert!(flags.iter().all(|f| f.span == fallback));
    }

    #[test]
    fn args_file_names() {
        assert_eq!(
            component_of(Path::new("snap/args/k8s-dqlite")),
            Some("k8s-dqlite")
        );
        assert_eq!(
            component_of(Path::new("templates/args/kubelet.j2")),
            Some("kubelet")
        );
        assert_eq!(
            component_of(Path::new("args/containerd-template.toml")),
            None
        );
        assert_eq!(component_of(Path::new("other/k8s-dqlite")), None);
    }
}
