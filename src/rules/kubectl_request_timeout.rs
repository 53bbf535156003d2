use super::{FixKind, OptionKind, Place, Rule, RuleContext, RuleMeta, RuleOption};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::duration::{format_duration, parse_go_duration};
use crate::facts::{CommandFact, FileFacts, Origin, Word};
use crate::kubectl;
use crate::source::SourceFile;

pub struct KubectlRequestTimeout;

pub(super) static META: RuleMeta = RuleMeta {
    name: "kubectl-request-timeout",
    default_severity: Severity::Error,
    summary: "A kubectl call that can block forever on an unreachable API server",
    docs: r#"## What it does
Flags every call of `kubectl` (any path), `microk8s kubectl`, `microk8s.kubectl`,
`/snap/bin/microk8s kubectl`, `k3s kubectl` and `oc` that talks to the API server
without a bound on how long it may wait: no `--request-timeout`, a
`--request-timeout=0` (zero disables the timeout) or a value kubectl cannot parse.

A call is bounded when it has `--request-timeout=D` or `--request-timeout D` with
D > 0 (`10s`, `1m`, `500ms`, a bare number of seconds), or when it runs under
`timeout DURATION`. Calls that never contact the API server are not flagged:
`config …`, `completion`, `kustomize`, `plugin`, `help`, `options`, `--help`/`-h`,
`version --client`, `--local` (`kubectl set image --local -f x.yaml`), `kuberc`,
and plugins: a sub-command that kubectl does not have (`kubectl krew install
…`, `kubectl ctx`) runs the executable `kubectl-NAME`, not kubectl's client.

Streams and interactive sessions are not flagged either: `logs -f`, `get
-w`/`--watch-only`, `port-forward`, `proxy`, `attach`, `exec -i`/`-t` (`-it`,
`-ti`, `-tt`, `-i -t`), `run -i`/`-t`/`--attach`/`--rm`. They run until
interrupted, and `--request-timeout` would cut them off; in NRPE checks and
Ansible tasks `unbounded-wait` reports them. kubectl's sub-commands, global
flags and streams are read from `lints/kubectl.json`, generated from kubectl's
source (see `lints/README.md`).

For a call whose own flag ends its wait (`wait --timeout=30s`, `rollout status
--timeout=5m`), the message says that the wait is bounded and that the
requests before it are not.

The shell front-end sees through `sudo`, `env`, `VAR=x` prefixes, `command`,
`exec`, `nohup`, `time`, `nice`, `xargs`, `watch`, `flock`, `nsenter`, `chroot`,
`ssh HOST cmd …`, `!`, pipelines, lists, command substitution, process
substitution, variables holding the command (`K="microk8s kubectl"` or
`K="${K:-microk8s kubectl}"` then `$K get nodes`), aliases (`alias k='microk8s
kubectl'` then `k get nodes`) and wrapper functions (`k() { kubectl "$@"; }` then
`k get pods`). Scripts given as a literal string are checked as shell with their
own positions: `bash -c '…'`, `su -c '…'`, `eval '…'`, `ssh HOST '…'`,
`flock FILE -c '…'` and `watch '…'`; a `timeout` around them bounds their calls.
NRPE `command[…]=` lines are checked the same way, with positions in the `.cfg`.

Helpers may come from a file the script sources (`source FILE` / `. FILE`, with
FILE a literal path, `$(dirname "$0")/lib.sh`, `"$(dirname
"${BASH_SOURCE[0]}")/lib.sh"`, `${BASH_SOURCE%/*}/lib.sh`, or `"$DIR/lib.sh"` with
`DIR` set to one of those or to `$(cd "$(dirname …)" && pwd)`): its variables,
aliases and wrapper functions apply from the `source` line on, and what a function
of it assigns (`detect_kubectl` setting `KUBECTL`) from the first call of that
function. A relative path is looked up beside the script, then at the project's
root; files outside the root, missing files and files sourced more than four deep
are not followed. The finding stays at the call; its label, at the `source` line,
names the file and line of the definition. The sourced file's own calls are
reported when it is checked itself, never in the scripts that source it.

## Why is this bad?
When the API server is down, kubectl waits for it with no limit: a script hangs
instead of failing, an Ansible task hangs and the play never reports the broken
cluster. In a Nagios/NRPE
check the call then hangs until `check_nrpe`'s socket timeout (10 s by default,
often 15 s) kills the connection, and Nagios shows only "CHECK_NRPE: Socket
timeout" instead of the check's own diagnosis: exactly when the control plane is
broken, monitoring stops saying why. Hung checks also pile up in NRPE until it is
saturated. In a three-node MicroK8s cluster this hid a dqlite failure for days.

The help says what a hang costs where the call is: in an NRPE check, an
Ansible task, or another script.

## Example
```bash
#!/bin/bash
nodes=$(microk8s kubectl get nodes --no-headers)
```

## Use instead
```bash
#!/bin/bash
nodes=$(microk8s kubectl --request-timeout=10s get nodes --no-headers)
```
Keep the sum of the timeouts of all calls in a check below NRPE's timeout.

## Fix
Safe: inserts ` --request-timeout=10s` (option `timeout`) after the program word,
or replaces a `0` value. In an NRPE check (see `nrpe-timeout-budget`) the value
is lowered, when needed, so that the fixed check fits its budget: what the
budget leaves after the calls that are already bounded is shared equally by
the calls that the fixes of this rule and of `unbounded-wait` bound (at least
1 s, rounded down). No fix for `cp`: a client timeout would cut a long copy
off. When the program comes from a variable, the fix edits the
assignment (unsafe if the variable is assigned more than once in its scope);
for a wrapper function it edits the function body, for an alias its value. No
fix when that text is also run by a stream (`K="kubectl …"` used by `$K logs -f`
as well as `$K get pods`): the edit would cut the stream off. The fix is unsafe
when the call passes its own arguments on (`kc() { kubectl --context x "$@"; }`,
an alias, or a script running `kubectl … "$@"`): it bounds every sub-command a
caller passes through, streams included. A fix
inside a default (`export KUBECTL="${KUBECTL:-microk8s kubectl}"`) is unsafe: the
default applies only while the variable is unset, so a value set earlier (by the
environment or a sourced library) stays unbounded. An unparsable value is replaced
by an unsafe fix. No fix is offered when the program word cannot be extended in place
(e.g. `K=kubectl` without quotes), and none when the kubectl word is written in a
sourced file (fixes edit the checked file only: fix the library itself, where its
own finding is); a call such as `run_with_sudo microk8s kubectl …`, whose kubectl
word is in the script, is fixed there.

## Options
- `timeout` (duration, default `10s`): the value the fix inserts.

## References
- kubectl global flags: `--request-timeout` ("The length of time to wait before
  giving up on a single server request. Non-zero values should contain a
  corresponding time unit (e.g. 1s, 2m, 3h). A value of zero means don't timeout
  requests.")
- NRPE `check_nrpe -t` (default 10 s) and `command_timeout` in `nrpe.cfg`.
"#,
    options: &[RuleOption {
        name: "timeout",
        kind: OptionKind::Duration,
        default: "10s",
        description: "the `--request-timeout` value the fix inserts",
    }],
    fix: FixKind::Safe,
};

impl Rule for KubectlRequestTimeout {
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["kubectl", "oc"])
    }

    fn check(&self, ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        // A bare number (`timeout: 10`) is seconds: written with its unit, in
        // the help and in the fix alike.
        let configured = ctx.options.duration("timeout");
        let mut timeout = configured.text.clone();
        if timeout.bytes().all(|b| b.is_ascii_digit()) {
            timeout.push('s');
        }
        // Ansible stops tasks with `async:` or `timeout:` after that long.
        let limited = crate::source::Enclosing::new(
            facts.tasks.iter().filter(|t| t.time_limit.is_some()).map(|t| t.span),
        );
        let tasks = crate::source::Enclosing::new(facts.tasks.iter().map(|t| t.span));
        let check = crate::budget::is_check_file(&ctx.check_file(facts));
        let place = |fact: &CommandFact| -> Place {
            if tasks.first(fact.span).is_some() {
                Place::Task
            } else if check {
                Place::Check
            } else {
                Place::Script
            }
        };
        // One help text per place and value for all of the file's findings.
        let mut helps: Vec<(Place, String, std::sync::Arc<str>)> = Vec::new();
        let mut help_for = |place: Place, timeout: &str| -> std::sync::Arc<str> {
            if let Some((_, _, h)) = helps.iter().find(|(p, t, _)| *p == place && t == timeout) {
                return std::sync::Arc::clone(h);
            }
            let h: std::sync::Arc<str> = place.help(timeout).into();
            helps.push((place, timeout.to_string(), std::sync::Arc::clone(&h)));
            h
        };
        let declined = declined_edits(facts);
        let mut fixed: Vec<(usize, usize)> = Vec::new();
        for (i, fact) in facts.commands.iter().enumerate() {
            if kubectl::program_word(fact).is_none() || limited.first(fact.span).is_some() {
                continue;
            }
            let help = help_for(place(fact), &timeout);
            if let Some(d) = check_call(ctx.source, fact, &timeout, &help, &declined) {
                if d.fix.is_some() {
                    fixed.push((i, out.len()));
                }
                out.push(d);
            }
        }
        // In a check, the fixed calls share what the budget leaves: the
        // fix must not push the check past check_nrpe's timeout.
        if !fixed.is_empty() {
            let shares = crate::budget::fix_shares(&ctx.check_file(facts), &facts.commands);
            let configured = Some(configured.value).filter(|d| !d.is_zero());
            for (i, at) in fixed {
                let Some(share) = shares.get(&i) else { continue };
                let share = std::time::Duration::from_secs(*share);
                if configured.is_some_and(|c| c <= share) {
                    continue;
                }
                let value = format_duration(share);
                // The help names the value the fix inserts.
                let fact = &facts.commands[i];
                let help = help_for(place(fact), &value);
                if let Some(d) = check_call(ctx.source, fact, &value, &help, &declined) {
                    out[at] = d;
                }
            }
        }
    }
}

impl Place {
    fn help(self, timeout: &str) -> String {
        match self {
            Place::Check => format!(
                "add `--request-timeout={timeout}` (or run the call under `timeout`): a check that hangs past NRPE's socket timeout reports nothing useful, and hung calls pile up while the control plane is down"
            ),
            Place::Task => format!(
                "add `--request-timeout={timeout}` (or run the call under `timeout`, or give the task `timeout:`): while the API server does not answer, the task hangs and the play never reports the broken cluster"
            ),
            Place::Script => format!(
                "add `--request-timeout={timeout}` (or run the call under `timeout`): while the API server does not answer, the script hangs instead of failing"
            ),
        }
    }
}

/// The places where a fix would edit text that a stream also runs: the
/// program word of `K="kubectl …"`, of a wrapper function's body or of an
/// alias, used by `$K logs -f` as well as by `$K get pods`. A client timeout
/// there would cut the stream off, so no call gets a fix that edits them.
fn declined_edits(facts: &FileFacts) -> Vec<usize> {
    let mut out = Vec::new();
    for fact in &facts.commands {
        let Some(program) = kubectl::program_word(fact) else { continue };
        let args = &fact.words[program + 1..];
        if kubectl::stream(args).is_none() {
            continue;
        }
        out.extend(fact.words[program].append_at);
        if let Some((value, _)) = kubectl::find_request_timeout(args) {
            out.push(value.span.start);
        }
    }
    out
}

/// The call passes its own arguments on (`"$@"`, `$*`): a wrapper function's
/// body (`kc() { kubectl --context x "$@"; }`), an alias or a script
/// (`kubectl … "$@"`) runs whatever sub-command its caller names, streams
/// included.
fn passes_arguments_on(source: &SourceFile, fact: &CommandFact, program: usize) -> bool {
    let forwards = |text: &str| ["$@", "$*", "${@", "${*"].iter().any(|n| text.contains(n));
    // An alias passes on every word written after it.
    if matches!(fact.origin, Origin::Alias { .. }) {
        return true;
    }
    if let Origin::Function { body_command, .. } = &fact.origin
        && fact.defined_in.is_none()
        && forwards(source.slice(*body_command))
    {
        return true;
    }
    // Words written at the call: a word from a variable's value points into
    // its assignment (`pod="$(kubectl get pods "$@" …)"` then `"$pod"`).
    fact.words[program + 1..]
        .iter()
        .filter(|w| !w.is_static && fact.span.start <= w.span.start && w.span.end <= fact.span.end)
        .any(|w| forwards(source.slice(w.span)))
}

enum Problem<'a> {
    Missing,
    Zero {
        value: &'a Word,
        inline: bool,
    },
    Invalid {
        value: &'a Word,
        inline: bool,
        reason: String,
    },
    ZeroTimeoutWrapper,
}

fn check_call(
    source: &SourceFile,
    fact: &CommandFact,
    timeout: &str,
    help: &std::sync::Arc<str>,
    declined: &[usize],
) -> Option<Diagnostic> {
    let program = kubectl::program_word(fact)?;
    let args = &fact.words[program + 1..];
    if kubectl::is_client_only(args) {
        return None;
    }
    // A stream or an interactive session (`logs -f`, `get -w`, `exec -it`,
    // `port-forward`) runs until interrupted: a client timeout would cut it
    // off. In a check or a task it is `unbounded-wait`'s.
    let stream = kubectl::stream(args).map(|(s, _)| s.kind);
    if stream == Some(kubectl::StreamKind::Stream) {
        return None;
    }
    let problem = match kubectl::find_request_timeout(args) {
        Some((value, inline)) => {
            if !value.is_static {
                // Set from a variable or template: its value is not known here.
                return None;
            }
            let text = value
                .text
                .strip_prefix("--request-timeout=")
                .unwrap_or(&value.text);
            match parse_go_duration(text) {
                Ok(d) if d.is_zero() => Problem::Zero { value, inline },
                Ok(_) => return None,
                Err(reason) => Problem::Invalid {
                    value,
                    inline,
                    reason,
                },
            }
        }
        None => match &fact.time_bound {
            Some(bound) if bound.duration.is_some_and(|d| d.is_zero()) => {
                Problem::ZeroTimeoutWrapper
            }
            Some(_) => return None,
            None => Problem::Missing,
        },
    };

    let call = describe_call(source, fact);
    let wait = crate::waits::judge(fact, &source.text);
    // `wait --timeout=30s`, `rollout status --timeout=5m`: the command's own
    // limit ends its wait; what is unbounded is what comes before it.
    let own_limit = wait.as_ref().and_then(|j| match (&j.wait, j.entry.kind) {
        (crate::waits::Wait::Bounded { secs, .. }, crate::waits::Kind::Wait) if *secs > 0.0 => {
            j.entry.bound.as_ref().and_then(|b| b.flags.first())
        }
        _ => None,
    });
    let message = match (&problem, own_limit) {
        (Problem::Missing, Some(flag)) => format!(
            "{call} has no `--request-timeout`: its `{flag}` ends the wait, but the requests before it (discovery, finding the objects) wait forever when the API server does not answer"
        ),
        (Problem::Missing, None) => format!(
            "{call} has no `--request-timeout`: it waits forever when the API server does not answer"
        ),
        (Problem::Zero { .. }, _) => format!(
            "{call} sets `--request-timeout` to 0, which disables the timeout: it waits forever when the API server does not answer"
        ),
        (Problem::Invalid { reason, .. }, _) => {
            format!("{call} has an invalid `--request-timeout`: {reason}; kubectl refuses to run")
        }
        (Problem::ZeroTimeoutWrapper, _) => format!(
            "{call} runs under `timeout 0`, which disables the time limit, and has no `--request-timeout`"
        ),
    };
    let mut diagnostic = META.report(fact.span, message)
        .with_help(std::sync::Arc::clone(help));
    match (&fact.origin, &fact.defined_in) {
        // Defined in a sourced file: the label is at the `source` command.
        (Origin::Variable { name, .. }, Some(d)) => {
            diagnostic = diagnostic.with_label(
                d.via,
                format!("`{name}` is set in {}:{} (sourced here)", d.file, d.line),
            );
        }
        (Origin::Function { name, .. }, Some(d)) => {
            diagnostic = diagnostic.with_label(
                d.via,
                format!("`{name}` runs the command at {}:{} (sourced here)", d.file, d.line),
            );
        }
        (Origin::Alias { name, .. }, Some(d)) => {
            diagnostic = diagnostic.with_label(
                d.via,
                format!("alias `{name}` is defined in {}:{} (sourced here)", d.file, d.line),
            );
        }
        (Origin::Direct | Origin::Template { .. }, _) => {}
        (Origin::Variable {
            name, assignment, ..
        }, None) => {
            diagnostic = diagnostic.with_label(*assignment, format!("`{name}` is set here"));
        }
        (Origin::Function { name, body_command }, None) => {
            diagnostic =
                diagnostic.with_label(*body_command, format!("`{name}` runs this command"));
        }
        (Origin::Alias { name, definition }, None) => {
            diagnostic = diagnostic.with_label(*definition, format!("alias `{name}` is defined here"));
        }
    }
    // A copy (`cp`) would be cut off by a client timeout once it takes longer:
    // no fix. Nor when the edit would also bound a stream.
    if stream.is_none()
        && let Some(mut fix) = fix(&source.text, fact, program, &problem, timeout)
        && !fix.edits.iter().any(|e| declined.contains(&e.span.start))
    {
        if passes_arguments_on(source, fact, program) {
            fix.applicability = Applicability::Unsafe;
        }
        diagnostic = diagnostic.with_fix(fix);
    }
    Some(diagnostic)
}

/// The call as written, and what it expands to when that differs.
fn describe_call(source: &SourceFile, fact: &CommandFact) -> String {
    let written = super::shorten(source.slice(fact.span));
    let expanded = super::shorten(&fact.expanded_as_written(&source.text));
    if matches!(fact.origin, Origin::Direct) || written == expanded {
        format!("`{written}`")
    } else {
        format!("`{written}` (expands to `{expanded}`)")
    }
}

/// `at` is inside the default of a `${VAR:-…}` expansion (on its line): the
/// text there applies only while VAR is unset.
fn inside_default(text: &str, at: usize) -> bool {
    let Some(before) = text.get(..at) else {
        return false;
    };
    let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    // A searched substring first: many calls on one long line (a quoted
    // YAML scalar with `\n` escapes) must not cost a byte walk each.
    if memchr::memmem::find(line.as_bytes(), b"${").is_none() {
        return false;
    }
    let mut open: Vec<bool> = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                // Is there a `-`, `=`, `?` or `+` operator before the next `}`?
                let rest = &line[i + 2..];
                let name_end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                let op = rest[name_end..].trim_start_matches(':');
                open.push(op.starts_with(['-', '=']));
                i += 1;
            }
            b'}' => {
                open.pop();
            }
            _ => {}
        }
        i += 1;
    }
    open.iter().any(|&is_default| is_default)
}

fn fix(
    text: &str,
    fact: &CommandFact,
    program: usize,
    problem: &Problem<'_>,
    timeout: &str,
) -> Option<Fix> {
    let timeout = parse_go_duration(timeout)
        .ok()
        .filter(|d| !d.is_zero())
        .map(format_duration)
        .unwrap_or_else(|| "10s".into());
    let applicability = match &fact.origin {
        Origin::Variable { assignments, .. } if *assignments > 1 => Applicability::Unsafe,
        _ => Applicability::Safe,
    };
    match problem {
        Problem::Missing | Problem::ZeroTimeoutWrapper => {
            let at = fact.words[program].append_at?;
            // `${KUBECTL:-microk8s kubectl}`: a value set before (by the
            // environment, a sourced library, an earlier line) is still used.
            let applicability = if inside_default(text, at) {
                Applicability::Unsafe
            } else {
                applicability
            };
            Some(Fix {
                applicability,
                description: format!("add `--request-timeout={timeout}`").into(),
                edits: vec![Edit::insertion(at, format!(" --request-timeout={timeout}"))],
            })
        }
        Problem::Zero { value, inline } | Problem::Invalid { value, inline, .. } => {
            if !value.exact {
                return None;
            }
            let prefix = if *inline {
                "--request-timeout=".len()
            } else {
                0
            };
            let span = value.sub_span(prefix, value.text.len());
            let applicability = if matches!(problem, Problem::Invalid { .. }) {
                Applicability::Unsafe
            } else {
                applicability
            };
            Some(Fix {
                applicability,
                description: format!("set `--request-timeout={timeout}`").into(),
                edits: vec![Edit::replacement(span, timeout)],
            })
        }
    }
}
