#!/bin/bash
# Words after a redirect's target are the command's arguments: these calls
# are bounded (tree-sitter-bash hung them on the redirect, and the timeout
# was lost).
kubectl 2>/dev/null --request-timeout=5s get pods
kubectl >/tmp/nodes.txt --request-timeout=5s get nodes -o name
echo hi > /tmp/x kubectl get pods
