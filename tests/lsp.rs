//! `opslint server` end to end: the real binary, spoken to over stdio in
//! JSON-RPC as an editor would.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Messages read while waiting for something else.
    backlog: Vec<Value>,
}

const TIMEOUT: Duration = Duration::from_secs(20);

impl Client {
    fn start(root: &std::path::Path, pull: bool) -> Client {
        let mut client = Client::spawn(root, pull);
        client.initialize(root, pull);
        client
    }

    /// The server started, not yet initialized.
    fn spawn(root: &std::path::Path, pull: bool) -> Client {
        // Clients that pull diagnostics here also pass `--stdio`, as most do.
        let mut child = Command::new(env!("CARGO_BIN_EXE_opslint"))
            .arg("server")
            .args(if pull { &["--stdio"][..] } else { &[][..] })
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        length = v.parse().expect("length");
                    }
                }
                let mut buf = vec![0; length];
                if r.read_exact(&mut buf).is_err() {
                    return;
                }
                if tx.send(serde_json::from_slice(&buf).expect("JSON from the server")).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming,
            next_id: 1,
            backlog: Vec::new(),
        }
    }

    fn initialize(&mut self, root: &std::path::Path, pull: bool) {
        let client = self;
        let capabilities = if pull {
            json!({"textDocument": {"diagnostic": {"dynamicRegistration": false}}})
        } else {
            json!({})
        };
        let root_uri = format!("file://{}", root.display());
        let init = client.request(
            "initialize",
            json!({"processId": null, "rootUri": root_uri, "capabilities": capabilities}),
        );
        assert_eq!(init["result"]["serverInfo"]["name"], "opslint");
        assert_eq!(init["result"]["capabilities"]["hoverProvider"], true);
        client.notify("initialized", json!({}));
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        self.raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(|m| m["id"] == id && m.get("method").is_none())
    }

    fn wait_for(&mut self, want: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&want) {
            return self.backlog.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if want(&m) => return m,
                Ok(m) => self.backlog.push(m),
                Err(RecvTimeoutError::Timeout) => panic!("no answer in time; got {:?}", self.backlog),
                Err(RecvTimeoutError::Disconnected) => panic!("the server died; got {:?}", self.backlog),
            }
        }
    }

    fn diagnostics_for(&mut self, uri: &str) -> Vec<Value> {
        let uri = uri.to_string();
        let m = self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        m["params"]["diagnostics"].as_array().expect("array").clone()
    }

    fn stop(mut self) -> i32 {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

const UNBOUNDED: &str = "#!/bin/bash\nnodes=$(microk8s kubectl get nodes)\n";

/// Applies LSP text edits (single-line ASCII positions suffice here).
fn apply(text: &str, edits: &[Value]) -> String {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    let mut edits = edits.to_vec();
    edits.sort_by_key(|e| {
        std::cmp::Reverse((
            e["range"]["start"]["line"].as_u64(),
            e["range"]["start"]["character"].as_u64(),
        ))
    });
    for e in edits {
        let line = e["range"]["start"]["line"].as_u64().expect("line") as usize;
        let (c0, c1) = (
            e["range"]["start"]["character"].as_u64().expect("c") as usize,
            e["range"]["end"]["character"].as_u64().expect("c") as usize,
        );
        assert_eq!(e["range"]["end"]["line"], e["range"]["start"]["line"]);
        lines[line].replace_range(c0..c1, e["newText"].as_str().expect("text"));
    }
    lines.concat()
}

#[test]
fn diagnostics_fix_hover_and_close() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = Client::start(dir.path(), false);
    let uri = format!("file://{}/check_nodes.sh", dir.path().display());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "shellscript", "version": 1, "text": UNBOUNDED}}),
    );
    let diags = c.diagnostics_for(&uri);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "kubectl-request-timeout");
    assert_eq!(diags[0]["severity"], 1);
    assert_eq!(diags[0]["range"]["start"], json!({"line": 1, "character": 8}));
    assert_eq!(diags[0]["range"]["end"], json!({"line": 1, "character": 34}));

    // Hover over the call shows the finding, its rule's summary, its fix and
    // where the full documentation is: a short card, not the rule's page.
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 12}}),
    );
    assert_eq!(hover["result"]["range"], diags[0]["range"]);
    let card = hover["result"]["contents"]["value"].as_str().expect("markdown");
    let meta = opslint::rules::by_name("kubectl-request-timeout").expect("rule").meta();
    assert!(card.starts_with("**kubectl-request-timeout**"), "{card}");
    assert!(card.contains(meta.summary.trim_end_matches('.')), "{card}");
    let message = diags[0]["message"].as_str().expect("message");
    let first_line = message.lines().next().expect("message line");
    assert!(card.contains(first_line), "{card}");
    assert!(
        card.contains("Fix (safe): Add `--request-timeout=10s`"),
        "{card}"
    );
    assert!(
        card.contains("`opslint rule kubectl-request-timeout`"),
        "{card}"
    );
    assert!(!card.contains("## Why is this bad?"), "{card}");
    assert!(card.len() < 1500, "{} bytes: {card}", card.len());
    let nothing = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 2}}),
    );
    assert_eq!(nothing["result"], Value::Null);

    // The quick fix, applied, leaves nothing to report.
    let actions = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri},
            "range": diags[0]["range"],
            "context": {"diagnostics": diags},
        }),
    );
    let actions = actions["result"].as_array().expect("actions").clone();
    let titles: Vec<&str> = actions.iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        ["Add `--request-timeout=10s`", "Disable kubectl-request-timeout for this line"]
    );
    assert_eq!(actions[0]["isPreferred"], true);
    let edits = actions[0]["edit"]["changes"][&uri].as_array().expect("edits").clone();
    let fixed = apply(UNBOUNDED, &edits);
    assert_eq!(fixed, "#!/bin/bash\nnodes=$(microk8s kubectl --request-timeout=10s get nodes)\n");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    assert_eq!(c.diagnostics_for(&uri), Vec::<Value>::new());

    // The suppression action works too.
    let edits = actions[1]["edit"]["changes"][&uri].as_array().expect("edits").clone();
    let suppressed = apply(UNBOUNDED, &edits);
    assert_eq!(
        suppressed,
        "#!/bin/bash\n# opslint: disable=kubectl-request-timeout\nnodes=$(microk8s kubectl get nodes)\n"
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": suppressed}]}),
    );
    assert_eq!(c.diagnostics_for(&uri), Vec::<Value>::new());

    // Back to the bad text, then closing clears the diagnostics.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": UNBOUNDED}]}),
    );
    assert_eq!(c.diagnostics_for(&uri).len(), 1);
    c.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
    assert_eq!(c.diagnostics_for(&uri), Vec::<Value>::new());
    assert_eq!(c.stop(), 0);
}

#[test]
fn pull_diagnostics_yaml_and_errors_that_do_not_kill_the_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = Client::start(dir.path(), true);
    let uri = format!("file://{}/roles/dqlite/tasks/main.yml", dir.path().display());
    let text = "- name: Tune\n  ansible.builtin.lineinfile:\n    path: /var/snap/microk8s/current/args/k8s-dqlite\n    line: --snapshot-threshold=512\n";
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    );
    // Malformed input: not JSON, a bad header. The server logs and goes on.
    c.raw(b"Content-Length: 5\r\n\r\n{oops");
    c.raw(b"this is not a header\r\n\r\n");
    let log = c.wait_for(|m| m["method"] == "window/logMessage");
    assert!(log["params"]["message"].as_str().unwrap().contains("malformed"), "{log}");
    // An unknown method gets MethodNotFound.
    let unknown = c.request("opslint/unknown", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    // Pull model: the client asks.
    let report = c.request("textDocument/diagnostic", json!({"textDocument": {"uri": uri}}));
    assert_eq!(report["result"]["kind"], "full");
    let items = report["result"]["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["code"], "unknown-daemon-flag");
    assert_eq!(items[0]["range"]["start"], json!({"line": 3, "character": 10}));
    // No push when the client pulls.
    assert!(c.backlog.iter().all(|m| m["method"] != "textDocument/publishDiagnostics"));
    assert_eq!(c.stop(), 0);
}

#[test]
fn configuration_reload_and_broken_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join(".opslint.yaml");
    std::fs::write(&config, "rules:\n  kubectl-request-timeout:\n    severity: off\n").expect("write");
    let mut c = Client::start(dir.path(), false);
    let uri = format!("file://{}/check.sh", dir.path().display());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "shellscript", "version": 1, "text": UNBOUNDED}}),
    );
    assert_eq!(c.diagnostics_for(&uri), Vec::<Value>::new());
    // The rule is turned back on by a broken file: the defaults apply and the
    // error is shown on the configuration.
    std::fs::write(&config, "rules:\n  kubectl-request-timout:\n    severity: off\n").expect("write");
    let config_uri = format!("file://{}", config.display());
    c.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": config_uri, "type": 2}]}));
    let config_diags = c.diagnostics_for(&config_uri);
    assert_eq!(config_diags.len(), 1, "{config_diags:?}");
    assert!(
        config_diags[0]["message"].as_str().unwrap().contains("did you mean `kubectl-request-timeout`"),
        "{config_diags:?}"
    );
    assert_eq!(config_diags[0]["range"]["start"]["line"], 1);
    assert_eq!(c.diagnostics_for(&uri).len(), 1);
    // Fixed configuration: its error is cleared.
    std::fs::write(&config, "rules:\n  kubectl-request-timeout:\n    severity: warning\n").expect("write");
    c.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": config_uri, "type": 2}]}));
    assert_eq!(c.diagnostics_for(&config_uri), Vec::<Value>::new());
    let diags = c.diagnostics_for(&uri);
    assert_eq!(diags[0]["severity"], 2);
    assert_eq!(c.stop(), 0);
}

/// `.opslint.yaml` open in the editor: its problems come from the text being
/// edited (not the disk) and are not cleared by an empty publish; the unsaved
/// configuration applies to the other documents. An extension-less file with
/// no shebang is read as its `languageId` says.
#[test]
fn open_configuration_and_language_ids() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join(".opslint.yaml");
    std::fs::write(&config, "rules: {}\n").expect("write");
    let mut c = Client::start(dir.path(), false);
    let config_uri = format!("file://{}", config.display());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": config_uri, "languageId": "yaml", "version": 1,
               "text": "rules:\n  kubectl-request-timout:\n    severity: off\n"}}),
    );
    let diags = c.diagnostics_for(&config_uri);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(diags[0]["message"].as_str().unwrap().contains("did you mean `kubectl-request-timeout`"), "{diags:?}");
    // An extension-less script without a shebang, said to be shell by the editor;
    // the unsaved (broken) configuration gives the defaults: the rule is on.
    let script = format!("file://{}/check_nodes", dir.path().display());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": script, "languageId": "shellscript", "version": 1,
               "text": "microk8s kubectl get nodes\n"}}),
    );
    let d = c.diagnostics_for(&script);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "kubectl-request-timeout");
    // The unsaved fix of the configuration turns the rule off, not the disk.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": config_uri, "version": 2},
               "contentChanges": [{"text": "rules:\n  kubectl-request-timeout:\n    severity: off\n"}]}),
    );
    assert_eq!(c.diagnostics_for(&config_uri), Vec::<Value>::new());
    assert_eq!(c.diagnostics_for(&script), Vec::<Value>::new());
    assert_eq!(c.stop(), 0);
}

/// The project behind a document is read again when one of its files is
/// saved: a handler written in another role answers a `notify` that had
/// none, without restarting the server.
#[test]
fn project_context_reloads_on_save() {
    let dir = tempfile::tempdir().expect("tempdir");
    let play = "- hosts: all\n  tasks:\n    - name: Restart\n      ansible.builtin.command: /bin/true\n      notify: restart dqlite\n";
    std::fs::write(dir.path().join("site.yml"), play).expect("write");
    let mut c = Client::start(dir.path(), false);
    let uri = format!("file://{}/site.yml", dir.path().display());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": play}}),
    );
    let diags = c.diagnostics_for(&uri);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "handler-not-found");
    // The handler is written in another role and saved from the editor.
    let handlers = dir.path().join("roles/dqlite/handlers/main.yml");
    std::fs::create_dir_all(handlers.parent().unwrap()).expect("mkdir");
    let text = "- name: restart dqlite\n  ansible.builtin.service:\n    name: snap.microk8s.daemon-k8s-dqlite\n    state: restarted\n";
    std::fs::write(&handlers, text).expect("write");
    let handlers_uri = format!("file://{}", handlers.display());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": handlers_uri, "languageId": "yaml", "version": 1, "text": text}}),
    );
    c.notify("textDocument/didSave", json!({"textDocument": {"uri": handlers_uri}}));
    assert_eq!(c.diagnostics_for(&uri), Vec::<Value>::new());
    // Deleted outside the editor: the file watcher's notice brings it back.
    c.notify("textDocument/didClose", json!({"textDocument": {"uri": handlers_uri}}));
    std::fs::remove_file(&handlers).expect("remove");
    c.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": handlers_uri, "type": 3}]}));
    assert_eq!(c.diagnostics_for(&uri).len(), 1);
    assert_eq!(c.stop(), 0);
}

/// A header line with bytes that are not UTF-8 is skipped (and logged); the
/// server goes on and answers the next message.
#[test]
fn a_header_that_is_not_utf8_does_not_end_the_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = Client::spawn(dir.path(), false);
    c.raw(b"Content-Type: application/vscode-jsonrpc; charset=\xff\xfe\r\n\r\n");
    c.raw(b"Content-Length: 2\r\nX-\xc3(: 1\r\n\r\n{}");
    c.initialize(dir.path(), false);
    let log = c.wait_for(|m| m["method"] == "window/logMessage");
    assert!(log["params"]["message"].as_str().unwrap().contains("not UTF-8"), "{log}");
    let uri = format!("file://{}/check.sh", dir.path().display());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "shellscript", "version": 1, "text": UNBOUNDED}}),
    );
    assert_eq!(c.diagnostics_for(&uri).len(), 1);
    assert_eq!(c.stop(), 0);
}

/// A document larger than a checked file may be (16 MiB) gets one
/// `unreadable-file` finding, as such a file on disk does, without being
/// analysed; the server keeps answering.
#[test]
fn an_oversized_document_is_reported_not_analysed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = Client::start(dir.path(), false);
    let big_uri = format!("file://{}/big.sh", dir.path().display());
    let mut text = String::from("#!/bin/bash\n");
    while text.len() < 20 << 20 {
        text.push_str("nodes=$(microk8s kubectl get nodes)\n");
    }
    let started = Instant::now();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": big_uri, "languageId": "shellscript", "version": 1, "text": text}}),
    );
    let diagnostics = c.diagnostics_for(&big_uri);
    let took = started.elapsed();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "unreadable-file");
    let message = diagnostics[0]["message"].as_str().unwrap();
    assert!(message.contains("too large") && message.contains("16 MiB"), "{message}");
    assert!(took < Duration::from_secs(15), "took {took:?}");
    // Still answering: a small document is analysed, hover works.
    let uri = format!("file://{}/check.sh", dir.path().display());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "shellscript", "version": 1, "text": UNBOUNDED}}),
    );
    let found = c.diagnostics_for(&uri);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["code"], "kubectl-request-timeout");
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 18}}),
    );
    assert!(hover.get("error").is_none(), "{hover}");
    assert_eq!(c.stop(), 0);
}

/// A clone whose ignore files never end (`.gitignore -> /dev/zero`, a FIFO)
/// and whose role dependencies form a cycle: the server answers `initialize`
/// and analyses documents as on any tree.
#[test]
fn a_hostile_clone_does_not_stop_the_server() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git/info")).unwrap();
    symlink("/dev/zero", root.join(".gitignore")).unwrap();
    symlink("/dev/zero", root.join(".git/info/exclude")).unwrap();
    std::fs::create_dir_all(root.join("sub")).unwrap();
    let made = std::process::Command::new("mkfifo").arg(root.join("sub/.gitignore")).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    for (role, dep) in [("a", "b"), ("b", "a")] {
        std::fs::create_dir_all(root.join(format!("roles/{role}/meta"))).unwrap();
        std::fs::create_dir_all(root.join(format!("roles/{role}/tasks"))).unwrap();
        std::fs::write(root.join(format!("roles/{role}/meta/main.yml")), format!("dependencies:\n  - {dep}\n")).unwrap();
        std::fs::write(
            root.join(format!("roles/{role}/tasks/main.yml")),
            "- ansible.builtin.systemd:\n    name: snap.microk8s.daemon-k8s-dqlite\n    state: restarted\n",
        )
        .unwrap();
    }
    let mut c = Client::start(root, false);
    let uri = format!("file://{}/site.yml", root.display());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": "- hosts: all\n  roles:\n    - a\n"}}),
    );
    let diags = c.diagnostics_for(&uri);
    assert!(diags.iter().any(|d| d["code"] == "dqlite-restart-not-serial"), "{diags:?}");
    let uri = format!("file://{}/check_nodes.sh", root.display());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "shellscript", "version": 1, "text": UNBOUNDED}}),
    );
    assert_eq!(c.diagnostics_for(&uri).len(), 1);
    assert_eq!(c.stop(), 0);
}
