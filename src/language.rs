//! What a file is to opslint, from its name or shebang: which front-end reads it.

use std::path::Path;

/// What a file is, decided from its name and (for extension-less files) its shebang.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Language {
    Shell,
    /// A shell script that is a Jinja2 template (`*.sh.j2`).
    ShellTemplate,
    NrpeConfig,
    NrpeConfigTemplate,
    /// YAML: Ansible roles, playbooks and task files (other YAML yields no facts).
    Yaml,
    /// A MicroK8s daemon args file (`…/args/k8s-dqlite`) or its `.j2` template.
    ArgsFile,
}

impl Language {
    pub fn name(self) -> &'static str {
        match self {
            Language::Shell => "shell",
            Language::ShellTemplate => "shell template",
            Language::NrpeConfig => "NRPE config",
            Language::NrpeConfigTemplate => "NRPE config template",
            Language::Yaml => "YAML",
            Language::ArgsFile => "args file",
        }
    }

    /// Classifies by file name alone; `None` means the content decides (shebang)
    /// or the file is not ours.
    pub fn from_path(path: &Path) -> Option<Language> {
        if crate::microk8s::args_file_of(path).is_some() {
            return Some(Language::ArgsFile);
        }
        let name = path.file_name()?.to_str()?;
        let lower = name.to_ascii_lowercase();
        for (suffix, lang) in [
            (".sh.j2", Language::ShellTemplate),
            (".bash.j2", Language::ShellTemplate),
            (".cfg.j2", Language::NrpeConfigTemplate),
            (".sh", Language::Shell),
            (".bash", Language::Shell),
            (".cfg", Language::NrpeConfig),
            (".yml", Language::Yaml),
            (".yaml", Language::Yaml),
        ] {
            if lower.ends_with(suffix) && lower.len() > suffix.len() {
                return Some(lang);
            }
        }
        None
    }

    /// For a file with no extension: is it a sh/bash/dash/ksh script by its shebang?
    pub fn from_shebang(head: &[u8]) -> Option<Language> {
        let line = head.strip_prefix(b"#!")?;
        let line = &line[..line.iter().position(|&b| b == b'\n').unwrap_or(line.len())];
        let line = std::str::from_utf8(line).ok()?;
        let mut words = line.split_whitespace();
        let mut interpreter = words.next()?.rsplit('/').next()?;
        if interpreter == "env" {
            interpreter = words.find(|w| !w.starts_with('-') && !w.contains('='))?;
        }
        matches!(
            interpreter,
            "sh" | "bash" | "dash" | "ksh" | "mksh" | "ash" | "busybox"
        )
        .then_some(Language::Shell)
    }

    pub fn has_extension(path: &Path) -> bool {
        path.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.trim_start_matches('.').contains('.'))
    }
}
