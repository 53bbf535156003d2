use super::{FixKind, OptionKind, Rule, RuleContext, RuleMeta, RuleOption};
use crate::diagnostic::{Diagnostic, Severity};
use crate::duration::{format_duration, parse_coreutils_duration, parse_go_duration};
use crate::facts::{CommandFact, ControlStep, FileFacts, Word};
use crate::lang::Language;
use crate::project::Budget;
use crate::source::Span;
use std::time::Duration;

pub struct NrpeTimeoutBudget;

static META: RuleMeta = RuleMeta {
    name: "nrpe-timeout-budget",
    default_severity: Severity::Error,
    summary: "An NRPE check whose worst-case run time exceeds check_nrpe's timeout",
    docs: r#"## What it does
Computes the worst-case run time of each NRPE check from its commands and
compares it with the time the check gets. A check is a script that an NRPE
`command[…]=` line in the repository runs (matched by file name), a script
matching the `checks` option, or the command line of a `command[…]=` itself.

The bound of each call: `--request-timeout` of kubectl, `timeout N`,
`sleep N`, `curl --max-time`/`-m` (times `--retry` + 1), `wget
--timeout`/`-T` (times its tries, 20 unless `--tries` says otherwise),
`microk8s status --wait-ready --timeout N`; other commands are taken as
instant. Calls in sequence add up; `if`/`elif`/`else` and `case` take their
longest branch, where reaching an `elif` or the `else` also costs every earlier
`elif` condition; pipeline stages run at the same time; a `for` loop over
literal words multiplies its body; a called function adds its body.

The budget is the smallest of `command_timeout=` in an NRPE configuration and
`check_nrpe -t N` in a Nagios command definition found in the repository;
when neither is there, the `default-budget` option (10 s, check_nrpe's
default).

A check over its budget is an error that points at the call that takes the
total over it, shows the arithmetic and labels the other calls. A call with no
limit (`curl` without `--max-time`) is an error too (kubectl calls without
`--request-timeout` are `kubectl-request-timeout`'s); a bound that cannot be
known statically (`sleep $DELAY`, a `while` loop) is a warning that says so.

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
            default: "10s",
            description: "the budget when the repository sets neither `command_timeout` nor `check_nrpe -t`",
        },
        RuleOption {
            name: "checks",
            kind: OptionKind::String,
            default: "",
            description: "comma-separated globs (relative to the project root) of scripts that are NRPE checks even when no `command[…]` line in the repository runs them",
        },
    ],
    fix: FixKind::None,
};

/// The time one call may take.
#[derive(Debug, Clone)]
enum Bound {
    Secs(f64),
    /// No limit at all; `elsewhere` when another rule reports it.
    Unbounded { why: String, elsewhere: bool },
    /// A limit that cannot be known statically.
    Unknown(String),
}

fn option_value<'w>(args: &'w [Word], names: &[&str], short: Option<&str>) -> Option<&'w Word> {
    let mut found = None;
    for (i, w) in args.iter().enumerate() {
        let t = w.text.as_str();
        if names.contains(&t) || short == Some(t) {
            found = args.get(i + 1);
        } else if names.iter().any(|n| t.starts_with(&format!("{n}="))) {
            found = Some(w);
        } else if let Some(s) = short
            && t.len() > s.len()
            && t.starts_with(s)
            && !t.starts_with("--")
        {
            found = Some(w);
        }
    }
    found
}

/// The value of an option word found by [`option_value`] (`--x=V`, `-xV`, or the word itself).
fn option_text<'w>(word: &'w Word, names: &[&str], short: Option<&str>) -> &'w str {
    let t = word.text.as_str();
    for n in names {
        if let Some(v) = t.strip_prefix(&format!("{n}=")) {
            return v;
        }
    }
    if let Some(s) = short
        && t.starts_with(s)
        && t.len() > s.len()
        && !t.starts_with("--")
    {
        return &t[s.len()..];
    }
    t
}

fn seconds(value: &str, word: &Word, parse: fn(&str) -> Result<Duration, String>) -> Bound {
    if !word.is_static {
        return Bound::Unknown(format!("`{}` is not known before the check runs", word.text));
    }
    match parse(value) {
        Ok(d) => Bound::Secs(d.as_secs_f64()),
        Err(_) => Bound::Unknown(format!("`{value}` is not a duration")),
    }
}

fn plain_number(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .and_then(|v| Duration::try_from_secs_f64(v).ok())
        .ok_or_else(|| format!("`{text}` is not a number of seconds"))
}

/// The bound of one call; `None` for commands taken as instant.
fn bound_of(fact: &CommandFact) -> Option<Bound> {
    if let Some(tb) = &fact.time_bound {
        return Some(match tb.duration {
            Some(d) if d.is_zero() => Bound::Unbounded {
                why: "`timeout 0` disables the limit".into(),
                elsewhere: false,
            },
            Some(d) => Bound::Secs(d.as_secs_f64()),
            None => Bound::Unknown(format!("the duration of `{}` is not static", tb.wrapper)),
        });
    }
    if let Some(k) = super::kubectl_request_timeout::kubectl_word(fact) {
        let args = &fact.words[k + 1..];
        if super::kubectl_request_timeout::is_client_only(args) {
            return None;
        }
        return Some(match super::kubectl_request_timeout::find_request_timeout(args) {
            None => Bound::Unbounded {
                why: "kubectl has no `--request-timeout`".into(),
                elsewhere: true,
            },
            Some((word, inline)) => {
                let value = if inline {
                    word.text.split_once('=').map_or("", |(_, v)| v)
                } else {
                    word.text.as_str()
                };
                match seconds(value, word, |v| {
                    // kubectl accepts a bare number of seconds too.
                    plain_number(v).or_else(|_| parse_go_duration(v))
                }) {
                    Bound::Secs(s) if s == 0.0 => Bound::Unbounded {
                        why: "`--request-timeout=0` means no limit".into(),
                        elsewhere: true,
                    },
                    b => b,
                }
            }
        });
    }
    let args = &fact.words[1..];
    match fact.program_name() {
        "sleep" => {
            let mut total = 0.0;
            for w in args {
                match seconds(&w.text, w, parse_coreutils_duration) {
                    Bound::Secs(s) => total += s,
                    other => return Some(other),
                }
            }
            Some(Bound::Secs(total))
        }
        "curl" => Some(match option_value(args, &["--max-time"], Some("-m")) {
            None => Bound::Unbounded {
                why: "`curl` has no `--max-time`".into(),
                elsewhere: false,
            },
            Some(w) => {
                let value = option_text(w, &["--max-time"], Some("-m"));
                match seconds(value, w, plain_number) {
                    Bound::Secs(s) => {
                        let retries = option_value(args, &["--retry"], None)
                            .and_then(|r| option_text(r, &["--retry"], None).parse::<f64>().ok())
                            .unwrap_or(0.0);
                        Bound::Secs(s * (retries + 1.0))
                    }
                    b => b,
                }
            }
        }),
        "wget" => Some(match option_value(args, &["--timeout"], Some("-T")) {
            None => Bound::Unbounded {
                why: "`wget` has no `--timeout`".into(),
                elsewhere: false,
            },
            Some(w) => {
                let value = option_text(w, &["--timeout"], Some("-T"));
                let tries = option_value(args, &["--tries"], Some("-t"))
                    .map(|t| option_text(t, &["--tries"], Some("-t")).to_string());
                match (seconds(value, w, plain_number), tries.as_deref()) {
                    (_, Some("0" | "inf")) => Bound::Unbounded {
                        why: "`wget --tries=0` retries forever".into(),
                        elsewhere: false,
                    },
                    (Bound::Secs(s), Some(t)) => match t.parse::<f64>() {
                        Ok(n) => Bound::Secs(s * n),
                        Err(_) => Bound::Unknown(format!("`--tries {t}` is not static")),
                    },
                    (Bound::Secs(s), None) => Bound::Secs(s * 20.0),
                    (b, _) => b,
                }
            }
        }),
        "microk8s" if args.first().is_some_and(|a| a.text == "status") => {
            if !args.iter().any(|a| a.text == "--wait-ready" || a.text == "-w") {
                return None;
            }
            Some(match option_value(args, &["--timeout"], Some("-t")) {
                None => Bound::Unbounded {
                    why: "`microk8s status --wait-ready` has no `--timeout`".into(),
                    elsewhere: false,
                },
                Some(w) => seconds(option_text(w, &["--timeout"], Some("-t")), w, plain_number),
            })
        }
        _ => None,
    }
}

/// One call's share of a total.
#[derive(Debug, Clone)]
struct Term {
    fact: usize,
    secs: f64,
    times: u64,
}

#[derive(Debug, Clone)]
enum Cost {
    Known { secs: f64, terms: Vec<Term> },
    Open { fact: usize, why: String, unbounded: bool, elsewhere: bool },
}

impl Cost {
    fn zero() -> Cost {
        Cost::Known {
            secs: 0.0,
            terms: Vec::new(),
        }
    }

    fn add(self, other: Cost) -> Cost {
        match (self, other) {
            (Cost::Known { secs: a, terms: mut ta }, Cost::Known { secs: b, terms: tb }) => {
                ta.extend(tb);
                Cost::Known {
                    secs: a + b,
                    terms: ta,
                }
            }
            (open @ Cost::Open { .. }, _) | (_, open @ Cost::Open { .. }) => open,
        }
    }

    fn max(self, other: Cost) -> Cost {
        match (self, other) {
            (a @ Cost::Known { .. }, b @ Cost::Known { .. }) => {
                if a.secs() >= b.secs() {
                    a
                } else {
                    b
                }
            }
            (open @ Cost::Open { .. }, _) | (_, open @ Cost::Open { .. }) => open,
        }
    }

    fn secs(&self) -> f64 {
        match self {
            Cost::Known { secs, .. } => *secs,
            Cost::Open { .. } => f64::INFINITY,
        }
    }
}

struct Eval<'a> {
    facts: &'a [CommandFact],
    /// Function name → the calls of its body, in source order.
    bodies: std::collections::HashMap<&'a str, Vec<usize>>,
}

impl Eval<'_> {
    fn step_at(fact: &CommandFact, level: usize) -> Option<ControlStep> {
        fact.control.get(level).copied()
    }

    fn construct(step: ControlStep) -> usize {
        match step {
            ControlStep::Branch { at, .. }
            | ControlStep::Loop { at, .. }
            | ControlStep::Stage { at, .. }
            | ControlStep::ElifCondition { at } => at,
        }
    }

    /// The cost of the calls `ids` (in source order) at nesting `level`.
    fn cost(&self, ids: &[usize], level: usize, depth: usize) -> Cost {
        let mut total = Cost::zero();
        let mut i = 0;
        while i < ids.len() {
            let fact = &self.facts[ids[i]];
            let Some(step) = Self::step_at(fact, level) else {
                total = total.add(self.call(ids[i], depth));
                i += 1;
                continue;
            };
            // The calls of this construct.
            let at = Self::construct(step);
            let mut j = i;
            while j < ids.len()
                && Self::step_at(&self.facts[ids[j]], level).is_some_and(|s| Self::construct(s) == at)
            {
                j += 1;
            }
            let group = &ids[i..j];
            total = total.add(self.construct_cost(group, level, depth));
            i = j;
        }
        total
    }

    fn construct_cost(&self, group: &[usize], level: usize, depth: usize) -> Cost {
        let first = Self::step_at(&self.facts[group[0]], level).expect("grouped by step");
        match first {
            ControlStep::Branch { .. } => {
                // Arms in order; an arm's `elif` condition runs for it and for
                // every later arm (each earlier condition failed first).
                let mut arms: Vec<(usize, Vec<usize>, Vec<usize>)> = Vec::new();
                for id in group {
                    let arm = match Self::step_at(&self.facts[*id], level) {
                        Some(ControlStep::Branch { arm, .. }) => arm,
                        _ => 0,
                    };
                    let is_condition = matches!(
                        Self::step_at(&self.facts[*id], level + 1),
                        Some(ControlStep::ElifCondition { .. })
                    );
                    let entry = match arms.iter().position(|(a, _, _)| *a == arm) {
                        Some(i) => &mut arms[i],
                        None => {
                            arms.push((arm, Vec::new(), Vec::new()));
                            arms.last_mut().expect("just pushed")
                        }
                    };
                    if is_condition {
                        entry.1.push(*id);
                    } else {
                        entry.2.push(*id);
                    }
                }
                arms.sort_by_key(|(a, _, _)| *a);
                let mut conditions = Cost::zero();
                let mut worst = Cost::zero();
                for (_, cond, body) in &arms {
                    conditions = conditions.add(self.cost(cond, level + 2, depth));
                    worst = worst.max(conditions.clone().add(self.cost(body, level + 1, depth)));
                }
                // No arm taken: every condition ran.
                worst.max(conditions)
            }
            ControlStep::ElifCondition { .. } => self.cost(group, level + 1, depth),
            ControlStep::Stage { .. } => {
                // Stages run at the same time: the longest counts.
                let mut stages: Vec<(usize, Vec<usize>)> = Vec::new();
                for id in group {
                    let stage = match Self::step_at(&self.facts[*id], level) {
                        Some(ControlStep::Stage { stage, .. }) => stage,
                        _ => 0,
                    };
                    match stages.iter_mut().find(|(s, _)| *s == stage) {
                        Some((_, ids)) => ids.push(*id),
                        None => stages.push((stage, vec![*id])),
                    }
                }
                stages.iter()
                    .map(|(_, ids)| self.cost(ids, level + 1, depth))
                    .fold(Cost::zero(), Cost::max)
            }
            ControlStep::Loop { count, .. } => {
                let inner = self.cost(group, level + 1, depth);
                match (inner, count) {
                    (Cost::Known { secs, terms }, _) if secs == 0.0 => Cost::Known { secs, terms },
                    (Cost::Known { secs, terms }, Some(n)) => Cost::Known {
                        secs: secs * n as f64,
                        terms: terms
                            .into_iter()
                            .map(|t| Term {
                                times: t.times * n,
                                ..t
                            })
                            .collect(),
                    },
                    (Cost::Known { terms, .. }, None) => Cost::Open {
                        fact: terms.first().map_or(group[0], |t| t.fact),
                        why: "it runs in a loop whose number of iterations is not known".into(),
                        unbounded: false,
                        elsewhere: false,
                    },
                    (open, _) => open,
                }
            }
        }
    }

    /// One call: its own bound, or the body of the function it calls.
    fn call(&self, id: usize, depth: usize) -> Cost {
        let fact = &self.facts[id];
        if fact.control_truncated {
            return Cost::Open {
                fact: id,
                why: "it is nested too deeply to analyse".into(),
                unbounded: false,
                elsewhere: false,
            };
        }
        let name = fact.program_name();
        if depth < 8
            && !name.is_empty()
            && let Some(body) = self.bodies.get(name)
        {
            return self.cost(body, 0, depth + 1);
        }
        match bound_of(fact) {
            None => Cost::zero(),
            Some(Bound::Secs(secs)) => Cost::Known {
                secs,
                terms: vec![Term {
                    fact: id,
                    secs,
                    times: 1,
                }],
            },
            Some(Bound::Unbounded { why, elsewhere }) => Cost::Open {
                fact: id,
                why,
                unbounded: true,
                elsewhere,
            },
            Some(Bound::Unknown(why)) => Cost::Open {
                fact: id,
                why,
                unbounded: false,
                elsewhere: false,
            },
        }
    }
}

fn secs_text(secs: f64) -> String {
    if secs.fract() == 0.0 && secs < 1e12 {
        format!("{} s", secs as u64)
    } else {
        format_duration(Duration::from_secs_f64(secs.max(0.0)))
    }
}

fn call_text(source: &crate::source::SourceFile, fact: &CommandFact) -> String {
    let text = source.slice(fact.span);
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(59).collect::<String>())
    } else {
        text
    }
}

/// How the budget was found, for messages.
fn budget_of(ctx: &RuleContext<'_>) -> (f64, String) {
    let index = crate::project::index(ctx.root);
    let shown = |b: &Budget| {
        b.file
            .strip_prefix(ctx.root)
            .unwrap_or(&b.file)
            .display()
            .to_string()
    };
    let candidates: Vec<(f64, String)> = [
        index
            .nrpe()
            .command_timeout
            .as_ref()
            .map(|b| (b.seconds as f64, format!("`command_timeout={}` in {}:{}", b.seconds, shown(b), b.line))),
        index
            .nrpe()
            .check_nrpe_timeout
            .as_ref()
            .map(|b| (b.seconds as f64, format!("`check_nrpe -t {}` in {}:{}", b.seconds, shown(b), b.line))),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some(best) = candidates
        .into_iter()
        .min_by(|a, b| a.0.total_cmp(&b.0))
    {
        return best;
    }
    let default = ctx.option(&META, "default-budget");
    let secs = parse_go_duration(&default).map_or(10.0, |d| d.as_secs_f64());
    (secs, "check_nrpe's default timeout".into())
}

/// Whether the file is a check: run by a `command[…]` line, or matched by `checks`.
fn is_check(ctx: &RuleContext<'_>) -> bool {
    let Some(name) = ctx.source.path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let index = crate::project::index(ctx.root);
    if index.nrpe().scripts.contains_key(name) {
        return true;
    }
    let globs = ctx.option(&META, "checks");
    if globs.trim().is_empty() {
        return false;
    }
    let mut builder = globset::GlobSetBuilder::new();
    for g in globs.split(',').map(str::trim).filter(|g| !g.is_empty()) {
        if let Ok(glob) = globset::Glob::new(g) {
            builder.add(glob);
        }
    }
    let Ok(set) = builder.build() else { return false };
    let path = std::fs::canonicalize(&ctx.source.path).unwrap_or_else(|_| ctx.source.path.clone());
    let root = std::fs::canonicalize(ctx.root).unwrap_or_else(|_| ctx.root.to_path_buf());
    let rel = path.strip_prefix(&root).unwrap_or(&path);
    set.is_match(rel) || set.is_match(&ctx.source.path)
}

impl NrpeTimeoutBudget {
    fn judge(
        &self,
        ctx: &RuleContext<'_>,
        facts: &[CommandFact],
        ids: &[usize],
        what: &str,
        budget: &(f64, String),
        out: &mut Vec<Diagnostic>,
    ) {
        let mut bodies: std::collections::HashMap<&str, Vec<usize>> = Default::default();
        for i in ids {
            if let Some(f) = facts[*i].in_function.as_deref() {
                bodies.entry(f).or_default().push(*i);
            }
        }
        for body in bodies.values_mut() {
            body.sort_by_key(|i| (facts[*i].span.start, facts[*i].span.end));
        }
        let eval = Eval { facts, bodies };
        let mut main: Vec<usize> = ids
            .iter()
            .copied()
            .filter(|i| facts[*i].in_function.is_none())
            .collect();
        main.sort_by_key(|i| (facts[*i].span.start, facts[*i].span.end));
        if main.is_empty() {
            return;
        }
        let (limit, source) = budget;
        match eval.cost(&main, 0, 0) {
            Cost::Known { secs, terms } if secs > *limit => {
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
                let mut d = Diagnostic::new(
                    META.name,
                    META.default_severity,
                    facts[over].span,
                    format!(
                        "{what} can run {arithmetic} > {} ({source}): check_nrpe gives up first and Nagios shows only a socket timeout",
                        secs_text(*limit)
                    ),
                )
                .with_help("lower the calls' timeouts so that they add up to less than the budget, or raise `command_timeout` and `check_nrpe -t` together");
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
            Cost::Known { .. } => {}
            Cost::Open {
                elsewhere: true, ..
            } => {}
            Cost::Open {
                fact,
                why,
                unbounded,
                ..
            } => {
                let call = call_text(ctx.source, &facts[fact]);
                let (severity, message) = if unbounded {
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
                out.push(Diagnostic::new(META.name, severity, facts[fact].span, message));
            }
        }
    }
}

impl Rule for NrpeTimeoutBudget {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["kubectl", "timeout", "sleep", "curl", "wget", "microk8s"])
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
        let name = ctx.source.path.to_string_lossy();
        let nrpe_cfg = name.ends_with(".cfg") || name.ends_with(".cfg.j2");
        if nrpe_cfg {
            let budget = budget_of(ctx);
            for command in crate::lang::nrpe::commands(&ctx.source.text) {
                // Facts are sorted by start: the line's calls are one run of
                // them (a search, not a scan per line: 900,000 lines).
                let first = facts.commands.partition_point(|c| c.span.start < command.line.start);
                let ids: Vec<usize> = (first..facts.commands.len())
                    .take_while(|i| facts.commands[*i].span.start < command.line.end.max(command.line.start + 1))
                    .filter(|i| {
                        let s: Span = facts.commands[*i].span;
                        command.line.start <= s.start && s.end <= command.line.end
                    })
                    .collect();
                if !ids.is_empty() {
                    let what = format!("NRPE command `{}`", command.name);
                    self.judge(ctx, &facts.commands, &ids, &what, &budget, out);
                }
            }
            return;
        }
        if !is_check(ctx) {
            return;
        }
        let budget = budget_of(ctx);
        let ids: Vec<usize> = (0..facts.commands.len()).collect();
        self.judge(ctx, &facts.commands, &ids, "this check", &budget, out);
    }
}
