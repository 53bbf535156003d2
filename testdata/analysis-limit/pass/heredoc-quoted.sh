#!/bin/bash
ssh "$node" <<'EOF'
microk8s kubectl --request-timeout=5s get pods -n "$NAMESPACE"
EOF
ssh "$node" <<EOF
microk8s kubectl --request-timeout=5s get pods
EOF
