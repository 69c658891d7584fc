//! Key wrapping, field sealing and blind indexes.

use std::collections::BTreeMap;
use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use passa_domain::{DataKeyId, TenantId};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::{KeyFile, VaultError};

/// First byte of every sealed value, so the format can change without guessing.
const SEAL_FORMAT: u8 = 1;
const NONCE_LEN: usize = 24;

type KeyBytes = Zeroizing<[u8; 32]>;

/// 32 bytes from the operating system's random source.
pub(crate) fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    fill_random(&mut key);
    key
}

#[allow(clippy::expect_used)]
fn fill_random(buf: &mut [u8]) {
    // Without the OS random source no key or nonce can be made safely; there is nothing
    // sensible to continue with, and this does not depend on any input.
    getrandom::fill(buf).expect("the operating system's random source failed");
}

fn cipher(key: &[u8; 32]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(&(*key).into())
}

/// `format || nonce || ciphertext+tag`, with a fresh random 192-bit nonce.
fn seal_with(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce);
    let mut out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + 16);
    out.push(SEAL_FORMAT);
    out.extend_from_slice(&nonce);
    // Encryption with a valid key and an in-memory buffer cannot fail.
    if let Ok(ct) = cipher(key).encrypt(
        &XNonce::from(nonce),
        Payload {
            msg: plaintext,
            aad,
        },
    ) {
        out.extend_from_slice(&ct);
    }
    out
}

fn open_with(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let (&format, rest) = sealed.split_first()?;
    if format != SEAL_FORMAT || rest.len() < NONCE_LEN + 16 {
        return None;
    }
    let (nonce, ct) = rest.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
    cipher(key)
        .decrypt(&XNonce::from(nonce), Payload { msg: ct, aad })
        .ok()
        .map(Zeroizing::new)
}

fn derive(master: &[u8; 32], info: &str) -> KeyBytes {
    let mut out = Zeroizing::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA256's output limit, so expand cannot fail.
    let _ = Hkdf::<Sha256>::new(None, master).expand(info.as_bytes(), out.as_mut_slice());
    out
}

/// A wrapped (encrypted) key as stored: its own version, the version of the key that
/// wrapped it, and the ciphertext.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedKey {
    pub version: u32,
    pub wrapped_by: u32,
    pub ciphertext: Vec<u8>,
}

impl fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WrappedKey")
            .field("version", &self.version)
            .field("wrapped_by", &self.wrapped_by)
            .finish_non_exhaustive()
    }
}

/// The key-encryption key: wraps tenant keys, never anything else.
pub struct Kek {
    version: u32,
    key: KeyBytes,
}

impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kek(v{}, <redacted>)", self.version)
    }
}

const KEK_CHECK: &[u8] = b"passa key file check";

impl Kek {
    pub(crate) fn new(version: u32, key: [u8; 32]) -> Self {
        Self {
            version,
            key: Zeroizing::new(key),
        }
    }

    pub fn version(&self) -> u32 {
        self.version
    }

    pub(crate) fn material(&self) -> &[u8; 32] {
        &self.key
    }

    fn check_aad(version: u32) -> String {
        format!("passa/v1/kek-check|kek={version}")
    }

    /// A value stored beside the data that tells, before anything else is read, whether a
    /// key file belongs to this database.
    pub fn check_value(&self) -> WrappedKey {
        WrappedKey {
            version: self.version,
            wrapped_by: self.version,
            ciphertext: seal_with(
                &self.key,
                Self::check_aad(self.version).as_bytes(),
                KEK_CHECK,
            ),
        }
    }
}

impl KeyFile {
    /// Confirms that this key file is the one the database was made with.
    pub fn verify_check_value(&self, check: &WrappedKey) -> Result<(), VaultError> {
        let kek = self.kek(check.wrapped_by)?;
        match open_with(
            &kek.key,
            Kek::check_aad(kek.version).as_bytes(),
            &check.ciphertext,
        ) {
            Some(plain) if plain.as_slice() == KEK_CHECK => Ok(()),
            _ => Err(VaultError::WrongKey {
                what: "the key file check value",
            }),
        }
    }
}

impl KeyFile {
    /// Seals a configuration secret (an SMS provider's password, a URL with a secret in
    /// it) so it can sit in `passa.toml`: `v{kek}:{base64}`, bound to its `label`.
    pub fn seal_setting(&self, label: &str, plaintext: &str) -> String {
        use base64::Engine;
        let kek = self.current_kek();
        let key = derive(kek.material(), "passa/v1/config-secret");
        let sealed = seal_with(&key, setting_aad(label).as_bytes(), plaintext.as_bytes());
        format!(
            "v{}:{}",
            kek.version,
            base64::engine::general_purpose::STANDARD.encode(sealed)
        )
    }

    /// Opens what [`KeyFile::seal_setting`] sealed under the same label.
    pub fn open_setting(&self, label: &str, sealed: &str) -> Result<Zeroizing<String>, VaultError> {
        use base64::Engine;
        let fail = VaultError::WrongKey {
            what: "a sealed setting",
        };
        let (version, body) = sealed
            .strip_prefix('v')
            .and_then(|s| s.split_once(':'))
            .ok_or(VaultError::WrongKey {
                what: "a sealed setting (not v<kek>:<base64>)",
            })?;
        let version: u32 = version.parse().map_err(|_| VaultError::WrongKey {
            what: "a sealed setting's key version",
        })?;
        let kek = self.kek(version)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .map_err(|_| VaultError::WrongKey {
                what: "a sealed setting (not base64)",
            })?;
        let key = derive(kek.material(), "passa/v1/config-secret");
        let plain = open_with(&key, setting_aad(label).as_bytes(), &bytes).ok_or(fail)?;
        String::from_utf8(plain.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| VaultError::WrongKey {
                what: "a sealed setting (not text)",
            })
    }
}

fn setting_aad(label: &str) -> String {
    format!("passa/v1/setting|{label}")
}

/// One version of a tenant's keys, derived from the tenant's master key.
pub struct TenantKeys {
    tenant: TenantId,
    version: u32,
    data_key_wrap: KeyBytes,
    blind_index: KeyBytes,
}

impl fmt::Debug for TenantKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TenantKeys(tenant {}, v{}, <redacted>)",
            self.tenant, self.version
        )
    }
}

impl TenantKeys {
    fn from_master(tenant: TenantId, version: u32, master: &[u8; 32]) -> Self {
        Self {
            tenant,
            version,
            data_key_wrap: derive(master, "passa/v1/data-key-wrap"),
            blind_index: derive(master, "passa/v1/blind-index"),
        }
    }

    fn data_key_aad(&self, id: DataKeyId) -> String {
        format!(
            "passa/v1/data-key|tenant={}|data_key={}|tenant_key={}",
            self.tenant, id, self.version
        )
    }
}

/// All versions of one tenant's keys, opened with the KEK.
pub struct TenantKeyring {
    tenant: TenantId,
    current: TenantKeys,
    older: BTreeMap<u32, TenantKeys>,
}

impl fmt::Debug for TenantKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TenantKeyring(tenant {}, v{}, <redacted>)",
            self.tenant, self.current.version
        )
    }
}

fn tenant_key_aad(tenant: TenantId, version: u32, kek_version: u32) -> String {
    format!("passa/v1/tenant-key|tenant={tenant}|version={version}|kek={kek_version}")
}

impl TenantKeyring {
    /// A new tenant's first key, wrapped by the key file's current KEK for storage.
    pub fn create(keys: &KeyFile, tenant: TenantId) -> (Self, WrappedKey) {
        let master = Zeroizing::new(random_key());
        let kek = keys.current_kek();
        let wrapped = WrappedKey {
            version: 1,
            wrapped_by: kek.version,
            ciphertext: seal_with(
                &kek.key,
                tenant_key_aad(tenant, 1, kek.version).as_bytes(),
                master.as_slice(),
            ),
        };
        let ring = Self {
            tenant,
            current: TenantKeys::from_master(tenant, 1, &master),
            older: BTreeMap::new(),
        };
        (ring, wrapped)
    }

    /// Unwraps every stored version of a tenant's key. Another tenant's wrapped key, or a
    /// key file that is not this database's, fails here.
    pub fn open(
        keys: &KeyFile,
        tenant: TenantId,
        wrapped: &[WrappedKey],
    ) -> Result<Self, VaultError> {
        let mut opened = BTreeMap::new();
        for w in wrapped {
            let kek = keys.kek(w.wrapped_by)?;
            let aad = tenant_key_aad(tenant, w.version, w.wrapped_by);
            let master =
                open_with(&kek.key, aad.as_bytes(), &w.ciphertext).ok_or(VaultError::WrongKey {
                    what: "the tenant key",
                })?;
            let master: &[u8; 32] =
                master
                    .as_slice()
                    .try_into()
                    .map_err(|_| VaultError::WrongKey {
                        what: "the tenant key",
                    })?;
            opened.insert(
                w.version,
                TenantKeys::from_master(tenant, w.version, master),
            );
        }
        let (_, current) = opened.pop_last().ok_or(VaultError::UnknownKeyVersion {
            what: "tenant key",
            version: 1,
        })?;
        Ok(Self {
            tenant,
            current,
            older: opened,
        })
    }

    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    fn version(&self, version: u32) -> Result<&TenantKeys, VaultError> {
        if version == self.current.version {
            return Ok(&self.current);
        }
        self.older
            .get(&version)
            .ok_or(VaultError::UnknownKeyVersion {
                what: "tenant key",
                version,
            })
    }

    /// A fresh data key for one record, and its wrapped form to store.
    pub fn new_data_key(&self, id: DataKeyId) -> (DataKey, WrappedKey) {
        let key = Zeroizing::new(random_key());
        let keys = &self.current;
        let wrapped = WrappedKey {
            version: 1,
            wrapped_by: keys.version,
            ciphertext: seal_with(
                &keys.data_key_wrap,
                keys.data_key_aad(id).as_bytes(),
                key.as_slice(),
            ),
        };
        let data_key = DataKey {
            tenant: self.tenant,
            id,
            key,
        };
        (data_key, wrapped)
    }

    pub fn open_data_key(
        &self,
        id: DataKeyId,
        wrapped: &WrappedKey,
    ) -> Result<DataKey, VaultError> {
        let keys = self.version(wrapped.wrapped_by)?;
        let plain = open_with(
            &keys.data_key_wrap,
            keys.data_key_aad(id).as_bytes(),
            &wrapped.ciphertext,
        )
        .ok_or(VaultError::WrongKey { what: "a data key" })?;
        let key: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| VaultError::WrongKey { what: "a data key" })?;
        Ok(DataKey {
            tenant: self.tenant,
            id,
            key: Zeroizing::new(key),
        })
    }

    /// The keyed blind index of a normalised value. Blind indexes come from the tenant's
    /// first key version so that they stay stable when the tenant key is rotated.
    pub fn blind_index(&self, purpose: IndexPurpose, normalized: &str) -> BlindIndex {
        let keys = self.older.values().next().unwrap_or(&self.current);
        let mut mac =
            match <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(keys.blind_index.as_slice()) {
                Ok(mac) => mac,
                // HMAC takes keys of any length.
                Err(_) => return BlindIndex([0; 32]),
            };
        mac.update(purpose.label().as_bytes());
        mac.update(&[0]);
        mac.update(normalized.as_bytes());
        BlindIndex(mac.finalize().into_bytes().into())
    }
}

/// What a blind index is for; each purpose gives unrelated values for the same input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexPurpose {
    Phone,
    Email,
    EmployeeNumber,
    /// An offer code, keyed by the person it was sent to ("person:code").
    OfferCode,
}

impl IndexPurpose {
    fn label(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Email => "email",
            Self::EmployeeNumber => "employee_number",
            Self::OfferCode => "offer_code",
        }
    }
}

/// HMAC-SHA-256 of a normalised value under a tenant's blind-index key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlindIndex([u8; 32]);

impl BlindIndex {
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl fmt::Debug for BlindIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlindIndex(..)")
    }
}

/// Where a sealed value lives; bound into the ciphertext as associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldRef {
    pub table: &'static str,
    pub column: &'static str,
    pub row: i64,
}

/// One record's data key.
pub struct DataKey {
    tenant: TenantId,
    id: DataKeyId,
    key: KeyBytes,
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DataKey(tenant {}, id {}, <redacted>)",
            self.tenant, self.id
        )
    }
}

impl DataKey {
    pub fn id(&self) -> DataKeyId {
        self.id
    }

    fn aad(&self, field: FieldRef) -> String {
        format!(
            "passa/v1/field|tenant={}|table={}|column={}|row={}|data_key={}",
            self.tenant, field.table, field.column, field.row, self.id
        )
    }

    pub fn seal(&self, field: FieldRef, plaintext: &str) -> Vec<u8> {
        seal_with(&self.key, self.aad(field).as_bytes(), plaintext.as_bytes())
    }

    pub fn open(&self, field: FieldRef, sealed: &[u8]) -> Result<Zeroizing<String>, VaultError> {
        let fail = VaultError::Unseal {
            table: field.table,
            column: field.column,
        };
        let plain = open_with(&self.key, self.aad(field).as_bytes(), sealed).ok_or(fail)?;
        String::from_utf8(plain.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| VaultError::Unseal {
                table: field.table,
                column: field.column,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NAME: FieldRef = FieldRef {
        table: "people",
        column: "given_name",
        row: 7,
    };

    fn tenant(keys: &KeyFile, id: i64) -> (TenantKeyring, WrappedKey) {
        TenantKeyring::create(keys, TenantId::new(id))
    }

    #[test]
    fn a_sealed_field_opens_with_its_own_key_and_place() -> Result<(), VaultError> {
        let keys = KeyFile::generate();
        let (ring, _) = tenant(&keys, 1);
        let (dk, _) = ring.new_data_key(DataKeyId::new(3));
        let sealed = dk.seal(NAME, "Astrid");
        assert_eq!(dk.open(NAME, &sealed)?.as_str(), "Astrid");
        Ok(())
    }

    #[test]
    fn the_same_plaintext_twice_gives_different_ciphertexts() {
        let keys = KeyFile::generate();
        let (ring, _) = tenant(&keys, 1);
        let (dk, _) = ring.new_data_key(DataKeyId::new(3));
        assert_ne!(dk.seal(NAME, "Astrid"), dk.seal(NAME, "Astrid"));
    }

    #[test]
    fn a_ciphertext_moved_to_another_row_column_or_tenant_does_not_open() {
        let keys = KeyFile::generate();
        let (ring, wrapped) = tenant(&keys, 1);
        let (dk, wrapped_dk) = ring.new_data_key(DataKeyId::new(3));
        let sealed = dk.seal(NAME, "Astrid");
        let other_row = FieldRef { row: 8, ..NAME };
        let other_column = FieldRef {
            column: "family_name",
            ..NAME
        };
        let other_table = FieldRef {
            table: "substitutes",
            ..NAME
        };
        for place in [other_row, other_column, other_table] {
            assert!(dk.open(place, &sealed).is_err(), "{place:?}");
        }
        // The same wrapped data key presented as another record's key does not unwrap.
        assert!(ring.open_data_key(DataKeyId::new(4), &wrapped_dk).is_err());
        // Tenant 1's wrapped key presented as tenant 2's does not unwrap.
        assert!(TenantKeyring::open(&keys, TenantId::new(2), &[wrapped]).is_err());
    }

    #[test]
    fn tenant_a_keys_cannot_open_tenant_b_rows() -> Result<(), VaultError> {
        let keys = KeyFile::generate();
        let (ring_a, _) = tenant(&keys, 1);
        let (ring_b, _) = tenant(&keys, 2);
        let (dk_b, wrapped_b) = ring_b.new_data_key(DataKeyId::new(9));
        let sealed = dk_b.seal(NAME, "Bertil");
        assert!(ring_a.open_data_key(DataKeyId::new(9), &wrapped_b).is_err());
        assert_eq!(
            ring_b
                .open_data_key(DataKeyId::new(9), &wrapped_b)?
                .open(NAME, &sealed)?
                .as_str(),
            "Bertil"
        );
        assert_ne!(
            ring_a.blind_index(IndexPurpose::Phone, "+46701234567"),
            ring_b.blind_index(IndexPurpose::Phone, "+46701234567")
        );
        Ok(())
    }

    #[test]
    fn a_wrong_key_file_is_told_apart_from_the_right_one() -> Result<(), VaultError> {
        let right = KeyFile::generate();
        let wrong = KeyFile::generate();
        let check = right.current_kek().check_value();
        right.verify_check_value(&check)?;
        assert!(matches!(
            wrong.verify_check_value(&check),
            Err(VaultError::WrongKey { .. })
        ));
        let (_, wrapped) = tenant(&right, 1);
        assert!(matches!(
            TenantKeyring::open(&wrong, TenantId::new(1), &[wrapped]),
            Err(VaultError::WrongKey { .. })
        ));
        Ok(())
    }

    #[test]
    fn a_reopened_keyring_opens_what_the_first_sealed() -> Result<(), VaultError> {
        let keys = KeyFile::generate();
        let (ring, wrapped) = tenant(&keys, 5);
        let (dk, wrapped_dk) = ring.new_data_key(DataKeyId::new(1));
        let sealed = dk.seal(NAME, "Åsa");
        let again = TenantKeyring::open(&keys, TenantId::new(5), &[wrapped])?;
        assert_eq!(
            again
                .open_data_key(DataKeyId::new(1), &wrapped_dk)?
                .open(NAME, &sealed)?
                .as_str(),
            "Åsa"
        );
        assert_eq!(
            again.blind_index(IndexPurpose::Email, "a@b.se"),
            ring.blind_index(IndexPurpose::Email, "a@b.se")
        );
        assert_ne!(
            ring.blind_index(IndexPurpose::Email, "a@b.se"),
            ring.blind_index(IndexPurpose::Phone, "a@b.se")
        );
        Ok(())
    }

    #[test]
    fn debug_never_shows_key_material() {
        let keys = KeyFile::generate();
        let (ring, _) = tenant(&keys, 1);
        let (dk, _) = ring.new_data_key(DataKeyId::new(1));
        for text in [format!("{keys:?}"), format!("{ring:?}"), format!("{dk:?}")] {
            assert!(
                text.contains("redacted") || !text.contains("key:"),
                "{text}"
            );
        }
    }

    proptest! {
        #[test]
        fn round_trip_and_any_flipped_byte_fails(text in "\\PC{0,64}", flip in 0usize..200) {
            let keys = KeyFile::generate();
            let (ring, _) = tenant(&keys, 1);
            let (dk, _) = ring.new_data_key(DataKeyId::new(1));
            let mut sealed = dk.seal(NAME, &text);
            let opened = dk.open(NAME, &sealed).map(|s| s.to_string());
            prop_assert_eq!(opened.ok(), Some(text.clone()));
            let i = flip % sealed.len();
            sealed[i] ^= 0x01;
            prop_assert!(dk.open(NAME, &sealed).is_err());
        }
    }
}

#[cfg(test)]
mod setting_tests {
    use super::*;

    #[test]
    fn a_sealed_setting_opens_with_its_key_file_and_label_only() -> Result<(), VaultError> {
        let keys = KeyFile::generate();
        let sealed = keys.seal_setting("sms.password", "hemligt");
        assert!(!sealed.contains("hemligt"));
        assert_eq!(
            keys.open_setting("sms.password", &sealed)?.as_str(),
            "hemligt"
        );
        assert!(keys.open_setting("sms.delivery_url", &sealed).is_err());
        assert!(
            KeyFile::generate()
                .open_setting("sms.password", &sealed)
                .is_err()
        );
        Ok(())
    }
}
