#!/usr/bin/env python3
"""Extract the command-line flags of every released k8s-dqlite version.

Reads a local clone of https://github.com/canonical/k8s-dqlite (all tags) and
prints the manifest that opslint embeds (lints/manifests/k8s-dqlite.json):

    git clone https://github.com/canonical/k8s-dqlite /tmp/k8s-dqlite
    python3 lints/extract_k8s_dqlite.py /tmp/k8s-dqlite > lints/manifests/k8s-dqlite.json

Released versions are the `vX.Y.Z` tags (pre-release tags such as `-dev1` are
skipped). The root command's flags are registered in `app/app.go`
(`dqliteCmd.Flags()`, up to v1.1.7) or `cmd/root.go` (`rootCmd.Flags()`, from
v1.1.8); flags of sub-commands (`migrator`) are not flags of the daemon. Each
flag records its pflag type, its default exactly as the Go source writes it,
its usage text, and a deprecation message when `MarkDeprecated` is called.
Cobra adds `--help` (`-h`) to every command; it is listed as a built-in.

String flags whose usage text lists their values (`One of (none|handover|terminate)`,
`(tls10|tls11|tls12|tls13)`) get `enum` only when the sources at that tag check
the value: every listed value is a `case "…"` of one Go file (not a test) that
also returns an `unsupported …` error; `enum_source` names that file.
"""
import json
import re
import subprocess
import sys

ROOT_COMMANDS = ("dqliteCmd", "rootCmd")
SOURCES = ("cmd/root.go", "app/app.go")
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
            flags.append({
                "name": go_string(name),
                "shorthand": shorthand,
                "type": m.group(2).lower(),
                "default": default,
                "usage": go_string(usage),
                "deprecated": None,
            })
        for m in DEPRECATED.finditer(text):
            for f in flags:
                if f["name"] == m.group(1):
                    f["deprecated"] = json.loads('"' + m.group(2) + '"')
        for f in flags:
            f["enum"], f["enum_source"] = enum_of(repo, tag, f)
        if flags:
            return path, sorted(flags, key=lambda f: f["name"])
    raise SystemExit(f"{tag}: no root command flags found in {SOURCES}")


def main():
    repo = sys.argv[1]
    tags = sorted(
        (t for t in git(repo, "tag").split() if TAG.match(t)),
        key=lambda t: tuple(int(x) for x in TAG.match(t).groups()),
    )
    versions = []
    for tag in tags:
        path, flags = flags_at(repo, tag)
        versions.append({
            "version": tag[1:],
            "tag": tag,
            "commit": git(repo, "rev-list", "-n", "1", tag).strip(),
            "path": path,
            "flags": flags,
        })
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
