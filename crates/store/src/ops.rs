//! What operations need from the database: the counts `/metrics` shows, an online,
//! consistent copy of a SQLite database for backups, and on PostgreSQL an exported snapshot
//! for `pg_dump` and a look at a database before a restore replaces it.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::db::query;
use crate::{Result, Store, StoreError, Timestamp};

/// Counts for the metrics endpoint, read at scrape time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpsCounts {
    /// (kind, status, count) of background jobs.
    pub jobs: Vec<(String, String, i64)>,
    /// (state, count) of applications whose running clock's deadline has passed.
    pub overdue: Vec<(String, i64)>,
    /// (kind, count) of sessions neither idle- nor absolutely expired.
    pub sessions: Vec<(String, i64)>,
}

impl Store {
    /// The counts `/metrics` shows at `now`.
    pub async fn ops_counts(&self, now: Timestamp) -> Result<OpsCounts> {
        let jobs = query("SELECT kind, status, COUNT(*) FROM jobs GROUP BY kind, status")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        let overdue = query(
            "SELECT state, COUNT(*) FROM applications
             WHERE due_at IS NOT NULL AND due_at < $1 GROUP BY state",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
        let sessions = query(
            "SELECT kind, COUNT(*) FROM sessions
             WHERE idle_expires_at > $1 AND absolute_expires_at > $2 GROUP BY kind",
        )
        .bind(now)
        .bind(now)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
        Ok(OpsCounts {
            jobs,
            overdue,
            sessions,
        })
    }
}

/// Writes a consistent copy of the SQLite database at `db` to `out` (which must not exist)
/// with `VACUUM INTO`: one read transaction, so the copy is a snapshot even while a server
/// writes. Opens the database without migrating it.
pub async fn backup_sqlite(db: &Path, out: &Path) -> Result<()> {
    if !db.is_file() {
        return Err(StoreError::NotFound);
    }
    let options = SqliteConnectOptions::new()
        .filename(db)
        .read_only(true)
        .busy_timeout(Duration::from_secs(30));
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    let target = out.to_str().ok_or_else(|| {
        StoreError::Corrupt(format!("backup path is not UTF-8: {}", out.display()))
    })?;
    let result = sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(&pool)
        .await;
    pool.close().await;
    result?;
    Ok(())
}

/// Checks a SQLite database file: `PRAGMA integrity_check` answers `ok` and it holds the
/// applied-migrations table. Returns the number of applications it holds.
pub async fn check_sqlite(db: &Path) -> Result<i64> {
    let options = SqliteConnectOptions::new().filename(db).read_only(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    let result = async {
        let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await?;
        if verdict != "ok" {
            return Err(StoreError::Corrupt(verdict));
        }
        let migrations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await?;
        if migrations == 0 {
            return Err(StoreError::Corrupt("no migrations applied".into()));
        }
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM applications")
            .fetch_one(&pool)
            .await?)
    }
    .await;
    pool.close().await;
    result
}

/// A read-only, repeatable-read transaction on a PostgreSQL database whose snapshot is
/// exported, so that `pg_dump --snapshot` copies exactly what it saw while a server writes.
/// Keep it until the dump has finished, then [`PostgresSnapshot::release`] it.
pub struct PostgresSnapshot {
    conn: sqlx::PgConnection,
    id: String,
    applications: i64,
}

impl PostgresSnapshot {
    /// Opens the transaction on the database named by `settings` (which must be PostgreSQL)
    /// and counts the applications in its snapshot.
    pub async fn take(settings: &crate::DatabaseSettings) -> Result<PostgresSnapshot> {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&settings.url)
            .await
            .map_err(|source| StoreError::Unreachable {
                url: crate::redact_url(&settings.url),
                source,
            })?;
        sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut conn)
            .await?;
        let id: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
            .fetch_one(&mut conn)
            .await?;
        let applications: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM applications")
            .fetch_one(&mut conn)
            .await?;
        Ok(PostgresSnapshot {
            conn,
            id,
            applications,
        })
    }

    /// The exported snapshot's id (for `pg_dump --snapshot`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The number of applications in the snapshot.
    pub fn applications(&self) -> i64 {
        self.applications
    }

    /// Ends the transaction (it changed nothing).
    pub async fn release(mut self) {
        use sqlx::Connection;
        let _ = sqlx::query("ROLLBACK").execute(&mut self.conn).await;
        let _ = self.conn.close().await;
    }
}

/// Whether the PostgreSQL database named by `settings` holds no table in its `public` schema
/// (a database a backup may be restored into without replacing anything), and the number of
/// applications when it has them.
pub async fn postgres_contents(settings: &crate::DatabaseSettings) -> Result<Option<i64>> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&settings.url)
        .await
        .map_err(|source| StoreError::Unreachable {
            url: crate::redact_url(&settings.url),
            source,
        })?;
    let result = async {
        let tables: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .fetch_one(&mut conn)
        .await?;
        if tables == 0 {
            return Ok(None);
        }
        let applications: Option<i64> = sqlx::query_scalar("SELECT COUNT(*) FROM applications")
            .fetch_one(&mut conn)
            .await
            .ok();
        Ok(Some(applications.unwrap_or(0)))
    }
    .await;
    let _ = conn.close().await;
    result
}
