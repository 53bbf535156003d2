//! Context shared by every file of a run: the project's root and the template
//! variables its Ansible tree defines (role `defaults/` and `vars/`,
//! `group_vars/`, `host_vars/`). Loaded from the whole project even when only a
//! few files are checked (a pre-commit run), so `{{ kubectl }}` in a changed task
//! file still resolves.

use crate::config::Config;
use crate::lang::jinja::Vars;
use crate::lang::yaml;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::fsread::MAX_CONTEXT_SIZE;

/// The directory that holds the project: the configuration file's, else the
/// repository root above the first path, else that path's directory.
pub fn root(paths: &[PathBuf], config: &Config) -> PathBuf {
    if config.path().is_some() {
        return config.root().to_path_buf();
    }
    let first = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let start = std::fs::canonicalize(&first).unwrap_or(first);
    let start = if start.is_dir() {
        start
    } else {
        start.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
        .unwrap_or(start)
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

/// Every file of the project (git's tracked files in a git work tree, else a
/// walk with `.gitignore` respected and hidden entries skipped), listed once
/// per process and root: the variables and the index share it.
fn files_of(root: &Path) -> std::sync::Arc<Vec<PathBuf>> {
    use std::sync::{Arc, Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Arc<Vec<PathBuf>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().ok().and_then(|c| c.get(root).cloned()) {
        return found;
    }
    let files = git_files(root).unwrap_or_else(|| walk_files(root));
    let files = Arc::new(files);
    if let Ok(mut c) = cache.lock() {
        c.entry(root.to_path_buf()).or_insert_with(|| files.clone());
    }
    files
}

/// The files git tracks (staged ones included), when `root` is a git work tree:
/// reading git's index costs milliseconds where walking a large tree costs a
/// hundred (a pre-commit run over a few files must not pay for the walk).
/// Untracked files are not context. The index is parsed, git is never run.
fn git_files(root: &Path) -> Option<Vec<PathBuf>> {
    crate::gitindex::tracked_files(root)
}

fn walk_files(root: &Path) -> Vec<PathBuf> {
    use std::sync::Mutex;
    let found = Mutex::new(Vec::new());
    ignore::WalkBuilder::new(root)
        .hidden(true)
        .require_git(false)
        .build_parallel()
        .run(|| {
            let found = &found;
            Box::new(move |entry| {
                if let Ok(e) = entry
                    && e.file_type().is_some_and(|t| t.is_file())
                    && let Ok(mut f) = found.lock()
                {
                    f.push(e.into_path());
                }
                ignore::WalkState::Continue
            })
        });
    let mut files = found.into_inner().unwrap_or_default();
    // The parallel walk's order varies; everything downstream is sorted.
    files.sort();
    files
}

/// Top-level string variables of every variables file under `root`. A name
/// defined with different values in different places is left out: it is not
/// known which one applies.
pub fn collect_vars(root: &Path) -> Vars {
    let files: Vec<PathBuf> = files_of(root)
        .iter()
        .filter(|p| is_vars_file(p))
        .cloned()
        .collect();
    let found: Vec<Vec<(String, String)>> = files
        .par_iter()
        .map(|path| {
            let Some(text) = read_context(root, path) else {
                return Vec::new();
            };
            let Ok(docs) = yaml::load(&text) else {
                return Vec::new();
            };
            docs.iter()
                .filter_map(yaml::Node::as_map)
                .flatten()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
                .collect()
        })
        .collect();
    let mut vars: HashMap<String, String> = HashMap::new();
    let mut ambiguous = HashSet::new();
    for (name, value) in found.into_iter().flatten() {
        match vars.get(&name) {
            Some(existing) if *existing != value => {
                ambiguous.insert(name);
            }
            _ => {
                vars.insert(name, value);
            }
        }
    }
    for name in ambiguous {
        vars.remove(&name);
    }
    vars
}

/// What rules about one file need to know of the rest of the repository.
/// Each part is built on first use, once per root, from the project's file
/// list: a pre-commit run over a few shell scripts reads only the NRPE
/// configuration, not every YAML file.
///
/// Parts are built sequentially: they are first asked for from rayon's
/// workers, and a parallel loop inside `OnceLock::get_or_init` lets the
/// initialising worker steal another file's job, which asks for the same part
/// on the same thread: a deadlock (seen as a hung run with no CPU use).
#[derive(Debug)]
pub struct ProjectIndex {
    root: PathBuf,
    files: std::sync::Arc<Vec<PathBuf>>,
    handlers: std::sync::OnceLock<HashSet<String>>,
    nrpe: std::sync::OnceLock<NrpeIndex>,
    role_restarts: std::sync::OnceLock<HashMap<String, Vec<RoleRestart>>>,
    args_dict_loops: std::sync::OnceLock<HashMap<String, Vec<ArgsDictLoop>>>,
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

/// The NRPE side of a repository.
#[derive(Debug, Default)]
pub struct NrpeIndex {
    /// Scripts run by NRPE `command[…]` lines, by file name.
    pub scripts: HashMap<String, Vec<NrpeUse>>,
    /// `command_timeout=` of an NRPE configuration (the smallest found).
    pub command_timeout: Option<Budget>,
    /// `check_nrpe -t N` in a Nagios command definition (the smallest found).
    pub check_nrpe_timeout: Option<Budget>,
    /// NRPE configurations whose checks are about MicroK8s, sorted.
    pub microk8s_cfgs: Vec<PathBuf>,
    /// Where an NRPE check of free disk on `/var/snap/microk8s` is (command
    /// line or the script it runs).
    pub disk_check: Option<PathBuf>,
    /// Where an NRPE check of k8s-dqlite's `NRestarts` is.
    pub dqlite_restarts_check: Option<PathBuf>,
}

/// A context file's text: inside `root` with links resolved, a regular file of
/// at most [`MAX_CONTEXT_SIZE`] bytes, UTF-8. Anything else is not context (a
/// file under the checked paths gets its own finding when it is checked).
fn read_context(root: &Path, path: &Path) -> Option<String> {
    crate::fsread::read_confined(root, path, MAX_CONTEXT_SIZE).ok()
}

fn has_suffix(p: &Path, suffixes: &[&str]) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    suffixes.iter().any(|s| name.ends_with(s))
}

impl ProjectIndex {
    /// Handler names and `listen:` topics anywhere in the repository (role
    /// handlers also as `role : name`).
    pub fn handlers(&self) -> &HashSet<String> {
        self.handlers.get_or_init(|| {
            let parts: Vec<HashSet<String>> = self
                .files
                .iter()
                .filter(|p| has_suffix(p, &[".yml", ".yaml"]))
                .map(|p| handlers_in(&self.root, p))
                .collect();
            parts.into_iter().flatten().collect()
        })
    }

    /// Scripts, budgets and monitoring of the NRPE configuration.
    pub fn nrpe(&self) -> &NrpeIndex {
        self.nrpe.get_or_init(|| {
            let parts: Vec<NrpeIndex> = self
                .files
                .iter()
                .filter(|p| has_suffix(p, &[".cfg", ".cfg.j2"]))
                .filter_map(|p| {
                    let text = read_context(&self.root, p)?;
                    let mut part = NrpeIndex::default();
                    index_cfg(p, &text, &mut part);
                    Some(part)
                })
                .collect();
            let mut out = NrpeIndex::default();
            for part in parts {
                for (k, v) in part.scripts {
                    out.scripts.entry(k).or_default().extend(v);
                }
                if let Some(b) = part.command_timeout {
                    out.command_timeout = Budget::min(out.command_timeout, b);
                }
                if let Some(b) = part.check_nrpe_timeout {
                    out.check_nrpe_timeout = Budget::min(out.check_nrpe_timeout, b);
                }
                out.microk8s_cfgs.extend(part.microk8s_cfgs);
                out.disk_check = out.disk_check.or(part.disk_check);
                out.dqlite_restarts_check = out.dqlite_restarts_check.or(part.dqlite_restarts_check);
            }
            out.microk8s_cfgs.sort();
            for uses in out.scripts.values_mut() {
                uses.sort_by(|a, b| (&a.cfg, a.line).cmp(&(&b.cfg, b.line)));
            }
            // The scripts NRPE runs: what they watch.
            if out.disk_check.is_none() || out.dqlite_restarts_check.is_none() {
                for script in self.files.iter().filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| out.scripts.contains_key(n))
                }) {
                    let Some(text) = read_context(&self.root, script) else { continue };
                    let (disk, restarts) = watches(&text);
                    if disk && out.disk_check.is_none() {
                        out.disk_check = Some(script.clone());
                    }
                    if restarts && out.dqlite_restarts_check.is_none() {
                        out.dqlite_restarts_check = Some(script.clone());
                    }
                }
            }
            out
        })
    }

    /// Tasks and handlers of each role (by role name) that restart, stop or
    /// start a MicroK8s service without `throttle: 1` or `run_once`: the
    /// Ansible front-end over the role files that can hold one.
    pub fn role_restarts(&self) -> &HashMap<String, Vec<RoleRestart>> {
        self.role_restarts.get_or_init(|| {
            let parts: Vec<(String, Vec<RoleRestart>)> = self
                .files
                .iter()
                .filter(|p| has_suffix(p, &[".yml", ".yaml"]) && role_of(p).is_some())
                .filter_map(|path| {
                    let text = read_context(&self.root, path)?;
                    if !may_restart(&text) {
                        return None;
                    }
                    role_restarts_in(&self.root, path, &text)
                })
                .collect();
            let mut out: HashMap<String, Vec<RoleRestart>> = HashMap::new();
            for (role, found) in parts {
                out.entry(role).or_default().extend(found);
            }
            for restarts in out.values_mut() {
                restarts.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            }
            out
        })
    }
}

impl ProjectIndex {
    /// The mapping variables whose entries a task writes into MicroK8s args
    /// files, by variable name, with the tasks that do (sorted by file and
    /// line): the Ansible front-end over the YAML files that mention `args/`.
    pub fn args_dict_loops(&self) -> &HashMap<String, Vec<ArgsDictLoop>> {
        self.args_dict_loops.get_or_init(|| {
            let mut out: HashMap<String, Vec<ArgsDictLoop>> = HashMap::new();
            for path in self.files.iter().filter(|p| has_suffix(p, &[".yml", ".yaml"])) {
                let Some(text) = read_context(&self.root, path) else { continue };
                if !text.contains("args/") || !text.contains("item") {
                    continue;
                }
                let shown = path
                    .strip_prefix(&self.root)
                    .unwrap_or(path)
                    .to_string_lossy()
                    .trim_start_matches("./")
                    .to_string();
                for (name, found) in args_dict_loops_in(path, &text, &shown) {
                    out.entry(name).or_default().push(found);
                }
            }
            for found in out.values_mut() {
                found.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            }
            out
        })
    }
}

/// The tasks of one file that write a mapping variable's entries into args
/// files. No root is given to the front-end: it reads no other file and does
/// not consult the index being built.
fn args_dict_loops_in(path: &Path, text: &str, shown: &str) -> Vec<(String, ArgsDictLoop)> {
    let mut facts = crate::facts::FileFacts::default();
    crate::lang::ansible::analyze(text, path, &Vars::default(), &mut facts);
    let lines = crate::source::LineIndex::new(text);
    facts
        .tasks
        .iter()
        .filter_map(|task| {
            let name = task.loop_dict.clone()?;
            let (module, dest) = crate::lang::ansible::dict_entry_writer(task)?;
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

/// What an NRPE check's text shows it watches.
fn watches(text: &str) -> (bool, bool) {
    let disk = text.contains("/var/snap/microk8s")
        && (text.contains("check_disk") || text.contains("df ") || text.contains("df\t") || text.contains("stat -f"));
    let restarts = text.contains("NRestarts") && text.contains("k8s-dqlite");
    (disk, restarts)
}

/// A restart inside a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRestart {
    pub service: &'static str,
    pub action: &'static str,
    pub file: PathBuf,
    pub line: usize,
    pub in_handlers: bool,
}

/// One `command[NAME]=…` line that runs a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NrpeUse {
    pub command: String,
    pub cfg: PathBuf,
    pub line: usize,
}

/// A time limit and where it is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub seconds: u64,
    pub file: PathBuf,
    pub line: usize,
}

impl Budget {
    fn min(a: Option<Budget>, b: Budget) -> Option<Budget> {
        match a {
            Some(a) if a.seconds <= b.seconds => Some(a),
            _ => Some(b),
        }
    }
}

/// The index of the repository at `root` (one per process and root).
pub fn index(root: &Path) -> std::sync::Arc<ProjectIndex> {
    use std::sync::{Arc, Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Arc<ProjectIndex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().ok().and_then(|c| c.get(root).cloned()) {
        return found;
    }
    let built = Arc::new(ProjectIndex {
        root: root.to_path_buf(),
        files: files_of(root),
        handlers: Default::default(),
        nrpe: Default::default(),
        role_restarts: Default::default(),
        args_dict_loops: Default::default(),
    });
    match cache.lock() {
        Ok(mut c) => c.entry(root.to_path_buf()).or_insert(built).clone(),
        Err(_) => built,
    }
}

fn handler_names(tasks: &[yaml::Node], role: Option<&str>, out: &mut HashSet<String>) {
    for t in tasks {
        if let Some(inner) = t.get("block").and_then(yaml::Node::as_seq) {
            handler_names(inner, role, out);
        }
        if let Some(name) = t.get("name").and_then(yaml::Node::as_str) {
            out.insert(name.to_string());
            if let Some(role) = role {
                out.insert(format!("{role} : {name}"));
            }
        }
        if let Some(l) = t.get("listen") {
            match l.as_seq() {
                Some(items) => out.extend(items.iter().filter_map(|i| i.as_str().map(str::to_string))),
                None => out.extend(l.as_str().map(str::to_string)),
            }
        }
    }
}

/// The handler names and topics of the role at `role_dir` (its `handlers/`
/// files), read directly.
pub fn role_handlers(root: &Path, role_dir: &Path) -> HashSet<String> {
    let Ok(entries) = std::fs::read_dir(role_dir.join("handlers")) else {
        return HashSet::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| has_suffix(p, &[".yml", ".yaml"]))
        .collect();
    files.sort();
    files.iter().flat_map(|p| handlers_in(root, p)).collect()
}

/// Handlers defined in one YAML file: a role's `handlers/` file, or the
/// `handlers:` of a playbook's plays.
fn handlers_in(root: &Path, path: &Path) -> HashSet<String> {
    let mut out = HashSet::new();
    let Some(text) = read_context(root, path) else {
        return out;
    };
    let in_handlers = path.parent().is_some_and(|p| p.iter().any(|c| c == "handlers"));
    if !in_handlers && !text.contains("handlers") {
        return out;
    }
    let Ok(docs) = yaml::load(&text) else {
        return out;
    };
    for doc in &docs {
        let Some(items) = doc.as_seq() else { continue };
        if in_handlers {
            // roles/<role>/handlers/main.yml
            let role = path
                .ancestors()
                .find(|a| a.file_name().is_some_and(|n| n == "handlers"))
                .and_then(Path::parent)
                .and_then(Path::file_name)
                .and_then(|n| n.to_str());
            handler_names(items, role, &mut out);
        } else {
            for play in items {
                if let Some(h) = play.get("handlers").and_then(yaml::Node::as_seq) {
                    handler_names(h, None, &mut out);
                }
            }
        }
    }
    out
}

/// The role a `roles/<role>/{tasks,handlers}/…` file belongs to.
fn role_of(path: &Path) -> Option<String> {
    let parts: Vec<&str> = path.iter().filter_map(|p| p.to_str()).collect();
    parts
        .windows(3)
        .find(|w| w[0] == "roles" && matches!(w[2], "tasks" | "handlers"))
        .map(|w| w[1].to_string())
}

/// Whether a file's text can hold a MicroK8s restart at all (a cheap filter
/// before the Ansible front-end runs on it).
fn may_restart(text: &str) -> bool {
    text.contains("microk8s")
        && ["restart", "stop", "start", "reload"]
            .iter()
            .any(|w| text.contains(w))
}

/// A role file's MicroK8s restarts.
fn role_restarts_in(root: &Path, path: &Path, text: &str) -> Option<(String, Vec<RoleRestart>)> {
    let role = role_of(path)?;
    let mut facts = crate::facts::FileFacts::default();
    crate::lang::ansible::analyze_in(text, path, Some(root), &Vars::default(), &mut facts);
    let lines = crate::source::LineIndex::new(text);
    let found: Vec<RoleRestart> = facts
        .tasks
        .iter()
        .filter(|t| t.throttle.as_deref() != Some("1") && !t.run_once)
        .filter_map(|task| {
            let r = crate::microk8s::restart_of(task)?;
            Some(RoleRestart {
                service: r.service,
                action: r.action,
                file: path.to_path_buf(),
                line: lines.line_of(task.span.start.min(text.len())) + 1,
                in_handlers: task.in_handlers,
            })
        })
        .collect();
    Some((role, found))
}

/// `command[…]` lines and `command_timeout=` (NRPE), `check_nrpe … -t N`
/// (Nagios command definitions).
fn index_cfg(path: &Path, text: &str, out: &mut NrpeIndex) {
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let body = line.trim();
        if body.starts_with('#') {
            continue;
        }
        let budget = |seconds| Budget {
            seconds,
            file: path.to_path_buf(),
            line: line_no,
        };
        if let Some(v) = body.strip_prefix("command_timeout=")
            && let Ok(seconds) = v.trim().parse::<u64>()
        {
            out.command_timeout = Budget::min(out.command_timeout.take(), budget(seconds));
        }
        if body.contains("check_nrpe")
            && let Some(seconds) = check_nrpe_timeout(body)
        {
            out.check_nrpe_timeout = Budget::min(out.check_nrpe_timeout.take(), budget(seconds));
        }
    }
    let commands = crate::lang::nrpe::commands(text);
    if commands
        .iter()
        .any(|c| text[c.line.start..c.line.end].contains("microk8s") || c.name.contains("microk8s"))
    {
        out.microk8s_cfgs.push(path.to_path_buf());
    }
    for command in &commands {
        let (disk, restarts) = watches(&text[command.line.start..command.line.end]);
        if disk && out.disk_check.is_none() {
            out.disk_check = Some(path.to_path_buf());
        }
        if restarts && out.dqlite_restarts_check.is_none() {
            out.dqlite_restarts_check = Some(path.to_path_buf());
        }
    }
    let lines = crate::source::LineIndex::new(text);
    for command in commands {
        let cmdline = &text[command.line.start..command.line.end];
        for word in cmdline.split_whitespace() {
            let word = word.trim_matches(['"', '\'']);
            if !word.contains('/') && !word.ends_with(".sh") {
                continue;
            }
            let base = word.rsplit('/').next().unwrap_or(word);
            if base.is_empty() || matches!(base, "sudo" | "timeout" | "bash" | "sh" | "env") {
                continue;
            }
            let line = lines.line_of(command.line.start) + 1;
            out.scripts.entry(base.to_string()).or_default().push(NrpeUse {
                command: command.name.clone(),
                cfg: path.to_path_buf(),
                line,
            });
        }
    }
}

/// The `-t`/`--timeout` of a `check_nrpe` call (`-t 30`, `-t30`, `-t 30:UNKNOWN`,
/// `--timeout=30`).
pub fn check_nrpe_timeout(line: &str) -> Option<u64> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| w.ends_with("check_nrpe"))?;
    let mut i = at + 1;
    while i < words.len() {
        let w = words[i];
        let value = if w == "-t" || w == "--timeout" {
            words.get(i + 1).copied()
        } else if let Some(v) = w.strip_prefix("--timeout=") {
            Some(v)
        } else if let Some(v) = w.strip_prefix("-t") {
            (!v.is_empty() && v.as_bytes()[0].is_ascii_digit()).then_some(v)
        } else {
            None
        };
        if let Some(v) = value {
            return v.split(':').next()?.parse().ok();
        }
        i += 1;
    }
    None
}
