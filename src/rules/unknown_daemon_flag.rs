use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::FileFacts;
use crate::manifest::{Version, describe_versions};

pub struct UnknownDaemonFlag;

pub(super) static META: RuleMeta = RuleMeta {
    name: "unknown-daemon-flag",
    default_severity: Severity::Error,
    summary: "A flag written into a MicroK8s args file that the daemon does not accept",
    docs: r#"## What it does
Checks every `--flag` written into a MicroK8s daemon's args file against the
flags of the real binary. Flags are read wherever the repository writes them:
args files kept in the repository (`…/args/k8s-dqlite`, `args/k8s-dqlite.j2`);
Ansible `blockinfile` blocks, `lineinfile` lines (also one loop item at a
time), `copy` content, `replace` replacements and the source file of a
`template`/`copy` task found in the role (`templates/`, `files/`); the
entries of a mapping variable that a task writes into the args file each key
names (`loop: "{{ microk8s_extra_args | dict2items }}"` or `with_dict` over
`…/args/{{ item.key }}`, writing `{{ item.value }}`), judged where each value
is written: role `defaults/` and `vars/`, `group_vars/`, `host_vars/`, a
play's `vars:`, a `roles:` entry's variables (keys that name no daemon, and
templated parts of a value, are not judged); scripts
(`echo '--flag' >> …/args/k8s-dqlite`, `printf`, `echo … | tee -a …`,
`sed -i '$a --flag' …`); and MicroK8s launch configurations
(`.microk8s.yaml`: `extraDqliteArgs`, `extraKubeletArgs`, … as named in
MicroK8s's own schema). Each file is split as the daemon's reader splits it:
bash words for k8s-dqlite & co., kubelite's line reader for kubelet & co.
The flag sets
come from manifests extracted from the daemons' sources at every released tag
(`lints/manifests/`, each version citing its tag, commit and file).

Currently shipped: k8s-dqlite, every release from v1.0.0 to the newest tag;
containerd, every version a MicroK8s track bundled (`app.Flags` of
`cmd/containerd/command/main.go` at each tag); and which of those versions each
MicroK8s track bundled
(`lints/manifests/microk8s.json`, from `build-scripts/components/*/version.sh`
on each track branch). The target comes from `target:` in `.opslint.yaml`
(`{microk8s: "1.34"}`, `{microk8s: "1.34.5"}`, `{snap-revision: 8695}`) or
`--microk8s` / `--snap-revision`, or from the node (`--root`, paths under
`/var/snap/microk8s/`); without one, the newest release is assumed. A snap
revision is judged by the versions its track had when it was uploaded, and a
revision missing from the table by every track built between the known
revisions around it (see lints/README.md).
A flag that none of the target's k8s-dqlite versions accepts is an error (the
message says which releases do, or suggests the nearest real flag); one that
only some accept is a warning naming the versions. Deprecated flags are
`deprecated-daemon-flag`'s.

A component with no flag manifest (kubelet and the rest of kubelite, etcd,
flanneld, cluster-agent, apiserver-proxy, unless a user manifest is listed
under `manifests:`) is not passed in silence: an info finding, once per
component and file, says that its flag names were not checked and how to
import a manifest (`opslint manifest import`).

For kubelite's components (kubelet, kube-apiserver, kube-controller-manager,
kube-scheduler, kube-proxy) probable typos are warnings with "did you mean":
a flag that no source in `lints/manifests/kubernetes.json` names for any of
the five (the flags MicroK8s's default args write on every track, the flags
the Kubernetes sources define, and every flag the release notes since 1.10
remove or deprecate; `_` is read as `-`) and that is one edit from a known
flag of its component (two for names of 12 characters or more), or cut short
inside a word (`--kubeconfi`); likewise a gate in `--feature-gates` that no
source names, one edit from a known gate (or the same but for case):
`APIListChunkng=true`. Those sets are not complete, so any other flag or gate
is not judged (the info above). With an imported manifest, a flag that the
manifest lacks but the built-in data knows and has not seen removed by the
imported version is an info: `--help` leaves out hidden (deprecated) flags.

## Why is this bad?
MicroK8s passes the args file to the daemon on its command line. An unknown
flag makes the daemon exit at once: in the incident behind this rule,
`--snapshot-threshold=512` in `args/k8s-dqlite` made k8s-dqlite fail with
`Error: unknown flag: --snapshot-threshold` on every start (snapshot tuning
lives in `tuning.yaml` in its storage directory, not in flags).

## Example
```text
# /var/snap/microk8s/current/args/k8s-dqlite
--storage-dir=${SNAP_DATA}/var/kubernetes/backend/
--snapshot-threshold=512
```

## Use instead
```text
--storage-dir=${SNAP_DATA}/var/kubernetes/backend/
```
and put snapshot settings in `tuning.yaml` in the storage directory.

## Fix
None: which flag was meant cannot be guessed.
"#,
    options: &[],
    fix: FixKind::None,
};

impl Rule for UnknownDaemonFlag {
    fn needles(&self) -> Option<&'static [&'static str]> {
        // Args files themselves are always parsed (see the linter); in YAML only
        // these modules write them.
        Some(super::args_edit_needles())
    }

    fn check(&self, ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        // Components with no flag manifest: said once per component and file.
        let mut unchecked: Vec<&str> = Vec::new();
        for edit in &facts.args_edits {
            let Some(first) = edit.flags.first() else { continue };
            if unchecked.contains(&edit.component) || crate::manifest::for_component(edit.component).is_some() {
                continue;
            }
            unchecked.push(edit.component);
            out.push(super::flag_finding(
                META.report_as(
                    Severity::Info,
                    first.span,
                    no_manifest(edit.component),
                )
                .with_help(import_help(edit.component)),
                edit,
                first,
            ));
        }
        kubelite_typos(ctx.source.text.as_str(), facts, out);
        for (edit, manifest) in super::edits_with_manifest(facts) {
            let Some(newest) = manifest.newest() else {
                continue;
            };
            // The versions that may run: the target's, else the newest release.
            let targets = ctx.target.versions(manifest);
            let target_desc = if ctx.target.constrains(edit.component) {
                ctx.target.describe(edit.component)
            } else {
                format!("{} {} (the newest release)", edit.component, newest.tag)
            };
            let all = format!(
                "{} … {}",
                manifest.versions.first().map_or("", |v| v.tag.as_str()),
                newest.tag
            );
            for flag in &edit.flags {
                if manifest.is_builtin(&flag.name) {
                    continue;
                }
                let accepting = manifest.accepting(&flag.name);
                // Named by the releases that accept it; untagged commits
                // only when no release does.
                let releases: Vec<&Version> = accepting.iter().copied().filter(|v| v.branch.is_none()).collect();
                let named = if releases.is_empty() { &accepting } else { &releases };
                let in_target: Vec<&Version> = targets
                    .iter()
                    .copied()
                    .filter(|v| v.flag(&flag.name).is_some())
                    .collect();
                let unknown = |name: &str| {
                    format!(
                        "the daemon exits with `{}`",
                        manifest.unknown_flag_error.replace("{name}", name)
                    )
                };
                if accepting.is_empty() && let Some(note) = hidden_by_help(edit.component, &flag.name, newest) {
                    out.push(super::flag_finding(
                        META.report_as(Severity::Info, flag.span, note.0).with_help(note.1),
                        edit,
                        flag,
                    ));
                    continue;
                }
                let (severity, message) = if accepting.is_empty() {
                    (
                        Severity::Error,
                        format!(
                            "`--{}` is not a flag of {} in {} ({all}): {}",
                            flag.name,
                            edit.component,
                            manifest.versions_cover,
                            unknown(&flag.name)
                        ),
                    )
                } else if in_target.is_empty() {
                    (
                        Severity::Error,
                        format!(
                            "`--{}` is not accepted by {target_desc}, only by {}: {}",
                            flag.name,
                            describe_versions(manifest, named),
                            unknown(&flag.name)
                        ),
                    )
                } else if in_target.len() < targets.len() {
                    (
                        Severity::Warning,
                        format!(
                            "`--{}` is accepted by only some versions of {target_desc}: only {} accept it",
                            flag.name,
                            describe_versions(manifest, &in_target)
                        ),
                    )
                } else {
                    continue;
                };
                let suggestion = (severity == Severity::Error && accepting.is_empty())
                    .then(|| {
                        crate::suggest::closest(
                            &flag.name,
                            newest.flags.iter().map(|f| f.name.as_str()),
                        )
                    })
                    .flatten();
                let message = match suggestion {
                    Some(s) => format!("{message}; did you mean `--{s}`?"),
                    None => message,
                };
                let mut d = META.report_as(
                    severity.min(META.default_severity),
                    flag.span,
                    message,
                )
                .with_help(format!(
                    "flags of {} {}: {}",
                    edit.component,
                    newest.tag,
                    newest
                        .flags
                        .iter()
                        .map(|f| format!("--{}", f.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                if flag.name.starts_with("snapshot") && edit.component == "k8s-dqlite" {
                    d.help = Some(format!(
                        "k8s-dqlite reads snapshot settings from `tuning.yaml` in its storage directory, not from flags; {}",
                        d.help.unwrap_or_default()
                    ).into());
                }
                out.push(super::flag_finding(d, edit, flag));
            }
        }
    }
}

/// Probable typos in the args files of kubelite's components that have no
/// flag manifest: a flag no source names for any component, one edit from a
/// flag known for this one (`lints/manifests/kubernetes.json`).
fn kubelite_typos(text: &str, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
    let Some(k) = crate::manifest::kubernetes() else { return };
    for edit in &facts.args_edits {
        if !crate::microk8s::KUBELITE_COMPONENTS.contains(&edit.component)
            || crate::manifest::for_component(edit.component).is_some()
        {
            continue;
        }
        for flag in &edit.flags {
            let dashed = format!("--{}", flag.name);
            if flag.name == "feature-gates" {
                gate_typos(k, text, edit, flag, out);
            }
            let Some(known) = k.probable_typo(edit.component, &dashed) else {
                continue;
            };
            let d = META
                .report_as(
                    Severity::Warning,
                    flag.span,
                    format!(
                        "`{dashed}` is not a flag of any of kubelite's components in the sources opslint has; did you mean `{}`? {} exits on an unknown flag (`unknown flag: {dashed}`), and kubelite with it",
                        known.flag, edit.component
                    ),
                )
                .with_help(format!(
                    "`{}` is a flag of {} (seen in Kubernetes {} to {}): {}",
                    known.flag, edit.component, known.first, known.last, known.source
                ));
            out.push(super::flag_finding(d, edit, flag));
        }
    }
}

/// A flag of one of kubelite's components that an imported `--help` manifest
/// lacks but the built-in data names and has not seen removed by the
/// manifest's version: pflag leaves deprecated flags out of `--help` although
/// they still work, so it is not called unknown (message and help).
fn hidden_by_help(component: &str, name: &str, version: &Version) -> Option<(String, String)> {
    if !crate::microk8s::KUBELITE_COMPONENTS.contains(&component) {
        return None;
    }
    let k = crate::manifest::kubernetes()?;
    let dashed = format!("--{name}");
    if !k.names_flag(&dashed) {
        return None;
    }
    let running = crate::manifest::minor(&version.version)?;
    let c = k.components.get(component)?;
    if c.removed_by(&dashed, running).is_some() {
        return None;
    }
    let source = c
        .deprecated_flags
        .iter()
        .find(|d| d.flag == dashed)
        .map(|d| d.source.as_str())
        .or_else(|| k.components.values().flat_map(|c| &c.known_flags).find(|f| f.flag == dashed).map(|f| f.source.as_str()))
        .unwrap_or("lints/manifests/kubernetes.json");
    Some((
        format!(
            "`{dashed}` is not in the imported flags of {component} {}, but it is a known flag that Kubernetes has not removed by {}.{}: `--help` leaves out hidden (deprecated) flags, so whether {component} accepts it is not known",
            version.tag, running.0, running.1
        ),
        format!("source: {source}"),
    ))
}

/// Probable typos among the gates of a `--feature-gates` value: the
/// component exits with `unrecognized feature gate`.
fn gate_typos(
    k: &crate::manifest::Kubernetes,
    text: &str,
    edit: &crate::facts::ArgsFileEdit,
    flag: &crate::facts::FlagWord,
    out: &mut Vec<Diagnostic>,
) {
    let Some((value, value_span)) = &flag.value else { return };
    // The gate's own text when the value is written as read.
    let written = text.get(value_span.start..value_span.end) == Some(value.as_str());
    let mut offset = 0;
    for part in value.split(',') {
        let at = offset;
        offset += part.len() + 1;
        let name = part.split('=').next().unwrap_or("").trim();
        let Some(known) = k.probable_gate_typo(name) else { continue };
        let span = if written {
            crate::source::Span::new(value_span.start + at, value_span.start + at + part.len())
        } else {
            flag.span
        };
        let d = META
            .report_as(
                Severity::Warning,
                span,
                format!(
                    "feature gate `{name}` is not a gate of any Kubernetes release in the sources opslint has; did you mean `{}`? {} exits with `unrecognized feature gate: {name}`, and kubelite with it",
                    known.name, edit.component
                ),
            )
            .with_help(format!(
                "`{}` is a feature gate (seen in Kubernetes {} to {}): {}",
                known.name, known.first, known.last, known.source
            ));
        out.push(super::flag_finding(d, edit, flag));
    }
}

/// What is said of a component with no flag manifest.
pub fn no_manifest(component: &str) -> String {
    let also = if crate::microk8s::KUBELITE_COMPONENTS.contains(&component) {
        "probable typos of known flags, duplicates, comments, and flags and feature gates MicroK8s or Kubernetes removed"
    } else {
        "duplicates and comments"
    };
    format!("`{component}` has no flag manifest, so its flags are not checked for unknown names (only for {also})")
}

/// How to give a component a manifest.
pub fn import_help(component: &str) -> String {
    format!(
        "import the flags from its `--help` (cobra format): `{component} --help 2>&1 | opslint manifest import --component {component} --version VERSION > {component}.json`, then list the file under `manifests:` in .opslint.yaml (see docs/validate-args.md)"
    )
}
