//! The worst-case run time of an NRPE check and the time it gets: the bound
//! of each call (`timeout`, kubectl's `--request-timeout`, the command table
//! in [`crate::waits`], `sleep`), their sum over the check's sequences,
//! branches, pipelines, loops and functions, and the budget found in the
//! repository. `nrpe-timeout-budget` reports on it; `kubectl-request-timeout`
//! and `unbounded-wait` size their fixes in checks with [`fix_shares`].

use crate::duration::{parse_coreutils_duration, parse_go_duration};
use crate::facts::{CommandFact, ControlStep, Word};
use crate::project::Budget;
use crate::source::{SourceFile, Span};
use std::path::Path;
use std::time::Duration;

/// `nrpe-timeout-budget`'s `default-budget` option when it is not set:
/// check_nrpe's default timeout.
pub const DEFAULT_BUDGET: &str = "10s";

/// `nrpe-timeout-budget`'s `checks` option when it is not set: none.
pub const DEFAULT_CHECKS: &str = "";

/// `nrpe-timeout-budget`'s options: every rule that judges or sizes a call
/// by a check's budget reads these.
#[derive(Debug, Clone)]
pub struct BudgetOptions {
    /// The budget when the repository sets none.
    pub default_budget: Duration,
    /// Scripts that are checks although no `command[…]` line runs them.
    pub checks: Option<globset::GlobSet>,
}

impl BudgetOptions {
    /// From `nrpe-timeout-budget`'s options (configured, else defaults).
    pub fn new(options: &crate::rule_meta::RuleOptions) -> BudgetOptions {
        BudgetOptions {
            default_budget: options.duration("default-budget").value,
            checks: options.globs("checks").cloned(),
        }
    }
}

/// What the evaluator sees of the file being checked.
pub struct CheckFile<'a> {
    pub source: &'a SourceFile,
    /// The project's root.
    pub root: &'a Path,
    /// The project's index: where checks and budgets are found.
    pub project: &'a crate::project::ProjectIndex,
    /// `nrpe-timeout-budget`'s options.
    pub options: &'a BudgetOptions,
    /// The file's `command[…]=` lines (an NRPE configuration's).
    pub nrpe_commands: &'a [crate::facts::NrpeCommand],
}

/// The time one call may take.
#[derive(Debug, Clone)]
enum Bound {
    Secs(f64),
    /// No limit at all; `elsewhere` when another rule reports it.
    Unbounded { why: String, elsewhere: bool },
    /// A limit that cannot be known statically.
    Unknown(String),
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
fn bound_of(fact: &CommandFact, host: &str) -> Option<Bound> {
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
    // What the call waits for by the command table (`kubectl drain`, `curl`).
    let table = crate::waits::judge(fact, host).map(|j| match j.wait {
        crate::waits::Wait::Bounded { secs, .. } => Bound::Secs(secs),
        // `unbounded-wait` reports what it reports: not twice.
        crate::waits::Wait::Unbounded { why } => Bound::Unbounded {
            why,
            elsewhere: j.entry.report != crate::waits::Report::Budget,
        },
        crate::waits::Wait::Unknown { why } => Bound::Unknown(why),
    });
    if let Some(k) = crate::kubectl::program_word(fact) {
        let args = &fact.words[k + 1..];
        if crate::kubectl::is_client_only(args) {
            return table;
        }
        let request = match crate::kubectl::find_request_timeout(args) {
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
        };
        // A wait (`wait --timeout=30s`) runs after the request that finds
        // its objects: both count.
        return Some(match (request, table) {
            (Bound::Secs(a), Some(Bound::Secs(b))) => Bound::Secs(a + b),
            (Bound::Secs(_), Some(other)) => other,
            (request, _) => request,
        });
    }
    if table.is_some() {
        return table;
    }
    let args = &fact.words[1..];
    match fact.program_name() {
        "sleep" => {
            let mut total = 0.0;
            for w in args {
                if w.is_static && matches!(w.text.as_str(), "inf" | "infinity") {
                    return Some(Bound::Unbounded {
                        why: format!("`sleep {}` never ends", w.text),
                        elsewhere: false,
                    });
                }
                match seconds(&w.text, w, parse_coreutils_duration) {
                    Bound::Secs(s) => total += s,
                    other => return Some(other),
                }
            }
            Some(Bound::Secs(total))
        }
        _ => None,
    }
}

/// One call's share of a total.
#[derive(Debug, Clone)]
pub struct Term {
    pub fact: usize,
    pub secs: f64,
    pub times: u64,
}

/// A call whose time cannot be added up: no limit, or one not known statically.
#[derive(Debug, Clone)]
pub struct OpenCall {
    pub fact: usize,
    pub why: String,
    pub unbounded: bool,
    /// Another rule reports it (`kubectl-request-timeout`, `unbounded-wait`).
    pub elsewhere: bool,
}

/// The worst-case time of some calls: the known part, and the calls that
/// have no known bound (each reported on its own).
#[derive(Debug, Clone, Default)]
pub struct Cost {
    pub secs: f64,
    pub terms: Vec<Term>,
    pub opens: Vec<OpenCall>,
}

impl Cost {
    fn zero() -> Cost {
        Cost::default()
    }

    fn open(fact: usize, why: impl Into<String>, unbounded: bool, elsewhere: bool) -> Cost {
        Cost {
            opens: vec![OpenCall {
                fact,
                why: why.into(),
                unbounded,
                elsewhere,
            }],
            ..Cost::default()
        }
    }

    fn add(mut self, other: Cost) -> Cost {
        self.secs += other.secs;
        self.terms.extend(other.terms);
        self.opens.extend(other.opens);
        self
    }

    /// The longer of two alternatives; the open calls of both may run.
    fn max(self, other: Cost) -> Cost {
        let (mut longer, shorter) = if self.secs >= other.secs {
            (self, other)
        } else {
            (other, self)
        };
        longer.opens.extend(shorter.opens);
        longer
    }
}

/// The worst-case evaluation of one check's calls.
pub struct Eval<'a> {
    facts: &'a [CommandFact],
    /// The text the facts' spans point into.
    host: &'a str,
    /// Function name → the calls of its body, in source order.
    bodies: std::collections::HashMap<&'a str, Vec<usize>>,
    /// The calls of the check outside functions, in source order.
    main: Vec<usize>,
    /// Bounds assumed for some calls (the value a fix would give them).
    assumed: std::collections::HashMap<usize, f64>,
}

impl<'a> Eval<'a> {
    /// The evaluation of the calls `ids` (a check script, or one `command[…]` line).
    pub fn new(facts: &'a [CommandFact], ids: &[usize], host: &'a str) -> Self {
        let mut bodies: std::collections::HashMap<&str, Vec<usize>> = Default::default();
        for i in ids {
            if let Some(f) = facts[*i].in_function.as_deref() {
                bodies.entry(f).or_default().push(*i);
            }
        }
        for body in bodies.values_mut() {
            body.sort_by_key(|i| (facts[*i].span.start, facts[*i].span.end));
        }
        let mut main: Vec<usize> = ids
            .iter()
            .copied()
            .filter(|i| facts[*i].in_function.is_none())
            .collect();
        main.sort_by_key(|i| (facts[*i].span.start, facts[*i].span.end));
        Eval {
            facts,
            host,
            bodies,
            main,
            assumed: Default::default(),
        }
    }

    /// The calls of the check outside functions, in source order.
    pub fn main(&self) -> &[usize] {
        &self.main
    }

    /// The worst-case time of the whole check.
    pub fn worst_case(&self) -> Cost {
        self.cost(&self.main, 0, 0)
    }

    /// The largest whole number of seconds that the calls `fixed` may each
    /// take so that the check stays within `limit` (at least 1 s), assuming
    /// the calls with no known bound take none.
    fn share(&mut self, fixed: &[(usize, u32)], limit: f64) -> Option<u64> {
        let total = |t: f64, eval: &mut Self| {
            eval.assumed = fixed.iter().map(|(i, n)| (*i, t * f64::from(*n))).collect();
            let main = eval.main.clone();
            eval.cost(&main, 0, 0).secs
        };
        let base = total(0.0, self);
        let per_second = total(1.0, self) - base;
        if per_second <= 0.0 {
            return None;
        }
        let guess = ((limit - base) / per_second).floor().max(1.0) as u64;
        if total(guess as f64, self) <= limit {
            return Some(guess);
        }
        // Branches may change which path is the longest: the largest value
        // that fits (the total grows with it), by bisection.
        let (mut fits, mut over) = (1, guess);
        while over - fits > 1 {
            let mid = fits + (over - fits) / 2;
            if total(mid as f64, self) <= limit {
                fits = mid;
            } else {
                over = mid;
            }
        }
        Some(fits)
    }

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
                if inner.secs == 0.0 {
                    return inner;
                }
                match count {
                    Some(n) => Cost {
                        secs: inner.secs * n as f64,
                        terms: inner
                            .terms
                            .into_iter()
                            .map(|t| Term {
                                times: t.times * n,
                                ..t
                            })
                            .collect(),
                        opens: inner.opens,
                    },
                    None => {
                        let fact = inner.terms.first().map_or(group[0], |t| t.fact);
                        // Counted once: the total is a lower bound.
                        inner.add(Cost::open(
                            fact,
                            "it runs in a loop whose number of iterations is not known",
                            false,
                            false,
                        ))
                    }
                }
            }
        }
    }

    /// One call: its own bound, or the body of the function it calls.
    fn call(&self, id: usize, depth: usize) -> Cost {
        let fact = &self.facts[id];
        if fact.control_truncated {
            return Cost::open(id, "it is nested too deeply to analyse", false, false);
        }
        if let Some(&secs) = self.assumed.get(&id) {
            return Cost {
                secs,
                terms: vec![Term { fact: id, secs, times: 1 }],
                opens: Vec::new(),
            };
        }
        let name = fact.program_name();
        if depth < 8
            && !name.is_empty()
            && let Some(body) = self.bodies.get(name)
        {
            return self.cost(body, 0, depth + 1);
        }
        match bound_of(fact, self.host) {
            None => Cost::zero(),
            Some(Bound::Secs(secs)) => Cost {
                secs,
                terms: vec![Term {
                    fact: id,
                    secs,
                    times: 1,
                }],
                opens: Vec::new(),
            },
            Some(Bound::Unbounded { why, elsewhere }) => Cost::open(id, why, true, elsewhere),
            Some(Bound::Unknown(why)) => Cost::open(id, why, false, false),
        }
    }
}

/// How the budget was found, for messages.
pub fn budget_of(file: &CheckFile<'_>) -> (f64, String) {
    let index = file.project;
    let shown = |b: &Budget| {
        b.file
            .strip_prefix(file.root)
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
    (file.options.default_budget.as_secs_f64(), "check_nrpe's default timeout".into())
}

/// Whether the file is an NRPE configuration (its `command[…]=` lines are
/// checks) or a check script.
pub fn is_check_file(file: &CheckFile<'_>) -> bool {
    is_nrpe_cfg(file) || is_check(file)
}

/// An NRPE configuration (or its template): its `command[…]=` lines are checks.
fn is_nrpe_cfg(file: &CheckFile<'_>) -> bool {
    let name = file.source.path.to_string_lossy();
    name.ends_with(".cfg") || name.ends_with(".cfg.j2")
}

/// Whether the file is a check: run by a `command[…]` line, or matched by `checks`.
fn is_check(file: &CheckFile<'_>) -> bool {
    let Some(name) = file.source.path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let index = file.project;
    if index.nrpe().scripts.contains_key(name) {
        return true;
    }
    let Some(set) = &file.options.checks else {
        return false;
    };
    let path = std::fs::canonicalize(&file.source.path).unwrap_or_else(|_| file.source.path.clone());
    let root = std::fs::canonicalize(file.root).unwrap_or_else(|_| file.root.to_path_buf());
    let rel = path.strip_prefix(&root).unwrap_or(&path);
    set.is_match(rel) || set.is_match(&file.source.path)
}

/// The checks of a file, each as the indices of its calls: every `command[…]`
/// line of an NRPE configuration, or the whole of a check script; `None` when
/// the file holds no check.
pub fn checks_of(file: &CheckFile<'_>, facts: &[CommandFact]) -> Option<Vec<(String, Vec<usize>)>> {
    if is_nrpe_cfg(file) {
        let mut checks = Vec::new();
        for command in file.nrpe_commands {
            // Facts are sorted by start: the line's calls are one run of
            // them (a search, not a scan per line: 900,000 lines).
            let first = facts.partition_point(|c| c.span.start < command.line.start);
            let ids: Vec<usize> = (first..facts.len())
                .take_while(|i| facts[*i].span.start < command.line.end.max(command.line.start + 1))
                .filter(|i| {
                    let s: Span = facts[*i].span;
                    command.line.start <= s.start && s.end <= command.line.end
                })
                .collect();
            if !ids.is_empty() {
                checks.push((format!("NRPE command `{}`", command.name), ids));
            }
        }
        return Some(checks);
    }
    if !is_check(file) {
        return None;
    }
    Some(vec![("this check".to_string(), (0..facts.len()).collect())])
}

/// How many fixes would give `fact` a bound: `kubectl-request-timeout`'s
/// `--request-timeout` and `unbounded-wait`'s `--timeout` (a call may get
/// both). Counted generously: a call counted here and not fixed only makes
/// the others' shares smaller.
fn fixes_bounding(fact: &CommandFact, host: &str) -> u32 {
    if fact.time_bound.is_some() {
        return 0;
    }
    let table = crate::waits::judge(fact, host);
    let stream = table.as_ref().is_some_and(|j| j.entry.kind == crate::waits::Kind::Stream);
    let mut n = 0;
    if let Some(k) = crate::kubectl::program_word(fact) {
        let args = &fact.words[k + 1..];
        if !stream
            && !crate::kubectl::is_client_only(args)
            && crate::kubectl::find_request_timeout(args).is_none()
        {
            n += 1;
        }
    }
    if let Some(j) = table
        && j.entry.fix.is_some()
        && matches!(j.wait, crate::waits::Wait::Unbounded { .. })
    {
        n += 1;
    }
    n
}

/// For each call of a check that a fix would bound, the whole seconds the
/// fix may give it so that the fixed check stays within the budget (at least
/// 1 s): every fixed call of the check gets the same share. Empty when the
/// file holds no check.
pub fn fix_shares(file: &CheckFile<'_>, facts: &[CommandFact]) -> std::collections::HashMap<usize, u64> {
    let mut shares = std::collections::HashMap::new();
    let Some(checks) = checks_of(file, facts) else {
        return shares;
    };
    let (limit, _) = budget_of(file);
    for (_, ids) in checks {
        let fixed: Vec<(usize, u32)> = ids
            .iter()
            .map(|i| (*i, fixes_bounding(&facts[*i], &file.source.text)))
            .filter(|(_, n)| *n > 0)
            .collect();
        if fixed.is_empty() {
            continue;
        }
        let mut eval = Eval::new(facts, &ids, &file.source.text);
        if let Some(t) = eval.share(&fixed, limit) {
            shares.extend(fixed.iter().map(|(i, _)| (*i, t)));
        }
    }
    shares
}
