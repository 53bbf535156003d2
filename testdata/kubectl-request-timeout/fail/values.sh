#!/bin/bash
kubectl --request-timeout=0 get nodes
kubectl --request-timeout 0 get nodes
microk8s kubectl get nodes --request-timeout=0s
kubectl --request-timeout=abc get nodes
kubectl --request-timeout=10 get nodes --request-timeout=0
kubectl get nodes --request-timeout=5x
