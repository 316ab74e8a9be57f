//! Encryption at rest with the national algorithms (GB/T 32905 SM3, GB/T 32907 SM4).
//!
//! Owned here: the primitives (SM3, HMAC-SM3, SM4-GCM), the key hierarchy and the formats of
//! what is stored. Nothing here touches the database: [`crate::Store`] keeps the wrapped keys
//! (table `data_keys`) and calls this module.
//!
//! # Key hierarchy (envelope encryption)
//! - **Key-encryption keys (KEKs)**, 128-bit SM4 keys, never stored in the database. Each has an
//!   id; they come from the configuration (`[keys]`, a hex or base64 value or a file holding
//!   one). One is *active* (new keys are wrapped under it); older ones stay configured only as
//!   long as a data key is still wrapped under them (`wangban keys rotate` re-wraps every data
//!   key under the active KEK, after which the old ones can be removed).
//! - **Data keys (DEKs)**, random 128-bit SM4 keys, stored *wrapped*: SM4-GCM under a KEK with
//!   the associated data `wangban/dek/v1/<dek id>/<kek id>`, so a wrapped key cannot be moved to
//!   another row or passed off as wrapped under another KEK. Stored as
//!   `nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`.
//! - **The blind-index key**, a random 256-bit key, wrapped and stored the same way (purpose
//!   `index` in `data_keys`). It is *not* derived from the KEK, so rotating the KEK leaves every
//!   blind index unchanged.
//!
//! # Ciphertext format (TEXT columns)
//! `wb1.<dek id>.<nonce>.<ciphertext‖tag>`: `wb1` is the format version; the DEK id is 16 lower
//! hex digits; nonce (12 random bytes) and ciphertext with its 16-byte tag are base64url
//! without padding. The associated data is what the value is and where it lives (`table.column`
//! and the row's key, see `sealed.rs`): a ciphertext copied into another column or row
//! does not decrypt.
//!
//! # Binary envelope (files)
//! `0xB1 ‖ key-id length ‖ key id ‖ nonce ‖ ciphertext‖tag`, the same SM4-GCM under the active
//! data key, for uploaded files ([`Vault::encrypt_bytes`]): the header and the file's place are
//! its associated data.
//!
//! # Blind index
//! `hex(HMAC-SM3(index key, normalised value))`, 64 hex digits: equal values give equal
//! indexes, so a column can be looked up (by ID number, by phone) without decrypting every row;
//! without the index key the index says nothing. The caller normalises (e.g. an ID number's
//! final `x` upper-cased, a phone number's spaces removed) and names the purpose, which is
//! hashed in so that the same value in two columns gives two unrelated indexes.
//!
//! Key bytes are zeroised on drop and never shown by `Debug`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use aes_gcm::AesGcm;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};
use sm4::Sm4;
use zeroize::Zeroize;

/// SM4 in Galois/counter mode: 12-byte nonce, 16-byte tag.
type Sm4Gcm = AesGcm<Sm4, U12>;

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// The text ciphertext's version prefix.
const VERSION: &str = "wb1";

/// What can go wrong with keys and ciphertexts.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// No key with this id is configured (a KEK) or loaded (a data key).
    #[error("unknown key id {0:?}")]
    UnknownKeyId(String),
    /// A wrapped data key does not open under the KEK with its id: the KEK is not the one it
    /// was wrapped under (or the wrapped key was altered).
    #[error("key-encryption key {kek_id:?} does not open data key {dek_id:?}: wrong key")]
    WrongKey { kek_id: String, dek_id: String },
    /// A ciphertext failed authentication: altered, truncated, or given the wrong associated
    /// data (moved from another column).
    #[error("ciphertext failed authentication (tampered or moved)")]
    Tampered,
    /// Not a ciphertext of a known format.
    #[error("malformed ciphertext: {0}")]
    Malformed(&'static str),
    /// A configured key is not 16 bytes in hex or base64.
    #[error("key {id:?}: {reason}")]
    BadKey { id: String, reason: String },
    /// The configuration names no usable active KEK.
    #[error("no active key-encryption key: {0}")]
    NoActiveKek(String),
    #[error("key file {path}: {source}")]
    KeyFile {
        path: PathBuf,
        source: std::io::Error,
    },
}

// ----- primitives -----------------------------------------------------------------------------

/// SM3 hash (GB/T 32905-2016).
pub fn sm3(data: &[u8]) -> [u8; 32] {
    Sm3::digest(data).into()
}

/// HMAC-SM3 (RFC 2104 over SM3).
pub fn hmac_sm3(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sm3> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// SM4-GCM encryption: returns `nonce ‖ ciphertext ‖ tag` with a fresh random nonce.
pub fn seal(key: &[u8; 16], plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    let cipher = Sm4Gcm::new(key.into());
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let ct = cipher
        .encrypt(
            (&nonce).into(),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .expect("SM4-GCM encrypts any length we store");
    let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    out
}

/// SM4-GCM decryption of `nonce ‖ ciphertext ‖ tag`; `None` when authentication fails.
pub fn open(key: &[u8; 16], sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return None;
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    Sm4Gcm::new(key.into())
        .decrypt(nonce.into(), Payload { msg: ct, aad })
        .ok()
}

// ----- keys -----------------------------------------------------------------------------------

/// Secret key bytes: zeroised on drop, never printed.
#[derive(Clone)]
pub struct Secret<const N: usize>([u8; N]);

impl<const N: usize> Drop for Secret<N> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<const N: usize> Secret<N> {
    pub fn random() -> Self {
        let mut k = [0u8; N];
        rand::rngs::OsRng.fill_bytes(&mut k);
        Secret(k)
    }

    pub fn from_bytes(bytes: [u8; N]) -> Self {
        Secret(bytes)
    }

    fn from_slice(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; N] = bytes.try_into().ok()?;
        Some(Secret(arr))
    }

    pub fn expose(&self) -> &[u8; N] {
        &self.0
    }
}

impl<const N: usize> fmt::Debug for Secret<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret<{N}>(redacted)")
    }
}

/// How a KEK is written in configuration and by `wangban keys generate`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyFormat {
    #[default]
    Hex,
    Base64,
}

impl KeyFormat {
    pub fn encode(self, key: &Secret<16>) -> String {
        match self {
            KeyFormat::Hex => hex::encode(key.expose()),
            KeyFormat::Base64 => STANDARD.encode(key.expose()),
        }
    }
}

/// Reads a 128-bit key written as 32 hex digits or as base64 (surrounding space ignored).
pub fn parse_key(id: &str, text: &str) -> Result<Secret<16>, CryptoError> {
    let text = text.trim();
    let bad = |reason: &str| CryptoError::BadKey {
        id: id.to_owned(),
        reason: reason.to_owned(),
    };
    let mut bytes = if text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(text).map_err(|_| bad("not hex"))?
    } else {
        STANDARD
            .decode(text)
            .map_err(|_| bad("neither 32 hex digits nor base64"))?
    };
    let key = Secret::from_slice(&bytes);
    bytes.zeroize();
    key.ok_or_else(|| bad("not 16 bytes (128 bits)"))
}

/// One configured key-encryption key: a value or a file holding one.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KekSource {
    pub id: String,
    /// The key, 32 hex digits or base64. Prefer `file` outside tests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A file holding the key (hex or base64), readable only by the service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
}

impl fmt::Debug for KekSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KekSource")
            .field("id", &self.id)
            .field("value", &self.value.as_ref().map(|_| "redacted"))
            .field("file", &self.file)
            .finish()
    }
}

/// `[keys]`: the key-encryption keys.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeySettings {
    /// The id of the KEK new data keys are wrapped under (default: the only one configured).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<String>,
    /// The KEKs: `[[keys.keks]] id = "2026a" file = "/etc/wangban/kek-2026a"`. With none
    /// configured and `demo` on, a KEK file is made in the data folder on first start.
    pub keks: Vec<KekSource>,
    /// How `wangban keys generate` writes a key.
    pub format: KeyFormat,
}

/// The id of the KEK made in the data folder when none is configured (demo only).
pub const LOCAL_KEK_ID: &str = "local";
/// Its file name in the data folder.
pub const LOCAL_KEK_FILE: &str = "kek-local.key";

impl KeySettings {
    /// The configured KEKs. With none configured: when `allow_local`, the KEK in
    /// `<data>/kek-local.key`, made (mode 0600) if missing — its path is returned in that case
    /// so the caller can log it; otherwise an error.
    pub fn keyring(
        &self,
        data: &Path,
        allow_local: bool,
    ) -> Result<(Keyring, Option<PathBuf>), CryptoError> {
        if self.keks.is_empty() {
            if !allow_local {
                return Err(CryptoError::NoActiveKek(
                    "no key-encryption key is configured ([keys] keks)".into(),
                ));
            }
            let path = data.join(LOCAL_KEK_FILE);
            let made = if path.exists() {
                None
            } else {
                write_key_file(&path, &KeyFormat::Hex.encode(&Secret::random()))?;
                Some(path.clone())
            };
            let text = read_key_file(&path)?;
            let key = parse_key(LOCAL_KEK_ID, &text)?;
            let ring = Keyring::new(LOCAL_KEK_ID, [(LOCAL_KEK_ID.to_owned(), key)])?;
            return Ok((ring, made));
        }
        let mut keks = Vec::new();
        for src in &self.keks {
            let text = match (&src.value, &src.file) {
                (Some(v), None) => v.clone(),
                (None, Some(path)) => read_key_file(path)?,
                _ => {
                    return Err(CryptoError::BadKey {
                        id: src.id.clone(),
                        reason: "give exactly one of value and file".into(),
                    });
                }
            };
            keks.push((src.id.clone(), parse_key(&src.id, &text)?));
        }
        let active = match (&self.active, keks.as_slice()) {
            (Some(a), _) => a.clone(),
            (None, [(only, _)]) => only.clone(),
            (None, _) => {
                return Err(CryptoError::NoActiveKek(
                    "several keys are configured: name the active one ([keys] active)".into(),
                ));
            }
        };
        Ok((Keyring::new(&active, keks)?, None))
    }
}

fn read_key_file(path: &Path) -> Result<String, CryptoError> {
    std::fs::read_to_string(path).map_err(|source| CryptoError::KeyFile {
        path: path.to_owned(),
        source,
    })
}

/// Writes a new key file readable and writable by its owner only; never overwrites one.
fn write_key_file(path: &Path, text: &str) -> Result<(), CryptoError> {
    use std::io::Write;
    let io = |source| CryptoError::KeyFile {
        path: path.to_owned(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)?;
    file.write_all(b"\n").map_err(io)?;
    file.sync_all().map_err(io)
}

/// The configured KEKs, one of them active.
pub struct Keyring {
    active: String,
    keks: BTreeMap<String, Secret<16>>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("active", &self.active)
            .field("ids", &self.keks.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// What a wrapped key is: a data key or the blind-index key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyPurpose {
    Data,
    Index,
}

impl KeyPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyPurpose::Data => "data",
            KeyPurpose::Index => "index",
        }
    }
}

fn wrap_aad(dek_id: &str, kek_id: &str) -> Vec<u8> {
    format!("wangban/dek/v1/{dek_id}/{kek_id}").into_bytes()
}

impl Keyring {
    /// A keyring whose active KEK is `active`, which must be among `keks`.
    pub fn new(
        active: &str,
        keks: impl IntoIterator<Item = (String, Secret<16>)>,
    ) -> Result<Keyring, CryptoError> {
        let keks: BTreeMap<_, _> = keks.into_iter().collect();
        if !keks.contains_key(active) {
            return Err(CryptoError::NoActiveKek(format!(
                "the active key {active:?} is not configured"
            )));
        }
        Ok(Keyring {
            active: active.to_owned(),
            keks,
        })
    }

    pub fn active_id(&self) -> &str {
        &self.active
    }

    pub fn has(&self, kek_id: &str) -> bool {
        self.keks.contains_key(kek_id)
    }

    /// A fresh random key id (16 hex digits).
    pub fn new_key_id() -> String {
        let mut id = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut id);
        hex::encode(id)
    }

    /// Wraps key bytes under the active KEK: `(kek id, nonce ‖ ciphertext ‖ tag)`.
    pub fn wrap(&self, dek_id: &str, key: &[u8]) -> (String, Vec<u8>) {
        let kek = &self.keks[&self.active];
        let wrapped = seal(kek.expose(), key, &wrap_aad(dek_id, &self.active));
        (self.active.clone(), wrapped)
    }

    /// Unwraps key bytes wrapped under `kek_id`.
    pub fn unwrap_key<const N: usize>(
        &self,
        dek_id: &str,
        kek_id: &str,
        wrapped: &[u8],
    ) -> Result<Secret<N>, CryptoError> {
        let kek = self
            .keks
            .get(kek_id)
            .ok_or_else(|| CryptoError::UnknownKeyId(kek_id.to_owned()))?;
        let wrong = || CryptoError::WrongKey {
            kek_id: kek_id.to_owned(),
            dek_id: dek_id.to_owned(),
        };
        let mut bytes = open(kek.expose(), wrapped, &wrap_aad(dek_id, kek_id)).ok_or_else(wrong)?;
        let key = Secret::from_slice(&bytes);
        bytes.zeroize();
        key.ok_or_else(wrong)
    }
}

/// A data key, unwrapped.
#[derive(Clone, Debug)]
pub struct DataKey {
    pub id: String,
    key: Secret<16>,
}

impl DataKey {
    pub fn new(id: String, key: Secret<16>) -> DataKey {
        DataKey { id, key }
    }
}

/// The blind-index key, unwrapped.
#[derive(Clone, Debug)]
pub struct IndexKey(Secret<32>);

impl IndexKey {
    pub fn new(key: Secret<32>) -> IndexKey {
        IndexKey(key)
    }

    /// `hex(HMAC-SM3(key, purpose ‖ 0x00 ‖ normalised value))`.
    pub fn blind_index(&self, purpose: &str, normalised: &str) -> String {
        let mut msg = Vec::with_capacity(purpose.len() + 1 + normalised.len());
        msg.extend_from_slice(purpose.as_bytes());
        msg.push(0);
        msg.extend_from_slice(normalised.as_bytes());
        let mac = hmac_sm3(self.0.expose(), &msg);
        msg.zeroize();
        hex::encode(mac)
    }
}

/// The binary envelope's version byte.
const BYTES_VERSION: u8 = 0xB1;

fn bytes_header(key_id: &str) -> Vec<u8> {
    let id = key_id.as_bytes();
    let len = u8::try_from(id.len()).expect("data key ids are short");
    let mut header = Vec::with_capacity(2 + id.len());
    header.push(BYTES_VERSION);
    header.push(len);
    header.extend_from_slice(id);
    header
}

fn bytes_aad(header: &[u8], aad: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(header.len() + aad.len());
    out.extend_from_slice(header);
    out.extend_from_slice(aad.as_bytes());
    out
}

/// Every data key, unwrapped, the active one to encrypt with, and the blind-index key: what a
/// process needs to read and write encrypted columns.
#[derive(Clone, Debug)]
pub struct Vault {
    active: String,
    keys: BTreeMap<String, DataKey>,
    index: IndexKey,
}

impl Vault {
    pub fn new(active: DataKey, others: Vec<DataKey>, index: IndexKey) -> Vault {
        let id = active.id.clone();
        let mut keys: BTreeMap<_, _> = others.into_iter().map(|k| (k.id.clone(), k)).collect();
        keys.insert(id.clone(), active);
        Vault {
            active: id,
            keys,
            index,
        }
    }

    pub fn active_id(&self) -> &str {
        &self.active
    }

    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Encrypts a value of `aad` (what it is: `table.column`) under the active data key, in
    /// the text form `wb1.<dek id>.<nonce>.<ciphertext‖tag>`.
    pub fn encrypt(&self, plaintext: &[u8], aad: &str) -> String {
        let key = &self.keys[&self.active];
        let sealed = seal(key.key.expose(), plaintext, aad.as_bytes());
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        format!(
            "{VERSION}.{}.{}.{}",
            key.id,
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(ct)
        )
    }

    /// Decrypts a value written by [`Vault::encrypt`] with the same `aad`.
    pub fn decrypt(&self, text: &str, aad: &str) -> Result<Vec<u8>, CryptoError> {
        let mut parts = text.split('.');
        let (Some(version), Some(dek), Some(nonce), Some(ct), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(CryptoError::Malformed("not four dot-separated parts"));
        };
        if version != VERSION {
            return Err(CryptoError::Malformed("unknown version"));
        }
        let key = self
            .keys
            .get(dek)
            .ok_or_else(|| CryptoError::UnknownKeyId(dek.to_owned()))?;
        let mut sealed = URL_SAFE_NO_PAD
            .decode(nonce)
            .map_err(|_| CryptoError::Malformed("nonce is not base64url"))?;
        if sealed.len() != NONCE_LEN {
            return Err(CryptoError::Malformed("nonce is not 12 bytes"));
        }
        sealed.extend(
            URL_SAFE_NO_PAD
                .decode(ct)
                .map_err(|_| CryptoError::Malformed("ciphertext is not base64url"))?,
        );
        open(key.key.expose(), &sealed, aad.as_bytes()).ok_or(CryptoError::Tampered)
    }

    /// Encrypts bytes (an uploaded file) under the active data key, in the binary envelope
    /// `version (1 byte) ‖ key-id length (1 byte) ‖ key id ‖ nonce (12) ‖ ciphertext‖tag (16)`.
    /// The associated data is the envelope's header followed by `aad` (what the bytes are and
    /// where they live), so neither the header nor the place can be changed unnoticed.
    pub fn encrypt_bytes(&self, plaintext: &[u8], aad: &str) -> Vec<u8> {
        let key = &self.keys[&self.active];
        let header = bytes_header(&key.id);
        let sealed = seal(key.key.expose(), plaintext, &bytes_aad(&header, aad));
        let mut out = header;
        out.extend_from_slice(&sealed);
        out
    }

    /// Decrypts an envelope written by [`Vault::encrypt_bytes`] with the same `aad`.
    pub fn decrypt_bytes(&self, envelope: &[u8], aad: &str) -> Result<Vec<u8>, CryptoError> {
        let (&version, rest) = envelope
            .split_first()
            .ok_or(CryptoError::Malformed("empty envelope"))?;
        if version != BYTES_VERSION {
            return Err(CryptoError::Malformed("unknown envelope version"));
        }
        let (&id_len, rest) = rest
            .split_first()
            .ok_or(CryptoError::Malformed("envelope too short"))?;
        let id_len = usize::from(id_len);
        if rest.len() < id_len + NONCE_LEN + TAG_LEN {
            return Err(CryptoError::Malformed("envelope too short"));
        }
        let (id, sealed) = rest.split_at(id_len);
        let id = std::str::from_utf8(id).map_err(|_| CryptoError::Malformed("key id"))?;
        let key = self
            .keys
            .get(id)
            .ok_or_else(|| CryptoError::UnknownKeyId(id.to_owned()))?;
        let header = &envelope[..2 + id_len];
        open(key.key.expose(), sealed, &bytes_aad(header, aad)).ok_or(CryptoError::Tampered)
    }

    /// Whether `bytes` start like an envelope of [`Vault::encrypt_bytes`] (a cheap test, not a
    /// proof: only [`Vault::decrypt_bytes`] tells).
    pub fn looks_sealed(bytes: &[u8]) -> bool {
        bytes.first() == Some(&BYTES_VERSION)
    }

    /// Decrypts to text.
    pub fn decrypt_str(&self, text: &str, aad: &str) -> Result<String, CryptoError> {
        String::from_utf8(self.decrypt(text, aad)?)
            .map_err(|_| CryptoError::Malformed("plaintext is not UTF-8"))
    }

    /// The blind index of a normalised value for `purpose` (e.g. `applicants.phone`).
    pub fn blind_index(&self, purpose: &str, normalised: &str) -> String {
        self.index.blind_index(purpose, normalised)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sm4::cipher::BlockEncrypt;

    fn vault() -> Vault {
        Vault::new(
            DataKey::new(Keyring::new_key_id(), Secret::random()),
            vec![],
            IndexKey::new(Secret::random()),
        )
    }

    #[test]
    fn sm3_abc_vector() {
        assert_eq!(
            hex::encode(sm3(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn sm4_single_block_vector() {
        let key = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
        let cipher = Sm4::new_from_slice(&key).unwrap();
        let mut block = sm4::cipher::Block::<Sm4>::clone_from_slice(&key);
        cipher.encrypt_block(&mut block);
        assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn hmac_sm3_is_keyed() {
        assert_eq!(hmac_sm3(b"k", b"m"), hmac_sm3(b"k", b"m"));
        assert_ne!(hmac_sm3(b"k", b"m"), hmac_sm3(b"l", b"m"));
        assert_ne!(hmac_sm3(b"k", b"m"), sm3(b"m"));
    }

    #[test]
    fn round_trip_and_format() {
        let v = vault();
        let ct = v.encrypt(b"13800138000", "applicants.phone");
        assert!(ct.starts_with(&format!("wb1.{}.", v.active_id())), "{ct}");
        assert!(!ct.contains("13800138000"));
        assert_eq!(
            v.decrypt_str(&ct, "applicants.phone").unwrap(),
            "13800138000"
        );
        // A fresh nonce each time.
        assert_ne!(ct, v.encrypt(b"13800138000", "applicants.phone"));
    }

    #[test]
    fn every_flipped_byte_is_refused() {
        let v = vault();
        let ct = v.encrypt(b"110105194912310029", "applicants.id_number");
        let bytes = ct.as_bytes();
        for i in 0..bytes.len() {
            let mut changed = bytes.to_vec();
            changed[i] = if changed[i] == b'A' { b'B' } else { b'A' };
            let Ok(changed) = String::from_utf8(changed) else {
                continue;
            };
            if changed == ct {
                continue;
            }
            assert!(
                v.decrypt(&changed, "applicants.id_number").is_err(),
                "byte {i} changed, still decrypts: {changed}"
            );
        }
        // Flipping bits in the raw sealed bytes, too.
        let sealed = seal(&[7; 16], b"secret", b"t.c");
        for i in 0..sealed.len() {
            let mut s = sealed.clone();
            s[i] ^= 0x01;
            assert!(open(&[7; 16], &s, b"t.c").is_none(), "byte {i}");
        }
        assert!(matches!(
            v.decrypt(&format!("{ct}x"), "applicants.id_number"),
            Err(CryptoError::Tampered | CryptoError::Malformed(_))
        ));
    }

    #[test]
    fn bytes_envelope_round_trip_and_refusals() {
        let v = vault();
        let image: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
        let env = v.encrypt_bytes(&image, "blob\0abc");
        assert!(Vault::looks_sealed(&env));
        // version, id length, the 16-hex-digit key id, nonce, ciphertext and tag: compact.
        assert_eq!(env.len(), 2 + 16 + NONCE_LEN + image.len() + TAG_LEN);
        assert_eq!(&env[2..18], v.active_id().as_bytes());
        assert!(!find(&env, &image[1000..1032]));
        assert_eq!(v.decrypt_bytes(&env, "blob\0abc").unwrap(), image);
        assert_ne!(env, v.encrypt_bytes(&image, "blob\0abc"), "a fresh nonce");
        // Another place, another header, flipped bytes, a cut-off end, another vault.
        assert!(matches!(
            v.decrypt_bytes(&env, "blob\0abd"),
            Err(CryptoError::Tampered)
        ));
        for i in [0, 1, 5, 20, 40, env.len() - 1] {
            let mut e = env.clone();
            e[i] ^= 0x01;
            assert!(v.decrypt_bytes(&e, "blob\0abc").is_err(), "byte {i}");
        }
        assert!(v.decrypt_bytes(&env[..env.len() - 1], "blob\0abc").is_err());
        assert!(matches!(
            v.decrypt_bytes(&env[..10], "blob\0abc"),
            Err(CryptoError::Malformed(_))
        ));
        assert!(matches!(
            vault().decrypt_bytes(&env, "blob\0abc"),
            Err(CryptoError::UnknownKeyId(_))
        ));
        assert!(v.decrypt_bytes(b"", "blob").is_err());
    }

    fn find(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn wrong_associated_data_is_refused() {
        let v = vault();
        let ct = v.encrypt(b"13800138000", "applicants.phone");
        assert!(matches!(
            v.decrypt(&ct, "applicants.id_number"),
            Err(CryptoError::Tampered)
        ));
    }

    #[test]
    fn unknown_data_key_is_its_own_error() {
        let ct = vault().encrypt(b"x", "t.c");
        assert!(matches!(
            vault().decrypt(&ct, "t.c"),
            Err(CryptoError::UnknownKeyId(_))
        ));
    }

    #[test]
    fn wrapped_keys_need_the_right_kek() {
        let a = Keyring::new("a", [("a".to_owned(), Secret::random())]).unwrap();
        let b_with_a_id = Keyring::new("a", [("a".to_owned(), Secret::random())]).unwrap();
        let dek = Secret::<16>::random();
        let (kek_id, wrapped) = a.wrap("d1", dek.expose());
        assert_eq!(kek_id, "a");
        let back: Secret<16> = a.unwrap_key("d1", "a", &wrapped).unwrap();
        assert_eq!(back.expose(), dek.expose());
        assert!(matches!(
            b_with_a_id.unwrap_key::<16>("d1", "a", &wrapped),
            Err(CryptoError::WrongKey { .. })
        ));
        // Bound to its row: another DEK id does not open it.
        assert!(matches!(
            a.unwrap_key::<16>("d2", "a", &wrapped),
            Err(CryptoError::WrongKey { .. })
        ));
        assert!(matches!(
            a.unwrap_key::<16>("d1", "z", &wrapped),
            Err(CryptoError::UnknownKeyId(id)) if id == "z"
        ));
    }

    #[test]
    fn blind_index_is_stable_and_keyed() {
        let v = vault();
        let a = v.blind_index("applicants.phone", "13800138000");
        assert_eq!(a, v.blind_index("applicants.phone", "13800138000"));
        assert_eq!(a.len(), 64);
        assert_ne!(a, v.blind_index("applicants.phone", "13800138001"));
        assert_ne!(a, v.blind_index("applicants.id_number", "13800138000"));
        assert_ne!(a, vault().blind_index("applicants.phone", "13800138000"));
    }

    #[test]
    fn debug_never_shows_key_bytes() {
        let key = Secret::<16>::from_bytes([0xab; 16]);
        let ring = Keyring::new("k", [("k".to_owned(), key.clone())]).unwrap();
        let dk = DataKey::new("d".into(), key.clone());
        let src = KekSource {
            id: "k".into(),
            value: Some(KeyFormat::Hex.encode(&key)),
            file: None,
        };
        for shown in [
            format!("{key:?}"),
            format!("{ring:?}"),
            format!("{dk:?}"),
            format!("{src:?}"),
        ] {
            assert!(!shown.contains("abab"), "{shown}");
            assert!(!shown.contains("171,"), "{shown}");
        }
    }

    #[test]
    fn keys_parse_from_hex_and_base64() {
        let key = Secret::<16>::random();
        for format in [KeyFormat::Hex, KeyFormat::Base64] {
            let text = format.encode(&key);
            let back = parse_key("k", &format!(" {text}\n")).unwrap();
            assert_eq!(back.expose(), key.expose());
        }
        assert!(matches!(
            parse_key("k", "abcd"),
            Err(CryptoError::BadKey { .. })
        ));
    }

    #[test]
    fn local_kek_file_is_made_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let settings = KeySettings::default();
        assert!(settings.keyring(dir.path(), false).is_err());
        let (ring, made) = settings.keyring(dir.path(), true).unwrap();
        assert_eq!(
            made.as_deref(),
            Some(dir.path().join(LOCAL_KEK_FILE).as_path())
        );
        assert_eq!(ring.active_id(), LOCAL_KEK_ID);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(made.unwrap())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (again, made) = settings.keyring(dir.path(), true).unwrap();
        assert!(made.is_none());
        let (kek, wrapped) = ring.wrap("d", &[1; 16]);
        assert!(again.unwrap_key::<16>("d", &kek, &wrapped).is_ok());
    }

    #[test]
    fn several_keks_need_a_named_active_one() {
        let k = |id: &str| KekSource {
            id: id.into(),
            value: Some(KeyFormat::Hex.encode(&Secret::random())),
            file: None,
        };
        let mut s = KeySettings {
            keks: vec![k("old"), k("new")],
            ..KeySettings::default()
        };
        assert!(matches!(
            s.keyring(Path::new("."), false),
            Err(CryptoError::NoActiveKek(_))
        ));
        s.active = Some("gone".into());
        assert!(matches!(
            s.keyring(Path::new("."), false),
            Err(CryptoError::NoActiveKek(_))
        ));
        s.active = Some("new".into());
        let (ring, _) = s.keyring(Path::new("."), false).unwrap();
        assert!(ring.has("old") && ring.active_id() == "new");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn round_trip_for_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            let v = vault();
            let ct = v.encrypt(&data, "t.c");
            prop_assert_eq!(v.decrypt(&ct, "t.c").unwrap(), data);
        }
    }
}
