//! The embedded SQLite backend: one database file in WAL mode.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::common::impl_store;
use crate::pool::impl_pool_store;
use crate::{migrate_err, migration};

type Db = sqlx::Sqlite;
type Bin = Vec<u8>;

fn to_bin(bytes: &[u8]) -> Bin {
    bytes.to_vec()
}

fn from_bin(bin: Bin) -> Result<Vec<u8>, StoreError> {
    Ok(bin)
}

/// Writers take the lock up front: a deferred transaction that reads and then writes can
/// fail with "database is locked" instead of waiting its turn.
async fn begin_write(
    pool: &sqlx::SqlitePool,
) -> Result<sqlx::Transaction<'static, Db>, StoreError> {
    pool.begin_with("BEGIN IMMEDIATE").await.map_err(map_err)
}

/// In WAL mode a read transaction sees one snapshot from its first read to its end.
async fn begin_snapshot(
    pool: &sqlx::SqlitePool,
) -> Result<sqlx::Transaction<'static, Db>, StoreError> {
    pool.begin_with("BEGIN DEFERRED").await.map_err(map_err)
}

/// Passa's store in one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Readers: WAL lets them run beside the writer.
    pool: sqlx::SqlitePool,
    /// The one writer connection: writers queue for it without blocking a thread, where
    /// several writer connections would spin in SQLite's busy handler and sleep up to 100 ms
    /// at a time under load.
    writer: sqlx::SqlitePool,
}

impl SqliteStore {
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(map_err)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Freed pages are zeroed, so an erased data key leaves no trace in the file.
            .pragma("secure_delete", "ON");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(map_err)?;
        let migrator = sqlx::migrate::Migrator::with_migrations(vec![
            migration(
                1,
                "foundation",
                include_str!("../migrations/sqlite/0001_foundation.sql"),
            ),
            migration(
                2,
                "schedule",
                include_str!("../migrations/sqlite/0002_schedule.sql"),
            ),
            migration(
                3,
                "pool",
                include_str!("../migrations/sqlite/0003_pool.sql"),
            ),
        ]);
        migrator.run(&writer).await.map_err(migrate_err)?;
        // Readers open after the migrations, so they see the schema.
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(map_err)?;
        Ok(Self { pool, writer })
    }

    /// Closes the pool, checkpointing the WAL into the main file.
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

impl_store!(SqliteStore, "sqlite");
impl_pool_store!(SqliteStore);
