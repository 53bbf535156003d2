#!/bin/bash
# An NRPE check (30 s budget, check_nrpe -t 20): every call is bounded and
# they add up to 19 s.
curl -sk -m 2 https://127.0.0.1:16443/livez
curl -sk --max-time 1 --retry 1 https://127.0.0.1:16443/readyz
wget -q -T 1 -t 2 -O- http://127.0.0.1:10248/healthz
nc -z -w 1 127.0.0.1 19001
microk8s kubectl --request-timeout=2s delete pod stale-probe --wait=false
microk8s kubectl --request-timeout=2s wait --for=condition=Ready node --all --timeout=3s
etcdctl --endpoints=https://127.0.0.1:12379 --command-timeout=2s endpoint health
# A zero command timeout is an expired deadline: etcdctl fails at once.
etcdctl --endpoints=https://127.0.0.1:12379 --command-timeout=0 endpoint status
helm upgrade web ./chart --wait --timeout 2s
systemctl --no-block restart snap.microk8s.daemon-kubelite
