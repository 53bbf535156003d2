#!/usr/bin/env bash
# A shared library: the scripts beside it source it for their kubectl helpers.

. "${BASH_SOURCE%/*}/aliases.sh"

detect_kubectl() {
    if [ -n "${KUBECTL:-}" ]; then
        return 0
    fi
    if command -v kubectl >/dev/null 2>&1 && kubectl version --client >/dev/null 2>&1; then
        KUBECTL="kubectl"
    elif microk8s kubectl version --client >/dev/null 2>&1; then
        KUBECTL="microk8s kubectl"
    else
        KUBECTL="sudo microk8s kubectl"
    fi
    export KUBECTL
}

kc() { microk8s kubectl "$@"; }

run_with_sudo() { sudo "$@"; }

# Set only when the function runs.
use_snap() { SNAP_KUBECTL="/snap/bin/microk8s.kubectl"; }

K8S="microk8s kubectl"

# The library's own call: reported here, never in the scripts that source it.
microk8s kubectl get nodes
