//! Crash points for the crash tests: the process aborts (as under `kill -9`) the n-th time it
//! passes a named point. Unarmed, which is always the case outside those tests, a point is
//! one atomic load. The binary arms it from `PASSA_CRASH_AT=name:n`.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

static ARMED: OnceLock<(String, u32)> = OnceLock::new();
static HITS: AtomicU32 = AtomicU32::new(0);

/// Arms one point: `name:n` aborts on the n-th pass (1-based). Ignored if malformed.
pub fn arm(spec: &str) {
    if let Some((name, n)) = spec.split_once(':')
        && let Ok(n) = n.parse::<u32>()
    {
        let _ = ARMED.set((name.to_owned(), n.max(1)));
    }
}

/// Passes a named point; aborts if it is the armed one and its turn has come.
pub fn point(name: &str) {
    if let Some((armed, n)) = ARMED.get()
        && armed == name
        && HITS.fetch_add(1, Ordering::SeqCst) + 1 == *n
    {
        std::process::abort();
    }
}
