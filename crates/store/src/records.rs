//! Records as the store keeps them: plain data, personal fields sealed.

use passa_domain::{
    CompetenceId, DataKeyId, Label, PersonId, PersonKind, SchedulePeriodId, ShiftTypeId, TenantId,
    UnitId,
};

/// The kinds of id the store hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Tenant,
    Unit,
    Competence,
    Person,
    DataKey,
    ShiftType,
    SchedulePeriod,
    Demand,
    PlannedShift,
    Availability,
    Order,
    Offer,
    Booking,
    Sms,
}

impl IdKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Tenant => "tenant",
            Self::Unit => "unit",
            Self::Competence => "competence",
            Self::Person => "person",
            Self::DataKey => "data_key",
            Self::ShiftType => "shift_type",
            Self::SchedulePeriod => "schedule_period",
            Self::Demand => "demand",
            Self::PlannedShift => "planned_shift",
            Self::Availability => "availability",
            Self::Order => "order",
            Self::Offer => "offer",
            Self::Booking => "booking",
            Self::Sms => "sms",
        }
    }
}

/// A wrapped key (or key check value) as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub version: u32,
    pub wrapped_by: u32,
    pub ciphertext: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTenant {
    pub id: TenantId,
    pub name: Label,
    pub key: StoredKey,
    /// RFC 3339 UTC.
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRow {
    pub id: TenantId,
    pub name: Label,
    pub created_at: String,
}

/// A person with every personal field sealed by their data key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedPerson {
    pub id: PersonId,
    pub data_key_id: DataKeyId,
    pub data_key: StoredKey,
    pub kind: PersonKind,
    pub home_unit: UnitId,
    pub employment_hundredths: u16,
    pub weekly_minutes: u16,
    pub employee_number: Vec<u8>,
    pub given_name: Vec<u8>,
    pub family_name: Vec<u8>,
    pub phone: Vec<u8>,
    pub email: Option<Vec<u8>>,
    pub employee_number_index: Vec<u8>,
    pub phone_index: Vec<u8>,
    pub email_index: Option<Vec<u8>>,
    pub competences: Vec<CompetenceId>,
    pub trained_at: Vec<UnitId>,
}

/// One import: new units and competences it names, and the people.
#[derive(Debug, Clone, Default)]
pub struct PeopleBatch {
    pub new_units: Vec<(UnitId, Label)>,
    pub new_competences: Vec<(CompetenceId, Label)>,
    pub people: Vec<SealedPerson>,
    pub created_at: String,
    pub audit: Option<AuditEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftTypeRecord {
    pub id: ShiftTypeId,
    pub unit: UnitId,
    pub name: Label,
    /// `HH:MM` wall-clock.
    pub start: String,
    pub end: String,
    pub break_minutes: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulePeriodRecord {
    pub id: SchedulePeriodId,
    pub unit: UnitId,
    /// `YYYY-MM-DD`, a Monday.
    pub start: String,
    pub weeks: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemandRecord {
    pub id: i64,
    pub unit: UnitId,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub shift_type: ShiftTypeId,
    pub competence: CompetenceId,
    pub min: u16,
    pub max: u16,
}

/// Planning data saved together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanningBatch {
    pub shift_types: Vec<ShiftTypeRecord>,
    pub periods: Vec<SchedulePeriodRecord>,
    pub demand: Vec<DemandRecord>,
    pub audit: Option<AuditEntry>,
}

/// One person on one shift of a unit's schedule period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedShiftRecord {
    pub id: i64,
    pub period: SchedulePeriodId,
    pub unit: UnitId,
    pub person: PersonId,
    pub shift_type: ShiftTypeId,
    /// ISO date the shift starts on, in the tenant's zone.
    pub date: String,
    /// RFC 3339 UTC.
    pub start: String,
    pub end: String,
    pub pinned: bool,
}

/// A schedule period's plan, replacing what the period had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleBatch {
    pub period: SchedulePeriodId,
    pub shifts: Vec<PlannedShiftRecord>,
    pub audit: Option<AuditEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TenantCounts {
    pub units: u64,
    pub competences: u64,
    pub staff: u64,
    pub substitutes: u64,
    pub shift_types: u64,
    pub demand_rows: u64,
    pub planned_shifts: u64,
}

/// An audit entry: who did what, when. Never personal data itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// RFC 3339 UTC.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// A stored audit entry with its place in the tenant's hash chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub entry: AuditEntry,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// A value in a dump, independent of the backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DumpValue {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

/// One table's rows in a dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDump {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<DumpValue>>,
}

/// The whole database, as read in one snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dump {
    pub schema_version: i64,
    pub tables: Vec<TableDump>,
}

impl Dump {
    pub fn table(&self, name: &str) -> Option<&TableDump> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// How many rows the table `name` holds (0 if there is no such table).
    pub fn rows(&self, name: &str) -> usize {
        self.table(name).map_or(0, |t| t.rows.len())
    }
}

impl AuditEntry {
    /// The entry's link in its tenant's chain: SHA-256 over the previous hash, the sequence
    /// number and every field, each length-prefixed so no two entries hash alike.
    pub fn chain_hash(&self, prev_hash: &[u8], seq: i64) -> Vec<u8> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"passa/v1/audit");
        h.update(prev_hash);
        h.update(seq.to_be_bytes());
        for field in [&self.at, &self.actor, &self.action, &self.detail] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        h.finalize().to_vec()
    }
}

impl AuditRecord {
    /// Checks a tenant's whole log: sequence without gaps, each hash over its predecessor.
    pub fn verify_chain(records: &[AuditRecord]) -> Result<(), i64> {
        let mut prev: Vec<u8> = Vec::new();
        for (i, r) in records.iter().enumerate() {
            let expected_seq = i as i64 + 1;
            if r.seq != expected_seq
                || r.prev_hash != prev
                || r.entry.chain_hash(&prev, r.seq) != r.hash
            {
                return Err(r.seq);
            }
            prev.clone_from(&r.hash);
        }
        Ok(())
    }
}
