//! Persistence for wangban: the embedded SQLite database (WAL mode) for a pilot on one
//! machine, PostgreSQL for many nodes, behind one interface ([`Store`]); migrations for each
//! (`migrations/sqlite`, `migrations/postgres`); blob storage for uploaded files; encryption
//! of personal data.
//!
//! Owned here: every SQL statement and every transaction boundary. Nothing here decides a rule:
//! the server asks `wangban-core` what happens and the store records it. The one write that
//! matters most, [`Store::commit_action`], writes in one transaction the application's new state
//! (guarded by its version: optimistic concurrency), the append-only action row, the outgoing
//! jobs (the outbox: notifications, polling), the audit rows and the public statistics'
//! counters (`stats.rs`) — all or nothing.
//!
//! Personal data is sealed on write and opened on read once the store is unlocked with its keys
//! ([`Store::unlock`]; which columns and how: `sealed.rs`). Callers pass and get plain values.
//!
//! SQL is written once for both databases (`$1`-style parameters in order, no functions only
//! one of them has; see `db.rs`); the job queue's lease is the one statement that differs
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL).

pub mod audit_chain;
pub mod blobs;
pub mod crypto;
mod db;
mod idempotency;
mod keys;
pub mod ops;
mod rows;
mod sealed;
mod stats;
pub mod testing;
mod throughput;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use db::{Db, DbRow, Tx, query};

pub use audit_chain::{ChainBreak, ChainProblem, ChainReport};
pub use idempotency::{KeyClaim, Reservation, StoredAnswer};
pub use keys::Rewrapped;
pub use rows::*;
pub use sealed::{SealedCounts, is_sealed};
pub use stats::{RebuildReport, StatsCells, StatsTallies, StatsTally};
pub use throughput::OfficerTally;

type Timestamp = DateTime<Utc>;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Someone else changed the record first (optimistic concurrency).
    #[error("the record was changed by someone else")]
    Conflict,
    /// A unique value is taken (an application number, a username, a transaction id).
    #[error("duplicate value for {0}")]
    Duplicate(&'static str),
    #[error("record not found")]
    NotFound,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// PostgreSQL did not answer (down, wrong host or port, refused credentials).
    #[error("cannot reach the database at {url}: {source}")]
    Unreachable { url: String, source: sqlx::Error },
    /// The database was migrated by a newer wangban.
    #[error(
        "the database is at schema version {found}, newer than this wangban knows ({known}): \
         run the wangban that migrated it, or restore a backup taken before the upgrade"
    )]
    NewerSchema { found: i64, known: i64 },
    #[error("database URL {0} is neither postgres://… nor sqlite://…")]
    BadUrl(String),
    /// A key or an encrypted value could not be opened (see [`crypto::CryptoError`]).
    #[error("{0}")]
    Crypto(#[from] crypto::CryptoError),
    /// The blob storage failed (the one-time sealing of files from earlier versions).
    #[error("{0}")]
    Blob(#[from] blobs::BlobError),
    /// Personal data was asked of a store opened without its keys ([`Store::unlock`]).
    #[error("the store is locked: personal data needs the encryption keys")]
    Locked,
}

impl StoreError {
    fn corrupt(e: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt(e.to_string())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database and how to use it (`[database]` in the configuration).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Empty: the SQLite file `wangban.db` in the data folder. `postgres://user@host/db`:
    /// PostgreSQL. `sqlite:///path/file.db`: a SQLite file elsewhere.
    pub url: String,
    /// Connections this node keeps at most (PostgreSQL; SQLite uses 8).
    pub max_connections: u32,
    /// How long a request waits for a free connection before it fails.
    pub acquire_timeout_seconds: u64,
    /// PostgreSQL cancels a statement that runs longer (0: no limit).
    pub statement_timeout_ms: u64,
}

impl Default for DatabaseSettings {
    fn default() -> DatabaseSettings {
        DatabaseSettings {
            url: String::new(),
            max_connections: 16,
            acquire_timeout_seconds: 10,
            statement_timeout_ms: 30_000,
        }
    }
}

impl DatabaseSettings {
    /// Whether the URL names a PostgreSQL server.
    pub fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres://") || self.url.starts_with("postgresql://")
    }

    /// The URL without its password, for messages and logs.
    pub fn redacted_url(&self) -> String {
        redact_url(&self.url)
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// The database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Db,
    /// The data keys, once [`Store::unlock`]ed (see `sealed.rs`).
    vault: Option<Arc<crypto::Vault>>,
}

/// Maps a unique-constraint violation to [`StoreError::Duplicate`].
fn unique(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(what),
        _ => StoreError::Database(e),
    }
}

impl Store {
    /// Opens the database `settings` name (the SQLite file `wangban.db` in `data` when the
    /// URL is empty) and migrates it. Fails clearly when PostgreSQL cannot be reached
    /// ([`StoreError::Unreachable`]) or the database was migrated by a newer wangban
    /// ([`StoreError::NewerSchema`]).
    pub async fn open(settings: &DatabaseSettings, data: &Path) -> Result<Store> {
        if settings.is_postgres() {
            return Store::open_postgres(settings).await;
        }
        match settings.url.strip_prefix("sqlite://") {
            Some(path) => Store::open_sqlite(Path::new(path)).await,
            None if settings.url.is_empty() => Store::open_sqlite(&data.join("wangban.db")).await,
            None => Err(StoreError::BadUrl(settings.redacted_url())),
        }
    }

    /// Connects to PostgreSQL and migrates the database (the migrations take an advisory
    /// lock, so several nodes starting at once migrate it once).
    pub async fn open_postgres(settings: &DatabaseSettings) -> Result<Store> {
        let unreachable = |source: sqlx::Error| StoreError::Unreachable {
            url: settings.redacted_url(),
            source,
        };
        let mut options = PgConnectOptions::from_str(&settings.url)
            .map_err(|_| StoreError::BadUrl(settings.redacted_url()))?;
        if settings.statement_timeout_ms > 0 {
            options = options.options([(
                "statement_timeout",
                format!("{}ms", settings.statement_timeout_ms),
            )]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(settings.acquire_timeout_seconds.max(1)))
            .connect_with(options)
            .await
            .map_err(unreachable)?;
        let store = Store {
            pool: Db::Postgres(pool),
            vault: None,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Opens (creating if needed) the SQLite database at `path` in WAL mode and migrates it.
    pub async fn open_sqlite(path: &Path) -> Result<Store> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        let store = Store {
            pool: Db::Sqlite(pool),
            vault: None,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// An in-memory database (one connection), for tests of the store itself.
    pub async fn open_memory() -> Result<Store> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        let store = Store {
            pool: Db::Sqlite(pool),
            vault: None,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Which database this is: `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        if self.pool.is_postgres() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        if self.pool.is_postgres() {
            &POSTGRES_MIGRATIONS
        } else {
            &SQLITE_MIGRATIONS
        }
    }

    /// Refuses a database that a newer wangban has migrated: its schema may hold what this
    /// version does not know how to keep consistent.
    async fn check_schema_version(&self) -> Result<()> {
        let known = self.migrator().iter().map(|m| m.version).max().unwrap_or(0);
        let table = if self.pool.is_postgres() {
            "SELECT 1 FROM information_schema.tables WHERE table_name = '_sqlx_migrations' \
             AND table_schema = current_schema()"
        } else {
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
        };
        if query(table).fetch_optional(&self.pool).await?.is_none() {
            return Ok(());
        }
        let found: Option<i64> = query("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(&self.pool)
            .await?
            .get(0);
        match found {
            Some(found) if found > known => Err(StoreError::NewerSchema { found, known }),
            _ => Ok(()),
        }
    }

    /// Runs the migrations, then chains audit rows written before migration 0004 (SQL cannot
    /// compute SM3; see [`audit_chain`]). Both are idempotent.
    pub async fn migrate(&self) -> Result<()> {
        self.check_schema_version().await?;
        match &self.pool {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Db::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        self.backfill_audit_chain().await?;
        Ok(())
    }

    /// Gives every audit row without a hash (those written before migration 0004) its place
    /// in the chain, in id order, in one transaction.
    async fn backfill_audit_chain(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let (mut last_id, mut last_hash) = lock_chain_head(&mut tx).await?;
        let rows = query(
            "SELECT id, at, actor_kind, actor_id, action, application_id, detail FROM audit_log
             WHERE hash IS NULL ORDER BY id",
        )
        .fetch_all(&mut tx)
        .await?;
        if rows.is_empty() {
            // Roll back the head's no-op update now: a dropped transaction is rolled back only
            // when its connection is next used, and until then it holds the write lock (the
            // next writer at start-up then met "database is locked").
            tx.rollback().await?;
            return Ok(());
        }
        for r in &rows {
            let id: i64 = r.get(0);
            let fields = chain_fields(r, &last_hash);
            let hash = audit_chain::record_hash(&fields)
                .ok_or_else(|| StoreError::Corrupt(format!("audit head hash {last_hash}")))?;
            query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3")
                .bind(&last_hash)
                .bind(&hash)
                .bind(id)
                .execute(&mut tx)
                .await?;
            last_id = id;
            last_hash = hash;
        }
        set_chain_head(&mut tx, last_id, &last_hash).await?;
        tx.commit().await?;
        tracing::info!(records = rows.len(), "audit log chained (migration 0004)");
        Ok(())
    }

    /// Whether the database answers (the readiness probe).
    pub async fn ping(&self) -> Result<()> {
        query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    // ----- settings -------------------------------------------------------------------------

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row = query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        query(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ----- applicants ------------------------------------------------------------------------

    /// The applicant with this phone number, created on first login.
    pub async fn applicant_for_phone(&self, phone: &str, now: Timestamp) -> Result<ApplicantId> {
        // Found by the number's blind index; a new row's number is sealed bound to its id,
        // so it is inserted with a placeholder (the index) and sealed in the same transaction.
        let index = self.phone_index(phone)?;
        let mut tx = self.pool.begin().await?;
        let inserted = query(
            "INSERT INTO applicants (phone, phone_index, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (phone_index) DO NOTHING RETURNING id",
        )
        .bind(&index)
        .bind(&index)
        .bind(now)
        .fetch_optional(&mut tx)
        .await?;
        if let Some(row) = inserted {
            let id: i64 = row.get(0);
            query("UPDATE applicants SET phone = $1 WHERE id = $2")
                .bind(self.seal(sealed::col::APPLICANT_PHONE, &[&id.to_string()], phone)?)
                .bind(id)
                .execute(&mut tx)
                .await?;
            tx.commit().await?;
            return Ok(ApplicantId(id));
        }
        tx.rollback().await?;
        let row = query("SELECT id FROM applicants WHERE phone_index = $1")
            .bind(&index)
            .fetch_one(&self.pool)
            .await?;
        Ok(ApplicantId(row.get(0)))
    }

    pub async fn applicant(&self, id: ApplicantId) -> Result<Applicant> {
        let row = query(
            "SELECT id, phone, name, id_number, verified_at, proofing_failures,
                    proofing_locked_until
             FROM applicants WHERE id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let key = id.0.to_string();
        let key = [key.as_str()];
        use sealed::col;
        Ok(Applicant {
            id: ApplicantId(row.get(0)),
            phone: self.unseal(col::APPLICANT_PHONE, &key, &row.get::<String, _>(1))?,
            name: self.open_opt(col::APPLICANT_NAME, &key, row.get(2))?,
            id_number: self.open_opt(col::APPLICANT_ID_NUMBER, &key, row.get(3))?,
            verified_at: row.get(4),
            proofing_failures: row.get::<i64, _>(5) as u32,
            proofing_locked_until: row.get(6),
        })
    }

    /// Records a successful real-person authentication.
    pub async fn set_identity(
        &self,
        id: ApplicantId,
        name: &str,
        id_number: &str,
        now: Timestamp,
    ) -> Result<()> {
        let key = id.0.to_string();
        query(
            "UPDATE applicants SET name = $1, id_number = $2, verified_at = $3,
                    proofing_failures = 0, proofing_locked_until = NULL, id_number_index = $4
             WHERE id = $5",
        )
        .bind(self.seal(sealed::col::APPLICANT_NAME, &[&key], name)?)
        .bind(self.seal(sealed::col::APPLICANT_ID_NUMBER, &[&key], id_number)?)
        .bind(now)
        .bind(self.id_number_index(id_number)?)
        .bind(id.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Counts a failed proofing attempt; `lock_until` locks further attempts.
    pub async fn record_proofing_failure(
        &self,
        id: ApplicantId,
        lock_until: Option<Timestamp>,
    ) -> Result<u32> {
        let row = query(
            "UPDATE applicants SET proofing_failures = proofing_failures + 1,
                    proofing_locked_until = $1
             WHERE id = $2 RETURNING proofing_failures",
        )
        .bind(lock_until)
        .bind(id.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get::<i64, _>(0) as u32)
    }

    /// Clears the failure count once a lock has run out.
    pub async fn reset_proofing_failures(&self, id: ApplicantId) -> Result<()> {
        query(
            "UPDATE applicants SET proofing_failures = 0, proofing_locked_until = NULL
             WHERE id = $1",
        )
        .bind(id.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ----- one-time codes and rate limits ----------------------------------------------------

    /// Stores a new code for `phone`, replacing any earlier one.
    pub async fn put_otp(
        &self,
        phone: &str,
        code_hash: &str,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<()> {
        query(
            "INSERT INTO otp_codes (phone_index, code_hash, expires_at, attempts, created_at)
             VALUES ($1, $2, $3, 0, $4)
             ON CONFLICT (phone_index) DO UPDATE SET code_hash = excluded.code_hash,
                 expires_at = excluded.expires_at, attempts = 0, created_at = excluded.created_at",
        )
        .bind(self.phone_index(phone)?)
        .bind(code_hash)
        .bind(expires_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn otp(&self, phone: &str) -> Result<Option<OtpCode>> {
        let row =
            query("SELECT code_hash, expires_at, attempts FROM otp_codes WHERE phone_index = $1")
                .bind(self.phone_index(phone)?)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| OtpCode {
            code_hash: r.get(0),
            expires_at: r.get(1),
            attempts: r.get::<i64, _>(2) as u32,
        }))
    }

    /// Counts a wrong guess; returns the attempts so far.
    pub async fn bump_otp_attempts(&self, phone: &str) -> Result<u32> {
        let row = query(
            "UPDATE otp_codes SET attempts = attempts + 1 WHERE phone_index = $1 RETURNING attempts",
        )
        .bind(self.phone_index(phone)?)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.get::<i64, _>(0) as u32).unwrap_or(0))
    }

    pub async fn delete_otp(&self, phone: &str) -> Result<()> {
        query("DELETE FROM otp_codes WHERE phone_index = $1")
            .bind(self.phone_index(phone)?)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Counts an event of `subject` (a phone number, a client address) in `scope` (e.g.
    /// `otp-phone`) and returns how many happened since `since` (this one included). The
    /// subject is stored only as a blind index. Old events are pruned on the way.
    pub async fn count_event(
        &self,
        scope: &str,
        subject: &str,
        now: Timestamp,
        since: Timestamp,
    ) -> Result<u32> {
        let key = &self.rate_key(scope, subject)?;
        let mut tx = self.pool.begin().await?;
        query("DELETE FROM rate_events WHERE key = $1 AND at < $2")
            .bind(key)
            .bind(since)
            .execute(&mut tx)
            .await?;
        query("INSERT INTO rate_events (key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(now)
            .execute(&mut tx)
            .await?;
        let row = query("SELECT COUNT(*) FROM rate_events WHERE key = $1 AND at >= $2")
            .bind(key)
            .bind(since)
            .fetch_one(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(row.get::<i64, _>(0) as u32)
    }

    /// How many events of `subject` in `scope` happened since `since`, without counting one
    /// (for locks that only failures feed: a wrong code is counted, a look is not).
    pub async fn events_since(&self, scope: &str, subject: &str, since: Timestamp) -> Result<u32> {
        let key = &self.rate_key(scope, subject)?;
        let row = query("SELECT COUNT(*) FROM rate_events WHERE key = $1 AND at >= $2")
            .bind(key)
            .bind(since)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get::<i64, _>(0) as u32)
    }

    /// Counts `n` events of `subject` in `scope` at once (a quantity: the megabytes of an
    /// upload) and returns how many happened since `since`, these included.
    pub async fn count_events(
        &self,
        scope: &str,
        subject: &str,
        n: u32,
        now: Timestamp,
        since: Timestamp,
    ) -> Result<u32> {
        let key = &self.rate_key(scope, subject)?;
        let mut tx = self.pool.begin().await?;
        query("DELETE FROM rate_events WHERE key = $1 AND at < $2")
            .bind(key)
            .bind(since)
            .execute(&mut tx)
            .await?;
        for _ in 0..n {
            query("INSERT INTO rate_events (key, at) VALUES ($1, $2)")
                .bind(key)
                .bind(now)
                .execute(&mut tx)
                .await?;
        }
        let row = query("SELECT COUNT(*) FROM rate_events WHERE key = $1 AND at >= $2")
            .bind(key)
            .bind(since)
            .fetch_one(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(row.get::<i64, _>(0) as u32)
    }

    // ----- officers ----------------------------------------------------------------------------

    pub async fn create_officer(&self, new: &NewOfficer, now: Timestamp) -> Result<OfficerId> {
        let row = query(
            "INSERT INTO officers (username, display_name, password_hash, totp_secret, role,
                                   active, created_at)
             VALUES ($1, $2, $3, $4, $5, 1, $6) RETURNING id",
        )
        .bind(&new.username)
        .bind(&new.display_name)
        .bind(&new.password_hash)
        .bind(&new.totp_secret)
        .bind(&new.role)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(unique("username"))?;
        Ok(OfficerId(row.get(0)))
    }

    pub async fn officer_by_username(&self, username: &str) -> Result<Option<Officer>> {
        let row = query(&format!("{OFFICER_COLUMNS} WHERE username = $1"))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| officer_from_row(&r)))
    }

    pub async fn officer(&self, id: OfficerId) -> Result<Officer> {
        let row = query(&format!("{OFFICER_COLUMNS} WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(officer_from_row(&row))
    }

    /// Every officer account, active or not, by id (a few dozen rows: the officers of a
    /// service, not its applicants).
    pub async fn officers(&self) -> Result<Vec<Officer>> {
        let rows = query(&format!("{OFFICER_COLUMNS} ORDER BY id"))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(officer_from_row).collect())
    }

    pub async fn officer_count(&self) -> Result<u64> {
        let row = query("SELECT COUNT(*) FROM officers")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get::<i64, _>(0) as u64)
    }

    // ----- sessions ------------------------------------------------------------------------------

    pub async fn create_session(&self, s: &NewSession) -> Result<()> {
        query(
            "INSERT INTO sessions (token_hash, kind, subject_id, stage, created_at, last_seen_at,
                                   idle_expires_at, absolute_expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&s.token_hash)
        .bind(s.kind.as_str())
        .bind(s.subject_id)
        .bind(s.stage.as_str())
        .bind(s.now)
        .bind(s.now)
        .bind(s.idle_expires_at)
        .bind(s.absolute_expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let row = query(
            "SELECT token_hash, kind, subject_id, stage, idle_expires_at, absolute_expires_at
             FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Session {
                token_hash: r.get(0),
                kind: r.get::<String, _>(1).parse().map_err(StoreError::corrupt)?,
                subject_id: r.get(2),
                stage: r.get::<String, _>(3).parse().map_err(StoreError::corrupt)?,
                idle_expires_at: r.get(4),
                absolute_expires_at: r.get(5),
            })
        })
        .transpose()
    }

    /// Moves the idle deadline on (never past the absolute one).
    pub async fn touch_session(
        &self,
        token_hash: &str,
        now: Timestamp,
        idle_expires_at: Timestamp,
    ) -> Result<()> {
        query("UPDATE sessions SET last_seen_at = $1, idle_expires_at = $2 WHERE token_hash = $3")
            .bind(now)
            .bind(idle_expires_at)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ----- applications --------------------------------------------------------------------------

    /// Creates a draft with its first log entry and audit row.
    pub async fn create_application(&self, new: &NewApplication) -> Result<ApplicationId> {
        self.create_application_for_key(new, None).await
    }

    /// [`Store::create_application`] for a request holding an idempotency key: the key is
    /// marked applied in the same transaction (see [`idempotency`]).
    pub async fn create_application_for_key(
        &self,
        new: &NewApplication,
        claim: Option<&KeyClaim>,
    ) -> Result<ApplicationId> {
        let mut tx = self.pool.begin().await?;
        let row = query(
            "INSERT INTO applications (number, applicant_id, kind, reason, state, version, form,
                                       hukou_district, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9) RETURNING id",
        )
        .bind(&new.number)
        .bind(new.applicant.0)
        .bind(&new.kind)
        .bind(&new.reason)
        .bind(&new.state)
        .bind("")
        .bind(&new.hukou_district)
        .bind(new.created_at)
        .bind(new.created_at)
        .fetch_one(&mut tx)
        .await
        .map_err(unique("application number"))?;
        let id = ApplicationId(row.get(0));
        // The form is sealed bound to the id the insert gave.
        query("UPDATE applications SET form = $1 WHERE id = $2")
            .bind(self.seal(sealed::col::FORM, &[&id.0.to_string()], &new.form)?)
            .bind(id.0)
            .execute(&mut tx)
            .await?;
        if let Some(claim) = claim {
            idempotency::mark_applied(&mut tx, claim, id).await?;
        }
        insert_audit(
            &mut tx,
            &NewAudit {
                at: new.created_at,
                actor: AuditActor::Applicant(new.applicant),
                action: "application.create".into(),
                application: Some(id),
                detail: serde_json::json!({ "number": new.number, "kind": new.kind, "reason": new.reason }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn application_by_number(&self, number: &str) -> Result<Option<ApplicationRow>> {
        let row = query(&format!("{APPLICATION_COLUMNS} WHERE number = $1"))
            .bind(number)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| self.application_row(&r)).transpose()
    }

    pub async fn application(&self, id: ApplicationId) -> Result<ApplicationRow> {
        let row = query(&format!("{APPLICATION_COLUMNS} WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.application_row(&row)
    }

    pub async fn applications_of(&self, applicant: ApplicantId) -> Result<Vec<ApplicationRow>> {
        let rows = query(&format!(
            "{APPLICATION_COLUMNS} WHERE applicant_id = $1 ORDER BY created_at DESC"
        ))
        .bind(applicant.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| self.application_row(r)).collect()
    }

    /// An application row with its form opened.
    fn application_row(&self, r: &DbRow) -> Result<ApplicationRow> {
        let mut row = application_from_row(r)?;
        row.form = self.unseal(sealed::col::FORM, &[&row.id.0.to_string()], &row.form)?;
        Ok(row)
    }

    /// Applications in the given states, the earliest deadline first.
    pub async fn queue(&self, filter: &QueueFilter) -> Result<Vec<ApplicationRow>> {
        let states: Vec<String> = filter.states.clone();
        // Portable: build "$1, $2, …" for the state list.
        let mut sql = format!("{APPLICATION_COLUMNS} WHERE state IN (");
        for i in 0..states.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", i + 1));
        }
        sql.push(')');
        let mut next = states.len() + 1;
        if filter.kind.is_some() {
            sql.push_str(&format!(" AND kind = ${next}"));
            next += 1;
        }
        if filter.reason.is_some() {
            sql.push_str(&format!(" AND reason = ${next}"));
            next += 1;
        }
        if filter.district.is_some() {
            sql.push_str(&format!(" AND hukou_district = ${next}"));
            next += 1;
        }
        if filter.judgement_requested {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM uploads u WHERE u.application_id = applications.id \
                 AND u.judgement_requested IS NOT NULL)",
            );
        }
        sql.push_str(&format!(
            " ORDER BY CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, id LIMIT ${next}"
        ));
        let mut q = query(&sql);
        for s in &states {
            q = q.bind(s);
        }
        if let Some(k) = &filter.kind {
            q = q.bind(k);
        }
        if let Some(r) = &filter.reason {
            q = q.bind(r);
        }
        if let Some(d) = &filter.district {
            q = q.bind(d);
        }
        let rows = q.bind(filter.limit as i64).fetch_all(&self.pool).await?;
        rows.iter().map(|r| self.application_row(r)).collect()
    }

    /// The application's log, oldest first.
    pub async fn actions(&self, id: ApplicationId) -> Result<Vec<ActionRow>> {
        let rows = query(
            "SELECT seq, at, actor, officer_id, action FROM application_actions
             WHERE application_id = $1 ORDER BY seq",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        let app = id.0.to_string();
        rows.iter()
            .map(|r| {
                let seq: i64 = r.get(0);
                Ok(ActionRow {
                    seq,
                    at: r.get(1),
                    actor: r.get(2),
                    officer: r.get::<Option<i64>, _>(3).map(OfficerId),
                    action: self.unseal(
                        sealed::col::ACTION,
                        &[&app, &seq.to_string()],
                        &r.get::<String, _>(4),
                    )?,
                })
            })
            .collect()
    }

    /// Saves the applicant's answers on a draft (version-guarded).
    pub async fn update_form(
        &self,
        id: ApplicationId,
        expected_version: i64,
        form: &str,
        now: Timestamp,
    ) -> Result<()> {
        let done = query(
            "UPDATE applications SET form = $1, updated_at = $2 WHERE id = $3 AND version = $4",
        )
        .bind(self.seal(sealed::col::FORM, &[&id.0.to_string()], form)?)
        .bind(now)
        .bind(id.0)
        .bind(expected_version)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        Ok(())
    }

    /// Records one accepted action: the new state, the log row, the jobs it causes and the
    /// audit rows, in one transaction, only if the application is still at the version the
    /// decision was made on.
    pub async fn commit_action(&self, c: &Commit) -> Result<()> {
        self.commit_action_for_key(c, None).await
    }

    /// [`Store::commit_action`] for a request holding an idempotency key: the key is marked
    /// applied in the same transaction, which fails (a conflict) if a retry took the key over.
    pub async fn commit_action_for_key(&self, c: &Commit, claim: Option<&KeyClaim>) -> Result<()> {
        let app = c.application.0.to_string();
        let seq = (c.expected_version + 1).to_string();
        let form = self.seal_opt(sealed::col::FORM, &[&app], c.form.as_deref())?;
        let action = self.seal(sealed::col::ACTION, &[&app, &seq], &c.action)?;
        let mut tx = self.pool.begin().await?;
        let mut sql = String::from(
            "UPDATE applications SET state = $1, version = $2, updated_at = $3, due_at = $4",
        );
        let mut next = 5;
        if c.form.is_some() {
            sql.push_str(&format!(", form = ${next}"));
            next += 1;
        }
        if c.claimed_by.is_some() {
            sql.push_str(&format!(", claimed_by = ${next}"));
            next += 1;
        }
        sql.push_str(&format!(" WHERE id = ${next} AND version = ${}", next + 1));
        let mut q = query(&sql)
            .bind(&c.new_state)
            .bind(c.expected_version + 1)
            .bind(c.at)
            .bind(c.due_at);
        if let Some(form) = &form {
            q = q.bind(form);
        }
        if let Some(claimed) = c.claimed_by {
            q = q.bind(claimed.map(|o| o.0));
        }
        let done = q
            .bind(c.application.0)
            .bind(c.expected_version)
            .execute(&mut tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        query(
            "INSERT INTO application_actions (application_id, seq, at, actor, officer_id, action,
                                              event)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(c.application.0)
        .bind(c.expected_version + 1)
        .bind(c.at)
        .bind(&c.actor)
        .bind(c.officer.map(|o| o.0))
        .bind(&action)
        .bind(throughput::event_code(&c.action))
        .execute(&mut tx)
        .await
        .map_err(unique("action"))?;
        for job in &c.jobs {
            insert_job(self, &mut tx, job, c.at).await?;
        }
        for audit in &c.audit {
            insert_audit(&mut tx, audit).await?;
        }
        if let Some(p) = &c.payment_paid {
            let done = query(
                "UPDATE payments SET status = 'paid', transaction_id = $1, paid_at = $2
                 WHERE merchant_order_no = $3 AND status = 'pending'",
            )
            .bind(&p.transaction_id)
            .bind(p.paid_at)
            .bind(&p.merchant_order_no)
            .execute(&mut tx)
            .await
            .map_err(unique("transaction id"))?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict);
            }
        }
        stats::add_deltas(&mut tx, &c.stats).await?;
        if let Some(claim) = claim {
            idempotency::mark_applied(&mut tx, claim, c.application).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    // ----- uploads ---------------------------------------------------------------------------------

    pub async fn put_upload(&self, u: &UploadRow) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        query(
            "INSERT INTO uploads (application_id, slot, blob_key, content_type, size, sha256,
                                  uploaded_at, overall, report, normalised_key, overlay_key,
                                  judgement_requested, judgement_requested_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL)
             ON CONFLICT (application_id, slot) DO UPDATE SET blob_key = excluded.blob_key,
                 content_type = excluded.content_type, size = excluded.size,
                 sha256 = excluded.sha256, uploaded_at = excluded.uploaded_at,
                 overall = excluded.overall, report = excluded.report,
                 normalised_key = excluded.normalised_key, overlay_key = excluded.overlay_key,
                 judgement_requested = NULL, judgement_requested_at = NULL",
        )
        .bind(u.application.0)
        .bind(&u.slot)
        .bind(&u.blob_key)
        .bind(&u.content_type)
        .bind(u.size as i64)
        .bind(&u.sha256)
        .bind(u.uploaded_at)
        .bind(&u.overall)
        .bind(&u.report)
        .bind(&u.normalised_key)
        .bind(&u.overlay_key)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Renames the blob `from` to `to` in every upload that names it (as the original file,
    /// its normalised image or its overlay), in one transaction; returns how many rows changed.
    pub async fn rename_blob(&self, from: &str, to: &str) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let mut n = 0;
        for column in ["blob_key", "normalised_key", "overlay_key"] {
            n += query(&format!(
                "UPDATE uploads SET {column} = $1 WHERE {column} = $2"
            ))
            .bind(to)
            .bind(from)
            .execute(&mut tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Records the applicant's request for an officer's judgement on a file's failed check.
    /// A new upload of the file clears it.
    pub async fn request_judgement(
        &self,
        id: ApplicationId,
        slot: &str,
        explanation: &str,
        now: Timestamp,
    ) -> Result<()> {
        let done = query(
            "UPDATE uploads SET judgement_requested = $1, judgement_requested_at = $2
             WHERE application_id = $3 AND slot = $4",
        )
        .bind(self.seal(
            sealed::col::JUDGEMENT,
            &[&id.0.to_string(), slot],
            explanation,
        )?)
        .bind(now)
        .bind(id.0)
        .bind(slot)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn uploads(&self, id: ApplicationId) -> Result<Vec<UploadRow>> {
        let rows = query(
            "SELECT application_id, slot, blob_key, content_type, size, sha256, uploaded_at,
                    overall, report, normalised_key, overlay_key, judgement_requested,
                    judgement_requested_at
             FROM uploads WHERE application_id = $1 ORDER BY slot",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let judgement = self.open_opt(
                    sealed::col::JUDGEMENT,
                    &[&r.get::<i64, _>(0).to_string(), &r.get::<String, _>(1)],
                    r.get(11),
                )?;
                Ok(UploadRow {
                    application: ApplicationId(r.get(0)),
                    slot: r.get(1),
                    blob_key: r.get(2),
                    content_type: r.get(3),
                    size: r.get::<i64, _>(4) as u64,
                    sha256: r.get(5),
                    uploaded_at: r.get(6),
                    overall: r.get(7),
                    report: r.get(8),
                    normalised_key: r.get(9),
                    overlay_key: r.get(10),
                    judgement_requested: judgement,
                    judgement_requested_at: r.get(12),
                })
            })
            .collect()
    }

    // ----- payments ----------------------------------------------------------------------------------

    pub async fn create_payment(&self, p: &NewPayment) -> Result<()> {
        query(
            "INSERT INTO payments (application_id, merchant_order_no, provider_order_id, pay_url,
                                   amount_fen, status, created_at)
             VALUES ($1, $2, $3, $4, $5, 'pending', $6)",
        )
        .bind(p.application.0)
        .bind(&p.merchant_order_no)
        .bind(&p.provider_order_id)
        .bind(&p.pay_url)
        .bind(p.amount_fen as i64)
        .bind(p.created_at)
        .execute(&self.pool)
        .await
        .map_err(unique("merchant order number"))?;
        Ok(())
    }

    pub async fn payments_of(&self, id: ApplicationId) -> Result<Vec<PaymentRow>> {
        let rows = query(&format!(
            "{PAYMENT_COLUMNS} WHERE application_id = $1 ORDER BY id"
        ))
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(payment_from_row).collect())
    }

    pub async fn payment_by_merchant_no(&self, no: &str) -> Result<Option<PaymentRow>> {
        let row = query(&format!("{PAYMENT_COLUMNS} WHERE merchant_order_no = $1"))
            .bind(no)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| payment_from_row(&r)))
    }

    /// Pending payments created before `before` (for reconciliation of lost callbacks).
    pub async fn pending_payments(&self, before: Timestamp) -> Result<Vec<PaymentRow>> {
        let rows = query(&format!(
            "{PAYMENT_COLUMNS} WHERE status = 'pending' AND created_at < $1 ORDER BY id"
        ))
        .bind(before)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(payment_from_row).collect())
    }

    pub async fn close_payment(&self, no: &str) -> Result<()> {
        query(
            "UPDATE payments SET status = 'closed' WHERE merchant_order_no = $1 AND status = 'pending'",
        )
        .bind(no)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ----- jobs --------------------------------------------------------------------------------------

    /// Adds a job (ignored when a job with the same dedupe key exists).
    pub async fn enqueue(&self, job: &NewJob, now: Timestamp) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert_job(self, &mut tx, job, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Leases up to `limit` due jobs to `worker` until `lease_until`. A job whose lease ran out
    /// (its worker died) is due again.
    pub async fn claim_jobs(
        &self,
        worker: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<Job>> {
        // SQLite serialises writers, so the subquery's rows cannot be leased by another
        // process meanwhile; PostgreSQL locks the rows it picks and skips those another
        // node's transaction holds, so two nodes never lease the same job.
        let sql = if self.pool.is_postgres() {
            "UPDATE jobs SET lease_until = $1, leased_by = $2, attempts = attempts + 1
             WHERE id IN (
                 SELECT id FROM jobs
                 WHERE status = 'pending' AND run_at <= $3
                   AND (lease_until IS NULL OR lease_until < $4)
                 ORDER BY run_at, id LIMIT $5
                 FOR UPDATE SKIP LOCKED)
             RETURNING id, kind, payload, attempts, max_attempts"
        } else {
            "UPDATE jobs SET lease_until = $1, leased_by = $2, attempts = attempts + 1
             WHERE id IN (
                 SELECT id FROM jobs
                 WHERE status = 'pending' AND run_at <= $3
                   AND (lease_until IS NULL OR lease_until < $4)
                 ORDER BY run_at, id LIMIT $5)
             RETURNING id, kind, payload, attempts, max_attempts"
        };
        let rows = query(sql)
            .bind(lease_until)
            .bind(worker)
            .bind(now)
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.get(0);
                Ok(Job {
                    id: JobId(id),
                    kind: r.get(1),
                    payload: self.unseal(
                        sealed::col::JOB_PAYLOAD,
                        &[&id.to_string()],
                        &r.get::<String, _>(2),
                    )?,
                    attempts: r.get::<i64, _>(3) as u32,
                    max_attempts: r.get::<i64, _>(4) as u32,
                })
            })
            .collect()
    }

    /// Marks a leased job done (only if `worker` still holds it).
    pub async fn finish_job(&self, id: JobId, worker: &str, now: Timestamp) -> Result<bool> {
        let done = query(
            "UPDATE jobs SET status = 'done', finished_at = $1, lease_until = NULL
             WHERE id = $2 AND leased_by = $3 AND status = 'pending'",
        )
        .bind(now)
        .bind(id.0)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives a leased job back: to run again at `retry_at`, or failed for good when `None`.
    pub async fn fail_job(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<()> {
        let error = &self.seal(sealed::col::JOB_ERROR, &[&id.0.to_string()], error)?;
        match retry_at {
            Some(at) => {
                query(
                    "UPDATE jobs SET run_at = $1, lease_until = NULL, last_error = $2
                     WHERE id = $3 AND leased_by = $4 AND status = 'pending'",
                )
                .bind(at)
                .bind(error)
                .bind(id.0)
                .bind(worker)
                .execute(&self.pool)
                .await?;
            }
            None => {
                query(
                    "UPDATE jobs SET status = 'failed', lease_until = NULL, last_error = $1,
                                     finished_at = $2
                     WHERE id = $3 AND leased_by = $4 AND status = 'pending'",
                )
                .bind(error)
                .bind(now)
                .bind(id.0)
                .bind(worker)
                .execute(&self.pool)
                .await?;
            }
        }
        Ok(())
    }

    /// Moves a leased job to run again at `run_at` without counting a failure (polling).
    pub async fn reschedule_job(
        &self,
        id: JobId,
        worker: &str,
        run_at: Timestamp,
        payload: Option<&str>,
    ) -> Result<()> {
        let payload = self.seal_opt(sealed::col::JOB_PAYLOAD, &[&id.0.to_string()], payload)?;
        query(
            "UPDATE jobs SET run_at = $1, lease_until = NULL, attempts = attempts - 1,
                             payload = COALESCE($2, payload)
             WHERE id = $3 AND leased_by = $4 AND status = 'pending'",
        )
        .bind(run_at)
        .bind(payload)
        .bind(id.0)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn jobs(&self, kind: Option<&str>) -> Result<Vec<JobRow>> {
        let rows = query(
            "SELECT id, kind, payload, status, attempts, last_error, run_at FROM jobs
             WHERE $1 IS NULL OR kind = $2 ORDER BY id",
        )
        .bind(kind)
        .bind(kind)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let key = r.get::<i64, _>(0).to_string();
                Ok(JobRow {
                    id: JobId(r.get(0)),
                    kind: r.get(1),
                    payload: self.unseal(
                        sealed::col::JOB_PAYLOAD,
                        &[&key],
                        &r.get::<String, _>(2),
                    )?,
                    status: r.get(3),
                    attempts: r.get::<i64, _>(4) as u32,
                    last_error: self.open_opt(sealed::col::JOB_ERROR, &[&key], r.get(5))?,
                    run_at: r.get(6),
                })
            })
            .collect()
    }

    // ----- audit -------------------------------------------------------------------------------------

    pub async fn audit(&self, entry: &NewAudit) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert_audit(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn audit_log(&self, application: Option<ApplicationId>) -> Result<Vec<AuditRow>> {
        let rows = query(
            "SELECT id, at, actor_kind, actor_id, action, application_id, detail, prev_hash, hash
             FROM audit_log WHERE $1 IS NULL OR application_id = $2 ORDER BY id",
        )
        .bind(application.map(|a| a.0))
        .bind(application.map(|a| a.0))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(audit_row).collect())
    }

    /// One page of the audit log for auditors, newest first: records with an id below
    /// `before` (all if `None`), of one application and/or one officer, at most `limit`.
    pub async fn audit_page(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>> {
        let rows = query(
            "SELECT id, at, actor_kind, actor_id, action, application_id, detail, prev_hash, hash
             FROM audit_log
             WHERE ($1 IS NULL OR id < $2)
               AND ($3 IS NULL OR application_id = $4)
               AND ($5 IS NULL OR (actor_kind = 'officer' AND actor_id = $6))
             ORDER BY id DESC LIMIT $7",
        )
        .bind(filter.before)
        .bind(filter.before)
        .bind(filter.application.map(|a| a.0))
        .bind(filter.application.map(|a| a.0))
        .bind(filter.officer.map(|o| o.0))
        .bind(filter.officer.map(|o| o.0))
        .bind(i64::from(filter.limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(audit_row).collect())
    }

    /// Checks the whole hash chain of the audit log (see [`audit_chain`]): ids without gaps
    /// from 1, each record's `prev_hash` the previous record's `hash`, each `hash` the SM3 of
    /// the record, and the last record the one the chain's head names. Reads in pages, so the
    /// log may grow meanwhile; records appended during the check are checked too.
    pub async fn verify_audit_chain(&self) -> Result<ChainReport> {
        const PAGE: i64 = 1000;
        let mut checked = 0u64;
        let mut last_id = 0i64;
        let mut last_hash = audit_chain::GENESIS.to_string();
        let broken = |id, problem, checked, last_hash| ChainReport {
            checked,
            last_hash,
            broken: Some(ChainBreak { id, problem }),
        };
        loop {
            let rows = query(
                "SELECT id, at, actor_kind, actor_id, action, application_id, detail, prev_hash,
                        hash
                 FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .bind(last_id)
            .bind(PAGE)
            .fetch_all(&self.pool)
            .await?;
            for r in &rows {
                let id: i64 = r.get(0);
                if id != last_id + 1 {
                    return Ok(broken(last_id + 1, ChainProblem::Gap, checked, last_hash));
                }
                let prev: Option<String> = r.get(7);
                let hash: Option<String> = r.get(8);
                let (Some(prev), Some(hash)) = (prev, hash) else {
                    return Ok(broken(id, ChainProblem::MissingHash, checked, last_hash));
                };
                if prev != last_hash {
                    return Ok(broken(
                        id,
                        ChainProblem::PrevHashMismatch,
                        checked,
                        last_hash,
                    ));
                }
                if audit_chain::record_hash(&chain_fields(r, &prev)).as_deref() != Some(&hash) {
                    return Ok(broken(id, ChainProblem::HashMismatch, checked, last_hash));
                }
                checked += 1;
                last_id = id;
                last_hash = hash;
            }
            if rows.len() as i64 == PAGE {
                continue;
            }
            // The end of the log as read; the head is read after it, so every record it names
            // was committed before and is visible to the next page.
            let head = query("SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?;
            let Some(head) = head else {
                return Ok(broken(
                    last_id,
                    ChainProblem::HeadMismatch,
                    checked,
                    last_hash,
                ));
            };
            let (head_id, head_hash): (i64, String) = (head.get(0), head.get(1));
            if head_id < last_id {
                return Ok(broken(
                    head_id + 1,
                    ChainProblem::BeyondHead,
                    checked,
                    last_hash,
                ));
            }
            if head_id == last_id {
                if head_hash != last_hash {
                    return Ok(broken(
                        last_id,
                        ChainProblem::HeadMismatch,
                        checked,
                        last_hash,
                    ));
                }
                return Ok(ChainReport {
                    checked,
                    last_hash,
                    broken: None,
                });
            }
            // The head is ahead: either records were appended since the last page, or the
            // log's end was cut off.
            let more: Option<i64> = query("SELECT MIN(id) FROM audit_log WHERE id > $1")
                .bind(last_id)
                .fetch_one(&self.pool)
                .await?
                .get(0);
            if more.is_none() {
                return Ok(broken(
                    last_id + 1,
                    ChainProblem::Truncated,
                    checked,
                    last_hash,
                ));
            }
        }
    }
}

/// Adds a job; its payload is sealed bound to the id the insert gives (placeholder first).
async fn insert_job(store: &Store, tx: &mut Tx, job: &NewJob, now: Timestamp) -> Result<()> {
    let inserted = query(
        "INSERT INTO jobs (kind, payload, status, run_at, attempts, max_attempts, dedupe_key,
                           created_at)
         VALUES ($1, $2, 'pending', $3, 0, $4, $5, $6)
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
    )
    .bind(&job.kind)
    .bind("")
    .bind(job.run_at)
    .bind(i64::from(job.max_attempts))
    .bind(&job.dedupe_key)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(row) = inserted {
        let id: i64 = row.get(0);
        query("UPDATE jobs SET payload = $1 WHERE id = $2")
            .bind(store.seal(sealed::col::JOB_PAYLOAD, &[&id.to_string()], &job.payload)?)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Takes the chain's head for this transaction and returns it (last id, last hash). The
/// no-op update is the first write, so in SQLite it takes the write lock before the head is
/// read: appends are serialised (PostgreSQL: `SELECT … FOR UPDATE`, see [`audit_chain`]).
async fn lock_chain_head(tx: &mut Tx) -> Result<(i64, String)> {
    let row = query(
        "UPDATE audit_chain_head SET last_id = last_id WHERE id = 1 RETURNING last_id, last_hash",
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::Corrupt("the audit chain's head is missing".into()))?;
    Ok((row.get(0), row.get(1)))
}

async fn set_chain_head(tx: &mut Tx, last_id: i64, last_hash: &str) -> Result<()> {
    query("UPDATE audit_chain_head SET last_id = $1, last_hash = $2 WHERE id = 1")
        .bind(last_id)
        .bind(last_hash)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The chained fields of an `audit_log` row selected as
/// `id, at, actor_kind, actor_id, action, application_id, detail, …`.
fn chain_fields<'r>(r: &'r DbRow, prev_hash: &'r str) -> audit_chain::ChainFields<'r> {
    audit_chain::ChainFields {
        id: r.get(0),
        at: r.get(1),
        actor_kind: r.get(2),
        actor_id: r.get(3),
        action: r.get(4),
        application_id: r.get(5),
        detail: r.get(6),
        prev_hash,
    }
}

/// An audit record as selected by `SELECT id, at, actor_kind, actor_id, action,
/// application_id, detail, prev_hash, hash`.
fn audit_row(r: &DbRow) -> AuditRow {
    // Stored as text on both databases (the chain hashes it as written).
    let at: &str = r.get(1);
    AuditRow {
        id: r.get(0),
        at: DateTime::parse_from_rfc3339(at)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default(),
        actor_kind: r.get(2),
        actor_id: r.get(3),
        action: r.get(4),
        application: r.get::<Option<i64>, _>(5).map(ApplicationId),
        detail: r.get(6),
        prev_hash: r.get(7),
        hash: r.get(8),
    }
}

/// Appends one record to the audit log, chained to the last one (see [`audit_chain`]).
async fn insert_audit(tx: &mut Tx, entry: &NewAudit) -> Result<()> {
    let (kind, actor_id) = entry.actor.parts();
    let (last_id, prev_hash) = lock_chain_head(tx).await?;
    let id = last_id + 1;
    // Stored as text exactly as hashed (the format sqlx itself writes timestamps in).
    let at = entry
        .at
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
    let detail = entry.detail.to_string();
    let application_id = entry.application.map(|a| a.0);
    let hash = audit_chain::record_hash(&audit_chain::ChainFields {
        id,
        at: &at,
        actor_kind: kind,
        actor_id,
        action: &entry.action,
        application_id,
        detail: &detail,
        prev_hash: &prev_hash,
    })
    .ok_or_else(|| StoreError::Corrupt(format!("audit head hash {prev_hash}")))?;
    query(
        "INSERT INTO audit_log (id, at, actor_kind, actor_id, action, application_id, detail,
                                prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(&at)
    .bind(kind)
    .bind(actor_id)
    .bind(&entry.action)
    .bind(application_id)
    .bind(&detail)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    set_chain_head(tx, id, &hash).await?;
    Ok(())
}

#[cfg(test)]
mod tests;
