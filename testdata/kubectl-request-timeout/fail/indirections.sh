#!/bin/bash
# Default values: the variable is only set by its own line (or not at all).
export KUBECTL="${KUBECTL:-microk8s kubectl}"
${KUBECTL} get pods
$KUBECTL get nodes
readonly K2="${K2-kubectl}"
$K2 get nodes
declare K3=${K3:=kubectl}
$K3 get svc
K4="${UNSET_ELSEWHERE:-microk8s kubectl --context pvek8s}"
$K4 get nodes
