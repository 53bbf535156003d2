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

/// The component whose args file `path` is, if it is one: `…/args/<component>`
/// under a MicroK8s (or Canonical Kubernetes) args directory, or under a path that
/// is still partly a Jinja expression (`{{ snap_data }}/args/k8s-dqlite`).
/// Other files in `args/` (`containerd-template.toml`, `certs.d/…`, `*-env`) are not.
pub fn args_file_component(path: &str) -> Option<&'static str> {
    let path = path.trim().trim_end_matches('/');
    let (dir, name) = path.rsplit_once("/args/")?;
    let component = ARGS_COMPONENTS.iter().copied().find(|c| *c == name)?;
    let dir = dir.trim_end_matches('/');
    let known_dir = dir == "/var/snap/microk8s/current"
        || dir == "/var/snap/k8s/common"
        || dir == "$SNAP_DATA"
        || dir == "${SNAP_DATA}"
        || dir
            .strip_prefix("/var/snap/microk8s/")
            .is_some_and(|rev| !rev.is_empty() && rev.bytes().all(|b| b.is_ascii_digit()));
    let templated = dir.contains("{{") || dir.contains("{%");
    (known_dir || templated).then_some(component)
}

#[cfg(test)]
mod tests {
    use super::args_file_component as c;

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
