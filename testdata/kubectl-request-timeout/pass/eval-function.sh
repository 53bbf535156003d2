#!/bin/bash
check() {
  if ! output=$(eval "$1" 2>&1); then
    echo "CRITICAL: $output"
    exit 2
  fi
}
check 'microk8s kubectl --request-timeout=5s get nodes'
check "timeout 10 microk8s kubectl get pods"
check 'echo kubectl get pods'
