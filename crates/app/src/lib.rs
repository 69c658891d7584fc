//! Passa's use cases: what the CLI and the web app ask for, in one place.
//!
//! A [`Passa`] holds the store and the key file. Use cases take the clock (`now`) as a
//! parameter and report progress through [`Progress`]; nothing here prints, reads the clock
//! or knows HTTP. Personal data is sealed before it reaches the store and opened only for
//! an audited read.

mod backup;
pub mod crash;
mod demo;
mod desk;
mod error;
mod people;
mod planning;
mod pool;
mod progress;
mod sms;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use passa_domain::{Label, OrderId, OrderState, TenantId, UnitId};
use passa_store::{AuditEntry, IdKind, NewTenant, Store, StoreError, StoredKey, TenantRow};
use passa_vault::{KeyFile, TenantKeyring, WrappedKey};

pub use backup::{BackupSummary, read_backup, restore_backup, write_backup};
pub use demo::{DEMO_TENANT, DemoOptions, DemoReport};
pub use error::AppError;
pub use people::{CSV_HEADER, ImportReport};
pub use planning::{PeriodPlan, PlanningOptions};
pub use pool::{
    Candidate, InboundOutcome, IncomingSms, NewAvailability, NewOrder, OfferRound, PoolPolicy,
    PoolSettings,
};
pub use progress::{NoProgress, Progress};
pub use sms::{DispatchReport, SmsTransport, TransportError};

/// The application: a store and the key file that opens it.
#[derive(Debug)]
pub struct Passa {
    store: Arc<dyn Store>,
    keys: KeyFile,
    /// Opened tenant keyrings: unwrapping one costs key derivations, and a busy webhook
    /// needs one per message.
    keyrings: Mutex<HashMap<TenantId, Arc<TenantKeyring>>>,
    /// Ids reserved from the store in blocks, handed out here: one write per block instead
    /// of one per record. Unused ids of a block are simply never used.
    id_blocks: Mutex<HashMap<&'static str, (i64, i64)>>,
    /// Unit names for SMS texts, read once per process: a renamed unit shows its new name
    /// after a restart.
    unit_names: Mutex<HashMap<(TenantId, UnitId), String>>,
    /// Webhook secret hashes seen recently, with when they were looked up: a busy webhook
    /// skips the look-up. A secret rotated by another process stops working here within
    /// [`WEBHOOK_CACHE_SECONDS`].
    webhook_tenants: Mutex<HashMap<Vec<u8>, (TenantId, i64)>>,
    /// Orders this process saw leave the live states. They never come back (the store moves
    /// an order only out of open and offering), so a JA to one is answered without asking
    /// the database.
    settled_orders: Mutex<HashMap<(TenantId, OrderId), OrderState>>,
    /// One booking attempt per order at a time in this process: a burst of JA to one shift
    /// waits here for the first one's outcome instead of queueing each for the database.
    booking_turns: Mutex<HashMap<(TenantId, OrderId), BookingTurn>>,
}

/// A lock that one booking attempt for an order holds.
type BookingTurn = Arc<tokio::sync::Mutex<()>>;

/// How long a looked-up webhook secret is trusted without asking the database again.
pub const WEBHOOK_CACHE_SECONDS: i64 = 30;

/// Ids reserved at a time for the small records of the pool and SMS.
const ID_BLOCK: u32 = 64;

/// RFC 3339 UTC with seconds, the one form instants take in the store.
pub fn stamp(now: Timestamp) -> String {
    now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// An audit log entry: who did what, when; never personal data itself.
pub(crate) fn audit(now: Timestamp, actor: &str, action: &str, detail: String) -> AuditEntry {
    AuditEntry {
        at: stamp(now),
        actor: actor.to_owned(),
        action: action.to_owned(),
        detail,
    }
}

fn stored(w: WrappedKey) -> StoredKey {
    StoredKey {
        version: w.version,
        wrapped_by: w.wrapped_by,
        ciphertext: w.ciphertext,
    }
}

fn wrapped(s: &StoredKey) -> WrappedKey {
    WrappedKey {
        version: s.version,
        wrapped_by: s.wrapped_by,
        ciphertext: s.ciphertext.clone(),
    }
}

impl Passa {
    /// Opens Passa on a store. A fresh database is tied to this key file; an existing one
    /// must have been made with it, or this fails before any data is read.
    pub async fn open(store: Arc<dyn Store>, keys: KeyFile) -> Result<Self, AppError> {
        match store.key_check().await? {
            Some(check) => keys.verify_check_value(&wrapped(&check))?,
            None => {
                store
                    .set_key_check(&stored(keys.current_kek().check_value()))
                    .await?
            }
        }
        Ok(Self {
            store,
            keys,
            keyrings: Mutex::new(HashMap::new()),
            id_blocks: Mutex::new(HashMap::new()),
            unit_names: Mutex::new(HashMap::new()),
            webhook_tenants: Mutex::new(HashMap::new()),
            settled_orders: Mutex::new(HashMap::new()),
            booking_turns: Mutex::new(HashMap::new()),
        })
    }

    /// A unit's name, cached.
    pub(crate) async fn unit_name(
        &self,
        tenant: TenantId,
        unit: UnitId,
    ) -> Result<String, AppError> {
        if let Some(name) = self
            .unit_names
            .lock()
            .ok()
            .and_then(|n| n.get(&(tenant, unit)).cloned())
        {
            return Ok(name);
        }
        let units = self.store.units(tenant).await?;
        let mut names = self.unit_names.lock().ok();
        let mut found = String::new();
        for u in units {
            if u.id == unit {
                found = u.name.to_string();
            }
            if let Some(n) = names.as_mut() {
                n.insert((tenant, u.id), u.name.to_string());
            }
        }
        Ok(found)
    }

    /// `n` consecutive fresh ids of a kind, from this process's block when it has room.
    pub(crate) async fn ids(&self, kind: IdKind, n: u32) -> Result<i64, AppError> {
        if let Ok(mut blocks) = self.id_blocks.lock()
            && let Some((next, end)) = blocks.get_mut(kind.name())
            && *end - *next >= i64::from(n)
        {
            let first = *next;
            *next += i64::from(n);
            return Ok(first);
        }
        let size = n.max(ID_BLOCK);
        let first = self.store.allocate_ids(kind, size).await?;
        if let Ok(mut blocks) = self.id_blocks.lock() {
            blocks.insert(kind.name(), (first + i64::from(n), first + i64::from(size)));
        }
        Ok(first)
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn keys(&self) -> &KeyFile {
        &self.keys
    }

    pub async fn create_tenant(&self, name: &str, now: Timestamp) -> Result<TenantRow, AppError> {
        let name = Label::parse("tenant name", name)?;
        let id = TenantId::new(self.store.allocate_ids(IdKind::Tenant, 1).await?);
        let (_, key) = TenantKeyring::create(&self.keys, id);
        let tenant = NewTenant {
            id,
            name: name.clone(),
            key: stored(key),
            created_at: stamp(now),
        };
        match self.store.create_tenant(&tenant).await {
            Err(StoreError::Conflict { .. }) => Err(AppError::Conflict(format!(
                "a tenant named \"{name}\" already exists"
            ))),
            other => other.map_err(AppError::from),
        }?;
        Ok(TenantRow {
            id,
            name,
            created_at: tenant.created_at,
        })
    }

    pub async fn tenants(&self) -> Result<Vec<TenantRow>, AppError> {
        Ok(self.store.tenants().await?)
    }

    /// The tenant a command works on: the one named, or the only one there is.
    pub async fn tenant(&self, name: Option<&str>) -> Result<TenantRow, AppError> {
        let tenants = self.store.tenants().await?;
        match name {
            Some(name) => tenants
                .into_iter()
                .find(|t| t.name.as_str() == name.trim())
                .ok_or_else(|| AppError::NotFound(format!("no tenant named \"{}\"", name.trim()))),
            None => match <[TenantRow; 1]>::try_from(tenants) {
                Ok([only]) => Ok(only),
                Err(tenants) if tenants.is_empty() => Err(AppError::NotFound(
                    "there is no tenant yet; create one with `passa tenant create NAME`".into(),
                )),
                Err(tenants) => Err(AppError::BadInput(format!(
                    "there are {} tenants; say which with --tenant NAME",
                    tenants.len()
                ))),
            },
        }
    }

    async fn keyring(&self, tenant: TenantId) -> Result<Arc<TenantKeyring>, AppError> {
        if let Some(ring) = self
            .keyrings
            .lock()
            .ok()
            .and_then(|k| k.get(&tenant).cloned())
        {
            return Ok(ring);
        }
        let keys: Vec<WrappedKey> = self
            .store
            .tenant_keys(tenant)
            .await?
            .iter()
            .map(wrapped)
            .collect();
        let ring = Arc::new(TenantKeyring::open(&self.keys, tenant, &keys)?);
        if let Ok(mut k) = self.keyrings.lock() {
            k.insert(tenant, ring.clone());
        }
        Ok(ring)
    }
}
