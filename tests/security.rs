//! The promises of `docs/security.md`, each tried as an attacker would: nothing
//! from the checked tree is executed, nothing outside it is read unless named on
//! the command line, and every read is bounded.

mod skip;

mod measured;

use std::fs;
use std::path::Path;
use std::time::Duration;

const CANARY: &str = "#!/bin/bash\nmicrok8s kubectl get nodes\n";
const SECRET: &str = "TOPSECRET-4f1d";

fn git(dir: &Path, args: &[&str]) {
    // The test's own git calls must not run the hostile configuration either.
    let status = std::process::Command::new("git")
        .current_dir(dir)
        .args(["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null"])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    match status {
        Ok(s) => assert!(s.success(), "git {args:?}"),
        Err(e) => {
            skip::skip("a git-backed security test", "git", &e.to_string());
        }
    }
}

fn have_git() -> bool {
    let found = std::process::Command::new("git").arg("--version").output().is_ok();
    if !found {
        skip::skip("a git-backed security test", "git", "install git");
    }
    found
}

fn check(dir: &Path, args: &[&str]) -> measured::Measured {
    let mut all = vec!["check", "--format", "concise"];
    all.extend_from_slice(args);
    measured::run(dir, &all, Duration::from_secs(120))
}

fn canary_found(stdout: &str) -> bool {
    stdout.contains("canary.sh:2:1: error[kubectl-request-timeout]")
}

#[test]
fn repository_git_configuration_is_never_executed() {
    if !have_git() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    fs::create_dir_all(repo.join("group_vars")).unwrap();
    fs::create_dir_all(repo.join("roles/x/tasks")).unwrap();
    fs::write(repo.join("canary.sh"), CANARY).unwrap();
    // Context from the index: the variable resolves only if the tracked files
    // were listed.
    fs::write(repo.join("group_vars/all.yml"), "kubectl: microk8s kubectl\n").unwrap();
    fs::write(
        repo.join("roles/x/tasks/main.yml"),
        "- name: nodes\n  shell: \"{{ kubectl }} get nodes\"\n",
    )
    .unwrap();
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    let marker = dir.path().join("PWNED");
    let hook = format!("touch {}; false", marker.display());
    let config = fs::read_to_string(repo.join(".git/config")).unwrap();
    fs::write(
        repo.join(".git/config"),
        format!(
            "{config}[core]\n\tfsmonitor = \"{hook}\"\n\thooksPath = /nonexistent\n\tsshCommand = \"{hook}\"\n[diff]\n\texternal = \"{hook}\"\n"
        ),
    )
    .unwrap();
    let run = check(&repo, &["."]);
    assert!(!marker.exists(), "opslint ran the repository's core.fsmonitor");
    assert!(canary_found(&run.stdout), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("roles/x/tasks/main.yml:2:11: error[kubectl-request-timeout] [*] `{{ kubectl }} get nodes` (expands to `microk8s kubectl get nodes`)"),
        "the index must still give the project's variables:\n{}",
        run.stdout
    );
    // pre-commit style: only the changed file named, context from the index.
    let run = check(&repo, &["roles/x/tasks/main.yml"]);
    assert!(!marker.exists(), "opslint ran the repository's core.fsmonitor");
    assert!(run.stdout.contains("main.yml:2:11: error[kubectl-request-timeout]"), "{}", run.stdout);
}

#[test]
fn the_index_reader_agrees_with_git_for_every_version() {
    if !have_git() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    let mut names = vec![
        "a.sh".to_string(),
        "sp ace/ü.yml".into(),
        "roles/common/tasks/main.yml".into(),
        "roles/common/tasks/main.yaml".into(),
        "roles/common/templates/k8s-dqlite.j2".into(),
    ];
    for i in 0..300 {
        names.push(format!("deep/{}/file-{i:03}.cfg", "d".repeat(i % 40 + 1)));
    }
    for n in &names {
        let p = repo.join(n);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, n).unwrap();
    }
    std::os::unix::fs::symlink("/etc/hostname", repo.join("link.cfg")).unwrap();
    names.push("link.cfg".into());
    git(repo, &["add", "-A"]);
    let mut expected: Vec<std::path::PathBuf> = names.iter().map(|n| repo.join(n)).collect();
    expected.sort();
    for version in ["2", "3", "4"] {
        git(repo, &["update-index", "--index-version", version]);
        if version == "3" {
            // Version 3 holds extended flags only with an intent-to-add entry.
            fs::write(repo.join("intent.sh"), "x").unwrap();
            git(repo, &["add", "-N", "intent.sh"]);
            expected.push(repo.join("intent.sh"));
            expected.sort();
        }
        let found = opslint::gitindex::tracked_files(repo).expect("index read");
        assert_eq!(found, expected, "index version {version}");
    }
    // A split index is not a complete list: the reader says so.
    git(repo, &["update-index", "--split-index"]);
    assert_eq!(opslint::gitindex::tracked_files(repo), None);
}

#[test]
fn files_outside_the_repository_are_not_read_or_echoed() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().expect("tempdir");
    let outside = dir.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("secret.txt"), format!("--{SECRET}=1\n")).unwrap();
    fs::write(outside.join("nrpe.cfg"), format!("command[x]=kubectl get {SECRET}\n")).unwrap();
    fs::write(outside.join("vars.yml"), format!("kubectl: kubectl {SECRET}\n")).unwrap();
    let repo = dir.path().join("repo");
    fs::create_dir_all(repo.join(".git")).unwrap();
    fs::create_dir_all(repo.join("roles/r/tasks")).unwrap();
    fs::create_dir_all(repo.join("nrpe")).unwrap();
    fs::create_dir_all(repo.join("group_vars")).unwrap();
    fs::write(repo.join("canary.sh"), CANARY).unwrap();
    let depth = "../".repeat(repo.components().count() + 3);
    let traversal = format!("{depth}{}", outside.join("secret.txt").display());
    fs::write(
        repo.join("roles/r/tasks/main.yml"),
        format!(
            "- name: args\n  template:\n    src: {traversal}\n    dest: /var/snap/microk8s/current/args/k8s-dqlite\n- name: nodes\n  shell: \"{{{{ kubectl }}}} get nodes\"\n"
        ),
    )
    .unwrap();
    symlink(outside.join("nrpe.cfg"), repo.join("nrpe/x.cfg")).unwrap();
    symlink(outside.join("vars.yml"), repo.join("group_vars/all.yml")).unwrap();
    let run = check(&repo, &[]);
    assert!(canary_found(&run.stdout), "{}{}", run.stdout, run.stderr);
    assert!(
        !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
        "content from outside the repository reached the report:\n{}{}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.stdout.contains("roles/r/tasks/main.yml:3:10: warning[path-outside-root] `template` source"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("nrpe/x.cfg:1:1: warning[path-outside-root] symbolic link resolves to"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("group_vars/all.yml:1:1: warning[path-outside-root] symbolic link resolves to"),
        "{}",
        run.stdout
    );
    // Named on the command line, an outside file is read: that is the user's choice.
    let named = outside.join("nrpe.cfg");
    let run = check(&repo, &[named.to_str().unwrap()]);
    assert!(run.stdout.contains("error[kubectl-request-timeout]"), "{}", run.stdout);
}

/// Links to `/dev/zero` wherever opslint reads: each read is refused at once.
#[test]
fn endless_files_behind_links_are_bounded() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path();
    fs::create_dir_all(repo.join(".git")).unwrap();
    fs::create_dir_all(repo.join("nrpe")).unwrap();
    fs::create_dir_all(repo.join("group_vars")).unwrap();
    fs::create_dir_all(repo.join("roles/r/tasks")).unwrap();
    fs::create_dir_all(repo.join("roles/r/handlers")).unwrap();
    fs::write(repo.join("canary.sh"), CANARY).unwrap();
    symlink("/dev/zero", repo.join("nrpe/zero.cfg")).unwrap();
    symlink("/dev/zero", repo.join("group_vars/all.yml")).unwrap();
    symlink("/dev/zero", repo.join("roles/r/handlers/main.yml")).unwrap();
    fs::write(
        repo.join("roles/r/tasks/main.yml"),
        "- template:\n    src: zero.j2\n    dest: /var/snap/microk8s/current/args/k8s-dqlite\n  notify: restart\n",
    )
    .unwrap();
    fs::create_dir_all(repo.join("roles/r/templates")).unwrap();
    symlink("/dev/zero", repo.join("roles/r/templates/zero.j2")).unwrap();
    let run = check(repo, &[]);
    assert!(canary_found(&run.stdout), "{}{}", run.stdout, run.stderr);
    assert!(run.peak_mib < 256, "{} MiB", run.peak_mib);
    // As configuration, baseline and manifest.
    symlink("/dev/zero", repo.join("zero")).unwrap();
    let run = check(repo, &["--config", "zero", "canary.sh"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
    let run = check(repo, &["--baseline", "zero", "canary.sh"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
    // A manifest link to a device leaves the tree: refused before any read.
    fs::write(repo.join(".opslint.yaml"), "manifests: [zero]\n").unwrap();
    let run = check(repo, &["canary.sh"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("manifest `zero` resolves to /dev/zero outside the project's root; not read"), "{}", run.stderr);
    assert!(run.peak_mib < 256, "{} MiB", run.peak_mib);
    // A FIFO inside the tree as a manifest: refused, not waited on.
    let fifo = repo.join("fifo.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    fs::write(repo.join(".opslint.yaml"), "manifests: [fifo.json]\n").unwrap();
    let run = check(repo, &["canary.sh"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("fifo.json: not a regular file"), "{}", run.stderr);
    // A manifest outside the configuration's directory is refused, not read.
    fs::write(repo.join(".opslint.yaml"), "manifests: [/etc/hostname]\n").unwrap();
    let run = check(repo, &["canary.sh"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("outside the project's root; not read"), "{}", run.stderr);
}

/// Files not yet `git add`-ed are project context (a handler just written
/// answers its `notify:`), except what `.gitignore` excludes; under pre-commit
/// (`PRE_COMMIT=1`) the context is what is being committed: the index.
#[test]
fn untracked_files_are_context_but_ignored_ones_and_pre_commit_runs_are_not() {
    if !have_git() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path();
    fs::create_dir_all(repo.join("roles/r/tasks")).unwrap();
    fs::write(
        repo.join("roles/r/tasks/main.yml"),
        "- name: Write config\n  ansible.builtin.copy:\n    content: x\n    dest: /etc/x\n  notify: reload things\n",
    )
    .unwrap();
    git(repo, &["init", "-q"]);
    git(repo, &["add", "roles/r/tasks/main.yml"]);
    let run = |pre_commit: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_opslint"));
        cmd.current_dir(repo)
            .args(["check", "--format", "concise", "roles/r/tasks/main.yml"])
            .env_remove("PRE_COMMIT");
        if pre_commit {
            cmd.env("PRE_COMMIT", "1");
        }
        String::from_utf8(cmd.output().expect("runs").stdout).unwrap()
    };
    let missing = "roles/r/tasks/main.yml:5:11: error[handler-not-found] `notify: reload things`";
    assert!(run(false).contains(missing), "{}", run(false));
    // An ignored file, and a file in an ignored directory: not context.
    fs::write(repo.join(".gitignore"), "/build/\n*.bak.yml\n").unwrap();
    let play = "- hosts: all\n  handlers:\n    - name: reload things\n      ansible.builtin.command: /bin/true\n";
    fs::create_dir_all(repo.join("build/deep")).unwrap();
    fs::write(repo.join("build/deep/site.yml"), play).unwrap();
    fs::write(repo.join("site.bak.yml"), play).unwrap();
    assert!(run(false).contains(missing), "ignored files are not context:\n{}", run(false));
    // A new, untracked playbook (in a new directory) with the handler: context.
    fs::create_dir_all(repo.join("plays")).unwrap();
    fs::write(repo.join("plays/site.yml"), play).unwrap();
    assert!(!run(false).contains("handler-not-found"), "{}", run(false));
    // pre-commit checks what is committed: the handler is not in it.
    assert!(run(true).contains(missing), "{}", run(true));
    git(repo, &["add", "plays/site.yml"]);
    assert!(!run(true).contains("handler-not-found"), "{}", run(true));
}

/// A file name that retitles the terminal (OSC … BEL) and starts a new line.
const HOSTILE_NAME: &str = "a\x1b]0;pwned\x07\nb.sh";
/// How it must read in every text report.
const HOSTILE_NAME_SHOWN: &str = "a\\x1b]0;pwned\\x07\\nb.sh";

/// The control characters of `text` other than line ends, after removing the
/// colour sequences (`ESC [ … m`) opslint writes itself when asked to.
fn raw_controls(text: &str, own_colour: bool) -> Vec<char> {
    let mut rest = text.to_string();
    if own_colour {
        let mut kept = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\x1b' && chars.peek() == Some(&'[') {
                let sequence: String = chars.clone().take_while(|c| *c != 'm').collect();
                if sequence[1..].chars().all(|c| c.is_ascii_digit() || c == ';') {
                    chars.nth(sequence.chars().count());
                    continue;
                }
            }
            kept.push(c);
        }
        rest = kept;
    }
    rest.chars().filter(|c| c.is_control() && *c != '\n').collect()
}

/// File names and source lines with ESC, OSC, BEL and newlines reach no
/// report as control characters: each is shown as its escape.
#[test]
fn control_characters_from_the_tree_are_escaped_in_every_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path();
    fs::write(repo.join("canary.sh"), CANARY).unwrap();
    fs::write(repo.join(HOSTILE_NAME), CANARY).unwrap();
    fs::write(
        repo.join("line.sh"),
        "#!/bin/bash\necho \"\x1b[2J\x1b]0;pwned\x07\"; kubectl get pods # \u{9b}31m\x7f\n",
    )
    .unwrap();
    let shown_line = "echo \"\\x1b[2J\\x1b]0;pwned\\x07\"; kubectl get pods # \\u{9b}31m\\x7f";
    for (format, colour) in [
        ("text", false),
        ("text", true),
        ("concise", false),
        ("github", false),
        ("junit", false),
        ("json", false),
        ("sarif", false),
        ("gitlab", false),
    ] {
        let colour_flag = if colour { "always" } else { "never" };
        let run = measured::run(repo, &["check", "--format", format, "--color", colour_flag, "."], Duration::from_secs(120));
        let what = format!("--format {format} --color {colour_flag}");
        assert_eq!(run.code, 1, "{what}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("canary.sh"), "{what}: the canary was not reported:\n{}", run.stdout);
        for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            let raw = raw_controls(text, colour);
            assert!(raw.is_empty(), "{what}: raw control characters {raw:?} on {stream}:\n{text:?}");
        }
        // Text reports show the escapes; serde's JSON escapes its own way,
        // and SARIF names files by URI.
        let (name, line) = match format {
            "json" | "gitlab" => ("a\\u001b]0;pwned\\u0007\\nb.sh", None),
            "sarif" => ("a%1B%5D0%3Bpwned%07%0Ab.sh", None),
            "text" => (HOSTILE_NAME_SHOWN, Some(shown_line)),
            _ => (HOSTILE_NAME_SHOWN, None),
        };
        assert!(run.stdout.contains(name), "{what}: no `{name}`:\n{}", run.stdout);
        if let Some(line) = line {
            assert!(run.stdout.contains(line), "{what}: no `{line}`:\n{}", run.stdout);
        }
    }
    // The label stays under `kubectl`, and the header gives the file's column.
    let run = measured::run(repo, &["check", "--format", "text", "--color", "never", "line.sh"], Duration::from_secs(120));
    let lines: Vec<&str> = run.stdout.lines().collect();
    let at = lines.iter().position(|l| l.contains(shown_line)).expect("the line is shown");
    let (code, marks) = (lines[at], lines[at + 1]);
    let column = |l: &str, byte: usize| l[..byte].chars().count();
    let caret = marks.find(|c: char| c != ' ' && c != '·').expect("a label");
    assert_eq!(column(marks, caret), column(code, code.find("kubectl").unwrap()), "\n{code}\n{marks}");
    let concise = check(repo, &["line.sh"]).stdout;
    let position = concise.split(": ").next().unwrap().to_string();
    assert!(run.stdout.contains(&format!("[{position}]")), "{position}:\n{}", run.stdout);
}

/// A key of `.opslint.yaml` holding a newline and a workflow command is
/// reported, escaped, as an annotation of its own: it cannot start a line.
#[test]
fn configuration_keys_cannot_forge_workflow_commands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path();
    fs::write(repo.join("canary.sh"), CANARY).unwrap();
    fs::write(
        repo.join(".opslint.yaml"),
        "\"x\\n::error file=x::forged\": 1\nrules:\n  \"y\\r\\n::error file=x,line=1::forged\\e]0;t\\a\": error\n",
    )
    .unwrap();
    let run = measured::run(repo, &["check", "--format", "github", "."], Duration::from_secs(120));
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        for line in text.lines() {
            assert!(!line.trim_start().starts_with("::error file=x"), "forged on {stream}: {line:?}\n{text}");
        }
        let raw = raw_controls(text, false);
        assert!(raw.is_empty(), "raw control characters {raw:?} on {stream}:\n{text:?}");
    }
    let annotation = "::error file=.opslint.yaml,line=1,col=1,title=opslint (invalid-configuration)::unknown key `x\\n::error file=x::forged`";
    assert!(run.stdout.lines().any(|l| l.starts_with(annotation)), "{}", run.stdout);
    assert!(
        run.stdout.contains("::error file=.opslint.yaml,line=3,col=3,title=opslint (invalid-configuration)::unknown rule `y\\r\\n::error file=x,line=1::forged\\x1b]0;t\\x07`"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains(".opslint.yaml:1:1: unknown key `x\\n::error file=x::forged`"), "{}", run.stderr);
    // The same tree with the configuration repaired: the canary is found.
    fs::write(repo.join(".opslint.yaml"), "rules: {}\n").unwrap();
    let run = check(repo, &["."]);
    assert!(canary_found(&run.stdout), "{}{}", run.stdout, run.stderr);
}
