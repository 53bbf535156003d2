#!/bin/bash
set -euo pipefail
for n in node2 node3; do
  ssh "$n" sudo microk8s leave
  microk8s remove-node "$n"
done
