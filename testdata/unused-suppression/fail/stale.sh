#!/bin/bash
# opslint: disable-file=unbounded-wait
# A check that was fixed: its directives outlived the findings they silenced.
nodes=$(microk8s kubectl --request-timeout=10s get nodes)  # opslint: disable=kubectl-request-timeout -- slow API
# opslint: disable=kubectl-request-timeout
microk8s kubectl --request-timeout=10s get pods -A
# One name still needed, one not.
microk8s kubectl get ns  # opslint: disable=unbounded-wait,kubectl-request-timeout -- reviewed
# Names of rules that did not run, or that do not exist, are not judged here.
echo "$nodes"  # opslint: disable=missing-dqlite-monitoring,no-such-rule
