#!/bin/bash
# 5 s + (5 s + max(0 s, 3 s)) + 2 × 2 s + 2 s = 19 s, within check_nrpe -t 20.
microk8s kubectl --request-timeout=5s get nodes --no-headers >/dev/null || exit 2
if microk8s kubectl --request-timeout=5s get --raw /readyz >/dev/null; then
    echo OK
else
    timeout 3 microk8s status
fi
for i in 1 2; do
    curl --max-time 2 -sf "https://127.0.0.1:16443/livez" >/dev/null && break
done
microk8s kubectl --request-timeout=2s get nodes -o name | wc -l
