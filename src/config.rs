//! `.opslint.yaml`: where it is found, what it may say, and errors that point at
//! the line and column of the offending key or value.
//!
//! ```yaml
//! exclude: ["vendor/**", "*.generated.sh"]
//! extend-select: [missing-dqlite-monitoring]   # opt-in rules, added to the rest
//! rules:
//!   kubectl-request-timeout:
//!     severity: warning          # error | warning | info | off
//!     timeout: 15s               # a rule option
//! per-file-ignores:
//!   "legacy/**": [kubectl-request-timeout]
//! ```

use crate::escape::visible;
use crate::diagnostic::Severity;
use crate::rule_meta::RuleMeta;
use crate::suggest::closest;
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

pub const CONFIG_FILE_NAMES: &[&str] = &[".opslint.yaml", ".opslint.yml"];

/// Top-level keys. `target` is read by the flag-manifest rules.
const TOP_LEVEL_KEYS: &[&str] = &[
    "exclude",
    "extend-select",
    "rules",
    "per-file-ignores",
    "target",
    "manifests",
];

/// Config files larger than this are refused.
const MAX_CONFIG_SIZE: u64 = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeveritySetting {
    Off,
    Level(Severity),
}

#[derive(Debug, Clone, Default)]
pub struct RuleSettings {
    pub severity: Option<SeveritySetting>,
    /// Option values, validated and typed by their rule's option kinds.
    pub options: BTreeMap<String, crate::rule_meta::OptionValue>,
}

#[derive(Debug, Clone)]
pub struct Config {
    path: Option<PathBuf>,
    root: PathBuf,
    exclude: GlobSet,
    /// `extend-select:` (and `--extend-select`): rules added to the selection,
    /// opt-in ones included.
    extend_select: Vec<String>,
    rules: BTreeMap<String, RuleSettings>,
    per_file_ignores: Vec<(GlobSet, Vec<String>)>,
    /// `target:` with the line and column it was written at.
    target: Option<(crate::target::TargetSpec, usize, usize)>,
    /// User flag manifests (paths relative to the config file).
    manifests: Vec<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// 1-based; 0 when the problem has no position (an I/O error).
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    pub path: PathBuf,
    pub problems: Vec<ConfigProblem>,
}

/// One line per problem, each `path:line:column: message`, control characters
/// escaped ([`crate::escape::visible`]).
impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            // Keys and values are the configuration's author's: escaped.
            let path = self.path.to_string_lossy();
            let (path, message) = (visible(&path), visible(&p.message));
            if p.line == 0 {
                write!(f, "{path}: {message}")?;
            } else {
                write!(f, "{path}:{}:{}: {message}", p.line, p.column)?;
            }
        }
        Ok(())
    }
}

impl Config {
    /// Built-in defaults: no file, globs relative to `root`.
    pub fn default_at(root: &Path) -> Config {
        Config {
            path: None,
            root: crate::fsread::lexical_absolute(root),
            exclude: GlobSet::empty(),
            extend_select: Vec::new(),
            rules: BTreeMap::new(),
            per_file_ignores: Vec::new(),
            target: None,
            manifests: Vec::new(),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// A configuration that only excludes `patterns` (globs as in `exclude:`,
    /// relative to `root`): `--exclude` and `--extend-exclude`.
    pub fn excluding(root: &Path, patterns: &[String]) -> Result<Config, String> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            for g in compile_glob(pattern).map_err(|e| format!("invalid glob `{pattern}`: {e}"))? {
                builder.add(g);
            }
        }
        let mut config = Config::default_at(root);
        config.exclude = builder.build().map_err(|e| e.to_string())?;
        Ok(config)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `path` (absolute, or relative to the current directory) matches an `exclude` glob.
    pub fn is_excluded(&self, path: &Path) -> bool {
        !self.exclude.is_empty()
            && self
                .relative(path)
                .is_some_and(|rel| self.exclude.is_match(rel))
    }

    /// Rules switched off for `path` by `per-file-ignores`.
    pub fn ignored_rules(&self, path: &Path) -> Vec<&str> {
        if self.per_file_ignores.is_empty() {
            return Vec::new();
        }
        let Some(rel) = self.relative(path) else {
            return Vec::new();
        };
        self.per_file_ignores
            .iter()
            .filter(|(set, _)| set.is_match(&rel))
            .flat_map(|(_, rules)| rules.iter().map(String::as_str))
            .collect()
    }

    /// Effective severity; `None` when the rule is switched off.
    pub fn severity(&self, rule: &str, default: Severity) -> Option<Severity> {
        match self.rules.get(rule).and_then(|r| r.severity) {
            Some(SeveritySetting::Off) => None,
            Some(SeveritySetting::Level(s)) => Some(s),
            None => Some(default),
        }
    }

    /// Whether the configuration sets a severity for `rule` (other than `off`).
    pub fn configures_severity(&self, rule: &str) -> bool {
        matches!(
            self.rules.get(rule).and_then(|r| r.severity),
            Some(SeveritySetting::Level(_))
        )
    }

    /// Whether `extend-select:` (or `--extend-select`) names `rule`.
    pub fn extends_selection(&self, rule: &str) -> bool {
        self.extend_select.iter().any(|n| n == rule)
    }

    /// This configuration with `names` (`--extend-select`, already
    /// validated) added to its `extend-select:`.
    pub fn with_extend_select(mut self, names: &[String]) -> Config {
        for name in names {
            if !self.extends_selection(name) {
                self.extend_select.push(name.clone());
            }
        }
        self
    }

    /// User flag manifests to merge over the built-in ones.
    pub fn manifests(&self) -> &[PathBuf] {
        &self.manifests
    }

    /// The `target:` setting and where it was written (line, column).
    pub fn target(&self) -> Option<&(crate::target::TargetSpec, usize, usize)> {
        self.target.as_ref()
    }

    /// The configured value of option `name` of `rule` (validated and typed).
    pub fn option(&self, rule: &str, name: &str) -> Option<&crate::rule_meta::OptionValue> {
        self.rules.get(rule)?.options.get(name)
    }

    /// Every option of `meta`'s rule: the configured values, else the
    /// documented defaults.
    pub fn rule_options(&self, meta: &'static RuleMeta) -> crate::rule_meta::RuleOptions {
        crate::rule_meta::RuleOptions::new(meta, |name| self.option(meta.name, name).cloned())
    }

    fn relative(&self, path: &Path) -> Option<PathBuf> {
        crate::fsread::lexical_absolute(path)
            .strip_prefix(&self.root)
            .ok()
            .map(Path::to_path_buf)
    }
}


/// The first config file in `start` or its parents, not looking above the
/// repository root (the directory that holds `.git`).
pub fn discover(start: &Path) -> Option<PathBuf> {
    for dir in crate::fsread::search_ancestors(start) {
        match own_file(&dir) {
            Own::File(file) => return Some(file),
            Own::RepositoryRoot => return None,
            Own::None => {}
        }
    }
    None
}

/// `path` is named like a configuration file (`.opslint.yaml`, …).
pub fn is_config_file(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| CONFIG_FILE_NAMES.contains(&n))
}

/// What one directory says about its configuration.
enum Own {
    /// It holds a configuration file.
    File(PathBuf),
    /// It holds none and is the repository root: the search stops.
    RepositoryRoot,
    /// It holds none: the search goes on in its parent.
    None,
}

fn own_file(dir: &Path) -> Own {
    match CONFIG_FILE_NAMES.iter().map(|name| dir.join(name)).find(|c| c.is_file()) {
        Some(file) => Own::File(file),
        None if dir.join(".git").exists() => Own::RepositoryRoot,
        None => Own::None,
    }
}

/// Which configuration applies to each directory of a run: `--config`, when
/// given, for all; else the `.opslint.yaml` nearest to it (its own, else its
/// parent's, up to the repository root, as [`discover`] searches). Each
/// directory is looked at once. The walk asks it what `exclude:` leaves out
/// (a subdirectory's globs apply whatever path the run started from, and a
/// parent's stop where a nearer configuration begins, as ruff resolves
/// them), and the run groups the files it found by the same answer.
pub struct DirectoryConfigs {
    explicit: Option<std::sync::Arc<Config>>,
    /// `--exclude`: replaces every configuration's `exclude:`.
    replace: Option<Config>,
    /// `--extend-exclude`: excludes besides the configurations' `exclude:`.
    extend: Option<Config>,
    /// The rules a configuration may name.
    rules: Vec<&'static RuleMeta>,
    by_dir: std::sync::Mutex<HashMap<PathBuf, Option<Nearest>>>,
}

/// A directory's nearest configuration file, and what it loaded to (`None`:
/// it does not load, which excludes nothing; the run reports it when it
/// checks that directory's files).
#[derive(Clone)]
pub struct Nearest {
    pub file: PathBuf,
    config: Option<std::sync::Arc<Config>>,
}

impl DirectoryConfigs {
    /// `explicit`: the configuration given by `--config`.
    pub fn new(explicit: Option<Config>, rules: Vec<&'static RuleMeta>) -> DirectoryConfigs {
        DirectoryConfigs {
            explicit: explicit.map(std::sync::Arc::new),
            replace: None,
            extend: None,
            rules,
            by_dir: Default::default(),
        }
    }

    /// With the command line's `--exclude` (`replace`, instead of the
    /// configurations' `exclude:`) and `--extend-exclude` (`extend`, besides
    /// them); see [`Config::excluding`].
    pub fn with_command_line(mut self, replace: Option<Config>, extend: Option<Config>) -> DirectoryConfigs {
        self.replace = replace;
        self.extend = extend;
        self
    }

    /// `path` (a file or a directory met while walking, or a path given) is
    /// excluded by the configuration that applies to its directory.
    pub fn is_excluded(&self, path: &Path) -> bool {
        if self.extend.as_ref().is_some_and(|c| c.is_excluded(path)) {
            return true;
        }
        if let Some(replace) = &self.replace {
            return replace.is_excluded(path);
        }
        let config = match &self.explicit {
            Some(config) => Some(config.clone()),
            None => self.nearest(parent_dir(path)).and_then(|n| n.config),
        };
        config.is_some_and(|c| c.is_excluded(path))
    }

    /// The configuration file nearest to `dir` (not `--config`'s).
    pub fn nearest(&self, dir: &Path) -> Option<Nearest> {
        let dir = crate::fsread::lexical_absolute(dir);
        if let Some(found) = self.by_dir.lock().ok().and_then(|m| m.get(&dir).cloned()) {
            return found;
        }
        let found = match own_file(&dir) {
            Own::File(file) => {
                let config = load_found(&file, &self.rules).ok().map(std::sync::Arc::new);
                Some(Nearest { file, config })
            }
            Own::RepositoryRoot => None,
            Own::None => dir.parent().and_then(|parent| self.nearest(parent)),
        };
        if let Ok(mut m) = self.by_dir.lock() {
            m.insert(dir, found.clone());
        }
        found
    }
}

/// The directory `path` is listed in (`.` for a bare name).
pub fn parent_dir(path: &Path) -> &Path {
    path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// [`load`] of a configuration file found by the search, not named by the
/// user: a link that leads out of the repository it was found in (else out of
/// its own directory) is refused without being read, so nothing outside the
/// tree reaches an error message.
pub fn load_found(path: &Path, rules: &[&'static RuleMeta]) -> Result<Config, ConfigError> {
    let top = crate::fsread::repository_top(parent_dir(path));
    if let Err(e @ crate::fsread::ReadError::OutsideRoot { .. }) = crate::fsread::confine(&top, path) {
        return Err(ConfigError {
            path: path.to_path_buf(),
            problems: vec![ConfigProblem {
                line: 0,
                column: 0,
                message: format!("cannot read: the configuration file {e}; not read"),
            }],
        });
    }
    load(path, rules)
}

pub fn load(path: &Path, rules: &[&'static RuleMeta]) -> Result<Config, ConfigError> {
    let io_error = |message: String| ConfigError {
        path: path.to_path_buf(),
        problems: vec![ConfigProblem {
            line: 0,
            column: 0,
            message,
        }],
    };
    let bytes = crate::fsread::read_bounded(path, MAX_CONFIG_SIZE).map_err(|e| match e {
        crate::fsread::ReadError::TooLarge { .. } => io_error(format!(
            "config file is larger than {} KiB",
            MAX_CONFIG_SIZE / 1024
        )),
        other => io_error(format!("cannot read: {other}")),
    })?;
    let text =
        String::from_utf8(bytes).map_err(|_| io_error("config file is not valid UTF-8".into()))?;
    parse(&text, path, rules)
}

pub fn parse(text: &str, path: &Path, rules: &[&'static RuleMeta]) -> Result<Config, ConfigError> {
    let root = path
        .parent()
        .map(crate::fsread::lexical_absolute)
        .unwrap_or_else(|| crate::fsread::lexical_absolute(Path::new(".")));
    let mut config = Config::default_at(&root);
    config.path = Some(path.to_path_buf());
    let mut parser = ConfigParser {
        rules,
        problems: Vec::new(),
    };
    // The shared loader refuses alias bombs and nesting that would exhaust the
    // stack; only then is the text loaded for the configuration's own walk.
    if let Err(e) = crate::lang::yaml::load(text) {
        let lines = crate::source::LineIndex::new(text);
        let at = lines.position(text, e.offset.min(text.len()));
        return Err(ConfigError {
            path: path.to_path_buf(),
            problems: vec![ConfigProblem {
                line: at.line,
                column: at.column,
                message: format!("invalid YAML: {}", e.message),
            }],
        });
    }
    let docs = match MarkedYaml::load_from_str(text) {
        Ok(docs) => docs,
        Err(e) => {
            let m = e.marker();
            return Err(ConfigError {
                path: path.to_path_buf(),
                problems: vec![ConfigProblem {
                    line: m.line(),
                    column: m.col() + 1,
                    message: format!("invalid YAML: {}", e.info()),
                }],
            });
        }
    };
    if docs.len() > 1 {
        parser.problem(&docs[1], "a config file holds one YAML document".into());
    }
    if let Some(doc) = docs.first() {
        parser.top_level(doc, &mut config);
    }
    if parser.problems.is_empty() {
        Ok(config)
    } else {
        parser.problems.sort_by_key(|p| (p.line, p.column));
        Err(ConfigError {
            path: path.to_path_buf(),
            problems: parser.problems,
        })
    }
}

struct ConfigParser<'a> {
    rules: &'a [&'static RuleMeta],
    problems: Vec<ConfigProblem>,
}

fn kind_name(node: &MarkedYaml<'_>) -> &'static str {
    match &node.data {
        YamlData::Mapping(_) => "a mapping",
        YamlData::Sequence(_) => "a list",
        YamlData::Value(Scalar::Null) => "null",
        YamlData::Value(Scalar::String(_)) | YamlData::Representation(..) => "a string",
        YamlData::Value(Scalar::Boolean(_)) => "a boolean",
        YamlData::Value(Scalar::Integer(_)) | YamlData::Value(Scalar::FloatingPoint(_)) => {
            "a number"
        }
        YamlData::Tagged(..) => "a tagged value",
        YamlData::Alias(_) => "an alias",
        _ => "an invalid value",
    }
}

/// A scalar's text (strings, numbers and booleans alike).
fn scalar_text(node: &MarkedYaml<'_>) -> Option<String> {
    match &node.data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        YamlData::Value(Scalar::Integer(i)) => Some(i.to_string()),
        YamlData::Value(Scalar::FloatingPoint(f)) => Some(f.to_string()),
        YamlData::Value(Scalar::Boolean(b)) => Some(b.to_string()),
        YamlData::Representation(s, _, _) => Some(s.to_string()),
        _ => None,
    }
}

fn string(node: &MarkedYaml<'_>) -> Option<String> {
    match &node.data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        YamlData::Representation(s, _, _) => Some(s.to_string()),
        _ => None,
    }
}

impl ConfigParser<'_> {
    fn problem(&mut self, node: &MarkedYaml<'_>, message: String) {
        self.problems.push(ConfigProblem {
            line: node.span.start.line(),
            column: node.span.start.col() + 1,
            message,
        });
    }

    fn top_level(&mut self, doc: &MarkedYaml<'_>, config: &mut Config) {
        let map = match &doc.data {
            YamlData::Mapping(map) => map,
            YamlData::Value(Scalar::Null) => return,
            _ => {
                self.problem(
                    doc,
                    format!("the config must be a mapping, found {}", kind_name(doc)),
                );
                return;
            }
        };
        for (key, value) in map {
            let Some(name) = string(key) else {
                self.problem(
                    key,
                    format!("keys must be strings, found {}", kind_name(key)),
                );
                continue;
            };
            match name.as_str() {
                "exclude" => {
                    let globs = self.string_list(value, "exclude");
                    config.exclude = self.globset(&globs);
                }
                "extend-select" => {
                    for (name, at) in self.string_list(value, "extend-select") {
                        if self.rules.iter().any(|m| m.name == name) {
                            if !config.extend_select.contains(&name) {
                                config.extend_select.push(name);
                            }
                        } else {
                            let message = self.unknown_rule(&name);
                            self.problem(at, message);
                        }
                    }
                }
                "rules" => self.rules_section(value, config),
                "per-file-ignores" => self.per_file_ignores(value, config),
                "target" => config.target = self.target(value),
                "manifests" => {
                    let root = config.root.clone();
                    let mut manifests = Vec::new();
                    for (p, item) in self.string_list(value, "manifests") {
                        let path = root.join(&p);
                        // A configuration from the checked tree must not make
                        // opslint read (and echo) files outside it.
                        match crate::fsread::confine(&root, &path) {
                            Err(e @ crate::fsread::ReadError::OutsideRoot { .. }) => self.problem(
                                item,
                                format!("manifest `{p}` {e}; not read (manifests must be inside the configuration's directory)"),
                            ),
                            _ => manifests.push(path),
                        }
                    }
                    config.manifests = manifests;
                }
                other => {
                    let hint = closest(other, TOP_LEVEL_KEYS.iter().copied())
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_else(|| {
                            format!(
                                "; known keys: {}",
                                backticked(TOP_LEVEL_KEYS.iter().copied())
                            )
                        });
                    self.problem(key, format!("unknown key `{other}`{hint}"));
                }
            }
        }
    }

    /// A list of strings (a single string is accepted as a one-item list).
    fn string_list<'n>(
        &mut self,
        node: &'n MarkedYaml<'n>,
        what: &str,
    ) -> Vec<(String, &'n MarkedYaml<'n>)> {
        match &node.data {
            YamlData::Sequence(items) => items
                .iter()
                .filter_map(|item| match string(item) {
                    Some(s) => Some((s, item)),
                    None => {
                        self.problem(
                            item,
                            format!(
                                "`{what}` entries must be strings, found {}",
                                kind_name(item)
                            ),
                        );
                        None
                    }
                })
                .collect(),
            _ => match string(node) {
                Some(s) => vec![(s, node)],
                None => {
                    self.problem(
                        node,
                        format!(
                            "`{what}` must be a list of strings, found {}",
                            kind_name(node)
                        ),
                    );
                    Vec::new()
                }
            },
        }
    }

    fn globset(&mut self, globs: &[(String, &MarkedYaml<'_>)]) -> GlobSet {
        let mut builder = GlobSetBuilder::new();
        for (pattern, node) in globs {
            match compile_glob(pattern) {
                Ok(compiled) => {
                    for g in compiled {
                        builder.add(g);
                    }
                }
                Err(e) => self.problem(node, format!("invalid glob `{pattern}`: {e}")),
            }
        }
        builder.build().unwrap_or_else(|_| GlobSet::empty())
    }

    /// `target: {microk8s: "1.34"}` or `target: {snap-revision: 8695}`.
    fn target(
        &mut self,
        node: &MarkedYaml<'_>,
    ) -> Option<(crate::target::TargetSpec, usize, usize)> {
        use crate::target::TargetSpec;
        let YamlData::Mapping(map) = &node.data else {
            self.problem(
                node,
                format!(
                    "`target` must be a mapping such as `{{microk8s: \"1.34\"}}`, found {}",
                    kind_name(node)
                ),
            );
            return None;
        };
        let mut spec = None;
        for (key, value) in map {
            let at = (value.span.start.line(), value.span.start.col() + 1);
            match string(key).as_deref() {
                Some("microk8s") => match scalar_text(value) {
                    Some(v) => spec = Some((TargetSpec::MicroK8s(v), at.0, at.1)),
                    None => self.problem(
                        value,
                        "`microk8s` must be a version such as \"1.34\" or \"1.34.5\"".into(),
                    ),
                },
                Some("snap-revision") => {
                    match scalar_text(value).and_then(|v| v.parse::<u64>().ok()) {
                        Some(rev) => spec = Some((TargetSpec::SnapRevision(rev), at.0, at.1)),
                        None => self.problem(
                            value,
                            "`snap-revision` must be a revision number such as 8695".into(),
                        ),
                    }
                }
                _ => self.problem(
                    key,
                    "unknown key in `target`; use `microk8s` or `snap-revision`".into(),
                ),
            }
        }
        spec
    }

    fn unknown_rule(&self, name: &str) -> String {
        let hint = closest(name, self.rules.iter().map(|m| m.name))
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_else(|| "; `opslint rules` lists every rule".into());
        format!("unknown rule `{name}`{hint}")
    }

    fn rule_meta(&mut self, node: &MarkedYaml<'_>) -> Option<&'static RuleMeta> {
        let name = string(node)?;
        match self.rules.iter().find(|m| m.name == name) {
            Some(meta) => Some(*meta),
            None => {
                let message = self.unknown_rule(&name);
                self.problem(node, message);
                None
            }
        }
    }

    fn rules_section(&mut self, node: &MarkedYaml<'_>, config: &mut Config) {
        let YamlData::Mapping(map) = &node.data else {
            if !matches!(node.data, YamlData::Value(Scalar::Null)) {
                self.problem(
                    node,
                    format!(
                        "`rules` must be a mapping of rule names, found {}",
                        kind_name(node)
                    ),
                );
            }
            return;
        };
        for (key, value) in map {
            if string(key).is_none() {
                self.problem(
                    key,
                    format!("rule names must be strings, found {}", kind_name(key)),
                );
                continue;
            }
            let Some(meta) = self.rule_meta(key) else {
                continue;
            };
            let settings = config.rules.entry(meta.name.to_string()).or_default();
            let YamlData::Mapping(options) = &value.data else {
                if !matches!(value.data, YamlData::Value(Scalar::Null)) {
                    self.problem(
                        value,
                        format!(
                            "settings of `{}` must be a mapping, found {}",
                            meta.name,
                            kind_name(value)
                        ),
                    );
                }
                continue;
            };
            for (okey, ovalue) in options {
                let Some(oname) = string(okey) else {
                    self.problem(
                        okey,
                        format!("option names must be strings, found {}", kind_name(okey)),
                    );
                    continue;
                };
                if oname == "severity" {
                    match string(ovalue).as_deref() {
                        Some("off") => settings.severity = Some(SeveritySetting::Off),
                        Some(s) if Severity::parse(s).is_some() => {
                            settings.severity = Severity::parse(s).map(SeveritySetting::Level);
                        }
                        _ => self.problem(
                            ovalue,
                            format!(
                                "`severity` must be one of `error`, `warning`, `info`, `off`; found `{}`",
                                scalar_text(ovalue).unwrap_or_else(|| kind_name(ovalue).into())
                            ),
                        ),
                    }
                    continue;
                }
                let Some(option) = meta.options.iter().find(|o| o.name == oname) else {
                    let known = if meta.options.is_empty() {
                        "it has only `severity`".to_string()
                    } else {
                        format!(
                            "known: `severity`, {}",
                            backticked(meta.options.iter().map(|o| o.name))
                        )
                    };
                    self.problem(
                        okey,
                        format!("unknown option `{oname}` for rule `{}`; {known}", meta.name),
                    );
                    continue;
                };
                let Some(value_text) = scalar_text(ovalue) else {
                    self.problem(
                        ovalue,
                        format!(
                            "option `{oname}` must be a scalar, found {}",
                            kind_name(ovalue)
                        ),
                    );
                    continue;
                };
                match option.kind.parse(&value_text) {
                    Ok(value) => {
                        settings.options.insert(oname, value);
                    }
                    Err(reason) => self.problem(ovalue, format!("invalid value for `{oname}`: {reason}")),
                }
            }
        }
    }

    fn per_file_ignores(&mut self, node: &MarkedYaml<'_>, config: &mut Config) {
        let YamlData::Mapping(map) = &node.data else {
            if !matches!(node.data, YamlData::Value(Scalar::Null)) {
                self.problem(
                    node,
                    format!(
                        "`per-file-ignores` must map globs to rule lists, found {}",
                        kind_name(node)
                    ),
                );
            }
            return;
        };
        for (key, value) in map {
            let Some(pattern) = string(key) else {
                self.problem(
                    key,
                    format!("globs must be strings, found {}", kind_name(key)),
                );
                continue;
            };
            let set = self.globset(&[(pattern, key)]);
            let mut names = Vec::new();
            let entries: Vec<(String, &MarkedYaml<'_>)> = match string(value) {
                // "a,b" as a single string.
                Some(list) => list
                    .split(',')
                    .map(|s| (s.trim().to_string(), value))
                    .filter(|(s, _)| !s.is_empty())
                    .collect(),
                None => self.string_list(value, "per-file-ignores"),
            };
            for (name, at) in entries {
                if self.rules.iter().any(|m| m.name == name) {
                    names.push(name);
                } else {
                    let message = self.unknown_rule(&name);
                    self.problem(at, message);
                }
            }
            config.per_file_ignores.push((set, names));
        }
    }
}

/// A glob without `/` matches a file or directory name at any depth (like
/// `.gitignore`); one with `/` is anchored at the config's directory. Either way a
/// matching directory matches everything below it.
fn compile_glob(pattern: &str) -> Result<Vec<Glob>, globset::Error> {
    let trimmed = pattern
        .trim_start_matches("./")
        .trim_start_matches('/')
        .trim_end_matches('/');
    let base = if trimmed.contains('/') {
        trimmed.to_string()
    } else {
        format!("**/{trimmed}")
    };
    let build = |p: &str| GlobBuilder::new(p).literal_separator(true).build();
    Ok(vec![build(&base)?, build(&format!("{base}/**"))?])
}

fn backticked<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Vec<&'static RuleMeta> {
        crate::rules::all_meta()
    }

    fn parse_at(root: &Path, text: &str) -> Result<Config, ConfigError> {
        parse(text, &root.join(".opslint.yaml"), &rules())
    }

    #[test]
    fn globs_match_like_gitignore() {
        let root = Path::new("/repo");
        let c = parse_at(
            root,
            "exclude: [\"*.gen.sh\", \"build\", \"/scripts/old/*.sh\"]\nper-file-ignores:\n  \"legacy/**\": kubectl-request-timeout, invalid-suppression\n",
        )
        .expect("valid");
        assert!(c.is_excluded(Path::new("/repo/a/b/x.gen.sh")));
        assert!(c.is_excluded(Path::new("/repo/sub/build/deep/y.sh")));
        assert!(c.is_excluded(Path::new("/repo/scripts/old/z.sh")));
        assert!(!c.is_excluded(Path::new("/repo/other/scripts/old/z.sh")));
        assert!(!c.is_excluded(Path::new("/repo/scripts/old/deeper/z.sh")));
        assert!(!c.is_excluded(Path::new("/elsewhere/x.gen.sh")));
        assert_eq!(
            c.ignored_rules(Path::new("/repo/legacy/a/check.sh")),
            ["kubectl-request-timeout", "invalid-suppression"]
        );
        assert!(c.ignored_rules(Path::new("/repo/new/check.sh")).is_empty());
    }

    #[test]
    fn severities_and_options() {
        let c = parse_at(
            Path::new("/r"),
            "rules:\n  kubectl-request-timeout:\n    severity: off\n    timeout: 15\n  invalid-suppression:\n    severity: error\n",
        )
        .expect("valid");
        assert_eq!(c.severity("kubectl-request-timeout", Severity::Error), None);
        assert_eq!(
            c.severity("invalid-suppression", Severity::Warning),
            Some(Severity::Error)
        );
        assert_eq!(
            c.severity("shell-parse-error", Severity::Info),
            Some(Severity::Info)
        );
        let timeout = c.rule_options(crate::rules::by_name("kubectl-request-timeout").unwrap().meta());
        assert_eq!(timeout.duration("timeout").text, "15");
        assert_eq!(timeout.duration("timeout").value, std::time::Duration::from_secs(15));
    }

    #[test]
    fn option_values_are_validated_by_their_kind() {
        let err = parse_at(
            Path::new("/r"),
            "rules:\n  nrpe-timeout-budget:\n    checks: \"checks/*.sh, bin/[\"\n",
        )
        .expect_err("an invalid glob");
        assert!(
            err.problems[0].message.starts_with("invalid value for `checks`: `bin/[` is not a glob"),
            "{}",
            err.problems[0].message
        );
        let c = parse_at(
            Path::new("/r"),
            "rules:\n  nrpe-timeout-budget:\n    checks: \"checks/*.sh, bin/check_*\"\n",
        )
        .expect("valid globs");
        let options = c.rule_options(crate::rules::by_name("nrpe-timeout-budget").unwrap().meta());
        let checks = options.globs("checks").expect("two globs");
        assert!(checks.is_match("checks/a.sh") && checks.is_match("bin/check_x"));
        assert!(!checks.is_match("bin/other"));
        let defaults = Config::default_at(Path::new("/r"));
        let options = defaults.rule_options(crate::rules::by_name("nrpe-timeout-budget").unwrap().meta());
        assert!(options.globs("checks").is_none());
        assert_eq!(options.duration("default-budget").value, std::time::Duration::from_secs(10));
    }

    #[test]
    fn empty_comment_only_and_null_files_are_defaults() {
        for text in ["", "# nothing\n", "~\n", "---\n"] {
            let c = parse_at(Path::new("/r"), text).expect("valid");
            assert!(!c.is_excluded(Path::new("/r/x.sh")));
        }
    }

    #[test]
    fn wrong_shapes_are_errors_with_positions() {
        let err = parse_at(Path::new("/r"), "- a\n- b\n").expect_err("a list is not a config");
        assert_eq!(err.problems[0].line, 1);
        let err = parse_at(
            Path::new("/r"),
            "exclude: {a: 1}\nrules: 3\nper-file-ignores: [x]\n",
        )
        .expect_err("bad");
        let lines: Vec<usize> = err.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [1, 2, 3]);
        let err = parse_at(Path::new("/r"), "exclude: [\"a/[\"]\n").expect_err("bad glob");
        assert!(
            err.problems[0].message.starts_with("invalid glob `a/[`"),
            "{}",
            err.problems[0].message
        );
    }

    #[test]
    fn discovery_stops_at_the_repository_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outer = dir.path();
        std::fs::write(outer.join(".opslint.yaml"), "").expect("write");
        let repo = outer.join("repo");
        std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
        std::fs::create_dir_all(repo.join("a/b")).expect("mkdir");
        // The config above the repository is not used.
        assert_eq!(discover(&repo.join("a/b")), None);
        std::fs::write(repo.join("a/.opslint.yml"), "").expect("write");
        assert_eq!(
            discover(&repo.join("a/b")),
            Some(repo.join("a/.opslint.yml"))
        );
        // Outside any repository the search goes up to the filesystem root.
        let plain = outer.join("plain/x");
        std::fs::create_dir_all(&plain).expect("mkdir");
        assert_eq!(discover(&plain), Some(outer.join(".opslint.yaml")));
    }
}
