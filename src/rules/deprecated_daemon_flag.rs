use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::FileFacts;

pub struct DeprecatedDaemonFlag;

pub(super) static META: RuleMeta = RuleMeta {
    name: "deprecated-daemon-flag",
    default_severity: Severity::Warning,
    summary: "A flag written into a MicroK8s args file that the daemon deprecates",
    docs: r#"## What it does
Flags a `--flag` written into a MicroK8s daemon's args file (in the repository
or by an Ansible task) that the target's daemon version marks as deprecated
(pflag `MarkDeprecated`), with the deprecation message from the sources. The
target is chosen as for `unknown-daemon-flag`.

For kubelite's components (kubelet, kube-apiserver, kube-controller-manager,
kube-scheduler, kube-proxy) it also reports the flags the Kubernetes
changelogs deprecate by the target's release (`lints/manifests/kubernetes.json`,
partial: see `lints/kubernetes.md`), unless already removed by then (that is
`removed-daemon-flag`'s).

## Why is this bad?
A deprecated flag still works, but prints a warning on every start and will be
removed in a later release; the next upgrade then fails with an unknown flag.

## Example
```text
# args/k8s-dqlite
--debug
```

## Use instead
```text
--log-level=debug
```

## Fix
None.
"#,
    options: &[],
    fix: FixKind::None,
};

impl Rule for DeprecatedDaemonFlag {
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(super::args_edit_needles())
    }

    fn check(&self, ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        kubernetes_deprecations(ctx, facts, out);
        for (edit, manifest) in super::edits_with_manifest(facts) {
            let targets = ctx.target.versions(manifest);
            for flag in &edit.flags {
                let deprecated = targets.iter().rev().find_map(|v| {
                    v.flag(&flag.name)
                        .and_then(|f| f.deprecated.as_deref())
                        .map(|n| (v, n))
                });
                if let Some((v, note)) = deprecated {
                    out.push(super::flag_finding(META.report(
                        flag.span,
                        format!(
                            "`--{}` is deprecated in {} {}: {note}",
                            flag.name, edit.component, v.tag
                        ),
                    ), edit, flag));
                }
            }
        }
    }
}

/// Flags Kubernetes deprecated by the oldest track the target may be (and has
/// not removed by then: that is `removed-daemon-flag`'s), from
/// `lints/manifests/kubernetes.json`.
fn kubernetes_deprecations(ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
    let Some(k) = crate::manifest::kubernetes() else { return };
    let Some((desc, running)) = ctx.target.kubernetes_minor() else {
        return;
    };
    for edit in &facts.args_edits {
        let Some(component) = k.components.get(edit.component) else { continue };
        for flag in &edit.flags {
            let dashed = format!("--{}", flag.name);
            if component.removed_by(&dashed, running).is_some() {
                continue;
            }
            let Some((d, since)) = component.deprecated_by(&dashed, running) else {
                continue;
            };
            let planned = d
                .removal_planned_in
                .as_deref()
                .map(|r| format!("; its removal was announced for Kubernetes {r}"))
                .unwrap_or_default();
            out.push(super::flag_finding(
                META.report(
                    flag.span,
                    format!(
                        "`{dashed}` of {} is deprecated since Kubernetes {since}, and {desc} runs Kubernetes {}.{}{planned}: a later release removes it and the component then exits with `unknown flag: {dashed}`",
                        edit.component, running.0, running.1
                    ),
                )
                .with_help(format!("source: {}", d.source)),
                edit,
                flag,
            ));
        }
    }
}
