#!/bin/bash
# Retries until the API server answers: no bound at all.
until curl -m 2 -sf https://127.0.0.1:16443/readyz; do
    sleep 1
done
sleep "${SETTLE:-5}"
