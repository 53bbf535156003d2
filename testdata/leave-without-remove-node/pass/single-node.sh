#!/bin/bash
# A single-node development cluster: reset and uninstall (no cluster to keep it).
microk8s reset
sudo snap remove microk8s --purge
