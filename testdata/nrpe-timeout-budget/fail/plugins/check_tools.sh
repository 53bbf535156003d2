#!/bin/bash
# An NRPE check (15 s): each call below can break the budget on its own,
# and each is reported (not only the first).
curl -sk https://127.0.0.1:16443/livez
curl -sk --connect-timeout 2 https://127.0.0.1:16443/readyz
wget -q -O- http://127.0.0.1:10248/healthz
wget -q -T 5 -O- http://127.0.0.1:10248/healthz
wget -q -T 2 -t 0 -O- http://127.0.0.1:10248/healthz
nc -z 127.0.0.1 19001
microk8s kubectl --request-timeout=5s delete pod stale-probe
helm upgrade web ./chart --wait
sudo systemctl restart snap.microk8s.daemon-kubelite
snap restart microk8s
microk8s enable dns
sleep infinity
