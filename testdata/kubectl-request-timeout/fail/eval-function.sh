#!/bin/bash
# A health check that runs each check through one function.
check() {
  local name="$1"
  if ! output=$(eval "$2" 2>&1); then
    echo "CRITICAL: $name: $output"
    exit 2
  fi
}
run() { eval "$1"; }
check nodes 'microk8s kubectl get nodes | grep -q " Ready"'
check dns "microk8s kubectl -n kube-system get pods -l k8s-app=kube-dns"
run 'kubectl get pods -A'
