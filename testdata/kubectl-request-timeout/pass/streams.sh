#!/bin/bash
# Streams and interactive sessions run until interrupted: `--request-timeout`
# would cut them off, so they are not this rule's (in NRPE checks and Ansible
# tasks they are unbounded-wait's).
kubectl port-forward svc/web 8080:80 &
kubectl -n web port-forward pod/web 5432 &
kubectl exec -it deploy/web -- sh
kubectl exec -ti deploy/web -- bash
kubectl exec -tt deploy/web -- top
kubectl exec -i -t deploy/web -- sh
kubectl exec --stdin --tty deploy/web -- sh
kubectl exec -i deploy/web -- psql < dump.sql
microk8s kubectl logs -f deploy/web
microk8s kubectl logs --follow=true -n kube-system ds/calico-node
kubectl logs -pf deploy/web
kubectl attach -it pod/debug
kubectl run tmp -i --rm --image=busybox --restart=Never -- sh
kubectl run tmp -it --image=busybox -- sh
kubectl get pods -w
kubectl get events --watch
kubectl get nodes --watch-only
kubectl proxy --port=8001 &
K="kubectl --context prod"
$K logs -f deploy/web
kf() { kubectl --context prod "$@"; }
kf port-forward svc/web 8080:80
