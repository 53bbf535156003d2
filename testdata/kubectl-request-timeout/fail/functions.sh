#!/bin/bash
k() { kubectl "$@"; }
k get nodes
k -n kube-system get pods

mk() {
  microk8s kubectl "$@"
}
mk get nodes

# A wrapper of a wrapper.
kk() { k --context pvek8s "$@"; }
kk get pods

# A function that is never called is checked where it is written.
unused() { kubectl "$@"; }

# A function with a plain call inside is checked once, in its body.
nodes() { kubectl get nodes; }
nodes
nodes
