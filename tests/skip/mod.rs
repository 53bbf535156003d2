//! How a test whose external tool is missing skips: visibly (written past the
//! test harness's output capture, so even a passing `cargo test` shows it),
//! and never under `CI=true`, where the tool is required.

use std::io::Write;

/// Fails under `CI=true`; otherwise says `SKIPPED: …` on the terminal.
pub fn skip(test: &str, tool: &str, how: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{tool} is required under CI=true ({how})"
    );
    let _ = writeln!(std::io::stderr(), "\nSKIPPED {test}: {tool} not found ({how})");
}
