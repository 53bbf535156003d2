#!/usr/bin/env python3
"""Hostile-input corpora: one directory per case, each with the canary script
that must still be reported (and, for the cases that plant links, a `victim`
file outside the tree that must keep its bytes). Usage: gen_hostile.py OUT_DIR,
then `for d in OUT_DIR/*/tree/; do (cd $d && /usr/bin/time -f "$d %e s %M KB"
opslint check --format concise . >/dev/null); done`; the writer cases want
`--write-baseline .opslint-baseline.json` or `--output-file report.sarif`.
The same inputs, smaller where the debug build needs it, are tests/hostile.rs
and tests/security.rs."""
import json
import os
import sys

CANARY = "#!/bin/bash\nmicrok8s kubectl get nodes\n"
SECRET = "TOPSECRET-4f1d"


def case(out, name, files, links=None, fifos=()):
    """Writes OUT/NAME/tree/ with `files` (path: text), `links` (path: target,
    relative targets as written, `VICTIM` for the file beside the tree) and
    `fifos` (paths), plus the canary; OUT/NAME/victim holds a secret."""
    base = os.path.join(out, name)
    tree = os.path.join(base, "tree")
    os.makedirs(tree, exist_ok=True)
    with open(os.path.join(base, "victim"), "w") as f:
        f.write(f"{SECRET}: [\n")  # a key, and a syntax error whose snippet would show it
    for path, text in files.items():
        full = os.path.join(tree, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    for path, target in (links or {}).items():
        full = os.path.join(tree, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        os.symlink(os.path.join(base, "victim") if target == "VICTIM" else target, full)
    for path in fifos:
        full = os.path.join(tree, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        os.mkfifo(full)
    with open(os.path.join(tree, "canary.sh"), "w") as f:
        f.write(CANARY)


def role(name, deps):
    """A role whose tasks restart k8s-dqlite, depending on `deps`."""
    return {f"roles/{name}/meta/main.yml": "dependencies:\n" + "".join(f"  - {d}\n" for d in deps),
            f"roles/{name}/tasks/main.yml": "- ansible.builtin.systemd:\n    name: snap.microk8s.daemon-k8s-dqlite\n"
                                            "    state: restarted\n"}


def diamond(levels):
    files = {"site.yml": "- hosts: all\n  roles:\n    - l0\n"}
    for i in range(levels):
        files.update(role(f"l{i}", [f"m{i + 1}", f"n{i + 1}"]))
        files.update(role(f"m{i + 1}", [f"l{i + 1}"]))
        files.update(role(f"n{i + 1}", [f"l{i + 1}"]))
    files.update(role(f"l{levels}", []))
    return files


def manifest(flags):
    """A user manifest (the format `opslint manifest import` writes) of `flags` flags."""
    flag = {"type": "string", "default": "", "usage": "u", "deprecated": None, "enum": None, "enum_source": None}
    return json.dumps({"component": "kubelet", "repository": "user: imported from --help",
                       "generator": "opslint manifest import", "builtin_flags": [{"name": "help"}],
                       "versions": [{"version": "1.99.0", "tag": "v1.99.0", "commit": "", "path": "--help",
                                     "flags": [{"name": f"flag-number-{i:06}", **flag} for i in range(flags)]}]})


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
    # Writers: links planted where opslint writes (run with --write-baseline / --output-file / --fix).
    case(out, "write-through-links", {".git/HEAD": ""}, {".opslint-baseline.json": "VICTIM", "report.sarif": "VICTIM",
                                                         "reports": "..", "roles": ".."})
    # Reads the walker would make: ignore files that never end, block or are huge.
    case(out, "ignore-files", {".git/info/.keep": "", "d/.gitignore": "x\n" * 10_000_000},
         {".gitignore": "/dev/zero", "a/.ignore": "/dev/zero", "b/.gitignore": "/proc/self/pagemap",
          ".git/info/exclude": "/dev/zero"}, fifos=["c/.gitignore"])
    # Walks: a role dependency cycle and a 30-level diamond (2^30 paths).
    case(out, "role-cycle", {"site.yml": "- hosts: all\n  roles:\n    - a\n", **role("a", ["b"]), **role("b", ["a"])})
    case(out, "role-diamond-30", diamond(30))
    case(out, "inventory-diamond-30", {"ansible.cfg": "[defaults]\ninventory = hosts.ini\n",
                                       "site.yml": "- hosts: g0\n  tasks:\n    - ansible.builtin.systemd:\n"
                                                   "        name: snap.microk8s.daemon-k8s-dqlite\n        state: restarted\n",
                                       "hosts.ini": "[g30]\nnode1\nnode2\nnode3\n" + "".join(
                                           f"[g{i}:children]\nh{i}\nk{i}\n[h{i}:children]\ng{i + 1}\n[k{i}:children]\ng{i + 1}\n"
                                           for i in range(30))})
    # Budgets in bytes: one 600 KiB scalar aliased 90,000 times; 2,000 links to one 4 MB manifest.
    case(out, "alias-bytes", {"group_vars/all.yml": 'big: &a "' + "A" * 600 * 1024 + '"\nl: [' + ", ".join(["*a"] * 90_000)
                              + "]\nkubectl: microk8s kubectl\n"})
    case(out, "manifest-links", {"m/kubelet.json": manifest(30_000),
                                 ".opslint.yaml": "manifests:\n" + "".join(f"  - m/l{i}.json\n" for i in range(2000))},
         {f"m/l{i}.json": "kubelet.json" for i in range(2000)})
    # Links out of the tree: named (`git ls-files | xargs opslint check`), walked, a linked first path.
    case(out, "links-out", {".git/HEAD": ""}, {"vars.yml": "VICTIM", "linked": "/etc", "roles": ".."})
    # Context reads outside the walk: a Molecule role's meta (a device, a FIFO); a discovered configuration linking out
    # (exits 2 with an error that names no key of the victim).
    case(out, "molecule-meta", {"roles/r/tasks/main.yml": "- ansible.builtin.debug:\n",
                                "roles/r/molecule/default/converge.yml": "- hosts: all\n  roles:\n    - ns.other\n"},
         {"roles/r/meta/main.yml": "/dev/zero"}, fifos=["roles/r/meta/main.yaml"])
    case(out, "config-link", {}, {".opslint.yaml": "VICTIM"})


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/hostile")
