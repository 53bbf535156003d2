#!/bin/bash
# Really invalid shell: the broken lines are reported, the calls around them
# are still checked.
kubectl --request-timeout=5s get nodes
if [ -n "$x" ] then echo missing-semicolon; fi fi
kubectl get pods
case $x in
