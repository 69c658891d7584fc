//! The PostgreSQL backend.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sqlx::postgres::PgPoolOptions;

use crate::common::impl_store;
use crate::pool::impl_pool_store;
use crate::{migrate_err, migration};

type Db = sqlx::Postgres;
type Bin = String;

fn to_bin(bytes: &[u8]) -> Bin {
    B64.encode(bytes)
}

fn from_bin(bin: Bin) -> Result<Vec<u8>, StoreError> {
    B64.decode(bin.as_bytes())
        .map_err(|_| StoreError::Corrupt("a binary column is not base64".into()))
}

async fn begin_write(pool: &sqlx::PgPool) -> Result<sqlx::Transaction<'static, Db>, StoreError> {
    pool.begin().await.map_err(map_err)
}

async fn begin_snapshot(pool: &sqlx::PgPool) -> Result<sqlx::Transaction<'static, Db>, StoreError> {
    pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await
        .map_err(map_err)
}

/// Passa's store in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: sqlx::PgPool,
    /// The same pool: PostgreSQL writers need no queue of their own.
    writer: sqlx::PgPool,
}

impl PgStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect(url)
            .await
            .map_err(map_err)?;
        let migrator = sqlx::migrate::Migrator::with_migrations(vec![
            migration(
                1,
                "foundation",
                include_str!("../migrations/postgres/0001_foundation.sql"),
            ),
            migration(
                2,
                "schedule",
                include_str!("../migrations/postgres/0002_schedule.sql"),
            ),
            migration(
                3,
                "pool",
                include_str!("../migrations/postgres/0003_pool.sql"),
            ),
        ]);
        migrator.run(&pool).await.map_err(migrate_err)?;
        Ok(Self {
            writer: pool.clone(),
            pool,
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// PostgreSQL runs concurrent writers side by side: no group commit.
    async fn submit_inbound(&self, job: InboundJob) -> Result<bool, StoreError> {
        record_inbound_batch(&self.writer, std::slice::from_ref(&job))
            .await
            .map(|s| s.first().copied().unwrap_or(false))
    }
}

impl_store!(PgStore, "postgres");
impl_pool_store!(PgStore);

use pool_impl::{InboundJob, record_inbound_batch};
