#!/bin/bash
# kubectl get nodes  (a comment)
echo "kubectl get nodes"
echo 'microk8s kubectl get pods'
printf '%s\n' "run: kubectl get nodes"
cat <<'EOF2'
kubectl get nodes
$(kubectl get pods)
EOF2
cat <<EOF2
kubectl get nodes is only text here
EOF2
echo "literal \$(kubectl get nodes)"
echo "\$(kubectl get pods)"
grep kubectl /var/log/syslog
apt-get install -y kubectl
snap install kubectl --classic
KUBECTL_VERSION=v1.34.0
echo "usage: $0 [--kubectl PATH]"
bash -c "echo kubectl get nodes"
sh -c 'printf "%s\n" "kubectl get pods"'
