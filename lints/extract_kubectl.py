#!/usr/bin/env python3
"""Write lints/kubectl.json: kubectl's command line as opslint reads it.

Usage:
    python3 lints/extract_kubectl.py KUBECTL CLI_RUNTIME COMPONENT_BASE KLOG COBRA > lints/kubectl.json

Each argument is a git clone of kubernetes/kubectl, kubernetes/cli-runtime,
kubernetes/component-base, kubernetes/klog and spf13/cobra; files are read with `git show
TAG:PATH` at the tags below, so the clones may be bare. Every row cites the
repository, tag, commit, path and line it was read from, with the line quoted.

What is read:
- global flags that take a value: `ConfigFlags.AddFlags` (cli-runtime
  `config_flags.go`), the profiling flags, `--kuberc` and the root command's
  own flags (kubectl `pkg/cmd/cmd.go`, `profiling.go`, `pkg/kuberc/kuberc.go`),
  the logging flags every Kubernetes command line gets (component-base
  `logs/logs.go`, `logs/api/v1/options.go`, `logs/klogflags/klogflags.go`), and
  the klog flags kubectl still registered up to 1.25 (component-base v0.25.0
  `logs/logs.go` calls `klog.InitFlags`, klog v2.70.1 `klog.go`);
- sub-commands: every `NewCmd…` the root command adds (`pkg/cmd/cmd.go`), named
  by the first word of its `Use:`. A constructor that is not handed the factory
  `f` has no client for the API server: `client`. Two more are client-side by
  what they do, named in CLIENT_SIDE below; `proxy` serves local clients
  (`serves`). Sub-commands older clients still have are in LEGACY;
- `create` generators: the sub-commands of `create` whose file registers
  `--dry-run` (`cmdutil.AddDryRunFlag`), with their `Aliases:`;
- streams: the calls that run until interrupted or stay attached to a
  terminal, named in STREAMS with the flag that makes them so, read from the
  file that registers it (and the command's other boolean shorthands, so that
  `-it`, `-ti` and `-tt` are read as the flags they combine).
"""

import json
import re
import subprocess
import sys

KUBECTL_TAG = "v0.36.3"
CLI_RUNTIME_TAG = "v0.36.2"
COMPONENT_BASE_TAG = "v0.36.3"
# The last component-base whose logs.AddFlags registered every klog flag
# (kubectl 1.25), and the klog its go.mod requires.
COMPONENT_BASE_LEGACY_TAG = "v0.25.0"
KLOG_LEGACY_TAG = "v2.70.1"

# kubectl's `main` (kubernetes/kubernetes `cmd/kubectl/kubectl.go`) runs the
# root command through component-base's `cli.Run`, which adds the logging
# flags (`logs.AddFlags(cmd.PersistentFlags())` in `cli/run.go`).
KUBECTL_MAIN = {
    "repo": "kubernetes/kubernetes",
    "commit": "00e4a599f6f3510644549b7e3a3c0ee741ce264a",
    "path": "cmd/kubectl/kubectl.go",
    "line": 31,
    "quote": "code := cli.Run(command)",
}

# Sub-commands handed the factory that still never call the API server.
CLIENT_SIDE = {
    # Reads and writes kubeconfig files (`clientcmd.NewDefaultPathOptions()`).
    "config": "cmdconfig.NewCmdConfig(",
}

# cobra adds `help` to every command that has sub-commands (the cobra of
# kubectl's go.mod at KUBECTL_TAG).
COBRA_TAG = "v1.10.2"

# Sub-commands that older kubectl clients still have.
LEGACY = [
    {
        "name": "rolling-update",
        "role": "server",
        "repo": "kubernetes/kubectl",
        "tag": "kubernetes-1.17.0",
        "path": "pkg/cmd/rollingupdate/rollingupdate.go",
        "needle": 'Use:                   "rolling-update',
    },
    {
        # `local: true` by default: "If true, convert will NOT try to contact
        # api-server but run locally." (same file, the `--local` flag).
        "name": "convert",
        "role": "client",
        "repo": "kubernetes/kubernetes",
        "commit": "5ee699c3a198ae17b77369f04983ed779d1f5f9b",
        "path": "pkg/kubectl/cmd/convert/convert.go",
        "line": 93,
        "quote": 'Use:                   "convert -f FILENAME",',
    },
]

# The calls that stream or stay attached: (command words, file, flags that
# make it a stream; none: the command itself). `kind` is `stream` (cut off by a
# client timeout) or `transfer` (a copy through `exec`: bounded by its size).
STREAMS = [
    (["logs"], "pkg/cmd/logs/logs.go", ["follow"], "stream"),
    (["get"], "pkg/cmd/get/get.go", ["watch", "watch-only"], "stream"),
    (["port-forward"], "pkg/cmd/portforward/portforward.go", [], "stream"),
    (["proxy"], "pkg/cmd/proxy/proxy.go", [], "stream"),
    (["attach"], "pkg/cmd/attach/attach.go", [], "stream"),
    (["exec"], "pkg/cmd/exec/exec.go", ["stdin", "tty"], "stream"),
    (["run"], "pkg/cmd/run/run.go", ["stdin", "tty", "attach", "rm"], "stream"),
    (["cp"], "pkg/cmd/cp/cp.go", [], "transfer"),
]

REPOS = {}


def git(repo, *args):
    return subprocess.run(
        ["git", "-C", REPOS[repo], *args], check=True, capture_output=True, text=True
    ).stdout


def commit_of(repo, tag):
    return git(repo, "rev-parse", tag + "^{commit}").strip()


def show(repo, tag, path):
    return git(repo, "show", f"{tag}:{path}").splitlines()


FULL_NAMES = {"kubectl": "kubernetes/kubectl", "cli-runtime": "kubernetes/cli-runtime",
              "component-base": "kubernetes/component-base", "klog": "kubernetes/klog",
              "cobra": "spf13/cobra"}


def cite(repo, tag, path, line, text):
    return {
        "repo": FULL_NAMES[repo],
        "tag": tag,
        "commit": commit_of(repo, tag),
        "path": path,
        "line": line,
        "quote": text.strip(),
    }


def find(lines, pattern, start=0):
    rx = re.compile(pattern)
    for i in range(start, len(lines)):
        if rx.search(lines[i]):
            return i
    raise SystemExit(f"not found: {pattern}")


def find_opt(lines, pattern, start=0):
    try:
        return find(lines, pattern, start)
    except SystemExit:
        return None


# pflag registrations: name and shorthand of `xxxVar(&v, "name", ...)`,
# `xxxVarP(&v, "name", "s", ...)`, `xxx("name", ...)`, `xxxP("name", "s", ...)`.
FLAG = re.compile(
    r"\.(?P<type>[A-Z][A-Za-z0-9]*?|)(?:(?P<var>Var)(?P<vp>P)?\((?:[^,()]+(?:\([^()]*\))?), |(?P<p>P)?\()"
    r"(?P<name>\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_.]*)"
    r"(?:, \"(?P<short>[^\"]*)\")?"
)


def constants(lines):
    out = {}
    for line in lines:
        m = re.match(r'\s*(\w+)\s*=\s*"([^"]*)"', line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def registrations(lines, consts=None, first=0, last=None):
    """(index, name, short, type) of every flag registered in lines[first:last]."""
    consts = consts or {}
    out = []
    for i in range(first, last if last is not None else len(lines)):
        line = lines[i]
        if not re.search(r"\b(flags|fs|flagset|Flags\(\)|PersistentFlags\(\))\.", line):
            continue
        for m in FLAG.finditer(line):
            name = m.group("name")
            if name.startswith('"'):
                name = name.strip('"')
            elif name in consts:
                name = consts[name]
            elif "." in name and name.split(".")[-1] in consts:
                name = consts[name.split(".")[-1]]
            else:
                continue
            short = m.group("short") if (m.group("p") or m.group("vp")) else None
            out.append((i, name, short or None, m.group("type")))
    return out


def flag_row(long, short, takes_value, source, note=None):
    row = {"long": "--" + long.replace("_", "-"), "short": ("-" + short) if short else None,
           "value": takes_value}
    if note:
        row["note"] = note
    row["source"] = source
    return row


BOOL_TYPES = {"Bool"}


def global_flags():
    rows = []
    # cli-runtime ConfigFlags.AddFlags
    path = "pkg/genericclioptions/config_flags.go"
    lines = show("cli-runtime", CLI_RUNTIME_TAG, path)
    consts = constants(lines)
    start = find(lines, r"func \(f \*ConfigFlags\) AddFlags")
    end = find(lines, r"^}", start)
    for i, name, short, typ in registrations(lines, consts, start, end):
        rows.append(flag_row(name, short, typ not in BOOL_TYPES,
                             cite("cli-runtime", CLI_RUNTIME_TAG, path, i + 1, lines[i])))
    # kubectl's root command: profiling, --warnings-as-errors, --kuberc, --match-server-version
    for path, func in [
        ("pkg/cmd/profiling.go", r"func addProfilingFlags"),
        ("pkg/cmd/cmd.go", r"func NewKubectlCommand"),
        ("pkg/kuberc/kuberc.go", r"func \(p \*Preferences\) AddFlags"),
        ("pkg/cmd/util/kubectl_match_version.go", r"func \(f \*MatchVersionFlags\) AddFlags"),
    ]:
        lines = show("kubectl", KUBECTL_TAG, path)
        start = find(lines, func)
        end = find(lines, r"^}", start)
        consts = constants(lines)
        for i, name, short, typ in registrations(lines, consts, start, end):
            rows.append(flag_row(name, short, typ not in BOOL_TYPES,
                                 cite("kubectl", KUBECTL_TAG, path, i + 1, lines[i])))
    # Logging flags: component-base logs.AddFlags adds its package flags:
    # klogflags.Init (-v, --vmodule) and --log-flush-frequency.
    path = "logs/klogflags/klogflags.go"
    lines = show("component-base", COMPONENT_BASE_TAG, path)
    i = find(lines, r'case "v", "vmodule":')
    src = cite("component-base", COMPONENT_BASE_TAG, path, i + 1, lines[i])
    rows.append(flag_row("v", "v", True, src,
                         "pflag.PFlagFromGoFlag gives a one-letter flag its shorthand"))
    rows.append(flag_row("vmodule", None, True, src))
    path = "logs/logs.go"
    lines = show("component-base", COMPONENT_BASE_TAG, path)
    i = find(lines, r"packageFlags\.DurationVar\(&logFlushFreq")
    rows.append(flag_row("log-flush-frequency", None, True,
                         cite("component-base", COMPONENT_BASE_TAG, path, i + 1, lines[i])))
    # kubectl up to 1.25: every klog flag (klog.InitFlags), `_` read as `-`.
    path = "logs/logs.go"
    lines = show("component-base", COMPONENT_BASE_LEGACY_TAG, path)
    find(lines, r"klog\.InitFlags\(packageFlags\)")
    lines = show("klog", KLOG_LEGACY_TAG, "klog.go")
    start = find(lines, r"^func InitFlags")
    end = find(lines, r"^}", start)
    known = {r["long"] for r in rows}
    for i, name, short, typ in registrations(lines, None, start, end):
        long = "--" + name.replace("_", "-")
        if long in known:
            continue
        rows.append(flag_row(name, None, typ not in BOOL_TYPES,
                             cite("klog", KLOG_LEGACY_TAG, "klog.go", i + 1, lines[i]),
                             f"kubectl up to 1.25 (component-base {COMPONENT_BASE_LEGACY_TAG} logs/logs.go: klog.InitFlags(packageFlags))"))
    return rows


def use_name(lines, func):
    start = find(lines, r"^func " + re.escape(func) + r"\(")
    # kustomize's help is built by `build.MakeHelp("kubectl", "kustomize")`.
    helper = find_opt(lines, r'MakeHelp\("kubectl", "[\w-]+"\)', start)
    if helper is not None and helper < find(lines, r"^}", start):
        name = re.search(r'MakeHelp\("kubectl", "([\w-]+)"\)', lines[helper]).group(1)
        return name, helper, []
    i = find(lines, r'Use:\s+', start)
    m = re.search(r'Use:\s+(?:fmt\.Sprintf\()?"([^" \[]+)', lines[i])
    if not m:
        # `Use: logsUsageStr,`: a constant of the file.
        v = re.search(r"Use:\s+(\w+),", lines[i])
        if v:
            j = find(lines, r"\b" + v.group(1) + r'\s*=\s*"')
            m = re.search(r'=\s*"([^" \[]+)', lines[j])
            i = j if m else i
    if not m:
        raise SystemExit(f"no Use: name for {func}")
    aliases = []
    end = find(lines, r"^}", start)
    for j in range(start, end):
        a = re.search(r"Aliases:\s+\[\]string\{([^}]*)\}", lines[j])
        if a:
            aliases = re.findall(r'"([^"]+)"', a.group(1))
            break
    return m.group(1), i, aliases


def package_dirs(lines):
    out = {}
    for line in lines:
        m = re.match(r'\s*(?:(\w+) )?"k8s.io/kubectl/(pkg/cmd/[\w/]+)"', line)
        if m:
            alias = m.group(1) or m.group(2).rsplit("/", 1)[1]
            out[alias] = m.group(2)
    return out


def constructor_file(pkgdir, func):
    for path in git("kubectl", "ls-tree", "--name-only", KUBECTL_TAG, pkgdir + "/").split():
        if not path.endswith(".go") or path.endswith("_test.go"):
            continue
        lines = show("kubectl", KUBECTL_TAG, path)
        if any(re.match(r"^func " + re.escape(func) + r"\(", l) for l in lines):
            return path, lines
    raise SystemExit(f"{func} not found in {pkgdir}")


def subcommands():
    path = "pkg/cmd/cmd.go"
    lines = show("kubectl", KUBECTL_TAG, path)
    dirs = package_dirs(lines)
    start = find(lines, r"^func NewKubectlCommand")
    end = find(lines, r"^}", start)
    variables = {}
    rows = []
    seen = set()
    for i in range(start, end):
        line = lines[i]
        if line.strip().startswith("//"):
            continue
        m = re.search(r"(?:(\w+) := )?(?:(\w+)\.)?(NewCmd\w+)\(([^)]*)", line)
        if not m:
            continue
        var, pkg, func, args = m.groups()
        pkgdir = dirs.get(pkg) if pkg else "pkg/cmd"
        if pkg and pkgdir is None:
            continue
        fpath, flines = constructor_file(pkgdir, func)
        name, uline, _ = use_name(flines, func)
        if var:
            # Added later by name (`proxyCmd,`, `cmds.AddCommand(alpha)`).
            if not re.search(r"(^|\W)" + var + r"(,|\))", "\n".join(lines[i + 1:end])):
                continue
        if name in seen:
            continue
        seen.add(name)
        hands_factory = re.match(r"\s*(\"kubectl\", )?f\b", args) is not None
        if not hands_factory:
            role = "client"
        elif any(n in line for n in CLIENT_SIDE.values()):
            role = "client"
        elif name == "proxy":
            role = "serves"
        else:
            role = "server"
        rows.append({
            "name": name,
            "role": role,
            "source": cite("kubectl", KUBECTL_TAG, path, i + 1, line),
            "use": cite("kubectl", KUBECTL_TAG, fpath, uline + 1, flines[uline]),
        })
    lines = show("cobra", COBRA_TAG, "command.go")
    i = find(lines, r'Use:\s+"help \[command\]"')
    rows.append({"name": "help", "role": "client",
                 "source": cite("cobra", COBRA_TAG, "command.go", i + 1, lines[i])})
    for legacy in LEGACY:
        if "tag" in legacy:
            lines = show("kubectl", legacy["tag"], legacy["path"])
            i = find(lines, re.escape(legacy["needle"]))
            src = cite("kubectl", legacy["tag"], legacy["path"], i + 1, lines[i])
        else:
            src = {k: legacy[k] for k in ("repo", "commit", "path", "line", "quote")}
        rows.append({"name": legacy["name"], "role": legacy["role"], "legacy": True, "source": src})
    return rows


def generators():
    path = "pkg/cmd/create/create.go"
    lines = show("kubectl", KUBECTL_TAG, path)
    rows = []
    for i, line in enumerate(lines):
        m = re.search(r"cmd\.AddCommand\((NewCmdCreate\w+)\(", line)
        if not m:
            continue
        fpath, flines = constructor_file("pkg/cmd/create", m.group(1))
        if not any("AddDryRunFlag" in l for l in flines):
            continue  # `create token` asks the server for a token
        name, uline, aliases = use_name(flines, m.group(1))
        rows.append({
            "name": name,
            "aliases": aliases,
            "source": cite("kubectl", KUBECTL_TAG, fpath, uline + 1, flines[uline]),
        })
    return rows


def streams():
    rows = []
    for command, path, flags, kind in STREAMS:
        lines = show("kubectl", KUBECTL_TAG, path)
        regs = registrations(lines)
        bool_shorts = sorted({s for _, _, s, t in regs if s and t in BOOL_TYPES})
        row = {"command": command, "kind": kind}
        if flags:
            row["flags"] = []
            for flag in flags:
                hit = [(i, n, s, t) for i, n, s, t in regs if n == flag]
                if not hit:
                    raise SystemExit(f"{path}: no flag {flag}")
                i, n, s, t = hit[0]
                if t not in BOOL_TYPES:
                    raise SystemExit(f"{path}: {flag} is not a boolean")
                row["flags"].append({
                    "long": "--" + n,
                    "short": ("-" + s) if s else None,
                    "source": cite("kubectl", KUBECTL_TAG, path, i + 1, lines[i]),
                })
            row["bool_shorthands"] = ["-" + s for s in bool_shorts]
        else:
            i = find(lines, r"Use:\s+\"" + re.escape(command[0]))
            row["source"] = cite("kubectl", KUBECTL_TAG, path, i + 1, lines[i])
        rows.append(row)
    return rows


def main():
    if len(sys.argv) != 6:
        raise SystemExit(__doc__)
    for name, path in zip(["kubectl", "cli-runtime", "component-base", "klog", "cobra"], sys.argv[1:]):
        REPOS[name] = path
    main_src = dict(KUBECTL_MAIN)
    out = {
        "about": "kubectl's command line: global flags that take a value, sub-commands (and which never call the API server), create generators, and the calls that stream. Written by lints/extract_kubectl.py; read by src/kubectl.rs; see lints/README.md.",
        "tags": {
            "kubernetes/kubectl": KUBECTL_TAG,
            "kubernetes/cli-runtime": CLI_RUNTIME_TAG,
            "kubernetes/component-base": COMPONENT_BASE_TAG,
        },
        "logging_flags_via": main_src,
        "global_flags": global_flags(),
        "subcommands": subcommands(),
        "create_generators": generators(),
        "streams": streams(),
    }
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
