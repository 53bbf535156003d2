//! The pipeline for one file: read → classify → front-end → facts → rules →
//! suppressions and severities → diagnostics. Files are checked in parallel.

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::discover::Candidate;
use crate::lang::{self, Language};
use crate::rules::{self, Rule, RuleContext};
use crate::source::{SourceFile, Span};
use crate::suppress;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::fsread::MAX_FILE_SIZE;

/// A rule switched on for this run, with its effective severity and options.
#[derive(Clone)]
struct Enabled {
    rule: &'static dyn Rule,
    severity: Severity,
    options: rules::RuleOptions,
}

#[derive(Clone)]
pub struct Linter {
    config: Config,
    enabled: Vec<Enabled>,
    /// Template variables of the project (role defaults, `group_vars`, …).
    vars: lang::jinja::Vars,
    /// Names of the project's variables whose value holds a needle word of
    /// some rule (`kctl: microk8s kubectl`): a file that uses one in a
    /// template is worth parsing though its own text has no needle.
    needle_vars: Vec<String>,
    target: crate::target::Target,
    /// `nrpe-timeout-budget`'s options, which every rule sizing a call by a
    /// check's budget reads (whether that rule runs or not).
    budget: crate::budget::BudgetOptions,
    /// The project's root (for what rules need of other files).
    root: PathBuf,
    /// The index of the project at [`Linter::root`], shared by every file of
    /// the run (and by the linters of subdirectories' configurations): built
    /// part by part as rules ask, so a run that needs nothing of the project
    /// does not read it.
    project: Arc<crate::project::ProjectIndex>,
    /// One prepared finder per distinct needle of the enabled rules.
    finders: Vec<memchr::memmem::Finder<'static>>,
    /// Whether files without any rule's needle are skipped unparsed (see
    /// [`Linter::without_prefilter`]).
    prefilter: bool,
}

/// What came out of checking one file.
#[derive(Debug)]
pub struct FileReport {
    pub path: PathBuf,
    /// The text the diagnostics point into (lossy for non-UTF-8 files).
    pub source: SourceFile,
    pub diagnostics: Vec<Diagnostic>,
    /// How the file was read (`None` when it could not be).
    pub language: Option<Language>,
}

impl FileReport {
    /// The file could not be analysed at all.
    pub fn is_fatal(&self) -> bool {
        let fatal = [
            rules::UnreadableFile.meta().name,
            rules::InternalError.meta().name,
            rules::YamlSyntax.meta().name,
        ];
        // The info for bytes that are not UTF-8 says the file *was* analysed.
        self.diagnostics
            .iter()
            .any(|d| fatal.contains(&d.rule) && d.severity != Severity::Info)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown rule `{name}` in {flag}{hint}")]
pub struct UnknownRule {
    pub name: String,
    pub flag: &'static str,
    pub hint: String,
}

impl Linter {
    /// `select`: only these rules (None = all); `ignore`: minus these. Config
    /// severities `off` switch rules off too.
    pub fn new(
        config: Config,
        select: Option<&[String]>,
        ignore: &[String],
    ) -> Result<Linter, UnknownRule> {
        for (flag, names) in [("--select", select.unwrap_or(&[])), ("--ignore", ignore)] {
            for name in names {
                if rules::by_name(name).is_none() {
                    return Err(UnknownRule {
                        name: name.clone(),
                        flag,
                        hint: rules::suggest(name)
                            .map(|s| format!("; did you mean `{s}`?"))
                            .unwrap_or_default(),
                    });
                }
            }
        }
        let enabled: Vec<Enabled> = rules::ALL
            .iter()
            .copied()
            // `extend-select` adds to the selection, whatever it is.
            .filter(|r| {
                select.is_none_or(|s| s.iter().any(|n| n == r.meta().name))
                    || config.extends_selection(r.meta().name)
            })
            .filter(|r| !ignore.iter().any(|n| n == r.meta().name))
            // Opt-in rules run when selected by name or given a severity.
            .filter(|r| {
                r.enabled_by_default()
                    || select.is_some_and(|s| s.iter().any(|n| n == r.meta().name))
                    || config.extends_selection(r.meta().name)
                    || config.configures_severity(r.meta().name)
            })
            .filter_map(|rule| {
                let meta = rule.meta();
                config
                    .severity(meta.name, meta.default_severity)
                    .map(|severity| Enabled { rule, severity, options: config.rule_options(meta) })
            })
            .collect();
        // Rules that report on what parsing finds look at what all rules
        // would parse (see `lint_source`).
        let reporters = enabled.iter().any(|e| e.rule.needles().is_none());
        let mut needles: Vec<&'static str> = enabled
            .iter()
            .map(|e| e.rule)
            .chain(rules::ALL.iter().copied().filter(|_| reporters))
            .filter_map(|r| r.needles())
            .flatten()
            .copied()
            .collect();
        needles.sort_unstable();
        needles.dedup();
        let finders = needles
            .into_iter()
            .map(|n| memchr::memmem::Finder::new(n.as_bytes()))
            .collect();
        let project = Arc::new(crate::project::ProjectIndex::new(config.root()));
        let budget = crate::budget::BudgetOptions::new(&config.rule_options(rules::NrpeTimeoutBudget.meta()));
        Ok(Linter {
            config,
            budget,
            project,
            enabled,
            finders,
            vars: lang::jinja::Vars::new(),
            needle_vars: Vec::new(),
            target: crate::target::Target::newest(),
            root: PathBuf::new(),
            prefilter: true,
        })
    }

    /// This linter parsing every file, needle or not: the rules' findings
    /// are the same (a rule's needles are what its input is written with),
    /// which `tests/prefilter.rs` checks; only the reporters of parsing
    /// (`needles()` is `None`) see more files.
    pub fn without_prefilter(mut self) -> Self {
        self.prefilter = false;
        self
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// This linter with another configuration (a subdirectory's
    /// `.opslint.yaml`): the same variables, target and root.
    pub fn with_config(&self, config: Config, select: Option<&[String]>, ignore: &[String]) -> Result<Linter, UnknownRule> {
        let mut other = Linter::new(config, select, ignore)?;
        other.vars = self.vars.clone();
        other.needle_vars = self.needle_vars.clone();
        other.target = self.target.clone();
        other.prefilter = self.prefilter;
        // Without a root of its own, each linter's project is its
        // configuration's directory.
        if !self.root.as_os_str().is_empty() {
            other.root = self.root.clone();
            other.project = self.project.clone();
        }
        Ok(other)
    }

    /// The project's root directory (default: the configuration's directory).
    pub fn with_root(mut self, root: PathBuf) -> Self {
        self.root = root;
        self.project = Arc::new(crate::project::ProjectIndex::new(self.root()));
        self
    }

    /// This linter over `project` (a new index of the same tree, made when
    /// the project changed): rooted at its root, rules and front-ends see it.
    pub fn with_project(mut self, project: Arc<crate::project::ProjectIndex>) -> Self {
        self.root = project.root().to_path_buf();
        self.project = project;
        self
    }

    /// Whether this linter's project is `project` (the same index, not
    /// another one of the same tree).
    pub fn has_project(&self, project: &Arc<crate::project::ProjectIndex>) -> bool {
        Arc::ptr_eq(&self.project, project)
    }

    /// The index of the project at [`Linter::root`] (nothing of it is read
    /// until asked for).
    pub fn project(&self) -> &crate::project::ProjectIndex {
        &self.project
    }

    /// The MicroK8s release the checked configuration is for.
    pub fn with_target(mut self, target: crate::target::Target) -> Self {
        self.target = target;
        self
    }

    /// Template variables with known values, used to resolve `{{ var }}` words.
    pub fn with_vars(mut self, vars: lang::jinja::Vars) -> Self {
        let needles: Vec<&str> = rules::ALL.iter().filter_map(|r| r.needles()).flatten().copied().collect();
        self.needle_vars = vars
            .iter()
            .filter(|(_, value)| needles.iter().any(|n| contains_word(value, n)))
            .map(|(name, _)| name.clone())
            .collect();
        self.needle_vars.sort_unstable();
        self.vars = vars;
        self
    }

    /// Checks every candidate in parallel and hands each report to `each` on the
    /// worker thread, so a report (and its file's text) can be dropped as soon as it
    /// is rendered. Results come back in candidate (path) order.
    pub fn check_each<T: Send>(
        &self,
        candidates: &[Candidate],
        each: impl Fn(FileReport) -> T + Sync,
    ) -> Vec<T> {
        candidates
            .par_iter()
            .filter_map(|c| self.check_file(c))
            .map(&each)
            .collect()
    }

    /// The project's root (default: the configuration's directory).
    pub fn root(&self) -> &Path {
        if self.root.as_os_str().is_empty() {
            self.config.root()
        } else {
            self.root.as_path()
        }
    }

    /// `None` when the file turns out not to be one opslint reads.
    pub fn check_file(&self, candidate: &Candidate) -> Option<FileReport> {
        let path = &candidate.path;
        // A path spelt inside the project that leads out of it through a link
        // (a linked file, or a file under a linked directory, walked or named)
        // is not read: its content would otherwise reach the report. A path
        // the user spelt outside the project is read: that is their choice.
        // A file walked from a directory the user named is theirs as much as
        // a file named; a link met by the walk is not.
        let is_link = || std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        let named = candidate.explicit || !is_link();
        let read = crate::fsread::read_in_tree(self.root(), path, named, MAX_FILE_SIZE);
        if let Err(e @ crate::fsread::ReadError::OutsideRoot { .. }) = &read {
            // Without a name that says it is ours, only its content could tell.
            candidate.language?;
            let meta = rules::PathOutsideRoot.meta();
            let severity = self.enabled.iter().find(|e| e.rule.meta().name == meta.name)?.severity;
            let what = if is_link() {
                "symbolic link"
            } else {
                "path (through a linked directory)"
            };
            return Some(FileReport {
                path: path.to_path_buf(),
                source: SourceFile::new(path, String::new()),
                diagnostics: vec![
                    Diagnostic::new(meta.name, severity, Span::default(), format!("{what} {e}; not read"))
                        .with_help(rules::PATH_OUTSIDE_ROOT_HELP),
                ],
                language: candidate.language,
            });
        }
        let bytes = match read.map_err(read_error_message) {
            Ok(bytes) => bytes,
            Err(message) => {
                // An unreadable file whose name says it is ours (or that was named
                // explicitly) must not pass silently.
                if candidate.language.is_none() && !candidate.explicit {
                    return None;
                }
                return Some(self.unreadable(
                    path,
                    SourceFile::new(path, String::new()),
                    Span::default(),
                    message,
                ));
            }
        };
        self.check_bytes(path, bytes, candidate.language)
    }

    /// Checks `bytes` as the content of `path` (read from disk, or standard
    /// input named by `--stdin-filename`); `language` from the name, else the
    /// shebang decides (`None`: not a file opslint reads).
    pub fn check_bytes(&self, path: &Path, bytes: Vec<u8>, language: Option<Language>) -> Option<FileReport> {
        let path = &path.to_path_buf();
        let language = match language {
            Some(language) => language,
            None => Language::from_shebang(&bytes[..bytes.len().min(256)])?,
        };
        if bytes[..bytes.len().min(8192)].contains(&0) {
            return Some(self.unreadable(
                path,
                SourceFile::new(path, String::new()),
                Span::default(),
                "binary file (it contains NUL bytes); not checked".into(),
            ));
        }
        // Bytes that are not UTF-8 (a Latin-1 `é` in a comment) are read as `_`,
        // one for one, so every span still points at the same byte of the file;
        // the file is checked and the bytes reported.
        let (text, invalid) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(e) => {
                let (text, invalid) = decode_keeping_offsets(e.as_bytes());
                (text, Some(invalid))
            }
        };
        if matches!(
            language,
            Language::NrpeConfig | Language::NrpeConfigTemplate
        ) && !lang::nrpe::looks_like_nrpe(&text)
        {
            return None;
        }
        let mut source = SourceFile::new(path, text);
        source.invalid_utf8 = invalid.as_ref().map(|i| i.first);
        // A bug in one file's analysis must not take the run down with it.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // Fault injection for the containment test, in debug builds only.
            #[cfg(debug_assertions)]
            if let Some(name) = std::env::var_os("OPSLINT_TEST_PANIC_IN")
                && path.file_name() == Some(name.as_os_str())
            {
                panic!("injected by OPSLINT_TEST_PANIC_IN");
            }
            self.lint_source(&source, language)
        }));
        let diagnostics = match outcome {
            Ok(diagnostics) => diagnostics,
            Err(payload) => {
                let what = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                vec![Diagnostic::new(
                    rules::InternalError.meta().name,
                    Severity::Error,
                    Span::default(),
                    format!(
                        "opslint failed while analysing this file ({what}); it was not checked. Please report this bug with the file attached"
                    ),
                )]
            }
        };
        let mut diagnostics = diagnostics;
        if let Some(invalid) = invalid {
            // Fixes would write the `_` read for each bad byte over it.
            for d in &mut diagnostics {
                d.fix = None;
            }
            if let Some(d) = self.invalid_utf8_finding(&source, &invalid) {
                diagnostics.insert(0, d);
            }
        }
        // Reports are kept until the run ends: only keep text that is shown.
        let source = if diagnostics.is_empty() {
            SourceFile::new(path, String::new())
        } else {
            source
        };
        Some(FileReport {
            path: path.clone(),
            source,
            diagnostics,
            language: Some(language),
        })
    }

    /// Runs the front-end and the enabled rules over one file's text.
    pub fn lint_source(&self, source: &SourceFile, language: Language) -> Vec<Diagnostic> {
        let ignored = self.config.ignored_rules(&source.path);
        let active: Vec<&Enabled> = self
            .enabled
            .iter()
            .filter(|e| !ignored.contains(&e.rule.meta().name))
            .collect();
        // A file that contains nothing any active rule looks for need not be parsed.
        // Args files are small and every flag in them matters.
        // Each distinct needle is searched at most once per file.
        let mut seen: Vec<(&str, bool)> = Vec::new();
        let mut found = |needle: &'static str| {
            if let Some((_, hit)) = seen.iter().find(|(n, _)| *n == needle) {
                return *hit;
            }
            let hit = self
                .finders
                .iter()
                .find(|f| f.needle() == needle.as_bytes())
                .map_or_else(
                    || contains_word(&source.text, needle),
                    |f| contains_word_with(f, &source.text),
                );
            seen.push((needle, hit));
            hit
        };
        // Rules that report what parsing finds (`needles()` is `None`:
        // `shell-parse-error`, `yaml-syntax`, …) see every file a run of all
        // rules would parse, whichever rules are selected: their findings
        // must not depend on the selection.
        let reporters = active.iter().any(|e| e.rule.needles().is_none());
        let reach: Vec<&'static dyn crate::rules::Rule> = if reporters {
            crate::rules::ALL.to_vec()
        } else {
            active.iter().map(|e| e.rule).collect()
        };
        // A template that uses a variable holding a needle (`{{ kctl }} get
        // nodes` with `kctl: microk8s kubectl` in role defaults).
        let through_vars = || {
            !self.needle_vars.is_empty()
                && source.text.contains("{{")
                && self.needle_vars.iter().any(|name| contains_word(&source.text, name))
        };
        let root = self.root();
        // A variables file or play that gives a mapping whose entries a task
        // elsewhere writes into args files (`microk8s_extra_args`, looped over
        // into `…/args/{{ item.key }}`): its values are flags where written.
        let looped_dict = || {
            language == Language::Yaml
                && reach
                    .iter()
                    .any(|r| r.applies_to(language) && rules::judges_args_edits(*r))
                && self
                    .project
                    .args_dict_loops()
                    .keys()
                    .any(|name| contains_word(&source.text, name))
        };
        let wanted = language == Language::ArgsFile
            // A file in an Ansible place that does not parse is always worth
            // a `yaml-syntax` finding, whatever words it holds.
            || (reporters && language == Language::Yaml && lang::ansible::is_ansible_path(&source.path))
            || reach
                .iter()
                .filter(|r| r.applies_to(language))
                .any(|r| match r.needles() {
                    None => false,
                    Some([]) => true,
                    Some(needles) => needles.iter().any(|n| found(n)),
                })
            || through_vars()
            || looped_dict();
        // A script without a needle may still call kubectl through a helper of
        // a file it sources (`detect_kubectl` then `$KUBECTL get nodes`): it is
        // analysed when a file it sources has a shell rule's needle. Scripts
        // without a `source` line cost one scan of their lines.
        let wanted = wanted
            || (matches!(language, Language::Shell | Language::ShellTemplate) && {
                let needles: Vec<&'static str> = reach
                    .iter()
                    .filter(|r| r.applies_to(language))
                    .filter_map(|r| r.needles_in_sourced())
                    .flatten()
                    .copied()
                    .collect();
                !needles.is_empty()
                    && lang::shell::sources_mention(&source.text, &source.path, root, &|text| {
                        needles.iter().any(|n| contains_word(text, n))
                    })
            });
        if !wanted && self.prefilter {
            return Vec::new();
        }
        let facts = lang::analyze_in(language, &source.text, &source.path, Some(&*self.project), &self.vars);
        let directives = suppress::parse(source, &facts.comments, &rules::names());
        let mut diagnostics = Vec::new();
        for e in &active {
            let meta = e.rule.meta();
            let ctx = RuleContext {
                source,
                directives: &directives,
                options: &e.options,
                budget: &self.budget,
                target: &self.target,
                root,
                project: &self.project,
            };
            let start = diagnostics.len();
            e.rule.check(&ctx, &facts, &mut diagnostics);
            // A configured severity replaces the rule's own choice; otherwise a
            // rule may grade its findings (e.g. a warning for a deprecated flag).
            if e.severity != meta.default_severity {
                for d in &mut diagnostics[start..] {
                    d.severity = e.severity;
                }
            }
        }
        // Which directive entries silenced something (`unused-suppression`).
        let mut used: Vec<Vec<bool>> = directives.directives.iter().map(|d| vec![false; d.rules.len()]).collect();
        diagnostics.retain(|d| {
            let mut silenced = false;
            for (i, j) in directives.suppressing(source, d) {
                used[i][j] = true;
                silenced = true;
            }
            !silenced
        });
        let unused_meta = rules::UnusedSuppression.meta();
        if let Some(e) = active.iter().find(|e| e.rule.meta().name == unused_meta.name) {
            let ran: Vec<&str> = active.iter().map(|e| e.rule.meta().name).collect();
            let found = rules::unused_suppression::findings(source, &directives, &used, &ran, e.severity);
            // A directive naming `unused-suppression` silences these too.
            diagnostics.extend(found.into_iter().filter(|d| !directives.suppresses(source, d)));
        }
        sort(&mut diagnostics);
        // Two calls in a scalar that does not map byte for byte both point at
        // the whole scalar: one finding says it.
        diagnostics.dedup_by(|a, b| a.rule == b.rule && a.span == b.span && a.message == b.message);
        diagnostics
    }

    /// The info finding for a file with bytes that are not UTF-8 (unless
    /// `unreadable-file` is off).
    fn invalid_utf8_finding(&self, source: &SourceFile, invalid: &InvalidBytes) -> Option<Diagnostic> {
        let meta = rules::UnreadableFile.meta();
        // Unlike a file that cannot be read at all, this one was checked: the
        // finding follows the selection like any other.
        self.enabled.iter().find(|e| e.rule.meta().name == meta.name)?;
        let at = invalid.first;
        let p = source.position(at);
        let bytes = match invalid.count {
            1 => "1 byte".to_string(),
            n => format!("{n} bytes"),
        };
        Some(
            Diagnostic::new(
                meta.name,
                Severity::Info,
                Span::new(at, at + 1),
                format!(
                    "not valid UTF-8: {bytes} (the first, 0x{:02X}, at line {}, column {}) read as `_`; the rest of the file was checked, and its fixes are not offered",
                    invalid.first_byte, p.line, p.column
                ),
            )
            .with_help("save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`) to have fixes offered for it"),
        )
    }

    /// The report of a file of `len` bytes, over [`MAX_FILE_SIZE`], that is
    /// not analysed: the `unreadable-file` finding checking it from disk gives
    /// (the language server reports an open document this way).
    pub fn too_large(&self, path: &Path, len: u64) -> FileReport {
        let message = format!(
            "{}; not checked",
            crate::fsread::ReadError::TooLarge { len, limit: MAX_FILE_SIZE }
        );
        self.unreadable(path, SourceFile::new(path, String::new()), Span::default(), message)
    }

    fn unreadable(
        &self,
        path: &Path,
        source: SourceFile,
        span: Span,
        message: String,
    ) -> FileReport {
        let meta = rules::UnreadableFile.meta();
        let severity = self
            .config
            .severity(meta.name, meta.default_severity)
            .unwrap_or(meta.default_severity);
        FileReport {
            path: path.to_path_buf(),
            source,
            diagnostics: vec![Diagnostic::new(meta.name, severity, span, message)],
            language: None,
        }
    }
}

/// Where a file's bytes are not UTF-8.
struct InvalidBytes {
    /// Offset of the first invalid byte, and its value.
    first: usize,
    first_byte: u8,
    /// How many invalid bytes the file has.
    count: usize,
}

/// `bytes` as text with every byte that is not part of valid UTF-8 replaced by
/// `_` (one byte for one, so offsets are the file's).
fn decode_keeping_offsets(bytes: &[u8]) -> (String, InvalidBytes) {
    let mut text = String::with_capacity(bytes.len());
    let mut invalid = InvalidBytes {
        first: usize::MAX,
        first_byte: 0,
        count: 0,
    };
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                text.push_str(valid);
                break;
            }
            Err(e) => {
                let valid = e.valid_up_to();
                text.push_str(std::str::from_utf8(&rest[..valid]).unwrap_or_default());
                let bad = e.error_len().unwrap_or(rest.len() - valid);
                if invalid.count == 0 {
                    invalid.first = bytes.len() - rest.len() + valid;
                    invalid.first_byte = rest[valid];
                }
                invalid.count += bad;
                text.extend(std::iter::repeat_n('_', bad));
                rest = &rest[valid + bad..];
            }
        }
    }
    debug_assert_eq!(text.len(), bytes.len());
    (text, invalid)
}

pub fn sort(diagnostics: &mut [Diagnostic]) {
    // Unstable: a stable sort takes a buffer of half the list (72 MB for
    // 900,000 findings); findings that compare equal print the same.
    diagnostics.sort_unstable_by(|a, b| {
        (a.span.start, a.span.end, a.rule, &a.message).cmp(&(
            b.span.start,
            b.span.end,
            b.rule,
            &b.message,
        ))
    });
}

fn read_error_message(e: crate::fsread::ReadError) -> String {
    match e {
        crate::fsread::ReadError::Io(m) => m,
        other => format!("{other}; not checked"),
    }
}

/// `needle` occurs in `text` with no identifier character right before or after it.
pub fn contains_word(text: &str, needle: &str) -> bool {
    contains_word_with(&memchr::memmem::Finder::new(needle.as_bytes()), text)
}

/// [`contains_word`] with a prepared finder (building one costs more than a
/// search through a small file).
fn contains_word_with(finder: &memchr::memmem::Finder<'_>, text: &str) -> bool {
    let needle = finder.needle();
    let bytes = text.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    // Word boundaries matter only at ends of the needle that are word characters
    // (`/args/` may follow `current`).
    let check_before = needle.first().is_some_and(|&b| is_ident(b));
    let check_after = needle.last().is_some_and(|&b| is_ident(b));
    finder.find_iter(bytes).any(|i| {
        let before = i.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i + needle.len()).copied();
        let bad_before = check_before && before.is_some_and(is_ident);
        let bad_after = check_after && after.is_some_and(is_ident);
        !bad_before && !bad_after
    })
}
