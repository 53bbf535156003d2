//! Hostile input: every case ends with a clear diagnostic (or a clean pass),
//! the other files are still checked, and nothing is written. Times are not
//! asserted (that is the benchmarks' job); memory and termination are, by the
//! test finishing at all under the harness.

use assert_cmd::Command;
use std::fs;
use std::path::Path;

fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("opslint")
        .expect("binary")
        .env_remove("GITHUB_ACTIONS")
        .current_dir(dir)
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const CANARY: &str = "#!/bin/bash\nmicrok8s kubectl get nodes\n";

/// The canary script's finding, which must survive whatever else is in the tree.
fn canary_found(stdout: &str) -> bool {
    stdout.contains("canary.sh:2:1: error[kubectl-request-timeout]")
}

/// A snapshot of a tree's files and contents, to prove nothing was written.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = walk(dir)
        .into_iter()
        .map(|p| {
            let bytes = fs::read(&p).unwrap_or_default();
            (p.strip_prefix(dir).unwrap().display().to_string(), bytes)
        })
        .collect();
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let t = e.file_type().expect("type");
        if t.is_dir() {
            out.extend(walk(&e.path()));
        } else if t.is_file() {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn deep_nesting_in_bash_and_yaml() {
    let n = 10_000;
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    fs::write(p.join("canary.sh"), CANARY).unwrap();
    fs::write(
        p.join("if.sh"),
        format!("#!/bin/bash\n{}kubectl get nodes\n{}", "if true; then\n".repeat(n), "fi\n".repeat(n)),
    )
    .unwrap();
    fs::write(
        p.join("subst.sh"),
        format!("#!/bin/bash\necho {}kubectl get nodes{}\n", "$(".repeat(n), ")".repeat(n)),
    )
    .unwrap();
    fs::write(
        p.join("subshell.sh"),
        format!("#!/bin/bash\n{}kubectl get nodes{}\n", "(".repeat(n), ")".repeat(n)),
    )
    .unwrap();
    fs::write(
        p.join("braces.sh"),
        format!("#!/bin/bash\n{}kubectl get nodes; {}\n", "{ ".repeat(n), "} ".repeat(n)),
    )
    .unwrap();
    fs::create_dir_all(p.join("playbooks")).unwrap();
    fs::write(
        p.join("playbooks/flow.yml"),
        format!("- hosts: all\n  tasks: {}{}\n", "[".repeat(n), "]".repeat(n)),
    )
    .unwrap();
    // Block nesting: 3,000 levels (indentation makes deeper files huge).
    let mut block: String = (0..3000).map(|i| format!("{}-\n", "  ".repeat(i))).collect();
    block.push_str(&format!("{}- hosts: all\n", "  ".repeat(3000)));
    fs::write(p.join("playbooks/block.yml"), block).unwrap();
    let before = contents(p);
    let (code, stdout, stderr) = run_in(p, &["check", "--format", "concise"]);
    assert!(canary_found(&stdout), "{stdout}{stderr}");
    // The deep calls are still found where the parser can reach them.
    assert!(stdout.contains("if.sh:10002:1: error[kubectl-request-timeout]"), "{stdout}");
    assert!(stdout.contains("braces.sh:2:"), "{stdout}");
    // YAML nested past the limit is a clear error in Ansible files.
    assert!(
        stdout.contains("playbooks/flow.yml:2:265: error[yaml-syntax] invalid YAML: recursion limit exceeded"),
        "{stdout}"
    );
    assert!(
        stdout.contains("playbooks/block.yml:") && stdout.contains("nesting deeper than 256 levels"),
        "{stdout}"
    );
    // Parsed, or said not to be: never silently dropped.
    assert!(stdout.contains("subshell.sh:2:1: info[shell-parse-error]"), "{stdout}");
    assert_eq!(code, 2, "{stdout}");
    assert_eq!(contents(p), before, "nothing may be written");
}

#[test]
fn huge_files_and_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    fs::write(p.join("canary.sh"), CANARY).unwrap();
    // 50 MB (sparse on disk): over the 16 MiB limit, not read at all.
    let big = fs::File::create(p.join("big.sh")).unwrap();
    big.set_len(50 * 1024 * 1024).unwrap();
    // One 10 MB line after a kubectl call.
    fs::write(
        p.join("long.sh"),
        format!("#!/bin/bash\nmicrok8s kubectl get nodes {}\n", "x".repeat(10 * 1024 * 1024)),
    )
    .unwrap();
    let (code, stdout, _) = run_in(p, &["check", "--format", "concise"]);
    assert!(canary_found(&stdout), "{stdout}");
    assert!(
        stdout.contains("big.sh:1:1: error[unreadable-file] file is too large (50.0 MiB; the limit is 16 MiB); not checked"),
        "{stdout}"
    );
    assert!(stdout.contains("long.sh:2:1: error[kubectl-request-timeout]"), "{}", &stdout[..stdout.len().min(2000)]);
    assert_eq!(code, 2);
}

#[test]
fn yaml_alias_bombs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    fs::write(p.join("canary.sh"), CANARY).unwrap();
    let mut bomb = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for (i, name) in ["b", "c", "d", "e", "f", "g", "h", "i"].iter().enumerate() {
        let prev = ["a", "b", "c", "d", "e", "f", "g", "h"][i];
        bomb.push_str(&format!("{name}: &{name} [{}]\n", vec![format!("*{prev}"); 9].join(",")));
    }
    bomb.push_str("- hosts: all\n");
    fs::create_dir_all(p.join("roles/x/tasks")).unwrap();
    fs::write(p.join("roles/x/tasks/main.yml"), &bomb).unwrap();
    let (_, stdout, _) = run_in(p, &["check", "--format", "concise"]);
    assert!(canary_found(&stdout), "{stdout}");
    assert!(stdout.contains("roles/x/tasks/main.yml:"), "{stdout}");
}

#[test]
fn symlink_loops_fifos_and_vanished_files() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    fs::write(p.join("canary.sh"), CANARY).unwrap();
    fs::create_dir_all(p.join("loop")).unwrap();
    symlink("../loop", p.join("loop/again")).unwrap();
    symlink("b.sh", p.join("a.sh")).unwrap();
    symlink("a.sh", p.join("b.sh")).unwrap();
    let fifo = p.join("pipe.sh");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    // The walk does not follow links or open FIFOs.
    let (code, stdout, stderr) = run_in(p, &["check", "--format", "concise"]);
    assert!(canary_found(&stdout), "{stdout}{stderr}");
    assert_eq!(code, 1, "{stdout}{stderr}");
    // Named explicitly, each gets a clear diagnostic instead of a hang.
    let (code, stdout, stderr) = run_in(
        p,
        &["check", "--format", "concise", "a.sh", "pipe.sh", "canary.sh"],
    );
    assert_eq!(code, 2);
    assert!(canary_found(&stdout), "{stdout}");
    assert!(
        stdout.contains("a.sh:1:1: error[unreadable-file] Too many levels of symbolic links"),
        "{stdout}{stderr}"
    );
    assert!(
        stdout.contains("pipe.sh:1:1: error[unreadable-file] not a regular file"),
        "{stdout}"
    );
}

#[test]
fn a_file_that_vanishes_after_discovery_is_reported() {
    use opslint::config::Config;
    use opslint::discover::Candidate;
    use opslint::lang::Language;
    use opslint::linter::Linter;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("gone.sh");
    fs::write(&path, CANARY).unwrap();
    let candidate = Candidate {
        path: path.clone(),
        explicit: false,
        language: Some(Language::Shell),
    };
    fs::remove_file(&path).unwrap();
    let linter = Linter::new(Config::default_at(dir.path()), None, &[]).expect("rules");
    let report = linter.check_file(&candidate).expect("reported, not skipped");
    assert_eq!(report.diagnostics.len(), 1);
    assert_eq!(report.diagnostics[0].rule, "unreadable-file");
    assert!(report.diagnostics[0].message.contains("no such file or directory"));
}

#[test]
fn a_directory_of_100_000_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let many = p.join("many");
    fs::create_dir_all(&many).unwrap();
    for i in 0..100_000 {
        fs::write(many.join(format!("f{i}.txt")), "x\n").unwrap();
    }
    fs::write(many.join("canary.sh"), CANARY).unwrap();
    let (code, stdout, _) = run_in(p, &["check"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("Found 1 error, 0 warnings in 1 file checked"), "{stdout}");
}

#[test]
fn hostile_configuration_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    fs::write(p.join("canary.sh"), CANARY).unwrap();
    // Compact nesting 100,000 deep on one line: refused before parsing.
    fs::write(p.join(".opslint.yaml"), format!("{}x\n", "- ".repeat(100_000))).unwrap();
    let (code, _, stderr) = run_in(p, &["check"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(".opslint.yaml:1:1: invalid YAML: nesting deeper than 256 levels"),
        "{stderr}"
    );
    // An alias bomb in the configuration.
    let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x,x]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    for w in names.windows(2) {
        bomb.push_str(&format!("{}: &{} [{}]\n", w[1], w[1], vec![format!("*{}", w[0]); 10].join(",")));
    }
    fs::write(p.join(".opslint.yaml"), bomb).unwrap();
    let (code, _, stderr) = run_in(p, &["check"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid configuration"), "{stderr}");
    // A configuration that is its own `manifests:` entry is not a manifest.
    fs::write(p.join(".opslint.yaml"), "manifests: [.opslint.yaml]\n").unwrap();
    let (code, _, stderr) = run_in(p, &["check"]);
    assert_eq!(code, 2);
    assert!(stderr.contains(".opslint.yaml: not a flag manifest"), "{stderr}");
}

#[test]
fn a_panic_in_one_file_is_contained() {
    if !cfg!(debug_assertions) {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\nNOT RUN a_panic_in_one_file_is_contained: the panic is injected in debug builds only (cargo test without --release)"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    fs::write(p.join("canary.sh"), CANARY).unwrap();
    fs::write(p.join("boom.sh"), CANARY).unwrap();
    // The debug binary panics while analysing a file of this name.
    let out = Command::cargo_bin("opslint")
        .expect("binary")
        .current_dir(p)
        .env("OPSLINT_TEST_PANIC_IN", "boom.sh")
        .args(["check", "--format", "concise"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(canary_found(&stdout), "{stdout}");
    assert!(
        stdout.contains("boom.sh:1:1: error[internal-error] opslint failed while analysing this file (injected by OPSLINT_TEST_PANIC_IN); it was not checked. Please report this bug with the file attached"),
        "{stdout}"
    );
}

mod measured;

/// One hostile file beside the canary, checked by the binary with its wall
/// time and peak memory measured (`wait4`'s rusage). The bounds are the
/// issue's goals for a release build (20 s, 1 GiB) with room for this debug
/// build: 60 s, and memory as stated per case.
fn hostile_case(name: &str, contents: String, max_mib: u64) -> measured::Measured {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    fs::write(p.join("canary.sh"), CANARY).unwrap();
    let path = p.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, contents).unwrap();
    let run = measured::run(
        p,
        &["check", "--format", "concise"],
        std::time::Duration::from_secs(240),
    );
    assert!(canary_found(&run.stdout), "{name}: {}", &run.stderr[..run.stderr.len().min(2000)]);
    // A debug build, beside the other cases on two cores, on VMs that differ
    // by 2.4× from day to day (docs/performance.md): the release build's
    // 20 s goal is the benchmarks' to show; this bound catches what used to
    // run for minutes (quadratic paths, unbounded expansion).
    assert!(run.seconds < 150.0, "{name}: {:.1} s", run.seconds);
    eprintln!("{name}: {:.1} s, {} MiB (bound {max_mib})", run.seconds, run.peak_mib);
    assert!(run.peak_mib < max_mib, "{name}: {} MiB (bound {max_mib})", run.peak_mib);
    run
}

#[test]
fn variable_expansion_bomb_is_cut_and_said() {
    let mut s = String::from("#!/bin/bash\nv0=\"kubectl get nodes\"\n");
    for i in 1..=10 {
        s.push_str(&format!("v{i}=\"{}\"\n", vec![format!("$v{}", i - 1); 10].join(" ")));
    }
    s.push_str("$v8\n$v10\n");
    let run = hostile_case("bomb.sh", s, 1024);
    assert!(
        run.stdout.contains("bomb.sh:13:1: warning[analysis-limit] expansion limit reached at this command"),
        "{}",
        &run.stdout[..run.stdout.len().min(3000)]
    );
}

#[test]
fn wrapper_function_bomb_is_cut_and_said() {
    // Each wrapper calls the one below ten times: 10^8 calls of kubectl.
    let mut s = String::from("#!/bin/bash\nw0() { kubectl \"$@\"; }\n");
    for i in 1..=8 {
        s.push_str(&format!("w{i}() {{ {} }}\n", vec![format!("w{} \"$@\";", i - 1); 10].join(" ")));
    }
    s.push_str("w8 get nodes\n");
    let run = hostile_case("wrappers.sh", s, 1024);
    assert!(run.stdout.contains("wrappers.sh:"), "{}", &run.stdout[..run.stdout.len().min(3000)]);
}

#[test]
fn a_dqlite_membership_of_100_000_nodes() {
    let s: String = (0..100_000)
        .map(|i| format!("- Address: 10.{}.{}.{}:19001\n  ID: {}\n  Role: 0\n", i / 65536 % 256, i / 256 % 256, i % 256, 1000 + i))
        .collect();
    let run = hostile_case("cluster.yaml", s, 1024);
    assert!(run.stdout.contains("cluster.yaml:1:12: warning[dqlite-cluster-membership] 100000 voters"), "{}", run.stdout);
}

#[test]
fn fifty_thousand_chained_and_consecutive_heredocs() {
    let chained: String = (0..50_000).map(|i| format!("kubectl apply -f - <<E{i} && \\\n")).collect::<String>()
        + "true\n"
        + &(0..50_000).map(|i| format!("x\nE{i}\n")).collect::<String>();
    let run = hostile_case("chained.sh", format!("#!/bin/bash\n{chained}"), 1024);
    assert!(run.stdout.contains("chained.sh:2:1: error[kubectl-request-timeout]"), "{}", &run.stdout[..run.stdout.len().min(2000)]);
    let consecutive = "kubectl get x <<EOF\nkubectl get inside\nEOF\n".repeat(50_000);
    let run = hostile_case("heredocs.sh", format!("#!/bin/bash\n{consecutive}"), 1024);
    // Every call once, none from the bodies, none twice where a parse window ends.
    let calls = run.stdout.lines().filter(|l| l.starts_with("heredocs.sh:")).count();
    assert_eq!(calls, 50_000);
}

#[test]
fn yaml_with_a_million_entries() {
    let s: String = "- hosts: all\n  vars:\n".to_string()
        + &(0..1_000_000).map(|i| format!("    k{i}: v\n")).collect::<String>();
    hostile_case("playbook.yml", s, 1024);
}

#[test]
fn a_10_mb_args_file() {
    let s = "--storage-dir=/var/x\n".repeat(10 * 1024 * 1024 / 21);
    let run = hostile_case("args/k8s-dqlite", s, 1024);
    assert!(run.stdout.contains("args/k8s-dqlite:2:1: error[duplicate-daemon-flag]") || run.stdout.contains("args/k8s-dqlite:"), "{}", &run.stdout[..run.stdout.len().min(2000)]);
}

#[test]
fn nrpe_configuration_with_900_000_command_lines() {
    // As many as fit under the 16 MiB limit, with a kubectl call at the end.
    let mut s: String = (0..900_000).map(|i| format!("command[{i:x}]=/x\n")).collect();
    s.push_str("command[last]=kubectl get nodes\n");
    assert!(s.len() < 16 * 1024 * 1024);
    let run = hostile_case("nrpe.cfg", s, 1024);
    assert!(run.stdout.contains("nrpe.cfg:900001:15: error[kubectl-request-timeout]"), "{}", run.stdout);
}

/// A 15 MB script and 900,000 kubectl calls, under the 1 GiB goal (a file with
/// that many findings is rendered in chunks as the report is written, never
/// whole: `report::tests` checks the chunked report against the whole one).
#[test]
fn a_15_mb_script_and_900_000_kubectl_calls() {
    let body = "if [ -n \"$x\" ]; then\n  out=$(kubectl --request-timeout=5s get pods -n \"$ns\" | grep -c Running)\n  echo \"$out\" >> /tmp/log 2>&1\nfi\nfor i in a b c; do echo \"$i\"; done\n";
    let run = hostile_case("big.sh", format!("#!/bin/bash\n{}", body.repeat(15_000_000 / body.len())), 1024);
    assert!(!run.stdout.contains("big.sh"), "{}", &run.stdout[..run.stdout.len().min(2000)]);
    let run = hostile_case("k.sh", format!("#!/bin/bash\n{}", "kubectl get nodes\n".repeat(900_000)), 1024);
    assert_eq!(run.stdout.lines().filter(|l| l.starts_with("k.sh:")).count(), 900_000);
}

/// Each `while`/`until` loop is judged by a walk of its body: 5,000 nested
/// loops must not cost 5,000 walks of the whole nest (the first version took
/// 5 s in a release build; the walk now has a budget per tree).
#[test]
fn five_thousand_nested_loops() {
    let n = 5_000;
    let s = format!(
        "#!/bin/bash\n{}kubectl get nodes; {}\n",
        "while true; do ".repeat(n),
        "done; ".repeat(n)
    );
    let run = hostile_case("loops.sh", s, 512);
    assert!(run.seconds < 20.0, "{:.1} s", run.seconds);
    assert!(run.stdout.contains("loops.sh:2:75001: error[kubectl-request-timeout]"), "{}", run.stdout);
}

/// Thousands of kubectl calls in one double-quoted scalar (escapes: the value
/// does not map byte for byte onto the file; each call's span is mapped back
/// byte by byte). When every call's span was the whole scalar, each message
/// folded the whole scalar: quadratic, 44 s for 1.1 MB in a release build.
#[test]
fn many_calls_in_one_double_quoted_scalar() {
    let s = format!(
        "- hosts: all\n  tasks:\n    - shell: \"{}\"\n",
        "kubectl get nodes\\n".repeat(20_000)
    );
    let run = hostile_case("playbooks/scalar.yml", s, 1024);
    assert!(run.seconds < 30.0, "{:.1} s", run.seconds);
    assert!(
        run.stdout.contains("playbooks/scalar.yml:3:15: error[kubectl-request-timeout] [*] `kubectl get nodes` has no"),
        "{}",
        &run.stdout[..run.stdout.len().min(3000)]
    );
    // One finding per call, each where its call is written.
    let found = run.stdout.lines().filter(|l| l.starts_with("playbooks/scalar.yml:3:")).count();
    assert_eq!(found, 20_000, "{}", &run.stdout[..run.stdout.len().min(3000)]);
}

/// A playbook of many tasks: rules searched the task list once per call and
/// the notifying tasks once per handler (quadratic: 25–35 s for 100,000 tasks
/// in a release build).
#[test]
fn a_hundred_thousand_tasks() {
    let mut s = String::from("- hosts: all\n  handlers:\n");
    for i in 0..1000 {
        s.push_str(&format!("    - name: h{i}\n      command: echo {i}\n"));
    }
    s.push_str("  tasks:\n");
    for i in 0..80_000 {
        s.push_str(&format!("    - shell: kubectl --request-timeout=5s get pods p{i}\n      notify: h{}\n", i % 1000));
        if i % 10 == 0 {
            s.push_str(&format!("      register: r{i}\n      when: r{} is defined\n", i.max(10) - 10));
        }
    }
    s.push_str("    - name: last\n      shell: kubectl get nodes\n      notify: nowhere\n");
    let last = s.lines().count() - 1;
    let run = hostile_case("playbooks/tasks.yml", s, 1024);
    // 9 s here, over 80 s before (21 s for half as many tasks).
    assert!(run.seconds < 60.0, "{:.1} s", run.seconds);
    assert!(
        run.stdout.contains(&format!("playbooks/tasks.yml:{last}:14: error[kubectl-request-timeout]")),
        "{}",
        &run.stdout[..run.stdout.len().min(3000)]
    );
    assert!(run.stdout.contains("error[handler-not-found] `notify: nowhere`"), "{}", run.stdout);
}

/// Many distinct misspelt notifications among many handlers of the same
/// length: each "did you mean" compared the misspelling with every handler
/// (20,000 × 20,000 edit distances: over 120 s in a release build); the
/// search is now bounded per file (1.4 s).
#[test]
fn many_misspelt_notifications_among_many_handlers() {
    let mut s = String::from("- hosts: all\n  handlers:\n");
    for i in 0..20_000 {
        s.push_str(&format!("    - name: handler-{i:05}\n      command: echo {i}\n"));
    }
    s.push_str("  tasks:\n");
    for i in 0..20_000 {
        s.push_str(&format!("    - command: echo {i}\n      notify: handlr-x{i:05}\n"));
    }
    let run = hostile_case("playbooks/notify.yml", s, 1024);
    assert!(run.seconds < 60.0, "{:.1} s", run.seconds);
    assert!(
        run.stdout.contains("error[handler-not-found] `notify: handlr-x00000` names no handler"),
        "{}",
        &run.stdout[..run.stdout.len().min(3000)]
    );
    assert_eq!(run.stdout.matches("[handler-not-found]").count(), 20_000);
}

/// `case` nested deeper than the bash parser follows goes to tree-sitter; a
/// statement longer than the parse window is cut, and each of the thousands
/// of `;; esac` after the cut re-parsed a whole window (6 minutes for 6.3 MB
/// in a release build).
#[test]
fn nested_case_beyond_the_parse_window() {
    let depth = 45_000;
    let s = format!(
        "#!/bin/bash\n{}kubectl get nodes\n{}",
        "case $x in a)\n".repeat(depth),
        ";; esac\n".repeat(depth)
    );
    let run = hostile_case("nested.sh", s, 1024);
    assert!(run.seconds < 30.0, "{:.1} s", run.seconds);
    assert!(
        run.stdout.contains(&format!("nested.sh:{}:1: error[kubectl-request-timeout]", depth + 2)),
        "{}",
        run.stdout
    );
    // What could not be parsed is said, never passed silently.
    assert!(run.stdout.contains("info[shell-parse-error]"), "{}", run.stdout);
}
