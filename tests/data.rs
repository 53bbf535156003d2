//! The data under `lints/` against its sources: the check scripts run, and
//! every quote of `waits.json` is found at its cited line of the cited file.
//!
//! The quotes are checked against local clones of the cited repositories when
//! `OPSLINT_SOURCE_MIRRORS` names a directory holding them (one clone per
//! repository, named `OWNER+NAME`, a bare or a working clone, or its `repo`
//! sub-directory). The clones are not part of CI: without them the test says
//! NOT RUN for each repository it could not read, and checks the rest.

mod skip;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> Option<&'static str> {
    ["python3", "python"].into_iter().find(|p| {
        Command::new(p).arg("--version").output().is_ok_and(|o| o.status.success())
    })
}

/// `lints/check_snap_revisions.py` passes on the embedded table.
#[test]
fn snap_revision_table_passes_its_check() {
    let Some(py) = python() else {
        skip::skip("snap_revision_table_passes_its_check", "python3", "install Python 3");
        return;
    };
    let out = Command::new(py)
        .arg(root().join("lints/check_snap_revisions.py"))
        .output()
        .expect("run the check");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.trim_end().ends_with("OK"), "{text}");
}

/// `https://github.com/OWNER/NAME/blob/REF/PATH#L12` → its parts.
fn parse(url: &str) -> (String, String, String, Option<usize>) {
    let rest = url.strip_prefix("https://github.com/").expect("a GitHub address");
    let (rest, line) = match rest.split_once("#L") {
        Some((r, l)) => (r, Some(l.split('-').next().unwrap_or(l).parse().expect("a line number"))),
        None => (rest, None),
    };
    let mut parts = rest.splitn(5, '/');
    let (owner, name, blob, reference, path) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    assert_eq!(blob, "blob", "{url}");
    (format!("{owner}+{name}"), reference.to_string(), path.to_string(), line)
}

fn clone_of(mirrors: &Path, repo: &str) -> Option<PathBuf> {
    [mirrors.join(repo).join("repo"), mirrors.join(repo)]
        .into_iter()
        .find(|p| Command::new("git").arg("-C").arg(p).args(["rev-parse", "--git-dir"]).output().is_ok_and(|o| o.status.success()))
}

#[test]
fn every_wait_quote_is_at_its_cited_line() {
    let text = std::fs::read_to_string(root().join("lints/waits.json")).expect("waits.json");
    let table: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut quotes = Vec::new();
    for entry in table["entries"].as_array().expect("entries") {
        let source = entry["source"].as_str().expect("source");
        parse(source);
        let quoted = entry["quotes"].as_array().expect("quotes");
        assert!(!quoted.is_empty(), "{source}: no quote");
        for q in quoted {
            let url = q["url"].as_str().expect("url");
            let text = q["text"].as_str().expect("text");
            let (repo, reference, path, line) = parse(url);
            quotes.push((repo, reference, path, line, text.to_string(), url.to_string()));
        }
    }
    check_quotes("every_wait_quote_is_at_its_cited_line", "waits.json", quotes);
}

/// Every quote of a public file in `snap-revisions.json` is at its line.
#[test]
fn every_snap_revision_quote_is_at_its_cited_line() {
    let text = std::fs::read_to_string(root().join("lints/manifests/snap-revisions.json")).expect("snap-revisions.json");
    let table: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut quotes = Vec::new();
    for row in table["revisions"].as_array().expect("revisions") {
        for s in row["sources"].as_array().expect("sources") {
            let url = s["url"].as_str().expect("url");
            if !url.starts_with("https://github.com/") || !url.contains("/blob/") {
                continue;
            }
            let (repo, reference, path, line) = parse(url);
            assert!(line.is_some(), "{url}: no line");
            let path = percent_decoded(&path);
            quotes.push((repo, reference, path, line, s["quote"].as_str().expect("quote").trim().to_string(), url.to_string()));
        }
    }
    assert!(quotes.len() > 100, "{}", quotes.len());
    check_quotes("every_snap_revision_quote_is_at_its_cited_line", "snap-revisions.json", quotes);
}

/// `Medium%20%F0%9F%9A%A9` → `Medium 🚩`.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8 path")
}

type Quoted = (String, String, String, Option<usize>, String, String);

fn check_quotes(test: &str, file: &str, quotes: Vec<Quoted>) {
    let Some(mirrors) = std::env::var_os("OPSLINT_SOURCE_MIRRORS").map(PathBuf::from) else {
        let _ = writeln!(
            std::io::stderr(),
            "\nNOT RUN {test}: set OPSLINT_SOURCE_MIRRORS to a directory of clones (OWNER+NAME) of the repositories {file} cites ({} quotes)",
            quotes.len()
        );
        return;
    };
    let mut checked = 0;
    let mut missing = std::collections::BTreeSet::new();
    let mut wrong = Vec::new();
    for (repo, reference, path, line, text, url) in &quotes {
        let Some(clone) = clone_of(&mirrors, repo) else {
            missing.insert(repo.clone());
            continue;
        };
        let out = Command::new("git")
            .arg("-C")
            .arg(&clone)
            .args(["show", &format!("{reference}:{path}")])
            .output()
            .expect("git");
        if !out.status.success() {
            wrong.push(format!("{url}: not in the clone ({})", String::from_utf8_lossy(&out.stderr).trim()));
            continue;
        }
        let file = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = file.lines().map(str::trim).collect();
        // The quote is the line, or (an output pasted in a page) part of it.
        let found = match line {
            Some(n) => lines.get(n - 1).is_some_and(|l| l.contains(text.as_str())),
            None => lines.iter().any(|l| l.contains(text.as_str())),
        };
        if !found {
            wrong.push(format!("{url}: {text:?} is not there (the line reads {:?})", line.and_then(|n| lines.get(n - 1))));
        }
        checked += 1;
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    if !missing.is_empty() {
        let _ = writeln!(
            std::io::stderr(),
            "\nNOT RUN {test} for {}: no clone in OPSLINT_SOURCE_MIRRORS ({checked} quotes checked)",
            missing.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    assert!(checked > 0, "no cited repository has a clone in OPSLINT_SOURCE_MIRRORS");
}

/// The extract scripts regenerate the embedded manifests byte for byte from
/// clones of their sources (`OPSLINT_SOURCE_MIRRORS`, as above: the clones
/// need every branch and tag). NOT RUN without them.
#[test]
fn extract_scripts_regenerate_the_manifests() {
    let needed = ["canonical+k8s-dqlite", "kubernetes+component-base", "spf13+cobra", "canonical+microk8s", "containerd+containerd"];
    let mirrors = std::env::var_os("OPSLINT_SOURCE_MIRRORS").map(PathBuf::from);
    let clones: Option<Vec<PathBuf>> = mirrors.as_ref().and_then(|m| needed.iter().map(|r| clone_of(m, r)).collect());
    let Some(clones) = clones else {
        let _ = writeln!(
            std::io::stderr(),
            "\nNOT RUN extract_scripts_regenerate_the_manifests: set OPSLINT_SOURCE_MIRRORS to a directory of clones of {}",
            needed.join(", ")
        );
        return;
    };
    let Some(py) = python() else {
        skip::skip("extract_scripts_regenerate_the_manifests", "python3", "install Python 3");
        return;
    };
    let lints = root().join("lints");
    let work = tempfile::tempdir().expect("tempdir");
    let run = |script: &str, args: Vec<std::ffi::OsString>, out: &str| {
        let o = Command::new(py).arg(lints.join(script)).args(&args).output().expect("run");
        assert!(o.status.success(), "{script}: {}", String::from_utf8_lossy(&o.stderr));
        let path = work.path().join(out);
        std::fs::write(&path, &o.stdout).expect("write");
        let committed = std::fs::read(lints.join("manifests").join(out)).expect("committed manifest");
        assert!(o.stdout == committed, "{script} does not reproduce lints/manifests/{out}");
        path
    };
    let os = |p: &Path| p.as_os_str().to_owned();
    let dqlite = run("extract_k8s_dqlite.py", vec![os(&clones[0]), os(&clones[1]), os(&clones[2])], "k8s-dqlite.json");
    let microk8s = run("extract_microk8s.py", vec![os(&clones[3]), os(&dqlite)], "microk8s.json");
    run("extract_containerd.py", vec![os(&clones[4]), os(&microk8s)], "containerd.json");
}
