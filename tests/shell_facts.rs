//! The shell front-end's facts, independent of any rule.

use opslint::facts::{CommandFact, Origin};
use opslint::lang::{self, Language};
use std::path::Path;
use std::time::Duration;

fn commands(src: &str) -> Vec<CommandFact> {
    lang::analyze(Language::Shell, src, Path::new("t"), &Default::default()).commands
}

fn expanded(src: &str) -> Vec<String> {
    commands(src).iter().map(CommandFact::expanded).collect()
}

#[test]
fn wrappers_are_stripped_and_timeout_recorded() {
    let src = "sudo -u root timeout -k 5 15s env A=b nice -n 5 kubectl get nodes\n";
    let cmds = commands(src);
    assert_eq!(cmds.len(), 1);
    let c = &cmds[0];
    assert_eq!(c.expanded(), "kubectl get nodes");
    assert_eq!(c.wrappers, ["sudo", "timeout", "env", "nice"]);
    let bound = c.time_bound.as_ref().expect("bounded");
    assert_eq!(bound.duration, Some(Duration::from_secs(15)));
    assert_eq!(&src[bound.span.start..bound.span.end], "15s");
    assert_eq!(&src[c.words[0].span.start..c.words[0].span.end], "kubectl");
}

#[test]
fn lookups_are_not_invocations() {
    assert_eq!(
        expanded("command -v kubectl\ncommand -V kubectl\n"),
        Vec::<String>::new()
    );
}

#[test]
fn variables_split_and_map_into_the_assignment() {
    let src = "K=\"microk8s kubectl --context x\"\n$K get nodes\n\"$K\" get pods\n";
    let cmds = commands(src);
    assert_eq!(cmds[0].expanded(), "microk8s kubectl --context x get nodes");
    let kubectl = &cmds[0].words[1];
    assert_eq!(&src[kubectl.span.start..kubectl.span.end], "kubectl");
    assert_eq!(
        kubectl.append_at,
        Some(src.find("kubectl").unwrap() + "kubectl".len())
    );
    assert!(
        matches!(&cmds[0].origin, Origin::Variable { name, assignments: 1, .. } if name == "K")
    );
    // Quoted: no word splitting, the program is the whole value.
    assert_eq!(cmds[1].words[0].text, "microk8s kubectl --context x");
}

#[test]
fn unquoted_assignment_offers_no_insertion_point() {
    let cmds = commands("K=kubectl\n$K get nodes\n");
    assert_eq!(cmds[0].words[0].text, "kubectl");
    assert_eq!(cmds[0].words[0].append_at, None);
}

#[test]
fn unknown_values_are_not_static() {
    let cmds = commands("$UNSET get nodes\nkubectl --request-timeout=$T get x\n");
    assert!(!cmds[0].words[0].is_static);
    assert!(!cmds[1].words[1].is_static);
}

#[test]
fn wrapper_functions_expand_at_each_call() {
    let src = "k() { kubectl --context a \"$@\"; }\nk get nodes\nk get pods\n";
    let cmds = commands(src);
    let exp: Vec<String> = cmds.iter().map(CommandFact::expanded).collect();
    assert_eq!(
        exp,
        [
            "kubectl --context a get nodes",
            "kubectl --context a get pods"
        ]
    );
    assert!(matches!(&cmds[0].origin, Origin::Function { name, .. } if name == "k"));
    assert_eq!(&src[cmds[1].span.start..cmds[1].span.end], "k get pods");
}

#[test]
fn text_is_never_a_command() {
    let src = "# kubectl get nodes\necho 'kubectl get x' \"kubectl get y\"\ncat <<'E'\n$(kubectl get z)\nE\necho \"\\$(kubectl get w)\"\n";
    assert_eq!(
        expanded(src),
        [
            "echo kubectl get x kubectl get y",
            "cat",
            "echo $(kubectl get w)"
        ]
    );
}

#[test]
fn substitutions_and_unquoted_heredocs_run_commands() {
    let src = "x=$(kubectl a)\ny=`kubectl b`\ndiff <(kubectl c) f\ncat <<E\n$(kubectl d)\nE\n";
    let mut exp = expanded(src);
    exp.retain(|c| c.starts_with("kubectl"));
    assert_eq!(exp, ["kubectl a", "kubectl b", "kubectl c", "kubectl d"]);
}

#[test]
fn inline_scripts_are_parsed_with_host_positions() {
    let src = "sudo bash -c 'kubectl get nodes; echo done'\n";
    let cmds = commands(src);
    let k = cmds
        .iter()
        .find(|c| c.program_name() == "kubectl")
        .expect("inner call found");
    assert_eq!(&src[k.span.start..k.span.end], "kubectl get nodes");
}

#[test]
fn recovery_keeps_commands_after_a_damaged_line() {
    let facts = lang::analyze(
        Language::Shell,
        // bash rejects the `)`: bash's grammar gives up on the file, and
        // tree-sitter's recovery keeps what follows the damaged line.
        "echo a )\nkubectl get nodes\n",
        Path::new("t"),
        &Default::default(),
    );
    assert_eq!(
        facts.commands.last().map(CommandFact::expanded).as_deref(),
        Some("kubectl get nodes")
    );
    assert_eq!(facts.unparsed.len(), 1);
    assert_eq!(facts.unparsed[0].span.start, 0);
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 5000;
    let src = format!(
        "{}kubectl get nodes{}\n",
        "$(".repeat(depth),
        ")".repeat(depth)
    );
    // Whatever the parser makes of it, analysis must finish without a crash.
    let _ = lang::analyze(Language::Shell, &src, Path::new("t"), &Default::default());
}

#[test]
fn nrpe_command_lines_map_to_the_cfg_file() {
    let src = "# c\ncommand[x]=/usr/bin/sudo microk8s kubectl get nodes\n";
    let facts = lang::analyze(
        Language::NrpeConfig,
        src,
        Path::new("t"),
        &Default::default(),
    );
    let c = &facts.commands[0];
    assert_eq!(
        &src[c.span.start..c.span.end],
        "/usr/bin/sudo microk8s kubectl get nodes"
    );
    assert_eq!(c.expanded(), "microk8s kubectl get nodes");
}

#[test]
fn templates_keep_positions() {
    let src = "{% if a %}\nkubectl --context {{ ctx }} get nodes\n{% endif %}\n";
    let facts = lang::analyze(
        Language::ShellTemplate,
        src,
        Path::new("t"),
        &Default::default(),
    );
    let c = &facts.commands[0];
    assert_eq!(
        &src[c.span.start..c.span.end],
        "kubectl --context {{ ctx }} get nodes"
    );
    assert!(!c.words[2].is_static);
}

#[test]
fn recovery_cost_is_bounded_on_hostile_input() {
    // Every line is rejected by bash and by tree-sitter-bash: recovery must
    // stop within its budget and report the rest as unparsed instead of
    // going quadratic.
    let src = ")\n".repeat(3_000);
    let facts = lang::analyze(Language::Shell, &src, Path::new("t"), &Default::default());
    let covered: usize = facts.unparsed.iter().map(|u| u.span.len()).sum();
    assert!(
        covered > src.len() / 2,
        "most of the file is reported as unparsed"
    );
    let budget = lang::shell::RECOVERY_BUDGET_FACTOR * src.len() + 64 * 1024;
    let parsed = lang::shell::parsed_bytes(&src);
    // The last parse that crosses the budget may add at most one more file's worth.
    assert!(
        parsed <= budget + src.len(),
        "parsed {parsed} bytes, budget {budget}"
    );
}

#[test]
fn a_clean_file_is_parsed_once() {
    let src = "kubectl get nodes\necho ok\n".repeat(100);
    assert_eq!(lang::shell::parsed_bytes(&src), src.len());
}

#[test]
fn template_variables_with_known_values_expand() {
    let mut vars = std::collections::HashMap::new();
    vars.insert(
        "kubectl".to_string(),
        "{{ bin_dir }}/kubectl --kubeconfig /etc/k.conf".to_string(),
    );
    vars.insert("mk".to_string(), "microk8s kubectl".to_string());
    let src = "{{ kubectl }} get nodes\n{{ mk }} get pods\n{{ unknown }} get x\n";
    let facts = lang::analyze(Language::ShellTemplate, src, Path::new("t.sh.j2"), &vars);
    let names: Vec<&str> = facts.commands.iter().map(|c| c.program_name()).collect();
    assert_eq!(names, ["kubectl", "microk8s", ""]);
    assert_eq!(facts.commands[0].words[1].text, "--kubeconfig");
}

#[test]
fn ansible_task_model() {
    let src = "- hosts: all\n  vars:\n    d: /var/snap/microk8s/current/args\n  tasks:\n    - name: T\n      become: yes\n      when: x\n      notify: [Restart a, Restart b]\n      ansible.builtin.lineinfile: path={{ d }}/kubelet line=--v=2\n  handlers:\n    - name: Restart a\n      service: name=x state=restarted\n";
    let facts = lang::analyze(
        Language::Yaml,
        src,
        Path::new("site.yml"),
        &Default::default(),
    );
    let t = &facts.tasks[0];
    assert_eq!(t.module, "lineinfile");
    assert_eq!(t.name.as_deref(), Some("T"));
    assert_eq!(t.becomes, Some(true));
    assert!(t.when.is_some());
    let notified: Vec<&str> = t.notify.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(notified, ["Restart a", "Restart b"]);
    let path = t.arg("path").expect("free-form path");
    assert_eq!(
        &src[path.value_span.start..path.value_span.end],
        "{{ d }}/kubelet"
    );
    assert_eq!(path.text(), Some("/var/snap/microk8s/current/args/kubelet"));
    assert!(facts.tasks[1].in_handlers);
    assert_eq!(facts.tasks[1].module, "service");
}

#[test]
fn control_flow_around_each_call() {
    use opslint::facts::ControlStep::{Branch, ElifCondition, Loop, Stage};
    let src = "a\nif b; then c; elif d; then e; else f; fi\nfor x in 1 2 3; do g; done\nfor y in $L; do h; done\nwhile i; do j; done\nk | l\ncase $v in x) m ;; y) n ;; esac\nfn() { o; }\n";
    let at = |needle: &str| src.find(needle).unwrap();
    let cmds = commands(src);
    let by_name = |n: &str| {
        cmds.iter()
            .find(|c| c.program_name() == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    assert_eq!(by_name("a").control, []);
    assert_eq!(by_name("b").control, []); // conditions run anyway
    let if_at = at("if b");
    assert_eq!(by_name("c").control, [Branch { at: if_at, arm: 0 }]);
    let elif_at = at("elif d");
    assert_eq!(
        by_name("d").control,
        [Branch { at: if_at, arm: 1 }, ElifCondition { at: elif_at }]
    );
    assert_eq!(by_name("e").control, [Branch { at: if_at, arm: 1 }]);
    assert_eq!(by_name("f").control, [Branch { at: if_at, arm: 2 }]);
    assert_eq!(by_name("g").control, [Loop { at: at("for x"), count: Some(3) }]);
    assert_eq!(by_name("h").control, [Loop { at: at("for y"), count: None }]);
    assert_eq!(by_name("i").control, [Loop { at: at("while"), count: None }]);
    assert_eq!(by_name("j").control, [Loop { at: at("while"), count: None }]);
    assert_eq!(by_name("k").control, [Stage { at: at("k |"), stage: 0 }]);
    assert_eq!(by_name("l").control, [Stage { at: at("k |"), stage: 1 }]);
    assert_eq!(by_name("m").control, [Branch { at: at("case"), arm: 0 }]);
    assert_eq!(by_name("n").control, [Branch { at: at("case"), arm: 1 }]);
    assert_eq!(by_name("o").in_function.as_deref(), Some("fn"));
    assert_eq!(by_name("a").in_function, None);
}

/// Files past the parse window (256 KiB) are parsed a window at a time: every
/// statement is seen exactly once, with its true position, wherever a window
/// ends (inside a heredoc, an `if`, a continued line, a function).
#[test]
fn windowed_parsing_sees_every_statement_once() {
    let blocks = [
        "kubectl get m{i}\n",
        "kubectl get m{i} <<EOF\nkubectl get inside\nEOF\n",
        "if [ -n \"$x\" ]; then\n  kubectl get m{i} | grep -c Ready | wc -l\nfi\n",
        "f{i}() {\n  echo a\n  kubectl get m{i}\n}\n",
        "kubectl get \\\n  m{i} \\\n  -o wide\n",
        "cat <<'A' && kubectl get m{i}\nbody $(kubectl get no)\nA\n",
        "for n in a b c; do echo \"$n\"; done; kubectl get m{i} 2>/dev/null\n",
    ];
    // Shifted starts put the windows' ends at other places in the blocks.
    for pad in [0usize, 13, 101, 777] {
        let mut src = format!("#!/bin/bash\n#{}\n", "x".repeat(pad));
        let mut expected = Vec::new();
        let mut i = 0;
        while src.len() < 3 * 256 * 1024 + 1000 {
            let block = blocks[i % blocks.len()].replace("{i}", &i.to_string());
            expected.push((format!("m{i}"), src.len() + block.find(&format!("m{i}")).unwrap()));
            src.push_str(&block);
            i += 1;
        }
        let facts = lang::analyze(Language::Shell, &src, Path::new("t"), &Default::default());
        assert!(facts.unparsed.is_empty(), "{:?}", &facts.unparsed[..facts.unparsed.len().min(3)]);
        let found: Vec<(String, usize)> = facts
            .commands
            .iter()
            .filter(|c| c.words.first().is_some_and(|w| w.text == "kubectl"))
            .filter_map(|c| {
                let w = c.words.iter().find(|w| w.text.starts_with('m'))?;
                Some((w.text.clone(), w.span.start))
            })
            .collect();
        let missing: Vec<_> = expected.iter().filter(|e| !found.contains(e)).take(3).collect();
        assert!(missing.is_empty(), "lost: {missing:?}");
        assert_eq!(found.len(), expected.len(), "statements seen twice");
        assert_eq!(found, expected);

    }
}

#[test]
fn a_default_of_the_variable_itself_is_its_value() {
    let src = "export K=\"${K:-microk8s kubectl}\"\n$K get pods\nJ=${J:=kubectl}\n$J get nodes\n";
    let cmds = commands(src);
    assert_eq!(cmds[0].expanded(), "microk8s kubectl get pods");
    let kubectl = &cmds[0].words[1];
    assert_eq!(&src[kubectl.span.start..kubectl.span.end], "kubectl");
    assert_eq!(kubectl.append_at, Some(kubectl.span.end));
    assert_eq!(cmds[1].expanded(), "kubectl get nodes");
    assert!(cmds[1].words[0].append_at.is_some());
}

#[test]
fn programs_that_run_commands_are_seen_through() {
    let src = "xargs -0 -I R kubectl delete R\nssh -p 22 node1 -t sudo kubectl get pods\nflock 9\nssh -N node1\n";
    let cmds = commands(src);
    let by_program: Vec<(String, Vec<String>)> = cmds
        .iter()
        .map(|c| (c.expanded(), c.wrappers.clone()))
        .collect();
    assert_eq!(
        by_program,
        [
            ("kubectl delete R".to_string(), vec!["xargs".to_string()]),
            ("kubectl get pods".to_string(), vec!["ssh".into(), "sudo".into()]),
            ("flock 9".to_string(), vec![]),
            ("ssh -N node1".to_string(), vec![]),
        ]
    );
}

#[test]
fn scripts_run_by_other_programs_are_shell_with_their_context() {
    let src = "timeout 5 sudo -u x bash -c 'kubectl get pods'\nssh node1 \"microk8s kubectl get nodes\"\nsu - root -c 'kubectl get ns'\neval 'kubectl get svc'\n";
    let cmds = commands(src);
    let inner: Vec<&CommandFact> = cmds
        .iter()
        .filter(|c| c.program_name() == "kubectl" || c.program_name() == "microk8s")
        .collect();
    assert_eq!(inner.len(), 4);
    let pods = inner.iter().find(|c| c.expanded() == "kubectl get pods").unwrap();
    assert_eq!(pods.wrappers, ["timeout", "sudo", "bash"]);
    assert!(pods.time_bound.is_some());
    assert_eq!(&src[pods.span.start..pods.span.end], "kubectl get pods");
    let nodes = inner.iter().find(|c| c.expanded() == "microk8s kubectl get nodes").unwrap();
    assert_eq!(nodes.wrappers, ["ssh"]);
    assert_eq!(&src[nodes.span.start..nodes.span.end], "microk8s kubectl get nodes");
    let ns = inner.iter().find(|c| c.expanded() == "kubectl get ns").unwrap();
    assert_eq!(ns.wrappers, ["su"]);
    let svc = inner.iter().find(|c| c.expanded() == "kubectl get svc").unwrap();
    assert_eq!(svc.wrappers, ["eval"]);
}

#[test]
fn aliases_expand_after_their_definition() {
    let src = "k get pods\nalias k='microk8s kubectl'\nk get nodes\n'k' get ns\n";
    let cmds = commands(src);
    let exp: Vec<String> = cmds.iter().map(CommandFact::expanded).collect();
    assert_eq!(
        exp,
        ["k get pods", "alias k=microk8s kubectl", "microk8s kubectl get nodes", "k get ns"]
    );
    let kubectl = &cmds[2].words[1];
    assert_eq!(&src[kubectl.span.start..kubectl.span.end], "kubectl");
    assert_eq!(kubectl.append_at, Some(kubectl.span.end));
    assert!(matches!(&cmds[2].origin, Origin::Alias { name, definition }
        if name == "k" && &src[definition.start..definition.end] == "k='microk8s kubectl'"));
}

/// Analyses `caller` (at `dir/main.sh`, in the project `dir`) after writing `files`.
fn sourced_commands(files: &[(&str, &str)], caller: &str) -> (tempfile::TempDir, Vec<CommandFact>) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let main = dir.path().join("main.sh");
    std::fs::write(&main, caller).unwrap();
    let facts = lang::analyze_in(Language::Shell, caller, &main, Some(&lang::RootOnly(dir.path())), &Default::default());
    (dir, facts.commands)
}

#[test]
fn sourced_definitions_apply_from_the_source_line_and_offer_no_insertion() {
    let lib = "K=\"microk8s kubectl\"\nkc() { sudo microk8s kubectl \"$@\"; }\nalias k='microk8s kubectl'\nkubectl get nodes\n";
    let caller = "$K get a\n. \"$(dirname \"$0\")/lib/lib.sh\"\n$K get b\nkc get c\nk get d\n";
    let (_dir, cmds) = sourced_commands(&[("lib/lib.sh", lib)], caller);
    let exp: Vec<String> = cmds.iter().map(|c| c.expanded().trim().to_string()).collect();
    // Before the `source`, K is unknown; the library's own `kubectl get
    // nodes` is not a call of the script.
    assert_eq!(
        exp,
        ["get a", ". /lib/lib.sh", "dirname", "microk8s kubectl get b", "microk8s kubectl get c", "microk8s kubectl get d"]
    );
    let cmds = &cmds[1..];
    let source_line = caller.find(". ").unwrap();
    for c in &cmds[2..] {
        let d = c.defined_in.as_ref().expect("defined in the library");
        assert_eq!(d.file, "lib/lib.sh");
        assert_eq!(d.via.start, source_line);
        let kubectl = c.words.iter().find(|w| w.text == "kubectl").unwrap();
        assert_eq!(kubectl.append_at, None, "{}", c.expanded());
        assert!(!kubectl.exact);
    }
    assert_eq!(cmds[2].defined_in.as_ref().unwrap().line, 1);
    assert_eq!(cmds[3].defined_in.as_ref().unwrap().line, 2);
    assert_eq!(cmds[3].wrappers, ["sudo"]);
    assert_eq!(cmds[4].defined_in.as_ref().unwrap().line, 3);
}

#[test]
fn sourced_function_assignments_need_a_call_and_cycles_stop() {
    let lib = "source ./other.sh\nsetup() { K=\"microk8s kubectl\"; init2; }\n";
    let other = ". ./lib.sh\ninit2() { K2=kubectl; }\n";
    let caller = "source lib.sh\n$K get a\nsetup\n$K get b\n$K2 get c\n";
    let (_dir, cmds) = sourced_commands(&[("lib.sh", lib), ("other.sh", other)], caller);
    let exp: Vec<String> = cmds.iter().map(|c| c.expanded().trim().to_string()).collect();
    assert_eq!(exp, ["source lib.sh", "get a", "setup", "microk8s kubectl get b", "kubectl get c"]);
    assert_eq!(cmds[4].defined_in.as_ref().unwrap().file, "other.sh");
}

#[test]
fn sourced_files_outside_the_root_are_not_read() {
    let outside = tempfile::tempdir().unwrap();
    let lib = outside.path().join("lib.sh");
    std::fs::write(&lib, "K=kubectl\n").unwrap();
    let caller = format!("source {}\n$K get a\n", lib.display());
    let (_dir, cmds) = sourced_commands(&[], &caller);
    assert_eq!(cmds[1].expanded().trim(), "get a");
}


#[test]
fn wrapper_options_follow_the_table() {
    // `-iu root`: `u` takes the next word (sudo's getopt string `…iK…u:…`).
    assert_eq!(expanded("sudo -iu root kubectl get pods\n"), ["kubectl get pods"]);
    // nsenter's `-W` takes an optional value, only attached: the next word is the program.
    assert_eq!(expanded("nsenter -t 1 -W kubectl get pods\n"), ["kubectl get pods"]);
    // `env -` is `env -i`.
    assert_eq!(expanded("env - PATH=/bin kubectl get pods\n"), ["kubectl get pods"]);
    assert_eq!(expanded("stdbuf --output=L ionice --class 3 kubectl get pods\n"), ["kubectl get pods"]);
}

#[test]
fn commands_run_in_containers_and_vms_are_calls() {
    let src = "lxc exec n1 -- microk8s kubectl get pods\nmultipass exec vm1 -- sudo microk8s status\ndocker exec -i -e A=b --workdir /x ctr kubectl get nodes\nlxc exec remote:n2 --env A=b -- microk8s leave\n";
    let cmds = commands(src);
    let shown: Vec<String> = cmds.iter().map(CommandFact::expanded).collect();
    assert_eq!(shown, ["microk8s kubectl get pods", "microk8s status", "kubectl get nodes", "microk8s leave"]);
    assert_eq!(cmds[0].wrappers, ["lxc"]);
    assert_eq!(cmds[0].remote.as_deref(), Some("n1"));
    assert_eq!(cmds[1].wrappers, ["multipass", "sudo"]);
    assert_eq!(cmds[3].remote.as_deref(), Some("n2"));
    assert_eq!(&src[cmds[2].words[0].span.start..cmds[2].words[0].span.end], "kubectl");
}

#[test]
fn kubectl_exec_is_a_call_and_runs_its_command() {
    let src = "kubectl exec -n kube-system pod-1 -c c1 -- microk8s kubectl get pods\nkubectl exec pod-1 ls\n";
    let shown = expanded(src);
    assert_eq!(
        shown,
        ["kubectl exec -n kube-system pod-1 -c c1 -- microk8s kubectl get pods", "microk8s kubectl get pods", "kubectl exec pod-1 ls"]
    );
}

#[test]
fn quoted_array_elements_stay_one_word() {
    let src = "cmd=(kubectl exec pod -- /bin/sh -c 'kubectl get pods; kubectl get nodes')\n\"${cmd[@]}\"\n";
    let f = lang::analyze(Language::Shell, src, Path::new("t"), &Default::default());
    assert!(f.unparsed.is_empty());
    let shown: Vec<String> = f.commands.iter().map(CommandFact::expanded).collect();
    assert!(shown.contains(&"kubectl get nodes".to_string()), "{shown:?}");
}

#[test]
fn heredocs_fed_to_a_shell_are_scripts() {
    let src = "ssh node1 <<'EOF'\nmicrok8s kubectl get pods\nEOF\nsudo bash <<EOF\nkubectl get nodes\nEOF\nssh n2 'sudo bash -s' << 'X'\n\tkubectl get ns\nX\nlxc exec n1 -- bash <<-EOF\n\tkubectl get cm\n\tEOF\ncat <<'EOF'\nkubectl get secrets\nEOF\n";
    let cmds = commands(src);
    let shown: Vec<String> = cmds.iter().map(CommandFact::expanded).collect();
    for call in ["microk8s kubectl get pods", "kubectl get nodes", "kubectl get ns", "kubectl get cm"] {
        let c = cmds.iter().find(|c| c.expanded() == call).unwrap_or_else(|| panic!("{call} in {shown:?}"));
        assert_eq!(&src[c.span.start..c.span.end], call, "exact span");
    }
    assert!(!shown.iter().any(|c| c == "kubectl get secrets"), "{shown:?}");
    let pods = cmds.iter().find(|c| c.expanded() == "microk8s kubectl get pods").unwrap();
    assert_eq!(pods.remote.as_deref(), Some("node1"));
    assert_eq!(pods.wrappers, ["ssh"]);
}

#[test]
fn heredocs_the_shell_expands_first_are_reported() {
    let src = "ssh \"$h\" <<EOF\nkubectl get pods -n $NS\nEOF\nbash -s <<EOF\nkubectl get pods\nEOF\n";
    let f = lang::analyze(Language::Shell, src, Path::new("t"), &Default::default());
    let shown: Vec<String> = f.commands.iter().map(CommandFact::expanded).collect();
    // Without anything to expand, the body is the script as written.
    assert!(shown.contains(&"kubectl get pods".to_string()), "{shown:?}");
    assert_eq!(f.limits.len(), 1, "{:?}", f.limits);
    assert!(f.limits[0].info);
    assert_eq!(&src[f.limits[0].span.start..f.limits[0].span.end], "ssh \"$h\"");
}

#[test]
fn eval_of_a_positional_runs_the_string_passed() {
    let src = "check() {\n  if ! out=$(eval \"$1\"); then echo CRITICAL; exit 2; fi\n}\nrun() { eval \"$1\"; }\ncheck 'microk8s kubectl get nodes'\nrun \"kubectl get pods | grep -c Running\"\n";
    let cmds = commands(src);
    let shown: Vec<String> = cmds.iter().map(CommandFact::expanded).collect();
    for call in ["microk8s kubectl get nodes", "kubectl get pods"] {
        let c = cmds.iter().find(|c| c.expanded() == call).unwrap_or_else(|| panic!("{call} in {shown:?}"));
        assert_eq!(&src[c.span.start..c.span.end], call, "at the call site's string");
    }
}
