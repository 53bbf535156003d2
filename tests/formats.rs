//! CI output formats (SARIF, GitHub, GitLab, JUnit) and `--output-file`,
//! checked against the real consumers' rules where a tool exists: the SARIF
//! output is validated with Microsoft's `sarif-multitool` (installed by
//! `.ci/run`; the test says so and skips when it is not there).

mod skip;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::cargo_bin("opslint").expect("binary built");
    cmd.env_remove("NO_COLOR").env_remove("GITHUB_ACTIONS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.current_dir(dir).args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, content) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, content).expect("write");
    }
    dir
}

const SCRIPT: &str = "#!/bin/bash\n# check, 100%\nmicrok8s kubectl get nodes\n";

#[test]
fn github_annotations_and_automatic_choice() {
    let dir = tree(&[("checks/a,b.sh", SCRIPT)]);
    let expected = "::error file=checks/a%2Cb.sh,line=3,col=1,endLine=3,endColumn=27,title=opslint (kubectl-request-timeout)::`microk8s kubectl get nodes` has no `--request-timeout`: it waits forever when the API server does not answer\n";
    let (code, stdout, _) = run_in(dir.path(), &["check", "--format", "github"], &[]);
    assert_eq!(code, 1);
    assert_eq!(stdout, expected);
    let (_, stdout, _) = run_in(dir.path(), &["check"], &[("GITHUB_ACTIONS", "true")]);
    assert_eq!(stdout, expected);
    // An explicit format wins.
    let (_, stdout, _) = run_in(
        dir.path(),
        &["check", "--format", "concise"],
        &[("GITHUB_ACTIONS", "true")],
    );
    assert!(stdout.starts_with("checks/a,b.sh:3:1: error[kubectl-request-timeout]"), "{stdout}");
}

#[test]
fn gitlab_fingerprints_survive_edits_elsewhere() {
    let dir = tree(&[("check.sh", SCRIPT)]);
    let (code, before, _) = run_in(dir.path(), &["check", "--format", "gitlab"], &[]);
    assert_eq!(code, 1);
    let before: serde_json::Value = serde_json::from_str(&before).expect("JSON");
    assert_eq!(before[0]["check_name"], "kubectl-request-timeout");
    assert_eq!(before[0]["severity"], "major");
    assert_eq!(before[0]["location"]["path"], "check.sh");
    assert_eq!(before[0]["location"]["positions"]["begin"]["line"], 3);
    // Lines added above the finding move it but keep its fingerprint.
    std::fs::write(
        dir.path().join("check.sh"),
        "#!/bin/bash\n# a\n# b\n# check, 100%\nmicrok8s kubectl get nodes\nmicrok8s kubectl get pods\n",
    )
    .expect("write");
    let (_, after, _) = run_in(dir.path(), &["check", "--format", "gitlab"], &[]);
    let after: serde_json::Value = serde_json::from_str(&after).expect("JSON");
    assert_eq!(after[0]["location"]["positions"]["begin"]["line"], 5);
    assert_eq!(after[0]["fingerprint"], before[0]["fingerprint"]);
    assert_ne!(after[1]["fingerprint"], after[0]["fingerprint"]);
    let fp = after[0]["fingerprint"].as_str().expect("string");
    assert_eq!(fp.len(), 32);
    let (code, clean, _) = run_in(tree(&[]).path(), &["check", "--format", "gitlab"], &[]);
    assert_eq!((code, clean.as_str()), (0, "[]\n"));
}

#[test]
fn junit_report_with_output_file() {
    let dir = tree(&[
        ("bad.sh", SCRIPT),
        ("good.sh", "#!/bin/bash\nmicrok8s kubectl --request-timeout=5s get nodes\n"),
    ]);
    let (code, stdout, _) = run_in(
        dir.path(),
        &["check", "--format", "junit", "--output-file", "report.xml"],
        &[],
    );
    assert_eq!(code, 1);
    // The terminal keeps the summary; the report goes to the file.
    assert_eq!(
        stdout,
        "Found 1 error, 0 warnings in 2 files checked.\n[*] 1 finding fixable with `opslint check --fix`.\nReport written to report.xml.\n"
    );
    let xml = std::fs::read_to_string(dir.path().join("report.xml")).expect("report");
    assert_eq!(
        xml,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"opslint\" tests=\"2\" failures=\"1\">\n  <testsuite name=\"opslint\" tests=\"2\" failures=\"1\">\n    <testcase classname=\"bad.sh\" name=\"3:1: kubectl-request-timeout\"><failure type=\"error\" message=\"`microk8s kubectl get nodes` has no `--request-timeout`: it waits forever when the API server does not answer\">bad.sh:3:1: error[kubectl-request-timeout] `microk8s kubectl get nodes` has no `--request-timeout`: it waits forever when the API server does not answer</failure></testcase>\n    <testcase classname=\"good.sh\" name=\"opslint\"/>\n  </testsuite>\n</testsuites>\n"
    );
}

/// `sarif-multitool`: `OPSLINT_SARIF_MULTITOOL`, what `.ci/run` installs, or PATH.
fn sarif_multitool() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::var_os("OPSLINT_SARIF_MULTITOOL")
        .map(PathBuf::from)
        .into_iter()
        .chain([root.join(".ci/node/node_modules/.bin/sarif-multitool")])
        .chain(std::env::var_os("PATH").into_iter().flat_map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("sarif-multitool"))
                .collect::<Vec<_>>()
        }))
        .find(|p| p.is_file())
}

#[test]
fn sarif_is_valid_for_the_official_validator() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().expect("tempdir");
    let report = out.path().join("opslint.sarif");
    let (code, _, stderr) = run_in(
        root,
        &[
            "check",
            "testdata",
            "--format",
            "sarif",
            "--quiet",
            "--output-file",
            report.to_str().expect("utf-8"),
        ],
        &[],
    );
    assert_eq!(code, 2, "{stderr}"); // testdata holds unreadable and invalid files
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("JSON");
    let run = &sarif["runs"][0];
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules[0]["id"], "kubectl-request-timeout");
    assert_eq!(rules[0]["name"], "KubectlRequestTimeout");
    assert_eq!(rules[0]["defaultConfiguration"]["level"], "error");
    assert!(rules[0]["help"]["markdown"].as_str().expect("help").contains("## Why is this bad?"));
    let results = run["results"].as_array().expect("results");
    assert!(results.len() > 100);
    let with_fix = results.iter().find(|r| r["fixes"].is_array()).expect("a fix");
    let replacement = &with_fix["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert!(replacement["deletedRegion"]["startLine"].is_u64());
    for r in results {
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
    }
    let Some(tool) = sarif_multitool() else {
        skip::skip(
            "SARIF validation",
            "sarif-multitool",
            "bash .ci/run installs it with npm; or set OPSLINT_SARIF_MULTITOOL",
        );
        return;
    };
    let output = std::process::Command::new(&tool)
        .arg("validate")
        .arg(&report)
        .output()
        .expect("sarif-multitool runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{text}");
    let errors: Vec<&str> = text.lines().filter(|l| l.contains(": error ")).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// From another directory, on an absolute path: the locations are absolute
/// `file://` URIs (never a relative reference starting with `/` or `../`
/// under `%SRCROOT%`), `%SRCROOT%` is declared, and the validator reports no
/// error.
#[test]
fn sarif_for_an_absolute_path_outside_the_working_directory() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/examples");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let report = elsewhere.path().join("abs.sarif");
    let (code, _, stderr) = run_in(
        elsewhere.path(),
        &["check", examples.to_str().expect("utf-8"), "-f", "sarif", "-q", "-o", report.to_str().expect("utf-8")],
        &[],
    );
    assert_eq!(code, 1, "{stderr}");
    let text = std::fs::read_to_string(&report).expect("report");
    let sarif: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let run = &sarif["runs"][0];
    assert!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().expect("declared").starts_with("file:///"));
    for r in run["results"].as_array().expect("results") {
        let location = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        let uri = location["uri"].as_str().expect("uri");
        assert!(uri.starts_with("file:///") && !uri.contains(".."), "{uri}");
        assert!(location.get("uriBaseId").is_none(), "{location}");
    }
    let Some(tool) = sarif_multitool() else {
        skip::skip("SARIF validation", "sarif-multitool", "bash .ci/run installs it with npm");
        return;
    };
    let output = std::process::Command::new(&tool).arg("validate").arg(&report).output().expect("runs");
    let log = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{log}");
    let errors: Vec<&str> = log.lines().filter(|l| l.contains(": error ")).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // Where the rules are documented is the tool's `informationUri` when the
    // package names no homepage: the validator's SARIF2005 is answered.
    let (code, _, stderr) = run_in(
        elsewhere.path(),
        &["check", examples.to_str().expect("utf-8"), "-f", "sarif", "-q", "-o", report.to_str().expect("utf-8")],
        &[("OPSLINT_DOCS_URL", "https://docs.example.org/opslint/rules")],
    );
    assert_eq!(code, 1, "{stderr}");
    let sarif: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("JSON");
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert!(driver["informationUri"].as_str().is_some_and(|u| u.starts_with("https://")), "{driver}");
    // Warnings too, written as the validator's own SARIF log.
    let findings = elsewhere.path().join("validation.sarif");
    let output = std::process::Command::new(&tool)
        .args(["validate", "--level", "Error", "Warning", "-o"])
        .arg(&findings)
        .arg(&report)
        .output()
        .expect("runs");
    let log = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{log}");
    let validation: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&findings).expect("the validator's log")).expect("JSON");
    let problems: Vec<String> = validation["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| format!("{} {}", r["ruleId"], r["message"]))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

/// A path that does not exist is a finding in every format, not only a line
/// on stderr; the JSON summary counts infos and unread paths.
#[test]
fn a_missing_path_is_a_finding_in_every_format() {
    let dir = tree(&[("a.sh", "#!/bin/sh\necho hi\n")]);
    for (format, needle) in [
        ("json", "\"rule\": \"unreadable-file\""),
        ("sarif", "\"ruleId\":\"unreadable-file\""),
        ("gitlab", "\"check_name\":\"unreadable-file\""),
        ("github", "::error file=missing.sh"),
        ("junit", "unreadable-file"),
        ("concise", "missing.sh:1:1: error[unreadable-file]"),
        ("text", "unreadable-file"),
    ] {
        let (code, stdout, _) = run_in(dir.path(), &["check", "a.sh", "missing.sh", "-f", format], &[]);
        assert_eq!(code, 2, "{format}");
        assert!(stdout.contains(needle), "{format}: {stdout}");
    }
    let (_, stdout, _) = run_in(dir.path(), &["check", "a.sh", "missing.sh", "-f", "json"], &[]);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["summary"]["infos"], 0);
    assert_eq!(json["summary"]["paths_not_read"], 1);
    let (_, stdout, _) = run_in(dir.path(), &["check", "missing.sh", "-f", "gitlab"], &[]);
    assert!(stdout.contains("\"lines\":{\"begin\":1}"), "{stdout}");
}

/// `docs/json-format.md` documents every field the JSON report emits and no
/// other: its table is compared with the fields of a real report (the
/// shipped examples have fixes, related places and `null` helps).
#[test]
fn the_json_document_lists_every_field_emitted() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opslint"))
        .current_dir(root)
        .args(["check", "-f", "json", "testdata/examples"])
        .output()
        .expect("runs");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    fn walk(v: &serde_json::Value, prefix: String, out: &mut std::collections::BTreeSet<String>) {
        let join = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
        match v {
            serde_json::Value::Object(map) => {
                for (k, x) in map {
                    // An object field that may be `null` is documented itself too.
                    if x.is_object() {
                        out.insert(join(k));
                    }
                    walk(x, join(k), out);
                }
            }
            serde_json::Value::Array(items) => {
                out.insert(prefix.clone());
                for x in items {
                    walk(x, format!("{prefix}[]"), out);
                }
            }
            _ => {
                out.insert(prefix);
            }
        }
    }
    let mut emitted = std::collections::BTreeSet::new();
    walk(&report, String::new(), &mut emitted);
    // Containers named by their items' rows.
    emitted.remove("diagnostics");
    emitted.remove("summary");
    emitted.remove("diagnostics[].fix.edits");
    let doc = std::fs::read_to_string(root.join("docs/json-format.md")).expect("doc");
    let documented: std::collections::BTreeSet<String> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| `")?.split('`').next().map(str::to_string))
        .collect();
    assert_eq!(emitted, documented, "emitted (left) and documented (right) fields differ");
}
