#!/bin/bash
# Text handed to a program that does not run it.
cat <<'EOF'
kubectl get pods
EOF
ssh node1 'cat > /tmp/notes' <<'EOF'
kubectl get pods
EOF
ssh node1 <<'EOF'
microk8s kubectl --request-timeout=5s get pods -A
EOF
