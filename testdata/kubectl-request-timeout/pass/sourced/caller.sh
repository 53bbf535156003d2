#!/usr/bin/env bash
# Bounded helpers of a sourced file; files that cannot be found or lie
# outside the project's root are not followed.
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$DIR/lib.sh"
source "$DIR/missing.sh"  # opslint: disable=analysis-limit -- not followed, on purpose
# Outside this fixture's root: never read (it defines unbounded helpers).
source "$DIR/../../fail/sourced/lib.sh"
. /etc/profile.d/not-in-the-project.sh

${KUBECTL} get nodes
kc get pods
run_with_sudo microk8s kubectl --request-timeout=5s get pods
k get svc
# `unbounded` never ran: UNBOUNDED is not set.
$UNBOUNDED get pods
# Defined only in the file outside the root.
detect_kubectl
$K8S get ns
