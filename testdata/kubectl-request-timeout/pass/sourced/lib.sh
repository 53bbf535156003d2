#!/usr/bin/env bash
# Bounded helpers.
KUBECTL="microk8s kubectl --request-timeout=5s"
kc() { microk8s kubectl --request-timeout=5s "$@"; }
run_with_sudo() { sudo "$@"; }
alias k='microk8s kubectl --request-timeout=5s'
# Never called by the scripts that source this file.
unbounded() { UNBOUNDED="microk8s kubectl"; }
