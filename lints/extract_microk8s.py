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
"""
import json
import re
import subprocess
import sys

PATH = "build-scripts/components/k8s-dqlite/version.sh"
TRACK = re.compile(r"^1\.(\d+)$")


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def version_at(repo, rev):
    try:
        text = git(repo, "show", f"{rev}:{PATH}")
    except subprocess.CalledProcessError:
        return None
    m = re.search(r'echo\s+"?v?(\d+\.\d+\.\d+)"?', text)
    return m.group(1) if m else None


def entry(repo, rev, version):
    commit, date = git(repo, "log", "-1", "--format=%H %ad", "--date=short", rev).split()
    return {"k8s_dqlite": version, "commit": commit, "date": date, "path": PATH}


def main():
    repo = sys.argv[1]
    branches = [b.strip().lstrip("* ") for b in git(repo, "branch", "--format=%(refname:short)").splitlines()]
    tracks = sorted((b for b in branches if TRACK.match(b)), key=lambda b: int(TRACK.match(b).group(1)))
    out = {}
    for track in tracks:
        fork = git(repo, "merge-base", track, "master").strip()
        history = []
        first = version_at(repo, fork)
        if first:
            history.append(entry(repo, fork, first))
        changes = git(repo, "log", "--reverse", "--format=%H", f"{fork}..{track}", "--", PATH).split()
        for rev in changes:
            v = version_at(repo, rev)
            if v and (not history or history[-1]["k8s_dqlite"] != v):
                history.append(entry(repo, rev, v))
        if history:
            out[track] = history
    json.dump({
        "repository": "https://github.com/canonical/microk8s",
        "generator": "lints/extract_microk8s.py",
        "tracks": out,
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
