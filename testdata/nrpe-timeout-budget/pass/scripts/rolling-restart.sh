#!/bin/bash
# Not an NRPE check: no budget applies.
microk8s kubectl --request-timeout=30s drain "$1" --ignore-daemonsets --timeout=5m
sleep 120
