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
    /// The MicroK8s track (`1.34`); `None` means "the newest track".
    pub track: Option<String>,
    /// `snap revision 8695 = MicroK8s 1.34.5`, and the patch-release note.
    release: String,
    note: &'static str,
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
        format!("{} ({component} {list}){}", self.release, self.note)
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
            track: None,
            release: String::new(),
            note: "",
        }
    }

    /// The track whose MicroK8s scripts apply, and how to name it in messages.
    pub fn track(&self) -> Option<(&str, String)> {
        match &self.track {
            Some(t) => Some((t.as_str(), format!("MicroK8s {t}"))),
            None => {
                let t = manifest::microk8s()?.newest_track()?;
                Some((t, format!("MicroK8s {t} (the newest track)")))
            }
        }
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

const HOW_TO_ADD: &str = "add data with lints/extract_microk8s.py (tracks) or an entry in `snap_revisions` of lints/manifests/microk8s.json (with its public source)";

pub fn resolve(spec: &TargetSpec) -> Result<Target, TargetError> {
    let m = manifest::microk8s()
        .ok_or_else(|| TargetError("the MicroK8s manifest is missing".into()))?;
    let (version, via) = match spec {
        TargetSpec::MicroK8s(v) => (v.trim().trim_start_matches('v').to_string(), String::new()),
        TargetSpec::SnapRevision(rev) => {
            let row = m
                .snap_revisions
                .iter()
                .find(|r| r.revision == *rev)
                .ok_or_else(|| {
                    let known: Vec<String> = m
                        .snap_revisions
                        .iter()
                        .map(|r| format!("{} (MicroK8s {})", r.revision, r.microk8s))
                        .collect();
                    TargetError(format!(
                        "unknown snap revision {rev}; known revisions: {}; {HOW_TO_ADD}",
                        known.join(", ")
                    ))
                })?;
            (row.microk8s.clone(), format!("snap revision {rev} = "))
        }
    };
    // `1.34` is a track; `1.34.5` a release of it (semver).
    let track = match semver::Version::parse(&version) {
        Ok(v) => format!("{}.{}", v.major, v.minor),
        Err(_) => version.clone(),
    };
    let history = m.tracks.get(&track).ok_or_else(|| {
        TargetError(format!(
            "unknown MicroK8s version `{version}`; known tracks: {}; {HOW_TO_ADD}",
            known_tracks().join(", ")
        ))
    })?;
    let sorted = |mut versions: Vec<String>| {
        versions.sort_by_key(|v| semver::Version::parse(v).ok());
        versions.dedup();
        versions
    };
    let versions = sorted(history.iter().map(|h| h.k8s_dqlite.clone()).collect());
    let containerd = sorted(
        m.containerd
            .get(&track)
            .map(|h| h.iter().map(|e| e.containerd.clone()).collect())
            .unwrap_or_default(),
    );
    let list = versions
        .iter()
        .map(|v| format!("v{v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let note = if version != track {
        " (the patch release is not in the sources: the whole track is assumed)"
    } else {
        ""
    };
    let release = format!("{via}MicroK8s {version}");
    Ok(Target {
        description: format!("{release} (k8s-dqlite {list}){note}"),
        k8s_dqlite: versions,
        containerd,
        track: Some(track),
        release,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracks_releases_and_revisions() {
        let t = resolve(&TargetSpec::MicroK8s("1.34".into())).expect("known track");
        assert_eq!(t.k8s_dqlite, ["1.8.0", "1.8.1"]);
        assert_eq!(t.containerd, ["1.7.28", "1.7.29"]);
        assert_eq!(
            t.describe("containerd"),
            "MicroK8s 1.34 (containerd v1.7.28, v1.7.29)"
        );
        let t = resolve(&TargetSpec::MicroK8s("1.35".into())).expect("known track");
        assert_eq!(t.containerd, ["2.1.6"]);
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
        assert!(e.0.contains("known tracks: 1.25"), "{}", e.0);
        assert!(resolve(&TargetSpec::SnapRevision(1)).is_err());
    }
}
