#!/bin/bash
# The else arm runs only after both elif conditions failed: 5 s + 5 s + 5 s + 1 s.
if microk8s kubectl --request-timeout=5s get --raw /readyz >/dev/null; then
    echo OK
elif microk8s kubectl --request-timeout=5s get --raw /livez >/dev/null; then
    echo WARNING
elif curl -m 5 -sf https://127.0.0.1:16443/healthz >/dev/null; then
    echo WARNING
else
    sleep 1
    exit 2
fi
