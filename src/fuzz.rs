//! Fuzzing entry points, shared by the `cargo fuzz` targets (`fuzz/`) and the
//! fuzz smoke test that runs in CI (`tests/fuzz_smoke.rs`). Each takes
//! arbitrary bytes, must never panic, and checks the invariants the rest of the
//! tool relies on: diagnostics and fix edits lie inside the text on character
//! boundaries, fixes never overlap and always leave valid text, reporters render
//! every diagnostic.

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::lang::Language;
use crate::linter::{FileReport, Linter};
use crate::source::SourceFile;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn linter() -> &'static Linter {
    static LINTER: OnceLock<Linter> = OnceLock::new();
    LINTER.get_or_init(|| {
        // Every rule, the opt-in ones too.
        let all: Vec<String> = crate::rules::ALL
            .iter()
            .map(|r| r.meta().name.to_string())
            .collect();
        Linter::new(Config::default_at(Path::new(".")), Some(&all), &[])
            .expect("the registry's own rule names")
    })
}

fn check_diagnostics(text: &str, diagnostics: &[Diagnostic]) {
    let inside = |s: crate::source::Span| {
        s.start <= s.end
            && s.end <= text.len()
            && text.is_char_boundary(s.start)
            && text.is_char_boundary(s.end)
    };
    for d in diagnostics {
        assert!(inside(d.span), "{}: span {:?} outside the text", d.rule, d.span);
        for l in &d.labels {
            assert!(inside(l.span), "{}: label {:?} outside the text", d.rule, l.span);
        }
        if let Some(fix) = &d.fix {
            for e in &fix.edits {
                assert!(inside(e.span), "{}: edit {:?} outside the text", d.rule, e.span);
            }
        }
    }
    // All fixes at once: the engine refuses overlaps; the result is valid text
    // that can be analysed again.
    let fixes: Vec<&crate::diagnostic::Fix> = diagnostics.iter().filter_map(|d| d.fix.as_deref()).collect();
    let applied = crate::fix::apply(text, fixes.iter().copied(), true);
    assert!(applied.applied() + applied.skipped <= fixes.len());
}

/// Lints `data` as a file of `language` named `name`, checks the invariants
/// and renders it with every reporter.
pub fn lint_as(language: Language, name: &str, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = SourceFile::new(PathBuf::from(name), text.to_string());
    let diagnostics = linter().lint_source(&source, language);
    check_diagnostics(text, &diagnostics);
    let report = FileReport {
        path: PathBuf::from(name),
        source,
        diagnostics,
        language: Some(language),
    };
    for format in [
        crate::report::Format::Text {
            color: false,
            quiet: false,
            show_fixes: true,
        },
        crate::report::Format::Json,
        crate::report::Format::Sarif,
        crate::report::Format::Github,
        crate::report::Format::Gitlab,
        crate::report::Format::Junit,
    ] {
        let out = format.render(std::slice::from_ref(&report));
        assert!(!out.is_empty() || report.diagnostics.is_empty() || format == crate::report::Format::Github);
    }
}

pub fn shell(data: &[u8]) {
    lint_as(Language::Shell, "check.sh", data);
}

pub fn shell_template(data: &[u8]) {
    lint_as(Language::ShellTemplate, "check.sh.j2", data);
}

pub fn ansible(data: &[u8]) {
    lint_as(Language::Yaml, "roles/r/tasks/main.yml", data);
}

pub fn args_file(data: &[u8]) {
    lint_as(Language::ArgsFile, "args/k8s-dqlite", data);
    lint_as(Language::ArgsFile, "args/kubelet", data);
}

pub fn nrpe(data: &[u8]) {
    lint_as(Language::NrpeConfig, "nrpe.d/checks.cfg", data);
}

/// `.opslint.yaml`: parsed or refused with positioned problems, never a panic.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let rules = crate::rules::all_meta();
    if let Err(e) = crate::config::parse(text, Path::new(".opslint.yaml"), &rules) {
        assert!(!e.problems.is_empty());
    }
}

/// LSP framing and JSON-RPC decoding of arbitrary bytes.
pub fn lsp_message(data: &[u8]) {
    let mut input = std::io::BufReader::new(data);
    // Every frame consumes input, so this ends.
    for _ in 0..64 {
        match crate::lsp::transport::read_frame(&mut input) {
            Ok(Some(Ok(body))) => {
                let _ = crate::lsp::transport::parse(&body);
            }
            Ok(Some(Err(_))) => {}
            Ok(None) | Err(_) => break,
        }
    }
}

/// The fix engine on arbitrary edits: no panic, never overlapping edits
/// applied, and the result is the text with exactly the accepted edits.
pub fn fix_engine(data: &[u8]) {
    use crate::diagnostic::{Applicability, Edit, Fix};
    use crate::source::Span;
    let (head, body) = data.split_at(data.len().min(48));
    let Ok(text) = std::str::from_utf8(body) else {
        return;
    };
    let len = text.len().max(1);
    let fixes: Vec<Fix> = head
        .chunks(6)
        .map(|c| {
            let a = usize::from(c[0]) * len / 256;
            let b = a + usize::from(*c.get(1).unwrap_or(&0)) % 8;
            let content = match c.get(2).copied().unwrap_or(0) % 4 {
                0 => String::new(),
                1 => " --request-timeout=10s".to_string(),
                2 => "é\n".to_string(),
                _ => "x".repeat(usize::from(*c.get(3).unwrap_or(&1)) % 5),
            };
            Fix {
                applicability: if c.get(4).is_some_and(|v| v % 2 == 0) {
                    Applicability::Safe
                } else {
                    Applicability::Unsafe
                },
                description: "".into(),
                edits: vec![Edit::replacement(Span::new(a, b), content)],
            }
        })
        .collect();
    let applied = crate::fix::apply(text, &fixes, true);
    assert!(applied.applied() + applied.skipped <= fixes.len());
    // Applying nothing is the identity.
    assert_eq!(crate::fix::apply(text, &[], true).text, text);
}
