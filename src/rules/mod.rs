//! Rules: one file per rule; each reads facts and emits diagnostics.
//!
//! A new rule is a file here, a line in [`ALL`], fixtures under
//! `testdata/<rule-name>/` and their snapshots.

mod analysis_limit;
mod args_file_comment;
mod blockinfile_args_file;
mod command_shell_syntax;
mod deprecated_daemon_flag;
mod dqlite_cluster_membership;
mod dqlite_restart_not_serial;
mod duplicate_daemon_flag;
mod handler_not_found;
mod internal_error;
mod invalid_daemon_flag_value;
mod invalid_suppression;
mod kubectl_request_timeout;
mod leave_without_remove_node;
mod missing_dqlite_monitoring;
mod nrpe_timeout_budget;
mod path_outside_root;
mod removed_daemon_flag;
mod restart_without_health_check;
mod shell_parse_error;
pub(crate) mod unknown_daemon_flag;
mod unbounded_wait;
pub mod unused_suppression;
mod unreadable_file;
mod yaml_syntax;

pub use crate::rule_meta::*;

use crate::diagnostic::Diagnostic;
use crate::facts::FileFacts;
use crate::source::SourceFile;

pub use analysis_limit::AnalysisLimit;
pub use args_file_comment::ArgsFileComment;
pub use blockinfile_args_file::BlockinfileArgsFile;
pub use command_shell_syntax::CommandShellSyntax;
pub use deprecated_daemon_flag::DeprecatedDaemonFlag;
pub use dqlite_cluster_membership::DqliteClusterMembership;
pub use dqlite_restart_not_serial::DqliteRestartNotSerial;
pub use duplicate_daemon_flag::DuplicateDaemonFlag;
pub use handler_not_found::HandlerNotFound;
pub use internal_error::InternalError;
pub use invalid_daemon_flag_value::InvalidDaemonFlagValue;
pub use invalid_suppression::InvalidSuppression;
pub use kubectl_request_timeout::KubectlRequestTimeout;
pub use leave_without_remove_node::LeaveWithoutRemoveNode;
pub use missing_dqlite_monitoring::MissingDqliteMonitoring;
pub use nrpe_timeout_budget::NrpeTimeoutBudget;
pub use path_outside_root::{HELP as PATH_OUTSIDE_ROOT_HELP, PathOutsideRoot};
pub use removed_daemon_flag::RemovedDaemonFlag;
pub use restart_without_health_check::RestartWithoutHealthCheck;
pub use shell_parse_error::ShellParseError;
pub use unknown_daemon_flag::UnknownDaemonFlag;
pub use unbounded_wait::UnboundedWait;
pub use unused_suppression::UnusedSuppression;
pub use unreadable_file::UnreadableFile;
pub use yaml_syntax::YamlSyntax;

/// Needles of the rules that judge flags written into args files: the modules
/// that write them, the args directory itself (shell appends), and the keys of
/// MicroK8s launch configurations (see `lang::launch::ARGS_KEYS`).
pub(crate) const ARGS_EDIT_NEEDLES: &[&str] = &[
    "blockinfile",
    "lineinfile",
    "copy",
    "template",
    "replace",
    "/args/",
    "extraKubeAPIServerArgs",
    "extraKubeletArgs",
    "extraKubeProxyArgs",
    "extraKubeControllerManagerArgs",
    "extraKubeSchedulerArgs",
    "extraContainerdArgs",
    "extraDqliteArgs",
    "extraMicroK8sClusterAgentArgs",
    "extraMicroK8sAPIServerProxyArgs",
    "extraEtcdArgs",
    "extraFlanneldArgs",
];

/// The args-file edits of a file whose component has a flag manifest.
pub(crate) fn edits_with_manifest(
    facts: &FileFacts,
) -> impl Iterator<
    Item = (
        &crate::facts::ArgsFileEdit,
        &'static crate::manifest::Manifest,
    ),
> {
    facts
        .args_edits
        .iter()
        .filter_map(|e| Some((e, crate::manifest::for_component(e.component)?)))
}

/// A finding about `flag` of `edit`, with where the flag is written when that
/// is another file (a `template` task's source), and which task writes it when
/// that task is in another file (a variable's entries, looped over elsewhere).
pub(crate) fn flag_finding(
    diagnostic: Diagnostic,
    edit: &crate::facts::ArgsFileEdit,
    flag: &crate::facts::FlagWord,
) -> Diagnostic {
    let notes: Vec<String> = flag
        .written_in
        .iter()
        .map(|at| format!("written in {at}"))
        .chain(edit.written_by.iter().cloned())
        .collect();
    with_notes(diagnostic, &notes)
}

/// One line, white space folded, at most 60 characters.
pub(crate) fn shorten(text: &str) -> String {
    let folded = folded_head(text.split_whitespace().filter(|w| *w != "\\"), 60);
    if folded.chars().count() <= 60 {
        folded
    } else {
        let cut: String = folded.chars().take(59).collect();
        format!("{}…", cut.trim_end())
    }
}

/// `words` joined by single spaces, read only as far as the first `max + 1`
/// characters of the joined text: a call's span may cover a whole scalar of
/// thousands of lines, and its message shows only the first few words.
pub(crate) fn folded_head<'t>(words: impl Iterator<Item = &'t str>, max: usize) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for word in words {
        if chars > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
            chars += 1;
        }
        for c in word.chars() {
            if chars > max {
                break;
            }
            out.push(c);
            chars += 1;
        }
    }
    out
}

/// `notes` added to the help of `diagnostic`, one per line.
pub(crate) fn with_notes(diagnostic: Diagnostic, notes: &[String]) -> Diagnostic {
    if notes.is_empty() {
        return diagnostic;
    }
    let notes = notes.join("\n");
    let help = match &diagnostic.help {
        Some(h) => format!("{h}\n{notes}"),
        None => notes,
    };
    Diagnostic { help: Some(help.into()), ..diagnostic }
}

/// Whether `rule` judges the flags written into args files (its needles are
/// [`ARGS_EDIT_NEEDLES`]): a YAML file that gives a variable whose entries a
/// task elsewhere writes into args files is worth parsing for it.
pub(crate) fn judges_args_edits(rule: &dyn Rule) -> bool {
    rule.needles() == Some(ARGS_EDIT_NEEDLES)
}

/// What a rule sees of the file being checked.
pub struct RuleContext<'a> {
    pub source: &'a SourceFile,
    /// Option values from the configuration (already validated), by option name.
    pub options: &'a dyn Fn(&str) -> Option<&'a str>,
    /// The MicroK8s release the configuration is for.
    pub target: &'a crate::target::Target,
    /// The project's root.
    pub root: &'a std::path::Path,
    /// What rules need of the repository's other files (the project at
    /// `root`; each part is built the first time a rule asks for it).
    pub project: &'a crate::project::ProjectIndex,
}

impl<'a> RuleContext<'a> {
    /// The file as the NRPE budget evaluator sees it, with this rule's options.
    pub(crate) fn check_file(&self) -> crate::budget::CheckFile<'a> {
        crate::budget::CheckFile {
            source: self.source,
            root: self.root,
            project: self.project,
            options: self.options,
        }
    }

    /// The configured value of `name`, else the option's documented default.
    pub fn option(&self, meta: &RuleMeta, name: &str) -> String {
        (self.options)(name)
            .map(str::to_string)
            .or_else(|| {
                meta.options
                    .iter()
                    .find(|o| o.name == name)
                    .map(|o| o.default.to_string())
            })
            .unwrap_or_default()
    }
}

pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Words of which at least one must occur in a file (as a whole word) for the
    /// rule to have anything to say: files with none of them are not parsed at all.
    /// `Some(&[])` means the rule must always run; `None` means the rule never makes
    /// a file worth parsing on its own (it reports on what other rules' parsing finds).
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    /// For a shell script without any needle: words that, found in a file the
    /// script `source`s, make the script worth parsing (the library's
    /// variables, aliases and functions act at the script's calls). Default:
    /// the rule's needles; `None` for rules that report only on the file's
    /// own text.
    fn needles_in_sourced(&self) -> Option<&'static [&'static str]> {
        self.needles()
    }

    /// Whether the rule can find anything in files of `language` (files are only
    /// parsed for the rules that apply to them).
    fn applies_to(&self, _language: crate::language::Language) -> bool {
        true
    }

    /// Whether the rule runs without being asked for (`--select` or a severity
    /// in `.opslint.yaml`).
    fn enabled_by_default(&self) -> bool {
        true
    }

    fn check(&self, ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>);
}

/// Every rule, in the order `opslint rules` lists them.
pub static ALL: &[&dyn Rule] = &[
    &KubectlRequestTimeout,
    &NrpeTimeoutBudget,
    &UnboundedWait,
    &BlockinfileArgsFile,
    &UnknownDaemonFlag,
    &DeprecatedDaemonFlag,
    &RemovedDaemonFlag,
    &DuplicateDaemonFlag,
    &InvalidDaemonFlagValue,
    &ArgsFileComment,
    &CommandShellSyntax,
    &HandlerNotFound,
    &DqliteRestartNotSerial,
    &RestartWithoutHealthCheck,
    &DqliteClusterMembership,
    &LeaveWithoutRemoveNode,
    &MissingDqliteMonitoring,
    &InvalidSuppression,
    &UnusedSuppression,
    &ShellParseError,
    &AnalysisLimit,
    &PathOutsideRoot,
    &YamlSyntax,
    &UnreadableFile,
    &InternalError,
];

pub fn by_name(name: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.meta().name == name)
}

/// Every rule's name.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|r| r.meta().name).collect()
}

pub fn all_meta() -> Vec<&'static RuleMeta> {
    ALL.iter().map(|r| r.meta()).collect()
}

/// The closest rule name to a misspelt one, for "did you mean" hints.
pub fn suggest(name: &str) -> Option<&'static str> {
    crate::suggest::closest(name, ALL.iter().map(|r| r.meta().name))
}
