#!/usr/bin/env bash
# Every call goes through a helper of lib.sh: this file never names the
# program itself.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$DIR/lib.sh"

detect_kubectl
readarray -t nodes < <(${KUBECTL} get nodes -o name 2>/dev/null | sed 's|node/||')
kc get pods -A
run_with_sudo microk8s kubectl get pods
k get svc
$K8S get ns
# Not set yet: use_snap has not run.
$SNAP_KUBECTL get events
use_snap
$SNAP_KUBECTL get events
# Bounded.
${KUBECTL} --request-timeout=5s get nodes
kc --request-timeout=5s get pods
timeout 10 k get svc
