use super::{FixKind, OptionKind, Place, Rule, RuleContext, RuleMeta, RuleOption};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::duration::format_duration;
use crate::facts::{CommandFact, FileFacts, LoopFact, Origin};
use crate::lang::Language;
use crate::source::{SourceFile, Span};
use crate::waits::{Report, Wait};

pub struct UnboundedWait;

pub(super) static META: RuleMeta = RuleMeta {
    name: "unbounded-wait",
    default_severity: Severity::Error,
    summary: "A command or retry loop that waits with no limit",
    docs: r#"## What it does
Flags calls that wait for something with no time limit, by the command table
in `lints/waits.json` (each entry cites kubectl's, MicroK8s's or the tool's
own source):

- `kubectl drain` without `--timeout` (0, its default, means infinite);
- `kubectl rollout status` without `--timeout` (0 means never stop watching),
  unless `--watch=false`;
- `kubectl wait --timeout` with a negative value (a week);
- `microk8s status --wait-ready` (or `microk8s.status -w`, or a prefix its
  argparse parser takes, `--wait`) without `--timeout` (0, its default, loops
  until the cluster is ready);
- in NRPE checks and Ansible tasks only, calls that run until interrupted:
  `kubectl logs -f`, `get -w`/`--watch-only`, `port-forward`, `proxy`,
  `attach`, `exec -i`/`-t`, `run -i`/`--attach`/`--rm`, `cp`, and
  `etcdctl watch`;
- `until`/`while` retry loops around a kubectl or MicroK8s call with no
  attempt limit and no time limit: the loop's condition is the call
  (`until kubectl get nodes; do sleep 5; done`), or it is `while true` and
  only a `break` (after the call succeeds) leaves it. A loop that compares a
  counter or the time (`[ $i -ge 30 ]`, `(( n++ < 10 ))`, `$SECONDS`, `date`)
  is taken as bounded. In NRPE checks and Ansible tasks, a `while true` loop
  that never leaves is flagged too.

`--request-timeout` does not bound these waits: it limits each request, not
the watch or loop on top of it. A call is bounded by its own flag, by running
under `timeout N`, or, in Ansible, by `async:` or `timeout:` on the task.

Findings are errors in NRPE checks (a script a `command[…]=` line runs, the
`command[…]=` line itself, or a script matching `nrpe-timeout-budget`'s
`checks`) and in Ansible tasks, and warnings in other scripts, where a long
wait may be what the author wants.

## Why is this bad?
When the control plane is down, each of these waits forever. A drain that
never ends blocks the maintenance play on the first node; `microk8s status
--wait-ready` without a timeout never fails, so the task never reports the
broken node; a watch in an NRPE check hangs until check_nrpe gives up, and the
hung checks pile up in NRPE.

## Example
```bash
kubectl --request-timeout=10s drain "$node" --ignore-daemonsets
microk8s status --wait-ready
until microk8s kubectl get nodes; do sleep 5; done
```

## Use instead
```bash
kubectl --request-timeout=10s drain "$node" --ignore-daemonsets --timeout=5m
microk8s status --wait-ready --timeout 300
for i in $(seq 60); do microk8s kubectl --request-timeout=5s get nodes && break; sleep 5; done
```

## Fix
Safe, where the command has a flag for it: inserts `--timeout=5m` (option
`timeout`) after `drain` or `rollout status`, and `--timeout 300` (the same
option in seconds) after `--wait-ready`. No fix when the call comes from a
variable, an alias or a function (the edit would land elsewhere), and none
for streams and loops.

## Options
- `timeout` (duration, default `5m`): the limit the fix inserts.

## References
- kubectl `drain --timeout`: "The length of time to wait before giving up,
  zero means infinite"; `rollout status --timeout`: "zero means never";
  `wait --timeout`: "negative means wait for a week" (kubernetes/kubectl).
- MicroK8s `status.py`: `--timeout` "specify a timeout in seconds when waiting
  for the cluster to be ready", default 0; `wait_for_ready` loops while it is 0.
- The full table and its sources: `lints/waits.json`, `lints/README.md`.
"#,
    options: &[RuleOption {
        name: "timeout",
        kind: OptionKind::Duration,
        default: "5m",
        description: "the limit the fix inserts (`--timeout=5m`; in seconds for `microk8s status`)",
    }],
    fix: FixKind::Safe,
};

impl Place {
    fn severity(self) -> Severity {
        match self {
            Place::Check | Place::Task => Severity::Error,
            Place::Script => Severity::Warning,
        }
    }
}

impl Rule for UnboundedWait {
    fn needles(&self) -> Option<&'static [&'static str]> {
        // The programs of the table's entries this rule reports; `oc` is kubectl.
        static NEEDLES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
        Some(NEEDLES.get_or_init(|| {
            let mut needles = crate::waits::programs(|report| report != Report::Budget);
            needles.push("oc");
            needles
        }))
    }

    fn applies_to(&self, language: Language) -> bool {
        matches!(
            language,
            Language::Shell
                | Language::ShellTemplate
                | Language::NrpeConfig
                | Language::NrpeConfigTemplate
                | Language::Yaml
        )
    }

    fn check(&self, ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        if facts.commands.is_empty() {
            return;
        }
        let check = crate::budget::is_check_file(&ctx.check_file(facts));
        let tasks = crate::source::Enclosing::new(facts.tasks.iter().map(|t| t.span));
        let place = |span: Span| -> Option<Place> {
            match tasks.first(span).map(|i| &facts.tasks[i]) {
                // `async:` / `timeout:` stop the task.
                Some(t) if t.time_limit.is_some() => None,
                Some(_) => Some(Place::Task),
                None if check => Some(Place::Check),
                None => Some(Place::Script),
            }
        };
        let timeout = ctx.options.duration("timeout").value;
        // Fixes in a check share what its budget leaves (set below).
        let mut in_checks: Vec<(usize, usize)> = Vec::new();
        for (i, fact) in facts.commands.iter().enumerate() {
            // `timeout N cmd` (or a script run under it) bounds the call.
            if fact.time_bound.is_some() {
                continue;
            }
            let Some(place) = place(fact.span) else { continue };
            let Some(judgement) = crate::waits::judge(fact, &ctx.source.text) else { continue };
            let entry = judgement.entry;
            match entry.report {
                Report::Budget => continue,
                Report::Checks if place == Place::Script => continue,
                _ => {}
            }
            let Wait::Unbounded { why } = &judgement.wait else { continue };
            let call = call_text(ctx.source, fact);
            let mut d = META.report_as(
                place.severity(),
                fact.span,
                format!("`{call}` waits with no practical limit: {why}"),
            );
            let flag = entry.bound.as_ref().and_then(|b| b.flags.first());
            let help = match (flag, place) {
                (Some(flag), _) => format!(
                    "give it `{flag}` (or run it under `timeout`): `--request-timeout` limits each request, not the wait"
                ),
                (None, Place::Check) => "a check must end before check_nrpe's timeout: do not stream or watch in a check (or run the call under `timeout`)".to_string(),
                (None, _) => "run the call under `timeout`, or use `async:`/`timeout:` on the task".to_string(),
            };
            d = d.with_help(help);
            if let Some(fix) = fix(fact, &judgement, timeout) {
                d = d.with_fix(fix);
                if place == Place::Check {
                    in_checks.push((i, out.len()));
                }
            }
            out.push(d);
        }
        if !in_checks.is_empty() {
            let shares = crate::budget::fix_shares(&ctx.check_file(facts), &facts.commands);
            for (i, at) in in_checks {
                let Some(share) = shares.get(&i) else { continue };
                let share = std::time::Duration::from_secs(*share);
                if share >= timeout {
                    continue;
                }
                let fact = &facts.commands[i];
                if let Some(judgement) = crate::waits::judge(fact, &ctx.source.text)
                    && let Some(fix) = fix(fact, &judgement, share)
                {
                    out[at].fix = Some(Box::new(fix));
                }
            }
        }
        for l in &facts.loops {
            if let Some(d) = judge_loop(ctx.source, facts, l, &place) {
                out.push(d);
            }
        }
    }
}

/// `--timeout=5m` after `drain`, `--timeout 300` after `--wait-ready`.
fn fix(fact: &CommandFact, judgement: &crate::waits::Judgement<'_>, timeout: std::time::Duration) -> Option<Fix> {
    let prefix = judgement.entry.fix.as_deref()?;
    let bound = judgement.entry.bound.as_ref()?;
    // Only a flag left at its default: a written `--timeout=0` is the author's.
    if crate::facts::flag_value(&fact.words, &bound.flags).is_some() {
        return None;
    }
    // An edit of a variable's value, an alias or a function body would land
    // away from the call (and change every use).
    if !matches!(fact.origin, Origin::Direct) || fact.defined_in.is_some() {
        return None;
    }
    let at = judgement.anchor.append_at?;
    if !(fact.span.start <= at && at <= fact.span.end) {
        return None;
    }
    let value = match bound.value {
        crate::waits::ValueKind::GoDuration => format_duration(timeout),
        crate::waits::ValueKind::Seconds => timeout.as_secs().max(1).to_string(),
    };
    Some(Fix {
        applicability: Applicability::Safe,
        description: format!("add `{prefix}{value}`").into(),
        edits: vec![Edit::insertion(at, format!(" {prefix}{value}"))],
    })
}

/// A call a retry loop waits on: one that talks to the API server or to
/// MicroK8s.
fn waits_on_cluster(fact: &CommandFact) -> bool {
    if let Some(k) = crate::kubectl::program_word(fact) {
        return !crate::kubectl::is_client_only(&fact.words[k + 1..]);
    }
    let name = fact.program_name();
    name == "microk8s" || name.starts_with("microk8s.")
}

fn judge_loop(
    source: &SourceFile,
    facts: &FileFacts,
    l: &LoopFact,
    place: &dyn Fn(Span) -> Option<Place>,
) -> Option<Diagnostic> {
    if l.counted {
        return None;
    }
    let place = place(l.span)?;
    // Calls of the loop; facts are sorted by start.
    let first = facts.commands.partition_point(|c| c.span.start < l.span.start);
    let inside: Vec<&CommandFact> = facts.commands[first..]
        .iter()
        .take_while(|c| c.span.start < l.span.end)
        .filter(|c| c.span.end <= l.span.end)
        .collect();
    // A `timeout` around the whole loop (`timeout 60 bash -c 'until …'`) bounds
    // it; one on a call inside bounds each attempt only.
    if inside
        .iter()
        .any(|c| c.time_bound.as_ref().is_some_and(|b| !(l.span.start <= b.span.start && b.span.end <= l.span.end)))
    {
        return None;
    }
    let cluster: Vec<&CommandFact> = inside.into_iter().filter(|c| waits_on_cluster(c)).collect();
    let keyword = if l.until { "until" } else { "while" };
    let (call, how) = if let Some(c) = cluster
        .iter()
        .copied()
        .find(|c| l.head.start <= c.span.start && c.span.end <= l.head.end)
    {
        (
            c,
            format!(
                "this `{keyword}` loop waits on `{}` with no limit on attempts or time: while the API server is down it never ends",
                call_text(source, c),
            ),
        )
    } else {
        let c = *cluster.first()?;
        let head = source.slice(l.head).split_whitespace().collect::<Vec<_>>().join(" ");
        let how = if l.forever && l.leaves {
            format!(
                "this `{head}` loop around `{}` has no limit on attempts or time (only a `break` or `exit` leaves it): while the API server is down it never ends",
                call_text(source, c)
            )
        } else if l.forever && place != Place::Script {
            format!("this `{head}` loop around `{}` never ends", call_text(source, c))
        } else {
            return None;
        };
        (c, how)
    };
    let help = if l.forever && !l.leaves {
        "a check or a task must end: poll once and let the scheduler repeat it (Nagios, Ansible `until:`/`retries:`)"
    } else {
        "count the attempts (`for i in $(seq 30); do … && break; sleep 5; done`, or `[ \"$n\" -ge 30 ] && exit 1` in the loop) or run the loop under `timeout`"
    };
    Some(
        META.report_as(place.severity(), l.head, how)
            .with_label(call.span, "the call it waits on")
            .with_help(help),
    )
}

/// The call as written (its words for an Ansible `argv:` list), shortened.
fn call_text(source: &SourceFile, fact: &CommandFact) -> String {
    let written = super::shorten(source.slice(fact.span));
    let expanded = fact.expanded_as_written(&source.text);
    if written.replace(", ", " ") == expanded {
        super::shorten(&expanded)
    } else {
        written
    }
}
