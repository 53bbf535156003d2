//! Front-ends: each turns one kind of file into facts.

pub mod ansible;
pub mod argsfile;
pub mod dqlite;
pub mod jinja;
pub mod launch;
pub mod nrpe;
pub mod shell;
pub mod yaml;

use crate::facts::{Comment, FileFacts};
use crate::source::Span;
use std::path::Path;

pub use crate::language::Language;

/// Runs the front-end for `language` over `text` (`path` places Ansible files;
/// `vars` are template variables with known values).
pub fn analyze(language: Language, text: &str, path: &Path, vars: &jinja::Vars) -> FileFacts {
    analyze_in(language, text, path, None, vars)
}

/// [`analyze`] for a file of the project at `root` (other files it names, such
/// as `template` sources, are read only inside it; without a root, none are).
pub fn analyze_in(
    language: Language,
    text: &str,
    path: &Path,
    root: Option<&Path>,
    vars: &jinja::Vars,
) -> FileFacts {
    let mut facts = FileFacts::default();
    // A script's `source`d files are read only inside a known root.
    let sourcing = root.map(|root| shell::Sourcing { path, root });
    match language {
        Language::Shell => match &sourcing {
            Some(sourcing) => {
                shell::analyze_script(text, text, jinja::Templating::none(), &mut facts, sourcing)
            }
            None => shell::analyze(
                text,
                text,
                Span::new(0, text.len()),
                jinja::Templating::none(),
                &mut facts,
            ),
        },
        Language::ShellTemplate => {
            let masked = jinja::mask(text);
            let templating = jinja::Templating {
                placeholders: &masked.placeholders,
                vars,
            };
            match &sourcing {
                Some(sourcing) => {
                    shell::analyze_script(text, &masked.text, templating, &mut facts, sourcing)
                }
                None => shell::analyze(
                    text,
                    &masked.text,
                    Span::new(0, text.len()),
                    templating,
                    &mut facts,
                ),
            }
        }
        Language::NrpeConfig => nrpe::analyze(text, text, jinja::Templating::none(), &mut facts),
        Language::NrpeConfigTemplate => {
            let masked = jinja::mask(text);
            let templating = jinja::Templating {
                placeholders: &masked.placeholders,
                vars,
            };
            nrpe::analyze(text, &masked.text, templating, &mut facts);
        }
        Language::Yaml => ansible::analyze_in(text, path, root, vars, &mut facts),
        Language::ArgsFile => argsfile::analyze(text, path, &mut facts),
    }
    facts.commands.sort_by_key(|c| (c.span.start, c.span.end));
    facts
}

/// `#` comments of a line-oriented format: lines whose first non-blank character
/// is `#`, and with `trailing`, a ` #` later on a line outside quotes (YAML).
pub(crate) fn hash_comments(host: &str, trailing: bool) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in host.split_inclusive('\n') {
        let end = offset + line.trim_end_matches(['\n', '\r']).len();
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') {
            out.push(Comment {
                span: Span::new(offset + (line.len() - trimmed.len()), end),
                own_line: true,
            });
        } else if trailing && let Some(i) = line.find(" #") {
            let before = &line[..i];
            if before.matches('"').count() % 2 == 0 && before.matches('\'').count() % 2 == 0 {
                out.push(Comment {
                    span: Span::new(offset + i + 1, end),
                    own_line: false,
                });
            }
        }
        offset += line.len();
    }
    out
}
