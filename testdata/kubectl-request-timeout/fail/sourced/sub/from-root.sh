#!/bin/bash
# A literal path, relative to the project's root (not to this file).
source sourced/lib.sh
kc get nodes
