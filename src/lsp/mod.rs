//! `opslint server`: the Language Server Protocol over stdio.
//!
//! One loop on the main thread. Messages that arrive together are handled
//! together and only then are the changed documents analysed (once each, on
//! their newest text): a burst of keystrokes costs one analysis, and a lone
//! change is analysed at once. Diagnostics are pushed (`publishDiagnostics`)
//! unless the client asks for them (`textDocument/diagnostic`, when it says it
//! can); code actions offer each finding's fix and a suppression comment; hover
//! shows the finding (rule, summary, message, help, fix) and where the rule's
//! full documentation is. `.opslint.yaml` is re-read when it changes;
//! a broken one is shown on the configuration file and the defaults apply.

mod convert;
pub mod transport;

use crate::config::{self, Config};
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::lang::Language;
use crate::linter::Linter;
use crate::source::SourceFile;
use crossbeam_channel::Sender;
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use transport::Incoming;

struct Document {
    text: String,
    version: i32,
    /// The client's `languageId`: decides for a file whose name and first
    /// line do not (an extension-less script without a shebang).
    language_id: String,
    /// Needs analysing (changed since the last analysis).
    dirty: bool,
    /// The last analysis: the text it saw and its findings.
    analysed: Option<(SourceFile, Vec<Diagnostic>)>,
}

/// A configuration file and what it gave, with its modification time.
struct CachedConfig {
    modified: Option<SystemTime>,
    linter: std::sync::Arc<Linter>,
}

struct Server {
    out: Sender<Message>,
    documents: HashMap<lsp::Uri, Document>,
    /// By configuration path (`None`: no configuration file).
    configs: HashMap<Option<PathBuf>, CachedConfig>,
    /// Configuration files whose errors are currently shown.
    config_errors: BTreeMap<PathBuf, bool>,
    root: PathBuf,
    /// The project at `root`: a new index when a file of it changes, handed
    /// to every linter.
    project: std::sync::Arc<crate::project::ProjectIndex>,
    vars: crate::lang::jinja::Vars,
    /// The client pulls diagnostics (`textDocument/diagnostic`).
    pull: bool,
    shutdown: bool,
}

/// Runs the server until the client says `exit` (or closes stdin).
pub fn run() -> i32 {
    let (out, incoming, writer) = transport::stdio();
    let root = std::env::current_dir().unwrap_or_default();
    let mut server = Server {
        out,
        documents: HashMap::new(),
        configs: HashMap::new(),
        config_errors: BTreeMap::new(),
        project: std::sync::Arc::new(crate::project::ProjectIndex::new(&root)),
        root,
        vars: Default::default(),
        pull: false,
        shutdown: false,
    };
    let mut initialized = false;
    let code = 'outer: loop {
        let Ok(first) = incoming.recv() else {
            break 1;
        };
        let mut batch = vec![first];
        while let Ok(more) = incoming.try_recv() {
            batch.push(more);
        }
        for item in batch {
            let message = match item {
                Incoming::Malformed(problem) => {
                    server.send(transport::log(
                        lsp::MessageType::ERROR,
                        format!("opslint: ignored a malformed message: {problem}"),
                    ));
                    continue;
                }
                Incoming::Message(m) => m,
            };
            match message {
                Message::Request(req) if !initialized && req.method != "initialize" => {
                    server.error(req.id, ErrorCode::ServerNotInitialized, "not initialized");
                }
                Message::Request(req) if req.method == "initialize" => {
                    initialized = true;
                    server.initialize(req);
                }
                Message::Request(req) => server.request(req),
                Message::Notification(n) if n.method == "exit" => {
                    break 'outer if server.shutdown { 0 } else { 1 };
                }
                Message::Notification(n) => server.notification(n),
                Message::Response(_) => {}
            }
        }
        server.publish_dirty();
    };
    drop(server);
    let _ = writer.join();
    code
}

fn severity(s: Severity) -> lsp::DiagnosticSeverity {
    match s {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
    }
}

impl Server {
    fn send(&self, message: Message) {
        let _ = self.out.send(message);
    }

    fn respond<R: serde::Serialize>(&self, id: RequestId, result: R) {
        self.send(Message::Response(Response::new_ok(id, result)));
    }

    fn error(&self, id: RequestId, code: ErrorCode, message: &str) {
        self.send(Message::Response(Response::new_err(
            id,
            code as i32,
            message.to_string(),
        )));
    }

    fn initialize(&mut self, req: Request) {
        let params: lsp::InitializeParams = match serde_json::from_value(req.params) {
            Ok(p) => p,
            Err(e) => {
                self.error(req.id, ErrorCode::InvalidParams, &e.to_string());
                return;
            }
        };
        #[allow(deprecated)]
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|f| f.first())
            .map(|f| f.uri.clone())
            .or(params.root_uri.clone())
            .and_then(|u| convert::path_of(&u));
        if let Some(root) = root {
            self.root = root;
        }
        self.pull = params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.diagnostic.as_ref())
            .is_some();
        self.project = std::sync::Arc::new(crate::project::ProjectIndex::new(&self.root));
        self.vars = crate::project::collect_vars(&self.project);
        let capabilities = lsp::ServerCapabilities {
            text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
                lsp::TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(lsp::TextDocumentSyncKind::FULL),
                    save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                    ..Default::default()
                },
            )),
            code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
                lsp::CodeActionOptions {
                    code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX]),
                    ..Default::default()
                },
            )),
            hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
            diagnostic_provider: Some(lsp::DiagnosticServerCapabilities::Options(
                lsp::DiagnosticOptions {
                    identifier: Some("opslint".into()),
                    inter_file_dependencies: false,
                    workspace_diagnostics: false,
                    work_done_progress_options: Default::default(),
                },
            )),
            ..Default::default()
        };
        self.respond(
            req.id,
            lsp::InitializeResult {
                capabilities,
                server_info: Some(lsp::ServerInfo {
                    name: "opslint".into(),
                    version: Some(env!("CARGO_PKG_VERSION").into()),
                }),
            },
        );
    }

    fn request(&mut self, req: Request) {
        if self.shutdown {
            self.error(req.id, ErrorCode::InvalidRequest, "shutting down");
            return;
        }
        match req.method.as_str() {
            "shutdown" => {
                self.shutdown = true;
                self.respond(req.id, ());
            }
            "textDocument/diagnostic" => {
                match serde_json::from_value::<lsp::DocumentDiagnosticParams>(req.params) {
                    Ok(p) => {
                        let items = self.diagnostics_of(&p.text_document.uri);
                        self.respond(
                            req.id,
                            lsp::DocumentDiagnosticReportResult::Report(
                                lsp::DocumentDiagnosticReport::Full(
                                    lsp::RelatedFullDocumentDiagnosticReport {
                                        related_documents: None,
                                        full_document_diagnostic_report:
                                            lsp::FullDocumentDiagnosticReport {
                                                result_id: None,
                                                items,
                                            },
                                    },
                                ),
                            ),
                        );
                    }
                    Err(e) => self.error(req.id, ErrorCode::InvalidParams, &e.to_string()),
                }
            }
            "textDocument/codeAction" => {
                match serde_json::from_value::<lsp::CodeActionParams>(req.params) {
                    Ok(p) => {
                        let actions = self.code_actions(&p);
                        self.respond(req.id, actions);
                    }
                    Err(e) => self.error(req.id, ErrorCode::InvalidParams, &e.to_string()),
                }
            }
            "textDocument/hover" => match serde_json::from_value::<lsp::HoverParams>(req.params) {
                Ok(p) => {
                    let hover = self.hover(&p);
                    self.respond(req.id, hover);
                }
                Err(e) => self.error(req.id, ErrorCode::InvalidParams, &e.to_string()),
            },
            other => self.error(
                req.id,
                ErrorCode::MethodNotFound,
                &format!("opslint does not handle `{other}`"),
            ),
        }
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(n.params) {
                    let uri = p.text_document.uri;
                    self.config_changed_if(&uri);
                    self.documents.insert(
                        uri,
                        Document {
                            text: p.text_document.text,
                            version: p.text_document.version,
                            language_id: p.text_document.language_id,
                            dirty: true,
                            analysed: None,
                        },
                    );
                }
            }
            "textDocument/didChange" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params)
                {
                    let uri = p.text_document.uri;
                    self.config_changed_if(&uri);
                    if let Some(doc) = self.documents.get_mut(&uri) {
                        // Full sync: the last change holds the whole text.
                        if let Some(change) = p.content_changes.into_iter().last() {
                            doc.text = change.text;
                            doc.version = p.text_document.version;
                            doc.dirty = true;
                        }
                    }
                }
            }
            "textDocument/didSave" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidSaveTextDocumentParams>(n.params) {
                    self.config_changed_if(&p.text_document.uri);
                    let saved = convert::path_of(&p.text_document.uri);
                    if saved.as_ref().is_some_and(|path| path.starts_with(&self.root)) {
                        // A saved file of the project may be what another
                        // document's findings depend on (a handler, the NRPE
                        // configuration, an inventory, a role's tasks): a new
                        // index of the project is made (read as it is asked
                        // for) and every document analysed.
                        self.project = std::sync::Arc::new(crate::project::ProjectIndex::new(&self.root));
                        // A variables file (role defaults, group_vars): the
                        // variables the linters carry are read again too.
                        if saved.as_ref().is_some_and(|path| crate::lang::ansible::is_vars_file(path)) {
                            self.vars = crate::project::collect_vars(&self.project);
                            self.configs.clear();
                        }
                        self.reanalyse_all();
                    }
                    if let Some(doc) = self.documents.get_mut(&p.text_document.uri) {
                        doc.dirty = true;
                    }
                }
            }
            "textDocument/didClose" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params)
                {
                    self.documents.remove(&p.text_document.uri);
                    self.publish(p.text_document.uri, Vec::new(), None);
                }
            }
            "workspace/didChangeWatchedFiles" => {
                // Files created, changed or deleted outside the editor: the
                // project's file list, index and variables are read again.
                self.project = std::sync::Arc::new(crate::project::ProjectIndex::new(&self.root));
                self.vars = crate::project::collect_vars(&self.project);
                self.configs.clear();
                self.reanalyse_all();
            }
            _ => {} // `initialized`, `$/…` and others need nothing.
        }
    }

    /// A change to `.opslint.yaml` itself: every document is analysed again.
    fn config_changed_if(&mut self, uri: &lsp::Uri) {
        if convert::path_of(uri).is_some_and(|p| config::is_config_file(&p)) {
            self.configs.clear();
            self.reanalyse_all();
        }
    }

    /// Every open document is analysed again (what they depend on changed).
    fn reanalyse_all(&mut self) {
        for doc in self.documents.values_mut() {
            doc.dirty = true;
        }
    }

    /// The linter for a file at `path`, from its `.opslint.yaml` (re-read when
    /// the file changed on disk).
    fn linter_for(&mut self, path: &Path) -> std::sync::Arc<Linter> {
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        let config_path = config::discover(&dir);
        let modified = config_path
            .as_ref()
            .and_then(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        // The configuration open in the editor: its unsaved text applies.
        let open_text = config_path
            .as_ref()
            .and_then(|p| convert::uri_of(p))
            .and_then(|u| self.documents.get(&u))
            .map(|d| d.text.clone());
        if open_text.is_none()
            && let Some(cached) = self.configs.get_mut(&config_path)
            && cached.modified == modified
        {
            // The project changed since: the same linter over its new index.
            if !cached.linter.has_project(&self.project) {
                cached.linter = std::sync::Arc::new(Linter::clone(&cached.linter).with_project(self.project.clone()));
            }
            return cached.linter.clone();
        }
        let all_rules = crate::rules::all_meta();
        let loaded = |p: &Path| match &open_text {
            Some(text) => config::parse(text, p, &all_rules),
            None => config::load_found(p, &all_rules),
        };
        let config = match &config_path {
            Some(p) => match loaded(p) {
                Ok(c) => {
                    self.show_config_errors(p, None);
                    c
                }
                Err(e) => {
                    self.show_config_errors(p, Some(&e));
                    Config::default_at(&self.root)
                }
            },
            None => Config::default_at(&self.root),
        };
        let target = config
            .target()
            .and_then(|(spec, _, _)| crate::target::resolve(spec).ok())
            .unwrap_or_else(crate::target::Target::newest);
        // User manifests are registered once per process.
        if let Ok(user) = crate::manifest::load_user(config.manifests()) {
            crate::manifest::register_user(user);
        }
        let linter = match Linter::new(config, None, &[]) {
            Ok(l) => l,
            Err(_) => Linter::new(Config::default_at(&self.root), None, &[])
                .expect("the default configuration enables known rules only"),
        };
        let linter = std::sync::Arc::new(linter
                .with_vars(self.vars.clone())
                .with_target(target)
                .with_project(self.project.clone()));
        self.configs.insert(
            config_path,
            CachedConfig {
                modified,
                linter: linter.clone(),
            },
        );
        linter
    }

    /// A broken configuration is a diagnostic on the configuration file.
    fn show_config_errors(&mut self, path: &Path, error: Option<&config::ConfigError>) {
        let had = self.config_errors.get(path).copied().unwrap_or(false);
        if error.is_none() && !had {
            return;
        }
        let Some(uri) = convert::uri_of(path) else {
            return;
        };
        // Open in the editor: its own analysis publishes its problems.
        if self.documents.contains_key(&uri) {
            return;
        }
        let items = error
            .map(|e| {
                e.problems
                    .iter()
                    .map(|p| {
                        let at = lsp::Position::new(
                            p.line.saturating_sub(1) as u32,
                            p.column.saturating_sub(1) as u32,
                        );
                        lsp::Diagnostic {
                            range: lsp::Range::new(at, at),
                            severity: Some(lsp::DiagnosticSeverity::ERROR),
                            source: Some("opslint".into()),
                            message: config_problem(p),
                            ..Default::default()
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.config_errors
            .insert(path.to_path_buf(), error.is_some());
        self.publish(uri, items, None);
    }

    /// Analyses the document if it changed; its findings as LSP diagnostics.
    fn diagnostics_of(&mut self, uri: &lsp::Uri) -> Vec<lsp::Diagnostic> {
        self.analyse(uri);
        let Some(doc) = self.documents.get(uri) else {
            return Vec::new();
        };
        let Some((source, diagnostics)) = &doc.analysed else {
            return Vec::new();
        };
        diagnostics
            .iter()
            .map(|d| to_lsp(uri, source, d))
            .collect()
    }

    fn analyse(&mut self, uri: &lsp::Uri) {
        let Some(doc) = self.documents.get(uri) else {
            return;
        };
        if !doc.dirty && doc.analysed.is_some() {
            return;
        }
        let path = convert::path_of(uri).unwrap_or_else(|| PathBuf::from(uri.as_str()));
        // Bounded as a file on disk is: a larger document is reported, not
        // analysed (nor copied).
        let len = doc.text.len() as u64;
        if len > crate::linter::MAX_FILE_SIZE {
            let report = self.linter_for(&path).too_large(&path, len);
            if let Some(doc) = self.documents.get_mut(uri) {
                doc.dirty = false;
                doc.analysed = Some((report.source, report.diagnostics));
            }
            return;
        }
        let text = doc.text.clone();
        let language_id = doc.language_id.clone();
        // The configuration itself: its problems, from the text being edited.
        if config::is_config_file(&path) {
            let source = SourceFile::new(&path, text);
            let diagnostics = match config::parse(&source.text, &path, &crate::rules::all_meta()) {
                Ok(_) => Vec::new(),
                Err(e) => e
                    .problems
                    .iter()
                    .map(|p| {
                        let line = p.line.saturating_sub(1);
                        let at = (line < source.lines.line_count())
                            .then(|| source.lines.line_start(line) + p.column.saturating_sub(1))
                            .unwrap_or(0)
                            .min(source.text.len());
                        Diagnostic::new(
                            "invalid-configuration",
                            Severity::Error,
                            crate::source::Span::new(at, at),
                            config_problem(p),
                        )
                    })
                    .collect(),
            };
            if let Some(doc) = self.documents.get_mut(uri) {
                doc.dirty = false;
                doc.analysed = Some((source, diagnostics));
            }
            return;
        }
        let linter = self.linter_for(&path);
        let language = Language::from_path(&path)
            .or_else(|| Language::from_shebang(&text.as_bytes()[..text.len().min(256)]))
            .or_else(|| {
                // An extension-less file without a shebang: what the editor says it is.
                path.extension().is_none().then_some(())?;
                match language_id.as_str() {
                    "shellscript" | "sh" | "bash" => Some(Language::Shell),
                    "yaml" | "ansible" => Some(Language::Yaml),
                    _ => None,
                }
            });
        let source = SourceFile::new(&path, text);
        let diagnostics = match language {
            Some(Language::NrpeConfig | Language::NrpeConfigTemplate)
                if !crate::lang::nrpe::looks_like_nrpe(&source.text) =>
            {
                Vec::new()
            }
            Some(language) if !linter.config().is_excluded(&path) => {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    linter.lint_source(&source, language)
                }))
                .unwrap_or_else(|_| {
                    vec![Diagnostic::new(
                        "internal-error",
                        Severity::Error,
                        crate::source::Span::default(),
                        "opslint failed while analysing this file; please report this bug with the file attached".to_string(),
                    )]
                })
            }
            _ => Vec::new(),
        };
        if let Some(doc) = self.documents.get_mut(uri) {
            doc.dirty = false;
            doc.analysed = Some((source, diagnostics));
        }
    }

    fn publish(&self, uri: lsp::Uri, diagnostics: Vec<lsp::Diagnostic>, version: Option<i32>) {
        self.send(Message::Notification(Notification::new(
            "textDocument/publishDiagnostics".into(),
            lsp::PublishDiagnosticsParams {
                uri,
                diagnostics,
                version,
            },
        )));
    }

    /// Push model: analyse the changed documents and publish their findings.
    fn publish_dirty(&mut self) {
        let dirty: Vec<lsp::Uri> = self
            .documents
            .iter()
            .filter(|(_, d)| d.dirty)
            .map(|(u, _)| u.clone())
            .collect();
        for uri in dirty {
            let items = self.diagnostics_of(&uri);
            if !self.pull {
                let version = self.documents.get(&uri).map(|d| d.version);
                self.publish(uri, items, version);
            }
        }
    }

    fn code_actions(&mut self, p: &lsp::CodeActionParams) -> Vec<lsp::CodeActionOrCommand> {
        let uri = &p.text_document.uri;
        self.analyse(uri);
        let Some(Some((source, diagnostics))) = self.documents.get(uri).map(|d| d.analysed.as_ref())
        else {
            return Vec::new();
        };
        let wanted = convert::offset(source, p.range.start)..=convert::offset(source, p.range.end);
        let language = Language::from_path(&source.path);
        let mut actions = Vec::new();
        for d in diagnostics {
            let touches = d.span.start <= *wanted.end() && *wanted.start() <= d.span.end;
            if !touches {
                continue;
            }
            let lsp_diag = to_lsp(uri, source, d);
            if let Some(fix) = &d.fix {
                let edits = fix
                    .edits
                    .iter()
                    .map(|e| lsp::TextEdit::new(convert::range(source, e.span), e.content.clone()))
                    .collect();
                actions.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                    title: format!(
                        "{}{}",
                        capitalise(&fix.description),
                        if fix.applicability == Applicability::Unsafe {
                            " (unsafe: review the change)"
                        } else {
                            ""
                        }
                    ),
                    kind: Some(lsp::CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![lsp_diag.clone()]),
                    edit: Some(workspace_edit(uri, edits)),
                    is_preferred: Some(fix.applicability == Applicability::Safe),
                    ..Default::default()
                }));
            }
            // A suppression comment, on its own line above the finding (safe
            // inside `\`-continued commands). Args files cannot hold comments.
            if language != Some(Language::ArgsFile) {
                let line = source.lines.line_of(d.span.start);
                let line_span = source.lines.line_span(&source.text, line);
                let line_text = &source.text[line_span.start..line_span.end];
                let indent = &line_text[..line_text.len() - line_text.trim_start().len()];
                let at = convert::range(source, crate::source::Span::new(line_span.start, line_span.start));
                actions.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                    title: format!("Disable {} for this line", d.rule),
                    kind: Some(lsp::CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![lsp_diag]),
                    edit: Some(workspace_edit(
                        uri,
                        vec![lsp::TextEdit::new(
                            at,
                            format!("{indent}# opslint: disable={}\n", d.rule),
                        )],
                    )),
                    is_preferred: Some(false),
                    ..Default::default()
                }));
            }
        }
        actions
    }

    fn hover(&mut self, p: &lsp::HoverParams) -> Option<lsp::Hover> {
        let uri = &p.text_document_position_params.text_document.uri;
        self.analyse(uri);
        let (source, diagnostics) = self.documents.get(uri)?.analysed.as_ref()?;
        let at = convert::offset(source, p.text_document_position_params.position);
        let mut parts: Vec<String> = Vec::new();
        let mut range = None;
        for d in diagnostics
            .iter()
            .filter(|d| d.span.start <= at && at <= d.span.end)
        {
            let part = hover_markdown(d);
            if parts.contains(&part) {
                continue;
            }
            range.get_or_insert_with(|| convert::range(source, d.span));
            parts.push(part);
        }
        (!parts.is_empty()).then(|| lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: parts.join("\n---\n"),
            }),
            range,
        })
    }
}

/// What hover shows for one finding: the rule and its one-line summary, the
/// finding's own message and help, its fix, and where the full documentation
/// is (`opslint rule NAME`, and the rule's page when a docs URL is known). A
/// few hundred bytes, not the rule's whole page.
fn hover_markdown(d: &Diagnostic) -> String {
    let meta = crate::rules::by_name(d.rule).map(|r| r.meta());
    let mut out = format!("**{}**", d.rule);
    if let Some(meta) = meta {
        out.push_str(" — ");
        out.push_str(meta.summary.trim_end_matches('.'));
    }
    out.push_str("\n\n");
    out.push_str(&hard_breaks(&d.message));
    if let Some(help) = &d.help {
        out.push_str("\n\nhelp: ");
        out.push_str(&hard_breaks(help));
    }
    if let Some(fix) = &d.fix {
        let safety = match fix.applicability {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe: review the change",
        };
        out.push_str(&format!(
            "\n\nFix ({safety}): {}",
            hard_breaks(&capitalise(&fix.description))
        ));
    }
    if meta.is_some() {
        out.push_str(&format!(
            "\n\nFull documentation: `opslint rule {}`",
            d.rule
        ));
        if let Some(url) = crate::report::docs_url(d.rule) {
            out.push_str(&format!(" or [the rule's page]({url})"));
        }
    }
    out
}

/// Markdown joins lines; a help's line breaks are kept as hard breaks.
fn hard_breaks(s: &str) -> String {
    s.trim_end().replace('\n', "  \n")
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn workspace_edit(uri: &lsp::Uri, edits: Vec<lsp::TextEdit>) -> lsp::WorkspaceEdit {
    let mut changes = HashMap::new();
    changes.insert(uri.clone(), edits);
    lsp::WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    }
}

/// What is said of a problem in the configuration, on disk or being edited.
fn config_problem(p: &config::ConfigProblem) -> String {
    format!("invalid opslint configuration: {} (the defaults apply until it is fixed)", p.message)
}

fn to_lsp(uri: &lsp::Uri, source: &SourceFile, d: &Diagnostic) -> lsp::Diagnostic {
    let related = (!d.labels.is_empty()).then(|| {
        d.labels
            .iter()
            .map(|l| lsp::DiagnosticRelatedInformation {
                location: lsp::Location::new(uri.clone(), convert::range(source, l.span)),
                message: l.message.clone(),
            })
            .collect()
    });
    let mut message = d.message.to_string();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    lsp::Diagnostic {
        range: convert::range(source, d.span),
        severity: Some(severity(d.severity)),
        code: Some(lsp::NumberOrString::String(d.rule.to_string())),
        code_description: crate::report::docs_url(d.rule)
            .and_then(|u| u.parse::<lsp::Uri>().ok())
            .map(|href| lsp::CodeDescription { href }),
        source: Some("opslint".into()),
        message,
        related_information: related,
        ..Default::default()
    }
}
