//! Encrypted backups: a consistent snapshot of every table, written as JSON lines and
//! encrypted inside the process with age before a byte reaches the disk.
//!
//! Plaintext layout (inside the age file): one header line, then per table a table line
//! followed by its rows, then a trailer with the row count. Personal fields stay sealed
//! inside the backup too, so the age layer is a second lock, not the only one.

use std::io::{BufRead, BufReader, Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use jiff::Timestamp;
use passa_store::{Dump, DumpValue, Store, TableDump};
use passa_vault::{BackupRecipients, KeyFile, WrappedKey, decrypt_backup, encrypt_backup};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{AppError, Progress, stamp};

const FORMAT: &str = "passa-backup";
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
    version: u32,
    schema_version: i64,
    created_at: String,
    source_backend: String,
    tables: usize,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableLine {
    table: String,
    columns: Vec<String>,
    rows: usize,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Trailer {
    end: bool,
    total_rows: usize,
}

/// What a backup holds, as told by `verify` and `restore`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub created_at: String,
    pub source_backend: String,
    pub schema_version: i64,
    pub tables: usize,
    pub rows: usize,
    pub tenants: usize,
    pub people: usize,
}

fn encode(v: &DumpValue) -> Value {
    match v {
        DumpValue::Null => Value::Null,
        DumpValue::Int(i) => Value::from(*i),
        DumpValue::Text(s) => Value::from(s.as_str()),
        DumpValue::Bytes(b) => serde_json::json!({ "b64": B64.encode(b) }),
    }
}

fn decode(v: Value) -> Result<DumpValue, AppError> {
    match v {
        Value::Null => Ok(DumpValue::Null),
        Value::Number(n) => n
            .as_i64()
            .map(DumpValue::Int)
            .ok_or_else(|| damaged("a number is not an integer")),
        Value::String(s) => Ok(DumpValue::Text(s)),
        Value::Object(map) => match map.get("b64").and_then(Value::as_str) {
            Some(b) => B64
                .decode(b)
                .map(DumpValue::Bytes)
                .map_err(|_| damaged("bad binary value")),
            None => Err(damaged("unknown value")),
        },
        _ => Err(damaged("unknown value")),
    }
}

fn damaged(what: &str) -> AppError {
    AppError::BadInput(format!("the backup is damaged: {what}"))
}

fn io(e: std::io::Error) -> AppError {
    AppError::Io(format!("writing the backup: {e}"))
}

/// Takes a snapshot of the store and writes it, age-encrypted, to `out`.
pub async fn write_backup(
    store: &dyn Store,
    recipients: &BackupRecipients,
    out: impl Write,
    now: Timestamp,
    progress: &dyn Progress,
) -> Result<BackupSummary, AppError> {
    progress.phase("Reading the database", 1);
    let dump = store.dump().await?;
    progress.done();
    let total: usize = dump.tables.iter().map(|t| t.rows.len()).sum();
    progress.phase("Encrypting the backup", total as u64);
    let mut w = encrypt_backup(recipients, out)?;
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        schema_version: dump.schema_version,
        created_at: stamp(now),
        source_backend: store.backend().into(),
        tables: dump.tables.len(),
    };
    write_line(&mut w, &header)?;
    for table in &dump.tables {
        write_line(
            &mut w,
            &TableLine {
                table: table.name.clone(),
                columns: table.columns.clone(),
                rows: table.rows.len(),
            },
        )?;
        for row in &table.rows {
            let values: Vec<Value> = row.iter().map(encode).collect();
            write_line(&mut w, &values)?;
        }
        progress.advance(table.rows.len() as u64);
    }
    write_line(
        &mut w,
        &Trailer {
            end: true,
            total_rows: total,
        },
    )?;
    w.finish().map_err(io)?.flush().map_err(io)?;
    progress.done();
    Ok(summary(&header, &dump))
}

fn write_line(w: &mut impl Write, value: &impl Serialize) -> Result<(), AppError> {
    serde_json::to_writer(&mut *w, value).map_err(|e| AppError::Io(e.to_string()))?;
    w.write_all(b"\n").map_err(io)
}

fn summary(header: &Header, dump: &Dump) -> BackupSummary {
    BackupSummary {
        created_at: header.created_at.clone(),
        source_backend: header.source_backend.clone(),
        schema_version: dump.schema_version,
        tables: dump.tables.len(),
        rows: dump.tables.iter().map(|t| t.rows.len()).sum(),
        tenants: dump.rows("tenants"),
        people: dump.rows("people"),
    }
}

/// Decrypts and parses a whole backup, checking its structure and that this key file
/// opens the data inside. Any damaged byte fails here.
pub fn read_backup(keys: &KeyFile, input: impl Read) -> Result<(Dump, BackupSummary), AppError> {
    let reader = decrypt_backup(keys, input).map_err(|e| AppError::BadInput(e.to_string()))?;
    let mut lines = BufReader::new(reader).lines();
    let mut next = || -> Result<String, AppError> {
        match lines.next() {
            Some(Ok(line)) => Ok(line),
            Some(Err(e)) => Err(AppError::BadInput(format!(
                "the backup is damaged or not for this key: {e}"
            ))),
            None => Err(damaged("it ends too early")),
        }
    };
    let header: Header = serde_json::from_str(&next()?).map_err(|_| damaged("bad header"))?;
    if header.format != FORMAT || header.version != VERSION {
        return Err(damaged("not a Passa backup of a known version"));
    }
    let mut tables = Vec::with_capacity(header.tables);
    for _ in 0..header.tables {
        let line: TableLine =
            serde_json::from_str(&next()?).map_err(|_| damaged("bad table line"))?;
        let mut rows = Vec::with_capacity(line.rows);
        for _ in 0..line.rows {
            let values: Vec<Value> =
                serde_json::from_str(&next()?).map_err(|_| damaged("bad row"))?;
            if values.len() != line.columns.len() {
                return Err(damaged("a row has the wrong width"));
            }
            rows.push(
                values
                    .into_iter()
                    .map(decode)
                    .collect::<Result<Vec<_>, _>>()?,
            );
        }
        tables.push(TableDump {
            name: line.table,
            columns: line.columns,
            rows,
        });
    }
    let trailer: Trailer =
        serde_json::from_str(&next()?).map_err(|_| damaged("missing end marker"))?;
    let dump = Dump {
        schema_version: header.schema_version,
        tables,
    };
    let total: usize = dump.tables.iter().map(|t| t.rows.len()).sum();
    if !trailer.end || trailer.total_rows != total {
        return Err(damaged("row count does not match"));
    }
    if next().is_ok() {
        return Err(damaged("data after the end marker"));
    }
    check_key(keys, &dump)?;
    let summary = summary(&header, &dump);
    Ok((dump, summary))
}

/// The backup's key check value must open with this key file, or a restore would give
/// data nobody can read.
fn check_key(keys: &KeyFile, dump: &Dump) -> Result<(), AppError> {
    let Some(table) = dump.table("key_check") else {
        return Err(damaged("no key check"));
    };
    let Some(row) = table.rows.first() else {
        // A backup of a database never opened by Passa holds nothing to protect.
        return Ok(());
    };
    match (row.get(1), row.get(2)) {
        (Some(DumpValue::Int(version)), Some(DumpValue::Bytes(ct))) => {
            let version = u32::try_from(*version).map_err(|_| damaged("bad key version"))?;
            keys.verify_check_value(&WrappedKey {
                version,
                wrapped_by: version,
                ciphertext: ct.clone(),
            })
            .map_err(|_| {
                AppError::BadInput(
                    "this key file does not open the data in the backup; use the key file the backup was made with".into(),
                )
            })
        }
        _ => Err(damaged("bad key check")),
    }
}

/// Restores a backup into an empty store.
pub async fn restore_backup(
    store: &dyn Store,
    keys: &KeyFile,
    input: impl Read,
    progress: &dyn Progress,
) -> Result<BackupSummary, AppError> {
    progress.phase("Decrypting and checking", 1);
    let (dump, summary) = read_backup(keys, input)?;
    progress.done();
    progress.phase("Restoring", summary.rows as u64);
    store.restore(&dump).await?;
    progress.advance(summary.rows as u64);
    progress.done();
    Ok(summary)
}
