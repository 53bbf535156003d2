#!/usr/bin/env bash
# The library's path is only known when the script runs: reported once.
source $SNAP/actions/common/utils.sh
. "$SNAP/actions/common/more.sh"

use_kubectl get nodes
kubectl --request-timeout=5s get nodes
