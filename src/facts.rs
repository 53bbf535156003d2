//! Facts: the language-neutral seam between front-ends and rules.
//!
//! Front-ends turn a file into facts whose spans are byte ranges of the host file
//! (also for shell embedded in an NRPE `command[…]=` line or, later, a YAML task).
//! Rules read facts only; they never see a syntax tree.

use crate::source::Span;
use std::time::Duration;

/// One shell word after quote removal and variable expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The value the shell would pass (as far as it is known statically).
    pub text: String,
    /// Where the word is written in the host file. For a word that came from a
    /// variable's value this is its place inside the assignment.
    pub span: Span,
    /// False when the value depends on something only known at run time
    /// (an unknown variable, a command substitution, a template placeholder).
    pub is_static: bool,
    /// Offset at which text can be inserted right after this word so that the
    /// inserted text becomes separate words of the same command (`None` when no
    /// such place exists, e.g. inside an unquoted assignment `K=kubectl`).
    pub append_at: Option<usize>,
    /// True when `span` holds exactly `text` (no quotes or escapes in between),
    /// so sub-ranges of the text map to sub-ranges of the span.
    pub exact: bool,
    /// How many trailing bytes of `text` are known statically (all of it when
    /// `is_static`): `{{ bin_dir }}/kubectl` names kubectl even though its
    /// directory is a template expression.
    pub static_suffix: usize,
}

impl Word {
    /// The host-file span of `text[range]`, exact when possible.
    pub fn sub_span(&self, start: usize, end: usize) -> Span {
        if self.exact {
            Span::new(self.span.start + start, self.span.start + end)
        } else {
            self.span
        }
    }
}

/// Where the words of a command came from, when not written out at the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Written out at the call.
    Direct,
    /// The program came from a variable, e.g. `$KUBECTL get pods`.
    Variable {
        name: String,
        /// Span of the assignment that supplied the value.
        assignment: Span,
        /// How many assignments to this variable the file has.
        assignments: usize,
    },
    /// The program came from a template variable with a known value
    /// (`{{ kubectl }} get nodes`, `kubectl` defined in a role's defaults).
    Template { name: String },
    /// The program came from an alias: `alias k='microk8s kubectl'` then `k get nodes`.
    Alias {
        name: String,
        /// Span of the `NAME=VALUE` word that defines it.
        definition: Span,
    },
    /// The call goes through a wrapper function such as `k() { kubectl "$@"; }`.
    Function {
        name: String,
        /// Span of the command inside the function body.
        body_command: Span,
    },
}

/// `timeout DURATION cmd` (or another wrapper that bounds the run time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeBound {
    pub wrapper: String,
    /// `None` when the duration is not a static, valid value.
    pub duration: Option<Duration>,
    pub span: Span,
}

/// Where a command sits in the script's control flow (outermost first in
/// [`CommandFact::control`]); `at` is the construct's start in the host file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlStep {
    /// Arm `arm` of an `if` (0: `then`, then each `elif`, then `else`) or of a
    /// `case` (each item). Conditions are not in an arm: they run anyway.
    Branch { at: usize, arm: usize },
    /// The condition or body of a loop; `count` iterations when known
    /// (`for x in a b c`).
    Loop { at: usize, count: Option<u64> },
    /// Stage `stage` of a pipeline (stages run at the same time).
    Stage { at: usize, stage: usize },
    /// The condition of an `elif` (inside that `elif`'s arm): it runs whenever
    /// an earlier condition failed, whichever arm is taken then.
    ElifCondition { at: usize },
}

/// One command invocation, wrappers (`sudo`, `env`, `timeout`, …) stripped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandFact {
    /// The whole call as written in the host file.
    pub span: Span,
    /// Program first, then its arguments; wrappers removed, variables and wrapper
    /// functions expanded.
    pub words: Vec<Word>,
    /// Wrapper programs seen before the real program, outermost first.
    pub wrappers: Vec<String>,
    pub time_bound: Option<Box<TimeBound>>,
    pub origin: Origin,
    /// Output redirections (`>` / `>>`) and their destinations.
    pub redirects: Vec<(String, Word)>,
    /// The control-flow constructs around the call, outermost first (at most
    /// 64: see `control_truncated`).
    pub control: Vec<ControlStep>,
    /// The call is nested deeper than the steps kept in `control`.
    pub control_truncated: bool,
    /// The function whose body holds the call (it runs when the function is called).
    pub in_function: Option<String>,
    /// A shell script the command runs, when it is written out literally: the
    /// `SCRIPT` of `bash -c 'SCRIPT'`, `su -c 'SCRIPT'`, `eval 'SCRIPT'`,
    /// `ssh HOST 'SCRIPT'`, `flock FILE -c 'SCRIPT'` or `watch 'SCRIPT'`. The
    /// front-end analyses it as shell too, with its own positions.
    pub script: Option<Span>,
    /// Set when what made this a call (the variable, alias or wrapper function
    /// named in `origin`) is defined in a file the script `source`s: the spans
    /// of `origin` then point at the `source` command, not at the definition.
    pub defined_in: Option<Box<DefinedIn>>,
    /// The host an `ssh` wrapper (or `ssh` itself, for the script it runs)
    /// runs the command on, without `user@`, when written literally.
    pub remote: Option<String>,
}

/// A definition in another file, reached through `source FILE` / `. FILE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinedIn {
    /// The `source` command in the checked file that brings the definition in.
    pub via: Span,
    /// The defining file, relative to the project's root.
    pub file: String,
    /// 1-based line of the definition in `file`.
    pub line: usize,
}

impl CommandFact {
    /// The program's file name (`/snap/bin/microk8s.kubectl` → `microk8s.kubectl`),
    /// or `""` when it is not known statically. A name glued to an unknown
    /// prefix (`{{ microk8s_bin_path | default('') }}microk8s`, `${BIN}kubectl`)
    /// is the program: the prefix is a directory, or nothing.
    pub fn program_name(&self) -> &str {
        let Some(w) = self.words.first() else {
            return "";
        };
        let base = w.text.rfind('/').map_or(0, |i| i + 1);
        if w.is_static || w.text.len() - base <= w.static_suffix {
            &w.text[base..]
        } else if w.static_suffix > 0 && w.static_suffix <= w.text.len() {
            w.text.get(w.text.len() - w.static_suffix..).unwrap_or("")
        } else {
            ""
        }
    }

    /// The expanded call, words joined by spaces.
    pub fn expanded(&self) -> String {
        let words: Vec<&str> = self.words.iter().map(|w| w.text.as_str()).collect();
        words.join(" ")
    }

    /// The expanded call, words joined by spaces, for messages. A word
    /// written at the call whose value the shell only knows when it runs is
    /// shown as written in `host` (the text of the file the spans point
    /// into): `node/"$node"`, `$SNAP/kubectl`, not the part of it that is
    /// known (`node/`, `/kubectl`). Words from an assignment or a function
    /// body, and template placeholders (kept in the value), keep their value.
    pub fn expanded_as_written(&self, host: &str) -> String {
        let words: Vec<&str> = self
            .words
            .iter()
            .map(|w| {
                let written_here = self.span.start <= w.span.start && w.span.end <= self.span.end;
                if w.is_static || !written_here || w.text.contains("{{") {
                    return w.text.as_str();
                }
                host.get(w.span.start..w.span.end)
                    .filter(|t| t.contains(['$', '`']))
                    .unwrap_or(w.text.as_str())
            })
            .collect();
        words.join(" ")
    }
}

/// A comment, as the language defines it (shell `#`, YAML `#`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Span of the whole comment including the `#`.
    pub span: Span,
    /// True when nothing but white space precedes it on its line.
    pub own_line: bool,
}

/// Code a front-end could not parse even after recovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unparsed {
    pub span: Span,
    pub language: &'static str,
}

/// A file that does not parse at all (e.g. malformed YAML).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
    pub language: &'static str,
}

/// One argument of an Ansible task (`path: /x`, or `path=/x` in free form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskArg {
    pub name: String,
    pub name_span: Span,
    /// `None` when the value is not a plain scalar (a list, a mapping, `!vault`).
    pub value: Option<String>,
    pub value_span: Span,
    /// The value with `{{ var }}` replaced where the variable's value is known
    /// (`None` when nothing was replaced).
    pub resolved: Option<String>,
}

impl TaskArg {
    /// The value, resolved as far as the project's variables allow.
    pub fn text(&self) -> Option<&str> {
        self.resolved.as_deref().or(self.value.as_deref())
    }
}

/// One Ansible task (in a role, a task file, a play or a handler list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnsibleTask {
    /// The task mapping.
    pub span: Span,
    /// Short module name: `ansible.builtin.blockinfile` → `blockinfile`.
    pub module: String,
    /// The module key as written (or the `action:` key).
    pub module_span: Span,
    pub args: Vec<TaskArg>,
    pub in_handlers: bool,
    /// For `shell`, `command` and `raw`: the command line as written.
    pub command_line: Option<CommandLine>,
    /// Literal items of `loop:` / `with_items:` / `with_list:` / `with_dict:`.
    pub loop_items: Vec<LoopItem>,
    /// The task has a `loop:` or `with_*:` key (literal or not).
    pub has_loop: bool,
    /// The variable whose entries the loop yields as `item.key`/`item.value`
    /// (`with_dict: "{{ d }}"`, `loop: "{{ d | dict2items }}"`,
    /// `loop: "{{ lookup('dict', d) }}"`).
    pub loop_dict: Option<String>,
    /// Handlers named by `notify:` (a string or a list), with their spans.
    pub notify: Vec<(String, Span)>,
    /// The `when:` condition, as written.
    pub when: Option<Span>,
    /// `become:` when set literally on the task.
    pub becomes: Option<bool>,
    /// `name:` of the task.
    pub name: Option<String>,
    /// `listen:` topics of a handler (a string or a list).
    pub listen: Vec<String>,
    /// `throttle:` as written.
    pub throttle: Option<String>,
    /// `run_once:` is true.
    pub run_once: bool,
    /// `async:` or `timeout:` (task keywords) with a non-zero value: Ansible
    /// stops the task after that long.
    pub time_limit: Option<Span>,
    /// The task retries until a condition holds (`until:` or `retries:`).
    pub retries: bool,
    /// The play (index into [`FileFacts::plays`]) the task belongs to, when the
    /// file is a playbook.
    pub play: Option<usize>,
    /// The destination argument of a file-editing module (`path`, `dest`,
    /// `destfile` or `name`, the first with a text value): an index into `args`.
    pub dest: Option<usize>,
    /// The MicroK8s args files the destination names: itself, or each loop
    /// item's expansion of it.
    pub args_files: Vec<ArgsFileTarget>,
}

/// An args file a task's destination names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgsFileTarget {
    /// The path, with the loop item expanded.
    pub path: String,
    /// The daemon whose args file it is.
    pub component: &'static str,
    /// The loop item that gives the path, when the destination uses `item`.
    pub item: Option<Span>,
}

/// A dqlite membership (`cluster.yaml`): in the file itself, or written by a
/// task (`written_by`: the task's module key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DqliteCluster {
    pub span: Span,
    pub nodes: Vec<DqliteNode>,
    pub written_by: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DqliteNode {
    pub span: Span,
    pub address: String,
    pub address_span: Span,
    pub id: String,
    pub id_span: Span,
    /// 0 voter, 1 stand-by, 2 spare (`None` when absent or not a number).
    pub role: Option<u8>,
}

/// A play of a playbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Play {
    /// The play mapping.
    pub span: Span,
    /// Its first key (`- hosts: …` / `- name: …`), where findings about the play point.
    pub head: Span,
    pub name: Option<String>,
    pub hosts: Option<String>,
    /// `serial:` as written (a number, a percentage, a list of them, or a template), and its span.
    pub serial: Option<(String, Span)>,
    /// Roles the play applies (`roles:` entries, by name), with their spans.
    pub roles: Vec<(String, Span)>,
    /// Indices into [`FileFacts::tasks`] from the play's first task to past
    /// its last (empty when it has none): see [`FileFacts::play_tasks`].
    pub tasks: std::ops::Range<usize>,
}

/// One literal loop item: a scalar (`{{ item }}`) or a mapping (`{{ item.path }}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopItem {
    pub span: Span,
    pub value: Option<String>,
    pub fields: Vec<(String, String)>,
}

impl LoopItem {
    /// `template` with every `{{ item }}` / `{{ item.field }}` / `{{ item['field'] }}`
    /// replaced by the item's value; `None` when a reference cannot be resolved.
    pub fn expand(&self, template: &str) -> Option<String> {
        let mut out = String::new();
        let mut rest = template;
        while let Some(open) = rest.find("{{") {
            let close = rest[open..].find("}}")? + open;
            let expr = rest[open + 2..close].trim();
            out.push_str(&rest[..open]);
            let value = if expr == "item" {
                self.value.clone()?
            } else if let Some(field) = expr
                .strip_prefix("item.")
                .or_else(|| {
                    expr.strip_prefix("item['")
                        .and_then(|f| f.strip_suffix("']"))
                })
                .or_else(|| {
                    expr.strip_prefix("item[\"")
                        .and_then(|f| f.strip_suffix("\"]"))
                })
            {
                self.fields.iter().find(|(k, _)| k == field)?.1.clone()
            } else {
                // Not about the item: keep the expression as written.
                rest[open..close + 2].to_string()
            };
            out.push_str(&value);
            rest = &rest[close + 2..];
        }
        out.push_str(rest);
        Some(out)
    }
}

/// The command line of a `shell`/`command`/`raw` task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    /// The value after YAML unquoting.
    pub text: String,
    /// Where `text` lies in the file, byte for byte (`None` when escapes or
    /// folding prevent an exact mapping; then `node` is the scalar's span).
    pub region: Option<Span>,
    pub node: Span,
}

impl AnsibleTask {
    pub fn arg(&self, name: &str) -> Option<&TaskArg> {
        self.args.iter().find(|a| a.name == name)
    }

    /// The destination argument (see [`AnsibleTask::dest`]).
    pub fn dest_arg(&self) -> Option<&TaskArg> {
        self.args.get(self.dest?)
    }
}

/// A `--flag[=value]` word written into an args file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagWord {
    /// Without the leading `--` and without the value.
    pub name: String,
    /// The word as written.
    pub text: String,
    pub span: Span,
    /// The value after `=`, as the daemon receives it (quotes removed), and
    /// where it is written.
    pub value: Option<(String, Span)>,
    /// The following word when it is not a flag: the value of `--flag value`
    /// for flags that take one.
    pub next: Option<(String, Span)>,
    /// When the flag is written in another file (the `src:` of a `template`
    /// task) and `span` points at the reference to it: `path:line`.
    pub written_in: Option<String>,
}

/// Flags written into a MicroK8s daemon's args file: the file itself in the
/// repository, or an Ansible task that edits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgsFileEdit {
    pub component: &'static str,
    /// The args file (path as written, resolved where possible).
    pub target: String,
    /// `args file`, or the module that writes (`blockinfile`, `lineinfile`, `copy`).
    pub via: &'static str,
    pub flags: Vec<FlagWord>,
    /// `#` comments in the written text: (span, alone on its line).
    pub comments: Vec<(Span, bool)>,
    /// The Ansible task that writes (its module key), and whether it runs only
    /// under a `when:` condition.
    pub task: Option<Span>,
    pub conditional: bool,
    /// When the flags are written here but the task that writes them is in
    /// another file (a variable's entries, looped over by a task elsewhere):
    /// which task, and where, for the findings' help.
    pub written_by: Option<String>,
}

impl ArgsFileEdit {
    /// Whether the edit writes the whole file (an args file in the repository,
    /// `copy` content, a `template` source), so that the last
    /// word written is the last word the daemon reads from it.
    pub fn whole_content(&self) -> bool {
        matches!(self.via, "args file" | "copy" | "template")
    }
}

/// Everything the front-ends learnt about one file.
#[derive(Debug, Default)]
pub struct FileFacts {
    pub plays: Vec<Play>,
    pub dqlite_clusters: Vec<DqliteCluster>,
    pub commands: Vec<CommandFact>,
    pub comments: Vec<Comment>,
    pub unparsed: Vec<Unparsed>,
    pub syntax_errors: Vec<SyntaxError>,
    pub tasks: Vec<AnsibleTask>,
    /// `while`/`until` loops of the file's shell code.
    pub loops: Vec<LoopFact>,
    pub args_edits: Vec<ArgsFileEdit>,
    /// The `command[…]=` lines of an NRPE configuration, in order.
    pub nrpe_commands: Vec<NrpeCommand>,
    /// Files the analysis needed but did not read: they leave the project's root.
    pub not_read: Vec<NotRead>,
    /// Places where analysis stopped at a limit (an expansion budget, …).
    pub limits: Vec<LimitReached>,
    /// A `source` whose file could not be followed (its path is only known
    /// when the script runs, or names no file inside the root): at most one
    /// per file.
    pub unfollowed: Vec<LimitReached>,
    /// Expansion work done so far for this file (variables, wrapper
    /// functions), shared by all its shell regions: see `lang::shell::resolve`.
    pub expansion_used: usize,
}

impl FileFacts {
    /// The tasks of play `play` (index into `plays`), in order.
    pub fn play_tasks(&self, play: usize) -> impl Iterator<Item = &AnsibleTask> {
        let range = self.plays.get(play).map_or(0..0, |p| p.tasks.clone());
        self.tasks
            .get(range)
            .unwrap_or_default()
            .iter()
            .filter(move |t| t.play == Some(play))
    }
}

/// A `command[NAME]=COMMAND` definition of an NRPE configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NrpeCommand {
    pub name: String,
    pub name_span: Span,
    /// The command line after `=`.
    pub line: Span,
}

/// A `while` or `until` loop of a shell script, for rules that judge how it
/// ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopFact {
    /// The whole loop.
    pub span: Span,
    /// From the keyword to the end of the condition (`until kubectl get nodes`).
    pub head: Span,
    pub until: bool,
    /// The condition never ends the loop: `while true`, `while :`, `until false`.
    pub forever: bool,
    /// The body can leave the loop: `break`, `exit` or `return`.
    pub leaves: bool,
    /// Something in the loop counts attempts or time (a numeric comparison such
    /// as `[ $i -ge 30 ]` or `(( n++ < 5 ))`, `$SECONDS`, `date`), or the loop is
    /// too large to tell: taken as bounded.
    pub counted: bool,
}

/// A file named by the checked one (a `template` source) that was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRead {
    pub span: Span,
    pub message: String,
}

/// Analysis of a region stopped at a limit: what lies past it was not checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitReached {
    pub span: Span,
    pub message: String,
    /// Reported as an info: what was left out is a construct the analysis
    /// cannot follow exactly, not a run-away input.
    pub info: bool,
}

/// The last value of any of `flags` in `args`: `--f=V`, `--f V`, `-f V`,
/// `-fV`; like pflag, the last occurrence wins (a flag left without its
/// value at the end wins too: there is then none).
pub fn flag_value<'w>(args: &'w [Word], flags: &[impl AsRef<str>]) -> Option<(&'w Word, &'w str)> {
    let mut found = None;
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text.as_str();
        if t == "--" {
            break;
        }
        for f in flags.iter().map(AsRef::as_ref) {
            if t == f {
                found = args.get(i + 1).map(|v| (v, v.text.as_str()));
                // The value is not a flag of its own.
                i += 1;
                break;
            }
            if let Some(v) = t.strip_prefix(f) {
                if let Some(v) = v.strip_prefix('=') {
                    found = Some((&args[i], v));
                } else if !f.starts_with("--") && f.len() == 2 && !v.is_empty() && !t.starts_with("--") {
                    found = Some((&args[i], v));
                }
            }
        }
        i += 1;
    }
    found
}
