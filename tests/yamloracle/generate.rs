//! Random YAML in the shapes Ansible trees use (task lists, defaults, inventories)
//! with the lexical corners where parsers differ: multi-line quoted scalars
//! (continuation lines indented with spaces, tabs or less than the key), escapes,
//! block scalars with indicators, flow collections (nested, over several lines
//! indented past the key, with tabs or less than the key), anchors
//! and aliases, `!vault`/`!unsafe` tags, comments and tabs after values,
//! document markers, Jinja text. About one text in eight gets a mutation that
//! may make it invalid (a tab as indentation, an unclosed quote, a bad
//! indent), so that rejection is compared too. Deterministic for a seed.

#[path = "../oracle/generate.rs"]
#[allow(dead_code)]
mod shell;

pub use shell::Rng;

struct Gen {
    rng: Rng,
    out: String,
    anchors: Vec<String>,
    keys: usize,
}

const WORDS: &[&str] = &[
    "microk8s", "kubectl get nodes", "/var/snap/microk8s/current/args/k8s-dqlite", "{{ item }}",
    "{{ microk8s_channel | default('1.30/stable') }}", "yes", "no", "on", "1.30", "010", "0x1F", "~",
    "null", "2024-01-02", "a b c", "--snapshot-threshold=512", "x:y", "a #b", "é", "ünïcode", "100%",
];

impl Gen {
    fn key(&mut self) -> String {
        self.keys += 1;
        match self.rng.below(10) {
            0 => format!("'k{}'", self.keys),
            1 => format!("\"k{}\"", self.keys),
            2 => format!("k_{}.{}", self.keys, self.rng.pick(&["x", "y"])),
            _ => format!("k{}", self.keys),
        }
    }

    fn word(&mut self) -> &'static str {
        *self.rng.pick(WORDS)
    }

    /// A scalar as the value of a key at `indent` (the value's continuation
    /// lines need more indentation than the key).
    fn scalar(&mut self, indent: usize) -> String {
        let more = " ".repeat(indent + 2);
        let w = self.word();
        match self.rng.below(16) {
            0 | 1 => {
                // Plain, maybe folded over lines.
                let w = if w.contains(": ") || w.contains(" #") || w.starts_with(['{', '~', '%']) || w.contains("{{") {
                    "plain text"
                } else {
                    w
                };
                if self.rng.chance(30) {
                    format!("{w}\n{more}continued {w}")
                } else {
                    w.to_string()
                }
            }
            2..=5 => {
                // Single-quoted, maybe over lines with odd continuation indents.
                let body = w.replace('\'', "''");
                if self.rng.chance(50) {
                    let cont = self.continuation(indent);
                    format!("'{body}\n{cont}and {body}''s rest'")
                } else {
                    format!("'{body} it''s'")
                }
            }
            6..=9 => {
                let body = w.replace('\\', "\\\\").replace('"', "\\\"");
                match self.rng.below(5) {
                    0 => format!("\"{body}\\n\\t\\x41\\u00e9 end\""),
                    1 => {
                        let cont = self.continuation(indent);
                        format!("\"{body}\n{cont}more {body}\"")
                    }
                    2 => format!("\"{body} \\\n{more}joined\""),
                    3 => {
                        let cont = self.continuation(indent);
                        format!("\"{body}\n\n{cont}after a blank line\"")
                    }
                    _ => format!("\"{body}\""),
                }
            }
            10 | 11 => {
                // Block scalars.
                let ind = *self.rng.pick(&["|", "|-", "|+", ">", ">-", "|2", ">+"]);
                let lines = 1 + self.rng.below(3);
                let mut s = ind.to_string();
                if self.rng.chance(20) {
                    s.push_str(" # comment");
                }
                for i in 0..lines {
                    s.push('\n');
                    s.push_str(&more);
                    if i > 0 && self.rng.chance(25) {
                        s.push_str("  ");
                    }
                    if self.rng.chance(15) {
                        s.push('\t');
                    }
                    let w = self.word();
                    s.push_str(w);
                }
                if self.rng.chance(20) {
                    s.push('\n');
                }
                s
            }
            12 => self.flow(indent),
            13 => {
                let tag = *self.rng.pick(&["!vault", "!unsafe"]);
                if tag == "!vault" {
                    format!("!vault |\n{more}$ANSIBLE_VAULT;1.1;AES256\n{more}6162636465666768")
                } else {
                    format!("!unsafe '{{{{ not_jinja }}}}'")
                }
            }
            14 => {
                if let Some(a) = self.anchors.last().cloned()
                    && self.rng.chance(60)
                {
                    format!("*{a}")
                } else {
                    let a = format!("a{}", self.anchors.len());
                    self.anchors.push(a.clone());
                    format!("&{a} anchored")
                }
            }
            _ => String::new(),
        }
    }

    /// A flow sequence or mapping as the value of a key at `indent`, maybe
    /// nested, maybe over lines (see [`Gen::flow_line`]).
    fn flow(&mut self, indent: usize) -> String {
        let multi = self.rng.chance(40);
        let sep = |g: &mut Gen| {
            if multi {
                let comment = if g.rng.chance(15) { " # note" } else { "" };
                format!(",{comment}\n{}", g.flow_line(indent))
            } else {
                ", ".to_string()
            }
        };
        match self.rng.below(5) {
            0 | 1 => {
                let (a, b) = (sep(self), sep(self));
                // A trailing comma, the bracket on a line of its own.
                let end = if multi && self.rng.chance(30) { sep(self) } else { String::new() };
                format!("[a{a}'b c'{b}\"d\"{end}]")
            }
            2 => {
                // Now and then a key's `:` on the next line (libyaml refuses it).
                let colon = if multi && self.rng.chance(20) { format!("\n{}: ", self.flow_line(indent)) } else { ": ".to_string() };
                format!("{{x{colon}1{}'y': \"z\"}}", sep(self))
            }
            3 => format!("{{x: [1{}2]{}y: {{z: w}}}}", sep(self), sep(self)),
            _ => {
                // A plain scalar over lines: libyaml refuses a tab among the
                // leading blanks of its continuation line in a column not
                // past the key's.
                let cont = if multi { format!("\n{}", self.flow_line(indent)) } else { " ".to_string() };
                format!("[a b{cont}c, d]")
            }
        }
    }

    /// The indentation of a flow collection's continuation line, which
    /// libyaml does not check (saphyr wants it past the key): spaces past
    /// the key, a tab alone or after spaces, no more spaces than the key's.
    fn flow_line(&mut self, indent: usize) -> String {
        match self.rng.below(6) {
            0 => "\t".to_string(),
            1 => format!("{}\t", " ".repeat(self.rng.below(indent + 3))),
            2 => " ".repeat(self.rng.below(indent + 1)),
            _ => " ".repeat(indent + 2),
        }
    }

    /// The indentation of a quoted scalar's continuation line: spaces past the
    /// key, a tab after them or alone, or (rarely) less than the key's.
    fn continuation(&mut self, indent: usize) -> String {
        let more = " ".repeat(indent + 2);
        match self.rng.below(8) {
            0 => format!("\t{}", " ".repeat(self.rng.below(4))),
            1 => format!("{more}\t"),
            2 => format!("{}\t ", " ".repeat(indent)),
            3 if indent > 0 => " ".repeat(indent - 1),
            _ => more,
        }
    }

    fn trailer(&mut self) -> &'static str {
        *self.rng.pick(&["", "", "", " # note", "\t# tabbed note", "  ", "\t"])
    }

    fn mapping(&mut self, indent: usize, depth: usize) {
        let pad = " ".repeat(indent);
        for _ in 0..1 + self.rng.below(4) {
            let key = self.key();
            if depth < 3 && self.rng.chance(25) {
                let t = self.trailer();
                self.out.push_str(&format!("{pad}{key}:{t}\n"));
                if self.rng.chance(50) {
                    self.mapping(indent + 2, depth + 1);
                } else {
                    let seq_indent = if self.rng.chance(50) { indent } else { indent + 2 };
                    self.sequence(seq_indent, depth + 1);
                }
            } else {
                let v = self.scalar(indent);
                let sep = if v.is_empty() { "" } else { " " };
                let t = if v.contains('\n') { "" } else { self.trailer() };
                self.out.push_str(&format!("{pad}{key}:{sep}{v}{t}\n"));
            }
            if self.rng.chance(10) {
                let w = self.word();
                self.out.push_str(&format!("{pad}# comment: {w}\n"));
            }
            if self.rng.chance(5) {
                self.out.push('\n');
            }
        }
    }

    fn sequence(&mut self, indent: usize, depth: usize) {
        let pad = " ".repeat(indent);
        for _ in 0..1 + self.rng.below(3) {
            if depth < 3 && self.rng.chance(50) {
                // A task: `- name: …` then keys under it.
                let name = self.scalar(indent + 2);
                let name = if name.is_empty() || name.contains('\n') { "task".to_string() } else { name };
                self.out.push_str(&format!("{pad}- name: {name}\n"));
                self.mapping(indent + 2, depth + 1);
            } else {
                let v = self.scalar(indent + 2);
                let t = if v.contains('\n') { "" } else { self.trailer() };
                self.out.push_str(&format!("{pad}- {v}{t}\n"));
            }
        }
    }

    /// Something that may break the text (or may not: it is compared either way).
    fn mutate(&mut self) {
        let lines: Vec<&str> = self.out.split_inclusive('\n').collect();
        if lines.len() < 2 {
            return;
        }
        let i = 1 + self.rng.below(lines.len() - 1);
        let line = lines[i];
        let new = match self.rng.below(6) {
            0 => format!("\t{}", line.trim_start_matches(' ')),
            1 => format!(" {line}"),
            2 => line.replacen('\'', "", 1),
            3 => line.replacen(": ", ":", 1),
            4 => format!("{}\n", line.trim_end().to_string() + " \"open"),
            _ => line.replacen("  ", "\t", 1),
        };
        self.out = lines[..i].concat() + &new + &lines[i + 1..].concat();
    }
}

/// The `index`th text of `seed`.
pub fn text(seed: u64, index: usize) -> String {
    let mut g = Gen {
        rng: Rng::new(seed.wrapping_mul(7_000_003).wrapping_add(index as u64)),
        out: String::new(),
        anchors: Vec::new(),
        keys: 0,
    };
    if g.rng.chance(20) {
        g.out.push_str("---\n");
    }
    if g.rng.chance(50) {
        g.sequence(0, 0);
    } else {
        g.mapping(0, 0);
    }
    if g.rng.chance(10) {
        g.out.push_str("...\n---\n");
        g.mapping(0, 1);
    }
    if g.rng.chance(12) {
        g.mutate();
    }
    g.out
}
