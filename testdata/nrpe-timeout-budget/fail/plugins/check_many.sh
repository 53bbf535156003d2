#!/bin/bash
# An NRPE check (15 s): bounded calls that add up past the budget.
microk8s kubectl --request-timeout=5s wait --for=condition=Ready node --all
etcdctl --endpoints=https://127.0.0.1:12379 endpoint health
