#!/bin/bash
NAME=node-1
lxc exec "$NAME" -- microk8s kubectl --request-timeout=10s get pods -A
multipass exec vm1 -- sudo microk8s kubectl get nodes --request-timeout=5s
docker exec -i -e A=b ctr kubectl --request-timeout 5s get pods
kubectl --request-timeout=5s exec pod-1 -- kubectl --request-timeout=5s get cm
# Not a command: a container name and the words of echo.
docker exec ctr echo kubectl get pods
lxc exec "$NAME" -- ls /var/snap/microk8s
