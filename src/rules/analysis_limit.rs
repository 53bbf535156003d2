use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::FileFacts;

/// Where the analysis of a file stopped at one of its limits.
pub struct AnalysisLimit;

pub static META: RuleMeta = RuleMeta {
    name: "analysis-limit",
    default_severity: Severity::Warning,
    summary: "Analysis stopped at a limit (expansion budget, size): part of the file was not checked",
    docs: r#"## What it does
Reports the place where opslint stopped analysing part of a file because it
reached one of the limits that keep a run bounded in time and memory whatever
the input:

- the expansion budget of a file: variables, wrapper functions and aliases are
  followed to find the commands they run, but a chain that keeps growing
  (`v1="$v0 $v0 …"; v2="$v1 $v1 …"`, exponential in the number of levels) is
  cut once the text it would produce exceeds the budget;
- the number of elements of one structure that are compared with each other
  (members of a dqlite `cluster.yaml`);
- a cycle of role dependencies (`meta/main.yml` of role `a` depends on `b`,
  whose `meta/main.yml` depends on `a`): opslint follows each role once and
  reports the cycle once, as an info, at the `dependencies:` of the role of
  the cycle whose name sorts first;
- a heredoc fed to a program that runs it as a script (`ssh host <<EOF`,
  `bash -s <<EOF`, `sudo bash <<EOF`) whose delimiter is unquoted and whose
  body holds `$`, backquotes or backslashes: this shell expands them before
  the program reads the script, so its commands are not known as written
  (an info; with a quoted delimiter, `<<'EOF'`, the body is analysed);
- a library a script sources that cannot be followed: its path is built from
  a variable whose value is only known when the script runs
  (`source $SNAP/actions/common/utils.sh`), or names no file inside the
  project's root. Reported once per script, as an info, at the first such
  `source`, with the path as written and why; the functions it defines are
  never guessed, so calls made through them are not checked.

## Why is this bad?
What lies past the limit was not checked, and saying so is better than a silent
pass. Real configuration never comes near the size limits (a file that does is
generated or hostile); heredocs the shell expands first and libraries that
cannot be followed are common in real scripts, and are infos.

## Example
```bash
v0="kubectl get nodes"
v1="$v0 $v0 $v0 $v0 $v0 $v0 $v0 $v0 $v0 $v0"
v2="$v1 $v1 $v1 $v1 $v1 $v1 $v1 $v1 $v1 $v1"
# … ten levels: 10^10 words
$v9
```

## Use instead
Nothing, if the file is what it should be: the rest of it was checked. Split a
generated file, or exclude it in `.opslint.yaml`.

## Fix
None.
"#,
    options: &[],
    fix: FixKind::None,
};

impl Rule for AnalysisLimit {
    fn needles(&self) -> Option<&'static [&'static str]> {
        // Reports on what other rules' parsing finds.
        None
    }

    fn check(&self, ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        for l in &facts.limits {
            out.push(if l.info {
                META.report_as(crate::diagnostic::Severity::Info, l.span, l.message.clone())
            } else {
                META.report(l.span, l.message.clone())
            });
        }
        for l in &facts.unfollowed {
            out.push(META.report_as(Severity::Info, l.span, l.message.clone()));
        }
        if let Some(d) = dependency_cycle(ctx) {
            out.push(d);
        }
    }
}

/// A role's `meta/main.yml` whose dependencies lead back to the role: one
/// info, on the role of the cycle whose directory sorts first.
fn dependency_cycle(ctx: &RuleContext<'_>) -> Option<Diagnostic> {
    let path = &ctx.source.path;
    let name = path.file_name()?.to_str()?;
    if !matches!(name, "main.yml" | "main.yaml") {
        return None;
    }
    let meta_dir = path.parent()?;
    if meta_dir.file_name()? != "meta" {
        return None;
    }
    let text = &ctx.source.text;
    let at = text
        .match_indices("dependencies:")
        .map(|(i, _)| i)
        .find(|&i| i == 0 || text.as_bytes()[i - 1] == b'\n')?;
    let role = meta_dir.parent()?;
    let index = ctx.project;
    let cycle = index.dependency_cycle(role)?;
    // Reported once: by the role of the cycle whose name sorts first.
    let short = |n: &String| n.rsplit(['.', '/']).next().unwrap_or(n).to_string();
    if cycle[1..].iter().map(short).any(|n| n < short(&cycle[0])) {
        return None;
    }
    Some(META.report_as(
        crate::diagnostic::Severity::Info,
        crate::source::Span { start: at, end: at + "dependencies".len() },
        format!(
            "role dependency cycle {}: each role was followed once",
            cycle.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" → ")
        ),
    ))
}
