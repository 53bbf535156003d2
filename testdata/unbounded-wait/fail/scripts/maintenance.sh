#!/bin/bash
# Not a check: long waits are warnings here.
node="$1"
kubectl --request-timeout=10s drain "$node" --ignore-daemonsets --delete-emptydir-data
kubectl --request-timeout=10s -n kube-system rollout status ds/calico-node
kubectl --request-timeout=10s rollout status deploy/web --timeout=0s
microk8s status --wait-ready
sudo microk8s.status --wait-ready
until microk8s kubectl --request-timeout=5s get nodes "$node"; do
  sleep 5
done
while ! kubectl --request-timeout=5s get ns monitoring >/dev/null 2>&1; do sleep 1; done
while true; do
  if kubectl --request-timeout=5s get --raw /readyz; then
    break
  fi
  sleep 5
done
until [ "$(kubectl --request-timeout=5s get pod web -o jsonpath='{.status.phase}')" == "Running" ]; do
  sleep 2
done
until timeout 10 kubectl get nodes; do sleep 1; done
