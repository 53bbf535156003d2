#!/bin/bash
# `((…))` is arithmetic to bash, which fails when it runs these words; the
# call inside is no call. Reported rather than passed silently.
((kubectl get nodes))
kubectl get pods
