#!/bin/bash
# Interactive helper, run by hand only.
# opslint: disable-file=kubectl-request-timeout -- interactive use
kubectl get nodes
kubectl get pods -A
