#!/bin/bash
kubectl --request-timeout=10s get nodes
kubectl get nodes --request-timeout=1m
microk8s kubectl get pods --request-timeout 500ms
microk8s.kubectl --request-timeout=15 get nodes
/snap/bin/microk8s kubectl get nodes --request-timeout=5s
k3s kubectl --request-timeout=2s get nodes
oc get pods --request-timeout=10s
kubectl --request-timeout=0 get nodes --request-timeout=10s
timeout 10 kubectl get nodes
timeout -k 5 15s microk8s kubectl get nodes
timeout --signal=KILL 20 kubectl get pods
sudo timeout 10 microk8s kubectl get nodes
kubectl --request-timeout="$TIMEOUT" get nodes
kubectl --request-timeout=${KUBECTL_TIMEOUT:-10s} get nodes
nodes=$(kubectl --request-timeout=10s get nodes --no-headers)
K="microk8s kubectl --request-timeout=10s"
$K get nodes
k() { kubectl --request-timeout=10s "$@"; }
k get pods
tk() { timeout 10 microk8s kubectl "$@"; }
tk get nodes
KC=(kubectl --request-timeout=5s)
"${KC[@]}" get nodes
# A function named like the program, adding the bound for every call.
kubectl() { command kubectl --request-timeout=10s "$@"; }
kubectl get nodes
microk8s() { command microk8s "$@"; }
