use super::{FixKind, OptionKind, Rule, RuleContext, RuleMeta, RuleOption};
use crate::budget::{Cost, Eval, budget_of, checks_of};
use crate::diagnostic::{Diagnostic, Severity};
use crate::duration::format_duration;
use crate::facts::{CommandFact, FileFacts};
use crate::lang::Language;
use std::time::Duration;

pub struct NrpeTimeoutBudget;

pub(super) static META: RuleMeta = RuleMeta {
    name: "nrpe-timeout-budget",
    default_severity: Severity::Error,
    summary: "An NRPE check whose worst-case run time exceeds check_nrpe's timeout",
    docs: r#"## What it does
Computes the worst-case run time of each NRPE check from its commands and
compares it with the time the check gets. A check is a script that an NRPE
`command[…]=` line in the repository runs (matched by file name), a script
matching the `checks` option, or the command line of a `command[…]=` itself.

The bound of each call: `timeout N` around it; kubectl's `--request-timeout`;
and, for the commands in the command table `lints/waits.json` (each entry
cites its source), their own limit: `kubectl wait` (`--timeout`, 30 s by
default, added to the request), `drain`/`rollout status`/`delete`
(`--timeout`), `microk8s status --wait-ready --timeout N`, `curl
--max-time`/`-m` (times `--retry` + 1), `wget --timeout`/`-T` (900 s by
default, times its tries, 20 by default), `nc -w`, `etcdctl
--command-timeout` (5 s by default), `helm install/upgrade --wait
--timeout` (5 min by default), and `sleep N`. Commands that wait for a job
with no limit of their own (`systemctl restart` without `--no-block`, `snap
restart`, `microk8s enable`) make the total unknown. Other commands are taken
as instant. Calls in sequence add up; `if`/`elif`/`else` and `case` take their
longest branch, where reaching an `elif` or the `else` also costs every earlier
`elif` condition; pipeline stages run at the same time; a `for` loop over
literal words multiplies its body; a called function adds its body.

The budget is the smallest of `command_timeout=` in an NRPE configuration and
`check_nrpe -t N` in a Nagios command definition found in the repository;
when neither is there, the `default-budget` option (10 s, check_nrpe's
default).

Every call that breaks the budget is reported, not only the first: a call
with no limit (`curl` without `--max-time`) is an error, and so is a call whose
own limit is longer than the budget (`wget` with its defaults: 18,000 s); a
bound that cannot be known statically (`sleep $DELAY`, a `while` loop, `snap
restart`) is a warning that says so. Calls that other rules report as
unbounded (kubectl without `--request-timeout`: `kubectl-request-timeout`;
`kubectl drain`, watches and streams: `unbounded-wait`) are left to them, and
the rest of the check is still added up. When the bounded calls add up to more
than the budget, the error points at the call that takes the total over it,
shows the arithmetic and labels the other calls; each kubectl call counts at
its `--request-timeout`, which bounds one request (a cold discovery cache adds
more: the help says to leave a margin).

## Why is this bad?
`check_nrpe` gives up after its timeout and Nagios shows only "Socket timeout
after 15 seconds", with no diagnosis, while the check keeps running on the
node. In one outage every kubectl-based check ran to its own 30–40 s timeout
against a 15 s `check_nrpe` limit: all of them timed out and NRPE was
saturated. Even two kubectl calls with `--request-timeout=10s` can take 20 s.

## Example
```bash
# nrpe.cfg: command_timeout=15
microk8s kubectl --request-timeout=10s get nodes
microk8s kubectl --request-timeout=10s get pods -A
```

## Use instead
```bash
microk8s kubectl --request-timeout=5s get nodes
microk8s kubectl --request-timeout=5s get pods -A
```

## Fix
None: how to split the budget between the calls is for the author to decide.
"#,
    options: &[
        RuleOption {
            name: "default-budget",
            kind: OptionKind::Duration,
            default: crate::budget::DEFAULT_BUDGET,
            description: "the budget when the repository sets neither `command_timeout` nor `check_nrpe -t`",
        },
        RuleOption {
            name: "checks",
            kind: OptionKind::Globs,
            default: crate::budget::DEFAULT_CHECKS,
            description: "comma-separated globs (relative to the project root) of scripts that are NRPE checks even when no `command[…]` line in the repository runs them",
        },
    ],
    fix: FixKind::None,
};

fn secs_text(secs: f64) -> String {
    if secs.fract() == 0.0 && secs < 1e12 {
        format!("{} s", secs as u64)
    } else {
        format_duration(Duration::from_secs_f64(secs.max(0.0)))
    }
}

fn call_text(source: &crate::source::SourceFile, fact: &CommandFact) -> String {
    let text = source.slice(fact.span);
    let text = super::folded_head(text.split_whitespace(), 60);
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(59).collect::<String>())
    } else {
        text
    }
}

impl NrpeTimeoutBudget {
    fn report_check(
        &self,
        ctx: &RuleContext<'_>,
        facts: &[CommandFact],
        ids: &[usize],
        what: &str,
        budget: &(f64, String),
        out: &mut Vec<Diagnostic>,
    ) {
        let eval = Eval::new(facts, ids, &ctx.source.text);
        let main = eval.main().to_vec();
        if main.is_empty() {
            return;
        }
        let (limit, source) = budget;
        let cost = eval.worst_case();
        // Each call is reported once, by what is wrong with it first.
        let mut reported: Vec<usize> = Vec::new();
        for open in &cost.opens {
            if open.elsewhere || reported.contains(&open.fact) {
                continue;
            }
            reported.push(open.fact);
            let call = call_text(ctx.source, &facts[open.fact]);
            let why = &open.why;
            let (severity, message) = if open.unbounded {
                (
                    Severity::Error,
                    format!(
                        "`{call}` has no time limit ({why}), so {what} can run past its {} budget ({source})",
                        secs_text(*limit)
                    ),
                )
            } else {
                (
                    Severity::Warning,
                    format!(
                        "the worst-case run time of {what} is unknown: `{call}`: {why}; its budget is {} ({source})",
                        secs_text(*limit)
                    ),
                )
            };
            out.push(META.report_as(severity, facts[open.fact].span, message));
        }
        // Calls that break the budget on their own.
        let mut alone = false;
        for t in &cost.terms {
            if t.secs > *limit && !reported.contains(&t.fact) {
                reported.push(t.fact);
                alone = true;
                let call = call_text(ctx.source, &facts[t.fact]);
                out.push(
                    META.report(
                        facts[t.fact].span,
                        format!(
                            "`{call}` alone can run {} > {} ({source}): check_nrpe gives up first and Nagios shows only a socket timeout",
                            secs_text(t.secs),
                            secs_text(*limit)
                        ),
                    )
                    .with_help(HELP),
                );
            }
        }
        if alone || cost.secs <= *limit {
            return;
        }
        let Cost { secs, terms, opens } = cost;
        // The call that takes the running total over the budget.
        let mut running = 0.0;
        let mut over = terms.last().map(|t| t.fact).unwrap_or(main[0]);
        for t in &terms {
            running += t.secs * t.times as f64;
            if running > *limit {
                over = t.fact;
                break;
            }
        }
        let parts: Vec<String> = terms
            .iter()
            .map(|t| {
                if t.times > 1 {
                    format!("{} × {}", t.times, secs_text(t.secs))
                } else {
                    secs_text(t.secs)
                }
            })
            .collect();
        let arithmetic = if parts.len() > 1 || terms.iter().any(|t| t.times > 1) {
            format!("{} = {}", parts.join(" + "), secs_text(secs))
        } else {
            secs_text(secs)
        };
        let at_least = if opens.is_empty() { "" } else { "at least " };
        let kubectl = terms
            .iter()
            .any(|t| crate::kubectl::program_word(&facts[t.fact]).is_some());
        let help: std::borrow::Cow<'static, str> = if kubectl {
            format!("{HELP}; each kubectl call is counted at its `--request-timeout`, which bounds one request: on a cold discovery cache a call makes more, so leave a margin").into()
        } else {
            HELP.into()
        };
        let mut d = META.report(
            facts[over].span,
            format!(
                "{what} can run {at_least}{arithmetic} > {} ({source}): check_nrpe gives up first and Nagios shows only a socket timeout",
                secs_text(*limit)
            ),
        )
        .with_help(help.into_owned());
        let mut labelled = Vec::new();
        for t in &terms {
            if t.fact != over && !labelled.contains(&t.fact) {
                labelled.push(t.fact);
                let times: u64 = terms.iter().filter(|x| x.fact == t.fact).map(|x| x.times).sum();
                let label = if times > 1 {
                    format!("{} × {}", times, secs_text(t.secs))
                } else {
                    secs_text(t.secs)
                };
                d = d.with_label(facts[t.fact].span, label);
            }
        }
        out.push(d);
    }
}

const HELP: &str = "lower the calls' timeouts so that they add up to less than the budget, or raise `command_timeout` and `check_nrpe -t` together";

impl Rule for NrpeTimeoutBudget {
    fn needles(&self) -> Option<&'static [&'static str]> {
        // Every program the command table bounds (`nc`, `snap`, … too), the
        // wrapper that bounds any call, and `sleep`.
        static NEEDLES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
        Some(NEEDLES.get_or_init(|| {
            let mut needles = crate::waits::programs(|_| true);
            needles.extend(["oc", "timeout", "sleep"]);
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
        )
    }

    fn check(&self, ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        if facts.commands.is_empty() {
            return;
        }
        let file = ctx.check_file(facts);
        let Some(checks) = checks_of(&file, &facts.commands) else {
            return;
        };
        let budget = budget_of(&file);
        for (what, ids) in checks {
            self.report_check(ctx, &facts.commands, &ids, &what, &budget, out);
        }
    }
}
