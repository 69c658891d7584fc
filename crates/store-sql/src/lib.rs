//! Passa's [`Store`] on embedded SQLite (the default: one file in the data directory, WAL)
//! and on PostgreSQL (chosen by a `postgres://` database URL).
//!
//! Both backends run the same SQL (see `common.rs`); they differ in connection set-up,
//! transaction start, migrations and one storage detail: binary values are BLOBs in SQLite
//! but base64 text in PostgreSQL, because `pg_dump` prints `bytea` as hex, and hex runs of
//! digits are what a leak scan for phone and employee numbers trips over.

mod common;
mod pool;
mod postgres;
mod schema;
mod sqlite;

use std::sync::Arc;

use passa_store::{Store, StoreError};

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Opens (creating and migrating as needed) the store a database URL names:
/// `sqlite://PATH` / `sqlite:PATH`, or `postgres://…` / `postgresql://…`.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Ok(Arc::new(
            SqliteStore::open(std::path::Path::new(path)).await?,
        ))
    } else {
        Err(StoreError::Database(
            "unsupported database URL: use sqlite://PATH or postgres://…".into(),
        ))
    }
}

/// Maps driver errors to the store's own. Unique and foreign-key violations become
/// `Conflict` with the constraint named, so callers can explain them.
pub(crate) fn map_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) => {
            use sqlx::error::ErrorKind;
            match db.kind() {
                ErrorKind::UniqueViolation | ErrorKind::ForeignKeyViolation => {
                    StoreError::Conflict {
                        constraint: db.constraint().unwrap_or(db.message()).to_owned(),
                    }
                }
                // PostgreSQL's exclusion constraint, SQLite's trigger: overlapping bookings.
                _ if db.code().as_deref() == Some("23P01")
                    || db.message().contains("bookings_no_overlap") =>
                {
                    StoreError::Conflict {
                        constraint: "bookings_no_overlap".into(),
                    }
                }
                _ => StoreError::Database(db.message().to_owned()),
            }
        }
        sqlx::Error::RowNotFound => StoreError::NotFound("row"),
        // Connection errors can quote the URL, which may hold a password; keep to the kind.
        sqlx::Error::Configuration(_) => StoreError::Database("bad database configuration".into()),
        other => StoreError::Database(other.to_string()),
    }
}

fn migration(
    version: i64,
    description: &'static str,
    sql: &'static str,
) -> sqlx::migrate::Migration {
    use sqlx::SqlSafeStr;
    sqlx::migrate::Migration::new(
        version,
        description.into(),
        sqlx::migrate::MigrationType::Simple,
        sql.into_sql_str(),
        false,
    )
}

fn migrate_err(e: sqlx::migrate::MigrateError) -> StoreError {
    StoreError::Database(format!("migration failed: {e}"))
}

/// Creates a new, empty PostgreSQL database next to the one `base_url` names and returns
/// its URL. Tests and CI use it so every run starts from nothing.
pub async fn create_scratch_postgres_database(
    base_url: &str,
    prefix: &str,
) -> Result<String, StoreError> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(base_url)
        .await
        .map_err(map_err)?;
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix)
        .map_err(|e| StoreError::Database(format!("no random source: {e}")))?;
    let name: String = std::iter::once(prefix.to_owned())
        .chain(suffix.iter().map(|b| format!("{b:02x}")))
        .collect();
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::Database(
            "database name prefix must be [A-Za-z0-9_]".into(),
        ));
    }
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .map_err(map_err)?;
    Ok(replace_database(base_url, &name))
}

/// `postgres://u@h:5432/old?x=y` → `postgres://u@h:5432/new?x=y`.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_scratch_database_url_keeps_host_and_options() {
        assert_eq!(
            super::replace_database(
                "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
                "x1"
            ),
            "postgres://postgres@127.0.0.1:5432/x1?sslmode=disable"
        );
        assert_eq!(
            super::replace_database("postgres://h", "x1"),
            "postgres://h/x1"
        );
    }
}
