//! The SMS outbox seen from the use cases: sealing messages, the dispatcher that sends them
//! through a transport with leases and retries, delivery reports, retention and the
//! webhook secrets.

use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use passa_domain::{DataKeyId, OfferId, OrderId, PhoneNumber, SmsId, TenantId};
use passa_store::{DeliveryStatus, IdKind, NewSms};
use passa_vault::{FieldRef, TenantKeyring};
use sha2::{Digest, Sha256};

use crate::{AppError, Passa, audit, stamp, stored, wrapped};

/// Why a transport could not hand a message over.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// Worth another try later (a timeout, a 5xx, throttling, no connection).
    #[error("temporary: {0}")]
    Retry(String),
    /// Will never work (a number the provider refuses, bad credentials).
    #[error("permanent: {0}")]
    Permanent(String),
}

/// A way out for SMS: 46elks, an SMPP operator, the console.
#[async_trait]
pub trait SmsTransport: Send + Sync {
    /// The provider's name as stored with each message's id ("46elks", "smpp", "console").
    fn name(&self) -> &'static str;

    /// Hands one message over; returns the provider's id for it. `id` is Passa's own, for
    /// the console and for logs.
    async fn send(&self, id: SmsId, to: &PhoneNumber, body: &str)
    -> Result<String, TransportError>;
}

/// A message to queue: who, what, and what it is about (ids only).
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub to: PhoneNumber,
    pub body: String,
    pub kind: &'static str,
    pub order: Option<OrderId>,
    pub offer: Option<OfferId>,
    pub not_before: Timestamp,
}

const OUTBOX: &str = "sms_outbox";
pub(crate) const INBOX: &str = "sms_inbox";

pub(crate) fn sms_field(table: &'static str, column: &'static str, id: SmsId) -> FieldRef {
    FieldRef {
        table,
        column,
        row: id.get(),
    }
}

/// What the dispatcher did in one pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DispatchReport {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

enum Handed {
    Sent,
    Retry,
    Failed,
}

/// Attempts before a message is given up as failed.
const MAX_ATTEMPTS: u32 = 10;

/// Wait before attempt `n + 1`: 5 s doubling, at most an hour.
fn backoff(attempts: u32) -> i64 {
    (5i64 << attempts.min(10)).min(3_600)
}

impl Passa {
    /// Seals messages for the outbox, each with its own data key.
    pub(crate) async fn seal_sms(
        &self,
        ring: &TenantKeyring,
        messages: &[Outgoing],
        now: Timestamp,
    ) -> Result<Vec<NewSms>, AppError> {
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        let n = u32::try_from(messages.len()).unwrap_or(u32::MAX);
        let first_id = self.ids(IdKind::Sms, n).await?;
        let first_key = self.ids(IdKind::DataKey, n).await?;
        let mut out = Vec::with_capacity(messages.len());
        for (i, m) in messages.iter().enumerate() {
            let id = SmsId::new(first_id + i as i64);
            let (key, wrapped_key) = ring.new_data_key(DataKeyId::new(first_key + i as i64));
            let segments = passa_sms::segments(&m.body);
            out.push(NewSms {
                id,
                data_key_id: key.id(),
                data_key: stored(wrapped_key),
                recipient: key.seal(sms_field(OUTBOX, "recipient", id), m.to.as_e164()),
                body: key.seal(sms_field(OUTBOX, "body", id), &m.body),
                kind: m.kind,
                order: m.order,
                offer: m.offer,
                encoding: match segments.encoding {
                    passa_sms::Encoding::Gsm7 => "gsm7",
                    passa_sms::Encoding::Ucs2 => "ucs2",
                },
                parts: u32::try_from(segments.parts).unwrap_or(u32::MAX),
                not_before_s: m.not_before.as_second(),
                created_at: stamp(now),
            });
        }
        Ok(out)
    }

    /// One dispatcher pass: lease due messages, send each, record the provider's id or
    /// schedule a retry. Safe to run in several processes at once: a message is leased to
    /// one of them, and a lease that runs out (a process killed mid-send) frees it again.
    ///
    /// The one window where a message can go out twice: the provider accepted it and the
    /// process died before the provider's id was stored (one HTTP or SMPP round trip plus
    /// one database commit). Neither 46elks nor SMPP 3.4 offers an idempotency key to close
    /// it; after the lease runs out the message is sent again.
    pub async fn dispatch_sms(
        &self,
        transport: &dyn SmsTransport,
        owner: &str,
        lease: Duration,
        limit: u32,
        now: Timestamp,
    ) -> Result<DispatchReport, AppError> {
        self.dispatch_sms_windowed(transport, owner, lease, limit, 1, now)
            .await
    }

    /// [`Passa::dispatch_sms`] with up to `window` messages in flight at once (SMPP's
    /// window, parallel HTTPS requests). The at-least-once window grows with it: a crash can
    /// resend every message that was in flight.
    pub async fn dispatch_sms_windowed(
        &self,
        transport: &dyn SmsTransport,
        owner: &str,
        lease: Duration,
        limit: u32,
        window: usize,
        now: Timestamp,
    ) -> Result<DispatchReport, AppError> {
        use futures_util::StreamExt;
        let now_s = now.as_second();
        let lease_s = i64::try_from(lease.as_secs()).unwrap_or(60).max(1);
        let claimed = self
            .store
            .claim_sms(owner, now_s, now_s + lease_s, limit)
            .await?;
        let mut rings: Vec<(TenantId, std::sync::Arc<TenantKeyring>)> = Vec::new();
        let mut opened = Vec::with_capacity(claimed.len());
        for m in claimed {
            if !rings.iter().any(|(t, _)| *t == m.tenant) {
                rings.push((m.tenant, self.keyring(m.tenant).await?));
            }
            let Some((_, ring)) = rings.iter().find(|(t, _)| *t == m.tenant) else {
                continue;
            };
            let key = ring.open_data_key(m.data_key_id, &wrapped(&m.data_key))?;
            let to = key.open(sms_field(OUTBOX, "recipient", m.id), &m.recipient)?;
            let body = key.open(sms_field(OUTBOX, "body", m.id), &m.body)?;
            opened.push((m.id, m.attempts, PhoneNumber::parse(&to)?, body));
        }
        let results: Vec<Result<Handed, AppError>> = futures_util::stream::iter(opened)
            .map(|(id, attempts, to, body)| async move {
                crate::crash::point("dispatch.claimed");
                match transport.send(id, &to, &body).await {
                    Ok(provider_id) => {
                        // The at-least-once window: accepted by the provider, id not stored.
                        crate::crash::point("dispatch.sent");
                        self.store
                            .sms_sent(id, owner, transport.name(), &provider_id, &stamp(now), now_s)
                            .await?;
                        crate::crash::point("dispatch.stored");
                        Ok(Handed::Sent)
                    }
                    Err(TransportError::Retry(e)) if attempts < MAX_ATTEMPTS => {
                        tracing::warn!(sms = id.get(), attempts, error = %e, "SMS send failed; will retry");
                        self.store
                            .sms_failed(id, owner, &e, Some(now_s + backoff(attempts)), &stamp(now), now_s)
                            .await?;
                        Ok(Handed::Retry)
                    }
                    Err(e) => {
                        tracing::warn!(sms = id.get(), error = %e, "SMS send failed for good");
                        self.store
                            .sms_failed(id, owner, &e.to_string(), None, &stamp(now), now_s)
                            .await?;
                        Ok(Handed::Failed)
                    }
                }
            })
            .buffer_unordered(window.max(1))
            .collect()
            .await;
        let mut report = DispatchReport::default();
        for r in results {
            match r? {
                Handed::Sent => report.sent += 1,
                Handed::Retry => report.retried += 1,
                Handed::Failed => report.failed += 1,
            }
        }
        Ok(report)
    }

    /// A delivery report from a provider, for `tenant`'s messages when it came through the
    /// tenant's webhook. `Ok(false)`: no message has that id.
    pub async fn sms_delivery(
        &self,
        tenant: Option<TenantId>,
        provider: &str,
        provider_id: &str,
        status: DeliveryStatus,
        at: Timestamp,
    ) -> Result<bool, AppError> {
        Ok(self
            .store
            .sms_delivery(
                tenant,
                provider,
                provider_id,
                status,
                &stamp(at),
                at.as_second(),
            )
            .await?)
    }

    /// Erases numbers and texts of messages whose final status is older than `keep`, and of
    /// inbound messages older than it: ciphertext and data key both. Delivery metadata
    /// without the number stays.
    pub async fn purge_sms(&self, keep: Duration, now: Timestamp) -> Result<u64, AppError> {
        let keep_s = i64::try_from(keep.as_secs()).unwrap_or(i64::MAX / 2);
        Ok(self
            .store
            .purge_sms(now.as_second().saturating_sub(keep_s), &stamp(now))
            .await?)
    }

    /// Makes (or replaces) the tenant's webhook secret and returns it: it is shown once and
    /// only its hash is kept.
    pub async fn rotate_webhook_secret(
        &self,
        tenant: TenantId,
        actor: &str,
        now: Timestamp,
    ) -> Result<String, AppError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| AppError::Io(format!("no randomness: {e}")))?;
        let secret = hex(&bytes);
        // The old secret stops working in this process at once.
        if let Ok(mut cache) = self.webhook_tenants.lock() {
            cache.retain(|_, (t, _)| *t != tenant);
        }
        self.store
            .set_webhook_secret(
                tenant,
                &webhook_hash(&secret),
                &audit(now, actor, "sms.webhook_secret", "rotated".into()),
            )
            .await?;
        Ok(secret)
    }

    /// The tenant a webhook secret belongs to.
    pub async fn tenant_for_webhook(
        &self,
        secret: &str,
        now: Timestamp,
    ) -> Result<Option<TenantId>, AppError> {
        if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let hash = webhook_hash(secret);
        let now_s = now.as_second();
        if let Some(tenant) = self.webhook_tenants.lock().ok().and_then(|c| {
            c.get(&hash)
                .filter(|(_, at)| (now_s - at).abs() < crate::WEBHOOK_CACHE_SECONDS)
                .map(|(t, _)| *t)
        }) {
            return Ok(Some(tenant));
        }
        let tenant = self.store.tenant_by_webhook_secret(&hash).await?;
        if let (Some(t), Ok(mut cache)) = (tenant, self.webhook_tenants.lock()) {
            cache.insert(hash, (t, now_s));
        }
        Ok(tenant)
    }

    /// The recipient of an outbox message, opened for a console reply (`passa sms reply
    /// --to-sms`). Audited: it is a read of a phone number by a person.
    pub async fn sms_recipient(
        &self,
        tenant: TenantId,
        id: SmsId,
        actor: &str,
        now: Timestamp,
    ) -> Result<PhoneNumber, AppError> {
        let (data_key_id, data_key, sealed) =
            self.store.sms_recipient(tenant, id).await?.ok_or_else(|| {
                AppError::NotFound(format!("no SMS {} with a number (purged?)", id.get()))
            })?;
        self.store
            .audit(
                tenant,
                &audit(
                    now,
                    actor,
                    "sms.read_recipient",
                    format!("sms {}", id.get()),
                ),
            )
            .await?;
        let ring = self.keyring(tenant).await?;
        let key = ring.open_data_key(data_key_id, &wrapped(&data_key))?;
        let number = key.open(sms_field(OUTBOX, "recipient", id), &sealed)?;
        Ok(PhoneNumber::parse(&number)?)
    }

    /// Queues plain messages (a notice to staff, a test message): sealed, each with its own
    /// data key, sent by the dispatcher like any other.
    pub async fn queue_sms(
        &self,
        tenant: TenantId,
        messages: &[(PhoneNumber, String)],
        kind: &'static str,
        now: Timestamp,
    ) -> Result<usize, AppError> {
        let ring = self.keyring(tenant).await?;
        let outgoing: Vec<Outgoing> = messages
            .iter()
            .map(|(to, body)| Outgoing {
                to: to.clone(),
                body: body.clone(),
                kind,
                order: None,
                offer: None,
                not_before: now,
            })
            .collect();
        let sealed = self.seal_sms(&ring, &outgoing, now).await?;
        self.store.enqueue_sms(tenant, &sealed).await?;
        Ok(sealed.len())
    }

    /// The tenant an inbound number belongs to, for transports without a per-tenant
    /// address (SMPP): the first tenant with a person of that number, else the first tenant.
    pub async fn tenant_for_number(
        &self,
        number: &PhoneNumber,
    ) -> Result<Option<TenantId>, AppError> {
        let tenants = self.store.tenants().await?;
        for t in &tenants {
            let ring = self.keyring(t.id).await?;
            let index = ring.blind_index(passa_vault::IndexPurpose::Phone, number.as_e164());
            if !self
                .store
                .people_ids_by_phone(t.id, index.as_bytes())
                .await?
                .is_empty()
            {
                return Ok(Some(t.id));
            }
        }
        Ok(tenants.first().map(|t| t.id))
    }

    /// Outbox counts by state.
    pub async fn sms_counts(&self, tenant: TenantId) -> Result<Vec<(String, u64)>, AppError> {
        Ok(self.store.sms_counts(tenant).await?)
    }
}

fn webhook_hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_an_hour() {
        assert_eq!(backoff(0), 5);
        assert_eq!(backoff(1), 10);
        assert_eq!(backoff(3), 40);
        assert_eq!(backoff(20), 3_600);
    }
}
