use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::duration::parse_go_duration;
use crate::facts::FileFacts;

pub struct InvalidDaemonFlagValue;

static META: RuleMeta = RuleMeta {
    name: "invalid-daemon-flag-value",
    default_severity: Severity::Error,
    summary: "A daemon flag whose value does not parse as the flag's type",
    docs: r#"## What it does
Checks `--flag=value` words written into a MicroK8s args file against the
flag's type in the daemon's manifest: `bool` (`true`/`false`, `1`/`0`, `t`/`f`
as Go's `strconv.ParseBool` accepts), `duration` (Go durations such as `10s`),
`int`, `int64`, `uint`, `uint64`. Values that depend on the environment or a
template (`${SNAP_DATA}`, `{{ … }}`) are not judged. The type is taken from the
newest version of the target that has the flag.

## Why is this bad?
pflag rejects the value and the daemon exits before it starts:
`invalid argument "10" for "--watch-query-timeout" flag: time: missing unit in duration "10"`.

## Example
```text
--watch-query-timeout=20
```

## Use instead
```text
--watch-query-timeout=20s
```

## Fix
None.
"#,
    options: &[],
    fix: FixKind::None,
};

fn check_value(kind: &str, value: &str) -> Result<(), String> {
    match kind {
        "bool" => match value {
            "1" | "t" | "T" | "TRUE" | "true" | "True" | "0" | "f" | "F" | "FALSE" | "false"
            | "False" => Ok(()),
            _ => Err("not a boolean (true or false)".into()),
        },
        "duration" => {
            // Go's time.ParseDuration: a unit is required except for 0.
            // Go accepts a sign (`-1s` means "no limit" for some flags).
            let unsigned = value.strip_prefix(['-', '+']).unwrap_or(value);
            if unsigned != "0" && unsigned.parse::<f64>().is_ok() {
                return Err(format!(
                    "missing unit in duration `{value}` (e.g. `{value}s`)"
                ));
            }
            parse_go_duration(unsigned).map(|_| ())
        }
        "int" | "int64" => value
            .parse::<i64>()
            .map(|_| ())
            .map_err(|_| "not an integer".into()),
        "uint" | "uint64" => value
            .parse::<u64>()
            .map(|_| ())
            .map_err(|_| "not a non-negative integer".into()),
        _ => Ok(()),
    }
}

impl Rule for InvalidDaemonFlagValue {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(super::ARGS_EDIT_NEEDLES)
    }

    fn check(&self, ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        for (edit, manifest) in super::edits_with_manifest(facts) {
            for flag in &edit.flags {
                let Some((_, value)) = flag.text.split_once('=') else {
                    continue;
                };
                if value.contains('$') || value.contains("{{") {
                    continue;
                }
                // The newest target version that has the flag gives its type.
                let def = manifest
                    .versions
                    .iter()
                    .rev()
                    .filter(|v| {
                        !ctx.target.constrains(edit.component)
                            || ctx.target.k8s_dqlite.contains(&v.version)
                    })
                    .find_map(|v| v.flag(&flag.name).map(|f| (v, f)));
                let Some((version, def)) = def else { continue };
                if let Err(reason) = check_value(&def.kind, value) {
                    out.push(
                        Diagnostic::new(
                            META.name,
                            META.default_severity,
                            flag.span,
                            format!(
                                "`--{}={value}`: {reason}; {} {} expects a value of type `{}` (default `{}`)",
                                flag.name, edit.component, version.tag, def.kind, def.default
                            ),
                        )
                        .with_help(format!("--{}: {}", flag.name, def.usage)),
                    );
                }
            }
        }
    }
}
