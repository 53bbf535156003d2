#!/usr/bin/env python3
"""Generate a deterministic synthetic corpus of shell scripts for benchmarks.

  gen_corpus.py OUTDIR --kind kubectl --files 4000   # every script calls kubectl
  gen_corpus.py OUTDIR --kind sparse  --files 10000  # ~1% mention kubectl (a build tree)
  gen_corpus.py OUTDIR --kind ansible --files 200    # roles: tasks, handlers, defaults, a playbook
  gen_corpus.py OUTDIR --kind mixed   --files 10000  # an ops repository: scripts, roles, NRPE, args
  gen_corpus.py OUTDIR --kind scale                  # one big script and one big task file per size
  gen_corpus.py OUTDIR --kind sourced --files 1500   # scripts sourcing a tree of big shared libraries
"""
import argparse
import os
import random

KUBECTL_CALLS = [
    "kubectl get nodes --no-headers",
    "microk8s kubectl get pods -A --request-timeout=10s",
    "$KUBECTL get pods -n {ns} -o wide",
    "timeout 10 kubectl get svc -n {ns}",
    "sudo microk8s kubectl get nodes -o name",
    "kubectl config view --minify",
    "k get deploy -n {ns}",
    "kubectl --request-timeout=5s get events -n {ns}",
    "/snap/bin/microk8s.kubectl get --raw /readyz",
]

SHELL_BLOCKS = [
    '''if [ -z "${{{var}:-}}" ]; then
    echo "missing {var}" >&2
    exit 3
fi''',
    '''for f in /var/log/{name}/*.log; do
    [ -f "$f" ] || continue
    lines=$(wc -l < "$f")
    total=$((total + lines))
done''',
    '''case "${{1:-}}" in
    -w) warn="$2"; shift 2 ;;
    -c) crit="$2"; shift 2 ;;
    *) ;;
esac''',
    '''{name}_status() {{
    local rc=0
    systemctl is-active --quiet snap.microk8s.daemon-{name} || rc=$?
    echo "$rc"
}}''',
    '''cat <<EOF > /tmp/{name}.conf
# generated
key={var}
value=$(date +%s)
EOF''',
    '''while read -r line; do
    case "$line" in
        *ERROR*) errors=$((errors + 1)) ;;
    esac
done < <(journalctl -u {name} --since "-10min" --no-pager)''',
    '''usage=$(df -P / | awk 'NR==2 {{print $5}}' | tr -d '%')
if [ "$usage" -gt 90 ]; then
    echo "CRITICAL - disk at ${{usage}}%"
fi''',
    '''result=$(curl -sf --max-time 5 "http://127.0.0.1:{port}/healthz" || echo fail)
[ "$result" = "ok" ] || echo "WARNING - {name} health: $result"''',
]

BUILD_BLOCKS = [
    '''./configure --prefix=/usr --sysconfdir=/etc --enable-{name}
make -j"$(nproc)"
make DESTDIR="$pkgdir" install''',
    '''for patch in "$srcdir"/*.patch; do
    patch -Np1 -i "$patch"
done''',
    '''install -Dm644 LICENSE "$pkgdir/usr/share/licenses/{name}/LICENSE"
install -Dm755 {name} "$pkgdir/usr/bin/{name}"''',
    '''sed -i 's|/usr/local|/usr|g' Makefile
tar -xzf "{name}-$pkgver.tar.gz" -C "$srcdir"''',
    '''if command -v apt-get >/dev/null; then
    apt-get install -y --no-install-recommends {name}
fi''',
    '''build_{name}() {{
    cd "$srcdir/{name}-$pkgver"
    cmake -B build -DCMAKE_BUILD_TYPE=Release
    cmake --build build
}}''',
]

WORDS = ["dqlite", "kubelite", "apiserver", "containerd", "calico", "etcd", "flannel", "coredns", "ingress", "storage"]


def fill(rng, block):
    return block.format(
        var=rng.choice(WORDS).upper(),
        name=rng.choice(WORDS),
        ns=rng.choice(["kube-system", "default", "monitoring", "ingress"]),
        port=rng.choice([16443, 10250, 19001, 25000]),
    )


def kubectl_script(rng, size):
    parts = [
        "#!/bin/bash",
        f"# Nagios check {rng.randrange(10**6)}",
        "set -euo pipefail",
        'KUBECTL="microk8s kubectl"',
        'k() { microk8s kubectl "$@"; }',
        "total=0; errors=0",
    ]
    while sum(len(p) + 1 for p in parts) < size:
        if rng.random() < 0.35:
            call = fill(rng, rng.choice(KUBECTL_CALLS))
            form = rng.randrange(3)
            if form == 0:
                parts.append(f"out=$({call} 2>/dev/null || true)")
            elif form == 1:
                parts.append(f"{call} | grep -c Ready || true")
            else:
                parts.append(f"if ! {call} >/dev/null; then echo 'CRITICAL'; exit 2; fi")
        else:
            parts.append(fill(rng, rng.choice(SHELL_BLOCKS)))
    return "\n".join(parts) + "\n"


def build_script(rng, size, mention):
    parts = ["#!/bin/sh", f"# build recipe {rng.randrange(10**6)}", "set -e", 'pkgver=1.2.3']
    while sum(len(p) + 1 for p in parts) < size:
        parts.append(fill(rng, rng.choice(BUILD_BLOCKS)))
    if mention:
        parts.append("kubectl apply -f deploy.yaml")
    return "\n".join(parts) + "\n"


TASKS = [
    """- name: Set {name} flag
  ansible.builtin.lineinfile:
    path: /var/snap/microk8s/current/args/k8s-dqlite
    regexp: '^--log-level(=|\\s|$)'
    line: --log-level=info
  notify: Restart k8s-dqlite""",
    """- name: Check {name} nodes
  ansible.builtin.command: microk8s kubectl --request-timeout=10s get nodes -o name
  register: {var_l}_nodes
  changed_when: false""",
    """- name: Pods in {ns}
  ansible.builtin.shell: |
    set -o pipefail
    microk8s kubectl get pods -n {ns} | grep -c Running
  changed_when: false""",
    """- name: Install {name}
  ansible.builtin.apt:
    name: "{name}"
    state: present""",
    """- name: Template {name}
  ansible.builtin.template:
    src: {name}.conf.j2
    dest: /etc/{name}.conf
    mode: "0644"
  notify: Restart k8s-dqlite""",
    """- name: Wait for {name}
  ansible.builtin.wait_for:
    port: {port}
    timeout: 60""",
]

HANDLERS = """- name: Restart k8s-dqlite
  ansible.builtin.systemd:
    name: snap.microk8s.daemon-k8s-dqlite
    state: restarted
  notify: Wait for MicroK8s

- name: Wait for MicroK8s
  ansible.builtin.command: microk8s status --wait-ready --timeout 300
  changed_when: false
"""


def fill_task(rng, task):
    name = rng.choice(WORDS)
    return task.format(
        name=name,
        var_l=name.lower(),
        ns=rng.choice(["kube-system", "default", "monitoring", "ingress"]),
        port=rng.choice([16443, 19001, 25000]),
    )


def role(rng, root, i, tasks):
    base = os.path.join(root, "roles", f"role_{i:04d}")
    files = {
        "tasks/main.yml": "---\n" + "\n\n".join(fill_task(rng, rng.choice(TASKS)) for _ in range(tasks)) + "\n",
        "handlers/main.yml": "---\n" + HANDLERS,
        "defaults/main.yml": f"---\nrole_{i}_enabled: true\nrole_{i}_port: {rng.choice([16443, 19001])}\n",
    }
    total = 0
    for rel, text in files.items():
        path = os.path.join(base, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        total += len(text)
    return len(files), total


def nrpe_cfg(rng, n):
    lines = ["command_timeout=30"]
    for i in range(n):
        lines.append(f"command[check_{i:04d}]=/usr/lib/nagios/plugins/check_{i:05d}.sh")
    return "\n".join(lines) + "\n"


def library(rng, i, libs, functions):
    """A big helper library: wrapper functions that forward their arguments,
    helpers that set variables, and plain functions; it sources the next
    libraries (and, as real libraries do, the first one again: a cycle)."""
    out = ["#!/usr/bin/env bash", "set -euo pipefail",
           'lib_dir_%d="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"' % i]
    for j in (i + 1, i + 2, 0):
        if j < libs and j != i:
            out.append("# shellcheck source=SCRIPTDIR/lib%02d.sh" % j)
            out.append('. "$lib_dir_%d/lib%02d.sh"' % (i, j))
    out.append('KUBECTL_%d="${KUBECTL_%d:-microk8s kubectl}"' % (i, i))
    for f in range(functions):
        name = f"l{i:02d}_f{f:04d}"
        shape = f % 4
        if shape == 0:
            body = f'    $KUBECTL_{i} --request-timeout=10s "$@"'
        elif shape == 1:
            body = f'    kubectl get "$@" -o name'
        elif shape == 2:
            body = f'    local out\n    out="$(l{i:02d}_f{(f + 1) % functions:04d} {rng.choice(["pods", "nodes", "svc"])})"\n    echo "$out"'
        else:
            # Not indented: a heredoc's end marker must start its line.
            body = fill(rng, rng.choice(SHELL_BLOCKS))
        out.append(f"{name}() {{\n{body}\n}}")
    return "\n\n".join(out) + "\n"


def sourced_script(rng, i, libs, functions):
    """A script that sources the first library (which sources the rest) and
    calls a few of its wrappers."""
    out = ["#!/usr/bin/env bash", "set -euo pipefail",
           'srcdir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"',
           "# shellcheck source=SCRIPTDIR/../lib/lib00.sh",
           '. "$srcdir/../lib/lib00.sh"']
    for _ in range(rng.randrange(3, 12)):
        lib = rng.randrange(libs)
        f = rng.randrange(functions // 4) * 4 + rng.choice([0, 1, 3])
        out.append(f"l{lib:02d}_f{f:04d} {rng.choice(['get pods -A', 'nodes', 'get --raw /readyz', '-n kube-system get svc'])}")
        if rng.random() < 0.3:
            out.append(fill(rng, rng.choice(SHELL_BLOCKS)))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--kind", choices=["kubectl", "sparse", "ansible", "mixed", "scale", "sourced"], default="kubectl")
    ap.add_argument("--files", type=int)
    ap.add_argument("--seed", type=int, default=20261123)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    if args.kind == "ansible":
        n = args.files or 200
        files = total = 0
        for i in range(n):
            f, t = role(rng, args.outdir, i, rng.randrange(10, 40))
            files += f
            total += t
        play = "---\n- name: Control plane\n  hosts: microk8s\n  serial: 1\n  roles:\n" + "".join(
            f"    - role_{i:04d}\n" for i in range(n)
        )
        with open(os.path.join(args.outdir, "site.yml"), "w") as f:
            f.write(play)
        print(f"ansible: {n} roles, {files + 1} files, {total + len(play)} bytes in {args.outdir}")
        return
    if args.kind == "sourced":
        # A tree of big sourced libraries (8 of 400 functions, sourcing each
        # other) and scripts that each source the first one.
        n = args.files or 1500
        libs, functions = 8, 400
        total = 0
        os.makedirs(os.path.join(args.outdir, "lib"), exist_ok=True)
        os.makedirs(os.path.join(args.outdir, "bin"), exist_ok=True)
        for i in range(libs):
            text = library(rng, i, libs, functions)
            with open(os.path.join(args.outdir, "lib", f"lib{i:02d}.sh"), "w") as f:
                f.write(text)
            total += len(text)
        for i in range(n):
            text = sourced_script(rng, i, libs, functions)
            with open(os.path.join(args.outdir, "bin", f"task_{i:05d}.sh"), "w") as f:
                f.write(text)
            total += len(text)
        print(f"sourced: {libs} libraries of {functions} functions, {n} scripts, {total} bytes in {args.outdir}")
        return
    if args.kind == "scale":
        # For each size: one script and one task file, to show time grows linearly.
        for mult in (1, 2, 4, 8):
            d = os.path.join(args.outdir, f"x{mult}")
            os.makedirs(d, exist_ok=True)
            script = kubectl_script(rng, 128 * 1024 * mult)
            with open(os.path.join(d, "big.sh"), "w") as f:
                f.write(script)
            tasks = "---\n" + "\n\n".join(fill_task(rng, rng.choice(TASKS)) for _ in range(625 * mult)) + "\n"
            os.makedirs(os.path.join(d, "roles/big/tasks"), exist_ok=True)
            with open(os.path.join(d, "roles/big/tasks/main.yml"), "w") as f:
                f.write(tasks)
            print(f"scale x{mult}: script {len(script)} bytes, {625 * mult} tasks ({len(tasks)} bytes)")
        return
    n = args.files or (4000 if args.kind == "kubectl" else 10000)
    total = 0
    if args.kind == "mixed":
        # An ops repository: ~30% NRPE check scripts, ~30% Ansible role files,
        # ~30% other scripts and text, a few args files and NRPE configs.
        checks = 0
        i = 0
        while i < n:
            r = rng.random()
            d = os.path.join(args.outdir, f"area{i // 500:02d}")
            if r < 0.3:
                path = os.path.join(d, "nagios/plugins", f"check_{checks:05d}.sh")
                text = kubectl_script(rng, rng.randrange(1024, 4096))
                checks += 1
                made = 1
            elif r < 0.6:
                made, t = role(rng, d, i, rng.randrange(5, 20))
                total += t
                i += made
                continue
            elif r < 0.62:
                path = os.path.join(d, f"snap{i:05d}/args", "k8s-dqlite")
                text = "--storage-dir=${SNAP_DATA}/var/kubernetes/backend/\n--listen=unix://${SNAP_DATA}/var/kubernetes/backend/kine.sock:12379\n"
                made = 1
            elif r < 0.9:
                path = os.path.join(d, "scripts", f"build_{i:05d}.sh")
                text = build_script(rng, rng.randrange(1024, 4096), rng.random() < 0.05)
                made = 1
            else:
                path = os.path.join(d, "docs", f"notes_{i:05d}.md")
                text = "Runbook notes.\n" * rng.randrange(20, 200)
                made = 1
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            total += len(text)
            i += made
        cfg = nrpe_cfg(rng, checks)
        os.makedirs(os.path.join(args.outdir, "nagios/nrpe.d"), exist_ok=True)
        with open(os.path.join(args.outdir, "nagios/nrpe.d/checks.cfg"), "w") as f:
            f.write(cfg)
        print(f"mixed: {i + 1} files, {total + len(cfg)} bytes in {args.outdir}")
        return
    for i in range(n):
        d = os.path.join(args.outdir, f"d{i // 50:03d}")
        os.makedirs(d, exist_ok=True)
        if args.kind == "kubectl":
            name, text = f"check_{i:05d}.sh", kubectl_script(rng, rng.randrange(4096, 8192))
        elif rng.random() < 0.10:
            name, text = f"notes_{i:05d}.txt", "Build notes.\n" * rng.randrange(20, 200)
        else:
            name, text = f"build_{i:05d}.sh", build_script(rng, rng.randrange(1024, 8192), rng.random() < 0.01)
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
        total += len(text)
    print(f"{args.kind}: {n} files, {total} bytes in {args.outdir}")


if __name__ == "__main__":
    main()
