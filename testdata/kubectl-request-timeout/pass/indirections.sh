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
: "${K3:=kubectl}"
$K3 get svc
: "${KD:-kubectl}"
$KD get svc
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
# The same programs with bounded calls.
kubectl get pods -o name --request-timeout=5s | xargs -I R kubectl --request-timeout=5s delete R
echo pod-a | xargs -0rt -n 1 -P 4 kubectl --request-timeout=5s get pod
watch -n 5 kubectl --request-timeout=5s get pods
flock -w 10 /run/lock/k8s.lock microk8s kubectl --request-timeout=5s get nodes
nsenter -t 1 -m -- kubectl --request-timeout=5s get nodes
chroot /host kubectl --request-timeout=5s get nodes
ssh -i /etc/key.pem node1 kubectl --request-timeout=5s get pods
sudo -u ubuntu bash -c 'kubectl --request-timeout=5s get pods'
su - root -c "microk8s kubectl --request-timeout=5s get nodes"
eval "kubectl --request-timeout=5s get pods"
ssh node1 "microk8s kubectl --request-timeout=5s get nodes"
flock /run/lock/k8s.lock -c 'kubectl --request-timeout=5s get nodes'
# A time limit around the program that runs the script bounds its commands.
timeout 10 bash -c 'kubectl get pods'
timeout 10 ssh node1 'microk8s kubectl get nodes'
timeout 10 su -c 'kubectl get pods' ubuntu
# Lookalikes: kubectl is only an argument, or nothing runs.
xargs echo kubectl
echo kubectl | xargs -I R echo R get pods
ssh node1 'echo kubectl get pods'
ssh node1 echo kubectl get pods
ssh -N -L 6443:localhost:16443 node1
ssh -O exit node1
su root
eval "echo kubectl get pods"
watch -n 5 echo kubectl
flock 9
flock /run/lock/k8s.lock -c 'echo kubectl get nodes'
chroot /host
nsenter -t 1 -m
# Aliases: bounded, used before their definition, quoted or escaped names (no
# alias expansion), removed again, or only text.
kb get nodes
alias kb='microk8s kubectl --request-timeout=5s'
kb get nodes
alias k='microk8s kubectl'
'k' get nodes
\k get nodes
echo k get nodes
alias | grep k
unalias k
k get nodes
