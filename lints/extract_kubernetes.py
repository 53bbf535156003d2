#!/usr/bin/env python3
"""Flags and feature gates of kubelite's components: removed, deprecated and known.

Prints lints/manifests/kubernetes.json from public git clones (read with
`git show`, so bare clones work and nothing is checked out):

    git clone https://github.com/kubernetes/sig-release      /tmp/k8s/sig-release
    git clone https://github.com/canonical/microk8s          /tmp/k8s/microk8s
    git clone https://github.com/kubernetes/apiserver        /tmp/k8s/apiserver
    git clone https://github.com/kubernetes/component-base   /tmp/k8s/component-base
    git clone https://github.com/kubernetes/controller-manager /tmp/k8s/controller-manager
    git clone https://github.com/kubernetes/cloud-provider   /tmp/k8s/cloud-provider
    git clone https://github.com/kubernetes/klog             /tmp/k8s/klog
    git clone https://github.com/kubegc/liteKube             /tmp/k8s/liteKube
    python3 lints/extract_kubernetes.py /tmp/k8s > lints/manifests/kubernetes.json

(`DIR/<name>` may also be `DIR/<name>/repo`.)  Every entry cites a GitHub URL
at a commit with the line (`…/blob/COMMIT/PATH#LNN`) and quotes that line.

Removed and deprecated flags, removed and locked feature gates
---------------------------------------------------------------
Read from the release notes of every minor release 1.10 … 1.37 as published
in kubernetes/sig-release (`releases/release-1.NN/release-notes-draft.md`, or
`…/release-notes/release-notes-draft.md`; the notes of 1.NN.0 are the changes
since 1.(NN-1).0; release 1.11 has no such file there).  A bullet that names a
`--flag` and one of the five components (kubelet, kube-apiserver,
kube-controller-manager, kube-scheduler, kube-proxy) and says removed is a
removal in that release; one that says deprecated (or removed in a future
release) is a deprecation.  Bullets about kubeadm or kubectl are skipped, and
so are those in NOT_FLAG_CHANGES (read, and found to change a value or the
behaviour, not to remove the flag).  A flag line that names no component is
resolved from the known flags below when exactly one component defined the
flag in the release before its removal; otherwise it goes to `notes`.
Feature gates: a bullet that says a named feature gate was removed (or
renamed from `Old`), locked, or deprecated.

Known feature gates
-------------------
Every `Name featuregate.Feature = "Name"` of k8s.io/apiserver `pkg/features`
and k8s.io/component-base at their `kubernetes-1.NN.0` tags and of Kubernetes
1.24's `pkg/features` (vendored by kubegc/liteKube), with the first and last
minor release seen; with the gates the release notes name, they are the names
a probable typo of a gate is judged against.

Known flags
-----------
Per component, every flag with the first and last minor release in which a
source defines it, and one citation (the last release seen):

* canonical/microk8s `microk8s-resources/default-args/<component>` on every
  `1.NN` track branch (what MicroK8s itself writes; also kept per flag with the
  tracks that write it, as `microk8s_default_args`, for the tests);
* the flag registrations (`fs.StringVar(&x, "name", …)` and the other pflag
  and Go flag methods) of the Kubernetes staging repositories at their
  `kubernetes-1.NN.0` tags: k8s.io/apiserver `pkg/server/options`
  (kube-apiserver; the delegated serving, authentication and authorization
  options also kube-controller-manager and kube-scheduler),
  k8s.io/component-base (`logs`, `featuregate`, `metrics`, `version/verflag`,
  `cli/globalflag`: every component; `config/options`: the controller
  manager and the scheduler), k8s.io/controller-manager and
  k8s.io/cloud-provider `options` (kube-controller-manager);
* k8s.io/klog `klog.go` (the klog flags every component had on its command
  line until 1.26) at the klog version the component-base tag requires;
* Kubernetes 1.24's own `cmd/kube*/` and `pkg/kubeapiserver/options` as
  vendored by kubegc/liteKube (`VENDORED`).

These sets are not complete: the flags each component defines in
kubernetes/kubernetes itself (`cmd/kubelet/app/options`, `cmd/kube-*/app/…`)
are read only at 1.24.  They serve to recognise probable typos of known
flags, never to call a flag unknown.
"""
import json
import os
import re
import subprocess
import sys

MINORS = [f"1.{n}" for n in range(10, 38)]
KUBELITE = ["kubelet", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"]
COMPONENTS = {
    "kubelet": re.compile(r"\bkubelet(?:'s)?\b(?!-)", re.I),
    "kube-apiserver": re.compile(r"\bkube-apiserver\b|\bapiserver\b|`api-server`|\bapi-server\b", re.I),
    "kube-controller-manager": re.compile(r"\bkube-controller-manager\b|\bKCM\b|^\s*controller-manager\b", re.I),
    "kube-scheduler": re.compile(r"\bkube-scheduler\b", re.I),
    "kube-proxy": re.compile(r"\bkube-proxy\b", re.I),
}
FLAG = re.compile(r"(?:[`\"' ]|^)(--[a-z0-9][a-z0-9-]*[a-z0-9])(?=[`\"'=,. )]|$)")
# "Removed flag `master-service-namespace` from ..." (the flag named without its dashes)
BARE_FLAG = re.compile(r"\bflag `([a-z][a-z0-9]*(?:-[a-z0-9]+)+)`", re.I)
# flags named after these words are the replacements, not the flags removed or deprecated
REPLACEMENT = re.compile(r"\b(please use|use|instead|replaced by|replaced with|in favou?r of|migrate to|adapt|switch to)\b", re.I)
# never a removed or deprecated flag itself (lines say gates "must no longer be referenced in `--feature-gates`")
NOT_REMOVED_FLAGS = {"--feature-gates", "--feature-gate", "--config"}
NOT_A_COMPONENT_LINE = re.compile(r"^\s*(kubeadm|kubectl)\b|^\s*`(kubeadm|kubectl)`|\bkubectl (?:[a-z]+ )?`?--", re.I)
REMOVED = re.compile(r"\b(removed|removing|dropped)\b|(?:^|:\s*)remove\b", re.I)
FUTURE = re.compile(r"(will (?:\w+ ){0,3}be (?:\w+ )?removed|would be removed|planned to be removed|to be removed|removed in a future|scheduled to be removed|removal in|"
                    r"future release|in a future|subsequent release|will remove|be removed|removed soon|"
                    r"slated for removal|marked as deprecated for removal)", re.I)
DEPRECATED = re.compile(r"deprecat", re.I)
PLANNED = re.compile(r"(?:removed|removal) in v?(1\.\d+)", re.I)
GATE_LINE = re.compile(r"feature[- ]?gates?\b|\bfeature `", re.I)
GATE_NAME = re.compile(r"`([A-Z][A-Za-z0-9]+)`|\"([A-Z][A-Za-z0-9]+)\"|feature[- ]gate ([A-Z][A-Za-z0-9]+)")
LOCK = re.compile(r"\block(?:ed)?\b", re.I)
RENAMED = re.compile(r"feature[- ]?gate was renamed from `([A-Z][A-Za-z0-9]+)` to `([A-Z][A-Za-z0-9]+)`", re.I)
NOTES_PATHS = ["releases/release-{}/release-notes/release-notes-draft.md", "releases/release-{}/release-notes-draft.md"]

PFLAG_METHODS = ("Bool|String|Int|Int8|Int16|Int32|Int64|Uint|Uint8|Uint16|Uint32|Uint64|Float32|Float64|Duration|"
                 "StringSlice|StringArray|StringToString|StringToInt|IntSlice|Int32Slice|Int64Slice|UintSlice|"
                 "BoolSlice|DurationSlice|IP|IPSlice|IPNet|IPMask|Count|BytesHex|BytesBase64|Func|TextVar")
DEFINE = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\.(?:(" + PFLAG_METHODS + r")(Var)?(P)?|(Var)(P)?)\(")
# which staging files give flags to which components (first match wins)
STAGING = [
    ("apiserver", "pkg/server/options/", [
        # registered only by the components that call its AddFlags: not read
        (re.compile(r"/deprecated_insecure_serving\.go$"), []),
        (re.compile(r"/(secure_serving|authentication|authorization)\.go$"),
         ["kube-apiserver", "kube-controller-manager", "kube-scheduler"]),
        (re.compile(r"\.go$"), ["kube-apiserver"]),
    ]),
    ("component-base", "", [
        (re.compile(r"^(logs|featuregate|metrics|version/verflag|cli/globalflag|cli/flag)/"), KUBELITE),
        (re.compile(r"^config/options/"), ["kube-controller-manager", "kube-scheduler"]),
    ]),
    ("controller-manager", "", [(re.compile(r"^(options|config)/.*\.go$|^app/.*\.go$"), ["kube-controller-manager"])]),
    ("cloud-provider", "", [(re.compile(r"^options/.*\.go$|^app/.*\.go$"), ["kube-controller-manager"])]),
]
# fmt.Sprintf("audit-%s-mode", pluginName): the audit backends of k8s.io/apiserver
SPRINTF_EXPANSIONS = {"audit-": ["log", "webhook"]}


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True, check=False)


def open_repo(base, name):
    for cand in (os.path.join(base, name, "repo"), os.path.join(base, name)):
        if os.path.isdir(cand) and git(cand, "rev-parse", "--git-dir").returncode == 0:
            return cand
    sys.exit(f"{name}: no git clone under {base}")


def resolve(repo, ref):
    r = git(repo, "rev-parse", "--verify", "--quiet", ref + "^{commit}")
    return r.stdout.strip() if r.returncode == 0 else None


def show(repo, commit, path):
    r = git(repo, "show", f"{commit}:{path}")
    return r.stdout if r.returncode == 0 else None


def url(slug, commit, path, line=None):
    return f"https://github.com/{slug}/blob/{commit}/{path}" + (f"#L{line}" if line else "")


def minor_key(v):
    return tuple(int(x) for x in v.split("."))


def next_minor(v):
    a, b = v.split(".")
    return f"{a}.{int(b) + 1}"


def prev_minor(v):
    a, b = v.split(".")
    return f"{a}.{int(b) - 1}"


# ---------------------------------------------------------------- release notes

def bullets(text):
    """(first line number, bullet text, parent bullet text, [(line number, line)]) of every bullet.

    Continuation lines (also after a blank line, when indented) are joined; a
    nested bullet carries the text of the top-level bullet it is under (the
    release notes group removals under a component: `- kube-apiserver` then
    `  - The deprecated ... flag has been removed`)."""
    current, parent, out = None, "", []
    prev_blank = False

    def close():
        nonlocal current
        if current:
            out.append((current[0], " ".join(t for _, t in current[1]).strip(), current[2], current[1]))
        current = None

    for no, line in enumerate(text.splitlines(), 1):
        if line.startswith("#"):
            close()
            parent = ""
            continue
        b = re.match(r"^(\s{0,6})[-*] (.*)", line)
        if b:
            close()
            nested = len(b.group(1)) >= 2
            # only a heading-like parent (`- kube-apiserver`, `- Controller-manager: the following flags …:`)
            heading = parent if nested and (parent.endswith(":") or len(parent) <= 40) else ""
            current = (no, [(no, b.group(2).strip())], heading)
            if not nested:
                parent = b.group(2).strip()
        elif current is not None:
            if line.strip():
                if prev_blank and not line.startswith((" ", "\t")):
                    close()
                else:
                    current[1].append((no, line.strip()))
        prev_blank = not line.strip()
    close()
    return out


def pr_of(text):
    m = re.search(r"kubernetes/(?:kubernetes|kubernetes/kubernetes)/pull/(\d+)", text)
    return m.group(1) if m else None


def release_notes(sig):
    head = resolve(sig, "HEAD")
    for minor in MINORS:
        for p in NOTES_PATHS:
            path = p.format(minor)
            text = show(sig, head, path)
            if text is not None:
                yield minor, path, head, text
                break


# Bullets that name a flag next to "removed" or "deprecated" but do not remove or deprecate
# it (read by hand): a distinctive part of the bullet -> (the flags concerned, or None for
# every flag of the bullet; why).
NOT_FLAG_CHANGES = [
    ("`--cloud-provider=auto-detect` feature has been removed", None,
     "kubelet keeps --cloud-provider; only the value auto-detect was removed"),
    ("The deprecated `etcd2` storage backend has been removed", None,
     "kube-apiserver keeps --storage-backend; only the value etcd2 was removed"),
    ("labels via `--node-labels`", None, "kubelet keeps --node-labels; only some label prefixes became invalid"),
    ("Deprecate the default service IP CIDR", None, "the default of --service-cluster-ip-range, not the flag"),
    ("`--audit-webhook-version` now only support", None,
     "kube-apiserver keeps --audit-log-version/--audit-webhook-version; only old values were removed"),
    ("stop using `--node-ip`", None, "a fix; --node-ip is kept"),
    ("Cloud controller manager's node controller now emits timing metrics", None, "new metrics; nothing removed"),
    ("legacy auto-generated service account token secrets are auto-labeled", None, "a feature gate promotion"),
    ("Removed the integrated support for flex-volumes in kubeadm", None, "a kubeadm change; the KCM flag is kept"),
    ("Corrected the `kube-proxy` `--metrics-bind-address` flag documentation", None, "documentation only"),
    ("Add 2 new options for kube-proxy running in winkernel mode", None, "new flags"),
    ("New flag `--show-hidden-metrics-for-version`", None, "a new flag"),
    ("configuration file referenced by `--encryption-provider-config` now uses", None,
     "the old configuration kind is deprecated, not the flag"),
    ("provided-node-ip is no longer set ONLY when", None, "annotation behaviour; nothing deprecated"),
    ("When entering a value other than \"external\" to the \"--cloud-provider\" flag", None,
     "values other than external are warned about; the flag is kept"),
    ("un-deprecated `--provider-id` flag", None, "the flag is no longer deprecated"),
    ("`--endpoint-reconciler-type=master-count` reconciler are deprecated", {"--endpoint-reconciler-type"},
     "only the value master-count of --endpoint-reconciler-type is deprecated"),
    ("The `--cidr-allocator-type` option set to `CloudAllocator`", None,
     "only the value CloudAllocator is deprecated"),
    ("flag, deprecated in `v1.15`, is no longer marked deprecated", None, "the flag is no longer deprecated"),
    ("only `--housekeeping-interval` is kept", {"--housekeeping-interval"}, "named as the flag that is kept"),
    ("make --cleanup flag always to flush IPVS", {"--cleanup"}, "--cleanup is kept"),
    ("Removed legacy cloud provider integration code", None,
     "in-tree cloud provider code; kube-controller-manager keeps --cloud-provider"),
    ("MUST start with `--authorization-kubeconfig`", None, "the flags are required, not deprecated"),
    ("Add `--enable-admission-plugin` `--disable-admission-plugin` flags and deprecate",
     {"--enable-admission-plugin", "--disable-admission-plugin"}, "the new flags (named without their final s)"),
]
# Bullets that name more flags than the ones they remove: a distinctive part -> the flags removed.
ONLY_FLAGS = [
    # "Many unintentionally leaked flags are now marked deprecated … In addition, one previously leaked
    # flag, --cloud-provider-gce-lb-src-cidrs, has been entirely removed … The deprecated flags are: …"
    ("one previously leaked flag, --cloud-provider-gce-lb-src-cidrs, has been entirely removed",
     {"--cloud-provider-gce-lb-src-cidrs"}),
]
# "no longer accepted" removes a flag as surely as "removed"
NO_LONGER_ACCEPTED = re.compile(r"no longer accepted", re.I)


def excluded(b):
    for needle, which, why in NOT_FLAG_CHANGES:
        if needle in b:
            return which, why
    return set(), None


def flag_line(lines, names, first):
    for no, t in lines:
        if any(n in t for n in names):
            return no
    return first


def note_entries(sig, notes, known, kube_sources):
    flags = {c: {"removed": [], "deprecated": []} for c in KUBELITE}
    gates, unresolved = [], []
    seen = set()
    # flag -> components named with it in a deprecation or removal note (earlier releases first)
    named = {}
    for minor, path, commit, text in release_notes(sig):
        for line, own, parent, lines in bullets(text):
            # a nested bullet is read with the bullet it is under (component, removed or planned)
            b = f"{parent} {own}" if parent else own
            quote = re.sub(r"\s+", " ", b)
            src_first = url("kubernetes/sig-release", commit, path, line)
            if GATE_LINE.search(b) and not NOT_A_COMPONENT_LINE.search(b):
                gates.extend(gate_changes(b, quote, minor, src_first))
            head = REPLACEMENT.split(own, maxsplit=1)[0]
            names = sorted((set(FLAG.findall(head)) | {"--" + n.lower() for n in BARE_FLAG.findall(head)})
                           - NOT_REMOVED_FLAGS)
            if not names or NOT_A_COMPONENT_LINE.search(b) or NOT_A_COMPONENT_LINE.search(own):
                continue
            for needle, only in ONLY_FLAGS:
                if needle in b:
                    names = [n for n in names if n in only]
            which, why = excluded(b)
            if why is not None:
                if which is None:
                    notes.append(f"{minor}: not counted as a flag change ({src_first}): {why}")
                    continue
                names = [n for n in names if n not in which]
                if not names:
                    continue
            kind = None
            if (REMOVED.search(b) or NO_LONGER_ACCEPTED.search(b)) and not FUTURE.search(b):
                kind = "removed"
            elif DEPRECATED.search(b) or (REMOVED.search(b) and FUTURE.search(b)):
                kind = "deprecated"
            if kind is None:
                continue
            src = url("kubernetes/sig-release", commit, path, flag_line(lines, names, line))
            comps = [c for c, rx in COMPONENTS.items() if rx.search(b)]
            resolved_from = None
            if not comps:
                owners = set()
                for name in names:
                    owners |= {c for c in KUBELITE if name in kube_sources[c]}
                if len(owners) == 1:
                    comps = sorted(owners)
                    resolved_from = kube_sources[comps[0]][names[0]] if names[0] in kube_sources[comps[0]] else None
                else:
                    earlier, anywhere = set(), set()
                    for name in names:
                        earlier |= {c for c, _ in named.get(name, [])}
                        anywhere |= {c for c in KUBELITE if name in known[c]}
                    if len(earlier) == 1 and anywhere <= earlier:
                        comps = sorted(earlier)
                        resolved_from = next(s for c, s in named[names[0]] if c == comps[0]) \
                            if names[0] in named else None
                    else:
                        unresolved.append((minor, kind, names, quote, src))
                        continue
            for name in names:
                for c in comps:
                    named.setdefault(name, []).append((c, src))
            for c in comps:
                for name in names:
                    key = (c, name, kind, minor)
                    if key in seen:
                        continue
                    seen.add(key)
                    row = {"flag": name}
                    if kind == "removed":
                        row.update({"removed_in": minor, "source": src, "quote": quote})
                    else:
                        already = re.search(r"already deprecated|deprecated since", b, re.I)
                        planned = PLANNED.search(b)
                        row.update({"deprecated_in": None if already else minor, "listed_in": minor,
                                    "removal_planned_in": planned.group(1) if planned else None,
                                    "source": src, "quote": quote})
                    if resolved_from:
                        row["component_from"] = resolved_from
                    flags[c][kind].append(row)
    klog_removal(sig, flags, known)
    for minor, kind, names, quote, src in unresolved:
        notes.append(f"{minor}: {kind} flag(s) {', '.join(names)} left out: the line names no component and no "
                     f"single component is known to define them ({src}): {quote}")
    # a removal contradicted by a Kubernetes source that still defines the flag in that release or later
    for c in KUBELITE:
        kept = []
        for row in flags[c]["removed"]:
            alive = known[c].get(row["flag"])
            if alive and alive.get("kubernetes_last") and \
                    minor_key(alive["kubernetes_last"]) >= minor_key(row["removed_in"]):
                notes.append(f"{row['removed_in']}: {c} {row['flag']} not counted as removed: "
                             f"{alive['kubernetes_source']} still defines it in {alive['kubernetes_last']} "
                             f"({row['source']})")
                continue
            kept.append(row)
        flags[c]["removed"] = kept
    return flags, gates


# "Legacy klog flags are no longer available. Only `-v` and `-vmodule` are still supported." (1.26):
# the note names no flag; the flags are klog's own, as registered until then.
KLOG_REMOVAL = "Legacy klog flags are no longer available"
KLOG_KEPT = {"--v", "--vmodule"}


def klog_removal(sig, flags, known):
    for minor, path, commit, text in release_notes(sig):
        for line, b, _, _ in bullets(text):
            if KLOG_REMOVAL not in b:
                continue
            src = url("kubernetes/sig-release", commit, path, line)
            quote = re.sub(r"\s+", " ", b)
            for c in KUBELITE:
                for flag, e in sorted(known[c].items()):
                    if flag in KLOG_KEPT or "kubernetes/klog/" not in e.get("klog_source", ""):
                        continue
                    flags[c]["removed"].append({"flag": flag, "removed_in": minor, "source": src, "quote": quote,
                                                "flag_from": e["klog_source"]})


def gate_changes(b, quote, minor, src):
    names = []
    for m in GATE_NAME.finditer(b):
        n = m.group(1) or m.group(2) or m.group(3)
        if n not in names and n not in ("GA", "API", "DRA", "CRI", "CSI", "CEL", "KEP", "IPVS", "PSP"):
            names.append(n)
    if not names:
        return []
    renamed = RENAMED.search(b)
    if renamed:
        return [{"name": renamed.group(1), "kind": "removed", "minor": minor, "value": None,
                 "source": src, "quote": quote}]
    lower = re.sub(r"feature[- ]?gate", "feature gate", b.lower())
    if REMOVED.search(b) and not FUTURE.search(b) and "feature gate" in lower:
        kind = "removed"
    elif LOCK.search(b) and not FUTURE.search(b):
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
    return [{"name": n, "kind": kind, "minor": minor, "value": value, "source": src, "quote": quote} for n in names]


def merge_gates(changes):
    gates = {}
    by_name = {}
    for ch in changes:
        by_name.setdefault(ch["name"], []).append(ch)
    for name, chs in sorted(by_name.items(), key=lambda kv: kv[0].lower()):
        removals = sorted((c for c in chs if c["kind"] == "removed"), key=lambda c: minor_key(c["minor"]))
        locks = [c for c in chs if c["kind"] == "locked"]
        deps = [c for c in chs if c["kind"] == "deprecated"]
        g = {"name": name, "removed_in": None, "source": None, "quote": None}
        others = []
        if removals:
            # the latest removal is kept: an earlier note may be undone (the gate kept one release more)
            latest = removals[-1]
            g.update({"removed_in": latest["minor"], "source": latest["source"], "quote": latest["quote"]})
            for c in removals[:-1]:
                others.append({"source": c["source"], "quote": c["quote"], "removed_in": c["minor"]})
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
            if g["source"] is None:
                g["source"], g["quote"] = c["source"], c["quote"]
            else:
                others.append({"source": c["source"], "quote": c["quote"], "deprecated_in": c["minor"]})
        if others:
            g["other_sources"] = others
        gates[name] = g
    return list(gates.values())


# ---------------------------------------------------------------- known flags

def add_known(known, component, flag, minor, src, quote, kube=False):
    e = known[component].get(flag)
    if e is None:
        e = known[component][flag] = {"flag": flag, "first": minor, "last": minor, "source": src, "quote": quote}
    if kube and (not e.get("kubernetes_last") or minor_key(minor) >= minor_key(e["kubernetes_last"])):
        e["kubernetes_last"], e["kubernetes_source"] = minor, src
    if minor_key(minor) < minor_key(e["first"]):
        e["first"] = minor
    if minor_key(minor) >= minor_key(e["last"]):
        e["last"], e["source"], e["quote"] = minor, src, quote


def defined_in(known, component, flag, minor):
    e = known[component].get(flag)
    return e is not None and minor_key(e["first"]) <= minor_key(minor) <= minor_key(e["last"])


def microk8s_default_args(mk, known, coverage, written):
    """Also fills `written`: component -> flag -> {"tracks": [...], "source", "quote"} (the last track's line)."""
    for minor in MINORS:
        commit = resolve(mk, f"refs/heads/{minor}") or resolve(mk, f"refs/remotes/origin/{minor}")
        if not commit:
            continue
        coverage.append({"repository": "https://github.com/canonical/microk8s", "ref": minor, "commit": commit,
                         "paths": "microk8s-resources/default-args/<component>"})
        for comp in KUBELITE:
            path = f"microk8s-resources/default-args/{comp}"
            text = show(mk, commit, path)
            if text is None:
                continue
            for no, line in enumerate(text.splitlines(), 1):
                m = re.match(r"^\s*(--[A-Za-z0-9][A-Za-z0-9_-]*)", line)
                if m:
                    flag = m.group(1).replace("_", "-")
                    src = url("canonical/microk8s", commit, path, no)
                    add_known(known, comp, flag, minor, src, line.strip())
                    w = written[comp].setdefault(flag, {"flag": flag, "tracks": []})
                    if minor not in w["tracks"]:
                        w["tracks"].append(minor)
                    w["source"], w["quote"] = src, line.strip()


def call_args(text, start):
    """The top-level arguments of the call whose `(` is at text[start-1]."""
    depth, args, cur, i, quote = 1, [], [], start, None
    while i < len(text) and depth:
        ch = text[i]
        if quote:
            cur.append(ch)
            if ch == "\\" and quote != "`":
                cur.append(text[i + 1])
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"`'":
            quote = ch
            cur.append(ch)
        elif ch in "([{":
            depth += 1
            cur.append(ch)
        elif ch in ")]}":
            depth -= 1
            if depth:
                cur.append(ch)
        elif ch == "," and depth == 1:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    if "".join(cur).strip():
        args.append("".join(cur).strip())
    return args


def flag_names(arg):
    m = re.fullmatch(r'"([a-z][a-z0-9_-]*)"', arg)
    if m:
        return [m.group(1)]
    m = re.fullmatch(r'fmt\.Sprintf\("([a-z0-9-]*)%s([a-z0-9-]*)",\s*[A-Za-z_.]+\)', arg)
    if m:
        for prefix, values in SPRINTF_EXPANSIONS.items():
            if m.group(1) == prefix:
                return [m.group(1) + v + m.group(2) for v in values]
    return []


def go_flags(text):
    """(flag name, line) of every flag registration in a Go file."""
    out = []
    for m in DEFINE.finditer(text):
        is_var = bool(m.group(2) or m.group(4))
        args = call_args(text, m.end())
        idx = 1 if is_var else 0
        if len(args) <= idx:
            continue
        for name in flag_names(args[idx]):
            # registered names with `_` are normalised to `-` by every component's flag set
            out.append((name.replace("_", "-"), text.count("\n", 0, m.start()) + 1))
    return out


def staging_flags(base, known, coverage):
    for name, root, rules in STAGING:
        repo = open_repo(base, name)
        for minor in MINORS:
            commit = resolve(repo, f"refs/tags/kubernetes-{minor}.0")
            if not commit:
                continue
            coverage.append({"repository": f"https://github.com/kubernetes/{name}", "ref": f"kubernetes-{minor}.0",
                             "commit": commit, "paths": root or "(whole repository)"})
            files = git(repo, "ls-tree", "-r", "--name-only", commit, *([root] if root else [])).stdout.split()
            for path in files:
                if not path.endswith(".go") or path.endswith("_test.go") or "/testing/" in path or "/vendor/" in path:
                    continue
                rel = path[len(root):] if root else path
                comps = next((cs for rx, cs in rules if rx.search(rel if not root else "/" + rel)), None)
                if comps is None:
                    continue
                text = show(repo, commit, path)
                if not text or "Var(" not in text and "Var(" not in text:
                    continue
                lines = text.splitlines()
                for flag, line in go_flags(text):
                    for c in comps:
                        add_known(known, c, "--" + flag, minor, url(f"kubernetes/{name}", commit, path, line),
                                  lines[line - 1].strip())
        if name == "component-base":
            klog_flags(base, repo, known, coverage)


def klog_flags(base, component_base, known, coverage):
    """klog's flags at the klog version each component-base tag requires (before 1.26 every
    component registered them on its command line)."""
    klog = open_repo(base, "klog")
    for minor in MINORS:
        if minor_key(minor) >= (1, 26):
            break
        commit = resolve(component_base, f"refs/tags/kubernetes-{minor}.0")
        if not commit:
            continue
        gomod = show(component_base, commit, "go.mod") or ""
        m = re.search(r"^\s*k8s\.io/klog(/v2)? (v[0-9.]+)\s*$", gomod, re.M)
        if not m:
            continue
        kcommit = resolve(klog, f"refs/tags/{m.group(2)}")
        if not kcommit:
            continue
        coverage.append({"repository": "https://github.com/kubernetes/klog", "ref": m.group(2), "commit": kcommit,
                         "paths": "klog.go", "for": f"component-base kubernetes-{minor}.0 go.mod"})
        text = show(klog, kcommit, "klog.go") or ""
        lines = text.splitlines()
        for flag, line in go_flags(text):
            for c in KUBELITE:
                src = url("kubernetes/klog", kcommit, "klog.go", line)
                add_known(known, c, "--" + flag, minor, src, lines[line - 1].strip())
                known[c]["--" + flag]["klog_source"] = src


# kubegc/liteKube vendors Kubernetes 1.24 (its go.mod: k8s.io/kubernetes =>
# github.com/Litekube/kubernetes v1.24.1-0.20220506094841-51802d7e46cc, a fork of
# kubernetes/kubernetes after v1.24.0): the only copy of the components' own
# `cmd/…` flag definitions read here.
VENDORED = ("kubegc/liteKube", "liteKube", "vendor/k8s.io/kubernetes/", "1.24", [
    (re.compile(r"^cmd/kubelet/"), "kubelet"),
    (re.compile(r"^(cmd/kube-apiserver/|pkg/kubeapiserver/options/)"), "kube-apiserver"),
    (re.compile(r"^cmd/kube-controller-manager/"), "kube-controller-manager"),
    (re.compile(r"^cmd/kube-scheduler/"), "kube-scheduler"),
    (re.compile(r"^cmd/kube-proxy/"), "kube-proxy"),
])
# kubelet's globalflags*.go re-register library flags by name: register(global, local, "housekeeping_interval")
KUBELET_REGISTER = re.compile(r"\bregister(?:Deprecated)?\(\s*global,\s*local,\s*\"([a-z][a-z0-9_-]*)\"")


def vendored_flags(base, known, coverage):
    slug, name, root, minor, rules = VENDORED
    repo = open_repo(base, name)
    commit = resolve(repo, "HEAD")
    mod = show(repo, commit, "go.mod") or ""
    m = re.search(r"k8s\.io/kubernetes => (\S+) (\S+)", mod)
    coverage.append({"repository": f"https://github.com/{slug}", "commit": commit, "paths": root,
                     "for": f"Kubernetes {minor}" + (f" ({m.group(1)} {m.group(2)}, go.mod)" if m else "")})
    for path in git(repo, "ls-tree", "-r", "--name-only", commit, root).stdout.split():
        rel = path[len(root):]
        comp = next((c for rx, c in rules if rx.search(rel)), None)
        if comp is None or not path.endswith(".go") or path.endswith("_test.go") or "windows" in path:
            continue
        text = show(repo, commit, path) or ""
        lines = text.splitlines()
        found = go_flags(text)
        if comp == "kubelet":
            found += [(mm.group(1).replace("_", "-"), text.count("\n", 0, mm.start()) + 1)
                      for mm in KUBELET_REGISTER.finditer(text)]
        for flag, line in found:
            add_known(known, comp, "--" + flag, minor, url(slug, commit, path, line), lines[line - 1].strip(),
                      kube=True)


GATE_DEF = re.compile(r'^\s*([A-Z][A-Za-z0-9]+)\s+featuregate\.Feature\s*=\s*"([A-Za-z0-9]+)"', re.M)


def known_gates(base, listed=None):
    """gate name -> (last minor defined, source line) from k8s.io/apiserver `pkg/features` at every tag and
    the vendored Kubernetes 1.24 `pkg/features` (a removal in or before that minor is contradicted).
    `listed`, when given, collects every definition as a known gate (first and last minor, source, quote)."""
    out = {}

    def add(name, minor, src, quote=""):
        if name not in out or minor_key(minor) >= minor_key(out[name][0]):
            out[name] = (minor, src)
        if listed is not None:
            e = listed.setdefault(name, {"name": name, "first": minor, "last": minor, "source": src, "quote": quote})
            if minor_key(minor) < minor_key(e["first"]):
                e["first"] = minor
            if minor_key(minor) >= minor_key(e["last"]):
                e["last"], e["source"], e["quote"] = minor, src, quote

    repo = open_repo(base, "apiserver")
    for minor in MINORS:
        commit = resolve(repo, f"refs/tags/kubernetes-{minor}.0")
        if not commit:
            continue
        text = show(repo, commit, "pkg/features/kube_features.go") or ""
        for m in GATE_DEF.finditer(text):
            add(m.group(2), minor, url("kubernetes/apiserver", commit, "pkg/features/kube_features.go",
                                       text.count("\n", 0, m.start()) + 1), m.group(0).strip())
    slug, name, root, minor, _ = VENDORED
    repo = open_repo(base, name)
    commit = resolve(repo, "HEAD")
    path = root + "pkg/features/kube_features.go"
    text = show(repo, commit, path) or ""
    for m in GATE_DEF.finditer(text):
        add(m.group(2), minor, url(slug, commit, path, text.count("\n", 0, m.start()) + 1), m.group(0).strip())
    # component-base's own gates (logging, metrics) at every tag
    repo = open_repo(base, "component-base")
    for minor in MINORS:
        commit = resolve(repo, f"refs/tags/kubernetes-{minor}.0")
        if not commit:
            continue
        for path in git(repo, "ls-tree", "-r", "--name-only", commit).stdout.split():
            if not path.endswith(".go") or path.endswith("_test.go"):
                continue
            if "featuregate.Feature" not in (git(repo, "grep", "-c", "featuregate.Feature", commit, "--", path).stdout):
                continue
            text = show(repo, commit, path) or ""
            for m in GATE_DEF.finditer(text):
                add(m.group(2), minor, url("kubernetes/component-base", commit, path,
                                           text.count("\n", 0, m.start()) + 1), m.group(0).strip())
    return out


def main(argv):
    if len(argv) != 1:
        sys.exit(__doc__)
    base = argv[0]
    sig = open_repo(base, "sig-release")
    mk = open_repo(base, "microk8s")
    known = {c: {} for c in KUBELITE}
    coverage = []
    written = {c: {} for c in KUBELITE}
    microk8s_default_args(mk, known, coverage, written)
    staging_flags(base, known, coverage)
    vendored_flags(base, known, coverage)
    kube_sources = {c: {f: e["kubernetes_source"] for f, e in known[c].items() if e.get("kubernetes_source")}
                    for c in KUBELITE}
    notes = []
    flags, changes = note_entries(sig, notes, known, kube_sources)
    for c in KUBELITE:
        for e in known[c].values():
            e.pop("kubernetes_last", None)
            e.pop("kubernetes_source", None)
            e.pop("klog_source", None)
    components = {}
    for c in KUBELITE:
        rem = sorted(flags[c]["removed"], key=lambda e: (minor_key(e["removed_in"]), e["flag"]))
        dep = sorted(flags[c]["deprecated"], key=lambda e: (minor_key(e["listed_in"]), e["flag"]))
        components[c] = {
            "removed_flags": rem,
            "deprecated_flags": dep,
            "known_flags": sorted(known[c].values(), key=lambda e: e["flag"]),
            "microk8s_default_args": sorted(written[c].values(), key=lambda e: e["flag"]),
        }
    gates = merge_gates(changes)
    listed = {}
    defined = known_gates(base, listed)
    for g in gates:
        last = defined.get(g["name"])
        if g["removed_in"] and last and minor_key(last[0]) >= minor_key(g["removed_in"]):
            notes.append(f"{g['removed_in']}: feature gate {g['name']} not counted as removed: {last[1]} still "
                         f"defines it in {last[0]} ({g['source']})")
            g["removed_in"] = None
    sources = [{"repository": "https://github.com/kubernetes/sig-release", "commit": commit, "paths": path,
                "release": minor} for minor, path, commit, _ in release_notes(sig)]
    out = {
        "description": "Flags of kubelite's components (kubelet, kube-apiserver, kube-controller-manager, "
                       "kube-scheduler, kube-proxy): removed or deprecated per Kubernetes minor release, feature "
                       "gates removed or locked, and flags known from real sources (first and last minor release "
                       "seen), each with its source line and the quoted text.",
        "generator": "lints/extract_kubernetes.py",
        "release_notes": sources,
        "known_flag_sources": coverage,
        "components": components,
        "feature_gates": gates,
        "known_feature_gates": sorted(listed.values(), key=lambda g: g["name"]),
        "covered_minors": MINORS,
        "notes": notes,
    }
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
