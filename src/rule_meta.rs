//! Rule metadata: the one source of truth for `opslint rules`, `opslint rule NAME`,
//! `docs/rules/`, the JSON/SARIF rule tables and config validation.

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// A Go-style duration such as `10s` (see `crate::duration::parse_go_duration`).
    Duration,
    String,
    Integer,
    Bool,
    /// Comma-separated globs (`checks/*.sh, bin/check_*`).
    Globs,
}

impl OptionKind {
    /// The value `text` gives an option of this kind: the one reading of an
    /// option, by which the configuration is validated and rules get their
    /// options.
    pub fn parse(self, text: &str) -> Result<OptionValue, String> {
        match self {
            OptionKind::Duration => match crate::duration::parse_go_duration(text) {
                Ok(d) if d.is_zero() => Err("must be greater than zero".into()),
                Ok(value) => Ok(OptionValue::Duration(DurationOption { text: text.to_string(), value })),
                Err(e) => Err(e),
            },
            OptionKind::Integer => text
                .parse::<i64>()
                .map(OptionValue::Integer)
                .map_err(|_| format!("`{text}` is not an integer")),
            OptionKind::Bool => match text {
                "true" => Ok(OptionValue::Bool(true)),
                "false" => Ok(OptionValue::Bool(false)),
                _ => Err(format!("`{text}` is not `true` or `false`")),
            },
            OptionKind::String => Ok(OptionValue::String(text.to_string())),
            OptionKind::Globs => {
                let mut builder = globset::GlobSetBuilder::new();
                let mut empty = true;
                for pattern in text.split(',').map(str::trim).filter(|g| !g.is_empty()) {
                    let glob = globset::Glob::new(pattern).map_err(|e| format!("`{pattern}` is not a glob: {}", e.kind()))?;
                    builder.add(glob);
                    empty = false;
                }
                let set = builder.build().map_err(|e| e.to_string())?;
                Ok(OptionValue::Globs((!empty).then_some(set)))
            }
        }
    }
}

/// A duration option: its value, and its text as written (what a fix inserts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationOption {
    pub text: String,
    pub value: std::time::Duration,
}

/// The value of an option, of its kind.
#[derive(Debug, Clone)]
pub enum OptionValue {
    Duration(DurationOption),
    String(String),
    Integer(i64),
    Bool(bool),
    /// `None` when no glob is given.
    Globs(Option<globset::GlobSet>),
}

/// Every option of one rule, typed: the configured value, else the
/// documented default.
#[derive(Debug, Clone)]
pub struct RuleOptions {
    rule: &'static str,
    values: Vec<(&'static str, OptionValue)>,
}

impl RuleOptions {
    /// The options of `meta`: `configured(name)` where the configuration
    /// gives a value (already validated), else the option's default.
    pub fn new(meta: &'static RuleMeta, configured: impl Fn(&str) -> Option<OptionValue>) -> RuleOptions {
        let values = meta
            .options
            .iter()
            .map(|o| {
                let value = configured(o.name).unwrap_or_else(|| {
                    o.kind.parse(o.default).unwrap_or_else(|e| {
                        panic!("the default of option `{}` of `{}` is invalid: {e}", o.name, meta.name)
                    })
                });
                (o.name, value)
            })
            .collect();
        RuleOptions { rule: meta.name, values }
    }

    fn value(&self, name: &str) -> &OptionValue {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("`{}` has no option `{name}`", self.rule))
    }

    /// The duration option `name` of the rule.
    pub fn duration(&self, name: &str) -> &DurationOption {
        match self.value(name) {
            OptionValue::Duration(d) => d,
            other => panic!("option `{name}` of `{}` is not a duration: {other:?}", self.rule),
        }
    }

    /// The globs option `name` of the rule (`None`: no glob given).
    pub fn globs(&self, name: &str) -> Option<&globset::GlobSet> {
        match self.value(name) {
            OptionValue::Globs(g) => g.as_ref(),
            other => panic!("option `{name}` of `{}` is not a list of globs: {other:?}", self.rule),
        }
    }
}

#[derive(Debug)]
pub struct RuleOption {
    pub name: &'static str,
    pub kind: OptionKind,
    pub default: &'static str,
    pub description: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixKind {
    None,
    /// Some diagnostics carry a fix; `Safe` means the usual case is safe.
    Safe,
    Unsafe,
}

#[derive(Debug)]
pub struct RuleMeta {
    /// kebab-case name used everywhere (CLI, config, directives, output).
    pub name: &'static str,
    pub default_severity: Severity,
    /// One line, no trailing period.
    pub summary: &'static str,
    /// Markdown with the sections *What it does*, *Why is this bad?*, *Example*,
    /// *Use instead*, *Fix*, *Options*, *References*.
    pub docs: &'static str,
    pub options: &'static [RuleOption],
    pub fix: FixKind,
}

impl RuleMeta {
    /// A finding of this rule at `span`, with the rule's default severity.
    pub fn report(&'static self, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.name, self.default_severity, span, message)
    }

    /// A finding of this rule at `span`, with `severity` instead of the
    /// rule's default.
    pub fn report_as(&'static self, severity: Severity, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.name, severity, span, message)
    }
}
