use super::{FixKind, Rule, RuleContext, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};
use crate::duration::parse_go_duration;
use crate::facts::FileFacts;
use crate::manifest::Flag;
use crate::suggest::closest;

pub struct InvalidDaemonFlagValue;

pub(super) static META: RuleMeta = RuleMeta {
    name: "invalid-daemon-flag-value",
    default_severity: Severity::Error,
    summary: "A daemon flag whose value does not parse as the flag's type",
    docs: r#"## What it does
Checks `--flag=value` words written into a MicroK8s args file against the
flag's type in the daemon's manifest: `bool` (`true`/`false`, `1`/`0`, `t`/`f`
as Go's `strconv.ParseBool` accepts), `duration` (Go durations such as `10s`),
`int`, `int64`, `uint`, `uint64` (Go integer syntax, `0x…` included), and
string flags whose values the daemon checks at start-up (`--min-tls-version`:
`tls10`…`tls13`; `--low-available-storage-action`: `none`, `handover`,
`terminate`; taken from the sources, see the manifest's `enum_source`), as
the daemon reads them: an empty `--min-tls-version=` is the default, and
k8s-dqlite reads `--min-tls-version` only with TLS on, so a file that sets
`--enable-tls=false` is not judged on it. Both
`--flag=value` and `--flag value` are read (a `bool` flag takes its value only
after `=`), and a flag that needs a value but is the last word of the file or
block gets `flag needs an argument`. Values that depend on the environment or a
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

/// Go's `strconv.ParseInt(s, 0, 64)` / `ParseUint(s, 0, 64)`, as pflag calls
/// them: a sign (signed only), `0x`/`0o`/`0b` or leading-`0` octal prefixes, and
/// `_` between digits when a prefix is given.
fn go_int(value: &str, signed: bool) -> bool {
    let (neg, body) = match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    if neg && !signed || (!signed && value.starts_with('+')) {
        return false;
    }
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string(), true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string(), true)
    } else {
        (10, lower.clone(), false)
    };
    // Underscores only with a base prefix, only between digits or right after
    // the prefix.
    if digits.contains('_') {
        let ok = prefixed
            && !digits.ends_with('_')
            && !digits.contains("__");
        if !ok {
            return false;
        }
    }
    let digits: String = digits.chars().filter(|c| *c != '_').collect();
    if digits.is_empty() {
        return false;
    }
    match u64::from_str_radix(&digits, radix) {
        Ok(n) if signed => n <= if neg { 1 << 63 } else { i64::MAX as u64 },
        Ok(_) => true,
        Err(_) => false,
    }
}

fn check_value(def: &Flag, value: &str) -> Result<(), String> {
    match def.kind.as_str() {
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
        "int" | "int64" => go_int(value, true)
            .then_some(())
            .ok_or_else(|| "not an integer".into()),
        "uint" | "uint64" => go_int(value, false)
            .then_some(())
            .ok_or_else(|| "not a non-negative integer".into()),
        "string" => match &def.r#enum {
            Some(_) if value.is_empty() && def.enum_accepts_empty => Ok(()),
            Some(values) if !values.iter().any(|v| v == value) => {
                let mut reason = format!("not one of {}", values.join(", "));
                if let Some(near) = closest(value, values.iter().map(String::as_str)) {
                    reason.push_str(&format!(" (did you mean `{near}`?)"));
                }
                Err(reason)
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Whether the daemon reads `def`'s value at all: a check that runs only when
/// a bool flag is set (`--min-tls-version` with `--enable-tls=true`, its
/// default) is skipped when the file sets that flag otherwise. A value of the
/// bool flag that cannot be read (a template) counts as set.
fn value_is_read(def: &Flag, version: &crate::manifest::Version, flags: &[crate::facts::FlagWord]) -> bool {
    let Some(cond) = &def.enum_checked_when else {
        return true;
    };
    let bool_of = |v: &str| match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some("true"),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some("false"),
        _ => None,
    };
    // pflag: the last occurrence wins; a bool flag alone is `true`.
    let written = flags.iter().rev().find(|f| f.name == cond.flag).map(|f| match &f.value {
        Some((v, _)) => bool_of(v),
        None => Some("true"),
    });
    let effective = match written {
        Some(Some(v)) => v,
        Some(None) => return true,
        None => match version.flag(&cond.flag).and_then(|f| bool_of(&f.default)) {
            Some(v) => v,
            None => return true,
        },
    };
    effective == cond.value
}

/// Values that depend on the environment or a template are not judged.
fn is_dynamic(value: &str) -> bool {
    value.contains('$') || value.contains("{{") || value.contains("{%")
}

impl Rule for InvalidDaemonFlagValue {
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(super::args_edit_needles())
    }

    fn check(&self, ctx: &RuleContext<'_>, facts: &FileFacts, out: &mut Vec<Diagnostic>) {
        for (edit, manifest) in super::edits_with_manifest(facts) {
            for flag in &edit.flags {
                // The newest target version that has the flag gives its type.
                let def = manifest
                    .versions
                    .iter()
                    .rev()
                    .filter(|v| {
                        !ctx.target.constrains(edit.component)
                            || ctx.target.versions_of(edit.component).contains(&v.version)
                    })
                    .find_map(|v| v.flag(&flag.name).map(|f| (v, f)));
                let Some((version, def)) = def else { continue };
                let expects = format!(
                    "{} {} expects a value of type `{}` (default `{}`)",
                    edit.component, version.tag, def.kind, def.default
                );
                // `--flag=value`, or `--flag value` for flags that take a value
                // (pflag gives a bool flag its value only after `=`).
                let (written, value, span) = match (&flag.value, &flag.next) {
                    (Some((v, span)), _) => (flag.text.clone(), v, *span),
                    (None, Some((v, span))) if def.kind != "bool" => (
                        format!("{} {v}", flag.text),
                        v,
                        *span,
                    ),
                    (None, None) if def.kind != "bool" && edit.whole_content() => {
                        out.push(super::flag_finding(
                            META.report(
                                flag.span,
                                format!(
                                    "`{}` has no value: the daemon exits with `flag needs an argument: --{}`; {expects}",
                                    flag.text, flag.name
                                ),
                            )
                            .with_help(format!("--{}: {}", flag.name, def.usage)),
                            edit,
                            flag,
                        ));
                        continue;
                    }
                    _ => continue,
                };
                if is_dynamic(value) || !value_is_read(def, version, &edit.flags) {
                    continue;
                }
                if let Err(reason) = check_value(def, value) {
                    let mut help = format!("--{}: {}", flag.name, def.usage);
                    if let (Some(_), Some(source)) = (&def.r#enum, &def.enum_source) {
                        let when = def
                            .enum_checked_when
                            .as_ref()
                            .map(|c| format!(" when `--{}` is {}", c.flag, c.value))
                            .unwrap_or_default();
                        help.push_str(&format!(
                            "\n{} {} rejects other values at start-up{when} ({source})",
                            edit.component, version.tag
                        ));
                    }
                    out.push(super::flag_finding(
                        META.report(
                            span,
                            format!("`{written}`: {reason}; {expects}"),
                        )
                        .with_help(help),
                        edit,
                        flag,
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::go_int;

    #[test]
    fn go_integer_syntax() {
        for ok in ["0", "5", "-5", "+5", "0x1F", "0o17", "017", "0b101", "0x_1F", "9223372036854775807", "-9223372036854775808"] {
            assert!(go_int(ok, true), "{ok}");
        }
        for bad in ["", "five", "1.5", "1_000", "0x", "9223372036854775808", "08", "1e3"] {
            assert!(!go_int(bad, true), "{bad}");
        }
        assert!(go_int("18446744073709551615", false));
        assert!(!go_int("-1", false));
        assert!(!go_int("+1", false));
    }
}
