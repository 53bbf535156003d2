#!/bin/bash
# Not an NRPE check: no budget applies.
microk8s kubectl --request-timeout=30s drain "$1" --ignore-daemonsets
sleep 120
