#!/bin/bash
# NRPE check after the fix: every call is bounded and the total stays below
# check_nrpe's 15 s timeout (5 s + 5 s).
set -euo pipefail
KUBECTL="microk8s kubectl --request-timeout=5s"

failed=$($KUBECTL get pods -A --field-selector=status.phase=Failed --no-headers | wc -l)
pending=$($KUBECTL get pods -A --field-selector=status.phase=Pending --no-headers | wc -l)
if [ "$failed" -gt 0 ]; then
    echo "CRITICAL - $failed failed pods"
    exit 2
fi
echo "OK - no failed pods ($pending pending)"
