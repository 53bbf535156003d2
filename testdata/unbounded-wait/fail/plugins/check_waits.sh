#!/bin/bash
# An NRPE check: waits that only end when something happens.
microk8s status --wait-ready
microk8s.status -w
microk8s kubectl --request-timeout=5s -n kube-system rollout status deployment/coredns
microk8s kubectl --request-timeout=5s wait --for=condition=Ready node --all --timeout=-1s
until microk8s kubectl --request-timeout=5s get --raw /readyz; do sleep 2; done
