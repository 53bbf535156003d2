#!/usr/bin/env python3
"""Which k8s-dqlite and containerd versions each MicroK8s track bundles.

Reads a local clone of https://github.com/canonical/microk8s (its `master`
branch, track branches `1.NN` and tags `v1.NN`) and the k8s-dqlite manifest,
and prints lints/manifests/microk8s.json:

    git clone https://github.com/canonical/microk8s /tmp/microk8s
    python3 lints/extract_microk8s.py /tmp/microk8s lints/manifests/k8s-dqlite.json \
        > lints/manifests/microk8s.json

The bundled version is what `build-scripts/components/k8s-dqlite/version.sh`
echoes (before that file existed, `K8S_DQLITE_TAG` of
`build-scripts/set-env-variables.sh`, tracks 1.23 and 1.24); containerd's is
what `build-scripts/components/containerd/version.sh` echoes.

A track `1.NN` is built from two lines of history, both recorded entry by
entry with commit, date (committer date), path, line and the quoted line:

- `master` from the tag `v1.NN` (the 1.NN.0 release, always on `master`)
  until the tag `v1.(NN+1)`: `master` builds the newest stable Kubernetes
  (`build-scripts/components/kubernetes/version.sh` reads `stable.txt`), so
  its builds in that time are 1.NN builds, before and after the branch is
  cut. These entries carry `until` (the next tag's date, or none).
- the branch `1.NN` from where it left `master` (its merge base), then every
  change on it.

Only first-parent commits count (the states the branch really had). Tracks
older than their tag (1.10 to 1.17 have none) have the branch line only.

`master` as the k8s-dqlite version (MicroK8s built k8s-dqlite from its own
`master` branch, 2023-08-31 to 2024-09-03) is expanded into the untagged
k8s-dqlite versions of the manifest (`branch: master`, one per change of
flags) in effect while that entry was: each becomes an entry with that
version, dated from the later of the two dates, with `echo: master` and the
k8s-dqlite commit. A version no manifest knows stops the extractor.

The Kubernetes patch version is not in the repository (`version.sh` of
kubernetes asks dl.k8s.io at build time), so a patch release maps to the
track's range.

`removed_flags`: per track, the flags MicroK8s itself deletes from the args
files of kubelite's components on every start (`sanitise_args_*` functions in
`microk8s-resources/actions/common/utils.sh`, called by
`run-kubelite-with-args`): the daemon no longer accepts them. Each entry keeps
the comment that groups it in the source (`Removed dockershim flags from
1.24+`) and its line at the track's tip. Entries written `name=value` (e.g.
`feature-gates=RemoveSelfLink`) match only that value.

`snap_revisions`: revisions known from a public source outside
`snap-revisions.json` (the incident report of pgmac-net/incidents), each with
its address and quote; add one only with a public source.

Branches are read from local branches or, in a fresh clone, `origin/…`.
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
TAG = re.compile(r"^v1\.(\d+)$")
ECHO = re.compile(r'^\s*echo\s+"?v?([^"\s]+)"?\s*$', re.M)
SOURCES = {
    "k8s_dqlite": [
        (PATH, ECHO),
        ("build-scripts/set-env-variables.sh", re.compile(r'K8S_DQLITE_TAG:-v?([^}"]+)\}')),
    ],
    "containerd": [(CONTAINERD, ECHO)],
}


INCIDENT = ("https://github.com/pgmac-net/incidents/blob/22c6e53abcf9292d5c3a16dbc7b58d6d85c9d299/"
            "src/incidents/2026-04-12-pvek8s-dqlite-quorum-loss-complete-cluster-outage.md")
# The date is the day the report shows the revision on the node (its
# timeline, AEST): an upper bound on the upload, as a channel date is.
SNAP_REVISIONS = [
    {
        "revision": 8695,
        "microk8s": "1.34.5",
        "date": "2026-04-12",
        "sources": [
            {"url": INCIDENT + "#L333", "line": 333, "quote": "- **microk8s snap revision:** 8695"},
            {"url": INCIDENT + "#L332", "line": 332, "quote": "- **Kubernetes version:** v1.34.5"},
            {"url": INCIDENT + "#L36", "line": 36,
             "quote": "| **2026-04-12 09:27 AEST** | Incident opened (PGM-137)."},
            {"url": INCIDENT + "#L43", "line": 43,
             "quote": "| ~10:05 | **Invalid flags discovered**: manual invocation of "
                      "`/snap/microk8s/8695/bin/k8s-dqlite --snapshot-threshold=512`"},
        ],
    }
]


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def value_at(repo, rev, key):
    """(value, path, line, quote) of `key` at `rev`, or None."""
    for path, pattern in SOURCES[key]:
        try:
            text = git(repo, "show", f"{rev}:{path}")
        except subprocess.CalledProcessError:
            continue
        m = pattern.search(text)
        if m:
            line = text.count("\n", 0, m.start(1)) + 1
            return m.group(1), path, line, text.splitlines()[line - 1].strip()
    return None


def date_of(repo, rev):
    return git(repo, "log", "-1", "--format=%cd", "--date=short", rev).strip()


def entry(repo, rev, found, key, ref):
    value, path, line, quote = found
    return {key: value, "ref": ref, "commit": git(repo, "rev-parse", rev).strip(), "date": date_of(repo, rev),
            "path": path, "line": line, "quote": quote}


def line_history(repo, start, end, key, ref, include_start=True):
    """The value at `start`, then every first-parent change up to `end`."""
    history = []
    first = value_at(repo, start, key)
    if first and include_start:
        history.append(entry(repo, start, first, key, ref))
    last = first[0] if first else None
    for rev in git(repo, "log", "--first-parent", "--reverse", "--format=%H", f"{start}..{end}").split():
        found = value_at(repo, rev, key)
        if found and found[0] != last:
            history.append(entry(repo, rev, found, key, ref))
        last = found[0] if found else last
    return history


def expand_master(history, dqlite):
    """`master` entries of k8s-dqlite become the untagged versions in effect."""
    untagged = sorted((v for v in dqlite["versions"] if v.get("branch") == "master"), key=lambda v: v["date"])
    known = {v["version"] for v in dqlite["versions"]}
    out = []
    by_ref = {}
    for e in history:
        by_ref.setdefault(e["ref"], []).append(e)
    for ref, entries in by_ref.items():
        for i, e in enumerate(entries):
            if e["k8s_dqlite"] != "master":
                if e["k8s_dqlite"] not in known:
                    raise SystemExit(f"k8s-dqlite {e['k8s_dqlite']} ({e['commit']}) is not in the k8s-dqlite manifest")
                out.append(e)
                continue
            end = entries[i + 1]["date"] if i + 1 < len(entries) else e.get("until")
            start = e["date"]
            in_effect = [v for v in untagged if v["date"] <= start][-1:] + [
                v for v in untagged if start < v["date"] and (end is None or v["date"] < end)]
            if not in_effect:
                raise SystemExit(f"no k8s-dqlite master commit is known for {e['commit']}")
            for v in in_effect:
                out.append(dict(e, k8s_dqlite=v["version"], date=max(start, v["date"]), echo="master",
                                k8s_dqlite_commit=v["commit"]))
    return out


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
    repo, dqlite = sys.argv[1], json.load(open(sys.argv[2]))
    refs = git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads", "refs/remotes/origin", "refs/tags").split()
    branches, tags = {}, {}
    for ref in refs:
        name = ref.removeprefix("origin/")
        if TRACK.match(name) and (name not in branches or ref == name):
            branches[name] = ref
        if TAG.match(ref):
            tags[ref[1:]] = ref
    master = "master" if "master" in refs else "origin/master"
    key = lambda t: int(t.split(".")[1])
    tracks = sorted(set(branches) | set(tags), key=key)
    out, containerd, removed = {}, {}, {}
    for name in tracks:
        n = key(name)
        per_key = {}
        for k in ("k8s_dqlite", "containerd"):
            history = []
            if name in tags:
                following = f"1.{n + 1}"
                end = tags.get(following, master)
                until = date_of(repo, tags[following]) if following in tags else None
                for e in line_history(repo, tags[name], end, k, "master"):
                    e["until"] = until
                    history.append(e)
            if name in branches:
                fork = git(repo, "merge-base", branches[name], master).strip()
                history += line_history(repo, fork, branches[name], k, name)
            per_key[k] = history
        if per_key["k8s_dqlite"]:
            out[name] = expand_master(per_key["k8s_dqlite"], dqlite)
            flags = removed_flags(repo, branches.get(name, tags.get(name)), name)
            if flags and flags["components"]:
                removed[name] = flags
        if per_key["containerd"]:
            containerd[name] = per_key["containerd"]
    json.dump({
        "repository": "https://github.com/canonical/microk8s",
        "generator": "lints/extract_microk8s.py",
        "tracks": out,
        "containerd": containerd,
        "removed_flags": removed,
        "snap_revisions": SNAP_REVISIONS,
    }, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
