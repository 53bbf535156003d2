//! `.gitignore`, `.ignore` and `.git/info/exclude`, matched as git and the
//! `ignore` crate's walker match them, but read through opslint's bounded,
//! inside-the-root reader ([`crate::fsread`]): a committed
//! `.gitignore -> /dev/zero`, a FIFO or a 19 MB ignore file is not the
//! walker's to read without end. The walks (`discover`, the project's file
//! list) turn the `ignore` crate's own reading off and ask [`Ignores`].
//!
//! An ignore file that cannot be read (a link out of the tree, a FIFO, larger
//! than [`MAX_IGNORE_FILE`]) applies no pattern and is reported by the walk
//! that met it ([`Ignores::unread`]), never taken silently.

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Larger ignore files are not read (the largest real ones are a few KiB).
pub const MAX_IGNORE_FILE: u64 = 1024 * 1024;

/// The ignore files of one tree, read once per directory as they are needed.
pub struct Ignores {
    /// The highest directory whose ignore files apply (the repository's root,
    /// else the walk's): nothing above it is read.
    top: PathBuf,
    /// Whether `.ignore` files apply (the checked-file walk) besides git's.
    dot_ignore: bool,
    exclude: Option<Gitignore>,
    by_dir: Mutex<HashMap<PathBuf, Arc<Layer>>>,
    unread: Mutex<Vec<(PathBuf, String)>>,
}

/// One directory's matchers, the stronger first (`.ignore` over `.gitignore`).
#[derive(Default)]
struct Layer(Vec<Gitignore>);

impl Ignores {
    /// The ignore files from `top` down; `dot_ignore` adds `.ignore` files.
    pub fn new(top: &Path, dot_ignore: bool) -> Self {
        let ignores = Ignores {
            top: top.to_path_buf(),
            dot_ignore,
            exclude: None,
            by_dir: Mutex::default(),
            unread: Mutex::default(),
        };
        let exclude = ignores.matcher(top, &top.join(".git/info/exclude"));
        Ignores { exclude, ..ignores }
    }

    /// Whether `path` (absolute, as [`crate::fsread::repository_top`] spells `top`; a
    /// directory when `is_dir`) is ignored: the deepest
    /// ignore file that says anything about it or a parent decides, then
    /// `.git/info/exclude`.
    pub fn ignored(&self, path: &Path, is_dir: bool) -> bool {
        for dir in path.ancestors().skip(1) {
            if !dir.starts_with(&self.top) {
                break;
            }
            for g in &self.layer(dir).0 {
                match g.matched_path_or_any_parents(path, is_dir) {
                    Match::Ignore(_) => return true,
                    Match::Whitelist(_) => return false,
                    Match::None => {}
                }
            }
        }
        self.exclude.as_ref().is_some_and(|g| g.matched_path_or_any_parents(path, is_dir).is_ignore())
    }

    /// The ignore files that exist but could not be read, with why.
    pub fn unread(&self) -> Vec<(PathBuf, String)> {
        let mut out = self.unread.lock().map(|u| u.clone()).unwrap_or_default();
        out.sort();
        out
    }

    fn layer(&self, dir: &Path) -> Arc<Layer> {
        if let Some(found) = self.by_dir.lock().ok().and_then(|m| m.get(dir).cloned()) {
            return found;
        }
        let names: &[&str] = if self.dot_ignore { &[".ignore", ".gitignore"] } else { &[".gitignore"] };
        let layer = Arc::new(Layer(names.iter().filter_map(|n| self.matcher(dir, &dir.join(n))).collect()));
        if let Ok(mut m) = self.by_dir.lock() {
            m.entry(dir.to_path_buf()).or_insert_with(|| layer.clone());
        }
        layer
    }

    /// The matcher of the ignore file `file`, patterns relative to `dir`.
    fn matcher(&self, dir: &Path, file: &Path) -> Option<Gitignore> {
        // Existence without following a link: a dangling one is reported too.
        std::fs::symlink_metadata(file).ok()?;
        let text = match crate::fsread::read_in_tree(&self.top, file, false, MAX_IGNORE_FILE) {
            // git reads bytes: a pattern of another encoding matches nothing.
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                if let Ok(mut u) = self.unread.lock() {
                    u.push((file.to_path_buf(), e.to_string()));
                }
                return None;
            }
        };
        let mut b = GitignoreBuilder::new(dir);
        for line in text.lines() {
            // A line that does not parse is skipped, as git skips it.
            let _ = b.add_line(Some(file.to_path_buf()), line);
        }
        b.build().ok()
    }
}
