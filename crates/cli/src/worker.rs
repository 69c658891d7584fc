//! What the server does besides answering HTTP: send the outbox, run the pool's clock
//! (waves, expiry) and purge old SMS data daily.

use std::sync::Arc;
use std::time::Duration;

use passa_app::{Passa, PoolPolicy, SmsTransport};

use crate::commands::now;

/// How long a leased SMS is the dispatcher's before another may take it.
pub const LEASE: Duration = Duration::from_secs(60);

/// A dispatcher's name in the outbox leases: this process.
pub fn owner() -> String {
    let mut b = [0u8; 4];
    let _ = getrandom::fill(&mut b);
    format!(
        "passa-{}-{:02x}{:02x}{:02x}{:02x}",
        std::process::id(),
        b[0],
        b[1],
        b[2],
        b[3]
    )
}

/// Starts the background tasks; they run until the process ends.
pub fn spawn(
    passa: Arc<Passa>,
    transport: Arc<dyn SmsTransport>,
    pool: PoolPolicy,
    retention: Duration,
    lease: Duration,
    window: usize,
) {
    let owner = owner();
    let p = passa.clone();
    tokio::spawn(async move {
        loop {
            match p
                .dispatch_sms_windowed(transport.as_ref(), &owner, lease, 200, window, now())
                .await
            {
                Ok(r) if r.sent + r.retried + r.failed > 0 => continue,
                Ok(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                Err(e) => {
                    tracing::error!(error = %e, "SMS dispatch failed");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    });
    let p = passa.clone();
    tokio::spawn(async move {
        loop {
            if let Err(e) = p.pool_tick(&pool, now()).await {
                tracing::error!(error = %e, "pool tick failed");
            }
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
    });
    tokio::spawn(async move {
        loop {
            match passa.purge_sms(retention, now()).await {
                Ok(n) => tracing::info!(purged = n, "SMS retention purge"),
                Err(e) => tracing::error!(error = %e, "SMS retention purge failed"),
            }
            tokio::time::sleep(Duration::from_secs(24 * 3_600)).await;
        }
    });
}
