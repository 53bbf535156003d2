//! Programs that run another command (`sudo`, `env`, `timeout`, `xargs`,
//! `ssh`, `bash -c`, `lxc exec`, `kubectl exec`, …) and how each passes it
//! on: which options take a value, how many operands come before the
//! command, whether the command is a word list or a string a shell runs.
//! The table is `lints/wrappers.json` (each row cites its source); the shell
//! front-end reads it to see through wrappers.

use serde::Deserialize;
use std::sync::OnceLock;

static TABLE: &str = include_str!("../lints/wrappers.json");

/// How a wrapper's options and operands are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    /// Options, then the operands, then the command (getopt with `+`,
    /// pflag with interspersed flags off).
    #[default]
    OptionsFirst,
    /// Options, the operands, options again, then the command (`ssh`,
    /// `flock FILE -c …`).
    OptionsOperandsOptions,
    /// Options anywhere before `--` (GNU getopt's permutation, cobra, Qt).
    Permute,
}

/// What a wrapper runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runs {
    /// The words after its options and operands are the command.
    Command,
    /// The words after its options and operands, joined by spaces, are a
    /// string a shell runs (`ssh HOST CMD`, `eval`, `watch`).
    Joined,
    /// Nothing, unless a script option gives a string to run (`su -c`).
    Nothing,
    /// A shell: `-c` makes the first operand a script; without an operand it
    /// reads one from standard input.
    Shell,
    /// The words after `--` are a command run elsewhere, and the call is one
    /// of its own (`kubectl exec POD -- CMD`).
    AfterDashdash,
}

#[derive(Debug, Deserialize)]
pub struct Source {
    pub url: String,
    pub quote: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wrapper {
    /// The program's names (base names: `/usr/bin/sudo` is `sudo`).
    pub names: Vec<String>,
    /// The sub-command words that make it run a command (`exec` of `docker
    /// exec`); empty: the program itself.
    #[serde(default)]
    pub command: Vec<String>,
    /// Short options that take a value (the rest of the word or the next word).
    #[serde(default)]
    pub short_with_value: String,
    /// Long options (without `--`) that take a value (`--name=v` or `--name v`).
    #[serde(default)]
    pub long_with_value: Vec<String>,
    #[serde(default)]
    pub order: Order,
    /// `NAME=value` words may stand among the options (`sudo`, `env`).
    #[serde(default)]
    pub assignments: bool,
    /// A lone `-` is an option (`env -`), not an operand.
    #[serde(default)]
    pub dash_is_option: bool,
    /// Words starting with `+` are options too (`bash +o posix`).
    #[serde(default)]
    pub plus_options: bool,
    /// Operands before the command (`timeout DURATION`, `chroot NEWROOT`,
    /// `docker exec CONTAINER`).
    #[serde(default)]
    pub operands: usize,
    /// The first operand is a duration that bounds the command (`timeout`).
    #[serde(default)]
    pub bounds_time: bool,
    /// The first operand names the host the command runs on; the text after
    /// the last occurrence of this separator is the host (`user@host`:
    /// `@`, `remote:instance`: `:`; empty: the whole operand).
    #[serde(default)]
    pub names_host: Option<String>,
    /// Options whose value is a string a shell runs (`su -c`, `flock -c`;
    /// for a shell, the option that makes its first operand one).
    #[serde(default)]
    pub script_options: Vec<String>,
    /// Words that, right after the operands and followed by exactly one more
    /// word, make that word a string a shell runs (`flock FILE -c 'SCRIPT'`).
    #[serde(default)]
    pub script_after_operands: Vec<String>,
    /// Options that make the words a command rather than a string (`watch -x`).
    #[serde(default)]
    pub command_with: Vec<String>,
    /// It takes no option: any option word but `--` is a usage error, and
    /// nothing runs (`eval -x …`).
    #[serde(default)]
    pub no_options: bool,
    /// Options with which it runs no command (`ssh -N`).
    #[serde(default)]
    pub runs_nothing_with: Vec<String>,
    /// Options with which the call only looks the command up (`command -v`).
    #[serde(default)]
    pub looks_up_with: Vec<String>,
    /// With nothing to run given, it reads a script from standard input
    /// (`ssh HOST <<EOF`, `bash -s <<EOF`).
    #[serde(default)]
    pub stdin_script: bool,
    /// The call is one of its own besides the command it runs (`kubectl exec`).
    #[serde(default)]
    pub keeps_call: bool,
    pub runs: Runs,
    pub sources: Vec<Source>,
}

impl Wrapper {
    /// Whether short option letter `c` takes a value.
    pub fn short_takes_value(&self, c: char) -> bool {
        self.short_with_value.contains(c)
    }

    /// Whether long option `name` (without `--`) takes a value.
    pub fn long_takes_value(&self, name: &str) -> bool {
        self.long_with_value.iter().any(|l| l == name)
    }

    /// `sudo`, `docker exec`, as users write it.
    pub fn name(&self) -> String {
        std::iter::once(self.names[0].as_str())
            .chain(self.command.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Debug, Deserialize)]
struct Table {
    wrappers: Vec<Wrapper>,
}

/// The table, parsed once (it is part of the binary: a test parses it).
pub fn table() -> &'static [Wrapper] {
    static PARSED: OnceLock<Vec<Wrapper>> = OnceLock::new();
    PARSED.get_or_init(|| {
        serde_json::from_str::<Table>(TABLE)
            .expect("lints/wrappers.json is valid (tested)")
            .wrappers
    })
}

/// The row of program `name` whose sub-command words `next` begins with
/// (the longest such), and how many words those are.
pub fn find<'w>(name: &str, next: impl Fn(usize) -> Option<&'w str>) -> Option<(&'static Wrapper, usize)> {
    table()
        .iter()
        .filter(|w| w.names.iter().any(|n| n == name))
        .filter(|w| w.command.iter().enumerate().all(|(k, c)| next(k) == Some(c.as_str())))
        .max_by_key(|w| w.command.len())
        .map(|w| (w, w.command.len()))
}

/// The names of the programs that run a command given as words or a string
/// (every row's names, each once, in table order).
pub fn program_names() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for w in table() {
        for n in &w.names {
            if !out.contains(&n.as_str()) {
                out.push(n);
            }
        }
    }
    out
}

/// Whether `name` is a program that runs the command after its own words
/// (`sudo`, `timeout`, `bash`): a path in such a call is not the program.
pub fn is_wrapper_program(name: &str) -> bool {
    table().iter().any(|w| w.command.is_empty() && w.names.iter().any(|n| n == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_parses_and_cites_a_source() {
        let rows = table();
        assert!(rows.len() > 20);
        for w in rows {
            assert!(!w.names.is_empty());
            assert!(!w.sources.is_empty(), "{} cites no source", w.name());
            for s in &w.sources {
                assert!(s.url.starts_with("https://"), "{}: {}", w.name(), s.url);
                assert!(!s.quote.trim().is_empty(), "{}: empty quote", w.name());
                // A repository file is cited at a tag or commit, with its line.
                if s.url.starts_with("https://github.com/") {
                    assert!(s.url.contains("/blob/") && s.url.contains("#L"), "{}: {}", w.name(), s.url);
                    assert!(!s.url.contains("/blob/main/") && !s.url.contains("/blob/master/"), "{}", s.url);
                }
            }
            assert!(w.short_with_value.chars().all(|c| c.is_ascii_alphanumeric()), "{}", w.name());
            assert!(w.long_with_value.iter().all(|l| !l.starts_with('-')), "{}", w.name());
            for o in w.script_options.iter().chain(&w.script_after_operands).chain(&w.command_with).chain(&w.runs_nothing_with).chain(&w.looks_up_with) {
                assert!(o.starts_with('-'), "{}: option {o}", w.name());
            }
            if w.bounds_time || w.names_host.is_some() {
                assert!(w.operands >= 1, "{}: the operand it reads is not counted", w.name());
            }
            assert_eq!(w.keeps_call, w.runs == Runs::AfterDashdash, "{}", w.name());
        }
    }

    #[test]
    fn one_row_per_program_and_sub_command() {
        let mut seen = std::collections::HashSet::new();
        for w in table() {
            for n in &w.names {
                assert!(seen.insert((n.clone(), w.command.clone())), "{n} {:?} twice", w.command);
            }
        }
    }

    #[test]
    fn lookup_prefers_the_sub_command() {
        let words = ["container", "exec"];
        let (w, n) = find("docker", |k| words.get(k).copied()).unwrap();
        assert_eq!((w.command.as_slice(), n), (&["container".to_string(), "exec".to_string()][..], 2));
        assert!(find("docker", |_| Some("ps")).is_none());
        assert_eq!(find("sudo", |_| None).unwrap().1, 0);
        assert!(is_wrapper_program("timeout") && !is_wrapper_program("docker"));
        assert!(program_names().contains(&"lxc"));
    }
}
