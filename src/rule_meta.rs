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
