//! The one way opslint reads a file: regular files only (a FIFO or device would
//! block or never end, `/dev/zero` would fill memory), at most a given number of
//! bytes, and, for everything that is not named on the command line, only inside
//! the project's root with symbolic links resolved first.
//!
//! Checked files, configuration, baselines, manifests, the project context
//! (variables, handlers, NRPE configuration, role files) and template sources
//! all come through here: see `docs/security.md`.

use std::io::Read;
use std::path::{Path, PathBuf};

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
    let meta = std::fs::metadata(path).map_err(|e| ReadError::Io(describe_io_error(&e)))?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge { len: meta.len(), limit });
    }
    let file = std::fs::File::open(path).map_err(|e| ReadError::Io(describe_io_error(&e)))?;
    // The file was opened after the check: test the opened file again, so a
    // path swapped for a FIFO or device meanwhile is still refused.
    let opened = file.metadata().map_err(|e| ReadError::Io(describe_io_error(&e)))?;
    if !opened.is_file() {
        return Err(ReadError::NotRegular);
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
    read_text_bounded(&resolved, limit)
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
