//! The pre-commit hooks of `.pre-commit-hooks.yaml`, run by the real
//! `pre-commit` (installed by `.ci/run`; the test says SKIPPED without it):
//! a temporary repository uses the hooks of this checkout, a commit with an
//! unbounded kubectl call is refused with the finding printed, the fixed
//! script commits.

mod skip;

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.email=test@example.com", "-c", "user.name=test"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A git repository holding this checkout as it is now (tracked and new files,
/// without ignored ones), so the hooks are tested with the working tree.
fn hook_repo(into: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = git(root, &["ls-files", "-co", "--exclude-standard", "-z"]);
    for name in files.split('\0').filter(|n| !n.is_empty()) {
        let from = root.join(name);
        if !from.is_file() {
            continue;
        }
        let to = into.join(name);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&from, &to).expect("copy");
    }
    git(into, &["init", "-q"]);
    git(into, &["add", "-A"]);
    git(into, &["commit", "-qm", "opslint hooks under test"]);
    git(into, &["rev-parse", "HEAD"]).trim().to_string()
}

fn pre_commit_available() -> bool {
    Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn commit(repo: &Path, env: &[(&str, String)]) -> (bool, String) {
    let mut cmd = Command::new("git");
    cmd.current_dir(repo)
        .args(["-c", "user.email=test@example.com", "-c", "user.name=test"])
        .args(["commit", "-m", "a check"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("git commit runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn run_hook(hook: &str, env: &[(&str, String)]) {
    let work = tempfile::tempdir().expect("tempdir");
    let hooks = work.path().join("hooks");
    let rev = hook_repo(&hooks);
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: {hook}\n",
        hooks.display()
    );
    guard_commits(work.path(), &config, env);
}

/// A repository with `config` as its `.pre-commit-config.yaml`: a commit of
/// an unbounded kubectl call is refused with the finding printed, the fixed
/// script commits.
fn guard_commits(work: &Path, config: &str, env: &[(&str, String)]) {
    let repo = work.join("ops");
    std::fs::create_dir_all(&repo).expect("mkdir");
    git(&repo, &["init", "-q"]);
    std::fs::write(repo.join(".pre-commit-config.yaml"), config).expect("write");
    git(&repo, &["add", ".pre-commit-config.yaml"]);
    let mut install = Command::new("pre-commit");
    install.current_dir(&repo).arg("install");
    for (k, v) in env {
        install.env(k, v);
    }
    assert!(install.output().expect("pre-commit runs").status.success());

    let script = repo.join("check_nodes");
    std::fs::write(&script, "#!/bin/bash\nmicrok8s kubectl get nodes\n").expect("write");
    std::fs::write(repo.join("README"), "not checked\n").expect("write");
    git(&repo, &["add", "check_nodes", "README"]);
    let (ok, output) = commit(&repo, env);
    assert!(!ok, "the commit should be refused:\n{output}");
    assert!(output.contains("Failed"), "{output}");
    assert!(
        output.contains("`microk8s kubectl get nodes` has no `--request-timeout`"),
        "{output}"
    );
    assert!(output.contains("check_nodes:2:1"), "{output}");

    std::fs::write(
        &script,
        "#!/bin/bash\nmicrok8s kubectl --request-timeout=10s get nodes\n\
         microk8s kubectl --request-timeout=5s drain node1 --ignore-daemonsets\n",
    )
    .expect("write");
    git(&repo, &["add", "check_nodes"]);
    let (ok, output) = commit(&repo, env);
    assert!(ok, "the fixed script should commit:\n{output}");
    assert!(output.contains("Passed"), "{output}");
    // A warning does not refuse the commit, and it is shown (`verbose: true`).
    assert!(output.contains("warning[unbounded-wait]") && output.contains("check_nodes:3:1"), "{output}");
}

/// pre-commit's own cache, and cargo's build directory for the `rust` hook,
/// under this checkout's `target/` so that runs reuse them.
fn cache_env() -> Vec<(&'static str, String)> {
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target");
    vec![
        ("PRE_COMMIT_HOME", target.join("pre-commit-home").display().to_string()),
        ("CARGO_TARGET_DIR", target.join("pre-commit-build").display().to_string()),
    ]
}

#[test]
fn system_hook_refuses_then_accepts_a_commit() {
    if !pre_commit_available() {
        skip::skip("system_hook_refuses_then_accepts_a_commit", "pre-commit", "bash .ci/run installs it with pip");
        return;
    }
    // The `opslint` under test first on PATH.
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_opslint"));
    let path = std::env::join_paths(
        std::iter::once(bin.parent().expect("bin dir").to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("PATH");
    let mut env = cache_env();
    env.push(("PATH", path.to_string_lossy().into_owned()));
    run_hook("opslint-system", &env);
}

/// The hook that builds opslint from source (pip through maturin): it guards
/// commits, and the binary it installed was compiled from exactly the
/// dependency versions of Cargo.lock. The binary says which: the paths of its
/// dependencies' sources (`…/registry/src/<index>/<name>-<version>/…`) are in
/// its panic locations.
#[test]
fn source_hook_builds_the_locked_dependencies_and_guards_commits() {
    // It compiles a release build of its own (about 2 minutes on 2 cores): a
    // step of `bash .ci/run`, not of every `cargo test`.
    if std::env::var_os("OPSLINT_SOURCE_HOOK").is_none_or(|v| v != "1") {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\nNOT RUN source_hook_builds_the_locked_dependencies_and_guards_commits: set OPSLINT_SOURCE_HOOK=1 (bash .ci/run does) to build the source hook"
        );
        return;
    }
    if !pre_commit_available() {
        skip::skip(
            "source_hook_builds_the_locked_dependencies_and_guards_commits",
            "pre-commit",
            "bash .ci/run installs it with pip",
        );
        return;
    }
    let env = cache_env();
    let started = std::time::SystemTime::now();
    run_hook("opslint", &env);
    let home = PathBuf::from(&env.iter().find(|(k, _)| *k == "PRE_COMMIT_HOME").expect("home").1);
    // The `opslint` this run's hook environment holds.
    let installed = std::fs::read_dir(&home)
        .expect("pre-commit home")
        .flatten()
        .flat_map(|repo| std::fs::read_dir(repo.path()).into_iter().flatten().flatten())
        .map(|env| env.path().join("bin/opslint"))
        .filter(|bin| bin.is_file())
        .max_by_key(|bin| bin.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH))
        .expect("the hook installed opslint");
    assert!(
        installed.metadata().and_then(|m| m.modified()).is_ok_and(|t| t >= started),
        "{} is not from this run",
        installed.display()
    );
    let binary = std::fs::read(&installed).expect("binary");
    let lock = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock")).expect("Cargo.lock");
    let locked: std::collections::BTreeSet<(String, String)> = lock
        .split("[[package]]")
        .filter_map(|p| {
            let field = |k: &str| {
                p.lines()
                    .find_map(|l| l.strip_prefix(k)?.trim().strip_prefix('=')?.trim().strip_prefix('"')?.strip_suffix('"'))
                    .map(str::to_string)
            };
            Some((field("name")?, field("version")?))
        })
        .collect();
    // `…/registry/src/<index>/<name>-<version>/…` for every crate compiled in.
    let text = String::from_utf8_lossy(&binary);
    let built: std::collections::BTreeSet<(String, String)> = text
        .split("/registry/src/")
        .skip(1)
        .filter_map(|rest| {
            let dir = rest.split('/').nth(1)?;
            let (name, version) = dir.rsplit_once('-')?;
            version.starts_with(|c: char| c.is_ascii_digit()).then(|| (name.to_string(), version.to_string()))
        })
        .collect();
    assert!(built.len() > 20, "the binary names too few crates: {built:?}");
    let unlocked: Vec<_> = built.difference(&locked).collect();
    assert!(unlocked.is_empty(), "built from versions Cargo.lock does not hold: {unlocked:?}");
}

/// The hook a user without a Rust toolchain uses: `language: python`, the
/// wheel (built by `bash .ci/run`, named by `OPSLINT_WHEEL`) installed by
/// pre-commit into the hook's environment as its dependency, the way
/// ruff-pre-commit installs ruff's. The README's "Installing" gives this
/// configuration with `opslint==VERSION` once a package index has it.
#[test]
fn wheel_hook_when_a_wheel_is_given() {
    let Some(wheel) = std::env::var_os("OPSLINT_WHEEL") else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\nNOT RUN wheel_hook_when_a_wheel_is_given: set OPSLINT_WHEEL=path/to/opslint-*.whl (bash .ci/run builds one and does)"
        );
        return;
    };
    if !pre_commit_available() {
        skip::skip("wheel_hook_when_a_wheel_is_given", "pre-commit", "bash .ci/run installs it with pip");
        return;
    }
    let wheel = std::fs::canonicalize(&wheel).expect("OPSLINT_WHEEL names a file");
    let work = tempfile::tempdir().expect("tempdir");
    let config = format!(
        "repos:\n  - repo: local\n    hooks:\n      - id: opslint\n        name: opslint\n        \
         entry: opslint check --force-exclude\n        language: python\n        \
         additional_dependencies: [\"{}\"]\n        types: [text]\n        require_serial: true\n        verbose: true\n",
        wheel.display()
    );
    // No cargo and no opslint on PATH (pre-commit's directory and the
    // system's): the hook's environment has the binary.
    let pre_commit_dir = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .find(|d| d.join("pre-commit").is_file())
        .expect("pre-commit is on PATH");
    let dirs = [pre_commit_dir, PathBuf::from("/usr/bin"), PathBuf::from("/bin")];
    for d in &dirs {
        assert!(!d.join("opslint").exists() && !d.join("cargo").exists(), "{} has opslint or cargo", d.display());
    }
    let path = std::env::join_paths(&dirs).expect("PATH");
    let env = vec![
        ("PRE_COMMIT_HOME", work.path().join("pre-commit-home").display().to_string()),
        ("PATH", path.to_string_lossy().into_owned()),
    ];
    guard_commits(work.path(), &config, &env);
}
