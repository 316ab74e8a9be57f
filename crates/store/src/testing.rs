//! Test support, for this crate's tests and the server's: a fresh PostgreSQL database per test,
//! dropped when the test ends, so that no test relies on what another left behind.
//!
//! The server is `WANGBAN_TEST_POSTGRES` (an admin URL; default
//! `postgres://postgres@127.0.0.1:5432/postgres`, the machine's trust-auth server). Each
//! database is `wangban_test_<random>`; one left by a killed test run is dropped by the next
//! run once it is an hour old.

use std::ops::Deref;
use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use crate::{DatabaseSettings, Result, Store};

/// The admin URL tests create their databases with.
pub fn admin_url() -> String {
    std::env::var("WANGBAN_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A database of its own on the PostgreSQL server, dropped (with its connections) on drop.
#[derive(Debug)]
pub struct PgTestDb {
    name: String,
    url: String,
}

impl PgTestDb {
    /// Creates an empty database. Fails when the server cannot be reached: a test that
    /// needs PostgreSQL fails rather than passes without it.
    pub async fn create() -> Result<PgTestDb> {
        let admin = admin_url();
        let mut conn = PgConnection::connect(&admin).await.map_err(|source| {
            crate::StoreError::Unreachable {
                url: crate::redact_url(&admin),
                source,
            }
        })?;
        sweep_stale(&mut conn).await;
        let name = format!("wangban_test_{}", hex::encode(rand::random::<[u8; 8]>()));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await?;
        let _ = conn.close().await;
        // The admin URL with this database's name in its path (kept free of driver options,
        // so that PostgreSQL's own tools take it too).
        let (base, params) = match admin.split_once('?') {
            Some((b, p)) => (b, format!("?{p}")),
            None => (admin.as_str(), String::new()),
        };
        let server = match base.split_once("://").map(|(_, rest)| rest.contains('/')) {
            Some(true) => base.rsplit_once('/').map_or(base, |(s, _)| s),
            _ => base,
        };
        let url = format!("{server}/{name}{params}");
        PgConnectOptions::from_str(&url)?;
        Ok(PgTestDb { name, url })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `[database]` settings naming this database.
    pub fn settings(&self) -> DatabaseSettings {
        DatabaseSettings {
            url: self.url.clone(),
            max_connections: 8,
            ..DatabaseSettings::default()
        }
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop may run inside a runtime that must not block on itself: a thread of its own
        // with a small runtime drops the database and is waited for.
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(async {
                    if let Ok(mut conn) = PgConnection::connect(&admin_url()).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut conn)
                                .await;
                        let _ = conn.close().await;
                    }
                });
            }
        });
        let _ = done.join();
    }
}

/// Drops test databases an hour old or more (their test run was killed before it could).
async fn sweep_stale(conn: &mut PgConnection) {
    let stale: Vec<String> = sqlx::query_scalar(
        "SELECT d.datname FROM pg_database d
         WHERE d.datname LIKE 'wangban\\_test\\_%'
           AND (pg_stat_file('base/' || d.oid || '/PG_VERSION')).modification
               < now() - interval '1 hour'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    for name in stale {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut *conn)
            .await;
    }
}

/// A keyring with one random KEK, as a test configures it.
pub fn test_keyring() -> crate::crypto::Keyring {
    crate::crypto::Keyring::new(
        "test",
        [("test".to_owned(), crate::crypto::Secret::random())],
    )
    .expect("a keyring of one key")
}

/// Unlocks a store for a test with a fresh keyring.
pub async fn unlock(store: Store) -> Store {
    store
        .unlock(&test_keyring(), chrono::Utc::now())
        .await
        .expect("unlock the test store")
}

/// A migrated, unlocked store on either backend for a test; derefs to [`Store`].
#[derive(Debug)]
pub struct TestStore {
    pub store: Store,
    /// Kept for its drop (declared after `store`, so dropped after it).
    pub pg: Option<PgTestDb>,
}

impl TestStore {
    /// An in-memory SQLite database.
    pub async fn sqlite() -> TestStore {
        TestStore {
            store: unlock(Store::open_memory().await.expect("in-memory SQLite")).await,
            pg: None,
        }
    }

    /// A fresh PostgreSQL database.
    pub async fn postgres() -> TestStore {
        let db = PgTestDb::create()
            .await
            .expect("PostgreSQL for tests (WANGBAN_TEST_POSTGRES)");
        let store = Store::open_postgres(&db.settings())
            .await
            .expect("open the test database");
        let store = unlock(store).await;
        TestStore {
            store,
            pg: Some(db),
        }
    }
}

impl Deref for TestStore {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}
