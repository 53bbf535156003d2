#!/usr/bin/env bash
# A library that is not in the repository.
. "$(dirname "$0")/lib/not-there.sh"

kubectl --request-timeout=5s get nodes
