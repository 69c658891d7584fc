//! 200 substitutes answer JA to one shift at the same moment, over HTTP at the 46elks
//! webhook of real `passa serve` processes: exactly one is booked, 199 are told the shift is
//! filled. On SQLite with one server, and on PostgreSQL (when configured) with two servers
//! sharing the database.

mod common;

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use common::{
    Env, Server, TestResult, form_encode, ok, post_form, random_digits, scratch_postgres,
    start_server,
};
use jiff::{SignedDuration, Timestamp};
use passa_app::{NewOrder, OfferRound, Passa, PoolSettings, SmsTransport, TransportError};
use passa_domain::{OrderReason, OrderState, PhoneNumber, SmsId};
use passa_store::DumpValue;
use passa_vault::KeyFile;

const N: usize = 200;

#[derive(Default)]
struct Recorder(Mutex<Vec<(String, String)>>);

#[async_trait]
impl SmsTransport for Recorder {
    fn name(&self) -> &'static str {
        "test"
    }

    async fn send(
        &self,
        _id: SmsId,
        to: &PhoneNumber,
        body: &str,
    ) -> Result<String, TransportError> {
        let mut v = self
            .0
            .lock()
            .map_err(|_| TransportError::Retry("lock".into()))?;
        v.push((to.as_e164().to_owned(), body.to_owned()));
        Ok(format!("t{}", v.len()))
    }
}

async fn contention(env: Env, servers: usize) -> TestResult {
    ok(env.passa(&["init"]))?;
    ok(env.passa(&["sms", "configure", "--provider", "none"]))?;
    ok(env.passa(&["tenant", "create", "Kommun"]))?;
    let mut csv = String::from(
        "employee_number,given_name,family_name,phone,email,unit,competences,employment_percent,kind\n",
    );
    let mut seen = std::collections::HashSet::new();
    while seen.len() < N {
        let phone = format!("073{}", random_digits(7));
        if seen.insert(phone.clone()) {
            let i = seen.len();
            csv.push_str(&format!(
                "V{i:05},Vik{i},Test,{phone},,Ekbacken,Undersköterska,50,substitute\n"
            ));
        }
    }
    let file = env.path("subs.csv");
    std::fs::write(&file, csv)?;
    ok(env.passa(&["import", "people", file.to_str().unwrap_or_default()]))?;
    let secret = ok(env.passa(&["sms", "webhook-secret"]))?
        .lines()
        .nth(1)
        .map(|l| l.trim().to_owned())
        .ok_or("no secret printed")?;

    // The order and its offers through the library, on the same database and key file.
    let url = match &env.database_url {
        Some(url) => url.clone(),
        None => format!("sqlite://{}", env.data_dir().join("passa.db").display()),
    };
    let passa = Passa::open(
        passa_store_sql::connect(&url).await?,
        KeyFile::load(&env.key_file())?,
    )
    .await?;
    let tenant = passa.tenant(None).await?.id;
    let unit = passa.store().units(tenant).await?[0].id;
    #[allow(clippy::disallowed_methods)] // The servers read the real clock; so must the order.
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
    let settings = PoolSettings::default();
    let round = OfferRound {
        wave_size: N as u32,
        wave_wait: Duration::from_secs(3_600),
        seed: 1,
    };
    assert_eq!(
        passa
            .start_offers(tenant, order, &round, &settings, "test", now)
            .await?,
        N
    );
    let recorder = Recorder::default();
    passa
        .dispatch_sms(&recorder, "test", Duration::from_secs(60), 10_000, now)
        .await?;
    let offers = recorder.0.lock().map(|v| v.clone()).unwrap_or_default();
    assert_eq!(offers.len(), N);

    let servers: Vec<Server> = (0..servers)
        .map(|_| start_server(&env, None))
        .collect::<Result<_, _>>()?;
    let path = format!("/hooks/46elks/{secret}/sms");
    let mut tasks = Vec::new();
    for (i, (to, body)) in offers.iter().enumerate() {
        let code = body
            .split("JA ")
            .nth(1)
            .map(|c| c[..4].to_owned())
            .unwrap_or_default();
        let form = format!(
            "id=s{i:06}&from={}&to=%2B46766860000&message={}&direction=incoming&created=2026-12-01+10%3A00%3A00.000",
            form_encode(to),
            form_encode(&format!("JA {code}"))
        );
        let address = servers[i % servers.len()].address.clone();
        tasks.push(tokio::spawn(post_form(address, path.clone(), form)));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        let (status, took) = t.await??;
        assert_eq!(status, 200);
        latencies.push(took);
    }
    latencies.sort();
    let p50 = latencies[N / 2];
    let p99 = latencies[N * 99 / 100];
    eprintln!(
        "contention ({}, {} server(s)): p50 {:.1} ms, p99 {:.1} ms",
        passa.store().backend(),
        servers.len(),
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    if let Ok(file) = std::env::var("PASSA_CONTENTION_OUT") {
        std::fs::write(
            file,
            format!(
                "{} {} {:.1} {:.1}\n",
                passa.store().backend(),
                servers.len(),
                p50.as_secs_f64() * 1e3,
                p99.as_secs_f64() * 1e3
            ),
        )?;
    }

    assert_eq!(passa.order(tenant, order).await?.state, OrderState::Booked);
    let dump = passa.store().dump().await?;
    let count = |table: &str, column: &str, value: &str| {
        dump.tables
            .iter()
            .filter(|t| t.name == table)
            .flat_map(|t| {
                let i = t.columns.iter().position(|c| c == column);
                t.rows
                    .iter()
                    .filter(move |r| i.is_some_and(|i| r[i] == DumpValue::Text(value.into())))
            })
            .count()
    };
    assert_eq!(count("bookings", "via", "offer"), 1, "exactly one booking");
    assert_eq!(count("sms_inbox", "outcome", "booked"), 1);
    assert_eq!(
        count("sms_inbox", "outcome", "filled"),
        N - 1,
        "the others are told"
    );
    assert_eq!(count("sms_outbox", "kind", "filled"), N - 1);
    assert_eq!(count("sms_outbox", "kind", "booked"), 1);
    // A provider retry of any of them changes nothing.
    let (to, body) = &offers[0];
    let code = body
        .split("JA ")
        .nth(1)
        .map(|c| c[..4].to_owned())
        .unwrap_or_default();
    let again = format!(
        "id=s000000&from={}&message={}&direction=incoming",
        form_encode(to),
        form_encode(&format!("JA {code}"))
    );
    let (status, _) = post_form(servers[0].address.clone(), path.clone(), again).await?;
    assert_eq!(status, 200);
    assert_eq!(passa.store().dump().await?.rows("sms_inbox"), N);
    // A wrong secret is not found.
    let (status, _) = post_form(
        servers[0].address.clone(),
        "/hooks/46elks/00/sms".into(),
        "id=x&from=%2B46701234567&message=JA".into(),
    )
    .await?;
    assert_eq!(status, 404);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_yes_replies_book_once_on_sqlite() -> TestResult {
    contention(Env::new()?, 1).await
}

#[test]
fn two_hundred_concurrent_yes_replies_book_once_on_postgres_with_two_servers() -> TestResult {
    // The scratch database is made before the test's own runtime starts.
    let Some(url) = scratch_postgres("passa_cont")? else {
        return Ok(());
    };
    let mut env = Env::new()?;
    env.database_url = Some(url);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()?
        .block_on(contention(env, 2))
}
