//! Ansible roles, playbooks and task files: tasks with exact positions, and the
//! shell inside `shell`/`command`/`raw` tasks through the shell front-end.

use super::yaml::{self, Kind, Node};
use super::{jinja, shell};
use crate::facts::{AnsibleTask, ArgsFileTarget, CommandLine, FileFacts, LoopItem, SyntaxError, TaskArg};
use crate::microk8s::args_file_component;
use crate::source::Span;
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Task keywords: every other key of a task is its module.
const TASK_KEYWORDS: &[&str] = &[
    "name",
    "when",
    "notify",
    "become",
    "become_user",
    "become_method",
    "become_flags",
    "become_exe",
    "loop",
    "loop_control",
    "register",
    "tags",
    "vars",
    "args",
    "environment",
    "delegate_to",
    "delegate_facts",
    "run_once",
    "ignore_errors",
    "ignore_unreachable",
    "changed_when",
    "failed_when",
    "until",
    "retries",
    "delay",
    "no_log",
    "listen",
    "block",
    "rescue",
    "always",
    "check_mode",
    "diff",
    "throttle",
    "any_errors_fatal",
    "collections",
    "module_defaults",
    "debugger",
    "timeout",
    "async",
    "poll",
    "connection",
    "remote_user",
    "port",
    "vars_files",
    "local_action",
    "action",
];

/// Modules whose path argument has these aliases (first found wins).
const PATH_ALIASES: &[&str] = &["path", "dest", "destfile", "name"];

/// Is this YAML file part of an Ansible tree by its place? (Used to decide whether
/// a file that does not parse is worth a `yaml-syntax` error.)
pub fn is_ansible_path(path: &Path) -> bool {
    let parts: Vec<&str> = path.iter().filter_map(|p| p.to_str()).collect();
    let in_role = parts.windows(3).any(|w| {
        w[0] == "roles" && matches!(w[2], "tasks" | "handlers" | "defaults" | "vars" | "meta")
    });
    let name = parts.last().copied().unwrap_or("");
    in_role
        || parts.contains(&"playbooks")
        || name.starts_with("playbook")
        || matches!(name, "site.yml" | "site.yaml")
}

fn in_handlers_dir(path: &Path) -> bool {
    path.iter().any(|p| p == "handlers")
}

pub fn analyze(host: &str, path: &Path, vars: &jinja::Vars, facts: &mut FileFacts) {
    analyze_in(host, path, None, vars, facts)
}

/// [`analyze`] for a file of `project`: `template`/`copy` sources are read
/// only inside its root (without a project, none are read), and the mappings
/// the file gives are judged where the project's tasks write them.
pub fn analyze_in(
    host: &str,
    path: &Path,
    project: Option<&dyn super::ProjectFacts>,
    vars: &jinja::Vars,
    facts: &mut FileFacts,
) {
    let root = project.map(|p| p.root());
    let docs = match yaml::load(host) {
        Ok(docs) => docs,
        Err(e) if e.limit => {
            facts.limits.push(crate::facts::LimitReached {
                span: Span::new(e.offset.min(host.len()), e.offset.min(host.len())),
                message: e.message,
                info: false,
            });
            return;
        }
        Err(e) => {
            if is_ansible_path(path) {
                let end = host[e.offset.min(host.len())..]
                    .chars()
                    .next()
                    .map_or(e.offset, |c| e.offset + c.len_utf8());
                facts.syntax_errors.push(SyntaxError {
                    span: Span::new(e.offset.min(host.len()), end.min(host.len())),
                    message: format!("invalid YAML: {}", e.message),
                    language: "YAML",
                });
            }
            return;
        }
    };
    facts.comments.extend(super::hash_comments(host, true));
    let mut walker = Walker {
        host,
        parse_text: host.to_string(),
        vars: Cow::Borrowed(vars),
        dicts: HashMap::new(),
        item_scripts: Default::default(),
        facts,
        path,
        root,
        play: None,
        consumed_dicts: Default::default(),
    };
    for doc in &docs {
        super::launch::analyze(host, doc, walker.facts);
        super::dqlite::analyze(host, doc, walker.facts);
        let Some(items) = doc.as_seq() else { continue };
        let is_playbook = items.iter().any(|i| {
            i.get("hosts").is_some()
                || i.get("import_playbook").is_some()
                || i.get("ansible.builtin.import_playbook").is_some()
        });
        if is_playbook {
            for play in items {
                walker.vars = Cow::Borrowed(vars);
                walker.dicts.clear();
                walker.play = play_fact(play).map(|p| {
                    walker.facts.plays.push(p);
                    walker.facts.plays.len() - 1
                });
                if let Some(entries) = play.get("vars").and_then(Node::as_map) {
                    for (k, v) in entries {
                        let Some(k) = k.as_str() else { continue };
                        if let Some(v) = v.as_str() {
                            walker.vars.to_mut().insert(k.to_string(), v.to_string());
                        } else if v.as_map().is_some() || v.as_seq().is_some() {
                            walker.dicts.insert(k.to_string(), v.clone());
                        }
                    }
                }
                for (key, handlers) in [
                    ("pre_tasks", false),
                    ("tasks", false),
                    ("post_tasks", false),
                    ("handlers", true),
                ] {
                    if let Some(tasks) = play.get(key).and_then(Node::as_seq) {
                        walker.tasks(tasks, handlers, 0);
                    }
                }
            }
        } else if items.iter().any(looks_like_task) {
            walker.tasks(items, in_handlers_dir(path), 0);
        }
    }
    if let Some(project) = project {
        let consumed = std::mem::take(&mut walker.consumed_dicts);
        looped_dict_edits(host, path, project, &docs, &consumed, walker.facts);
    }
}

/// A variables file by its place: under `defaults/`, `vars/`, `group_vars/` or
/// `host_vars/`, named `*.yml`, `*.yaml` or without an extension.
pub fn is_vars_file(path: &Path) -> bool {
    let in_vars_dir = path.parent().is_some_and(|p| {
        p.iter().any(|c| {
            matches!(
                c.to_str(),
                Some("defaults" | "vars" | "group_vars" | "host_vars")
            )
        })
    });
    let ext_ok = match path.extension().and_then(|e| e.to_str()) {
        Some("yml" | "yaml") => true,
        None => true, // `group_vars/all` may have no extension
        Some(_) => false,
    };
    in_vars_dir && ext_ok
}

/// A task that writes each entry of a mapping variable into the args file the
/// entry's key names (`loop: "{{ NAME | dict2items }}"`, `path:
/// …/args/{{ item.key }}`, `block: "{{ item.value }}"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgsDictLoop {
    /// `blockinfile`, `lineinfile`, `copy` or `replace`.
    pub module: &'static str,
    /// The destination as written (`…/args/{{ item.key }}`).
    pub dest: String,
    /// The task's file, relative to the root, and line.
    pub file: String,
    pub line: usize,
    /// The task runs only under a `when:` condition.
    pub conditional: bool,
}

/// The tasks of one file (at `path`, shown as `shown`) that write a mapping
/// variable's entries into args files, with the variable's name. Only this
/// file is read: no project is consulted.
pub fn args_dict_loops(path: &Path, text: &str, shown: &str) -> Vec<(String, ArgsDictLoop)> {
    let mut facts = FileFacts::default();
    analyze(text, path, &jinja::Vars::default(), &mut facts);
    let lines = crate::source::LineIndex::new(text);
    facts
        .tasks
        .iter()
        .filter_map(|task| {
            let name = task.loop_dict.clone()?;
            let (module, dest) = dict_entry_writer(task)?;
            Some((
                name,
                ArgsDictLoop {
                    module,
                    dest: dest.to_string(),
                    file: shown.to_string(),
                    line: lines.line_of(task.span.start.min(text.len())) + 1,
                    conditional: task.when.is_some(),
                },
            ))
        })
        .collect()
}

/// Mappings that this file gives to variables whose entries a task elsewhere
/// writes into args files (`loop: "{{ d | dict2items }}"` over
/// `…/args/{{ item.key }}`, see [`super::ProjectFacts::args_dict_loops`]):
/// the top-level entries of a variables file (`defaults/`, `vars/`,
/// `group_vars/`, `host_vars/`), a play's `vars:`, and the variables of a
/// play's `roles:` entries. Each value whose key names a daemon is judged as
/// that daemon's args file, where it is written; the task is named in the
/// findings' help.
fn looped_dict_edits(
    host: &str,
    path: &Path,
    project: &dyn super::ProjectFacts,
    docs: &[Node],
    consumed: &std::collections::HashSet<(usize, usize)>,
    facts: &mut FileFacts,
) {
    /// A mapping given to a variable, and the roles whose tasks see it (none:
    /// any task may).
    struct Defined<'d> {
        name: &'d str,
        dict: &'d Node,
        roles: Vec<&'d str>,
    }
    /// The entries of `map` (but `skip`) whose value is a mapping with a key
    /// that names a daemon, and that no task of this file writes already.
    fn add<'d>(
        defined: &mut Vec<Defined<'d>>,
        map: &'d Node,
        skip: &[&str],
        roles: &[&'d str],
        consumed: &std::collections::HashSet<(usize, usize)>,
    ) {
        for (k, v) in map.as_map().unwrap_or_default() {
            let Some(name) = k.as_str() else { continue };
            let names_component = v.as_map().is_some_and(|m| {
                m.iter().any(|(c, _)| {
                    c.as_str()
                        .is_some_and(|c| crate::microk8s::ARGS_COMPONENTS.contains(&c))
                })
            });
            if !skip.contains(&name)
                && names_component
                && !consumed.contains(&(v.span.start, v.span.end))
            {
                defined.push(Defined { name, dict: v, roles: roles.to_vec() });
            }
        }
    }
    /// The role a `roles:` entry applies.
    fn name_of(r: &Node) -> Option<&str> {
        r.as_str()
            .or_else(|| r.get("role").and_then(Node::as_str))
            .or_else(|| r.get("name").and_then(Node::as_str))
    }
    let mut defined: Vec<Defined> = Vec::new();
    let relative = path.strip_prefix(project.root()).unwrap_or(path);
    let vars_file = is_vars_file(relative);
    // A role's own `defaults/` and `vars/` are for its tasks first.
    let parts: Vec<&str> = relative.iter().filter_map(|p| p.to_str()).collect();
    let own_role: Vec<&str> = parts
        .windows(3)
        .find(|w| w[0] == "roles" && matches!(w[2], "defaults" | "vars"))
        .map(|w| w[1])
        .into_iter()
        .collect();
    for doc in docs {
        if vars_file {
            add(&mut defined, doc, &[], &own_role, consumed);
        }
        for play in doc.as_seq().unwrap_or_default() {
            if play.get("hosts").is_none() {
                continue;
            }
            let roles = play.get("roles").and_then(Node::as_seq).unwrap_or_default();
            if let Some(vars) = play.get("vars") {
                let names: Vec<&str> = roles.iter().filter_map(name_of).collect();
                add(&mut defined, vars, &[], &names, consumed);
            }
            for role in roles {
                let names: Vec<&str> = name_of(role).into_iter().collect();
                if let Some(vars) = role.get("vars") {
                    add(&mut defined, vars, &[], &names, consumed);
                }
                // `- {role: x, name: value}`: role parameters.
                add(&mut defined, role, &["vars"], &names, consumed);
            }
        }
    }
    if defined.is_empty() {
        return;
    }
    let loops = project.args_dict_loops();
    for Defined { name, dict, roles } in defined {
        let Some(writers) = loops.get(name) else { continue };
        // Variables given to roles are seen by those roles' tasks: name them
        // when they are among the writers.
        let in_roles: Vec<&ArgsDictLoop> = writers
            .iter()
            .filter(|w| {
                roles.iter().any(|r| {
                    // `path/to/role`, `namespace.collection.role`, `author.role`.
                    let dir = r.rsplit('/').next().unwrap_or(r);
                    let short = dir.rsplit('.').next().unwrap_or(dir);
                    [dir, short].iter().any(|d| {
                        let d = format!("roles/{d}/");
                        w.file.starts_with(&d) || w.file.contains(&format!("/{d}"))
                    })
                })
            })
            .collect();
        let writers: Vec<&ArgsDictLoop> = if in_roles.is_empty() {
            writers.iter().collect()
        } else {
            in_roles
        };
        let Some(first) = writers.first() else { continue };
        let tasks: Vec<String> = writers
            .iter()
            .map(|w| format!("the `{}` task at {}:{}", w.module, w.file, w.line))
            .collect();
        let loop_verb = if writers.len() == 1 { "loops" } else { "loop" };
        for mut edit in dict_entry_edits(host, dict, &first.dest, first.module) {
            edit.conditional = writers.iter().all(|w| w.conditional);
            edit.written_by = Some(format!(
                "written into `{}` by {}, which {loop_verb} over `{name}`",
                edit.target,
                tasks.join(" and ")
            ));
            facts.args_edits.push(edit);
        }
    }
}

/// The facts of one play (`None` for `import_playbook` entries).
fn play_fact(play: &Node) -> Option<crate::facts::Play> {
    let entries = play.as_map()?;
    if play.get("hosts").is_none() {
        return None;
    }
    let head = entries.first().map(|(k, _)| k.span)?;
    let scalar = |n: &Node| match &n.kind {
        Kind::Scalar { value, .. } => Some(value.clone()),
        _ => None,
    };
    let serial = play.get("serial").map(|s| {
        let text = match s.as_seq() {
            Some(items) => items
                .iter()
                .filter_map(scalar)
                .collect::<Vec<_>>()
                .join(", "),
            None => scalar(s).unwrap_or_default(),
        };
        (text, s.span)
    });
    let roles = play
        .get("roles")
        .and_then(Node::as_seq)
        .map(|items| {
            items
                .iter()
                .filter_map(|r| {
                    let name = r
                        .as_str()
                        .or_else(|| r.get("role").and_then(Node::as_str))
                        .or_else(|| r.get("name").and_then(Node::as_str))?;
                    Some((name.to_string(), r.span))
                })
                .collect()
        })
        .unwrap_or_default();
    Some(crate::facts::Play {
        span: play.span,
        head,
        name: play.get("name").and_then(Node::as_str).map(str::to_string),
        hosts: play.get("hosts").and_then(scalar),
        serial,
        roles,
        tasks: 0..0,
    })
}

fn looks_like_task(item: &Node) -> bool {
    let Some(entries) = item.as_map() else {
        return false;
    };
    let keys = || entries.iter().filter_map(|(k, _)| k.as_str());
    keys().any(|k| {
        matches!(k, "block" | "action" | "local_action")
            || k.starts_with("ansible.builtin.")
            || k.starts_with("ansible.legacy.")
            || KNOWN_MODULES.contains(&k)
    })
        // A collection's module (`ansible.posix.sysctl:`) beside a task
        // keyword (`name:`, `notify:`, …); a key alone such as
        // `net.ipv4.ip_forward: 1` is data.
        || (keys().any(is_collection_module) && keys().any(|k| TASK_KEYWORDS.contains(&k)))
}

/// `namespace.collection.module` (`ansible.posix.sysctl`,
/// `community.general.ini_file`): Ansible's fully qualified collection name
/// of a module, each part lower-case letters, digits and `_`.
fn is_collection_module(key: &str) -> bool {
    let mut parts = 0;
    for part in key.split('.') {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return false;
        }
        parts += 1;
    }
    parts == 3
}

/// Short names of the builtin modules most roles use (to recognise task files).
const KNOWN_MODULES: &[&str] = &[
    "shell",
    "command",
    "raw",
    "script",
    "blockinfile",
    "lineinfile",
    "replace",
    "template",
    "copy",
    "file",
    "systemd",
    "systemd_service",
    "service",
    "debug",
    "set_fact",
    "include_tasks",
    "import_tasks",
    "include_role",
    "import_role",
    "apt",
    "package",
    "wait_for",
    "uri",
    "fail",
    "assert",
    "stat",
    "slurp",
    "fetch",
    "get_url",
    "unarchive",
    "user",
    "group",
    "meta",
    "pause",
];

struct Walker<'a> {
    host: &'a str,
    /// The host text with each analysed shell region masked in place.
    parse_text: String,
    /// The project's variables, plus the current play's `vars:` and the literal
    /// `set_fact` values seen so far.
    vars: Cow<'a, jinja::Vars>,
    /// Mappings and sequences among the current play's `vars:` (for
    /// `with_dict` / `dict2items`, and `loop: "{{ list }}"`).
    dicts: HashMap<String, Node>,
    /// Loop item values already analysed as shell (several tasks may loop
    /// over one list of commands).
    item_scripts: std::collections::HashSet<(usize, usize)>,
    facts: &'a mut FileFacts,
    /// The file being analysed (to find `template`/`copy` sources).
    path: &'a Path,
    /// The project's root: sources are read only inside it.
    root: Option<&'a Path>,
    /// The play being walked (index into `facts.plays`).
    play: Option<usize>,
    /// Mappings (by span) whose entries a task of this file writes into args
    /// files: already judged as that task's edits.
    consumed_dicts: std::collections::HashSet<(usize, usize)>,
}

impl Walker<'_> {
    fn tasks(&mut self, tasks: &[Node], handlers: bool, depth: usize) {
        if depth > 64 {
            return;
        }
        for task in tasks {
            if task.as_map().is_none() {
                continue;
            }
            for key in ["block", "rescue", "always"] {
                if let Some(inner) = task.get(key).and_then(Node::as_seq) {
                    self.tasks(inner, handlers, depth + 1);
                }
            }
            if let Some(mut t) = self.task(task, handlers) {
                if let Some(script) = command_node(task, &t) {
                    t.command_line = script.as_str().map(|text| CommandLine {
                        text: text.to_string(),
                        region: yaml::scalar_region(self.host, script),
                        node: script.span,
                    });
                    self.embedded_shell(script);
                    self.item_scripts(task, script);
                }
                if t.module == "command"
                    && let Some(argv) = task_argv(task, &t)
                {
                    self.argv_command(argv);
                }
                self.args_edit(task, &t);
                self.cluster_write(&t);
                if t.module == "set_fact" {
                    for arg in t.args.iter().filter(|a| a.name != "cacheable") {
                        if let Some(value) = arg.text() {
                            self.vars
                                .to_mut()
                                .insert(arg.name.clone(), value.to_string());
                        }
                    }
                }
                if let Some((name, value)) = registered_output(task, &t) {
                    self.vars.to_mut().insert(name, value);
                }
                let at = self.facts.tasks.len();
                if let Some(play) = t.play.and_then(|p| self.facts.plays.get_mut(p)) {
                    play.tasks = if play.tasks.is_empty() { at..at + 1 } else { play.tasks.start..at + 1 };
                }
                self.facts.tasks.push(t);
            }
        }
    }

    fn task(&self, node: &Node, in_handlers: bool) -> Option<AnsibleTask> {
        let entries = node.as_map()?;
        let (module_key, module_value) = entries
            .iter()
            .find(|(k, _)| {
                k.as_str()
                    .is_some_and(|k| !TASK_KEYWORDS.contains(&k) && k != "<<")
            })
            .or_else(|| {
                entries
                    .iter()
                    .find(|(k, _)| matches!(k.as_str(), Some("action" | "local_action")))
            })?;
        let key = module_key.as_str()?;
        let mut args = Vec::new();
        let module = if matches!(key, "action" | "local_action") {
            if let Some(text) = module_value.as_str() {
                // `action: blockinfile path=/x block=…`
                let (first, _) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
                args.extend(self.free_form(module_value, first.len()));
                normalise(first)
            } else {
                // `action: {module: blockinfile, path: /x, …}`
                let module = module_value.get("module")?.as_str()?.to_string();
                args.extend(
                    self.mapping_args(module_value)
                        .into_iter()
                        .filter(|a| a.name != "module"),
                );
                normalise(&module)
            }
        } else {
            match &module_value.kind {
                Kind::Map(_) => args.extend(self.mapping_args(module_value)),
                Kind::Scalar { .. } => args.extend(self.free_form(module_value, 0)),
                _ => {}
            }
            normalise(key)
        };
        if let Some(extra) = node.get("args") {
            args.extend(self.mapping_args(extra));
        }
        // `include_tasks: restart.yml`: the free form is the file.
        if matches!(module.as_str(), "include_tasks" | "import_tasks" | "include" | "import_playbook")
            && !args.iter().any(|a| a.name == "file")
            && let Some(file) = module_value.as_str()
            && !file.contains('=')
        {
            args.push(TaskArg {
                name: "file".to_string(),
                name_span: module_key.span,
                value: Some(file.trim().to_string()),
                value_span: module_value.span,
                resolved: None,
            });
        }
        for arg in &mut args {
            arg.resolved = arg
                .value
                .as_deref()
                .and_then(|v| resolve_vars(v, &self.vars));
        }
        let mut task = AnsibleTask {
            span: node.span,
            module,
            module_span: module_key.span,
            args,
            in_handlers,
            command_line: None,
            loop_items: loop_items(node, &self.dicts),
            notify: match node.get("notify") {
                Some(n) => match n.as_seq() {
                    Some(items) => items
                        .iter()
                        .filter_map(|i| Some((i.as_str()?.to_string(), i.span)))
                        .collect(),
                    None => n
                        .as_str()
                        .map(|v| vec![(v.to_string(), n.span)])
                        .unwrap_or_default(),
                },
                None => Vec::new(),
            },
            when: node.get("when").map(|w| w.span),
            becomes: node
                .get("become")
                .and_then(Node::as_str)
                .and_then(|b| match b {
                    "true" | "yes" | "True" => Some(true),
                    "false" | "no" | "False" => Some(false),
                    _ => None,
                }),
            name: node.get("name").and_then(Node::as_str).map(str::to_string),
            listen: match node.get("listen") {
                Some(n) => match n.as_seq() {
                    Some(items) => items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect(),
                    None => n.as_str().map(|v| vec![v.to_string()]).unwrap_or_default(),
                },
                None => Vec::new(),
            },
            throttle: node.get("throttle").and_then(Node::as_str).map(str::to_string),
            time_limit: ["async", "timeout"].iter().find_map(|k| {
                let v = node.get(k)?;
                let text = match &v.kind {
                    Kind::Scalar { value, .. } => value.trim(),
                    _ => return None,
                };
                (!text.is_empty() && text != "0").then_some(v.span)
            }),
            run_once: node
                .get("run_once")
                .and_then(Node::as_str)
                .is_some_and(|v| matches!(v, "true" | "yes" | "True")),
            retries: node.get("until").is_some() || node.get("retries").is_some(),
            play: self.play,
            loop_dict: dict_loop_var(node),
            has_loop: entries.iter().any(|(k, _)| {
                k.as_str()
                    .is_some_and(|k| k == "loop" || k.starts_with("with_"))
            }),
            dest: None,
            args_files: Vec::new(),
        };
        task.dest = dest_index(&task.args);
        task.args_files = args_targets(&task);
        Some(task)
    }

    fn mapping_args(&self, node: &Node) -> Vec<TaskArg> {
        let Some(entries) = node.as_map() else {
            return Vec::new();
        };
        let mut args: Vec<TaskArg> = entries
            .iter()
            .filter(|(k, _)| k.as_str() != Some("<<"))
            .filter_map(|(k, v)| {
                Some(TaskArg {
                    name: k.as_str()?.to_string(),
                    name_span: k.span,
                    value: v.as_str().map(str::to_string),
                    value_span: v.span,
                    resolved: None,
                })
            })
            .collect();
        // `<<: *anchor` (or a list of anchors) merges keys not written here.
        for (_, merged) in entries.iter().filter(|(k, _)| k.as_str() == Some("<<")) {
            let sources: Vec<&Node> = match merged.as_seq() {
                Some(items) => items.iter().collect(),
                None => vec![merged],
            };
            for source in sources {
                for arg in self.mapping_args(source) {
                    if !args.iter().any(|a| a.name == arg.name) {
                        args.push(arg);
                    }
                }
            }
        }
        args
    }

    /// `key=value` words of a free-form argument string (after `skip` bytes).
    /// Values keep exact spans when the scalar maps byte for byte.
    fn free_form(&self, node: &Node, skip: usize) -> Vec<TaskArg> {
        let Some(value) = node.as_str() else {
            return Vec::new();
        };
        let region = yaml::scalar_region(self.host, node);
        let mut out = Vec::new();
        // Words split as Ansible does: never inside a `{{ … }}` expression.
        for (start, end) in split_words(&jinja::mask(value).text) {
            if start < skip {
                continue;
            }
            let word = &value[start..end];
            let Some(eq) = word.find('=') else { continue };
            let name = &word[..eq];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let raw = &word[eq + 1..];
            let unquoted = raw
                .strip_prefix('"')
                .and_then(|r| r.strip_suffix('"'))
                .or_else(|| raw.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')))
                .unwrap_or(raw);
            let at = |a: usize, b: usize| match region {
                Some(r) => Span::new(r.start + a, r.start + b),
                None => node.span,
            };
            out.push(TaskArg {
                name: name.to_string(),
                name_span: at(start, start + eq),
                value: Some(unquoted.to_string()),
                value_span: at(start + eq + 1, end),
                resolved: None,
            });
        }
        out
    }

    /// `shell: "{{ item.cmd }} …"` over a list written in this file (the
    /// loop, or a list among the play's `vars:`): each item's literal command
    /// goes through the shell front-end where it is written, so findings point
    /// at the item (kubespray's `collect-info.yaml` keeps its commands so).
    fn item_scripts(&mut self, task: &Node, script: &Node) {
        let Some(text) = script.as_str() else { return };
        let Some(field) = leading_item_field(text) else { return };
        let Some(items) = loop_nodes(task, &self.dicts) else { return };
        for item in items {
            let value = match &field {
                None => Some(&item),
                Some(f) => item.get(f),
            };
            let Some(value) = value.filter(|v| v.as_str().is_some()) else { continue };
            if self.item_scripts.insert((value.span.start, value.span.end)) {
                self.embedded_shell(value);
            }
        }
    }

    /// The command line of a `shell`/`command`/`raw` task goes through the shell
    /// front-end (for `command` no shell runs, but its calls are found the same way).
    fn embedded_shell(&mut self, script: &Node) {
        let Some(region) = yaml::scalar_region(self.host, script) else {
            self.approximate_shell(script);
            return;
        };
        // The shell front-end reads only `region` of its parse text: one buffer
        // per file serves every task, since task regions never overlap.
        let masked = jinja::mask(&yaml::region_text(self.host, script, region));
        self.parse_text
            .replace_range(region.start..region.end, &masked.text);
        let placeholders: Vec<jinja::Placeholder> = masked
            .placeholders
            .into_iter()
            .map(|p| jinja::Placeholder {
                span: p.span.shifted(region.start),
                expr: p.expr,
            })
            .collect();
        let templating = jinja::Templating {
            placeholders: &placeholders,
            vars: &self.vars,
        };
        shell::analyze(self.host, &self.parse_text, region, templating, self.facts);
    }
}

impl Walker<'_> {
    /// Flags that a `blockinfile`/`lineinfile`/`copy` task writes into an args file.
    fn args_edit(&mut self, node: &Node, task: &AnsibleTask) {
        let Some(writer) = crate::ansible_modules::writer(&task.module) else {
            return;
        };
        let (via, content_args) = (writer.module.as_str(), &writer.content);
        if task.arg("state").and_then(|a| a.text()) == Some("absent") {
            return;
        }
        // `{{ item.value }}` into `…/args/{{ item.key }}` over a mapping written
        // in this file: each value judged where it is written.
        if let Some((via, dest)) = dict_entry_writer(task)
            && let Some(dict) = dict_loop_node(node, &self.dicts)
        {
            let edits = dict_entry_edits(self.host, dict, dest, via);
            self.consumed_dicts.insert((dict.span.start, dict.span.end));
            for mut edit in edits {
                edit.task = Some(task.module_span);
                edit.conditional = task.when.is_some();
                self.facts.args_edits.push(edit);
            }
            return;
        }
        let targets = &task.args_files;
        if targets.is_empty() {
            return;
        }
        let Some(arg) = content_args.iter().find_map(|name| task.arg(name)) else {
            // `template`/`copy` with `src:`: the source file in the repository.
            if let Some(source_file) = &writer.source_file {
                self.source_file_edit(task, via, source_file, targets);
            }
            return;
        };
        let Some(text) = arg.text() else { return };
        // One loop item at a time when the content is written from `{{ item }}`.
        if text.contains("item") && !task.loop_items.is_empty() {
            for item in &task.loop_items {
                let Some(expanded) = item.expand(text) else {
                    continue;
                };
                // Exact spans when the content is just the item, written as a scalar.
                let written = self.host.get(item.span.start..item.span.end).unwrap_or("");
                let base = (item.value.as_deref() == Some(expanded.as_str()))
                    .then(|| written.find(expanded.as_str()))
                    .flatten();
                for ArgsFileTarget { path: target, component, item: item_span } in targets {
                    if item_span.is_some_and(|s| s != item.span) {
                        continue;
                    }
                    let flags = match base {
                        Some(at) if !expanded.is_empty() => super::argsfile::flag_words_as(
                            component,
                            &expanded,
                            item.span.start + at,
                            true,
                            item.span,
                        ),
                        _ => super::argsfile::flag_words_as(component, &expanded, 0, false, item.span),
                    };
                    self.push_edit(task, component, target.clone(), via, flags, super::argsfile::comments(&expanded, 0)
                            .into_iter()
                            .map(|(_, own)| (item.span, own))
                            .collect());
                }
            }
            return;
        }
        // Byte-exact spans when the value is a scalar of the module mapping.
        let value_node = node
            .as_map()
            .and_then(|m| m.iter().find(|(k, _)| k.span == task.module_span))
            .and_then(|(_, v)| v.as_map())
            .and_then(|m| m.iter().find(|(k, _)| k.span == arg.name_span))
            .map(|(_, v)| v);
        let mapped = value_node.and_then(|v| Some((v, yaml::scalar_region(self.host, v)?)));
        let written = match mapped {
            Some((v, region)) if arg.resolved.is_none() => {
                Some((yaml::region_text(self.host, v, region), region.start))
            }
            _ => None,
        };
        for ArgsFileTarget { path: target, component, .. } in targets {
            let (flags, comments) = match &written {
                Some((written, start)) => (
                    super::argsfile::flag_words_as(component, written, *start, true, arg.value_span),
                    super::argsfile::comments(written, *start),
                ),
                None => (
                    super::argsfile::flag_words_as(component, text, 0, false, arg.value_span),
                    super::argsfile::comments(text, 0)
                        .into_iter()
                        .map(|(_, own)| (arg.value_span, own))
                        .collect(),
                ),
            };
            self.push_edit(task, component, target.clone(), via, flags, comments);
        }
    }

    /// Records flags that `task` writes into `component`'s args file `target`.
    fn push_edit(
        &mut self,
        task: &AnsibleTask,
        component: &'static str,
        target: String,
        via: &'static str,
        flags: Vec<crate::facts::FlagWord>,
        comments: Vec<(Span, bool)>,
    ) {
        self.facts.args_edits.push(crate::facts::ArgsFileEdit {
            component,
            task: Some(task.module_span),
            conditional: task.when.is_some(),
            target,
            via,
            flags,
            comments,
            written_by: None,
        });
    }

    /// A `copy` (content or source) or `template` task that writes a dqlite
    /// `cluster.yaml`: the membership it writes.
    fn cluster_write(&mut self, task: &AnsibleTask) {
        if !matches!(task.module.as_str(), "copy" | "template") {
            return;
        }
        let Some(dest) = task.dest_arg().and_then(|a| a.text()) else {
            return;
        };
        if !super::dqlite::is_cluster_file(dest) {
            return;
        }
        let text = match task.arg("content").and_then(|a| a.text()) {
            Some(content) => jinja::mask(content).text,
            None => {
                let Some(src) = task.arg("src").and_then(|a| a.text()) else {
                    return;
                };
                let Some((_, t)) = self.read_source(task, src) else {
                    return;
                };
                jinja::mask(&t).text
            }
        };
        let Ok(docs) = yaml::load(&text) else { return };
        for doc in &docs {
            if let Some(mut cluster) = super::dqlite::cluster_of(&text, doc) {
                // Spans of the written text are not in this file: point at the task.
                cluster.span = task.module_span;
                for n in &mut cluster.nodes {
                    n.span = task.module_span;
                    n.address_span = task.module_span;
                    n.id_span = task.module_span;
                }
                cluster.written_by = Some(task.module_span);
                self.facts.dqlite_clusters.push(cluster);
            }
        }
    }

    /// `template: {src: k8s-dqlite.j2, dest: …/args/k8s-dqlite}` (or `copy` with
    /// `src:`): the source file, found as Ansible finds it in the repository,
    /// read as the args file it becomes. Findings point at `src:` in this file
    /// and name the line in the source file.
    fn source_file_edit(
        &mut self,
        task: &AnsibleTask,
        via: &'static str,
        source_file: &str,
        targets: &[ArgsFileTarget],
    ) {
        let Some(src) = task.arg(source_file) else { return };
        let Some(name) = src.text() else { return };
        if name.contains("{{") || name.contains("{%") {
            return;
        }
        let Some((file, content)) = self.read_source(task, name) else {
            return;
        };
        let masked = if via == "template" {
            jinja::mask(&content).text
        } else {
            content.clone()
        };
        let shown = file.to_string_lossy().trim_start_matches("./").to_string();
        let lines = crate::source::LineIndex::new(&content);
        for ArgsFileTarget { path: target, component, .. } in targets {
            let mut flags =
                super::argsfile::flag_words_as(component, &masked, 0, true, Span::default());
            for f in &mut flags {
                let line = lines.line_of(f.span.start) + 1;
                f.text = content[f.span.start..f.span.end].to_string();
                f.written_in = Some(format!("{shown}:{line}"));
                f.span = src.value_span;
                f.value = f.value.take().map(|(v, _)| (v, src.value_span));
                f.next = f.next.take().map(|(v, _)| (v, src.value_span));
            }
            self.push_edit(task, component, target.clone(), via, flags, super::argsfile::comments(&content, 0)
                    .into_iter()
                    .map(|(_, own)| (src.value_span, own))
                    .collect());
        }
    }

    /// The `src:` file of a `template` or `copy` task, found as Ansible finds it
    /// and read only inside the project's root: a source that resolves outside
    /// it (`../../../etc/x`, a link) is a finding at `src:`, not a read, so no
    /// outside content reaches a report.
    fn read_source(&mut self, task: &AnsibleTask, src: &str) -> Option<(PathBuf, String)> {
        let kind = if task.module == "template" { "templates" } else { "files" };
        let file = find_source(self.path, kind, src)?;
        let root = self.root?;
        match crate::fsread::read_confined(root, &file, crate::fsread::MAX_CONTEXT_SIZE) {
            Ok(text) => Some((file, text)),
            Err(e @ crate::fsread::ReadError::OutsideRoot { .. }) => {
                let span = task.arg("src").map_or(task.module_span, |a| a.value_span);
                self.facts.not_read.push(crate::facts::NotRead {
                    span,
                    message: format!("`{}` source `{src}` {e}; not read", task.module),
                });
                None
            }
            Err(_) => None,
        }
    }

    /// `command: {argv: [prog, arg, …]}`: the words are given one by one.
    fn argv_command(&mut self, argv: &[Node]) {
        let words: Vec<crate::facts::Word> = argv
            .iter()
            .filter_map(|item| {
                let text = item.as_str()?.to_string();
                let region = yaml::scalar_region(self.host, item);
                let is_static = !text.contains("{{");
                Some(crate::facts::Word {
                    static_suffix: if is_static { text.len() } else { 0 },
                    exact: region.is_some_and(|r| r.len() == text.len()),
                    span: region.unwrap_or(item.span),
                    append_at: None,
                    is_static,
                    text,
                })
            })
            .collect();
        let (Some(first), Some(last)) = (argv.first(), argv.last()) else {
            return;
        };
        self.facts
            .commands
            .extend(shell::command_from_words(first.span.cover(last.span), words));
    }

    /// A command line whose text does not map byte for byte onto the file (a
    /// double-quoted string with escapes, a multi-line plain or quoted
    /// scalar): it is analysed on its unescaped value, and every span is
    /// mapped back through [`yaml::scalar_byte_map`], so each call has its
    /// own place. A word is exact (fixes may edit inside it) only when the
    /// file holds its text byte for byte. When the value cannot be mapped,
    /// every finding points at the whole scalar and no fix is offered.
    fn approximate_shell(&mut self, script: &Node) {
        let Some(value) = script.as_str() else { return };
        let masked = jinja::mask(value);
        let templating = jinja::Templating {
            placeholders: &masked.placeholders,
            vars: &self.vars,
        };
        let mut inner = FileFacts::default();
        shell::analyze(
            value,
            &masked.text,
            Span::new(0, value.len()),
            templating,
            &mut inner,
        );
        let map = yaml::scalar_byte_map(self.host, script);
        let back = ValueMap { map: map.as_deref(), whole: script.span, host: self.host, value };
        for mut command in inner.commands {
            command.span = back.span(command.span);
            for word in command.words.iter_mut().chain(command.redirects.iter_mut().map(|(_, w)| w)) {
                back.word(word);
            }
            if let Some(b) = command.time_bound.as_mut() {
                b.span = back.span(b.span);
            }
            command.script = command.script.map(|s| back.span(s));
            for step in &mut command.control {
                match step {
                    crate::facts::ControlStep::Branch { at, .. }
                    | crate::facts::ControlStep::Loop { at, .. }
                    | crate::facts::ControlStep::Stage { at, .. }
                    | crate::facts::ControlStep::ElifCondition { at } => *at = back.offset(*at),
                }
            }
            command.origin = match command.origin {
                crate::facts::Origin::Template { name } => crate::facts::Origin::Template { name },
                crate::facts::Origin::Variable { name, assignment, assignments } if map.is_some() => {
                    crate::facts::Origin::Variable { name, assignment: back.span(assignment), assignments }
                }
                crate::facts::Origin::Alias { name, definition } if map.is_some() => {
                    crate::facts::Origin::Alias { name, definition: back.span(definition) }
                }
                crate::facts::Origin::Function { name, body_command } if map.is_some() => {
                    crate::facts::Origin::Function { name, body_command: back.span(body_command) }
                }
                _ => crate::facts::Origin::Direct,
            };
            self.facts.commands.push(command);
        }
        for unparsed in inner.unparsed {
            self.facts.unparsed.push(crate::facts::Unparsed {
                span: back.span(unparsed.span),
                language: unparsed.language,
            });
        }
        if map.is_some() {
            for mut found in inner.loops {
                found.span = back.span(found.span);
                found.head = back.span(found.head);
                self.facts.loops.push(found);
            }
        }
    }
}

/// Spans of a scalar's value back to the host file: byte by byte through a
/// [`yaml::scalar_byte_map`], else the whole scalar.
struct ValueMap<'m> {
    map: Option<&'m [(usize, usize)]>,
    whole: Span,
    host: &'m str,
    value: &'m str,
}

impl ValueMap<'_> {
    fn span(&self, s: Span) -> Span {
        let Some(map) = self.map else { return self.whole };
        let Some(&(start, _)) = map.get(s.start) else { return self.whole };
        let end = if s.end > s.start { map.get(s.end - 1).map_or(start, |m| m.1) } else { start };
        Span::new(start, end.max(start))
    }

    /// Where text inserted at value offset `at` goes.
    fn offset(&self, at: usize) -> usize {
        let Some(map) = self.map else { return self.whole.start };
        match at.checked_sub(1).and_then(|i| map.get(i)) {
            Some(&(_, end)) => end,
            None => map.first().map_or(self.whole.start, |m| m.0),
        }
    }

    fn word(&self, word: &mut crate::facts::Word) {
        let value_span = word.span;
        word.span = self.span(value_span);
        word.append_at = match self.map {
            Some(_) => word.append_at.map(|at| self.offset(at)),
            None => None,
        };
        // Exact only when the file holds the same bytes as the value there.
        word.exact = word.exact
            && self.map.is_some()
            && self.value.get(value_span.start..value_span.end) == self.host.get(word.span.start..word.span.end);
    }
}

/// `register: NAME` on a `shell`/`command` task whose command line is a
/// literal `echo WORDS`: `NAME.stdout` is known (`WORDS`, as echo prints
/// them, without a trailing newline: Ansible strips it).
fn registered_output(node: &Node, task: &AnsibleTask) -> Option<(String, String)> {
    let name = node.get("register")?.as_str()?;
    if !matches!(task.module.as_str(), "shell" | "command") || task.has_loop {
        return None;
    }
    let line = command_node(node, task)?.as_str()?;
    let rest = line.trim().strip_prefix("echo ")?;
    // Words without quotes, expansions, options or shell syntax only.
    let plain = !rest.starts_with('-')
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'.' | b'/' | b'_' | b'-' | b'=' | b':' | b','));
    if !plain {
        return None;
    }
    Some((format!("{name}.stdout"), rest.split_whitespace().collect::<Vec<_>>().join(" ")))
}

/// The variables a task file's tasks set to literal values, as the tasks run
/// in order: `set_fact` arguments and `NAME.stdout` of a registered literal
/// `echo` (see [`registered_output`]). A file that does not parse gives none.
pub fn fact_vars(path: &Path, text: &str) -> Vec<(String, String)> {
    let mut facts = FileFacts::default();
    let walker_vars = jinja::Vars::new();
    let Ok(docs) = yaml::load(text) else { return Vec::new() };
    let mut out = Vec::new();
    for doc in &docs {
        let Some(items) = doc.as_seq() else { continue };
        let mut stack: Vec<&[Node]> = vec![items];
        // Plays: their task lists; task files: the list itself.
        let mut lists: Vec<&[Node]> = Vec::new();
        while let Some(list) = stack.pop() {
            lists.push(list);
            for item in list {
                for key in ["pre_tasks", "tasks", "post_tasks", "block", "rescue", "always"] {
                    if let Some(inner) = item.get(key).and_then(Node::as_seq) {
                        stack.push(inner);
                    }
                }
            }
        }
        for list in lists {
            for node in list {
                let walker = Walker {
                    host: text,
                    parse_text: String::new(),
                    vars: Cow::Borrowed(&walker_vars),
                    dicts: HashMap::new(),
                    item_scripts: Default::default(),
                    facts: &mut facts,
                    path,
                    root: None,
                    play: None,
                    consumed_dicts: Default::default(),
                };
                let Some(task) = walker.task(node, false) else { continue };
                if task.module == "set_fact" {
                    for arg in task.args.iter().filter(|a| a.name != "cacheable") {
                        if let Some(value) = arg.text() {
                            out.push((arg.name.clone(), value.to_string()));
                        }
                    }
                }
                out.extend(registered_output(node, &task));
            }
        }
    }
    out
}

/// The `argv:` list of a `command` task.
fn task_argv<'n>(node: &'n Node, task: &AnsibleTask) -> Option<&'n [Node]> {
    let (_, value) = node
        .as_map()?
        .iter()
        .find(|(k, _)| k.span == task.module_span)?;
    value.get("argv").and_then(Node::as_seq)
}

/// The scalar holding a `shell`/`command`/`raw` task's command line: the module's
/// value, or its `cmd:` argument.
fn command_node<'n>(node: &'n Node, task: &AnsibleTask) -> Option<&'n Node> {
    if !matches!(task.module.as_str(), "shell" | "command" | "raw") {
        return None;
    }
    let (_, value) = node
        .as_map()?
        .iter()
        .find(|(k, _)| k.span == task.module_span)?;
    match &value.kind {
        Kind::Scalar { .. } => Some(value),
        _ => value
            .get("cmd")
            .or_else(|| node.get("args").and_then(|a| a.get("cmd"))),
    }
}

/// `text` with each `{{ name }}` of a known variable replaced by its value (values
/// may refer to further variables; followed a few levels). `None` when nothing
/// was replaced.
pub fn resolve_vars(text: &str, vars: &jinja::Vars) -> Option<String> {
    let mut current = text.to_string();
    let mut changed = false;
    for _ in 0..4 {
        let mut out = String::with_capacity(current.len());
        let mut rest = current.as_str();
        let mut replaced = false;
        while let Some(open) = rest.find("{{") {
            let Some(close) = rest[open..].find("}}").map(|c| c + open) else {
                break;
            };
            let name = rest[open + 2..close].trim();
            out.push_str(&rest[..open]);
            match vars.get(name) {
                Some(value) if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                    out.push_str(value);
                    replaced = true;
                }
                _ => out.push_str(&rest[open..close + 2]),
            }
            rest = &rest[close + 2..];
        }
        out.push_str(rest);
        if !replaced {
            break;
        }
        changed = true;
        current = out;
    }
    changed.then_some(current)
}

/// The item field a command line starts with: `{{ item.cmd }} …` or
/// `{{ item['cmd'] }}` → `Some(Some("cmd"))`, `{{ item }} …` → `Some(None)`.
fn leading_item_field(text: &str) -> Option<Option<String>> {
    let inner = text.trim_start().strip_prefix("{{")?;
    let inner = &inner[..inner.find("}}")?];
    let expr = inner.trim();
    if expr == "item" {
        return Some(None);
    }
    let field = expr
        .strip_prefix("item.")
        .or_else(|| expr.strip_prefix("item['")?.strip_suffix("']"))
        .or_else(|| expr.strip_prefix("item[\"")?.strip_suffix("\"]"))?;
    field
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then(|| Some(field.to_string()))
}

/// The nodes of a task's loop when they are written in this file: a literal
/// list, or `"{{ name }}"` naming a list among the play's `vars:`.
fn loop_nodes(task: &Node, dicts: &HashMap<String, Node>) -> Option<Vec<Node>> {
    for key in ["loop", "with_items", "with_list"] {
        let Some(l) = task.get(key) else { continue };
        if let Some(items) = l.as_seq() {
            return Some(items.to_vec());
        }
        let inner = l.as_str()?.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
        return dicts.get(inner).and_then(Node::as_seq).map(<[Node]>::to_vec);
    }
    None
}

/// Literal items of the task's loop, if it has one.
fn loop_items(task: &Node, dicts: &HashMap<String, Node>) -> Vec<LoopItem> {
    let scalar_fields = |n: &Node| -> Vec<(String, String)> {
        n.as_map()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    };
    for key in ["loop", "with_items", "with_list"] {
        if let Some(items) = task.get(key).and_then(Node::as_seq) {
            return items
                .iter()
                .map(|i| LoopItem {
                    span: i.span,
                    value: i.as_str().map(str::to_string),
                    fields: scalar_fields(i),
                })
                .collect();
        }
    }
    // `with_dict: {k: v}` / `with_dict: "{{ d }}"` / `loop: "{{ d | dict2items }}"`
    // give items with `key` and `value`.
    let dict = dict_loop_node(task, dicts);
    if let Some(entries) = dict.and_then(Node::as_map) {
        return entries
            .iter()
            .filter_map(|(k, v)| {
                Some(LoopItem {
                    span: k.span.cover(v.span),
                    value: None,
                    fields: vec![
                        ("key".into(), k.as_str()?.to_string()),
                        ("value".into(), v.as_str()?.to_string()),
                    ],
                })
            })
            .collect();
    }
    Vec::new()
}

/// The mapping a task's loop iterates as `item.key`/`item.value`, when it is
/// written in this file: a literal `with_dict:` mapping, or the variable of
/// [`dict_loop_var`] among the play's `vars:`.
fn dict_loop_node<'n>(task: &'n Node, dicts: &'n HashMap<String, Node>) -> Option<&'n Node> {
    if let Some(d) = task.get("with_dict").filter(|d| d.as_map().is_some()) {
        return Some(d);
    }
    dicts.get(&dict_loop_var(task)?)
}

/// The variable whose entries a task's loop yields as `item.key`/`item.value`:
/// `with_dict: "{{ d }}"`, `loop: "{{ d | dict2items }}"`, `loop: "{{
/// lookup('dict', d) }}"` (or `query`). A `default(…)` filter may follow the
/// name; any other filter (`selectattr`, `combine`, …) changes which entries
/// are written, and the loop is not taken as iterating the variable.
fn dict_loop_var(task: &Node) -> Option<String> {
    let expr = |key: &str| -> Option<&str> {
        let text = task.get(key)?.as_str()?.trim();
        Some(text.strip_prefix("{{")?.strip_suffix("}}")?.trim())
    };
    let ident = |s: &str| {
        let s = s.trim();
        (s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| s.to_string())
    };
    // `NAME | f | g`, with each filter one of `allowed`; `dict2items` required
    // when `needs_dict2items`.
    let filtered = |expr: &str, needs_dict2items: bool| -> Option<String> {
        let mut parts = expr.split('|');
        let name = ident(parts.next()?)?;
        let mut dict2items = false;
        for filter in parts {
            let filter = filter.trim();
            if filter == "dict2items" && needs_dict2items && !dict2items {
                dict2items = true;
            } else if !(filter.starts_with("default(") || filter.starts_with("d(")) || !filter.ends_with(')') {
                return None;
            }
        }
        (dict2items == needs_dict2items).then_some(name)
    };
    // `lookup('dict', NAME)` / `query("dict", NAME)`.
    let lookup = |expr: &str| -> Option<String> {
        let args = ["lookup(", "query(", "q("]
            .iter()
            .find_map(|p| expr.strip_prefix(p))?
            .strip_suffix(')')?;
        let (kind, name) = args.split_once(',')?;
        matches!(kind.trim(), "'dict'" | "\"dict\"").then_some(())?;
        ident(name)
    };
    if let Some(e) = expr("with_dict") {
        return filtered(e, false);
    }
    let e = expr("loop")?;
    lookup(e).or_else(|| filtered(e, true))
}

/// `{{ item.F }}`, `{{ item['F'] }}` or `{{ item["F"] }}` alone → `F`.
fn item_field_alone(text: &str) -> Option<&str> {
    let expr = text.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let field = expr
        .strip_prefix("item.")
        .or_else(|| expr.strip_prefix("item['")?.strip_suffix("']"))
        .or_else(|| expr.strip_prefix("item[\"")?.strip_suffix("\"]"))?;
    field
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then_some(field)
}

/// A task that writes each entry of the mapping its loop iterates into the
/// args file the entry's key names: a `blockinfile` `block`, `lineinfile`
/// `line`, `copy` `content` or `replace` `replace` of `{{ item.value }}` into
/// `…/args/{{ item.key }}`. Its module and destination as written.
pub fn dict_entry_writer(task: &AnsibleTask) -> Option<(&'static str, &str)> {
    let writer = crate::ansible_modules::writer(&task.module)?;
    let (via, content) = (writer.module.as_str(), &writer.content);
    if content.is_empty() {
        return None;
    }
    if task.arg("state").and_then(|a| a.text()) == Some("absent") {
        return None;
    }
    let dest = task.dest_arg()?.text()?;
    let name = crate::microk8s::templated_args_file(dest)?;
    (item_field_alone(name)? == "key").then_some(())?;
    let value = content.iter().find_map(|n| task.arg(n))?.value.as_deref()?;
    (item_field_alone(value)? == "value").then_some((via, dest))
}

/// What a [`dict_entry_writer`] writes of `dict` (a mapping in `host`): one edit
/// per entry whose key names a daemon with an args file, its flags where the
/// value is written (exactly, when the scalar maps byte for byte; else at the
/// whole value). Keys that name no daemon, and values that are not text, give
/// nothing. `task`, `conditional` and `written_by` are the caller's.
pub fn dict_entry_edits(
    host: &str,
    dict: &Node,
    dest: &str,
    via: &'static str,
) -> Vec<crate::facts::ArgsFileEdit> {
    let Some(entries) = dict.as_map() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        let (Some(key), Some(value)) = (k.as_str(), v.as_str()) else {
            continue;
        };
        let item = LoopItem {
            span: k.span.cover(v.span),
            value: None,
            fields: vec![("key".into(), key.to_string())],
        };
        let Some(target) = item.expand(dest) else { continue };
        let Some(component) = args_file_component(&target) else { continue };
        let (flags, comments) = match yaml::scalar_region(host, v) {
            Some(region) => super::argsfile::literal_flag_words(
                component,
                &yaml::region_text(host, v, region),
                region.start,
                true,
                v.span,
            ),
            None => super::argsfile::literal_flag_words(component, value, 0, false, v.span),
        };
        out.push(crate::facts::ArgsFileEdit {
            component,
            target,
            via,
            flags,
            comments,
            task: None,
            conditional: false,
            written_by: None,
        });
    }
    out
}


/// `ansible.builtin.blockinfile` / `ansible.legacy.blockinfile` → `blockinfile`.
fn normalise(module: &str) -> String {
    module
        .strip_prefix("ansible.builtin.")
        .or_else(|| module.strip_prefix("ansible.legacy."))
        .unwrap_or(module)
        .to_string()
}

/// Byte ranges of white-space separated words, quotes respected.
pub fn split_words(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => {
                quote = Some(c);
                start.get_or_insert(i);
            }
            (None, c) if c.is_whitespace() => {
                if let Some(s) = start.take() {
                    out.push((s, i));
                }
            }
            (None, _) => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// The args files a task's destination names: itself, or each loop item's
/// expansion of it.
fn args_targets(task: &AnsibleTask) -> Vec<ArgsFileTarget> {
    let Some(dest) = task.dest_arg().and_then(|d| d.text()) else {
        return Vec::new();
    };
    if dest.contains("item") && !task.loop_items.is_empty() {
        return task
            .loop_items
            .iter()
            .filter_map(|item| {
                let path = item.expand(dest)?;
                let component = args_file_component(&path)?;
                Some(ArgsFileTarget { path, component, item: Some(item.span) })
            })
            .collect();
    }
    args_file_component(dest)
        .map(|component| vec![ArgsFileTarget { path: dest.to_string(), component, item: None }])
        .unwrap_or_default()
}

/// Where Ansible finds the `src` of a `template` (`templates/`) or `copy`
/// (`files/`) task written in `task_file`: the role's directory of that kind,
/// then next to the tasks file and in its parent (playbook-relative).
pub fn find_source(task_file: &Path, kind: &str, src: &str) -> Option<std::path::PathBuf> {
    let src_path = Path::new(src);
    if src_path.is_absolute() {
        return None;
    }
    let dir = task_file.parent()?;
    let mut candidates = Vec::new();
    // roles/<role>/tasks/…/main.yml → roles/<role>/templates/<src>
    for ancestor in dir.ancestors().take(4) {
        if ancestor.file_name().is_some_and(|n| n == "tasks" || n == "handlers") {
            if let Some(role) = ancestor.parent() {
                candidates.push(role.join(kind).join(src_path));
                candidates.push(role.join(src_path));
            }
            break;
        }
    }
    candidates.push(dir.join(kind).join(src_path));
    candidates.push(dir.join(src_path));
    candidates.into_iter().find(|c| c.is_file())
}

/// The destination argument of a file-editing task, by its aliases: the
/// first with a text value.
fn dest_index(args: &[TaskArg]) -> Option<usize> {
    PATH_ALIASES
        .iter()
        .find_map(|alias| args.iter().position(|a| a.name == *alias && a.text().is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A task file whose tasks only write files with the modules of
    /// `lints/args_writers.json` (short names) is read as a task file.
    #[test]
    fn every_args_writer_is_a_known_module() {
        for w in crate::ansible_modules::writers() {
            assert!(KNOWN_MODULES.contains(&w.module.as_str()), "{}", w.module);
        }
    }

    fn first_task(text: &str) -> AnsibleTask {
        let mut facts = FileFacts::default();
        analyze(text, Path::new("tasks.yml"), &jinja::Vars::default(), &mut facts);
        facts.tasks.into_iter().next().expect("a task")
    }

    #[test]
    fn variables_a_loop_iterates_as_a_dict() {
        let var = |loop_: &str| {
            first_task(&format!("- debug: msg=x\n  {loop_}\n")).loop_dict
        };
        for (written, name) in [
            (r#"loop: "{{ args | dict2items }}""#, Some("args")),
            (r#"loop: "{{ args | default({}) | dict2items }}""#, Some("args")),
            (r#"loop: "{{args|dict2items}}""#, Some("args")),
            (r#"with_dict: "{{ args }}""#, Some("args")),
            (r#"with_dict: "{{ args | d({}) }}""#, Some("args")),
            (r#"loop: "{{ lookup('dict', args) }}""#, Some("args")),
            (r#"loop: "{{ query(\"dict\", args) }}""#, Some("args")),
            // A list, or entries chosen by another filter: not the variable's entries.
            (r#"loop: "{{ args }}""#, None),
            (r#"loop: "{{ args | dict2items | selectattr('key', 'ne', 'x') }}""#, None),
            (r#"with_dict: "{{ args | combine(more) }}""#, None),
            (r#"loop: "{{ roles.args | dict2items }}""#, None),
            (r#"with_items: "{{ args | dict2items }}""#, None),
        ] {
            assert_eq!(var(written).as_deref(), name, "{written}");
        }
    }

    #[test]
    fn tasks_that_write_entries_into_the_args_file_of_their_key() {
        let writer = |text: &str| {
            let task = first_task(text);
            dict_entry_writer(&task).map(|(via, dest)| (via, dest.to_string()))
        };
        let loop_ = "  loop: \"{{ a | dict2items }}\"\n";
        assert_eq!(
            writer(&format!("- blockinfile:\n    path: /var/snap/microk8s/current/args/{{{{ item.key }}}}\n    block: \"{{{{ item.value }}}}\"\n{loop_}")),
            Some(("blockinfile", "/var/snap/microk8s/current/args/{{ item.key }}".into()))
        );
        assert_eq!(
            writer(&format!("- ansible.builtin.lineinfile:\n    path: \"{{{{ snap_data }}}}/args/{{{{ item['key'] }}}}\"\n    line: \"{{{{ item.value }}}}\"\n{loop_}")),
            Some(("lineinfile", "{{ snap_data }}/args/{{ item['key'] }}".into()))
        );
        // Other files, other content, removal: not written so.
        for text in [
            "- blockinfile:\n    path: /etc/app/{{ item.key }}\n    block: \"{{ item.value }}\"\n",
            "- blockinfile:\n    path: /var/snap/microk8s/current/args/{{ item.key }}\n    block: \"{{ item.value | join('\\n') }}\"\n",
            "- lineinfile:\n    path: /var/snap/microk8s/current/args/{{ item.key }}\n    line: \"{{ item.value }}\"\n    state: absent\n",
            "- template:\n    src: x.j2\n    dest: /var/snap/microk8s/current/args/{{ item.key }}\n",
        ] {
            assert_eq!(writer(&format!("{text}{loop_}")), None, "{text}");
        }
    }

    /// A project on disk, removed when dropped, with the tasks of its files
    /// that write a mapping's entries into args files.
    struct Project(std::path::PathBuf, HashMap<String, Vec<ArgsDictLoop>>);

    impl Project {
        fn new(name: &str, files: &[(&str, &str)]) -> Project {
            let root = std::env::temp_dir().join(format!("opslint-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&root);
            let mut loops: HashMap<String, Vec<ArgsDictLoop>> = HashMap::new();
            for (path, text) in files {
                for (name, found) in args_dict_loops(&root.join(path), text, path) {
                    loops.entry(name).or_default().push(found);
                }
                let path = root.join(path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, text).unwrap();
            }
            for found in loops.values_mut() {
                found.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            }
            Project(root, loops)
        }

        fn edits(&self, path: &str) -> Vec<crate::facts::ArgsFileEdit> {
            let path = self.0.join(path);
            let text = std::fs::read_to_string(&path).unwrap();
            let mut facts = FileFacts::default();
            analyze_in(&text, &path, Some(self), &jinja::Vars::default(), &mut facts);
            facts.args_edits
        }
    }

    impl crate::lang::ProjectFacts for Project {
        fn root(&self) -> &Path {
            &self.0
        }

        fn args_dict_loops(&self) -> &HashMap<String, Vec<ArgsDictLoop>> {
            &self.1
        }
    }

    impl Drop for Project {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const ROLE_TASKS: &str = "- name: args\n  loop: \"{{ extra | dict2items }}\"\n  blockinfile:\n    path: /var/snap/microk8s/current/args/{{ item.key }}\n    block: \"{{ item.value }}\"\n";

    #[test]
    fn entries_of_a_variable_looped_over_elsewhere_are_edits_where_written() {
        let defaults = "extra:\n  k8s-dqlite: |\n    --a=1\n    --b={{ v }} --{{ n }}=2\n  notes: --c=3\nother:\n  kubelet: --d=4\n";
        let project = Project::new(
            "dictloop-defaults",
            &[("roles/r/tasks/main.yml", ROLE_TASKS), ("roles/r/defaults/main.yml", defaults)],
        );
        let edits = project.edits("roles/r/defaults/main.yml");
        assert_eq!(edits.len(), 1);
        let edit = &edits[0];
        assert_eq!(edit.component, "k8s-dqlite");
        assert_eq!(edit.target, "/var/snap/microk8s/current/args/k8s-dqlite");
        assert_eq!(edit.via, "blockinfile");
        assert_eq!(edit.task, None);
        assert_eq!(
            edit.written_by.as_deref(),
            Some("written into `/var/snap/microk8s/current/args/k8s-dqlite` by the `blockinfile` task at roles/r/tasks/main.yml:1, which loops over `extra`")
        );
        // Literal flags only, at their exact place; a templated value as written.
        let flags: Vec<(&str, &str)> = edit
            .flags
            .iter()
            .map(|f| (f.name.as_str(), &defaults[f.span.start..f.span.end]))
            .collect();
        assert_eq!(flags, [("a", "--a=1"), ("b", "--b={{ v }}")]);
        assert_eq!(edit.flags[1].value.as_ref().unwrap().0, "{{ v }}");
        // The task file itself has no entries to judge.
        assert!(project.edits("roles/r/tasks/main.yml").is_empty());
    }

    #[test]
    fn a_mapping_looped_over_in_its_own_play_is_judged_once() {
        let playbook = "- hosts: all\n  vars:\n    extra:\n      k8s-dqlite: \"--a=1\"\n  tasks:\n    - name: args\n      loop: \"{{ extra | dict2items }}\"\n      blockinfile:\n        path: /var/snap/microk8s/current/args/{{ item.key }}\n        block: \"{{ item.value }}\"\n- hosts: all\n  roles:\n    - role: r\n      vars:\n        extra:\n          containerd: --e=5\n";
        let project = Project::new(
            "dictloop-play",
            &[("roles/r/tasks/main.yml", ROLE_TASKS), ("site.yml", playbook)],
        );
        let edits = project.edits("site.yml");
        let summary: Vec<(&str, bool, &str)> = edits
            .iter()
            .map(|e| (e.component, e.task.is_some(), &playbook[e.flags[0].span.start..e.flags[0].span.end]))
            .collect();
        assert_eq!(summary, [("k8s-dqlite", true, "--a=1"), ("containerd", false, "--e=5")]);
        // The role's own task writes its variables (not the first play's).
        assert_eq!(
            edits[1].written_by.as_deref(),
            Some("written into `/var/snap/microk8s/current/args/containerd` by the `blockinfile` task at roles/r/tasks/main.yml:1, which loops over `extra`")
        );
    }
}
