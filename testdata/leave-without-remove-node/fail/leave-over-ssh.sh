#!/bin/bash
# Takes the workers out; nobody removes them from the control plane.
set -euo pipefail
for n in node2 node3; do
  ssh "$n" sudo microk8s leave
done
