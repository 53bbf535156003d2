//! Baselines: `check --write-baseline FILE` records the current findings;
//! `check --baseline FILE` hides them and reports only new ones. Entries are
//! keyed by path, rule and the flagged text (see
//! [`crate::report::fingerprint`]), not by line, so edits elsewhere in a file
//! keep them valid. Entries of checked files that match nothing are stale.

use crate::linter::FileReport;
use crate::report::fingerprint::keys;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::Mutex;

pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    pub path: String,
    pub rule: String,
    /// The flagged text, whitespace collapsed.
    pub content: String,
    /// Which occurrence of the same rule and text in the file (from 1).
    pub occurrence: usize,
    /// The message when it was recorded (for readers; not part of the key).
    #[serde(default)]
    pub message: String,
}

impl Entry {
    fn key(&self) -> (&str, &str, &str, usize) {
        (&self.path, &self.rule, &self.content, self.occurrence)
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct File {
    version: u32,
    entries: Vec<Entry>,
}

/// The entries of one report.
pub fn entries(report: &FileReport) -> Vec<Entry> {
    let path = crate::report::display_path(report);
    report
        .diagnostics
        .iter()
        .zip(keys(report))
        .map(|(d, (content, occurrence))| Entry {
            path: path.clone(),
            rule: d.rule.to_string(),
            content,
            occurrence,
            message: d.message.to_string(),
        })
        .collect()
}

/// Writes the baseline through [`crate::fswrite`]: never through a link, and
/// inside `root` unless the path is spelt outside it.
pub fn write(root: &std::path::Path, path: &std::path::Path, mut all: Vec<Entry>) -> Result<(), String> {
    all.sort();
    let file = File {
        version: VERSION,
        entries: all,
    };
    let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())? + "\n";
    let dest = crate::fswrite::Dest { root, path, explicit: true };
    crate::fswrite::write_bytes(dest, text.as_bytes()).map_err(|e| e.to_string())
}

/// A loaded baseline, shared by the threads that check files.
pub struct Baseline {
    entries: Vec<Entry>,
    matched: Mutex<BTreeSet<usize>>,
    checked: Mutex<BTreeSet<String>>,
}

impl Baseline {
    pub fn load(path: &std::path::Path) -> Result<Baseline, String> {
        // Baselines hold one entry per finding of a whole repository.
        let text = crate::fsread::read_text_bounded(path, 64 * crate::fsread::MAX_CONFIG_SIZE)
            .map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
        let file: File = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not an opslint baseline: {e}", path.display()))?;
        if file.version != VERSION {
            return Err(format!(
                "{}: baseline version {} (this opslint reads version {VERSION})",
                path.display(),
                file.version
            ));
        }
        Ok(Baseline {
            entries: file.entries,
            matched: Mutex::new(BTreeSet::new()),
            checked: Mutex::new(BTreeSet::new()),
        })
    }

    /// Removes the findings the baseline records from `report`; returns how many.
    pub fn filter(&self, report: &mut FileReport) -> usize {
        let found = entries(report);
        if let Ok(mut checked) = self.checked.lock() {
            checked.insert(crate::report::display_path(report));
        }
        let mut keep = Vec::with_capacity(report.diagnostics.len());
        let mut hidden = 0;
        for (d, e) in std::mem::take(&mut report.diagnostics).into_iter().zip(&found) {
            match self.entries.iter().position(|b| b.key() == e.key()) {
                Some(i) => {
                    hidden += 1;
                    if let Ok(mut m) = self.matched.lock() {
                        m.insert(i);
                    }
                }
                None => keep.push(d),
            }
        }
        report.diagnostics = keep;
        hidden
    }

    /// Entries of files checked in this run that matched no finding.
    pub fn stale(&self) -> Vec<&Entry> {
        let matched = self.matched.lock().map(|m| m.clone()).unwrap_or_default();
        let checked = self.checked.lock().map(|c| c.clone()).unwrap_or_default();
        self.entries
            .iter()
            .enumerate()
            .filter(|(i, e)| !matched.contains(i) && checked.contains(&e.path))
            .map(|(_, e)| e)
            .collect()
    }
}
