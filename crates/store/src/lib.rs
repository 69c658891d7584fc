//! The storage contract: what Passa keeps, as sealed records, behind one trait.
//!
//! This crate knows no SQL and no driver. Personal fields arrive here already sealed by the
//! vault and leave sealed; the store sees ciphertext, blind indexes and wrapped keys only.
//! Every method that touches tenant data takes the [`TenantId`] as a required argument.

mod pool;
mod records;

use async_trait::async_trait;
use passa_domain::{Competence, SchedulePeriodId, TenantId, Unit};

pub use pool::*;
pub use records::*;

/// Storage errors. `Conflict` names the constraint so callers can explain it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("conflicts with existing data ({constraint})")]
    Conflict { constraint: String },
    #[error("the database holds data Passa cannot read: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(String),
}

/// Passa's storage. Implementations give the same behaviour on every backend.
#[async_trait]
pub trait Store: PoolStore + Send + Sync + std::fmt::Debug {
    /// Which backend this is, for status output ("sqlite", "postgres").
    fn backend(&self) -> &'static str;

    /// Reserves `count` consecutive ids of a kind; returns the first. Ids are never reused.
    async fn allocate_ids(&self, kind: IdKind, count: u32) -> Result<i64, StoreError>;

    /// The value that ties the database to its key file; `None` on a fresh database.
    async fn key_check(&self) -> Result<Option<StoredKey>, StoreError>;
    async fn set_key_check(&self, check: &StoredKey) -> Result<(), StoreError>;

    async fn create_tenant(&self, tenant: &NewTenant) -> Result<(), StoreError>;
    async fn tenants(&self) -> Result<Vec<TenantRow>, StoreError>;
    async fn tenant_keys(&self, tenant: TenantId) -> Result<Vec<StoredKey>, StoreError>;

    async fn units(&self, tenant: TenantId) -> Result<Vec<Unit>, StoreError>;
    async fn competences(&self, tenant: TenantId) -> Result<Vec<Competence>, StoreError>;

    /// Which of these employee-number indexes are already taken in the tenant.
    async fn taken_employee_numbers(
        &self,
        tenant: TenantId,
        indexes: &[Vec<u8>],
    ) -> Result<Vec<Vec<u8>>, StoreError>;

    /// Stores a whole import in one transaction: all of it, or nothing.
    async fn import_people(&self, tenant: TenantId, batch: &PeopleBatch) -> Result<(), StoreError>;

    /// Every person of the tenant, sealed, with their wrapped data key, by id.
    async fn people(&self, tenant: TenantId) -> Result<Vec<SealedPerson>, StoreError>;

    /// People whose phone blind index matches.
    async fn people_by_phone(
        &self,
        tenant: TenantId,
        phone_index: &[u8],
    ) -> Result<Vec<SealedPerson>, StoreError>;

    /// Stores shift types, schedule periods and demand in one transaction.
    async fn save_planning(&self, tenant: TenantId, plan: &PlanningBatch)
    -> Result<(), StoreError>;

    /// Shift types, schedule periods and demand, as saved.
    async fn planning(&self, tenant: TenantId) -> Result<PlanningBatch, StoreError>;

    /// Replaces a schedule period's planned shifts in one transaction.
    async fn save_schedule(
        &self,
        tenant: TenantId,
        batch: &ScheduleBatch,
    ) -> Result<(), StoreError>;

    /// A schedule period's planned shifts, by date and person.
    async fn schedule(
        &self,
        tenant: TenantId,
        period: SchedulePeriodId,
    ) -> Result<Vec<PlannedShiftRecord>, StoreError>;

    async fn counts(&self, tenant: TenantId) -> Result<TenantCounts, StoreError>;

    /// Appends to the tenant's hash-chained audit log.
    async fn audit(&self, tenant: TenantId, entry: &AuditEntry) -> Result<(), StoreError>;
    async fn audit_log(&self, tenant: TenantId) -> Result<Vec<AuditRecord>, StoreError>;

    /// Every table, read inside one consistent snapshot while writers may be running.
    async fn dump(&self) -> Result<Dump, StoreError>;
    /// Loads a dump into an empty database; refuses one that holds any tenant.
    async fn restore(&self, dump: &Dump) -> Result<(), StoreError>;
}
