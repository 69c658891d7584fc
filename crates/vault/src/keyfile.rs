//! The key file: KEK versions and the backup identity, stored as TOML with mode 0600.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::VaultError;
use crate::seal::{Kek, random_key};

const FORMAT: &str = "passa-keyfile-v1";

/// The key file's contents. It never prints its keys.
pub struct KeyFile {
    /// The newest KEK, which wraps new tenant keys.
    current: Kek,
    /// Older KEK versions, kept to unwrap tenant keys not yet rewrapped.
    older: BTreeMap<u32, Kek>,
    backup_identity: age::x25519::Identity,
}

impl fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyFile")
            .field("kek_version", &self.current.version())
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OnDisk {
    format: String,
    backup_identity: String,
    kek: Vec<OnDiskKek>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OnDiskKek {
    version: u32,
    key: String,
}

impl Drop for OnDisk {
    fn drop(&mut self) {
        self.backup_identity.zeroize();
        for k in &mut self.kek {
            k.key.zeroize();
        }
    }
}

impl KeyFile {
    /// A new key file with KEK version 1 and a fresh backup identity.
    pub fn generate() -> Self {
        Self {
            current: Kek::new(1, random_key()),
            older: BTreeMap::new(),
            backup_identity: age::x25519::Identity::generate(),
        }
    }

    /// Writes a new key file readable only by its owner; fails if the file exists.
    pub fn create(path: &Path) -> Result<Self, VaultError> {
        let file = Self::generate();
        file.write_new(path)?;
        Ok(file)
    }

    fn write_new(&self, path: &Path) -> Result<(), VaultError> {
        let io = |source| VaultError::KeyFileIo {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let on_disk = OnDisk {
            format: FORMAT.to_owned(),
            backup_identity: self.backup_identity.to_string().expose_secret().to_owned(),
            kek: std::iter::once(&self.current)
                .chain(self.older.values())
                .map(|k| OnDiskKek {
                    version: k.version(),
                    key: B64.encode(k.material()),
                })
                .collect(),
        };
        let body =
            Zeroizing::new(
                toml::to_string(&on_disk).map_err(|e| VaultError::KeyFileInvalid {
                    path: path.to_owned(),
                    reason: e.to_string(),
                })?,
            );
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut out = options.open(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                VaultError::KeyFileExists {
                    path: path.to_owned(),
                }
            } else {
                io(source)
            }
        })?;
        let header = "# Passa key file. Keep it outside the data directory, readable only by the\n\
                      # Passa service user, and keep an offline copy: without it no data can be read.\n";
        out.write_all(header.as_bytes()).map_err(io)?;
        out.write_all(body.as_bytes()).map_err(io)?;
        out.sync_all().map_err(io)
    }

    pub fn load(path: &Path) -> Result<Self, VaultError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => Zeroizing::new(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(VaultError::KeyFileMissing {
                    path: path.to_owned(),
                });
            }
            Err(source) => {
                return Err(VaultError::KeyFileIo {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let invalid = |reason: &str| VaultError::KeyFileInvalid {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        // The parse error would quote the offending line, which may hold key material.
        let on_disk: OnDisk =
            toml::from_str(&text).map_err(|_| invalid("it does not parse as a key file"))?;
        if on_disk.format != FORMAT {
            return Err(invalid("unknown format"));
        }
        let mut keks = BTreeMap::new();
        for k in &on_disk.kek {
            let bytes = Zeroizing::new(
                B64.decode(&k.key)
                    .map_err(|_| invalid("bad key encoding"))?,
            );
            let material: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| invalid("a key is not 32 bytes"))?;
            if keks
                .insert(k.version, Kek::new(k.version, material))
                .is_some()
            {
                return Err(invalid("a key version appears twice"));
            }
        }
        let Some((_, current)) = keks.pop_last() else {
            return Err(invalid("it holds no key"));
        };
        let backup_identity = age::x25519::Identity::from_str(&on_disk.backup_identity)
            .map_err(|_| invalid("bad backup identity"))?;
        Ok(Self {
            current,
            older: keks,
            backup_identity,
        })
    }

    /// Whether the file may be read by others than its owner (checked where a caller can warn).
    pub fn is_shared(path: &Path) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            false
        }
    }

    /// The newest KEK, used for wrapping new tenant keys.
    pub fn current_kek(&self) -> &Kek {
        &self.current
    }

    pub fn kek(&self, version: u32) -> Result<&Kek, VaultError> {
        if version == self.current.version() {
            return Ok(&self.current);
        }
        self.older
            .get(&version)
            .ok_or(VaultError::UnknownKeyVersion {
                what: "key-encryption key",
                version,
            })
    }

    /// The age recipient (public key) matching this file's backup identity.
    pub fn backup_recipient(&self) -> String {
        self.backup_identity.to_public().to_string()
    }

    pub(crate) fn backup_identity(&self) -> &age::x25519::Identity {
        &self.backup_identity
    }

    /// Where the key file goes when the operator gives none.
    pub fn default_path_for(config_home: &Path) -> PathBuf {
        config_home.join("passa").join("passa.key")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_key_file_loads_back_and_is_owner_only() -> Result<(), VaultError> {
        let dir = tempfile::tempdir().map_err(|e| VaultError::Backup(e.to_string()))?;
        let path = dir.path().join("k").join("passa.key");
        let created = KeyFile::create(&path)?;
        let loaded = KeyFile::load(&path)?;
        assert_eq!(created.backup_recipient(), loaded.backup_recipient());
        assert_eq!(
            created.current_kek().material(),
            loaded.current_kek().material()
        );
        assert!(!KeyFile::is_shared(&path));
        Ok(())
    }

    #[test]
    fn an_existing_key_file_is_never_overwritten() -> Result<(), VaultError> {
        let dir = tempfile::tempdir().map_err(|e| VaultError::Backup(e.to_string()))?;
        let path = dir.path().join("passa.key");
        let first = KeyFile::create(&path)?;
        assert!(matches!(
            KeyFile::create(&path),
            Err(VaultError::KeyFileExists { .. })
        ));
        let still = KeyFile::load(&path)?;
        assert_eq!(
            first.current_kek().material(),
            still.current_kek().material()
        );
        Ok(())
    }

    #[test]
    fn a_missing_or_broken_key_file_gives_a_clear_error() -> Result<(), VaultError> {
        let dir = tempfile::tempdir().map_err(|e| VaultError::Backup(e.to_string()))?;
        let path = dir.path().join("nope.key");
        let missing = KeyFile::load(&path);
        assert!(matches!(missing, Err(VaultError::KeyFileMissing { .. })));
        std::fs::write(&path, "format = \"passa-keyfile-v1\"\nsecret = \"AAAA\"\n")
            .map_err(|e| VaultError::Backup(e.to_string()))?;
        let broken = KeyFile::load(&path).map(|_| ()).map_err(|e| e.to_string());
        let message = broken.err().unwrap_or_default();
        assert!(message.contains("not a Passa key file"), "{message}");
        assert!(!message.contains("AAAA"), "{message}");
        Ok(())
    }
}
