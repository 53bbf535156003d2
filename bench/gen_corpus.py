#!/usr/bin/env python3
"""Generate a deterministic synthetic corpus of shell scripts for benchmarks.

  gen_corpus.py OUTDIR --kind kubectl --files 4000   # every script calls kubectl
  gen_corpus.py OUTDIR --kind sparse  --files 10000  # ~1% mention kubectl (a build tree)
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--kind", choices=["kubectl", "sparse"], default="kubectl")
    ap.add_argument("--files", type=int)
    ap.add_argument("--seed", type=int, default=20261123)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    n = args.files or (4000 if args.kind == "kubectl" else 10000)
    total = 0
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
