#!/bin/bash
# Default values with a timeout in the default.
export KUBECTL="${KUBECTL:-microk8s kubectl --request-timeout=10s}"
${KUBECTL} get pods
$KUBECTL get nodes
readonly K2="${K2-kubectl --request-timeout=5s}"
$K2 get nodes
# Set earlier to a bounded call: the default does not apply.
K3="kubectl --request-timeout=5s"
K3="${K3:-kubectl}"
$K3 get svc
# Not kubectl calls: a default that runs echo, and a quoted use that keeps
# `microk8s kubectl` one (unknown) program word.
K5="${K5:-echo kubectl}"
$K5 get nodes
K6="${K6:-microk8s kubectl}"
"$K6" get nodes
# A function-local K shadows the script's K only inside that function.
K="kubectl --request-timeout=5s"
show() {
  local K="echo"
  $K kubectl get nodes
}
show
$K get nodes
bounded() {
  local K="kubectl --request-timeout=5s"
  $K get pods
}
bounded
