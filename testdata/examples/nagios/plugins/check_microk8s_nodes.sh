#!/bin/bash
# NRPE check: every MicroK8s node must be Ready.
# As deployed during the incident: with the API server down, both kubectl calls
# hung until check_nrpe's 15 s socket timeout, and Nagios showed only
# "CHECK_NRPE: Socket timeout after 15 seconds".
set -uo pipefail

OK=0; WARNING=1; CRITICAL=2; UNKNOWN=3
KUBECTL="/snap/bin/microk8s kubectl"

total=$($KUBECTL get nodes --no-headers 2>/dev/null | wc -l)
if [ "$total" -eq 0 ]; then
    echo "UNKNOWN - no nodes returned by the API server"
    exit $UNKNOWN
fi

not_ready=$($KUBECTL get nodes --no-headers | awk '$2 != "Ready" {print $1}')
if [ -n "$not_ready" ]; then
    echo "CRITICAL - not ready: $not_ready"
    exit $CRITICAL
fi
echo "OK - $total nodes ready"
exit $OK
