#!/bin/sh
# The library found from the parent directory, and from the project's root.
DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT_DIR="$(cd "$DIR/.." && pwd)"
. "$ROOT_DIR/lib.sh"
detect_kubectl
$KUBECTL get nodes
