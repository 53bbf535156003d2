//! The files a differential oracle compares: shared by the shell and YAML
//! oracles (tests and examples).

use std::path::{Path, PathBuf};

/// Every file under `dir` that `keep` accepts, `.git` left out, sorted.
pub fn files_under(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut files: Vec<_> = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(ignore::DirEntry::into_path)
        .filter(|p| !p.components().any(|c| c.as_os_str() == ".git"))
        .filter(|p| keep(p))
        .collect();
    files.sort();
    files
}

/// The files named on a command line: a file as given, a directory as
/// `list` finds its files.
#[allow(dead_code)] // the examples use it, the tests do not
pub fn files_of_args(args: &[String], list: impl Fn(&Path) -> Vec<PathBuf>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for arg in args {
        let p = Path::new(arg);
        if p.is_file() {
            files.push(p.to_path_buf());
        } else {
            files.extend(list(p));
        }
    }
    files
}
