#!/bin/sh
# The host is reached by its FQDN and removed by its node name.
ssh ubuntu@node3.lan sudo microk8s leave
microk8s remove-node node3
