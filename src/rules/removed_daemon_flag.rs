use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::{ArgsFileEdit, FileFacts, FlagWord};
use crate::manifest::{RemovedFlag, RemovedFlags};

pub struct RemovedDaemonFlag;

pub(super) static META: RuleMeta = RuleMeta {
    name: "removed-daemon-flag",
    default_severity: Severity::Warning,
    summary: "A flag or feature gate for a kubelite component that Kubernetes removed",
    docs: r#"## What it does
Checks flags written into the args files of kubelite's components
(`kubelet`, `kube-apiserver`, `kube-proxy`, `kube-scheduler`,
`kube-controller-manager`) against the lists of flags that MicroK8s itself
deletes on every start because Kubernetes removed them: the `sanitise_args_*`
functions of `microk8s-resources/actions/common/utils.sh`, extracted per track
branch into `lints/manifests/microk8s.json` (`removed_flags`, each entry with
its source line and the comment that explains it, e.g. `Removed dockershim
flags from 1.24+`). The track is the configured target's, else the newest.

MicroK8s deletes a flag with `sed -i '/--flag[= ]/d'`: the whole line that
holds it goes, other flags on that line with it. A flag written bare at the
end of its line (`--logtostderr` with nothing after it) does not match that
pattern and survives: then it is an error, because kubelite passes it on and
the component exits with `unknown flag`.

It also checks the flags and feature gates that Kubernetes itself removed
(`lints/manifests/kubernetes.json`, each entry with its changelog or
reference-page source; lints/kubernetes.md says what it covers and what not):
a flag removed in a Kubernetes minor release at or before the target's
(the release notes of every minor release from 1.10 on: `--allow-privileged`
of kubelet, removed in 1.15; `--pod-eviction-timeout` of
kube-controller-manager, removed in 1.27; `--runonce` of kubelet, removed in
1.32), and a `--feature-gates` entry
naming a gate removed by then (`AdvancedAuditing=true` from 1.28) are errors,
unless MicroK8s strips them itself. MicroK8s track 1.N runs Kubernetes 1.N; a
target that may be several tracks (a snap revision bounded by date) is judged
by its oldest.

## Why is this bad?
Either the flag reaches the daemon, which no longer knows it and exits, or
MicroK8s deletes it on the next start, so the role writes it again on every
run (never idempotent, a restart every time) and any other flag written on the
same line is silently lost.

## Example
```text
# args/kubelet
--network-plugin=cni
--logtostderr
```

## Use instead
Remove the flags; for kubelet logging use `--v` or a logging configuration.

## Fix
None: the replacement, if any, depends on the flag.
"#,
    options: &[],
    fix: FixKind::None,
};

fn matches(entry: &RemovedFlag, flag: &FlagWord) -> bool {
    entry.flag == flag.name
        && match (&entry.value, &flag.value) {
            (None, _) => true,
            (Some(want), Some((have, _))) => have.starts_with(want.as_str()),
            (Some(_), None) => false,
        }
}

/// Whether MicroK8s's `sed '/--flag[= ]/d'` misses the flag: it is written
/// exactly here, without `=`, and nothing follows it on its line.
fn survives_sanitiser(text: &str, flag: &FlagWord, entry: &RemovedFlag) -> bool {
    if entry.value.is_some() || flag.value.is_some() {
        return false;
    }
    let written = text.get(flag.span.start..flag.span.end) == Some(flag.text.as_str());
    let rest = &text[flag.span.end.min(text.len())..];
    written && matches!(rest.bytes().next(), None | Some(b'\n' | b'\r'))
}

/// Other flags of `edit` written on the same line as `flag`.
fn same_line<'e>(text: &str, edit: &'e ArgsFileEdit, flag: &FlagWord) -> Vec<&'e FlagWord> {
    let at = flag.span.start.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let on_line = |f: &&FlagWord| line_start <= f.span.start && f.span.start <= line_end;
    // Front-ends give an edit's flags in text order: the line's flags are one
    // run of them, found by search (an args file of 500,000 removed flags must
    // stay linear).
    let first = edit.flags.partition_point(|f| f.span.start < line_start);
    let last = edit.flags.partition_point(|f| f.span.start <= line_end);
    edit.flags[first..last.max(first)]
        .iter()
        .filter(|f| f.span != flag.span)
        .filter(on_line)
        .collect()
}

fn source(list: &RemovedFlags, entry: &RemovedFlag) -> String {
    format!(
        "MicroK8s {} lists it in `{}` ({} line {}, commit {}): {}",
        list.branch,
        entry.function,
        list.path,
        entry.line,
        &list.commit[..12.min(list.commit.len())],
        entry.reason.as_deref().unwrap_or("no reason given in the source")
    )
}

impl Rule for RemovedDaemonFlag {
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(super::args_edit_needles())
    }

    fn check(&self, ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        let Some(m) = crate::manifest::microk8s() else {
            return;
        };
        // Several tracks (a revision bounded by date): a flag counts only when
        // every one of them removes it; the oldest's list is quoted.
        let tracks = ctx.target.tracks();
        let Some((track, first_desc)) = tracks.first() else {
            return;
        };
        let list = m.removed_flags.get(*track);
        // Kubernetes's own removals are judged whether or not the track has a sanitiser list.
        kubernetes_removals(ctx, facts, list, out);
        let Some(list) = list else {
            return;
        };
        let others: Vec<&crate::manifest::RemovedFlags> =
            tracks.iter().skip(1).filter_map(|(t, _)| m.removed_flags.get(*t)).collect();
        if others.len() + 1 < tracks.len() {
            return;
        }
        let track_desc = match tracks.last() {
            Some((_, last)) if tracks.len() > 1 => format!("every track the target may be ({first_desc} to {last})"),
            _ => first_desc.clone(),
        };
        let text = ctx.source.text.as_str();
        for edit in &facts.args_edits {
            let Some(entries) = list.components.get(edit.component) else {
                continue;
            };
            let file = format!("args/{}", edit.component);
            for flag in &edit.flags {
                let Some(entry) = entries.iter().find(|e| matches(e, flag)) else {
                    continue;
                };
                if !others.iter().all(|l| {
                    l.components.get(edit.component).is_some_and(|es| es.iter().any(|e| matches(e, flag)))
                }) {
                    continue;
                }
                let shown = match &entry.value {
                    Some(v) => format!("--{}={v}", flag.name),
                    None => format!("--{}", flag.name),
                };
                let diagnostic = if survives_sanitiser(text, flag, entry) {
                    META.report_as(
                        Severity::Error,
                        flag.span,
                        format!(
                            "`{shown}` is no longer accepted by {} and {track_desc} does not strip it here: its sanitiser deletes `{shown}` only when `=` or a space follows, so kubelite passes it on and the component exits with `unknown flag: {shown}`",
                            edit.component
                        ),
                    )
                } else {
                    let others = same_line(text, edit, flag);
                    let mut message = format!(
                        "`{shown}` is no longer accepted by {}: {track_desc} deletes the line that holds it from {file} on every start (a role that writes it changes the file on every run)",
                        edit.component
                    );
                    if !others.is_empty() {
                        message.push_str(&format!(
                            ", and {} on the same line {} deleted with it",
                            others
                                .iter()
                                .map(|f| format!("`--{}`", f.name))
                                .collect::<Vec<_>>()
                                .join(", "),
                            if others.len() == 1 { "is" } else { "are" }
                        ));
                    }
                    let mut d = META.report(flag.span, message);
                    for other in others {
                        d = d.with_label(other.span, "deleted with it");
                    }
                    d
                };
                out.push(super::flag_finding(
                    diagnostic.with_help(source(list, entry)),
                    edit,
                    flag,
                ));
            }
        }
    }
}

/// Flags and feature gates Kubernetes removed by the oldest track the target
/// may be, that MicroK8s's sanitiser does not strip.
fn kubernetes_removals(
    ctx: &RuleContext<'_>,
    facts: &FileFacts,
    sanitised: Option<&RemovedFlags>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(k) = crate::manifest::kubernetes() else {
        return;
    };
    let Some((desc, running)) = ctx.target.kubernetes_minor() else {
        return;
    };
    for edit in &facts.args_edits {
        let stripped = sanitised.and_then(|s| s.components.get(edit.component));
        for flag in &edit.flags {
            if stripped.is_some_and(|es| es.iter().any(|e| matches(e, flag))) {
                continue;
            }
            let dashed = format!("--{}", flag.name);
            if let Some(r) = k
                .components
                .get(edit.component)
                .and_then(|c| c.removed_by(&dashed, running))
            {
                let d = META.report_as(
                    Severity::Error,
                    flag.span,
                    format!(
                        "`{dashed}` was removed from {} in Kubernetes {}, and {desc} runs Kubernetes {}.{}: the component exits with `unknown flag: {dashed}` and kubelite with it",
                        edit.component, r.removed_in, running.0, running.1
                    ),
                )
                .with_help(format!("remove the flag; source: {}", r.source));
                out.push(super::flag_finding(d, edit, flag));
            }
            if flag.name != "feature-gates" {
                continue;
            }
            let Some((value, value_span)) = &flag.value else { continue };
            let mut offset = 0;
            for part in value.split(',') {
                let at = offset;
                offset += part.len() + 1;
                let name = part.split('=').next().unwrap_or("").trim();
                let Some((gate, removed_in)) = k.gate_removed_by(name, running) else {
                    continue;
                };
                // The gate's own text when the value is written as read.
                let written = ctx.source.text.get(value_span.start..value_span.end) == Some(value.as_str());
                let span = if written {
                    crate::source::Span::new(value_span.start + at, value_span.start + at + part.len())
                } else {
                    flag.span
                };
                let d = META.report_as(
                    Severity::Error,
                    span,
                    format!(
                        "feature gate `{name}` was removed in Kubernetes {}, and {desc} runs Kubernetes {}.{}: {} exits with `unrecognized feature gate: {name}` and kubelite with it",
                        removed_in, running.0, running.1, edit.component
                    ),
                )
                .with_help(format!("remove `{part}` from `--feature-gates` (the feature is now always on, or gone); source: {}", gate.source));
                out.push(super::flag_finding(d, edit, flag));
            }
        }
    }
}
