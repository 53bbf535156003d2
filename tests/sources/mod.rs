//! The crate's own source, read by the tests that keep its structure: every
//! `src/**/*.rs` with its `#[cfg(test)]` module and `//` comments left out
//! (line numbers kept).
#![allow(dead_code)] // shared by several test binaries, each reads part of it

use std::path::{Path, PathBuf};

pub struct SourceFile {
    /// `src/lang/shell/mod.rs`
    pub path: String,
    /// `lang/shell`
    pub module: String,
    /// The code, comments blanked, the test module cut off.
    pub code: String,
}

pub fn rust_sources() -> Vec<SourceFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("source");
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            let code = code
                .lines()
                .map(|l| match l.find("//") {
                    Some(i) => &l[..i],
                    None => l,
                })
                .collect::<Vec<_>>()
                .join("\n");
            let rel = path.strip_prefix(&src).expect("under src").with_extension("");
            let mut module = rel.to_string_lossy().into_owned();
            if let Some(parent) = module.strip_suffix("/mod") {
                module = parent.to_string();
            }
            SourceFile {
                path: path.strip_prefix(root).expect("under root").to_string_lossy().into_owned(),
                module,
                code,
            }
        })
        .collect()
}
