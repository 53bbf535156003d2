use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::FileFacts;
use crate::lang::Language;

pub struct HandlerNotFound;

pub(super) static META: RuleMeta = RuleMeta {
    name: "handler-not-found",
    default_severity: Severity::Error,
    summary: "`notify:` names a handler that nothing defines",
    docs: r#"## What it does
Checks every `notify:` entry of an Ansible task against the handlers that can
receive it: the `name` and `listen` topics of the handlers in the same file
(the play's `handlers:`, or a role's `handlers/` file), and of every handler in
the repository (role handlers, also as `role : name`, and the `handlers:` of
every playbook), since Ansible makes all handlers of the roles in a play
visible to each other. Names written with `{{ … }}` on either side are
matched as patterns.

## Why is this bad?
Ansible only warns (or fails, depending on the version and settings) when a
notified handler does not exist, and a renamed handler silently stops running.
A public MicroK8s role notified `restart microk8s` while its handler was named
differently: the restart after a configuration change never happened, and the
change took effect at some later, unplanned restart.

## Example
```yaml
- name: Set a kubelet flag
  ansible.builtin.lineinfile:
    path: /var/snap/microk8s/current/args/kubelet
    line: --max-pods=200
  notify: Restart kubelite

# handlers/main.yml
- name: Restart microk8s kubelite
  ansible.builtin.systemd:
    name: snap.microk8s.daemon-kubelite
    state: restarted
```

## Use instead
Notify the handler by its exact `name`, or give the handler a `listen:` topic
and notify that.

## Fix
None: which handler was meant is for a person to decide (the message suggests
the closest name; in a file with very many distinct misspellings and handlers,
the search for suggestions is bounded, and later messages may have none).
"#,
    options: &[],
    fix: FixKind::None,
};

/// Whether `notified` matches handler `name`, where `{{ … }}` in either stands
/// for any text.
fn matches(name: &str, notified: &str) -> bool {
    if name == notified {
        return true;
    }
    let pattern = |s: &str| -> Option<Vec<String>> {
        if !s.contains("{{") {
            return None;
        }
        let mut parts = Vec::new();
        let mut rest = s;
        while let Some(open) = rest.find("{{") {
            parts.push(rest[..open].to_string());
            rest = rest[open..].find("}}").map_or("", |c| &rest[open + c + 2..]);
        }
        parts.push(rest.to_string());
        Some(parts)
    };
    let fits = |parts: &[String], text: &str| {
        let mut pos = 0;
        for (i, part) in parts.iter().enumerate() {
            if i == 0 {
                if !text.starts_with(part.as_str()) {
                    return false;
                }
                pos = part.len();
            } else if i == parts.len() - 1 {
                return text.len() >= pos + part.len() && text.ends_with(part.as_str());
            } else {
                match text[pos..].find(part.as_str()) {
                    Some(at) => pos += at + part.len(),
                    None => return false,
                }
            }
        }
        true
    };
    match (pattern(name), pattern(notified)) {
        (Some(p), None) => fits(&p, notified),
        (None, Some(p)) => fits(&p, name),
        // Both templated: cannot be told apart statically.
        (Some(_), Some(_)) => true,
        (None, None) => false,
    }
}

impl Rule for HandlerNotFound {
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["notify"])
    }

    fn applies_to(&self, language: Language) -> bool {
        language == Language::Yaml
    }

    fn check(&self, ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        if facts.tasks.iter().all(|t| t.notify.is_empty()) {
            return;
        }
        // Nearby first (this file, its role's or the play's roles' handlers):
        // most notifications resolve there and the repository is not read.
        let mut nearby: Vec<String> = facts
            .tasks
            .iter()
            .filter(|t| t.in_handlers)
            .flat_map(|t| t.name.iter().chain(t.listen.iter()).cloned())
            .collect();
        let mut role_dirs: Vec<std::path::PathBuf> = Vec::new();
        let path = &ctx.source.path;
        if let Some(role_dir) = path
            .ancestors()
            .find(|a| a.parent().and_then(|p| p.file_name()).is_some_and(|n| n == "roles"))
        {
            role_dirs.push(role_dir.to_path_buf());
        }
        if let Some(dir) = path.parent() {
            for play in &facts.plays {
                for (role, _) in &play.roles {
                    role_dirs.push(dir.join("roles").join(role));
                }
            }
        }
        for dir in &role_dirs {
            nearby.extend(crate::project::role_handlers(ctx.root, dir));
        }
        // Exact names by hashing; only templated names (`{{ … }}`) are matched
        // as patterns, and a templated notification matches any templated name.
        let nearby = Names::new(nearby.iter().map(String::as_str));
        let all: std::cell::OnceCell<Names> = std::cell::OnceCell::new();
        let known: std::cell::OnceCell<Vec<&str>> = std::cell::OnceCell::new();
        // One verdict (and one suggestion) per distinct notification.
        let mut verdicts: std::collections::HashMap<&str, String> = Default::default();
        // Suggestions compare each distinct misspelling with every known name:
        // bounded per file, so a tree of many of both costs no more than this.
        let mut suggestion_budget = SUGGESTION_BUDGET;
        for task in &facts.tasks {
            for (notified, span) in &task.notify {
                if nearby.matches(notified) {
                    continue;
                }
                // Anywhere in the repository (handlers of all roles in a play
                // are visible to each other).
                let all = all.get_or_init(|| Names::new(ctx.project.handlers().iter().map(String::as_str)));
                if all.matches(notified) {
                    continue;
                }
                let known = known.get_or_init(|| {
                    let mut known: Vec<&str> = all.names.iter().copied().chain(nearby.names.iter().copied()).collect();
                    known.sort_unstable();
                    known.dedup();
                    known
                });
                let message = verdicts.entry(notified.as_str()).or_insert_with(|| {
                    let mut message = format!(
                        "`notify: {notified}` names no handler: no handler in this file or anywhere in the repository has this `name` or `listen` topic, so it never runs"
                    );
                    if let Some(near) = crate::suggest::closest_within(notified, known.iter().copied(), &mut suggestion_budget) {
                        message.push_str(&format!("; did you mean `{near}`?"));
                    }
                    message
                });
                let mut d = META.report(*span, message.clone());
                if known.is_empty() {
                    d = d.with_help("no handler is defined in this repository at all");
                }
                out.push(d);
            }
        }
    }
}

/// Character comparisons spent on "did you mean" per file (about 20 ms);
/// past it a notification's message has no suggestion.
const SUGGESTION_BUDGET: usize = 16_000_000;

/// Handler names and topics, to match notifications against as [`matches`]
/// does, without reading every name for each notification.
struct Names<'n> {
    names: Vec<&'n str>,
    exact: std::collections::HashSet<&'n str>,
    templated: Vec<&'n str>,
}

impl<'n> Names<'n> {
    fn new(names: impl Iterator<Item = &'n str>) -> Self {
        let names: Vec<&str> = names.collect();
        Names {
            exact: names.iter().copied().collect(),
            templated: names.iter().copied().filter(|k| k.contains("{{")).collect(),
            names,
        }
    }

    /// Whether some name matches `notified`.
    fn matches(&self, notified: &str) -> bool {
        if self.exact.contains(notified) {
            return true;
        }
        if notified.contains("{{") {
            // Two templated names always match; a plain name as a pattern.
            !self.templated.is_empty() || self.names.iter().any(|k| matches(k, notified))
        } else {
            self.templated.iter().any(|k| matches(k, notified))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn templated_names_match_as_patterns() {
        assert!(matches("Restart k8s-dqlite", "Restart k8s-dqlite"));
        assert!(!matches("Restart k8s-dqlite", "restart k8s-dqlite"));
        assert!(matches("Restart {{ service }}", "Restart kubelite"));
        assert!(!matches("Restart {{ service }}", "Reload kubelite"));
        assert!(matches("restart kubelite", "restart {{ what }}"));
        assert!(matches("a {{ x }} b {{ y }} c", "a 1 b 2 c"));
        assert!(!matches("a {{ x }} b {{ y }} c", "a 1 c"));
    }
}
