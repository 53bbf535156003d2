//! The `opslint` binary end to end: formats, exit statuses, configuration,
//! discovery and hostile files.

use assert_cmd::Command;
use std::fs;
use std::path::Path;

fn opslint() -> Command {
    let mut cmd = Command::cargo_bin("opslint").expect("binary built");
    cmd.env_remove("NO_COLOR")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("ANSIBLE_ROLES_PATH")
        .env_remove("PRE_COMMIT");
    cmd
}

fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = opslint()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const UNBOUNDED: &str = "#!/bin/bash\nnodes=$(microk8s kubectl get nodes)\n";
const BOUNDED: &str = "#!/bin/bash\nnodes=$(microk8s kubectl --request-timeout=10s get nodes)\n";

fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, content) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, content).expect("write");
    }
    dir
}

#[test]
fn json_output_is_the_documented_contract() {
    let dir = tree(&[
        ("check.sh", UNBOUNDED.as_bytes()),
        ("ok.sh", BOUNDED.as_bytes()),
    ]);
    let (code, stdout, _) = run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stdout);
}

#[test]
fn text_output_renders_source_snippets() {
    let dir = tree(&[("check.sh", UNBOUNDED.as_bytes())]);
    let (code, stdout, _) = run_in(dir.path(), &["check", "--color", "never"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stdout);
}

#[test]
fn concise_output_is_one_line_per_finding() {
    let dir = tree(&[
        ("b.sh", UNBOUNDED.as_bytes()),
        ("a.sh", UNBOUNDED.as_bytes()),
    ]);
    let (code, stdout, _) = run_in(dir.path(), &["check", "--format", "concise"]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "a.sh:2:9: error[kubectl-request-timeout] [*] `microk8s kubectl get nodes` has no `--request-timeout`: it waits forever when the API server does not answer\n\
         b.sh:2:9: error[kubectl-request-timeout] [*] `microk8s kubectl get nodes` has no `--request-timeout`: it waits forever when the API server does not answer\n\
         Found 2 errors, 0 warnings in 2 files checked.\n\
         [*] 2 findings fixable with `opslint check --fix`.\n"
    );
}

#[test]
fn clean_tree_exits_zero() {
    let dir = tree(&[("ok.sh", BOUNDED.as_bytes())]);
    let (code, stdout, _) = run_in(dir.path(), &["check"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "All checks passed (1 file checked).\n");
}

#[test]
fn color_follows_flag_and_no_color() {
    let dir = tree(&[("check.sh", UNBOUNDED.as_bytes())]);
    let (_, always, _) = run_in(dir.path(), &["check", "--color", "always"]);
    assert!(
        always.contains('\u{1b}'),
        "--color always must emit ANSI escapes"
    );
    let out = opslint()
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .args(["check"])
        .output()
        .expect("runs");
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
}

#[test]
fn warnings_alone_exit_zero_and_quiet_drops_the_summary() {
    let dir = tree(&[
        ("check.sh", UNBOUNDED.as_bytes()),
        (
            ".opslint.yaml",
            b"rules:\n  kubectl-request-timeout:\n    severity: warning\n",
        ),
    ]);
    let (code, stdout, _) = run_in(dir.path(), &["check", "--quiet", "--format", "concise"]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("check.sh:2:9: warning[kubectl-request-timeout]"),
        "{stdout}"
    );
    let (_, text, _) = run_in(dir.path(), &["check", "--quiet", "--color", "never"]);
    assert!(!text.contains("Found"), "{text}");
}

#[test]
fn select_and_ignore() {
    let dir = tree(&[("check.sh", UNBOUNDED.as_bytes())]);
    let (code, _, _) = run_in(
        dir.path(),
        &["check", "--ignore", "kubectl-request-timeout"],
    );
    assert_eq!(code, 0);
    let (code, _, _) = run_in(
        dir.path(),
        &["check", "--select", "invalid-suppression,shell-parse-error"],
    );
    assert_eq!(code, 0);
    let (code, _, _) = run_in(
        dir.path(),
        &["check", "--select", "kubectl-request-timeout"],
    );
    assert_eq!(code, 1);
    let (code, _, stderr) = run_in(dir.path(), &["check", "--select", "kubectl-timeout"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown rule `kubectl-timeout` in --select"),
        "{stderr}"
    );
}

#[test]
fn config_errors_point_at_the_line_and_exit_2() {
    let dir = tree(&[
        ("check.sh", UNBOUNDED.as_bytes()),
        (
            ".opslint.yaml",
            b"rules:\n  kubectl-request-timeout:\n    severity: loud\n    timeout: 10x\n  no-such-rule: {}\nexlude: []\n",
        ),
    ]);
    let (code, stdout, stderr) = run_in(dir.path(), &["check"]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "error: invalid configuration\n\
         .opslint.yaml:3:15: `severity` must be one of `error`, `warning`, `info`, `off`; found `loud`\n\
         .opslint.yaml:4:14: invalid value for `timeout`: `10x` has an unknown unit `x`\n\
         .opslint.yaml:5:3: unknown rule `no-such-rule`; `opslint rules` lists every rule\n\
         .opslint.yaml:6:1: unknown key `exlude`; did you mean `exclude`?\n"
    );
}

#[test]
fn malformed_config_yaml_is_an_error_not_a_crash() {
    let dir = tree(&[
        ("check.sh", UNBOUNDED.as_bytes()),
        (".opslint.yaml", b"rules: [\n  - a\n  b: c\n"),
    ]);
    let (code, _, stderr) = run_in(dir.path(), &["check"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(".opslint.yaml:2:3: invalid YAML: "),
        "{stderr}"
    );
}

#[test]
fn config_is_found_in_parents_and_options_reach_the_rule() {
    let dir = tree(&[
        ("scripts/nrpe/check.sh", UNBOUNDED.as_bytes()),
        (
            ".opslint.yaml",
            b"rules:\n  kubectl-request-timeout:\n    timeout: 5s\n",
        ),
    ]);
    let (code, stdout, _) = run_in(
        &dir.path().join("scripts/nrpe"),
        &["check", "--format", "json"],
    );
    assert_eq!(code, 1);
    assert!(
        stdout.contains("\"content\": \" --request-timeout=5s\""),
        "{stdout}"
    );
    // --config overrides discovery.
    fs::write(
        dir.path().join("other.yaml"),
        "rules:\n  kubectl-request-timeout:\n    severity: off\n",
    )
    .expect("write");
    let (code, _, _) = run_in(dir.path(), &["check", "--config", "other.yaml", "scripts"]);
    assert_eq!(code, 0);
}

#[test]
fn exclude_and_per_file_ignores() {
    let dir = tree(&[
        ("generated/a.sh", UNBOUNDED.as_bytes()),
        ("legacy/b.sh", UNBOUNDED.as_bytes()),
        ("c.sh", UNBOUNDED.as_bytes()),
        (
            ".opslint.yaml",
            b"exclude: [generated]\nper-file-ignores:\n  \"legacy/**\": [kubectl-request-timeout]\n",
        ),
    ]);
    let (code, stdout, _) = run_in(dir.path(), &["check", "--format", "concise", "-q"]);
    assert_eq!(code, 1);
    assert!(stdout.starts_with("c.sh:2:9:"), "{stdout}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    // Explicit paths are checked even when excluded, unless --force-exclude.
    let (code, _, _) = run_in(dir.path(), &["check", "generated/a.sh"]);
    assert_eq!(code, 1);
    let (code, _, _) = run_in(dir.path(), &["check", "--force-exclude", "generated/a.sh"]);
    assert_eq!(code, 0);
}

#[test]
fn discovery_respects_gitignore_hidden_and_vendored_dirs_and_reads_shebangs() {
    let dir = tree(&[
        (".gitignore", b"build/\n"),
        ("build/gen.sh", UNBOUNDED.as_bytes()),
        (".hidden/x.sh", UNBOUNDED.as_bytes()),
        ("vendor/lib.sh", UNBOUNDED.as_bytes()),
        ("node_modules/pkg/run.sh", UNBOUNDED.as_bytes()),
        ("bin/check_nodes", UNBOUNDED.as_bytes()),
        (
            "bin/check_python",
            b"#!/usr/bin/env python3\nprint('kubectl get nodes')\n",
        ),
        (
            "bin/check_env_bash",
            b"#!/usr/bin/env -S bash -e\nkubectl get pods\n",
        ),
        ("notes.txt", b"kubectl get nodes\n"),
        ("setup.cfg", b"[metadata]\nname = kubectl\n"),
        (
            "nrpe.d/k8s.cfg",
            b"command[check_k8s]=microk8s kubectl get nodes\n",
        ),
    ]);
    let (code, stdout, _) = run_in(dir.path(), &["check", "--format", "concise", "-q"]);
    assert_eq!(code, 1);
    let files: Vec<&str> = stdout
        .lines()
        .map(|l| l.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(
        files,
        ["bin/check_env_bash", "bin/check_nodes", "nrpe.d/k8s.cfg"],
        "{stdout}"
    );
}

#[test]
fn unreadable_binary_and_non_utf8_files_are_reported_and_others_still_checked() {
    let mut latin1 = b"#!/bin/sh\n# caf".to_vec();
    latin1.push(0xe9);
    latin1.extend_from_slice(b"\nkubectl get nodes\n");
    let dir = tree(&[
        ("a-binary.sh", b"\x7fELF\x00\x00\x01kubectl"),
        ("b-latin1.sh", &latin1),
        ("c-check.sh", UNBOUNDED.as_bytes()),
    ]);
    let (code, stdout, _) = run_in(dir.path(), &["check", "--format", "concise", "-q", "."]);
    assert_eq!(code, 2);
    assert_eq!(
        stdout,
        "a-binary.sh:1:1: error[unreadable-file] binary file (it contains NUL bytes); not checked\n\
         b-latin1.sh:2:6: info[unreadable-file] not valid UTF-8: 1 byte (the first, 0xE9, at line 2, column 6) read as `_`; the rest of the file was checked, and its fixes are not offered\n\
         b-latin1.sh:3:1: error[kubectl-request-timeout] `kubectl get nodes` has no `--request-timeout`: it waits forever when the API server does not answer\n\
         c-check.sh:2:9: error[kubectl-request-timeout] [*] `microk8s kubectl get nodes` has no `--request-timeout`: it waits forever when the API server does not answer\n"
    );
}

#[test]
fn missing_paths_exit_2_with_a_message() {
    let dir = tree(&[("c.sh", UNBOUNDED.as_bytes())]);
    let (code, stdout, stderr) = run_in(
        dir.path(),
        &["check", "--format", "concise", "-q", "nope.sh", "c.sh"],
    );
    assert_eq!(code, 2);
    // A finding of its own, like any other (ruff's E902), then the others.
    assert!(stdout.starts_with("nope.sh:1:1: error[unreadable-file] no such file or directory\nc.sh:2:9:"), "{stdout}{stderr}");
    // The summary never says "all checks passed" when a path could not be read.
    let (code, stdout, _) = run_in(dir.path(), &["check", "nope.sh"]);
    assert_eq!(code, 2);
    assert!(stdout.starts_with("error[unreadable-file]"), "{stdout}");
    assert!(
        stdout.ends_with("\nFound 1 error, 0 warnings in 0 files checked; 1 path could not be read.\n"),
        "{stdout}"
    );
}

#[cfg(unix)]
#[test]
fn permission_denied_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tree(&[
        ("locked.sh", UNBOUNDED.as_bytes()),
        ("open.sh", UNBOUNDED.as_bytes()),
    ]);
    let locked = dir.path().join("locked.sh");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
    if fs::read(&locked).is_ok() {
        // Running as root: permissions do not apply, nothing to test here.
        return;
    }
    let (code, stdout, _) = run_in(dir.path(), &["check", "--format", "concise", "-q"]);
    assert_eq!(code, 2);
    assert!(
        stdout.contains("locked.sh:1:1: error[unreadable-file] permission denied"),
        "{stdout}"
    );
    assert!(stdout.contains("open.sh:2:9:"), "{stdout}");
}

#[test]
fn rules_and_rule_commands() {
    let (code, stdout, _) = run_in(Path::new("."), &["rules"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("rules_list", stdout);
    let (code, json, _) = run_in(Path::new("."), &["rules", "--format", "json"]);
    assert_eq!(code, 0);
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(parsed[0]["name"], "kubectl-request-timeout");
    assert_eq!(parsed[0]["severity"], "error");
    let (code, doc, _) = run_in(Path::new("."), &["rule", "kubectl-request-timeout"]);
    assert_eq!(code, 0);
    for section in [
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## Use instead",
        "## Fix",
    ] {
        assert!(doc.contains(section), "missing {section}");
    }
    let (code, _, stderr) = run_in(Path::new("."), &["rule", "kubectl-request-timout"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("did you mean `kubectl-request-timeout`?"),
        "{stderr}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, _) = run_in(Path::new("."), &["check", "--format", "xml"]);
    assert_eq!(code, 2);
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = |threads: &str| {
        opslint()
            .current_dir(root)
            .env("RAYON_NUM_THREADS", threads)
            .args(["check", "--format", "json", "testdata"])
            .output()
            .expect("runs")
            .stdout
    };
    let one = run("1");
    assert!(!one.is_empty());
    assert_eq!(one, run("8"));
    assert_eq!(one, run("3"));
}

#[test]
fn the_shipped_examples_show_real_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, stdout, _) = run_in(root, &["check", "--format", "concise", "-q", "testdata/examples"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stdout);
}

#[test]
fn targets_choose_the_daemon_versions() {
    let dir = tree(&[(
        "snap/args/k8s-dqlite",
        b"--storage-dir=/var/x\n--metrics\n--snapshot-threshold=512\n",
    )]);
    let (code, stdout, _) = run_in(
        dir.path(),
        &["check", "--format", "concise", "-q", "--microk8s", "1.25"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "snap/args/k8s-dqlite:2:1: error[unknown-daemon-flag] `--metrics` is not accepted by MicroK8s 1.25 (k8s-dqlite v1.0.4, v1.0.5, v1.1.0), only by v1.1.8 … v1.8.1: the daemon exits with `Error: unknown flag: --metrics`\n\
         snap/args/k8s-dqlite:3:1: error[unknown-daemon-flag] `--snapshot-threshold` is not a flag of k8s-dqlite in any release (v1.0.0 … v1.8.1): the daemon exits with `Error: unknown flag: --snapshot-threshold`\n"
    );
    let (_, stdout, _) = run_in(
        dir.path(),
        &["check", "--format", "concise", "-q", "--microk8s", "1.28"],
    );
    assert!(stdout.contains("warning[unknown-daemon-flag] `--metrics` is accepted by only some versions of MicroK8s 1.28"), "{stdout}");
    let (_, stdout, _) = run_in(
        dir.path(),
        &["check", "--format", "concise", "-q", "--snap-revision", "8695"],
    );
    assert!(!stdout.contains("--metrics"), "{stdout}");
    let (code, _, stderr) = run_in(dir.path(), &["check", "--microk8s", "1.99"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown MicroK8s version `1.99`; known tracks: 1.22, 1.23, 1.24, 1.25"),
        "{stderr}"
    );
}

/// A subdirectory's `target:` applies to its own files, whatever the order of
/// the paths; `--microk8s` overrides every configuration's.
#[test]
fn each_configuration_keeps_its_own_target() {
    let dir = tree(&[
        ("old/.opslint.yaml", b"target:\n  microk8s: \"1.25\"\n"),
        ("old/args/k8s-dqlite", b"--storage-dir=/var/x\n--metrics\n"),
        ("new/args/k8s-dqlite", b"--storage-dir=/var/x\n--metrics\n"),
    ]);
    let (code1, out1, _) = run_in(dir.path(), &["check", "-f", "concise", "-q", "new", "old"]);
    let (code2, out2, _) = run_in(dir.path(), &["check", "-f", "concise", "-q", "old", "new"]);
    assert_eq!((code1, code2), (1, 1));
    assert_eq!(out1, out2);
    assert!(out1.starts_with("old/args/k8s-dqlite:2:1: error[unknown-daemon-flag] `--metrics` is not accepted by MicroK8s 1.25"), "{out1}");
    assert!(!out1.contains("new/"), "{out1}");
    let (_, out, _) = run_in(dir.path(), &["check", "-f", "concise", "-q", "--microk8s", "1.25", "new", "old"]);
    assert_eq!(out.lines().filter(|l| l.contains("`--metrics` is not accepted by MicroK8s 1.25")).count(), 2, "{out}");
}

#[test]
fn removed_kubelet_flags_follow_the_tracks_sanitiser() {
    let dir = tree(&[(
        "snap/args/kubelet",
        b"--logtostderr=true\n--network-plugin=cni\n",
    )]);
    // klog flags are stripped from 1.26 on; dockershim flags on 1.25 already.
    let (code, stdout, _) = run_in(
        dir.path(),
        &["check", "--format", "concise", "-q", "--microk8s", "1.25"],
    );
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        stdout.lines().filter(|l| l.contains("removed-daemon-flag")).count(),
        1,
        "{stdout}"
    );
    assert!(stdout.contains("`--network-plugin` is no longer accepted by kubelet: MicroK8s 1.25 deletes"), "{stdout}");
    let (_, stdout, _) = run_in(
        dir.path(),
        &["check", "--format", "json", "--microk8s", "1.30"],
    );
    assert!(stdout.contains("`--logtostderr` is no longer accepted by kubelet: MicroK8s 1.30 deletes"), "{stdout}");
    assert!(
        stdout.contains("MicroK8s 1.30 lists it in `sanitise_args_kubelet` (microk8s-resources/actions/common/utils.sh line"),
        "{stdout}"
    );
}

#[test]
fn an_unknown_target_in_the_config_points_at_its_line() {
    let dir = tree(&[
        ("snap/args/k8s-dqlite", b"--storage-dir=/var/x\n"),
        (".opslint.yaml", b"target:\n  snap-revision: 99999\n"),
    ]);
    let (code, _, stderr) = run_in(dir.path(), &["check"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(".opslint.yaml:2:18: snap revision 99999 is outside the known revisions (the newest known is 8695 (MicroK8s 1.34.5, 2026-04-12)), so no date bounds it"),
        "{stderr}"
    );
}

/// `validate-args --root` reads the revision from a node's tree
/// (`snap/microk8s/current` → 8511, its `meta/snap.yaml` → v1.32.9), and
/// `check` takes the revision a path names.
#[test]
fn the_node_tells_its_revision() {
    let node = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/nodes/microk8s-1.32");
    let args = node.join("var/snap/microk8s/current/args/k8s-dqlite");
    let (code, stdout, stderr) = run_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["validate-args", "--component", "k8s-dqlite", "--root", node.to_str().unwrap(), args.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains(":4:1: error[unknown-daemon-flag] `--admission-control-policy` is not accepted by snap revision 8511 = MicroK8s 1.32.9 (k8s-dqlite v1.3.3; read from "),
        "{stdout}"
    );
    // `--watch-query-timeout` (k8s-dqlite 1.1.11 and later) is accepted.
    assert!(!stdout.contains("watch-query-timeout"), "{stdout}");
    // The same file under a revision that had k8s-dqlite 1.1.7: both flags unknown.
    let (code, stdout, _) = run_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["validate-args", "--component", "k8s-dqlite", "--snap-revision", "7275", args.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    assert!(stdout.contains("`--watch-query-timeout` is not accepted by snap revision 7275 = MicroK8s 1.27.16 (k8s-dqlite v1.1.7;"), "{stdout}");
    let named = node.join("var/snap/microk8s/8511/args/k8s-dqlite");
    let (code, stdout, _) = run_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["check", "--format", "concise", "-q", "--root", node.to_str().unwrap(), named.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    assert!(stdout.contains("snap revision 8511 = MicroK8s 1.32.9 (k8s-dqlite v1.3.3; read from"), "{stdout}");
}

/// A revision the table lacks, between two it has, is judged by the versions
/// of every track built between their dates.
#[test]
fn a_revision_between_known_ones_is_bounded_by_date() {
    let dir = tree(&[(
        "snap/args/k8s-dqlite",
        b"--watch-query-timeout=30s\n--min-tls-version=tls13\n",
    )]);
    let (code, stdout, _) = run_in(dir.path(), &["check", "--format", "concise", "-q", "--snap-revision", "6800"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("error[unknown-daemon-flag] `--watch-query-timeout` is not accepted by snap revision 6800 (k8s-dqlite v1.0.3, v1.0.4, v1.1.0, v1.1.6+master.0ce314e0424d, v1.1.7, v1.1.9; not in the revision table, bounded by date between revisions 6798 (MicroK8s 1.30.0, 2024-04-19) and 6979 (MicroK8s 1.26.15, 2024-07-16)"), "{stdout}");
    assert!(stdout.contains("warning[unknown-daemon-flag] `--min-tls-version` is accepted by only some versions of snap revision 6800"), "{stdout}");
}

/// MicroK8s 1.33.0 (revision 8205) was built from `master` at the v1.33 tag,
/// months before the 1.33 branch: k8s-dqlite v1.3.1, which has no
/// `--log-level` (v1.7.0 added it).
#[test]
fn a_release_built_before_its_branch_is_judged_by_master() {
    let dir = tree(&[("args/k8s-dqlite", b"--storage-dir=${SNAP_DATA}/var/kubernetes/backend\n--log-level=debug\n")]);
    let (code, stdout, _) = run_in(
        dir.path(),
        &["validate-args", "--component", "k8s-dqlite", "--snap-revision", "8205", "args/k8s-dqlite"],
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("args/k8s-dqlite:2:1: error[unknown-daemon-flag] `--log-level` is not accepted by snap revision 8205 = MicroK8s 1.33.0 (k8s-dqlite v1.3.1;"),
        "{stdout}"
    );
}

/// Track 1.36 has a tag and no branch yet: its builds come from `master`.
#[test]
fn the_newest_track_is_known() {
    let dir = tree(&[("args/k8s-dqlite", b"--storage-dir=/var/snap/microk8s/current/var/kubernetes/backend\n--log-level=debug\n")]);
    let (code, stdout, stderr) = run_in(
        dir.path(),
        &["validate-args", "--component", "k8s-dqlite", "--microk8s", "1.36", "args/k8s-dqlite"],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let t = opslint::target::resolve(&opslint::target::TargetSpec::MicroK8s("1.36".into())).expect("1.36");
    assert_eq!(t.describe("containerd"), "MicroK8s 1.36 (containerd v2.2.3)");
}

/// k8s-dqlite v1.0.0 to v1.1.7 load component-base's `logs` package, which
/// registers `--log-flush-frequency` on pflag's global set; cobra merges it.
#[test]
fn a_flag_registered_by_a_dependency_is_accepted() {
    let dir = tree(&[("args/k8s-dqlite", b"--storage-dir=/var/snap/microk8s/current/var/kubernetes/backend\n--log-flush-frequency=10s\n")]);
    let (code, stdout, stderr) = run_in(
        dir.path(),
        &["validate-args", "--component", "k8s-dqlite", "--microk8s", "1.26", "args/k8s-dqlite"],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    // Its type is read as well.
    std::fs::write(dir.path().join("args/k8s-dqlite"), b"--log-flush-frequency=10\n").unwrap();
    let (code, stdout, _) = run_in(
        dir.path(),
        &["validate-args", "--component", "k8s-dqlite", "--microk8s", "1.26", "args/k8s-dqlite"],
    );
    assert_eq!(code, 1);
    assert!(stdout.contains("error[invalid-daemon-flag-value] `--log-flush-frequency=10`: missing unit in duration"), "{stdout}");
    // Gone with v1.1.8, which no longer imports it.
    let (code, stdout, _) = run_in(
        dir.path(),
        &["validate-args", "--component", "k8s-dqlite", "--microk8s", "1.34", "args/k8s-dqlite"],
    );
    assert_eq!(code, 1);
    assert!(stdout.contains("`--log-flush-frequency` is not accepted by MicroK8s 1.34"), "{stdout}");
}

/// 8690 lies between 8511 (2025-10-13) and 8695, which the public incident
/// report shows installed on 2026-04-12: bounded by date, not refused.
#[test]
fn a_revision_below_the_incident_revision_is_judged() {
    let dir = tree(&[("args/k8s-dqlite", b"--storage-dir=/var/snap/microk8s/current/var/kubernetes/backend\n--snapshot-threshold=512\n")]);
    let (code, stdout, stderr) = run_in(
        dir.path(),
        &["validate-args", "--component", "k8s-dqlite", "--snap-revision", "8690", "args/k8s-dqlite"],
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("`--snapshot-threshold` is not a flag of k8s-dqlite in any release"),
        "{stdout}"
    );
    let (_, stdout, _) = run_in(
        dir.path(),
        &["check", "--format", "concise", "-q", "--snap-revision", "8690", "args/k8s-dqlite"],
    );
    assert!(!stdout.contains("snap revision 8690 is outside"), "{stdout}");
}

/// `--min-tls-version` is checked only when TLS is on, and an empty value is
/// the default.
#[test]
fn min_tls_version_is_judged_as_the_daemon_reads_it() {
    let dir = tree(&[("args/k8s-dqlite", b"--storage-dir=/x\n--min-tls-version=\n")]);
    let run = |d: &Path| run_in(d, &["validate-args", "--component", "k8s-dqlite", "--microk8s", "1.34", "args/k8s-dqlite"]);
    let (code, stdout, _) = run(dir.path());
    assert_eq!(code, 0, "{stdout}");
    std::fs::write(dir.path().join("args/k8s-dqlite"), b"--storage-dir=/x\n--enable-tls=false\n--min-tls-version=tls1.2\n").unwrap();
    let (code, stdout, _) = run(dir.path());
    assert_eq!(code, 0, "{stdout}");
    std::fs::write(dir.path().join("args/k8s-dqlite"), b"--storage-dir=/x\n--min-tls-version=tls1.2\n").unwrap();
    let (code, stdout, _) = run(dir.path());
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("`--min-tls-version=tls1.2`: not one of tls10, tls11, tls12, tls13"), "{stdout}");
}

/// A component without a flag manifest is not a silent pass.
#[test]
fn a_component_without_a_manifest_is_said() {
    let dir = tree(&[("kubelet", b"--totally-bogus-flag=1\n")]);
    let (code, stdout, _) = run_in(dir.path(), &["validate-args", "--component", "kubelet", "kubelet"]);
    assert_eq!(code, 3, "{stdout}");
    assert!(stdout.contains("info[unknown-daemon-flag] `kubelet` has no flag manifest"), "{stdout}");
    assert!(stdout.contains("note: exit status 3, the flags were not checked"), "{stdout}");
}

/// A fake daemon whose `--help` is the cobra help text of one real k8s-dqlite
/// release, reconstructed from the manifest's flag definitions.
#[cfg(unix)]
fn fake_k8s_dqlite(dir: &Path, version: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let manifest = opslint::manifest::for_component("k8s-dqlite").expect("manifest");
    let v = manifest
        .versions
        .iter()
        .find(|v| v.version == version)
        .expect("known version");
    let mut help = String::from("Usage:\n  k8s-dqlite [flags]\n\nFlags:\n");
    for f in &v.flags {
        let kind = if f.kind == "bool" {
            String::new()
        } else {
            format!(" {}", f.kind)
        };
        help.push_str(&format!("      --{}{kind}   {}\n", f.name, f.usage));
    }
    help.push_str("  -h, --help   help for k8s-dqlite\n");
    let path = dir.join(format!("k8s-dqlite-{version}"));
    fs::write(&path, format!("#!/bin/sh\ncat <<'EOF'\n{help}EOF\n")).expect("write");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

#[cfg(unix)]
#[test]
fn validate_args_on_the_node() {
    let dir = tree(&[
        (
            "bad",
            b"--storage-dir=/var/x\n--snapshot-threshold=512\n--watch-query-timeout=20\n",
        ),
        ("good", b"--storage-dir=/var/x\n--log-level=info\n"),
    ]);
    let (code, stdout, _) = run_in(
        dir.path(),
        &["validate-args", "--component", "k8s-dqlite", "bad"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "bad:2:1: error[unknown-daemon-flag] `--snapshot-threshold` is not a flag of k8s-dqlite in any release (v1.0.0 … v1.8.1): the daemon exits with `Error: unknown flag: --snapshot-threshold`\n\
         bad:3:23: error[invalid-daemon-flag-value] `--watch-query-timeout=20`: missing unit in duration `20` (e.g. `20s`); k8s-dqlite v1.8.1 expects a value of type `duration` (default `20*time.Second`)\n"
    );
    let (code, _, _) = run_in(
        dir.path(),
        &["validate-args", "--component", "k8s-dqlite", "good"],
    );
    assert_eq!(code, 0);
    // With the installed binary's --help as the truth: v1.0.0 had no --log-level.
    let old = fake_k8s_dqlite(dir.path(), "1.0.0");
    let new = fake_k8s_dqlite(dir.path(), "1.8.1");
    let old = old.to_str().expect("utf-8 path");
    let (code, stdout, _) = run_in(
        dir.path(),
        &[
            "validate-args",
            "--component",
            "k8s-dqlite",
            "--binary",
            old,
            "good",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        stdout.contains("good:2:1: error[unknown-daemon-flag] `--log-level` is not a flag of"),
        "{stdout}"
    );
    let new = new.to_str().expect("utf-8 path");
    let (code, _, _) = run_in(
        dir.path(),
        &[
            "validate-args",
            "--component",
            "k8s-dqlite",
            "--binary",
            new,
            "good",
        ],
    );
    assert_eq!(code, 0);
    let (code, _, stderr) = run_in(
        dir.path(),
        &["validate-args", "--component", "nope", "good"],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown component `nope`"), "{stderr}");
}

#[test]
fn user_manifests_from_help_texts() {
    let help = "Usage:\n  kubelet [flags]\n\nFlags:\n      --max-pods int32   Number of Pods (default 110)\n      --node-ip string   IP address of the node\n      --rotate-certificates   Rotate certificates\n  -h, --help   help for kubelet\n";
    let out = opslint()
        .args([
            "manifest",
            "import",
            "--component",
            "kubelet",
            "--version",
            "1.34.5",
        ])
        .write_stdin(help)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let manifest: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(manifest["versions"][0]["tag"], "v1.34.5");
    assert_eq!(manifest["versions"][0]["flags"][0]["name"], "max-pods");
    assert_eq!(manifest["versions"][0]["flags"][0]["default"], "110");
    assert_eq!(manifest["versions"][0]["flags"][2]["type"], "bool");
    let dir = tree(&[
        ("kubelet.json", &out.stdout),
        (".opslint.yaml", b"manifests: [kubelet.json]\n"),
        ("snap/args/kubelet", b"--max-pods=250\n--max-pod=1\n"),
    ]);
    let (code, stdout, _) = run_in(dir.path(), &["check", "--format", "concise", "-q"]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "snap/args/kubelet:2:1: error[unknown-daemon-flag] `--max-pod` is not a flag of kubelet in any imported version (v1.34.5 … v1.34.5): the daemon exits with `Error: unknown flag: --max-pod`; did you mean `--max-pods`?\n"
    );
    // A subdirectory's manifests apply when the run starts elsewhere.
    let nested = tree(&[
        ("a.sh", b"#!/bin/sh\necho ok\n"),
        ("nodes/kubelet.json", &out.stdout),
        ("nodes/.opslint.yaml", b"manifests: [kubelet.json]\n"),
        ("nodes/snap/args/kubelet", b"--max-pods=250\n--max-pod=1\n"),
    ]);
    let (code, stdout, _) = run_in(nested.path(), &["check", "--format", "concise", "-q", "a.sh", "nodes"]);
    assert_eq!(code, 1);
    assert!(stdout.starts_with("nodes/snap/args/kubelet:2:1: error[unknown-daemon-flag] `--max-pod` is not a flag of kubelet in any imported version"), "{stdout}");
    // validate-args reads the same configuration (found above the file, or --config).
    let (code, stdout, _) = run_in(
        dir.path(),
        &["validate-args", "--component", "kubelet", "snap/args/kubelet"],
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("`--max-pod` is not a flag of kubelet"), "{stdout}");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let copy = elsewhere.path().join("kubelet.args");
    std::fs::write(&copy, "--max-pods=250\n").expect("write");
    let config = dir.path().join(".opslint.yaml");
    let (code, stdout, stderr) = run_in(
        elsewhere.path(),
        &[
            "validate-args",
            "--component",
            "kubelet",
            "--config",
            config.to_str().expect("utf-8"),
            copy.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (code, _, _) = opslint()
        .args([
            "manifest",
            "import",
            "--component",
            "kubelet",
            "--version",
            "1",
        ])
        .write_stdin("no flags here")
        .output()
        .map(|o| (o.status.code(), (), ()))
        .expect("runs");
    assert_eq!(code, Some(2));
}

#[test]
fn fix_diff_and_unsafe_fixes() {
    use std::os::unix::fs::PermissionsExt;
    let script = b"#!/bin/bash\r\nmicrok8s kubectl get nodes\r\n";
    let role = b"- name: Tune\n  ansible.builtin.blockinfile:\n    path: /var/snap/microk8s/current/args/k8s-dqlite\n    block: |\n      --log-level=debug\n";
    let dir = tree(&[("check.sh", script), ("tasks/main.yml", role)]);
    let path = dir.path().join("check.sh");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o751)).expect("chmod");
    // --diff writes nothing and exits 1 when something would change.
    let (code, stdout, stderr) = run_in(dir.path(), &["check", "--diff"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stdout,
        "--- a/check.sh\n+++ b/check.sh\n@@ -1,2 +1,2 @@\n #!/bin/bash\r\n-microk8s kubectl get nodes\r\n+microk8s kubectl --request-timeout=10s get nodes\r\n"
    );
    assert!(stderr.contains("Would fix 1 finding in 1 file."), "{stderr}");
    assert_eq!(std::fs::read(&path).expect("read"), script);
    // --fix applies the safe fix only; what remains decides the exit status.
    let (code, stdout, stderr) = run_in(dir.path(), &["check", "--fix", "--format", "concise"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stderr.contains("Fixed 1 finding in 1 file."), "{stderr}");
    assert!(stdout.contains("blockinfile-args-file"), "{stdout}");
    assert!(!stdout.contains("kubectl-request-timeout"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "#!/bin/bash\r\nmicrok8s kubectl --request-timeout=10s get nodes\r\n"
    );
    let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
    assert_eq!(mode & 0o777, 0o751);
    // --unsafe-fixes applies the blockinfile rewrite; a second run has nothing to do.
    let (code, stdout, stderr) = run_in(dir.path(), &["check", "--unsafe-fixes", "--format", "concise"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.contains("Fixed 1 finding in 1 file."), "{stderr}");
    let fixed = std::fs::read_to_string(dir.path().join("tasks/main.yml")).expect("read");
    assert!(fixed.contains("ansible.builtin.lineinfile:") && fixed.contains("- '--log-level=debug'"), "{fixed}");
    let (code, _, stderr) = run_in(dir.path(), &["check", "--unsafe-fixes"]);
    assert_eq!(code, 0);
    assert!(stderr.contains("Fixed 0 findings in 0 files."), "{stderr}");
    // No temporary files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("ls")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".opslint"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn baselines_hide_known_findings_by_content_not_line() {
    let dir = tree(&[
        ("a.sh", b"#!/bin/bash\nmicrok8s kubectl get nodes\nmicrok8s kubectl get nodes\n"),
        ("b.sh", b"#!/bin/bash\nmicrok8s kubectl get pods\n"),
    ]);
    let (code, stdout, _) = run_in(dir.path(), &["check", "--write-baseline", "baseline.json"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "Baseline of 3 findings written to baseline.json.\n");
    let (code, stdout, stderr) = run_in(dir.path(), &["check", "--baseline", "baseline.json"]);
    assert_eq!((code, stderr.as_str()), (0, ""), "{stdout}");
    // Lines added above move the findings; a third identical call is new.
    fs::write(
        dir.path().join("a.sh"),
        "#!/bin/bash\n# moved\nmicrok8s kubectl get nodes\nmicrok8s kubectl get nodes\nmicrok8s kubectl get nodes\n",
    )
    .expect("write");
    // b.sh fixed: its entry is stale.
    fs::write(dir.path().join("b.sh"), "#!/bin/bash\nmicrok8s kubectl --request-timeout=5s get pods\n").expect("write");
    let (code, stdout, stderr) = run_in(
        dir.path(),
        &["check", "--baseline", "baseline.json", "--format", "concise", "-q"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "a.sh:5:1: error[kubectl-request-timeout] [*] `microk8s kubectl get nodes` has no `--request-timeout`: it waits forever when the API server does not answer\n"
    );
    assert_eq!(
        stderr,
        "warning: stale baseline entry: b.sh kubectl-request-timeout `microk8s kubectl get pods` no longer found (remove it with --write-baseline)\n"
    );
    // Checking only a.sh (a pre-commit run) does not call b.sh's entry stale.
    let (_, _, stderr) = run_in(dir.path(), &["check", "--baseline", "baseline.json", "a.sh"]);
    assert_eq!(stderr, "");
    let (code, _, stderr) = run_in(dir.path(), &["check", "--baseline", "missing.json"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read the baseline missing.json"), "{stderr}");
}

#[test]
fn opt_in_rules_run_only_when_asked_for() {
    let cfg: &[u8] = b"command[check_microk8s]=/snap/bin/microk8s kubectl --request-timeout=5s get nodes\n";
    let dir = tree(&[("nrpe.d/microk8s.cfg", cfg)]);
    let (code, stdout, _) = run_in(dir.path(), &["check", "--format", "concise", "-q"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    let (_, stdout, _) = run_in(
        dir.path(),
        &["check", "--format", "concise", "-q", "--select", "missing-dqlite-monitoring"],
    );
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(stdout.contains("info[missing-dqlite-monitoring]"), "{stdout}");
    let dir = tree(&[
        ("nrpe.d/microk8s.cfg", cfg),
        (".opslint.yaml", b"rules:\n  missing-dqlite-monitoring:\n    severity: warning\n"),
    ]);
    let (_, stdout, _) = run_in(dir.path(), &["check", "--format", "concise", "-q"]);
    assert_eq!(stdout.matches("warning[missing-dqlite-monitoring]").count(), 2, "{stdout}");
}

#[test]
fn fixing_a_check_keeps_it_within_its_budget() {
    // Two unbounded kubectl calls and an unbounded wait in a check that NRPE
    // gives 15 s: the fixes share the budget, so nothing is left to report.
    let dir = tree(&[
        (
            "nrpe.d/microk8s.cfg",
            b"command_timeout=15\ncommand[check_k8s]=/usr/lib/nagios/plugins/check_k8s.sh\n",
        ),
        (
            "plugins/check_k8s.sh",
            b"#!/bin/bash\nnodes=$(microk8s kubectl get nodes --no-headers)\nmicrok8s kubectl get pods -A | grep -c Running\nmicrok8s status --wait-ready >/dev/null\necho \"$nodes\"\n",
        ),
    ]);
    let (code, stdout, _) = run_in(dir.path(), &["check", "--format", "concise", "-q"]);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    let (code, stdout, stderr) = run_in(dir.path(), &["check", "--fix", "--format", "concise"]);
    assert_eq!((code, stdout.as_str()), (0, "All checks passed (2 files checked).\n"), "{stderr}");
    let fixed = fs::read_to_string(dir.path().join("plugins/check_k8s.sh")).expect("read");
    assert_eq!(
        fixed,
        "#!/bin/bash\nnodes=$(microk8s kubectl --request-timeout=5s get nodes --no-headers)\nmicrok8s kubectl --request-timeout=5s get pods -A | grep -c Running\nmicrok8s status --wait-ready --timeout 5 >/dev/null\necho \"$nodes\"\n"
    );
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(dir.path().join("plugins/check_k8s.sh"))
        .output()
        .expect("bash runs");
    assert!(syntax.status.success(), "{}", String::from_utf8_lossy(&syntax.stderr));
    // Every rule, not only the fixed ones: nothing left.
    let (code, stdout, _) = run_in(dir.path(), &["check", "--format", "concise", "-q"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
}

/// `ANSIBLE_ROLES_PATH` (a path list, as Ansible reads it) is where a play's
/// roles are looked up after `roles/` beside the playbook.
#[test]
fn ansible_roles_path_finds_a_plays_roles() {
    let dir = tree(&[
        ("site.yml", b"- name: Tune\n  hosts: microk8s\n  roles:\n    - tune\n"),
        (
            "vendor_roles/tune/handlers/main.yml",
            b"- name: Restart dqlite\n  ansible.builtin.systemd:\n    name: snap.microk8s.daemon-k8s-dqlite\n    state: restarted\n",
        ),
    ]);
    let run = |roles_path: Option<&str>| {
        let mut cmd = opslint();
        cmd.current_dir(dir.path())
            .args(["check", "--format", "concise", "-q", "--select", "dqlite-restart-not-serial", "site.yml"]);
        if let Some(p) = roles_path {
            cmd.env("ANSIBLE_ROLES_PATH", p);
        }
        String::from_utf8(cmd.output().expect("runs").stdout).unwrap()
    };
    assert_eq!(run(None), "", "no role `tune` where Ansible looks, none named roles/tune");
    let found = run(Some(&format!("/nonexistent:{}", dir.path().join("vendor_roles").display())));
    assert!(
        found.starts_with("site.yml:1:3: error[dqlite-restart-not-serial] play `Tune` restarts k8s-dqlite but it has no `serial:`"),
        "{found}"
    );
    assert!(found.contains("via role `tune` (vendor_roles/tune/handlers/main.yml:1: restart k8s-dqlite)"), "{found}");
}

/// Gating and findability: `--exit-zero`, `--fail-on warning`, `-f` /
/// `--output-format`, `--statistics`, the fixable count in the summary.
#[test]
fn gating_statistics_and_fixable_counts() {
    let dir = tree(&[
        ("a.sh", UNBOUNDED.as_bytes()),
        ("w.sh", b"#!/bin/bash\nmicrok8s kubectl --request-timeout=5s drain node1 --ignore-daemonsets\n"),
    ]);
    let (code, stdout, _) = run_in(dir.path(), &["check", "--color", "never"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("[*] 2 findings fixable with `opslint check --fix`."), "{stdout}");
    let (code, _, _) = run_in(dir.path(), &["check", "--exit-zero"]);
    assert_eq!(code, 0);
    // Only the warning left: passes by default, fails with `--fail-on warning`.
    let (code, _, _) = run_in(dir.path(), &["check", "w.sh"]);
    assert_eq!(code, 0);
    let (code, _, _) = run_in(dir.path(), &["check", "w.sh", "--fail-on", "warning"]);
    assert_eq!(code, 1);
    let (_, a, _) = run_in(dir.path(), &["check", "-f", "concise"]);
    let (_, b, _) = run_in(dir.path(), &["check", "--output-format", "concise"]);
    assert_eq!(a, b);
    assert!(a.contains("error[kubectl-request-timeout] [*] "), "{a}");
    let (_, stdout, _) = run_in(dir.path(), &["check", "-f", "concise", "-q", "--statistics"]);
    assert!(stdout.contains("     1  kubectl-request-timeout (1 fixable)\n"), "{stdout}");
    assert!(stdout.contains("     1  unbounded-wait (1 fixable)\n"), "{stdout}");
    // The warning for an empty run names what opslint reads.
    let empty = tree(&[("notes.txt", b"hello\n")]);
    let (_, _, stderr) = run_in(empty.path(), &["check"]);
    assert!(stderr.contains("Ansible playbooks, roles and task files"), "{stderr}");
}

/// `--show-fixes`: each fix's change under its finding; with `--fix` (or
/// `--diff`), the fixes applied, by file and rule.
#[test]
fn show_fixes() {
    let dir = tree(&[
        ("a.sh", UNBOUNDED.as_bytes()),
        ("w.sh", b"#!/bin/bash\nmicrok8s kubectl --request-timeout=5s drain node1 --ignore-daemonsets\n"),
    ]);
    let (code, stdout, _) = run_in(dir.path(), &["check", "--color", "never", "--show-fixes", "a.sh"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains(
            "        fix (safe): add `--request-timeout=10s`\n\
             \x20       2 - nodes=$(microk8s kubectl get nodes)\n\
             \x20       2 + nodes=$(microk8s kubectl --request-timeout=10s get nodes)\n"
        ),
        "{stdout}"
    );
    let (_, plain, _) = run_in(dir.path(), &["check", "--color", "never", "a.sh"]);
    assert!(!plain.contains("2 - nodes"), "{plain}");
    let (code, _, stderr) = run_in(dir.path(), &["check", "--diff", "--show-fixes"]);
    assert_eq!(code, 1);
    assert_eq!(stderr, "Would fix 2 findings in 2 files:\n- a.sh:\n    1 × kubectl-request-timeout\n- w.sh:\n    1 × unbounded-wait\n");
    let (code, _, stderr) = run_in(dir.path(), &["check", "-f", "concise", "--fix", "--show-fixes"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "Fixed 2 findings in 2 files:\n- a.sh:\n    1 × kubectl-request-timeout\n- w.sh:\n    1 × unbounded-wait\n");
    let (_, _, stderr) = run_in(dir.path(), &["check", "--fix", "--show-fixes"]);
    assert_eq!(stderr, "Fixed 0 findings in 0 files.\n");
}

/// The nearest `.opslint.yaml` applies to each file, whatever the order of
/// the paths (as pre-commit passes them in any order); `--config` wins.
#[test]
fn each_file_gets_its_nearest_configuration() {
    let dir = tree(&[
        ("a.sh", UNBOUNDED.as_bytes()),
        ("sub/b.sh", UNBOUNDED.as_bytes()),
        ("sub/.opslint.yaml", b"rules:\n  kubectl-request-timeout:\n    severity: off\n"),
    ]);
    let (code1, out1, _) = run_in(dir.path(), &["check", "-f", "concise", "-q", "sub/b.sh", "a.sh"]);
    let (code2, out2, _) = run_in(dir.path(), &["check", "-f", "concise", "-q", "a.sh", "sub/b.sh"]);
    assert_eq!((code1, code2), (1, 1));
    assert_eq!(out1, out2);
    assert!(out1.starts_with("a.sh:2:9: error[kubectl-request-timeout]") && !out1.contains("b.sh"), "{out1}");
    let (code, out, _) = run_in(dir.path(), &["check", "-f", "concise", "-q", "--config", "sub/.opslint.yaml", "a.sh", "sub/b.sh"]);
    assert_eq!(code, 0, "{out}");
}

/// `exclude:` too is each directory's nearest configuration's: a
/// subdirectory's globs apply whatever the run starts from, and a parent's
/// stop where the subdirectory's configuration begins.
#[test]
fn each_directory_gets_its_nearest_exclusions() {
    let dir = tree(&[
        (".opslint.yaml", b"exclude: [\"**/*.bak.sh\"]\n"),
        ("a.sh", UNBOUNDED.as_bytes()),
        ("old.bak.sh", UNBOUNDED.as_bytes()),
        ("sub/.opslint.yaml", b"exclude: [generated]\n"),
        ("sub/b.sh", UNBOUNDED.as_bytes()),
        ("sub/keep.bak.sh", UNBOUNDED.as_bytes()),
        ("sub/generated/c.sh", UNBOUNDED.as_bytes()),
    ]);
    let files = |out: &str| {
        let mut files: Vec<String> = out.lines().filter_map(|l| l.split(':').next()).filter(|f| f.ends_with(".sh")).map(str::to_string).collect();
        files.dedup();
        files
    };
    let want = vec!["a.sh".to_string(), "sub/b.sh".to_string(), "sub/keep.bak.sh".to_string()];
    for args in [&["."][..], &["sub", "."], &["a.sh", "sub"], &["sub", "a.sh"]] {
        let mut argv = vec!["check", "-f", "concise", "-q"];
        argv.extend_from_slice(args);
        let (code, out, err) = run_in(dir.path(), &argv);
        assert_eq!(code, 1, "{args:?}: {out}{err}");
        assert_eq!(files(&out), want, "{args:?}");
    }
    // `--config` applies one file's globs to every directory.
    let (_, out, _) = run_in(dir.path(), &["check", "-f", "concise", "-q", "--config", ".opslint.yaml", "."]);
    assert_eq!(files(&out), vec!["a.sh".to_string(), "sub/b.sh".to_string(), "sub/generated/c.sh".to_string()]);
}

/// `opslint check -` reads standard input; `--stdin-filename` names it for
/// language detection, configuration and the report.
#[test]
fn standard_input_with_a_name() {
    let dir = tree(&[("sub/.opslint.yaml", b"rules:\n  kubectl-request-timeout:\n    severity: warning\n")]);
    let run = |args: &[&str], input: &str| {
        let out = opslint().current_dir(dir.path()).args(args).write_stdin(input.to_string()).output().expect("runs");
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (code, stdout) = run(&["check", "-", "-f", "concise", "-q"], UNBOUNDED);
    assert_eq!(code, 1);
    assert!(stdout.starts_with("-:2:9: error[kubectl-request-timeout]"), "{stdout}");
    // No shebang: the name says it is a task file; the nearest configuration applies.
    let task = "- name: Nodes\n  ansible.builtin.command: microk8s kubectl get nodes\n";
    let (code, stdout) = run(&["check", "-", "--stdin-filename", "sub/roles/x/tasks/main.yml", "-f", "concise", "-q"], task);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.starts_with("sub/roles/x/tasks/main.yml:2:28: warning[kubectl-request-timeout]"), "{stdout}");
    let (code, _) = run(&["check", "-", "--fix"], UNBOUNDED);
    assert_eq!(code, 2);
    // `--force-exclude` leaves out a name that `exclude:` covers, as for a path.
    std::fs::write(dir.path().join("sub/.opslint.yaml"), "exclude: [\"generated/**\"]\n").expect("write");
    let (code, stdout) = run(&["check", "-", "--stdin-filename", "sub/generated/a.sh", "--force-exclude", "-f", "concise", "-q"], UNBOUNDED);
    assert_eq!((code, stdout.as_str()), (0, ""));
    let (code, _) = run(&["check", "-", "--stdin-filename", "sub/generated/a.sh", "-f", "concise", "-q"], UNBOUNDED);
    assert_eq!(code, 1);
}

/// A patch release the sources do not know is said, not taken silently.
#[test]
fn an_unknown_patch_release_is_noted() {
    let dir = tree(&[("a.sh", BOUNDED.as_bytes())]);
    let (code, _, stderr) = run_in(dir.path(), &["check", "--microk8s", "1.34.99"]);
    assert_eq!(code, 0);
    assert!(
        stderr.contains("note: MicroK8s 1.34.99: the patch release is not in the sources: the whole track is assumed"),
        "{stderr}"
    );
    let (_, _, stderr) = run_in(dir.path(), &["check", "--microk8s", "1.34"]);
    assert!(!stderr.contains("note:"), "{stderr}");
}

const DRAIN: &[u8] = b"#!/bin/bash\nmicrok8s kubectl --request-timeout=5s drain node1 --ignore-daemonsets\n";
const A_LINE: &str = "a.sh:2:9: error[kubectl-request-timeout] [*] `microk8s kubectl get nodes` has no `--request-timeout`: it waits forever when the API server does not answer\n";
const W_LINE: &str = "w.sh:2:1: warning[unbounded-wait] [*] `microk8s kubectl --request-timeout=5s drain node1 --ignore-…` waits with no practical limit: `kubectl drain` waits for every pod on the node to be evicted: `--timeout` defaults to 0s, which means no limit\n";

/// `--extend-select` (and `extend-select:`) adds rules, opt-in ones included,
/// without turning the others off; unknown names are errors with a hint.
#[test]
fn extend_select_adds_rules() {
    let cfg: &[u8] = b"command[check_microk8s]=/snap/bin/microk8s kubectl get nodes\n";
    let dir = tree(&[("nrpe.d/microk8s.cfg", cfg)]);
    let rules = |out: &str| {
        let mut rules: Vec<String> = out.lines().filter_map(|l| Some(l.split_once(": ")?.1.split(']').next()?.to_string() + "]")).collect();
        rules.sort();
        rules.dedup();
        rules
    };
    let (code, out, _) = run_in(dir.path(), &["check", "-q", "-f", "concise"]);
    assert_eq!((code, rules(&out)), (1, vec!["error[kubectl-request-timeout]".to_string()]), "{out}");
    let (code, out, _) = run_in(dir.path(), &["check", "-q", "-f", "concise", "--extend-select", "missing-dqlite-monitoring"]);
    assert_eq!(code, 1);
    assert_eq!(rules(&out), vec!["error[kubectl-request-timeout]", "info[missing-dqlite-monitoring]"], "{out}");
    // With `--select`, it adds to the selection.
    let (code, out, _) = run_in(
        dir.path(),
        &["check", "-q", "-f", "concise", "--select", "invalid-suppression", "--extend-select", "missing-dqlite-monitoring"],
    );
    assert_eq!((code, rules(&out)), (0, vec!["info[missing-dqlite-monitoring]".to_string()]), "{out}");
    let (code, _, stderr) = run_in(dir.path(), &["check", "--extend-select", "missing-dqlite-monitorin"]);
    assert_eq!(code, 2);
    assert_eq!(stderr, "error: unknown rule `missing-dqlite-monitorin` in --extend-select; did you mean `missing-dqlite-monitoring`?\n");
    fs::write(dir.path().join(".opslint.yaml"), "extend-select: [missing-dqlite-monitoring]\n").unwrap();
    let (_, out, _) = run_in(dir.path(), &["check", "-q", "-f", "concise"]);
    assert_eq!(rules(&out), vec!["error[kubectl-request-timeout]", "info[missing-dqlite-monitoring]"], "{out}");
    fs::write(dir.path().join(".opslint.yaml"), "extend-select:\n  - missing-dqlite-monitorin\n").unwrap();
    let (code, _, stderr) = run_in(dir.path(), &["check"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: invalid configuration\n.opslint.yaml:2:5: unknown rule `missing-dqlite-monitorin`; did you mean `missing-dqlite-monitoring`?\n"
    );
}

/// `-S`/`--severity`: findings below it are not shown, not counted and do
/// not fail the run, in every format.
#[test]
fn severity_hides_lower_findings() {
    let dir = tree(&[("a.sh", UNBOUNDED.as_bytes()), ("w.sh", DRAIN)]);
    let (code, out, _) = run_in(dir.path(), &["check", "-f", "concise", "-S", "error"]);
    assert_eq!(code, 1);
    assert_eq!(out, format!("{A_LINE}Found 1 error, 0 warnings in 2 files checked.\n[*] 1 finding fixable with `opslint check --fix`.\n"));
    let (code, out, _) = run_in(dir.path(), &["check", "-f", "concise", "--severity", "warning"]);
    assert_eq!(code, 1);
    assert_eq!(out, format!("{A_LINE}{W_LINE}Found 1 error, 1 warning in 2 files checked.\n[*] 2 findings fixable with `opslint check --fix`.\n"));
    // A hidden warning does not fail `--fail-on warning`.
    let (code, out, _) = run_in(dir.path(), &["check", "-f", "concise", "-S", "error", "--fail-on", "warning", "w.sh"]);
    assert_eq!((code, out.as_str()), (0, "All checks passed (1 file checked).\n"));
    let (_, json, _) = run_in(dir.path(), &["check", "-f", "json", "-S", "error"]);
    assert!(json.contains("\"kubectl-request-timeout\"") && !json.contains("unbounded-wait"), "{json}");
    let (_, github, _) = run_in(dir.path(), &["check", "-f", "github", "-S", "error"]);
    assert_eq!(github.lines().count(), 1, "{github}");
    let (code, _, stderr) = run_in(dir.path(), &["check", "-S", "fatal"]);
    assert_eq!(code, 2, "{stderr}");
}

/// `--exclude` replaces the configuration's `exclude:`, `--extend-exclude`
/// adds to it; `--force-exclude` applies them to paths given too.
#[test]
fn exclude_and_extend_exclude_on_the_command_line() {
    let dir = tree(&[
        (".opslint.yaml", b"exclude: [\"old\"]\n"),
        ("a.sh", UNBOUNDED.as_bytes()),
        ("old/b.sh", UNBOUNDED.as_bytes()),
        ("gen/c.sh", UNBOUNDED.as_bytes()),
    ]);
    let files = |args: &[&str]| {
        let mut argv = vec!["check", "-q", "-f", "concise"];
        argv.extend_from_slice(args);
        let (_, out, err) = run_in(dir.path(), &argv);
        assert_eq!(err, "", "{args:?}");
        out.lines().filter_map(|l| l.split(':').next()).map(str::to_string).collect::<Vec<_>>()
    };
    assert_eq!(files(&[]), ["a.sh", "gen/c.sh"]);
    assert_eq!(files(&["--extend-exclude", "gen"]), ["a.sh"]);
    assert_eq!(files(&["--exclude", "gen"]), ["a.sh", "old/b.sh"]);
    assert_eq!(files(&["--exclude", "gen,a.sh"]), ["old/b.sh"]);
    assert_eq!(files(&["--extend-exclude", "a.sh", "a.sh"]), ["a.sh"]);
    assert_eq!(files(&["--extend-exclude", "a.sh", "--force-exclude", "a.sh", "gen"]), ["gen/c.sh"]);
    let (code, _, stderr) = run_in(dir.path(), &["check", "--exclude", "a/["]);
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: --exclude: invalid glob `a/[`"), "{stderr}");
}

/// `--exit-non-zero-on-fix`: a fixed file fails the run though nothing remains.
#[test]
fn exit_non_zero_on_fix() {
    let dir = tree(&[("a.sh", UNBOUNDED.as_bytes())]);
    let (code, out, stderr) = run_in(dir.path(), &["check", "-f", "concise", "--fix", "--exit-non-zero-on-fix"]);
    assert_eq!((code, out.as_str(), stderr.as_str()), (1, "All checks passed (1 file checked).\n", "Fixed 1 finding in 1 file.\n"));
    assert_eq!(fs::read_to_string(dir.path().join("a.sh")).unwrap(), BOUNDED);
    // Nothing left to fix: 0.
    let (code, _, _) = run_in(dir.path(), &["check", "--fix", "--exit-non-zero-on-fix"]);
    assert_eq!(code, 0);
    let dir = tree(&[("a.sh", UNBOUNDED.as_bytes())]);
    let (code, _, _) = run_in(dir.path(), &["check", "--fix"]);
    assert_eq!(code, 0);
}

/// `--statistics` prints the table alone; `concise` ends with the summary
/// line and is coloured like `text`; an empty directory gets one message.
#[test]
fn statistics_concise_summary_and_empty_runs() {
    let dir = tree(&[("a.sh", UNBOUNDED.as_bytes()), ("w.sh", DRAIN)]);
    for format in ["text", "concise", "json"] {
        let (code, out, err) = run_in(dir.path(), &["check", "--statistics", "-f", format]);
        assert_eq!(code, 1);
        assert_eq!(out, "     1  kubectl-request-timeout (1 fixable)\n     1  unbounded-wait (1 fixable)\n", "{format}");
        assert_eq!(err, "");
    }
    let summary = "Found 1 error, 1 warning in 2 files checked.\n[*] 2 findings fixable with `opslint check --fix`.\n";
    let (_, out, _) = run_in(dir.path(), &["check", "-f", "concise"]);
    assert_eq!(out, format!("{A_LINE}{W_LINE}{summary}"));
    let (_, text, _) = run_in(dir.path(), &["check", "--color", "never"]);
    assert!(text.ends_with(summary), "{text}");
    let (_, out, _) = run_in(dir.path(), &["check", "-f", "concise", "-q"]);
    assert_eq!(out, format!("{A_LINE}{W_LINE}"));
    let (_, out, _) = run_in(dir.path(), &["check", "-f", "concise", "--color", "always", "a.sh"]);
    assert!(out.starts_with("\u{1b}[1ma.sh\u{1b}[0m:2:9: \u{1b}[1;31merror\u{1b}[0m\u{1b}[2m[kubectl-request-timeout]\u{1b}[0m \u{1b}[36m[*]\u{1b}[0m "), "{out}");
    let coloured = |envs: &[(&str, &str)], args: &[&str]| {
        let mut cmd = opslint();
        cmd.current_dir(dir.path()).args(["check", "-f", "concise"]).args(args);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        String::from_utf8_lossy(&cmd.output().unwrap().stdout).contains('\u{1b}')
    };
    assert!(!coloured(&[], &[]), "not a terminal: no colour");
    assert!(coloured(&[("FORCE_COLOR", "1")], &[]));
    assert!(!coloured(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")], &[]));
    assert!(!coloured(&[("FORCE_COLOR", "1")], &["--color", "never"]));
    let empty = tempfile::tempdir().unwrap();
    for format in ["text", "concise"] {
        let (code, out, err) = run_in(empty.path(), &["check", "-f", format]);
        assert_eq!((code, out.as_str()), (0, ""), "{format}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("warning: no files to check"), "{err}");
    }
}

/// `opslint check --help` lists the exit statuses.
#[test]
fn check_help_lists_the_exit_statuses() {
    let (code, out, _) = run_in(Path::new("."), &["check", "--help"]);
    assert_eq!(code, 0);
    assert!(
        out.ends_with(
            "Exit status:\n  \
             0  No finding at or above --fail-on (default: error) was reported, or --exit-zero\n  \
             1  A finding at or above --fail-on was reported (or, with --exit-non-zero-on-fix,\n     \
             a file was fixed; with --diff, a fix would change a file)\n  \
             2  The run failed: invalid configuration or arguments, a path that cannot be\n     \
             read, or a file that cannot be analysed\n"
        ),
        "{out}"
    );
}

/// `unused-suppression` (opt-in): a directive entry that silenced nothing is
/// reported, with a safe fix that removes the name, or the whole comment when
/// none remains; rules that did not run are not judged.
#[test]
fn unused_suppressions_are_reported_and_fixed() {
    let script = "#!/bin/bash\n\
        microk8s kubectl --request-timeout=10s get nodes  # opslint: disable=kubectl-request-timeout -- slow API\n\
        microk8s kubectl get ns  # opslint: disable=unbounded-wait,kubectl-request-timeout -- reviewed\n\
        # opslint: disable=kubectl-request-timeout\n\
        microk8s kubectl --request-timeout=10s get pods\n\
        echo done  # opslint: disable=missing-dqlite-monitoring\n\
        echo ok  # opslint: disable=kubectl-request-timeout,unused-suppression\n";
    let dir = tree(&[("a.sh", script.as_bytes())]);
    // Opt-in: nothing by default.
    let (code, out, _) = run_in(dir.path(), &["check", "-f", "concise"]);
    assert_eq!((code, out.as_str()), (0, "All checks passed (1 file checked).\n"));
    let (code, out, _) = run_in(dir.path(), &["check", "-f", "concise", "--extend-select", "unused-suppression"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "a.sh:2:70: warning[unused-suppression] [*] unused suppression: no `kubectl-request-timeout` finding on this line to silence\n\
         a.sh:3:45: warning[unused-suppression] [*] unused suppression: no `unbounded-wait` finding on this line to silence\n\
         a.sh:4:20: warning[unused-suppression] [*] unused suppression: no `kubectl-request-timeout` finding on the next line to silence\n\
         Found 0 errors, 3 warnings in 1 file checked.\n\
         [*] 3 findings fixable with `opslint check --fix`.\n"
    );
    // The suppressed rule not selected: nothing to judge.
    let (_, out, _) = run_in(dir.path(), &["check", "-f", "concise", "--select", "unused-suppression,unbounded-wait"]);
    assert_eq!(
        out,
        "a.sh:3:45: warning[unused-suppression] [*] unused suppression: no `unbounded-wait` finding on this line to silence\n\
         Found 0 errors, 1 warning in 1 file checked.\n\
         [*] 1 finding fixable with `opslint check --fix`.\n"
    );
    let (code, out, stderr) = run_in(dir.path(), &["check", "-f", "concise", "--extend-select", "unused-suppression", "--fix"]);
    assert_eq!((code, out.as_str(), stderr.as_str()), (0, "All checks passed (1 file checked).\n", "Fixed 3 findings in 1 file.\n"));
    assert_eq!(
        fs::read_to_string(dir.path().join("a.sh")).unwrap(),
        "#!/bin/bash\n\
         microk8s kubectl --request-timeout=10s get nodes\n\
         microk8s kubectl get ns  # opslint: disable=kubectl-request-timeout -- reviewed\n\
         microk8s kubectl --request-timeout=10s get pods\n\
         echo done  # opslint: disable=missing-dqlite-monitoring\n\
         echo ok  # opslint: disable=kubectl-request-timeout,unused-suppression\n"
    );
}

/// `nrpe-timeout-budget`'s options say which scripts are checks and what
/// their budget is for every rule that judges a call by it: the unbounded
/// wait in a check is an error, and the request timeouts the fixes insert
/// share the configured budget.
#[test]
fn the_budget_options_reach_every_rule_that_reads_a_check_budget() {
    let dir = tree(&[
        (
            ".opslint.yaml",
            b"rules:\n  nrpe-timeout-budget:\n    default-budget: 4s\n    checks: \"checks/*.sh\"\n",
        ),
        (
            "checks/check_api.sh",
            b"#!/bin/bash\nmicrok8s kubectl get nodes\nmicrok8s kubectl get pods -A\nmicrok8s status --wait-ready\n",
        ),
    ]);
    let (code, out, err) = run_in(dir.path(), &["check", "-f", "concise", "-q", "."]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("checks/check_api.sh:4:1: error[unbounded-wait]"), "{out}");
    let (_, json, _) = run_in(dir.path(), &["check", "-f", "json", "."]);
    assert!(!json.contains("--request-timeout=10s"), "{json}");
    assert!(json.contains("\"content\": \" --request-timeout=1s\""), "{json}");
}

/// `--help` hides deprecated flags: `manifest import` says so, and a flag an
/// imported kubelite manifest lacks but the built-in data knows (and has not
/// seen removed by the imported version) is an info, not an unknown flag; a
/// removed one is still an error.
#[test]
fn imported_kubelite_manifests_keep_the_built_in_data_above_them() {
    let help = "Usage:\n  kube-apiserver [flags]\n\nFlags:\n      --etcd-servers strings   List of etcd servers\n      --secure-port int   The port (default 6443)\n  -h, --help   help for kube-apiserver\n";
    let out = opslint()
        .args(["manifest", "import", "--component", "kube-apiserver", "--version", "1.30.0"])
        .write_stdin(help)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--help does not list hidden flags"), "{stderr}");
    assert!(stderr.contains("--default-watch-cache-size"), "{stderr}");
    let dir = tree(&[
        ("kube-apiserver.json", &out.stdout),
        (".opslint.yaml", b"manifests: [kube-apiserver.json]\n"),
        (
            "snap/args/kube-apiserver",
            b"--secure-port=16443\n--default-watch-cache-size=0\n--etcd-quorum-read=true\n--etcd-servrs=x\n",
        ),
    ]);
    let (code, stdout, _) = run_in(dir.path(), &["check", "--format", "concise", "-q", "--microk8s", "1.30"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("snap/args/kube-apiserver:2:1: info[unknown-daemon-flag] `--default-watch-cache-size` is not in the imported flags of kube-apiserver v1.30.0, but it is a known flag that Kubernetes has not removed by 1.30"),
        "{stdout}"
    );
    assert!(
        stdout.contains("snap/args/kube-apiserver:3:1: error[removed-daemon-flag] `--etcd-quorum-read` was removed from kube-apiserver in Kubernetes 1.13"),
        "{stdout}"
    );
    assert!(
        stdout.contains("snap/args/kube-apiserver:4:1: error[unknown-daemon-flag] `--etcd-servrs` is not a flag of kube-apiserver in any imported version"),
        "{stdout}"
    );
}

/// MicroK8s's own default args of every track with a target (1.25 on), as
/// recorded in lints/manifests/kubernetes.json from canonical/microk8s
/// `microk8s-resources/default-args/<component>` on each `1.NN` branch: no
/// error, and no unknown or removed flag warning, for that track.
#[test]
fn microk8s_default_args_of_each_track_are_clean_for_that_track() {
    let k = opslint::manifest::kubernetes().expect("kubernetes.json parses");
    let text: serde_json::Value =
        serde_json::from_str(include_str!("../lints/manifests/kubernetes.json")).expect("parses");
    let mut runs = 0;
    for minor in 25..=35 {
        let track = format!("1.{minor}");
        for (component, _) in &k.components {
            let lines: Vec<&str> = text["components"][component]["microk8s_default_args"]
                .as_array()
                .expect("default args")
                .iter()
                .filter(|a| a["tracks"].as_array().expect("tracks").iter().any(|t| t == track.as_str()))
                .map(|a| a["quote"].as_str().expect("quote"))
                .collect();
            if lines.is_empty() {
                continue;
            }
            let dir = tree(&[(component.as_str(), (lines.join("\n") + "\n").as_bytes())]);
            let (_, stdout, stderr) = run_in(
                dir.path(),
                &["validate-args", "--component", component, "--microk8s", &track, component],
            );
            assert!(!stdout.contains("error["), "MicroK8s {track} {component}:\n{stdout}{stderr}");
            assert!(!stdout.contains("warning[unknown-daemon-flag]"), "MicroK8s {track} {component}:\n{stdout}");
            assert!(!stdout.contains("warning[removed-daemon-flag]"), "MicroK8s {track} {component}:\n{stdout}");
            runs += 1;
        }
    }
    assert!(runs >= 50, "{runs}");
}
