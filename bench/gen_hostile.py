#!/usr/bin/env python3
"""Hostile-input corpora (issue 11): one directory per case, each with the
canary script that must still be reported. Usage: gen_hostile.py OUT_DIR, then
`for d in OUT_DIR/*/; do (cd $d && /usr/bin/time -f "$d %e s %M KB" opslint check --format concise . >/dev/null); done`.
The same inputs, smaller where the debug build needs it, are tests/hostile.rs."""
import os
import sys

CANARY = "#!/bin/bash\nmicrok8s kubectl get nodes\n"


def case(out, name, files):
    for path, text in files.items():
        full = os.path.join(out, name, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    with open(os.path.join(out, name, "canary.sh"), "w") as f:
        f.write(CANARY)


def main(out):
    bomb = "#!/bin/bash\nv0=\"kubectl get nodes\"\n" + "".join(
        f'v{i}="' + " ".join([f"$v{i-1}"] * 10) + '"\n' for i in range(1, 11)) + "$v8\n$v10\n"
    case(out, "expansion-bomb", {"bomb.sh": bomb})
    body = ('if [ -n "$x" ]; then\n  out=$(kubectl --request-timeout=5s get pods -n "$ns" | grep -c Running)\n'
            '  echo "$out" >> /tmp/log 2>&1\nfi\nfor i in a b c; do echo "$i"; done\n')
    case(out, "script-15mb", {"big.sh": "#!/bin/bash\n" + body * (15_000_000 // len(body))})
    case(out, "kubectl-900k", {"k.sh": "#!/bin/bash\n" + "kubectl get nodes\n" * 900_000})
    case(out, "args-10mb", {"args/k8s-dqlite": "--storage-dir=/var/x\n" * (10 * 1024 * 1024 // 21)})
    case(out, "nrpe-900k", {"nrpe.cfg": "".join(f"command[{i:x}]=/x\n" for i in range(900_000))
                            + "command[last]=kubectl get nodes\n"})
    case(out, "cluster-100k", {"cluster.yaml": "".join(
        f"- Address: 10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}:19001\n  ID: {1000 + i}\n  Role: 0\n"
        for i in range(100_000))})
    chained = "".join(f"kubectl apply -f - <<E{i} && \\\n" for i in range(50_000)) + "true\n" + "".join(
        f"x\nE{i}\n" for i in range(50_000))
    case(out, "heredocs-50k", {"chained.sh": "#!/bin/bash\n" + chained,
                               "consecutive.sh": "#!/bin/bash\n" + "kubectl get x <<EOF\nkubectl get x\nEOF\n" * 50_000})
    case(out, "scalar-58k-calls", {"playbooks/scalar.yml": "- hosts: all\n  tasks:\n    - shell: \"" + "kubectl get nodes\\n" * 58_000 + "\"\n"})
    case(out, "tasks-100k", {"playbooks/tasks.yml": "- hosts: all\n  handlers:\n" + "".join(f"    - name: h{i}\n      command: echo {i}\n" for i in range(1000)) + "  tasks:\n" + "".join(f"    - name: t{i}\n      shell: kubectl --request-timeout=5s get pods p{i}\n      register: r{i}\n      notify: h{i % 1000}\n" for i in range(100_000))})
    case(out, "nested-case-6mb", {"nested.sh": "#!/bin/bash\n" + "case $x in a)\n" * 286_000 + "kubectl get nodes\n" + ";; esac\n" * 286_000})
    case(out, "yaml-1m", {"playbook.yml": "- hosts: all\n  vars:\n" + "".join(f"    k{i}: v\n" for i in range(1_000_000))})


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/hostile")
