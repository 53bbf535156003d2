//! A differential oracle for the shell front-end: the kubectl calls opslint
//! finds in a script against the calls shfmt's parser (mvdan/sh, a complete
//! bash grammar) finds in it.
//!
//! A *kubectl call* is a simple command whose first word, after any leading
//! `VAR=x` assignments, is the unquoted literal word `kubectl`; it is named by
//! the byte offset of that word. Both sides are reduced to exactly that:
//!
//! - shfmt: every `CallExpr` whose `Args[0]` is one `Lit` part `kubectl`.
//! - opslint: every fact whose program is `kubectl` written out at the call
//!   (`Origin::Direct`, no wrapper except the `time` keyword) and whose
//!   program word is the literal word `kubectl` in the host text.
//!
//! Two differences are by design and are modelled on the shfmt side so that
//! the oracle stays a model of bash (and does not hide front-end bugs):
//! - `sh -c 'SCRIPT'` (also `bash`/`dash`/`ksh`/`ash`/`mksh`, grouped options
//!   such as `-ec`, `-o pipefail`, wrappers such as `sudo`): bash runs SCRIPT
//!   as shell and opslint analyses it, so the literal SCRIPT (single-quoted,
//!   or unquoted / double-quoted without `\`, `$` or backquotes) is parsed by
//!   shfmt again and its calls are added at their offsets in the host.
//!   `watch WORDS` joins its words for `sh -c` (one word, or a first word
//!   holding a script, is parsed as one); `eval -x …` runs nothing (bash's
//!   `eval` takes no option).
//! - A heredoc fed to a shell that reads its script from standard input
//!   (`ssh HOST <<'EOF'`, `bash -s`, `sudo bash`, `lxc exec N -- bash`,
//!   `docker exec C sh`), with a quoted delimiter or a body without `$`,
//!   backquotes or backslashes: the body is parsed by shfmt as a script.
//! - `kubectl exec … -- kubectl …`: the command after `--` runs in the pod.
//! - `f() { eval "$1"; }` and a later call `f 'SCRIPT'`: SCRIPT runs.
//! - `time kubectl …`: `time` is a keyword for bash and shfmt (a `TimeClause`
//!   around the call) and a wrapper for opslint (`wrappers == ["time"]`).
//!
//! - wrapper functions (`k() { kubectl "$@"; }` and a call `k get x`): opslint
//!   reports the body's call once per call of `k` (`Origin::Function`), not as a
//!   `Direct` fact; see [`opslint_calls`].
//!
//! Shared by `tests/shell_oracle.rs` and `examples/shell_oracle.rs`.

#![allow(dead_code)]

pub mod files;
pub mod generate;

use opslint::facts::CommandFact;
use opslint::facts::Origin;
use opslint::lang::{self, Language};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// How deep `sh -c '…'` scripts inside scripts are followed (opslint follows
/// four levels).
const MAX_NESTING: usize = 4;

/// Is `shfmt` on PATH?
pub fn shfmt_available() -> bool {
    Command::new("shfmt")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// shfmt's syntax tree of `src` as bash (`Err` with shfmt's message when it
/// rejects the script).
pub fn shfmt_tree(src: &str) -> Result<Value, String> {
    let mut child = Command::new("shfmt")
        .args(["-ln=bash", "--to-json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run shfmt: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = src.as_bytes().to_vec();
    // Written from a thread: a large script must not dead-lock against a full
    // stdout pipe.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("shfmt: {e}"))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("shfmt JSON: {e}"))
}

/// What shfmt finds in a script.
#[derive(Debug, Default)]
pub struct ShfmtCalls {
    /// Offset of each kubectl call's `kubectl` word (host offsets).
    pub calls: Vec<usize>,
    /// `sh -c` scripts shfmt rejects (host ranges): bash would fail on them at
    /// run time, so opslint may report them as unparsed.
    pub rejected_inline: Vec<(usize, usize)>,
}

/// The kubectl calls shfmt's parser finds in `src` (`Err` when shfmt rejects
/// the script itself).
pub fn shfmt_calls(src: &str) -> Result<ShfmtCalls, String> {
    let tree = shfmt_tree(src)?;
    let mut found = ShfmtCalls::default();
    collect_tree(&tree, src, 0, 0, &mut found);
    Ok(found)
}

fn collect_tree(tree: &Value, src: &str, base: usize, depth: usize, found: &mut ShfmtCalls) {
    let mut inline = Vec::new();
    // `f() { eval "$1"; }`: a call `f 'SCRIPT'` after the definition runs SCRIPT.
    let mut evaluators: Vec<(String, usize, usize)> = Vec::new();
    walk(tree, &mut |node| {
        if node.get("Type").and_then(Value::as_str) != Some("FuncDecl") {
            return;
        }
        let Some(name) = node.get("Name").and_then(|n| n.get("Value")).and_then(Value::as_str) else {
            return;
        };
        let end = node["End"]["Offset"].as_u64().unwrap_or(0) as usize;
        walk(&node["Body"], &mut |inner| {
            if inner.get("Type").and_then(Value::as_str) != Some("CallExpr") {
                return;
            }
            let Some(args) = inner.get("Args").and_then(Value::as_array) else {
                return;
            };
            if args.first().and_then(lit_word).is_some_and(|(_, v)| v == "eval")
                && let Some(n) = args.get(1).and_then(positional_word)
            {
                evaluators.push((name.to_string(), n, end));
            }
        });
    });
    walk(tree, &mut |node| {
        // A heredoc read as a script by the command it is fed to.
        if let Some(Value::Object(cmd)) = node.get("Cmd")
            && cmd.get("Type").and_then(Value::as_str) == Some("CallExpr")
            && let Some(redirs) = node.get("Redirs").and_then(Value::as_array)
            && let Some(args) = cmd.get("Args").and_then(Value::as_array)
            && let Some(script) = stdin_script(args, redirs, src)
        {
            inline.push(script);
        }
        if node.get("Type").and_then(Value::as_str) != Some("CallExpr") {
            return;
        }
        let Some(args) = node.get("Args").and_then(Value::as_array) else {
            return;
        };
        if args
            .first()
            .and_then(lit_word)
            .is_some_and(|(_, v)| v == "kubectl")
        {
            found.calls.push(base + offset(&args[0]));
        }
        if let Some(script) = inline_script(args, src) {
            inline.push(script);
        }
        if let Some(at) = kubectl_exec_command(args) {
            found.calls.push(base + at);
        }
        if let Some((name, n, _)) = args
            .first()
            .and_then(lit_word)
            .and_then(|(at, v)| evaluators.iter().find(|(f, _, end)| f == v && *end <= at))
            && let Some(script) = args.get(*n).and_then(verbatim_word)
        {
            let _ = name;
            inline.push(script);
        }
    });
    if depth >= MAX_NESTING {
        return;
    }
    for (start, text) in inline {
        match shfmt_tree(&text) {
            Ok(t) => collect_tree(&t, &text, base + start, depth + 1, found),
            Err(_) => found
                .rejected_inline
                .push((base + start, base + start + text.len())),
        }
    }
}

/// Visits every JSON object of the tree (depth first, iteratively: generated
/// nesting is deep).
fn walk(tree: &Value, visit: &mut impl FnMut(&serde_json::Map<String, Value>)) {
    let mut stack = vec![tree];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                visit(map);
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
}

fn offset(node: &Value) -> usize {
    node["Pos"]["Offset"].as_u64().expect("Pos.Offset") as usize
}

/// A word that is one unquoted literal: its offset and value.
fn lit_word(word: &Value) -> Option<(usize, &str)> {
    let parts = word.get("Parts")?.as_array()?;
    let [part] = parts.as_slice() else {
        return None;
    };
    (part.get("Type")?.as_str()? == "Lit")
        .then(|| Some((offset(part), part.get("Value")?.as_str()?)))
        .flatten()
}

/// The literal text of a word whose value is written out byte for byte in
/// the source (no quote removal or escape changes offsets inside it): its
/// offset and text.
fn verbatim_word(word: &Value) -> Option<(usize, String)> {
    let parts = word.get("Parts")?.as_array()?;
    let [part] = parts.as_slice() else {
        return None;
    };
    let plain = |s: &str| !s.contains(['\\', '$', '`']);
    match part.get("Type")?.as_str()? {
        "Lit" => {
            let v = part.get("Value")?.as_str()?;
            plain(v).then(|| (offset(part), v.to_string()))
        }
        "SglQuoted" if part.get("Dollar").and_then(Value::as_bool) != Some(true) => {
            Some((offset(part) + 1, part.get("Value")?.as_str()?.to_string()))
        }
        "DblQuoted" if part.get("Dollar").and_then(Value::as_bool) != Some(true) => {
            match part
                .get("Parts")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
            {
                Some([lit]) if lit.get("Type")?.as_str()? == "Lit" => {
                    let v = lit.get("Value")?.as_str()?;
                    plain(v).then(|| (offset(lit), v.to_string()))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// `N` when the word is one positional parameter (`$1`, `"$1"`, `${1}`).
fn positional_word(word: &Value) -> Option<usize> {
    let parts = word.get("Parts")?.as_array()?;
    let part = match parts.as_slice() {
        [p] if p.get("Type")?.as_str()? == "DblQuoted" => match p.get("Parts")?.as_array()?.as_slice() {
            [inner] => inner,
            _ => return None,
        },
        [p] => p,
        _ => return None,
    };
    if part.get("Type")?.as_str()? != "ParamExp" {
        return None;
    }
    // Nothing but the parameter (`${1:-x}`, `${#1}` are other values).
    let obj = part.as_object()?;
    if obj.keys().any(|k| !matches!(k.as_str(), "Type" | "Pos" | "End" | "Dollar" | "Rbrace" | "Short" | "Param")) {
        return None;
    }
    let n: usize = part.get("Param")?.get("Value")?.as_str()?.parse().ok()?;
    (n > 0).then_some(n)
}

/// `kubectl exec … -- kubectl …`: the offset of the command's `kubectl`
/// (kubectl runs the words after `--` in the container).
fn kubectl_exec_command(args: &[Value]) -> Option<usize> {
    if args.first().and_then(lit_word)?.1 != "kubectl" {
        return None;
    }
    let words: Vec<Option<(usize, &str)>> = args.iter().map(lit_word).collect();
    let first = words[1..].iter().flatten().find(|(_, t)| !t.starts_with('-'))?;
    if first.1 != "exec" {
        return None;
    }
    let dash = words.iter().position(|w| w.is_some_and(|(_, t)| t == "--"))?;
    let (at, program) = (*words.get(dash + 1)?)?;
    (program == "kubectl").then_some(at)
}

/// The body of the heredoc a call reads as its script (`ssh HOST <<'EOF'`,
/// `bash -s <<EOF`, `sudo bash <<EOF`, `lxc exec N -- bash <<EOF`), when
/// the program reads it as written: its offset and text.
fn stdin_script(args: &[Value], redirs: &[Value], src: &str) -> Option<(usize, String)> {
    // The last redirection of standard input by a heredoc (`<<` 61, `<<-` 62).
    let redir = redirs.iter().rev().find(|r| {
        matches!(r.get("Op").and_then(Value::as_u64), Some(61 | 62))
            && r.get("N").and_then(|n| n.get("Value")).and_then(Value::as_str).is_none_or(|n| n == "0")
    })?;
    let hdoc = redir.get("Hdoc")?;
    let body = match hdoc.get("Parts").and_then(Value::as_array).map(Vec::as_slice) {
        Some([lit]) if lit.get("Type")?.as_str()? == "Lit" => lit.get("Value")?.as_str()?.to_string(),
        _ => return None,
    };
    let delim = &src[offset(&redir["Word"])..redir["Word"]["End"]["Offset"].as_u64()? as usize];
    let quoted = delim.contains(['\'', '"', '\\']);
    if !quoted && body.contains(['$', '`', '\\']) {
        return None;
    }
    let words: Vec<Option<(usize, String)>> = args.iter().map(verbatim_word).collect();
    let texts: Vec<&str> = words.iter().map(|w| w.as_ref().map_or("", |(_, t)| t.as_str())).collect();
    reads_stdin(&texts).then(|| (offset(hdoc), body))
}

/// Whether a command (its words) runs a shell that reads its script from
/// standard input: through `sudo`/`env`/…, `ssh HOST` (no command, or a
/// command that is such a shell), `lxc exec N --`, `docker exec [opts] C`.
fn reads_stdin(words: &[&str]) -> bool {
    let mut i = 0;
    loop {
        match words.get(i).map(|w| w.rsplit('/').next().unwrap_or(w)) {
            Some("sudo") => {
                i += 1;
                while let Some(o) = words.get(i).filter(|o| o.starts_with('-')) {
                    i += if matches!(*o, "-u" | "-g" | "-C" | "-D" | "-h" | "-p") { 2 } else { 1 };
                }
            }
            Some("env") => {
                i += 1;
                while words.get(i).is_some_and(|o| o.starts_with('-') || o.contains('=')) {
                    i += 1;
                }
            }
            Some("nohup" | "setsid" | "exec" | "command") => i += 1,
            Some("lxc" | "multipass") if words.get(i + 1) == Some(&"exec") => {
                let dash = words[i..].iter().position(|w| *w == "--");
                let Some(dash) = dash else { return false };
                i += dash + 1;
            }
            Some("docker") if words.get(i + 1) == Some(&"exec") => {
                i += 2;
                while let Some(o) = words.get(i).filter(|o| o.starts_with('-')) {
                    i += if matches!(*o, "-u" | "-e" | "-w" | "--user" | "--env" | "--workdir" | "--env-file") { 2 } else { 1 };
                }
                i += 1; // the container
            }
            Some("ssh") => {
                i += 1;
                let mut host = false;
                while let Some(o) = words.get(i) {
                    if o.starts_with('-') {
                        i += if o.len() == 2 && "BbcDEeFIiJLlmOoPpQRSWw".contains(&o[1..]) { 2 } else { 1 };
                    } else if !host {
                        host = true;
                        i += 1;
                    } else {
                        break;
                    }
                }
                let rest = &words[i.min(words.len())..];
                return match rest {
                    [] => host,
                    [one] => reads_stdin(&one.split_whitespace().collect::<Vec<_>>()),
                    _ => reads_stdin(rest),
                };
            }
            Some("sh" | "bash" | "dash" | "ksh" | "ash" | "mksh" | "zsh") => {
                let rest = &words[i + 1..];
                let options = rest.iter().take_while(|o| o.starts_with('-') && o.len() > 1).count();
                let c = rest[..options].iter().any(|o| !o.starts_with("--") && o.contains('c'));
                return !c && (options == rest.len() || rest[..options].contains(&"-s"));
            }
            _ => return false,
        }
    }
}

/// `[wrappers] sh|bash|… [options] -c SCRIPT` (or `eval SCRIPT`, `watch SCRIPT`) with SCRIPT
/// written out literally: its host offset (relative to this tree) and text.
fn inline_script(args: &[Value], src: &str) -> Option<(usize, String)> {
    let words: Vec<Option<(usize, String)>> = args.iter().map(verbatim_word).collect();
    let text = |i: usize| {
        words
            .get(i)
            .and_then(|w| w.as_ref())
            .map(|(_, t)| t.as_str())
    };
    let mut i = 0;
    // Wrappers that run their operand as a command (bash does, opslint strips them).
    loop {
        match text(i)? {
            "sudo" => {
                i += 1;
                while let Some(o) = text(i).filter(|o| o.starts_with('-')) {
                    i += if matches!(o, "-u" | "-g" | "-C" | "-D" | "-h" | "-p") {
                        2
                    } else {
                        1
                    };
                }
            }
            "env" => {
                i += 1;
                while text(i).is_some_and(|o| o.starts_with('-') || o.contains('=')) {
                    i += 1;
                }
            }
            "nohup" | "setsid" | "exec" | "command" => i += 1,
            "nice" => {
                i += 1;
                if text(i) == Some("-n") {
                    i += 2;
                }
            }
            "timeout" => {
                i += 1;
                while text(i).is_some_and(|o| o.starts_with('-')) {
                    i += if matches!(text(i), Some("-k" | "-s")) {
                        2
                    } else {
                        1
                    };
                }
                i += 1; // the duration
            }
            _ => break,
        }
    }
    let program = text(i)?;
    let program = program.rsplit('/').next()?;
    if program == "eval" {
        // `eval WORD`: bash runs the word as a script (opslint analyses a
        // literal first argument). An option other than `--` is a usage
        // error: nothing runs.
        let mut j = i + 1;
        match text(j) {
            Some("--") => j += 1,
            Some(o) if o.starts_with('-') && o.len() > 1 => return None,
            _ => {}
        }
        let (start, script) = words.get(j)?.clone()?;
        return Some((start, script));
    }
    if program == "watch" {
        // `watch [options] WORD`: without `-x`, watch runs its words with
        // `sh -c`; one literal word is a script.
        let mut j = i + 1;
        while let Some(o) = text(j).filter(|o| o.starts_with('-')) {
            if matches!(o, "-x" | "--exec") {
                return None;
            }
            j += if matches!(o, "-n" | "-q" | "-s") { 2 } else { 1 };
        }
        // watch joins its words with spaces: one word, or a first word that
        // holds a script of its own, is a script.
        let (start, script) = words.get(j)?.clone()?;
        if j + 1 != words.len() && !script.contains([' ', '\t', '\n', ';', '|', '&']) {
            return None;
        }
        return Some((start, script));
    }
    if !matches!(program, "sh" | "bash" | "dash" | "ksh" | "ash" | "mksh") {
        return None;
    }
    i += 1;
    loop {
        let o = text(i)?;
        if !o.starts_with('-') || o == "-" || o == "--" {
            return None;
        }
        i += 1;
        if !o.starts_with("--") && o[1..].contains('c') {
            let (start, script) = words.get(i)?.clone()?;
            debug_assert_eq!(&src[start..start + script.len()], script);
            return Some((start, script));
        }
        if o == "-o" || o == "+o" {
            i += 1;
        }
    }
}

/// What opslint finds in a script.
#[derive(Debug, Default)]
pub struct OpslintCalls {
    pub calls: Vec<usize>,
    /// Regions reported as a shell parse error.
    pub unparsed: Vec<(usize, usize)>,
}

/// The kubectl calls (by the definition above) of opslint's shell front-end.
///
/// A wrapper function's body call (`k() { kubectl "$@"; }`) is not a `Direct`
/// fact once the function is called: opslint reports it once per call of `k`,
/// as an `Origin::Function` fact whose program word is the body's `kubectl`
/// (with the call's arguments). It is still one call in the text, so the
/// distinct body positions of those facts are counted once each.
pub fn opslint_calls(src: &str) -> OpslintCalls {
    let facts = lang::analyze(Language::Shell, src, Path::new("t.sh"), &Default::default());
    // Where the script of an `sh -c '…'` starts: a call there follows a quote.
    let inline_starts: BTreeSet<usize> = facts
        .commands
        .iter()
        .filter(|c| {
            matches!(
                c.program_name(),
                "sh" | "bash" | "dash" | "ksh" | "ash" | "mksh" | "eval" | "watch"
            )
        })
        .flat_map(|c| c.words.iter().skip(1).map(|w| w.span.start))
        .collect();
    // The call's own text before its program holds no wrapper program (`sudo`,
    // `env`, …: shfmt's call is then that program): only assignments,
    // redirections and `time`. Commands of an `sh -c` script carry the
    // runner in `wrappers`, but their text starts inside the string.
    let no_wrapper_before = |c: &CommandFact, program: usize| {
        // A wrapper function's call: the body command is what is written.
        let start = match &c.origin {
            Origin::Function { body_command, .. } => body_command.start,
            _ => c.span.start,
        };
        src.get(start..program).is_some_and(|prefix| {
            let words = shell_words(prefix);
            let mut words = words.iter();
            while let Some(t) = words.next() {
                let redirect = t
                    .trim_start_matches(|ch: char| ch.is_ascii_digit())
                    .starts_with(['<', '>', '&']);
                if redirect {
                    // `>> /tmp/log`: the target is the next word (`3>&-`
                    // holds its target, `-`).
                    if t.trim_end_matches(['<', '>', '&', '|']).chars().all(|ch| ch.is_ascii_digit()) {
                        words.next();
                    }
                    continue;
                }
                let assignment = t.split_once('=').is_some_and(|(name, _)| {
                    !name.is_empty()
                        && name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
                });
                // `eval kubectl …`: bash runs the words as a script, and
                // opslint's fact carries `eval` as a wrapper.
                let eval = *t == "eval" && c.wrappers.last().is_some_and(|w| w == "eval");
                if !(assignment || eval || *t == "time" || *t == "-p") {
                    return false;
                }
            }
            true
        })
    };
    let literal_kubectl = |c: &CommandFact| {
        c.words.first().is_some_and(|w| no_wrapper_before(c, w.span.start))
            && c.words.first().is_some_and(|w| {
                w.text == "kubectl"
                    && is_literal_word(src, w.span.start, w.span.end, &inline_starts)
            })
    };
    // `CHECK='kubectl get nodes'; eval "$CHECK"`: opslint follows the
    // variable into the assignment's quoted value; shfmt sees a string there.
    let in_assigned_string = |c: &CommandFact| {
        let before = &src[..c.span.start.min(src.len())];
        before.ends_with(['\'', '"'])
            && before[..before.len() - 1].ends_with('=')
            && before[..before.len() - 2]
                .chars()
                .next_back()
                .is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '_')
            && c.wrappers.iter().any(|w| w == "eval")
    };
    let mut calls: Vec<usize> = facts
        .commands
        .iter()
        .filter(|c| c.origin == Origin::Direct && literal_kubectl(c) && !in_assigned_string(c))
        .map(|c| c.words[0].span.start)
        .collect();
    let bodies: BTreeSet<usize> = facts
        .commands
        .iter()
        .filter(|c| matches!(c.origin, Origin::Function { .. }) && literal_kubectl(c))
        .map(|c| c.words[0].span.start)
        .filter(|o| !calls.contains(o))
        .collect();
    calls.extend(bodies);
    // A function named `kubectl` (`kubectl() { command kubectl --x "$@"; }`):
    // opslint resolves every call of the word to the function (wherever it is
    // defined), so those facts are `Origin::Function` with the body's words;
    // the call site is still the literal word `kubectl` at the call.
    for c in &facts.commands {
        if !matches!(&c.origin, Origin::Function { name, .. } if name == "kubectl") {
            continue;
        }
        let call = &src[c.span.start..c.span.end.min(src.len())];
        let site = call
            .match_indices("kubectl")
            .map(|(i, _)| c.span.start + i)
            .find(|&at| is_literal_word(src, at, at + "kubectl".len(), &inline_starts));
        if let Some(at) = site.filter(|at| !calls.contains(at)) {
            calls.push(at);
        }
    }
    let unparsed = facts
        .unparsed
        .iter()
        .map(|u| (u.span.start, u.span.end))
        .collect();
    OpslintCalls { calls, unparsed }
}

/// `text` cut at unquoted blanks (quotes, `$(…)` and backquotes kept whole).
fn shell_words(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let (mut words, mut start, mut depth) = (Vec::new(), None, 0usize);
    let (mut single, mut double, mut back) = (false, false, false);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let blank = b.is_ascii_whitespace() && !single && !double && !back && depth == 0;
        match (blank, start) {
            (true, Some(s)) => {
                words.push(&text[s..i]);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
        match b {
            b'\\' if !single => i += 1,
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'`' if !single => back = !back,
            b'(' if !single => depth += 1,
            b')' if !single => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    if let Some(s) = start {
        words.push(&text[s..]);
    }
    words
}

/// `src[start..end]` is the bare word `kubectl` (not part of a longer word);
/// at the start of an inline script it may follow the script's quote.
fn is_literal_word(src: &str, start: usize, end: usize, inline_starts: &BTreeSet<usize>) -> bool {
    if src.get(start..end) != Some("kubectl") {
        return false;
    }
    let before = src[..start].chars().next_back();
    let after = src[end..].chars().next();
    let ends_word =
        |c: Option<char>, seps: &str| c.is_none_or(|c| c.is_whitespace() || seps.contains(c));
    (ends_word(before, ";&|(){}!`") || inline_starts.contains(&start))
        && ends_word(after, ";&|()<>`'\"")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// shfmt finds the call, opslint does not, and says nothing about it.
    Missing,
    /// shfmt finds the call; opslint does not, but reports the code around it
    /// as `shell-parse-error` (not checked, and said so).
    MissingReported,
    /// opslint finds a call shfmt does not (or finds it twice).
    Extra,
    /// opslint reports a parse error in bash that shfmt accepts.
    Unparsed,
}

/// Divergences counted by kind.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub missing: usize,
    pub reported: usize,
    pub extra: usize,
    pub unparsed: usize,
}

impl Tally {
    pub fn add(&mut self, d: &Divergence) {
        match d.kind {
            Kind::Missing => self.missing += 1,
            Kind::MissingReported => self.reported += 1,
            Kind::Extra => self.extra += 1,
            Kind::Unparsed => self.unparsed += 1,
        }
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} missing silently, {} missing in reported parse errors, {} extra, {} unparsed regions",
            self.missing, self.reported, self.extra, self.unparsed
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    pub kind: Kind,
    /// Byte offset in the script (the `kubectl` word, or the unparsed region's start).
    pub offset: usize,
    /// End of an unparsed region (`offset` for calls).
    pub end: usize,
}

impl Divergence {
    /// `LINE:COL: kind` and the line's text (1-based, byte columns).
    pub fn render(&self, src: &str) -> String {
        let (line, col, text) = line_col(src, self.offset);
        let what = match self.kind {
            Kind::Missing => "missing (shfmt has this kubectl call, opslint does not)".to_string(),
            Kind::MissingReported => "missing in a reported parse error (shfmt has this kubectl call; opslint reports the code around it as shell-parse-error)".to_string(),
            Kind::Extra => "extra (opslint has this kubectl call, shfmt does not)".to_string(),
            Kind::Unparsed => {
                let (l2, c2, _) = line_col(src, self.end);
                format!("unparsed (opslint reports a parse error up to {l2}:{c2}; shfmt parses it)")
            }
        };
        format!("{line}:{col}: {what}\n    | {text}")
    }
}

/// 1-based line and byte column of `offset`, and that line's text.
pub fn line_col(src: &str, offset: usize) -> (usize, usize, &str) {
    let offset = offset.min(src.len());
    let start = src[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = src[offset..].find('\n').map_or(src.len(), |i| offset + i);
    let line = src[..offset].matches('\n').count() + 1;
    (line, offset - start + 1, &src[start..end])
}

/// Compares the two sides call by call (as multisets: a call found twice is
/// an extra). `Err` when shfmt rejects the script.
pub fn compare(src: &str) -> Result<Vec<Divergence>, String> {
    let expected = shfmt_calls(src)?;
    let actual = opslint_calls(src);
    let mut count: BTreeMap<usize, i64> = BTreeMap::new();
    for &o in &expected.calls {
        *count.entry(o).or_default() += 1;
    }
    for &o in &actual.calls {
        *count.entry(o).or_default() -= 1;
    }
    let mut out = Vec::new();
    let reported = |o: usize| actual.unparsed.iter().any(|&(s, e)| s <= o && o < e);
    for (&offset, &n) in &count {
        let kind = match n {
            1.. if reported(offset) => Kind::MissingReported,
            1.. => Kind::Missing,
            _ => Kind::Extra,
        };
        for _ in 0..n.unsigned_abs() {
            out.push(Divergence {
                kind,
                offset,
                end: offset,
            });
        }
    }
    for &(start, end) in &actual.unparsed {
        // Inside an `sh -c` string that is not valid shell: bash would reject it too.
        let in_rejected = expected
            .rejected_inline
            .iter()
            .any(|&(s, e)| s <= start && end <= e);
        if !in_rejected {
            out.push(Divergence {
                kind: Kind::Unparsed,
                offset: start,
                end,
            });
        }
    }
    out.sort_by_key(|d| (d.offset, d.kind));
    Ok(out)
}

/// Is this file a shell script the front-end reads (`*.sh`, `*.bash`, or no
/// extension and a sh/bash shebang)? Templates (`*.j2`) are not.
pub fn is_shell_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.ends_with(".j2") {
        return false;
    }
    match Language::from_path(path) {
        Some(Language::Shell) => true,
        Some(_) => false,
        None if !Language::has_extension(path) => {
            let mut head = [0u8; 256];
            let n = std::fs::File::open(path)
                .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
                .unwrap_or(0);
            Language::from_shebang(&head[..n]) == Some(Language::Shell)
        }
        None => false,
    }
}

/// Every shell file under `dir` (sorted, hidden directories included, no
/// `.gitignore` filtering: fixtures may be ignored files).
pub fn shell_files(dir: &Path) -> Vec<std::path::PathBuf> {
    files::files_under(dir, is_shell_file)
}

/// Runs `f` over `items` on a few threads (shfmt runs are processes: two
/// cores keep three or four busy), results in input order.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<R>>> =
        items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads.min(items.len().max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    *results[i].lock().unwrap() = Some(f(item));
                }
            });
        }
    });
    results
        .into_iter()
        .map(|r| r.into_inner().unwrap().expect("every item mapped"))
        .collect()
}
