#!/usr/bin/env bash
kube() {
    kubectl --request-timeout=10s "$@"
}
