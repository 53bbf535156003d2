//! NRPE configuration (`nrpe.cfg`, `nrpe.d/*.cfg`): each `command[NAME]=…` line is
//! a shell command line (NRPE runs it through `/bin/sh -c`), analysed by the shell
//! front-end with positions in the `.cfg` file.

use super::jinja::Templating;
use super::shell;
use crate::facts::FileFacts;
use crate::source::Span;

pub use crate::facts::NrpeCommand;

/// All `command[…]=` entries of a config text.
pub fn commands(text: &str) -> Vec<NrpeCommand> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start().len();
        let rest = &body[indent..];
        let Some(after) = rest.strip_prefix("command[") else {
            continue;
        };
        let Some(close) = after.find(']') else {
            continue;
        };
        let name_start = start + indent + "command[".len();
        let after_name = after[close + 1..].trim_start();
        let Some(cmd) = after_name.strip_prefix('=') else {
            continue;
        };
        let cmd_start = start + body.len() - cmd.len();
        out.push(NrpeCommand {
            name: after[..close].to_string(),
            name_span: Span::new(name_start, name_start + close),
            line: Span::new(cmd_start, start + body.len()),
        });
    }
    out
}

/// `parse_text` is `host` with template syntax masked (same length).
pub fn analyze(host: &str, parse_text: &str, templating: Templating<'_>, facts: &mut FileFacts) {
    // NRPE itself treats only lines starting with `#` as comments.
    facts.comments.extend(super::hash_comments(host, false));
    for mut command in commands(parse_text) {
        shell::analyze(host, parse_text, command.line, templating, facts);
        // The name as written (the masked text has placeholders for templates).
        command.name = host[command.name_span.start..command.name_span.end].to_string();
        facts.nrpe_commands.push(command);
    }
}

/// Quick test used by discovery: is this `.cfg` an NRPE config at all?
pub fn looks_like_nrpe(text: &str) -> bool {
    text.contains("command[")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_command_lines_with_spans() {
        let text =
            "# c\ncommand[check_x]=/usr/lib/nagios/plugins/check_x -w 1\n  command[y] = echo y\r\n";
        let cmds = commands(text);
        assert_eq!(cmds.len(), 2);
        assert_eq!(
            &text[cmds[0].line.start..cmds[0].line.end],
            "/usr/lib/nagios/plugins/check_x -w 1"
        );
        assert_eq!(
            &text[cmds[0].name_span.start..cmds[0].name_span.end],
            "check_x"
        );
        assert_eq!(&text[cmds[1].line.start..cmds[1].line.end], " echo y");
    }
}
