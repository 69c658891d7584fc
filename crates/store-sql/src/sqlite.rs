//! The embedded SQLite backend: one database file in WAL mode.

use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{mpsc, oneshot};

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
    /// The checkpointer's own connection.
    checkpoints: sqlx::SqlitePool,
    /// Inbound messages waiting for the group commit.
    inbound: mpsc::Sender<(InboundJob, oneshot::Sender<Result<bool, StoreError>>)>,
    /// While any clone of the store lives, the checkpointer runs.
    _alive: Arc<()>,
}

/// How often the checkpointer copies the WAL into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Copies committed pages from the WAL into the database file on a connection of its own.
/// SQLite's automatic checkpoint would run inside whichever commit crossed 1,000 pages,
/// and that commit (a reply to an offer, say) then waits for two fsyncs; a passive
/// checkpoint here runs beside readers and the writer and blocks neither.
async fn checkpointer(conn: sqlx::SqlitePool, alive: Weak<()>) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if alive.upgrade().is_none() || conn.is_closed() {
            break;
        }
        // A failure is retried on the next tick; the WAL only grows meanwhile.
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&conn)
            .await
        {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
    conn.close().await;
}

/// Inbound messages stored by one transaction at most.
const GROUP_COMMIT_MAX: usize = 64;

type InboundReply = oneshot::Sender<Result<bool, StoreError>>;

/// Group commit for inbound messages. Every statement is a hand-off to SQLite's thread and
/// back, and a burst of 200 replies to one offer round, each in its own transaction, spends
/// its time in those hand-offs, not in SQLite; here whatever queued while the last batch was
/// written goes in the next one, in a fixed number of statements.
async fn group_commit(
    writer: sqlx::SqlitePool,
    mut queue: mpsc::Receiver<(InboundJob, InboundReply)>,
) {
    let mut waiting = Vec::with_capacity(GROUP_COMMIT_MAX);
    while queue.recv_many(&mut waiting, GROUP_COMMIT_MAX).await > 0 {
        let (jobs, replies): (Vec<InboundJob>, Vec<InboundReply>) = waiting.drain(..).unzip();
        match record_inbound_batch(&writer, &jobs).await {
            Ok(stored) => {
                for (reply, s) in replies.into_iter().zip(stored) {
                    let _ = reply.send(Ok(s));
                }
            }
            // One bad message must not fail the others: each alone, so the error is its own.
            Err(e) if jobs.len() > 1 => {
                tracing::warn!(error = %e, jobs = jobs.len(), "group commit failed; storing one by one");
                for (job, reply) in jobs.into_iter().zip(replies) {
                    let result = record_inbound_batch(&writer, std::slice::from_ref(&job))
                        .await
                        .map(|s| s.first().copied().unwrap_or(false));
                    let _ = reply.send(result);
                }
            }
            Err(e) => {
                if let Some(reply) = replies.into_iter().next() {
                    let _ = reply.send(Err(e));
                }
            }
        }
    }
}

impl SqliteStore {
    /// Stores an inbound message through the group commit.
    async fn submit_inbound(&self, job: InboundJob) -> Result<bool, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.inbound
            .send((job, reply))
            .await
            .map_err(|_| StoreError::Database("the store is closed".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Database("the store is closed".into()))?
    }

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
            .pragma("secure_delete", "ON")
            // Checkpoints run in the checkpointer, off the write path.
            .pragma("wal_autocheckpoint", "0");
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
            .connect_with(options.clone())
            .await
            .map_err(map_err)?;
        let checkpoints = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(map_err)?;
        let alive = Arc::new(());
        tokio::spawn(checkpointer(checkpoints.clone(), Arc::downgrade(&alive)));
        // The group commit ends when the last clone of the store (and its sender) is gone.
        let (inbound, queue) = mpsc::channel(4 * GROUP_COMMIT_MAX);
        tokio::spawn(group_commit(writer.clone(), queue));
        Ok(Self {
            pool,
            writer,
            checkpoints,
            inbound,
            _alive: alive,
        })
    }

    /// Closes the pool, checkpointing the WAL into the main file.
    pub async fn close(&self) {
        self.checkpoints.close().await;
        self.pool.close().await;
        self.writer.close().await;
    }
}

impl_store!(SqliteStore, "sqlite");
impl_pool_store!(SqliteStore);

use pool_impl::{InboundJob, record_inbound_batch};
