//! The substitute pool: availability, orders for vacant shifts, candidates ranked with
//! reasons, direct booking, offer rounds in waves, and what a reply by SMS does.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;
use passa_domain::{
    BookingId, CompetenceId, DataKeyId, OfferId, OfferState, OrderId, OrderReason, OrderState,
    PersonId, PersonKind, PhoneNumber, SmsId, TenantId, UnitId,
};
use passa_rules::{Contract, PersonSchedule, Profile, Rules, Settings, ShiftKind};
use passa_sms::{Keyword, OfferCode, Reply, ShiftText, Texts, parse_reply};
use passa_store::{
    AuditEntry, AvailabilityRecord, BookedVia, BookingOutcome, BookingRecord, BookingRequest,
    ContactUpdate, IdKind, InboundSms, OfferAnswer, OfferRecord, OrderRecord, PoolStats,
    SealedNote, SealedPerson, Waves, WeeklyAvailabilityRecord, WorkSpan,
};
use passa_vault::{FieldRef, IndexPurpose, TenantKeyring};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::sms::{INBOX, Outgoing, sms_field};
use crate::{AppError, Passa, audit, stamp, stored, wrapped};

/// How the pool behaves; the defaults are what most municipalities use.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub profile: Profile,
    pub time_zone: TimeZone,
    /// Local cap on booked hours per calendar month for substitutes (e.g. 165 h).
    pub monthly_cap_minutes: Option<i64>,
    /// No offers between these local times unless the order is urgent.
    pub quiet_from: Time,
    pub quiet_to: Time,
    /// At most one help reply per number within this time.
    pub help_interval: Duration,
    /// Counters shown with candidates; municipalities act on them.
    pub max_declines: u32,
    pub max_cancellations: u32,
    /// How far back fairness looks.
    pub fairness_window: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            profile: Profile::Ab,
            time_zone: TimeZone::get("Europe/Stockholm").unwrap_or(TimeZone::UTC),
            monthly_cap_minutes: Some(165 * 60),
            quiet_from: Time::constant(21, 0, 0, 0),
            quiet_to: Time::constant(7, 0, 0, 0),
            help_interval: Duration::from_secs(3_600),
            max_declines: 5,
            max_cancellations: 3,
            fairness_window: Duration::from_secs(28 * 86_400),
        }
    }
}

/// Pool settings for every tenant: the instance's, and a tenant's own where it has them
/// (one municipality may keep quiet hours to 22:00, another to 21:00).
#[derive(Debug, Clone, Default)]
pub struct PoolPolicy {
    defaults: PoolSettings,
    tenants: HashMap<TenantId, PoolSettings>,
}

impl PoolPolicy {
    pub fn new(defaults: PoolSettings) -> Self {
        Self {
            defaults,
            tenants: HashMap::new(),
        }
    }

    /// Gives `tenant` settings of its own.
    pub fn set(&mut self, tenant: TenantId, settings: PoolSettings) {
        self.tenants.insert(tenant, settings);
    }

    pub fn for_tenant(&self, tenant: TenantId) -> &PoolSettings {
        self.tenants.get(&tenant).unwrap_or(&self.defaults)
    }
}

impl PoolSettings {
    fn rules(&self) -> Rules {
        let mut settings = Settings::for_profile(self.profile);
        settings.monthly_cap = self.monthly_cap_minutes;
        Rules::new(settings, self.time_zone.clone())
    }

    /// Whether `at` is inside the quiet hours, and if so when they end.
    pub fn quiet_until(&self, at: Timestamp) -> Option<Timestamp> {
        let local = at.to_zoned_datetime(self.time_zone.clone());
        let t = local.time();
        let quiet = if self.quiet_from <= self.quiet_to {
            t >= self.quiet_from && t < self.quiet_to
        } else {
            t >= self.quiet_from || t < self.quiet_to
        };
        if !quiet {
            return None;
        }
        let mut day = local.date();
        if t >= self.quiet_to {
            day = day.tomorrow().ok()?;
        }
        self.time_zone
            .to_ambiguous_timestamp(day.to_datetime(self.quiet_to))
            .compatible()
            .ok()
    }
}

/// How an offer round goes: offers per wave, the wait between waves, and the seed for the
/// codes (tests fix it; the server draws one).
#[derive(Debug, Clone, Copy)]
pub struct OfferRound {
    pub wave_size: u32,
    pub wave_wait: Duration,
    pub seed: u64,
}

/// New availability for a substitute.
#[derive(Debug, Clone, Default)]
pub struct NewAvailability {
    /// Single intervals.
    pub single: Vec<(Timestamp, Timestamp)>,
    /// Weekly patterns: ISO weekday (1 Monday … 7 Sunday) and local start and end times; an
    /// end at or before the start runs past midnight.
    pub weekly: Vec<(u8, Time, Time)>,
}

/// A new order for a vacant shift.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub unit: UnitId,
    pub competence: Option<CompetenceId>,
    pub start: Timestamp,
    pub end: Timestamp,
    pub break_minutes: u16,
    pub reason: OrderReason,
    /// Free text for the substitute's practical information. It must not name a care
    /// recipient; it is sealed like any personal field.
    pub note: Option<String>,
    pub urgent: bool,
}

/// A candidate for an order, with where they rank and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub person: PersonId,
    /// Could be booked now: competence, no overlap, no rule broken.
    pub eligible: bool,
    pub available: bool,
    pub trained_at_unit: bool,
    pub opted_out: bool,
    pub stats: PoolStats,
    /// Reasons in Swedish and English, most important first.
    pub reasons: Vec<(String, String)>,
}

/// What happened to an inbound SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundOutcome {
    Booked,
    AlreadyFilled,
    NoLongerAvailable,
    Declined,
    CannotTake,
    WhichOffer,
    WrongCode,
    Help,
    /// Not answered: a help reply went to this number recently.
    Ignored,
    OptedOut,
    OptedIn,
    /// The provider sent this one before; nothing was done again.
    Duplicate,
}

impl InboundOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Booked => "booked",
            Self::AlreadyFilled => "filled",
            Self::NoLongerAvailable => "late",
            Self::Declined => "declined",
            Self::CannotTake => "cannot_take",
            Self::WhichOffer => "which_offer",
            Self::WrongCode => "wrong_code",
            Self::Help => "help",
            Self::Ignored => "ignored",
            Self::OptedOut => "opted_out",
            Self::OptedIn => "opted_in",
            Self::Duplicate => "duplicate",
        }
    }
}

/// An inbound SMS as a provider hands it over.
#[derive(Debug, Clone)]
pub struct IncomingSms {
    pub provider: String,
    pub provider_id: String,
    pub from: PhoneNumber,
    pub text: String,
    pub received: Timestamp,
}

const ORDERS: &str = "orders";

fn ts(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The order's shift as the rules see it, its break in the middle.
fn order_shift(o: &OrderRecord) -> passa_rules::Shift {
    let length = o.end_s - o.start_s;
    let brk = (i64::from(o.break_minutes) * 60).min(length);
    let mid = o.start_s + (length - brk) / 2;
    passa_rules::Shift {
        id: 0,
        start: o.start_s,
        end: o.end_s,
        kind: ShiftKind::Work,
        breaks: if brk > 0 {
            vec![(mid, mid + brk)]
        } else {
            vec![]
        },
        planned_exception: false,
    }
}

/// The rules a booking of `o` would newly break for a person with this work, in words.
fn rule_check(rules: &Arc<Rules>, o: &OrderRecord, work: &[WorkSpan]) -> Result<(), String> {
    // Hourly substitutes have no contracted week; the monthly cap limits them instead.
    let mut schedule = PersonSchedule::new(
        rules.clone(),
        Contract {
            weekly_minutes: None,
            night_worker: false,
        },
    );
    for (i, w) in work.iter().enumerate() {
        if w.start_s < o.end_s && o.start_s < w.end_s {
            return Err(
                "redan bokad på ett pass som överlappar / already booked on an overlapping shift"
                    .into(),
            );
        }
        schedule.insert(passa_rules::Shift {
            id: i as u64 + 1,
            start: w.start_s,
            end: w.end_s,
            kind: ShiftKind::Work,
            breaks: vec![],
            planned_exception: false,
        });
    }
    match schedule.can_take(&order_shift(o)).first() {
        None => Ok(()),
        Some(v) => {
            let x = rules.explain(v);
            Err(format!("{} / {}", x.sv, x.en))
        }
    }
}

/// Whether the person's availability covers the whole shift.
fn covers(
    single: &[AvailabilityRecord],
    weekly: &[WeeklyAvailabilityRecord],
    o: &OrderRecord,
    tz: &TimeZone,
) -> bool {
    if single
        .iter()
        .any(|a| a.start_s <= o.start_s && a.end_s >= o.end_s)
    {
        return true;
    }
    let start = ts(o.start_s).to_zoned_datetime(tz.clone());
    let date = start.date();
    let weekday = u8::try_from(date.weekday().to_monday_one_offset()).unwrap_or(0);
    weekly.iter().any(|w| {
        let in_range = w.valid_from.as_str() <= date.to_string().as_str()
            && w.valid_to
                .as_ref()
                .is_none_or(|to| date.to_string().as_str() <= to.as_str());
        if !in_range || w.weekday != weekday {
            return false;
        }
        let (Ok(from), Ok(to)) = (w.start_time.parse::<Time>(), w.end_time.parse::<Time>()) else {
            return false;
        };
        let end_date = if to <= from {
            date.tomorrow().unwrap_or(date)
        } else {
            date
        };
        let at = |d: jiff::civil::Date, t: Time| {
            tz.to_ambiguous_timestamp(d.to_datetime(t))
                .compatible()
                .map(|x| x.as_second())
                .unwrap_or(0)
        };
        at(date, from) <= o.start_s && at(end_date, to) >= o.end_s
    })
}

impl Passa {
    /// Adds availability for a substitute: single intervals and weekly patterns (local
    /// times in `settings.time_zone`, valid from today there).
    pub async fn add_availability(
        &self,
        tenant: TenantId,
        person: PersonId,
        new: &NewAvailability,
        settings: &PoolSettings,
        actor: &str,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let (single, weekly) = (&new.single, &new.weekly);
        let n = u32::try_from(single.len() + weekly.len()).unwrap_or(u32::MAX);
        let first = self.ids(IdKind::Availability, n).await?;
        let mut id = first;
        let mut next = || {
            id += 1;
            id - 1
        };
        let mut singles = Vec::new();
        for (start, end) in single {
            if end <= start {
                return Err(AppError::BadInput(
                    "availability must end after it starts".into(),
                ));
            }
            singles.push(AvailabilityRecord {
                id: next(),
                person,
                start: stamp(*start),
                end: stamp(*end),
                start_s: start.as_second(),
                end_s: end.as_second(),
            });
        }
        let today = now
            .to_zoned_datetime(settings.time_zone.clone())
            .date()
            .to_string();
        let mut weeklies = Vec::new();
        for (weekday, from, to) in weekly {
            if !(1..=7).contains(weekday) {
                return Err(AppError::BadInput("weekday must be 1 (Monday) to 7".into()));
            }
            weeklies.push(WeeklyAvailabilityRecord {
                id: next(),
                person,
                weekday: *weekday,
                start_time: from.strftime("%H:%M").to_string(),
                end_time: to.strftime("%H:%M").to_string(),
                valid_from: today.clone(),
                valid_to: None,
            });
        }
        self.store
            .add_availability(
                tenant,
                &singles,
                &weeklies,
                &audit(
                    now,
                    actor,
                    "pool.availability",
                    format!("person {}: {} entries", person.get(), n),
                ),
            )
            .await?;
        Ok(())
    }

    /// Creates an order for a vacant shift.
    pub async fn create_order(
        &self,
        tenant: TenantId,
        order: &NewOrder,
        actor: &str,
        now: Timestamp,
    ) -> Result<OrderId, AppError> {
        if order.end <= order.start {
            return Err(AppError::BadInput(
                "the shift must end after it starts".into(),
            ));
        }
        if order.end.as_second() - order.start.as_second() > 24 * 3600 {
            return Err(AppError::BadInput("a shift is at most 24 hours".into()));
        }
        if order.start <= now {
            return Err(AppError::BadInput("the shift has already started".into()));
        }
        if !self
            .store
            .units(tenant)
            .await?
            .iter()
            .any(|u| u.id == order.unit)
        {
            return Err(AppError::NotFound("no such unit".into()));
        }
        let id = OrderId::new(self.ids(IdKind::Order, 1).await?);
        let note = match order.note.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => {
                if text.chars().count() > 500 {
                    return Err(AppError::BadInput(
                        "the note is at most 500 characters".into(),
                    ));
                }
                let ring = self.keyring(tenant).await?;
                let key_id = DataKeyId::new(self.ids(IdKind::DataKey, 1).await?);
                let (key, wrapped_key) = ring.new_data_key(key_id);
                Some(SealedNote {
                    data_key_id: key_id,
                    data_key: stored(wrapped_key),
                    ciphertext: key.seal(
                        FieldRef {
                            table: ORDERS,
                            column: "note",
                            row: id.get(),
                        },
                        text,
                    ),
                })
            }
            _ => None,
        };
        let record = OrderRecord {
            id,
            unit: order.unit,
            competence: order.competence,
            start: stamp(order.start),
            end: stamp(order.end),
            start_s: order.start.as_second(),
            end_s: order.end.as_second(),
            break_minutes: order.break_minutes,
            reason: order.reason,
            note,
            urgent: order.urgent,
            state: OrderState::Open,
            wave_size: 0,
            wave_wait_s: 0,
            waves_sent: 0,
            next_wave_s: None,
            created_at: stamp(now),
        };
        self.store
            .create_order(
                tenant,
                &record,
                &audit(
                    now,
                    actor,
                    "pool.order",
                    format!("order {} at unit {}", id.get(), order.unit.get()),
                ),
            )
            .await?;
        Ok(id)
    }

    pub async fn order(&self, tenant: TenantId, id: OrderId) -> Result<OrderRecord, AppError> {
        Ok(self.store.order(tenant, id).await?)
    }

    pub async fn orders(
        &self,
        tenant: TenantId,
        states: &[OrderState],
    ) -> Result<Vec<OrderRecord>, AppError> {
        Ok(self.store.orders(tenant, states).await?)
    }

    pub async fn offers(
        &self,
        tenant: TenantId,
        order: OrderId,
    ) -> Result<Vec<OfferRecord>, AppError> {
        Ok(self.store.offers(tenant, order).await?)
    }

    /// Every substitute ranked for an order, best first, with the reasons.
    pub async fn candidates(
        &self,
        tenant: TenantId,
        order: OrderId,
        settings: &PoolSettings,
        now: Timestamp,
    ) -> Result<Vec<Candidate>, AppError> {
        let o = self.store.order(tenant, order).await?;
        let people: Vec<SealedPerson> = self
            .store
            .people(tenant)
            .await?
            .into_iter()
            .filter(|p| p.kind == PersonKind::Substitute)
            .collect();
        self.rank(tenant, &o, &people, settings, now).await
    }

    async fn rank(
        &self,
        tenant: TenantId,
        o: &OrderRecord,
        people: &[SealedPerson],
        settings: &PoolSettings,
        now: Timestamp,
    ) -> Result<Vec<Candidate>, AppError> {
        let rules = Arc::new(settings.rules());
        let window = i64::try_from(settings.fairness_window.as_secs()).unwrap_or(0);
        let stats: HashMap<PersonId, PoolStats> = self
            .store
            .pool_stats(tenant, now.as_second() - window)
            .await?
            .into_iter()
            .collect();
        let (single, weekly) = self.store.availability(tenant, o.start_s, o.end_s).await?;
        let competence_name = match o.competence {
            Some(c) => self
                .store
                .competences(tenant)
                .await?
                .into_iter()
                .find(|x| x.id == c)
                .map(|x| x.name.to_string()),
            None => None,
        };
        let mut out = Vec::with_capacity(people.len());
        for p in people {
            let mut reasons = Vec::new();
            let has_competence = o.competence.is_none_or(|c| p.competences.contains(&c));
            if let Some(name) = &competence_name {
                reasons.push(if has_competence {
                    (
                        format!("Har kompetensen {name}"),
                        format!("Has the competence {name}"),
                    )
                } else {
                    (
                        format!("Saknar kompetensen {name}"),
                        format!("Lacks the competence {name}"),
                    )
                });
            }
            let work = self
                .store
                .work_of(tenant, p.id, o.start_s - 9 * 86_400, o.end_s + 9 * 86_400)
                .await?;
            let rules_ok = match rule_check(&rules, o, &work) {
                Ok(()) => {
                    reasons.push((
                        "Passet bryter inte mot arbetstidsreglerna".into(),
                        "The shift breaks no working-time rule".into(),
                    ));
                    true
                }
                Err(why) => {
                    reasons.push((format!("Går inte: {why}"), format!("Not possible: {why}")));
                    false
                }
            };
            let mine = |a: &AvailabilityRecord| a.person == p.id;
            let own_single: Vec<AvailabilityRecord> =
                single.iter().filter(|a| mine(a)).cloned().collect();
            let own_weekly: Vec<WeeklyAvailabilityRecord> = weekly
                .iter()
                .filter(|w| w.person == p.id)
                .cloned()
                .collect();
            let available = covers(&own_single, &own_weekly, o, &settings.time_zone);
            reasons.push(if available {
                (
                    "Har anmält sig tillgänglig hela passet".into(),
                    "Said they are available for the whole shift".into(),
                )
            } else {
                (
                    "Har inte anmält tillgänglighet för passet".into(),
                    "Has not said they are available then".into(),
                )
            });
            let trained = p.trained_at.contains(&o.unit);
            if trained {
                reasons.push(("Inskolad på enheten".into(), "Trained at the unit".into()));
            }
            let s = stats.get(&p.id).copied().unwrap_or_default();
            let days = settings.fairness_window.as_secs() / 86_400;
            reasons.push((
                format!(
                    "Senaste {days} dagarna: {} h bokade, {} förfrågningar, {} nej",
                    s.booked_seconds / 3600,
                    s.offers,
                    s.declines
                ),
                format!(
                    "Last {days} days: {} h booked, {} offers, {} declined",
                    s.booked_seconds / 3600,
                    s.offers,
                    s.declines
                ),
            ));
            if s.declines > settings.max_declines || s.cancellations > settings.max_cancellations {
                reasons.push((
                    format!(
                        "Över gränsen för nej ({}) eller återbud ({})",
                        settings.max_declines, settings.max_cancellations
                    ),
                    format!(
                        "Over the limit for declines ({}) or cancellations ({})",
                        settings.max_declines, settings.max_cancellations
                    ),
                ));
            }
            let opted_out = self.store.contact(tenant, &p.phone_index).await?.opted_out;
            if opted_out {
                reasons.push((
                    "Har svarat STOP på förfrågningar".into(),
                    "Has opted out of offers (STOP)".into(),
                ));
            }
            out.push(Candidate {
                person: p.id,
                eligible: has_competence && rules_ok,
                available,
                trained_at_unit: trained,
                opted_out,
                stats: s,
                reasons,
            });
        }
        // Eligible first; then available, trained, fewest hours and offers (fairness),
        // fewest declines; the id last so the order is stable.
        out.sort_by_key(|c| {
            (
                !c.eligible,
                !c.available,
                !c.trained_at_unit,
                c.stats.booked_seconds,
                c.stats.offers,
                c.stats.declines,
                c.person,
            )
        });
        Ok(out)
    }

    async fn shift_text(
        &self,
        tenant: TenantId,
        o: &OrderRecord,
        tz: &TimeZone,
    ) -> Result<ShiftText, AppError> {
        let unit = self.unit_name(tenant, o.unit).await?;
        Ok(ShiftText {
            start: ts(o.start_s).to_zoned_datetime(tz.clone()).datetime(),
            end: ts(o.end_s).to_zoned_datetime(tz.clone()).datetime(),
            unit,
        })
    }

    fn phone_of(ring: &TenantKeyring, p: &SealedPerson) -> Result<PhoneNumber, AppError> {
        let key = ring.open_data_key(p.data_key_id, &wrapped(&p.data_key))?;
        let phone = key.open(
            FieldRef {
                table: "people",
                column: "phone",
                row: p.id.get(),
            },
            &p.phone,
        )?;
        Ok(PhoneNumber::parse(&phone)?)
    }

    /// Books a substitute directly, inside their own availability, and queues the
    /// confirmation SMS in the same transaction.
    pub async fn book_direct(
        &self,
        tenant: TenantId,
        order: OrderId,
        person: PersonId,
        settings: &PoolSettings,
        actor: &str,
        now: Timestamp,
    ) -> Result<BookingOutcome, AppError> {
        let o = self.store.order(tenant, order).await?;
        let p = self
            .store
            .people(tenant)
            .await?
            .into_iter()
            .find(|p| p.id == person)
            .ok_or_else(|| AppError::NotFound("no such person".into()))?;
        let ranked = self
            .rank(tenant, &o, std::slice::from_ref(&p), settings, now)
            .await?;
        let Some(c) = ranked.first() else {
            return Err(AppError::NotFound("no such person".into()));
        };
        if !c.available {
            return Ok(BookingOutcome::Refused(
                "utanför personens tillgänglighet / outside the person's availability".into(),
            ));
        }
        if o.competence.is_some_and(|k| !p.competences.contains(&k)) {
            return Ok(BookingOutcome::Refused(
                "saknar kompetensen / lacks the competence".into(),
            ));
        }
        let ring = self.keyring(tenant).await?;
        let text = self.shift_text(tenant, &o, &settings.time_zone).await?;
        let sms = self
            .seal_sms(
                &ring,
                &[Outgoing {
                    to: Self::phone_of(&ring, &p)?,
                    body: Texts::booked(&text),
                    kind: "booked",
                    order: Some(o.id),
                    offer: None,
                    not_before: now,
                }],
                now,
            )
            .await?;
        let booking = BookingRecord {
            id: BookingId::new(self.ids(IdKind::Booking, 1).await?),
            order: o.id,
            person,
            start_s: o.start_s,
            end_s: o.end_s,
            via: BookedVia::Direct,
            created_at: stamp(now),
        };
        let rules = Arc::new(settings.rules());
        let check = |work: &[WorkSpan]| rule_check(&rules, &o, work);
        Ok(self
            .store
            .book(
                tenant,
                &BookingRequest {
                    booking,
                    offer: None,
                    inbound: None,
                    sms,
                    audit: audit(
                        now,
                        actor,
                        "pool.book",
                        format!("order {} person {} direct", o.id.get(), person.get()),
                    ),
                },
                &check,
            )
            .await?)
    }

    /// A code as stored: keyed with the tenant's blind-index key, so a copy of the database
    /// does not give the codes away. A reply finds its offer by the sender's number and this.
    fn code_hash(ring: &TenantKeyring, code: &OfferCode) -> Vec<u8> {
        ring.blind_index(IndexPurpose::OfferCode, code.as_str())
            .as_bytes()
            .to_vec()
    }

    /// Starts an offer round: the first wave to the `wave_size` best eligible candidates
    /// now (or when the quiet hours end, unless urgent), further waves every `wave_wait`
    /// while nobody has said yes. Returns how many offers went out in this wave.
    pub async fn start_offers(
        &self,
        tenant: TenantId,
        order: OrderId,
        round: &OfferRound,
        settings: &PoolSettings,
        actor: &str,
        now: Timestamp,
    ) -> Result<usize, AppError> {
        let o = self.store.order(tenant, order).await?;
        if !o.state.is_live() {
            return Err(AppError::Conflict(format!(
                "the order is {}, not open",
                o.state.as_str()
            )));
        }
        let mut o = o;
        o.wave_size = round.wave_size.max(1);
        o.wave_wait_s = i64::try_from(round.wave_wait.as_secs())
            .unwrap_or(3_600)
            .max(60);
        self.send_wave(tenant, &o, settings, actor, now, round.seed)
            .await
    }

    async fn send_wave(
        &self,
        tenant: TenantId,
        o: &OrderRecord,
        settings: &PoolSettings,
        actor: &str,
        now: Timestamp,
        rng_seed: u64,
    ) -> Result<usize, AppError> {
        if let Some(until) = settings.quiet_until(now).filter(|_| !o.urgent) {
            // Quiet hours: the wave waits for the morning (the order stays as it is).
            self.store
                .send_offers(
                    tenant,
                    o.id,
                    &[],
                    &[],
                    &Waves {
                        size: o.wave_size,
                        wait_s: o.wave_wait_s,
                        next_s: Some(until.as_second()),
                    },
                    &audit(
                        now,
                        actor,
                        "pool.wave_deferred",
                        format!("order {} until quiet hours end", o.id.get()),
                    ),
                )
                .await?;
            return Ok(0);
        }
        let people: Vec<SealedPerson> = self
            .store
            .people(tenant)
            .await?
            .into_iter()
            .filter(|p| p.kind == PersonKind::Substitute)
            .collect();
        let already: Vec<PersonId> = self
            .store
            .offers(tenant, o.id)
            .await?
            .iter()
            .map(|f| f.person)
            .collect();
        let ranked = self.rank(tenant, o, &people, settings, now).await?;
        let chosen: Vec<&Candidate> = ranked
            .iter()
            .filter(|c| c.eligible && !c.opted_out && !already.contains(&c.person))
            .take(usize::try_from(o.wave_size.max(1)).unwrap_or(1))
            .collect();
        let ring = self.keyring(tenant).await?;
        let text = self.shift_text(tenant, o, &settings.time_zone).await?;
        let first = self
            .ids(IdKind::Offer, u32::try_from(chosen.len()).unwrap_or(0))
            .await?;
        let mut rng = StdRng::seed_from_u64(rng_seed ^ o.id.get().unsigned_abs());
        let (mut offers, mut outgoing) = (Vec::new(), Vec::new());
        for (i, c) in chosen.iter().enumerate() {
            let Some(p) = people.iter().find(|p| p.id == c.person) else {
                continue;
            };
            // Unique among the person's open offers, so "JA 4821" names one of them.
            let open: Vec<Vec<u8>> = self
                .store
                .open_offers_for(tenant, &[p.id])
                .await?
                .into_iter()
                .map(|f| f.code_hash)
                .collect();
            let code = loop {
                let code = OfferCode::generate(&mut rng, &[]);
                if !open.contains(&Self::code_hash(&ring, &code)) {
                    break code;
                }
            };
            let id = OfferId::new(first + i as i64);
            offers.push(OfferRecord {
                id,
                order: o.id,
                person: p.id,
                wave: o.waves_sent + 1,
                code_hash: Self::code_hash(&ring, &code),
                state: OfferState::Open,
                created_at: stamp(now),
                answered_at: None,
            });
            outgoing.push(Outgoing {
                to: Self::phone_of(&ring, p)?,
                body: Texts::offer(&text, &code),
                kind: "offer",
                order: Some(o.id),
                offer: Some(id),
                not_before: now,
            });
        }
        let sms = self.seal_sms(&ring, &outgoing, now).await?;
        // The next wave, unless this one found nobody new (then the round waits for
        // answers; the orderer can widen it).
        let next = (!offers.is_empty()).then_some(now.as_second() + o.wave_wait_s.max(60));
        self.store
            .send_offers(
                tenant,
                o.id,
                &offers,
                &sms,
                &Waves {
                    size: o.wave_size,
                    wait_s: o.wave_wait_s,
                    next_s: next,
                },
                &audit(
                    now,
                    actor,
                    "pool.offers",
                    format!(
                        "order {} wave {}: {} offers",
                        o.id.get(),
                        o.waves_sent + 1,
                        offers.len()
                    ),
                ),
            )
            .await?;
        Ok(offers.len())
    }

    /// Stops an order's offer round (nobody booked).
    pub async fn stop_order(
        &self,
        tenant: TenantId,
        order: OrderId,
        actor: &str,
        now: Timestamp,
    ) -> Result<bool, AppError> {
        Ok(self
            .store
            .end_order(
                tenant,
                order,
                OrderState::Stopped,
                &stamp(now),
                &audit(now, actor, "pool.stop", format!("order {}", order.get())),
            )
            .await?)
    }

    /// The pool's clock work, for every tenant: expire orders whose shift has started,
    /// send due waves. Returns (expired, offers sent).
    pub async fn pool_tick(
        &self,
        policy: &PoolPolicy,
        now: Timestamp,
    ) -> Result<(usize, usize), AppError> {
        let (mut expired, mut sent) = (0, 0);
        for (tenant, o) in self.store.due_orders(now.as_second()).await? {
            if o.start_s <= now.as_second() {
                if self
                    .store
                    .end_order(
                        tenant,
                        o.id,
                        OrderState::Expired,
                        &stamp(now),
                        &audit(
                            now,
                            "system",
                            "pool.expire",
                            format!("order {}", o.id.get()),
                        ),
                    )
                    .await?
                {
                    expired += 1;
                }
            } else {
                sent += self
                    .send_wave(
                        tenant,
                        &o,
                        policy.for_tenant(tenant),
                        "system",
                        now,
                        now.as_second().unsigned_abs(),
                    )
                    .await?;
            }
        }
        Ok((expired, sent))
    }

    /// Handles an inbound SMS: a reply to an offer, STOP/START, or anything else. Stored
    /// sealed, deduplicated on the provider's id, and acted on in one transaction, so a
    /// provider's retry does nothing twice.
    pub async fn receive_sms(
        &self,
        tenant: TenantId,
        sms: &IncomingSms,
        settings: &PoolSettings,
        now: Timestamp,
    ) -> Result<InboundOutcome, AppError> {
        // A provider's retry is caught where the message is stored (its id is unique), in
        // the same transaction as its effects; no read up front.
        let ring = self.keyring(tenant).await?;
        let phone_index = ring
            .blind_index(IndexPurpose::Phone, sms.from.as_e164())
            .as_bytes()
            .to_vec();
        let reply = parse_reply(&sms.text);
        let reply_to = |body: String,
                        kind: &'static str,
                        order: Option<OrderId>,
                        offer: Option<OfferId>| Outgoing {
            to: sms.from.clone(),
            body,
            kind,
            order,
            offer,
            not_before: now,
        };

        // Interpret the reply against the person's offers.
        let (keyword, code) = match reply {
            Reply::Stop | Reply::Start => {
                let out = matches!(reply, Reply::Stop);
                let (text, outcome) = if out {
                    (Texts::stopped(), InboundOutcome::OptedOut)
                } else {
                    (Texts::started(), InboundOutcome::OptedIn)
                };
                let update = ContactUpdate {
                    phone_index,
                    opted_out: Some(out),
                    help_sent_s: None,
                };
                return self
                    .finish_inbound(
                        tenant,
                        &ring,
                        sms,
                        outcome,
                        &[],
                        Some(&update),
                        vec![reply_to(text, outcome.as_str(), None, None)],
                        now,
                    )
                    .await;
            }
            Reply::Unknown => {
                return self
                    .help(tenant, &ring, sms, phone_index, settings, now)
                    .await;
            }
            Reply::Answer { keyword, code } => (keyword, code),
        };
        let (offer, o) = match &code {
            Some(code) => {
                // The newest offer with this code to this number, open or not, so a late
                // answer can be told it is late. (Codes are unique among a person's open
                // offers, so the newest is the open one when there is one.)
                let hash = Self::code_hash(&ring, code);
                match self.store.reply_target(tenant, &phone_index, &hash).await? {
                    Some(found) => found,
                    None => {
                        let ids = self.store.people_ids_by_phone(tenant, &phone_index).await?;
                        if ids.is_empty() {
                            return self
                                .help(tenant, &ring, sms, phone_index, settings, now)
                                .await;
                        }
                        return self
                            .finish_inbound(
                                tenant,
                                &ring,
                                sms,
                                InboundOutcome::WrongCode,
                                &[],
                                None,
                                vec![reply_to(Texts::wrong_code(), "wrong_code", None, None)],
                                now,
                            )
                            .await;
                    }
                }
            }
            None => {
                let ids = self.store.people_ids_by_phone(tenant, &phone_index).await?;
                match self.store.open_offers_for(tenant, &ids).await?.as_slice() {
                    [one] => (one.clone(), self.store.order(tenant, one.order).await?),
                    [] => {
                        return self
                            .help(tenant, &ring, sms, phone_index, settings, now)
                            .await;
                    }
                    _ => {
                        return self
                            .finish_inbound(
                                tenant,
                                &ring,
                                sms,
                                InboundOutcome::WhichOffer,
                                &[],
                                None,
                                vec![reply_to(Texts::which_offer(), "which_offer", None, None)],
                                now,
                            )
                            .await;
                    }
                }
            }
        };
        let text = self.shift_text(tenant, &o, &settings.time_zone).await?;
        let answered = |state| OfferAnswer {
            offer: offer.id,
            state,
            answered_at: stamp(now),
        };
        let late = offer.state != OfferState::Open
            || o.state != OrderState::Offering
            || o.start_s <= now.as_second();
        match keyword {
            Keyword::No => {
                let answers = if offer.state == OfferState::Open {
                    vec![answered(OfferState::Declined)]
                } else {
                    vec![]
                };
                let audit_entry = audit(
                    now,
                    "sms",
                    "pool.declined",
                    format!("order {} offer {}", o.id.get(), offer.id.get()),
                );
                self.record_reply(
                    tenant,
                    &ring,
                    sms,
                    InboundOutcome::Declined,
                    &answers,
                    None,
                    vec![reply_to(
                        Texts::declined(),
                        "declined",
                        Some(o.id),
                        Some(offer.id),
                    )],
                    Some(&audit_entry),
                    now,
                )
                .await
            }
            Keyword::Yes if offer.state == OfferState::Accepted => {
                self.finish_inbound(
                    tenant,
                    &ring,
                    sms,
                    InboundOutcome::Booked,
                    &[],
                    None,
                    vec![reply_to(
                        Texts::booked(&text),
                        "booked",
                        Some(o.id),
                        Some(offer.id),
                    )],
                    now,
                )
                .await
            }
            Keyword::Yes if late => {
                let (body, outcome) = if o.state == OrderState::Booked {
                    (Texts::already_filled(&text), InboundOutcome::AlreadyFilled)
                } else {
                    (
                        Texts::no_longer_available(&text),
                        InboundOutcome::NoLongerAvailable,
                    )
                };
                let answers = if offer.state == OfferState::Closed && o.state == OrderState::Booked
                {
                    vec![answered(OfferState::Filled)]
                } else {
                    vec![]
                };
                self.finish_inbound(
                    tenant,
                    &ring,
                    sms,
                    outcome,
                    &answers,
                    None,
                    vec![reply_to(body, outcome.as_str(), Some(o.id), Some(offer.id))],
                    now,
                )
                .await
            }
            Keyword::Yes => {
                self.accept(tenant, &ring, sms, &o, &offer, &text, settings, now)
                    .await
            }
        }
    }

    /// The lock that puts this process's booking attempts for one order in line.
    fn booking_turn(&self, key: (TenantId, OrderId)) -> crate::BookingTurn {
        let Ok(mut turns) = self.booking_turns.lock() else {
            return Arc::default();
        };
        // Orders long settled leave their locks behind; drop the unused ones now and then.
        if turns.len() > 1_024 {
            turns.retain(|_, t| Arc::strong_count(t) > 1);
        }
        turns.entry(key).or_default().clone()
    }

    /// Remembers that an order left the live states, and frees its booking lock.
    fn settle(&self, key: (TenantId, OrderId), state: OrderState) {
        if let Ok(mut settled) = self.settled_orders.lock() {
            if settled.len() > 10_000 {
                settled.clear();
            }
            settled.insert(key, state);
        }
        if let Ok(mut turns) = self.booking_turns.lock() {
            turns.remove(&key);
        }
    }

    /// The first valid JA books; the database decides who was first.
    #[allow(clippy::too_many_arguments)]
    async fn accept(
        &self,
        tenant: TenantId,
        ring: &TenantKeyring,
        sms: &IncomingSms,
        o: &OrderRecord,
        offer: &OfferRecord,
        text: &ShiftText,
        settings: &PoolSettings,
        now: Timestamp,
    ) -> Result<InboundOutcome, AppError> {
        let reply = |body: String, kind: &'static str| Outgoing {
            to: sms.from.clone(),
            body,
            kind,
            order: Some(o.id),
            offer: Some(offer.id),
            not_before: now,
        };
        let key = (tenant, o.id);
        let turn = self.booking_turn(key);
        let my_turn = turn.lock().await;
        let settled = self
            .settled_orders
            .lock()
            .ok()
            .and_then(|s| s.get(&key).copied());
        let outcome = match settled {
            Some(state) => BookingOutcome::NotLive(state),
            None => {
                let booked_sms = self
                    .seal_sms(ring, &[reply(Texts::booked(text), "booked")], now)
                    .await?;
                let inbound = self
                    .seal_inbound(ring, sms, InboundOutcome::Booked, now)
                    .await?;
                let booking = BookingRecord {
                    id: BookingId::new(self.ids(IdKind::Booking, 1).await?),
                    order: o.id,
                    person: offer.person,
                    start_s: o.start_s,
                    end_s: o.end_s,
                    via: BookedVia::Offer,
                    created_at: stamp(now),
                };
                let rules = Arc::new(settings.rules());
                let check = |work: &[WorkSpan]| rule_check(&rules, o, work);
                self.store
                    .book(
                        tenant,
                        &BookingRequest {
                            booking,
                            offer: Some(offer.id),
                            inbound: Some(inbound),
                            sms: booked_sms,
                            audit: audit(
                                now,
                                "sms",
                                "pool.book",
                                format!(
                                    "order {} person {} offer {}",
                                    o.id.get(),
                                    offer.person.get(),
                                    offer.id.get()
                                ),
                            ),
                        },
                        &check,
                    )
                    .await?
            }
        };
        match outcome {
            BookingOutcome::Booked => self.settle(key, OrderState::Booked),
            BookingOutcome::NotLive(state) => self.settle(key, state),
            _ => {}
        }
        drop(my_turn);
        let answered = |state| OfferAnswer {
            offer: offer.id,
            state,
            answered_at: stamp(now),
        };
        match outcome {
            BookingOutcome::Booked => {
                crate::crash::point("reply.booked");
                Ok(InboundOutcome::Booked)
            }
            BookingOutcome::Duplicate => Ok(InboundOutcome::Duplicate),
            BookingOutcome::NotLive(OrderState::Booked) => {
                self.finish_inbound(
                    tenant,
                    ring,
                    sms,
                    InboundOutcome::AlreadyFilled,
                    &[answered(OfferState::Filled)],
                    None,
                    vec![reply(Texts::already_filled(text), "filled")],
                    now,
                )
                .await
            }
            BookingOutcome::NotLive(_) => {
                self.finish_inbound(
                    tenant,
                    ring,
                    sms,
                    InboundOutcome::NoLongerAvailable,
                    &[],
                    None,
                    vec![reply(Texts::no_longer_available(text), "late")],
                    now,
                )
                .await
            }
            BookingOutcome::Refused(why) => {
                tracing::info!(
                    order = o.id.get(),
                    offer = offer.id.get(),
                    "a JA was refused by the rules"
                );
                let audit_entry = audit(
                    now,
                    "sms",
                    "pool.refused",
                    format!("order {} offer {}: {why}", o.id.get(), offer.id.get()),
                );
                self.record_reply(
                    tenant,
                    ring,
                    sms,
                    InboundOutcome::CannotTake,
                    &[answered(OfferState::Closed)],
                    None,
                    vec![reply(Texts::no_longer_available(text), "cannot_take")],
                    Some(&audit_entry),
                    now,
                )
                .await
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn help(
        &self,
        tenant: TenantId,
        ring: &TenantKeyring,
        sms: &IncomingSms,
        phone_index: Vec<u8>,
        settings: &PoolSettings,
        now: Timestamp,
    ) -> Result<InboundOutcome, AppError> {
        let interval = i64::try_from(settings.help_interval.as_secs()).unwrap_or(3_600);
        let contact = self.store.contact(tenant, &phone_index).await?;
        if contact
            .last_help_s
            .is_some_and(|last| now.as_second() - last < interval)
        {
            return self
                .finish_inbound(
                    tenant,
                    ring,
                    sms,
                    InboundOutcome::Ignored,
                    &[],
                    None,
                    vec![],
                    now,
                )
                .await;
        }
        let update = ContactUpdate {
            phone_index,
            opted_out: None,
            help_sent_s: Some(now.as_second()),
        };
        let out = Outgoing {
            to: sms.from.clone(),
            body: Texts::help(),
            kind: "help",
            order: None,
            offer: None,
            not_before: now,
        };
        self.finish_inbound(
            tenant,
            ring,
            sms,
            InboundOutcome::Help,
            &[],
            Some(&update),
            vec![out],
            now,
        )
        .await
    }

    async fn seal_inbound(
        &self,
        ring: &TenantKeyring,
        sms: &IncomingSms,
        outcome: InboundOutcome,
        now: Timestamp,
    ) -> Result<InboundSms, AppError> {
        let id = SmsId::new(self.ids(IdKind::Sms, 1).await?);
        let key_id = DataKeyId::new(self.ids(IdKind::DataKey, 1).await?);
        let (key, wrapped_key) = ring.new_data_key(key_id);
        Ok(InboundSms {
            id,
            provider: sms.provider.clone(),
            provider_id: sms.provider_id.clone(),
            data_key_id: key_id,
            data_key: stored(wrapped_key),
            sender: key.seal(sms_field(INBOX, "sender", id), sms.from.as_e164()),
            body: key.seal(sms_field(INBOX, "body", id), &sms.text),
            received_at: stamp(sms.received),
            received_s: sms.received.as_second().min(now.as_second()),
            outcome: outcome.as_str().into(),
        })
    }

    #[allow(clippy::too_many_arguments)]
    async fn finish_inbound(
        &self,
        tenant: TenantId,
        ring: &TenantKeyring,
        sms: &IncomingSms,
        outcome: InboundOutcome,
        answers: &[OfferAnswer],
        contact: Option<&ContactUpdate>,
        replies: Vec<Outgoing>,
        now: Timestamp,
    ) -> Result<InboundOutcome, AppError> {
        // Every state change is audited: opting out or in, and an offer's new state.
        let audit_entry = if matches!(outcome, InboundOutcome::OptedOut | InboundOutcome::OptedIn) {
            Some(audit(now, "sms", "sms.opt", outcome.as_str().into()))
        } else if !answers.is_empty() {
            let offers: Vec<String> = answers
                .iter()
                .map(|a| format!("offer {} {}", a.offer.get(), a.state.as_str()))
                .collect();
            Some(audit(now, "sms", "pool.answer", offers.join(", ")))
        } else {
            None
        };
        self.record_reply(
            tenant,
            ring,
            sms,
            outcome,
            answers,
            contact,
            replies,
            audit_entry.as_ref(),
            now,
        )
        .await
    }

    /// Stores an inbound SMS that booked nothing, with its effects and answers, in one
    /// transaction; a provider's retry of it comes back as `Duplicate`.
    #[allow(clippy::too_many_arguments)]
    async fn record_reply(
        &self,
        tenant: TenantId,
        ring: &TenantKeyring,
        sms: &IncomingSms,
        outcome: InboundOutcome,
        answers: &[OfferAnswer],
        contact: Option<&ContactUpdate>,
        replies: Vec<Outgoing>,
        audit_entry: Option<&AuditEntry>,
        now: Timestamp,
    ) -> Result<InboundOutcome, AppError> {
        let inbound = self.seal_inbound(ring, sms, outcome, now).await?;
        let sealed = self.seal_sms(ring, &replies, now).await?;
        let stored = self
            .store
            .record_inbound(tenant, &inbound, answers, contact, &sealed, audit_entry)
            .await?;
        Ok(if stored {
            outcome
        } else {
            InboundOutcome::Duplicate
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_end_in_the_morning() {
        let s = PoolSettings::default();
        let night: Timestamp = "2026-12-16T22:30:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let until = s.quiet_until(night);
        assert_eq!(
            until.map(|t| t.to_string()),
            Some("2026-12-17T06:00:00Z".into())
        );
        let day: Timestamp = "2026-12-16T10:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(s.quiet_until(day), None);
    }
}
