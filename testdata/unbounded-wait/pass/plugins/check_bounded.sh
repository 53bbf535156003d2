#!/bin/bash
# An NRPE check whose waits are all bounded.
microk8s kubectl --request-timeout=3s logs --tail=20 pod/web
microk8s kubectl --request-timeout=3s get pods --watch=false
microk8s kubectl --request-timeout=3s exec pod/web -- true
for i in 1 2 3; do
  microk8s kubectl --request-timeout=1s get --raw /readyz && break
done
