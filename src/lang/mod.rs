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
use std::collections::HashMap;
use std::path::Path;

pub use crate::language::Language;

/// The project a file is read in, as the caller of a front-end hands it
/// down: the front-ends never look the project up themselves.
pub trait ProjectFacts {
    /// The project's root: other files a file names (`template` sources,
    /// `source`d scripts) are read only inside it.
    fn root(&self) -> &Path;

    /// The tasks of the project that write a mapping variable's entries into
    /// MicroK8s args files, by variable name, sorted by file and line (see
    /// [`ansible::args_dict_loops`]). Asked for only when a YAML file gives a
    /// mapping whose keys name daemons.
    fn args_dict_loops(&self) -> &HashMap<String, Vec<ansible::ArgsDictLoop>>;
}

/// A project known by its root alone: no task of another file is known to
/// write args files.
pub struct RootOnly<'a>(pub &'a Path);

impl ProjectFacts for RootOnly<'_> {
    fn root(&self) -> &Path {
        self.0
    }

    fn args_dict_loops(&self) -> &HashMap<String, Vec<ansible::ArgsDictLoop>> {
        static NONE: std::sync::OnceLock<HashMap<String, Vec<ansible::ArgsDictLoop>>> = std::sync::OnceLock::new();
        NONE.get_or_init(HashMap::new)
    }
}


/// Runs the front-end for `language` over `text` (`path` places Ansible files;
/// `vars` are template variables with known values).
pub fn analyze(language: Language, text: &str, path: &Path, vars: &jinja::Vars) -> FileFacts {
    analyze_in(language, text, path, None, vars)
}

/// [`analyze`] for a file of `project` (other files it names, such as
/// `template` sources, are read only inside its root; without a project, none
/// are).
pub fn analyze_in(
    language: Language,
    text: &str,
    path: &Path,
    project: Option<&dyn ProjectFacts>,
    vars: &jinja::Vars,
) -> FileFacts {
    let mut facts = FileFacts::default();
    // A script's `source`d files are read only inside a known root.
    let sourcing = project.map(|project| shell::Sourcing { path, root: project.root() });
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
        Language::Yaml => ansible::analyze_in(text, path, project, vars, &mut facts),
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
