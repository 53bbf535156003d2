#!/usr/bin/env bash
# The library is found beside the script: nothing to report.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kube get nodes
