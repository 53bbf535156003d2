#!/bin/bash
sudo kubectl get nodes
sudo -u root -E microk8s kubectl get nodes
env KUBECONFIG=/etc/kube/config kubectl get nodes
env -i PATH=/snap/bin microk8s kubectl get pods
KUBECONFIG=/root/.kube/config kubectl get nodes
command kubectl get nodes
exec kubectl get nodes
nohup kubectl get pods &
time kubectl get nodes
nice -n 10 kubectl get nodes
! kubectl get nodes
timeout 0 kubectl get nodes
sudo nice -n 5 env A=b nohup kubectl get nodes
