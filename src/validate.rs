//! `opslint validate-args`: check one args file on the node, e.g. as the
//! `validate:` command of an Ansible `lineinfile`/`template` task.

use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::FileFacts;
use crate::lang::argsfile;
use crate::microk8s::ARGS_COMPONENTS;
use crate::rules::{self, Rule, RuleContext};
use crate::source::SourceFile;
use crate::target::Target;
use std::collections::BTreeSet;
use std::path::Path;

/// Flags (without `--`) of a cobra/pflag `--help` text, read by the same parser
/// as `opslint manifest import` (which leaves out cobra's own `--help`).
pub fn flags_from_help(help: &str) -> BTreeSet<String> {
    let manifest = crate::manifest::from_help("", "0.0.0", help);
    let mut flags: BTreeSet<String> = manifest
        .versions
        .iter()
        .flat_map(|v| v.flags.iter().map(|f| f.name.clone()))
        .collect();
    if help
        .lines()
        .any(|l| l.trim_start().starts_with("-h, --help") || l.trim_start().starts_with("--help"))
    {
        flags.insert("help".into());
    }
    flags
}

/// Exit status when the file has no error but its flags could not be checked
/// against any flag set: the component has no manifest (built in or user).
pub const EXIT_UNCHECKED: i32 = 3;

/// Checks `file` as the args file of `component`; returns the report and the
/// exit status (0 clean or warnings only, 1 errors, 2 the check could not run,
/// 3 no error but no flag manifest to check the flags against).
pub fn validate(
    file: &Path,
    component: &str,
    binary: Option<&Path>,
    target: &Target,
) -> (String, i32) {
    let Some(component) = ARGS_COMPONENTS.iter().copied().find(|c| *c == component) else {
        return (
            format!(
                "error: unknown component `{component}`; known: {}\n",
                ARGS_COMPONENTS.join(", ")
            ),
            2,
        );
    };
    let text = match crate::fsread::read_text_bounded(file, crate::fsread::MAX_FILE_SIZE) {
        Ok(text) => text,
        Err(e) => {
            let what = format!("{}: {e}", file.display());
            return (format!("error: {}\n", crate::escape::visible(&what)), 2);
        }
    };
    let source = SourceFile::new(file, text);
    let mut facts = FileFacts::default();
    argsfile::analyze_as(&source.text, component, &file.to_string_lossy(), &mut facts);
    let mut diagnostics = Vec::new();
    match binary {
        Some(binary) => {
            // The installed binary is the deploy-time truth.
            let help = match std::process::Command::new(binary).arg("--help").output() {
                Ok(out) => {
                    String::from_utf8_lossy(&out.stdout).into_owned()
                        + &String::from_utf8_lossy(&out.stderr)
                }
                Err(e) => {
                    return (
                        format!("error: cannot run `{} --help`: {e}\n", binary.display()),
                        2,
                    );
                }
            };
            let known = flags_from_help(&help);
            if known.is_empty() {
                return (
                    format!("error: `{} --help` lists no flags\n", binary.display()),
                    2,
                );
            }
            for edit in &facts.args_edits {
                for flag in edit.flags.iter().filter(|f| !known.contains(&f.name)) {
                    diagnostics.push(Diagnostic::new(
                        "unknown-daemon-flag",
                        Severity::Error,
                        flag.span,
                        format!(
                            "`--{}` is not a flag of `{}` (per its --help): the daemon exits with `Error: unknown flag: --{}`",
                            flag.name,
                            binary.display(),
                            flag.name
                        ),
                    ));
                }
            }
        }
        None => {
            let checks: [&dyn Rule; 6] = [
                &rules::UnknownDaemonFlag,
                &rules::DeprecatedDaemonFlag,
                &rules::RemovedDaemonFlag,
                &rules::DuplicateDaemonFlag,
                &rules::InvalidDaemonFlagValue,
                &rules::ArgsFileComment,
            ];
            let project = crate::project::ProjectIndex::new(".");
            let directives = crate::suppress::parse(&source, &facts.comments, &rules::names());
            let budget_options = rules::RuleOptions::new(rules::NrpeTimeoutBudget.meta(), |_| None);
            let budget = crate::budget::BudgetOptions::new(&budget_options);
            for rule in checks {
                let options = rules::RuleOptions::new(rule.meta(), |_| None);
                let ctx = RuleContext {
                    source: &source,
                    options: &options,
                    budget: &budget,
                    directives: &directives,
                    target,
                    root: std::path::Path::new("."),
                    project: &project,
                };
                rule.check(&ctx, &facts, &mut diagnostics);
            }
        }
    }
    crate::linter::sort(&mut diagnostics);
    let mut out = String::new();
    // The file's name and flags are shown with control characters escaped.
    let name = file.to_string_lossy();
    let name = crate::escape::visible(&name);
    for d in &diagnostics {
        let p = source.position(d.span.start);
        out.push_str(&format!(
            "{name}:{}:{}: {}[{}] {}\n",
            p.line,
            p.column,
            d.severity,
            d.rule,
            crate::escape::visible(&d.message)
        ));
    }
    let errors = diagnostics.iter().any(|d| d.severity == Severity::Error);
    // No manifest for the component: not a pass; exit 3 unless errors were found.
    let unchecked = binary.is_none() && crate::manifest::for_component(component).is_none();
    if unchecked {
        out.push_str(&format!(
            "{name}: note: exit status 3, the flags were not checked: {}\n",
            rules::unknown_daemon_flag::import_help(component)
        ));
    }
    let code = match (errors, unchecked) {
        (true, _) => 1,
        (false, true) => EXIT_UNCHECKED,
        (false, false) => 0,
    };
    (out, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cobra_help() {
        let help = "Usage:\n  k8s-dqlite [flags]\n\nFlags:\n      --debug                 debug logs\n  -h, --help                  help for k8s-dqlite\n      --storage-dir string    directory (default \"/var/tmp/k8s-dqlite\")\n";
        let flags: Vec<String> = flags_from_help(help).into_iter().collect();
        assert_eq!(flags, ["debug", "help", "storage-dir"]);
    }
}
