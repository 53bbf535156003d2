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
