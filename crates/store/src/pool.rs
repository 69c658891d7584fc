//! The substitute pool and SMS part of the contract: availability, orders, offers,
//! bookings, the SMS outbox and inbox, and the webhook secrets.
//!
//! Instants are RFC 3339 UTC text for people and seconds since the epoch (`*_s`) for
//! comparisons in SQL. Phone numbers and message texts arrive sealed, each message with its
//! own data key, so purging one is deleting its key and ciphertext.

use async_trait::async_trait;
use passa_domain::{
    BookingId, CompetenceId, DataKeyId, OfferId, OfferState, OrderId, OrderReason, OrderState,
    PersonId, SmsId, TenantId, UnitId,
};

use crate::{AuditEntry, StoreError, StoredKey};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailabilityRecord {
    pub id: i64,
    pub person: PersonId,
    pub start: String,
    pub end: String,
    pub start_s: i64,
    pub end_s: i64,
}

/// A weekly pattern: every `weekday` (1 = Monday) from `start_time` to `end_time` (an end
/// at or before the start runs into the next day), from `valid_from` to `valid_to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeeklyAvailabilityRecord {
    pub id: i64,
    pub person: PersonId,
    pub weekday: u8,
    pub start_time: String,
    pub end_time: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
}

/// A sealed free-text field with its own data key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedNote {
    pub data_key_id: DataKeyId,
    pub data_key: StoredKey,
    pub ciphertext: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRecord {
    pub id: OrderId,
    pub unit: UnitId,
    pub competence: Option<CompetenceId>,
    pub start: String,
    pub end: String,
    pub start_s: i64,
    pub end_s: i64,
    pub break_minutes: u16,
    pub reason: OrderReason,
    pub note: Option<SealedNote>,
    pub urgent: bool,
    pub state: OrderState,
    /// Offers per wave, and seconds between waves.
    pub wave_size: u32,
    pub wave_wait_s: i64,
    pub waves_sent: u32,
    pub next_wave_s: Option<i64>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferRecord {
    pub id: OfferId,
    pub order: OrderId,
    pub person: PersonId,
    pub wave: u32,
    /// Keyed hash of the code (the tenant's blind-index key).
    pub code_hash: Vec<u8>,
    pub state: OfferState,
    pub created_at: String,
    pub answered_at: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookedVia {
    Direct,
    Offer,
}

impl BookedVia {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Offer => "offer",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRecord {
    pub id: BookingId,
    pub order: OrderId,
    pub person: PersonId,
    pub start_s: i64,
    pub end_s: i64,
    pub via: BookedVia,
    pub created_at: String,
}

/// A stretch of time a person is already working: a booking or a planned shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkSpan {
    pub start_s: i64,
    pub end_s: i64,
}

/// An SMS to send, sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSms {
    pub id: SmsId,
    pub data_key_id: DataKeyId,
    pub data_key: StoredKey,
    pub recipient: Vec<u8>,
    pub body: Vec<u8>,
    /// What it is for ("offer", "booked", "filled", "help", …): statistics, never content.
    pub kind: &'static str,
    pub order: Option<OrderId>,
    pub offer: Option<OfferId>,
    pub encoding: &'static str,
    pub parts: u32,
    pub not_before_s: i64,
    pub created_at: String,
}

/// An SMS a dispatcher has leased for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedSms {
    pub id: SmsId,
    pub tenant: TenantId,
    pub data_key_id: DataKeyId,
    pub data_key: StoredKey,
    pub recipient: Vec<u8>,
    pub body: Vec<u8>,
    /// Attempts including this one.
    pub attempts: u32,
}

/// An inbound SMS, sealed, with what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundSms {
    pub id: SmsId,
    pub provider: String,
    pub provider_id: String,
    pub data_key_id: DataKeyId,
    pub data_key: StoredKey,
    pub sender: Vec<u8>,
    pub body: Vec<u8>,
    pub received_at: String,
    pub received_s: i64,
    /// "booked", "filled", "late", "declined", "help", "stop", …
    pub outcome: String,
}

/// Changes to offers that an inbound reply makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferAnswer {
    pub offer: OfferId,
    pub state: OfferState,
    pub answered_at: String,
}

/// How an order's offer round goes on: offers per wave, seconds between waves, and when the
/// next wave is due (`None`: none is planned).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waves {
    pub size: u32,
    pub wait_s: i64,
    pub next_s: Option<i64>,
}

/// What a number asked for, by blind index.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactUpdate {
    pub phone_index: Vec<u8>,
    /// `Some(true)`: opted out; `Some(false)`: opted back in.
    pub opted_out: Option<bool>,
    pub help_sent_s: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contact {
    pub opted_out: bool,
    pub last_help_s: Option<i64>,
}

/// A booking to make, and everything that goes with it in the same transaction.
#[derive(Debug, Clone)]
pub struct BookingRequest {
    pub booking: BookingRecord,
    /// The offer answered, when booked through one.
    pub offer: Option<OfferId>,
    /// The reply that booked it, stored in the same transaction (dedup on its id).
    pub inbound: Option<InboundSms>,
    pub sms: Vec<NewSms>,
    pub audit: AuditEntry,
}

/// How a booking attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookingOutcome {
    Booked,
    /// The order is not open for booking any more (booked, stopped, expired, cancelled).
    NotLive(OrderState),
    /// The person's own check refused it (a rule, an overlap): the reason in words.
    Refused(String),
    /// The inbound reply was already processed.
    Duplicate,
}

/// Delivery status from the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Sent,
    Delivered,
    Failed,
}

/// Statistics for fair ranking, per person, since some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStats {
    pub offers: u32,
    pub declines: u32,
    pub bookings: u32,
    pub booked_seconds: i64,
    pub cancellations: u32,
}

/// The check a booking runs inside its transaction, on the person's existing work.
pub type BookingCheck<'a> = &'a (dyn Fn(&[WorkSpan]) -> Result<(), String> + Send + Sync);

#[async_trait]
pub trait PoolStore: Send + Sync {
    async fn add_availability(
        &self,
        tenant: TenantId,
        single: &[AvailabilityRecord],
        weekly: &[WeeklyAvailabilityRecord],
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Availability of everyone, overlapping `[from_s, to_s)` (weekly patterns: all).
    async fn availability(
        &self,
        tenant: TenantId,
        from_s: i64,
        to_s: i64,
    ) -> Result<(Vec<AvailabilityRecord>, Vec<WeeklyAvailabilityRecord>), StoreError>;

    async fn create_order(
        &self,
        tenant: TenantId,
        order: &OrderRecord,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    async fn order(&self, tenant: TenantId, id: OrderId) -> Result<OrderRecord, StoreError>;

    async fn orders(
        &self,
        tenant: TenantId,
        states: &[OrderState],
    ) -> Result<Vec<OrderRecord>, StoreError>;

    async fn offers(
        &self,
        tenant: TenantId,
        order: OrderId,
    ) -> Result<Vec<OfferRecord>, StoreError>;

    /// Open offers to these people, on orders still offering.
    async fn open_offers_for(
        &self,
        tenant: TenantId,
        people: &[PersonId],
    ) -> Result<Vec<OfferRecord>, StoreError>;

    /// The newest offer with this code hash to anyone with this phone blind index, with its
    /// order: what a reply "JA 4821" is about, in one look-up.
    async fn reply_target(
        &self,
        tenant: TenantId,
        phone_index: &[u8],
        code_hash: &[u8],
    ) -> Result<Option<(OfferRecord, OrderRecord)>, StoreError>;

    /// The ids of people whose phone blind index matches (no sealed field is read).
    async fn people_ids_by_phone(
        &self,
        tenant: TenantId,
        phone_index: &[u8],
    ) -> Result<Vec<PersonId>, StoreError>;

    /// Bookings and planned shifts of a person overlapping `[from_s, to_s)`.
    async fn work_of(
        &self,
        tenant: TenantId,
        person: PersonId,
        from_s: i64,
        to_s: i64,
    ) -> Result<Vec<WorkSpan>, StoreError>;

    /// Offer, decline, booking and cancellation counts per person since `since_s`.
    async fn pool_stats(
        &self,
        tenant: TenantId,
        since_s: i64,
    ) -> Result<Vec<(PersonId, PoolStats)>, StoreError>;

    /// A wave of offers with their SMS; the order moves to offering. Refused (Conflict)
    /// unless the order is still live.
    async fn send_offers(
        &self,
        tenant: TenantId,
        order: OrderId,
        offers: &[OfferRecord],
        sms: &[NewSms],
        waves: &Waves,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Books a person on an order in one transaction: takes the person's lock, runs
    /// `check` on their existing work, moves the order from a live state to booked, inserts
    /// the booking (the database refuses a second live booking per order and overlapping
    /// bookings per person), closes the order's other open offers, stores the reply and the
    /// SMS, and audits.
    async fn book(
        &self,
        tenant: TenantId,
        request: &BookingRequest,
        check: BookingCheck<'_>,
    ) -> Result<BookingOutcome, StoreError>;

    /// Stores an inbound SMS that booked nothing, with its effects, in one transaction.
    /// `Ok(false)`: already stored (a provider retry), nothing done.
    async fn record_inbound(
        &self,
        tenant: TenantId,
        inbound: &InboundSms,
        answers: &[OfferAnswer],
        contact: Option<&ContactUpdate>,
        sms: &[NewSms],
        audit: Option<&AuditEntry>,
    ) -> Result<bool, StoreError>;

    async fn contact(&self, tenant: TenantId, phone_index: &[u8]) -> Result<Contact, StoreError>;

    /// Moves a live order to a final state (stopped, expired, cancelled) and closes its
    /// open offers. `Ok(false)`: it was not live.
    async fn end_order(
        &self,
        tenant: TenantId,
        order: OrderId,
        state: OrderState,
        at: &str,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;

    /// Orders, of every tenant, offering and due for a wave at `now_s`, or live and
    /// started (to expire).
    async fn due_orders(&self, now_s: i64) -> Result<Vec<(TenantId, OrderRecord)>, StoreError>;

    /// Queues messages that go with no other change (notices, tests, benchmarks).
    async fn enqueue_sms(&self, tenant: TenantId, sms: &[NewSms]) -> Result<(), StoreError>;

    /// Leases up to `limit` SMS due at `now_s` (pending, or leased and the lease run out)
    /// to `owner` until `lease_until_s`.
    async fn claim_sms(
        &self,
        owner: &str,
        now_s: i64,
        lease_until_s: i64,
        limit: u32,
    ) -> Result<Vec<ClaimedSms>, StoreError>;

    /// The provider accepted the SMS. `Ok(false)`: the lease was lost meanwhile.
    async fn sms_sent(
        &self,
        id: SmsId,
        owner: &str,
        provider: &str,
        provider_id: &str,
        at: &str,
        at_s: i64,
    ) -> Result<bool, StoreError>;

    /// Sending failed: try again at `not_before_s`, or (with `None`) give up.
    async fn sms_failed(
        &self,
        id: SmsId,
        owner: &str,
        error: &str,
        not_before_s: Option<i64>,
        at: &str,
        at_s: i64,
    ) -> Result<(), StoreError>;

    /// A delivery report, by the provider's id, among the messages of `tenant` when the
    /// report came through a tenant's own webhook (`None`: an instance-wide connection such
    /// as SMPP). `Ok(false)`: no such message.
    async fn sms_delivery(
        &self,
        tenant: Option<TenantId>,
        provider: &str,
        provider_id: &str,
        status: DeliveryStatus,
        at: &str,
        at_s: i64,
    ) -> Result<bool, StoreError>;

    /// Erases numbers and texts (ciphertext and data key) of outbox messages final before
    /// `before_s` and inbox messages received before it. Returns how many were purged.
    async fn purge_sms(&self, before_s: i64, at: &str) -> Result<u64, StoreError>;

    async fn set_webhook_secret(
        &self,
        tenant: TenantId,
        secret_hash: &[u8],
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    async fn tenant_by_webhook_secret(
        &self,
        secret_hash: &[u8],
    ) -> Result<Option<TenantId>, StoreError>;

    /// An outbox message's sealed recipient, unless purged.
    async fn sms_recipient(
        &self,
        tenant: TenantId,
        id: SmsId,
    ) -> Result<Option<(DataKeyId, StoredKey, Vec<u8>)>, StoreError>;

    /// Outbox counts by state, for status pages and tests.
    async fn sms_counts(&self, tenant: TenantId) -> Result<Vec<(String, u64)>, StoreError>;
}
