//! Diagnostics: what rules emit and what reporters and the LSP server consume.

use crate::source::Span;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Keeps the meaning of the file except for the flagged problem.
    Safe,
    /// Probably right, but may change behaviour beyond the flagged call.
    Unsafe,
}

/// Replace `span` of the host file with `content`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub content: String,
}

impl Edit {
    pub fn insertion(at: usize, content: impl Into<String>) -> Self {
        Edit {
            span: Span::new(at, at),
            content: content.into(),
        }
    }
    pub fn replacement(span: Span, content: impl Into<String>) -> Self {
        Edit {
            span,
            content: content.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub applicability: Applicability,
    pub description: Box<str>,
    pub edits: Vec<Edit>,
}

/// A secondary location shown with the diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub span: Span,
    /// Boxed (no spare capacity): 900,000 findings are kept until rendered.
    pub message: Box<str>,
    /// Shared: a rule gives every finding of a file the same help text
    /// (900,000 findings kept 225 MB of copies).
    pub help: Option<std::sync::Arc<str>>,
    pub labels: Vec<Label>,
    /// Boxed: most findings have none, and the finding stays small.
    pub fix: Option<Box<Fix>>,
}

impl Diagnostic {
    pub fn new(
        rule: &'static str,
        severity: Severity,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            rule,
            severity,
            span,
            message: message.into().into_boxed_str(),
            help: None,
            labels: Vec::new(),
            fix: None,
        }
    }
    pub fn with_help(mut self, help: impl Into<std::sync::Arc<str>>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(Box::new(fix));
        self
    }
}
