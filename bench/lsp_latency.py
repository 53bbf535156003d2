#!/usr/bin/env python3
"""Client-side latency of `opslint server`: time from sending a didChange of a
2,000-line script to receiving its publishDiagnostics (matched by version).

  bench/lsp_latency.py path/to/opslint [--lines 2000] [--changes 100]

Prints the median, 95th percentile and maximum in milliseconds.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def send(proc, message):
    body = json.dumps(message).encode()
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()


def receive(proc):
    length = None
    while True:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("server closed its output")
        line = line.strip()
        if not line:
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(proc.stdout.read(length))


def script(lines):
    out = ["#!/bin/bash", "set -euo pipefail", 'k() { microk8s kubectl --request-timeout=5s "$@"; }']
    i = 0
    while len(out) < lines:
        i += 1
        out.append(f"# step {i}")
        out.append(f'if ! out{i}=$(k get pods -n ns{i % 7} -o name 2>/dev/null); then')
        out.append(f'    echo "CRITICAL - step {i}"; exit 2')
        out.append("fi")
        out.append(f"microk8s kubectl get nodes --no-headers | grep -c Ready > /tmp/n{i}")
    return "\n".join(out[:lines]) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("opslint")
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument("--changes", type=int, default=100)
    args = ap.parse_args()
    root = tempfile.mkdtemp()
    path = os.path.join(root, "check_big.sh")
    text = script(args.lines)
    with open(path, "w") as f:
        f.write(text)
    uri = "file://" + path
    proc = subprocess.Popen([os.path.abspath(args.opslint), "server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=root)
    send(proc, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"processId": None, "rootUri": "file://" + root, "capabilities": {}}})
    while receive(proc).get("id") != 1:
        pass
    send(proc, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
    send(proc, {"jsonrpc": "2.0", "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": uri, "languageId": "shellscript", "version": 1, "text": text}}})
    findings = None
    while findings is None:
        m = receive(proc)
        if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
            findings = len(m["params"]["diagnostics"])
    times = []
    lines = text.split("\n")
    for v in range(2, args.changes + 2):
        # An edit in the middle of the file, as typing would make.
        lines[len(lines) // 2] = f"echo edit {v}"
        changed = "\n".join(lines)
        start = time.perf_counter()
        send(proc, {"jsonrpc": "2.0", "method": "textDocument/didChange",
                    "params": {"textDocument": {"uri": uri, "version": v}, "contentChanges": [{"text": changed}]}})
        while True:
            m = receive(proc)
            if (m.get("method") == "textDocument/publishDiagnostics"
                    and m["params"]["uri"] == uri and m["params"].get("version") == v):
                break
        times.append((time.perf_counter() - start) * 1000)
    send(proc, {"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
    send(proc, {"jsonrpc": "2.0", "method": "exit", "params": None})
    proc.wait(timeout=10)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"lsp: {args.lines}-line script, {findings} findings, {len(times)} changes: "
          f"median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
