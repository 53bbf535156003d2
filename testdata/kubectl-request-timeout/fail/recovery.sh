#!/bin/bash
# Constructs tree-sitter-bash does not parse like bash does.
MODE_LIST="${MODE:-a|b|c}"
kubectl get nodes
cat <<EOT; kubectl get ns
Namespaces
EOT
kubectl get pods
cat <<EOT;
text with kubectl get nothing
EOT
echo \$(kubectl not-a-command) "\$(kubectl not-either)"
value=${ kubectl get funsub; }
kubectl get after-everything
