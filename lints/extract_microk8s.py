#!/usr/bin/env python3
"""Which k8s-dqlite versions each MicroK8s track bundles.

Reads a local clone of https://github.com/canonical/microk8s (with its track
branches `1.NN`) and prints lints/manifests/microk8s.json:

    git clone https://github.com/canonical/microk8s /tmp/microk8s
    python3 lints/extract_microk8s.py /tmp/microk8s > lints/manifests/microk8s.json

The bundled version is what `build-scripts/components/k8s-dqlite/version.sh`
echoes. A track ships the version at the point where its branch left `master`,
then every change made on the branch: all of them are recorded, with commit and
date, because a track can bump k8s-dqlite in a patch release. The Kubernetes
patch version is not in the repository (`version.sh` of kubernetes asks
dl.k8s.io at build time), so a patch release maps to the track's range.

`containerd`: the same history for `build-scripts/components/containerd/version.sh`
(the containerd release each track bundles).

`removed_flags`: per track, the flags MicroK8s itself deletes from the args
files of kubelite's components on every start (`sanitise_args_*` functions in
`microk8s-resources/actions/common/utils.sh`, called by
`run-kubelite-with-args`): the daemon no longer accepts them. Each entry keeps
the comment that groups it in the source (`Removed dockershim flags from
1.24+`) and its line at the track's tip. Entries written `name=value` (e.g.
`feature-gates=RemoveSelfLink`) match only that value.

Track branches are read from local branches `1.NN` or, in a fresh clone,
from `origin/1.NN`.
"""
import json
import re
import subprocess
import sys

CONTAINERD = "build-scripts/components/containerd/version.sh"
UTILS = "microk8s-resources/actions/common/utils.sh"
SANITISE = re.compile(r"^(sanitise_args_\w+)\(\) \{\n(.*?)^\}", re.M | re.S)
PATH = "build-scripts/components/k8s-dqlite/version.sh"
TRACK = re.compile(r"^1\.(\d+)$")


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def version_at(repo, rev, path=PATH):
    try:
        text = git(repo, "show", f"{rev}:{path}")
    except subprocess.CalledProcessError:
        return None
    m = re.search(r'echo\s+"?v?(\d+\.\d+\.\d+)"?', text)
    return m.group(1) if m else None


def entry(repo, rev, version, key="k8s_dqlite", path=PATH):
    commit, date = git(repo, "log", "-1", "--format=%H %ad", "--date=short", rev).split()
    return {key: version, "commit": commit, "date": date, "path": path}


def history_of(repo, track, fork, key, path):
    """The component's version at the fork point, then every change on the branch."""
    history = []
    first = version_at(repo, fork, path)
    if first:
        history.append(entry(repo, fork, first, key, path))
    for rev in git(repo, "log", "--reverse", "--format=%H", f"{fork}..{track}", "--", path).split():
        v = version_at(repo, rev, path)
        if v and (not history or history[-1][key] != v):
            history.append(entry(repo, rev, v, key, path))
    return history


def removed_flags(repo, ref, track):
    """`sanitise_args_*` lists of utils.sh at `ref`, by component."""
    try:
        text = git(repo, "show", f"{ref}:{UTILS}")
    except subprocess.CalledProcessError:
        return None
    commit = git(repo, "rev-parse", ref).strip()
    components = {}
    for m in SANITISE.finditer(text):
        body = m.group(2)
        lists = re.search(r"local args=\((.*?)\n\s*\)", body, re.S)
        target = re.search(r'remove_args\s+"([^"]+)"', body)
        if not lists or not target:
            continue
        base = text[: m.start(2) + lists.start(1)].count("\n") + 1
        reason = None
        entries = []
        for n, line in enumerate(lists.group(1).split("\n")):
            line = line.strip()
            if line.startswith("#"):
                comment = line.lstrip("# ").strip()
                if not comment.startswith("http"):
                    reason = comment
                continue
            item = re.fullmatch(r'"([^"]+)"', line)
            if not item:
                continue
            name, _, value = item.group(1).partition("=")
            entries.append({"flag": name, "value": value or None, "reason": reason, "function": m.group(1), "line": base + n})
        components.setdefault(target.group(1), []).extend(entries)
    return {"branch": track, "commit": commit, "path": UTILS, "components": components}


def main():
    repo = sys.argv[1]
    refs = git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads", "refs/remotes/origin").split()
    names = {}
    for ref in refs:
        name = ref.removeprefix("origin/")
        if TRACK.match(name) and (name not in names or ref == name):
            names[name] = ref
    master = "master" if "master" in refs else "origin/master"
    tracks = sorted(names, key=lambda b: int(TRACK.match(b).group(1)))
    out = {}
    containerd = {}
    removed = {}
    for name in tracks:
        track = names[name]
        fork = git(repo, "merge-base", track, master).strip()
        history = []
        first = version_at(repo, fork)
        if first:
            history.append(entry(repo, fork, first))
        changes = git(repo, "log", "--reverse", "--format=%H", f"{fork}..{track}", "--", PATH).split()
        for rev in changes:
            v = version_at(repo, rev)
            if v and (not history or history[-1]["k8s_dqlite"] != v):
                history.append(entry(repo, rev, v))
        bundled = history_of(repo, track, fork, "containerd", CONTAINERD)
        if bundled:
            containerd[name] = bundled
        if history:
            out[name] = history
            flags = removed_flags(repo, track, name)
            if flags and flags["components"]:
                removed[name] = flags
    json.dump({
        "repository": "https://github.com/canonical/microk8s",
        "generator": "lints/extract_microk8s.py",
        "tracks": out,
        "containerd": containerd,
        "removed_flags": removed,
        "snap_revisions": [
            {
                "revision": 8695,
                "microk8s": "1.34.5",
                "source": "incident report quoted in this project's issue 4 (snap list on the affected cluster)",
            }
        ],
    }, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
