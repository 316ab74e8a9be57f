//! The wrapped data keys in `data_keys` (see [`crate::crypto`] for the key hierarchy): loading
//! them all unwrapped (creating the active data key and the blind-index key on first use) and
//! re-wrapping them under a new key-encryption key.

use crate::db::{Tx, query};

use crate::crypto::{DataKey, IndexKey, KeyPurpose, Keyring, Secret, Vault};
use crate::{Result, Store, StoreError, Timestamp};

/// What [`Store::rewrap_data_keys`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rewrapped {
    /// Keys that were wrapped under another KEK and now are under the active one.
    pub rewrapped: u64,
    /// Keys already wrapped under the active KEK (checked to open, left as they were).
    pub unchanged: u64,
}

struct KeyRow {
    id: String,
    purpose: String,
    kek_id: String,
    wrapped: Vec<u8>,
    retired: bool,
}

impl Store {
    async fn key_rows(&self, conn: &mut Tx) -> Result<Vec<KeyRow>> {
        let rows = query(
            "SELECT id, purpose, kek_id, wrapped, retired_at IS NOT NULL
             FROM data_keys ORDER BY created_at, id",
        )
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| KeyRow {
                id: r.get(0),
                purpose: r.get(1),
                kek_id: r.get(2),
                wrapped: r.get(3),
                retired: r.get(4),
            })
            .collect())
    }

    /// Every data key unwrapped with `ring`, and the blind-index key; the active data key and
    /// the index key are made (and stored wrapped under the active KEK) on first use. Fails
    /// when a key is wrapped under a KEK that `ring` lacks ([`crate::crypto::CryptoError::UnknownKeyId`])
    /// or that does not open it (`WrongKey`).
    pub async fn load_vault(&self, ring: &Keyring, now: Timestamp) -> Result<Vault> {
        match self.load_vault_once(ring, now).await {
            // Another node made the first keys at the same moment (PostgreSQL, several nodes
            // starting together): theirs are now the keys.
            Err(StoreError::Duplicate(_)) => self.load_vault_once(ring, now).await,
            other => other,
        }
    }

    async fn load_vault_once(&self, ring: &Keyring, now: Timestamp) -> Result<Vault> {
        let mut tx = self.pool.begin().await?;
        let rows = self.key_rows(&mut tx).await?;
        let mut active = None;
        let mut others = Vec::new();
        let mut index = None;
        for row in &rows {
            if row.purpose == KeyPurpose::Index.as_str() {
                if !row.retired {
                    let key: Secret<32> = ring.unwrap_key(&row.id, &row.kek_id, &row.wrapped)?;
                    index = Some(IndexKey::new(key));
                }
                continue;
            }
            let key: Secret<16> = ring.unwrap_key(&row.id, &row.kek_id, &row.wrapped)?;
            let key = DataKey::new(row.id.clone(), key);
            if row.retired {
                others.push(key);
            } else {
                active = Some(key);
            }
        }
        let active = match active {
            Some(k) => k,
            None => {
                let id = Keyring::new_key_id();
                let key = Secret::<16>::random();
                insert_key(&mut tx, ring, &id, KeyPurpose::Data, key.expose(), now).await?;
                DataKey::new(id, key)
            }
        };
        let index = match index {
            Some(k) => k,
            None => {
                let id = Keyring::new_key_id();
                let key = Secret::<32>::random();
                insert_key(&mut tx, ring, &id, KeyPurpose::Index, key.expose(), now).await?;
                IndexKey::new(key)
            }
        };
        tx.commit().await?;
        Ok(Vault::new(active, others, index))
    }

    /// Re-wraps every stored key under `ring`'s active KEK, in one transaction: all or
    /// nothing. Fails, changing nothing, when a key is wrapped under a KEK `ring` lacks.
    /// Running it again changes nothing (every key is then `unchanged`).
    pub async fn rewrap_data_keys(&self, ring: &Keyring) -> Result<Rewrapped> {
        let mut tx = self.pool.begin().await?;
        let rows = self.key_rows(&mut tx).await?;
        let mut done = Rewrapped::default();
        for row in rows {
            // Opening checks the key, also under the active KEK.
            let bytes: Vec<u8> = if row.purpose == KeyPurpose::Index.as_str() {
                let k: Secret<32> = ring.unwrap_key(&row.id, &row.kek_id, &row.wrapped)?;
                k.expose().to_vec()
            } else {
                let k: Secret<16> = ring.unwrap_key(&row.id, &row.kek_id, &row.wrapped)?;
                k.expose().to_vec()
            };
            let bytes = zeroize::Zeroizing::new(bytes);
            if row.kek_id == ring.active_id() {
                done.unchanged += 1;
                continue;
            }
            let (kek_id, wrapped) = ring.wrap(&row.id, &bytes);
            let changed = query(
                "UPDATE data_keys SET kek_id = $1, wrapped = $2 WHERE id = $3 AND kek_id = $4",
            )
            .bind(&kek_id)
            .bind(&wrapped)
            .bind(&row.id)
            .bind(&row.kek_id)
            .execute(&mut tx)
            .await?
            .rows_affected();
            if changed != 1 {
                return Err(StoreError::Conflict);
            }
            done.rewrapped += 1;
        }
        tx.commit().await?;
        Ok(done)
    }
}

async fn insert_key(
    tx: &mut Tx,
    ring: &Keyring,
    id: &str,
    purpose: KeyPurpose,
    key: &[u8],
    now: Timestamp,
) -> Result<()> {
    let (kek_id, wrapped) = ring.wrap(id, key);
    query(
        "INSERT INTO data_keys (id, purpose, kek_id, wrapped, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(purpose.as_str())
    .bind(kek_id)
    .bind(wrapped)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(crate::unique("data key"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use crate::crypto::{CryptoError, Keyring, Secret};
    use crate::{Rewrapped, Store, StoreError};

    fn ring(active: &str, keks: &[(&str, &Secret<16>)]) -> Keyring {
        Keyring::new(
            active,
            keks.iter().map(|(id, k)| (id.to_string(), (*k).clone())),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn the_active_key_is_made_once_and_reads_back() {
        let store = Store::open_memory().await.unwrap();
        let old = Secret::random();
        let r = ring("old", &[("old", &old)]);
        let v1 = store.load_vault(&r, Utc::now()).await.unwrap();
        let ct = v1.encrypt(b"13800138000", "applicants.phone");
        let v2 = store.load_vault(&r, Utc::now()).await.unwrap();
        assert_eq!(v1.active_id(), v2.active_id());
        assert_eq!(
            v2.decrypt_str(&ct, "applicants.phone").unwrap(),
            "13800138000"
        );
        assert_eq!(
            v1.blind_index("applicants.phone", "13800138000"),
            v2.blind_index("applicants.phone", "13800138000")
        );
    }

    #[tokio::test]
    async fn rotation_moves_every_key_to_the_new_kek_in_one_go() {
        let store = Store::open_memory().await.unwrap();
        let (old, new) = (Secret::random(), Secret::random());
        let v = store
            .load_vault(&ring("old", &[("old", &old)]), Utc::now())
            .await
            .unwrap();
        let ct = v.encrypt(b"110105194912310029", "applicants.id_number");
        let index = v.blind_index("applicants.id_number", "110105194912310029");

        // The new KEK alone cannot rotate: the old one is needed to unwrap. Nothing changes.
        let err = store
            .rewrap_data_keys(&ring("new", &[("new", &new)]))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Crypto(CryptoError::UnknownKeyId(id)) if id == "old"));
        assert!(
            store
                .load_vault(&ring("old", &[("old", &old)]), Utc::now())
                .await
                .is_ok()
        );

        let both = ring("new", &[("old", &old), ("new", &new)]);
        let done = store.rewrap_data_keys(&both).await.unwrap();
        assert_eq!(
            done,
            Rewrapped {
                rewrapped: 2,
                unchanged: 0
            }
        );
        // Idempotent.
        let again = store.rewrap_data_keys(&both).await.unwrap();
        assert_eq!(
            again,
            Rewrapped {
                rewrapped: 0,
                unchanged: 2
            }
        );

        // The new KEK alone reads the data, with the same blind index.
        let v = store
            .load_vault(&ring("new", &[("new", &new)]), Utc::now())
            .await
            .unwrap();
        assert_eq!(
            v.decrypt_str(&ct, "applicants.id_number").unwrap(),
            "110105194912310029"
        );
        assert_eq!(
            v.blind_index("applicants.id_number", "110105194912310029"),
            index
        );
        // The old one alone does not.
        let err = store
            .load_vault(&ring("old", &[("old", &old)]), Utc::now())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Crypto(CryptoError::UnknownKeyId(id)) if id == "new"));
        // A different key under the same id is a wrong key.
        let err = store
            .load_vault(&ring("new", &[("new", &Secret::random())]), Utc::now())
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            StoreError::Crypto(CryptoError::WrongKey { .. })
        ));
    }
}
