//! kubectl's command line: which word of a call is kubectl, its global flags
//! that take a value, the sub-commands that never contact the API server, and
//! where a call sets `--request-timeout`. Read by `kubectl-request-timeout`,
//! `unbounded-wait`, `nrpe-timeout-budget` and the command table in
//! [`crate::waits`].

use crate::facts::{CommandFact, Word, flag_value};

/// Index of the word that names kubectl (`kubectl` in `microk8s kubectl`).
pub fn program_word(fact: &CommandFact) -> Option<usize> {
    match fact.program_name() {
        "kubectl" | "oc" | "microk8s.kubectl" => Some(0),
        "microk8s" | "k3s" => {
            let sub = fact.words.get(1)?;
            (sub.is_static && sub.text == "kubectl").then_some(1)
        }
        _ => None,
    }
}

/// kubectl's global flags that take their value as the next word.
const GLOBAL_FLAGS_WITH_VALUE: &[&str] = &[
    "--as",
    "--as-group",
    "--as-uid",
    "--cache-dir",
    "--certificate-authority",
    "--client-certificate",
    "--client-key",
    "--cluster",
    "--context",
    "--kubeconfig",
    "--log-dir",
    "--log-file",
    "-n",
    "--namespace",
    "--password",
    "--profile",
    "--profile-output",
    "--request-timeout",
    "-s",
    "--server",
    "--tls-server-name",
    "--token",
    "--user",
    "--username",
    "-v",
    "--v",
    "--vmodule",
];

/// Whether kubectl's global flag `flag` takes its value as the next word.
pub fn global_flag_takes_value(flag: &str) -> bool {
    GLOBAL_FLAGS_WITH_VALUE.contains(&flag)
}

/// Sub-commands that never contact the API server (or are long-running on purpose).
const CLIENT_ONLY: &[&str] = &[
    "completion",
    "config",
    "help",
    "kustomize",
    "options",
    "plugin",
    "proxy",
];

/// kubectl's own sub-commands (`pkg/cmd/cmd.go` of kubernetes/kubectl at
/// 10504c18ade2c0328478f94647a81550bbf06e6d,
/// <https://github.com/kubernetes/kubectl/blob/10504c18ade2c0328478f94647a81550bbf06e6d/pkg/cmd/cmd.go>, plus `events` (1.26+) and the
/// removed `convert` and `rolling-update` that older clients still have).
/// Any other sub-command runs a plugin (`kubectl krew`, `kubectl ctx`): an
/// executable `kubectl-NAME` that is not kubectl's API client.
const BUILT_IN: &[&str] = &[
    "alpha", "annotate", "api-resources", "api-versions", "apply", "attach", "auth",
    "autoscale", "certificate", "cluster-info", "completion", "config", "convert",
    "cordon", "cp", "create", "debug", "delete", "describe", "diff", "drain", "edit",
    "events", "exec", "explain", "expose", "get", "help", "kustomize", "label", "logs",
    "options", "patch", "plugin", "port-forward", "proxy", "replace", "rolling-update",
    "rollout", "run", "scale", "set", "taint", "top", "uncordon", "version", "wait",
];

/// `kubectl create` sub-commands that build an object locally (the generators
/// of kubectl's `pkg/cmd/create/create_*.go`, with their aliases).
const CREATE_GENERATORS: &[&str] = &[
    "clusterrole",
    "clusterrolebinding",
    "configmap",
    "cm",
    "cronjob",
    "cj",
    "deployment",
    "deploy",
    "ingress",
    "ing",
    "job",
    "namespace",
    "ns",
    "poddisruptionbudget",
    "pdb",
    "priorityclass",
    "pc",
    "quota",
    "resourcequota",
    "role",
    "rolebinding",
    "secret",
    "service",
    "svc",
    "serviceaccount",
    "sa",
];

/// Whether a call with these arguments (the words after kubectl) never
/// contacts the API server: a client-only sub-command, `--help`, `--local`,
/// `version --client`, a generator with a client dry run, or a plugin.
pub fn is_client_only(args: &[Word]) -> bool {
    let mut subcommand = None;
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text.as_str();
        if t == "--" {
            break;
        }
        if t == "--help" || t == "-h" {
            return true;
        }
        if subcommand.is_none() && args[i].is_static {
            if t.starts_with('-') {
                if GLOBAL_FLAGS_WITH_VALUE.contains(&t) {
                    i += 1;
                }
            } else {
                subcommand = Some(t);
            }
        } else if subcommand.is_none() {
            // A dynamic word where the sub-command should be: unknown, so not client-only.
            subcommand = Some("");
        }
        i += 1;
    }
    // `kubectl set image --local -f x.yaml`: works on the file only.
    if args.iter().any(|a| a.text == "--local" || a.text == "--local=true") {
        return true;
    }
    match subcommand {
        Some(s) if CLIENT_ONLY.contains(&s) => true,
        // A plugin: not kubectl's client.
        Some(s) if !s.is_empty() && !BUILT_IN.contains(&s) => true,
        Some("version") => args
            .iter()
            .any(|a| a.text == "--client" || a.text == "--client=true"),
        // `kubectl create <generator> --dry-run[=client]` prints the object it
        // built and never calls the server (kubectl's create_*.go `Run`s only
        // do when the dry-run strategy is not client). `create -f` is not a
        // generator: it still asks the server for the resource types.
        Some("create") => {
            let generator = args
                .iter()
                .filter(|a| a.is_static && !a.text.starts_with('-'))
                .nth(1)
                .is_some_and(|g| CREATE_GENERATORS.contains(&g.text.as_str()));
            generator
                && args.iter().any(|a| {
                    matches!(a.text.as_str(), "--dry-run" | "--dry-run=client" | "--dry-run=true")
                })
        }
        _ => false,
    }
}

/// The `--request-timeout` value word and whether it is inline (`--request-timeout=V`).
pub fn find_request_timeout(args: &[Word]) -> Option<(&Word, bool)> {
    flag_value(args, &["--request-timeout"])
        .map(|(word, _)| (word, word.text.starts_with("--request-timeout=")))
}
