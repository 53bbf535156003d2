use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::FileFacts;
use crate::lang::Language;
use crate::source::Span;

pub struct MissingDqliteMonitoring;

pub(super) static META: RuleMeta = RuleMeta {
    name: "missing-dqlite-monitoring",
    default_severity: Severity::Info,
    summary: "NRPE checks for MicroK8s without a disk or k8s-dqlite crash-loop check (opt-in)",
    docs: r#"## What it does
Off unless enabled (`--select missing-dqlite-monitoring`, or a `severity:`
for it in `.opslint.yaml`). When the repository holds NRPE configuration for
MicroK8s nodes (`command[…]` lines that mention MicroK8s), it looks for two
checks anywhere in that configuration or in the scripts it runs:

- free disk on `/var/snap/microk8s` (`check_disk … -p /var/snap/microk8s`,
  or a script that runs `df`/`stat -f` on it);
- `NRestarts` of `snap.microk8s.daemon-k8s-dqlite` (a crash loop).

Each missing one is reported once, on the first MicroK8s NRPE configuration
file (by path), with an example `command[…]` line.

## Why is this bad?
In the incident behind this rule the disk under `/var/snap/microk8s` filled
up and started the outage, and k8s-dqlite then crash-looped for seven days
(3,794 restarts) without any check noticing: the existing checks only asked
the API server, which answered "Socket timeout".

## Example
```text
command[check_microk8s_nodes]=/usr/lib/nagios/plugins/check_microk8s_nodes.sh
```

## Use instead
```text
command[check_microk8s_nodes]=/usr/lib/nagios/plugins/check_microk8s_nodes.sh
command[check_microk8s_disk]=/usr/lib/nagios/plugins/check_disk -w 20% -c 10% -p /var/snap/microk8s
command[check_dqlite_restarts]=/usr/lib/nagios/plugins/check_dqlite_restarts.sh
```

## Fix
None.
"#,
    options: &[],
    fix: FixKind::None,
};

impl Rule for MissingDqliteMonitoring {
    fn enabled_by_default(&self) -> bool {
        false
    }

    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["microk8s"])
    }

    fn applies_to(&self, language: Language) -> bool {
        matches!(language, Language::NrpeConfig | Language::NrpeConfigTemplate)
    }

    fn check(&self, ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        let index = ctx.project;
        let here = std::fs::canonicalize(&ctx.source.path).ok();
        let first = index
            .nrpe()
            .microk8s_cfgs
            .first()
            .and_then(|p| std::fs::canonicalize(p).ok());
        if here.is_none() || here != first {
            return;
        }
        // Point at the first MicroK8s command line.
        let at = facts
            .nrpe_commands
            .iter()
            .find(|c| ctx.source.text[c.line.start..c.line.end].contains("microk8s"))
            .map_or(Span::new(0, 0), |c| c.name_span);
        if index.nrpe().disk_check.is_none() {
            out.push(
                META.report(
                    at,
                    "no NRPE check watches free disk on /var/snap/microk8s, the disk whose filling started the outage behind this rule".to_string(),
                )
                .with_help("add e.g. `command[check_microk8s_disk]=/usr/lib/nagios/plugins/check_disk -w 20% -c 10% -p /var/snap/microk8s`"),
            );
        }
        if index.nrpe().dqlite_restarts_check.is_none() {
            out.push(
                META.report(
                    at,
                    "no NRPE check watches NRestarts of snap.microk8s.daemon-k8s-dqlite: a crash loop of k8s-dqlite (3,794 restarts over seven days in the incident) goes unseen".to_string(),
                )
                .with_help("add e.g. `command[check_dqlite_restarts]=/usr/lib/nagios/plugins/check_dqlite_restarts.sh`, a script that compares `systemctl show -p NRestarts --value snap.microk8s.daemon-k8s-dqlite` with its last value"),
            );
        }
    }
}
