//! The crate's layers, as docs/architecture.md draws them: each module imports
//! only modules of its own floor or below, no import circle exists, and no rule
//! imports another rule. Read from the source (`crate::…` and `super::…` paths
//! outside comments and `#[cfg(test)]` modules).

use std::collections::{BTreeMap, BTreeSet};

/// Floors, top down, and the top-level modules on each.
const FLOORS: &[(&str, &[&str])] = &[
    ("faces", &["main", "lib", "cli", "lsp", "report", "fixer", "validate", "baseline", "docs", "fuzz"]),
    ("pipeline", &["linter"]),
    ("rules", &["rules"]),
    ("analyses", &["budget", "discover"]),
    ("context", &["project", "config"]),
    ("front-ends", &["lang"]),
    ("knowledge", &["kubectl", "waits", "wrappers", "microk8s", "ansible_modules", "language", "target", "rule_meta", "suppress", "fix"]),
    (
        "base",
        &[
            "manifest", "facts", "diagnostic", "source", "fsread", "fswrite", "ignorefiles", "gitindex", "duration",
            "suggest", "escape",
        ],
    ),
];

mod sources;

/// Every module of `src/` (`lang/shell`, `rules/kubectl_request_timeout`, …)
/// with its code.
fn modules() -> BTreeMap<String, String> {
    sources::rust_sources().into_iter().map(|f| (f.module, f.code)).collect()
}

/// The longest module that a path of words names.
fn longest(names: &BTreeSet<String>, words: &[&str]) -> Option<String> {
    (1..=words.len()).rev().map(|n| words[..n].join("/")).find(|c| names.contains(c))
}

fn path_words(text: &str) -> Vec<&str> {
    text.split("::")
        .map(str::trim)
        .take_while(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
        .collect()
}

/// Which modules each module imports.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, code) in &modules {
        let edges = out.entry(module.clone()).or_default();
        let parent: Vec<&str> = module.split('/').collect();
        let parent = &parent[..parent.len() - 1];
        let mut add = |target: Option<String>| {
            if let Some(t) = target
                && t != *module
            {
                edges.insert(t);
            }
        };
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                for item in group[..group.find('}').unwrap_or(group.len())].split(',') {
                    add(longest(&names, &path_words(item)));
                }
            } else {
                add(longest(&names, &path_words(rest)));
            }
        }
        for (at, _) in code.match_indices("super::") {
            if code[..at].ends_with("super::") {
                continue;
            }
            let rest = &code[at + "super::".len()..];
            let mut base: Vec<&str> = parent.to_vec();
            let mut rest = rest;
            while let Some(r) = rest.strip_prefix("super::") {
                base.pop();
                rest = r;
            }
            let items: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group[..group.find('}').unwrap_or(group.len())].split(',').collect(),
                None => vec![rest],
            };
            for item in items {
                let mut words = base.clone();
                words.extend(path_words(item));
                add(longest(&names, &words).or_else(|| (!base.is_empty()).then(|| base.join("/"))));
            }
        }
    }
    out
}

fn floor(module: &str) -> usize {
    let top = module.split('/').next().unwrap_or(module);
    FLOORS
        .iter()
        .position(|(_, modules)| modules.contains(&top))
        .unwrap_or_else(|| panic!("module `{module}` is on no floor: place it in FLOORS and docs/architecture.md"))
}

#[test]
fn every_import_goes_down_or_across() {
    let mut upward = Vec::new();
    for (module, targets) in imports() {
        for target in targets {
            if floor(&target) < floor(&module) {
                upward.push(format!(
                    "{module} ({}) imports {target} ({})",
                    FLOORS[floor(&module)].0,
                    FLOORS[floor(&target)].0
                ));
            }
        }
    }
    assert!(upward.is_empty(), "imports that run up a floor:\n{}", upward.join("\n"));
}

#[test]
fn no_rule_imports_another_rule() {
    let mut found = Vec::new();
    for (module, targets) in imports() {
        if !module.starts_with("rules/") {
            continue;
        }
        for target in targets {
            if target.starts_with("rules/") {
                found.push(format!("{module} imports {target}"));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn no_import_circle() {
    let graph = imports();
    // Tarjan's strongly connected components.
    struct State<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        circles: Vec<Vec<&'g str>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                s.low.entry(v).and_modify(|l| *l = (*l).min(lw));
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                s.low.entry(v).and_modify(|l| *l = (*l).min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w);
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.circles.push(component);
            }
        }
    }
    let mut s = State {
        graph: &graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        circles: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    assert!(s.circles.is_empty(), "import circles: {:?}", s.circles);
}

/// No rule or front-end reaches for a process-wide project index: the
/// pipeline hands the project's context down.
#[test]
fn no_global_project_index_below_the_pipeline() {
    let found: Vec<String> = modules()
        .into_iter()
        .filter(|(m, _)| m.starts_with("rules") || m.starts_with("lang"))
        .filter(|(_, code)| code.contains("project::index("))
        .map(|(m, _)| m)
        .collect();
    assert!(found.is_empty(), "{found:?}");
}

/// Rules and the analyses they use read what the front-ends and the
/// pipeline produced once per file (facts, the parsed suppression
/// directives); they do not parse the file's text again.
#[test]
fn rules_read_facts_instead_of_parsing_again() {
    let parsers = ["lang::nrpe::commands", "nrpe::commands(", "suppress::parse(", "args_targets(", "path_arg("];
    let found: Vec<String> = modules()
        .into_iter()
        .filter(|(m, _)| m.starts_with("rules") || m == "budget")
        .flat_map(|(m, code)| {
            parsers
                .iter()
                .filter(|p| code.contains(*p))
                .map(move |p| format!("{m} calls {p}"))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(found.is_empty(), "{found:?}");
}
