#!/usr/bin/env python3
"""Validate lints/manifests/snap-revisions.json (stdlib only).

    python3 lints/check_snap_revisions.py [path/to/snap-revisions.json]

Checks:
- every row has revision (int), version (str), kind, and >= 1 source;
- every source has a quote and an https url a reader can open (a GitHub
  file at a commit with the quote's line, `…/blob/COMMIT/PATH#L<n>`, an issue,
  a doc page), and so does every excluded source;
- every quote literally contains the row's revision number and its version;
- a row's date (when given) appears literally in at least one of its quotes;
- revisions are unique and sorted ascending; conflicts are not in the main list;
- monotonicity: among dated rows, a lower revision must not carry a later date
  than a higher one. Each such row must be listed under "suspicious" (the
  dates are channel-release dates, so a few inversions are expected and
  explained there); an unlisted inversion is an error.
Prints per-track counts (track = major.minor of the version; -strict and
-eksd builds count with their track), the total and the distinct sources.
Exit status 1 on any error.
"""
import json
import os
import re
import sys
from collections import Counter

KINDS = {"snap-info-channel", "snap-info-installed", "snap-list", "microk8s-version"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TRACK = re.compile(r"^(\d+)\.(\d+)")


def main():
    default = os.path.join(os.path.dirname(os.path.abspath(__file__)), "manifests", "snap-revisions.json")
    path = sys.argv[1] if len(sys.argv) > 1 else default
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    errors = []

    for key in ("description", "method", "revisions", "conflicts", "suspicious"):
        if key not in data:
            errors.append("missing top-level key %r" % key)
    rows = data.get("revisions", [])

    seen = set()
    prev = None
    for i, row in enumerate(rows):
        where = "row %d (revision %r)" % (i, row.get("revision"))
        rev = row.get("revision")
        ver = row.get("version")
        if not isinstance(rev, int) or isinstance(rev, bool):
            errors.append("%s: revision is not an int" % where)
            continue
        if not isinstance(ver, str) or not ver:
            errors.append("%s: version missing" % where)
            continue
        if ver.startswith("v"):
            errors.append("%s: version keeps its leading v" % where)
        if row.get("kind") not in KINDS:
            errors.append("%s: unknown kind %r" % (where, row.get("kind")))
        if rev in seen:
            errors.append("%s: duplicate revision" % where)
        seen.add(rev)
        if prev is not None and rev < prev:
            errors.append("%s: not sorted ascending" % where)
        prev = rev
        date = row.get("date")
        if date is not None and not DATE.match(date):
            errors.append("%s: bad date %r" % (where, date))
        sources = row.get("sources") or []
        if not sources:
            errors.append("%s: no sources" % where)
        for j, src in enumerate(sources):
            url, quote = src.get("url"), src.get("quote")
            if not quote:
                errors.append("%s: source %d lacks a quote" % (where, j))
                continue
            if not (isinstance(url, str) and url.startswith("https://")):
                errors.append("%s: source %d has no https url: %r" % (where, j, url))
                continue
            if "/blob/" in url and not re.search(r"#L\d+$", url):
                errors.append("%s: source %d names a file but not its line: %r" % (where, j, url))
            if set(src) - {"url", "quote", "note", "tracking", "tracking_note"}:
                errors.append("%s: source %d has unknown fields %s" % (where, j, sorted(set(src) - {"url", "quote", "note", "tracking", "tracking_note"})))
            if not re.search(r"(?<!\d)%d(?!\d)" % rev, quote):
                errors.append("%s: source %d quote lacks the revision: %r" % (where, j, quote))
            if ver not in quote:
                errors.append("%s: source %d quote lacks the version %r: %r" % (where, j, ver, quote))
        if date is not None and not any(date in (s.get("quote") or "") for s in sources):
            errors.append("%s: date %s is in none of its quotes" % (where, date))

    for k, x in enumerate(data.get("excluded_sources", [])):
        u = x.get("url")
        if not (isinstance(u, str) and u.startswith("https://")):
            errors.append("excluded source %d has no https url" % k)

    for c in data.get("conflicts", []):
        if c.get("revision") in seen:
            errors.append("conflict revision %r is also in the main list" % c.get("revision"))

    # monotonicity
    dated = [r for r in rows if isinstance(r.get("revision"), int) and r.get("date")]
    inversions = {}
    for i, r in enumerate(dated):
        later = [q["revision"] for q in dated[i + 1:] if q["date"] < r["date"]]
        if later:
            inversions[r["revision"]] = later
    listed = {s.get("revision") for s in data.get("suspicious", [])}
    for rev, later in sorted(inversions.items()):
        if rev not in listed:
            errors.append("revision %d is dated after higher revision(s) %s but is not listed as suspicious"
                          % (rev, later))
    for rev in sorted(listed - set(inversions)):
        errors.append("revision %r is listed as suspicious but breaks no monotonicity" % rev)

    # report
    tracks = Counter()
    for r in rows:
        m = TRACK.match(r.get("version") or "")
        tracks["%s.%s" % m.groups() if m else "?"] += 1
    urls = {s["url"] for r in rows for s in r.get("sources", []) if s.get("url")}
    print("per-track counts:")
    for t in sorted(tracks, key=lambda t: tuple(int(x) for x in t.split(".")) if t != "?" else (999,)):
        print("  %-5s %3d" % (t, tracks[t]))
    print("total rows: %d; dated: %d; conflicts: %d; suspicious (monotonicity): %d; distinct sources: %d"
          % (len(rows), len(dated), len(data.get("conflicts", [])), len(listed), len(urls)))
    for rev, later in sorted(inversions.items()):
        print("  monotonicity: %d dated after %s" % (rev, ", ".join(map(str, later))))

    if errors:
        print("\nERRORS (%d):" % len(errors))
        for e in errors:
            print("  " + e)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
