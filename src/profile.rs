//! Developer timing: with `DIAOYAN_PROFILE=1` set, each stage prints its elapsed time and
//! the process's peak memory so far to stderr. Silent otherwise.

use std::sync::OnceLock;
use std::time::Instant;

fn start() -> Option<&'static Instant> {
    static START: OnceLock<Option<Instant>> = OnceLock::new();
    START.get_or_init(|| std::env::var_os("DIAOYAN_PROFILE").map(|_| Instant::now())).as_ref()
}

/// Peak and current resident memory in MB (Linux), when known.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            / 1024
    };
    (kb("VmHWM:"), kb("VmRSS:"))
}

/// Marks the end of a stage.
pub fn mark(stage: &str) {
    if let Some(t) = start() {
        let (peak, now) = memory();
        eprintln!("[profile] {:>7.3} s  peak {peak:>5} MB  now {now:>5} MB  {stage}", t.elapsed().as_secs_f64());
    }
}
