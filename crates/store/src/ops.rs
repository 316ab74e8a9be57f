//! What operations need from the database: the counts `/metrics` shows, and an online,
//! consistent copy of a SQLite database for backups.

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
