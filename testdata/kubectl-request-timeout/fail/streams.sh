#!/bin/bash
# A stream is not reported, but what it shares with other calls is not fixed:
# the fix of `$K get pods` would also cut `$K logs -f` off.
K="kubectl --context prod"
$K get pods
$K logs -f deploy/web
kc() { kubectl --context prod "$@"; }
kc get nodes
kc exec -tt deploy/web -- top
alias ka='kubectl --context prod'
ka get svc
ka get svc -w
# A pass-through wrapper runs whatever sub-command its caller names: the fix
# would bound them all, streams included.
kw() { kubectl --context prod "$@"; }
kw get nodes
kubectl --context prod "$@"
# A copy is cut off by a client timeout once it takes longer: no fix.
kubectl cp pod/web:/var/log/app.log /tmp/app.log
# Not streams: one request each.
kubectl logs deploy/web
kubectl get pods -A
# `"$pod"` holds the output of a call that passes the script's arguments on:
# the call below names its sub-command itself.
pod="$(kubectl get pods "$@" -o name)"
kubectl get pod "$pod" -o wide
