//! SMPP against a real peer: the npm `smpp` package's server (tools/smpp-peer), started on
//! loopback. Bind, submit (with a throttled first try), a delivery receipt per message, and
//! an inbound reply as deliver_sm. Skipped when Node.js or the peer is not installed, unless
//! PASSA_REQUIRE_SMPP_PEER is set (CI sets it after installing the peer).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use passa_app::{SmsTransport, TransportError};
use passa_domain::{PhoneNumber, SmsId};
use passa_gateway::{Secret, Smpp, SmppConfig, SmppEvents};
use passa_store::DeliveryStatus;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[derive(Default)]
struct Events {
    inbound: Mutex<Vec<(String, String, String)>>,
    receipts: Mutex<Vec<(String, DeliveryStatus)>>,
}

#[async_trait]
impl SmppEvents for Events {
    async fn inbound(&self, id: String, from: PhoneNumber, text: String) {
        if let Ok(mut v) = self.inbound.lock() {
            v.push((id, from.as_e164().to_owned(), text));
        }
    }

    async fn delivery(&self, message_id: String, status: DeliveryStatus) {
        if let Ok(mut v) = self.receipts.lock() {
            v.push((message_id, status));
        }
    }
}

struct Peer {
    child: Child,
    port: u16,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn peer_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tools/smpp-peer")
}

/// Starts the peer, or `None` (skip) when it is not installed and not required.
fn start_peer(throttle_first: u32) -> Result<Option<Peer>, Box<dyn std::error::Error>> {
    let required = std::env::var_os("PASSA_REQUIRE_SMPP_PEER").is_some();
    if !peer_dir().join("node_modules/smpp").exists() {
        if required {
            return Err("the SMPP peer is not installed: npm ci --prefix tools/smpp-peer".into());
        }
        eprintln!("skipped: the SMPP peer is not installed (npm ci --prefix tools/smpp-peer)");
        return Ok(None);
    }
    let spawned = Command::new("node")
        .arg(peer_dir().join("server.js"))
        .env("PORT", "0")
        .env("THROTTLE_FIRST", throttle_first.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) if !required => {
            eprintln!("skipped: no Node.js ({e})");
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(10))?;
    let port = serde_json::from_str::<serde_json::Value>(&first)?["port"]
        .as_u64()
        .ok_or("no port")? as u16;
    Ok(Some(Peer {
        child,
        port,
        lines: rx,
    }))
}

fn config(port: u16, password: &str) -> SmppConfig {
    SmppConfig {
        address: format!("127.0.0.1:{port}"),
        system_id: "passa".into(),
        password: Secret::new(password),
        source_addr: "Passa".into(),
        enquire_link: Duration::from_millis(300),
        timeout: Duration::from_secs(3),
    }
}

#[tokio::test]
async fn bind_submit_receipts_and_a_reply_against_the_npm_smpp_server() -> TestResult {
    let Some(peer) = start_peer(1)? else {
        return Ok(());
    };
    let events = Arc::new(Events::default());
    let smpp = Smpp::start(config(peer.port, "hemligt"), events.clone());
    let to = PhoneNumber::parse("070-555 12 34")?;
    let offer = "Passa: Kan du jobba tor 17/12 07:00-15:30 Ekbacken? Svara JA 4821 eller NEJ 4821.";
    // The first try is throttled: worth a retry, and nothing was taken.
    let first = smpp.send(SmsId::new(1), &to, offer).await;
    assert!(matches!(first, Err(TransportError::Retry(_))), "{first:?}");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let id1 = smpp.send(SmsId::new(1), &to, offer).await?;
    let other = PhoneNumber::parse("+46701112233")?;
    let id2 = smpp
        .send(
            SmsId::new(2),
            &other,
            "Passa: Du är bokad tor 17/12 07:00-15:30 Ekbacken. Tack!",
        )
        .await?;
    let id3 = smpp
        .send(SmsId::new(3), &other, "Ünïcödé – en dash makes it UCS-2")
        .await?;
    assert_ne!(id1, id2);

    // Wait for the receipts and the reply.
    for _ in 0..100 {
        let done = events
            .receipts
            .lock()
            .map(|r| r.len() >= 3)
            .unwrap_or(false)
            && events
                .inbound
                .lock()
                .map(|r| !r.is_empty())
                .unwrap_or(false);
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let receipts = events
        .receipts
        .lock()
        .map(|r| r.clone())
        .unwrap_or_default();
    for id in [&id1, &id2, &id3] {
        assert!(
            receipts.contains(&(id.clone(), DeliveryStatus::Delivered)),
            "{receipts:?}"
        );
    }
    let inbound = events.inbound.lock().map(|r| r.clone()).unwrap_or_default();
    let seen: Vec<String> = peer.lines.try_iter().collect();
    assert_eq!(inbound.len(), 1, "{inbound:?} {seen:?}");
    assert_eq!(
        (inbound[0].1.as_str(), inbound[0].2.as_str()),
        ("+46705551234", "Ja 4821")
    );

    // The peer counted each message exactly once, with the right destinations.
    let lines: Vec<serde_json::Value> = seen
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let submits: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["event"] == "submit").collect();
    assert_eq!(submits.len(), 3, "{lines:?}");
    assert_eq!(submits[0]["to"], "46705551234");
    assert!(
        submits[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("JA 4821")),
        "{:?}",
        submits[0]
    );
    assert_eq!(
        submits[2]["data_coding"], 8,
        "UCS-2 for a text GSM cannot hold"
    );
    assert_eq!(lines.iter().filter(|l| l["event"] == "bound").count(), 1);
    Ok(())
}

#[tokio::test]
async fn a_wrong_password_never_binds_and_sends_are_retried_later() -> TestResult {
    let Some(peer) = start_peer(0)? else {
        return Ok(());
    };
    let smpp = Smpp::start(config(peer.port, "fel"), Arc::new(Events::default()));
    let to = PhoneNumber::parse("+46705551234")?;
    let r = smpp.send(SmsId::new(1), &to, "x").await;
    assert!(matches!(r, Err(TransportError::Retry(_))), "{r:?}");
    Ok(())
}
