//! Passa's keys, and the only crate that ever holds one.
//!
//! The hierarchy: a key-encryption key (KEK) from a key file kept outside the data
//! directory wraps one key per tenant; a tenant key wraps one data key per record; a data
//! key seals that record's personal fields with XChaCha20-Poly1305, binding tenant, table,
//! column and row as associated data so a ciphertext moved anywhere else fails to open.
//! Look-ups by phone, e-mail or employee number go through a per-tenant keyed blind index.
//! Backups are age files to the operations recipient (and an optional recovery recipient).
//!
//! Every key type redacts itself in `Debug`, implements no `Display` or `Serialize`, and
//! zeroes its memory when dropped.

mod backup;
mod error;
mod keyfile;
mod seal;

pub use backup::{BackupRecipients, decrypt_backup, encrypt_backup};
pub use error::VaultError;
pub use keyfile::KeyFile;
pub use seal::{
    BlindIndex, DataKey, FieldRef, IndexPurpose, Kek, TenantKeyring, TenantKeys, WrappedKey,
};
pub use zeroize::Zeroizing;
