#!/bin/bash
set -eu
ARGS=/var/snap/microk8s/current/args/k8s-dqlite
echo "--snapshot-threshold=512" | sudo tee -a /var/snap/microk8s/current/args/k8s-dqlite
sudo sed -i '$a --snapshot-trailing-logs=256' "$ARGS"
sed -i -e '/^--storage-dir/a\--disk-mod=true' /var/snap/microk8s/current/args/k8s-dqlite
