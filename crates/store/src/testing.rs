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

/// A real S3-compatible server for tests: moto's (`pip install 'moto[server]==5.2.1'`;
/// `.ci/run` installs it), started on a free loopback port and killed on drop.
///
/// [`MotoServer::start`] finds `moto_server` on the `PATH`, else `python3 -m moto.server`.
/// When neither runs, it fails the test under CI (`CI` set) and otherwise prints a skip line
/// and returns `None`, so the S3 tests skip on a machine without moto.
#[derive(Debug)]
pub struct MotoServer {
    child: std::process::Child,
    port: u16,
}

/// The credentials the tests give moto (which accepts any).
pub const MOTO_ACCESS_KEY_ID: &str = "wangban-test";
pub const MOTO_SECRET_ACCESS_KEY: &str = "wangban-test-secret-9f3c";

impl MotoServer {
    /// Starts moto (see the type's documentation); `None` means "skip this test".
    pub fn start(test: &str) -> Option<MotoServer> {
        let candidates: [(&str, &[&str]); 2] =
            [("moto_server", &[]), ("python3", &["-m", "moto.server"])];
        let mut tried = Vec::new();
        for (program, args) in candidates {
            let port = free_port();
            let child = std::process::Command::new(program)
                .args(args)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn();
            let Ok(child) = child else {
                tried.push(format!("{program}: not found"));
                continue;
            };
            let mut server = MotoServer { child, port };
            match server.wait_ready() {
                Ok(()) => return Some(server),
                Err(why) => tried.push(format!("{program} {}: {why}", args.join(" "))),
            }
        }
        let why = tried.join("; ");
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
            panic!("{test}: moto is required under CI (pip install 'moto[server]==5.2.1'): {why}");
        }
        eprintln!("SKIPPED {test}: no moto S3 server ({why}); pip install 'moto[server]==5.2.1'");
        None
    }

    /// Waits up to 30 s for the server to answer; fails if it exits first.
    fn wait_ready(&mut self) -> std::result::Result<(), String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited ({status})"));
            }
            if http(self.port, "GET", "/").is_ok_and(|code| code == 200) {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Err("no answer within 30 s".into())
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Creates a bucket (a plain PUT: moto takes unsigned requests).
    pub fn create_bucket(&self, bucket: &str) {
        let code = http(self.port, "PUT", &format!("/{bucket}")).expect("moto answers");
        assert_eq!(code, 200, "create bucket {bucket}");
    }

    /// Every object in `bucket` (name, bytes), read past wangban with a client of its own:
    /// what anyone with access to the bucket sees.
    pub async fn objects(&self, bucket: &str) -> Vec<(String, Vec<u8>)> {
        use object_store::{ObjectStore, ObjectStoreExt};
        let store = object_store::aws::AmazonS3Builder::new()
            .with_endpoint(self.endpoint())
            .with_allow_http(true)
            .with_bucket_name(bucket)
            .with_region("us-east-1")
            .with_access_key_id("reader")
            .with_secret_access_key("reader")
            .build()
            .expect("an S3 client");
        let mut names = Vec::new();
        let mut todo = vec![None];
        while let Some(prefix) = todo.pop() {
            let listed = store
                .list_with_delimiter(prefix.as_ref())
                .await
                .expect("list the bucket");
            names.extend(listed.objects.into_iter().map(|o| o.location));
            todo.extend(listed.common_prefixes.into_iter().map(Some));
        }
        let mut out = Vec::new();
        for name in names {
            let bytes = store
                .get(&name)
                .await
                .expect("get an object")
                .bytes()
                .await
                .expect("read an object");
            out.push((name.to_string(), bytes.to_vec()));
        }
        out.sort();
        out
    }

    /// `[storage]` settings for `bucket` on this server.
    pub fn settings(&self, bucket: &str) -> crate::blobs::StorageSettings {
        crate::blobs::StorageSettings {
            kind: crate::blobs::StorageKind::S3,
            endpoint: self.endpoint(),
            bucket: bucket.into(),
            access_key_id: MOTO_ACCESS_KEY_ID.into(),
            secret_access_key: MOTO_SECRET_ACCESS_KEY.into(),
            allow_http: true,
            ..crate::blobs::StorageSettings::default()
        }
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on (free when asked).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// One HTTP/1.1 request without a body to 127.0.0.1:`port`; the response's status code.
fn http(port: u16, method: &str, path: &str) -> std::io::Result<u16> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    s.read_to_end(&mut answer)?;
    let line = String::from_utf8_lossy(&answer);
    line.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("not an HTTP answer"))
}
