#!/bin/bash
set -euo pipefail
nodes=$(microk8s kubectl get nodes --no-headers | wc -l)
old=`kubectl get pods -A`
kubectl get nodes | grep -c NotReady || true
kubectl get nodes && echo ok || echo failed
if kubectl get ns default >/dev/null; then
  echo yes
elif [ "$(kubectl get nodes -o name)" = "" ]; then
  echo no
else
  kubectl get events
fi
while kubectl get pod web >/dev/null 2>&1; do sleep 1; done
for ns in $(kubectl get ns -o name); do echo "$ns"; done
case "$1" in
  nodes) kubectl get nodes ;;
  *) ( kubectl get pods ) ;;
esac
diff <(kubectl get cm a -o yaml) <(kubectl get cm b -o yaml)
check() {
  kubectl get nodes -o json | jq '.items | length'
}
check
cat <<EOF
Nodes: $(kubectl get nodes --no-headers)
EOF
[[ -n "$(kubectl get pods --field-selector=status.phase=Failed)" ]] && exit 2
