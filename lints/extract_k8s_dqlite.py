#!/usr/bin/env python3
"""Extract the command-line flags of every released k8s-dqlite version.

Reads local clones of https://github.com/canonical/k8s-dqlite (all tags),
https://github.com/kubernetes/component-base and https://github.com/spf13/cobra
(for the flags k8s-dqlite accepts through them, below) and prints the manifest
that opslint embeds (lints/manifests/k8s-dqlite.json):

    git clone https://github.com/canonical/k8s-dqlite /tmp/k8s-dqlite
    git clone https://github.com/kubernetes/component-base /tmp/component-base
    git clone https://github.com/spf13/cobra /tmp/cobra
    python3 lints/extract_k8s_dqlite.py /tmp/k8s-dqlite /tmp/component-base /tmp/cobra \
        > lints/manifests/k8s-dqlite.json

Released versions are the `vX.Y.Z` tags (pre-release tags such as `-dev1` are
skipped). The root command's flags are registered in `app/app.go`
(`dqliteCmd.Flags()`, up to v1.1.7) or `cmd/root.go` (`rootCmd.Flags()`, from
v1.1.8); flags of sub-commands (`migrator`) are not flags of the daemon. Each
flag records its pflag type, its default exactly as the Go source writes it,
its usage text, a deprecation message when `MarkDeprecated` is called, and
the line of the registration (`line`) with its text (`quote`).
Cobra adds `--help` (`-h`) to every command; it is listed as a built-in.

String flags whose usage text lists their values (`One of (none|handover|terminate)`,
`(tls10|tls11|tls12|tls13)`) get `enum` only when the sources at that tag check
the value: every listed value is a `case "…"` of one Go file (not a test) that
also returns an `unsupported …` error; `enum_source` names that file.
`enum_accepts_empty` is true when `""` is one of those cases (an empty value
is taken as the default), and `enum_checked_when` names the bool flag whose
`if` encloses the `switch` (`--min-tls-version` is read only when
`--enable-tls` is true): the parameter of `server.New` that the `if` tests is
mapped, by position, to the argument the root command passes and the flag
bound to it.

Flags accepted through dependencies: a `main` package that imports
`k8s.io/component-base/logs` gets the flags that package registers on
`pflag.CommandLine` when it is loaded (`--log-flush-frequency` in the versions
go.mod requires), and cobra adds `pflag.CommandLine` to the root command's
flags (`AddFlagSet(flag.CommandLine)` in cobra's `command.go`). Such flags carry
`via` with the module, version, commit, path, line and quote of the
registration, and of cobra's merge. Any other use of `pflag.CommandLine`, or
an import of another component-base package that registers flags, stops the
extractor (the data would be incomplete). Modules other than component-base
are not read.

Untagged builds: MicroK8s built k8s-dqlite from its `master` branch between
two pins (`version.sh` echoes `master`). Every first-parent commit of
`master` whose flags differ from the commit before it is recorded as a
version `X.Y.Z+master.<commit>` (X.Y.Z: the newest release tag it contains),
with `branch: master` and its commit date; the flags of a `master` build are
those of the newest such commit dated on or before the build.
"""
import json
import re
import subprocess
import sys

ROOT_COMMANDS = ("dqliteCmd", "rootCmd")
SOURCES = ("cmd/root.go", "app/app.go", "pkg/app/app.go")
CALL = re.compile(r"\b(" + "|".join(ROOT_COMMANDS) + r")\.Flags\(\)\.(\w+?)Var(P?)\(")
DEPRECATED = re.compile(r"\b(?:" + "|".join(ROOT_COMMANDS) + r')\.Flags\(\)\.MarkDeprecated\(\s*"([^"]+)"\s*,\s*"((?:[^"\\]|\\.)*)"\s*\)')
ENUM = re.compile(r"\(([a-z0-9]+(?:\|[a-z0-9]+)+)\)")
TAG = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def split_args(text, start):
    """Top-level comma-separated arguments of the call whose '(' is at text[start-1]."""
    args, depth, cur, i, quote = [], 0, [], start, None
    while i < len(text):
        c = text[i]
        if quote:
            cur.append(c)
            if c == "\\":
                cur.append(text[i + 1])
                i += 1
            elif c == quote:
                quote = None
        elif c in "\"`'":
            quote = c
            cur.append(c)
        elif c in "([{":
            depth += 1
            cur.append(c)
        elif c in ")]}":
            if depth == 0:
                args.append("".join(cur).strip())
                return args
            depth -= 1
            cur.append(c)
        elif c == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    raise ValueError("unterminated call")


def go_string(literal):
    if literal.startswith('"') and literal.endswith('"'):
        return json.loads(literal)
    if literal.startswith("`") and literal.endswith("`"):
        return literal[1:-1]
    return literal


def enum_of(repo, tag, flag):
    """The values a string flag is checked against at run time, and where."""
    m = ENUM.search(flag["usage"]) if flag["type"] == "string" else None
    if not m:
        return None, None
    values = m.group(1).split("|")
    try:
        hits = git(repo, "grep", "-l", "-F", f'case "{values[0]}"', tag, "--", "*.go")
    except subprocess.CalledProcessError:
        return None, None
    for hit in hits.split():
        path = hit.split(":", 1)[1]
        if path.endswith("_test.go"):
            continue
        text = git(repo, "show", f"{tag}:{path}")
        cases = set(re.findall(r'\bcase\s+((?:"[^"]*"\s*,?\s*)+):', text))
        cased = {v for c in cases for v in re.findall(r'"([^"]*)"', c)}
        if set(values) <= cased and "unsupported" in text:
            return values, path
    return None, None


GO_REQUIRE = re.compile(r"^\s*(?:require\s+)?(\S+)\s+(v[^\s]+)", re.M)
REGISTER = re.compile(r"^var\s+\w+\s*=\s*pflag\.(\w+)\((\w+|\"[^\"]*\")\s*,\s*(.*?),\s*(\"(?:[^\"\\\\]|\\\\.)*\")\)\s*$", re.M)


def module_version(repo, tag, module):
    """The version go.mod at `tag` requires of `module` (a replace wins)."""
    text = git(repo, "show", f"{tag}:go.mod")
    repl = re.search(r"^\s*(?:replace\s+)?" + re.escape(module) + r"\s+=>\s+(\S+)\s+(v\S+)", text, re.M)
    if repl:
        return repl.group(2) if repl.group(1) == module else None
    for m in GO_REQUIRE.finditer(text):
        if m.group(1) == module:
            return m.group(2)
    return None


def line_of(text, needle):
    at = text.index(needle)
    return text.count("\n", 0, at) + 1, text.splitlines()[text.count("\n", 0, at)].strip()


def dependency_flags(repo, tag, component_base, cobra):
    """Flags registered on pflag.CommandLine by imported packages, merged by cobra."""
    sources = [p for p in git(repo, "ls-tree", "-r", "--name-only", tag).split()
               if p.endswith(".go") and not p.endswith("_test.go") and not p.startswith("vendor/")]
    importers, other = [], []
    for path in sources:
        text = git(repo, "show", f"{tag}:{path}")
        if '"k8s.io/component-base/logs"' in text:
            importers.append(path)
        for m in re.finditer(r'"k8s.io/component-base/([\w/]+)"', text):
            if m.group(1) not in ("logs", "cli/flag"):
                other.append(f"{path}: component-base/{m.group(1)}")
        for m in re.finditer(r"pflag\.CommandLine\.(\w+)", text):
            if m.group(1) != "SetNormalizeFunc":
                other.append(f"{path}: pflag.CommandLine.{m.group(1)}")
    if other:
        raise SystemExit(f"{tag}: flags may be registered through {other}; extend the extractor")
    if not importers:
        return []
    cb_version = module_version(repo, tag, "k8s.io/component-base")
    cobra_version = module_version(repo, tag, "github.com/spf13/cobra")
    logs = git(component_base, "show", f"{cb_version}:logs/logs.go")
    consts = dict(re.findall(r'^const\s+(\w+)\s*=\s*("[^"]*")', logs, re.M))
    merge_text = git(cobra, "show", f"{cobra_version}:command.go")
    merge_line, merge_quote = line_of(merge_text, "AddFlagSet(flag.CommandLine)")
    flags = []
    for m in REGISTER.finditer(logs):
        name = go_string(consts.get(m.group(2), m.group(2)))
        line = logs.count("\n", 0, m.start()) + 1
        flags.append({
            "name": name,
            "shorthand": None,
            "type": m.group(1).lower(),
            "default": m.group(3).strip(),
            "usage": go_string(m.group(4)),
            "deprecated": None,
            "enum": None,
            "enum_source": None,
            "via": {
                "imported_by": importers,
                "module": "k8s.io/component-base",
                "version": cb_version,
                "repository": "https://github.com/kubernetes/component-base",
                "commit": git(component_base, "rev-list", "-n", "1", cb_version).strip(),
                "path": "logs/logs.go",
                "line": line,
                "quote": logs.splitlines()[line - 1].strip(),
                "merged_by": {
                    "module": "github.com/spf13/cobra",
                    "version": cobra_version,
                    "repository": "https://github.com/spf13/cobra",
                    "commit": git(cobra, "rev-list", "-n", "1", cobra_version).strip(),
                    "path": "command.go",
                    "line": merge_line,
                    "quote": merge_quote,
                },
            },
        })
    if not flags:
        raise SystemExit(f"{tag}: component-base {cb_version} logs/logs.go registers no flag; check the extractor")
    return flags


def enum_condition(repo, tag, path, text, first_value, root_path, root_text):
    """Whether `""` is accepted, and the bool flag whose `if` encloses the switch."""
    at = text.index(f'case "{first_value}"')
    switch = text.rfind("switch ", 0, at)
    case_line = text[at:text.index(":", at)]
    accepts_empty = '""' in case_line or re.search(r'\bcase\s+""\s*[,:]', text[switch:text.find("default:", at)]) is not None
    # Go functions start at column 0: the enclosing one is the last before the switch.
    func_start = text.rfind("\nfunc ", 0, switch) + 1
    func_head = text[func_start:]
    depth, i, cond = 0, switch, None
    while i > func_start:
        i -= 1
        c = text[i]
        if c == "}":
            depth += 1
        elif c == "{":
            if depth == 0:
                head = text[text.rfind("\n", 0, i) + 1:i].strip()
                m = re.fullmatch(r"if\s+(\w+)", head)
                if m and cond is None:
                    cond = m.group(1)
            else:
                depth -= 1
    if cond is None:
        return accepts_empty, None
    # `func New(dir string, listen string, enableTLS bool, ...)`: its position.
    fm = re.search(r"func\s+(\w+)\(", func_head)
    params = [p.split()[0] for p in split_args(func_head, fm.end()) if p]
    if cond not in params:
        raise SystemExit(f"{tag}: {path}: `if {cond}` is not a parameter of {fm.group(1)}; extend the extractor")
    call = re.search(r"\b\w+\." + fm.group(1) + r"\(", root_text)
    arg = split_args(root_text, call.end())[params.index(cond)]
    for m in CALL.finditer(root_text):
        args = split_args(root_text, m.end())
        if m.group(2) == "Bool" and args[0].lstrip("&") == arg:
            return accepts_empty, {"flag": go_string(args[1]), "value": "true"}
    raise SystemExit(f"{tag}: no bool flag is bound to {arg}; extend the extractor")


def flags_at(repo, tag):
    for path in SOURCES:
        try:
            text = git(repo, "show", f"{tag}:{path}")
        except subprocess.CalledProcessError:
            continue
        flags = []
        for m in CALL.finditer(text):
            args = split_args(text, m.end())
            shorthand = None
            if m.group(3):  # XxxVarP(&p, name, shorthand, default, usage)
                _, name, shorthand, default, usage = args
                shorthand = go_string(shorthand)
            else:
                _, name, default, usage = args
            line = text.count("\n", 0, m.start()) + 1
            flags.append({
                "name": go_string(name),
                "shorthand": shorthand,
                "type": m.group(2).lower(),
                "default": default,
                "usage": go_string(usage),
                "deprecated": None,
                "line": line,
                "quote": text.splitlines()[line - 1].strip(),
            })
        for m in DEPRECATED.finditer(text):
            for f in flags:
                if f["name"] == m.group(1):
                    f["deprecated"] = json.loads('"' + m.group(2) + '"')
        for f in flags:
            f["enum"], f["enum_source"] = enum_of(repo, tag, f)
            if f["enum"]:
                source = git(repo, "show", f"{tag}:{f['enum_source']}")
                f["enum_accepts_empty"], f["enum_checked_when"] = enum_condition(
                    repo, tag, f["enum_source"], source, f["enum"][0], path, text)
        if flags:
            return path, sorted(flags, key=lambda f: f["name"])
    raise SystemExit(f"{tag}: no root command flags found in {SOURCES}")


def version_at(repo, rev, component_base, cobra):
    path, flags = flags_at(repo, rev)
    return path, sorted(flags + dependency_flags(repo, rev, component_base, cobra), key=lambda f: f["name"])


def release_key(tag):
    return tuple(int(x) for x in TAG.match(tag).groups())


def main():
    repo, component_base, cobra = sys.argv[1:4]
    tags = sorted((t for t in git(repo, "tag").split() if TAG.match(t)), key=release_key)
    versions = []
    for tag in tags:
        path, flags = version_at(repo, tag, component_base, cobra)
        versions.append({
            "version": tag[1:],
            "tag": tag,
            "commit": git(repo, "rev-list", "-n", "1", tag).strip(),
            "path": path,
            "flags": flags,
        })
    # master: every first-parent commit whose flags differ from the one before.
    master = "master" if git(repo, "branch", "--list", "master").strip() else "origin/master"
    tagged = {git(repo, "rev-list", "-n", "1", t).strip(): t for t in tags}
    previous = None
    untagged = []
    for line in git(repo, "log", "--first-parent", "--reverse", "--format=%H %cd", "--date=short", master).splitlines():
        commit, date = line.split()
        contained = [t for t in git(repo, "tag", "--merged", commit).split() if TAG.match(t)]
        if not contained:
            continue
        try:
            path, flags = version_at(repo, commit, component_base, cobra)
        except SystemExit:
            raise
        except Exception:
            continue
        # Where a flag is registered is not what the binary accepts.
        signature = json.dumps([{k: v for k, v in f.items() if k not in ("line", "quote", "via")} for f in flags],
                               sort_keys=True, default=str)
        if signature == previous:
            continue
        previous = signature
        if commit in tagged:
            continue
        base = max(contained, key=release_key)
        untagged.append({
            "version": f"{base[1:]}+master.{commit[:12]}",
            "tag": f"master@{commit[:12]}",
            "branch": "master",
            "date": date,
            "commit": commit,
            "path": path,
            "flags": flags,
        })
    versions.extend(untagged)
    versions.sort(key=lambda v: (release_key("v" + v["version"].split("+")[0]), v.get("date") or ""))
    manifest = {
        "component": "k8s-dqlite",
        "repository": "https://github.com/canonical/k8s-dqlite",
        "generator": "lints/extract_k8s_dqlite.py",
        "builtin_flags": [{"name": "help", "shorthand": "h", "note": "added by cobra to every command"}],
        "versions": versions,
    }
    json.dump(manifest, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
