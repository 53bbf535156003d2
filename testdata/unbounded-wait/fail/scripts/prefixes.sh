#!/bin/bash
# microk8s status parses its options with argparse, which takes an
# unambiguous prefix of a long option for the option.
microk8s status --wait
microk8s status --wait-r --timeout 0
microk8s.status --wai --format yaml
