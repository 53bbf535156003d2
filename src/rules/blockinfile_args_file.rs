use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::facts::{AnsibleTask, FileFacts};
use crate::source::{SourceFile, Span};

pub struct BlockinfileArgsFile;

pub(super) static META: RuleMeta = RuleMeta {
    name: "blockinfile-args-file",
    default_severity: Severity::Error,
    summary: "`blockinfile` editing a MicroK8s daemon args file",
    docs: r#"## What it does
Flags an Ansible `blockinfile` task (short, `ansible.builtin.` or
`ansible.legacy.` name, mapping or `key=value` form, `action:` too) whose
destination (`path`, `dest`, `destfile` or `name`) is a MicroK8s args file:
`…/args/<component>` under `/var/snap/microk8s/current/args`,
`/var/snap/microk8s/<revision>/args`, `$SNAP_DATA/args`, `${SNAP_DATA}/args`,
`/var/snap/k8s/common/args`, or a partly templated path ending in
`args/<component>`. A templated file name in one of these directories
(`/var/snap/microk8s/current/args/{{ item.key }}`) is some daemon's args file,
whichever the template names: flagged too (the flags of each entry of the
looped variable are judged by the flag rules, such as `unknown-daemon-flag`,
where the variable is defined). Files in `args/` that are not flag files
(`containerd-template.toml`, `certs.d/…`, `*-env`) are not flagged.

## Why is this bad?
MicroK8s turns each args file into the daemon's command line. `blockinfile`
writes `# BEGIN ANSIBLE MANAGED BLOCK` / `# END ANSIBLE MANAGED BLOCK` marker
lines into it, manages all its flags as one block (a flag already present in
the file is not replaced but duplicated) and hides which flag changed. A custom
`marker` that does not start with `#` becomes an argument of the daemon. In the
incident behind this rule a role used `blockinfile` to add
`--snapshot-threshold=512` and `--snapshot-trailing-logs=256` to
`args/k8s-dqlite`; k8s-dqlite has no such flags, and exited with
`Error: unknown flag: --snapshot-threshold` on every start.

## Example
```yaml
- name: Tune dqlite snapshots
  ansible.builtin.blockinfile:
    path: /var/snap/microk8s/current/args/k8s-dqlite
    block: |
      --snapshot-threshold=512
      --snapshot-trailing-logs=256
```

## Use instead
One `lineinfile` per flag (or a loop), replacing the flag wherever it stands:
```yaml
- name: Set a k8s-dqlite flag
  ansible.builtin.lineinfile:
    path: /var/snap/microk8s/current/args/k8s-dqlite
    regexp: '^--example-flag(=|\s|$)'
    line: '--example-flag=value'
```
and check the flag exists for the k8s-dqlite version you run.

## Fix
Unsafe: for a task in mapping form without a loop of its own, whose block is
literal text, the module is replaced by `ansible.builtin.lineinfile` with a
`loop` over the block's flags and a `regexp` that matches each flag by name.
Marker lines already written by earlier runs stay in the file and must be
removed by hand; review the result.
"#,
    options: &[],
    fix: FixKind::Unsafe,
};

impl Rule for BlockinfileArgsFile {
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["blockinfile"])
    }

    fn applies_to(&self, language: crate::lang::Language) -> bool {
        language == crate::lang::Language::Yaml
    }

    fn check(&self, ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        for task in facts.tasks.iter().filter(|t| t.module == "blockinfile") {
            if let Some((mut d, rejected)) = check_task(ctx, task) {
                d.fix = lineinfile_fix(ctx.source, task, &rejected).map(Box::new);
                out.push(d);
            }
        }
    }
}

/// The finding of a `blockinfile` task, and the flags of its block that the
/// target's daemon rejects (with why).
fn check_task(ctx: &RuleContext<'_>, task: &AnsibleTask) -> Option<(Diagnostic, Vec<(String, String)>)> {
    let dest = task.dest_arg()?;
    let targets = &task.args_files;
    // A templated file name in an args directory (`args/{{ item.key }}`):
    // some daemon's args file, whichever the template names.
    let templated = dest.text().and_then(crate::microk8s::templated_args_file);
    let (dest_text, component, whose) = match (targets.first(), templated) {
        (Some(first), _) => (first.path.clone(), first.component, format!("`{}`", first.component)),
        (None, Some(name)) => (dest.text()?.to_string(), "", format!("the daemon `{name}` names")),
        (None, None) => return None,
    };
    let dest_text = dest_text.as_str();
    let mut message = format!(
        "`blockinfile` edits the MicroK8s args file of {whose}: it writes `# BEGIN/END ANSIBLE MANAGED BLOCK` lines into the daemon's command line and manages its flags as one block"
    );
    let mut d = META.report(
        task.module_span,
        String::new(),
    )
    .with_label(dest.value_span, format!("args file of {whose}"));
    for target in targets {
        if let Some(item) = target.item {
            d = d.with_label(
                item,
                format!("loop item `{}`: the args file of `{}`", target.path, target.component),
            );
        }
    }
    if let Some(marker) = task.arg("marker") {
        let text = marker.value.as_deref().unwrap_or("");
        if !text.trim_start().starts_with('#') {
            message.push_str(&format!(
                "; the custom marker `{text}` does not start with `#`, so its lines become arguments of {whose}"
            ));
        }
        d = d.with_label(
            marker.value_span,
            "marker lines are written into the args file",
        );
    }
    d.message = message.into_boxed_str();
    let flags: Vec<String> = task
        .arg("block")
        .or_else(|| task.arg("content"))
        .and_then(|b| b.value.as_deref())
        .map(|block| {
            block
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with("--"))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let rejected = rejected_flags(ctx, component, &flags);
    let accepted: Vec<&String> = flags.iter().filter(|f| !rejected.iter().any(|(r, _)| r == *f)).collect();
    let mut help = String::from(
        "use one `ansible.builtin.lineinfile` task per flag, which replaces the flag wherever it stands:",
    );
    if accepted.is_empty() {
        help.push_str(&format!(
            "\n  - ansible.builtin.lineinfile:\n      path: {dest_text}\n      regexp: '^--FLAG(=|\\s|$)'\n      line: '--FLAG=VALUE'"
        ));
    }
    for flag in accepted {
        let name = flag.split(['=', ' ']).next().unwrap_or(flag);
        help.push_str(&format!(
            "\n  - ansible.builtin.lineinfile:\n      path: {dest_text}\n      regexp: '^{name}(=|\\s|$)'\n      line: '{flag}'"
        ));
    }
    for (flag, why) in &rejected {
        help.push_str(&format!("\nleave out `{flag}`: {why}"));
    }
    if component == "k8s-dqlite" && flags.iter().any(|f| f.starts_with("--snapshot-")) {
        help.push_str("\nk8s-dqlite has no `--snapshot-*` flags: snapshot tuning is read from `tuning.yaml` in its storage directory");
    }
    Some((d.with_help(help), rejected))
}

/// The flags of `flags` (`--name[=value]` lines) that no version of
/// `component` the target may run accepts, each with why, from the flag
/// manifests `unknown-daemon-flag` judges with.
fn rejected_flags(ctx: &RuleContext<'_>, component: &str, flags: &[String]) -> Vec<(String, String)> {
    let Some(manifest) = crate::manifest::for_component(component) else {
        return Vec::new();
    };
    let targets = ctx.target.versions(manifest);
    let target_desc = if ctx.target.constrains(component) {
        ctx.target.describe(component)
    } else {
        match manifest.newest() {
            Some(newest) => format!("{component} {} (the newest release)", newest.tag),
            None => return Vec::new(),
        }
    };
    flags
        .iter()
        .filter_map(|flag| {
            let name = flag.trim_start_matches('-').split(['=', ' ']).next().unwrap_or("");
            if name.is_empty() || manifest.is_builtin(name) || targets.iter().any(|v| v.flag(name).is_some()) {
                return None;
            }
            let why = if manifest.accepting(name).is_empty() {
                format!("it is not a flag of {component} in {}", manifest.versions_cover)
            } else {
                format!("{target_desc} does not accept it")
            };
            Some((flag.clone(), format!("{why}, and the daemon exits on it")))
        })
        .collect()
}

/// Replaces the `blockinfile` module (key and arguments) by a `lineinfile` loop
/// over the block's flags. Only for the plain mapping form.
fn lineinfile_fix(source: &SourceFile, task: &AnsibleTask, rejected: &[(String, String)]) -> Option<Fix> {
    if task.has_loop || task.args.is_empty() {
        return None;
    }
    let text = &source.text;
    let key_line = source.lines.line_of(task.module_span.start);
    // Mapping form: every argument on a line below the module key.
    if task
        .args
        .iter()
        .any(|a| source.lines.line_of(a.name_span.start) <= key_line)
    {
        return None;
    }
    let block = task
        .arg("block")
        .or_else(|| task.arg("content"))?
        .value
        .as_deref()?;
    if block.contains("{{") || block.contains("{%") {
        return None;
    }
    let flags: Vec<&str> = block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if flags.is_empty() || flags.iter().any(|f| !f.starts_with("--")) {
        return None;
    }
    let dest = task.dest_arg()?;
    let key_indent = task.module_span.start - source.lines.line_start(key_line);
    let first_arg = task.args.iter().map(|a| a.name_span.start).min()?;
    let arg_indent = first_arg - source.lines.line_start(source.lines.line_of(first_arg));
    // The arguments end where the last value ends (trailing blank lines excluded).
    let last = task
        .args
        .iter()
        .map(|a| a.value_span.end.max(a.name_span.end))
        .max()?;
    let last = text[..last.min(text.len())].trim_end().len();
    let end = source
        .lines
        .line_span(text, source.lines.line_of(last.saturating_sub(1)))
        .end;
    // Anchors, aliases and merge keys may be used elsewhere: leave those to a person.
    let replaced = &text[task.module_span.start..end];
    if replaced.contains("<<") || replaced.contains('&') || replaced.contains('*') {
        return None;
    }
    let (ki, ai) = (" ".repeat(key_indent), " ".repeat(arg_indent));
    let mut content = format!(
        "ansible.builtin.lineinfile:\n{ai}path: {}\n{ai}regexp: '^{{{{ item | regex_replace(\"[= ].*$\", \"\") | regex_escape }}}}(=|\\s|$)'\n{ai}line: \"{{{{ item }}}}\"\n{ki}loop:",
        source.slice(dest.value_span)
    );
    for flag in flags {
        content.push_str(&format!("\n{ki}  - '{}'", flag.replace('\'', "''")));
    }
    Some(Fix {
        applicability: Applicability::Unsafe,
        description: if rejected.is_empty() {
            "replace `blockinfile` by a `lineinfile` loop over the flags".into()
        } else {
            format!(
                "replace `blockinfile` by a `lineinfile` loop over the flags (remove {} from it: the target's daemon rejects {})",
                rejected.iter().map(|(f, _)| format!("`{f}`")).collect::<Vec<_>>().join(", "),
                if rejected.len() == 1 { "it" } else { "them" }
            )
        }
        .into(),
        edits: vec![Edit::replacement(
            Span::new(task.module_span.start, end),
            content,
        )],
    })
}
