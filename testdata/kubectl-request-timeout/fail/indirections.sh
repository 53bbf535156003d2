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
: "${KC:=microk8s kubectl}"
$KC get nodes
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
# Programs that run their command words.
kubectl get pods -o name | xargs -I R kubectl delete R
echo pod-a pod-b | xargs -0rt -n 1 -P 4 --max-chars 4096 kubectl get pod
watch -n 5 -d kubectl get pods
watch -x kubectl get nodes
flock -w 10 /run/lock/k8s.lock microk8s kubectl get nodes
nsenter -t 1 -m -u -- kubectl get nodes
chroot --userspec=root:root /host kubectl get nodes
ssh -i /etc/key.pem -o BatchMode=yes -p 2222 node1 kubectl get pods
ssh node1 -t sudo microk8s kubectl get nodes
# Programs that run a shell script: positions inside the string.
sudo -u ubuntu bash -c 'kubectl get pods'
su - root -c "microk8s kubectl get nodes"
su -c 'kubectl get pods -A' ubuntu
eval "kubectl get pods"
eval 'microk8s kubectl get nodes | grep -c Ready'
ssh -l ubuntu node1 "microk8s kubectl get nodes"
flock /run/lock/k8s.lock -c 'kubectl get nodes'
watch -n 10 'kubectl get pods | grep -v Running'
CHECK='kubectl get nodes'
eval "$CHECK"
# Aliases (bash expands them in scripts after `shopt -s expand_aliases`; sh always).
shopt -s expand_aliases
alias k='microk8s kubectl'
k get nodes
alias kc="sudo kubectl --context pvek8s" kx=kubectl
kc get pods
kx get svc
check_ns() { k get ns; }
check_ns
