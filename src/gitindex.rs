//! The files git tracks, read from `.git/index` directly. opslint never runs
//! `git` in a checked tree: git honours the repository's own `.git/config`
//! (`core.fsmonitor`, `core.hooksPath`, …), so running it would run whatever a
//! cloned repository put there.
//!
//! Index versions 2, 3 and 4 (prefix-compressed paths) are read, with SHA-1 or
//! SHA-256 object names. A split index (`link` extension) or a sparse index
//! (directory entries) is not a complete list of files: `None`, and the caller
//! walks the tree instead. Format: git's `Documentation/gitformat-index.txt`.

use std::path::{Path, PathBuf};

/// Entries of `.git/index` above this size are not read (64 MiB holds about a
/// million paths).
const MAX_INDEX_SIZE: u64 = 64 * 1024 * 1024;

const MODE_TYPE_MASK: u32 = 0o170000;
const MODE_GITLINK: u32 = 0o160000;
const MODE_DIR: u32 = 0o040000;

/// The tracked files of the work tree at `root` (joined to it), sorted; `None`
/// when `root` holds no git repository or its index cannot be read completely.
pub fn tracked_files(root: &Path) -> Option<Vec<PathBuf>> {
    let git_dir = git_dir(root)?;
    let bytes = crate::fsread::read_bounded(&git_dir.join("index"), MAX_INDEX_SIZE).ok()?;
    let hash_len = if sha256_repository(&git_dir) { 32 } else { 20 };
    let names = parse(&bytes, hash_len)?;
    let mut files: Vec<PathBuf> = names
        .into_iter()
        .filter_map(|name| String::from_utf8(name).ok())
        .filter(|name| is_safe_relative(name))
        .map(|name| root.join(name))
        .collect();
    files.sort();
    files.dedup();
    Some(files)
}

/// `.git` as a directory, or a `gitdir: PATH` file (worktrees, submodules).
fn git_dir(root: &Path) -> Option<PathBuf> {
    let dot_git = root.join(".git");
    let meta = std::fs::symlink_metadata(&dot_git).ok()?;
    if meta.is_dir() {
        return Some(dot_git);
    }
    let text = crate::fsread::read_text_bounded(&dot_git, 4096).ok()?;
    let target = text.strip_prefix("gitdir:")?.trim();
    let path = Path::new(target);
    Some(if path.is_absolute() { path.to_path_buf() } else { root.join(path) })
}

/// `extensions.objectFormat = sha256` in the repository's configuration (read
/// as text, never interpreted by git).
fn sha256_repository(git_dir: &Path) -> bool {
    let Ok(config) = crate::fsread::read_text_bounded(&git_dir.join("config"), 1024 * 1024) else {
        return false;
    };
    config.lines().any(|l| {
        let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
        l.eq_ignore_ascii_case("objectformat=sha256")
    })
}

/// Paths from the index must stay below the work tree.
fn is_safe_relative(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && name.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

/// The path names of an index (every stage; gitlinks left out), or `None` when
/// the bytes are not an index this reader can take completely.
pub fn parse(bytes: &[u8], hash_len: usize) -> Option<Vec<Vec<u8>>> {
    let be32 = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    if bytes.get(0..4)? != b"DIRC" {
        return None;
    }
    let version = be32(4)?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = be32(8)? as usize;
    // Every entry takes at least 40 + hash + 2 bytes: a count the file cannot
    // hold is a damaged index, not a reason to reserve memory.
    let fixed = 40 + hash_len + 2;
    if count > bytes.len() / fixed {
        return None;
    }
    let mut names = Vec::with_capacity(count);
    let mut at = 12;
    let mut previous: Vec<u8> = Vec::new();
    for _ in 0..count {
        let entry = at;
        let mode = be32(entry + 24)?;
        let flags_at = entry + 40 + hash_len;
        let flags = u16::from_be_bytes(bytes.get(flags_at..flags_at + 2)?.try_into().ok()?);
        let mut name_at = flags_at + 2;
        if flags & 0x4000 != 0 {
            if version < 3 {
                return None;
            }
            name_at += 2;
        }
        let name = if version == 4 {
            // A varint of how many bytes to drop from the previous name, then
            // the rest of this one, NUL-terminated, no padding.
            let (strip, used) = varint(bytes.get(name_at..)?)?;
            name_at += used;
            let len = memchr::memchr(0, bytes.get(name_at..)?)?;
            let keep = previous.len().checked_sub(strip)?;
            let mut name = previous[..keep].to_vec();
            name.extend_from_slice(&bytes[name_at..name_at + len]);
            at = name_at + len + 1;
            name
        } else {
            let len = memchr::memchr(0, bytes.get(name_at..)?)?;
            let name = bytes[name_at..name_at + len].to_vec();
            // Padded with 1–8 NULs to a multiple of 8 bytes from the entry start.
            let used = name_at + len - entry;
            at = entry + (used + 8) / 8 * 8;
            name
        };
        match mode & MODE_TYPE_MASK {
            MODE_DIR => return None, // a sparse index: directories stand for files
            MODE_GITLINK => {}
            _ => names.push(name.clone()),
        }
        previous = name;
    }
    // Extensions: a split index keeps most entries in another file.
    while at + 8 <= bytes.len().saturating_sub(hash_len) {
        let signature = &bytes[at..at + 4];
        let len = be32(at + 4)? as usize;
        if signature == b"link" {
            return None;
        }
        at = at.checked_add(8 + len)?;
    }
    Some(names)
}

/// Git's offset varint (`varint.c`): 7 bits a byte, each continuation adds one.
fn varint(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut value: usize = 0;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        if i > 0 {
            value = value.checked_add(1)?.checked_mul(128)?;
        }
        value |= (b & 0x7f) as usize;
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_indexes_are_refused_not_trusted() {
        assert_eq!(parse(b"", 20), None);
        assert_eq!(parse(b"DIRC\0\0\0\x02\xff\xff\xff\xff", 20), None);
        assert_eq!(parse(b"DIRC\0\0\0\x02\0\0\0\0", 20), Some(vec![]));
        assert_eq!(parse(b"DIRC\0\0\0\x09\0\0\0\0", 20), None);
        assert!(!is_safe_relative("../x"));
        assert!(!is_safe_relative("a//b"));
        assert!(!is_safe_relative("/etc/passwd"));
        assert!(is_safe_relative("roles/x/tasks/main.yml"));
    }

    #[test]
    fn varints_follow_git() {
        assert_eq!(varint(&[0x05]), Some((5, 1)));
        assert_eq!(varint(&[0x80, 0x00]), Some((128, 2)));
        assert_eq!(varint(&[0x81, 0x7f]), Some((383, 2)));
    }
}
