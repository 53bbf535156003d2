//! Where Ansible finds the roles and task files a play runs, and what they do
//! to MicroK8s services: the play-level rules judge a play by everything it
//! reaches, not only by the tasks written in it.
//!
//! A role name is looked up as Ansible's `RoleDefinition` does: a collection
//! role `ns.coll.role` in `ansible_collections/ns/coll/roles/` (or in the
//! collection the repository is, by its `galaxy.yml`), else `roles/` beside the
//! playbook, each `roles_path` of the `ansible.cfg` that applies (and
//! `ANSIBLE_ROLES_PATH`), the playbook's own directory, and a path. A playbook
//! of a Molecule scenario (`ROLE/molecule/NAME/*.yml`) also finds the role
//! under test by its directory's name, as `namespace.role_name` of its
//! `meta/main.yml`, and through `MOLECULE_PROJECT_DIRECTORY`. A name none of
//! these resolve is matched against the repository's `roles/<name>/`
//! directories, as before.
//!
//! Task files are followed through `include_tasks`/`import_tasks` (relative
//! to the including file, the role's `tasks/`, then the playbook), role
//! `meta/main.yml` dependencies, and `include_role`/`import_role` with
//! `tasks_from`. A templated file name reaches every file its literal parts
//! match.

use super::{ProjectIndex, RoleRestart, has_suffix, read_context};
use crate::lang::jinja::Vars;
use crate::lang::yaml;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// What one task file holds that the plays running it inherit.
#[derive(Debug, Default)]
pub struct TaskFileInfo {
    /// MicroK8s restarts, stops and starts, and `reboot` tasks (action
    /// `reboot`, service `its hosts`), without `run_once`.
    pub restarts: Vec<RoleRestart>,
    /// `include_tasks`/`import_tasks` targets as written.
    pub includes: Vec<String>,
    /// `include_role`/`import_role`: the role and its `tasks_from`.
    pub roles: Vec<(String, Option<String>)>,
    /// The file mentions MicroK8s at all.
    pub microk8s: bool,
    /// The file runs `microk8s remove-node` (as text: any form).
    pub remove_node: bool,
    /// The file joins or adds nodes (`microk8s join`, `microk8s add-node`).
    pub joins: bool,
    /// Some node joins as a worker (`--worker`): not a dqlite member.
    pub worker: bool,
}

/// What the lookups behind [`Reached`] found, kept for the run: a role is
/// looked up, its dependencies read and a templated include matched once,
/// and each play is followed once however many rules ask.
#[derive(Debug, Default)]
pub(super) struct ReachCache {
    /// `find_role` answers by name, playbook directory and including role.
    roles: Mutex<HashMap<(String, PathBuf, Option<PathBuf>), Arc<Vec<PathBuf>>>>,
    /// The repository's `roles/<name>/` directories by name.
    by_name: OnceLock<HashMap<String, Vec<PathBuf>>>,
    /// `meta/main.yml` dependencies by role directory.
    dependencies: Mutex<HashMap<PathBuf, Arc<Vec<String>>>>,
    /// The files a templated include matches, by base and target.
    templated: Mutex<HashMap<(PathBuf, String), Arc<Vec<PathBuf>>>>,
    /// Resolved paths.
    canonical: Mutex<HashMap<PathBuf, PathBuf>>,
    /// What each play reaches, by playbook and play number.
    plays: Mutex<HashMap<(PathBuf, usize), Arc<Reached>>>,
}

/// The cached value of `key`, else `make()`'s, kept (the lock is not held
/// while `make` runs: it looks things up in the same cache).
fn cached<K: std::hash::Hash + Eq, V: Clone>(map: &Mutex<HashMap<K, V>>, key: K, make: impl FnOnce() -> V) -> V {
    if let Some(found) = map.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return found;
    }
    let value = make();
    if let Ok(mut m) = map.lock() {
        m.entry(key).or_insert_with(|| value.clone());
    }
    value
}

/// Everything a play reaches through roles and included task files.
#[derive(Debug, Default)]
pub struct Reached {
    /// Each restart with what led to it (`role `x``, `` `tasks/y.yml` ``).
    pub restarts: Vec<(String, RoleRestart)>,
    /// Some reached file mentions MicroK8s.
    pub microk8s: bool,
    /// Some reached file runs `microk8s remove-node`.
    pub remove_node: bool,
    /// Some reached file joins or adds nodes.
    pub joins: bool,
    /// Some reached file joins a worker node.
    pub worker: bool,
    /// Task files already followed.
    seen: HashSet<PathBuf>,
    /// Roles already followed (directory and `tasks_from`): a diamond of
    /// dependencies is followed once per role, a cycle ends where it closes.
    roles_seen: HashSet<(PathBuf, Option<String>)>,
}

/// Where a lookup starts: the playbook, and the role it is inside of.
#[derive(Debug, Clone, Copy)]
pub struct LookupStart<'a> {
    pub playbook: &'a Path,
    pub role: Option<&'a Path>,
}

impl ProjectIndex {
    /// The facts of one task file (read and analysed once per run).
    pub fn task_file(&self, path: &Path) -> Arc<TaskFileInfo> {
        if let Some(found) = self.task_files.lock().ok().and_then(|c| c.get(path).cloned()) {
            return found;
        }
        let info = Arc::new(read_task_file(self, path));
        if let Ok(mut c) = self.task_files.lock() {
            c.entry(path.to_path_buf()).or_insert_with(|| info.clone());
        }
        info
    }

    /// The directories role `name` may be, searched as Ansible does; several
    /// only when none of Ansible's places has it and the repository holds
    /// several `roles/<name>/`.
    pub fn find_role(&self, name: &str, from: LookupStart<'_>) -> Vec<PathBuf> {
        let Some(playbook_dir) = from.playbook.parent() else {
            return Vec::new();
        };
        let key = (name.to_string(), playbook_dir.to_path_buf(), from.role.map(Path::to_path_buf));
        cached(&self.reach.roles, key, || Arc::new(self.look_up_role(name, from, playbook_dir))).to_vec()
    }

    fn look_up_role(&self, name: &str, from: LookupStart<'_>, playbook_dir: &Path) -> Vec<PathBuf> {
        let playbook_dir = if playbook_dir.as_os_str().is_empty() { Path::new(".") } else { playbook_dir };
        let playbook_dir = self.canonical(playbook_dir);
        let molecule_role = molecule_role(&playbook_dir);
        if name.contains("{{") {
            // `{{ lookup('env', 'MOLECULE_PROJECT_DIRECTORY') | basename }}`
            return match &molecule_role {
                Some(dir) if name.contains("MOLECULE_PROJECT_DIRECTORY") => vec![dir.clone()],
                _ => Vec::new(),
            };
        }
        let mut candidates: Vec<PathBuf> = Vec::new();
        let dots = name.matches('.').count();
        if dots == 2 && !name.contains('/') {
            let mut parts = name.split('.');
            let (ns, coll, role) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            for base in self.collection_paths(&playbook_dir) {
                candidates.push(base.join("ansible_collections").join(ns).join(coll).join("roles").join(role));
            }
            for dir in self.collections_here(ns, coll) {
                candidates.push(dir.join("roles").join(role));
            }
        }
        if let Some(parent_role) = from.role.and_then(Path::parent) {
            candidates.push(parent_role.join(name));
        }
        candidates.push(playbook_dir.join("roles").join(name));
        for dir in self.roles_path(&playbook_dir) {
            candidates.push(dir.join(name));
        }
        candidates.push(playbook_dir.join(name));
        if let Some(dir) = &molecule_role {
            if dir.file_name().is_some_and(|n| n == name) || galaxy_name(&self.root, dir).is_some_and(|g| g == name) {
                candidates.push(dir.clone());
            }
        }
        if let Some(found) = candidates.into_iter().find(|c| is_role(c)) {
            return vec![found];
        }
        // Installed from elsewhere (a requirements file): a role of that name
        // in the repository is the best guess.
        let short = name.rsplit(['.', '/']).next().unwrap_or(name);
        self.roles_by_name().get(short).cloned().unwrap_or_default()
    }

    /// Every `roles/<name>/` directory of the repository that has `tasks/`
    /// or `handlers/` files, by name (listed once).
    fn roles_by_name(&self) -> &HashMap<String, Vec<PathBuf>> {
        self.reach.by_name.get_or_init(|| {
            let mut out: HashMap<String, Vec<PathBuf>> = HashMap::new();
            for f in self.files() {
                let Ok(rel) = f.strip_prefix(&self.root) else { continue };
                let parts: Vec<&str> = rel.iter().filter_map(|p| p.to_str()).collect();
                for (at, w) in parts.windows(3).enumerate() {
                    if w[0] == "roles" && matches!(w[2], "tasks" | "handlers") {
                        out.entry(w[1].to_string())
                            .or_default()
                            .push(self.root.join(parts[..at + 2].iter().collect::<PathBuf>()));
                    }
                }
            }
            for dirs in out.values_mut() {
                dirs.sort();
                dirs.dedup();
            }
            out
        })
    }

    /// `path` with links resolved (as it was, when it cannot be), once per path.
    fn canonical(&self, path: &Path) -> PathBuf {
        cached(&self.reach.canonical, path.to_path_buf(), || {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        })
    }

    /// The roles `meta/main.yml` of the role at `role` lists under
    /// `dependencies:` (read once per role).
    fn role_dependencies(&self, role: &Path) -> Arc<Vec<String>> {
        cached(&self.reach.dependencies, role.to_path_buf(), || Arc::new(dependencies(&self.root, role)))
    }

    /// What play `play` of `facts` (the playbook at `playbook`) reaches,
    /// followed once per run for every rule that asks.
    pub fn play_reach(&self, facts: &crate::facts::FileFacts, play: usize, playbook: &Path) -> Arc<Reached> {
        cached(&self.reach.plays, (playbook.to_path_buf(), play), || {
            let mut out = Reached::default();
            self.reach_play(facts, play, playbook, &mut out);
            Arc::new(out)
        })
    }

    /// Follows what play `play` of `facts` (the playbook at `playbook`) runs:
    /// its `roles:`, `include_role`/`import_role` tasks and
    /// `include_tasks`/`import_tasks`.
    pub fn reach_play(&self, facts: &crate::facts::FileFacts, play: usize, playbook: &Path, out: &mut Reached) {
        let from = LookupStart { playbook, role: None };
        if let Some(p) = facts.plays.get(play) {
            for (role, _) in &p.roles {
                self.reach_role(role, None, from, out);
            }
        }
        for t in facts.play_tasks(play) {
            let text = |n: &str| t.arg(n).and_then(|a| a.text());
            match t.module.as_str() {
                "include_role" | "import_role" => {
                    if let Some(name) = text("name") {
                        self.reach_role(name, text("tasks_from"), from, out);
                    }
                }
                "include_tasks" | "import_tasks" | "include" => {
                    if let Some(file) = text("file") {
                        self.reach_include(file, playbook, from, out);
                    }
                }
                _ => {}
            }
        }
    }

    /// Whether a file of the project other than `path` runs `microk8s
    /// remove-node` (a playbook, task file or script).
    pub fn runs_remove_node_outside(&self, path: &Path) -> bool {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.remove_node_files
            .get_or_init(|| {
                self.files()
                    .iter()
                    .filter(|f| has_suffix(f, &[".yml", ".yaml", ".sh", ".bash", ".j2"]))
                    .filter(|f| read_context(&self.root, f).is_some_and(|t| runs_remove_node(&t)))
                    .map(|f| std::fs::canonicalize(f).unwrap_or_else(|_| f.clone()))
                    .collect()
            })
            .iter()
            .any(|f| *f != path)
    }

    /// Follows role `name` (its `tasks_from` file or `tasks/main`, its
    /// handlers and its dependencies) into `out`.
    pub fn reach_role(&self, name: &str, tasks_from: Option<&str>, from: LookupStart<'_>, out: &mut Reached) {
        for dir in self.find_role(name, from) {
            if !out.roles_seen.insert((dir.clone(), tasks_from.map(str::to_string))) {
                continue;
            }
            let label = format!("role `{name}`");
            let inner = LookupStart { playbook: from.playbook, role: Some(&dir) };
            let entry = tasks_from.unwrap_or("main");
            let tasks_dir = dir.join("tasks");
            for file in self.matching(&tasks_dir, entry) {
                self.reach_file(&file, &label, inner, out);
            }
            for file in self.matching(&dir.join("handlers"), "main") {
                self.reach_file(&file, &label, inner, out);
            }
            for dep in self.role_dependencies(&dir).iter() {
                self.reach_role(dep, None, inner, out);
            }
        }
    }

    /// The cycle of `meta/main.yml` dependencies that leads from the role at
    /// `role` back to it (role names, the first repeated at the end), found
    /// with a visited set: each role is looked at once, so a diamond of
    /// dependencies costs one visit per role.
    pub fn dependency_cycle(&self, role: &Path) -> Option<Vec<String>> {
        let role = std::fs::canonicalize(role).unwrap_or_else(|_| role.to_path_buf());
        let name = role.file_name()?.to_string_lossy().into_owned();
        let mut visited: HashSet<PathBuf> = HashSet::new();
        let mut path = vec![name];
        self.cycle_from(&role, &role, &mut visited, &mut path).then_some(path)
    }

    /// Depth first from `dir`: whether a dependency leads back to `start`
    /// (`path` then holds the way there).
    fn cycle_from(&self, start: &Path, dir: &Path, visited: &mut HashSet<PathBuf>, path: &mut Vec<String>) -> bool {
        if !visited.insert(dir.to_path_buf()) {
            return false;
        }
        let meta = dir.join("meta/main.yml");
        let from = LookupStart { playbook: &meta, role: Some(dir) };
        for dep in self.role_dependencies(dir).iter() {
            for found in self.find_role(dep, from) {
                let found = std::fs::canonicalize(&found).unwrap_or(found);
                path.push(dep.clone());
                if found == start || self.cycle_from(start, &found, visited, path) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }

    /// Follows an `include_tasks`/`import_tasks` of `target`, written in
    /// `including` (a playbook or a task file), into `out`.
    pub fn reach_include(&self, target: &str, including: &Path, from: LookupStart<'_>, out: &mut Reached) {
        let mut bases: Vec<PathBuf> = Vec::new();
        if let Some(dir) = including.parent() {
            bases.push(dir.to_path_buf());
        }
        if let Some(role) = from.role {
            bases.push(role.join("tasks"));
        }
        if let Some(dir) = from.playbook.parent() {
            bases.push(dir.to_path_buf());
        }
        for base in bases {
            let files = self.matching_path(&base, target);
            if !files.is_empty() {
                for file in files {
                    self.reach_file(&file, &format!("`{target}`"), from, out);
                }
                return;
            }
        }
    }

    fn reach_file(&self, path: &Path, label: &str, from: LookupStart<'_>, out: &mut Reached) {
        let path = self.canonical(path);
        if !out.seen.insert(path.clone()) {
            return;
        }
        let path = path.as_path();
        let info = self.task_file(path);
        out.microk8s |= info.microk8s;
        out.remove_node |= info.remove_node;
        out.joins |= info.joins;
        out.worker |= info.worker;
        out.restarts.extend(info.restarts.iter().map(|r| (label.to_string(), r.clone())));
        for target in &info.includes {
            self.reach_include(target, path, from, out);
        }
        for (role, tasks_from) in &info.roles {
            self.reach_role(role, tasks_from.as_deref(), from, out);
        }
    }

    /// `DIR/NAME.yml` (or `.yaml`, or `NAME` itself); with a templated name
    /// every file of `DIR` its literal parts match.
    fn matching(&self, dir: &Path, name: &str) -> Vec<PathBuf> {
        if name.contains("{{") {
            return self.matching_path(dir, name);
        }
        [format!("{name}.yml"), format!("{name}.yaml"), name.to_string()]
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
            .into_iter()
            .collect()
    }

    /// `BASE/TARGET` as a file; a templated target as the project's files
    /// under `BASE` its literal parts match, in order.
    fn matching_path(&self, base: &Path, target: &str) -> Vec<PathBuf> {
        if !target.contains("{{") {
            let path = base.join(target);
            return if path.is_file() { vec![path] } else { Vec::new() };
        }
        let base = self.canonical(base);
        cached(&self.reach.templated, (base.clone(), target.to_string()), || {
            let pieces = literal_pieces(target);
            Arc::new(
                self.files()
                    .iter()
                    .filter(|f| has_suffix(f, &[".yml", ".yaml"]))
                    .filter_map(|f| {
                        let rel = f.strip_prefix(&base).ok()?.to_str()?;
                        glob_match(&pieces, rel).then(|| f.clone())
                    })
                    .collect(),
            )
        })
        .to_vec()
    }

    /// `roles_path` of the `ansible.cfg` nearest above `dir` (within the
    /// project), then `ANSIBLE_ROLES_PATH`.
    fn roles_path(&self, dir: &Path) -> Vec<PathBuf> {
        let mut out = self.cfg_paths(dir, &["roles_path"]);
        out.extend(env_paths("ANSIBLE_ROLES_PATH"));
        out
    }

    /// Where collections are installed: `collections/` beside the playbook,
    /// `collections_path(s)` of `ansible.cfg`, `ANSIBLE_COLLECTIONS_PATH(S)`.
    fn collection_paths(&self, dir: &Path) -> Vec<PathBuf> {
        let mut out = vec![dir.join("collections")];
        out.extend(self.cfg_paths(dir, &["collections_path", "collections_paths"]));
        out.extend(env_paths("ANSIBLE_COLLECTIONS_PATH"));
        out.extend(env_paths("ANSIBLE_COLLECTIONS_PATHS"));
        out
    }

    fn cfg_paths(&self, dir: &Path, keys: &[&str]) -> Vec<PathBuf> {
        let Some(cfg) = dir
            .ancestors()
            .take_while(|a| a.starts_with(&self.root))
            .map(|a| a.join("ansible.cfg"))
            .find(|p| p.is_file())
        else {
            return Vec::new();
        };
        let Some(text) = read_context(&self.root, &cfg) else {
            return Vec::new();
        };
        let cfg_dir = cfg.parent().unwrap_or(&self.root);
        ini_values(&text, "defaults", keys)
            .iter()
            .flat_map(|v| v.split([':', ',']))
            .map(str::trim)
            .filter(|p| !p.is_empty() && !p.starts_with('~') && !p.contains('$'))
            .map(|p| cfg_dir.join(p))
            .collect()
    }

    /// Directories of the repository that are collection `ns.coll` (by their
    /// `galaxy.yml`).
    fn collections_here(&self, ns: &str, coll: &str) -> Vec<PathBuf> {
        self.files()
            .iter()
            .filter(|f| f.file_name().is_some_and(|n| n == "galaxy.yml"))
            .filter(|f| {
                let Some(text) = read_context(&self.root, f) else { return false };
                let Ok(docs) = yaml::load(&text) else { return false };
                docs.first().is_some_and(|d| {
                    d.get("namespace").and_then(yaml::Node::as_str) == Some(ns)
                        && d.get("name").and_then(yaml::Node::as_str) == Some(coll)
                })
            })
            .filter_map(|f| f.parent().map(Path::to_path_buf))
            .collect()
    }
}

/// `microk8s remove-node` or `microk8s.remove-node` in a text.
/// Whether `text` joins or adds MicroK8s nodes (as text: any form).
fn joins_nodes(text: &str) -> bool {
    ["microk8s join", "microk8s.join", "microk8s add-node", "microk8s.add-node"].iter().any(|w| text.contains(w))
}

fn runs_remove_node(text: &str) -> bool {
    text.contains("microk8s remove-node") || text.contains("microk8s.remove-node")
}

/// A directory Ansible would load as a role.
fn is_role(dir: &Path) -> bool {
    ["tasks", "handlers", "meta", "defaults", "vars"].iter().any(|d| dir.join(d).is_dir())
}

/// The role a Molecule scenario's playbook in `dir` tests: `ROLE/molecule/NAME/`.
fn molecule_role(dir: &Path) -> Option<PathBuf> {
    let scenarios = dir.parent()?;
    if scenarios.file_name()? != "molecule" {
        return None;
    }
    let role = scenarios.parent()?;
    is_role(role).then(|| role.to_path_buf())
}

/// `namespace.role_name` of a role's `meta/main.yml` (what Molecule installs
/// the role under test as).
fn galaxy_name(root: &Path, role: &Path) -> Option<String> {
    let text = read_context(root, &role.join("meta/main.yml"))?;
    let docs = yaml::load(&text).ok()?;
    let info = docs.first()?.get("galaxy_info")?;
    let ns = info.get("namespace")?.as_str()?;
    let name = info.get("role_name")?.as_str()?;
    Some(format!("{ns}.{name}"))
}

/// The roles `meta/main.yml` lists under `dependencies:`.
fn dependencies(root: &Path, role: &Path) -> Vec<String> {
    let Some(text) = ["meta/main.yml", "meta/main.yaml"]
        .iter()
        .find_map(|m| read_context(root, &role.join(m)))
    else {
        return Vec::new();
    };
    let Ok(docs) = yaml::load(&text) else { return Vec::new() };
    docs.first()
        .and_then(|d| d.get("dependencies"))
        .and_then(yaml::Node::as_seq)
        .map(|deps| {
            deps.iter()
                .filter_map(|d| {
                    d.as_str()
                        .or_else(|| d.get("role").and_then(yaml::Node::as_str))
                        .or_else(|| d.get("name").and_then(yaml::Node::as_str))
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn env_paths(name: &str) -> Vec<PathBuf> {
    std::env::var(name)
        .map(|v| v.split(':').filter(|p| !p.is_empty()).map(PathBuf::from).collect())
        .unwrap_or_default()
}

/// The values of `keys` in `[section]` of an INI text (`key = value`).
pub(super) fn ini_values(text: &str, section: &str, keys: &[&str]) -> Vec<String> {
    let mut current = String::new();
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.trim().to_string();
            continue;
        }
        if current != section {
            continue;
        }
        if let Some((k, v)) = line.split_once('=')
            && keys.contains(&k.trim())
        {
            out.push(v.trim().to_string());
        }
    }
    out
}

/// The literal parts of a templated path, in order (`tasks/{{ os }}.yml` →
/// `tasks/`, `.yml`).
fn literal_pieces(target: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = target;
    while let Some(open) = rest.find("{{") {
        pieces.push(rest[..open].to_string());
        rest = match rest[open..].find("}}") {
            Some(close) => &rest[open + close + 2..],
            None => "",
        };
    }
    pieces.push(rest.to_string());
    pieces
}

/// Whether `path` is the pieces joined by anything (a template's value) that
/// crosses no `/` the pieces do not name.
fn glob_match(pieces: &[String], path: &str) -> bool {
    let Some((first, rest)) = pieces.split_first() else { return false };
    let Some(mut tail) = path.strip_prefix(first.as_str()) else { return false };
    for (i, piece) in rest.iter().enumerate() {
        let last = i + 1 == rest.len();
        let found = if last {
            tail.ends_with(piece.as_str()).then(|| tail.len() - piece.len())
        } else {
            tail.find(piece.as_str())
        };
        let Some(at) = found else { return false };
        if tail[..at].contains('/') || (last && at == 0 && piece.is_empty()) {
            return false;
        }
        tail = &tail[at + piece.len()..];
    }
    tail.is_empty()
}

/// A task file's restarts, includes and roles.
fn read_task_file(project: &ProjectIndex, path: &Path) -> TaskFileInfo {
    let Some(text) = read_context(project.root(), path) else {
        return TaskFileInfo::default();
    };
    let mut facts = crate::facts::FileFacts::default();
    crate::lang::ansible::analyze_in(&text, path, Some(project), &Vars::default(), &mut facts);
    let lines = crate::source::LineIndex::new(&text);
    let mut info = TaskFileInfo {
        microk8s: text.contains("microk8s"),
        remove_node: runs_remove_node(&text),
        joins: joins_nodes(&text),
        worker: text.contains("--worker"),
        ..Default::default()
    };
    for task in &facts.tasks {
        let text_of = |n: &str| task.arg(n).and_then(|a| a.text()).map(str::to_string);
        match task.module.as_str() {
            "include_tasks" | "import_tasks" | "include" => {
                info.includes.extend(text_of("file"));
            }
            "include_role" | "import_role" => {
                if let Some(name) = text_of("name") {
                    info.roles.push((name, text_of("tasks_from")));
                }
            }
            _ => {}
        }
        if task.run_once {
            continue;
        }
        let found = if task.module == "reboot" {
            Some(("its hosts", "reboot"))
        } else {
            crate::microk8s::restart_of(task).map(|r| (r.service, r.action))
        };
        if let Some((service, action)) = found {
            info.restarts.push(RoleRestart {
                service,
                action,
                file: path.to_path_buf(),
                line: lines.line_of(task.span.start.min(text.len())) + 1,
                in_handlers: task.in_handlers,
                throttle: task.throttle.as_deref().and_then(|t| t.trim().parse().ok()).filter(|&n| n > 0),
            });
        }
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templated_paths_match_their_literal_parts() {
        let p = literal_pieces("{{ ansible_os_family }}.yml");
        assert!(glob_match(&p, "Debian.yml"));
        assert!(!glob_match(&p, "sub/Debian.yml"));
        assert!(!glob_match(&p, "Debian.yaml"));
        let p = literal_pieces("setup-{{ kind }}.yml");
        assert!(glob_match(&p, "setup-ha.yml"));
        assert!(!glob_match(&p, "setup.yml"));
        assert!(!glob_match(&p, "main.yml"));
    }

    fn write(root: &Path, files: &[&str]) {
        for f in files {
            let path = root.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "- name: x\n  ansible.builtin.debug:\n").unwrap();
        }
    }

    /// Ansible's order: collection, `roles/` beside the playbook, `roles_path`,
    /// the playbook's directory; then any `roles/<name>/` of the repository.
    #[test]
    fn roles_are_found_where_ansible_looks_first() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        write(&root, &[
            "play/roles/a/tasks/main.yml",
            "shared/a/tasks/main.yml",
            "shared/b/tasks/main.yml",
            "play/b/tasks/main.yml",
            "play/c/tasks/main.yml",
            "elsewhere/roles/d/tasks/main.yml",
            "coll/roles/e/tasks/main.yml",
            "coll/roles/f/tasks/main.yml",
        ]);
        std::fs::write(root.join("ansible.cfg"), "[defaults]\nroles_path = shared\n").unwrap();
        std::fs::write(root.join("coll/galaxy.yml"), "namespace: ns\nname: coll\n").unwrap();
        let index = ProjectIndex::new(&root);
        let from = LookupStart { playbook: &root.join("play/site.yml"), role: None };
        let found = |name: &str| -> Vec<String> {
            index
                .find_role(name, from)
                .iter()
                .map(|d| d.strip_prefix(&root).unwrap().display().to_string())
                .collect()
        };
        assert_eq!(found("a"), ["play/roles/a"]);
        assert_eq!(found("b"), ["shared/b"]);
        assert_eq!(found("c"), ["play/c"]);
        assert_eq!(found("d"), ["elsewhere/roles/d"]);
        assert_eq!(found("ns.coll.e"), ["coll/roles/e"]);
        assert_eq!(found("other.coll.f"), ["coll/roles/f"], "unresolved: by its short name");
        assert!(found("nowhere").is_empty());
        assert!(found("{{ role_name }}").is_empty());
    }

    #[test]
    fn ini_values_of_a_section() {
        let cfg = "[defaults]\nroles_path = roles:../shared/roles\n# roles_path = no\n[other]\nroles_path = x\n";
        assert_eq!(ini_values(cfg, "defaults", &["roles_path"]), vec!["roles:../shared/roles"]);
    }
}
