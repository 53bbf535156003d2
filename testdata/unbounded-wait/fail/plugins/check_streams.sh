#!/bin/bash
# An NRPE check (run by nrpe.d/microk8s.cfg): nothing here may run until interrupted.
K="microk8s kubectl --request-timeout=5s"
microk8s kubectl --request-timeout=5s logs --follow pod/web
microk8s kubectl --request-timeout=5s get pods -w
microk8s kubectl --request-timeout=5s get events --watch-only
microk8s kubectl --request-timeout=5s port-forward svc/web 8080:80 &
microk8s kubectl --request-timeout=5s proxy --port=8001 &
microk8s kubectl --request-timeout=5s attach pod/web
microk8s kubectl --request-timeout=5s exec -it pod/web -- sh -c 'echo ok'
microk8s kubectl --request-timeout=5s run probe -i --rm --image=busybox --restart=Never -- true
microk8s kubectl --request-timeout=5s cp pod/web:/tmp/x /tmp/x
$K logs -f pod/web
ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:12379 watch /registry
while true; do
  microk8s kubectl --request-timeout=5s get --raw /readyz
  sleep 10
done
# Without `--request-timeout` as well: these are this rule's, never
# kubectl-request-timeout's (a client timeout would cut them off).
microk8s kubectl exec -tt pod/web -- sh -c 'echo ok'
microk8s kubectl exec -i -t pod/web -- true
microk8s kubectl logs -f pod/web
