#!/bin/bash
# Warn when k8s-dqlite restarted since the last run.
state=/var/lib/nagios/dqlite-restarts
now=$(systemctl show -p NRestarts --value snap.microk8s.daemon-k8s-dqlite)
last=$(cat "$state" 2>/dev/null || echo "$now")
echo "$now" > "$state"
if [ "$now" -gt "$last" ]; then
    echo "CRITICAL - k8s-dqlite restarted $((now - last)) times since the last check"
    exit 2
fi
echo "OK - k8s-dqlite NRestarts=$now"
