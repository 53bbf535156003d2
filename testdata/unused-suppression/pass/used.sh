#!/bin/bash
# opslint: disable-file=unbounded-wait
microk8s kubectl drain node1 --ignore-daemonsets --request-timeout=10s
microk8s kubectl get nodes  # opslint: disable=kubectl-request-timeout -- interactive helper
# opslint: disable=kubectl-request-timeout
microk8s kubectl get pods -A
# A directive naming unused-suppression keeps its other names quietly.
microk8s kubectl --request-timeout=10s get ns  # opslint: disable=kubectl-request-timeout,unused-suppression
