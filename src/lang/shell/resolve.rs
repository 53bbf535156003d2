//! Raw shell structures → command facts: variables, wrapper functions and
//! wrapper programs (`sudo`, `env`, `timeout`, …) are seen through here.

use super::super::jinja::Templating;
use super::syntax::{AssignedValue, Part, PartKind, RawCommand, RawWord, StdinHeredoc, Syntax};
use crate::facts::{CommandFact, DefinedIn, Origin, Word};
use crate::source::Span;
use std::collections::{HashMap, HashSet};

/// How deep variable values and wrapper functions are followed.
const MAX_DEPTH: usize = 8;

/// Expansion work allowed per file, in text pieces produced by following
/// variables and words produced by following wrapper functions: this much,
/// plus one piece per [`EXPANSION_BYTES_PER_PIECE`] bytes of the file. Real
/// scripts use about one piece per variable reference, so the budget grows with
/// them; `v1="$v0 $v0 …"` chains grow exponentially and would otherwise take
/// the whole machine's memory.
pub const EXPANSION_BUDGET: usize = 50_000;
pub const EXPANSION_BYTES_PER_PIECE: usize = 4;

/// The expansion budget of a file of `len` bytes.
pub fn expansion_budget(len: usize) -> usize {
    EXPANSION_BUDGET + len / EXPANSION_BYTES_PER_PIECE
}

pub struct Resolver<'a> {
    syntax: &'a Syntax,
    templating: Templating<'a>,
    /// Assignment indices per variable name, in source order: the script's
    /// (global) variables.
    assignments: HashMap<&'a str, Vec<usize>>,
    /// Variables a function declares its own (`local K=…`): per name, the
    /// function's span and its assignments of the name, by the function's start.
    locals: HashMap<&'a str, Vec<(Span, Vec<usize>)>>,
    /// Assignment index → how many assignments its scope has for its name.
    scope_sizes: Vec<usize>,
    /// Function name → index of its (last) definition.
    functions: HashMap<&'a str, usize>,
    /// Functions whose body forwards its arguments (`"$@"`) to a command.
    forwarding: HashSet<usize>,
    /// Functions called somewhere in the region.
    called: HashSet<usize>,
    /// Function index → the commands of its body that forward their arguments
    /// (copies: the script's commands are handed to [`Resolver::facts`] and
    /// freed one by one as they are resolved).
    bodies: HashMap<usize, Vec<RawCommand>>,
    /// Alias name → (where the `alias`/`unalias` command ends, the value's
    /// words or `None` when removed or not understood), in source order.
    aliases: HashMap<String, Vec<(usize, Option<Vec<RWord>>)>>,
    /// Expansion work done, against `budget`.
    used: std::cell::Cell<usize>,
    /// The file's expansion budget ([`expansion_budget`]).
    budget: usize,
    /// Where the budget ran out first.
    exhausted: std::cell::Cell<Option<Span>>,
    /// The command being resolved (where a spent budget is reported).
    current: std::cell::Cell<Span>,
    /// Heredocs fed to a program that reads a script from them, whose body
    /// the shell changes first (see [`Resolver::unmapped_heredocs`]).
    unmapped: std::cell::RefCell<Vec<UnmappedHeredoc>>,
    /// Command span → the heredoc that is its standard input (the last one
    /// read).
    stdin: HashMap<Span, &'a StdinHeredoc>,
    /// The wrapper functions being expanded, outermost first: a call of one
    /// of them inside its own expansion (recursion, direct or through other
    /// functions) reaches calls already reported at the outer call.
    expanding: std::cell::RefCell<Vec<usize>>,
}

/// A heredoc that is a program's script but not as written: the shell
/// expands its unquoted body before the program reads it.
#[derive(Debug, Clone)]
pub struct UnmappedHeredoc {
    /// The command it is fed to.
    pub command: Span,
    /// The program that reads it (`ssh`, `bash`).
    pub program: String,
}

/// Where a resolved word's text came from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Host,
    Variable {
        name: String,
        assignment: Span,
        /// Set in a sourced file.
        defined_in: Option<Box<DefinedIn>>,
    },
    /// A template variable's value (`{{ kubectl }}`), defined in another file.
    Template(String),
    /// An alias's value (`alias k='microk8s kubectl'`).
    Alias {
        name: String,
        definition: Span,
        /// Defined in a sourced file.
        defined_in: Option<Box<DefinedIn>>,
    },
}

#[derive(Debug, Clone)]
struct RWord {
    word: Word,
    source: Source,
}

/// A piece of resolved text before it is cut into words.
#[derive(Debug, Clone)]
struct Seg {
    text: String,
    span: Span,
    exact: bool,
    is_static: bool,
    /// Unquoted: word splitting applies.
    splits: bool,
    source: Source,
    /// For variable text: inserting after it inside the assignment adds words.
    insertable: bool,
}

impl<'a> Resolver<'a> {
    /// A resolver that has `used` of the file's expansion budget behind it.
    /// `commands` are the script's commands, taken out of `syntax` (see
    /// [`Resolver::facts`]).
    pub fn new(
        syntax: &'a Syntax,
        commands: &[RawCommand],
        templating: Templating<'a>,
        used: usize,
        budget: usize,
    ) -> Self {
        // A function that declares a name local owns all its assignments of it.
        let owned = syntax.locally_owned();
        let mut assignments: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut local_lists: HashMap<(&str, usize), Vec<usize>> = HashMap::new();
        for (i, a) in syntax.assignments.iter().enumerate() {
            match a.function {
                Some(f) if owned.contains(&(a.name.as_str(), f)) => {
                    local_lists.entry((a.name.as_str(), f)).or_default().push(i)
                }
                _ => assignments.entry(a.name.as_str()).or_default().push(i),
            }
        }
        let mut scope_sizes = vec![0; syntax.assignments.len()];
        let mut locals: HashMap<&str, Vec<(Span, Vec<usize>)>> = HashMap::new();
        for ((name, f), list) in local_lists {
            let span = syntax.functions.get(f).map_or(Span::default(), |f| f.span);
            locals.entry(name).or_default().push((span, list));
        }
        for scopes in locals.values_mut() {
            scopes.sort_by_key(|(span, _)| span.start);
        }
        for list in assignments
            .values_mut()
            .chain(locals.values_mut().flatten().map(|(_, list)| list))
        {
            // Stable: assignments ending at one offset keep their source order.
            list.sort_by_key(|&i| syntax.assignments[i].span.end);
            for &i in list.iter() {
                scope_sizes[i] = list.len();
            }
        }
        let mut functions = HashMap::new();
        for (i, f) in syntax.functions.iter().enumerate() {
            functions.insert(f.name.as_str(), i);
        }
        let mut forwarding = HashSet::new();
        let mut called = HashSet::new();
        let mut bodies: HashMap<usize, Vec<RawCommand>> = HashMap::new();
        for cmd in commands {
            if let Some(f) = cmd.function
                && forwards(cmd)
            {
                forwarding.insert(f);
                bodies.entry(f).or_default().push(cmd.clone());
            }
            if let Some(name) = cmd.words[0].static_text()
                && let Some(&f) = functions.get(name.as_str())
            {
                // A function calling itself does not count as a use.
                if cmd.function != Some(f) {
                    called.insert(f);
                }
            }
        }
        let mut aliases: HashMap<String, Vec<(usize, Option<Vec<RWord>>)>> = HashMap::new();
        for cmd in commands {
            let removes = match cmd.words[0].static_text().as_deref() {
                Some("alias") => false,
                Some("unalias") => true,
                _ => continue,
            };
            for word in &cmd.words[1..] {
                if removes {
                    if let Some(name) = word.static_text() {
                        aliases.entry(name).or_default().push((cmd.span.end, None));
                    }
                } else if let Some((name, value)) = alias_definition(word, cmd.defined_in.as_deref()) {
                    aliases.entry(name).or_default().push((cmd.span.end, value));
                }
            }
        }
        for list in aliases.values_mut() {
            list.sort_by_key(|(end, _)| *end);
        }
        Resolver {
            syntax,
            templating,
            assignments,
            locals,
            aliases,
            scope_sizes,
            functions,
            forwarding,
            called,
            bodies,
            used: std::cell::Cell::new(used),
            budget,
            exhausted: std::cell::Cell::new(None),
            current: std::cell::Cell::new(Span::default()),
            unmapped: std::cell::RefCell::new(Vec::new()),
            stdin: syntax.stdin_heredocs.iter().map(|h| (h.command, h)).collect(),
            expanding: std::cell::RefCell::new(Vec::new()),
        }
    }

    pub fn facts(&self, commands: Vec<RawCommand>) -> Vec<CommandFact> {
        let mut facts = Vec::with_capacity(commands.len());
        // Each command's raw syntax is freed once it is resolved: a script of
        // 900,000 calls never holds both forms of all of them.
        for cmd in commands {
            let cmd = &cmd;
            // Commands written in a sourced file are that file's own calls (it
            // is checked by itself); here they only act through the wrapper
            // functions and aliases they define.
            if cmd.defined_in.is_some() {
                continue;
            }
            // A forwarding command inside a called wrapper is reported at each call.
            if let Some(f) = cmd.function
                && self.forwarding.contains(&f)
                && self.called.contains(&f)
                && forwards(cmd)
            {
                continue;
            }
            self.current.set(cmd.span);
            let words = self.words_of(&cmd.words, cmd.span.start, None, 0);
            let runs_at = cmd.function.is_none().then_some(cmd.span.start);
            // A function calling itself in its own body: that call reaches
            // the body's commands, which are reported where they are.
            *self.expanding.borrow_mut() = cmd.function.into_iter().collect();
            self.emit(cmd, words, &mut facts, 0, cmd.span.start, runs_at);
        }
        facts
    }

    /// The expansion work done (to carry over to the file's next region).
    pub fn used(&self) -> usize {
        self.used.get()
    }

    /// The heredocs fed to a program as its script that are not analysed:
    /// their unquoted body is expanded by the shell first.
    pub fn unmapped_heredocs(&self) -> Vec<UnmappedHeredoc> {
        self.unmapped.take()
    }

    /// Where the expansion budget ran out, if it did.
    pub fn exhausted_at(&self) -> Option<Span> {
        self.exhausted.get()
    }

    /// Takes `cost` from the budget; `false` (and the place noted) when it is spent.
    fn spend(&self, cost: usize) -> bool {
        let used = self.used.get().saturating_add(cost);
        if used > self.budget {
            if self.exhausted.get().is_none() {
                self.exhausted.set(Some(self.current.get()));
            }
            return false;
        }
        self.used.set(used);
        true
    }

    /// Turns resolved words into facts, expanding wrapper-function calls.
    /// `at` is where the call runs in the checked file: the body of a wrapper
    /// from a sourced file sees the variables in force there. `runs_at`: where
    /// the outermost call is in the script's top-level code (`None` inside a
    /// function body, which runs whenever it is called): a function defined
    /// after that point is not defined yet when it runs.
    fn emit(
        &self,
        call: &RawCommand,
        words: Vec<RWord>,
        facts: &mut Vec<CommandFact>,
        depth: usize,
        at: usize,
        runs_at: Option<usize>,
    ) {
        if words.is_empty() {
            return;
        }
        if depth < MAX_DEPTH
            && words[0].word.is_static
            && let Some(&f) = self.functions.get(words[0].word.text.as_str())
            && runs_at.is_none_or(|at| self.syntax.functions[f].span.start < at)
            && self.forwarding.contains(&f)
        {
            if self.expanding.borrow().contains(&f) {
                // A recursive call: its commands are the ones being expanded.
                return;
            }
            if !self.spend(words.len()) {
                return self.emit_command(call, words, facts);
            }
            self.expanding.borrow_mut().push(f);
            let args = &words[1..];
            for body in self
                .bodies
                .get(&f)
                .into_iter()
                .flatten()
            {
                let body_at = if body.defined_in.is_some() {
                    at
                } else {
                    body.span.start
                };
                let expanded = self.words_of(&body.words, body_at, Some(args), 0);
                let mut inner = Vec::new();
                self.emit(body, expanded, &mut inner, depth + 1, body_at, runs_at);
                for mut fact in inner {
                    fact.span = call.span;
                    // The expansion runs where the wrapper is called.
                    fact.control = self.syntax.control_path(call.control);
                    fact.control_truncated = call.control_truncated;
                    fact.in_function = call
                        .function
                        .map(|i| self.syntax.functions[i].name.clone());
                    if matches!(fact.origin, Origin::Direct) {
                        fact.origin = Origin::Function {
                            name: self.syntax.functions[f].name.clone(),
                            body_command: body.span,
                        };
                        fact.defined_in = body.defined_in.clone();
                    }
                    facts.push(fact);
                }
            }
            self.expanding.borrow_mut().pop();
            return;
        }
        self.emit_command(call, words, facts);
    }

    /// The facts of a command that is not a wrapper function's call.
    fn emit_command(&self, call: &RawCommand, words: Vec<RWord>, facts: &mut Vec<CommandFact>) {
        // The heredoc that is the call's standard input (the last one read).
        let stdin = self.stdin.get(&call.span).copied();
        let mut unmapped = None;
        let stripped = strip_wrappers(call.span, words, stdin, &mut unmapped);
        if let Some(program) = unmapped {
            self.unmapped.borrow_mut().push(UnmappedHeredoc { command: call.span, program });
        }
        for mut fact in stripped {
            fact.control = self.syntax.control_path(call.control);
            fact.control_truncated = call.control_truncated;
            fact.in_function = call
                .function
                .map(|i| self.syntax.functions[i].name.clone());
            fact.redirects = call
                .redirects
                .iter()
                .filter_map(|(op, dest)| {
                    let word = self
                        .resolve_word(dest, call.span.start, 0)
                        .into_iter()
                        .next()?;
                    Some((op.clone(), word.word))
                })
                .collect();
            // Facts live until the file's rules have run: a file of 900,000
            // calls must not keep the spare capacity of each word list.
            fact.words.shrink_to_fit();
            facts.push(fact);
        }
    }

    fn words_of(
        &self,
        raw: &[RawWord],
        at: usize,
        args: Option<&[RWord]>,
        depth: usize,
    ) -> Vec<RWord> {
        let mut out = Vec::new();
        let mut raw = raw;
        if let Some(alias) = raw.first().and_then(|w| self.alias(w, at)) {
            out.extend(alias.iter().cloned());
            raw = &raw[1..];
        }
        // `eval "$1"`: the string the function is called with is the command.
        let evals = raw.first().and_then(RawWord::static_text).as_deref() == Some("eval");
        for word in raw {
            if word.is_all_args()
                && let Some(args) = args
            {
                out.extend(args.iter().cloned());
                continue;
            }
            if evals
                && let Some(n) = word.positional()
                && let Some(args) = args
            {
                out.extend(args.get(n - 1).cloned());
                continue;
            }
            out.extend(self.resolve_word(word, at, depth));
        }
        out
    }

    fn resolve_word(&self, word: &RawWord, at: usize, depth: usize) -> Vec<RWord> {
        if let Some(fields) = self.template_variable(word) {
            return fields;
        }
        let mut segs = Vec::new();
        for part in &word.parts {
            self.segs_of(part, at, depth, &mut segs);
        }
        let touches_placeholder = self
            .templating
            .placeholders
            .iter()
            .any(|p| p.span.overlaps(word.span));
        let mut fields = split_fields(segs, word.parts.iter().any(|p| p.quoted));
        for field in &mut fields {
            if touches_placeholder && let Some(text) = self.substitute(&field.word) {
                // Every `{{ var }}` in the word has a known value (`{{ bin
                // }}microk8s` with `bin: ""`): the word is that text.
                field.word.static_suffix = text.len();
                field.word.text = text;
            } else if touches_placeholder {
                field.word.is_static = false;
                // Only what follows the last placeholder is known.
                let last_end = self
                    .templating
                    .placeholders
                    .iter()
                    .filter(|p| p.span.overlaps(field.word.span))
                    .map(|p| p.span.end)
                    .max()
                    .unwrap_or(field.word.span.end);
                let known = if field.word.exact {
                    field.word.span.end.saturating_sub(last_end)
                } else {
                    0
                };
                field.word.static_suffix = field.word.static_suffix.min(known);
            }
            // A word written out at the call: insert after its end (after any quote).
            if field.source == Source::Host {
                // An exact field keeps its precise span (inside the quotes); any
                // other points at the whole word.
                if !field.word.exact {
                    field.word.span = word.span;
                }
                // A word of a sourced file is written in another file.
                field.word.append_at = (!word.imported).then_some(word.span.end);
            }
        }
        fields
    }

    /// The text of an exact word with each `{{ var }}` inside it replaced by its
    /// known value; `None` when one is unknown or the word is not exact.
    fn substitute(&self, word: &Word) -> Option<String> {
        if !word.exact || !word.is_static {
            return None;
        }
        let mut inside: Vec<Span> = self
            .templating
            .placeholders
            .iter()
            .map(|p| p.span)
            .filter(|p| p.overlaps(word.span))
            .collect();
        inside.sort_by_key(|p| p.start);
        let mut out = String::new();
        let mut pos = word.span.start;
        for p in inside {
            if p.start < word.span.start || p.end > word.span.end {
                return None;
            }
            out.push_str(word.text.get(pos - word.span.start..p.start - word.span.start)?);
            let value = self.templating.value_at(p)?;
            if value.contains("{{") || value.chars().any(char::is_whitespace) {
                return None;
            }
            out.push_str(&value);
            pos = p.end;
        }
        out.push_str(word.text.get(pos - word.span.start..)?);
        Some(out)
    }

    /// A word that is exactly one `{{ var }}` with a known value: Jinja substitutes
    /// the value before the shell splits it into words (`kubectl: "{{ bin_dir
    /// }}/kubectl --kubeconfig …"` then `{{ kubectl }} get nodes`).
    fn template_variable(&self, word: &RawWord) -> Option<Vec<RWord>> {
        let [part] = word.parts.as_slice() else {
            return None;
        };
        let PartKind::Lit(_) = part.kind else {
            return None;
        };
        let value = self.templating.value_at(part.span)?;
        let value: &str = &value;
        // Split where the shell would, but never inside a nested `{{ … }}`.
        let masked = super::super::jinja::mask(value).text;
        let pieces: Vec<&str> = if part.quoted {
            vec![value]
        } else {
            let mut pieces = Vec::new();
            let mut start = None;
            for (i, b) in masked
                .bytes()
                .enumerate()
                .chain(std::iter::once((masked.len(), b' ')))
            {
                match (start, b.is_ascii_whitespace()) {
                    (None, false) => start = Some(i),
                    (Some(s), true) => {
                        pieces.push(&value[s..i]);
                        start = None;
                    }
                    _ => {}
                }
            }
            pieces
        };
        Some(
            pieces
                .into_iter()
                .map(|piece| {
                    // Nested template expressions are unknown; what follows the
                    // last one is known.
                    let static_suffix = piece
                        .rfind("}}")
                        .map_or(piece.len(), |i| piece.len() - i - 2);
                    RWord {
                        word: Word {
                            text: piece.to_string(),
                            span: word.span,
                            is_static: !piece.contains("{{"),
                            append_at: Some(word.span.end),
                            exact: false,
                            static_suffix,
                        },
                        source: Source::Template(
                            self.templating
                                .placeholders
                                .iter()
                                .find(|p| p.span == part.span)
                                .map(|p| p.expr.clone())
                                .unwrap_or_default(),
                        ),
                    }
                })
                .collect(),
        )
    }

    fn segs_of(&self, part: &Part, at: usize, depth: usize, out: &mut Vec<Seg>) {
        let host = |text: String, is_static: bool| Seg {
            text,
            span: part.span,
            exact: part.exact,
            is_static,
            splits: false,
            source: Source::Host,
            insertable: false,
        };
        match &part.kind {
            PartKind::Lit(text) => out.push(host(text.clone(), true)),
            PartKind::Var { name, default } => {
                match self.lookup(name, at) {
                    Some(i) if depth < MAX_DEPTH && self.spend(1) => {
                        let assignment = &self.syntax.assignments[i];
                        let AssignedValue::Word(value) = &assignment.value else {
                            // `$arr` is the first element; keep it simple: unknown.
                            out.push(host(String::new(), false));
                            return;
                        };
                        let insertable = value.is_quoted() && !part.quoted;
                        let source = Source::Variable {
                            name: name.clone(),
                            assignment: assignment.span,
                            defined_in: assignment.defined_in.clone(),
                        };
                        for inner in &value.parts {
                            let mut inner_segs = Vec::new();
                            self.segs_of(inner, assignment.span.start, depth + 1, &mut inner_segs);
                            for mut seg in inner_segs {
                                seg.splits = !part.quoted;
                                if seg.source == Source::Host {
                                    seg.source = source.clone();
                                    // A default's text (`K=${X:-kubectl}`) may take words
                                    // too, unless the use keeps them one word (`"$K"`).
                                    seg.insertable = (insertable || (seg.insertable && !part.quoted))
                                        && seg.exact;
                                }
                                out.push(seg);
                            }
                        }
                    }
                    _ => match default {
                        Some(default) if depth < MAX_DEPTH => {
                            for inner in default {
                                let mut inner_segs = Vec::new();
                                self.segs_of(inner, at, depth + 1, &mut inner_segs);
                                for mut seg in inner_segs {
                                    seg.splits = !part.quoted && !inner.quoted;
                                    // Inside `${V:-…}` white space does not end
                                    // an assignment: inserting there adds words
                                    // to the default (`K=${K:-kubectl}`).
                                    if seg.source == Source::Host {
                                        seg.insertable = seg.exact;
                                    }
                                    out.push(seg);
                                }
                            }
                        }
                        _ => out.push(host(String::new(), false)),
                    },
                }
            }
            PartKind::ArrayAll(name) => {
                // Elements become separate words even when quoted ("${arr[@]}").
                match self.lookup(name, at) {
                    Some(i) if depth < MAX_DEPTH && self.spend(1) => {
                        let assignment = &self.syntax.assignments[i];
                        let AssignedValue::Array(items) = &assignment.value else {
                            out.push(host(String::new(), false));
                            return;
                        };
                        let source = Source::Variable {
                            name: name.clone(),
                            assignment: assignment.span,
                            defined_in: assignment.defined_in.clone(),
                        };
                        for item in items {
                            for mut field in
                                self.resolve_word(item, assignment.span.start, depth + 1)
                            {
                                // Inserting after an array element adds elements.
                                let append_at = field.word.append_at;
                                field.source = source.clone();
                                out.push(Seg {
                                    text: std::mem::take(&mut field.word.text),
                                    span: field.word.span,
                                    exact: field.word.exact,
                                    is_static: field.word.is_static,
                                    // `"${arr[@]}"`: each element is one word.
                                    splits: !part.quoted,
                                    source: field.source,
                                    insertable: append_at.is_some(),
                                });
                                // Separate array elements: force a field break.
                                out.push(Seg {
                                    text: " ".into(),
                                    span: field.word.span,
                                    exact: false,
                                    is_static: true,
                                    splits: true,
                                    source: Source::Host,
                                    insertable: false,
                                });
                            }
                        }
                    }
                    _ => out.push(host(String::new(), false)),
                }
            }
            PartKind::AllArgs | PartKind::Dynamic | PartKind::Positional(_) => {
                out.push(host(String::new(), false));
            }
        }
    }

    /// The value of the alias that the command name `word` (at `at`) names:
    /// bash replaces an unquoted name defined by an earlier `alias` command.
    fn alias(&self, word: &RawWord, at: usize) -> Option<&[RWord]> {
        if self.aliases.is_empty() {
            return None;
        }
        let [Part {
            kind: PartKind::Lit(name),
            quoted: false,
            exact: true,
            ..
        }] = word.parts.as_slice()
        else {
            return None;
        };
        let list = self.aliases.get(name)?;
        let before = list.partition_point(|(end, _)| *end <= at);
        list.get(before.checked_sub(1)?)?.1.as_deref()
    }

    /// The assignment in force at `at`: the last one before it, else (for code in
    /// functions that runs later) the only one there is.
    fn lookup(&self, name: &str, at: usize) -> Option<usize> {
        // In a function that declares the name local, its own assignments
        // before `at`; before the first of them the global variable is seen.
        if let Some(scopes) = self.locals.get(name) {
            let n = scopes.partition_point(|(span, _)| span.start <= at);
            if let Some((span, list)) = n.checked_sub(1).map(|i| &scopes[i])
                && at < span.end
            {
                let before = list.partition_point(|&i| self.syntax.assignments[i].span.end <= at);
                if before > 0 {
                    return Some(list[before - 1]);
                }
            }
        }
        let list = self.assignments.get(name)?;
        // Lists are sorted by where each assignment ends: a binary search, not a
        // scan (a script assigning one name 100,000 times is linear, not quadratic).
        let before = list.partition_point(|&i| self.syntax.assignments[i].span.end <= at);
        let found = match before {
            // What a sourced file sets is in force from the `source` (or the
            // call of the function that sets it) on, never before.
            0 => (list.len() == 1 && self.syntax.assignments[list[0]].defined_in.is_none())
                .then(|| list[0]),
            n => Some(list[n - 1]),
        }?;
        // `K="${K:-kubectl}"` reads K before this very assignment sets it: the
        // value is not its own (it is unknown, and the default applies).
        let span = self.syntax.assignments[found].span;
        (!(span.start <= at && at < span.end)).then_some(found)
    }

    /// For each assignment's span, how many assignments its scope has for its
    /// variable (the function's own for a `local` one, else the script's).
    fn scope_sizes_by_span(&self) -> HashMap<Span, usize> {
        self.syntax
            .assignments
            .iter()
            .zip(&self.scope_sizes)
            .map(|(a, &n)| (a.span, n))
            .collect()
    }
}

/// `NAME=VALUE`, an argument of `alias`: the name, and the value's words when
/// it is plain words (no quotes, expansions or operators inside it), with
/// spans inside the definition.
fn alias_definition(
    word: &RawWord,
    defined_in: Option<&DefinedIn>,
) -> Option<(String, Option<Vec<RWord>>)> {
    // The word's text, and for each byte the part it comes from.
    let mut text = String::new();
    let mut owner = Vec::new();
    for (n, part) in word.parts.iter().enumerate() {
        let PartKind::Lit(t) = &part.kind else {
            return None;
        };
        text.push_str(t);
        owner.extend(std::iter::repeat_n(n, t.len()));
    }
    let (name, value) = text.split_once('=')?;
    if name.is_empty() || name.contains(|c: char| c.is_whitespace() || "/$`\"'\\".contains(c)) {
        return None;
    }
    let definition = Source::Alias {
        name: name.to_string(),
        definition: word.span,
        defined_in: defined_in.cloned().map(Box::new),
    };
    if value.contains(|c: char| ";|&<>()$`\\\"'*?[{}#\n".contains(c)) {
        return Some((name.to_string(), None));
    }
    let offset = name.len() + 1;
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in value.char_indices().chain(std::iter::once((value.len(), ' '))) {
        match (start, c.is_whitespace()) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                let (a, b) = (offset + s, offset + i);
                let part = &word.parts[owner[a]];
                // Exact when the piece lies in one literal written as is.
                let exact = part.exact && owner[b - 1] == owner[a];
                let part_start = owner.iter().position(|&o| o == owner[a]).unwrap_or(0);
                let span = if exact {
                    Span::new(part.span.start + a - part_start, part.span.start + b - part_start)
                } else {
                    word.span
                };
                words.push(RWord {
                    word: Word {
                        text: value[s..i].to_string(),
                        span,
                        is_static: true,
                        // Inside quotes, inserted text stays in the value.
                        append_at: (exact && part.quoted).then_some(span.end),
                        exact,
                        static_suffix: i - s,
                    },
                    source: definition.clone(),
                });
                start = None;
            }
            _ => {}
        }
    }
    Some((name.to_string(), (!words.is_empty()).then_some(words)))
}

/// A command of a function body that runs what the function is called with:
/// it forwards its arguments (`kubectl "$@"`) or evaluates one (`eval "$1"`).
pub(super) fn forwards(cmd: &RawCommand) -> bool {
    cmd.words.iter().any(forwards_args)
        || (cmd.words[0].static_text().as_deref() == Some("eval") && cmd.words[1..].iter().any(|w| w.positional().is_some()))
}

fn forwards_args(word: &RawWord) -> bool {
    word.parts
        .iter()
        .any(|p| matches!(p.kind, PartKind::AllArgs))
}

/// Cuts segments into words at unquoted white space (IFS splitting).
fn split_fields(segs: Vec<Seg>, any_quoted: bool) -> Vec<RWord> {
    let mut fields: Vec<Vec<Seg>> = Vec::new();
    let mut current: Vec<Seg> = Vec::new();
    let mut current_has_content = any_quoted;
    for seg in segs {
        if !seg.splits {
            current.push(seg);
            continue;
        }
        // Split this segment's text on white space, keeping exact sub-spans.
        let mut start = None;
        let bytes = seg.text.as_bytes();
        let mut pieces: Vec<(usize, usize)> = Vec::new();
        let mut leading_ws = false;
        let mut trailing_ws = false;
        for (i, b) in bytes.iter().enumerate() {
            if b.is_ascii_whitespace() {
                if let Some(s) = start.take() {
                    pieces.push((s, i));
                } else if pieces.is_empty() {
                    leading_ws = true;
                }
                trailing_ws = true;
            } else {
                if start.is_none() {
                    start = Some(i);
                }
                trailing_ws = false;
            }
        }
        if let Some(s) = start {
            pieces.push((s, bytes.len()));
        }
        if pieces.is_empty() {
            if !seg.is_static {
                // Unknown value: one unknown word (it may expand to anything).
                current.push(seg);
            } else if leading_ws || trailing_ws {
                flush(&mut fields, &mut current, &mut current_has_content);
            }
            continue;
        }
        for (n, (s, e)) in pieces.iter().enumerate() {
            if n > 0 || leading_ws {
                flush(&mut fields, &mut current, &mut current_has_content);
            }
            let span = if seg.exact {
                Span::new(seg.span.start + s, seg.span.start + e)
            } else {
                seg.span
            };
            current.push(Seg {
                text: seg.text[*s..*e].to_string(),
                span,
                exact: seg.exact,
                ..seg.clone()
            });
        }
        if trailing_ws {
            flush(&mut fields, &mut current, &mut current_has_content);
        }
    }
    flush(&mut fields, &mut current, &mut current_has_content);
    fields.into_iter().map(merge).collect()
}

fn flush(fields: &mut Vec<Vec<Seg>>, current: &mut Vec<Seg>, has_content: &mut bool) {
    if !current.is_empty() || *has_content {
        fields.push(std::mem::take(current));
    }
    *has_content = false;
}

fn merge(segs: Vec<Seg>) -> RWord {
    let text: String = segs.iter().map(|s| s.text.as_str()).collect();
    let is_static = segs.iter().all(|s| s.is_static);
    let source = segs
        .iter()
        .find(|s| !s.text.is_empty() || !s.is_static)
        .or(segs.first())
        .map(|s| s.source.clone())
        .unwrap_or(Source::Host);
    let contiguous = segs.windows(2).all(|w| w[0].span.end == w[1].span.start);
    let (span, exact) = match (segs.first(), segs.last()) {
        (Some(first), Some(last)) if contiguous && segs.iter().all(|s| s.source == source) => {
            (first.span.cover(last.span), segs.iter().all(|s| s.exact))
        }
        (Some(first), _) => (first.span, false),
        _ => (Span::default(), false),
    };
    let append_at = match segs.last() {
        Some(last) if last.insertable && last.exact => Some(last.span.end),
        _ => None,
    };
    let static_suffix = segs
        .iter()
        .rev()
        .take_while(|s| s.is_static)
        .map(|s| s.text.len())
        .sum();
    RWord {
        word: Word {
            text,
            span,
            is_static,
            append_at,
            exact,
            static_suffix,
        },
        source,
    }
}

pub fn command_from_words(span: Span, words: Vec<Word>) -> Vec<CommandFact> {
    strip_wrappers(
        span,
        words
            .into_iter()
            .map(|word| RWord {
                word,
                source: Source::Host,
            })
            .collect(),
        None,
        &mut None,
    )
}

/// Removes wrapper programs (see [`super::wrappers`]): the command the
/// words run (none for `command -v kubectl`), followed by the commands a call
/// runs elsewhere besides being a call itself (`kubectl exec POD -- CMD`).
/// `stdin`: the heredoc the call reads; when a program reads it as its
/// script, it is the fact's script, or (not as written) its program is put
/// in `unmapped`.
fn strip_wrappers(
    span: Span,
    words: Vec<RWord>,
    stdin: Option<&StdinHeredoc>,
    unmapped: &mut Option<String>,
) -> Vec<CommandFact> {
    let mut out = Vec::new();
    let mut next = Some((words, Vec::new()));
    // `kubectl exec a -- kubectl exec b -- …`: bounded.
    for _ in 0..4 {
        let Some((words, outer)) = next.take() else { break };
        let Some((mut fact, inner)) = strip_one(span, words, stdin, unmapped) else { break };
        if !outer.is_empty() {
            fact.wrappers.splice(0..0, outer);
            // The command run elsewhere is shown from its own program word
            // when that is written in the call.
            let at = fact.words[0].span.start;
            if span.start < at && at < span.end {
                fact.span = Span::new(at, span.end);
            }
        }
        next = inner.map(|words| {
            let mut wrappers = fact.wrappers.clone();
            wrappers.push(fact.program_name().to_string());
            (words, wrappers)
        });
        out.push(fact);
    }
    out
}

/// One command of [`strip_wrappers`], and the words of the command it runs
/// elsewhere, if any.
fn strip_one(
    span: Span,
    words: Vec<RWord>,
    stdin: Option<&StdinHeredoc>,
    unmapped: &mut Option<String>,
) -> Option<(CommandFact, Option<Vec<RWord>>)> {
    let stripped = {
        let view: Vec<&Word> = words.iter().map(|w| &w.word).collect();
        super::wrappers::strip(&view)?
    };
    // Only literal text written out in the host file is analysed as a script
    // (it may be a variable's value: `CMD='kubectl get pods'; eval "$CMD"`).
    let script = stripped
        .script
        .and_then(|k| words.get(k))
        .filter(|w| w.word.is_static && w.word.exact);
    // A heredoc the program reads as its script (`ssh host <<'EOF'`, `bash
    // -s <<EOF`, `ssh host 'sudo bash -s' <<'EOF'`).
    let reads_stdin = stripped.stdin_script
        || script.is_some_and(|w| super::wrappers::string_reads_stdin(&w.word.text));
    let mut script = script.map(|w| w.word.span);
    if let Some(h) = stdin.filter(|_| reads_stdin) {
        if h.verbatim {
            script = Some(h.body);
        } else if let Some(program) = words.get(stripped.start) {
            *unmapped = Some(super::wrappers::base_name(&program.word.text).to_string());
        }
    }
    let rest: Vec<RWord> = words.into_iter().skip(stripped.start).collect();
    let (origin, defined_in) = origin_of(&rest.first()?.source);
    // Only a call with an `exec` word can run a command elsewhere: its words
    // are kept until the fact says whether it does.
    let kept = rest.iter().any(|w| w.word.text == "exec").then(|| rest.clone());
    let fact = CommandFact {
        span,
        words: rest.into_iter().map(|w| w.word).collect(),
        wrappers: stripped.wrappers,
        time_bound: stripped.time_bound.map(Box::new),
        origin,
        redirects: Vec::new(),
        control: Vec::new(),
        control_truncated: false,
        in_function: None,
        script,
        defined_in,
        remote: stripped.remote,
    };
    let inner = kept.and_then(|mut words| {
        let k = super::wrappers::inner_command(&fact)?;
        Some(words.split_off(k))
    });
    Some((fact, inner))
}

/// Where a command's program word came from.
fn origin_of(source: &Source) -> (Origin, Option<Box<DefinedIn>>) {
    match source {
        Source::Host => (Origin::Direct, None),
        Source::Template(name) => (Origin::Template { name: name.clone() }, None),
        Source::Variable {
            name,
            assignment,
            defined_in,
        } => (
            Origin::Variable {
                name: name.clone(),
                assignment: *assignment,
                assignments: 0,
            },
            defined_in.clone(),
        ),
        Source::Alias {
            name,
            definition,
            defined_in,
        } => (
            Origin::Alias {
                name: name.clone(),
                definition: *definition,
            },
            defined_in.clone(),
        ),
    }
}

/// Fills in how many assignments each variable-origin fact's variable has.
pub fn count_assignments(resolver: &Resolver<'_>, facts: &mut [CommandFact]) {
    if !facts.iter().any(|f| matches!(f.origin, Origin::Variable { .. })) {
        return;
    }
    let sizes = resolver.scope_sizes_by_span();
    for fact in facts {
        if let Origin::Variable {
            assignment,
            assignments,
            ..
        } = &mut fact.origin
        {
            *assignments = sizes.get(assignment).copied().unwrap_or(0);
        }
    }
}
