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

/// Variable files larger than this are not read for context.
const MAX_VARS_FILE: u64 = 1024 * 1024;

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

fn is_vars_file(path: &Path) -> bool {
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

/// Top-level string variables of every variables file under `root`. A name
/// defined with different values in different places is left out: it is not
/// known which one applies.
pub fn collect_vars(root: &Path) -> Vars {
    let files: Vec<PathBuf> = ignore::WalkBuilder::new(root)
        .hidden(true)
        .require_git(false)
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(ignore::DirEntry::into_path)
        .filter(|p| is_vars_file(p))
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() <= MAX_VARS_FILE))
        .collect();
    let found: Vec<Vec<(String, String)>> = files
        .par_iter()
        .map(|path| {
            let Ok(text) = std::fs::read_to_string(path) else {
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
