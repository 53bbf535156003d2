#!/bin/bash
# None of these contact the API server.
kubectl config view
kubectl config use-context pvek8s
microk8s kubectl config view --raw > ~/.kube/config
kubectl completion bash > /etc/bash_completion.d/kubectl
kubectl version --client
kubectl version --client=true -o json
kubectl kustomize overlays/prod
kubectl plugin list
kubectl help
kubectl get pods --help
kubectl -h
kubectl options
kubectl proxy --port=8001 &
command -v kubectl
command -v microk8s >/dev/null || exit 3
type kubectl
which kubectl
hash kubectl 2>/dev/null
# Generators with a client-side dry run build the object locally.
microk8s kubectl create namespace cattle-system --dry-run=client -o yaml > ns.yaml
kubectl create secret generic cfg --from-file=cloud.conf --dry-run --save-config -o yaml > secret.yaml
kubectl kuberc view
