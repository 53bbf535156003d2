//! The promises of `docs/security.md`, each tried as an attacker would: nothing
//! from the checked tree is executed, nothing outside it is read unless named on
//! the command line, and every read is bounded.

mod skip;

mod measured;

mod sources;

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

/// The bounds every hostile tree of the tests below is held to: the run ends
/// within 20 s with at most 1 GiB resident, and the canary is still reported.
fn bounded(run: &measured::Measured, what: &str) {
    assert!(canary_found(&run.stdout), "{what}: canary lost\n{}{}", run.stdout, run.stderr);
    assert!(run.seconds < 20.0, "{what}: {:.1} s", run.seconds);
    assert!(run.peak_mib < 1024, "{what}: {} MiB", run.peak_mib);
}

/// A repository with a canary script and a victim file outside it.
fn repo_with_victim() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    fs::create_dir_all(repo.join(".git")).unwrap();
    fs::write(repo.join("canary.sh"), CANARY).unwrap();
    let victim = dir.path().join("victim");
    fs::write(&victim, SECRET).unwrap();
    (dir, repo, victim)
}

/// Every writer (`--write-baseline`, `--output-file`, `--fix`) refuses a link
/// planted where it writes: the victim outside keeps its bytes.
#[test]
fn writers_never_write_through_a_link() {
    use std::os::unix::fs::symlink;
    let (dir, repo, victim) = repo_with_victim();
    symlink(&victim, repo.join(".opslint-baseline.json")).unwrap();
    let run = check(&repo, &["--write-baseline", ".opslint-baseline.json"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    assert_eq!(fs::read_to_string(&victim).unwrap(), SECRET);
    symlink(&victim, repo.join("report.sarif")).unwrap();
    for format in ["sarif", "json", "text"] {
        let run = measured::run(
            &repo,
            &["check", "--format", format, "--output-file", "report.sarif"],
            Duration::from_secs(60),
        );
        assert_eq!(run.code, 2, "{format}: {}", run.stderr);
        assert_eq!(fs::read_to_string(&victim).unwrap(), SECRET, "{format}");
    }
    // A directory of the repository that links out: nothing is written there.
    symlink(dir.path(), repo.join("reports")).unwrap();
    let run = check(&repo, &["--output-file", "reports/new.json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("outside the project's root"), "{}", run.stderr);
    assert!(!dir.path().join("new.json").exists());
    // `--fix` of a linked directory: the outside file is neither read nor fixed.
    let outside = dir.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("check.sh"), CANARY).unwrap();
    symlink(&outside, repo.join("roles")).unwrap();
    let run = check(&repo, &["--fix", "roles", "canary.sh"]);
    assert_eq!(fs::read_to_string(outside.join("check.sh")).unwrap(), CANARY);
    assert!(run.stdout.contains("roles/check.sh:1:1: warning[path-outside-root]"), "{}", run.stdout);
    // The canary was fixed in place: writing inside the tree still works.
    assert!(fs::read_to_string(repo.join("canary.sh")).unwrap().contains("--request-timeout"));
    // A path the user spells outside the project is theirs to write.
    let report = dir.path().join("report.json");
    let run = check(&repo, &["--output-file", report.to_str().unwrap(), "canary.sh"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(report.is_file() && !report.is_symlink());
}

/// Ignore files are read by opslint's bounded reader: links to endless files,
/// a FIFO and a 19 MB file cost nothing and are reported, never waited on.
#[test]
fn ignore_files_are_read_bounded() {
    use std::os::unix::fs::symlink;
    let (_dir, repo, _) = repo_with_victim();
    fs::create_dir_all(repo.join(".git/info")).unwrap();
    fs::create_dir_all(repo.join("a")).unwrap();
    fs::create_dir_all(repo.join("b")).unwrap();
    fs::create_dir_all(repo.join("c")).unwrap();
    symlink("/dev/zero", repo.join(".gitignore")).unwrap();
    symlink("/dev/zero", repo.join("a/.ignore")).unwrap();
    symlink("/proc/self/pagemap", repo.join("b/.gitignore")).unwrap();
    symlink("/dev/zero", repo.join(".git/info/exclude")).unwrap();
    let made = std::process::Command::new("mkfifo").arg(repo.join("c/.gitignore")).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    fs::create_dir_all(repo.join("d")).unwrap();
    fs::write(repo.join("d/.gitignore"), "x\n".repeat(10_000_000)).unwrap();
    let run = check(&repo, &[]);
    bounded(&run, "ignore files");
    assert!(run.stdout.contains(".gitignore:1:1: error[unreadable-file]"), "{}", run.stdout);
    assert!(run.stdout.contains("its patterns are not applied"), "{}", run.stdout);
    // A readable ignore file still applies.
    fs::remove_file(repo.join(".gitignore")).unwrap();
    fs::write(repo.join(".gitignore"), "ignored.sh\n").unwrap();
    fs::write(repo.join("ignored.sh"), CANARY).unwrap();
    let run = check(&repo, &[]);
    bounded(&run, "ignore files");
    assert!(!run.stdout.contains("ignored.sh"), "{}", run.stdout);
}

/// Role dependencies that form a cycle end and are reported once; a diamond
/// of 30 levels is visited once per role, not once per path (2^30).
#[test]
fn role_dependency_cycles_and_diamonds() {
    let (_dir, repo, _) = repo_with_victim();
    let role = |name: &str, deps: &[String]| {
        fs::create_dir_all(repo.join(format!("roles/{name}/meta"))).unwrap();
        fs::create_dir_all(repo.join(format!("roles/{name}/tasks"))).unwrap();
        let list: String = deps.iter().map(|d| format!("  - {d}\n")).collect();
        fs::write(repo.join(format!("roles/{name}/meta/main.yml")), format!("dependencies:\n{list}")).unwrap();
        fs::write(
            repo.join(format!("roles/{name}/tasks/main.yml")),
            "- name: restart\n  ansible.builtin.systemd:\n    name: snap.microk8s.daemon-k8s-dqlite\n    state: restarted\n",
        )
        .unwrap();
    };
    role("a", &["b".into()]);
    role("b", &["a".into()]);
    for i in 0..30 {
        role(&format!("l{i}"), &[format!("m{}", i + 1), format!("n{}", i + 1)]);
        role(&format!("m{}", i + 1), &[format!("l{}", i + 1)]);
        role(&format!("n{}", i + 1), &[format!("l{}", i + 1)]);
    }
    role("l30", &[]);
    fs::write(repo.join("site.yml"), "- hosts: all\n  roles:\n    - a\n- hosts: all\n  roles:\n    - l0\n").unwrap();
    let run = check(&repo, &[]);
    bounded(&run, "role dependencies");
    assert_eq!(
        run.stdout.lines().filter(|l| l.contains("role dependency cycle")).collect::<Vec<_>>(),
        ["roles/a/meta/main.yml:1:1: info[analysis-limit] role dependency cycle `a` → `b` → `a`: each role was followed once"],
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("site.yml:1:3: error[dqlite-restart-not-serial]"), "{}", run.stdout);
    assert!(run.stdout.contains("site.yml:4:3: error[dqlite-restart-not-serial]"), "{}", run.stdout);
}

/// An inventory whose `children` form a diamond 30 groups deep (2^30 paths)
/// or a cycle is read once per group.
#[test]
fn inventory_children_diamonds_and_cycles() {
    let (_dir, repo, _) = repo_with_victim();
    let mut ini = String::from("[g30]\nnode1\nnode2\nnode3\n");
    for i in 0..30 {
        ini.push_str(&format!("[g{i}:children]\nh{i}\nk{i}\n[h{i}:children]\ng{n}\n[k{i}:children]\ng{n}\n", n = i + 1));
    }
    ini.push_str("[c1:children]\nc2\n[c2:children]\nc1\n");
    fs::write(repo.join("inventory.ini"), ini).unwrap();
    fs::write(repo.join("ansible.cfg"), "[defaults]\ninventory = inventory.ini\n").unwrap();
    fs::write(
        repo.join("site.yml"),
        "- hosts: g0\n  tasks:\n    - ansible.builtin.systemd:\n        name: snap.microk8s.daemon-k8s-dqlite\n        state: restarted\n      register: r\n    - ansible.builtin.command: microk8s status --wait-ready --timeout 60\n- hosts: c1\n  tasks:\n    - ansible.builtin.systemd:\n        name: snap.microk8s.daemon-k8s-dqlite\n        state: restarted\n",
    )
    .unwrap();
    let run = check(&repo, &[]);
    bounded(&run, "inventory");
    assert!(run.stdout.contains("all its 3 hosts at once (`g0` is 3 hosts in `inventory.ini`)"), "{}", run.stdout);
    // The cycle makes its play's hosts unknown, not a loop.
    assert!(run.stdout.contains("`c1` is not resolved by the inventory"), "{}", run.stdout);
}

/// One large scalar aliased many times is few nodes and many bytes: the
/// budget is in bytes, the file gets an `analysis-limit`, the run goes on.
#[test]
fn yaml_aliases_are_budgeted_in_bytes() {
    let (_dir, repo, _) = repo_with_victim();
    fs::create_dir_all(repo.join("group_vars")).unwrap();
    let text = format!(
        "big: &a \"{}\"\nl: [{}]\nkubectl: microk8s kubectl\n",
        "A".repeat(600 * 1024),
        vec!["*a"; 90_000].join(", ")
    );
    fs::write(repo.join("group_vars/all.yml"), text).unwrap();
    let run = check(&repo, &[]);
    bounded(&run, "alias bytes");
    assert!(
        run.stdout.contains("group_vars/all.yml:2:137: warning[analysis-limit] aliases here expand the document past 16 MiB"),
        "{}",
        run.stdout
    );
    // The same under pre-commit, whose context is the index.
    let run = measured::run(&repo, &["check", "--format", "concise", "canary.sh"], Duration::from_secs(60));
    bounded(&run, "alias bytes, one file");
}

/// `manifests:` that are links to one file are read once, and all of a run's
/// manifests together are bounded.
#[test]
fn linked_manifests_are_read_once() {
    use std::os::unix::fs::symlink;
    let (_dir, repo, _) = repo_with_victim();
    // The format `opslint manifest import` writes, 4 MB of flags.
    let flags: Vec<String> = (0..30_000)
        .map(|i| {
            format!(
                "{{\"name\":\"flag-number-{i:06}\",\"type\":\"string\",\"default\":\"\",\"usage\":\"u\",\"deprecated\":null,\"enum\":null,\"enum_source\":null}}"
            )
        })
        .collect();
    let manifest = format!(
        "{{\"component\":\"kubelet\",\"repository\":\"user: imported from --help\",\"generator\":\"opslint manifest import\",\"builtin_flags\":[{{\"name\":\"help\"}}],\"versions\":[{{\"version\":\"1.99.0\",\"tag\":\"v1.99.0\",\"commit\":\"\",\"path\":\"--help\",\"flags\":[{}]}}]}}",
        flags.join(",")
    );
    assert!(manifest.len() > 3_500_000);
    fs::create_dir_all(repo.join("m")).unwrap();
    fs::write(repo.join("m/kubelet.json"), manifest).unwrap();
    let mut list = String::from("manifests:\n");
    for i in 0..2000 {
        symlink("kubelet.json", repo.join(format!("m/l{i}.json"))).unwrap();
        list.push_str(&format!("  - m/l{i}.json\n"));
    }
    fs::write(repo.join(".opslint.yaml"), list).unwrap();
    let run = check(&repo, &[]);
    assert!(run.peak_mib < 1024, "{} MiB", run.peak_mib);
    assert!(run.seconds < 20.0, "{:.1} s", run.seconds);
    assert!(canary_found(&run.stdout), "{}{}", run.stdout, run.stderr);
}

/// Paths that lead out of the tree through links are not read, whether
/// walked or named (`git ls-files | xargs opslint check`), and a linked first
/// path does not move the project's root.
#[test]
fn named_links_out_of_the_tree_are_not_read() {
    use std::os::unix::fs::symlink;
    let (dir, repo, victim) = repo_with_victim();
    fs::write(&victim, format!("- hosts: [{SECRET}\n")).unwrap();
    symlink(&victim, repo.join("vars.yml")).unwrap();
    let run = check(&repo, &["vars.yml", "canary.sh"]);
    bounded(&run, "named link");
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("vars.yml:1:1: warning[path-outside-root]"), "{}", run.stdout);
    // A linked directory as the first path: the root stays this repository.
    let outside = dir.path().join("outside");
    fs::create_dir_all(outside.join(".git")).unwrap();
    fs::write(outside.join("play.yml"), format!("- hosts: [{SECRET}\n")).unwrap();
    symlink(&outside, repo.join("linked")).unwrap();
    let run = check(&repo, &["linked", "canary.sh"]);
    bounded(&run, "linked first path");
    assert!(!run.stdout.contains(SECRET), "{}", run.stdout);
    assert!(run.stdout.contains("linked/play.yml:1:1: warning[path-outside-root]"), "{}", run.stdout);
}

/// Files read for context outside the walk: a Molecule role's `meta/main.yml`,
/// a node's `snap.yaml` under `--root`, a discovered `.opslint.yaml`.
#[test]
fn context_reads_are_bounded_and_confined() {
    use std::os::unix::fs::symlink;
    let (_dir, repo, victim) = repo_with_victim();
    fs::create_dir_all(repo.join("roles/r/meta")).unwrap();
    fs::create_dir_all(repo.join("roles/r/tasks")).unwrap();
    fs::create_dir_all(repo.join("roles/r/molecule/default")).unwrap();
    fs::write(repo.join("roles/r/tasks/main.yml"), "- ansible.builtin.debug:\n").unwrap();
    symlink("/dev/zero", repo.join("roles/r/meta/main.yml")).unwrap();
    fs::write(repo.join("roles/r/molecule/default/converge.yml"), "- hosts: all\n  roles:\n    - ns.other\n").unwrap();
    let made = std::process::Command::new("mkfifo").arg(repo.join("roles/r/meta/main.yaml")).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let run = check(&repo, &[]);
    bounded(&run, "molecule meta");
    // A node's tree whose snap.yaml is endless.
    let node = tempfile::tempdir().expect("node");
    fs::create_dir_all(node.path().join("snap/microk8s/8205/meta")).unwrap();
    symlink("8205", node.path().join("snap/microk8s/current")).unwrap();
    symlink("/dev/zero", node.path().join("snap/microk8s/8205/meta/snap.yaml")).unwrap();
    let run = check(&repo, &["--root", node.path().to_str().unwrap(), "canary.sh"]);
    bounded(&run, "snap.yaml");
    // A discovered configuration that links out: not read, its keys not echoed.
    fs::write(&victim, format!("{SECRET}: 1\n")).unwrap();
    symlink(&victim, repo.join(".opslint.yaml")).unwrap();
    let run = check(&repo, &["canary.sh"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains(SECRET) && !run.stdout.contains(SECRET), "{}", run.stderr);
    assert!(run.stderr.contains("outside the project's root; not read"), "{}", run.stderr);
}

/// A git index that lists files under a directory which is a link to `/`:
/// the listing of untracked files does not walk through it.
#[test]
fn an_index_entry_under_a_linked_directory_is_not_walked() {
    use std::os::unix::fs::symlink;
    if !have_git() {
        return;
    }
    let (_dir, repo, _) = repo_with_victim();
    fs::remove_dir_all(repo.join(".git")).unwrap();
    git(&repo, &["init", "-q"]);
    fs::create_dir_all(repo.join("d")).unwrap();
    fs::write(repo.join("d/x.yml"), "a: 1\n").unwrap();
    git(&repo, &["add", "d/x.yml", "canary.sh"]);
    fs::remove_dir_all(repo.join("d")).unwrap();
    symlink("/", repo.join("d")).unwrap();
    let run = check(&repo, &["canary.sh"]);
    bounded(&run, "index under a link");
    assert!(run.seconds < 5.0, "{:.1} s", run.seconds);
}

/// No module but the reader and the writer opens a file: every byte read
/// from a tree is bounded and confined, every write goes through one writer.
#[test]
fn only_the_reader_and_the_writer_open_files() {
    let forbidden = [
        "fs::read(",
        "fs::read_to_string(",
        "File::open(",
        "File::create(",
        "fs::write(",
        "OpenOptions",
        "fs::copy(",
        "tempfile::",
        "GitignoreBuilder",
        "WalkBuilder::new(",
    ];
    let allowed: &[(&str, &[&str])] = &[
        ("src/fsread.rs", &["OpenOptions"]),
        ("src/fswrite.rs", &["tempfile::"]),
        ("src/ignorefiles.rs", &["GitignoreBuilder"]),
        // Directory walks: the walker's own reading of ignore files is off.
        ("src/discover.rs", &["WalkBuilder::new("]),
        ("src/project.rs", &["WalkBuilder::new("]),
    ];
    let mut found = Vec::new();
    for file in sources::rust_sources() {
        for (n, line) in file.code.lines().enumerate() {
            for f in forbidden {
                let ok = allowed.iter().any(|(p, fs)| *p == file.path && fs.contains(&f));
                if line.contains(f) && !ok {
                    found.push(format!("{}:{}: {}", file.path, n + 1, line.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "files opened outside src/fsread.rs and src/fswrite.rs:\n{}", found.join("\n"));
    // Every walk turns the walker's own ignore-file reading off.
    for file in ["src/discover.rs", "src/project.rs"] {
        let text = fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
        assert_eq!(
            text.matches("WalkBuilder::new(").count(),
            text.matches(".standard_filters(false)").count(),
            "{file}"
        );
    }
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

/// The bidirectional formatting characters of `text` (they reorder what a
/// reader sees around them).
fn raw_bidi(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .collect()
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
        "#!/bin/bash\necho \"\x1b[2J\x1b]0;pwned\x07\"; kubectl get pods # \u{9b}31m\x7f \u{202e}cod\u{2066}\n",
    )
    .unwrap();
    let shown_line =
        "echo \"\\x1b[2J\\x1b]0;pwned\\x07\"; kubectl get pods # \\u{9b}31m\\x7f \\u{202e}cod\\u{2066}";
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
            // JSON, SARIF and GitLab carry the text for programs, as serde writes it.
            if !matches!(format, "json" | "sarif" | "gitlab") {
                let bidi = raw_bidi(text);
                assert!(bidi.is_empty(), "{what}: raw bidirectional characters {bidi:?} on {stream}:\n{text:?}");
            }
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
