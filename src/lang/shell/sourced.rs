//! `source FILE` / `. FILE`: the functions, variables and aliases a script gets
//! from a shared library it sources.
//!
//! The path is worked out from the words as written: a literal path, `$0` /
//! `${BASH_SOURCE[0]}` under `dirname`, `${BASH_SOURCE%/*}`, `$(cd X && pwd)`,
//! `$(git rev-parse --show-toplevel)`, and variables holding any of those
//! (`DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"`). A relative result
//! is looked up beside the sourcing file, then at the project's root. Files are
//! read only inside the root (links resolved) and bounded, through `fsread`;
//! one that is missing or outside is silently not followed.
//!
//! A sourced file is parsed once per run (cached by path and modification
//! time) into a [`Library`]: its functions and, per scope, what running it
//! does (assignments, aliases, calls of functions, nested `source`s). Importing
//! a library into the checked script's raw syntax adds:
//!
//! - its functions, whose body commands keep the definition's file and line
//!   (`defined_in`) and never become calls of the checked file themselves;
//! - the assignments and aliases of its top level, in force from the `source`
//!   command on;
//! - the assignments and aliases inside a function, in force from the first
//!   call of that function in the checked script (`detect_kubectl` setting
//!   `KUBECTL`), also through other functions of the library.
//!
//! Every span of imported syntax is the `source` command's, and no word of it
//! offers an insertion point: a fix can only edit the checked file.

use super::syntax::{AssignedValue, Part, PartKind, RawAssignment, RawCommand, RawFunction, RawWord, Syntax};
use crate::facts::DefinedIn;
use crate::source::Span;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::cell::Cell;
use std::sync::{Arc, Mutex, OnceLock};

/// Where the checked script lies, for the files it sources.
pub struct Sourcing<'a> {
    /// The checked file (as given).
    pub path: &'a Path,
    /// The project's root: nothing outside it is read.
    pub root: &'a Path,
}

/// How many files deep `source` is followed (a sources b sources c …).
const MAX_SOURCE_DEPTH: usize = 4;
/// How deep variables and substitutions in a `source` path are followed.
const MAX_EVAL_DEPTH: usize = 32;
/// Cached libraries (and texts) per process: past this, the cache starts over.
const MAX_CACHED: usize = 512;

/// A sourced file, parsed, independent of where it is sourced.
struct Library {
    functions: Vec<LibFunction>,
    /// What sourcing it does, in order.
    top: Vec<Effect>,
    /// The files its `source` commands name (resolved, inside the root),
    /// indexed by [`Effect::Source`]: linked per script, so that the summary
    /// is shared and a cycle or the depth limit is cut where the script
    /// reaches it.
    sources: Vec<PathBuf>,
    /// The words of its top level's commands and assignments (see [`names_in`]).
    mentions: HashSet<String>,
}

/// A library as one script reaches it: the libraries its `source` commands
/// load from there (`None`: missing, a cycle, or too deep).
struct Node {
    lib: Arc<Library>,
    children: Vec<Option<Node>>,
}

struct LibFunction {
    name: String,
    /// Commands of its body (spans in the library; `defined_in` set).
    body: Vec<RawCommand>,
    /// What calling it does, in order.
    effects: Vec<Effect>,
    /// The words of its definition's text (see [`names_in`]): what it may
    /// call or make another function's name from.
    mentions: HashSet<String>,
}

enum Effect {
    /// A variable assignment that outlives the scope (not `local`).
    Assign(RawAssignment),
    /// An `alias`/`unalias` command.
    Alias(RawCommand),
    /// A call of a function (by name; resolved among the imported ones).
    Call(String),
    /// `source` of another library (an index into [`Library::sources`]).
    Source(usize),
}

/// Adds what the files sourced by the script `host` (parsed into `syntax`)
/// define. Returns, for the first `source` whose file could not be followed,
/// where it is and why (once per file: what such a library defines is never
/// guessed).
pub(super) fn import_sourced(host: &str, syntax: &mut Syntax, sourcing: &Sourcing<'_>) -> Option<(Span, String)> {
    if !syntax.commands.iter().any(is_source) {
        return None;
    }
    let main = absolute(sourcing.path);
    let cx = Cx {
        root: sourcing.root,
        main_file: &main,
    };
    let mut chain = vec![main.clone()];
    let mut unfollowed: Vec<(Span, String)> = Vec::new();
    let found: Vec<(Span, Node)> = syntax
        .commands
        .iter()
        .filter(|c| is_source(c))
        .filter_map(|c| {
            let word = &c.words[1];
            let written = host.get(word.span.start..word.span.end).unwrap_or("");
            let Some(path) = source_path(host, syntax, c, &main, &cx) else {
                unfollowed.push((c.span, format!("`{written}`: {}", unknown_part(written))));
                return None;
            };
            let Some(resolved) = locate(&path, &main, cx.root) else {
                unfollowed.push((c.span, format!("`{written}`: {}", missing(&path, &main, cx.root))));
                return None;
            };
            Some((c.span, link(&resolved, &cx, &mut chain, 0)?))
        })
        .collect();
    for (span, node) in found {
        import(host, syntax, &node, span);
    }
    let (span, first) = unfollowed.first()?;
    let more = match unfollowed.len() - 1 {
        0 => String::new(),
        1 => " (and 1 other sourced file)".to_string(),
        n => format!(" (and {n} other sourced files)"),
    };
    Some((
        *span,
        format!(
            "sourced library {first}{more}; the functions and variables it defines are not known, so calls made through them were not checked"
        ),
    ))
}

/// Why the path word `written` has no value: the first piece of it that is
/// only known when the script runs.
fn unknown_part(written: &str) -> String {
    let b = written.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c != b'$' {
            if c == b'`' {
                return "it is built from a command's output".to_string();
            }
            if matches!(c, b'*' | b'?' | b'[') {
                return "it is a glob".to_string();
            }
            if c == b'~' && i == 0 {
                return "it is in the home directory of whoever runs the script".to_string();
            }
            continue;
        }
        let rest = &written[i + 1..];
        let name_of = |r: &str| {
            r.bytes()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                .count()
        };
        if rest.starts_with('(') {
            if rest.starts_with("(cd") || rest.starts_with("(dirname") || rest.starts_with("( cd") {
                continue;
            }
            return "it is built from a command's output".to_string();
        }
        let inner = rest.strip_prefix('{').unwrap_or(rest);
        let name = &inner[..name_of(inner)];
        if matches!(name, "0" | "BASH_SOURCE" | "") {
            continue;
        }
        return format!("the value of `${name}` is not known in this file");
    }
    "its value could not be worked out".to_string()
}

/// Why the path `path` (sourced from `this_file`) was not read.
fn missing(path: &str, this_file: &Path, root: &Path) -> String {
    // `/etc/default/x`: a file of the machine that runs the script; whether
    // this machine has one says nothing, so it is not looked at.
    if Path::new(path).is_absolute() && !Path::new(path).starts_with(absolute(root)) {
        return "it is an absolute path outside the project, a file of the machine that runs the script".to_string();
    }
    let outside = candidates(path, this_file, root)
        .iter()
        .any(|c| c.is_file() && crate::fsread::confine(root, c).is_err());
    if outside {
        "it is outside the project's root, which is never read for context".to_string()
    } else {
        "no such file beside the script or at the project's root".to_string()
    }
}

/// `source WORD …` or `. WORD …` written in the file itself.
fn is_source(c: &RawCommand) -> bool {
    c.defined_in.is_none()
        && c.words.len() >= 2
        && matches!(c.words[0].static_text().as_deref(), Some("source" | "."))
}

struct Cx<'a> {
    root: &'a Path,
    /// The script being checked (`$0` in every file it sources).
    main_file: &'a Path,
}

/// The path `source` names in command `c` of `host` (parsed into `syntax`),
/// as text: absolute when it is built from the script's own place.
fn source_path(host: &str, syntax: &Syntax, c: &RawCommand, this_file: &Path, cx: &Cx<'_>) -> Option<String> {
    let word = &c.words[1];
    let text = host.get(word.span.start..word.span.end)?;
    let vars = SyntaxVars { host, syntax };
    Eval {
        vars: &vars,
        this_file,
        main_file: cx.main_file,
        root: cx.root,
        main_used: Cell::new(false),
    }
    .word(text, c.span.start, 0)
}

/// Where a `source` path may be: itself when absolute; else beside the
/// sourcing file, then at the root.
fn candidates(path: &str, this_file: &Path, root: &Path) -> Vec<PathBuf> {
    if path.is_empty() {
        return Vec::new();
    }
    let p = Path::new(path);
    if p.is_absolute() {
        return vec![p.to_path_buf()];
    }
    let mut out = Vec::new();
    if let Some(dir) = this_file.parent() {
        out.push(dir.join(p));
    }
    out.push(absolute(root).join(p));
    out
}

/// The first candidate that is a file inside the root, with links resolved.
fn locate(path: &str, this_file: &Path, root: &Path) -> Option<PathBuf> {
    candidates(path, this_file, root)
        .into_iter()
        .find_map(|c| crate::fsread::confine(root, &c).ok().filter(|r| r.is_file()))
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// (modification time, length) of a file: a cached entry is stale when they change.
type Stamp = (Option<std::time::SystemTime>, u64);

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok(), m.len()))
}

/// The text of a sourced file (`resolved`: inside the root, links resolved),
/// read through the bounded, confined reader once per run.
fn read_text(root: &Path, resolved: &Path) -> Option<Arc<str>> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, (Stamp, Option<Arc<str>>)>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let now = stamp(resolved)?;
    if let Some((s, text)) = cache.lock().ok()?.get(resolved)
        && *s == now
    {
        return text.clone();
    }
    let text: Option<Arc<str>> =
        crate::fsread::read_confined(root, resolved, crate::fsread::MAX_CONTEXT_SIZE)
            .ok()
            .filter(|t| !t.as_bytes()[..t.len().min(8192)].contains(&0))
            .map(Arc::from);
    if let Ok(mut c) = cache.lock() {
        if c.len() >= MAX_CACHED {
            c.clear();
        }
        c.insert(resolved.to_path_buf(), (now, text.clone()));
    }
    text
}

/// The library at `resolved` as the script reaches it through `chain` (the
/// files being sourced, the script first): `None` when it is too deep, on the
/// chain (a cycle), or cannot be read.
fn link(resolved: &Path, cx: &Cx<'_>, chain: &mut Vec<PathBuf>, depth: usize) -> Option<Node> {
    if depth >= MAX_SOURCE_DEPTH || chain.iter().any(|c| c == resolved) {
        return None;
    }
    let lib = library(resolved, cx)?;
    chain.push(resolved.to_path_buf());
    let children = lib.sources.iter().map(|p| link(p, cx, chain, depth + 1)).collect();
    chain.pop();
    Some(Node { lib, children })
}

/// The library at `resolved` (inside the root, links resolved), parsed once
/// per run and shared by every script that sources it.
///
/// Its summary depends on the script only when a `source` inside it is built
/// from `$0` (the main script's path): such a library is cached per main
/// script. Threads check files in parallel: the cache is locked only to look
/// up and to insert; two threads that miss at once both build the same
/// (deterministic) summary, and no thread waits on another's build.
fn library(resolved: &Path, cx: &Cx<'_>) -> Option<Arc<Library>> {
    type Key = (PathBuf, Option<PathBuf>);
    static CACHE: OnceLock<Mutex<HashMap<Key, (Stamp, Arc<Library>)>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let now = stamp(resolved)?;
    let shared: Key = (resolved.to_path_buf(), None);
    let own: Key = (resolved.to_path_buf(), Some(cx.main_file.to_path_buf()));
    {
        let c = cache.lock().ok()?;
        for key in [&shared, &own] {
            if let Some((s, lib)) = c.get(key)
                && *s == now
            {
                return Some(lib.clone());
            }
        }
    }
    let text = read_text(cx.root, resolved)?;
    let mut dependent = false;
    let lib = Arc::new(build(&text, resolved, cx, &mut dependent));
    if let Ok(mut c) = cache.lock() {
        if c.len() >= MAX_CACHED {
            c.clear();
        }
        c.insert(if dependent { own } else { shared }, (now, lib.clone()));
    }
    Some(lib)
}

/// Parses a sourced file into a [`Library`].
fn build(text: &str, file: &Path, cx: &Cx<'_>, dependent: &mut bool) -> Library {
    let syntax = super::parse_syntax(text);
    let root = crate::fsread::canonical_root(cx.root);
    let display = file
        .strip_prefix(&root)
        .unwrap_or(file)
        .to_string_lossy()
        .into_owned();
    let lines = crate::source::LineIndex::new(text);
    let here = |offset: usize| DefinedIn {
        via: Span::default(),
        file: display.clone(),
        line: lines.line_of(offset) + 1,
    };
    // A function that declares a name local owns all its assignments of it.
    let owned = syntax.locally_owned();
    // Per scope (None: the top level; Some(i): function i), by position.
    let mut events: HashMap<Option<usize>, Vec<(usize, Effect)>> = HashMap::new();
    for a in &syntax.assignments {
        if a.function.is_some_and(|f| owned.contains(&(a.name.as_str(), f))) {
            continue;
        }
        let mut a = a.clone();
        a.defined_in = Some(Box::new(here(a.span.start)));
        events
            .entry(a.function)
            .or_default()
            .push((a.span.end, Effect::Assign(a)));
    }
    let mut bodies: HashMap<usize, Vec<RawCommand>> = HashMap::new();
    let mut sources: Vec<PathBuf> = Vec::new();
    for c in &syntax.commands {
        let mut c = c.clone();
        c.defined_in = Some(Box::new(here(c.span.start)));
        let name = c.words[0].static_text();
        let effect = match name.as_deref() {
            Some("alias" | "unalias") => Some((c.span.end, Effect::Alias(c.clone()))),
            Some("source" | ".") if c.words.len() >= 2 => {
                let vars = SyntaxVars { host: text, syntax: &syntax };
                let eval = Eval {
                    vars: &vars,
                    this_file: file,
                    main_file: cx.main_file,
                    root: cx.root,
                    main_used: Cell::new(false),
                };
                let path = eval.word(
                    text.get(c.words[1].span.start..c.words[1].span.end).unwrap_or(""),
                    c.span.start,
                    0,
                );
                *dependent |= eval.main_used.get();
                path.and_then(|p| locate(&p, file, cx.root)).map(|resolved| {
                    sources.push(resolved);
                    (c.span.start, Effect::Source(sources.len() - 1))
                })
            }
            Some(n) if !n.is_empty() && !n.contains('/') => Some((c.span.start, Effect::Call(n.to_string()))),
            _ => None,
        };
        if let Some(e) = effect {
            events.entry(c.function).or_default().push(e);
        }
        if let Some(f) = c.function
            && let Some(c) = body_summary(c)
        {
            bodies.entry(f).or_default().push(c);
        }
    }
    let mut ordered = |scope: Option<usize>| -> Vec<Effect> {
        let mut list = events.remove(&scope).unwrap_or_default();
        list.sort_by_key(|(at, _)| *at);
        list.into_iter().map(|(_, e)| e).collect()
    };
    let functions = syntax
        .functions
        .iter()
        .enumerate()
        .map(|(i, f)| LibFunction {
            name: f.name.clone(),
            body: bodies.remove(&i).unwrap_or_default(),
            effects: ordered(Some(i)),
            mentions: names_in(text.get(f.span.start..f.span.end).unwrap_or("")),
        })
        .collect();
    let mut mentions = HashSet::new();
    let top_spans = syntax
        .commands
        .iter()
        .filter(|c| c.function.is_none())
        .map(|c| c.span)
        .chain(syntax.assignments.iter().filter(|a| a.function.is_none()).map(|a| a.span));
    for span in top_spans {
        mentions.extend(names_in(text.get(span.start..span.end).unwrap_or("")));
    }
    Library {
        functions,
        top: ordered(None),
        sources,
        mentions,
    }
}

/// What a script needs of a command in a library function's body: a
/// command that forwards the function's arguments (`"$@"`, or `eval "$1"`: the function is a
/// wrapper, expanded at each call) and `alias`/`unalias` whole; of any other
/// command only its name (a call of a function), since the library's own
/// calls are never the script's. Built once per library, this keeps what
/// each script imports small.
fn body_summary(mut c: RawCommand) -> Option<RawCommand> {
    if super::resolve::forwards(&c) {
        return Some(c);
    }
    match c.words[0].static_text().as_deref() {
        Some("alias" | "unalias") => Some(c),
        Some(_) => {
            c.words.truncate(1);
            c.redirects.clear();
            Some(c)
        }
        None => None,
    }
}

/// The words of a text that could name a function: cut at blanks, quotes,
/// `$`, brackets, operators and slashes. A function of a library can only
/// be called by a name written somewhere (the script, the library's top
/// level, another function reached), so only those are imported.
fn names_in(text: &str) -> HashSet<String> {
    text.split(|c: char| c.is_whitespace() || "\"'`$(){}[];|&<>=/\\#*?!,".contains(c))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Adds library `lib`, sourced by the command at `src` of script `host`, to `syntax`.
fn import(host: &str, syntax: &mut Syntax, node: &Node, src: Span) {
    // Functions of the library and of those it sources, later ones winning.
    let mut libs: Vec<&Node> = Vec::new();
    let mut seen: HashSet<*const Library> = HashSet::new();
    collect_libs(node, &mut libs, &mut seen);
    let mut table: Table<'_> = HashMap::new();
    for n in &libs {
        for f in &n.lib.functions {
            table.insert(f.name.as_str(), (f, *n));
        }
    }
    // The script's own functions defined after the `source` replace the library's.
    let own_later: HashSet<String> = syntax
        .functions
        .iter()
        .filter(|f| f.span.start > src.start)
        .map(|f| f.name.clone())
        .collect();
    // The functions the script can reach: named in its text, in a library's
    // top level, or in a function reached, transitively.
    let mut seen_names: HashSet<&str> = HashSet::new();
    let mut pending: Vec<&str> = Vec::new();
    let script_names = names_in(host);
    let seeds = script_names
        .iter()
        .chain(libs.iter().flat_map(|n| n.lib.mentions.iter()));
    for name in seeds {
        if let Some((&key, _)) = table.get_key_value(name.as_str())
            && seen_names.insert(key)
        {
            pending.push(key);
        }
    }
    while let Some(name) = pending.pop() {
        for m in &table[name].0.mentions {
            if let Some((&key, _)) = table.get_key_value(m.as_str())
                && seen_names.insert(key)
            {
                pending.push(key);
            }
        }
    }
    let mut names: Vec<&str> = seen_names.into_iter().filter(|n| !own_later.contains(*n)).collect();
    names.sort_unstable();
    let original = syntax.commands.len();
    for name in &names {
        let (f, _) = table[name];
        syntax.functions.push(RawFunction {
            name: f.name.clone(),
            span: src,
        });
        let index = syntax.functions.len() - 1;
        for c in &f.body {
            let mut c = remap_command(c, src, src);
            c.function = Some(index);
            syntax.commands.push(c);
        }
    }
    // Sourcing runs the library's top level.
    let mut applied = Vec::new();
    apply(&node.lib.top, node, &table, src, src.end, None, &mut HashSet::new(), &mut applied);
    // A call of a library function in the script runs its body: what it sets
    // is in force from the first call on (also a call inside a function of
    // the script, from the `source` on).
    let mut first_call: HashMap<&str, (usize, Option<usize>)> = HashMap::new();
    for c in &syntax.commands[..original] {
        if c.defined_in.is_some() || (c.span.start < src.end && c.function.is_none()) {
            continue;
        }
        let Some(name) = c.words[0].static_text() else { continue };
        let Some((&key, _)) = table.get_key_value(name.as_str()) else { continue };
        if own_later.contains(key) {
            continue;
        }
        let at = c.span.start.max(src.end);
        let entry = first_call.entry(key).or_insert((at, c.function));
        if at < entry.0 {
            *entry = (at, c.function);
        }
    }
    let mut calls: Vec<(&str, (usize, Option<usize>))> = first_call.into_iter().collect();
    calls.sort_by_key(|(name, (at, _))| (*at, *name));
    for (name, (at, scope)) in calls {
        let mut visiting = HashSet::from([name.to_string()]);
        let (f, owner) = table[name];
        apply(&f.effects, owner, &table, src, at, scope, &mut visiting, &mut applied);
    }
    for item in applied {
        match item {
            Applied::Assign(a) => syntax.assignments.push(a),
            Applied::Alias(c) => syntax.commands.push(c),
        }
    }
}

/// The functions visible after a `source`, with the library node each is in.
type Table<'n> = HashMap<&'n str, (&'n LibFunction, &'n Node)>;

fn collect_libs<'n>(node: &'n Node, out: &mut Vec<&'n Node>, seen: &mut HashSet<*const Library>) {
    if !seen.insert(Arc::as_ptr(&node.lib)) {
        return;
    }
    let nested = node
        .lib
        .top
        .iter()
        .chain(node.lib.functions.iter().flat_map(|f| f.effects.iter()));
    for e in nested {
        if let Effect::Source(i) = e
            && let Some(inner) = &node.children[*i]
        {
            collect_libs(inner, out, seen);
        }
    }
    out.push(node);
}

enum Applied {
    Assign(RawAssignment),
    Alias(RawCommand),
}

/// The assignments and aliases `effects` make when run at `at` (of the
/// script's function `scope`), following calls of library functions.
#[allow(clippy::too_many_arguments)]
fn apply(
    effects: &[Effect],
    node: &Node,
    table: &Table<'_>,
    src: Span,
    at: usize,
    scope: Option<usize>,
    visiting: &mut HashSet<String>,
    out: &mut Vec<Applied>,
) {
    let here = Span::new(at, at);
    for e in effects {
        match e {
            Effect::Assign(a) => {
                let mut a = a.clone();
                a.span = here;
                a.function = scope;
                a.local = false;
                a.value = match &a.value {
                    AssignedValue::Word(w) => AssignedValue::Word(remap_word(w, src)),
                    AssignedValue::Array(items) => {
                        AssignedValue::Array(items.iter().map(|w| remap_word(w, src)).collect())
                    }
                };
                if let Some(d) = &mut a.defined_in {
                    d.via = src;
                }
                out.push(Applied::Assign(a));
            }
            Effect::Alias(c) => {
                let mut c = remap_command(c, src, here);
                c.function = scope;
                out.push(Applied::Alias(c));
            }
            Effect::Call(name) => {
                if let Some((f, owner)) = table.get(name.as_str())
                    && visiting.len() < 64
                    && visiting.insert(name.clone())
                {
                    apply(&f.effects, owner, table, src, at, scope, visiting, out);
                    visiting.remove(name);
                }
            }
            Effect::Source(i) => {
                if let Some(inner) = &node.children[*i] {
                    apply(&inner.lib.top, inner, table, src, at, scope, visiting, out);
                }
            }
        }
    }
}

/// A library command as seen from the `source` command at `src`, placed at `span`.
fn remap_command(c: &RawCommand, src: Span, span: Span) -> RawCommand {
    RawCommand {
        span,
        words: c.words.iter().map(|w| remap_word(w, src)).collect(),
        redirects: c
            .redirects
            .iter()
            .map(|(op, w)| (op.clone(), remap_word(w, src)))
            .collect(),
        function: None,
        control: None,
        control_truncated: false,
        defined_in: c.defined_in.clone().map(|d| Box::new(DefinedIn { via: src, ..*d })),
    }
}

fn remap_word(w: &RawWord, src: Span) -> RawWord {
    RawWord {
        span: src,
        parts: w.parts.iter().map(|p| remap_part(p, src)).collect(),
        imported: true,
    }
}

fn remap_part(p: &Part, src: Span) -> Part {
    let kind = match &p.kind {
        PartKind::Var { name, default } => PartKind::Var {
            name: name.clone(),
            default: default
                .as_ref()
                .map(|d| d.iter().map(|p| remap_part(p, src)).collect()),
        },
        other => other.clone(),
    };
    Part {
        kind,
        span: src,
        quoted: p.quoted,
        exact: false,
    }
}

// ---------------------------------------------------------------------------
// Paths: the value of a `source` word, from its text.

/// Values of variables before a place in a file.
trait Vars {
    /// The text of the value (as written) of the last assignment of `name`
    /// before `at`, and where that assignment is.
    fn value(&self, name: &str, at: usize) -> Option<(String, usize)>;
}

struct SyntaxVars<'a> {
    host: &'a str,
    syntax: &'a Syntax,
}

impl Vars for SyntaxVars<'_> {
    fn value(&self, name: &str, at: usize) -> Option<(String, usize)> {
        let a = self
            .syntax
            .assignments
            .iter()
            .filter(|a| a.name == name && a.span.end <= at && a.defined_in.is_none())
            .max_by_key(|a| a.span.end)?;
        let AssignedValue::Word(w) = &a.value else {
            return None;
        };
        Some((self.host.get(w.span.start..w.span.end)?.to_string(), a.span.start))
    }
}

/// For the needle pre-check: assignments found line by line, without parsing.
struct TextVars<'a> {
    text: &'a str,
}

impl Vars for TextVars<'_> {
    fn value(&self, name: &str, at: usize) -> Option<(String, usize)> {
        let mut found = None;
        let mut offset = 0;
        for line in self.text[..at.min(self.text.len())].split_inclusive('\n') {
            let mut rest = line.trim_start();
            for keyword in ["export ", "readonly ", "declare ", "local ", "typeset "] {
                if let Some(r) = rest.strip_prefix(keyword) {
                    rest = r.trim_start();
                    while rest.starts_with('-') {
                        rest = rest.split_once(char::is_whitespace).map_or("", |(_, r)| r).trim_start();
                    }
                }
            }
            if let Some(value) = rest.strip_prefix(name).and_then(|r| r.strip_prefix('='))
                && let Some(word) = shell_words(value).into_iter().next()
            {
                found = Some((word.to_string(), offset));
            }
            offset += line.len();
        }
        found
    }
}

struct Eval<'a> {
    vars: &'a dyn Vars,
    /// The file whose text is evaluated (`${BASH_SOURCE[0]}`).
    this_file: &'a Path,
    /// The script being run (`$0`).
    main_file: &'a Path,
    root: &'a Path,
    /// Set when `$0` was read: the value depends on the script being run.
    main_used: Cell<bool>,
}

impl Eval<'_> {
    /// The value of a word as written (quotes included), evaluated at `at`;
    /// `None` when any piece of it is not known.
    fn word(&self, text: &str, at: usize, depth: usize) -> Option<String> {
        if depth > MAX_EVAL_DEPTH || text.len() > 4096 {
            return None;
        }
        let b = text.as_bytes();
        let mut out = String::new();
        let mut i = 0;
        let mut dq = false;
        while i < b.len() {
            match b[i] {
                b'"' => {
                    dq = !dq;
                    i += 1;
                }
                b'\'' if !dq => {
                    let end = i + 1 + text[i + 1..].find('\'')?;
                    out.push_str(&text[i + 1..end]);
                    i = end + 1;
                }
                b'\\' => {
                    let c = text[i + 1..].chars().next()?;
                    out.push(c);
                    i += 1 + c.len_utf8();
                }
                b'$' if b.get(i + 1) == Some(&b'(') && b.get(i + 2) != Some(&b'(') => {
                    let end = matching(text, i + 1)?;
                    out.push_str(&self.command(&text[i + 2..end], at, depth + 1)?);
                    i = end + 1;
                }
                b'$' if b.get(i + 1) == Some(&b'{') => {
                    let end = matching(text, i + 1)?;
                    out.push_str(&self.param(&text[i + 2..end], at, depth + 1)?);
                    i = end + 1;
                }
                b'$' => {
                    let rest = &text[i + 1..];
                    let len = match rest.bytes().next()? {
                        b'0' => 1,
                        c if c.is_ascii_alphabetic() || c == b'_' => rest
                            .bytes()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                            .count(),
                        _ => return None,
                    };
                    out.push_str(&self.var(&rest[..len], at, depth + 1)?);
                    i += 1 + len;
                }
                b'`' => {
                    let end = i + 1 + text[i + 1..].find('`')?;
                    out.push_str(&self.command(&text[i + 1..end], at, depth + 1)?);
                    i = end + 1;
                }
                b'~' if i == 0 => return None,
                b'*' | b'?' | b'[' if !dq => return None,
                _ => {
                    let c = text[i..].chars().next()?;
                    out.push(c);
                    i += c.len_utf8();
                }
            }
        }
        Some(out)
    }

    fn var(&self, name: &str, at: usize, depth: usize) -> Option<String> {
        match name {
            "0" => {
                self.main_used.set(true);
                Some(self.main_file.to_string_lossy().into_owned())
            }
            "BASH_SOURCE" => Some(self.this_file.to_string_lossy().into_owned()),
            _ => {
                let (text, at) = self.vars.value(name, at)?;
                self.word(&text, at, depth + 1)
            }
        }
    }

    /// `${…}`: a name, `${NAME%/*}`, `${NAME:-word}` (and `-`, `:=`, `=`).
    fn param(&self, inner: &str, at: usize, depth: usize) -> Option<String> {
        let len = inner
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
            .count();
        let (name, mut rest) = inner.split_at(len);
        if name.is_empty() || (name.as_bytes()[0].is_ascii_digit() && name != "0") {
            return None;
        }
        if let Some(r) = rest.strip_prefix("[0]") {
            if name != "BASH_SOURCE" {
                return None;
            }
            rest = r;
        }
        if rest.is_empty() {
            return self.var(name, at, depth);
        }
        if rest == "%/*" {
            return Some(dirname(&self.var(name, at, depth)?));
        }
        let default = [":-", ":=", "-", "="]
            .iter()
            .find_map(|op| rest.strip_prefix(op))?;
        self.var(name, at, depth)
            .filter(|v| !v.is_empty())
            .or_else(|| self.word(default, at, depth + 1))
    }

    /// The output of a command substitution that prints a path.
    fn command(&self, inner: &str, at: usize, depth: usize) -> Option<String> {
        let commands: Vec<Vec<&str>> = split_list(inner)
            .into_iter()
            .map(|c| without_redirects(shell_words(c)))
            .filter(|w| !w.is_empty())
            .collect();
        let last = commands.last()?;
        let args = |words: &[&'_ str]| -> Vec<String> {
            words[1..]
                .iter()
                .skip_while(|w| w.starts_with('-'))
                .map(|w| w.to_string())
                .collect()
        };
        match last[0] {
            // `cd DIR && pwd`: the last `cd`'s directory.
            "pwd" => {
                let cd = commands.iter().rev().find(|c| c[0] == "cd")?;
                let dir = args(cd).into_iter().next()?;
                self.word(&dir, at, depth + 1)
            }
            "dirname" if commands.len() == 1 => {
                let [arg] = args(last).try_into().ok()?;
                Some(dirname(&self.word(&arg, at, depth + 1)?))
            }
            "realpath" | "echo" if commands.len() == 1 => {
                let [arg] = args(last).try_into().ok()?;
                self.word(&arg, at, depth + 1)
            }
            "readlink"
                if commands.len() == 1
                    && last[1..].iter().any(|o| {
                        matches!(*o, "-f" | "-e" | "-m") || o.starts_with("--canonicalize")
                    }) =>
            {
                let [arg] = args(last).try_into().ok()?;
                self.word(&arg, at, depth + 1)
            }
            "git" if last[1..] == ["rev-parse", "--show-toplevel"] => {
                Some(absolute(self.root).to_string_lossy().into_owned())
            }
            _ => None,
        }
    }
}

fn dirname(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        None if trimmed.is_empty() && !path.is_empty() => "/".into(),
        None => ".".into(),
        Some(0) => "/".into(),
        Some(i) => trimmed[..i].trim_end_matches('/').to_string(),
    }
}

/// Index of the bracket closing the one at `open` (`(` or `{`), skipping
/// quotes and escapes.
fn matching(text: &str, open: usize) -> Option<usize> {
    let b = text.as_bytes();
    let (o, c) = match b[open] {
        b'(' => (b'(', b')'),
        _ => (b'{', b'}'),
    };
    let mut depth = 0usize;
    let mut i = open;
    let mut dq = false;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'"' => dq = !dq,
            b'\'' if !dq => i += text[i + 1..].find('\'')? + 1,
            x if x == o => depth += 1,
            x if x == c => {
                depth -= 1;
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

/// The words of a simple command as written (quotes kept), split at unquoted
/// white space.
fn shell_words(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            if let Some(s) = start.take() {
                out.push(&text[s..i]);
            }
            i += 1;
            continue;
        }
        if c == b'#' && start.is_none() {
            break;
        }
        start.get_or_insert(i);
        i = match c {
            b'\\' => i + 2,
            b'\'' => text[i + 1..].find('\'').map_or(b.len(), |e| i + 1 + e + 1),
            b'"' => closing_quote(text, i).map_or(b.len(), |e| e + 1),
            b'$' if matches!(b.get(i + 1), Some(b'(' | b'{')) => {
                matching(text, i + 1).map_or(b.len(), |e| e + 1)
            }
            b'`' => text[i + 1..].find('`').map_or(b.len(), |e| i + 1 + e + 1),
            _ => i + 1,
        };
    }
    if let Some(s) = start {
        out.push(&text[s..b.len().max(s).min(text.len())]);
    }
    out
}

/// The `"` closing the one at `open`, past `$(…)` inside.
fn closing_quote(text: &str, open: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = open + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'"' => return Some(i),
            b'$' if matches!(b.get(i + 1), Some(b'(' | b'{')) => i = matching(text, i + 1)?,
            _ => {}
        }
        i += 1;
    }
    None
}

/// A command list cut at unquoted `&&`, `||`, `;` and `|`.
fn split_list(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\'' => i = text[i + 1..].find('\'').map_or(b.len(), |e| i + 1 + e + 1),
            b'"' => i = closing_quote(text, i).map_or(b.len(), |e| e + 1),
            b'$' if matches!(b.get(i + 1), Some(b'(' | b'{')) => {
                i = matching(text, i + 1).map_or(b.len(), |e| e + 1)
            }
            b';' | b'|' | b'&' => {
                // `&>` and `>&` are redirects, not list operators.
                let redirect = (b[i] == b'&' && b.get(i + 1) == Some(&b'>'))
                    || (i > 0 && b[i - 1] == b'>');
                if redirect {
                    i += 1;
                    continue;
                }
                out.push(&text[start..i]);
                i += if matches!(b.get(i + 1), Some(b'&' | b'|')) { 2 } else { 1 };
                start = i;
            }
            _ => i += 1,
        }
    }
    out.push(&text[start.min(text.len())..]);
    out
}

/// Words without redirections (`>/dev/null`, `2>&1`, `&> /dev/null`).
fn without_redirects(words: Vec<&str>) -> Vec<&str> {
    let mut out = Vec::new();
    let mut skip_next = false;
    for w in words {
        if skip_next {
            skip_next = false;
            continue;
        }
        let op = w.trim_start_matches(|c: char| c.is_ascii_digit() || c == '&');
        if op.starts_with('>') || op.starts_with('<') {
            // The target is in the word, or the next one.
            skip_next = op.trim_start_matches(['>', '<', '&', '|']).is_empty();
            continue;
        }
        out.push(w);
    }
    out
}

// ---------------------------------------------------------------------------
// The needle pre-check.

/// Whether a file the script `text` sources (directly or through other
/// sourced files, inside the root) satisfies `mentions`: the linter then
/// analyses a script that has no needle of its own. Reads nothing unless
/// the script has a `source` / `.` line.
pub fn sources_mention(text: &str, path: &Path, root: &Path, mentions: &dyn Fn(&str) -> bool) -> bool {
    let lines = source_lines(text);
    if lines.is_empty() {
        return false;
    }
    let main = absolute(path);
    let mut chain = vec![main.clone()];
    mention_in(text, lines, &main, &main, root, mentions, &mut chain)
}

fn mention_in(
    text: &str,
    lines: Vec<(usize, &str)>,
    this_file: &Path,
    main_file: &Path,
    root: &Path,
    mentions: &dyn Fn(&str) -> bool,
    chain: &mut Vec<PathBuf>,
) -> bool {
    let vars = TextVars { text };
    let eval = Eval {
        vars: &vars,
        this_file,
        main_file,
        root,
        main_used: Cell::new(false),
    };
    for (at, word) in lines {
        let Some(path) = eval.word(word, at, 0) else { continue };
        let Some(resolved) = locate(&path, this_file, root) else { continue };
        if chain.contains(&resolved) || chain.len() > MAX_SOURCE_DEPTH {
            continue;
        }
        let Some(lib) = read_text(root, &resolved) else { continue };
        if mentions(&lib) {
            return true;
        }
        chain.push(resolved.clone());
        let nested = source_lines(&lib);
        let hit = !nested.is_empty() && mention_in(&lib, nested, &resolved, main_file, root, mentions, chain);
        chain.pop();
        if hit {
            return true;
        }
    }
    false
}

/// `(offset, path word)` of each `source WORD` / `. WORD` that starts a
/// command on a line (also after `&&`, `||`, `;`, `then`, `do`). Lines are
/// looked at only around a `source` or `. ` at a command's start, found by a
/// byte search: most scripts have none, and this runs on every script that
/// lacks a rule's needle.
fn source_lines(text: &str) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let blank = |b: u8| b == b' ' || b == b'\t';
    let mut starts: Vec<usize> = memchr::memmem::find_iter(bytes, b"source")
        .filter(|&p| bytes.get(p + 6).copied().is_some_and(blank))
        .chain(
            memchr::memchr_iter(b'.', bytes)
                .filter(|&p| bytes.get(p + 1).copied().is_some_and(blank)),
        )
        .filter(|&p| at_command_start(bytes, p))
        .map(|p| bytes[..p].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1))
        .collect();
    if starts.is_empty() {
        return Vec::new();
    }
    starts.sort_unstable();
    starts.dedup();
    let mut out = Vec::new();
    for here in starts {
        let end = memchr::memchr(b'\n', &bytes[here..]).map_or(bytes.len(), |i| here + i + 1);
        let line = &text[here..end];
        if line.trim_start().starts_with('#') {
            continue;
        }
        for piece in split_list(line) {
            let mut words = shell_words(piece);
            while matches!(words.first(), Some(&("then" | "do" | "else" | "{" | "!"))) {
                words.remove(0);
            }
            if let [cmd, path, ..] = words.as_slice()
                && matches!(*cmd, "source" | ".")
            {
                out.push((here, *path));
            }
        }
    }
    out
}

/// Whether the word at `p` may be a command name: at a line's start, or
/// after `;`, `&`, `|`, `{`, `(`, `!`, `then`, `do` or `else`.
fn at_command_start(bytes: &[u8], p: usize) -> bool {
    let mut i = p;
    while i > 0 && matches!(bytes[i - 1], b' ' | b'\t') {
        i -= 1;
    }
    if i == 0 || matches!(bytes[i - 1], b'\n' | b';' | b'&' | b'|' | b'{' | b'(' | b'!') {
        return true;
    }
    ["then", "do", "else"].iter().any(|k| {
        bytes[..i].ends_with(k.as_bytes())
            && (i == k.len() || matches!(bytes[i - k.len() - 1], b' ' | b'\t' | b'\n' | b';'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoVars;
    impl Vars for NoVars {
        fn value(&self, _: &str, _: usize) -> Option<(String, usize)> {
            None
        }
    }

    fn eval(text: &str) -> Option<String> {
        Eval {
            vars: &NoVars,
            this_file: Path::new("/r/scripts/lib/a.sh"),
            main_file: Path::new("/r/scripts/main.sh"),
            root: Path::new("/r"),
            main_used: Cell::new(false),
        }
        .word(text, 0, 0)
    }

    #[test]
    fn script_directory_idioms() {
        assert_eq!(eval(r#""$(dirname "$0")/x.sh""#).as_deref(), Some("/r/scripts/x.sh"));
        assert_eq!(eval(r#"$(dirname $0)/x.sh"#).as_deref(), Some("/r/scripts/x.sh"));
        assert_eq!(eval(r#""$(dirname "${BASH_SOURCE[0]}")/x""#).as_deref(), Some("/r/scripts/lib/x"));
        assert_eq!(eval(r#"${BASH_SOURCE%/*}/x"#).as_deref(), Some("/r/scripts/lib/x"));
        assert_eq!(
            eval(r#""$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/x""#).as_deref(),
            Some("/r/scripts/lib/x")
        );
        assert_eq!(
            eval(r#"$( cd -- "$( dirname -- "${BASH_SOURCE[0]}" )" &> /dev/null && pwd )/x"#).as_deref(),
            Some("/r/scripts/lib/x")
        );
        assert_eq!(eval(r#"`dirname $0`/x"#).as_deref(), Some("/r/scripts/x"));
        assert_eq!(eval(r#""$(dirname "$(readlink -f "$0")")/x""#).as_deref(), Some("/r/scripts/x"));
        assert_eq!(eval(r#""$(git rev-parse --show-toplevel)/x""#).as_deref(), Some("/r/x"));
        assert_eq!(eval("./lib.sh").as_deref(), Some("./lib.sh"));
        assert_eq!(eval("'lib.sh'").as_deref(), Some("lib.sh"));
        assert_eq!(eval("$HOME/x"), None);
        assert_eq!(eval("$1"), None);
        assert_eq!(eval("~/x"), None);
        assert_eq!(eval("lib/*.sh"), None);
        assert_eq!(eval("$(pwd)/x"), None);
    }

    #[test]
    fn variables_found_line_by_line() {
        let text = "DIR=\"$(cd \"$(dirname \"${BASH_SOURCE[0]}\")\" && pwd)\"\nROOT=\"$(cd \"$DIR/..\" && pwd)\"\nsource \"$ROOT/scripts/lib.sh\"\n";
        let lines = source_lines(text);
        assert_eq!(lines.len(), 1);
        let (at, word) = lines[0];
        let vars = TextVars { text };
        let e = Eval {
            vars: &vars,
            this_file: Path::new("/r/tests/t.sh"),
            main_file: Path::new("/r/tests/t.sh"),
            root: Path::new("/r"),
            main_used: Cell::new(false),
        };
        assert_eq!(e.word(word, at, 0).as_deref(), Some("/r/tests/../scripts/lib.sh"));
    }

    #[test]
    fn source_lines_after_operators() {
        let text = "[ -f x.sh ] && . ./x.sh\nif true; then source y.sh; fi\n# source z.sh\necho . a\n";
        let words: Vec<&str> = source_lines(text).into_iter().map(|(_, w)| w).collect();
        assert_eq!(words, ["./x.sh", "y.sh"]);
    }
}
