#!/usr/bin/env python3
"""Extract the daemon flags of the containerd versions MicroK8s bundles.

Reads a local clone of https://github.com/containerd/containerd (with tags)
and prints lints/manifests/containerd.json:

    git clone https://github.com/containerd/containerd /tmp/containerd
    python3 lints/extract_containerd.py /tmp/containerd lints/manifests/microk8s.json \
        > lints/manifests/containerd.json

The versions are those that `lints/manifests/microk8s.json` records for any
track (`containerd` entries, from `build-scripts/components/containerd/version.sh`
in canonical/microk8s). The daemon's flags are the `app.Flags` of
`cmd/containerd/command/main.go` (urfave/cli: `cli.StringFlag{Name: "config,c"}`
in v1, `&cli.StringFlag{Name: "config", Aliases: []string{"c"}}` in v2) plus
`serviceFlags()` of `service_unsupported.go` (the non-Windows build: none).
urfave/cli adds `--help` and `--version` to every application: built-ins.
Each flag keeps the line of its `Name:` (`line`) and that line (`quote`).
"""
import json
import re
import subprocess
import sys

MAIN = "cmd/containerd/command/main.go"
FLAG = re.compile(r"&?cli\.(\w+)Flag\{(.*?)\n\t\t\}", re.S)


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def field(body, name):
    m = re.search(r"^\s*" + name + r":\s*(.+?),?\s*$", body, re.M)
    return m.group(1).strip() if m else None


def go_string(lit):
    return json.loads(lit) if lit and lit.startswith('"') else lit


def flags_at(repo, tag):
    text = git(repo, "show", f"{tag}:{MAIN}")
    start = text.index("app.Flags = []cli.Flag{")
    end = text.index("\n\t}\n", start)
    flags = []
    for m in FLAG.finditer(text[start:end]):
        kind, body = m.group(1).lower(), m.group(2)
        name_at = start + m.start(2) + body.index("Name:")
        line = text.count("\n", 0, name_at) + 1
        names = go_string(field(body, "Name")).split(",")
        aliases = re.search(r"Aliases:\s*\[\]string\{([^}]*)\}", body)
        shorthands = names[1:] + ([go_string(a.strip()) for a in aliases.group(1).split(",")] if aliases else [])
        value = field(body, "Value")
        flags.append({
            "name": names[0].strip(),
            "shorthand": ",".join(s.strip() for s in shorthands) or None,
            "type": kind,
            "default": value or '""',
            "usage": go_string(field(body, "Usage")) or "",
            "deprecated": None,
            "enum": None,
            "enum_source": None,
            "line": line,
            "quote": text.splitlines()[line - 1].strip(),
        })
    service = git(repo, "show", f"{tag}:cmd/containerd/command/service_unsupported.go")
    if "return nil" not in service.split("func serviceFlags()", 1)[1].split("}", 1)[0]:
        raise SystemExit(f"{tag}: serviceFlags() is not empty on Linux; extend the extractor")
    return sorted(flags, key=lambda f: f["name"])


def main():
    repo, microk8s = sys.argv[1], json.load(open(sys.argv[2]))
    wanted = sorted(
        {e["containerd"] for entries in microk8s.get("containerd", {}).values() for e in entries},
        key=lambda v: tuple(int(x) for x in v.split(".")),
    )
    versions = []
    for version in wanted:
        tag = f"v{version}"
        versions.append({
            "version": version,
            "tag": tag,
            "commit": git(repo, "rev-list", "-n", "1", tag).strip(),
            "path": MAIN,
            "flags": flags_at(repo, tag),
        })
    json.dump({
        "component": "containerd",
        "repository": "https://github.com/containerd/containerd",
        "generator": "lints/extract_containerd.py",
        # urfave/cli parses with Go's flag package, which prints this.
        "unknown_flag_error": "flag provided but not defined: -{name}",
        "versions_cover": "any version MicroK8s bundles",
        "builtin_flags": [
            {"name": "help", "shorthand": "h", "note": "added by urfave/cli to every application"},
            {"name": "version", "shorthand": "v", "note": "added by urfave/cli to every application"},
        ],
        "versions": versions,
    }, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
