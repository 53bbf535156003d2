//! A short fuzz run in every CI build. Two layers:
//!
//! 1. Always: every fuzz entry point (`opslint::fuzz`) on its seeds from
//!    `fuzz/corpus/<target>/` and on deterministic mutations of them (byte
//!    flips, insertions of shell/YAML/Jinja/LSP tokens, truncations, splices).
//! 2. When `cargo fuzz` is installed (`.ci/run` installs it): libFuzzer with
//!    AddressSanitizer on each target for `OPSLINT_FUZZ_SECONDS` (default 10)
//!    seconds, through the stable toolchain (`RUSTC_BOOTSTRAP=1`).

mod skip;

use std::path::{Path, PathBuf};

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("shell", opslint::fuzz::shell),
    ("shell_template", opslint::fuzz::shell_template),
    ("ansible", opslint::fuzz::ansible),
    ("args_file", opslint::fuzz::args_file),
    ("nrpe", opslint::fuzz::nrpe),
    ("config", opslint::fuzz::config),
    ("lsp_message", opslint::fuzz::lsp_message),
    ("fix_engine", opslint::fuzz::fix_engine),
];

const TOKENS: &[&[u8]] = &[
    b"$(", b")", b"`", b"'", b"\"", b"\\", b"\n", b"{{ x }}", b"{%", b"<<EOF\n", b"EOF\n",
    b"kubectl ", b"microk8s kubectl get nodes", b"--request-timeout=", b"timeout 5 ",
    b"if true; then ", b"fi\n", b"for x in a b; do ", b"done\n", b"| ", b"&& ", b"; ",
    b"- hosts: all\n", b"  tasks:\n", b"    - ansible.builtin.shell: ", b"notify: x\n",
    b"&a ", b"*a", b"<<: *a\n", b"!vault |\n", b"- ", b": ", b"\t", b"\xc3\xa9", b"\xff",
    b"command[x]=", b"--snapshot-threshold=512\n", b"# opslint: disable=", b"\r\n",
    b"Content-Length: 9\r\n\r\n", b"{\"jsonrpc\":\"2.0\"}", b"\0",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(data.len() + 1);
        match rng.below(5) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                data.splice(at..at, token.iter().copied());
            }
            2 => data.truncate(at),
            3 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                data.splice(at..at, other[from..].iter().copied());
            }
            _ => {
                // Repeat a slice (nesting, long lines).
                let end = (at + rng.below(16)).min(data.len());
                let piece = data[at..end].to_vec();
                for _ in 0..rng.below(64) {
                    data.splice(at..at, piece.iter().copied());
                }
            }
        }
    }
    data.truncate(256 * 1024);
    data
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    let mut out: Vec<Vec<u8>> = files.iter().filter_map(|f| std::fs::read(f).ok()).collect();
    out.push(Vec::new());
    out
}

#[test]
fn seeds_and_mutations_never_break_an_invariant() {
    let iterations: usize = std::env::var("OPSLINT_FUZZ_SMOKE_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    for (name, target) in TARGETS {
        let seeds = seeds(name);
        for seed in &seeds {
            target(seed);
        }
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ name.len() as u64);
        for i in 0..iterations {
            let input = mutate(&mut rng, &seeds);
            let outcome = std::panic::catch_unwind(|| target(&input));
            if outcome.is_err() {
                let dump = std::env::temp_dir().join(format!("opslint-fuzz-{name}-{i}"));
                let _ = std::fs::write(&dump, &input);
                panic!("fuzz target `{name}` failed on mutation {i}; input written to {}", dump.display());
            }
        }
    }
}

/// libFuzzer runs minutes (eight targets, each compiled with sanitizers):
/// not part of `cargo test`; `OPSLINT_FUZZ=1` runs it (`.ci/run` does, as its
/// own step; see "Fuzzing" in the README).
#[test]
fn libfuzzer_smoke_when_asked() {
    if std::env::var("OPSLINT_FUZZ").as_deref() != Ok("1") {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\nNOT RUN libfuzzer_smoke_when_asked: set OPSLINT_FUZZ=1 (bash .ci/run does) for the libFuzzer run"
        );
        return;
    }
    let has_cargo_fuzz = std::process::Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_cargo_fuzz {
        skip::skip("libfuzzer_smoke_when_asked", "cargo-fuzz", "bash .ci/run installs it: cargo install cargo-fuzz");
        return;
    }
    let seconds = std::env::var("OPSLINT_FUZZ_SECONDS").unwrap_or_else(|_| "10".into());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (name, _) in TARGETS {
        // Findings go to a scratch corpus; the committed seeds stay as they are.
        let scratch = tempfile::tempdir().expect("tempdir");
        let out = std::process::Command::new("cargo")
            .current_dir(root)
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "run", "-O", name])
            .arg(scratch.path())
            .arg(root.join("fuzz/corpus").join(name))
            .args(["--", &format!("-max_total_time={seconds}"), "-rss_limit_mb=4096", "-max_len=65536"])
            .output()
            .expect("cargo fuzz runs");
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "cargo fuzz run {name} failed:\n{}",
            &log[log.len().saturating_sub(6000)..]
        );
    }
}
