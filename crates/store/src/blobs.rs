//! Blob storage for uploaded files: content-addressed, written atomically.
//!
//! A blob's key is the SHA-256 of its bytes, so the same file uploaded twice is stored once and
//! a key can never point at changed content. Files live under `<root>/<2 hex>/<64 hex>`, written
//! to a temporary name and renamed into place, so a crash never leaves half a file under a key.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("no blob {0}")]
    NotFound(String),
    #[error("bad blob key {0:?}")]
    BadKey(String),
    #[error("blob storage: {0}")]
    Io(#[from] std::io::Error),
}

/// Local-directory blob storage.
#[derive(Clone, Debug)]
pub struct LocalBlobs {
    root: PathBuf,
}

/// The SHA-256 of `bytes` in lowercase hex: the blob's key.
pub fn blob_key(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl LocalBlobs {
    pub fn new(root: impl Into<PathBuf>) -> LocalBlobs {
        LocalBlobs { root: root.into() }
    }

    fn path(&self, key: &str) -> Result<PathBuf, BlobError> {
        if key.len() != 64
            || !key
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        {
            return Err(BlobError::BadKey(key.to_owned()));
        }
        Ok(self.root.join(&key[..2]).join(key))
    }

    /// Stores `bytes` and returns their key.
    pub async fn put(&self, bytes: &[u8]) -> Result<String, BlobError> {
        let key = blob_key(bytes);
        let path = self.path(&key)?;
        if tokio::fs::try_exists(&path).await? {
            return Ok(key);
        }
        let dir = path.parent().expect("blob paths have a parent");
        tokio::fs::create_dir_all(dir).await?;
        let tmp = dir.join(format!(".{key}.{}.tmp", rand::random::<u64>()));
        tokio::fs::write(&tmp, bytes).await?;
        let file = tokio::fs::File::open(&tmp).await?;
        file.sync_all().await?;
        tokio::fs::rename(&tmp, &path).await?;
        Ok(key)
    }

    pub async fn get(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(BlobError::NotFound(key.to_owned()))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stores_by_content_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = LocalBlobs::new(dir.path());
        let key = blobs.put(b"hello").await.unwrap();
        assert_eq!(key, blob_key(b"hello"));
        assert_eq!(blobs.put(b"hello").await.unwrap(), key);
        assert_eq!(blobs.get(&key).await.unwrap(), b"hello");
        let missing = blob_key(b"other");
        assert!(matches!(
            blobs.get(&missing).await,
            Err(BlobError::NotFound(_))
        ));
        assert!(matches!(
            blobs.get("../../etc/passwd").await,
            Err(BlobError::BadKey(_))
        ));
        // No temporary files are left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path().join(&key[..2]))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1);
    }
}
