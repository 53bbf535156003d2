#!/bin/bash
# Not a check: every wait has a limit, and streams are what the user asked for.
node="$1"
kubectl --request-timeout=10s drain "$node" --ignore-daemonsets --timeout=5m
kubectl --request-timeout=10s -n kube-system rollout status ds/calico-node --timeout 2m
kubectl --request-timeout=10s rollout status deploy/web --watch=false
kubectl --request-timeout=10s wait --for=condition=Ready node --all
kubectl --request-timeout=10s wait --for=delete pod/web --timeout=60s
microk8s status --wait-ready --timeout 300
microk8s.status -w -t 60
timeout 300 kubectl --request-timeout=10s drain "$node" --ignore-daemonsets
kubectl --request-timeout=10s logs -f deploy/web
kubectl --request-timeout=10s port-forward svc/web 8080:80
n=0
until kubectl --request-timeout=5s get nodes "$node"; do
  n=$((n + 1))
  [ "$n" -ge 30 ] && exit 1
  sleep 5
done
until kubectl --request-timeout=5s get ns x || (( tries++ >= 10 )); do sleep 1; done
end=$((SECONDS + 300))
while ! kubectl --request-timeout=5s get ns monitoring; do
  [ $SECONDS -lt $end ] || exit 1
  sleep 1
done
for i in $(seq 60); do
  kubectl --request-timeout=5s get --raw /readyz && break
  sleep 5
done
timeout 300 bash -c 'until kubectl --request-timeout=5s get nodes; do sleep 1; done'
kubectl --request-timeout=5s get nodes -o name | while read -r n; do
  echo "$n"
done
while read -r line; do echo "$line"; done < /etc/hosts
while true; do
  kubectl --request-timeout=5s get pods
  sleep 60
done
kubectl --request-timeout=10s drain "$node" $DRAIN_OPTS
