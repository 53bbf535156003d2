#!/bin/sh
# node3 leaves, but the node removed afterwards is node2.
ssh -o BatchMode=yes admin@node3 'sudo microk8s leave'
microk8s remove-node node2
