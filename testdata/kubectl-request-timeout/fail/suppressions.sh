#!/bin/bash
# opslint: disable-file=kubectl-request-timout
kubectl get nodes  # opslint: disable=kubectl-request-timeout -- interactive helper
# opslint: disable=kubectl-request-timeout
kubectl get pods
kubectl get pods   # opslint: disable=shell-parse-error
# opslint: disable=kubectl-request-timeout
echo unrelated
kubectl get svc
kubectl get ns  # opslint: disabled=kubectl-request-timeout
kubectl get ns  # opslint: disable=
# opslint: disable-file=kubectl-request-timeout
kubectl get events
