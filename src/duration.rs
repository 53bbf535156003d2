//! Durations as kubectl, coreutils `timeout` and friends write them.

use std::time::Duration;

/// Parses a Go-style duration (`10s`, `1m30s`, `500ms`, `1.5h`) or a bare
/// number of seconds (`10`, `2.5`), as `kubectl --request-timeout` accepts.
pub fn parse_go_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    if let Ok(secs) = text.parse::<f64>() {
        return seconds(secs, text);
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(format!("`{text}` is not a duration"));
        }
        let value: f64 = rest[..num_len]
            .parse()
            .map_err(|_| format!("`{text}` is not a duration"))?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "" => return Err(format!("`{text}` is missing a unit (s, m, h, ms)")),
            unit => return Err(format!("`{text}` has an unknown unit `{unit}`")),
        };
        total += value * factor;
        rest = &rest[unit_len..];
    }
    seconds(total, text)
}

/// Parses a coreutils `timeout` duration: a number with an optional suffix
/// `s`, `m`, `h` or `d`.
pub fn parse_coreutils_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, factor) = match text.char_indices().last() {
        Some((i, 's')) => (&text[..i], 1.0),
        Some((i, 'm')) => (&text[..i], 60.0),
        Some((i, 'h')) => (&text[..i], 3600.0),
        Some((i, 'd')) => (&text[..i], 86400.0),
        _ => (text, 1.0),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration"))?;
    seconds(value * factor, text)
}

fn seconds(secs: f64, text: &str) -> Result<Duration, String> {
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("`{text}` is not a valid duration"));
    }
    Duration::try_from_secs_f64(secs).map_err(|_| format!("`{text}` is out of range"))
}

/// Formats a duration the way operators write it (`10s`, `1m30s`, `500ms`).
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let secs = ms / 1000;
    match (secs / 3600, secs % 3600 / 60, secs % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, s) => format!("{h}h{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_go_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_go_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_go_duration("15"), Ok(Duration::from_secs(15)));
        assert_eq!(parse_go_duration("0"), Ok(Duration::ZERO));
        assert!(parse_go_duration("10x").is_err());
        assert!(parse_go_duration("abc").is_err());
        assert!(parse_go_duration("").is_err());
        assert!(parse_go_duration("-5s").is_err());
    }

    #[test]
    fn coreutils_durations() {
        assert_eq!(parse_coreutils_duration("15"), Ok(Duration::from_secs(15)));
        assert_eq!(parse_coreutils_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(
            parse_coreutils_duration("0.5s"),
            Ok(Duration::from_millis(500))
        );
        assert!(parse_coreutils_duration("1x").is_err());
    }

    #[test]
    fn formatting() {
        assert_eq!(format_duration(Duration::from_secs(10)), "10s");
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
    }
}
