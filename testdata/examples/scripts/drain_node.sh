#!/bin/bash
# Operator helper, run by hand; waiting on the API server is intended here.
# opslint: disable-file=kubectl-request-timeout -- interactive maintenance script
set -euo pipefail
node=${1:?usage: drain_node.sh NODE}
microk8s kubectl cordon "$node"
microk8s kubectl drain "$node" --ignore-daemonsets --delete-emptydir-data
