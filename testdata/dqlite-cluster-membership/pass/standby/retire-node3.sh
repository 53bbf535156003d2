#!/bin/sh
# Three voters and a stand-by: the stand-by is promoted when node3 goes.
ssh node3 sudo microk8s leave
microk8s remove-node node3
