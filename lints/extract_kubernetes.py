#!/usr/bin/env python3
"""Removed and deprecated flags and feature gates of kubelite's components.

Reads a kubernetes/kubernetes tree (CHANGELOG/CHANGELOG-1.NN.md) and a
kubernetes/website tree (the feature-gate pages) and prints
lints/manifests/kubernetes.json:

    git clone --depth 1 https://github.com/kubernetes/kubernetes /tmp/kubernetes
    git clone --depth 1 https://github.com/kubernetes/website /tmp/website
    python3 lints/extract_kubernetes.py /tmp/kubernetes /tmp/website > lints/manifests/kubernetes.json

Either tree may also be a plain folder holding only some of the files (the
same relative paths); then pass `--sources FILE`, a JSON object
{"kubernetes/kubernetes": {path: commit}, "kubernetes/website": {path: commit},
"coverage": {path: text}} naming the commit each file was read at and what
part of it the folder holds. Without it the commit is the tree's `HEAD`.

What is extracted (stdlib only, nothing is written by hand):

* flags: every bullet of a `# v1.NN...` section of CHANGELOG-1.NN.md (NN in
  25..36) that names a `--flag` and one of the five components (kubelet,
  kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy) and says
  removed (-> `removed_flags`, removed_in = NN) or deprecated
  (-> `deprecated_flags`, deprecated_in = NN unless the line says "already
  deprecated").  Bullets about kubeadm or kubectl are skipped, and so are the
  bullets listed in NOT_FLAG_CHANGES (read, and found not to remove or
  deprecate the flag they name).
* feature gates: (1) the table of feature-gates-removed/index.md (rows
  `| `Name` | default | Stage | From | To |`): the page says "To" is "the last
  Kubernetes release in which you can still use a feature gate", so
  removed_in = last To + 1; (2) feature-gates/*.md with `removed: true` in
  their front matter: removed_in = last toVersion + 1; (3) changelog bullets
  that say a named feature gate was removed (removed_in = NN), locked
  (locked_default from "locked to `true`"/"enabled" or "false"), or
  deprecated; "feature gate was renamed from `Old` to `New`" removes `Old`.
  Where sources disagree the latest removal wins (removed_in is kept
  conservative) and the others are kept under `other_sources`.
  A flag line that names no component is not guessed: it goes to `notes`.
"""
import json
import os
import re
import subprocess
import sys

MINORS = [f"1.{n}" for n in range(25, 37)]
COMPONENTS = {
    "kubelet": re.compile(r"\bkubelet\b(?!-)", re.I),
    "kube-apiserver": re.compile(r"\bkube-apiserver\b|\bapiserver\b|`api-server`", re.I),
    "kube-controller-manager": re.compile(r"\bkube-controller-manager\b|\bKCM\b", re.I),
    "kube-scheduler": re.compile(r"\bkube-scheduler\b", re.I),
    "kube-proxy": re.compile(r"\bkube-proxy\b", re.I),
}
FLAG = re.compile(r"[`\"'](--[a-z0-9][a-z0-9-]*)[`\"'=]")
# "Removed flag `master-service-namespace` from ..." (the flag named without its dashes)
BARE_FLAG = re.compile(r"\bflag `([a-z][a-z0-9]*(?:-[a-z0-9]+)+)`", re.I)
# flags named after these words are the replacements, not the flags removed or deprecated
REPLACEMENT = re.compile(r"\b(please use|use|instead|replaced by|in favou?r of|migrate to)\b", re.I)
# never a removed or deprecated flag itself (lines say gates "must no longer be referenced in `--feature-gates`")
NOT_REMOVED_FLAGS = {"--feature-gates"}
NOT_A_COMPONENT_LINE = re.compile(r"^\s*(kubeadm|kubectl)\b|^\s*`kubeadm`", re.I)
REMOVED = re.compile(r"\b(removed|removing|dropped)\b|(?:^|:\s*)remove\b", re.I)
FUTURE = re.compile(r"(will be removed|to be removed|removed in a future|scheduled to be removed|removal in|"
                    r"future release|in a future|subsequent release)", re.I)
DEPRECATED = re.compile(r"deprecat", re.I)
PLANNED = re.compile(r"(?:removed|removal) in v?(1\.\d+)", re.I)
# Bullets that name a flag next to "removed" but do not remove or deprecate it.
NOT_FLAG_CHANGES = {
    "128197": "kube-controller-manager keeps --cloud-provider; only values other than \"external\" or empty became invalid",
}
GATE_LINE = re.compile(r"feature[- ]?gates?\b|\bfeature `", re.I)
GATE_NAME = re.compile(r"`([A-Z][A-Za-z0-9]+)`|\"([A-Z][A-Za-z0-9]+)\"|feature[- ]gate ([A-Z][A-Za-z0-9]+)")
LOCK = re.compile(r"\block(?:ed)?\b", re.I)
# "The feature gate was renamed from `Old` to `New`": the old name is gone in that release
RENAMED = re.compile(r"feature[- ]?gate was renamed from `([A-Z][A-Za-z0-9]+)` to `([A-Z][A-Za-z0-9]+)`", re.I)
ROW = re.compile(r"^\|\s*`([A-Za-z0-9]+)`\s*\|\s*(`?[a-z-]+`?)\s*\|\s*([A-Za-z]+)\s*\|\s*([0-9.]+|-)\s*\|\s*([0-9.]+|-)\s*\|")
STAGE_NAMES = {"alpha": "alpha", "beta": "beta", "ga": "stable", "stable": "stable", "deprecated": "deprecated"}
CHANGELOG = "CHANGELOG/CHANGELOG-{}.md"
GATES_REMOVED = "content/en/docs/reference/command-line-tools-reference/feature-gates-removed/index.md"
GATES_DIR = "content/en/docs/reference/command-line-tools-reference/feature-gates"


def next_minor(v):
    major, minor = v.split(".")
    return f"{major}.{int(minor) + 1}"


def minor_key(v):
    return tuple(int(x) for x in v.split("."))


class Tree:
    def __init__(self, root, repo, sources):
        self.root, self.repo = root, repo
        self.commits = sources.get(repo, {})
        self.coverage = sources.get("coverage", {})
        self.head = None
        if not self.commits:
            self.head = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], check=True,
                                       capture_output=True, text=True).stdout.strip()

    def read(self, path):
        full = os.path.join(self.root, path)
        if not os.path.exists(full):
            return None
        with open(full, encoding="utf-8") as f:
            return f.read()

    def commit(self, path):
        return self.commits.get(path) or self.head

    def url(self, path):
        return f"https://github.com/{self.repo}/blob/{self.commit(path)}/{path}"


def bullets(text):
    """(release header, bullet text) of every `- ` bullet, continuation lines joined."""
    release, current, out = None, None, []
    for line in text.splitlines():
        m = re.match(r"^# (v\d+\.\d+\.\d+\S*)", line)
        if m or line.startswith("#"):
            if current:
                out.append((current[0], " ".join(current[1]).strip()))
                current = None
            if m:
                release = m.group(1)
            continue
        b = re.match(r"^\s{0,2}- (.*)", line)
        if b:
            if current:
                out.append((current[0], " ".join(current[1]).strip()))
            current = (release, [b.group(1).strip()])
        elif current is not None:
            if line.strip():
                current[1].append(line.strip())
    if current:
        out.append((current[0], " ".join(current[1]).strip()))
    return out


def pr_of(text):
    m = re.search(r"kubernetes/kubernetes/pull/(\d+)", text)
    return m.group(1) if m else None


def changelog_entries(k8s, notes):
    flags = {c: {"removed": [], "deprecated": []} for c in COMPONENTS}
    gates = []
    for minor in MINORS:
        path = CHANGELOG.format(minor)
        text = k8s.read(path)
        if text is None:
            continue
        for release, b in bullets(text):
            if not release or not release.startswith(f"v{minor}."):
                continue
            # the note itself, without the trailing PR/author links and SIG list
            quote = re.sub(r"\s+", " ", b)
            pr = pr_of(b)
            src = k8s.url(path)
            if GATE_LINE.search(b) and not NOT_A_COMPONENT_LINE.search(b):
                gates.extend(gate_changes(b, quote, minor, src))
            head = REPLACEMENT.split(b, maxsplit=1)[0]
            names = sorted((set(FLAG.findall(head)) | {"--" + n.lower() for n in BARE_FLAG.findall(head)})
                           - NOT_REMOVED_FLAGS)
            if not names or NOT_A_COMPONENT_LINE.search(b):
                continue
            if pr in NOT_FLAG_CHANGES:
                notes.append(f"{minor}: not counted as a flag change (PR #{pr}): {NOT_FLAG_CHANGES[pr]}")
                continue
            comps = [c for c, rx in COMPONENTS.items() if rx.search(b)]
            kind = None
            if REMOVED.search(b) and not FUTURE.search(b):
                kind = "removed"
            elif DEPRECATED.search(b):
                kind = "deprecated"
            if kind is None:
                continue
            if not comps:
                notes.append(f"{minor}: {kind} flag(s) {', '.join(names)} left out: the line names no component "
                             f"(PR #{pr}): {quote}")
                continue
            for c in comps:
                for name in names:
                    if kind == "removed":
                        flags[c]["removed"].append({
                            "flag": name, "removed_in": minor,
                            "deprecated_in": None, "source": src, "quote": quote})
                    else:
                        already = re.search(r"already deprecated", b, re.I)
                        planned = PLANNED.search(b)
                        flags[c]["deprecated"].append({
                            "flag": name, "deprecated_in": None if already else minor,
                            "listed_in": minor,
                            "removal_planned_in": planned.group(1) if planned else None,
                            "source": src, "quote": quote})
    return flags, gates


def gate_changes(b, quote, minor, src):
    names = []
    for m in GATE_NAME.finditer(b):
        n = m.group(1) or m.group(2) or m.group(3)
        if n not in names and n not in ("GA", "API", "DRA", "CRI", "CSI", "CEL"):
            names.append(n)
    if not names:
        return []
    out = []
    lower = b.lower()
    renamed = RENAMED.search(b)
    if renamed:
        return [{"name": renamed.group(1), "kind": "removed", "minor": minor, "value": None,
                 "source": src, "quote": quote}]
    if REMOVED.search(b) and not FUTURE.search(b) and "feature gate" in re.sub(r"feature[- ]?gate", "feature gate", lower):
        kind = "removed"
    elif LOCK.search(b):
        kind = "locked"
    elif DEPRECATED.search(b):
        kind = "deprecated"
    else:
        return []
    value = None
    if kind == "locked":
        if re.search(r"locked to (`true`|true|enabled)", b, re.I):
            value = True
        elif re.search(r"locked to (`false`|false|disabled)", b, re.I):
            value = False
    for n in names:
        out.append({"name": n, "kind": kind, "minor": minor, "value": value, "source": src, "quote": quote})
    return out


def front_matter(text):
    m = re.match(r"^---\n(.*?)\n---", text, re.S)
    if not m:
        return None
    fm = m.group(1)
    stages = []
    for line in fm.splitlines():
        kv = re.match(r"^\s*(-\s*)?(stage|defaultValue|fromVersion|toVersion|locked):\s*(.*)$", line)
        if not kv:
            continue
        if kv.group(2) == "stage":
            stages.append({})
        if not stages:
            continue
        val = kv.group(3).strip().strip('"')
        if kv.group(2) in ("defaultValue", "locked"):
            val = {"true": True, "false": False}.get(val, val)
        stages[-1][kv.group(2)] = val
    return {"removed": bool(re.search(r"^removed:\s*true", fm, re.M)), "stages": stages, "text": fm}


def website_gates(web):
    gates = {}
    text = web.read(GATES_REMOVED)
    if text:
        rows = {}
        for line in text.splitlines():
            m = ROW.match(line)
            if m:
                rows.setdefault(m.group(1), []).append((m, line.strip()))
        for name, rs in rows.items():
            stages = []
            for m, _ in rs:
                default = m.group(2).strip("`")
                stages.append({"stage": STAGE_NAMES.get(m.group(3).lower(), m.group(3).lower()),
                               "defaultValue": {"true": True, "false": False}.get(default),
                               "fromVersion": m.group(4), "toVersion": None if m.group(5) == "-" else m.group(5)})
            last = stages[-1]
            gates[name] = {
                "name": name,
                "removed_in": next_minor(last["toVersion"]) if last["toVersion"] else None,
                "last_stage": last["stage"], "locked_default": None, "stages": stages,
                "source": web.url(GATES_REMOVED), "quote": rs[-1][1],
                "derivation": "removed_in = last \"To\" + 1 (the page: \"To\" is the last release in which the gate can still be used)",
            }
    gdir = os.path.join(web.root, GATES_DIR)
    if os.path.isdir(gdir):
        for fn in sorted(os.listdir(gdir)):
            if not fn.endswith(".md"):
                continue
            path = f"{GATES_DIR}/{fn}"
            fm = front_matter(web.read(path))
            if not fm or not fm["removed"] or not fm["stages"]:
                continue
            last = fm["stages"][-1]
            name = fn[:-3]
            snippet = re.search(r"stages:.*", fm["text"], re.S).group(0)
            gates[name] = {
                "name": name,
                "removed_in": next_minor(last["toVersion"]) if last.get("toVersion") else None,
                "last_stage": last.get("stage"),
                "locked_default": last.get("defaultValue") if last.get("locked") else None,
                "stages": fm["stages"], "source": web.url(path),
                "quote": re.sub(r"\s+", " ", snippet).strip(),
                "derivation": "removed_in = last toVersion + 1 (front matter `removed: true`)",
            }
    return gates


def merge_gates(web, changes):
    gates = dict(web)
    by_name = {}
    for ch in changes:
        by_name.setdefault(ch["name"], []).append(ch)
    for name, chs in by_name.items():
        removals = sorted((c for c in chs if c["kind"] == "removed"), key=lambda c: minor_key(c["minor"]))
        locks = [c for c in chs if c["kind"] == "locked"]
        deps = [c for c in chs if c["kind"] == "deprecated"]
        g = gates.get(name)
        if g is None:
            g = {"name": name, "removed_in": None, "last_stage": None, "locked_default": None,
                 "stages": [], "source": None, "quote": None}
            gates[name] = g
        others = g.setdefault("other_sources", [])
        if removals and g["removed_in"] and minor_key(g["removed_in"]) > minor_key(removals[-1]["minor"]):
            # the website puts the removal later than the changelog did: keep the later minor
            for c in removals:
                others.append({"source": c["source"], "quote": c["quote"], "removed_in": c["minor"],
                               "note": "the changelog says removed earlier; the later removed_in is kept"})
            removals = []
        if removals:
            latest = removals[-1]
            if g["source"]:
                others.append({"source": g["source"], "quote": g["quote"], "removed_in": g["removed_in"]})
            g["removed_in"], g["source"], g["quote"] = latest["minor"], latest["source"], latest["quote"]
            g["derivation"] = "removed_in = the release whose changelog says the gate was removed"
            for c in removals[:-1]:
                others.append({"source": c["source"], "quote": c["quote"], "removed_in": c["minor"],
                               "note": "an earlier changelog also says removed; a later release removes it again"})
        for c in locks:
            g["locked_in"] = c["minor"]
            if c["value"] is not None:
                g["locked_default"] = c["value"]
            if g["source"] is None:
                g["source"], g["quote"] = c["source"], c["quote"]
            else:
                others.append({"source": c["source"], "quote": c["quote"], "locked_in": c["minor"]})
        for c in deps:
            g["deprecated_in"] = c["minor"]
            g["last_stage"] = g["last_stage"] or "deprecated"
            if g["source"] is None:
                g["source"], g["quote"] = c["source"], c["quote"]
            else:
                others.append({"source": c["source"], "quote": c["quote"], "deprecated_in": c["minor"]})
        if not others:
            g.pop("other_sources")
    return sorted(gates.values(), key=lambda g: g["name"].lower())


def main(argv):
    args = list(argv)
    sources = {}
    if "--sources" in args:
        i = args.index("--sources")
        with open(args[i + 1], encoding="utf-8") as f:
            sources = json.load(f)
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    k8s = Tree(args[0], "kubernetes/kubernetes", sources)
    web = Tree(args[1], "kubernetes/website", sources)
    notes = []
    flags, changes = changelog_entries(k8s, notes)
    components = {}
    for c in COMPONENTS:
        rem = sorted(flags[c]["removed"], key=lambda e: (minor_key(e["removed_in"]), e["flag"]))
        dep = sorted(flags[c]["deprecated"], key=lambda e: (minor_key(e["listed_in"]), e["flag"]))
        components[c] = {"removed_flags": rem, "deprecated_flags": dep}
    gates = [g for g in merge_gates(website_gates(web), changes)
             if g["removed_in"] is None or minor_key(g["removed_in"]) >= (1, 25)]
    srcs = []
    for tree, paths in ((k8s, [CHANGELOG.format(m) for m in MINORS]), (web, [GATES_REMOVED])):
        for p in paths:
            if tree.read(p) is not None:
                srcs.append({"repository": f"https://github.com/{tree.repo}", "commit": tree.commit(p),
                             "paths": p, "coverage": tree.coverage.get(p, "whole file")})
    gdir = os.path.join(web.root, GATES_DIR)
    if os.path.isdir(gdir):
        for fn in sorted(os.listdir(gdir)):
            p = f"{GATES_DIR}/{fn}"
            srcs.append({"repository": f"https://github.com/{web.repo}", "commit": web.commit(p),
                         "paths": p, "coverage": web.coverage.get(p, "whole file")})
    out = {
        "description": "Flags removed from or deprecated in kubelite's components (kubelet, kube-apiserver, "
                       "kube-controller-manager, kube-scheduler, kube-proxy) and feature gates removed or "
                       "locked, per Kubernetes minor release, each with the source and the quoted text. "
                       "A removed flag or feature gate stops kubelite after a refresh to that minor.",
        "generator": "lints/extract_kubernetes.py",
        "sources": srcs,
        "components": components,
        "feature_gates": gates,
        "covered_minors": MINORS,
        "notes": notes,
    }
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
