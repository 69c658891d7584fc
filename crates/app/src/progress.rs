//! Progress reporting for long work, drawn by whoever calls (a bar in the CLI).

/// Receives progress of one long task.
pub trait Progress: Send + Sync {
    /// A new phase of `total` steps.
    fn phase(&self, what: &str, total: u64);
    fn advance(&self, steps: u64);
    fn done(&self);
}

/// Progress nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn phase(&self, _what: &str, _total: u64) {}
    fn advance(&self, _steps: u64) {}
    fn done(&self) {}
}
