#!/bin/bash
set -eu
ARGS=/var/snap/microk8s/current/args/k8s-dqlite
echo "--log-level=debug" | sudo tee -a "$ARGS"
sudo sed -i '$a --disk-mode=true' "$ARGS"
# Not an args file, not an append:
echo "--snapshot-threshold=512" | tee -a /tmp/notes
sed -i 's/--debug/--log-level=debug/' "$ARGS"
sed -n '$a --whatever' "$ARGS"
