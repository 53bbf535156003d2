//! The one way opslint reads a file: regular files only (a FIFO or device would
//! block or never end, `/dev/zero` would fill memory, a `/proc` file lies about
//! its size), at most a given number of bytes, and, for everything that is not
//! named on the command line, only inside the project's root with symbolic
//! links resolved first.
//!
//! The file is opened without blocking (`O_NONBLOCK`: opening a FIFO returns at
//! once) and judged by `fstat` of what was opened, so a path swapped for a FIFO
//! or device between a check and the open is still refused. Checked files,
//! configuration, baselines, manifests, ignore files, the git index, the
//! project context (variables, handlers, NRPE configuration, role files,
//! Molecule scenarios), template sources and a node's `snap.yaml` all come
//! through here: see `docs/security.md`. `tests/security.rs` keeps every other
//! module from opening files itself.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

/// Checked files above this size are reported, not analysed.
pub const MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;
/// Files read for context only (variables, handlers, NRPE configuration, role
/// and template sources): past this they are not worth the memory.
pub const MAX_CONTEXT_SIZE: u64 = 1024 * 1024;
/// Configuration files, baselines' siblings and flag manifests.
pub const MAX_CONFIG_SIZE: u64 = 4 * 1024 * 1024;

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// An I/O error, described for users.
    Io(String),
    /// A directory, FIFO, socket or device.
    NotRegular,
    /// Larger than the limit (`len` is what metadata said, or `limit + 1`
    /// when the file grew while it was read).
    TooLarge { len: u64, limit: u64 },
    /// The path, with links resolved, is not inside the project's root.
    OutsideRoot { resolved: PathBuf },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(m) => f.write_str(m),
            ReadError::NotRegular => {
                f.write_str("not a regular file (a directory, FIFO, socket or device)")
            }
            ReadError::TooLarge { len, limit } if *len > *limit && *len != limit + 1 => write!(
                f,
                "file is too large ({}; the limit is {} MiB)",
                size(*len),
                limit / (1024 * 1024)
            ),
            ReadError::TooLarge { limit, .. } => {
                write!(f, "file is larger than the limit of {} MiB", limit / (1024 * 1024))
            }
            ReadError::OutsideRoot { resolved } => write!(
                f,
                "resolves to {} outside the project's root",
                resolved.display()
            ),
        }
    }
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

pub fn describe_io_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// The bytes of the regular file at `path` (links followed), at most `limit`.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    read_opened(path, limit, false)
}

/// Opens `path` for reading without blocking (and, with `nofollow`, without
/// following a link at its last component), checks what was opened and reads
/// at most `limit` bytes of it.
fn read_opened(path: &Path, limit: u64, nofollow: bool) -> Result<Vec<u8>, ReadError> {
    let mut flags = libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOCTTY;
    if nofollow {
        flags |= libc::O_NOFOLLOW;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) if nofollow => ReadError::Io("is a symbolic link".into()),
            Some(libc::ENXIO) => ReadError::NotRegular,
            _ => ReadError::Io(describe_io_error(&e)),
        })?;
    let opened = file.metadata().map_err(|e| ReadError::Io(describe_io_error(&e)))?;
    if !opened.is_file() || is_pseudo_filesystem(&file) {
        return Err(ReadError::NotRegular);
    }
    if opened.len() > limit {
        return Err(ReadError::TooLarge { len: opened.len(), limit });
    }
    let mut bytes = Vec::with_capacity(opened.len().min(limit) as usize);
    // One byte past the limit: a file that grew meanwhile is still caught.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(describe_io_error(&e)))?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { len: limit + 1, limit });
    }
    Ok(bytes)
}

/// Files of `/proc` and `/sys` say they are regular and empty, then produce
/// without end (`/proc/self/pagemap`): they are not files a tree holds.
fn is_pseudo_filesystem(file: &std::fs::File) -> bool {
    use std::os::fd::AsRawFd;
    const PROC_SUPER_MAGIC: i64 = 0x9fa0;
    const SYSFS_MAGIC: i64 = 0x6265_6572;
    const DEBUGFS_MAGIC: i64 = 0x6462_6720;
    const TRACEFS_MAGIC: i64 = 0x7472_6163;
    const CGROUP2_SUPER_MAGIC: i64 = 0x6367_7270;
    // SAFETY: statfs is plain data the kernel fills in for an open descriptor.
    let mut fs: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: the descriptor is open for the lifetime of `file`.
    if unsafe { libc::fstatfs(file.as_raw_fd(), &mut fs) } != 0 {
        return false;
    }
    #[allow(clippy::unnecessary_cast)]
    let kind = fs.f_type as i64;
    matches!(kind, PROC_SUPER_MAGIC | SYSFS_MAGIC | DEBUGFS_MAGIC | TRACEFS_MAGIC | CGROUP2_SUPER_MAGIC)
}

/// [`read_bounded`] as UTF-8 text.
pub fn read_text_bounded(path: &Path, limit: u64) -> Result<String, ReadError> {
    let bytes = read_bounded(path, limit)?;
    String::from_utf8(bytes).map_err(|_| ReadError::Io("not valid UTF-8".into()))
}

/// `path` with links resolved, when it lies inside `root` (itself resolved).
pub fn confine(root: &Path, path: &Path) -> Result<PathBuf, ReadError> {
    let resolved = std::fs::canonicalize(path).map_err(|e| ReadError::Io(describe_io_error(&e)))?;
    let root = canonical_root(root);
    if resolved.starts_with(&root) {
        Ok(resolved)
    } else {
        Err(ReadError::OutsideRoot { resolved })
    }
}

/// The resolved form of a root, once per process and root (it is asked for
/// every context file).
pub(crate) fn canonical_root(root: &Path) -> PathBuf {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, PathBuf>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().ok().and_then(|c| c.get(root).cloned()) {
        return found;
    }
    let resolved = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    if let Ok(mut c) = cache.lock() {
        c.insert(root.to_path_buf(), resolved.clone());
    }
    resolved
}

/// Text of a file inside `root` (links resolved and checked), at most `limit`
/// bytes: how context files are read.
pub fn read_confined(root: &Path, path: &Path, limit: u64) -> Result<String, ReadError> {
    let resolved = confine(root, path)?;
    let bytes = read_opened(&resolved, limit, true)?;
    String::from_utf8(bytes).map_err(|_| ReadError::Io("not valid UTF-8".into()))
}

/// The bytes of a file of the tree: inside `root` with links resolved, or a
/// path the user named on the command line outside the project (an
/// `explicit` path whose own spelling lies outside `root`). A path written
/// inside the project that leads out through a link (a linked file or
/// directory) is [`ReadError::OutsideRoot`]: its content must not reach a
/// report.
pub fn read_in_tree(root: &Path, path: &Path, explicit: bool, limit: u64) -> Result<Vec<u8>, ReadError> {
    match place(root, path, explicit)? {
        Place::Inside(resolved) => read_opened(&resolved, limit, true),
        Place::NamedOutside => read_opened(path, limit, false),
    }
}

/// Where a path of a run lies, for reading or writing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// Inside the project's root, links resolved: the resolved path.
    Inside(PathBuf),
    /// Named on the command line, spelt outside the project's root.
    NamedOutside,
}

/// Whether `path` may be read or written: inside `root` once links are
/// resolved, or named on the command line (`explicit`) by a spelling that
/// lies outside `root` (`opslint check /tmp/x.sh`, `--output-file ../r.json`).
pub fn place(root: &Path, path: &Path, explicit: bool) -> Result<Place, ReadError> {
    match confine(root, path) {
        Ok(resolved) => Ok(Place::Inside(resolved)),
        Err(ReadError::OutsideRoot { .. }) if explicit && spelt_outside(root, path) => Ok(Place::NamedOutside),
        Err(e) => Err(e),
    }
}

/// Whether `path`, as written (made absolute, `.` and `..` folded without
/// resolving links), lies outside `root` as written and as resolved.
pub fn spelt_outside(root: &Path, path: &Path) -> bool {
    let spelt = lexical_absolute(path);
    !spelt.starts_with(lexical_absolute(root)) && !spelt.starts_with(canonical_root(root))
}

/// The directories a search for the project's root or configuration looks at
/// from `start` upwards, as written (made absolute, links not resolved). A
/// directory that is a link is passed over when a directory above it is a
/// repository's root: a link inside a repository (`roles -> /elsewhere`) does
/// not move the project out of it. A link outside any repository
/// (`~/work -> /srv/repo`) is the user's own way in and is searched.
pub fn search_ancestors(start: &Path) -> Vec<PathBuf> {
    let start = lexical_absolute(start);
    let all: Vec<&Path> = start.ancestors().collect();
    all.iter()
        .enumerate()
        .filter(|(i, dir)| {
            !std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink())
                || !all[i + 1..].iter().any(|up| up.join(".git").exists())
        })
        .map(|(_, dir)| dir.to_path_buf())
        .collect()
}

/// The repository root at or above `dir` as written (the nearest directory
/// holding `.git`), else `dir` itself: how far up a tree's own files reach.
pub fn repository_top(dir: &Path) -> PathBuf {
    let dir = lexical_absolute(dir);
    dir.ancestors().find(|d| d.join(".git").exists()).unwrap_or(&dir).to_path_buf()
}

/// `path` made absolute against the working directory, with `.` dropped and
/// `..` taken lexically (links are not resolved).
pub fn lexical_absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_links_out_and_growth_are_refused() {
        assert_eq!(read_bounded(Path::new("/dev/zero"), 10), Err(ReadError::NotRegular));
        let dir = tempfile::tempdir().unwrap();
        let inside = dir.path().join("in");
        std::fs::create_dir(&inside).unwrap();
        std::fs::write(dir.path().join("secret"), "s").unwrap();
        std::os::unix::fs::symlink("../secret", inside.join("link")).unwrap();
        std::fs::write(inside.join("ok"), "0123456789").unwrap();
        assert!(matches!(
            read_confined(&inside, &inside.join("link"), 10),
            Err(ReadError::OutsideRoot { .. })
        ));
        assert_eq!(read_confined(&inside, &inside.join("ok"), 10).unwrap(), "0123456789");
        assert_eq!(
            read_confined(&inside, &inside.join("ok"), 9),
            Err(ReadError::TooLarge { len: 10, limit: 9 })
        );
        assert!(matches!(
            read_confined(&inside, &inside.join("../secret"), 10),
            Err(ReadError::OutsideRoot { .. })
        ));
    }
}
