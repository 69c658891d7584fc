//! The substitute pool through the use cases, on every backend: offer rounds answered by
//! SMS, the first JA wins, direct booking inside availability, STOP, help replies, and
//! retention.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use common::{TestResult, csv, now, passa_with_tenant, stores};
use jiff::{SignedDuration, Timestamp};
use passa_app::{
    InboundOutcome, IncomingSms, NewAvailability, NewOrder, NoProgress, OfferRound, Passa,
    PoolPolicy, PoolSettings, SmsTransport, TransportError,
};
use passa_domain::{
    OfferState, OrderId, OrderReason, OrderState, PersonKind, PhoneNumber, SmsId, TenantId,
    WeeklyMinutes,
};
use passa_store::{AuditRecord, BookingOutcome, DeliveryStatus, DumpValue};

/// Keeps what it was asked to send.
#[derive(Default)]
struct Recorder {
    sent: Mutex<Vec<(String, String)>>,
}

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
        let mut sent = self
            .sent
            .lock()
            .map_err(|_| TransportError::Retry("lock".into()))?;
        sent.push((to.as_e164().to_owned(), body.to_owned()));
        Ok(format!("test-{}", sent.len()))
    }
}

impl Recorder {
    fn take(&self) -> Vec<(String, String)> {
        self.sent
            .lock()
            .map(|mut s| std::mem::take(&mut *s))
            .unwrap_or_default()
    }
}

fn phone(i: usize) -> String {
    format!("+4670{:07}", 5_550_000 + i)
}

/// A unit with `n` substitutes (undersköterskor) and one member of staff.
async fn pool(passa: &Passa, tenant: TenantId, n: usize) -> TestResult {
    let mut rows: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "V{i:04},Vikarie{i},Test,{},v{i}@x.example,Ekbacken,Undersköterska,50,substitute",
                phone(i)
            )
        })
        .collect();
    rows.push("A0001,Anna,Test,+46709999999,a@x.example,Ekbacken,Undersköterska,100,staff".into());
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    passa
        .import_people(
            tenant,
            csv(&rows).as_bytes(),
            WeeklyMinutes::FULL_TIME_40H,
            now(),
            &NoProgress,
        )
        .await?;
    Ok(())
}

/// An order two days ahead, 07:00–15:30 Swedish time.
async fn order(
    passa: &Passa,
    tenant: TenantId,
    day: i64,
) -> Result<OrderId, Box<dyn std::error::Error>> {
    let unit = passa.store().units(tenant).await?[0].id;
    let competence = passa.store().competences(tenant).await?[0].id;
    let start: Timestamp = "2026-11-20T06:00:00Z".parse()?;
    let start = start + SignedDuration::from_hours(24 * day);
    Ok(passa
        .create_order(
            tenant,
            &NewOrder {
                unit,
                competence: Some(competence),
                start,
                end: start + SignedDuration::from_mins(510),
                break_minutes: 30,
                reason: OrderReason::Sick,
                note: Some("Nyckel i receptionen".into()),
                urgent: false,
            },
            "test",
            now(),
        )
        .await?)
}

fn code_in(body: &str) -> Option<String> {
    let at = body.find("JA ")?;
    Some(body[at + 3..at + 7].to_owned())
}

fn reply(from: &str, text: &str, id: &str) -> Result<IncomingSms, Box<dyn std::error::Error>> {
    Ok(IncomingSms {
        provider: "test".into(),
        provider_id: id.into(),
        from: PhoneNumber::parse(from)?,
        text: text.into(),
        received: now(),
    })
}

async fn dispatch(
    passa: &Passa,
    transport: &Recorder,
) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
    passa
        .dispatch_sms(
            transport,
            "test-owner",
            Duration::from_secs(60),
            1_000,
            now(),
        )
        .await?;
    Ok(transport.take())
}

#[tokio::test]
async fn an_offer_round_books_the_first_ja_and_tells_the_others() -> TestResult {
    let dir = tempfile::tempdir()?;
    for store in stores(dir.path()).await? {
        let (passa, tenant) = passa_with_tenant(store).await?;
        pool(&passa, tenant, 4).await?;
        let settings = PoolSettings::default();
        let o = order(&passa, tenant, 0).await?;
        let candidates = passa.candidates(tenant, o, &settings, now()).await?;
        assert_eq!(candidates.len(), 4, "substitutes only");
        assert!(
            candidates
                .iter()
                .all(|c| c.eligible && !c.reasons.is_empty())
        );

        let sent = passa
            .start_offers(
                tenant,
                o,
                &OfferRound {
                    wave_size: 3,
                    wave_wait: Duration::from_secs(1800),
                    seed: 1,
                },
                &settings,
                "test",
                now(),
            )
            .await?;
        assert_eq!(sent, 3);
        assert_eq!(passa.order(tenant, o).await?.state, OrderState::Offering);
        let transport = Recorder::default();
        let offers = dispatch(&passa, &transport).await?;
        assert_eq!(offers.len(), 3);
        for (_, body) in &offers {
            assert!(
                body.contains("Ekbacken") && body.contains("07:00-15:30"),
                "{body}"
            );
            assert!(!body.contains("Vikarie"), "no names in an offer");
        }
        // Nothing is sent twice.
        assert!(dispatch(&passa, &transport).await?.is_empty());

        let (first, second, third) = (&offers[0], &offers[1], &offers[2]);
        let code = |m: &(String, String)| code_in(&m.1).unwrap_or_default();
        let r = passa
            .receive_sms(
                tenant,
                &reply(&first.0, &format!(" Ja {} ", code(first)), "in-1")?,
                &settings,
                now(),
            )
            .await?;
        assert_eq!(r, InboundOutcome::Booked);
        let r = passa
            .receive_sms(
                tenant,
                &reply(&second.0, &format!("JA {}!", code(second)), "in-2")?,
                &settings,
                now(),
            )
            .await?;
        assert_eq!(r, InboundOutcome::AlreadyFilled);
        // The provider's retry of the same message does nothing again.
        let again = passa
            .receive_sms(
                tenant,
                &reply(&first.0, &format!("JA {}", code(first)), "in-1")?,
                &settings,
                now(),
            )
            .await?;
        assert_eq!(again, InboundOutcome::Duplicate);
        // A NEJ after the booking is thanked; a JA with someone else's code is wrong.
        let r = passa
            .receive_sms(
                tenant,
                &reply(&third.0, &format!("JA {}", code(first)), "in-3")?,
                &settings,
                now(),
            )
            .await?;
        assert!(matches!(r, InboundOutcome::WrongCode), "{r:?}");

        let order = passa.order(tenant, o).await?;
        assert_eq!(order.state, OrderState::Booked);
        let states: Vec<OfferState> = passa
            .offers(tenant, o)
            .await?
            .iter()
            .map(|f| f.state)
            .collect();
        assert_eq!(
            states,
            [OfferState::Accepted, OfferState::Filled, OfferState::Closed]
        );

        let replies = dispatch(&passa, &transport).await?;
        let to = |n: &str| {
            replies
                .iter()
                .find(|(p, _)| p == n)
                .map(|(_, b)| b.clone())
                .unwrap_or_default()
        };
        assert!(to(&first.0).contains("Du är bokad"), "{replies:?}");
        assert!(to(&second.0).contains("redan tillsatt"), "{replies:?}");
        assert!(to(&third.0).contains("Koden stämmer inte"), "{replies:?}");
    }
    Ok(())
}

#[tokio::test]
async fn bare_ja_stop_and_help() -> TestResult {
    let dir = tempfile::tempdir()?;
    for store in stores(dir.path()).await? {
        let (passa, tenant) = passa_with_tenant(store).await?;
        pool(&passa, tenant, 2).await?;
        let settings = PoolSettings::default();
        let transport = Recorder::default();
        // Two orders offered to both: a bare JA is ambiguous.
        let a = order(&passa, tenant, 0).await?;
        let b = order(&passa, tenant, 3).await?;
        for o in [a, b] {
            passa
                .start_offers(
                    tenant,
                    o,
                    &OfferRound {
                        wave_size: 2,
                        wave_wait: Duration::from_secs(1800),
                        seed: 7,
                    },
                    &settings,
                    "test",
                    now(),
                )
                .await?;
        }
        dispatch(&passa, &transport).await?;
        let me = phone(0);
        let r = passa
            .receive_sms(tenant, &reply(&me, "ja", "b-1")?, &settings, now())
            .await?;
        assert_eq!(r, InboundOutcome::WhichOffer);
        // Once one is declined by code, a bare JA names the other.
        passa.stop_order(tenant, b, "test", now()).await?;
        let r = passa
            .receive_sms(tenant, &reply(&me, "JA!", "b-2")?, &settings, now())
            .await?;
        assert_eq!(r, InboundOutcome::Booked);
        assert_eq!(passa.order(tenant, a).await?.state, OrderState::Booked);

        // Unknown text gets one help reply per hour; an unknown number too.
        let r = passa
            .receive_sms(
                tenant,
                &reply(&me, "kanske imorgon", "b-3")?,
                &settings,
                now(),
            )
            .await?;
        assert_eq!(r, InboundOutcome::Help);
        let r = passa
            .receive_sms(tenant, &reply(&me, "hallå?", "b-4")?, &settings, now())
            .await?;
        assert_eq!(r, InboundOutcome::Ignored);
        let r = passa
            .receive_sms(
                tenant,
                &reply("+46701112233", "JA 1234", "b-5")?,
                &settings,
                now(),
            )
            .await?;
        assert_eq!(r, InboundOutcome::Help);

        // STOP keeps a number out of the next round.
        let other = phone(1);
        let r = passa
            .receive_sms(tenant, &reply(&other, "STOP", "b-6")?, &settings, now())
            .await?;
        assert_eq!(r, InboundOutcome::OptedOut);
        let c = order(&passa, tenant, 5).await?;
        let sent = passa
            .start_offers(
                tenant,
                c,
                &OfferRound {
                    wave_size: 5,
                    wave_wait: Duration::from_secs(1800),
                    seed: 9,
                },
                &settings,
                "test",
                now(),
            )
            .await?;
        assert_eq!(sent, 1, "only the one who did not say STOP");
        let r = passa
            .receive_sms(tenant, &reply(&other, "start", "b-7")?, &settings, now())
            .await?;
        assert_eq!(r, InboundOutcome::OptedIn);
    }
    Ok(())
}

#[tokio::test]
async fn direct_booking_needs_availability_and_keeps_the_rules() -> TestResult {
    let dir = tempfile::tempdir()?;
    for store in stores(dir.path()).await? {
        let (passa, tenant) = passa_with_tenant(store).await?;
        pool(&passa, tenant, 1).await?;
        let settings = PoolSettings::default();
        let person = passa
            .store()
            .people(tenant)
            .await?
            .into_iter()
            .find(|p| p.kind == PersonKind::Substitute)
            .map(|p| p.id)
            .ok_or("no substitute")?;
        let o = order(&passa, tenant, 0).await?;
        let refused = passa
            .book_direct(tenant, o, person, &settings, "test", now())
            .await?;
        assert!(matches!(refused, BookingOutcome::Refused(_)), "{refused:?}");
        let start: Timestamp = "2026-11-19T00:00:00Z".parse()?;
        passa
            .add_availability(
                tenant,
                person,
                &NewAvailability {
                    single: vec![(start, start + SignedDuration::from_hours(96))],
                    weekly: Vec::new(),
                },
                &settings,
                "test",
                now(),
            )
            .await?;
        let booked = passa
            .book_direct(tenant, o, person, &settings, "test", now())
            .await?;
        assert_eq!(booked, BookingOutcome::Booked);
        // The same evening's shift would leave less than 11 h of rest: refused, in words.
        let unit = passa.store().units(tenant).await?[0].id;
        let evening: Timestamp = "2026-11-20T20:00:00Z".parse()?;
        let late = passa
            .create_order(
                tenant,
                &NewOrder {
                    unit,
                    competence: None,
                    start: evening,
                    end: evening + SignedDuration::from_hours(4),
                    break_minutes: 0,
                    reason: OrderReason::Extra,
                    note: None,
                    urgent: true,
                },
                "test",
                now(),
            )
            .await?;
        let refused = passa
            .book_direct(tenant, late, person, &settings, "test", now())
            .await?;
        match refused {
            BookingOutcome::Refused(why) => {
                assert!(why.contains("vila") || why.contains("rest"), "{why}")
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        // The confirmation SMS is queued with the booking.
        let transport = Recorder::default();
        let sent = dispatch(&passa, &transport).await?;
        assert_eq!(sent.len(), 1);
        assert!(sent[0].1.starts_with("Passa: Du är bokad"), "{}", sent[0].1);
    }
    Ok(())
}

#[tokio::test]
async fn purged_messages_leave_no_number_or_text_behind() -> TestResult {
    let dir = tempfile::tempdir()?;
    for store in stores(dir.path()).await? {
        let (passa, tenant) = passa_with_tenant(store).await?;
        pool(&passa, tenant, 3).await?;
        let settings = PoolSettings::default();
        let o = order(&passa, tenant, 0).await?;
        passa
            .start_offers(
                tenant,
                o,
                &OfferRound {
                    wave_size: 3,
                    wave_wait: Duration::from_secs(1800),
                    seed: 3,
                },
                &settings,
                "test",
                now(),
            )
            .await?;
        let transport = Recorder::default();
        let offers = dispatch(&passa, &transport).await?;
        let first = &offers[0];
        passa
            .receive_sms(
                tenant,
                &reply(
                    &first.0,
                    &format!("JA {}", code_in(&first.1).unwrap_or_default()),
                    "p-1",
                )?,
                &settings,
                now(),
            )
            .await?;
        dispatch(&passa, &transport).await?;
        let later = now() + SignedDuration::from_hours(24 * 31);
        let purged = passa
            .purge_sms(Duration::from_secs(30 * 86_400), later)
            .await?;
        assert!(purged >= 5, "{purged}");
        // No sealed SMS field and no data key of one is left: nothing to decrypt.
        let dump = passa.store().dump().await?;
        for t in &dump.tables {
            if t.name == "sms_outbox" || t.name == "sms_inbox" {
                for row in &t.rows {
                    for (col, v) in t.columns.iter().zip(row) {
                        if ["recipient", "body", "sender", "data_key_id"].contains(&col.as_str()) {
                            assert_eq!(v, &DumpValue::Null, "{}.{col}", t.name);
                        }
                    }
                }
            }
        }
        let counts = passa.sms_counts(tenant).await?;
        assert!(
            counts.iter().any(|(s, n)| s == "sent" && *n >= 4),
            "{counts:?}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn of_many_concurrent_yes_replies_exactly_one_books() -> TestResult {
    let dir = tempfile::tempdir()?;
    for store in stores(dir.path()).await? {
        let (passa, tenant) = passa_with_tenant(store).await?;
        let n = 30;
        pool(&passa, tenant, n).await?;
        let settings = PoolSettings::default();
        let o = order(&passa, tenant, 0).await?;
        passa
            .start_offers(
                tenant,
                o,
                &OfferRound {
                    wave_size: n as u32,
                    wave_wait: Duration::from_secs(1800),
                    seed: 5,
                },
                &settings,
                "test",
                now(),
            )
            .await?;
        let transport = Recorder::default();
        let offers = dispatch(&passa, &transport).await?;
        assert_eq!(offers.len(), n);
        let passa = Arc::new(passa);
        let mut tasks = Vec::new();
        // Every reply arrives twice at once, as a provider's retry racing the original.
        for copy in 0..2 {
            for (i, (to, body)) in offers.iter().enumerate() {
                let passa = passa.clone();
                let settings = settings.clone();
                let (to, body) = (to.clone(), body.clone());
                tasks.push(tokio::spawn(async move {
                    let sms = IncomingSms {
                        provider: "test".into(),
                        provider_id: format!("c-{i}"),
                        from: PhoneNumber::parse(&to).map_err(|e| e.to_string())?,
                        text: format!("JA {}", code_in(&body).unwrap_or_default()),
                        received: now(),
                    };
                    passa
                        .receive_sms(tenant, &sms, &settings, now())
                        .await
                        .map(|o| (copy, o))
                        .map_err(|e| e.to_string())
                }));
            }
        }
        let mut outcomes = Vec::new();
        for t in tasks {
            outcomes.push(t.await??.1);
        }
        let count = |want: InboundOutcome| outcomes.iter().filter(|o| **o == want).count();
        assert_eq!(
            (
                count(InboundOutcome::Booked),
                count(InboundOutcome::AlreadyFilled),
                count(InboundOutcome::Duplicate)
            ),
            (1, n - 1, n),
            "{outcomes:?}"
        );
        // What was stored: each reply once, one answer SMS each, the offers' new states,
        // no data key left over from a retry, and an unbroken audit chain.
        assert_eq!(passa.order(tenant, o).await?.state, OrderState::Booked);
        let states: Vec<OfferState> = passa
            .store()
            .offers(tenant, o)
            .await?
            .iter()
            .map(|f| f.state)
            .collect();
        let with = |s: OfferState| states.iter().filter(|x| **x == s).count();
        assert_eq!(
            (with(OfferState::Accepted), with(OfferState::Filled)),
            (1, n - 1),
            "{states:?}"
        );
        let dump = passa.store().dump().await?;
        assert_eq!(dump.rows("sms_inbox"), n);
        // The offers, then one answer to each reply.
        assert_eq!(dump.rows("sms_outbox"), 2 * n);
        let keys_in_use: usize = ["people", "orders", "sms_inbox", "sms_outbox"]
            .iter()
            .map(|name| {
                dump.table(name)
                    .and_then(|t| {
                        let col = t.columns.iter().position(|c| c == "data_key_id")?;
                        Some(
                            t.rows
                                .iter()
                                .filter(|r| !matches!(r.get(col), Some(DumpValue::Null) | None))
                                .count(),
                        )
                    })
                    .unwrap_or(0)
            })
            .sum();
        assert_eq!(dump.rows("data_keys"), keys_in_use);
        let log = passa.store().audit_log(tenant).await?;
        assert_eq!(AuditRecord::verify_chain(&log), Ok(()));
        let answered = log
            .iter()
            .filter(|r| r.entry.action == "pool.answer")
            .count();
        assert_eq!(answered, n - 1);
    }
    Ok(())
}

/// Answers every message with the same provider id, as two tenants' separate provider
/// accounts may.
struct SameId;

#[async_trait]
impl SmsTransport for SameId {
    fn name(&self) -> &'static str {
        "test"
    }

    async fn send(&self, _: SmsId, _: &PhoneNumber, _: &str) -> Result<String, TransportError> {
        Ok("same-id".into())
    }
}

#[tokio::test]
async fn a_delivery_report_through_one_tenants_webhook_never_touches_anothers_messages()
-> TestResult {
    let dir = tempfile::tempdir()?;
    for store in stores(dir.path()).await? {
        let (passa, a) = passa_with_tenant(store).await?;
        let b = passa.create_tenant("Grannkommun", now()).await?.id;
        let settings = PoolSettings::default();
        for tenant in [a, b] {
            pool(&passa, tenant, 1).await?;
            let o = order(&passa, tenant, 0).await?;
            let round = OfferRound {
                wave_size: 1,
                wave_wait: Duration::from_secs(1800),
                seed: 5,
            };
            passa
                .start_offers(tenant, o, &round, &settings, "test", now())
                .await?;
        }
        passa
            .dispatch_sms(&SameId, "test-owner", Duration::from_secs(60), 1_000, now())
            .await?;
        let delivered = |counts: Vec<(String, u64)>| {
            counts
                .iter()
                .find(|(s, _)| s == "delivered")
                .map_or(0, |(_, n)| *n)
        };
        assert!(
            passa
                .sms_delivery(Some(a), "test", "same-id", DeliveryStatus::Delivered, now())
                .await?
        );
        assert_eq!(delivered(passa.sms_counts(a).await?), 1);
        assert_eq!(delivered(passa.sms_counts(b).await?), 0);
        // An instance-wide connection (SMPP) matches by the id alone.
        assert!(
            passa
                .sms_delivery(None, "test", "same-id", DeliveryStatus::Delivered, now())
                .await?
        );
        assert_eq!(delivered(passa.sms_counts(b).await?), 1);
    }
    Ok(())
}

#[tokio::test]
async fn each_tenant_keeps_its_own_quiet_hours() -> TestResult {
    let dir = tempfile::tempdir()?;
    for store in stores(dir.path()).await? {
        let (passa, a) = passa_with_tenant(store).await?;
        let b = passa.create_tenant("Grannkommun", now()).await?.id;
        let round = OfferRound {
            wave_size: 1,
            wave_wait: Duration::from_secs(30 * 60),
            seed: 3,
        };
        let defaults = PoolSettings::default();
        let mut orders = Vec::new();
        for tenant in [a, b] {
            pool(&passa, tenant, 4).await?;
            let o = order(&passa, tenant, 0).await?;
            // 12:06 in Stockholm: outside the default quiet hours, so the first wave goes.
            passa
                .start_offers(tenant, o, &round, &defaults, "test", now())
                .await?;
            orders.push((tenant, o));
        }
        // The neighbour keeps its lunch hour quiet; the next waves fall due at 12:37.
        let mut policy = PoolPolicy::new(defaults.clone());
        policy.set(
            b,
            PoolSettings {
                quiet_from: jiff::civil::Time::constant(12, 30, 0, 0),
                quiet_to: jiff::civil::Time::constant(13, 0, 0, 0),
                ..defaults.clone()
            },
        );
        let (expired, sent) = passa
            .pool_tick(&policy, now() + SignedDuration::from_mins(31))
            .await?;
        assert_eq!((expired, sent), (0, 1));
        let offers_a = passa.store().offers(a, orders[0].1).await?.len();
        let offers_b = passa.store().offers(b, orders[1].1).await?.len();
        assert_eq!((offers_a, offers_b), (2, 1));
        // After the neighbour's quiet hour its wave goes too.
        let (_, sent) = passa
            .pool_tick(&policy, now() + SignedDuration::from_mins(55))
            .await?;
        let offers_a = passa.store().offers(a, orders[0].1).await?.len();
        let offers_b = passa.store().offers(b, orders[1].1).await?.len();
        assert_eq!((sent, offers_a, offers_b), (1, 2, 2));
    }
    Ok(())
}
