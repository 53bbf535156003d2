//! Ansible inventories, read as Ansible reads them, to count the hosts a play
//! targets: INI (`[group]`, `[group:children]`, host ranges `k8s[01:03]`) and
//! YAML (`all: {hosts, children}`), found where Ansible is told to look
//! (`inventory =` of the nearest `ansible.cfg`) or where projects keep them
//! (`inventory/`, `inventories/*/`, `hosts`, `hosts.ini`, `hosts.yml`,
//! `inventory.ini`, `inventory.yml` beside the playbook or at the root).
//! A play's `hosts:` pattern (`group`, `all`, `a:b`, `a,b`, `a:&b`, `a:!b`)
//! is resolved to a set of hosts; anything not known for certain (a
//! templated pattern, a wildcard, several inventories that disagree, an
//! inventory that cannot be read) is `None`, never a guess.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Groups of one inventory: each group's own hosts and child groups.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Inventory {
    pub hosts: HashMap<String, BTreeSet<String>>,
    pub children: HashMap<String, BTreeSet<String>>,
}

impl Inventory {
    /// Every host of `group` and its descendants; `None` for a group that is
    /// its own descendant (Ansible refuses such an inventory). Each group is
    /// visited once: a diamond of `children` costs one visit per group.
    fn group(&self, group: &str) -> Option<BTreeSet<String>> {
        if group == "all" {
            let mut all: BTreeSet<String> = self.hosts.values().flatten().cloned().collect();
            all.remove("");
            return Some(all);
        }
        let mut done: std::collections::HashSet<&str> = Default::default();
        let mut on_path: std::collections::HashSet<&str> = Default::default();
        let mut out: Option<BTreeSet<String>> = None;
        self.descend(group, &mut done, &mut on_path, &mut out)?;
        out
    }

    fn descend<'s>(
        &'s self,
        group: &'s str,
        done: &mut std::collections::HashSet<&'s str>,
        on_path: &mut std::collections::HashSet<&'s str>,
        out: &mut Option<BTreeSet<String>>,
    ) -> Option<()> {
        // A cycle, or nesting deeper than any real inventory: not known.
        if on_path.contains(group) || on_path.len() > 64 {
            return None;
        }
        if !done.insert(group) {
            return Some(());
        }
        // A group the inventory does not define: its hosts are not known.
        if !self.hosts.contains_key(group) && !self.children.contains_key(group) {
            return None;
        }
        if let Some(hosts) = self.hosts.get(group) {
            out.get_or_insert_with(BTreeSet::new).extend(hosts.iter().cloned());
        }
        on_path.insert(group);
        for child in self.children.get(group).into_iter().flatten() {
            out.get_or_insert_with(BTreeSet::new);
            self.descend(child, done, on_path, out)?;
        }
        on_path.remove(group);
        Some(())
    }

    fn is_host(&self, name: &str) -> bool {
        self.hosts.values().any(|h| h.contains(name))
    }

    /// The hosts a play's `hosts:` pattern selects, when certain.
    pub fn select(&self, pattern: &str) -> Option<BTreeSet<String>> {
        if pattern.contains("{{") || pattern.contains('*') || pattern.contains('~') || pattern.contains('[') {
            return None;
        }
        let mut selected: BTreeSet<String> = BTreeSet::new();
        let mut intersect: Vec<BTreeSet<String>> = Vec::new();
        let mut exclude: BTreeSet<String> = BTreeSet::new();
        for part in pattern.split([':', ',']).map(str::trim).filter(|p| !p.is_empty()) {
            let (kind, name) = match part.as_bytes()[0] {
                b'&' => ('&', &part[1..]),
                b'!' => ('!', &part[1..]),
                _ => ('+', part),
            };
            let hosts = match self.group(name) {
                Some(h) => h,
                None if self.is_host(name) => BTreeSet::from([name.to_string()]),
                None => return None,
            };
            match kind {
                '&' => intersect.push(hosts),
                '!' => exclude.extend(hosts),
                _ => selected.extend(hosts),
            }
        }
        for set in intersect {
            selected.retain(|h| set.contains(h));
        }
        selected.retain(|h| !exclude.contains(h));
        Some(selected)
    }
}

/// Expands `k8s[01:03]` / `node[a:c]` host ranges (`None` when malformed).
pub fn expand_range(name: &str) -> Option<Vec<String>> {
    let Some(open) = name.find('[') else {
        return Some(vec![name.to_string()]);
    };
    let close = open + name[open..].find(']')?;
    let (prefix, inner, suffix) = (&name[..open], &name[open + 1..close], &name[close + 1..]);
    let mut parts = inner.split(':');
    let (from, to) = (parts.next()?, parts.next()?);
    let step: usize = parts.next().map_or(Some(1), |s| s.parse().ok())?;
    if step == 0 {
        return None;
    }
    let rests = expand_range(suffix)?;
    let mut out = Vec::new();
    if let (Ok(a), Ok(b)) = (from.parse::<u64>(), to.parse::<u64>()) {
        let width = if from.starts_with('0') { from.len() } else { 0 };
        if b < a || b - a > 10_000 {
            return None;
        }
        for n in (a..=b).step_by(step) {
            for rest in &rests {
                out.push(format!("{prefix}{n:0width$}{rest}"));
            }
        }
    } else if from.len() == 1 && to.len() == 1 {
        let (a, b) = (from.as_bytes()[0], to.as_bytes()[0]);
        if !a.is_ascii_alphabetic() || b < a {
            return None;
        }
        for c in (a..=b).step_by(step) {
            for rest in &rests {
                out.push(format!("{prefix}{}{rest}", c as char));
            }
        }
    } else {
        return None;
    }
    Some(out)
}

/// An INI inventory.
pub fn parse_ini(text: &str) -> Option<Inventory> {
    let mut inv = Inventory::default();
    let mut section = ("ungrouped".to_string(), "hosts");
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(head) = line.strip_prefix('[') {
            let head = head.split(']').next()?.trim();
            section = match head.split_once(':') {
                Some((g, "children")) => (g.to_string(), "children"),
                Some((g, "vars")) => (g.to_string(), "vars"),
                Some(_) => return None,
                None => (head.to_string(), "hosts"),
            };
            let entry = inv.hosts.entry(section.0.clone()).or_default();
            let _ = entry;
            continue;
        }
        let name = line.split_whitespace().next()?;
        match section.1 {
            "hosts" => {
                let hosts = expand_range(name)?;
                inv.hosts.entry(section.0.clone()).or_default().extend(hosts);
            }
            "children" => {
                inv.children.entry(section.0.clone()).or_default().insert(name.to_string());
            }
            _ => {}
        }
    }
    Some(inv)
}

/// A YAML inventory (`all:` / `GROUP:` with `hosts:` and `children:`).
pub fn parse_yaml(text: &str) -> Option<Inventory> {
    use crate::lang::yaml;
    let docs = yaml::load(text).ok()?;
    let top = docs.first()?.as_map()?;
    let mut inv = Inventory::default();
    fn group(inv: &mut Inventory, name: &str, node: &yaml::Node, depth: usize) -> Option<()> {
        if depth > 64 {
            return None;
        }
        let entry = inv.hosts.entry(name.to_string()).or_default();
        let _ = entry;
        if node.as_str().is_some_and(|s| !s.is_empty()) {
            return None;
        }
        let Some(map) = node.as_map() else { return Some(()) };
        for (k, v) in map {
            match k.as_str()? {
                "hosts" => {
                    for (h, _) in v.as_map().unwrap_or_default() {
                        let hosts = expand_range(h.as_str()?)?;
                        inv.hosts.entry(name.to_string()).or_default().extend(hosts);
                    }
                }
                "children" => {
                    for (c, cv) in v.as_map().unwrap_or_default() {
                        let child = c.as_str()?;
                        inv.children.entry(name.to_string()).or_default().insert(child.to_string());
                        group(inv, child, cv, depth + 1)?;
                    }
                }
                _ => {}
            }
        }
        Some(())
    }
    for (k, v) in top {
        group(&mut inv, k.as_str()?, v, 0)?;
    }
    Some(inv)
}

/// An inventory file, by its content (YAML when it parses as a mapping of
/// groups, INI otherwise).
pub fn parse(path: &Path, text: &str) -> Option<Inventory> {
    let yaml_name = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "yml" | "yaml"));
    if yaml_name || text.trim_start().starts_with("all:") {
        parse_yaml(text)
    } else {
        parse_ini(text)
    }
}

/// The inventory Molecule makes for a scenario from its `molecule.yml`: one
/// host per entry of `platforms:` (by `name:`), in the groups its `groups:`
/// lists, with the `children:` groups it lists. `None` when it is not known
/// for certain: no platforms, a templated name, or a
/// `provisioner.inventory` that adds hosts or links another inventory.
pub fn parse_molecule(text: &str) -> Option<Inventory> {
    use crate::lang::yaml;
    let docs = yaml::load(text).ok()?;
    let top = docs.first()?;
    if let Some(inv) = top.get("provisioner").and_then(|p| p.get("inventory"))
        && (inv.get("hosts").is_some() || inv.get("links").is_some())
    {
        return None;
    }
    let platforms = top.get("platforms")?.as_seq()?;
    let mut out = Inventory::default();
    for platform in platforms {
        let name = platform.get("name")?.as_str()?;
        if name.is_empty() || name.contains("{{") || name.contains('$') {
            return None;
        }
        let list = |key: &str| -> Option<Vec<String>> {
            match platform.get(key) {
                None => Some(Vec::new()),
                Some(v) => v.as_seq()?.iter().map(|g| g.as_str().map(str::to_string)).collect(),
            }
        };
        let groups = list("groups")?;
        out.hosts.entry("ungrouped".into()).or_default();
        if groups.is_empty() {
            out.hosts.entry("ungrouped".into()).or_default().insert(name.to_string());
        }
        for group in &groups {
            out.hosts.entry(group.clone()).or_default().insert(name.to_string());
            for child in list("children")? {
                out.children.entry(group.clone()).or_default().insert(child.clone());
                out.hosts.entry(child).or_default();
            }
        }
    }
    (!platforms.is_empty()).then_some(out)
}

/// Merges inventories of one directory (Ansible loads every file of it).
pub fn merge(parts: Vec<Inventory>) -> Inventory {
    let mut out = Inventory::default();
    for part in parts {
        for (g, h) in part.hosts {
            out.hosts.entry(g).or_default().extend(h);
        }
        for (g, c) in part.children {
            out.children.entry(g).or_default().extend(c);
        }
    }
    out
}

/// The inventory files (or directories) that may apply to a playbook in
/// `dir`: `inventory =` of the nearest `ansible.cfg`, else the conventional
/// names beside the playbook, then at `root`.
pub fn candidates(root: &Path, dir: &Path) -> Vec<PathBuf> {
    let cfg = dir
        .ancestors()
        .take_while(|a| a.starts_with(root))
        .map(|a| a.join("ansible.cfg"))
        .find(|p| p.is_file());
    if let Some(cfg) = cfg
        && let Some(text) = super::read_context(root, &cfg)
    {
        let base = cfg.parent().unwrap_or(root);
        let named: Vec<PathBuf> = super::roles::ini_values(&text, "defaults", &["inventory", "hostfile"])
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|p| !p.is_empty() && !p.starts_with('~') && !p.contains('$'))
            .map(|p| base.join(p))
            .collect();
        if !named.is_empty() {
            return named;
        }
    }
    let mut out = Vec::new();
    for base in [dir, root] {
        for name in ["inventory", "hosts", "hosts.ini", "hosts.yml", "hosts.yaml", "inventory.ini", "inventory.yml", "inventory.yaml"] {
            let p = base.join(name);
            if p.exists() && !out.contains(&p) {
                out.push(p);
            }
        }
        if let Ok(entries) = std::fs::read_dir(base.join("inventories")) {
            let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
            dirs.sort();
            out.extend(dirs);
        }
        if !out.is_empty() {
            break;
        }
    }
    out
}

/// Reads one inventory source: a file, or a directory read as Ansible's
/// inventory manager reads one (every entry in name order, subdirectories
/// too; hidden entries, `group_vars`, `host_vars`, `vars_plugins` and the
/// extensions of `INVENTORY_IGNORE_EXTS` skipped). Files are INI or YAML by
/// [`parse`]; any other file (JSON, a dynamic inventory script with its `#!`, a
/// template)
/// makes the source not known. A directory reached twice (a link) is read once;
/// at most [`MAX_DEPTH`] levels and [`MAX_FILES`] files are read.
pub fn load(root: &Path, source: &Path) -> Option<Inventory> {
    if source.is_file() {
        let text = super::read_context(root, source)?;
        return parse(source, &text);
    }
    let mut parts = Vec::new();
    let mut visited = std::collections::HashSet::new();
    load_dir(root, source, 0, &mut visited, &mut parts)?;
    (!parts.is_empty()).then(|| merge(parts))
}

/// How deep a directory inventory is followed.
const MAX_DEPTH: usize = 8;
/// How many files of a directory inventory are read.
const MAX_FILES: usize = 512;

/// Extensions Ansible's `INVENTORY_IGNORE_EXTS` skips by default
/// (`REJECT_EXTS` and `.orig`, `.cfg`, `.retry`).
const IGNORED_EXTS: &[&str] = &[".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg", ".retry"];

fn load_dir(
    root: &Path,
    dir: &Path,
    depth: usize,
    visited: &mut std::collections::HashSet<PathBuf>,
    parts: &mut Vec<Inventory>,
) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    let real = std::fs::canonicalize(dir).ok()?;
    if !real.starts_with(std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf())) {
        return None;
    }
    if !visited.insert(real) {
        return Some(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).ok()?.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.')
            || matches!(name, "group_vars" | "host_vars" | "vars_plugins")
            || IGNORED_EXTS.iter().any(|e| name.ends_with(e))
        {
            continue;
        }
        if path.is_dir() {
            load_dir(root, &path, depth + 1, visited, parts)?;
            continue;
        }
        if !path.is_file() {
            continue;
        }
        // Ansible tries every inventory plugin on the file: one that is not
        // plainly INI or YAML (JSON, a script, a template) is not known.
        let plain = name.ends_with(".ini") || name.ends_with(".yml") || name.ends_with(".yaml") || !name.contains('.');
        if parts.len() >= MAX_FILES || !plain {
            return None;
        }
        let text = super::read_context(root, &path)?;
        if text.starts_with("#!") {
            return None;
        }
        parts.push(parse(&path, &text)?);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_groups_children_and_ranges() {
        let inv = parse_ini(
            "[cp]\nk8s[01:03] ansible_user=ubuntu\n[workers]\nw[a:b]\n[cluster:children]\ncp\nworkers\n[cp:vars]\nx=1\n",
        )
        .unwrap();
        let n = |p: &str| inv.select(p).map(|s| s.len());
        assert_eq!(inv.select("cp").unwrap().iter().next().unwrap(), "k8s01");
        assert_eq!(n("cp"), Some(3));
        assert_eq!(n("cluster"), Some(5));
        assert_eq!(n("all"), Some(5));
        assert_eq!(n("cluster:!workers"), Some(3));
        assert_eq!(n("cluster:&workers"), Some(2));
        assert_eq!(n("cp,wa"), Some(4));
        assert_eq!(n("nosuchgroup"), None);
        assert_eq!(n("{{ target }}"), None);
        assert_eq!(n("k8s*"), None);
    }

    #[test]
    fn yaml_inventory() {
        let inv = parse_yaml(
            "all:\n  children:\n    microk8s:\n      hosts:\n        node[1:5]:\n    web:\n      hosts:\n        www1:\n          ansible_host: 10.0.0.9\n",
        )
        .unwrap();
        assert_eq!(inv.select("microk8s").map(|s| s.len()), Some(5));
        assert_eq!(inv.select("all").map(|s| s.len()), Some(6));
    }

    #[test]
    fn inventory_directories_are_read_as_ansible_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let inv = root.join("inventory");
        std::fs::create_dir_all(inv.join("cluster-1/group_vars")).unwrap();
        std::fs::write(inv.join("cluster-1/hosts.ini"), "[microk8s]\nk8s[01:03]\n").unwrap();
        std::fs::write(inv.join("cluster-1/group_vars/all.yml"), "channel: 1.32/stable\n").unwrap();
        std::fs::write(inv.join("notes.md"), "# not hosts\n").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&inv, inv.join("cluster-1/again")).unwrap();
        let read = load(&root, &inv).expect("the directory is read");
        assert_eq!(read.select("microk8s").map(|s| s.len()), Some(3));
        // A dynamic inventory script cannot be read: not known.
        std::fs::write(inv.join("cluster-1/ec2"), "#!/usr/bin/env python3\n").unwrap();
        assert!(load(&root, &inv).is_none());
    }

    #[test]
    fn molecule_platforms_are_the_hosts() {
        let inv = parse_molecule(
            "driver:\n  name: docker\nplatforms:\n  - name: cp1\n    groups: [control]\n  - name: cp2\n    groups: [control]\n  - name: w1\n    groups:\n      - workers\n  - name: lone\n",
        )
        .unwrap();
        let n = |p: &str| inv.select(p).map(|s| s.len());
        assert_eq!(n("all"), Some(4));
        assert_eq!(n("control"), Some(2));
        assert_eq!(n("workers"), Some(1));
        assert_eq!(n("lone"), Some(1));
        assert_eq!(n("microk8s"), None);
        assert!(parse_molecule("platforms:\n  - name: \"{{ n }}\"\n").is_none());
        assert!(parse_molecule("platforms:\n  - name: a\nprovisioner:\n  inventory:\n    links:\n      hosts: ../inv\n").is_none());
        assert!(parse_molecule("driver:\n  name: docker\n").is_none());
    }

    #[test]
    fn malformed_ranges_are_not_guessed() {
        assert_eq!(expand_range("k8s[01:03]").unwrap(), ["k8s01", "k8s02", "k8s03"]);
        assert_eq!(expand_range("n[1:5:2]").unwrap(), ["n1", "n3", "n5"]);
        assert!(expand_range("k8s[3:1]").is_none());
        assert!(expand_range("k8s[01]").is_none());
    }
}
