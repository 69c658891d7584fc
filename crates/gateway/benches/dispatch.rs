//! SMS dispatch throughput: 10,000 messages through the outbox (SQLite, sealed, leased,
//! provider id stored) to the npm `smpp` server on loopback over one SMPP session.
//!
//! `npm ci --prefix tools/smpp-peer` first; then
//! `cargo bench -p passa-gateway --bench dispatch` (add `-- --write-doc` to update
//! docs/benchmarks.md).
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::disallowed_methods
)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use jiff::Timestamp;
use passa_app::Passa;
use passa_domain::PhoneNumber;
use passa_gateway::{Secret, Smpp, SmppConfig, SmppEvents};
use passa_store::DeliveryStatus;
use passa_vault::KeyFile;

const MESSAGES: usize = 10_000;

struct Ignore;

#[async_trait]
impl SmppEvents for Ignore {
    async fn inbound(&self, _: String, _: PhoneNumber, _: String) {}
    async fn delivery(&self, _: String, _: DeliveryStatus) {}
}

#[tokio::main]
async fn main() {
    let write_doc = std::env::args().any(|a| a == "--write-doc");
    let peer_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tools/smpp-peer");
    let mut peer = Command::new("node")
        .arg(format!("{peer_dir}/server.js"))
        .env("PORT", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node and tools/smpp-peer (npm ci --prefix tools/smpp-peer)");
    let mut lines = BufReader::new(peer.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let port = serde_json::from_str::<serde_json::Value>(&first).unwrap()["port"]
        .as_u64()
        .unwrap();
    // Count the peer's submits on a thread.
    let counted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = counted.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if line.contains("\"submit\"") {
                c.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    });

    let dir = tempfile::tempdir().unwrap();
    let store =
        passa_store_sql::connect(&format!("sqlite://{}", dir.path().join("b.db").display()))
            .await
            .unwrap();
    let passa = Passa::open(store, KeyFile::generate()).await.unwrap();
    let now = Timestamp::now();
    let tenant = passa.create_tenant("Bench", now).await.unwrap().id;
    let messages: Vec<(PhoneNumber, String)> = (0..MESSAGES)
        .map(|i| {
            (
                PhoneNumber::parse(&format!("+4670{:07}", 1_000_000 + i)).unwrap(),
                format!("Passa: Kan du jobba tor 17/12 07:00-15:30 Ekbacken? Svara JA {0} eller NEJ {0}.", 1000 + i % 9000),
            )
        })
        .collect();
    for chunk in messages.chunks(1_000) {
        passa.queue_sms(tenant, chunk, "bench", now).await.unwrap();
    }
    let smpp = Smpp::start(
        SmppConfig {
            address: format!("127.0.0.1:{port}"),
            system_id: "passa".into(),
            password: Secret::new("hemligt"),
            source_addr: "Passa".into(),
            enquire_link: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
        },
        Arc::new(Ignore),
    );
    let started = Instant::now();
    let mut sent = 0;
    while sent < MESSAGES {
        let r = passa
            .dispatch_sms_windowed(
                &smpp,
                "bench",
                Duration::from_secs(60),
                500,
                32,
                Timestamp::now(),
            )
            .await
            .unwrap();
        assert_eq!(r.failed, 0);
        sent += r.sent;
        if r.sent == 0 && r.retried == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    let elapsed = started.elapsed();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let at_peer = counted.load(std::sync::atomic::Ordering::Relaxed);
    let _ = peer.kill();
    let _ = peer.wait();
    let rate = MESSAGES as f64 / elapsed.as_secs_f64();
    println!(
        "{MESSAGES} messages in {:.2} s: {rate:.0} msg/s; the peer counted {at_peer}",
        elapsed.as_secs_f64()
    );
    assert_eq!(at_peer, MESSAGES, "each message exactly once at the peer");

    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let table = format!(
        "<!-- sms-dispatch:start -->\n## SMS dispatch throughput\n\n\
         Measured on 2 cores ({cpu}), release build, with `cargo bench -p passa-gateway --bench dispatch` \
         (after `npm ci --prefix tools/smpp-peer`). {MESSAGES} messages queued sealed in the outbox (SQLite), \
         then leased, opened, sent with up to 32 in flight over one SMPP 3.4 session to the npm `smpp` server on loopback, and each \
         provider id stored; the peer counted every message exactly once.\n\n\
         | measurement | result | target |\n|---|---|---|\n\
         | dispatch, {MESSAGES} messages | {rate:.0} msg/s ({:.2} s) | ≥ 1,000 msg/s |\n\
         <!-- sms-dispatch:end -->\n",
        elapsed.as_secs_f64()
    );
    println!("{table}");
    if write_doc {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/benchmarks.md");
        let text = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".into());
        let updated = match (
            text.find("<!-- sms-dispatch:start -->"),
            text.find("<!-- sms-dispatch:end -->"),
        ) {
            (Some(a), Some(b)) => format!(
                "{}{}{}",
                &text[..a],
                table.trim_end(),
                &text[b + "<!-- sms-dispatch:end -->".len()..]
            ),
            _ => format!("{}\n\n{}", text.trim_end(), table),
        };
        std::fs::write(path, updated).unwrap();
        println!("wrote {path}");
    }
}
