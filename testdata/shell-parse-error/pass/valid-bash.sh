#!/bin/bash
# Valid bash that tree-sitter-bash rejects or misreads: opslint must neither
# report it as unparsable nor lose the calls after it.
msg="nodes: $(IFS=' '; echo $x | grep -v ok$)"
count=$(kubectl --request-timeout=5s get nodes | grep -c Ready$)
echo a$; echo b$| cat
kubectl --request-timeout=5s get nodes | grep Ready | wc -l
kubectl --request-timeout=5s get pods
kubectl --request-timeout=5s get ns 2>/dev/null
# debops' pki-authority: arithmetic on an associative array in a heredoc body.
declare -A config
cat << EOF >> "$config_file"
expiration_days = ${config['root_sign_days']:-$(( config['base'] * config['mult'] ))}
EOF
for x in
do echo "$x"; done
kubectl --request-timeout=5s get pods
