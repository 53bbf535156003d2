//! Seeing through wrapper programs (`sudo -u x timeout 5 kubectl …`,
//! `lxc exec n1 -- microk8s kubectl …`, `ssh host 'script'`), driven by the
//! table of [`crate::wrappers`]: which word is the command, which word is a
//! script, what bounds its time and on which host it runs.

use crate::duration::parse_coreutils_duration;
use crate::facts::{CommandFact, TimeBound, Word};
use crate::wrappers::{Order, Runs, Wrapper};

/// What a call's words run, wrappers seen through.
#[derive(Debug, Default)]
pub struct Stripped {
    /// Index of the command's program word.
    pub start: usize,
    /// The wrappers in front of it, outermost first.
    pub wrappers: Vec<String>,
    pub time_bound: Option<TimeBound>,
    /// Index of a word that is a script a shell runs (`bash -c 'SCRIPT'`).
    pub script: Option<usize>,
    /// The host a wrapper runs the command on (`ssh host`, `lxc exec n1`).
    pub remote: Option<String>,
    /// The program reads a script from its standard input (`ssh host`,
    /// `bash -s`): a heredoc fed to it is that script.
    pub stdin_script: bool,
}

/// A wrapper's options and operands, read from a word on.
#[derive(Debug, Default)]
struct Parsed {
    /// The first word after them.
    next: usize,
    /// The options seen, by name (`-x`, `--exec`).
    seen: Vec<String>,
    /// Indices of the operands taken (at most the row's count, or all of
    /// them for a wrapper that runs nothing).
    operands: Vec<usize>,
    /// Index of the value of a script option (`su -c 'SCRIPT'`).
    script_value: Option<usize>,
}

pub fn base_name(text: &str) -> &str {
    text.rsplit('/').next().unwrap_or("")
}

/// Whether a word of this text can hold a script of its own (`eval 'a | b'
/// x`: later words only lengthen its last command).
fn holds_script(text: &str) -> bool {
    text.contains([' ', '\t', '\n', ';', '|', '&'])
}

/// Removes wrapper programs; `None` when nothing is run (`command -v kubectl`).
pub fn strip(words: &[&Word]) -> Option<Stripped> {
    let mut out = Stripped::default();
    let mut i = 0;
    // Each wrapper consumes its own words; bounded so odd input cannot loop.
    for _ in 0..16 {
        let Some(w) = words.get(i).filter(|w| w.is_static) else {
            break;
        };
        let name = base_name(&w.text);
        let Some((row, sub)) = crate::wrappers::find(name, |k| {
            words.get(i + 1 + k).filter(|w| w.is_static).map(|w| w.text.as_str())
        }) else {
            break;
        };
        if row.keeps_call {
            break;
        }
        let parsed = parse(row, words, i + 1 + sub);
        if has_any(&parsed.seen, &row.looks_up_with) {
            return None;
        }
        note_operands(row, words, &parsed, &mut out);
        match next_command(row, words, &parsed) {
            Next::Command(j) => {
                out.wrappers.push(name.to_string());
                i = j;
            }
            Next::Script(k) => {
                out.script = Some(k);
                break;
            }
            Next::Itself => {
                out.stdin_script = row.stdin_script && reads_stdin(row, words, &parsed);
                break;
            }
        }
    }
    out.start = i;
    (i < words.len()).then_some(out)
}

/// What follows a wrapper's own words.
enum Next {
    /// The command whose program is this word.
    Command(usize),
    /// The script that is this word; the wrapper is the program.
    Script(usize),
    /// Nothing given here: the wrapper itself is the program.
    Itself,
}

fn next_command(row: &Wrapper, words: &[&Word], parsed: &Parsed) -> Next {
    if has_any(&parsed.seen, &row.runs_nothing_with) || (row.no_options && !parsed.seen.is_empty()) {
        return Next::Itself;
    }
    if let Some(k) = parsed.script_value {
        return Next::Script(k);
    }
    let j = parsed.next;
    let rest = words.len().saturating_sub(j);
    if rest >= 1 && words[j].is_static && row.script_after_operands.contains(&words[j].text) {
        return if rest == 2 { Next::Script(j + 1) } else { Next::Itself };
    }
    match row.runs {
        _ if rest == 0 => Next::Itself,
        Runs::Command => Next::Command(j),
        Runs::Joined if has_any(&parsed.seen, &row.command_with) => Next::Command(j),
        // The words are joined with spaces and run by a shell: one word, or
        // a first word holding a script of its own, is analysed as a script;
        // plain words are the command.
        Runs::Joined if rest == 1 || holds_script(&words[j].text) => Next::Script(j),
        Runs::Joined => Next::Command(j),
        // `bash -c 'SCRIPT'`: the first operand is the script.
        Runs::Shell if has_any(&parsed.seen, &row.script_options) => Next::Script(j),
        Runs::Shell | Runs::Nothing | Runs::AfterDashdash => Next::Itself,
    }
}

/// Whether a program that runs nothing given on its command line reads a
/// script from its standard input: a shell without an operand (or with
/// `-s`), `ssh HOST` without a command.
fn reads_stdin(row: &Wrapper, words: &[&Word], parsed: &Parsed) -> bool {
    match row.runs {
        Runs::Shell => {
            !has_any(&parsed.seen, &row.script_options)
                && (parsed.next >= words.len() || parsed.seen.iter().any(|o| o == "-s"))
        }
        _ => parsed.next >= words.len() && !has_any(&parsed.seen, &row.runs_nothing_with),
    }
}

/// The time bound and the host its operands give.
fn note_operands(row: &Wrapper, words: &[&Word], parsed: &Parsed, out: &mut Stripped) {
    let Some(&first) = parsed.operands.first() else {
        return;
    };
    let operand = words[first];
    if row.bounds_time {
        out.time_bound = Some(TimeBound {
            wrapper: row.names[0].clone(),
            duration: operand
                .is_static
                .then(|| parse_coreutils_duration(&operand.text).ok())
                .flatten(),
            span: operand.span,
        });
    }
    if let Some(sep) = &row.names_host
        && operand.is_static
    {
        let host = if sep.is_empty() {
            operand.text.as_str()
        } else {
            operand.text.rsplit(sep.as_str()).next().unwrap_or(&operand.text)
        };
        out.remote = Some(host.to_string());
    }
}

fn has_any(seen: &[String], options: &[String]) -> bool {
    seen.iter().any(|s| options.contains(s))
}

/// One option word at `words[j]`: how many words it takes, the options it
/// holds, and whether its value (the next word) is a script.
fn option_at(row: &Wrapper, words: &[&Word], j: usize, parsed: &mut Parsed) -> usize {
    let t = words[j].text.as_str();
    if let Some(long) = t.strip_prefix("--") {
        let name = long.split('=').next().unwrap_or(long);
        let option = format!("--{name}");
        let takes = !long.contains('=') && row.long_takes_value(name);
        if takes && row.script_options.contains(&option) && j + 1 < words.len() {
            parsed.script_value = Some(j + 1);
        }
        parsed.seen.push(option);
        return 1 + usize::from(takes);
    }
    let letters = &t[1..];
    for (k, c) in letters.char_indices() {
        let option = format!("-{c}");
        let takes = row.short_takes_value(c);
        let last = k + c.len_utf8() == letters.len();
        // The value is the rest of the word, or the next word.
        if takes && last && row.script_options.contains(&option) && j + 1 < words.len() {
            parsed.script_value = Some(j + 1);
        }
        parsed.seen.push(option);
        if takes {
            return 1 + usize::from(last);
        }
    }
    1
}

/// Whether `words[j]` is an option word of `row` (`--` is handled apart).
fn is_option(row: &Wrapper, w: &Word) -> bool {
    if !w.is_static {
        return false;
    }
    let t = w.text.as_str();
    (t.starts_with('-') && (t.len() > 1 || row.dash_is_option)) || (row.plus_options && t.starts_with('+') && t.len() > 1)
}

fn is_assignment(row: &Wrapper, w: &Word) -> bool {
    row.assignments && w.is_static && is_assignment_word(&w.text)
}

pub fn is_assignment_word(text: &str) -> bool {
    match text.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name
                    .chars()
                    .enumerate()
                    .all(|(i, c)| c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()))
        }
        None => false,
    }
}

/// Options (and `NAME=value` words where the row allows them) from `j` on,
/// up to the first operand; a `--` ends them and is consumed. Returns the
/// index after them, and whether `--` ended them.
fn options(row: &Wrapper, words: &[&Word], mut j: usize, parsed: &mut Parsed) -> (usize, bool) {
    while let Some(w) = words.get(j) {
        if w.is_static && w.text == "--" {
            return (j + 1, true);
        }
        if is_option(row, w) {
            j += option_at(row, words, j, parsed);
        } else if is_assignment(row, w) {
            j += 1;
        } else {
            break;
        }
    }
    (j.min(words.len()), false)
}

/// A wrapper's own words from `words[j]` on, in the order its parser reads them.
fn parse(row: &Wrapper, words: &[&Word], j: usize) -> Parsed {
    let mut parsed = Parsed::default();
    match row.order {
        Order::OptionsFirst => {
            let (mut k, _) = options(row, words, j, &mut parsed);
            while parsed.operands.len() < row.operands && k < words.len() {
                parsed.operands.push(k);
                k += 1;
            }
            parsed.next = k;
        }
        Order::OptionsOperandsOptions => {
            let (mut k, ended) = options(row, words, j, &mut parsed);
            while parsed.operands.len() < row.operands && k < words.len() {
                parsed.operands.push(k);
                k += 1;
            }
            // Options again after the operands, unless `--` came before them.
            if !ended && parsed.operands.len() == row.operands {
                k = options(row, words, k, &mut parsed).0;
            }
            parsed.next = k;
        }
        Order::Permute => {
            // Options anywhere; the operand after the row's operands starts
            // the command (a wrapper that runs nothing reads every word).
            // After `--`, every word is an operand.
            let mut k = j;
            loop {
                let (after, ended) = options(row, words, k, &mut parsed);
                k = after;
                let command_here = row.runs != Runs::Nothing && parsed.operands.len() == row.operands;
                if ended || command_here || k >= words.len() {
                    while ended && parsed.operands.len() < row.operands && k < words.len() {
                        parsed.operands.push(k);
                        k += 1;
                    }
                    break;
                }
                parsed.operands.push(k);
                k += 1;
            }
            parsed.next = k.min(words.len());
        }
    }
    parsed
}

/// Whether a script of plain words (`sudo bash -s`, `bash`) is a program that
/// reads a script from its standard input.
pub fn string_reads_stdin(text: &str) -> bool {
    if !text.bytes().all(|b| b.is_ascii_alphanumeric() || b" \t-_./@:=+".contains(&b)) {
        return false;
    }
    let words: Vec<Word> = text
        .split_whitespace()
        .map(|t| Word {
            text: t.to_string(),
            span: crate::source::Span::default(),
            is_static: true,
            append_at: None,
            exact: false,
            static_suffix: t.len(),
        })
        .collect();
    let view: Vec<&Word> = words.iter().collect();
    strip(&view).is_some_and(|s| s.stdin_script && s.script.is_none())
}

/// The command a call runs elsewhere besides being a call itself
/// (`kubectl exec POD -- CMD`): the index in `fact.words` of its program word.
pub fn inner_command(fact: &CommandFact) -> Option<usize> {
    let k = crate::kubectl::program_word(fact)?;
    let words = &fact.words;
    // kubectl's global flags, then the sub-command.
    let mut j = k + 1;
    while let Some(w) = words.get(j) {
        let t = w.text.as_str();
        if !w.is_static || !t.starts_with('-') || t == "--" {
            break;
        }
        j += 1 + usize::from(!t.contains('=') && crate::kubectl::global_flag_takes_value(t));
    }
    let (row, sub) = crate::wrappers::find("kubectl", |n| {
        words.get(j + n).filter(|w| w.is_static).map(|w| w.text.as_str())
    })?;
    if !row.keeps_call {
        return None;
    }
    // Only the words after `--` are the command.
    let from = j + sub;
    let dash = words[from..].iter().position(|w| w.is_static && w.text == "--")? + from;
    (dash + 1 < words.len()).then_some(dash + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn word(t: &str) -> Word {
        Word {
            text: t.to_string(),
            span: Span::default(),
            is_static: true,
            append_at: None,
            exact: true,
            static_suffix: t.len(),
        }
    }

    fn strip_text(text: &str) -> Option<(String, Stripped)> {
        let words: Vec<Word> = text.split(' ').map(word).collect();
        let view: Vec<&Word> = words.iter().collect();
        let s = strip(&view)?;
        Some((words[s.start..].iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" "), s))
    }

    /// Every row of the table is reached by the steps above: its program,
    /// sub-command and operands written out, a command after them is found
    /// (or, for a program that runs a string, the string is its script).
    #[test]
    fn every_row_of_the_table_is_seen_through() {
        for row in crate::wrappers::table() {
            for name in &row.names {
                let mut words: Vec<String> = std::iter::once(name.clone()).chain(row.command.iter().cloned()).collect();
                words.extend((0..row.operands).map(|k| if row.bounds_time { "5".to_string() } else { format!("operand{k}") }));
                match row.runs {
                    Runs::Command | Runs::Joined => {
                        if row.order == Order::Permute {
                            words.push("--".into());
                        }
                        words.extend(["kubectl", "get", "pods"].map(String::from));
                        let (rest, s) = strip_text(&words.join(" ")).unwrap_or_else(|| panic!("{}", row.name()));
                        assert_eq!(rest, "kubectl get pods", "{}", row.name());
                        assert_eq!(s.wrappers.last(), Some(name), "{}", row.name());
                        assert_eq!(s.time_bound.is_some(), row.bounds_time, "{}", row.name());
                        assert_eq!(s.remote.is_some(), row.names_host.is_some(), "{}", row.name());
                    }
                    Runs::Shell | Runs::Nothing => {
                        let option = &row.script_options[0];
                        words.extend([option.clone(), "SCRIPT".into()]);
                        let (rest, s) = strip_text(&words.join(" ")).unwrap_or_else(|| panic!("{}", row.name()));
                        assert!(rest.starts_with(name.as_str()), "{}: {rest}", row.name());
                        assert_eq!(s.script, Some(words.len() - 1), "{}", row.name());
                    }
                    Runs::AfterDashdash => {
                        // A call of its own: never stripped.
                        words.extend(["pod", "--", "kubectl", "get", "pods"].map(String::from));
                        let (rest, _) = strip_text(&words.join(" ")).unwrap();
                        assert!(rest.starts_with(name.as_str()), "{}", row.name());
                    }
                }
            }
        }
    }

    #[test]
    fn options_are_read_as_each_parser_reads_them() {
        let cases = [
            ("sudo -iu root kubectl get pods", Some("kubectl get pods")),
            ("sudo -u root -- kubectl get pods", Some("kubectl get pods")),
            ("nsenter -t 1 -W kubectl", Some("kubectl")),
            ("env - A=b kubectl", Some("kubectl")),
            ("timeout -k 5 10s kubectl", Some("kubectl")),
            ("ssh -p 22 host -t kubectl get pods", Some("kubectl get pods")),
            ("ssh -N host", Some("ssh -N host")),
            ("lxc exec n1 --env A=b -- kubectl get pods", Some("kubectl get pods")),
            ("docker exec -it -u root ctr kubectl", Some("kubectl")),
            ("flock /tmp/l kubectl get pods", Some("kubectl get pods")),
            ("command -v kubectl", None),
            ("watch -x kubectl get pods", Some("kubectl get pods")),
            ("eval --context=x kubectl get pods", Some("eval --context=x kubectl get pods")),
            ("eval -- kubectl get pods", Some("kubectl get pods")),
        ];
        for (text, want) in cases {
            assert_eq!(strip_text(text).map(|(rest, _)| rest).as_deref(), want, "{text}");
        }
        let (_, s) = strip_text("flock /tmp/l -c kubectl").unwrap();
        assert_eq!(s.script, Some(3));
        let (_, s) = strip_text("bash -s").unwrap();
        assert!(s.stdin_script);
        let (_, s) = strip_text("ssh user@host").unwrap();
        assert!(s.stdin_script);
        assert_eq!(s.remote.as_deref(), Some("host"));
        assert!(string_reads_stdin("sudo bash -s") && !string_reads_stdin("cat > /tmp/x"));
    }
}
