#!/bin/sh
# Retires node3 of the cluster whose membership is in backup/.
ssh node3 sudo microk8s leave
microk8s remove-node node3
