#!/bin/bash
# NRPE check: the dqlite cluster has a leader and the API server answers.
set -euo pipefail

k() { microk8s kubectl "$@"; }

if ! timeout 5 microk8s status --wait-ready --timeout 5 >/dev/null 2>&1; then
    echo "CRITICAL - microk8s is not ready"
    exit 2
fi

# Readiness of the API server, bounded.
if ! microk8s kubectl get --raw /readyz --request-timeout=5s >/dev/null; then
    echo "CRITICAL - API server not ready"
    exit 2
fi

leader_lease=$(k -n kube-system get lease kube-controller-manager -o jsonpath='{.spec.holderIdentity}')
echo "OK - controller-manager leader: ${leader_lease}"
