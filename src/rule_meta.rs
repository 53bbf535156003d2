//! Rule metadata: the one source of truth for `opslint rules`, `opslint rule NAME`,
//! `docs/rules/`, the JSON/SARIF rule tables and config validation.

use crate::diagnostic::Severity;

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
