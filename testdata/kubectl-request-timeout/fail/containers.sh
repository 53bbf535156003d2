#!/bin/bash
# Commands run inside containers and VMs are calls of their own.
NAME=node-1
lxc exec "$NAME" -- microk8s kubectl get pods -A
lxc exec "$NAME" --env KUBECONFIG=/var/snap/microk8s/current/credentials/client.config -- kubectl get nodes
multipass exec vm1 -- sudo microk8s kubectl get nodes
docker exec -i -u root -e A=b --workdir /tmp ctr kubectl get pods
docker container exec ctr /snap/bin/microk8s.kubectl get svc
# kubectl exec is a call itself, and so is the command after `--`.
kubectl --request-timeout=5s exec -n kube-system pod-1 -c main -- kubectl get cm
# Wrapper options read as each program's parser reads them.
sudo -iu root kubectl get nodes
nsenter -t 1 -m -W kubectl get nodes
