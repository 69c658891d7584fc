//! Vault errors: each says what failed and where, never with key material or plaintext.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("key file {} not found (create it with `passa init`, or point --key-file / PASSA_KEY_FILE at it)", path.display())]
    KeyFileMissing { path: PathBuf },
    #[error("key file {} already exists; refusing to overwrite a key", path.display())]
    KeyFileExists { path: PathBuf },
    #[error("key file {} could not be read or written: {source}", path.display())]
    KeyFileIo {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("key file {} is not a Passa key file: {reason}", path.display())]
    KeyFileInvalid { path: PathBuf, reason: String },
    #[error("the key file does not open this data: {what} failed to decrypt (wrong key file?)")]
    WrongKey { what: &'static str },
    #[error("key version {version} of the {what} is not in the key file")]
    UnknownKeyVersion { what: &'static str, version: u32 },
    #[error("sealed value is damaged or belongs elsewhere ({table}.{column})")]
    Unseal {
        table: &'static str,
        column: &'static str,
    },
    #[error("backup: {0}")]
    Backup(String),
}
