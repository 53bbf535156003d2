#!/bin/bash
# What a message says a call expands to keeps the words known only when the
# script runs as they are written.
K="kubectl --context prod"
node="$1"
$K get node/"$node" -o name
$K get pods -l "app=${APP:-web}"
