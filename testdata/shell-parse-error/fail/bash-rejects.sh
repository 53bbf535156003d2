#!/bin/bash
# bash rejects this file (a `fi` with no `if`), although tree-sitter-bash
# builds a tree for it without an error: the line where bash's grammar gives
# up is reported, and the calls around it are still checked.
kubectl --request-timeout=5s get nodes
fi
kubectl get pods
