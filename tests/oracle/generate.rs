//! Random valid bash with kubectl calls in every kind of command position (and
//! the word `kubectl` in strings, comments, arguments and heredoc bodies where
//! it is not a call), deterministic for a seed.
//!
//! Every script must be valid bash (`bash -n` and shfmt accept it; the test
//! checks). Heredoc bodies are written after the next newline *token* of the
//! statement that opened them, so the generator keeps the bodies pending and
//! writes them at the next newline of that statement's list; nested lists and
//! substitutions use `;` while a body is pending, and line continuations and
//! multi-line strings are not written then.

/// xorshift64*: small, fast, good enough for shapes.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        for _ in 0..4 {
            r.next();
        }
        r
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() >> 33) as usize % n
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The `index`th script of `seed`.
pub fn script(seed: u64, index: usize) -> String {
    let mut g = Gen {
        rng: Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(index as u64)),
        out: String::new(),
        pending: Vec::new(),
        pending_level: 0,
        functions: Vec::new(),
        heredocs: 0,
    };
    g.put(&[
        "#!/bin/bash\n",
        "#!/usr/bin/env bash\nset -euo pipefail\n",
        "",
    ]);
    let ctx = Ctx::default();
    let n = 2 + g.rng.below(5);
    for _ in 0..n {
        g.statement(ctx);
        g.newline(ctx);
        if g.rng.chance(15) {
            g.out.push('\n');
        }
    }
    g.flush();
    g.out
}

/// Where the generator is writing: what the surrounding text forbids.
#[derive(Clone, Copy, Default)]
struct Ctx {
    /// Nesting of statement lists (the script's own list is 0).
    level: usize,
    /// Compound-command nesting, to bound the size.
    depth: usize,
    /// Inside `$(…)`, backquotes, `<(…)` or an `sh -c` string: no heredocs.
    inline: bool,
    /// Inside backquotes: no backquotes, no backslashes, no comments.
    backtick: bool,
    /// Inside an `sh -c '…'` string: no single quotes.
    sq: bool,
    /// Inside an `sh -c "…"` string: no `"`, `$`, backquote or backslash.
    dq: bool,
    in_function: bool,
    in_loop: bool,
}

impl Ctx {
    fn nested(self) -> Ctx {
        Ctx {
            level: self.level + 1,
            depth: self.depth + 1,
            ..self
        }
    }
    fn inline(self) -> Ctx {
        Ctx {
            inline: true,
            ..self.nested()
        }
    }
    fn no_dollar(self) -> bool {
        self.dq
    }
}

struct Gen {
    rng: Rng,
    out: String,
    /// Heredoc bodies (with their terminator lines) waiting for a newline.
    pending: Vec<String>,
    /// The list level of the statement that opened the pending heredocs.
    pending_level: usize,
    functions: Vec<String>,
    heredocs: usize,
}

const KUBECTL_ARGS: &[&str] = &[
    "get",
    "pods",
    "nodes",
    "-n",
    "kube-system",
    "-o",
    "json",
    "--request-timeout=5s",
    "-l",
    "app=web",
    "apply",
    "-f",
    "-",
    "x.yaml",
    "describe",
    "rollout",
    "status",
    "deploy/web",
    "--timeout=30s",
    "kubectl",
    "*.yaml",
    "{a,b}",
    "--context=prod",
];

const OTHER_PROGRAMS: &[&str] = &[
    "echo",
    "grep",
    "cat",
    "sed",
    "jq",
    "microk8s",
    "true",
    ":",
    "printf",
    "sort",
    "head",
    "tail",
    "wc",
    "tee",
    "xargs",
    "watch",
    "sudo",
    "command",
    "helm",
    "logger",
    "exec",
    "timeout",
    "eval",
    "/usr/bin/time",
    "kubectl.sh",
    "my-kubectl",
];

impl Gen {
    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// Writes the pending heredoc bodies (after a newline).
    fn flush(&mut self) {
        if !self.pending.is_empty() {
            if !self.out.ends_with('\n') {
                self.out.push('\n');
            }
            for body in std::mem::take(&mut self.pending) {
                self.out.push_str(&body);
            }
        }
    }

    /// May a newline token be written here?
    fn newline_ok(&self, ctx: Ctx) -> bool {
        self.pending.is_empty() || (!ctx.inline && ctx.level <= self.pending_level)
    }

    /// A newline token (the caller checked `newline_ok`), heredoc bodies after it.
    fn newline(&mut self, ctx: Ctx) {
        debug_assert!(self.newline_ok(ctx));
        self.out.push('\n');
        self.flush();
        for _ in 0..ctx.level.min(6) {
            self.out.push_str("  ");
        }
    }

    /// Between two statements of a list.
    fn separator(&mut self, ctx: Ctx) {
        let nl = self.newline_ok(ctx);
        match self.rng.below(10) {
            0..=3 if nl => self.newline(ctx),
            4 if nl && !ctx.backtick => {
                self.push("  # kubectl get pods; run kubectl here");
                self.newline(ctx);
            }
            5 if nl => {
                self.newline(ctx);
                self.newline(ctx);
            }
            6 => self.push(" & "),
            7 if nl => {
                self.push(" &");
                self.newline(ctx);
            }
            _ => self.push("; "),
        }
    }

    /// After the last statement of a list that a keyword or `}` closes.
    fn terminator(&mut self, ctx: Ctx) {
        let nl = self.newline_ok(ctx);
        if !self.pending.is_empty() && nl {
            self.newline(ctx);
            return;
        }
        match self.rng.below(6) {
            0 | 1 if nl => self.newline(ctx),
            2 => self.push(" & "),
            _ => self.push("; "),
        }
    }

    /// A list of `min..=max` statements (its own level), terminated when a
    /// keyword or `}` follows.
    fn list(&mut self, ctx: Ctx, min: usize, max: usize, terminated: bool) {
        let max = if ctx.depth > 1 { min.max(max - 1) } else { max };
        let n = min + self.rng.below(max - min + 1);
        for i in 0..n {
            if i > 0 {
                self.separator(ctx);
            }
            self.statement(ctx);
        }
        if terminated {
            self.terminator(ctx);
        } else if !self.pending.is_empty() && self.newline_ok(ctx) {
            self.newline(ctx);
        }
    }

    /// An and-or list of pipelines.
    fn statement(&mut self, ctx: Ctx) {
        self.pipeline(ctx);
        while self.rng.chance(25) {
            self.put(&[" && ", " || "]);
            if self.rng.chance(15) && self.newline_ok(ctx) {
                self.newline(ctx);
            }
            self.pipeline(ctx);
        }
    }

    /// Whether to write a construct nested in this one: less likely the deeper
    /// it is, never past depth 3 (the scripts stay small).
    fn may_nest(&mut self, ctx: Ctx, percent: usize) -> bool {
        ctx.depth < 3 && self.rng.chance(percent >> ctx.depth)
    }

    /// `$(` / `<(` / `>(` LIST `)`: a space keeps `$( (…` from reading as `$((`.
    fn substitution(&mut self, open: &str, ctx: Ctx, max: usize) {
        self.push(open);
        let at = self.out.len();
        self.list(ctx.inline(), 1, max, false);
        if self.out[at..].starts_with('(') {
            self.out.insert(at, ' ');
        }
        self.push(")");
    }

    /// Writes one of `items`.
    fn put(&mut self, items: &[&str]) {
        let s = items[self.rng.below(items.len())];
        self.out.push_str(s);
    }

    fn rng_pick(&mut self, items: &[&'static str]) -> &'static str {
        items[self.rng.below(items.len())]
    }

    fn pipeline(&mut self, ctx: Ctx) {
        // Not `time !` (shfmt rejects it) and no `time` inside `$(…)` (bash
        // 5.2 rejects `$(time if …)`).
        match self.rng.below(25) {
            0 | 1 => self.push("! "),
            2 if !ctx.inline => self.push("time "),
            3 if !ctx.inline => self.push("time -p "),
            4 if !ctx.inline => self.push("! time "),
            _ => {}
        }
        let stages = 1 + match self.rng.below(if ctx.depth == 0 { 10 } else { 7 }) {
            0..=4 => 0,
            5 | 6 => 1,
            7 => 2,
            8 => 3,
            _ => 4,
        };
        for i in 0..stages {
            if i > 0 {
                self.put(&[" | ", " | ", " |& "]);
                if self.rng.chance(10) && self.newline_ok(ctx) {
                    self.newline(ctx);
                }
            }
            self.command(ctx);
        }
    }

    fn command(&mut self, ctx: Ctx) {
        if !self.may_nest(ctx, 30) {
            self.simple(ctx);
            return;
        }
        let inner = ctx.nested();
        match self.rng.below(13) {
            0 => {
                self.push("if ");
                self.list(inner, 1, 2, true);
                self.push("then ");
                self.list(inner, 1, 3, true);
                while self.rng.chance(30) {
                    self.push("elif ");
                    self.list(inner, 1, 2, true);
                    self.push("then ");
                    self.list(inner, 1, 2, true);
                }
                if self.rng.chance(50) {
                    self.push("else ");
                    self.list(inner, 1, 2, true);
                }
                self.push("fi");
            }
            // shfmt cannot read `case` inside backquotes.
            1 if !ctx.backtick => {
                self.push("case ");
                self.word(ctx);
                self.push(" in");
                let items = 1 + self.rng.below(3);
                for i in 0..items {
                    self.push(" ");
                    if self.rng.chance(30) {
                        self.push("(");
                    }
                    self.put(&["kubectl", "a|b", "*", "get", "-n"]);
                    self.push(") ");
                    if self.rng.chance(85) {
                        self.list(inner, 1, 2, true);
                    }
                    let last = i + 1 == items;
                    if !last || self.rng.chance(70) {
                        self.put(&[";;", ";;", ";&", ";;&"]);
                    } else if !self.pending.is_empty() {
                        self.push(";;");
                    }
                }
                self.push(" esac");
            }
            2 => {
                self.push("for x in");
                for _ in 0..self.rng.below(4) {
                    self.push(" ");
                    self.word(ctx);
                }
                self.loop_body(inner);
            }
            3 if !ctx.no_dollar() => {
                self.push("for ((i = 0; i < 3; i++))");
                self.loop_body(inner);
            }
            4 => {
                self.put(&["while ", "until "]);
                self.list(inner, 1, 2, true);
                self.do_group(inner);
            }
            5 => {
                self.push("( ");
                self.list(inner, 1, 3, false);
                self.push(" )");
            }
            6 => {
                self.push("{ ");
                self.list(inner, 1, 3, true);
                self.push("}");
            }
            7 => {
                self.function(ctx);
                return;
            }
            8 if !ctx.sq || !ctx.dq => {
                self.inline_script(ctx);
            }
            // shfmt misreads `[[ … ]]` inside backquotes.
            9 if !ctx.backtick => {
                self.push("[[ ");
                self.test_expr(ctx);
                self.push(" ]]");
            }
            10 => self.put(&["(( i++ ))", "((x = 1 + 2))", "(( 3 > 2 ))"]),
            _ => {
                self.simple(ctx);
                return;
            }
        }
        self.redirects(ctx, 0, 2);
    }

    fn loop_body(&mut self, inner: Ctx) {
        if self.rng.chance(30) && self.newline_ok(inner) {
            self.newline(inner);
        } else {
            self.push("; ");
        }
        self.do_group(inner);
    }

    /// `do LIST done` of a loop.
    fn do_group(&mut self, inner: Ctx) {
        self.push("do ");
        self.list(
            Ctx {
                in_loop: true,
                ..inner
            },
            1,
            3,
            true,
        );
        self.push("done");
    }

    fn function(&mut self, ctx: Ctx) {
        let n = self.functions.len();
        let inner = Ctx {
            in_function: true,
            ..ctx.nested()
        };
        if !ctx.dq && self.rng.chance(35) {
            // A wrapper function: its calls are expanded by opslint.
            let name = format!("kc{n}");
            self.push(&format!("{name}() {{ kubectl "));
            if self.rng.chance(40) {
                self.push("--context=prod ");
            }
            self.push("\"$@\"; }");
            self.functions.push(name);
            return;
        }
        let name = format!("fn_{n}");
        match self.rng.below(4) {
            0 => self.push(&format!("{name}() {{ ")),
            1 => self.push(&format!("function {name} {{ ")),
            2 => self.push(&format!("function {name}() {{ ")),
            _ => {
                self.push(&format!("{name}() ( "));
                self.list(inner, 1, 3, false);
                self.push(" )");
                self.functions.push(name);
                return;
            }
        }
        if self.newline_ok(inner) && self.rng.chance(50) {
            self.newline(inner);
        }
        self.list(inner, 1, 4, true);
        self.push("}");
        self.functions.push(name);
    }

    /// `sh -c '…'` / `bash -ec "…"`: a script in a string.
    fn inline_script(&mut self, ctx: Ctx) {
        let shell = self.rng_pick(&["sh", "bash", "dash", "bash", "sudo bash", "/bin/sh"]);
        let opts = self.rng_pick(&["-c", "-c", "-ec", "-e -c", "-o pipefail -c", "-xc"]);
        self.push(&format!("{shell} {opts} "));
        let single = if ctx.sq {
            false
        } else if ctx.dq {
            true
        } else {
            self.rng.chance(60)
        };
        let inner = Ctx {
            sq: ctx.sq || single,
            dq: ctx.dq || !single,
            ..ctx.inline()
        };
        let q = if single { "'" } else { "\"" };
        self.push(q);
        self.list(inner, 1, 3, false);
        self.push(q);
    }

    fn test_expr(&mut self, ctx: Ctx) {
        let n = 1 + self.rng.below(3);
        for i in 0..n {
            if i > 0 {
                self.put(&[" && ", " || "]);
            }
            if self.rng.chance(20) {
                self.push("! ");
            }
            match self.rng.below(4) {
                0 => self.put(&["-f /etc/kubeconfig", "-d /snap", "-z kubectl"]),
                1 if !ctx.no_dollar() => {
                    self.push("-n ");
                    self.word(ctx);
                }
                2 if !ctx.no_dollar() => {
                    self.push("$x == kubectl*");
                }
                // shfmt misreads a regex ending in `$` inside backquotes.
                3 if !ctx.no_dollar() && !ctx.backtick => self.push("$v =~ ^k(ube)?ctl$"),
                _ => self.push("-e x.yaml"),
            }
        }
    }

    fn simple(&mut self, ctx: Ctx) {
        let mut assigned = false;
        while self.rng.chance(15) {
            self.put(&["A=1 ", "KUBECONFIG=/etc/k.conf ", "LC_ALL=C "]);
            if !ctx.no_dollar() && self.may_nest(ctx, 40) {
                self.out.pop();
                self.push("\"");
                self.substitution("$(", ctx, 1);
                self.push("\" ");
            }
            assigned = true;
        }
        if !assigned && self.rng.chance(6) {
            // An assignment alone.
            if ctx.no_dollar() || !self.may_nest(ctx, 100) {
                self.push("K=kubectl");
            } else {
                self.push("out=");
                self.substitution("$(", ctx, 2);
            }
            return;
        }
        if self.rng.chance(8) {
            self.redirect(ctx);
            self.push(" ");
        }
        let roll = self.rng.below(100);
        if roll < 45 {
            self.push("kubectl");
        } else if roll < 50 && !self.functions.is_empty() {
            let f = self.functions[self.rng.below(self.functions.len())].clone();
            self.push(&f);
        } else if roll < 53 && ctx.in_loop {
            self.put(&["break", "continue"]);
            return;
        } else if roll < 55 && ctx.in_function && !ctx.no_dollar() {
            self.push("local v=$(kubectl get ns)");
            return;
        } else if roll < 58 {
            self.put(&[
                "sudo kubectl",
                "command kubectl",
                "exec kubectl",
                "nohup kubectl",
                "env A=b kubectl",
                "microk8s kubectl",
                "xargs kubectl",
                "timeout 10 kubectl",
            ]);
        } else if roll < 60 && !ctx.no_dollar() {
            self.put(&["$KUBECTL", "\"$K\"", "${KUBECTL:-kubectl}"]);
        } else if roll < 62 && !ctx.dq && !ctx.sq {
            self.put(&["\"kubectl\"", "'kubectl'", "k\"ubectl\""]);
        } else {
            let p = self.rng_pick(OTHER_PROGRAMS);
            self.push(p);
            if p == "timeout" {
                self.push(" 5");
            }
        }
        let n = self.rng.below(4);
        for _ in 0..n {
            if self.rng.chance(8) && !ctx.backtick && !ctx.dq && self.pending.is_empty() {
                self.push(" \\\n     ");
            } else {
                self.push(" ");
            }
            if self.rng.chance(12) {
                self.redirect(ctx);
            } else {
                self.word(ctx);
            }
        }
        self.redirects(ctx, 0, 2);
    }

    fn redirects(&mut self, ctx: Ctx, min: usize, max: usize) {
        let n = if self.rng.chance(70) {
            min
        } else {
            min + self.rng.below(max - min + 1)
        };
        for _ in 0..n {
            self.push(" ");
            self.redirect(ctx);
        }
    }

    fn redirect(&mut self, ctx: Ctx) {
        match self.rng.below(16) {
            0 => self.push("> /tmp/out"),
            1 => self.push(">> /tmp/log"),
            2 => self.push("< x.yaml"),
            3 => self.push("2>&1"),
            4 => self.push("&> /dev/null"),
            5 => self.push("&>> /tmp/log"),
            6 => self.push("2>/dev/null"),
            7 => self.push(">| /tmp/out"),
            8 => self.push("<> /dev/tty"),
            9 => {
                self.push("<<< ");
                self.word(ctx);
            }
            10 => self.push(">&2"),
            11 => self.push("3>&-"),
            // bash allows at most 16 pending heredocs.
            12..=15 if !ctx.inline && self.pending.len() < 4 => self.heredoc(ctx),
            _ => self.push("1>/dev/null"),
        }
    }

    fn heredoc(&mut self, ctx: Ctx) {
        self.heredocs += 1;
        let delim = format!(
            "{}{}",
            self.rng_pick(&["EOF", "END", "YAML"]),
            self.heredocs
        );
        let bodies = [
            "kubectl get pods -n kube-system\n",
            "apiVersion: v1\nkind: ConfigMap  # kubectl apply -f -\n",
            "run kubectl --request-timeout=5s; echo done\n",
            "  indented kubectl line\n\n",
        ];
        let mut body = self.rng_pick(&bodies).to_string();
        match self.rng.below(4) {
            0 => {
                self.push(&format!("<<'{delim}'"));
                body.push_str("$(kubectl get ns) is not expanded\n");
            }
            1 => {
                self.push(&format!("<<-{delim}"));
                body = body
                    .lines()
                    .map(|l| format!("\t{l}\n"))
                    .collect::<String>()
                    .replace("\t\n", "\n");
                if self.rng.chance(50) {
                    body.push_str("\tns=$(kubectl get ns -o name)\n");
                }
                body.push_str(&format!("\t{delim}\n"));
                self.open_heredoc(ctx, body);
                return;
            }
            2 => {
                self.push(&format!("<<{delim}"));
                body.push_str("node: $(kubectl get nodes -o name | head -1)\n");
                if self.rng.chance(40) {
                    body.push_str("count: `kubectl get pods | wc -l` ${x:-kubectl}\n");
                }
            }
            _ => self.push(&format!("<< \"{delim}\"")),
        }
        body.push_str(&format!("{delim}\n"));
        self.open_heredoc(ctx, body);
    }

    fn open_heredoc(&mut self, ctx: Ctx, body: String) {
        if self.pending.is_empty() {
            self.pending_level = ctx.level;
        }
        self.pending.push(body);
    }

    fn word(&mut self, ctx: Ctx) {
        let multiline_ok = self.pending.is_empty();
        match self.rng.below(20) {
            0 if !ctx.dq => {
                self.push("\"");
                self.dq_content(ctx, multiline_ok);
                self.push("\"");
            }
            1 if !ctx.sq => {
                self.put(&[
                    "'kubectl get pods | grep x'",
                    "'{print $1}'",
                    "'a;b && kubectl'",
                    "''",
                ]);
                if multiline_ok && self.rng.chance(20) {
                    self.out.pop();
                    self.push("\nkubectl apply -f -'");
                }
            }
            2 if !ctx.no_dollar() => self.put(&[
                "$x",
                "${x}",
                "\"$@\"",
                "$1",
                "${x:-kubectl}",
                "\"${arr[@]}\"",
            ]),
            3 | 4 if !ctx.no_dollar() && self.may_nest(ctx, 60) => {
                if self.rng.chance(15) && self.newline_ok(ctx.inline()) && !ctx.backtick {
                    self.push("$( # kubectl here\n");
                    self.list(ctx.inline(), 1, 2, false);
                    self.push(")");
                } else {
                    self.substitution("$(", ctx, 2);
                }
            }
            5 if !ctx.no_dollar() && !ctx.backtick && self.may_nest(ctx, 60) => {
                self.push("`");
                self.list(
                    Ctx {
                        backtick: true,
                        ..ctx.inline()
                    },
                    1,
                    1,
                    false,
                );
                self.push("`");
            }
            6 if !ctx.no_dollar() => self.put(&["$((1 + 2))", "$(( i * 3 ))", "$((x))"]),
            7 if self.may_nest(ctx, 60) => {
                let open = self.rng_pick(&["<(", ">("]);
                self.substitution(open, ctx, 2);
            }
            8 if !ctx.sq && !ctx.no_dollar() && !ctx.backtick => self.push("$'kubectl\\tget'"),
            9 if !ctx.dq && !ctx.sq => self.push("--selector=\"app=$x\"'z'"),
            _ => {
                let w = self.rng_pick(KUBECTL_ARGS);
                self.push(w);
            }
        }
    }

    fn dq_content(&mut self, ctx: Ctx, multiline_ok: bool) {
        let n = 1 + self.rng.below(3);
        for _ in 0..n {
            match self.rng.below(6) {
                0 => self.push("kubectl get pods"),
                1 => self.push("$x and kubectl"),
                2 if self.may_nest(ctx, 60) => {
                    self.substitution("$(", ctx, 1);
                }
                3 if !ctx.backtick => self.push("`kubectl version`"),
                4 if multiline_ok => self.push("line one\nkubectl line two"),
                _ if ctx.sq => self.push("${x:-kubectl} q"),
                _ => self.push("${x:-kubectl} 'q'"),
            }
        }
    }
}
