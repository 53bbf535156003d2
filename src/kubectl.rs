//! kubectl's command line: which word of a call is kubectl, its global flags
//! that take a value, the sub-commands that never contact the API server, the
//! calls that stream or stay attached to a terminal, and where a call sets
//! `--request-timeout`. The facts come from `lints/kubectl.json`. Read by `kubectl-request-timeout`,
//! `unbounded-wait`, `nrpe-timeout-budget` and the command table in
//! [`crate::waits`].

use crate::facts::{CommandFact, Word, flag_value};
use serde::Deserialize;
use std::sync::OnceLock;

/// Index of the word that names kubectl (`kubectl` in `microk8s kubectl`).
pub fn program_word(fact: &CommandFact) -> Option<usize> {
    match fact.program_name() {
        "kubectl" | "oc" | "microk8s.kubectl" => Some(0),
        "microk8s" | "k3s" => {
            let sub = fact.words.get(1)?;
            (sub.is_static && sub.text == "kubectl").then_some(1)
        }
        _ => None,
    }
}

/// kubectl's command line as `lints/kubectl.json` records it (written by
/// `lints/extract_kubectl.py` from kubectl's source at a tag; every row cites
/// its file and line).
static TABLE: &str = include_str!("../lints/kubectl.json");

#[derive(Debug, Deserialize)]
struct Table {
    global_flags: Vec<GlobalFlag>,
    subcommands: Vec<Subcommand>,
    create_generators: Vec<Generator>,
    streams: Vec<Stream>,
}

#[derive(Debug, Deserialize)]
struct GlobalFlag {
    long: String,
    short: Option<String>,
    /// Takes a value (the next word, or after `=`).
    value: bool,
}

/// Whether a sub-command contacts the API server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Role {
    /// Works on local files or prints help: never calls the API server.
    Client,
    /// Calls the API server.
    Server,
    /// A local server that forwards its own clients' requests (`proxy`).
    Serves,
}

#[derive(Debug, Deserialize)]
struct Subcommand {
    name: String,
    role: Role,
}

#[derive(Debug, Deserialize)]
struct Generator {
    name: String,
    aliases: Vec<String>,
}

/// How a call that stays attached ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StreamKind {
    /// Runs until interrupted or until its terminal session ends: a client
    /// timeout would cut it off.
    Stream,
    /// A copy through `exec`: ends when the data is copied.
    Transfer,
}

#[derive(Debug, Deserialize)]
pub struct Stream {
    /// The sub-command words (`["logs"]`).
    pub command: Vec<String>,
    pub kind: StreamKind,
    /// The flags that make the call a stream; empty: the command itself.
    #[serde(default)]
    flags: Vec<StreamFlag>,
    /// The command's boolean one-letter flags (`-i`, `-q`, `-t`): a word such
    /// as `-it` or `-tt` combines them.
    #[serde(default)]
    bool_shorthands: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct StreamFlag {
    long: String,
    short: Option<String>,
}

impl Stream {
    /// `kubectl logs -f`, as users write it.
    pub fn name(&self) -> String {
        let mut words = vec!["kubectl".to_string()];
        words.extend(self.command.iter().cloned());
        if let Some(f) = self.flags.first() {
            words.push(f.short.clone().unwrap_or_else(|| f.long.clone()));
        }
        words.join(" ")
    }

    /// The words that make a call of this command a stream: each flag's long
    /// form, `--long=true` and its shorthand (empty when the command itself is
    /// one).
    pub fn flag_words(&self) -> Vec<String> {
        let mut out = Vec::new();
        for f in &self.flags {
            out.push(f.long.clone());
            out.push(format!("{}=true", f.long));
            out.extend(f.short.clone());
        }
        out
    }

    /// Whether `word` turns the stream on: a stream flag, `--flag=true`, or
    /// a run of the command's boolean shorthands that holds one (`-it`,
    /// `-ti`, `-tt`).
    fn turned_on_by(&self, word: &str) -> bool {
        for f in &self.flags {
            if word == f.long || word.strip_prefix(f.long.as_str()) == Some("=true") {
                return true;
            }
        }
        let Some(letters) = word.strip_prefix('-') else { return false };
        if letters.is_empty() || letters.starts_with('-') || !letters.bytes().all(|b| b.is_ascii_alphabetic()) {
            return false;
        }
        let shorts: Vec<char> = self
            .flags
            .iter()
            .filter_map(|f| f.short.as_deref()?.strip_prefix('-')?.chars().next())
            .collect();
        for c in letters.chars() {
            if shorts.contains(&c) {
                return true;
            }
            // Another letter of the run must be a boolean flag of the command
            // too, or the rest of the word is that flag's value.
            if !self.bool_shorthands.iter().any(|b| b.strip_prefix('-') == Some(c.encode_utf8(&mut [0; 4]))) {
                return false;
            }
        }
        false
    }
}

fn table() -> &'static Table {
    static PARSED: OnceLock<Table> = OnceLock::new();
    PARSED.get_or_init(|| serde_json::from_str(TABLE).expect("lints/kubectl.json is valid (tested)"))
}

/// Whether kubectl's global flag `flag` takes its value as the next word.
pub fn global_flag_takes_value(flag: &str) -> bool {
    table()
        .global_flags
        .iter()
        .any(|f| f.value && (f.long == flag || f.short.as_deref() == Some(flag)))
}

fn role(subcommand: &str) -> Option<Role> {
    table().subcommands.iter().find(|s| s.name == subcommand).map(|s| s.role)
}

fn is_create_generator(word: &str) -> bool {
    table()
        .create_generators
        .iter()
        .any(|g| g.name == word || g.aliases.iter().any(|a| a == word))
}

/// The streams of the table (`logs -f`, `port-forward`, `exec -it`, `cp`).
pub fn streams() -> &'static [Stream] {
    &table().streams
}

/// The stream a call with these arguments (the words after kubectl) is, and
/// the word that makes it one (the sub-command word when the command itself
/// is a stream): `logs -f`, `get -w`, `exec -tt`, `port-forward`.
pub fn stream(args: &[Word]) -> Option<(&'static Stream, &Word)> {
    let words = positionals(args);
    table().streams.iter().find_map(|s| {
        if s.command.len() > words.len()
            || !s.command.iter().zip(&words).all(|(c, w)| w.is_static && *c == w.text)
        {
            return None;
        }
        if s.flags.is_empty() {
            return Some((s, words[s.command.len() - 1]));
        }
        args.iter()
            .take_while(|a| a.text != "--")
            .find(|a| a.is_static && s.turned_on_by(&a.text))
            .map(|a| (s, a))
    })
}

/// Positional words (sub-commands, names) of the arguments, skipping the
/// global flags that take a value.
pub fn positionals(args: &[Word]) -> Vec<&Word> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text.as_str();
        if t == "--" {
            break;
        }
        if t.starts_with('-') {
            if global_flag_takes_value(t) {
                i += 1;
            }
        } else {
            out.push(&args[i]);
        }
        i += 1;
    }
    out
}

/// Whether a call with these arguments (the words after kubectl) never
/// contacts the API server: a client-only sub-command, `--help`, `--local`,
/// `version --client`, a generator with a client dry run, or a plugin.
pub fn is_client_only(args: &[Word]) -> bool {
    let mut subcommand = None;
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text.as_str();
        if t == "--" {
            break;
        }
        if t == "--help" || t == "-h" {
            return true;
        }
        if subcommand.is_none() && args[i].is_static {
            if t.starts_with('-') {
                if global_flag_takes_value(t) {
                    i += 1;
                }
            } else {
                subcommand = Some(t);
            }
        } else if subcommand.is_none() {
            // A dynamic word where the sub-command should be: unknown, so not client-only.
            subcommand = Some("");
        }
        i += 1;
    }
    // `kubectl set image --local -f x.yaml`: works on the file only.
    if args.iter().any(|a| a.text == "--local" || a.text == "--local=true") {
        return true;
    }
    match subcommand {
        // `proxy` serves its own clients: their requests are theirs.
        Some(s) if matches!(role(s), Some(Role::Client | Role::Serves)) => true,
        // A plugin: not kubectl's client.
        Some(s) if !s.is_empty() && role(s).is_none() => true,
        Some("version") => args
            .iter()
            .any(|a| a.text == "--client" || a.text == "--client=true"),
        // `kubectl create <generator> --dry-run[=client]` prints the object it
        // built and never calls the server (kubectl's create_*.go `Run`s only
        // do when the dry-run strategy is not client). `create -f` is not a
        // generator: it still asks the server for the resource types.
        Some("create") => {
            let generator = args
                .iter()
                .filter(|a| a.is_static && !a.text.starts_with('-'))
                .nth(1)
                .is_some_and(|g| is_create_generator(&g.text));
            generator
                && args.iter().any(|a| {
                    matches!(a.text.as_str(), "--dry-run" | "--dry-run=client" | "--dry-run=true")
                })
        }
        _ => false,
    }
}

/// The `--request-timeout` value word and whether it is inline (`--request-timeout=V`).
pub fn find_request_timeout(args: &[Word]) -> Option<(&Word, bool)> {
    flag_value(args, &["--request-timeout"])
        .map(|(word, _)| (word, word.text.starts_with("--request-timeout=")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Word;

    fn words(line: &str) -> Vec<Word> {
        line.split_whitespace()
            .map(|t| Word {
                text: t.to_string(),
                span: crate::source::Span { start: 0, end: 0 },
                is_static: true,
                append_at: None,
                exact: true,
                static_suffix: t.len(),
            })
            .collect()
    }

    #[test]
    fn every_row_cites_its_source() {
        let v: serde_json::Value = serde_json::from_str(TABLE).unwrap();
        let mut rows = 0;
        fn check(v: &serde_json::Value, rows: &mut usize) {
            match v {
                serde_json::Value::Object(m) => {
                    if m.contains_key("quote") {
                        *rows += 1;
                        assert!(m["quote"].as_str().is_some_and(|q| !q.trim().is_empty()), "{v}");
                        assert!(m["repo"].as_str().is_some_and(|r| r.contains('/')), "{v}");
                        assert!(
                            m["commit"].as_str().is_some_and(|c| c.len() == 40 && c.bytes().all(|b| b.is_ascii_hexdigit())),
                            "{v}"
                        );
                        assert!(m["path"].as_str().is_some_and(|p| !p.is_empty()), "{v}");
                        assert!(m["line"].as_u64().is_some_and(|l| l > 0), "{v}");
                    }
                    m.values().for_each(|x| check(x, rows));
                }
                serde_json::Value::Array(a) => a.iter().for_each(|x| check(x, rows)),
                _ => {}
            }
        }
        check(&v, &mut rows);
        let t = table();
        // Every flag, sub-command, generator and stream row has a source.
        let counted = t.global_flags.len() + t.subcommands.len() + t.create_generators.len();
        assert!(rows >= counted + t.streams.len(), "{rows} quotes for {counted}+ rows");
        for row in v["global_flags"].as_array().unwrap().iter()
            .chain(v["subcommands"].as_array().unwrap())
            .chain(v["create_generators"].as_array().unwrap())
        {
            assert!(row["source"]["quote"].is_string(), "{row}");
        }
    }

    /// `unbounded-wait` judges kubectl's streams by `lints/waits.json`: its
    /// kubectl stream entries are exactly this table's, with the same words.
    #[test]
    fn the_command_table_lists_the_same_streams() {
        let waits: Vec<_> = crate::waits::table()
            .iter()
            .filter(|e| e.program == "kubectl" && e.kind == crate::waits::Kind::Stream)
            .collect();
        assert_eq!(waits.len(), streams().len());
        for s in streams() {
            let e = waits
                .iter()
                .find(|e| e.command == s.command)
                .unwrap_or_else(|| panic!("{} is not in lints/waits.json", s.name()));
            for w in s.flag_words() {
                assert!(e.when.contains(&w), "{}: `{w}` is not a `when` word in lints/waits.json", s.name());
            }
            for w in &e.when {
                assert!(s.turned_on_by(w), "{}: lints/waits.json's `{w}` is not a stream flag here", s.name());
            }
            assert_eq!(e.when.is_empty(), s.flags.is_empty(), "{}", s.name());
        }
    }

    #[test]
    fn global_flags_with_a_value() {
        for f in ["--context", "-n", "--namespace", "-s", "--request-timeout", "-v", "--v", "--kubeconfig", "--log-dir"] {
            assert!(global_flag_takes_value(f), "{f}");
        }
        for f in ["--insecure-skip-tls-verify", "--warnings-as-errors", "--match-server-version", "-w", "--all"] {
            assert!(!global_flag_takes_value(f), "{f}");
        }
    }

    #[test]
    fn client_only_calls() {
        for line in [
            "config view",
            "completion bash",
            "kustomize .",
            "--context x options",
            "plugin list",
            "kuberc view",
            "help",
            "proxy --port=8001",
            "krew install ctx",
            "version --client",
            "get pods --help",
            "set image --local -f x.yaml",
            "create deployment x --image=y --dry-run=client",
            "create ns x --dry-run",
            "convert -f pod.yaml",
        ] {
            assert!(is_client_only(&words(line)), "{line}");
        }
        for line in [
            "get pods",
            "-n kube-system get pods",
            "--log-flush-frequency 5s get nodes",
            "version",
            "create -f x.yaml --dry-run=client",
            "create token sa --dry-run=client",
            "rolling-update a b",
            "events",
        ] {
            assert!(!is_client_only(&words(line)), "{line}");
        }
    }

    #[test]
    fn streams_and_interactive_calls() {
        for (line, command) in [
            ("logs -f pod", "logs"),
            ("logs --follow=true pod", "logs"),
            ("logs -pf pod", "logs"),
            ("-n x get pods -w", "get"),
            ("get pods --watch-only", "get"),
            ("port-forward svc/x 8080:80", "port-forward"),
            ("proxy", "proxy"),
            ("attach pod", "attach"),
            ("exec -it pod -- sh", "exec"),
            ("exec -ti pod -- sh", "exec"),
            ("exec -tt pod -- sh", "exec"),
            ("exec -i -t pod -- sh", "exec"),
            ("exec --stdin pod -- sh", "exec"),
            ("run x -it --image=busybox", "run"),
            ("run x --rm --attach --image=busybox", "run"),
            ("cp pod:/a b", "cp"),
        ] {
            let args = words(line);
            let found = stream(&args).map(|(s, _)| s.command.join(" "));
            assert_eq!(found.as_deref(), Some(command), "{line}");
        }
        for line in [
            "logs pod",
            "logs -p pod",
            "get pods",
            "get pods -A",
            "exec pod -- ls",
            "exec -q pod -- ls",
            "exec pod -- tail -f x",
            "exec -cfoo pod -- ls",
            "run x --image=busybox",
            "rollout status deploy/x",
        ] {
            assert!(stream(&words(line)).is_none(), "{line}");
        }
        assert_eq!(stream(&words("logs -f pod")).map(|(s, _)| s.kind), Some(StreamKind::Stream));
        assert_eq!(stream(&words("cp a b")).map(|(s, _)| s.kind), Some(StreamKind::Transfer));
    }
}
