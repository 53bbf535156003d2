//! The Ansible modules whose tasks write text into the file their
//! destination names, and the arguments that hold the text: the table in
//! `lints/args_writers.json` (each module cites its documentation). The
//! Ansible front-end reads args-file edits with it; the rules that judge
//! those edits look for its module names in a file.

use serde::Deserialize;
use std::sync::OnceLock;

static TABLE: &str = include_str!("../lints/args_writers.json");

/// A module that writes text into its destination.
#[derive(Debug, Deserialize)]
pub struct Writer {
    /// Short name (`lineinfile`; also written `ansible.builtin.lineinfile`).
    pub module: String,
    /// The arguments whose value is written (`line`), first found wins.
    pub content: Vec<String>,
    /// The argument naming a file of the repository whose text is written
    /// (`src` of `template` and `copy`).
    pub source_file: Option<String>,
    pub source: String,
    pub quote: String,
}

#[derive(Debug, Deserialize)]
struct Table {
    modules: Vec<Writer>,
}

/// The table, parsed once (it is part of the binary: a test parses it).
pub fn writers() -> &'static [Writer] {
    static PARSED: OnceLock<Vec<Writer>> = OnceLock::new();
    PARSED.get_or_init(|| {
        serde_json::from_str::<Table>(TABLE)
            .expect("lints/args_writers.json is valid (tested)")
            .modules
    })
}

/// The writer `module` (a short name), if it is one.
pub fn writer(module: &str) -> Option<&'static Writer> {
    writers().iter().find(|w| w.module == module)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_module_cites_its_documentation() {
        let writers = super::writers();
        assert!(!writers.is_empty());
        for w in writers {
            assert!(w.source.starts_with("https://github.com/ansible/ansible/blob/"), "{}", w.module);
            assert!(!w.quote.is_empty(), "{}", w.module);
            assert!(!w.content.is_empty() || w.source_file.is_some(), "{} writes nothing", w.module);
        }
    }
}
