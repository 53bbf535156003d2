//! How commands can block, and what bounds them: the table in
//! `lints/waits.json` (each entry cites its source), and the judgement of one
//! call against it. Read by `unbounded-wait` and `nrpe-timeout-budget`.

use crate::duration::{parse_coreutils_duration, parse_go_duration};
use crate::facts::{CommandFact, Word, flag_value};
use serde::Deserialize;
use std::sync::OnceLock;

static TABLE: &str = include_str!("../lints/waits.json");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Waits for a condition; a flag bounds the wait.
    Wait,
    /// Runs until interrupted (a watch, a stream, a server).
    Stream,
    /// A network transfer.
    Network,
    /// Many requests, each bounded on its own.
    Requests,
    /// Waits for a job of a service manager.
    Job,
}

/// Where `unbounded-wait` reports an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Report {
    /// In every file (a warning in plain scripts).
    Everywhere,
    /// In NRPE checks and Ansible tasks: elsewhere it is what the user asked for.
    Checks,
    /// Never on its own: only the time it adds to a check's budget.
    Budget,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValueKind {
    /// Go's `time.ParseDuration` (a unit is required except for `0`).
    GoDuration,
    /// A number of seconds (decimals allowed).
    Seconds,
}

#[derive(Debug, Deserialize)]
pub struct BoundSpec {
    /// The flags that bound the wait (`--timeout`, `-t`); empty when nothing on
    /// the command line does (a service manager's job timeout).
    pub flags: Vec<String>,
    pub value: ValueKind,
    /// The default as the source writes it; `None`: no limit by default.
    pub default: Option<String>,
    /// What a value of zero means: `forever`, `once` (check once and return),
    /// `fails at once` (an expired deadline: the call does not wait) or `a week`.
    #[serde(default)]
    pub zero: Option<String>,
    /// What a negative value means (`kubectl wait`: a week).
    #[serde(default)]
    pub negative: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Attempts {
    pub flags: Vec<String>,
    pub default: u64,
    /// The value counts retries after the first attempt (curl `--retry`), not tries.
    pub retries: bool,
    /// Values that mean "try forever".
    #[serde(default)]
    pub forever: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Entry {
    pub program: String,
    /// The sub-command words (`["rollout", "status"]`); empty: any.
    pub command: Vec<String>,
    /// The call waits only with one of these words (`-f` for `logs`).
    #[serde(default)]
    pub when: Vec<String>,
    /// One of these words means it does not wait (`--no-block`).
    #[serde(default)]
    pub unless: Vec<String>,
    pub kind: Kind,
    /// What the call waits for, for messages.
    pub waits: String,
    #[serde(default)]
    pub bound: Option<BoundSpec>,
    #[serde(default)]
    pub attempts: Option<Attempts>,
    pub report: Report,
    /// The text a fix inserts before the value (`--timeout=`, `--timeout `).
    #[serde(default)]
    pub fix: Option<String>,
    pub source: String,
    /// Lines of the sources, copied verbatim (trimmed): `url` names the file
    /// at a tag or commit and, with `#L<n>`, the line.
    pub quotes: Vec<Quote>,
    /// The command's parser takes an unambiguous prefix of a long option
    /// for the option (Python's argparse, `allow_abbrev` on by default):
    /// every long option it defines, so that a prefix is known to name one.
    #[serde(default)]
    pub abbreviated: Option<Abbreviated>,
}

#[derive(Debug, Deserialize)]
pub struct Abbreviated {
    /// Every long option of the command (`--wait-ready`, `--timeout`, …).
    pub options: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Quote {
    pub url: String,
    pub text: String,
}

impl Entry {
    /// `text` with the long option it names written out, for a command whose
    /// parser takes prefixes (`--wait` → `--wait-ready`, `--time=5` →
    /// `--timeout=5`): as argparse reads it, an exact option wins, and a
    /// prefix of several options names none (argparse stops with an error).
    pub fn spelt_out(&self, text: &str) -> Option<String> {
        let options = &self.abbreviated.as_ref()?.options;
        let rest = text.strip_prefix("--")?;
        let (name, value) = match rest.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (rest, None),
        };
        if name.is_empty() || options.iter().any(|o| o.strip_prefix("--") == Some(name)) {
            return None;
        }
        let mut hits = options.iter().filter(|o| o.strip_prefix("--").is_some_and(|o| o.starts_with(name)));
        let option = hits.next()?;
        if hits.next().is_some() {
            return None;
        }
        Some(match value {
            Some(value) => format!("{option}={value}"),
            None => option.clone(),
        })
    }

    /// Whether `word` is one of `list`, written out or (see
    /// [`Entry::spelt_out`]) as a prefix the command's parser takes.
    fn names_one_of(&self, word: &Word, list: &[String]) -> bool {
        list.contains(&word.text) || self.spelt_out(&word.text).is_some_and(|t| list.contains(&t))
    }

    /// `kubectl rollout status`, as users write it.
    pub fn name(&self) -> String {
        std::iter::once(self.program.as_str())
            .chain(self.command.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Debug, Deserialize)]
struct Table {
    entries: Vec<Entry>,
}

/// The table, parsed once (it is part of the binary: a test parses it).
pub fn table() -> &'static [Entry] {
    static PARSED: OnceLock<Vec<Entry>> = OnceLock::new();
    PARSED.get_or_init(|| {
        serde_json::from_str::<Table>(TABLE)
            .expect("lints/waits.json is valid (tested)")
            .entries
    })
}

/// The programs the table names, each once (`kubectl`, `curl`, …), in table
/// order: rules that judge calls by the table look for them in a file.
pub fn programs(report: impl Fn(Report) -> bool) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for e in table().iter().filter(|e| report(e.report)) {
        if !out.contains(&e.program.as_str()) {
            out.push(&e.program);
        }
    }
    out
}

/// How long one call may block.
#[derive(Debug, Clone, PartialEq)]
pub enum Wait {
    /// At most this long.
    Bounded { secs: f64 },
    /// No limit; `why` says what makes it so.
    Unbounded { why: String },
    /// A limit that cannot be known statically.
    Unknown { why: String },
}

/// A call matched with its table entry.
#[derive(Debug)]
pub struct Judgement<'f> {
    pub entry: &'static Entry,
    pub wait: Wait,
    /// The word the fix follows: the last sub-command word or the `when` flag.
    pub anchor: &'f Word,
}

/// The program and its sub-command words, as the table names them:
/// (`kubectl`, index of the first argument after the program word).
fn program(fact: &CommandFact) -> Option<(&'static str, usize, Option<String>)> {
    if let Some(k) = crate::kubectl::program_word(fact) {
        return Some(("kubectl", k + 1, None));
    }
    let name = fact.program_name();
    // `microk8s.status`: the dotted form of `microk8s status`.
    if let Some(sub) = name.strip_prefix("microk8s.") {
        return Some(("microk8s", 1, Some(sub.to_string())));
    }
    let known = table().iter().find(|e| e.program == name)?;
    Some((known.program.as_str(), 1, None))
}

/// Positional words (sub-commands, names) of `args`: kubectl's as
/// `kubectl::positionals` reads them (its global flags that take a value are
/// skipped with their value), any other program's up to `--`.
fn positionals<'w>(program: &str, args: &'w [Word]) -> Vec<&'w Word> {
    if program == "kubectl" {
        return crate::kubectl::positionals(args);
    }
    args.iter().take_while(|w| w.text != "--").filter(|w| !w.text.starts_with('-')).collect()
}

fn parse(kind: ValueKind, text: &str) -> Option<f64> {
    match kind {
        ValueKind::GoDuration => {
            // Go wants a unit on every value but 0.
            if text != "0" && text.trim().parse::<f64>().is_ok() {
                return None;
            }
            if let Some(rest) = text.strip_prefix('-') {
                return parse_go_duration(rest).ok().map(|d| -d.as_secs_f64());
            }
            parse_go_duration(text).ok().map(|d| d.as_secs_f64())
        }
        ValueKind::Seconds => text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .or_else(|| parse_coreutils_duration(text).ok().map(|d| d.as_secs_f64())),
    }
}

/// The table entry of `fact` and how long it may block; `None` when the table
/// says nothing about the call. `host` is the text of the file the call's
/// spans point into.
pub fn judge<'f>(fact: &'f CommandFact, host: &str) -> Option<Judgement<'f>> {
    let (program, first, dotted) = program(fact)?;
    let args = fact.words.get(first..)?;
    if program == "kubectl" && crate::kubectl::is_client_only(args) && !matches!(sub_command(args), Some("proxy")) {
        return None;
    }
    let words: Vec<&Word> = positionals(program, args);
    let mut names: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    if let Some(d) = &dotted {
        names.insert(0, d);
    }
    // kubectl's streams are read as `lints/kubectl.json` says (`exec -tt`
    // combines `-t` with itself).
    let stream = if program == "kubectl" { crate::kubectl::stream(args) } else { None };
    let entry = table().iter().find(|e| {
        e.program == program
            && e.command.len() <= names.len()
            && e.command.iter().zip(&names).all(|(c, n)| c == n)
            && (e.when.is_empty()
                || args.iter().any(|a| e.names_one_of(a, &e.when))
                || (e.kind == Kind::Stream && stream.is_some_and(|(s, _)| s.command == e.command)))
            && !args.iter().any(|a| e.names_one_of(a, &e.unless))
    })?;
    // The sub-command words written as words (not in `microk8s.status`).
    let named = entry.command.len() - usize::from(dotted.is_some() && !entry.command.is_empty());
    // Every word that names the entry must be static.
    if words.iter().take(named).any(|w| !w.is_static) {
        return None;
    }
    let anchor = if !entry.when.is_empty() {
        match args.iter().rev().find(|a| entry.names_one_of(a, &entry.when)) {
            Some(a) => a,
            None => stream?.1,
        }
    } else if named > 0 {
        words[named - 1]
    } else {
        &fact.words[first - 1]
    };
    // Options a prefix names are read as written out (`--time 30`).
    let wait = if entry.abbreviated.is_some() {
        let spelt: Vec<Word> = args
            .iter()
            .map(|a| match entry.spelt_out(&a.text) {
                Some(text) => Word { text, ..a.clone() },
                None => a.clone(),
            })
            .collect();
        wait_of(entry, &spelt, host)
    } else {
        wait_of(entry, args, host)
    };
    Some(Judgement { entry, wait, anchor })
}

/// kubectl's sub-command (first positional word).
fn sub_command(args: &[Word]) -> Option<&str> {
    positionals("kubectl", args).first().map(|w| w.text.as_str())
}

fn wait_of(entry: &Entry, args: &[Word], host: &str) -> Wait {
    let what = entry.name();
    match entry.kind {
        Kind::Stream => {
            return Wait::Unbounded {
                why: format!("`{what}` {} and has no time limit", entry.waits),
            };
        }
        Kind::Requests if entry.bound.is_none() => {
            return Wait::Unknown {
                why: format!("`{what}` {}: its run time grows with the cluster", entry.waits),
            };
        }
        _ => {}
    }
    let Some(bound) = &entry.bound else {
        return Wait::Unknown {
            why: format!("`{what}` {} with no time limit of its own", entry.waits),
        };
    };
    let flag = bound.flags.first().map_or("", String::as_str);
    let meaning = |secs: f64, written: &str, default: bool| -> Wait {
        let whose = if default {
            format!("`{flag}` defaults to {written}")
        } else {
            format!("`{flag}` is {written}")
        };
        if secs < 0.0 {
            return match &bound.negative {
                Some(m) if m.starts_with("fails") => Wait::Bounded { secs: 0.0 },
                Some(m) => Wait::Unbounded {
                    why: format!("`{what}` {}: {whose}, which means {m}", entry.waits),
                },
                None => Wait::Unknown {
                    why: format!("`{what}`: {whose}, which is not a valid limit"),
                },
            };
        }
        if secs == 0.0 {
            return match bound.zero.as_deref() {
                Some("once") | None => Wait::Bounded { secs: 0.0 },
                Some(m) if m.starts_with("fails") => Wait::Bounded { secs: 0.0 },
                Some(m) => Wait::Unbounded {
                    why: format!(
                        "`{what}` {}: {whose}, which means {}",
                        entry.waits,
                        if m == "forever" { "no limit" } else { m }
                    ),
                },
            };
        }
        Wait::Bounded { secs }
    };
    let single = match flag_value(args, &bound.flags) {
        Some((word, value)) => {
            if !word.is_static {
                return Wait::Unknown {
                    why: format!("`{flag} {}` is not known before it runs", word.text),
                };
            }
            match parse(bound.value, value) {
                Some(secs) => meaning(secs, value, false),
                None => {
                    return Wait::Unknown {
                        why: format!("`{value}` is not a valid `{flag}`"),
                    };
                }
            }
        }
        // `kubectl drain "$node" $DRAIN_OPTS`: the flag may be in there.
        None if let Some(w) = args
            .iter()
            .filter(|w| !w.is_static)
            .map(|w| host.get(w.span.start..w.span.end).unwrap_or(&w.text))
            .find(|w| may_hold_flags(w)) =>
        {
            return Wait::Unknown {
                why: format!("`{flag}` may be in `{w}`, which is not known before it runs"),
            };
        }
        None => match &bound.default {
            Some(d) => match parse(bound.value, d) {
                Some(secs) => meaning(secs, d, true),
                None => Wait::Unknown {
                    why: format!("the default `{flag}` {d} is not understood"),
                },
            },
            None => Wait::Unbounded {
                why: format!("`{what}` {} and has no `{flag}`: no limit by default", entry.waits),
            },
        },
    };
    let Some(attempts) = &entry.attempts else {
        return single;
    };
    let Wait::Bounded { secs } = single else {
        return single;
    };
    let tries = match flag_value(args, &attempts.flags) {
        Some((word, value)) => {
            if !word.is_static {
                return Wait::Unknown {
                    why: format!("`{} {}` is not known before it runs", attempts.flags[0], word.text),
                };
            }
            if attempts.forever.iter().any(|f| f == value) {
                return Wait::Unbounded {
                    why: format!("`{}={value}` retries forever", attempts.flags[0]),
                };
            }
            match value.parse::<u64>() {
                Ok(n) => n,
                Err(_) => {
                    return Wait::Unknown {
                        why: format!("`{value}` is not a number of tries"),
                    };
                }
            }
        }
        None => attempts.default,
    };
    let times = if attempts.retries { tries + 1 } else { tries.max(1) };
    Wait::Bounded {
        secs: secs * times as f64,
    }
}

/// A word not known statically that looks like it holds options: `"$@"`,
/// `$EXTRA_ARGS`, `{{ drain_opts }}`.
fn may_hold_flags(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ["$@", "$*", "${@", "${*", "arg", "opt", "flag", "param", "extra"]
        .iter()
        .any(|n| lower.contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_parses_and_cites_its_source() {
        for e in table() {
            assert!(e.source.starts_with("https://"), "{}: source {:?}", e.name(), e.source);
            assert!(!e.quotes.is_empty(), "{}: no quote", e.name());
            for q in &e.quotes {
                assert!(q.url.starts_with("https://github.com/") && q.url.contains("/blob/"), "{}: {}", e.name(), q.url);
                assert!(!q.text.trim().is_empty() && q.text == q.text.trim(), "{}: {:?}", e.name(), q.text);
            }
            if let Some(b) = &e.bound
                && let Some(d) = &b.default
            {
                assert!(parse(b.value, d).is_some(), "{}: default {d}", e.name());
            }
            // The options a prefix is matched against include every flag the
            // entry names, and each is quoted from the parser's definition.
            if let Some(a) = &e.abbreviated {
                let long = e.when.iter().chain(&e.unless).chain(e.bound.iter().flat_map(|b| &b.flags));
                for flag in long.filter(|f| f.starts_with("--")) {
                    assert!(a.options.contains(flag), "{}: {flag} is not among its options", e.name());
                }
                for o in &a.options {
                    assert!(e.quotes.iter().any(|q| q.text.contains(&format!("\"{o}\""))), "{}: {o} is not quoted", e.name());
                }
            }
        }
    }

    #[test]
    fn argparse_prefixes_name_one_option() {
        let status = table().iter().find(|e| e.name() == "microk8s status").expect("microk8s status");
        assert_eq!(status.spelt_out("--wait").as_deref(), Some("--wait-ready"));
        assert_eq!(status.spelt_out("--w").as_deref(), Some("--wait-ready"));
        assert_eq!(status.spelt_out("--time=30").as_deref(), Some("--timeout=30"));
        // Exact, ambiguous (none here share a prefix but `--`), short or unknown: as written.
        assert_eq!(status.spelt_out("--wait-ready"), None);
        assert_eq!(status.spelt_out("--"), None);
        assert_eq!(status.spelt_out("-w"), None);
        assert_eq!(status.spelt_out("--waiting"), None);
        // kubectl's pflag takes no prefix.
        let drain = table().iter().find(|e| e.name() == "kubectl drain").expect("kubectl drain");
        assert_eq!(drain.spelt_out("--time=5s"), None);
    }
}
