//! The one way opslint writes a file: fixed files, `--write-baseline` and
//! `--output-file` all come through [`write_file`].
//!
//! A checked repository may hold links planted where opslint writes
//! (`.opslint-baseline.json -> ~/.bashrc`, `reports -> /home/user`), so:
//! - the target is never opened for writing: a temporary file is created beside
//!   it (`O_EXCL`, never a link) and renamed over the path, and a rename
//!   replaces a link rather than writing through it;
//! - a link at the last component is refused outright, whatever it points to;
//! - the directory it goes into, links resolved, must be inside the project's
//!   root, unless the user named the path on the command line spelt outside
//!   the project (`--output-file /tmp/report.sarif`).
//!
//! `tests/security.rs` keeps every other module from opening files for
//! writing itself, and holds a test per writer with a link to a victim file.

use crate::fsread::{Place, ReadError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a file was not written.
#[derive(Debug)]
pub enum WriteError {
    /// The path's last component is a symbolic link.
    Link,
    /// The directory it would go into lies outside the project's root.
    OutsideRoot { resolved: PathBuf },
    /// An I/O error, described for users.
    Io(String),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Link => f.write_str("it is a symbolic link; opslint does not write through links"),
            WriteError::OutsideRoot { resolved } => write!(
                f,
                "it resolves to {} outside the project's root",
                resolved.display()
            ),
            WriteError::Io(m) => f.write_str(m),
        }
    }
}

/// Where a file may be written, and who named it.
#[derive(Debug, Clone, Copy)]
pub struct Dest<'a> {
    /// The project's root: what a repository's links may not lead out of.
    pub root: &'a Path,
    pub path: &'a Path,
    /// Named by the user on the command line (an output file, a baseline):
    /// may lie outside the project when spelt so. Fixed files are not.
    pub explicit: bool,
}

/// Writes what `content` produces to `dest` through a temporary file beside
/// it, renamed over the path. The permissions of the file it replaces are
/// kept; a new file gets the process's default ones.
pub fn write_file(
    dest: Dest<'_>,
    content: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let target = target(dest)?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let keep = std::fs::symlink_metadata(&target).ok().filter(|m| m.is_file()).map(|m| m.permissions());
    let mut tmp = tempfile::Builder::new()
        .prefix(".opslint-")
        .tempfile_in(dir)
        .map_err(|e| WriteError::Io(format!("cannot create a temporary file beside it: {e}")))?;
    {
        let mut out = std::io::BufWriter::new(tmp.as_file_mut());
        content(&mut out)
            .and_then(|()| out.flush())
            .map_err(|e| WriteError::Io(format!("cannot write: {e}")))?;
    }
    tmp.as_file().sync_all().map_err(|e| WriteError::Io(format!("cannot write: {e}")))?;
    if let Some(permissions) = keep {
        std::fs::set_permissions(tmp.path(), permissions)
            .map_err(|e| WriteError::Io(format!("cannot keep the permissions: {e}")))?;
    }
    // The last component is checked again just before the rename; the rename
    // itself replaces whatever is at the path and never writes through it.
    if is_link(&target) {
        return Err(WriteError::Link);
    }
    tmp.persist(&target)
        .map_err(|e| WriteError::Io(format!("cannot replace the file: {}", e.error)))?;
    Ok(())
}

/// [`write_file`] of bytes.
pub fn write_bytes(dest: Dest<'_>, bytes: &[u8]) -> Result<(), WriteError> {
    write_file(dest, |out| out.write_all(bytes))
}

/// The path to rename onto: its directory with links resolved and checked,
/// joined to its own name, which must not be a link.
fn target(dest: Dest<'_>) -> Result<PathBuf, WriteError> {
    let path = dest.path;
    if is_link(path) {
        return Err(WriteError::Link);
    }
    let name = path
        .file_name()
        .ok_or_else(|| WriteError::Io("names no file".into()))?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let placed = crate::fsread::place(dest.root, dir, dest.explicit);
    match placed {
        Ok(Place::Inside(resolved)) => Ok(resolved.join(name)),
        Ok(Place::NamedOutside) => Ok(path.to_path_buf()),
        Err(ReadError::OutsideRoot { resolved }) => Err(WriteError::OutsideRoot { resolved: resolved.join(name) }),
        Err(e) => Err(WriteError::Io(format!("cannot resolve its directory: {e}"))),
    }
}

fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_directories_out_of_the_root_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        std::os::unix::fs::symlink(&victim, root.join("link")).unwrap();
        std::os::unix::fs::symlink(dir.path(), root.join("out")).unwrap();
        let write = |path: &Path, explicit: bool| write_bytes(Dest { root: &root, path, explicit }, b"new");
        assert!(matches!(write(&root.join("link"), true), Err(WriteError::Link)));
        assert!(matches!(write(&root.join("out/victim"), true), Err(WriteError::OutsideRoot { .. })));
        assert!(matches!(write(&root.join("out/new"), false), Err(WriteError::OutsideRoot { .. })));
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        write(&root.join("sub/ok"), false).unwrap();
        assert_eq!(std::fs::read_to_string(root.join("sub/ok")).unwrap(), "new");
        // Named outside the project, not a link: the user's choice.
        write(&dir.path().join("report"), true).unwrap();
        assert!(matches!(write(&dir.path().join("report"), false), Err(WriteError::OutsideRoot { .. })));
    }
}
