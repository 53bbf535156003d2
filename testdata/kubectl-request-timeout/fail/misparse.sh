#!/bin/bash
# Trees tree-sitter-bash builds wrongly without reporting an error: after a
# pipeline of three or more stages, a later redirect made the last stage take
# the following lines as its arguments, so these calls vanished.
kubectl get nodes | grep Ready | wc -l
kubectl get pods            # swallowed before
echo x
kubectl get ns 2>/dev/null  # swallowed before

check() {
  kubectl get nodes -o name | grep -c node | tr -d ' '
  # a comment between
  kubectl get svc >/dev/null
}

if true; then
  a | b | c
  kubectl get deploy
  d >/tmp/out
fi

# A `$` before `)` is literal in bash; tree-sitter-bash rejected the string.
msg="nodes: $(IFS=' '; echo $x | grep -v ok$)"
kubectl get events

# The target of a pipeline's redirect took the next lines (kubespray's
# contrib/offline/manage-offline-container-images.sh lost the second call).
kubectl describe pods | grep Image | awk '{print $2}' | sort | uniq > "$out"
	# a comment between
	kubectl cluster-info dump | grep -E "etcd:|pause:" | sed s@\"@@g >> "$out"

# After a redirect's target, words are still the command's; an assignment
# and a redirect before the program do not make a statement of their own.
kubectl 2>/dev/null get pods -o name
nodes=$(echo x | A=1 2>/dev/null kubectl get nodes)
time >>/tmp/log kubectl get ns

# Words after a heredoc's delimiter are the command's, also after an assignment.
KUBECONFIG=/etc/k.conf <<EOF kubectl apply -f -
apiVersion: v1
EOF

# bash runs the substitutions of an unquoted heredoc body (not of a quoted one).
cat <<EOF
nodes: $(kubectl get nodes -o name | wc -l)
pods: `kubectl get pods | wc -l`
EOF
cat <<'EOF'
$(kubectl get ns) is text here
EOF
