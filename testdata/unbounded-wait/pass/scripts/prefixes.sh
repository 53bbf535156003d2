#!/bin/bash
# Prefixes of --timeout bound the wait; --format is not --wait-ready.
microk8s status --wait --time 60
microk8s status --wait --timeout=30
microk8s status --form yaml
microk8s status --w --ti=5
