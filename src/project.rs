//! Context shared by every file of a run: the project's root, the template
//! variables its Ansible tree defines (role `defaults/` and `vars/`,
//! `group_vars/`, `host_vars/`) and the [`ProjectIndex`] of what rules need of
//! its other files. Loaded from the whole project even when only a few files
//! are checked (a pre-commit run), so `{{ kubectl }}` in a changed task file
//! still resolves.
//!
//! The index is a value: the linter holds the one of its root and hands it to
//! the front-ends and rules; a long-lived process (the language server) builds
//! a new one when the project changes.

use crate::lang::ansible::{ArgsDictLoop, is_vars_file};
use crate::lang::jinja::Vars;
use crate::lang::yaml;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::fsread::MAX_CONTEXT_SIZE;

pub mod inventory;
mod roles;
pub use roles::{LookupStart, Reached, TaskFileInfo};

/// The directory that holds the project: `config_root` (the directory of the
/// configuration file in use), else the repository root above the first path,
/// else that path's directory.
pub fn root(paths: &[PathBuf], config_root: Option<&Path>) -> PathBuf {
    if let Some(root) = config_root {
        return root.to_path_buf();
    }
    let first = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    // As written, not resolved: a linked first path (`roles -> /elsewhere`)
    // does not move the project's root out of the tree it is in.
    let start = crate::fsread::lexical_absolute(&first);
    let start = if start.is_dir() {
        start
    } else {
        start.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    crate::fsread::search_ancestors(&start)
        .into_iter()
        .find(|dir| dir.join(".git").exists())
        .unwrap_or(start)
}

/// The files of a git work tree: the ones git tracks (staged ones included)
/// and the ones not yet added that `.gitignore` does not exclude (a role or a
/// handler written but not yet `git add`-ed is context all the same). Reading
/// git's index costs milliseconds where walking a large tree costs a hundred
/// (a pre-commit run over a few files must not pay for the walk): only the
/// directories that hold tracked files are listed, one level each, and a
/// name the index does not know is all that costs more (its `.gitignore`
/// lines are matched, an untracked directory is walked). The index is
/// parsed, git is never run.
///
/// Under pre-commit (`PRE_COMMIT=1`, which it sets for every hook) the
/// context is what is being committed: the index alone. An untracked handler
/// would make the hook pass for a commit that lacks it, and listing every
/// directory of a large repository would be most of the hook's time.
fn git_files(root: &Path) -> Option<Vec<PathBuf>> {
    let tracked = crate::gitindex::tracked_files(root)?;
    if std::env::var_os("PRE_COMMIT").is_some_and(|v| v == "1") {
        return Some(tracked);
    }
    let untracked = untracked_files(root, &tracked);
    if untracked.is_empty() {
        return Some(tracked);
    }
    let mut files = tracked;
    files.extend(untracked);
    files.sort();
    files.dedup();
    Some(files)
}

/// The files under `root` that are not in `tracked` (sorted, joined to
/// `root`) and not ignored, hidden entries skipped as in [`walk_files`].
fn untracked_files(root: &Path, tracked: &[PathBuf]) -> Vec<PathBuf> {
    let known: HashSet<&Path> = tracked.iter().map(PathBuf::as_path).collect();
    // Every directory that holds a tracked file, the root included.
    let mut dirs: HashSet<&Path> = HashSet::new();
    dirs.insert(root);
    for file in tracked {
        for dir in file.ancestors().skip(1) {
            if !dir.starts_with(root) || !dirs.insert(dir) {
                break;
            }
        }
    }
    let mut listed: Vec<&Path> = dirs.iter().copied().collect();
    listed.sort();
    // git never tracks a file under a linked directory: an index that says
    // otherwise (`link/x` with `link -> /`) must not make this list `/`. A
    // directory is listed only when it and every directory between it and
    // the root are real directories (parents sort before their children).
    let mut linked: HashSet<&Path> = HashSet::new();
    listed.retain(|dir| {
        let through_link = *dir != root
            && (dir.parent().is_some_and(|p| linked.contains(p))
                || !std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()));
        if through_link {
            linked.insert(dir);
        }
        !through_link
    });
    // Listing directories is system calls: spread over the cores on scoped
    // threads (not rayon's: this runs inside rule jobs, and a worker that
    // steals another file's job would come back here for the same root).
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(8);
    let chunk = listed.len().div_ceil(threads).max(1);
    let list = |dirs_part: &[&Path]| {
        let (mut files, mut subdirs) = (Vec::new(), Vec::new());
        for dir in dirs_part {
            let Ok(entries) = std::fs::read_dir(dir) else { continue };
            for entry in entries.flatten() {
                if entry.file_name().as_encoded_bytes().first() == Some(&b'.') {
                    continue;
                }
                let path = entry.path();
                if known.contains(path.as_path()) || dirs.contains(path.as_path()) {
                    continue;
                }
                match entry.file_type() {
                    Ok(t) if t.is_file() => files.push(path),
                    Ok(t) if t.is_dir() => subdirs.push(path),
                    _ => {}
                }
            }
        }
        (files, subdirs)
    };
    let parts: Vec<(Vec<PathBuf>, Vec<PathBuf>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = listed.chunks(chunk).map(|part| scope.spawn(move || list(part))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_default()).collect()
    });
    let (mut new_files, mut new_dirs) = (Vec::new(), Vec::new());
    for (files, subdirs) in parts {
        new_files.extend(files);
        new_dirs.extend(subdirs);
    }
    if new_files.is_empty() && new_dirs.is_empty() {
        return Vec::new();
    }
    let ignores = crate::ignorefiles::Ignores::new(root, false);
    let mut out: Vec<PathBuf> = new_files
        .into_iter()
        .filter(|p| !ignores.ignored(p, false))
        .collect();
    for dir in new_dirs.into_iter().filter(|d| !ignores.ignored(d, true)) {
        // The walk reads the new directory's own `.gitignore` files but not
        // its parents' (the `ignore` crate applies those only to a walk's
        // root): the matcher judges every file it finds.
        out.extend(walk_files_with(&dir, &ignores));
    }
    out.sort();
    out
}

fn walk_files(root: &Path) -> Vec<PathBuf> {
    walk_files_with(root, &crate::ignorefiles::Ignores::new(root, true))
}

/// The files under `dir` that `ignores` leaves (ignore files read by
/// opslint's bounded reader, never the walker's), hidden entries skipped,
/// links not followed.
fn walk_files_with(dir: &Path, ignores: &crate::ignorefiles::Ignores) -> Vec<PathBuf> {
    use std::sync::Mutex;
    let found = Mutex::new(Vec::new());
    ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .hidden(true)
        .follow_links(false)
        .build_parallel()
        .run(|| {
            let found = &found;
            Box::new(move |entry| {
                let Ok(e) = entry else { return ignore::WalkState::Continue };
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                if e.depth() > 0 && ignores.ignored(e.path(), is_dir) {
                    return ignore::WalkState::Skip;
                }
                if e.file_type().is_some_and(|t| t.is_file())
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

/// Top-level string variables of every variables file of `project`, and the
/// literal values its task files set (`set_fact`, `NAME.stdout` of a
/// registered `echo`), read anew on each call. A name defined with different
/// values in different places is left out: it is not known which one applies.
pub fn collect_vars(project: &ProjectIndex) -> Vars {
    let root = project.root();
    let files: Vec<PathBuf> = project
        .files()
        .iter()
        .filter(|p| is_vars_file(p))
        .cloned()
        .collect();
    // Task files: what their tasks set to literal values (`set_fact`, a
    // registered `echo`), for the later tasks and included files that use it.
    let task_files: Vec<PathBuf> = project
        .files()
        .iter()
        .filter(|p| has_suffix(p, &[".yml", ".yaml"]) && !is_vars_file(p))
        .cloned()
        .collect();
    let from_tasks: Vec<Vec<(String, String)>> = task_files
        .par_iter()
        .map(|path| {
            let Some(text) = read_context(root, path) else { return Vec::new() };
            if !(text.contains("set_fact") || (text.contains("register") && text.contains("echo "))) {
                return Vec::new();
            }
            crate::lang::ansible::fact_vars(path, &text)
        })
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
    for (name, value) in found.into_iter().flatten().chain(from_tasks.into_iter().flatten()) {
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
/// Making one costs nothing: each part is built on first use, once per index,
/// from the project's file list, itself listed on first use. A pre-commit run
/// over a few shell scripts reads only the NRPE configuration, not every YAML
/// file; a run whose rules ask nothing of the project does not list it.
///
/// Parts are built sequentially: they are first asked for from rayon's
/// workers, and a parallel loop inside `OnceLock::get_or_init` lets the
/// initialising worker steal another file's job, which asks for the same part
/// on the same thread: a deadlock (seen as a hung run with no CPU use).
#[derive(Debug)]
pub struct ProjectIndex {
    root: PathBuf,
    /// Every file of the project (see [`ProjectIndex::files`]).
    files: std::sync::OnceLock<Vec<PathBuf>>,
    handlers: std::sync::OnceLock<HashSet<String>>,
    nrpe: std::sync::OnceLock<NrpeIndex>,
    /// Task files read for what plays reach through roles and includes.
    task_files: std::sync::Mutex<HashMap<PathBuf, std::sync::Arc<roles::TaskFileInfo>>>,
    /// Role lookups, dependencies and what each play reaches, kept for the
    /// run: every play-level rule asks for the same plays.
    reach: roles::ReachCache,
    /// Files that run `microk8s remove-node`.
    remove_node_files: std::sync::OnceLock<Vec<PathBuf>>,
    /// Inventories by playbook directory.
    inventories: std::sync::Mutex<HashMap<PathBuf, std::sync::Arc<Inventories>>>,
    /// Mapping variables that tasks write into args files, by name.
    args_dict_loops: std::sync::OnceLock<HashMap<String, Vec<ArgsDictLoop>>>,
    /// dqlite memberships (`cluster.yaml` lists) kept in the repository.
    memberships: std::sync::OnceLock<Vec<Membership>>,
    /// Groups whose every host joins the cluster as a worker.
    worker_groups: std::sync::OnceLock<Vec<String>>,
}

/// A dqlite membership file of the repository (a backup or template of
/// `cluster.yaml`) whose every entry has a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The file, relative to the root.
    pub file: String,
    /// Entries with Role 0.
    pub voters: usize,
    /// Stand-by (1) and spare (2) entries: nodes dqlite can promote.
    pub others: usize,
}

/// The inventories that may apply to the playbooks of one directory.
#[derive(Debug, Default)]
pub struct Inventories {
    /// Each source read, with its path relative to the root.
    pub read: Vec<(String, inventory::Inventory)>,
    /// Sources that could not be read or parsed.
    pub unreadable: Vec<String>,
}

/// How many hosts a play targets, as far as the inventory tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostCount {
    Known { hosts: usize, inventory: String },
    Unknown(String),
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
    /// The index of the project at `root`; nothing is read until a part is
    /// asked for.
    pub fn new(root: impl Into<PathBuf>) -> ProjectIndex {
        ProjectIndex {
            root: root.into(),
            files: Default::default(),
            handlers: Default::default(),
            nrpe: Default::default(),
            task_files: Default::default(),
            reach: Default::default(),
            remove_node_files: Default::default(),
            inventories: Default::default(),
            args_dict_loops: Default::default(),
            memberships: Default::default(),
            worker_groups: Default::default(),
        }
    }

    /// The project's root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every file of the project (in a git work tree git's tracked files and
    /// the untracked ones it does not ignore, else a walk with `.gitignore`
    /// respected and hidden entries skipped), listed once per index: the
    /// variables and every part share it.
    pub fn files(&self) -> &[PathBuf] {
        self.files
            .get_or_init(|| git_files(&self.root).unwrap_or_else(|| walk_files(&self.root)))
    }

    /// Handler names and `listen:` topics anywhere in the repository (role
    /// handlers also as `role : name`).
    pub fn handlers(&self) -> &HashSet<String> {
        self.handlers.get_or_init(|| {
            let parts: Vec<HashSet<String>> = self
                .files()
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
                .files()
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
                for script in self.files().iter().filter(|p| {
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
}

impl ProjectIndex {
    /// The inventories for a playbook at `playbook` (read once per directory).
    pub fn inventories(&self, playbook: &Path) -> std::sync::Arc<Inventories> {
        let dir = playbook.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if let Some(found) = self.inventories.lock().ok().and_then(|c| c.get(&dir).cloned()) {
            return found;
        }
        let mut out = Inventories::default();
        // A Molecule scenario's playbooks run on the scenario's platforms.
        let molecule = dir.join("molecule.yml");
        let sources = if molecule.is_file() { Vec::new() } else { inventory::candidates(&self.root, &dir) };
        if molecule.is_file() {
            let name = molecule.strip_prefix(&self.root).unwrap_or(&molecule).display().to_string();
            match read_context(&self.root, &molecule).and_then(|t| inventory::parse_molecule(&t)) {
                Some(inv) => out.read.push((name, inv)),
                None => out.unreadable.push(name),
            }
        }
        for source in sources {
            let name = source.strip_prefix(&self.root).unwrap_or(&source).display().to_string();
            match inventory::load(&self.root, &source) {
                Some(inv) => out.read.push((name, inv)),
                None => out.unreadable.push(name),
            }
        }
        let out = std::sync::Arc::new(out);
        if let Ok(mut c) = self.inventories.lock() {
            c.entry(dir).or_insert_with(|| out.clone());
        }
        out
    }

    /// How many hosts `pattern` (a play's `hosts:`) selects in the
    /// inventories of `playbook`; unknown unless every inventory that may
    /// apply was read and they agree.
    pub fn host_count(&self, playbook: &Path, pattern: &str) -> HostCount {
        let inv = self.inventories(playbook);
        if let Some(bad) = inv.unreadable.first() {
            return HostCount::Unknown(format!("the inventory `{bad}` could not be read"));
        }
        if inv.read.is_empty() {
            return HostCount::Unknown("no inventory was found".into());
        }
        let mut counts: Vec<(usize, &str)> = Vec::new();
        for (name, i) in &inv.read {
            match i.select(pattern) {
                Some(hosts) => counts.push((hosts.len(), name)),
                None => return HostCount::Unknown(format!("`{pattern}` is not resolved by the inventory `{name}`")),
            }
        }
        let (first, name) = counts[0];
        if counts.iter().any(|(n, _)| *n != first) {
            return HostCount::Unknown(format!("the inventories give `{pattern}` different numbers of hosts"));
        }
        let inventory = if counts.len() == 1 { name.to_string() } else { format!("{name} and {} more", counts.len() - 1) };
        HostCount::Known { hosts: first, inventory }
    }
}

impl ProjectIndex {
    /// The inventory groups whose every host joins the cluster as a worker
    /// (`microk8s join … --worker`): not dqlite voters. Known only from a
    /// playbook task that runs the join, not `run_once`, not delegated, in
    /// a play without blocks (whose `when:` is not kept with the task), and
    /// either without `when:` in a play on plain group names (each is a
    /// worker group), or with the one condition `inventory_hostname in
    /// groups['G']` or `'G' in group_names` in a play on `all` or on G.
    pub fn worker_groups(&self) -> &[String] {
        self.worker_groups.get_or_init(|| {
            let mut out = Vec::new();
            for path in self.files().iter().filter(|p| has_suffix(p, &[".yml", ".yaml"])) {
                let Some(text) = read_context(&self.root, path) else { continue };
                if !text.contains("--worker") || !text.contains("join") {
                    continue;
                }
                let mut facts = crate::facts::FileFacts::default();
                crate::lang::ansible::analyze_in(&text, path, Some(self), &Vars::default(), &mut facts);
                out.extend(worker_groups_in(&text, &facts));
            }
            out.sort();
            out.dedup();
            out
        })
    }

    /// Whether every host `pattern` (a play's `hosts:`) selects joins as a
    /// worker: by the inventories of `playbook` when they are read (every one
    /// agrees, no host left out), else by the pattern's own terms when each
    /// is a worker group.
    pub fn all_workers(&self, playbook: &Path, pattern: &str) -> bool {
        let groups = self.worker_groups();
        if groups.is_empty() {
            return false;
        }
        let inv = self.inventories(playbook);
        if inv.unreadable.is_empty() && !inv.read.is_empty() {
            return inv.read.iter().all(|(_, i)| {
                let Some(selected) = i.select(pattern) else { return false };
                let workers: std::collections::BTreeSet<String> =
                    groups.iter().filter_map(|g| i.select(g)).flatten().collect();
                !selected.is_empty() && selected.iter().all(|h| workers.contains(h))
            });
        }
        let terms: Vec<&str> = pattern.split([':', ',']).map(str::trim).filter(|t| !t.is_empty()).collect();
        !terms.is_empty() && terms.iter().all(|t| groups.iter().any(|g| g == t))
    }

    /// The dqlite memberships kept in the repository: YAML files that are a
    /// `cluster.yaml` list whose entries all have a role (read once).
    pub fn memberships(&self) -> &[Membership] {
        self.memberships.get_or_init(|| {
            let mut out = Vec::new();
            for f in self.files().iter().filter(|f| has_suffix(f, &[".yml", ".yaml", ".yaml.j2", ".yml.j2"])) {
                let Some(text) = read_context(&self.root, f) else { continue };
                if !(text.contains("Address") && text.contains("Role")) {
                    continue;
                }
                let Ok(docs) = yaml::load(&text) else { continue };
                for doc in &docs {
                    let Some(cluster) = crate::lang::dqlite::cluster_of(&text, doc) else { continue };
                    if cluster.nodes.iter().any(|n| n.role.is_none()) {
                        continue;
                    }
                    let voters = cluster.nodes.iter().filter(|n| n.role == Some(0)).count();
                    out.push(Membership {
                        file: f.strip_prefix(&self.root).unwrap_or(f).display().to_string(),
                        voters,
                        others: cluster.nodes.len() - voters,
                    });
                }
            }
            out.sort_by(|a, b| a.file.cmp(&b.file));
            out
        })
    }

    /// The mapping variables whose entries a task writes into MicroK8s args
    /// files, by variable name, with the tasks that do (sorted by file and
    /// line): the Ansible front-end over the YAML files that mention `args/`.
    pub fn args_dict_loops(&self) -> &HashMap<String, Vec<ArgsDictLoop>> {
        self.args_dict_loops.get_or_init(|| {
            let mut out: HashMap<String, Vec<ArgsDictLoop>> = HashMap::new();
            for path in self.files().iter().filter(|p| has_suffix(p, &[".yml", ".yaml"])) {
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
                for (name, found) in crate::lang::ansible::args_dict_loops(path, &text, &shown) {
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

/// The worker groups one playbook's join tasks show (see
/// [`ProjectIndex::worker_groups`]).
fn worker_groups_in(text: &str, facts: &crate::facts::FileFacts) -> Vec<String> {
    let mut out = Vec::new();
    for task in &facts.tasks {
        let Some(command) = &task.command_line else { continue };
        let words: Vec<&str> = command.text.split_whitespace().collect();
        let joins = words.windows(2).any(|w| w[0].ends_with("microk8s") && w[1] == "join")
            || words.iter().any(|w| w.ends_with("microk8s.join"));
        if !joins || !words.contains(&"--worker") || task.run_once {
            continue;
        }
        let Some(play) = task.play.and_then(|i| facts.plays.get(i)) else { continue };
        let play_text = text.get(play.span.start..play.span.end).unwrap_or("");
        let task_text = text.get(task.span.start..task.span.end).unwrap_or("");
        if play_text.contains("block:") || task_text.contains("delegate_to") || task_text.contains("local_action") {
            continue;
        }
        let Some(hosts) = play.hosts.as_deref() else { continue };
        let terms: Vec<&str> = hosts.split([':', ',']).map(str::trim).filter(|t| !t.is_empty()).collect();
        let plain = !terms.is_empty()
            && terms
                .iter()
                .all(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'));
        match task.when {
            None if plain && !terms.contains(&"all") => out.extend(terms.iter().map(|t| t.to_string())),
            None => {}
            Some(when) => {
                let Some(group) = text.get(when.start..when.end).and_then(member_of) else { continue };
                if plain && (terms == ["all"] || terms == [group.as_str()]) {
                    out.push(group);
                }
            }
        }
    }
    out
}

/// The group of a `when:` that is exactly one membership condition:
/// `inventory_hostname in groups['G']` (or `groups["G"]`, `groups.G`) or
/// `'G' in group_names`.
fn member_of(when: &str) -> Option<String> {
    let when = when.trim();
    let when = when
        .strip_prefix('"')
        .and_then(|w| w.strip_suffix('"'))
        .or_else(|| when.strip_prefix('\'').and_then(|w| w.strip_suffix('\'')))
        .unwrap_or(when)
        .trim();
    let name = |g: &str| {
        (!g.is_empty() && g.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')).then(|| g.to_string())
    };
    let words: Vec<&str> = when.split_whitespace().collect();
    match words.as_slice() {
        ["inventory_hostname", "in", groups] => {
            let g = groups.strip_prefix("groups")?;
            let g = g
                .strip_prefix("['")
                .and_then(|g| g.strip_suffix("']"))
                .or_else(|| g.strip_prefix("[\"").and_then(|g| g.strip_suffix("\"]")))
                .or_else(|| g.strip_prefix('.'))?;
            name(g)
        }
        [group, "in", "group_names"] => {
            let g = group
                .strip_prefix('\'')
                .and_then(|g| g.strip_suffix('\''))
                .or_else(|| group.strip_prefix('"').and_then(|g| g.strip_suffix('"')))?;
            name(g)
        }
        _ => None,
    }
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
    /// The task's `throttle:` when it is a number (hosts at once).
    pub throttle: Option<usize>,
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
            if base.is_empty() || crate::wrappers::is_wrapper_program(base) {
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

impl crate::lang::ProjectFacts for ProjectIndex {
    fn root(&self) -> &Path {
        &self.root
    }

    fn args_dict_loops(&self) -> &HashMap<String, Vec<ArgsDictLoop>> {
        ProjectIndex::args_dict_loops(self)
    }
}
