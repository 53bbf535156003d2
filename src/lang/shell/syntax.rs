//! tree-sitter-bash trees → raw, parser-independent shell structures.
//!
//! Nothing here resolves variables or wrappers; that is `resolve.rs`'s job. Nodes are
//! visited with an explicit stack so that deeply nested input cannot overflow the
//! native stack.

use crate::facts::ControlStep;
use crate::source::Span;
use tree_sitter::Node;

/// One piece of a shell word.
#[derive(Debug, Clone)]
pub enum PartKind {
    /// Literal text after quote removal.
    Lit(String),
    /// `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME:=default}` (`default` holds
    /// the parts of the default).
    Var {
        name: String,
        default: Option<Vec<Part>>,
    },
    /// `${NAME[@]}` / `${NAME[*]}`.
    ArrayAll(String),
    /// `$@` / `$*`.
    AllArgs,
    /// A positional parameter: `$1`, `${2}`.
    Positional(usize),
    /// Anything only known at run time: `$(…)`, `$1`, `${x/a/b}`, `$((…))`.
    Dynamic,
}

#[derive(Debug, Clone)]
pub struct Part {
    pub kind: PartKind,
    pub span: Span,
    /// Inside double or single quotes (no word splitting).
    pub quoted: bool,
    /// The literal's text is exactly the host text at `span`.
    pub exact: bool,
}

#[derive(Debug, Clone)]
pub struct RawWord {
    pub span: Span,
    pub parts: Vec<Part>,
    /// Written in a sourced file: `span` is the `source` command's, and no
    /// text may be inserted at it.
    pub imported: bool,
}

impl RawWord {
    /// The word's text when it is all literal (no expansion in it).
    pub fn static_text(&self) -> Option<String> {
        let mut text = String::new();
        for part in &self.parts {
            match &part.kind {
                PartKind::Lit(t) => text.push_str(t),
                _ => return None,
            }
        }
        Some(text)
    }

    /// `N` when the word is one positional parameter (`$1`, `"${1}"`).
    pub fn positional(&self) -> Option<usize> {
        match self.parts.as_slice() {
            [Part { kind: PartKind::Positional(n), .. }] => Some(*n),
            _ => None,
        }
    }

    /// Quoted assignment values (`K="…"`, `K='…'`) keep their text together.
    pub fn is_quoted(&self) -> bool {
        !self.parts.is_empty() && self.parts.iter().all(|p| p.quoted)
    }
    pub fn is_all_args(&self) -> bool {
        matches!(
            self.parts.as_slice(),
            [Part {
                kind: PartKind::AllArgs,
                ..
            }]
        )
    }
}

#[derive(Debug, Clone)]
pub struct RawCommand {
    pub span: Span,
    pub words: Vec<RawWord>,
    /// Output redirections: (`>` or `>>`, destination).
    pub redirects: Vec<(String, RawWord)>,
    /// Index into `Syntax::functions` of the function whose body holds this command.
    pub function: Option<usize>,
    /// Innermost control step around the command (index into `Syntax::control`).
    pub control: Option<usize>,
    /// The command is nested deeper than the steps recorded.
    pub control_truncated: bool,
    /// Written in a sourced file (see `sourced.rs`): never a call of the
    /// checked file itself, only the body of a wrapper function it calls, or
    /// an `alias` definition.
    pub defined_in: Option<Box<crate::facts::DefinedIn>>,
}

#[derive(Debug, Clone)]
pub enum AssignedValue {
    Word(RawWord),
    Array(Vec<RawWord>),
}

#[derive(Debug, Clone)]
pub struct RawAssignment {
    pub name: String,
    pub span: Span,
    pub value: AssignedValue,
    /// Index into `Syntax::functions` of the function whose body holds it.
    pub function: Option<usize>,
    /// `local`/`declare`/`typeset` inside a function: the variable is the
    /// function's own from here on.
    pub local: bool,
    /// Written in a sourced file (see `sourced.rs`).
    pub defined_in: Option<Box<crate::facts::DefinedIn>>,
}

#[derive(Debug, Clone)]
pub struct RawFunction {
    pub name: String,
    /// The whole definition.
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct RawComment {
    pub span: Span,
}

/// Everything collected from the trees of one shell region.
#[derive(Debug, Default)]
pub struct Syntax {
    pub commands: Vec<RawCommand>,
    pub assignments: Vec<RawAssignment>,
    pub functions: Vec<RawFunction>,
    /// `local K` without a value: (name, index into `functions`).
    pub declared_locals: Vec<(String, usize)>,
    pub comments: Vec<RawComment>,
    /// Control steps as a tree: (enclosing step, step).
    pub control: Vec<(Option<usize>, ControlStep)>,
    /// `while`/`until` loops.
    pub loops: Vec<crate::facts::LoopFact>,
    /// Heredocs that are a simple command's standard input, in the order
    /// their bodies are read (the last one of a command is its input).
    pub stdin_heredocs: Vec<StdinHeredoc>,
}

/// A heredoc read by a command as its standard input (`ssh host <<'EOF'`).
#[derive(Debug, Clone)]
pub struct StdinHeredoc {
    /// The command's span.
    pub command: Span,
    /// The body, without the delimiter line.
    pub body: Span,
    /// The program reads the body as written: a quoted delimiter, or an
    /// unquoted one whose body has nothing the shell expands.
    pub verbatim: bool,
}

impl Syntax {
    /// (name, function) for each name a function declares local (`local`,
    /// `declare`, `typeset`): that function owns all its assignments of it.
    pub fn locally_owned(&self) -> std::collections::HashSet<(&str, usize)> {
        self.assignments
            .iter()
            .filter(|a| a.local)
            .filter_map(|a| Some((a.name.as_str(), a.function?)))
            .chain(self.declared_locals.iter().map(|(n, f)| (n.as_str(), *f)))
            .collect()
    }

    /// The steps from the outermost down to `innermost` (at most
    /// [`MAX_CONTROL_DEPTH`]: deeper steps are never recorded).
    pub fn control_path(&self, innermost: Option<usize>) -> Vec<ControlStep> {
        let mut path = Vec::new();
        let mut at = innermost;
        for _ in 0..=MAX_CONTROL_DEPTH {
            let Some(i) = at else { break };
            let Some((parent, step)) = self.control.get(i) else { break };
            path.push(*step);
            at = *parent;
        }
        path.reverse();
        path
    }
}

/// Control steps kept per command: deeper nesting is cut off (and flagged), so
/// that 10,000 nested `if`s cost linear memory.
pub const MAX_CONTROL_DEPTH: usize = 64;

/// The control step a child of `node` runs under, if `node` opens one.
fn child_step(node: Node<'_>, child: Node<'_>, base: usize, conditions: &[usize]) -> Option<ControlStep> {
    let at = base + node.start_byte();
    match node.kind() {
        "if_statement" => {
            if conditions.contains(&child.id()) {
                return None;
            }
            let mut cursor = node.walk();
            let clauses: Vec<usize> = node
                .named_children(&mut cursor)
                .filter(|c| matches!(c.kind(), "elif_clause" | "else_clause"))
                .map(|c| c.id())
                .collect();
            let arm = clauses.iter().position(|id| *id == child.id()).map_or(0, |i| i + 1);
            Some(ControlStep::Branch { at, arm })
        }
        "case_statement" => {
            if child.kind() != "case_item" {
                return None;
            }
            let mut cursor = node.walk();
            let arm = node
                .named_children(&mut cursor)
                .filter(|c| c.kind() == "case_item")
                .position(|c| c.id() == child.id())
                .unwrap_or(0);
            Some(ControlStep::Branch { at, arm })
        }
        "elif_clause" => conditions
            .contains(&child.id())
            .then_some(ControlStep::ElifCondition { at }),
        "while_statement" | "c_style_for_statement" => Some(ControlStep::Loop { at, count: None }),
        "for_statement" => {
            if child.kind() != "do_group" {
                return None;
            }
            let mut cursor = node.walk();
            let values: Vec<Node<'_>> = node.children_by_field_name("value", &mut cursor).collect();
            // Literal words only: anything that expands may give any number.
            let literal = |n: &Node<'_>| {
                matches!(n.kind(), "word" | "raw_string" | "number")
                    || (n.kind() == "string" && n.named_child_count() <= 1 && {
                        let mut c = n.walk();
                        n.named_children(&mut c).all(|p| p.kind() == "string_content")
                    })
            };
            let count = (!values.is_empty() && values.iter().all(literal)).then_some(values.len() as u64);
            Some(ControlStep::Loop { at, count })
        }
        "pipeline" => {
            let mut cursor = node.walk();
            let stage = node
                .named_children(&mut cursor)
                .position(|c| c.id() == child.id())
                .unwrap_or(0);
            Some(ControlStep::Stage { at, stage })
        }
        _ => None,
    }
}

/// Node kinds that hold statements (or are statements) and are always visited.
pub const STRUCTURAL: &[&str] = &[
    "program",
    "command",
    "pipeline",
    "list",
    "subshell",
    "compound_statement",
    "if_statement",
    "elif_clause",
    "else_clause",
    "while_statement",
    "for_statement",
    "c_style_for_statement",
    "case_statement",
    "case_item",
    "function_definition",
    "redirected_statement",
    "negated_command",
    "do_group",
    "variable_assignment",
    "variable_assignments",
    "declaration_command",
    "unset_command",
    "command_substitution",
    "process_substitution",
    "heredoc_redirect",
    "heredoc_body",
    "comment",
];

/// `node` is an assignment, or a pipeline or list whose last part is one.
fn ends_in_assignment(node: Node<'_>) -> bool {
    match node.kind() {
        "variable_assignment" | "variable_assignments" => true,
        "pipeline" | "list" => {
            let count = node.named_child_count();
            count > 0
                && node
                    .named_child((count - 1) as u32)
                    .is_some_and(|last| ends_in_assignment(last))
        }
        _ => false,
    }
}

/// Walks `root`, whose byte offsets are relative to `base` in the host file.
/// `host` is the original host text (literal values are read from it); `parsed` is
/// the text that was parsed, starting at host offset `parsed_base`.
pub fn collect(
    root: Node<'_>,
    base: usize,
    host: &str,
    parsed: &str,
    parsed_base: usize,
    out: &mut Syntax,
) {
    let cx = Cx {
        base,
        host,
        loop_nodes: std::cell::Cell::new(0),
        loop_budget: MAX_LOOP_NODES.max(4 * (root.end_byte() - root.start_byte())),
    };
    // Below a word-like node a command can only hide in a substitution: skip
    // subtrees whose (parsed) text has none. Most nodes are words, so this halves
    // the walk.
    let may_run = |node: Node<'_>| {
        STRUCTURAL.contains(&node.kind()) || {
            let start = (base + node.start_byte()).saturating_sub(parsed_base);
            let end = (base + node.end_byte()).saturating_sub(parsed_base);
            let text = parsed.as_bytes().get(start..end).unwrap_or(b"");
            memchr::memchr(b'`', text).is_some()
                || memchr::memchr_iter(b'(', text)
                    .any(|i| i > 0 && matches!(text[i - 1], b'$' | b'<' | b'>'))
        }
    };
    // Each entry: a node, the function whose body holds it, and whether its parent
    // is a `command` (asking tree-sitter for a parent is a walk from the root).
    // (node, function, parent is a command, control step, control depth).
    let mut stack: Vec<(Node<'_>, Option<usize>, bool, Option<usize>, usize)> =
        vec![(root, None, false, None, 0)];
    let mut cursor = root.walk();
    // Redirections of a `redirected_statement`, keyed by the id of its command.
    let mut redirects: std::collections::HashMap<usize, Vec<(String, RawWord)>> =
        Default::default();
    // Words tree-sitter-bash hangs on a redirect after its target (`kubectl
    // 2>/dev/null get pods`): in bash they are the command's arguments. Keyed
    // by the id of the command.
    let mut trailing: std::collections::HashMap<usize, Vec<RawWord>> = Default::default();
    // Ids of the assignments of `local`/`declare`/`typeset` in a function.
    let mut local_assignments: std::collections::HashSet<usize> = Default::default();
    while let Some((node, function, in_command, control, depth)) = stack.pop() {
        let mut function = function;
        match node.kind() {
            // Heredoc bodies are text to bash except their substitutions,
            // which the lexer finds (tree-sitter-bash misses backquotes there
            // and misreads bodies after some openers): analysed as scripts.
            "ERROR" | "heredoc_body" => continue,
            "comment" => {
                out.comments.push(RawComment {
                    span: cx.span(node),
                });
                continue;
            }
            "command" => {
                // `: "${K:=microk8s kubectl}"` assigns K when it is unset.
                for mut assignment in cx.default_assignments(node) {
                    assignment.function = function;
                    out.assignments.push(assignment);
                }
                if let Some(mut cmd) = cx.command(node, function) {
                    cmd.redirects = redirects.remove(&node.id()).unwrap_or_default();
                    if let Some(words) = trailing.remove(&node.id()) {
                        // Up to the last word (not a heredoc's body).
                        cmd.span.end = words.last().map_or(cmd.span.end, |w| cmd.span.end.max(w.span.end));
                        cmd.words.extend(words);
                    }
                    cmd.control = control;
                    cmd.control_truncated = depth > MAX_CONTROL_DEPTH;
                    out.commands.push(cmd);
                }
            }
            "redirected_statement" => {
                redirected_statement(&cx, node, function, control, depth, out, &mut trailing, &mut redirects);
            }
            "while_statement" => out.loops.push(cx.loop_of(node)),
            "function_definition" => {
                if let Some(name) = node.child_by_field_name("name") {
                    out.functions.push(RawFunction {
                        name: cx.text(name).to_string(),
                        span: cx.span(node),
                    });
                    function = Some(out.functions.len() - 1);
                }
            }
            "declaration_command" => local_declarations(&cx, node, function, out, &mut local_assignments),
            "variable_assignment" => {
                // `K=x cmd` only sets K in cmd's environment: not a shell variable.
                if !in_command && let Some(mut assignment) = cx.assignment(node) {
                    assignment.function = function;
                    assignment.local = local_assignments.contains(&node.id());
                    out.assignments.push(assignment);
                }
            }
            // Leaves and literal text: nothing below can run a command.
            "raw_string"
            | "word"
            | "number"
            | "string_content"
            | "variable_name"
            | "special_variable_name"
            | "heredoc_content"
            | "heredoc_start"
            | "heredoc_end"
            | "file_descriptor"
            | "regex"
            | "test_operator"
            | "ansi_c_string"
            | "extglob_pattern" => continue,
            _ => {}
        }
        // Push children in reverse so that they are visited in source order.
        let is_command = node.kind() == "command";
        let opens_step = opens_step(node.kind());
        let conditions = condition_ids(node);
        cursor.reset(node);
        let before = stack.len();
        let children: Vec<Node<'_>> = node
            .named_children(&mut cursor)
            .filter(|child| may_run(*child))
            .collect();
        for child in children {
            let (child_control, child_depth) = if opens_step {
                match child_step(node, child, base, &conditions) {
                    // Deeper steps are counted, not recorded.
                    Some(_) if depth >= MAX_CONTROL_DEPTH => (control, depth + 1),
                    Some(step) => {
                        out.control.push((control, step));
                        (Some(out.control.len() - 1), depth + 1)
                    }
                    None => (control, depth),
                }
            } else {
                (control, depth)
            };
            stack.push((child, function, is_command, child_control, child_depth));
        }
        stack[before..].reverse();
    }
}

/// A `redirected_statement`: the words tree-sitter-bash hangs after a
/// redirect's target (the command's arguments to bash, or a command after an
/// assignment), and the `>`/`>>` targets of its command.
#[allow(clippy::too_many_arguments)]
fn redirected_statement(
    cx: &Cx<'_>,
    node: Node<'_>,
    function: Option<usize>,
    control: Option<usize>,
    depth: usize,
    out: &mut Syntax,
    trailing: &mut std::collections::HashMap<usize, Vec<RawWord>>,
    redirects: &mut std::collections::HashMap<usize, Vec<(String, RawWord)>>,
) {
    let extra = cx.trailing_words(node);
    match node.child_by_field_name("body") {
        Some(body) if body.kind() == "command" && !extra.is_empty() => {
            trailing.insert(body.id(), extra);
        }
        // `A=1 1>/dev/null kubectl get`: read as an assignment with a
        // redirect; the words after the target are the command.
        Some(body) if !extra.is_empty() && ends_in_assignment(body) => {
            // Up to the last word (not a heredoc's body).
            let end = extra.last().map_or(0, |w| w.span.end);
            let span = Span::new(extra[0].span.start, end);
            out.commands.push(RawCommand {
                span,
                words: extra,
                redirects: Vec::new(),
                function,
                control,
                control_truncated: depth > MAX_CONTROL_DEPTH,
                defined_in: None,
            });
        }
        _ => {}
    }
    if let Some(body) = node.child_by_field_name("body")
        && body.kind() == "command"
    {
        let mut c = node.walk();
        let found: Vec<(String, RawWord)> = node
            .named_children(&mut c)
            .filter(|r| r.kind() == "file_redirect")
            .filter_map(|r| {
                let mut rc = r.walk();
                let op = r.children(&mut rc).find(|ch| !ch.is_named())?;
                let dest = r.child_by_field_name("destination")?;
                Some((cx.text(op).to_string(), cx.word(dest)))
            })
            .filter(|(op, _)| op == ">" || op == ">>")
            .collect();
        if !found.is_empty() {
            redirects.insert(body.id(), found);
        }
    }
}

/// `local`/`declare`/`typeset` in a function: its assignments are the
/// function's own, and its bare names are declared local.
fn local_declarations(
    cx: &Cx<'_>,
    node: Node<'_>,
    function: Option<usize>,
    out: &mut Syntax,
    local_assignments: &mut std::collections::HashSet<usize>,
) {
    if let Some(f) = function
        && cx.declares_local(node)
    {
        let mut c = node.walk();
        for n in node.named_children(&mut c) {
            match n.kind() {
                "variable_assignment" => {
                    local_assignments.insert(n.id());
                }
                "variable_name" => {
                    out.declared_locals.push((cx.text(n).to_string(), f));
                }
                _ => {}
            }
        }
    }
}

/// Whether a node of `kind` opens a control step for the commands below it.
fn opens_step(kind: &str) -> bool {
    matches!(
        kind,
        "if_statement"
            | "elif_clause"
            | "case_statement"
            | "while_statement"
            | "c_style_for_statement"
            | "for_statement"
            | "pipeline"
    )
}

/// The ids of the condition nodes of an `if` or `elif`.
fn condition_ids(node: Node<'_>) -> Vec<usize> {
    match node.kind() {
        "if_statement" => {
            let mut c = node.walk();
            node.children_by_field_name("condition", &mut c)
                .map(|n| n.id())
                .collect()
        }
        // `elif` has no field names: its condition is what precedes `then`.
        "elif_clause" => {
            let mut c = node.walk();
            node.children(&mut c)
                .take_while(|n| n.kind() != "then")
                .filter(|n| n.is_named())
                .map(|n| n.id())
                .collect()
        }
        _ => Vec::new(),
    }
}

struct Cx<'a> {
    base: usize,
    host: &'a str,
    /// Nodes visited so far by [`Cx::loop_of`], and how many it may visit.
    loop_nodes: std::cell::Cell<usize>,
    loop_budget: usize,
}

/// Nodes that judging loops may visit in one tree, at least (four per byte
/// of the tree's text otherwise): each loop walks its own body, so 5,000
/// nested loops would cost 12 million visits. Loops judged past it are taken
/// as counted (bounded): no finding rests on them.
const MAX_LOOP_NODES: usize = 200_000;

impl<'a> Cx<'a> {
    fn span(&self, node: Node<'_>) -> Span {
        Span::new(self.base + node.start_byte(), self.base + node.end_byte())
    }

    /// What a `while`/`until` loop says about how it ends.
    fn loop_of(&self, node: Node<'_>) -> crate::facts::LoopFact {
        let span = self.span(node);
        let mut c = node.walk();
        let until = node.children(&mut c).next().is_some_and(|k| k.kind() == "until");
        let mut c = node.walk();
        let conditions: Vec<Node<'_>> = node
            .children_by_field_name("condition", &mut c)
            .filter(|n| n.is_named())
            .collect();
        let head_end = conditions.last().map_or(span.start, |n| self.span(*n).end);
        let forever = match conditions.as_slice() {
            [only] if only.kind() == "command" => {
                let text = self.text(*only).trim();
                if until { text == "false" } else { text == "true" || text == ":" }
            }
            _ => false,
        };
        // A walk of the loop's nodes, within the tree's budget.
        let mut leaves = false;
        let mut counted = false;
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            let seen = self.loop_nodes.get() + 1;
            self.loop_nodes.set(seen);
            if seen > self.loop_budget {
                counted = true;
                break;
            }
            match n.kind() {
                "command_name" => match self.text(n) {
                    "break" | "exit" | "return" => leaves = true,
                    "date" => counted = true,
                    _ => {}
                },
                "test_operator" => {
                    if matches!(self.text(n), "-lt" | "-le" | "-gt" | "-ge" | "-eq" | "-ne") {
                        counted = true;
                    }
                }
                "variable_name" if self.text(n) == "SECONDS" => counted = true,
                "binary_expression" => {
                    if let Some(op) = n.child_by_field_name("operator") {
                        match self.text(op) {
                            "<" | ">" | "<=" | ">=" => counted = true,
                            // Equality counts in arithmetic (`(( i == 30 ))`),
                            // not in a test of text (`[[ $phase != Running ]]`).
                            "==" | "!=" => {
                                let mut up = n.parent();
                                while let Some(p) = up {
                                    match p.kind() {
                                        "test_command" => break,
                                        "arithmetic_expansion" | "compound_statement" => {
                                            counted = true;
                                            break;
                                        }
                                        _ => up = p.parent(),
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
            let mut c = n.walk();
            stack.extend(n.children(&mut c));
        }
        crate::facts::LoopFact {
            span,
            head: Span::new(span.start, head_end),
            until,
            forever,
            leaves,
            counted,
        }
    }

    fn text(&self, node: Node<'_>) -> &'a str {
        let span = self.span(node);
        self.host.get(span.start..span.end).unwrap_or("")
    }

    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.host.get(start..end).unwrap_or("")
    }

    /// The words after the first target of each of `node`'s redirects (and
    /// after a heredoc's delimiter).
    fn trailing_words(&self, node: Node<'_>) -> Vec<RawWord> {
        let mut words = Vec::new();
        let mut cursor = node.walk();
        for r in node.named_children(&mut cursor) {
            let mut rc = r.walk();
            match r.kind() {
                "file_redirect" => {
                    let targets: Vec<Node<'_>> =
                        r.children_by_field_name("destination", &mut rc).collect();
                    words.extend(targets.iter().skip(1).map(|t| self.word(*t)));
                }
                // `<<EOF kubectl get x`: words after the delimiter.
                "heredoc_redirect" => {
                    let args: Vec<Node<'_>> = r.children_by_field_name("argument", &mut rc).collect();
                    words.extend(args.iter().map(|t| self.word(*t)));
                }
                _ => {}
            }
        }
        words
    }

    fn command(&self, node: Node<'_>, function: Option<usize>) -> Option<RawCommand> {
        let mut words = Vec::new();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "variable_assignment"
                | "file_redirect"
                | "herestring_redirect"
                | "heredoc_redirect"
                | "comment" => {}
                "command_name" => {
                    let inner = child.named_child(0).unwrap_or(child);
                    words.push(self.word(inner));
                }
                _ => words.push(self.word(child)),
            }
        }
        if words.is_empty() {
            return None;
        }
        words.shrink_to_fit();
        Some(RawCommand {
            span: self.span(node),
            words,
            redirects: Vec::new(),
            function,
            control: None,
            control_truncated: false,
            defined_in: None,
        })
    }

    fn assignment(&self, node: Node<'_>) -> Option<RawAssignment> {
        let name_node = node.child_by_field_name("name")?;
        let name = match name_node.kind() {
            "variable_name" => self.text(name_node).to_string(),
            // `arr[0]=…` and other subscripted targets are not tracked.
            _ => return None,
        };
        let value = match node.child_by_field_name("value") {
            None => AssignedValue::Word(RawWord {
                span: Span::new(self.span(node).end, self.span(node).end),
                parts: Vec::new(),
                imported: false,
            }),
            Some(v) if v.kind() == "array" => {
                let mut cursor = v.walk();
                let items = v
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() != "comment")
                    .map(|c| self.word(c))
                    .collect();
                AssignedValue::Array(items)
            }
            Some(v) => AssignedValue::Word(self.word(v)),
        };
        Some(RawAssignment {
            name,
            span: self.span(node),
            value,
            function: None,
            local: false,
            defined_in: None,
        })
    }

    /// The `${NAME:=word}` / `${NAME=word}` arguments of a `:` command, as
    /// assignments of `word` (the value of NAME when it was unset before).
    fn default_assignments(&self, node: Node<'_>) -> Vec<RawAssignment> {
        let mut out = Vec::new();
        let is_colon = node
            .child_by_field_name("name")
            .is_some_and(|n| self.text(n) == ":");
        if !is_colon {
            return out;
        }
        let mut c = node.walk();
        let args: Vec<Node<'_>> = node.children_by_field_name("argument", &mut c).collect();
        for arg in args {
            let expansion = match arg.kind() {
                "expansion" => arg,
                "string" if arg.named_child_count() == 1 => match arg.named_child(0) {
                    Some(e) if e.kind() == "expansion" => e,
                    _ => continue,
                },
                _ => continue,
            };
            let mut ec = expansion.walk();
            let body: Vec<Node<'_>> = expansion
                .children(&mut ec)
                .filter(|c| !matches!(c.kind(), "${" | "}"))
                .collect();
            let [name, op, rest @ ..] = body.as_slice() else {
                continue;
            };
            if name.kind() != "variable_name" || !matches!(op.kind(), ":=" | "=") {
                continue;
            }
            let mut default = Vec::new();
            for r in rest {
                self.parts(*r, false, &mut default);
            }
            // The value is `"${NAME:-word}"`: an earlier value of NAME stays.
            // Quoted, as inside the braces inserted words stay in the value.
            let name = self.text(*name).to_string();
            let span = self.span(expansion);
            let part = Part {
                kind: PartKind::Var {
                    name: name.clone(),
                    default: Some(default),
                },
                span,
                quoted: true,
                exact: false,
            };
            out.push(RawAssignment {
                name,
                span,
                value: AssignedValue::Word(RawWord {
                    span,
                    parts: vec![part],
                    imported: false,
                }),
                function: None,
                local: false,
                defined_in: None,
            });
        }
        out
    }

    /// A `local`, `declare` or `typeset` without `-g`: in a function, its
    /// variables are the function's own.
    fn declares_local(&self, node: Node<'_>) -> bool {
        let mut c = node.walk();
        let mut children = node.children(&mut c);
        let Some(keyword) = children.next() else {
            return false;
        };
        matches!(self.text(keyword), "local" | "declare" | "typeset")
            && !children.any(|n| {
                n.kind() == "word" && {
                    let t = self.text(n);
                    t.starts_with('-') && t.contains('g')
                }
            })
    }

    /// A word node (any argument-like node) as parts.
    pub fn word(&self, node: Node<'_>) -> RawWord {
        let mut parts = Vec::new();
        self.parts(node, false, &mut parts);
        // A script's words live until it is resolved: most have one part, and
        // a `Vec`'s first growth leaves room for four (900,000 calls: 650 MB).
        parts.shrink_to_fit();
        RawWord {
            span: self.span(node),
            parts,
            imported: false,
        }
    }

    fn parts(&self, node: Node<'_>, quoted: bool, out: &mut Vec<Part>) {
        let span = self.span(node);
        match node.kind() {
            "word" | "number" => {
                let raw = self.text(node);
                if quoted {
                    self.lit(out, span, raw, true);
                } else {
                    let (text, exact) = unescape_unquoted(raw);
                    out.push(Part {
                        kind: PartKind::Lit(text),
                        span,
                        quoted,
                        exact,
                    });
                }
            }
            "raw_string" => {
                let inner = Span::new(
                    span.start + 1,
                    span.end.saturating_sub(1).max(span.start + 1),
                );
                out.push(Part {
                    kind: PartKind::Lit(self.slice(inner.start, inner.end).to_string()),
                    span: inner,
                    quoted: true,
                    exact: true,
                });
            }
            "string" | "translated_string" => {
                // Literal text is whatever lies between the interesting children:
                // robust against grammar versions that omit `string_content`.
                let open = if node.kind() == "translated_string" {
                    2
                } else {
                    1
                };
                let inner_end = span.end.saturating_sub(1).max(span.start + open);
                let mut pos = span.start + open;
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    if child.kind() == "string_content" {
                        continue;
                    }
                    let cs = self.span(child);
                    if cs.start > pos {
                        self.dq_lit(out, Span::new(pos, cs.start));
                    }
                    self.parts(child, true, out);
                    pos = cs.end.max(pos);
                }
                if inner_end > pos {
                    self.dq_lit(out, Span::new(pos, inner_end));
                }
                if out.is_empty() {
                    // `""`: an empty, quoted word.
                    out.push(Part {
                        kind: PartKind::Lit(String::new()),
                        span: Span::new(span.start + open, span.start + open),
                        quoted: true,
                        exact: true,
                    });
                }
            }
            "ansi_c_string" => {
                let raw = self.text(node);
                let inner = raw.get(2..raw.len().saturating_sub(1)).unwrap_or("");
                if inner.contains('\\') {
                    self.dynamic(out, span, true);
                } else {
                    out.push(Part {
                        kind: PartKind::Lit(inner.to_string()),
                        span: Span::new(
                            span.start + 2,
                            span.end.saturating_sub(1).max(span.start + 2),
                        ),
                        quoted: true,
                        exact: true,
                    });
                }
            }
            "concatenation" => {
                let mut cursor = node.walk();
                let mut pos = span.start;
                for child in node.children(&mut cursor) {
                    let cs = self.span(child);
                    if cs.start > pos {
                        // Unnamed tokens between named children (rare): keep as literal.
                        self.lit(
                            out,
                            Span::new(pos, cs.start),
                            self.slice(pos, cs.start),
                            quoted,
                        );
                    }
                    if child.is_named() {
                        self.parts(child, quoted, out);
                    } else {
                        self.lit(out, cs, self.text(child), quoted);
                    }
                    pos = cs.end.max(pos);
                }
            }
            "simple_expansion" => {
                let kind = match node.named_child(0) {
                    Some(n) if n.kind() == "variable_name" => PartKind::Var {
                        name: self.text(n).to_string(),
                        default: None,
                    },
                    Some(n)
                        if n.kind() == "special_variable_name"
                            && matches!(self.text(n), "@" | "*") =>
                    {
                        PartKind::AllArgs
                    }
                    _ => PartKind::Dynamic,
                };
                out.push(Part {
                    kind,
                    span,
                    quoted,
                    exact: false,
                });
            }
            "expansion" => {
                let kind = self.expansion(node);
                out.push(Part {
                    kind,
                    span,
                    quoted,
                    exact: false,
                });
            }
            _ => self.dynamic(out, span, quoted),
        }
    }

    fn expansion(&self, node: Node<'_>) -> PartKind {
        let mut cursor = node.walk();
        let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
        // children: `${`, body…, `}`
        let body: Vec<Node<'_>> = children
            .iter()
            .copied()
            .filter(|c| !matches!(c.kind(), "${" | "}"))
            .collect();
        match body.as_slice() {
            [name] if name.kind() == "variable_name" => PartKind::Var {
                name: self.text(*name).to_string(),
                default: None,
            },
            [name]
                if name.kind() == "special_variable_name"
                    && matches!(self.text(*name), "@" | "*") =>
            {
                PartKind::AllArgs
            }
            [sub] if sub.kind() == "subscript" => {
                let name = sub.child_by_field_name("name");
                let index = sub.child_by_field_name("index").map(|i| self.text(i));
                match (name, index) {
                    (Some(n), Some("@" | "*")) if n.kind() == "variable_name" => {
                        PartKind::ArrayAll(self.text(n).to_string())
                    }
                    _ => PartKind::Dynamic,
                }
            }
            [name, op, rest @ ..]
                if name.kind() == "variable_name" && matches!(op.kind(), ":-" | "-" | ":=" | "=") =>
            {
                let mut default = Vec::new();
                for r in rest {
                    self.parts(*r, false, &mut default);
                }
                PartKind::Var {
                    name: self.text(*name).to_string(),
                    default: Some(default),
                }
            }
            [name, op]
                if name.kind() == "variable_name" && matches!(op.kind(), ":-" | "-" | ":=" | "=") =>
            {
                PartKind::Var {
                    name: self.text(*name).to_string(),
                    default: Some(Vec::new()),
                }
            }
            _ => PartKind::Dynamic,
        }
    }

    fn dynamic(&self, out: &mut Vec<Part>, span: Span, quoted: bool) {
        out.push(Part {
            kind: PartKind::Dynamic,
            span,
            quoted,
            exact: false,
        });
    }

    fn lit(&self, out: &mut Vec<Part>, span: Span, text: &str, quoted: bool) {
        out.push(Part {
            kind: PartKind::Lit(text.to_string()),
            span,
            quoted,
            exact: true,
        });
    }

    /// Literal text inside double quotes: `\$ \` \" \\ \newline` are escapes.
    fn dq_lit(&self, out: &mut Vec<Part>, span: Span) {
        let raw = self.slice(span.start, span.end);
        let mut text = String::with_capacity(raw.len());
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.peek() {
                    Some('$' | '`' | '"' | '\\') => {
                        text.push(chars.next().unwrap_or('\\'));
                        continue;
                    }
                    Some('\n') => {
                        chars.next();
                        continue;
                    }
                    _ => {}
                }
            }
            text.push(c);
        }
        let exact = text == raw;
        out.push(Part {
            kind: PartKind::Lit(text),
            span,
            quoted: true,
            exact,
        });
    }
}

/// Quote removal for an unquoted word: `\x` → `x`, `\<newline>` → nothing.
fn unescape_unquoted(raw: &str) -> (String, bool) {
    if !raw.contains('\\') {
        return (raw.to_string(), true);
    }
    let mut text = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('\n') | None => {}
                Some(next) => text.push(next),
            }
        } else {
            text.push(c);
        }
    }
    (text, false)
}
