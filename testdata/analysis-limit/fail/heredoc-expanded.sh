#!/bin/bash
# The shell expands an unquoted body before ssh reads it: what runs on the
# node is not the text written here.
ssh "$node" <<EOF
microk8s kubectl get pods -n $NAMESPACE
EOF
