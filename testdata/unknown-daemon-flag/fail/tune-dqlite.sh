#!/bin/bash
# The incident, done by hand.
echo "--snapshot-threshold=512" >> /var/snap/microk8s/current/args/k8s-dqlite
echo '--snapshot-trailing-logs=256 --disk-mod' >> "$SNAP_DATA/args/k8s-dqlite"
printf '%s\n' --log-level=info >> /var/snap/microk8s/current/args/k8s-dqlite
echo "--snapshot-threshold=1" > /tmp/not-an-args-file
