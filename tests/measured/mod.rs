//! Runs the opslint binary and measures what it cost: wall time and the peak
#![allow(dead_code)] // shared by several test binaries, each reads part of it
//! resident memory of that one process (`wait4`'s rusage, so parallel tests do
//! not mix their figures). A run past the watchdog is killed and fails.

use std::path::Path;
use std::time::{Duration, Instant};

pub struct Measured {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub seconds: f64,
    /// Peak resident set size in MiB.
    pub peak_mib: u64,
}

pub fn run(dir: &Path, args: &[&str], watchdog: Duration) -> Measured {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let stdout_path = out_dir.path().join("stdout");
    let stderr_path = out_dir.path().join("stderr");
    let start = Instant::now();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_opslint"))
        .current_dir(dir)
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).expect("stdout file"))
        .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .expect("spawns");
    let pid = child.id() as libc::pid_t;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let killer = {
        let done = done.clone();
        std::thread::spawn(move || {
            let step = Duration::from_millis(50);
            let mut waited = Duration::ZERO;
            while waited < watchdog {
                if done.load(std::sync::atomic::Ordering::SeqCst) {
                    return false;
                }
                std::thread::sleep(step);
                waited += step;
            }
            if done.load(std::sync::atomic::Ordering::SeqCst) {
                return false;
            }
            // SAFETY: the pid is our child's and has not been reaped yet.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            true
        })
    };
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data, filled in by the kernel.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; std's handle is forgotten so it does not
    // wait again.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    std::mem::forget(child);
    let killed = killer.join().unwrap_or(false);
    assert_eq!(reaped, pid, "wait4");
    let seconds = start.elapsed().as_secs_f64();
    let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(
        !killed,
        "opslint {args:?} was still running after {watchdog:?} and was killed\n{}",
        &stderr[..stderr.len().min(2000)]
    );
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    Measured {
        code,
        stdout,
        stderr,
        seconds,
        // ru_maxrss is in KiB on Linux.
        peak_mib: usage.ru_maxrss as u64 / 1024,
    }
}
