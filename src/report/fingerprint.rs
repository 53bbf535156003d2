//! Stable identities of findings, independent of line numbers: the path, the
//! rule and the flagged text (whitespace-normalised), plus which occurrence of
//! that same text in the file it is. Used by the GitLab report and baselines.

use crate::diagnostic::Diagnostic;
use crate::linter::FileReport;
use std::collections::HashMap;

/// FNV-1a, 64 bits, with a seed: stable across platforms and Rust versions.
fn fnv1a(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64 ^ seed;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The flagged text with runs of whitespace collapsed, at most 200 bytes.
pub fn flagged_text(report: &FileReport, d: &Diagnostic) -> String {
    let text = report.source.slice(d.span);
    let mut out: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if out.len() > 200 {
        let mut end = 200;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
    out
}

/// One key per diagnostic of `report`, in order: `(content, occurrence)`.
pub fn keys(report: &FileReport) -> Vec<(String, usize)> {
    let mut seen: HashMap<(String, &str), usize> = HashMap::new();
    report
        .diagnostics
        .iter()
        .map(|d| {
            let content = flagged_text(report, d);
            let n = seen.entry((content.clone(), d.rule)).or_insert(0);
            *n += 1;
            (content, *n)
        })
        .collect()
}

/// A 32-hex-digit fingerprint of `(path, rule, content, occurrence)`.
pub fn fingerprint(path: &str, rule: &str, content: &str, occurrence: usize) -> String {
    let data = format!("{path}\0{rule}\0{content}\0{occurrence}");
    format!(
        "{:016x}{:016x}",
        fnv1a(0, data.as_bytes()),
        fnv1a(0x9e37_79b9_7f4a_7c15, data.as_bytes())
    )
}

/// One fingerprint per diagnostic of `report`, in order (GitLab, SARIF).
pub fn fingerprints(report: &FileReport) -> Vec<String> {
    let path = crate::report::display_path(report);
    report
        .diagnostics
        .iter()
        .zip(keys(report))
        .map(|(d, (content, n))| fingerprint(&path, d.rule, &content, n))
        .collect()
}
