#!/bin/bash
K="kubectl --context pvek8s"
$K get nodes
${K} get pods
KUBECTL="microk8s kubectl"
$KUBECTL get pods -A
MK=/snap/bin/microk8s.kubectl
$MK get nodes
local_fn() {
  local KC='microk8s kubectl -n kube-system'
  $KC get pods
}
local_fn
export KX="kubectl"
$KX get svc
KUBE=${KUBECTL_BIN:-microk8s kubectl}
$KUBE get nodes
KCMD=(kubectl --context pvek8s)
"${KCMD[@]}" get nodes
TWICE="kubectl"
$TWICE get nodes
TWICE="microk8s kubectl"
$TWICE get pods
