//! Which files to check: explicit paths always, directories walked with
//! `.gitignore` respected and hidden and vendored directories skipped.

use crate::lang::Language;
use ignore::{WalkBuilder, WalkState};
use std::path::{Path, PathBuf};

/// Hidden files that are still checked: MicroK8s launch configurations.
const HIDDEN_KEPT: &[&str] = &[".microk8s.yaml", ".microk8s.yml"];

/// Directories that hold other people's code.
const VENDORED: &[&str] = &[
    "node_modules",
    "vendor",
    "third_party",
    "__pycache__",
    "venv",
    "site-packages",
];

#[derive(Debug, Clone)]
pub struct Candidate {
    pub path: PathBuf,
    /// Named on the command line (checked even when its name says nothing).
    pub explicit: bool,
    /// From the file name; `None` when the content (shebang) must decide.
    pub language: Option<Language>,
}

/// A path that could not be walked.
#[derive(Debug, Clone)]
pub struct WalkError {
    pub path: PathBuf,
    pub message: String,
}

pub fn discover(
    paths: &[PathBuf],
    resolver: std::sync::Arc<crate::config::DirectoryConfigs>,
    force_exclude: bool,
) -> (Vec<Candidate>, Vec<WalkError>) {
    let mut candidates = Vec::new();
    let mut errors = Vec::new();
    for root in paths {
        let meta = match std::fs::metadata(root) {
            Ok(meta) => meta,
            Err(e) => {
                errors.push(WalkError {
                    path: root.clone(),
                    message: describe_io_error(&e),
                });
                continue;
            }
        };
        if !meta.is_dir() {
            if force_exclude && resolver.is_excluded(root) {
                continue;
            }
            candidates.push(Candidate {
                path: clean(root),
                explicit: true,
                language: Language::from_path(root),
            });
            continue;
        }
        let resolver = resolver.clone();
        let walk_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        let found = std::sync::Mutex::new((Vec::new(), Vec::new()));
        // Ignore files are read by opslint's bounded reader, not the walker's.
        let spelt_root = crate::fsread::lexical_absolute(root);
        let ignores = std::sync::Arc::new(crate::ignorefiles::Ignores::new(
            &crate::fsread::repository_top(&spelt_root),
            true,
        ));
        let walk_ignores = ignores.clone();
        let walk_from = root.clone();
        // The parallel walker: on a large tree, listing directories costs as much as
        // reading the files that matter.
        WalkBuilder::new(root)
            .standard_filters(false)
            .follow_links(false)
            .filter_entry(move |entry| {
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                let name = entry.file_name().to_str().unwrap_or("");
                if entry.depth() == 0 {
                    return true;
                }
                if is_dir && VENDORED.contains(&name) {
                    return false;
                }
                // Hidden files and directories are skipped, except MicroK8s's
                // launch configuration (`.microk8s.yaml`).
                if name.starts_with('.') && !HIDDEN_KEPT.contains(&name) {
                    return false;
                }
                let spelt = spelt_root.join(entry.path().strip_prefix(&walk_from).unwrap_or(entry.path()));
                !walk_ignores.ignored(&spelt, is_dir) && !resolver.is_excluded(entry.path())
            })
            .build_parallel()
            .run(|| {
                let found = &found;
                let walk_root = &walk_root;
                Box::new(move |entry| {
                    let item = match entry {
                        Ok(entry) => {
                            let is_link = entry.path_is_symlink();
                            if is_link {
                                // A link to a file of this walk is checked under the
                                // file's own name; links to elsewhere are candidates
                                // (the linter reads them only inside the project's
                                // root). Broken links and links to directories or
                                // devices hold nothing to check.
                                let target = std::fs::canonicalize(entry.path());
                                match target {
                                    Ok(t) if t.starts_with(&walk_root) => return WalkState::Continue,
                                    Ok(t) if std::fs::metadata(&t).is_ok_and(|m| m.is_file()) => {}
                                    _ => return WalkState::Continue,
                                }
                            } else if !entry.file_type().is_some_and(|t| t.is_file()) {
                                return WalkState::Continue;
                            }
                            let path = entry.path();
                            let language = Language::from_path(path);
                            // Extension-less files may be scripts with a shebang; others are not ours.
                            if language.is_none() && Language::has_extension(path) {
                                return WalkState::Continue;
                            }
                            Ok(Candidate {
                                path: clean(path),
                                explicit: false,
                                language,
                            })
                        }
                        Err(e) => Err(walk_error(root, &e)),
                    };
                    if let Ok(mut guard) = found.lock() {
                        match item {
                            Ok(c) => guard.0.push(c),
                            Err(e) => guard.1.push(e),
                        }
                    }
                    WalkState::Continue
                })
            });
        let (found_candidates, found_errors) = found.into_inner().unwrap_or_default();
        candidates.extend(found_candidates);
        errors.extend(found_errors);
        errors.extend(ignores.unread().into_iter().map(|(path, why)| WalkError {
            path: clean(&path),
            message: format!("ignore file not read ({why}); its patterns are not applied"),
        }));
    }
    candidates.sort_by(|a, b| a.path.cmp(&b.path));
    candidates.dedup_by(|a, b| a.path == b.path);
    errors.sort_by(|a, b| a.path.cmp(&b.path));
    errors.dedup_by(|a, b| a.path == b.path && a.message == b.message);
    (candidates, errors)
}

fn walk_error(root: &Path, error: &ignore::Error) -> WalkError {
    let mut path = root.to_path_buf();
    let mut inner = error;
    loop {
        match inner {
            ignore::Error::WithPath { path: p, err } => {
                path = p.clone();
                inner = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                inner = err
            }
            _ => break,
        }
    }
    let message = match inner {
        ignore::Error::Io(e) => describe_io_error(e),
        ignore::Error::Loop { child, .. } => format!("symbolic link loop at {}", child.display()),
        other => other.to_string(),
    };
    WalkError {
        path: clean(&path),
        message,
    }
}

pub use crate::fsread::describe_io_error;

/// The path to show: relative to the current directory when under it, `./` dropped.
pub fn clean(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    if p.is_absolute()
        && let Ok(cwd) = std::env::current_dir()
        && let Ok(rel) = p.strip_prefix(&cwd)
    {
        p = rel.to_path_buf();
    }
    let p: PathBuf = p
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if p.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        p
    }
}
