//! Blob storage for uploaded files, through the `object_store` crate: a local directory by
//! default, an S3-compatible bucket in production (`[storage]`, [`StorageSettings`]).
//!
//! - **Sealed.** A file is encrypted with the store's [`Vault`] (SM4-GCM, the binary envelope
//!   of [`Vault::encrypt_bytes`], key id inside) before it is written and opened after it is
//!   read, so neither the directory nor the bucket holds an image in clear. The associated data
//!   is `blob`, NUL, the object's name: an object copied over another does not open.
//! - **Named without revealing content.** An object's name is the blind index (HMAC-SM3 under
//!   the index key, purpose `blob`) of the file's SHA-256 in hex: the same file uploaded twice
//!   is stored once, and someone who can list the bucket cannot confirm that it holds a known
//!   image (a plain SHA-256 would let them). `uploads.blob_key` (and `normalised_key`,
//!   `overlay_key`) hold these names.
//! - **Atomic.** Objects live at `<prefix>/<first 2 characters>/<name>`; `object_store`'s put
//!   writes a temporary file and renames it on disk, and is one PUT on S3, so a crash never
//!   leaves half a file under a name.
//!
//! Files written by earlier versions (plain, named by their SHA-256, in `<data>/uploads`) are
//! sealed once at start by [`Store::seal_legacy_blobs`], which renames them in `uploads` too.

use std::fmt;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::crypto::{CryptoError, Vault};
use crate::{Result, Store};

/// The blind-index purpose of object names, and the first part of their associated data.
const PURPOSE: &str = "blob";
/// The settings row that records the one-time sealing of legacy files.
const LEGACY_DONE: &str = "blobs.legacy_sealed";

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("no blob {0}")]
    NotFound(String),
    #[error("bad blob key {0:?}")]
    BadKey(String),
    /// The object storage refused or failed a request.
    #[error("object storage: {0}")]
    Backend(#[from] object_store::Error),
    /// The bucket (or directory) did not answer the start-up check.
    #[error("cannot reach {place}: {source}")]
    Unreachable {
        place: String,
        source: object_store::Error,
    },
    /// A stored object did not open (another key, altered, or moved from another name).
    #[error("stored object {name}: {source}")]
    Sealed { name: String, source: CryptoError },
    /// `[storage]` is incomplete (an S3 store without a bucket, an unknown kind).
    #[error("[storage]: {0}")]
    Settings(String),
    #[error("blob storage: {0}")]
    Io(#[from] std::io::Error),
}

impl BlobError {
    /// What went wrong, without the place (for a message that names the place itself).
    pub fn reason(&self) -> String {
        match self {
            BlobError::Unreachable { source, .. } => source.to_string(),
            other => other.to_string(),
        }
    }
}

/// Where uploaded files are kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    /// A directory on this machine (one node).
    #[default]
    Local,
    /// An S3-compatible bucket (many nodes).
    S3,
}

/// `[storage]`: where uploaded files are kept. The secret is never shown by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageSettings {
    /// `local` (default) or `s3`.
    pub kind: StorageKind,
    /// `local`: the directory (default `<data>/uploads`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<PathBuf>,
    /// `s3`: the endpoint, e.g. `https://oss-cn-shanghai.aliyuncs.com` or
    /// `http://127.0.0.1:9000` (empty: AWS S3 in `region`).
    pub endpoint: String,
    /// `s3`: the bucket.
    pub bucket: String,
    /// `s3`: the region (signing needs one even when the endpoint ignores it).
    pub region: String,
    /// `s3`: the access key id (empty: no static credentials).
    pub access_key_id: String,
    /// `s3`: the secret access key; give it in the environment
    /// (`WANGBAN_STORAGE__SECRET_ACCESS_KEY`), not in a file others can read.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub secret_access_key: String,
    /// `s3`: allow an `http://` endpoint (a test server, a store on the same host).
    pub allow_http: bool,
    /// `s3`: the folder inside the bucket (empty: its top).
    pub prefix: String,
}

impl Default for StorageSettings {
    fn default() -> StorageSettings {
        StorageSettings {
            kind: StorageKind::Local,
            dir: None,
            endpoint: String::new(),
            bucket: String::new(),
            region: "us-east-1".into(),
            access_key_id: String::new(),
            secret_access_key: String::new(),
            allow_http: false,
            prefix: String::new(),
        }
    }
}

impl fmt::Debug for StorageSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret = if self.secret_access_key.is_empty() {
            ""
        } else {
            "redacted"
        };
        f.debug_struct("StorageSettings")
            .field("kind", &self.kind)
            .field("dir", &self.dir)
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &secret)
            .field("allow_http", &self.allow_http)
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl StorageSettings {
    /// The local directory: `dir`, or `<data>/uploads`.
    pub fn local_dir(&self, data: &FsPath) -> PathBuf {
        self.dir.clone().unwrap_or_else(|| data.join("uploads"))
    }

    /// The endpoint as messages name it (AWS's when none is configured).
    pub fn endpoint_shown(&self) -> String {
        if self.endpoint.is_empty() {
            format!("https://s3.{}.amazonaws.com", self.region)
        } else {
            self.endpoint.clone()
        }
    }

    /// Where the files are, for messages and logs (never a credential).
    pub fn place(&self, data: &FsPath) -> String {
        match self.kind {
            StorageKind::Local => format!("directory {}", self.local_dir(data).display()),
            StorageKind::S3 => format!(
                "bucket {:?} at {}{}",
                self.bucket,
                self.endpoint_shown(),
                if self.prefix.is_empty() {
                    String::new()
                } else {
                    format!(" (prefix {:?})", self.prefix)
                }
            ),
        }
    }
}

/// The name of the object holding a file: the blind index of its SHA-256.
fn object_name(vault: &Vault, bytes: &[u8]) -> String {
    vault.blind_index(PURPOSE, &hex::encode(Sha256::digest(bytes)))
}

fn is_name(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn aad(name: &str) -> String {
    format!("{PURPOSE}\0{name}")
}

/// Sealed, content-named blob storage over any [`ObjectStore`].
#[derive(Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    vault: Arc<Vault>,
    place: String,
}

impl fmt::Debug for Blobs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blobs").field("place", &self.place).finish()
    }
}

impl Blobs {
    /// The storage `settings` name (a local directory under `data` by default), sealing with
    /// `vault`. Makes the local directory; contacts nothing (see [`Blobs::check`]).
    pub fn open(
        settings: &StorageSettings,
        data: &FsPath,
        vault: Arc<Vault>,
    ) -> Result<Blobs, BlobError> {
        let place = settings.place(data);
        match settings.kind {
            StorageKind::Local => {
                let dir = settings.local_dir(data);
                std::fs::create_dir_all(&dir)?;
                // fsync each file and its folder: an upload acknowledged is on the disk.
                let store = LocalFileSystem::new_with_prefix(&dir)?.with_fsync(true);
                Ok(Blobs::new(Arc::new(store), "", vault, place))
            }
            StorageKind::S3 => {
                if settings.bucket.is_empty() {
                    return Err(BlobError::Settings("kind = \"s3\" needs a bucket".into()));
                }
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(&settings.bucket)
                    .with_region(&settings.region)
                    .with_allow_http(settings.allow_http)
                    .with_client_options(
                        ClientOptions::new()
                            .with_allow_http(settings.allow_http)
                            .with_connect_timeout(Duration::from_secs(5))
                            .with_timeout(Duration::from_secs(60)),
                    )
                    // A few quick retries: a request fails within seconds rather than minutes
                    // (the start-up check especially).
                    .with_retry(RetryConfig {
                        backoff: BackoffConfig::default(),
                        max_retries: 3,
                        retry_timeout: Duration::from_secs(20),
                    });
                if !settings.endpoint.is_empty() {
                    builder = builder.with_endpoint(&settings.endpoint);
                }
                if !settings.access_key_id.is_empty() {
                    builder = builder
                        .with_access_key_id(&settings.access_key_id)
                        .with_secret_access_key(&settings.secret_access_key);
                }
                let store = builder.build()?;
                Ok(Blobs::new(Arc::new(store), &settings.prefix, vault, place))
            }
        }
    }

    /// Blobs in `store` under `prefix` (tests; a store built elsewhere).
    pub fn new(
        store: Arc<dyn ObjectStore>,
        prefix: &str,
        vault: Arc<Vault>,
        place: impl Into<String>,
    ) -> Blobs {
        Blobs {
            store,
            prefix: Path::from(prefix),
            vault,
            place: place.into(),
        }
    }

    /// Where the files are (for messages).
    pub fn place(&self) -> &str {
        &self.place
    }

    /// The name a file is stored under (without storing it).
    pub fn name_of(&self, bytes: &[u8]) -> String {
        object_name(&self.vault, bytes)
    }

    /// The object's path: `<prefix>/<2 chars>/<name>`.
    fn path(&self, name: &str) -> Result<Path, BlobError> {
        if !is_name(name) {
            return Err(BlobError::BadKey(name.to_owned()));
        }
        Ok(self.prefix.clone().join(&name[..2]).join(name))
    }

    /// Answers whether the storage can be used: lists the prefix (one request). Fails with
    /// [`BlobError::Unreachable`] naming the place (a missing bucket, refused credentials, no
    /// answer).
    pub async fn check(&self) -> Result<(), BlobError> {
        let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
        self.store
            .list_with_delimiter(prefix)
            .await
            .map_err(|source| BlobError::Unreachable {
                place: self.place.clone(),
                source,
            })?;
        Ok(())
    }

    /// Stores `bytes` sealed and returns the object's name (a file stored before is not
    /// written again).
    pub async fn put(&self, bytes: &[u8]) -> Result<String, BlobError> {
        let name = self.name_of(bytes);
        if self.exists(&name).await? {
            return Ok(name);
        }
        let sealed = self.vault.encrypt_bytes(bytes, &aad(&name));
        self.store
            .put(&self.path(&name)?, PutPayload::from(sealed))
            .await?;
        Ok(name)
    }

    /// Whether an object with this name exists.
    pub async fn exists(&self, name: &str) -> Result<bool, BlobError> {
        match self.store.head(&self.path(name)?).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The file stored under `name`, opened.
    pub async fn get(&self, name: &str) -> Result<Vec<u8>, BlobError> {
        let sealed = self.get_raw(name).await?;
        self.vault
            .decrypt_bytes(&sealed, &aad(name))
            .map_err(|source| BlobError::Sealed {
                name: name.to_owned(),
                source,
            })
    }

    /// The object's bytes as stored (sealed): for tests that look for clear content.
    pub async fn get_raw(&self, name: &str) -> Result<Vec<u8>, BlobError> {
        match self.store.get(&self.path(name)?).await {
            Ok(r) => Ok(r.bytes().await?.to_vec()),
            Err(object_store::Error::NotFound { .. }) => Err(BlobError::NotFound(name.to_owned())),
            Err(e) => Err(e.into()),
        }
    }
}

/// What [`Store::seal_legacy_blobs`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LegacyCounts {
    /// Plain files sealed into the blob store (and removed).
    pub sealed: u64,
    /// Upload rows whose keys were renamed.
    pub rows: u64,
}

impl Store {
    /// Seals, once, the plain files an earlier version wrote to `dir` (`<2 hex>/<SHA-256>`):
    /// each is written sealed to `blobs` under its new name, the `uploads` rows naming it are
    /// renamed, and the plain file is removed. A settings row records that the pass ran, so
    /// later starts skip it. Safe to interrupt: a plain file is removed only after its sealed
    /// copy is written and the rows renamed, and a file is recognised as plain by its content
    /// hashing to its name, so a second run finds what the first left.
    pub async fn seal_legacy_blobs(
        &self,
        blobs: &Blobs,
        dir: &FsPath,
        now: crate::Timestamp,
    ) -> Result<LegacyCounts> {
        let mut counts = LegacyCounts::default();
        if self.setting(LEGACY_DONE).await?.is_some() {
            return Ok(counts);
        }
        for path in legacy_files(dir)? {
            let bytes = std::fs::read(&path).map_err(BlobError::from)?;
            let Some(old) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if hex::encode(Sha256::digest(&bytes)) != old {
                continue; // a sealed object (or not ours): left alone
            }
            let new = blobs.put(&bytes).await?;
            counts.rows += self.rename_blob(old, &new).await?;
            std::fs::remove_file(&path).map_err(BlobError::from)?;
            counts.sealed += 1;
        }
        self.set_setting(LEGACY_DONE, &now.to_rfc3339()).await?;
        Ok(counts)
    }
}

/// The files `<dir>/<2 hex>/<64 hex>` (what earlier versions wrote), in name order.
fn legacy_files(dir: &FsPath) -> Result<Vec<PathBuf>, BlobError> {
    let mut out = Vec::new();
    let shards = match std::fs::read_dir(dir) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e.into()),
    };
    for shard in shards {
        let shard = shard?;
        let shard_name = shard.file_name();
        let Some(shard_name) = shard_name.to_str() else {
            continue;
        };
        if shard_name.len() != 2 || !shard.file_type()?.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(shard.path())? {
            let file = file?;
            let name = file.file_name();
            if name
                .to_str()
                .is_some_and(|n| is_name(n) && n.starts_with(shard_name))
                && file.file_type()?.is_file()
            {
                out.push(file.path());
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests;
