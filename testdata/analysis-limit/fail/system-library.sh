#!/bin/bash
# A library of the machine the script runs on: not in the project, so what it
# defines is not known (whether this machine has such a file says nothing).
. /etc/default/microk8s-backup
microk8s kubectl --request-timeout=5s get nodes
