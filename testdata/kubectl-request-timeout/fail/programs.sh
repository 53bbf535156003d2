#!/bin/bash
# Every spelling of kubectl, none bounded.
kubectl get nodes
/usr/local/bin/kubectl get pods -A
microk8s kubectl get nodes
microk8s.kubectl get pods
/snap/bin/microk8s kubectl get nodes
/snap/bin/microk8s.kubectl get nodes -o wide
k3s kubectl get nodes
oc get pods
kubectl -n kube-system get pods
kubectl --context pvek8s version
kubectl $SUBCOMMAND
# A dry run that still asks the server: `create -f` resolves resource types there,
# and a server-side dry run is a request.
kubectl create -f deploy.yaml --dry-run=client
kubectl create namespace x --dry-run=server
