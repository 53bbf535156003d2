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
# Function-local variables: each function's `local K` is its own, so each fix
# is safe (the other functions' K are other variables).
check_nodes() {
  local K="kubectl"
  $K get nodes
}
check_pods() {
  local K
  K="microk8s kubectl"
  $K get pods -A
}
check_svc() {
  declare K="kubectl"
  $K get svc
}
check_cm() {
  typeset K="kubectl"
  $K get cm
}
check_nodes; check_pods; check_svc; check_cm
