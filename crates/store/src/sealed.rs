//! Personal data sealed in its columns: which columns, how a value is bound to its place, the
//! blind indexes, and the one-time pass that seals values written before encryption existed.
//!
//! A [`Store`] opened by [`Store::open_sqlite`] is *locked*: it migrates, backs up and verifies
//! the audit chain, but every method that reads or writes personal data fails with
//! [`StoreError::Locked`]. [`Store::unlock`] opens the data keys under the configured KEKs
//! (see [`crate::crypto`]), keeps the [`Vault`] inside the store, and seals any clear value
//! left from before migration 0005. Callers then pass and receive plain values: the store
//! seals on write and opens on read.
//!
//! # What is sealed (SM4-GCM, `wb1.<dek>.<nonce>.<ct>`)
//! | column | holds |
//! |---|---|
//! | `applicants.phone`, `.name`, `.id_number` | the resident's mobile number, name, ID number |
//! | `applications.form` | the answers (pinyin names, contact phone, postal address) |
//! | `application_actions.action` | the log: officers' free-text notes, new document and tracking numbers |
//! | `jobs.payload`, `jobs.last_error` | SMS recipients, order references; errors that may quote them |
//! | `idempotency_keys.body` | a stored answer (an application's view) |
//! | `uploads.judgement_requested` | the resident's free-text explanation |
//!
//! Left clear, on purpose: what queues filter and sort on (`kind`, `reason`, `state`,
//! `hukou_district`, `due_at`), ids, timestamps, hashes, payments (order numbers and amounts:
//! no personal data), uploads' check reports and blob keys (the files themselves are the blob
//! store's), and `audit_log.detail`: it holds no personal data (application numbers, slots,
//! order numbers, an ID number only masked as `3101**********0226`), and staying clear keeps
//! the SM3 chain checkable without keys (`wangban audit verify`) and the log append-only (a
//! sealing pass would have to rewrite history).
//!
//! # Associated data: a value is bound to its column *and row*
//! The associated data of a sealed value is `table.column`, a NUL byte, and the row's key
//! (its parts NUL-separated): `applicants.phone\0<id>`, `application_actions.action\0<app id>\0<seq>`,
//! `idempotency_keys.body\0<scope>\0<key>`, `uploads.judgement_requested\0<app id>\0<slot>`.
//! A ciphertext copied into another column, or into the same column of another row, does not
//! open ([`crate::crypto::CryptoError::Tampered`]). Rows whose id the database assigns are
//! inserted with a placeholder and sealed by an update in the same transaction.
//!
//! # Blind indexes (HMAC-SM3 under the index key)
//! `applicants.phone_index` (unique; the login lookup) over the number as given (11 digits),
//! `applicants.id_number_index` over the ID number upper-cased, `otp_codes.phone_index` (the
//! same value as the applicant's), and rate-limit keys `rate_events.key` = `<scope>:<index of
//! scope:subject>` (the subject is a phone number or a client address).

use std::sync::Arc;

use crate::db::query;

use crate::crypto::{Keyring, Vault};
use crate::{Result, Store, StoreError, Timestamp};

/// The sealed columns (the first part of their associated data).
pub(crate) mod col {
    pub const APPLICANT_PHONE: &str = "applicants.phone";
    pub const APPLICANT_NAME: &str = "applicants.name";
    pub const APPLICANT_ID_NUMBER: &str = "applicants.id_number";
    pub const FORM: &str = "applications.form";
    pub const ACTION: &str = "application_actions.action";
    pub const JOB_PAYLOAD: &str = "jobs.payload";
    pub const JOB_ERROR: &str = "jobs.last_error";
    pub const ANSWER_BODY: &str = "idempotency_keys.body";
    pub const JUDGEMENT: &str = "uploads.judgement_requested";
}

/// Blind-index purposes.
mod purpose {
    pub const PHONE: &str = "applicants.phone";
    pub const ID_NUMBER: &str = "applicants.id_number";
    pub const RATE: &str = "rate_events.key";
}

/// Whether a stored text is a sealed value (rather than a clear one from before 0005).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with("wb1.")
}

/// The associated data of a value: its column, then its row's key.
fn aad(column: &str, row: &[&str]) -> String {
    let mut s = String::from(column);
    for part in row {
        s.push('\0');
        s.push_str(part);
    }
    s
}

/// How many clear values [`Store::unlock`] sealed (all zero once done).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SealedCounts {
    pub applicants: u64,
    pub applications: u64,
    pub actions: u64,
    pub jobs: u64,
    pub answers: u64,
    pub uploads: u64,
    pub rate_keys: u64,
}

impl SealedCounts {
    pub fn total(&self) -> u64 {
        self.applicants
            + self.applications
            + self.actions
            + self.jobs
            + self.answers
            + self.uploads
            + self.rate_keys
    }
}

impl Store {
    /// Opens the data keys under `ring` (making the first ones, see [`Store::load_vault`]),
    /// keeps them in the store, and seals every clear value left from before migration 0005
    /// (idempotent: a second unlock seals nothing). Fails when a key does not open.
    pub async fn unlock(self, ring: &Keyring, now: Timestamp) -> Result<Store> {
        let vault = self.load_vault(ring, now).await?;
        let store = self.with_vault(Arc::new(vault));
        let sealed = store.seal_clear_rows().await?;
        if sealed.total() > 0 {
            tracing::info!(
                applicants = sealed.applicants,
                applications = sealed.applications,
                actions = sealed.actions,
                jobs = sealed.jobs,
                answers = sealed.answers,
                uploads = sealed.uploads,
                rate_keys = sealed.rate_keys,
                "personal data sealed (migration 0005)"
            );
        }
        let events = store.fill_missing_events().await?;
        if events > 0 {
            tracing::info!(
                actions = events,
                "log rows given their event code (migration 0007)"
            );
        }
        Ok(store)
    }

    /// The store with this vault (tests; a vault loaded elsewhere). Does not seal old rows.
    pub fn with_vault(self, vault: Arc<Vault>) -> Store {
        Store {
            vault: Some(vault),
            ..self
        }
    }

    /// The vault of an unlocked store (the server's other encrypted data use it too).
    pub fn vault(&self) -> Result<&Arc<Vault>> {
        self.vault.as_ref().ok_or(StoreError::Locked)
    }

    /// Seals `clear` as the value of `column` in the row keyed by `row`.
    pub(crate) fn seal(&self, column: &str, row: &[&str], clear: &str) -> Result<String> {
        Ok(self.vault()?.encrypt(clear.as_bytes(), &aad(column, row)))
    }

    /// Opens a value sealed by [`Store::seal`] with the same column and row. A clear value
    /// where a sealed one belongs is refused, never passed through.
    pub(crate) fn unseal(&self, column: &str, row: &[&str], stored: &str) -> Result<String> {
        Ok(self.vault()?.decrypt_str(stored, &aad(column, row))?)
    }

    pub(crate) fn open_opt(
        &self,
        column: &str,
        row: &[&str],
        stored: Option<String>,
    ) -> Result<Option<String>> {
        stored.map(|s| self.unseal(column, row, &s)).transpose()
    }

    pub(crate) fn seal_opt(
        &self,
        column: &str,
        row: &[&str],
        clear: Option<&str>,
    ) -> Result<Option<String>> {
        clear.map(|c| self.seal(column, row, c)).transpose()
    }

    /// The blind index of a mobile number (the login lookup, the OTP key).
    pub(crate) fn phone_index(&self, phone: &str) -> Result<String> {
        Ok(self.vault()?.blind_index(purpose::PHONE, phone.trim()))
    }

    /// The blind index of an ID number (its final `x` upper-cased).
    pub(crate) fn id_number_index(&self, id_number: &str) -> Result<String> {
        Ok(self
            .vault()?
            .blind_index(purpose::ID_NUMBER, &id_number.trim().to_ascii_uppercase()))
    }

    /// The stored rate-limit key of a subject (a phone number, an address) in a scope.
    pub(crate) fn rate_key(&self, scope: &str, subject: &str) -> Result<String> {
        let index = self
            .vault()?
            .blind_index(purpose::RATE, &format!("{scope}:{subject}"));
        Ok(format!("{scope}:{index}"))
    }

    /// The applicants with this ID number (through its blind index), oldest first.
    pub async fn applicants_with_id_number(
        &self,
        id_number: &str,
    ) -> Result<Vec<crate::ApplicantId>> {
        let index = self.id_number_index(id_number)?;
        let rows = query("SELECT id FROM applicants WHERE id_number_index = $1 ORDER BY id")
            .bind(index)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| crate::ApplicantId(r.get(0))).collect())
    }

    /// Seals, in one transaction, every clear value of a sealed column and fills the blind
    /// indexes (rows written before migration 0005). Rows already sealed (`wb1.` prefix) are
    /// left as they are; with nothing to do the transaction is rolled back at once (a dropped
    /// one would hold SQLite's write lock until its connection is reused).
    pub async fn seal_clear_rows(&self) -> Result<SealedCounts> {
        const CLEAR: &str = "NOT LIKE 'wb1.%'";
        let mut n = SealedCounts::default();
        let mut tx = self.pool.begin().await?;

        // Applicants: sealed values bound to the row's id, and both indexes.
        let rows = query(&format!(
            "SELECT id, phone, name, id_number FROM applicants
             WHERE phone_index IS NULL OR phone {CLEAR}
                OR (name IS NOT NULL AND name {CLEAR})
                OR (id_number IS NOT NULL AND id_number {CLEAR})
                OR (id_number IS NOT NULL AND id_number_index IS NULL)"
        ))
        .fetch_all(&mut tx)
        .await?;
        for r in &rows {
            let id: i64 = r.get(0);
            let key = id.to_string();
            let row = [key.as_str()];
            let clear = |column: &str, stored: String| -> Result<String> {
                if is_sealed(&stored) {
                    self.unseal(column, &row, &stored)
                } else {
                    Ok(stored)
                }
            };
            let phone = clear(col::APPLICANT_PHONE, r.get(1))?;
            let name = r
                .get::<Option<String>, _>(2)
                .map(|v| clear(col::APPLICANT_NAME, v))
                .transpose()?;
            let id_number = r
                .get::<Option<String>, _>(3)
                .map(|v| clear(col::APPLICANT_ID_NUMBER, v))
                .transpose()?;
            query(
                "UPDATE applicants SET phone = $1, phone_index = $2, name = $3, id_number = $4,
                        id_number_index = $5
                 WHERE id = $6",
            )
            .bind(self.seal(col::APPLICANT_PHONE, &row, &phone)?)
            .bind(self.phone_index(&phone)?)
            .bind(self.seal_opt(col::APPLICANT_NAME, &row, name.as_deref())?)
            .bind(self.seal_opt(col::APPLICANT_ID_NUMBER, &row, id_number.as_deref())?)
            .bind(
                id_number
                    .as_deref()
                    .map(|v| self.id_number_index(v))
                    .transpose()?,
            )
            .bind(id)
            .execute(&mut tx)
            .await?;
            n.applicants += 1;
        }

        let rows = query(&format!(
            "SELECT id, form FROM applications WHERE form {CLEAR}"
        ))
        .fetch_all(&mut tx)
        .await?;
        for r in &rows {
            let id: i64 = r.get(0);
            let form: String = r.get(1);
            query("UPDATE applications SET form = $1 WHERE id = $2")
                .bind(self.seal(col::FORM, &[&id.to_string()], &form)?)
                .bind(id)
                .execute(&mut tx)
                .await?;
            n.applications += 1;
        }

        let rows = query(&format!(
            "SELECT application_id, seq, action FROM application_actions WHERE action {CLEAR}"
        ))
        .fetch_all(&mut tx)
        .await?;
        for r in &rows {
            let (app, seq): (i64, i64) = (r.get(0), r.get(1));
            let action: String = r.get(2);
            let (a, s) = (app.to_string(), seq.to_string());
            query(
                "UPDATE application_actions SET action = $1 WHERE application_id = $2 AND seq = $3",
            )
            .bind(self.seal(col::ACTION, &[&a, &s], &action)?)
            .bind(app)
            .bind(seq)
            .execute(&mut tx)
            .await?;
            n.actions += 1;
        }

        let rows = query(&format!(
            "SELECT id, payload, last_error FROM jobs
             WHERE payload {CLEAR} OR (last_error IS NOT NULL AND last_error {CLEAR})"
        ))
        .fetch_all(&mut tx)
        .await?;
        for r in &rows {
            let id: i64 = r.get(0);
            let key = id.to_string();
            let payload: String = r.get(1);
            let error: Option<String> = r.get(2);
            let payload = if is_sealed(&payload) {
                payload
            } else {
                self.seal(col::JOB_PAYLOAD, &[&key], &payload)?
            };
            let error = match error {
                Some(e) if !is_sealed(&e) => Some(self.seal(col::JOB_ERROR, &[&key], &e)?),
                other => other,
            };
            query("UPDATE jobs SET payload = $1, last_error = $2 WHERE id = $3")
                .bind(payload)
                .bind(error)
                .bind(id)
                .execute(&mut tx)
                .await?;
            n.jobs += 1;
        }

        // An empty body is a reservation whose request is still running: nothing to seal.
        let rows = query(&format!(
            "SELECT scope, key, body FROM idempotency_keys WHERE body <> '' AND body {CLEAR}"
        ))
        .fetch_all(&mut tx)
        .await?;
        for r in &rows {
            let (scope, key, body): (String, String, String) = (r.get(0), r.get(1), r.get(2));
            query("UPDATE idempotency_keys SET body = $1 WHERE scope = $2 AND key = $3")
                .bind(self.seal(col::ANSWER_BODY, &[&scope, &key], &body)?)
                .bind(&scope)
                .bind(&key)
                .execute(&mut tx)
                .await?;
            n.answers += 1;
        }

        let rows = query(&format!(
            "SELECT application_id, slot, judgement_requested FROM uploads
             WHERE judgement_requested IS NOT NULL AND judgement_requested {CLEAR}"
        ))
        .fetch_all(&mut tx)
        .await?;
        for r in &rows {
            let (app, slot, text): (i64, String, String) = (r.get(0), r.get(1), r.get(2));
            query(
                "UPDATE uploads SET judgement_requested = $1 WHERE application_id = $2 AND slot = $3",
            )
            .bind(self.seal(col::JUDGEMENT, &[&app.to_string(), &slot], &text)?)
            .bind(app)
            .bind(&slot)
            .execute(&mut tx)
            .await?;
            n.uploads += 1;
        }

        // Rate-limit keys `<scope>:<subject>` become `<scope>:<index>` (the scope never holds
        // a colon; an IPv6 subject does, so the key is split at the first one).
        let keys: Vec<String> = query("SELECT DISTINCT key FROM rate_events")
            .fetch_all(&mut tx)
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for key in keys {
            let Some((scope, subject)) = key.split_once(':') else {
                continue;
            };
            if subject.len() == 64 && subject.bytes().all(|b| b.is_ascii_hexdigit()) {
                continue;
            }
            query("UPDATE rate_events SET key = $1 WHERE key = $2")
                .bind(self.rate_key(scope, subject)?)
                .bind(&key)
                .execute(&mut tx)
                .await?;
            n.rate_keys += 1;
        }

        if n.total() == 0 {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests;
