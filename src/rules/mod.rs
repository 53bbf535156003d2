//! Rules: one file per rule; each reads facts and emits diagnostics.
//!
//! A new rule is a file here (a unit struct, its `META` static and its
//! `impl Rule`), a line in the `rules!` list at the end of this file,
//! fixtures under `testdata/<rule-name>/` and their snapshots.

pub use crate::rule_meta::*;

use crate::diagnostic::Diagnostic;
use crate::facts::FileFacts;
use crate::source::SourceFile;

pub use path_outside_root::HELP as PATH_OUTSIDE_ROOT_HELP;

/// Needles of the rules that judge flags written into args files: the Ansible
/// modules that write text into a file (`lints/args_writers.json`), the args
/// directory itself (shell appends), and the keys of MicroK8s launch
/// configurations (`lints/launch_args.json`).
pub(crate) fn args_edit_needles() -> &'static [&'static str] {
    static NEEDLES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    NEEDLES.get_or_init(|| {
        crate::ansible_modules::writers()
            .iter()
            .map(|w| w.module.as_str())
            .chain(["/args/"])
            .chain(crate::lang::launch::args_keys().iter().map(|k| k.key.as_str()))
            .collect()
    })
}

/// Needles of the rules that judge what a task's source file (`template`'s
/// `src:`) holds: the modules that write one (`lints/args_writers.json`).
pub(crate) fn source_file_needles() -> &'static [&'static str] {
    static NEEDLES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    NEEDLES.get_or_init(|| {
        crate::ansible_modules::writers()
            .iter()
            .filter(|w| w.source_file.is_some())
            .map(|w| w.module.as_str())
            .collect()
    })
}

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
/// [`args_edit_needles`]): a YAML file that gives a variable whose entries a
/// task elsewhere writes into args files is worth parsing for it.
pub(crate) fn judges_args_edits(rule: &dyn Rule) -> bool {
    rule.needles() == Some(args_edit_needles())
}

/// What a rule sees of the file being checked.
pub struct RuleContext<'a> {
    pub source: &'a SourceFile,
    /// The rule's options, typed (validated by the configuration; the
    /// documented default where none is configured).
    pub options: &'a RuleOptions,
    /// `nrpe-timeout-budget`'s options: the budget of checks and which
    /// scripts are checks, for every rule that sizes a call by it.
    pub budget: &'a crate::budget::BudgetOptions,
    /// The file's suppression directives (parsed once, against every rule name).
    pub directives: &'a crate::suppress::Directives,
    /// The MicroK8s release the configuration is for.
    pub target: &'a crate::target::Target,
    /// The project's root.
    pub root: &'a std::path::Path,
    /// What rules need of the repository's other files (the project at
    /// `root`; each part is built the first time a rule asks for it).
    pub project: &'a crate::project::ProjectIndex,
}

impl<'a> RuleContext<'a> {
    /// The file as the NRPE budget evaluator sees it.
    pub(crate) fn check_file<'f>(&'f self, facts: &'f FileFacts) -> crate::budget::CheckFile<'f> {
        crate::budget::CheckFile {
            source: self.source,
            root: self.root,
            project: self.project,
            options: self.budget,
            nrpe_commands: &facts.nrpe_commands,
        }
    }
}

/// What a rule states once, as the `META` static of its file: the `rules!`
/// list implements it for every rule it names.
pub trait Registered {
    fn registered_meta(&self) -> &'static RuleMeta;
}

pub trait Rule: Send + Sync + Registered {
    fn meta(&self) -> &'static RuleMeta {
        self.registered_meta()
    }

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

/// Declares each rule's module, re-exports its struct, implements
/// [`Registered`] from the module's `META`, and lists the rules in [`ALL`], in
/// the order given.
macro_rules! rules {
    ($($vis:vis mod $module:ident::$rule:ident;)*) => {
        $($vis mod $module;)*

        $(pub use $module::$rule;)*

        $(impl Registered for $rule {
            fn registered_meta(&self) -> &'static RuleMeta {
                &$module::META
            }
        })*

        /// Every rule, in the order `opslint rules` lists them.
        pub static ALL: &[&dyn Rule] = &[$(&$rule),*];
    };
}

// Every rule, in the order `opslint rules` lists them.
rules! {
    mod kubectl_request_timeout::KubectlRequestTimeout;
    mod nrpe_timeout_budget::NrpeTimeoutBudget;
    mod unbounded_wait::UnboundedWait;
    mod blockinfile_args_file::BlockinfileArgsFile;
    pub(crate) mod unknown_daemon_flag::UnknownDaemonFlag;
    mod deprecated_daemon_flag::DeprecatedDaemonFlag;
    mod removed_daemon_flag::RemovedDaemonFlag;
    mod duplicate_daemon_flag::DuplicateDaemonFlag;
    mod invalid_daemon_flag_value::InvalidDaemonFlagValue;
    mod args_file_comment::ArgsFileComment;
    mod command_shell_syntax::CommandShellSyntax;
    mod handler_not_found::HandlerNotFound;
    mod dqlite_restart_not_serial::DqliteRestartNotSerial;
    mod restart_without_health_check::RestartWithoutHealthCheck;
    mod dqlite_cluster_membership::DqliteClusterMembership;
    mod leave_without_remove_node::LeaveWithoutRemoveNode;
    mod missing_dqlite_monitoring::MissingDqliteMonitoring;
    mod invalid_suppression::InvalidSuppression;
    pub mod unused_suppression::UnusedSuppression;
    mod shell_parse_error::ShellParseError;
    mod analysis_limit::AnalysisLimit;
    mod path_outside_root::PathOutsideRoot;
    mod yaml_syntax::YamlSyntax;
    mod unreadable_file::UnreadableFile;
    mod internal_error::InternalError;
}

#[cfg(test)]
mod tests {
    /// The needles of the args-file rules are the data's lists: every module
    /// that writes a file's text, every launch-configuration key, and the
    /// args directory; `path-outside-root`'s are the modules that read a
    /// source file.
    #[test]
    fn args_needles_come_from_the_tables() {
        let needles = super::args_edit_needles();
        for w in crate::ansible_modules::writers() {
            assert!(needles.contains(&w.module.as_str()), "{}", w.module);
        }
        for k in crate::lang::launch::args_keys() {
            assert!(needles.contains(&k.key.as_str()), "{}", k.key);
        }
        assert!(needles.contains(&"/args/"));
        assert_eq!(needles.len(), crate::ansible_modules::writers().len() + crate::lang::launch::args_keys().len() + 1);
        let judges: Vec<&str> = super::ALL.iter().filter(|r| super::judges_args_edits(**r)).map(|r| r.meta().name).collect();
        for name in ["unknown-daemon-flag", "deprecated-daemon-flag", "removed-daemon-flag", "duplicate-daemon-flag", "invalid-daemon-flag-value", "args-file-comment"] {
            assert!(judges.contains(&name), "{name} does not look for the args-file writers");
        }
        let sources: Vec<&str> = crate::ansible_modules::writers()
            .iter()
            .filter(|w| w.source_file.is_some())
            .map(|w| w.module.as_str())
            .collect();
        assert_eq!(super::Rule::needles(&super::PathOutsideRoot), Some(&sources[..]));
        assert_eq!(sources, ["copy", "template"]);
    }

    /// Every documented default is a valid value of its option's kind (the
    /// rules get it typed, as a configured value).
    #[test]
    fn every_option_default_is_valid() {
        for meta in super::all_meta() {
            for option in meta.options {
                if let Err(e) = option.kind.parse(option.default) {
                    panic!("`{}` of `{}`: {e}", option.name, meta.name);
                }
            }
        }
    }
}

/// Where a call runs, which decides what a hang or a long wait costs (each
/// rule that uses it says how: its help, its severity).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// An NRPE check: it must end before check_nrpe's timeout.
    Check,
    /// An Ansible task: a hang stops the play.
    Task,
    /// Any other script: a long wait may be intended.
    Script,
}
