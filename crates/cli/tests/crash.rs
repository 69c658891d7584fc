//! The server is killed (abort, as under `kill -9`) at 20 different points of an offer
//! round: after a message is leased and before it is sent, after the provider accepted it
//! and before its id was stored, after the id was stored, after a booking committed, and
//! after a reply was handled but before the webhook was answered. After a restart every offer
//! reaches the SMS stand-in, no booking is lost or doubled, and the only duplicates are the
//! documented at-least-once window: the messages in flight (here one: `--window 1`) between
//! the provider's acceptance and the commit of their ids.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;

use common::{Env, Server, TestResult, form_encode, ok, post_form, random_digits, start_server};
use jiff::{SignedDuration, Timestamp};
use passa_app::{NewOrder, OfferRound, Passa, PoolSettings};
use passa_domain::{OrderReason, OrderState};
use passa_store::DumpValue;
use passa_vault::KeyFile;

const OFFERS: usize = 5;

/// A 46elks stand-in that keeps every message it accepted.
#[derive(Default)]
struct Standin {
    accepted: Mutex<Vec<(String, String)>>,
}

async fn sms(State(s): State<Arc<Standin>>, body: String) -> axum::response::Response {
    use axum::response::IntoResponse;
    let field = |k: &str| {
        body.split('&')
            .find_map(|p| p.strip_prefix(&format!("{k}=")))
            .map(decode)
            .unwrap_or_default()
    };
    let Ok(mut accepted) = s.accepted.lock() else {
        return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    accepted.push((field("to"), field("message")));
    axum::Json(serde_json::json!({"id": format!("e{}", accepted.len()), "status": "created"}))
        .into_response()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                out.push(
                    u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("3F"), 16)
                        .unwrap_or(b'?'),
                );
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Waits for the process to die by its crash point.
async fn crashed(server: &mut Server) -> bool {
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        if let Ok(Some(_)) = server.child.try_wait() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

async fn post(address: &str, path: &str, form: &str) -> Option<u16> {
    post_form(address.into(), path.into(), form.into())
        .await
        .ok()
        .map(|(status, _)| status)
}

struct Scenario {
    env: Env,
    passa: Passa,
    standin: Arc<Standin>,
    secret: String,
}

async fn scenario(
    standin_url: &str,
    standin: Arc<Standin>,
) -> Result<Scenario, Box<dyn std::error::Error>> {
    let env = Env::new()?;
    ok(env.passa(&["init"]))?;
    let mut configure = Command::new(env!("CARGO_BIN_EXE_passa"))
        .arg("--data-dir")
        .arg(env.data_dir())
        .arg("--key-file")
        .arg(env.key_file())
        .args([
            "sms",
            "configure",
            "--provider",
            "46elks",
            "--endpoint",
            standin_url,
            "--username",
            "u1",
            "--password-stdin",
            "--lease-seconds",
            "1",
            "--window",
            "1",
        ])
        .env_remove("PASSA_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()?;
    configure
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(b"hemligt\n")?;
    assert!(configure.wait()?.success());
    ok(env.passa(&["tenant", "create", "Kommun"]))?;
    let mut csv = String::from(
        "employee_number,given_name,family_name,phone,email,unit,competences,employment_percent,kind\n",
    );
    for i in 0..OFFERS {
        csv.push_str(&format!(
            "V{i},Vik{i},Test,076{}{i},,Ekbacken,,50,substitute\n",
            random_digits(6)
        ));
    }
    let file = env.path("subs.csv");
    std::fs::write(&file, csv)?;
    ok(env.passa(&["import", "people", file.to_str().unwrap_or_default()]))?;
    let secret = ok(env.passa(&["sms", "webhook-secret"]))?
        .lines()
        .nth(1)
        .map(|l| l.trim().to_owned())
        .ok_or("no secret")?;
    let url = format!("sqlite://{}", env.data_dir().join("passa.db").display());
    let passa = Passa::open(
        passa_store_sql::connect(&url).await?,
        KeyFile::load(&env.key_file())?,
    )
    .await?;
    let tenant = passa.tenant(None).await?.id;
    let unit = passa.store().units(tenant).await?[0].id;
    #[allow(clippy::disallowed_methods)] // The server reads the real clock; so must the order.
    let now = Timestamp::now();
    let start = now + SignedDuration::from_hours(48);
    let order = passa
        .create_order(
            tenant,
            &NewOrder {
                unit,
                competence: None,
                start,
                end: start + SignedDuration::from_hours(8),
                break_minutes: 30,
                reason: OrderReason::Sick,
                note: None,
                urgent: true,
            },
            "test",
            now,
        )
        .await?;
    let round = OfferRound {
        wave_size: OFFERS as u32,
        wave_wait: Duration::from_secs(3_600),
        seed: 3,
    };
    passa
        .start_offers(tenant, order, &round, &PoolSettings::default(), "test", now)
        .await?;
    Ok(Scenario {
        env,
        passa,
        standin,
        secret,
    })
}

/// Messages the stand-in accepted, and how many were the same message again.
fn tally(standin: &Standin) -> (Vec<(String, String)>, usize) {
    let all = standin
        .accepted
        .lock()
        .map(|a| a.clone())
        .unwrap_or_default();
    let mut distinct = all.clone();
    distinct.sort();
    distinct.dedup();
    let duplicates = all.len() - distinct.len();
    (distinct, duplicates)
}

async fn wait_for(standin: &Standin, distinct: usize) -> bool {
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        if tally(standin).0.len() >= distinct {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn outbox_settled(passa: &Passa) -> bool {
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        let Ok(tenant) = passa.tenant(None).await else {
            return false;
        };
        let counts = passa.sms_counts(tenant.id).await.unwrap_or_default();
        if counts.iter().all(|(s, n)| s == "sent" || *n == 0) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn dispatch_crash(url: &str, standin: Arc<Standin>, spec: &str) -> TestResult {
    let s = scenario(url, standin).await?;
    let mut server = start_server(&s.env, Some(spec))?;
    assert!(
        crashed(&mut server).await,
        "{spec}: the server did not crash"
    );
    drop(server);
    let _server = start_server(&s.env, None)?;
    assert!(
        wait_for(&s.standin, OFFERS).await,
        "{spec}: not every offer arrived"
    );
    assert!(
        outbox_settled(&s.passa).await,
        "{spec}: the outbox did not settle"
    );
    let (distinct, duplicates) = tally(&s.standin);
    assert_eq!(distinct.len(), OFFERS, "{spec}");
    // The documented window: the message accepted just before the crash goes again.
    let window = usize::from(spec.starts_with("dispatch.sent"));
    assert_eq!(duplicates, window, "{spec}: {duplicates} duplicates");
    Ok(())
}

async fn reply_crash(url: &str, standin: Arc<Standin>, spec: &str) -> TestResult {
    let s = scenario(url, standin).await?;
    // All offers out first, with a server that does not crash.
    {
        let _server = start_server(&s.env, None)?;
        assert!(wait_for(&s.standin, OFFERS).await);
        assert!(outbox_settled(&s.passa).await);
    }
    let offers = tally(&s.standin).0;
    let path = format!("/hooks/46elks/{}/sms", s.secret);
    let forms: Vec<String> = offers
        .iter()
        .enumerate()
        .map(|(i, (to, text))| {
            let code = text
                .split("JA ")
                .nth(1)
                .map(|c| c[..4].to_owned())
                .unwrap_or_default();
            format!(
                "id=r{i}&from={}&message={}&direction=incoming",
                form_encode(to),
                form_encode(&format!("JA {code}"))
            )
        })
        .collect();
    let mut server = start_server(&s.env, Some(spec))?;
    for form in &forms {
        if post(&server.address, &path, form).await != Some(200) {
            break;
        }
    }
    assert!(
        crashed(&mut server).await,
        "{spec}: the server did not crash"
    );
    drop(server);
    // The provider retries every reply it got no 200 for; we simply send them all again.
    let server = start_server(&s.env, None)?;
    for form in &forms {
        assert_eq!(
            post(&server.address, &path, form).await,
            Some(200),
            "{spec}"
        );
    }
    let tenant = s.passa.tenant(None).await?.id;
    let orders = s.passa.orders(tenant, &[]).await?;
    assert_eq!(orders[0].state, OrderState::Booked, "{spec}");
    let dump = s.passa.store().dump().await?;
    assert_eq!(
        dump.rows("bookings"),
        1,
        "{spec}: one booking, none lost, none doubled"
    );
    assert_eq!(
        dump.rows("sms_inbox"),
        OFFERS,
        "{spec}: each reply stored once"
    );
    let outcomes: Vec<String> = dump
        .tables
        .iter()
        .filter(|t| t.name == "sms_inbox")
        .flat_map(|t| {
            let i = t.columns.iter().position(|c| c == "outcome").unwrap_or(0);
            t.rows.iter().map(move |r| match &r[i] {
                DumpValue::Text(s) => s.clone(),
                _ => String::new(),
            })
        })
        .collect();
    assert_eq!(
        outcomes.iter().filter(|o| *o == "booked").count(),
        1,
        "{spec}: {outcomes:?}"
    );
    assert_eq!(
        outcomes.iter().filter(|o| *o == "filled").count(),
        OFFERS - 1,
        "{spec}: {outcomes:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_loses_nothing_and_resends_only_the_documented_window() -> TestResult {
    let standin_state = Arc::new(Standin::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let app = Router::new()
        .route("/a1/sms", axum::routing::post(sms))
        .with_state(standin_state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let mut points = 0;
    for point in ["dispatch.claimed", "dispatch.sent", "dispatch.stored"] {
        for n in 1..=OFFERS {
            // A fresh stand-in count per scenario.
            if let Ok(mut a) = standin_state.accepted.lock() {
                a.clear();
            }
            dispatch_crash(&url, standin_state.clone(), &format!("{point}:{n}")).await?;
            points += 1;
        }
    }
    for spec in [
        "reply.booked:1",
        "reply.handled:1",
        "reply.handled:2",
        "reply.handled:3",
        "reply.handled:5",
    ] {
        if let Ok(mut a) = standin_state.accepted.lock() {
            a.clear();
        }
        reply_crash(&url, standin_state.clone(), spec).await?;
        points += 1;
    }
    assert!(points >= 20);
    Ok(())
}
