#!/bin/bash
# A heredoc fed to a program that reads its script from standard input is a script.
ssh node1 <<'EOF_REMOTE'
microk8s kubectl get pods -A
EOF_REMOTE
ssh -q "$node" 'sudo bash -s' << 'ENDSSH'
	kubectl get nodes
ENDSSH
sudo bash <<CLEAN
kubectl delete pod stuck --request-timeout=5s
kubectl get pods
CLEAN
lxc exec node-2 -- bash <<-'EOF'
	microk8s kubectl get nodes
	EOF
bash -s <<'EOF'
kubectl get ns
EOF
