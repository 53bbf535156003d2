#!/bin/bash
# Valid bash that tree-sitter-bash rejects or misreads: opslint must neither
# report it as unparsable nor lose the calls after it.
msg="nodes: $(IFS=' '; echo $x | grep -v ok$)"
count=$(kubectl --request-timeout=5s get nodes | grep -c Ready$)
echo a$; echo b$| cat
kubectl --request-timeout=5s get nodes | grep Ready | wc -l
kubectl --request-timeout=5s get pods
kubectl --request-timeout=5s get ns 2>/dev/null
