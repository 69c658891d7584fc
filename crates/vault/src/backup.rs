//! Backup encryption: age files to the operations recipient and an optional recovery one.

use std::io::{Read, Write};
use std::str::FromStr;

use crate::{KeyFile, VaultError};

/// The public keys a backup is encrypted to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupRecipients {
    recipients: Vec<age::x25519::Recipient>,
}

impl BackupRecipients {
    /// Parses `age1…` recipient strings; at least one is required.
    pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Result<Self, VaultError> {
        let recipients = values
            .into_iter()
            .map(|v| {
                age::x25519::Recipient::from_str(v.trim()).map_err(|_| {
                    VaultError::Backup(format!("{v:?} is not an age recipient (age1…)"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if recipients.is_empty() {
            return Err(VaultError::Backup(
                "no backup recipient is configured".into(),
            ));
        }
        Ok(Self { recipients })
    }
}

/// Wraps `out` so that everything written is age-encrypted; call `finish` on the result.
pub fn encrypt_backup<W: Write>(
    recipients: &BackupRecipients,
    out: W,
) -> Result<age::stream::StreamWriter<W>, VaultError> {
    let encryptor = age::Encryptor::with_recipients(
        recipients
            .recipients
            .iter()
            .map(|r| r as &dyn age::Recipient),
    )
    .map_err(|e| VaultError::Backup(e.to_string()))?;
    encryptor
        .wrap_output(out)
        .map_err(|e| VaultError::Backup(format!("writing the backup header: {e}")))
}

/// Opens an age backup with the key file's backup identity. The returned reader fails on
/// the first damaged or missing chunk.
pub fn decrypt_backup<R: Read>(keys: &KeyFile, input: R) -> Result<impl Read, VaultError> {
    let decryptor = age::Decryptor::new(input)
        .map_err(|e| VaultError::Backup(format!("not a readable age file: {e}")))?;
    decryptor
        .decrypt(std::iter::once(keys.backup_identity() as &dyn age::Identity))
        .map_err(|e| {
            VaultError::Backup(format!(
                "cannot decrypt with this key file's backup identity: {e}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encrypt(keys: &KeyFile, data: &[u8]) -> Result<Vec<u8>, VaultError> {
        let recipients = BackupRecipients::parse([keys.backup_recipient().as_str()])?;
        let mut w = encrypt_backup(&recipients, Vec::new())?;
        w.write_all(data)
            .map_err(|e| VaultError::Backup(e.to_string()))?;
        w.finish().map_err(|e| VaultError::Backup(e.to_string()))
    }

    fn decrypt(keys: &KeyFile, data: &[u8]) -> Result<Vec<u8>, VaultError> {
        let mut r = decrypt_backup(keys, data)?;
        let mut out = Vec::new();
        r.read_to_end(&mut out)
            .map_err(|e| VaultError::Backup(e.to_string()))?;
        Ok(out)
    }

    #[test]
    fn backups_round_trip_and_reject_every_flipped_byte() -> Result<(), VaultError> {
        let keys = KeyFile::generate();
        let plain: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
        let file = encrypt(&keys, &plain)?;
        assert_eq!(decrypt(&keys, &file)?, plain);
        for i in (0..file.len()).step_by(997).chain([file.len() - 1]) {
            let mut bad = file.clone();
            bad[i] ^= 0x20;
            assert!(decrypt(&keys, &bad).is_err(), "byte {i}");
        }
        assert!(decrypt(&keys, &file[..file.len() - 10]).is_err());
        assert!(decrypt(&KeyFile::generate(), &file).is_err());
        Ok(())
    }
}
