#!/bin/bash
# The "fixed" check from the first incident: bounded calls, but two of them.
nodes=$(microk8s kubectl --request-timeout=10s get nodes --no-headers)
pods=$(microk8s kubectl --request-timeout=10s get pods -A --no-headers)
echo "OK - $(echo "$nodes" | wc -l) nodes, $(echo "$pods" | wc -l) pods"
