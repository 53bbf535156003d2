//! MicroK8s domain knowledge shared by front-ends and rules.

/// Daemons whose flags MicroK8s reads from `…/args/<component>`.
pub const ARGS_COMPONENTS: &[&str] = &[
    "kube-apiserver",
    "kubelet",
    "kube-proxy",
    "kube-scheduler",
    "kube-controller-manager",
    "kubelite",
    "k8s-dqlite",
    "containerd",
    "etcd",
    "flanneld",
    "apiserver-proxy",
    "cluster-agent",
    "kubectl",
];

/// The Kubernetes components kubelite runs (Kubernetes's flags and feature
/// gates apply to them).
pub const KUBELITE_COMPONENTS: &[&str] =
    &["kubelet", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"];

/// Components whose args files kubelite's Go reader reads (its own and those of
/// the components it runs), not bash: see [`KUBELITE_COMPONENTS`] for the
/// components whose flags are Kubernetes's.
pub const READ_BY_KUBELITE: &[&str] = &[
    "kubelet",
    "kube-apiserver",
    "kube-proxy",
    "kube-scheduler",
    "kube-controller-manager",
    "kubelite",
];

/// The component whose args file (or `.j2` template of one) `path` is, by name:
/// `…/args/<component>`, or `…/default-args/<component>`, the defaults the
/// MicroK8s snap ships and its install hook copies to `$SNAP_DATA/args`
/// (canonical/microk8s: `microk8s-resources/default-args/`, `cp -r
/// --preserve=mode ${SNAP}/default-args ${SNAP_DATA}/args` in
/// `snap/hooks/install`).
pub fn args_file_of(path: &std::path::Path) -> Option<&'static str> {
    let parent = path.parent()?.file_name()?.to_str()?;
    if parent != "args" && parent != "default-args" {
        return None;
    }
    let name = path.file_name()?.to_str()?;
    let name = name.strip_suffix(".j2").unwrap_or(name);
    ARGS_COMPONENTS.iter().copied().find(|c| *c == name)
}

/// The component whose args file `path` is, if it is one: `…/args/<component>`
/// under a MicroK8s (or Canonical Kubernetes) args directory, or under a path that
/// is still partly a Jinja expression (`{{ snap_data }}/args/k8s-dqlite`).
/// Other files in `args/` (`containerd-template.toml`, `certs.d/…`, `*-env`) are not.
pub fn args_file_component(path: &str) -> Option<&'static str> {
    let path = path.trim().trim_end_matches('/');
    let (dir, name) = path.rsplit_once("/args/")?;
    let component = ARGS_COMPONENTS.iter().copied().find(|c| *c == name)?;
    args_dir(dir).then_some(component)
}

/// Whether `dir` (the part before `/args/`) is a MicroK8s data directory.
fn args_dir(dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    let known_dir = dir == "/var/snap/microk8s/current"
        || dir == "/var/snap/k8s/common"
        || dir == "$SNAP_DATA"
        || dir == "${SNAP_DATA}"
        || dir
            .strip_prefix("/var/snap/microk8s/")
            .is_some_and(|rev| !rev.is_empty() && rev.bytes().all(|b| b.is_ascii_digit()));
    let templated = dir.contains("{{") || dir.contains("{%");
    known_dir || templated
}

/// The templated file name of a path in a MicroK8s args directory
/// (`/var/snap/microk8s/current/args/{{ item.key }}`): some daemon's args
/// file, which one is known only when the template is rendered.
pub fn templated_args_file(path: &str) -> Option<&str> {
    let path = path.trim().trim_end_matches('/');
    let (dir, name) = path.rsplit_once("/args/")?;
    (!name.contains('/') && (name.contains("{{") || name.contains("{%")) && args_dir(dir)).then_some(name)
}

/// A task that restarts, stops or starts a MicroK8s service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restart {
    /// `k8s-dqlite`, `kubelite` or `microk8s` (the whole snap).
    pub service: &'static str,
    /// `restart`, `stop` or `start`.
    pub action: &'static str,
}

/// The service a systemd unit or snap service name designates.
fn service_of(name: &str) -> Option<&'static str> {
    let name = name.trim().trim_end_matches(".service");
    match name {
        "snap.microk8s.daemon-k8s-dqlite" | "microk8s.daemon-k8s-dqlite" => Some("k8s-dqlite"),
        "snap.microk8s.daemon-kubelite" | "microk8s.daemon-kubelite" => Some("kubelite"),
        "microk8s" => Some("microk8s"),
        _ => None,
    }
}

/// What a command line (as words) does to MicroK8s services:
/// `microk8s stop|start`, `snap restart|stop|start microk8s[.daemon-…]`,
/// `systemctl restart|stop|start snap.microk8s.daemon-…`.
pub fn restart_in_words(words: &[&str]) -> Option<Restart> {
    let program = words.first()?.rsplit('/').next()?;
    let action = |w: &str| match w {
        "restart" | "try-restart" | "reload-or-restart" => Some("restart"),
        "stop" => Some("stop"),
        "start" => Some("start"),
        _ => None,
    };
    match program {
        "microk8s" | "microk8s.stop" | "microk8s.start" => {
            let verb = if program == "microk8s" {
                words.get(1).copied()?
            } else {
                program.trim_start_matches("microk8s.")
            };
            let action = match verb {
                "stop" => "stop",
                "start" => "start",
                _ => return None,
            };
            Some(Restart {
                service: "microk8s",
                action,
            })
        }
        "snap" | "systemctl" => {
            let mut rest = words[1..].iter().filter(|w| !w.starts_with('-'));
            let action = action(rest.next()?)?;
            rest.find_map(|w| service_of(w))
                .map(|service| Restart { service, action })
        }
        _ => None,
    }
}

/// What an Ansible task does to MicroK8s services: `systemd`/`service` modules
/// on a MicroK8s unit with `state: restarted|stopped|started`, or a
/// `command`/`shell` line (see [`restart_in_words`]).
pub fn restart_of(task: &crate::facts::AnsibleTask) -> Option<Restart> {
    match task.module.as_str() {
        "systemd" | "systemd_service" | "service" | "sysvinit" => {
            let name = ["name", "service", "unit"]
                .iter()
                .find_map(|n| task.arg(n).and_then(|a| a.text()))?;
            let service = service_of(name)?;
            let action = match task.arg("state").and_then(|a| a.text())? {
                "restarted" | "reloaded" => "restart",
                "stopped" => "stop",
                "started" => "start",
                _ => return None,
            };
            Some(Restart { service, action })
        }
        "command" | "shell" | "raw" => {
            let line = task.command_line.as_ref()?;
            // `microk8s {{ item }}` over `loop: [stop, start]`: each item's line.
            let lines: Vec<std::borrow::Cow<'_, str>> = if line.text.contains("item") && !task.loop_items.is_empty() {
                task.loop_items
                    .iter()
                    .filter_map(|item| item.expand(&line.text))
                    .map(std::borrow::Cow::Owned)
                    .collect()
            } else {
                vec![std::borrow::Cow::Borrowed(line.text.as_str())]
            };
            // Each command of each line (`;`, `&&`, `|`, newlines).
            let found: Vec<Restart> = lines
                .iter()
                .flat_map(|l| l.split(['\n', ';', '&', '|']).map(str::to_string).collect::<Vec<_>>())
                .filter_map(|part| {
                    let words: Vec<&str> = part
                        .split_whitespace()
                        .skip_while(|w| matches!(*w, "sudo" | "-n") || w.contains('='))
                        .collect();
                    restart_in_words(&words)
                })
                .collect();
            combine(found)
        }
        _ => None,
    }
}

/// The restarts of one task as one: a stop and a start of the same service
/// (`microk8s stop && microk8s start`, a loop over `[stop, start]`) restart it.
fn combine(found: Vec<Restart>) -> Option<Restart> {
    let first = found.first()?.clone();
    let restarted = found.iter().find(|r| {
        r.action == "restart"
            || (r.action == "stop" && found.iter().any(|s| s.action == "start" && s.service == r.service))
    });
    Some(match restarted {
        Some(r) => Restart { service: r.service, action: "restart" },
        None => first,
    })
}

/// Whether a task checks that MicroK8s came back: `microk8s status --wait-ready`,
/// `kubectl get --raw /readyz` (bounded), a `systemctl is-active` / `NRestarts`
/// check or any kubectl call retried with `until:`/`retries:`, `uri` on
/// `https://…:16443/…` retried, or `wait_for` on the API server (16443), dqlite
/// (19001) or cluster-agent (25000) port.
pub fn is_health_check(task: &crate::facts::AnsibleTask) -> bool {
    match task.module.as_str() {
        "wait_for" => task
            .arg("port")
            .and_then(|a| a.text())
            .is_some_and(|p| matches!(p.trim(), "16443" | "19001" | "25000")),
        "command" | "shell" | "raw" => {
            let Some(line) = task.command_line.as_ref() else {
                return false;
            };
            let text = line.text.as_str();
            let words: Vec<&str> = text.split_whitespace().collect();
            // `microk8s status --wait-ready` (`microk8s.status`, `-w`), which
            // only proves something when bounded: without `--timeout`/`-t` (or
            // `timeout N` around it) it waits forever on a broken datastore.
            let status = words
                .windows(2)
                .any(|w| w[0].ends_with("microk8s") && w[1] == "status")
                || words.iter().any(|w| w.ends_with("microk8s.status"));
            let waits = words.iter().any(|w| *w == "--wait-ready" || *w == "-w");
            let bounded = words.iter().any(|w| *w == "-t" || w.starts_with("--timeout") || *w == "timeout");
            let status_ready = status && waits && bounded;
            let readyz = text.contains("/readyz")
                && (text.contains("--request-timeout") || text.contains("timeout "));
            let active = (text.contains("is-active") || text.contains("NRestarts")) && task.retries;
            // Any kubectl call retried until it succeeds proves the API server
            // (and the datastore behind it) answers again.
            let api_retried = task.retries && words.iter().any(|w| w.ends_with("kubectl"));
            status_ready || readyz || active || api_retried
        }
        // `uri` on the API server's health endpoints, retried.
        "uri" => {
            task.retries
                && task
                    .arg("url")
                    .and_then(|a| a.text())
                    .is_some_and(|u| u.contains(":16443/"))
        }
        _ => false,
    }
}

/// What a call does to the cluster's membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterOp {
    Leave,
    Reset,
    SnapRemove,
    Join,
    RemoveNode,
    AddNode,
}

/// A call that changes cluster membership: the MicroK8s sub-command it runs
/// (`microk8s leave`, `microk8s.leave`), or `snap remove microk8s`.
pub fn cluster_op(fact: &crate::facts::CommandFact) -> Option<ClusterOp> {
    let name = fact.program_name();
    let positional = |from: usize| {
        fact.words
            .iter()
            .skip(from)
            .map(|w| w.text.as_str())
            .filter(|w| !w.starts_with('-'))
            .collect::<Vec<_>>()
    };
    let sub = match name {
        "microk8s" => positional(1).first().map(|s| s.to_string())?,
        "snap" => {
            let p = positional(1);
            return (p.first() == Some(&"remove") && p.iter().skip(1).any(|w| *w == "microk8s"))
                .then_some(ClusterOp::SnapRemove);
        }
        _ => name.strip_prefix("microk8s.")?.to_string(),
    };
    match sub.as_str() {
        "leave" => Some(ClusterOp::Leave),
        "reset" => Some(ClusterOp::Reset),
        "join" => Some(ClusterOp::Join),
        "remove-node" => Some(ClusterOp::RemoveNode),
        "add-node" => Some(ClusterOp::AddNode),
        _ => None,
    }
}


#[cfg(test)]
mod tests {
    use super::args_file_component as c;

    #[test]
    fn restarts_in_command_lines() {
        let r = |line: &str| {
            super::restart_in_words(&line.split_whitespace().collect::<Vec<_>>())
                .map(|r| (r.service, r.action))
        };
        assert_eq!(r("microk8s stop"), Some(("microk8s", "stop")));
        assert_eq!(r("/snap/bin/microk8s start"), Some(("microk8s", "start")));
        assert_eq!(r("snap restart microk8s.daemon-k8s-dqlite"), Some(("k8s-dqlite", "restart")));
        assert_eq!(r("snap restart microk8s"), Some(("microk8s", "restart")));
        assert_eq!(
            r("systemctl restart snap.microk8s.daemon-kubelite.service"),
            Some(("kubelite", "restart"))
        );
        assert_eq!(r("systemctl status snap.microk8s.daemon-kubelite"), None);
        assert_eq!(r("microk8s status --wait-ready"), None);
        assert_eq!(r("snap restart lxd"), None);
    }

    #[test]
    fn args_files_by_their_place_in_a_repository() {
        let of = |p: &str| super::args_file_of(std::path::Path::new(p));
        assert_eq!(of("roles/microk8s/files/args/kubelet"), Some("kubelet"));
        assert_eq!(of("roles/microk8s/templates/args/kube-apiserver.j2"), Some("kube-apiserver"));
        assert_eq!(of("microk8s-resources/default-args/k8s-dqlite"), Some("k8s-dqlite"));
        assert_eq!(of("microk8s-resources/default-args/containerd-template.toml"), None);
        assert_eq!(of("microk8s-resources/default-args/traefik/traefik.yaml"), None);
        assert_eq!(of("roles/etcd/templates/etcd.j2"), None);
        assert_eq!(of("defaults/kubelet"), None);
    }

    #[test]
    fn args_files() {
        assert_eq!(
            c("/var/snap/microk8s/current/args/k8s-dqlite"),
            Some("k8s-dqlite")
        );
        assert_eq!(c("/var/snap/microk8s/8695/args/kubelet"), Some("kubelet"));
        assert_eq!(
            c("${SNAP_DATA}/args/kube-apiserver"),
            Some("kube-apiserver")
        );
        assert_eq!(c("$SNAP_DATA/args/containerd"), Some("containerd"));
        assert_eq!(c("/var/snap/k8s/common/args/kubelet"), Some("kubelet"));
        assert_eq!(
            c("{{ microk8s_snap_data }}/args/k8s-dqlite"),
            Some("k8s-dqlite")
        );
        assert_eq!(
            c("/var/snap/microk8s/current/args/containerd-template.toml"),
            None
        );
        assert_eq!(
            c("/var/snap/microk8s/current/args/certs.d/docker.io/hosts.toml"),
            None
        );
        assert_eq!(c("/var/snap/microk8s/current/args/containerd-env"), None);
        assert_eq!(c("/etc/myapp/args/kubelet"), None);
        assert_eq!(c("/var/snap/microk8s/x1/args/kubelet"), None);
    }
}
