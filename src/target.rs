//! The MicroK8s release a repository targets, and the daemon versions it bundles.
//!
//! From `.opslint.yaml` (`target: {microk8s: "1.34"}`, `{microk8s: "1.34.5"}`,
//! `{snap-revision: 8695}`) or the CLI (`--microk8s`, `--snap-revision`). Without a
//! target, the newest known release is assumed.

use crate::manifest;
use std::fmt;

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSpec {
    MicroK8s(String),
    SnapRevision(u64),
}

/// The resolved target: which versions of each bundled daemon may run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// For messages: `MicroK8s 1.34 (k8s-dqlite v1.8.0, v1.8.1)`.
    pub description: String,
    /// k8s-dqlite versions (without `v`); empty means "the newest release".
    pub k8s_dqlite: Vec<String>,
    /// containerd versions (without `v`); empty means "the newest release".
    pub containerd: Vec<String>,
    /// Every track the target may be (several for a revision bounded by
    /// date); empty means "the newest track".
    pub tracks: Vec<String>,
    /// `snap revision 8695 = MicroK8s 1.34.5`, and how it was resolved
    /// (`; the patch release …`), said inside the versions' parentheses.
    release: String,
    note: String,
}

impl Target {
    /// The versions of `component` the target bundles (empty: not constrained).
    pub fn versions_of(&self, component: &str) -> &[String] {
        match component {
            "k8s-dqlite" => &self.k8s_dqlite,
            "containerd" => &self.containerd,
            _ => &[],
        }
    }

    /// Whether the target narrows `component`'s versions.
    pub fn constrains(&self, component: &str) -> bool {
        !self.versions_of(component).is_empty()
    }

    /// For messages: `MicroK8s 1.35 (containerd v2.1.6)`.
    pub fn describe(&self, component: &str) -> String {
        if component == "k8s-dqlite" {
            return self.description.clone();
        }
        let list = self
            .versions_of(component)
            .iter()
            .map(|v| format!("v{v}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!("{} ({component} {list}{})", self.release, self.note)
    }

    /// The versions of `manifest` that may run: the target's, else the newest release.
    pub fn versions<'m>(&self, manifest: &'m manifest::Manifest) -> Vec<&'m manifest::Version> {
        if self.constrains(&manifest.component) {
            let wanted = self.versions_of(&manifest.component);
            manifest
                .versions
                .iter()
                .filter(|v| wanted.contains(&v.version))
                .collect()
        } else {
            manifest.newest().into_iter().collect()
        }
    }

    pub fn newest() -> Target {
        Target {
            description: String::new(),
            k8s_dqlite: Vec::new(),
            containerd: Vec::new(),
            tracks: Vec::new(),
            release: String::new(),
            note: String::new(),
        }
    }

    /// How the target was resolved when it was not exact (`the patch release
    /// is not in the sources: …`), for a note when the run starts.
    pub fn approximation(&self) -> Option<&str> {
        self.note.strip_prefix("; ").filter(|n| n.contains("not in the sources"))
    }

    /// The Kubernetes minor release the target runs, judged by the oldest
    /// track it may be (MicroK8s track 1.N runs Kubernetes 1.N), and how to
    /// name that track in messages.
    pub fn kubernetes_minor(&self) -> Option<(String, (u32, u32))> {
        self.tracks()
            .into_iter()
            .filter_map(|(t, desc)| Some((desc, manifest::minor(t)?)))
            .min_by_key(|(_, m)| *m)
    }

    /// The tracks whose MicroK8s scripts apply, and how to name each in
    /// messages: one, or several for a revision bounded by date.
    pub fn tracks(&self) -> Vec<(&str, String)> {
        if self.tracks.is_empty() {
            let Some(t) = manifest::microk8s().and_then(|m| m.newest_track()) else {
                return Vec::new();
            };
            return vec![(t, format!("MicroK8s {t} (the newest track)"))];
        }
        self.tracks.iter().map(|t| (t.as_str(), format!("MicroK8s {t}"))).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetError(pub String);

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn known_tracks() -> Vec<String> {
    let m = manifest::microk8s();
    let mut tracks: Vec<String> = m
        .map(|m| m.tracks.keys().cloned().collect())
        .unwrap_or_default();
    tracks.sort_by_key(|t| semver::Version::parse(&format!("{t}.0")).ok());
    tracks
}

const HOW_TO_ADD: &str = "name the MicroK8s version instead (`--microk8s 1.34`, or `target: {microk8s: \"1.34\"}`)";

/// The dated history entries of one track in effect at some time in
/// `[lo, hi]` (ISO dates; an open bound is `None`). Each line of history
/// (`master`, the branch) is read on its own: an entry is in effect from its
/// date until the next entry of its line, or its `until`.
fn in_window<'a, T: manifest::Dated>(history: &'a [T], lo: Option<&str>, hi: Option<&str>) -> Vec<&'a T> {
    let mut out = Vec::new();
    let mut lines: Vec<&str> = history.iter().map(|e| e.line()).collect();
    lines.dedup();
    lines.sort_unstable();
    lines.dedup();
    for line in lines {
        let mut sorted: Vec<&T> = history.iter().filter(|e| e.line() == line).collect();
        sorted.sort_by(|a, b| a.date().cmp(b.date()));
        for i in 0..sorted.len() {
            let starts = sorted[i].date();
            let next = sorted.get(i + 1).map(|n| n.date());
            let ends = match (next, sorted[i].until()) {
                (Some(n), Some(u)) => Some(n.min(u)),
                (n, u) => n.or(u),
            };
            if hi.is_none_or(|hi| starts <= hi) && lo.is_none_or(|lo| ends.is_none_or(|e| e > lo)) {
                out.push(sorted[i]);
            }
        }
    }
    out
}

fn sorted_versions(mut versions: Vec<String>) -> Vec<String> {
    versions.sort_by_key(|v| semver::Version::parse(v).ok());
    versions.dedup();
    versions
}

fn list(versions: &[String]) -> String {
    versions.iter().map(|v| format!("v{v}")).collect::<Vec<_>>().join(", ")
}

fn named(r: &manifest::KnownRevision) -> String {
    match &r.date {
        Some(d) => format!("{} (MicroK8s {}, {d})", r.revision, r.version),
        None => format!("{} (MicroK8s {})", r.revision, r.version),
    }
}

pub fn resolve(spec: &TargetSpec) -> Result<Target, TargetError> {
    let m = manifest::microk8s()
        .ok_or_else(|| TargetError("the MicroK8s manifest is missing".into()))?;
    let version = match spec {
        TargetSpec::MicroK8s(v) => v.trim().trim_start_matches('v').to_string(),
        TargetSpec::SnapRevision(rev) => return resolve_revision(m, *rev),
    };
    // `1.34` is a track; `1.34.5` a release of it (semver).
    let track = match semver::Version::parse(&version) {
        Ok(v) => format!("{}.{}", v.major, v.minor),
        Err(_) => version.clone(),
    };
    let history = m.tracks.get(&track).ok_or_else(|| {
        // `target: {microk8s: 1.30}` is the float 1.3 to YAML.
        let padded = format!("{version}0");
        let hint = if m.tracks.contains_key(&padded) {
            format!(" (`{version}` looks like a YAML number that lost its trailing zero: quote it, `\"{padded}\"`)")
        } else {
            String::new()
        };
        TargetError(format!(
            "unknown MicroK8s version `{version}`{hint}; known tracks: {}",
            known_tracks().join(", ")
        ))
    })?;
    let versions = sorted_versions(history.iter().map(|h| h.k8s_dqlite.clone()).collect());
    let containerd = sorted_versions(
        m.containerd
            .get(&track)
            .map(|h| h.iter().map(|e| e.containerd.clone()).collect())
            .unwrap_or_default(),
    );
    let note = if version != track {
        "; the patch release is not in the sources: the whole track is assumed"
    } else {
        ""
    };
    let release = format!("MicroK8s {version}");
    Ok(Target {
        description: format!("{release} (k8s-dqlite {}{note})", list(&versions)),
        k8s_dqlite: versions,
        containerd,
        tracks: vec![track],
        release,
        note: note.to_string(),
    })
}

/// A snap revision: a known one by its version and date, an unknown one
/// between two known ones by the dates between which it was uploaded.
fn resolve_revision(m: &manifest::MicroK8sManifest, rev: u64) -> Result<Target, TargetError> {
    let rows = manifest::snap_revisions();
    if let Some(row) = rows.iter().find(|r| r.revision == rev) {
        return resolve_row(m, row, "");
    }
    let (lower, upper) = dated_neighbours(rev);
    let nearest = || {
        let below = rows.iter().rev().find(|r| r.revision < rev).map(named);
        let above = rows.iter().find(|r| r.revision > rev).map(named);
        match (below, above) {
            (Some(b), Some(a)) => format!("the nearest known are {b} and {a}"),
            (Some(b), None) => format!("the newest known is {b}"),
            (None, Some(a)) => format!("the oldest known is {a}"),
            (None, None) => "no revision is known".into(),
        }
    };
    let (Some(lower), Some(upper)) = (lower, upper) else {
        return Err(TargetError(format!(
            "snap revision {rev} is outside the known revisions ({}), so no date bounds it; {HOW_TO_ADD}",
            nearest()
        )));
    };
    let (a, b) = (lower.date.as_deref().unwrap_or(""), upper.date.as_deref().unwrap_or(""));
    // Channel dates are release days, not upload days: a pair out of order
    // widens the window rather than emptying it.
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut tracks: Vec<String> = Vec::new();
    let mut dq: Vec<String> = Vec::new();
    let mut ct: Vec<String> = Vec::new();
    for (track, history) in &m.tracks {
        let mut found = in_window(history, Some(lo), Some(hi));
        // A track built by then whose history starts later (a build before
        // its tag, such as a release candidate): any of its versions.
        let starts = history.iter().map(|e| e.date.as_str()).min();
        if found.is_empty()
            && starts.is_some_and(|s| s > hi)
            && rows.iter().any(|r| r.track == *track && r.date.as_deref().is_some_and(|d| d <= hi))
        {
            found = history.iter().collect();
        }
        if found.is_empty() {
            continue;
        }
        tracks.push(track.clone());
        dq.extend(found.iter().map(|e| e.k8s_dqlite.clone()));
        if let Some(h) = m.containerd.get(track) {
            ct.extend(in_window(h, Some(lo), Some(hi)).iter().map(|e| e.containerd.clone()));
        }
    }
    if tracks.is_empty() {
        return Err(TargetError(format!(
            "snap revision {rev} was uploaded between {lo} and {hi}, when no track with k8s-dqlite history in the sources was built ({}); {HOW_TO_ADD}",
            nearest()
        )));
    }
    tracks.sort_by_key(|t| semver::Version::parse(&format!("{t}.0")).ok());
    let (dq, ct) = (sorted_versions(dq), sorted_versions(ct));
    let release = format!("snap revision {rev}");
    let note = format!(
        "; not in the revision table, bounded by date between revisions {} and {}: any of tracks {}",
        named(lower),
        named(upper),
        tracks.join(", ")
    );
    Ok(Target {
        description: format!("{release} (k8s-dqlite {}{note})", list(&dq)),
        k8s_dqlite: dq,
        containerd: ct,
        tracks,
        release,
        note,
    })
}

/// The nearest known revisions below and above `rev` that have a date.
fn dated_neighbours(rev: u64) -> (Option<&'static manifest::KnownRevision>, Option<&'static manifest::KnownRevision>) {
    let rows = manifest::snap_revisions();
    (
        rows.iter().rev().find(|r| r.revision < rev && r.date.is_some()),
        rows.iter().find(|r| r.revision > rev && r.date.is_some()),
    )
}

/// A revision whose MicroK8s version is known (from the table or the node):
/// its track's versions uploaded between the nearest lower dated revision
/// and its own date (or the nearest higher one's). `via` says where the
/// version was read (`; read from the node`).
fn resolve_row(m: &manifest::MicroK8sManifest, row: &manifest::KnownRevision, via: &str) -> Result<Target, TargetError> {
    let rev = row.revision;
    let (lower, upper) = dated_neighbours(rev);
    // A flavour (`1.25-eksd`, `1.34-strict`) is judged by its base track.
    let (track, flavour) = match m.tracks.contains_key(&row.track) {
        true => (row.track.clone(), None),
        false => {
            let base = row.track.split('-').next().unwrap_or(&row.track).to_string();
            if !m.tracks.contains_key(&base) {
                return Err(TargetError(format!(
                    "snap revision {rev} is MicroK8s {}, a track with no k8s-dqlite or containerd history in the sources (known tracks: {}); {HOW_TO_ADD}",
                    row.version,
                    known_tracks().join(", ")
                )));
            }
            (base, Some(row.track.clone()))
        }
    };
    // Built before the day a channel first had it, after the nearest
    // lower revision was first seen.
    let hi = row.date.as_deref().or(upper.and_then(|u| u.date.as_deref()));
    let lo = lower.and_then(|l| l.date.as_deref());
    let window = |lo: Option<&str>, hi: Option<&str>| -> (Vec<String>, Vec<String>) {
        let dq = m.tracks.get(&track).map(|h| in_window(h, lo, hi)).unwrap_or_default();
        let ct = m.containerd.get(&track).map(|h| in_window(h, lo, hi)).unwrap_or_default();
        (
            sorted_versions(dq.iter().map(|e| e.k8s_dqlite.clone()).collect()),
            sorted_versions(ct.iter().map(|e| e.containerd.clone()).collect()),
        )
    };
    let (mut dq, mut ct) = window(lo, hi);
    let mut how = match (lo, hi) {
        (Some(lo), Some(hi)) => format!("; uploaded between {lo} and {hi}"),
        (None, Some(hi)) => format!("; uploaded by {hi}"),
        _ => String::new(),
    };
    if dq.is_empty() {
        (dq, ct) = window(None, None);
        how = format!("; the {track} track's whole history assumed");
    }
    let flavour = flavour.map(|f| format!("; a `{f}` build, judged by the {track} track")).unwrap_or_default();
    let release = format!("snap revision {rev} = MicroK8s {}", row.version);
    let note = format!("{via}{how}{flavour}");
    Ok(Target {
        description: format!("{release} (k8s-dqlite {}{note})", list(&dq)),
        k8s_dqlite: dq,
        containerd: ct,
        tracks: vec![track],
        release,
        note,
    })
}

/// The snap revision a path names: `/var/snap/microk8s/8695/args/kubelet`.
pub fn revision_in_path(path: &std::path::Path) -> Option<u64> {
    let text = path.to_str()?;
    let rest = text.split("/var/snap/microk8s/").nth(1)?;
    rest.split('/').next()?.parse().ok()
}

/// The target a MicroK8s node (its filesystem at `root`, `/` on the node)
/// tells: the revision `path` names, else the one `snap/microk8s/current`
/// links to; its version from `snap/microk8s/<rev>/meta/snap.yaml`. `None`
/// when the tree holds no MicroK8s snap.
pub fn from_node(root: &std::path::Path, path: Option<&std::path::Path>) -> Option<Result<Target, TargetError>> {
    let snap = root.join("snap/microk8s");
    let rev = path.and_then(revision_in_path).or_else(|| {
        let link = std::fs::read_link(snap.join("current")).ok()?;
        link.file_name()?.to_str()?.parse().ok()
    })?;
    let m = manifest::microk8s()?;
    let meta = snap.join(rev.to_string()).join("meta/snap.yaml");
    // Inside the node's tree, bounded: a `snap.yaml` is a few KiB.
    let version = crate::fsread::read_in_tree(root, &meta, false, 1024 * 1024)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
        text.lines().find_map(|l| {
            let v = l.strip_prefix("version:")?.trim().trim_matches(['"', '\'']);
            (!v.is_empty()).then(|| v.trim_start_matches('v').to_string())
        })
    });
    let Some(version) = version else {
        // The revision alone, as `--snap-revision` would take it.
        return Some(resolve_revision(m, rev).map_err(|e| {
            TargetError(format!("{e} (the node's {} names no version)", meta.display()))
        }));
    };
    let known = manifest::snap_revisions().iter().find(|r| r.revision == rev);
    let row = manifest::KnownRevision {
        revision: rev,
        track: manifest::track_of(&version, None),
        date: known.filter(|k| k.version == version).and_then(|k| k.date.clone()),
        source: meta.display().to_string(),
        version,
    };
    Some(resolve_row(m, &row, &format!("; read from {}", meta.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracks_releases_and_revisions() {
        let t = resolve(&TargetSpec::MicroK8s("1.34".into())).expect("known track");
        assert_eq!(t.k8s_dqlite, ["1.8.0", "1.8.1"]);
        // `master` built 1.34 until the v1.35 tag, and took containerd
        // v2.1.3 on 2025-12-05.
        assert_eq!(t.containerd, ["1.7.28", "1.7.29", "2.1.3"]);
        assert_eq!(
            t.describe("containerd"),
            "MicroK8s 1.34 (containerd v1.7.28, v1.7.29, v2.1.3)"
        );
        let t = resolve(&TargetSpec::MicroK8s("1.35".into())).expect("known track");
        assert_eq!(t.containerd, ["2.1.3", "2.1.6", "2.2.3"]);
        // 1.36 has a tag and no branch: `master` from the tag on.
        let t = resolve(&TargetSpec::MicroK8s("1.36".into())).expect("known track");
        assert_eq!((t.k8s_dqlite.as_slice(), t.containerd.as_slice()), (&["1.8.1".to_string()][..], &["2.2.3".to_string()][..]));
        let t = resolve(&TargetSpec::MicroK8s("v1.34.5".into())).expect("known release");
        assert!(t.description.contains("whole track"), "{}", t.description);
        let t = resolve(&TargetSpec::SnapRevision(8695)).expect("known revision");
        assert!(
            t.description
                .starts_with("snap revision 8695 = MicroK8s 1.34.5"),
            "{}",
            t.description
        );
        let e = resolve(&TargetSpec::MicroK8s("1.99".into())).expect_err("unknown");
        assert!(e.0.contains("known tracks: 1.22, 1.23, 1.24, 1.25") && e.0.ends_with("1.36"), "{}", e.0);
        assert!(resolve(&TargetSpec::SnapRevision(1)).is_err());
    }

    #[test]
    fn a_float_that_lost_its_zero_is_named() {
        let e = resolve(&TargetSpec::MicroK8s("1.3".into())).expect_err("1.3 is no track");
        assert!(e.0.contains("quote it, `\"1.30\"`"), "{}", e.0);
    }

    /// The incident's flag, judged for every revision of the table whose
    /// track the sources cover: each resolves to k8s-dqlite versions of its
    /// track, none of which accepts `--snapshot-threshold`.
    #[test]
    fn every_covered_revision_of_the_table_resolves() {
        let m = manifest::microk8s().expect("manifest");
        let dqlite = manifest::for_component("k8s-dqlite").expect("k8s-dqlite manifest");
        let mut judged = Vec::new();
        for row in manifest::snap_revisions() {
            let base = row.track.split('-').next().unwrap_or(&row.track);
            if !m.tracks.contains_key(base) {
                continue;
            }
            let t = resolve(&TargetSpec::SnapRevision(row.revision)).expect("a covered revision resolves");
            assert!(!t.k8s_dqlite.is_empty(), "{}: {}", row.revision, t.description);
            let bundled: Vec<&str> = m.tracks[base].iter().map(|e| e.k8s_dqlite.as_str()).collect();
            assert!(t.k8s_dqlite.iter().all(|v| bundled.contains(&v.as_str())), "{}: {:?}", row.revision, t.k8s_dqlite);
            assert!(t.versions(dqlite).iter().all(|v| v.flag("snapshot-threshold").is_none()));
            judged.push(row.revision);
        }
        assert!(judged.len() >= 30, "only {} revisions judged: {judged:?}", judged.len());
        let tracks: std::collections::BTreeSet<&str> = manifest::snap_revisions()
            .iter()
            .filter(|r| judged.contains(&r.revision))
            .map(|r| r.track.split('-').next().unwrap_or(&r.track))
            .collect();
        assert!(tracks.len() >= 8, "{tracks:?}");
    }

    #[test]
    fn revisions_are_narrowed_by_date() {
        // 1.27.16, uploaded in the second half of 2024: the 1.27 track had
        // k8s-dqlite 1.1.7 since February.
        let t = resolve(&TargetSpec::SnapRevision(7275)).expect("known");
        assert_eq!(t.k8s_dqlite, ["1.1.7"]);
        assert!(t.description.contains("uploaded between 2024-07-16 and 2024-10-16"), "{}", t.description);
        // 1.32.9 of October 2025: 1.3.3 (1.3.5 came in December).
        assert_eq!(resolve(&TargetSpec::SnapRevision(8511)).expect("known").k8s_dqlite, ["1.3.3"]);
        // Dated by the public incident report: between 8511's day and its own.
        assert_eq!(resolve(&TargetSpec::SnapRevision(8695)).expect("known").k8s_dqlite, ["1.8.0", "1.8.1"]);
        // 1.33.0, built from `master` at the v1.33 tag: k8s-dqlite v1.3.1
        // (the branch was cut in July with v1.7.0).
        let t = resolve(&TargetSpec::SnapRevision(8205)).expect("known");
        assert_eq!(t.k8s_dqlite, ["1.3.1"]);
        assert_eq!(t.containerd, ["1.7.27"]);
    }

    /// 1.31's first builds came from `master` (2024-08-14) with k8s-dqlite's
    /// own `master`, which gained `--watch-query-timeout` on 2024-08-29.
    #[test]
    fn untagged_k8s_dqlite_builds_are_judged_by_their_commit() {
        let dqlite = manifest::for_component("k8s-dqlite").expect("manifest");
        let t = resolve(&TargetSpec::MicroK8s("1.31".into())).expect("1.31");
        let early = t.versions(dqlite).into_iter().find(|v| v.version == "1.1.10+master.b6d0522215f7").expect("an early 1.31 build");
        assert_eq!(early.branch.as_deref(), Some("master"));
        assert!(early.flag("watch-query-timeout").is_none());
        assert!(t.versions(dqlite).iter().any(|v| v.flag("watch-query-timeout").is_some()));
    }

    #[test]
    fn unknown_revisions_between_known_ones_are_bounded() {
        let t = resolve(&TargetSpec::SnapRevision(6800)).expect("between 6798 and 6979");
        // 1.29 and 1.30 built k8s-dqlite from its `master`: the untagged
        // commit in effect is a version of its own.
        assert_eq!(t.k8s_dqlite, ["1.0.3", "1.0.4", "1.1.0", "1.1.6+master.0ce314e0424d", "1.1.7", "1.1.9"]);
        assert!(t.description.contains("between revisions 6798 (MicroK8s 1.30.0, 2024-04-19) and 6979"), "{}", t.description);
        assert_eq!(t.tracks, ["1.23", "1.24", "1.25", "1.26", "1.27", "1.28", "1.29", "1.30"]);
        // Between 8511 (2025-10-13) and 8695 (2026-04-12): bounded, not refused.
        let t = resolve(&TargetSpec::SnapRevision(8690)).expect("between 8511 and 8695");
        assert!(t.tracks.contains(&"1.34".to_string()) && t.tracks.contains(&"1.35".to_string()), "{:?}", t.tracks);
        assert!(t.description.contains("and 8695 (MicroK8s 1.34.5, 2026-04-12)"), "{}", t.description);
        // Above the newest known revision: refused, the nearest named.
        let e = resolve(&TargetSpec::SnapRevision(99_999)).expect_err("no upper bound");
        assert!(e.0.contains("the newest known is 8695 (MicroK8s 1.34.5, 2026-04-12)"), "{}", e.0);
        // Between revisions of 2021: no track of the sources was built then.
        let e = resolve(&TargetSpec::SnapRevision(2000)).expect_err("before the covered tracks");
        assert!(e.0.contains("no track with k8s-dqlite history"), "{}", e.0);
    }
}
