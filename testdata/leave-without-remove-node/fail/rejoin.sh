#!/bin/bash
# Rebuild a broken node in place and join it again under the same name.
microk8s.reset
sudo snap remove microk8s --purge
sudo snap install microk8s --classic --channel=1.30/stable
microk8s join 10.0.0.1:25000/0123456789abcdef0123456789abcdef
